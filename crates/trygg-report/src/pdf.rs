//! PDF output of a [`Doc`] through typst, used as a library.
//!
//! The Doc is written out as typst source: a fixed preamble (`pdf/preamble.typ`, the layout) and a
//! body generated here that calls the preamble's functions with every piece of text as an escaped
//! string literal, so user text (`#`, `*`, `$`, `<`, `@`, brackets, backslashes) prints literally
//! and is never read as markup. Figures are SVG files of a small in-memory world; fonts come only
//! from `typst-assets` (no system fonts, no network), and the font book and standard library are
//! built once per process.

use std::fmt::Write as _;
use std::sync::OnceLock;

use typst::diag::{FileError, FileResult, Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;

use crate::doc::{Block, Cell, Doc, Figure, NumberFormat, Table};

/// The layout: page, fonts, headings and the functions the generated body calls.
const PREAMBLE: &str = include_str!("pdf/preamble.typ");

/// Width of the text column of an A4 page with the preamble's margins, in cm.
const TEXT_WIDTH_CM: f64 = 16.6;
/// The tallest a figure may be drawn, in cm, so that it fits a page with its caption.
const MAX_FIGURE_HEIGHT_CM: f64 = 19.0;

/// Why a report could not be written as PDF.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// typst refused the generated source or a figure (e.g. an SVG it cannot parse).
    #[error("typst could not lay out the report: {0}")]
    Compile(String),
    /// typst laid the report out but could not write it as PDF.
    #[error("typst could not write the PDF: {0}")]
    Export(String),
    /// A virtual file path was refused (an internal error, not one of the data).
    #[error("bad virtual path {0:?}")]
    Path(String),
}

/// Renders the report as an A4 PDF: a title block, a table of contents, numbered sections, tables
/// whose header row repeats on every page and figures with their text alternatives.
pub fn render_pdf(doc: &Doc) -> Result<Vec<u8>, PdfError> {
    compile(doc).map(|(pdf, _warnings)| pdf)
}

/// Lays the report out and writes the PDF; also returns typst's warnings (tests assert there are none).
fn compile(doc: &Doc) -> Result<(Vec<u8>, Vec<String>), PdfError> {
    let world = ReportWorld::new(doc)?;
    let warned = typst::compile::<PagedDocument>(&world);
    let warnings = warned.warnings.iter().map(|d| describe(&world, d)).collect();
    let document = warned.output.map_err(|errors| PdfError::Compile(join(&world, &errors)));
    // Drop typst's memoised results that have not been used for a while, so a long-running server
    // does not keep every report it ever rendered.
    typst::comemo::evict(10);
    let document = document?;
    // PDF/UA-1 where the report meets it; a report that does not (say, a figure without a text
    // alternative) is still written as a tagged PDF rather than not at all.
    let universal = typst_pdf::PdfStandards::new(&[typst_pdf::PdfStandard::Ua_1])
        .map(|standards| typst_pdf::PdfOptions { standards, ..Default::default() })
        .ok()
        .and_then(|options| typst_pdf::pdf(&document, &options).ok());
    let pdf = match universal {
        Some(pdf) => pdf,
        None => typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
            .map_err(|errors| PdfError::Export(join(&world, &errors)))?,
    };
    Ok((pdf, warnings))
}

/// Joins diagnostics into one message, errors first.
fn join(world: &ReportWorld, diagnostics: &[SourceDiagnostic]) -> String {
    let mut sorted: Vec<&SourceDiagnostic> = diagnostics.iter().collect();
    sorted.sort_by_key(|d| d.severity != Severity::Error);
    sorted.iter().map(|d| describe(world, d)).collect::<Vec<_>>().join("; ")
}

/// One diagnostic as text: the message, its hints and the generated source line it points at.
fn describe(world: &ReportWorld, diagnostic: &SourceDiagnostic) -> String {
    let mut text = diagnostic.message.to_string();
    for hint in &diagnostic.hints {
        let _ = write!(text, " (hint: {})", hint.v);
    }
    let file = diagnostic.span.id();
    if let Some(figure) = world.files.iter().find(|f| Some(f.id) == file) {
        let _ = write!(text, " in figure {:?}", figure.name);
    } else if let Some(range) = world.range(diagnostic.span).filter(|_| file == Some(world.main.id())) {
        let source = world.main.text();
        if let Some(before) = source.get(..range.start) {
            let line = before.matches('\n').count() + 1;
            let snippet: String =
                source.lines().nth(line - 1).unwrap_or_default().trim().chars().take(100).collect();
            let _ = write!(text, " at line {line}: {snippet}");
        }
    }
    text
}

