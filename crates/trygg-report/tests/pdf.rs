//! The PDF renderer end to end: a report with every kind of block, hostile text and a table that
//! runs over several pages goes through typst, and poppler's `pdftotext`/`pdfinfo` read it back.
//!
//! Set `TRYGG_KEEP_PDF=/some/dir` to keep the PDFs for a look.
#![cfg(feature = "pdf")]

use std::path::PathBuf;
use std::process::Command;

use trygg_report::doc::{Block, Cell, Column, Doc, Figure, NumberFormat, Section, Table};
use trygg_report::pdf::{PdfError, render_pdf};

/// Text that would be markup, code or an escape if it were not passed literally.
const HOSTILE: &str = r#"#let x = 1 *bold* _it_ $x$ \ <b> @ref ] [ "q" // no comment"#;

fn column(header: &str, unit: Option<&str>, format: NumberFormat) -> Column {
    Column { header: header.into(), unit: unit.map(Into::into), format }
}

/// A report in `lang` with a paragraph, sub-heading, list, note, a small table, a long and wide
/// table and an SVG figure.
fn report(lang: &str) -> Doc {
    let small = Table {
        id: "small".into(),
        caption: "Anmälda brott per område".into(),
        columns: vec![
            column("Område", None, NumberFormat::Text),
            column("Anmälda brott", Some("antal"), NumberFormat::Integer),
            column("Andel otrygga", Some("%"), NumberFormat::Percent(1)),
        ],
        rows: vec![
            vec![Cell::Text("Rinkeby".into()), Cell::Int(12_345), Cell::Num(12.5)],
            vec![Cell::Text(HOSTILE.into()), Cell::Int(-7), Cell::Missing("..".into())],
        ],
        source: "Källa: Polisen, hämtad 2025-09-01".into(),
    };
    let mut columns = vec![column("Stadsdel", None, NumberFormat::Text)];
    for year in 2018..2025 {
        columns.push(column(&format!("År {year}"), Some("per 1 000 inv."), NumberFormat::Decimal(1)));
    }
    let rows: Vec<Vec<Cell>> = (0..150)
        .map(|i| {
            let mut row = vec![Cell::Text(format!("Stadsdel nr {i} med ett långt namn"))];
            row.extend((0..7).map(|y| Cell::Num(f64::from(i * 10 + y) + 0.25)));
            row
        })
        .collect();
    let wide = Table {
        id: "wide".into(),
        caption: "Brott per stadsdel och år".into(),
        columns,
        rows,
        source: "Källa: Brå".into(),
    };
    let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 200" role="img" aria-labelledby="t">
        <title id="t">Stapeldiagram</title>
        <rect x="10" y="50" width="80" height="150" fill="#333"/>
        <rect x="110" y="100" width="80" height="100" fill="#999"/>
        </svg>"##;
    let figure = Figure {
        id: "bars".into(),
        caption: "Anmälda brott 2024 och 2025".into(),
        alt: "Staplar: 2024 högre än 2025".into(),
        svg: svg.into(),
        source: "Källa: Polisens öppna data".into(),
    };
    Doc {
        lang: lang.into(),
        title: "Lägesbild Järva 2025 #1".into(),
        subtitle: "Järva, 2025-T2, framtagen 2025-09-01".into(),
        meta: vec!["Utkast".into(), "Version 3 *".into()],
        sections: vec![
            Section {
                id: "oversikt".into(),
                heading: "Översikt åäö ÅÄÖ".into(),
                blocks: vec![
                    Block::Paragraph(format!("Farligt: {HOSTILE} slut.")),
                    Block::Subheading("Trygghet [enkät]".into()),
                    Block::List(vec!["Första punkten: $x$".into(), "Andra punkten <b>".into()]),
                    Block::Note("Obs: uppgifterna för @ref är preliminära".into()),
                    Block::Table(small),
                    Block::Figure(figure),
                ],
            },
            Section { id: "brott".into(), heading: "Brott".into(), blocks: vec![Block::Table(wide)] },
        ],
    }
}

/// Writes the PDF to a file of its own (kept in `TRYGG_KEEP_PDF` if that is set).
fn save(name: &str, pdf: &[u8]) -> PathBuf {
    let dir = std::env::var_os("TRYGG_KEEP_PDF").map_or_else(std::env::temp_dir, PathBuf::from);
    let path = dir.join(format!("trygg-pdf-test-{}-{name}.pdf", std::process::id()));
    std::fs::write(&path, pdf).unwrap();
    path
}

/// Removes a test PDF unless `TRYGG_KEEP_PDF` asks to keep it.
fn discard(path: &PathBuf) {
    if std::env::var_os("TRYGG_KEEP_PDF").is_none() {
        std::fs::remove_file(path).ok();
    }
}

/// Runs a poppler tool on the file and returns what it prints; `None` if poppler is not installed
/// (which fails the test on CI).
fn poppler(tool: &str, options: &[&str], path: &PathBuf, after: &[&str]) -> Option<String> {
    match Command::new(tool).args(options).arg(path).args(after).output() {
        Ok(out) => {
            assert!(out.status.success(), "{tool} failed: {}", String::from_utf8_lossy(&out.stderr));
            Some(String::from_utf8(out.stdout).unwrap())
        }
        Err(e) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{tool} is needed on CI (poppler-utils): {e}"
            );
            eprintln!("{tool} not found ({e}); install poppler-utils to check the PDF");
            None
        }
    }
}

