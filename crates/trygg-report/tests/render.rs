//! The HTML and XLSX renderers on a document with every kind of block and hostile text.

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use std::collections::{HashMap, HashSet};
use std::io::Cursor;
use trygg_report::doc::{Block, Cell, Column, Doc, Figure, NumberFormat, Section, Table};
use trygg_report::html::{REPORT_CSS, render_fragment, render_standalone};
use trygg_report::xlsx::render_xlsx;

/// Text that breaks naive HTML, XML and CDATA writers.
const HOSTILE: &str = "<script>alert(\"x\")</script> & ]]> 'q'";

/// A small SVG as our chart renderer writes it: role, title, desc, presentation attributes.
fn svg(id: &str, title: &str) -> String {
    format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 720 200" width="720" height="200" "#,
            r#"class="chart" role="img" aria-labelledby="{id}-title {id}-desc">"#,
            r#"<title id="{id}-title">{title}</title><desc id="{id}-desc">Rinkeby 12,5; Tensta 8,0.</desc>"#,
            r##"<g font-family="sans-serif" font-size="12" fill="#1b1f23">"##,
            r##"<rect x="120" y="40" width="400" height="40" fill="#0072b2"/>"##,
            r#"<text x="10" y="65">Rinkeby</text><text x="530" y="65">12,5</text>"#,
            r##"<rect x="120" y="110" width="256" height="40" fill="#e69f00"/>"##,
            r#"<text x="10" y="135">Tensta</text><text x="386" y="135">8,0</text></g></svg>"#
        ),
        id = id,
        title = title
    )
}

fn col(header: &str, unit: Option<&str>, format: NumberFormat) -> Column {
    Column { header: header.to_owned(), unit: unit.map(str::to_owned), format }
}

fn crime_table(id: &str, caption: &str) -> Table {
    Table {
        id: id.to_owned(),
        caption: caption.to_owned(),
        columns: vec![
            col("Område", None, NumberFormat::Text),
            col("Anmälda brott", Some("antal"), NumberFormat::Integer),
            col("Per 1 000 invånare", Some("per 1 000 inv."), NumberFormat::Decimal(1)),
            col("Förändring", None, NumberFormat::Percent(1)),
        ],
        rows: vec![
            vec![Cell::Text("Rinkeby".into()), Cell::Int(1234), Cell::Num(77.125), Cell::Num(-3.25)],
            vec![Cell::Text("Tensta".into()), Cell::Int(987_654), Cell::Num(51.0), Cell::Num(12.5)],
            vec![
                Cell::Text(HOSTILE.into()),
                Cell::Missing("..".into()),
                Cell::Missing("–".into()),
                Cell::Num(f64::NAN),
            ],
        ],
        source: format!("Källa: Brå, 2026-11-20. {HOSTILE}"),
    }
}

fn sample(lang: &str) -> Doc {
    Doc {
        lang: lang.to_owned(),
        title: format!("Lägesbild Järva 2026 {HOSTILE}"),
        subtitle: "Järva, 2026-T3, framtagen 2026-11-26".into(),
        meta: vec!["Utkast".into(), format!("Version 1 {HOSTILE}")],
        sections: vec![
            Section {
                id: "summary".into(),
                heading: format!("Sammanfattning {HOSTILE}"),
                blocks: vec![
                    Block::Paragraph(format!("Brotten minskar. {HOSTILE}")),
                    Block::List(vec!["Färre rån".into(), HOSTILE.into()]),
                    Block::Note(format!("Siffrorna för 2026 är preliminära. {HOSTILE}")),
                ],
            },
            Section {
                id: "crime".into(),
                heading: "Anmälda brott".into(),
                blocks: vec![
                    Block::Subheading(format!("Per område {HOSTILE}")),
                    Block::Table(crime_table("crime", &format!("Anmälda brott 2026 {HOSTILE}"))),
                    Block::Figure(Figure {
                        id: "crime-bars".into(),
                        caption: format!("Anmälda brott per 1 000 invånare {HOSTILE}"),
                        alt: format!("Stapeldiagram: Rinkeby 12,5, Tensta 8,0. {HOSTILE}"),
                        svg: svg("crime-bars", "Anmälda brott per 1 000 invånare"),
                        source: "Källa: Brå".into(),
                    }),
                ],
            },
            Section {
                id: "survey".into(),
                heading: "Trygghet".into(),
                blocks: vec![
                    // Same id as another table, and one that is not a valid sheet name.
                    Block::Table(crime_table("crime", "Andra tabellen")),
                    Block::Table(crime_table(
                        "bad[id]:*?/\\-with-a-name-far-longer-than-excel-allows",
                        "Tredje",
                    )),
                    Block::Figure(Figure {
                        id: "survey-map".into(),
                        caption: "Otrygghet per område".into(),
                        alt: "Otrygg sent en kväll".into(),
                        // Its own title already says what the alt text says.
                        svg: svg("survey-map", "Otrygg sent en kväll"),
                        source: String::new(),
                    }),
                ],
            },
        ],
    }
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// All values of an attribute, in order.
fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let key = format!(" {attr}=\"");
    html.match_indices(&key)
        .filter_map(|(i, _)| {
            let rest = &html[i + key.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

/// Checks that every element is closed in order (void and self-closing elements aside):
/// an unescaped `<` or `>` in a text would break this.
fn assert_balanced(html: &str) {
    const VOID: [&str; 4] = ["br", "meta", "link", "img"];
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').map(|e| start + e).expect("a tag is closed");
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name.trim()), "closing </{name}> out of order");
            continue;
        }
        let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        assert!(!name.is_empty(), "a stray '<' before {tag:?}");
        if name == "style" {
            let close = rest.find("</style>").expect("style is closed");
            rest = &rest[close + "</style>".len()..];
            continue;
        }
        if !tag.ends_with('/') && !VOID.contains(&name.as_str()) {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
}

#[test]
fn html_escapes_every_text() {
    let doc = sample("sv");
    let html = render_fragment(&doc);
    assert!(!html.contains("<script"), "no script element may come out of the text");
    assert!(!html.contains("]]>"));
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; ]]&gt; &#39;q&#39;"));
    assert_balanced(&html);
    assert_balanced(&render_standalone(&doc));
}