/// What every report shares: the standard library and the embedded fonts.
struct Assets {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

/// The shared assets, built on first use.
fn assets() -> &'static Assets {
    static ASSETS: OnceLock<Assets> = OnceLock::new();
    ASSETS.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
        Assets {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    })
}

/// The in-memory world of one report: the main source and the figures' SVG files.
struct ReportWorld {
    main: Source,
    files: Vec<FigureFile>,
}

/// A figure's SVG as a file of the world.
struct FigureFile {
    id: FileId,
    /// The figure's id in the Doc, for error messages.
    name: String,
    svg: Bytes,
}

impl ReportWorld {
    /// Generates the source of the report and the files of its figures.
    fn new(doc: &Doc) -> Result<Self, PdfError> {
        let mut files = Vec::new();
        let mut body = String::with_capacity(PREAMBLE.len() + 4096);
        body.push_str(PREAMBLE);
        write_body(&mut body, doc, &mut |figure: &Figure| {
            // Paths are numbered, not named after the figure's id: the names are interned by typst
            // for the life of the process, so they must come from a small fixed set.
            let path = format!("/fig-{}.svg", files.len() + 1);
            let svg = Bytes::new(figure.svg.clone().into_bytes());
            files.push(FigureFile { id: file_id(&path)?, name: figure.id.clone(), svg });
            Ok(path)
        })?;
        Ok(Self { main: Source::new(file_id("/main.typ")?, body), files })
    }
}

