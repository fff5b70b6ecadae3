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
    assert!(!page.contains("<circle class=\"point"), "no points on the public map");
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

/// A plan with a measure reported green in 2025-T2 (approved by the steering
/// group) and red in 2025-T3 (not approved), and a count indicator with
/// values for Järva and its district areas in both tertials.
async fn with_plans(app: &App) {
    use jiff::civil::date;
    use trygg_core::{ApprovalStage, Cadence, EvidenceBase, Factor, IndicatorSource, MeasureStatus, Period};
    use trygg_core::{PlanKind, Polarity};
    use trygg_store::{EnteredValue, Indicator, MeasureInput, NewPlan};
    let jarva = Code::new("jarva").unwrap();
    let plan = NewPlan {
        kind: PlanKind::Overall,
        parent_id: None,
        strategy: Code::new("jarva-2020-2025").unwrap(),
        name: "Övergripande handlingsplan Järva".into(),
        unit: None,
        area: jarva.clone(),
        valid_from: date(2025, 1, 1),
        valid_to: date(2025, 12, 31),
    };
    let plan = app.store.create_plan("test", &plan).await.unwrap();
    let indicator = Indicator {
        code: Code::new("sanerat-klotter").unwrap(),
        name_sv: "Sanerade klotterplatser".into(),
        name_en: "Graffiti sites cleaned".into(),
        numerator: "Platser".into(),
        denominator: None,
        factor: Factor::Count,
        source: IndicatorSource::Entered,
        query: String::new(),
        disaggregation: String::new(),
        cadence: Cadence::Tertial,
        polarity: Polarity::HigherIsBetter,
        baseline_value: None,
        baseline_period: None,
    };
    app.store.upsert_indicator("test", &indicator).await.unwrap();
    // Counted from a non-public category: never on the public page.
    let hidden = Indicator {
        code: Code::new("rapporter-gomda-droger").unwrap(),
        name_sv: "Rapporter om gömda narkotikagömmor".into(),
        name_en: "Reports of hidden drug stashes".into(),
        source: IndicatorSource::Reports,
        query: "gomda-droger".into(),
        ..indicator.clone()
    };
    app.store.upsert_indicator("test", &hidden).await.unwrap();
    let v = EnteredValue {
        indicator: hidden.code.clone(),
        area: jarva.clone(),
        period: Period::Tertial(2025, 2),
        group: "all".into(),
        value: 150.0,
        numerator: None,
        denominator: None,
        source: "Testkälla".into(),
    };
    app.store.enter_indicator_value("test", &v).await.unwrap();
    let measure = MeasureInput {
        plan_id: plan.id,
        name: "Snabb klottersanering".into(),
        goal: "Halvera klotter vid Tensta centrum till december".into(),
        starts: date(2025, 1, 1),
        ends: date(2025, 12, 31),
        owner: "Stadsdelsförvaltningen".into(),
        working_group: String::new(),
        partners: String::new(),
        hours: None,
        money: None,
        staff: None,
        competence: String::new(),
        follow_up: "Felanmälningar per månad".into(),
        direction: None,
        working_method: None,
        evidence_base: EvidenceBase::Promising,
        evidence_reference: String::new(),
        place: None,
        comparison_area: None,
    };
    let m = app.store.create_measure("test", &measure).await.unwrap();
    app.store.link_indicator("test", m.id, &indicator.code).await.unwrap();
    let (t2, t3) = (Period::Tertial(2025, 2), Period::Tertial(2025, 3));
    app.store.report_followup(m.id, t2, MeasureStatus::Green, "Enligt plan.", "test").await.unwrap();
    app.store.report_followup(m.id, t3, MeasureStatus::Red, "Försenat.", "test").await.unwrap();
    for (period, values) in [(t2, [223.0, 3.0, 220.0]), (t3, [777.0, 377.0, 400.0])] {
        for (area, value) in ["jarva", "rinkeby-kista", "spanga-tensta"].into_iter().zip(values) {
            let v = EnteredValue {
                indicator: indicator.code.clone(),
                area: Code::new(area).unwrap(),
                period,
                group: "all".into(),
                value,
                numerator: None,
                denominator: None,
                source: "Testkälla".into(),
            };
            app.store.enter_indicator_value("test", &v).await.unwrap();
        }
    }
    app.store.approve_tertial(&jarva, t2, ApprovalStage::Preparation, "test").await.unwrap();
    app.store.approve_tertial(&jarva, t2, ApprovalStage::Steering, "test").await.unwrap();
}

#[tokio::test]
async fn measures_show_only_approved_status_and_trends_only_approved_protected_values() {
    let app = App::start().await;
    with_plans(&app).await;
    let (status, page) = text(&app, "/results").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Snabb klottersanering"), "the measure is listed");
    assert!(page.contains("Grön: enligt plan (2025-T2)"), "the approved tertial's status");
    assert!(!page.contains("Röd"), "the unapproved 2025-T3 status is not public");
    assert!(page.contains("Sanerade klotterplatser"), "the indicator by name");
    assert!(
        !page.contains("narkotikagömmor") && !page.contains("<td class=\"num\">150</td>"),
        "non-public category"
    );
    assert!(page.contains("<td class=\"num\">223</td>"), "Järva's approved count");
    assert!(!page.contains("<td class=\"num\">3</td>"), "a count below 5 is hidden");
    assert!(!page.contains("<td class=\"num\">220</td>"), "220 would give 223 − 220 = 3");
    for unapproved in ["777", "377", "400"] {
        assert!(!page.contains(&format!("<td class=\"num\">{unapproved}</td>")), "2025-T3 is not approved");
    }
    assert!(page.contains("-title\">Sanerade klotterplatser</title>"), "a line chart of the indicator");
    let (_, english) = text(&app, "/results?lang=en").await;
    assert!(english.contains("Green: on track (2025-T2)") && english.contains("Graffiti sites cleaned"));
    assert!(!english.contains("Red: off track"));
}