#[test]
fn html_has_the_structure_of_the_document() {
    let doc = sample("sv");
    let html = render_fragment(&doc);
    assert!(html.starts_with("<article class=\"report\" lang=\"sv\">"));
    assert_eq!(count(&html, "<h1"), 1);
    assert_eq!(count(&html, "<h2"), doc.sections.len());
    assert_eq!(count(&html, "<h3>"), 1);
    assert_eq!(count(&html, "<section aria-labelledby="), doc.sections.len());
    for id in ["summary", "crime", "survey"] {
        assert!(html.contains(&format!("<section aria-labelledby=\"{id}\">\n<h2 id=\"{id}\">")), "{id}");
        assert!(html.contains(&format!("<li><a href=\"#{id}\">")), "the contents link to {id}");
    }
    assert!(html.contains("<nav class=\"toc\" id=\"report-toc\" aria-label=\"Innehåll\">"));
    assert_eq!(count(&html, "<aside class=\"note\">"), 1);
    assert_eq!(count(&html, "<ul>"), 1);

    // Tables: captions, header scopes, units, row headers, numbers in the Swedish style.
    let tables = doc.tables().count();
    assert_eq!(count(&html, "<table "), tables);
    assert_eq!(count(&html, "<caption "), tables);
    assert_eq!(count(&html, "<th scope=\"col\""), tables * 4);
    assert_eq!(count(&html, "<th scope=\"row\""), tables * 3);
    assert_eq!(count(&html, "<th ") + count(&html, "<th>"), tables * 7, "every header cell has a scope");
    assert_eq!(count(&html, "<span class=\"unit\">per 1 000 inv.</span>"), tables);
    assert!(html.contains("<td class=\"num\">987\u{202f}654</td>"));
    assert!(html.contains("<td class=\"num\">77,1</td>"));
    assert!(html.contains("<td class=\"num\">\u{2212}3,2\u{a0}%</td>"));
    assert!(html.contains("<td class=\"num\">–</td>"), "a NaN shows as a dash");
    assert!(html.contains("<td class=\"num missing\">..</td>"));
    assert_eq!(count(&html, "<p class=\"source\">"), tables);

    // Figures: the SVG as it is (its title is the accessible name), caption, source.
    assert_eq!(count(&html, "<figure "), 2);
    assert_eq!(count(&html, "<figcaption>"), 2);
    for figure in doc.figures() {
        assert!(html.contains(&figure.svg), "the SVG is inserted unchanged");
    }
    assert!(html.contains("<title id=\"crime-bars-title\">Anmälda brott per 1 000 invånare</title>"));
    assert!(
        html.contains("<p class=\"visually-hidden\">Stapeldiagram: Rinkeby 12,5, Tensta 8,0. &lt;script")
    );
    assert_eq!(count(&html, "visually-hidden"), 1, "an alt text the SVG already carries is not repeated");
    assert!(html.contains(" <span class=\"source\">Källa: Brå</span></figcaption>"));
}

