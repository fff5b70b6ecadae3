//! `trygg report situation` end to end, as a user runs it: the binary on a
//! fresh SQLite demo database. Three of the report's figures are recomputed
//! here from the stored rows, through listings the report does not use, and
//! counted in this file; the PDF is read back with `pdftotext`, the workbook
//! with calamine; publishing makes numbered versions with an audit entry;
//! bad input is refused with a message that says what was wrong.
//!
//! One demo database serves every step, so they share one test.

#[allow(dead_code)]
#[path = "../src/demo.rs"]
mod demo;
#[allow(dead_code)]
#[path = "../src/demo_plans.rs"]
mod demo_plans;
#[allow(dead_code)]
#[path = "../src/demo_reports.rs"]
mod demo_reports;
#[allow(dead_code)]
#[path = "../src/demo_situation.rs"]
mod demo_situation;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use std::collections::{BTreeMap, HashSet};
use std::io::Cursor;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use trygg_core::{AreaLevel, Code, Date};
use trygg_report::doc::{Block, Cell, Doc, NumberFormat, Table, format_number};
use trygg_store::testing::TestDb;
use trygg_store::{EventQuery, ReportQuery, Store};

/// The area and year every step reports on.
const AREA: &str = "jarva";
const YEAR: i16 = 2025;

/// Runs the binary on `database` in `dir`.
fn trygg(dir: &Path, database: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trygg"))
        .current_dir(dir)
        .arg("--database")
        .arg(database)
        .args(args)
        .env_remove("TRYGG_DATABASE_URL")
        .env_remove("TRYGG_CONFIG")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("run trygg")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// `trygg report situation --area jarva --period 2025 --format FORMAT --output FILE` plus `extra`;
/// returns the file's bytes and what the command printed.
fn report(dir: &Path, database: &str, format: &str, extra: &[&str]) -> (Vec<u8>, String) {
    let file = dir.join(format!("lagesbild.{format}"));
    let out = file.to_str().unwrap();
    let period = YEAR.to_string();
    let mut args =
        vec!["report", "situation", "--area", AREA, "--period", &period, "--format", format, "--output", out];
    args.extend_from_slice(extra);
    let o = trygg(dir, database, &args);
    assert!(o.status.success(), "{args:?}: {}", text(&o));
    (std::fs::read(&file).unwrap(), text(&o))
}

/// Local midnight in Stockholm at the start of 1 January `year`, epoch ms.
fn new_year_ms(year: i16) -> i64 {
    Date::new(year, 1, 1).unwrap().in_tz("Europe/Stockholm").unwrap().timestamp().as_millisecond()
}

/// The codes of the districts that belonged to Järva at some time in `YEAR`
/// (membership is time dependent), from the plain area listing.
async fn jarva_districts(store: &Store) -> HashSet<Code> {
    let (first, last) = (Date::new(YEAR, 1, 1).unwrap(), Date::new(YEAR, 12, 31).unwrap());
    let districts: HashSet<Code> = store
        .areas(Some(AreaLevel::District), false)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| {
            a.parents.iter().any(|p| {
                p.code.as_str() == AREA
                    && p.valid_from.is_none_or(|f| f <= last)
                    && p.valid_to.is_none_or(|t| t >= first)
            })
        })
        .map(|a| a.code)
        .collect();
    assert!(districts.len() >= 10, "Järva's districts: {districts:?}");
    districts
}

/// The figures recomputed from the database.
#[derive(Debug)]
struct Expected {
    /// The largest category of the positioned demo incidents and its count.
    largest: (String, i64),
    /// All positioned demo incidents.
    incidents: i64,
    /// Incident reports made in Järva's districts.
    reports: i64,
    /// The population: (year, persons).
    population: (i32, i64),
}

/// Counts, in this file, from listings of every row (no filter in SQL but the
/// population's source): events, reports and population figures.
async fn recompute(store: &Store) -> Expected {
    let districts = jarva_districts(store).await;
    let window = new_year_ms(YEAR)..new_year_ms(YEAR + 1);

    // (1) Positioned events of the demo's incident source, per category.
    let mut by_category: BTreeMap<String, i64> = BTreeMap::new();
    for e in store.events(&EventQuery::default()).await.unwrap() {
        let inside = e.event.area.as_ref().is_some_and(|a| districts.contains(a));
        if e.source == demo_situation::INCIDENT_SOURCE
            && e.event.position.is_some()
            && inside
            && window.contains(&e.event.occurred_at)
        {
            *by_category.entry(e.event.category).or_default() += 1;
        }
    }
    let incidents = by_category.values().sum();
    let largest =
        by_category.iter().max_by_key(|(c, n)| (**n, std::cmp::Reverse(*c))).map(|(c, n)| (c.clone(), *n));
    let largest = largest.expect("demo incidents in Järva in 2025");

    // (2) Incident reports made in the period in Järva's districts.
    let reports = store.reports(&ReportQuery::default()).await.unwrap();
    assert!(!reports.is_empty(), "the demo has incident reports");
    let reports =
        reports.iter().filter(|r| districts.contains(&r.area) && window.contains(&r.created_at)).count()
            as i64;

    // (3) Järva's population in the latest year up to the report's year.
    let population = store
        .population(demo_situation::POPULATION_SOURCE)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.area.as_ref().is_some_and(|a| a.as_str() == AREA) && p.sex == "all" && p.age == "all")
        .filter(|p| p.year <= i32::from(YEAR))
        .max_by_key(|p| p.year)
        .map(|p| (p.year, p.persons))
        .expect("Järva's population");

    Expected { largest, incidents, reports, population }
}