/// The text of the PDF with page breaks (form feeds) kept and odd spaces made plain.
fn text_of(path: &PathBuf) -> Option<String> {
    poppler("pdftotext", &["-enc", "UTF-8"], path, &["-"])
        .map(|t| t.replace(['\u{a0}', '\u{202f}', '\u{2009}'], " "))
}

/// The page count and title from `pdfinfo`.
fn info_of(path: &PathBuf) -> Option<(usize, String)> {
    let info = poppler("pdfinfo", &["-enc", "UTF-8"], path, &[])?;
    let field = |name: &str| {
        info.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim().to_owned()).unwrap_or_default()
    };
    Some((field("Pages:").parse().unwrap(), field("Title:")))
}

/// Collapses runs of whitespace so that a string wrapped over lines still matches.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn a_swedish_report_prints_every_block_and_its_text_literally() {
    let doc = report("sv");
    let pdf = render_pdf(&doc).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let path = save("sv", &pdf);
    let (Some(text), Some((pages, title))) = (text_of(&path), info_of(&path)) else { return };
    let flat = squash(&text);

    assert_eq!(title, doc.title, "document title in the metadata");
    if let Some(meta) = poppler("pdfinfo", &["-meta"], &path, &[]) {
        assert!(meta.contains("<dc:language><rdf:Bag><rdf:li>sv</rdf:li>"), "{meta}");
        assert!(meta.contains("<pdfuaid:part>1</pdfuaid:part>"), "claims PDF/UA-1: {meta}");
    }
    assert!((4..=12).contains(&pages), "{pages} pages");
    for expected in [
        "Lägesbild Järva 2025 #1",
        "Järva, 2025-T2, framtagen 2025-09-01",
        "Utkast",
        "Version 3 *",
        "Innehåll",
        "1 Översikt åäö ÅÄÖ",
        "1.1 Trygghet [enkät]",
        "2 Brott",
        HOSTILE,
        "Första punkten: $x$",
        "Andra punkten <b>",
        "Obs: uppgifterna för @ref är preliminära",
        "Anmälda brott per område",
        "Källa: Polisen, hämtad 2025-09-01",
        "12 345",
        "12,5 %",
        "..",
        "Anmälda brott 2024 och 2025",
        "Källa: Polisens öppna data",
        "Stadsdel nr 149 med ett långt namn",
        "1 490,2",
        "Brott per stadsdel och år",
        "Källa: Brå",
        "per 1 000 inv.",
    ] {
        assert!(flat.contains(expected), "missing {expected:?} in:\n{flat}");
    }
    // U+2212 MINUS SIGN; poppler may give it back as a hyphen-minus.
    assert!(flat.contains("−7") || flat.contains("-7"), "{flat}");
    // The hostile text is printed as it is, in the paragraph and in the table cell.
    assert!(flat.matches(HOSTILE).count() >= 2, "{flat}");

    let page_texts: Vec<&str> = text.split('\u{c}').filter(|p| !p.trim().is_empty()).collect();
    assert_eq!(page_texts.len(), pages);
    // Every page has its number in the footer.
    for (i, page) in page_texts.iter().enumerate() {
        let compact: String = page.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(compact.contains(&format!("{}/{pages}", i + 1)), "no page number on page {}: {page}", i + 1);
    }
    // The long table runs over pages, and its header row is repeated on each of them.
    let with_rows: Vec<&&str> = page_texts.iter().filter(|p| p.contains("Stadsdel nr")).collect();
    assert!(with_rows.len() >= 2, "the long table fits one page?");
    for page in with_rows {
        assert!(page.contains("År 2024"), "header row missing on a page of the table: {page}");
    }
    // The outline comes before the first section.
    let toc = flat.find("Innehåll").unwrap();
    assert!(toc < flat.find("Farligt:").unwrap());
    discard(&path);
}

#[test]
fn an_english_report_uses_english_words_and_numbers() {
    let pdf = render_pdf(&report("en")).unwrap();
    let path = save("en", &pdf);
    let Some(text) = text_of(&path) else { return };
    let flat = squash(&text);
    assert!(flat.contains("Contents"), "{flat}");
    assert!(!flat.contains("Innehåll"));
    assert!(flat.contains("12,345"), "{flat}");
    assert!(flat.contains("1,490.2"), "{flat}");
    discard(&path);
}

#[test]
fn an_empty_report_is_a_title_page() {
    let doc = Doc {
        lang: "sv".into(),
        title: "Tom".into(),
        subtitle: String::new(),
        meta: vec![],
        sections: vec![],
    };
    let pdf = render_pdf(&doc).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let path = save("empty", &pdf);
    if let Some((pages, title)) = info_of(&path) {
        assert_eq!((pages, title.as_str()), (1, "Tom"));
    }
    discard(&path);
}

#[test]
fn a_figure_that_is_not_svg_is_an_error_not_a_panic() {
    let mut doc = report("sv");
    doc.sections[0].blocks.push(Block::Figure(Figure {
        id: "broken".into(),
        caption: "Trasig".into(),
        alt: "Trasig".into(),
        svg: "<svg viewBox=\"0 0 1 1\"><rect".into(),
        source: String::new(),
    }));
    let err = render_pdf(&doc).unwrap_err();
    assert!(matches!(err, PdfError::Compile(_)), "{err}");
}