#[test]
fn html_ids_are_unique_and_references_resolve() {
    let html = render_fragment(&sample("sv"));
    let ids = attr_values(&html, "id");
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids in {ids:?}");
    assert!(unique.contains("table-crime") && unique.contains("table-crime-2"), "{ids:?}");
    for id in &ids {
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{id}");
    }
    for labels in attr_values(&html, "aria-labelledby") {
        for id in labels.split_whitespace() {
            assert!(unique.contains(id), "aria-labelledby points to a missing id {id}");
        }
    }
    for href in attr_values(&html, "href") {
        let target = href.strip_prefix('#').expect("only links within the report");
        assert!(unique.contains(target), "a link to a missing id {target}");
    }
}

#[test]
fn html_labels_follow_the_language() {
    let html = render_fragment(&sample("en"));
    assert!(html.contains("aria-label=\"Contents\""));
    assert!(html.contains("<td class=\"num\">987,654</td>"));
    assert!(html.contains("<td class=\"num\">-3.2%</td>"));
    assert!(!html.contains("Innehåll"));
}

#[test]
fn standalone_html_is_complete_and_self_contained() {
    let doc = sample("en");
    let html = render_standalone(&doc);
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("<title>Lägesbild Järva 2026 &lt;script&gt;"));
    assert_eq!(count(&html, "<style"), 1);
    assert!(html.contains(REPORT_CSS));
    assert!(html.contains(&render_fragment(&doc)));
    assert_eq!(count(&html, "<main>"), 1);
    for external in ["<script", "<link", " src=", "@import", "url("] {
        assert!(!html.contains(external), "{external}");
    }
}

#[test]
fn the_stylesheet_covers_print_and_the_figures() {
    for rule in [
        "@page { size: A4",
        "@media print",
        "break-before: page",
        "break-inside: avoid",
        "display: table-header-group",
        ".report .num",
        "svg.map",
        "svg.chart",
        ".visually-hidden",
    ] {
        assert!(REPORT_CSS.contains(rule), "{rule}");
    }
    assert!(!REPORT_CSS.contains("url("), "no external resources");
}

fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(bytes)).expect("a workbook")
}

fn is_number(value: Option<&Data>) -> bool {
    matches!(value, Some(Data::Float(_) | Data::Int(_)))
}

fn number(value: Option<&Data>) -> f64 {
    match value {
        Some(Data::Float(x)) => *x,
        Some(Data::Int(n)) => *n as f64,
        other => panic!("not a number: {other:?}"),
    }
}

fn text(value: Option<&Data>) -> &str {
    match value {
        Some(Data::String(s)) => s,
        other => panic!("not a text: {other:?}"),
    }
}

#[test]
fn xlsx_has_a_valid_unique_sheet_per_table() {
    let mut book = open(render_xlsx(&sample("sv")).unwrap());
    let names = book.sheet_names();
    assert_eq!(names, ["Om rapporten", "crime", "crime~2", "bad-id-------with-a-name-far-lo"]);
    for name in &names {
        assert!(name.encode_utf16().count() <= 31);
        assert!(!name.contains(['[', ']', ':', '*', '?', '/', '\\']));
    }
    let about = book.worksheet_range("Om rapporten").unwrap();
    assert_eq!(text(about.get_value((0, 0))), format!("Lägesbild Järva 2026 {HOSTILE}"));
    assert_eq!(text(about.get_value((1, 0))), "Järva, 2026-T3, framtagen 2026-11-26");
    assert_eq!(text(about.get_value((2, 0))), "Utkast");
    // Every table is listed with its caption, sheet and source.
    let listed: HashMap<String, (String, String)> = about
        .rows()
        .filter_map(|row| match row {
            [Data::String(caption), Data::String(sheet), Data::String(source), ..] => {
                Some((sheet.clone(), (caption.clone(), source.clone())))
            }
            _ => None,
        })
        .collect();
    assert_eq!(listed["crime"].0, format!("Anmälda brott 2026 {HOSTILE}"));
    assert_eq!(listed["crime~2"].0, "Andra tabellen");
    assert_eq!(listed["bad-id-------with-a-name-far-lo"].1, format!("Källa: Brå, 2026-11-20. {HOSTILE}"));
    assert_eq!(listed["Blad"].0, "Tabell", "the list has a header row");
}