/// The table `id`; panics with the ids there are.
fn table<'a>(doc: &'a Doc, id: &str) -> &'a Table {
    doc.tables().find(|t| t.id == id).unwrap_or_else(|| {
        panic!("no table {id}; tables: {:?}", doc.tables().map(|t| &t.id).collect::<Vec<_>>())
    })
}

/// The cell in column `column` of the row whose first cell is `label`.
fn cell<'a>(t: &'a Table, label: &str, column: usize) -> &'a Cell {
    let row = t.rows.iter().find(|r| matches!(&r[0], Cell::Text(l) if l == label));
    &row.unwrap_or_else(|| panic!("table {} has no row {label}", t.id))[column]
}

fn int(c: &Cell) -> i64 {
    match c {
        Cell::Int(n) => *n,
        other => panic!("expected a whole number, got {other:?}"),
    }
}

/// The paragraphs of section `id`.
fn paragraphs<'a>(doc: &'a Doc, id: &str) -> Vec<&'a str> {
    let section = doc.sections.iter().find(|s| s.id == id).unwrap_or_else(|| panic!("no section {id}"));
    section
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph(p) => Some(p.as_str()),
            _ => None,
        })
        .collect()
}

/// The demo incidents' count table: the `counts-N` table whose row labels are the demo's incident types.
fn incident_counts(doc: &Doc) -> &Table {
    let types: HashSet<&str> = demo_situation::INCIDENT_TYPES.into_iter().collect();
    let mut found = doc.tables().filter(|t| {
        t.id.starts_with("counts-")
            && t.rows.len() == types.len() + 1
            && t.rows[1..].iter().all(|r| matches!(&r[0], Cell::Text(l) if types.contains(l.as_str())))
    });
    let t = found.next().expect("a count table of the demo incidents");
    assert!(found.next().is_none(), "one count table of the demo incidents");
    t
}

/// Step a: the figures of the document equal those recomputed from the database.
fn check_figures(doc: &Doc, expected: &Expected) {
    assert_eq!(doc.lang, "sv");
    assert_eq!(doc.title, "Lägesbild Järva 2025");
    let n = |x: i64| format_number(x as f64, NumberFormat::Integer, &doc.lang);

    // (1) Its first row is the total, then the types largest first.
    let counts = incident_counts(doc);
    let (category, count) = &expected.largest;
    assert_eq!(int(&counts.rows[0][1]), expected.incidents, "all demo incidents in {}", counts.id);
    assert_eq!(&counts.rows[1][0], &Cell::Text(category.clone()), "the largest category in {}", counts.id);
    assert_eq!(int(cell(counts, category, 1)), *count, "{category} in {}", counts.id);

    // (2) The section's paragraph and the per-category table.
    let said = paragraphs(doc, "incidents");
    assert!(
        said.first().is_some_and(|p| p.contains(&format!(" {} ", n(expected.reports)))),
        "{} reports expected in {said:?}",
        expected.reports
    );
    let categories = table(doc, "incident-categories");
    assert!(categories.rows.len() >= 3, "{categories:?}");
    let sum: i64 = categories.rows.iter().map(|r| int(&r[1])).sum();
    assert_eq!(sum, expected.reports, "reports by category add up to all reports");

    // (3) The context's paragraph, and the age bands add up to it.
    let (year, persons) = expected.population;
    assert_eq!(year, i32::from(YEAR), "the demo has the report year's population");
    let said = paragraphs(doc, "context");
    assert!(
        said.iter().any(|p| p.contains(&n(persons)) && p.contains(&year.to_string())),
        "{persons} inhabitants ({year}) expected in {said:?}"
    );
    let population = table(doc, "population");
    let bands: i64 = population.rows.iter().map(|r| int(&r[3])).sum();
    assert_eq!(bands, persons, "the age bands add up to the total");
}

/// Step b: the PDF's text, through poppler's `pdftotext`.
fn check_pdf(dir: &Path, pdf: &[u8]) {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let file = dir.join("lagesbild.pdf");
    let o = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is needed for this test");
    assert!(o.status.success(), "pdftotext: {}", text(&o));
    let words = String::from_utf8(o.stdout).unwrap();
    assert!(
        words.contains("Lägesbild Järva 2025"),
        "the title is not text in the PDF: {}",
        &words[..words.len().min(500)]
    );
    assert!(words.contains('å') && words.contains('ä') && words.contains('ö'), "Swedish letters are lost");
}