/// The file id of a path in the project root.
fn file_id(path: &str) -> Result<FileId, PdfError> {
    let vpath = VirtualPath::new(path).map_err(|_| PdfError::Path(path.to_owned()))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &assets().library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &assets().book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() { Ok(self.main.clone()) } else { Err(self.not_found(id)) }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            return Ok(Bytes::from_string(self.main.clone()));
        }
        self.files.iter().find(|f| f.id == id).map(|f| f.svg.clone()).ok_or_else(|| self.not_found(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        assets().fonts.get(index).cloned()
    }

    /// Reports carry their dates in their text; `datetime.today()` is not available.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

impl ReportWorld {
    /// The error for a file the report does not have.
    fn not_found(&self, id: FileId) -> FileError {
        FileError::NotFound(id.vpath().get_without_slash().into())
    }
}

/// Writes the body of the report after the preamble; `figure_path` stores a figure's SVG and
/// returns the path the source loads it from.
fn write_body(
    out: &mut String,
    doc: &Doc,
    figure_path: &mut dyn FnMut(&Figure) -> Result<String, PdfError>,
) -> Result<(), PdfError> {
    let lang = &doc.lang;
    let contents = if is_swedish(lang) { "Innehåll" } else { "Contents" };
    let _ = writeln!(
        out,
        "\n#show: report-setup.with(title: {}, lang: {})",
        lit(&doc.title),
        lit(&lang_code(lang))
    );
    let _ = writeln!(
        out,
        "#report-title({}, {}, {})",
        lit(&doc.title),
        lit(&doc.subtitle),
        array(&doc.meta, |s| lit(s))
    );
    if !doc.sections.is_empty() {
        let _ = writeln!(out, "#outline(title: {})", lit(contents));
    }
    for section in &doc.sections {
        let _ = writeln!(out, "\n#heading(level: 1, {})\n", lit(&section.heading));
        for block in &section.blocks {
            match block {
                Block::Paragraph(text) => {
                    let _ = writeln!(out, "#par({})\n", lit(text));
                }
                Block::Subheading(text) => {
                    let _ = writeln!(out, "#heading(level: 2, {})\n", lit(text));
                }
                Block::List(items) => {
                    let _ = writeln!(out, "#list(..{})\n", array(items, |s| lit(s)));
                }
                Block::Note(text) => {
                    let _ = writeln!(out, "#report-note({})\n", lit(text));
                }
                Block::Table(table) => write_table(out, table, lang),
                Block::Figure(figure) => {
                    let path = figure_path(figure)?;
                    let width =
                        figure_width_cm(&figure.svg).map_or("100%".to_owned(), |cm| format!("{cm:.2}cm"));
                    let _ = writeln!(
                        out,
                        "#report-figure({}, {}, {width}, {}, {})\n",
                        lit(&path),
                        lit(&figure.alt),
                        lit(&figure.caption),
                        lit(&figure.source)
                    );
                }
            }
        }
    }
    Ok(())
}

/// Writes a table: column alignments, header cells with units, and the rows formatted in the
/// report's language (a row shorter or longer than the header is padded or cut, so cells never
/// shift into the wrong column).
fn write_table(out: &mut String, table: &Table, lang: &str) {
    let aligns = array(&table.columns, |c| lit(if c.format == NumberFormat::Text { "l" } else { "r" }));
    let header = array(&table.columns, |c| {
        format!("({}, {})", lit(&c.header), c.unit.as_deref().map_or("none".to_owned(), lit))
    });
    let _ = write!(out, "#report-table({aligns}, {header}, (");
    for row in &table.rows {
        out.push('(');
        for (i, column) in table.columns.iter().enumerate() {
            let text = row.get(i).map_or(String::new(), |cell: &Cell| cell.display(column.format, lang));
            out.push_str(&lit(&text));
            out.push_str(", ");
        }
        out.push_str("),\n");
    }
    let _ = writeln!(out, "), {}, {})\n", lit(&table.caption), lit(&table.source));
}

/// A typst array literal of the items (with a trailing comma, so one item is still an array).
fn array<T>(items: &[T], item: impl Fn(&T) -> String) -> String {
    let mut out = String::from("(");
    for i in items {
        out.push_str(&item(i));
        out.push_str(", ");
    }
    out.push(')');
    out
}

/// A typst string literal that prints `text` exactly as it is.
fn lit(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether the report is in Swedish (`sv`, `sv-SE`, …).
fn is_swedish(lang: &str) -> bool {
    lang_code(lang) == "sv"
}

/// The primary language subtag of a BCP 47 tag, lowercased, as typst's `text(lang:)` wants it;
/// `en` if the tag does not start with two or three letters.
fn lang_code(lang: &str) -> String {
    let primary = lang.split(['-', '_']).next().unwrap_or_default();
    if (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic()) {
        primary.to_ascii_lowercase()
    } else {
        "en".to_owned()
    }
}

/// The width to draw an SVG at: the text width, or less for a tall figure so that it fits a page.
/// `None` if the SVG has no usable `viewBox`.
fn figure_width_cm(svg: &str) -> Option<f64> {
    let start = svg.find("<svg")?;
    let tag_end = svg[start..].find('>')? + start;
    let tag = &svg[start..tag_end];
    let at = tag.find("viewBox=")? + "viewBox=".len();
    let quote = tag[at..].chars().next()?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let value = &tag[at + 1..];
    let value = &value[..value.find(quote)?];
    let numbers: Vec<f64> = value
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let [_, _, w, h] = numbers[..] else { return None };
    if !(w > 0.0 && h > 0.0 && w.is_finite() && h.is_finite()) {
        return None;
    }
    Some(TEXT_WIDTH_CM.min(MAX_FIGURE_HEIGHT_CM * w / h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{Column, Section};

    #[test]
    fn literals_escape_what_typst_would_read() {
        assert_eq!(lit(r#"a "b" \c"#), r#""a \"b\" \\c""#);
        assert_eq!(lit("x\ny\u{7}"), "\"x\\ny\\u{7}\"");
        assert_eq!(lit("#let x = 1 *b* $x$ <b> @ref ]"), "\"#let x = 1 *b* $x$ <b> @ref ]\"");
    }

    #[test]
    fn languages_reduce_to_the_primary_subtag() {
        assert_eq!(lang_code("sv-SE"), "sv");
        assert_eq!(lang_code("EN"), "en");
        assert_eq!(lang_code("x"), "en");
        assert_eq!(lang_code("1234"), "en");
        assert!(is_swedish("sv"));
        assert!(!is_swedish("en"));
    }

    #[test]
    fn figure_width_follows_the_view_box() {
        assert_eq!(figure_width_cm(r#"<svg xmlns="x" viewBox="0 0 800 400">"#), Some(TEXT_WIDTH_CM));
        let tall = figure_width_cm("<svg viewBox='0,0,100,200'>").unwrap();
        assert!((tall - MAX_FIGURE_HEIGHT_CM / 2.0).abs() < 1e-9);
        assert_eq!(figure_width_cm(r#"<svg width="10">"#), None);
        assert_eq!(figure_width_cm(r#"<svg viewBox="0 0 0 10">"#), None);
        assert_eq!(figure_width_cm(r#"<svg viewBox="0 0 a 10">"#), None);
    }

    fn doc(blocks: Vec<Block>) -> Doc {
        Doc {
            lang: "sv".into(),
            title: "Lägesbild".into(),
            subtitle: "Järva".into(),
            meta: vec!["Utkast".into()],
            sections: vec![Section { id: "a".into(), heading: "Översikt".into(), blocks }],
        }
    }

    #[test]
    fn a_report_compiles_without_warnings() {
        let table = Table {
            id: "t".into(),
            caption: "Tabell".into(),
            columns: vec![
                Column { header: "Område".into(), unit: None, format: NumberFormat::Text },
                Column { header: "Antal".into(), unit: Some("st".into()), format: NumberFormat::Integer },
            ],
            // The second row is short: it is padded, not shifted.
            rows: vec![
                vec![Cell::Text("Rinkeby".into()), Cell::Int(12_345)],
                vec![Cell::Text("Tensta".into())],
            ],
            source: "Polisen".into(),
        };
        let (pdf, warnings) = compile(&doc(vec![
            Block::Paragraph("Hej å ä ö".into()),
            Block::Subheading("Underrubrik".into()),
            Block::List(vec!["ett".into(), "två".into()]),
            Block::Note("Obs".into()),
            Block::Table(table),
            Block::Figure(bars("En stapel")),
        ]))
        .unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    /// Whether the PDF's (uncompressed) XMP metadata claims PDF/UA-1.
    fn claims_pdf_ua(pdf: &[u8]) -> bool {
        pdf.windows(15).any(|w| w == b"pdfuaid:part>1<")
    }

    fn bars(alt: &str) -> Figure {
        Figure {
            id: "f".into(),
            caption: "Staplar".into(),
            alt: alt.into(),
            svg: r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="5" height="9"/></svg>"#.into(),
            source: "Polisen".into(),
        }
    }

    #[test]
    fn a_report_with_text_alternatives_is_pdf_ua() {
        let pdf = render_pdf(&doc(vec![Block::Figure(bars("En stapel"))])).unwrap();
        assert!(claims_pdf_ua(&pdf));
    }

    #[test]
    fn a_figure_without_alternative_still_renders_but_not_as_pdf_ua() {
        let pdf = render_pdf(&doc(vec![Block::Figure(bars(""))])).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(!claims_pdf_ua(&pdf));
    }

    #[test]
    fn empty_tables_lists_and_captions_render() {
        let empty = Table {
            id: "e".into(),
            caption: String::new(),
            columns: vec![],
            rows: vec![vec![]],
            source: String::new(),
        };
        let mut bare = bars("Staplar");
        bare.caption.clear();
        bare.source.clear();
        let blocks = vec![
            Block::Table(empty),
            Block::Figure(bare),
            Block::List(vec![]),
            Block::Paragraph(String::new()),
            Block::Note(String::new()),
        ];
        let (pdf, warnings) = compile(&doc(blocks)).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn an_error_in_the_source_names_its_line() {
        let main = Source::new(file_id("/main.typ").unwrap(), "ok\n#no-such-function(1)\n".into());
        let world = ReportWorld { main, files: vec![] };
        let errors = typst::compile::<PagedDocument>(&world).output.unwrap_err();
        let message = join(&world, &errors);
        assert!(message.contains("unknown variable: no-such-function"), "{message}");
        assert!(message.contains("at line 2: #no-such-function(1)"), "{message}");
    }

    #[test]
    fn a_broken_figure_is_an_error_with_typst_message() {
        let figure = Figure {
            id: "f".into(),
            caption: "Karta".into(),
            alt: "En karta".into(),
            svg: "<svg this is not xml".into(),
            source: "".into(),
        };
        let err = render_pdf(&doc(vec![Block::Figure(figure)])).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, PdfError::Compile(_)), "{message}");
        assert!(message.contains("SVG") || message.contains("svg"), "{message}");
        assert!(message.contains(r#"in figure "f""#), "names the figure: {message}");
    }
}