#[test]
fn xlsx_numbers_are_numbers_and_texts_texts() {
    let mut book = open(render_xlsx(&sample("sv")).unwrap());
    let sheet = book.worksheet_range("crime").unwrap();
    assert_eq!(text(sheet.get_value((0, 0))), format!("Anmälda brott 2026 {HOSTILE}"));
    assert_eq!(text(sheet.get_value((2, 0))), "Område");
    assert_eq!(text(sheet.get_value((2, 2))), "Per 1 000 invånare");
    assert_eq!(text(sheet.get_value((3, 1))), "antal");
    assert_eq!(text(sheet.get_value((3, 3))), "%", "a per-cent column says so in its unit");
    // Data from row 5 (index 4).
    assert_eq!(text(sheet.get_value((4, 0))), "Rinkeby");
    assert!(is_number(sheet.get_value((4, 1))));
    assert_eq!(number(sheet.get_value((4, 1))), 1234.0);
    assert_eq!(number(sheet.get_value((5, 1))), 987_654.0);
    assert_eq!(number(sheet.get_value((4, 2))), 77.125, "stored unrounded; the format rounds");
    assert_eq!(number(sheet.get_value((4, 3))), -3.25, "per cent stored as per cent, not divided by 100");
    assert_eq!(number(sheet.get_value((5, 3))), 12.5);
    assert_eq!(text(sheet.get_value((6, 0))), HOSTILE);
    assert_eq!(text(sheet.get_value((6, 1))), "..");
    assert_eq!(text(sheet.get_value((6, 2))), "–");
    assert_eq!(text(sheet.get_value((6, 3))), "–", "Excel has no NaN");
    // The source two rows below the last data row.
    assert_eq!(sheet.get_value((7, 0)), Some(&Data::Empty));
    assert_eq!(text(sheet.get_value((8, 0))), format!("Källa: Brå, 2026-11-20. {HOSTILE}"));
    assert_eq!(sheet.end(), Some((8, 3)));
}

#[test]
fn xlsx_about_sheet_follows_the_language() {
    let mut book = open(render_xlsx(&sample("en")).unwrap());
    assert_eq!(book.sheet_names()[0], "About");
    let about = book.worksheet_range("About").unwrap();
    assert!(about.rows().any(|r| r.first() == Some(&Data::String("Tables".into()))));
}

#[test]
fn xlsx_of_a_document_without_tables_has_the_about_sheet_only() {
    let doc = Doc {
        lang: "sv".into(),
        title: "Tom".into(),
        subtitle: String::new(),
        meta: vec![],
        sections: vec![Section {
            id: "a".into(),
            heading: "A".into(),
            blocks: vec![Block::Paragraph("x".into())],
        }],
    };
    let mut book = open(render_xlsx(&doc).unwrap());
    assert_eq!(book.sheet_names(), ["Om rapporten"]);
    assert_eq!(text(book.worksheet_range("Om rapporten").unwrap().get_value((0, 0))), "Tom");
}

