//! A [`Doc`] as HTML: a fragment for the web pages and a self-contained file.
//!
//! [`render_fragment`] writes the report as one `<article class="report">`
//! (header, table of contents, sections) for embedding in a page; the page
//! serves [`REPORT_CSS`] as a stylesheet file, since its Content-Security-Policy
//! forbids inline styles. [`render_standalone`] wraps the same fragment in a
//! complete HTML5 document with that stylesheet embedded once, for saving or
//! mailing: no scripts and no external resources.
//!
//! Every text from the document is escaped; the figures' SVG comes from our
//! own renderers and is inserted as it is.

use crate::doc::{Block, Cell, Column, Doc, Figure, NumberFormat, Section, Table};
use std::collections::HashSet;

/// The report's stylesheet for screen and print (A4), scoped to `.report`.
///
/// Greyscale-safe: nothing is told by hue alone (rules, weights and
/// lightness carry the meaning). It sizes the SVG maps (`svg.map`) and
/// charts (`svg.chart`) to the text width and gives them a white ground; their
/// colours stay the renderers' presentation attributes, and outline-only maps
/// (`svg.map.outline-only`) keep unfilled areas even where a page's own map
/// styles fill them.
pub const REPORT_CSS: &str = r#"/* Trygg situation report: screen and print (A4). */
.report {
  --report-text: #1b1f23;
  --report-muted: #4a5560;
  --report-rule: #8c959f;
  --report-faint: #d0d7de;
  --report-panel: #f3f5f7;
  --report-link: #0b4f8a;
  color: var(--report-text);
  background: #ffffff;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 1rem;
  line-height: 1.5;
  max-width: 52rem;
  margin: 0 auto;
  padding: 1rem;
}
.report a { color: var(--report-link); }
.report a:focus-visible, .report .table-wrap:focus-visible {
  outline: 3px solid #b35c00; outline-offset: 2px; }
.report h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 .25rem; }
.report h2 { font-size: 1.5rem; line-height: 1.25; margin: 2.5rem 0 .75rem; padding-bottom: .25rem;
  border-bottom: 2px solid var(--report-text); }
.report h3 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.report p, .report ul { margin: 0 0 .75rem; }
.report .report-header { margin-bottom: 1.5rem; }
.report .subtitle { font-size: 1.15rem; margin: 0 0 .5rem; }
.report .meta { list-style: none; padding: 0; margin: 0; color: var(--report-muted); font-size: .9rem; }
.report .meta li { display: inline; }
.report .meta li + li::before { content: " · "; }
.report .toc { background: var(--report-panel); border-left: 4px solid var(--report-rule);
  padding: .75rem 1rem; margin: 0 0 2rem; }
.report .toc-title { font-weight: 700; margin: 0 0 .25rem; }
.report .toc ol { margin: 0; padding-left: 1.5rem; }
.report .toc li { margin: .15rem 0; }
.report .note { border-left: 4px solid var(--report-text); background: var(--report-panel);
  padding: .5rem .75rem; margin: 1rem 0; font-size: .95rem; }
.report .note p { margin: 0; }
.report .source { color: var(--report-muted); font-size: .875rem; margin-top: .25rem; }
.report .table-wrap { overflow-x: auto; margin: 1rem 0 0; }
.report table { border-collapse: collapse; width: 100%; font-size: .95rem;
  font-variant-numeric: tabular-nums; }