/// Step b: every table of the document is a sheet, in order, and every figure a number.
fn check_xlsx(doc: &Doc, xlsx: Vec<u8>) {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(xlsx)).expect("a workbook");
    let names = book.sheet_names();
    let tables: Vec<&Table> = doc.tables().collect();
    assert_eq!(names.len(), tables.len() + 1, "an about sheet and one sheet per table: {names:?}");
    let mut numbers = 0;
    for (t, name) in tables.iter().zip(&names[1..]) {
        assert_eq!(name, &t.id, "sheet names follow the table ids");
        let sheet = book.worksheet_range(name).unwrap();
        let at = |row: usize, col: usize| sheet.get_value((row as u32, col as u32)).unwrap_or(&Data::Empty);
        assert_eq!(at(0, 0), &Data::String(t.caption.clone()), "{name}: caption");
        for (c, column) in t.columns.iter().enumerate() {
            assert_eq!(at(2, c), &Data::String(column.header.clone()), "{name}: header {c}");
        }
        for (r, row) in t.rows.iter().enumerate() {
            for (c, value) in row.iter().enumerate() {
                let got = at(4 + r, c);
                match value {
                    Cell::Int(n) => {
                        assert_eq!(got, &Data::Float(*n as f64), "{name} row {r} column {c}");
                        numbers += 1;
                    }
                    Cell::Num(x) if x.is_finite() => {
                        let Data::Float(y) = got else {
                            panic!("{name} row {r} column {c}: {got:?} is not a number")
                        };
                        assert!(
                            (x - y).abs() <= 1e-9 * x.abs().max(1.0),
                            "{name} row {r} column {c}: {y} ≠ {x}"
                        );
                        numbers += 1;
                    }
                    Cell::Num(_) => assert!(matches!(got, Data::String(_)), "{name}: no NaN in Excel"),
                    Cell::Text(s) | Cell::Missing(s) => {
                        assert_eq!(got, &Data::String(s.clone()), "{name} row {r} column {c}")
                    }
                }
            }
        }
    }
    assert!(numbers > 100, "only {numbers} numbers in the workbook");
}

/// Step c: publishing twice makes versions 1 and 2, each with an audit entry.
async fn check_publish(dir: &Path, db: &TestDb) {
    for version in 1..=2 {
        let (_, said) = report(dir, &db.url, "json", &["--publish"]);
        assert!(said.contains(&format!("(version {version})")), "publish #{version}: {said}");
    }
    let snapshots = db.store.snapshots(Some(&Code::new(AREA).unwrap())).await.unwrap();
    let mut versions: Vec<i64> = snapshots.iter().map(|s| s.version).collect();
    versions.sort_unstable();
    assert_eq!(versions, [1, 2]);
    let published: Vec<_> = db
        .store
        .audit_entries(1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "report.publish")
        .collect();
    assert_eq!(published.len(), 2, "one audit entry per version");
    assert!(
        published.iter().all(|e| e.actor == "cli" && e.detail.contains("situation jarva 2025")),
        "{published:?}"
    );
    let o = trygg(dir, &db.url, &["audit", "verify"]);
    assert!(o.status.success() && text(&o).contains("audit log intact"), "{}", text(&o));
}

/// Step d: bad input fails, says what was wrong, and writes no file.
fn check_refusals(dir: &Path, database: &str) {
    let cases: [(&str, &str, &str, &[&str]); 3] = [
        ("nowhere", "2025", "html", &["nowhere"]),
        (AREA, "2031", "html", &["2031"]),
        (AREA, "2025", "doc", &["doc", "html", "pdf", "xlsx", "json"]),
    ];
    for (area, period, format, words) in cases {
        let file = dir.join(format!("refused-{area}-{period}.{format}"));
        let args = [
            "report",
            "situation",
            "--area",
            area,
            "--period",
            period,
            "--format",
            format,
            "--output",
            file.to_str().unwrap(),
        ];
        let o = trygg(dir, database, &args);
        assert!(!o.status.success(), "{args:?} succeeded");
        let stderr = String::from_utf8_lossy(&o.stderr);
        for w in words {
            assert!(stderr.contains(w), "{args:?}: the error does not name {w}: {stderr}");
        }
        assert!(!file.exists(), "{args:?} wrote a file");
    }
}

#[tokio::test]
async fn the_situation_report_agrees_with_the_database_in_every_format() {
    let db = TestDb::sqlite().await;
    demo::prepare(&db.store).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();

    let (json, _) = report(dir, &db.url, "json", &[]);
    let doc: Doc = serde_json::from_slice(&json).expect("the JSON output is a Doc");
    check_figures(&doc, &recompute(&db.store).await);

    let (pdf, _) = report(dir, &db.url, "pdf", &[]);
    check_pdf(dir, &pdf);
    let (xlsx, _) = report(dir, &db.url, "xlsx", &[]);
    check_xlsx(&doc, xlsx);

    check_publish(dir, &db).await;
    check_refusals(dir, &db.url);
    db.finish().await;
}