/// A report as the situation report will look: real charts and a map, and a
/// table long enough to run over a page.
fn showcase() -> Doc {
    use trygg_core::{LatLon, Polygon};
    use trygg_report::chart::{
        BarChart, HeatTable, LineChart, Series, bar_chart_svg, heat_table_svg, line_chart_svg,
    };
    use trygg_report::map::{LegendItem, MapCell, MapShape, MapSpec, render_svg};

    let series = |name: &str, values: &[f64]| Series {
        name: name.to_owned(),
        values: values.iter().map(|v| Some(*v)).collect(),
    };
    let bars = bar_chart_svg(&BarChart {
        id: "fig-bars".into(),
        title: "Anmälda brott per 1 000 invånare".into(),
        description: "Rinkeby-Kista och Spånga-Tensta, 2025 och 2026.".into(),
        categories: vec!["Rinkeby-Kista".into(), "Spånga-Tensta".into(), "Stockholms stad".into()],
        series: vec![series("2025", &[112.4, 98.2, 120.0]), series("2026", &[104.9, 101.3, 117.5])],
        unit: "per 1 000 inv.".into(),
        lang: "sv".into(),
        width: 720,
    });
    let lines = line_chart_svg(&LineChart {
        id: "fig-lines".into(),
        title: "Otrygghet över tid".into(),
        description: "Andel som känner sig otrygga sent en kväll.".into(),
        x_labels: ["2019", "2020", "2021", "2022", "2023", "2024", "2025"].map(String::from).to_vec(),
        series: vec![
            series("Kvinnor", &[41.0, 39.5, 42.0, 44.1, 40.2, 38.0, 36.4]),
            series("Män", &[18.0, 17.2, 19.5, 20.1, 18.4, 16.0, 15.2]),
        ],
        unit: "%".into(),
        lang: "sv".into(),
        width: 720,
    });
    let heat = heat_table_svg(&HeatTable {
        id: "fig-heat".into(),
        title: "Händelser per veckodag och timme".into(),
        description: "Flest händelser fredag och lördag kväll.".into(),
        row_labels: ["mån", "tis", "ons", "tor", "fre", "lör", "sön"].map(String::from).to_vec(),
        col_labels: (0..24).map(|h| format!("{h:02}")).collect(),
        values: (0..7).map(|d| (0..24).map(|h| f64::from((d * 7 + h * 3) % 23)).collect()).collect(),
        unit: "händelser".into(),
        lang: "sv".into(),
        width: 720,
    });
    let ring = |lat: f64, lon: f64, d: f64| {
        vec![vec![
            LatLon::new(lat, lon).unwrap(),
            LatLon::new(lat, lon + 2.0 * d).unwrap(),
            LatLon::new(lat + d, lon + 2.0 * d).unwrap(),
            LatLon::new(lat + d, lon).unwrap(),
            LatLon::new(lat, lon).unwrap(),
        ]]
    };
    let (west, east) = (
        Polygon::new(vec![ring(59.38, 17.90, 0.01)]).unwrap(),
        Polygon::new(vec![ring(59.38, 17.94, 0.01)]).unwrap(),
    );
    let cells: Vec<MapCell> = (0..8)
        .flat_map(|i| (0..4).map(move |j| (i, j)))
        .map(|(i, j)| {
            let (x, y) = (664_800.0 + 400.0 * f64::from(i), 6_585_500.0 + 250.0 * f64::from(j));
            let class = if (i, j) == (3, 2) {
                "density-5 hot".to_owned()
            } else {
                format!("density-{}", 1 + (i + j) % 5)
            };
            MapCell { x0: x, y0: y, x1: x + 400.0, y1: y + 250.0, class, title: None }
        })
        .collect();
    let map = render_svg(&MapSpec {
        id: "fig-map",
        title: "Händelsetäthet",
        description: "Täthet per ruta om 250 m; en signifikant het punkt.",
        shapes: vec![
            MapShape { id: "w", label: "Väster", boundary: &west, class: "", href: None },
            MapShape { id: "e", label: "Öster", boundary: &east, class: "", href: None },
        ],
        cells,
        outline_only: true,
        legend: vec![
            LegendItem { class: "density-1".into(), label: "Låg".into() },
            LegendItem { class: "density-5".into(), label: "Hög".into() },
            LegendItem { class: "hot".into(), label: "Het punkt".into() },
        ],
        north_arrow: true,
        scale_bar: true,
        width: 720,
        ..Default::default()
    });
    let figure = |id: &str, caption: &str, svg: String| {
        Block::Figure(Figure {
            id: id.into(),
            caption: caption.into(),
            alt: caption.into(),
            svg,
            source: "Källa: syntetiska demodata".into(),
        })
    };
    let mut long = crime_table("long", "Händelser per vecka");
    long.rows = (1..=70)
        .map(|w| {
            vec![
                Cell::Text(format!("Vecka {w}")),
                Cell::Int(w * 37),
                Cell::Num(w as f64 / 3.0),
                Cell::Num(-1.5),
            ]
        })
        .collect();
    let mut doc = sample("sv");
    doc.title = "Lägesbild Järva 2026".into();
    doc.sections[1].blocks.push(figure("bars", "Anmälda brott per 1 000 invånare", bars));
    doc.sections[1].blocks.push(figure("lines", "Otrygghet över tid", lines));
    doc.sections.push(Section {
        id: "places".into(),
        heading: "Platser och tider".into(),
        blocks: vec![figure("map", "Händelsetäthet", map), figure("heat", "Veckodag och timme", heat)],
    });
    doc.sections.push(Section {
        id: "weeks".into(),
        heading: "Per vecka".into(),
        blocks: vec![Block::Table(long)],
    });
    doc
}

#[test]
fn real_figures_embed_cleanly() {
    let doc = showcase();
    let html = render_standalone(&doc);
    assert_balanced(&html);
    assert!(!html.contains(" style="), "no inline styles");
    let ids = attr_values(&html, "id");
    assert_eq!(ids.iter().copied().collect::<HashSet<_>>().len(), ids.len(), "duplicate ids");
}

/// Writes the sample as HTML and XLSX to the temporary directory, to look at
/// (`cargo test -p trygg-report --test render -- --ignored`).
#[test]
#[ignore = "writes files for a visual check"]
fn write_samples() {
    let dir = std::env::temp_dir();
    let doc = showcase();
    std::fs::write(dir.join("trygg-report-sample.html"), render_standalone(&doc)).unwrap();
    std::fs::write(dir.join("trygg-report-sample.xlsx"), render_xlsx(&doc).unwrap()).unwrap();
}