.report caption { caption-side: top; text-align: left; font-weight: 700; padding: 0 0 .4rem; }
.report th, .report td { padding: .3rem .5rem; text-align: left; vertical-align: top; }
.report thead th { border-bottom: 2px solid var(--report-text); vertical-align: bottom; }
.report tbody th { font-weight: 600; }
.report tbody tr { border-bottom: 1px solid var(--report-faint); }
.report tbody tr:nth-child(even) { background: #f6f8fa; }
.report .num { text-align: right; white-space: nowrap; }
.report thead .num { white-space: normal; }
.report .unit { display: block; font-weight: 400; font-size: .85em; color: var(--report-muted); }
.report .missing { color: var(--report-muted); }
.report figure { margin: 1.5rem 0; }
.report figure svg { display: block; max-width: 100%; height: auto; }
.report figcaption { font-weight: 700; margin-top: .5rem; }
.report figcaption .source { display: block; font-weight: 400; }
.report .visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
/* Maps (map.rs) and charts (chart.rs) carry their colours as presentation attributes; these rules only keep
   a page's own map styles from changing them inside the report. */
.report svg.map { background: #ffffff; border: 1px solid var(--report-faint); border-radius: 0; }
.report svg.map.outline-only .area { fill: none; }
.report svg.chart { background: #ffffff; }
@page { size: A4; margin: 18mm 16mm 20mm; }
@media print {
  .report { max-width: none; padding: 0; font-size: 10.5pt; line-height: 1.4; color: #000000; }
  .report a { color: #000000; text-decoration: none; }
  .report .toc { background: none; border: 1px solid #000000; }
  .report section { break-before: page; }
  .report h2, .report h3, .report caption { break-after: avoid; }
  .report h2 { margin-top: 0; }
  .report figure, .report tr, .report .note, .report li { break-inside: avoid; }
  .report thead { display: table-header-group; }
  .report .table-wrap { overflow: visible; }
  .report tbody tr:nth-child(even) { background: #f2f2f2; }
  .report tbody tr, .report .note { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  .report .source { color: #333333; }
}
"#;

/// The report body for embedding in a web page: one `<article class="report">`.
///
/// It holds a header (the title as the only `<h1>`, subtitle, meta lines), a
/// table of contents (`<nav>` with an `aria-label`), and one
/// `<section aria-labelledby>` with an `<h2 id>` per section. Tables have a
/// `<caption>`, column headers with `scope="col"` (units under them), the
/// first column as row headers and numbers right aligned (class `num`);
/// figures are `<figure>`s with the inline SVG and a `<figcaption>`.
pub fn render_fragment(doc: &Doc) -> String {
    let mut w = Writer { out: String::new(), ids: HashSet::new(), lang: &doc.lang };
    w.article(doc);
    w.out
}

/// The report as a complete, self-contained HTML5 document.
///
/// The fragment of [`render_fragment`] inside `<main>`, with the document's
/// language, `<meta charset>`, a `<title>`, and [`REPORT_CSS`] in one
/// embedded `<style>`; no scripts and no external resources.
pub fn render_standalone(doc: &Doc) -> String {
    let fragment = render_fragment(doc);
    let mut out = String::with_capacity(fragment.len() + REPORT_CSS.len() + 400);
    out.push_str("<!DOCTYPE html>\n");
    out.push_str(&format!("<html lang=\"{}\">\n<head>\n", lang_tag(&doc.lang)));
    out.push_str("<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!("<title>{}</title>\n", escape(&doc.title)));
    out.push_str("<style>\n");
    out.push_str(REPORT_CSS);
    out.push_str("</style>\n</head>\n<body>\n<main>\n");
    out.push_str(&fragment);
    out.push_str("\n</main>\n</body>\n</html>\n");
    out
}

/// The fixed labels this renderer adds, in the document's language.
struct Labels {
    /// The table of contents' name.
    contents: &'static str,
}

impl Labels {
    fn for_lang(lang: &str) -> Labels {
        if is_english(lang) { Labels { contents: "Contents" } } else { Labels { contents: "Innehåll" } }
    }
}

/// Whether the language tag is English (anything else gets Swedish labels).
fn is_english(lang: &str) -> bool {
    let primary = lang.split(['-', '_']).next().unwrap_or("");
    primary.eq_ignore_ascii_case("en")
}

/// Writes the HTML and keeps the element ids unique.
struct Writer<'a> {
    out: String,
    ids: HashSet<String>,
    lang: &'a str,
}

impl Writer<'_> {
    /// A unique element id: `prefix` and the sanitised `raw`, with `-2`, `-3`… on a clash.
    fn id(&mut self, prefix: &str, raw: &str) -> String {
        let base = format!("{prefix}{}", sanitise_id(raw));
        let mut id = base.clone();
        let mut n = 2;
        while !self.ids.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }

    fn article(&mut self, doc: &Doc) {
        let labels = Labels::for_lang(self.lang);
        // Reserve the section anchors first, so that the table of contents links to them.
        let section_ids: Vec<String> = doc.sections.iter().map(|s| self.id("", &s.id)).collect();
        let toc_id = self.id("report-", "toc");

        self.out.push_str(&format!("<article class=\"report\" lang=\"{}\">\n", lang_tag(self.lang)));
        self.out.push_str("<header class=\"report-header\">\n");
        self.out.push_str(&format!("<h1>{}</h1>\n", escape(&doc.title)));
        if !doc.subtitle.trim().is_empty() {
            self.out.push_str(&format!("<p class=\"subtitle\">{}</p>\n", escape(&doc.subtitle)));
        }
        let meta: Vec<&String> = doc.meta.iter().filter(|m| !m.trim().is_empty()).collect();
        if !meta.is_empty() {
            self.out.push_str("<ul class=\"meta\">");
            for line in meta {
                self.out.push_str(&format!("<li>{}</li>", escape(line)));
            }
            self.out.push_str("</ul>\n");
        }
        self.out.push_str("</header>\n");

        if !doc.sections.is_empty() {
            let label = labels.contents;
            self.out.push_str(&format!("<nav class=\"toc\" id=\"{toc_id}\" aria-label=\"{label}\">\n"));
            self.out.push_str(&format!("<p class=\"toc-title\" aria-hidden=\"true\">{label}</p>\n<ol>\n"));
            for (section, id) in doc.sections.iter().zip(&section_ids) {
                self.out.push_str(&format!("<li><a href=\"#{id}\">{}</a></li>\n", escape(&section.heading)));
            }
            self.out.push_str("</ol>\n</nav>\n");
        }

        for (section, id) in doc.sections.iter().zip(&section_ids) {
            self.section(section, id);
        }
        self.out.push_str("</article>\n");
    }

    fn section(&mut self, section: &Section, id: &str) {
        self.out.push_str(&format!(
            "<section aria-labelledby=\"{id}\">\n<h2 id=\"{id}\">{}</h2>\n",
            escape(&section.heading)
        ));
        for block in &section.blocks {
            match block {
                Block::Paragraph(text) => self.out.push_str(&format!("<p>{}</p>\n", escape(text))),
                Block::Subheading(text) => self.out.push_str(&format!("<h3>{}</h3>\n", escape(text))),
                Block::List(items) => {
                    self.out.push_str("<ul>\n");
                    for item in items {
                        self.out.push_str(&format!("<li>{}</li>\n", escape(item)));
                    }
                    self.out.push_str("</ul>\n");
                }
                Block::Note(text) => {
                    self.out.push_str(&format!("<aside class=\"note\"><p>{}</p></aside>\n", escape(text)))
                }
                Block::Table(table) => self.table(table),
                Block::Figure(figure) => self.figure(figure),
            }
        }
        self.out.push_str("</section>\n");
    }

    fn table(&mut self, table: &Table) {
        let id = self.id("table-", &table.id);
        // The wrapper scrolls a wide table on a narrow screen; as a named, focusable
        // region it can be scrolled with the keyboard too.
        self.out.push_str(&format!(
            "<div class=\"table-wrap\" role=\"region\" aria-labelledby=\"{id}-caption\" tabindex=\"0\">\n"
        ));
        self.out.push_str(&format!(
            "<table id=\"{id}\">\n<caption id=\"{id}-caption\">{}</caption>\n",
            escape(&table.caption)
        ));
        self.out.push_str("<thead>\n<tr>");
        for column in &table.columns {
            let class = if is_numeric(column.format) { " class=\"num\"" } else { "" };
            self.out.push_str(&format!("<th scope=\"col\"{class}>{}", escape(&column.header)));
            if let Some(unit) = column.unit.as_deref().filter(|u| !u.trim().is_empty()) {
                self.out.push_str(&format!("<br><span class=\"unit\">{}</span>", escape(unit)));
            }
            self.out.push_str("</th>");
        }
        self.out.push_str("</tr>\n</thead>\n<tbody>\n");
        for row in &table.rows {
            self.out.push_str("<tr>");
            for (i, cell) in row.iter().enumerate() {
                self.cell(table.columns.get(i), cell, i == 0);
            }
            self.out.push_str("</tr>\n");
        }
        self.out.push_str("</tbody>\n</table>\n</div>\n");
        if !table.source.trim().is_empty() {
            self.out.push_str(&format!("<p class=\"source\">{}</p>\n", escape(&table.source)));
        }
    }

    fn cell(&mut self, column: Option<&Column>, cell: &Cell, row_header: bool) {
        let format = column.map_or(NumberFormat::Text, |c| c.format);
        let mut classes = Vec::new();
        let numeric_cell = matches!(cell, Cell::Int(_) | Cell::Num(_));
        if numeric_cell || (is_numeric(format) && matches!(cell, Cell::Missing(_))) {
            classes.push("num");
        }
        if matches!(cell, Cell::Missing(_)) {
            classes.push("missing");
        }
        let class =
            if classes.is_empty() { String::new() } else { format!(" class=\"{}\"", classes.join(" ")) };
        let text = escape(&cell.display(format, self.lang));
        if row_header {
            self.out.push_str(&format!("<th scope=\"row\"{class}>{text}</th>"));
        } else {
            self.out.push_str(&format!("<td{class}>{text}</td>"));
        }
    }

    fn figure(&mut self, figure: &Figure) {
        let id = self.id("figure-", &figure.id);
        self.out.push_str(&format!("<figure id=\"{id}\">\n"));
        self.out.push_str(strip_xml_declaration(&figure.svg));
        self.out.push('\n');
        // The text alternative, for screen readers, unless the SVG's own title or
        // description already says it.
        let alt = escape(&figure.alt);
        if !figure.alt.trim().is_empty() && !figure.svg.contains(&alt) {
            self.out.push_str(&format!("<p class=\"visually-hidden\">{alt}</p>\n"));
        }
        self.out.push_str(&format!("<figcaption>{}", escape(&figure.caption)));
        if !figure.source.trim().is_empty() {
            self.out.push_str(&format!(" <span class=\"source\">{}</span>", escape(&figure.source)));
        }
        self.out.push_str("</figcaption>\n</figure>\n");
    }
}

/// Whether a column holds numbers (right aligned).
fn is_numeric(format: NumberFormat) -> bool {
    !matches!(format, NumberFormat::Text)
}

/// Drops a leading `<?xml …?>` declaration, which has no place inside HTML.
fn strip_xml_declaration(svg: &str) -> &str {
    let trimmed = svg.trim_start();
    if trimmed.starts_with("<?xml")
        && let Some(end) = trimmed.find("?>")
    {
        return trimmed[end + 2..].trim_start();
    }
    svg
}

/// A language tag safe for an attribute: ASCII letters, digits and `-`; `sv` if empty.
fn lang_tag(lang: &str) -> String {
    let tag: String = lang.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    if tag.is_empty() { "sv".to_owned() } else { tag }
}

/// An element id of ASCII letters, digits, `-` and `_` only; anything else becomes `-`.
fn sanitise_id(raw: &str) -> String {
    let id: String = raw
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
        .collect();
    if id.is_empty() { "x".to_owned() } else { id }
}

/// Escapes text for element content and quoted attribute values, and drops
/// the control characters HTML does not allow.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        assert_eq!(escape(r#"<a href="x">&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
        assert_eq!(escape("a\u{0}b\u{7f}c\nd"), "abc\nd");
        assert_eq!(escape("]]>"), "]]&gt;");
    }

    #[test]
    fn ids_are_sanitised_and_unique() {
        let mut w = Writer { out: String::new(), ids: HashSet::new(), lang: "sv" };
        assert_eq!(w.id("", "crime"), "crime");
        assert_eq!(w.id("", "crime"), "crime-2");
        assert_eq!(w.id("table-", "a b\"<c>"), "table-a-b--c-");
        assert_eq!(w.id("", ""), "x");
        assert_eq!(w.id("", "crime"), "crime-3");
    }

    #[test]
    fn labels_follow_the_language() {
        assert_eq!(Labels::for_lang("en").contents, "Contents");
        assert_eq!(Labels::for_lang("en-GB").contents, "Contents");
        assert_eq!(Labels::for_lang("sv").contents, "Innehåll");
        assert_eq!(Labels::for_lang("").contents, "Innehåll");
        assert_eq!(lang_tag("sv\" onload=\"x"), "svonloadx");
        assert_eq!(lang_tag(""), "sv");
    }

    #[test]
    fn a_leading_xml_declaration_is_dropped() {
        assert_eq!(strip_xml_declaration("<?xml version=\"1.0\"?>\n<svg/>"), "<svg/>");
        assert_eq!(strip_xml_declaration("<svg/>"), "<svg/>");
    }

    #[test]
    fn numbers_are_right_aligned_and_missing_marked() {
        let doc = Doc {
            lang: "sv".into(),
            title: "T".into(),
            subtitle: String::new(),
            meta: vec![],
            sections: vec![Section {
                id: "s".into(),
                heading: "S".into(),
                blocks: vec![Block::Table(Table {
                    id: "t".into(),
                    caption: "C".into(),
                    columns: vec![
                        Column { header: "Område".into(), unit: None, format: NumberFormat::Text },
                        Column {
                            header: "Antal".into(),
                            unit: Some("st".into()),
                            format: NumberFormat::Integer,
                        },
                        Column {
                            header: "Andel".into(),
                            unit: Some("%".into()),
                            format: NumberFormat::Percent(1),
                        },
                    ],
                    rows: vec![vec![
                        Cell::Text("Rinkeby".into()),
                        Cell::Int(12345),
                        Cell::Missing("..".into()),
                    ]],
                    source: String::new(),
                })],
            }],
        };
        let html = render_fragment(&doc);
        assert!(html.contains("<th scope=\"row\">Rinkeby</th>"), "{html}");
        assert!(html.contains("<td class=\"num\">12\u{202f}345</td>"), "{html}");
        assert!(html.contains("<td class=\"num missing\">..</td>"), "{html}");
        assert!(
            html.contains("<th scope=\"col\" class=\"num\">Antal<br><span class=\"unit\">st</span></th>")
        );
        assert!(!html.contains("class=\"source\""), "an empty source is left out");
    }
}