fn location(res: &reqwest::Response) -> String {
    res.headers()[reqwest::header::LOCATION].to_str().unwrap().to_owned()
}

async fn audited(app: &App, action: &str) -> usize {
    app.store.audit_entries(1000).await.unwrap().iter().filter(|e| e.action == action).count()
}

#[tokio::test]
async fn articles_go_from_draft_to_approved_to_published_by_the_right_roles() {
    let app = App::start().await;
    let fields = [
        ("area", "spanga-tensta"),
        ("title", "Ljus på gångvägen"),
        ("body", "Boende pekade ut en mörk gångväg.\n\nNu är den upplyst."),
    ];
    for role in [Role::Public, Role::Member, Role::Partner, Role::Steering, Role::SocialServices] {
        let res = app.post_form_as(role, "/articles", &fields).await;
        assert!(res.status().is_client_error() || res.status().is_redirection(), "{role:?} may not write");
        if res.status().is_redirection() {
            assert!(location(&res).starts_with("/login"), "{role:?} is sent to the login");
        }
    }
    for role in [Role::Member, Role::Partner, Role::SocialServices] {
        assert_eq!(app.get_as(role, "/articles").await.status(), StatusCode::FORBIDDEN, "{role:?}");
    }
    assert_eq!(app.store.articles().await.unwrap().len(), 0, "nothing was written by the refused roles");
    let personal = [
        ("area", "spanga-tensta"),
        ("title", "Ring mig"),
        ("body", "Ring 070-123 45 67 eller 19121212-1212."),
    ];
    let res = app.post_form_as(Role::Coordinator, "/articles", &personal).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "personal data is refused");

    let res = app.post_form_as(Role::Coordinator, "/articles", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let edit = location(&res);
    let id: i64 = edit.trim_start_matches("/articles/").parse().unwrap();
    let public = format!("/results/articles/{id}");
    assert_eq!(
        app.get_as(Role::Public, &public).await.status(),
        StatusCode::NOT_FOUND,
        "a draft is not public"
    );
    let (_, page) = text(&app, "/results").await;
    assert!(!page.contains("Ljus på gångvägen"), "no draft on the results page");

    let publish = format!("{edit}/publish");
    let approve = format!("{edit}/approve");
    assert_eq!(
        app.post_form_as(Role::Coordinator, &publish, &[]).await.status(),
        StatusCode::CONFLICT,
        "not approved"
    );
    assert_eq!(app.post_form_as(Role::Coordinator, &approve, &[]).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.post_form_as(Role::Steering, &approve, &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get_as(Role::Public, &public).await.status(),
        StatusCode::NOT_FOUND,
        "approved is not public"
    );
    assert_eq!(app.post_form_as(Role::Steering, &publish, &[]).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.post_form_as(Role::Coordinator, &publish, &[]).await.status(), StatusCode::SEE_OTHER);

    let (status, article) = text(&app, &public).await;
    assert_eq!(status, StatusCode::OK);
    assert!(article.contains("Ljus på gångvägen") && article.contains("<p>Nu är den upplyst.</p>"));
    let (_, page) = text(&app, "/results").await;
    assert!(page.contains(&format!("href=\"{public}\"")), "listed on the results page");
    let (_, feed) = text(&app, "/results/feed.atom").await;
    assert!(feed.contains(&format!("/results/articles/{id}</id>")) && feed.contains("Ljus på gångvägen"));
    let changed = app.post_form_as(Role::Coordinator, &edit, &fields).await;
    assert_eq!(changed.status(), StatusCode::CONFLICT, "a published article is not changed");
    for action in ["article.create", "article.approve", "article.publish"] {
        assert_eq!(audited(&app, action).await, 1, "{action}");
    }
    let staff = app.get_as(Role::Steering, "/articles").await;
    assert_eq!(staff.status(), StatusCode::OK);
    assert!(staff.text().await.unwrap().contains("Publicerad"));
}

#[tokio::test]
async fn changing_an_approved_article_makes_it_a_draft_again() {
    let app = App::start().await;
    let fields = [("area", "jarva"), ("title", "Läxhjälp"), ("body", "Biblioteket har läxhjälp.")];
    let res = app.post_form_as(Role::Admin, "/articles", &fields).await;
    let edit = location(&res);
    app.post_form_as(Role::Steering, &format!("{edit}/approve"), &[]).await;
    let changed = [("area", "jarva"), ("title", "Läxhjälp"), ("body", "Biblioteket har läxhjälp varje dag.")];
    assert_eq!(app.post_form_as(Role::Admin, &edit, &changed).await.status(), StatusCode::SEE_OTHER);
    let res = app.post_form_as(Role::Admin, &format!("{edit}/publish"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "the changed text needs a new approval");
    assert_eq!(audited(&app, "article.update").await, 1);
}
