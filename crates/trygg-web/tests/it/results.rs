//! The public results page and its open data: counts per district and
//! category group with small counts hidden (and not derivable), nothing of
//! non-public categories, no coordinates; CSV, GeoJSON and Atom parse.

use crate::harness::App;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LINK};
use trygg_core::{Code, Email, Role};
use trygg_store::{NewReport, Reporter};

const DAY: i64 = 86_400_000;

/// A resident's report of `category` at a seeded place, made `age_days` days ago.
async fn make(app: &App, category: &str, place: &str, age_days: i64) {
    let created = trygg_store::now_ms() - age_days * DAY;
    let new = NewReport {
        category: Code::new(category).unwrap(),
        position: None,
        place: Some(Code::new(place).unwrap()),
        seen_at: created - 60_000,
        description: format!("{category} vid {place}"),
        reporter: Reporter::resident(Some(Email::new("boende@example.se").unwrap())),
        source: "web".into(),
        photos: Vec::new(),
        created_at: Some(created),
    };
    app.store.create_report(&new).await.expect("create report");
}

async fn make_many(app: &App, category: &str, place: &str, n: usize) {
    for _ in 0..n {
        make(app, category, place, 40).await;
    }
}

/// Tensta: graffiti 7, litter 6 (and 8 hidden drugs); Rinkeby: graffiti 6,
/// litter 2 (and 6 gatherings); Husby: graffiti 3; Akalla: one graffiti 200 days ago.
async fn seeded() -> App {
    let app = App::start().await;
    make_many(&app, "klotter-ovrigt", "tensta-centrum", 7).await;
    make_many(&app, "nedskrapning-skrap", "tensta-centrum", 6).await;
    make_many(&app, "gomda-droger", "tensta-centrum", 8).await;
    make_many(&app, "klotter-ovrigt", "rinkeby-torg", 6).await;
    make_many(&app, "nedskrapning-skrap", "rinkeby-torg", 2).await;
    make_many(&app, "otrygg-samling", "rinkeby-torg", 6).await;
    make_many(&app, "klotter-ovrigt", "husby-centrum", 3).await;
    make(&app, "klotter-ovrigt", "akalla-torg", 200).await;
    app
}

async fn text(app: &App, path: &str) -> (StatusCode, String) {
    let res = app.get_as(Role::Public, path).await;
    (res.status(), res.text().await.unwrap())
}

/// Every name and code of a non-public category or group (pages are checked
/// for them as element text, since the strategy's prose may use the words).
async fn secret_words(app: &App) -> Vec<String> {
    let cats = app.store.categories().await.unwrap();
    let hidden = cats.iter().filter(|c| !c.public);
    hidden.flat_map(|c| [c.code.to_string(), c.name_sv.clone(), c.name_en.clone()]).collect()
}

#[tokio::test]
async fn the_page_shows_large_counts_hides_small_ones_and_nothing_secret() {
    let app = seeded().await;
    let (status, page) = text(&app, "/results").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<td class=\"num\">7</td>"), "Tensta's graffiti");
    assert!(page.contains("<td class=\"num\">13</td>"), "Tensta's total of public reports only");
    assert!(!page.contains("<td class=\"num\">21</td>"), "hidden drugs are not counted");
    assert!(
        page.contains("<td class=\"num\">&lt; 5</td>") || page.contains("<td class=\"num\">&#60; 5</td>"),
        "small counts are shown as < 5"
    );
    for n in 1..5 {
        assert!(!page.contains(&format!("<td class=\"num\">{n}</td>")), "a count of {n} is shown");
    }
    for word in secret_words(&app).await {
        assert!(!page.contains(&format!(">{word}<")), "{word} is on the public page");
    }
    let places = app.store.areas(Some(trygg_core::AreaLevel::Place), false).await.unwrap();
    for at in places.iter().filter_map(|p| p.location) {
        for coordinate in [format!("{:.3}", at.lat), format!("{:.3}", at.lon)] {
            assert!(!page.contains(&coordinate), "{coordinate} is on the page");
        }
    }
    assert!(page.contains("class=\"area district band-"), "the map shades districts");
    assert!(!page.contains("<circle"), "no points on the public map");
    assert!(page.contains("<caption"), "tables have captions");
    let (status, _) = text(&app, "/results?period=2025-T9").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_page_works_in_english_and_for_signed_in_users() {
    let app = seeded().await;
    let (status, page) = text(&app, "/results?lang=en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("Incident reports per district"));
    assert!(page.contains("Graffiti"));
    for word in secret_words(&app).await {
        assert!(!page.contains(&format!(">{word}<")), "{word} is on the English page");
    }
    let res = app.get_as(Role::Partner, "/results").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("href=\"/results\""), "the nav links to the results");
}

/// The CSV's data lines: (district, group, count, suppressed).
fn csv_lines(body: &str) -> Vec<(String, String, Option<i64>, bool)> {
    let data: String = body.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
    let mut reader = csv::Reader::from_reader(data.as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[1].to_owned(), r[3].to_owned(), r[5].parse().ok(), &r[6] == "true")
        })
        .collect()
}

#[tokio::test]
async fn the_csv_hides_small_counts_so_that_they_cannot_be_subtracted() {
    let app = seeded().await;
    let res = app.get_as(Role::Public, "/results/reports.csv").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
    assert!(res.headers()[LINK].to_str().unwrap().contains("creativecommons.org/licenses/by/4.0"));
    let body = res.text().await.unwrap();
    assert!(body.starts_with("# "), "a header comment");
    assert!(body.contains("CC BY 4.0"));
    for word in secret_words(&app).await {
        assert!(!body.contains(&word), "{word} is in the CSV");
    }
    let lines = csv_lines(&body);
    assert!(lines.contains(&("tensta".into(), "klotter".into(), Some(7), false)), "{body}");
    assert!(lines.contains(&("rinkeby".into(), "nedskrapning".into(), None, true)), "{body}");
    for (_, _, count, hidden) in &lines {
        assert!(count.is_none_or(|n| n >= 5), "a count below 5: {body}");
        assert_eq!(count.is_none(), *hidden);
    }
    // Each line of the table (a district with its total, a group with its total):
    // never exactly one hidden figure, or it would be the total minus the others.
    let districts: std::collections::BTreeSet<&String> = lines.iter().map(|l| &l.0).collect();
    let groups: std::collections::BTreeSet<&String> = lines.iter().map(|l| &l.1).collect();
    for d in &districts {
        let hidden = lines.iter().filter(|l| &l.0 == *d && l.3).count();
        assert_ne!(hidden, 1, "district {d} has one hidden figure: {body}");
    }
    for g in &groups {
        let hidden = lines.iter().filter(|l| &l.1 == *g && l.3).count();
        assert_ne!(hidden, 1, "group {g} has one hidden figure: {body}");
    }
    let (status, _) = text(&app, "/results/reports.csv?period=nonsense").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_geojson_has_the_districts_with_protected_counts() {
    let app = seeded().await;
    let res = app.get_as(Role::Public, "/results/reports.geojson?lang=en").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_TYPE], "application/geo+json");
    let body = res.text().await.unwrap();
    for word in secret_words(&app).await {
        assert!(!body.contains(&format!("\"{word}\"")), "{word} is in the GeoJSON");
    }
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["type"], "FeatureCollection");
    assert_eq!(json["license"]["url"], "https://creativecommons.org/licenses/by/4.0/");
    let features = json["features"].as_array().unwrap();
    let codes: Vec<&str> = features.iter().map(|f| f["properties"]["code"].as_str().unwrap()).collect();
    for d in ["tensta", "rinkeby", "husby", "akalla", "kista"] {
        assert!(codes.contains(&d), "{d} missing from {codes:?}");
    }
    let tensta = features.iter().find(|f| f["id"] == "tensta").unwrap();
    assert_eq!(tensta["geometry"]["type"], "MultiPolygon");
    assert_eq!(tensta["properties"]["groups"]["klotter"]["count"], 7);
    assert_eq!(tensta["properties"]["total"]["count"], 13);
    let husby = features.iter().find(|f| f["id"] == "husby").unwrap();
    assert_eq!(husby["properties"]["groups"]["klotter"]["count"], serde_json::Value::Null);
    assert_eq!(husby["properties"]["groups"]["klotter"]["suppressed"], true);
}

#[tokio::test]
async fn the_atom_feed_is_well_formed_and_lists_completed_periods() {
    use quick_xml::events::Event;
    let app = seeded().await;
    let res = app.get_as(Role::Public, "/results/feed.atom").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("application/atom+xml"));
    let body = res.text().await.unwrap();
    let mut reader = quick_xml::Reader::from_str(&body);
    let (mut names, mut depth_ok) = (Vec::new(), true);
    let mut depth = 0_i32;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                depth += 1;
                names.push(e.name().as_ref().to_owned());
            }
            Event::Empty(e) => names.push(e.name().as_ref().to_owned()),
            Event::End(_) => depth -= 1,
            Event::Eof => break,
            _ => {}
        }
        depth_ok &= depth >= 0;
    }
    assert!(depth_ok && depth == 0);
    assert_eq!(names[0], "feed");
    assert!(body.contains("xmlns=\"http://www.w3.org/2005/Atom\""));
    let entries = names.iter().filter(|n| *n == "entry").count();
    assert!(entries >= 1, "the tertial of the 200-day-old report: {body}");
    let count = |name: &str| names.iter().filter(|n| *n == name).count();
    for required in ["id", "title", "updated", "link"] {
        assert!(count(required) > entries, "the feed and each entry need {required}: {body}");
    }
    assert_eq!(count("author"), 1, "the feed's author covers its entries");
}
