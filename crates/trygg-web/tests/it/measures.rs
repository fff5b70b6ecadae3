//! Action plans and measures in the browser: who may read and change them,
//! area scoping, validation answered with 400, the golden thread and its
//! warnings, the evaluation against a hand computation, and the XLSX export
//! read back.

use crate::harness::{App, new_session};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use std::io::Cursor;
use trygg_core::{Code, Date, Email, EvidenceBase, Name, PlanKind, Role};
use trygg_store::testing::execute_raw;
use trygg_store::{ImportMeta, MeasureInput, NewEvent, NewPlan, NewUser};

fn code(s: &str) -> Code {
    Code::new(s).unwrap()
}

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

fn plan_of(area: &str) -> NewPlan {
    NewPlan {
        kind: PlanKind::Overall,
        parent_id: None,
        strategy: code("jarva-2020-2025"),
        name: format!("Handlingsplan {area}"),
        unit: None,
        area: code(area),
        valid_from: date("2024-01-01"),
        valid_to: date("2025-12-31"),
    }
}

fn measure_of(plan_id: i64, place: Option<&str>, comparison: Option<&str>) -> MeasureInput {
    MeasureInput {
        plan_id,
        name: "Belysning vid Tensta centrum".into(),
        goal: "Ny belysning på hela torget före juni".into(),
        starts: date("2025-03-01"),
        ends: date("2025-06-30"),
        owner: "Trafikkontoret".into(),
        working_group: "Arbetsgrupp Tensta centrum".into(),
        partners: "Svenska Bostäder".into(),
        hours: Some(40.0),
        money: Some(250_000.0),
        staff: None,
        competence: "Ljusdesign".into(),
        follow_up: "Trygghetsvandring före och efter".into(),
        direction: Some(code("trygg-stadsmiljo")),
        working_method: Some(code("samverkan")),
        evidence_base: EvidenceBase::Promising,
        evidence_reference: "Brå 2021:9".into(),
        place: place.map(code),
        comparison_area: comparison.map(code),
    }
}

/// A plan of Järva with one place-based measure; (plan id, measure id).
async fn plan_with_measure(app: &App) -> (i64, i64) {
    let plan = app.store.create_plan("user:1", &plan_of("jarva")).await.unwrap();
    let m = app
        .store
        .create_measure("user:1", &measure_of(plan.id, Some("tensta"), Some("husby")))
        .await
        .unwrap();
    (plan.id, m.id)
}

async fn raw(app: &App, sql: &str) {
    execute_raw(&app.store, sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A problem of Järva (id 1) with one cause (id 1) and the indicator `brott`.
async fn problem_and_indicator(app: &App) {
    raw(
        app,
        "INSERT INTO problems (area, title, what, place, time, affected, priority, closed, created_by, \
         created_at, updated_at) VALUES ('jarva', 'Rån vid torget', 'Rån', 'Torget', 'Kvällar', 'Unga', 1, 0, \
         'user:1', 0, 0)",
    )
    .await;
    raw(
        app,
        "INSERT INTO causes (problem_id, kind, position, text, evidence, created_by, created_at) \
         VALUES (1, 'place', 0, 'Mörkt torg', 'Trygghetsvandring 2024', 'user:1', 0)",
    )
    .await;
    raw(
        app,
        "INSERT INTO indicators (code, name_sv, name_en, numerator, denominator, factor, source, cadence, \
         polarity, baseline_value, baseline_period) VALUES ('brott', 'Anmälda brott per 1 000', \
         'Reported crime per 1,000', 'brott', 'invånare', 'per_1000', 'entered', 'tertial', \
         'lower_is_better', NULL, NULL) ON CONFLICT (code) DO NOTHING",
    )
    .await;
}

#[tokio::test]
async fn staff_read_plans_and_others_are_refused() {
    let app = App::start().await;
    let (plan, measure) = plan_with_measure(&app).await;
    let pages = [
        "/plans".to_owned(),
        format!("/plans/{plan}"),
        format!("/measures/{measure}"),
        format!("/measures/{measure}/evaluation"),
        "/thread?area=jarva".to_owned(),
        "/plans/export.xlsx?area=jarva".to_owned(),
    ];
    for role in [Role::Admin, Role::Coordinator, Role::Steering, Role::Member] {
        for page in &pages {
            let res = app.get_as(role, page).await;
            // The evaluation has no events to compare: a clear 400, never a 500.
            let want = if page.ends_with("evaluation") { StatusCode::BAD_REQUEST } else { StatusCode::OK };
            assert_eq!(res.status(), want, "{role:?} {page}");
        }
    }
    for role in [Role::Partner, Role::SocialServices] {
        for page in &pages {
            assert_eq!(app.get_as(role, page).await.status(), StatusCode::FORBIDDEN, "{role:?} {page}");
        }
    }
    assert!(app.get_as(Role::Public, "/plans").await.status().is_redirection());
    for role in [Role::Steering, Role::Member] {
        let res = app.get_as(role, &format!("/measures/new?plan={plan}")).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = app.post_form_as(role, "/plans", &[("name", "x")]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = app.post_form_as(role, &format!("/measures/{measure}/causes"), &[("cause", "1")]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    let body = app.get_as(Role::Member, &format!("/plans/{plan}")).await.text().await.unwrap();
    assert!(body.contains("Belysning vid Tensta centrum") && body.contains("Inte rapporterad"));
    assert!(!body.contains("/measures/new"), "readers get no edit links");
}

#[tokio::test]
async fn users_see_only_the_plans_of_their_areas() {
    let app = App::start().await;
    let (plan, measure) = plan_with_measure(&app).await;
    let husby_plan = app.store.create_plan("user:1", &plan_of("husby")).await.unwrap();
    let user = app
        .store
        .create_user(&NewUser {
            email: Email::new("husby@test.trygg.se").unwrap(),
            name: Name::new("Husby").unwrap(),
            role: Role::Coordinator,
            areas: vec![code("husby")],
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$invalid".into(),
        })
        .await
        .unwrap();
    let (cookie, csrf) = new_session(&app.store, user.id).await;
    let get = |path: String| app.client.get(app.url(&path)).header(COOKIE, cookie.clone()).send();
    let list = get("/plans".into()).await.unwrap().text().await.unwrap();
    assert!(list.contains("Handlingsplan husby") && !list.contains("Handlingsplan jarva"));
    assert_eq!(get(format!("/plans/{}", husby_plan.id)).await.unwrap().status(), StatusCode::OK);
    for path in
        [format!("/plans/{plan}"), format!("/measures/{measure}"), format!("/measures/{measure}/edit")]
    {
        assert_eq!(get(path.clone()).await.unwrap().status(), StatusCode::NOT_FOUND, "{path}");
    }
    for path in ["/thread?area=jarva", "/plans/export.xlsx?area=jarva"] {
        let res = get(path.into()).await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{path}");
        assert!(res.text().await.unwrap().contains("Du arbetar inte med det området"));
    }
    assert_eq!(get("/thread?area=husby".into()).await.unwrap().status(), StatusCode::OK);
    let post = app
        .client
        .post(app.url(&format!("/measures/{measure}")))
        .header(COOKIE, cookie.clone())
        .form(&[("csrf", csrf.as_str()), ("name", "Kapad")])
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.store.measure(measure).await.unwrap().unwrap().name, "Belysning vid Tensta centrum");
    let new_in_jarva = app
        .client
        .post(app.url("/plans"))
        .header(COOKIE, cookie.clone())
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Smyg"),
            ("kind", "overall"),
            ("strategy", "jarva-2020-2025"),
            ("area", "jarva"),
            ("valid_from", "2024-01-01"),
            ("valid_to", "2025-12-31"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(new_in_jarva.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.store.plans(&[code("jarva")]).await.unwrap().len(), 1);
}

fn location(res: &reqwest::Response) -> String {
    res.headers()[LOCATION].to_str().unwrap().to_owned()
}

/// POSTs a form as a coordinator.
async fn post(app: &App, fields: Vec<(&'static str, String)>, path: &str) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post_form_as(Role::Coordinator, path, &fields).await
}

#[tokio::test]
async fn plans_and_measures_are_made_in_forms_and_bad_input_is_a_clear_400() {
    let app = App::start().await;
    let plan_form = |name: &'static str, to: &'static str| {
        vec![
            ("name", name),
            ("kind", "overall"),
            ("strategy", "jarva-2020-2025"),
            ("area", "jarva"),
            ("valid_from", "2024-01-01"),
            ("valid_to", to),
        ]
    };
    let res =
        app.post_form_as(Role::Coordinator, "/plans", &plan_form("Övergripande plan", "2025-12-31")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let plan_path = location(&res);
    let plan_id: i64 = plan_path.trim_start_matches("/plans/").parse().unwrap();
    let bad = app.post_form_as(Role::Coordinator, "/plans", &plan_form("För lång", "2027-12-31")).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let body = bad.text().await.unwrap();
    assert!(body.contains("role=\"alert\"") && body.contains("Gäller till"), "{body}");
    let bad = app.post_form_as(Role::Coordinator, "/plans", &[("name", "x")]).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("Fyll i"));

    let form = app.get_as(Role::Coordinator, &format!("/measures/new?plan={plan_id}")).await;
    assert_eq!(form.status(), StatusCode::OK);
    let body = form.text().await.unwrap();
    assert!(body.contains("Stadsmiljön upplevs trygg"), "the strategy's directions are offered");
    assert_eq!(app.get_as(Role::Coordinator, "/measures/new?plan=x").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.get_as(Role::Coordinator, "/measures/new?plan=999").await.status(), StatusCode::NOT_FOUND);

    let plan = plan_id.to_string();
    let measure = |ends: &'static str, hours: &'static str| {
        vec![
            ("plan", plan.clone()),
            ("name", "Nattvandring".to_owned()),
            ("goal", "Två kvällar i veckan".to_owned()),
            ("starts", "2025-02-01".to_owned()),
            ("ends", ends.to_owned()),
            ("owner", "Föreningen".to_owned()),
            ("hours", hours.to_owned()),
            ("follow_up", "Loggbok".to_owned()),
            ("direction", "trygg-stadsmiljo".to_owned()),
            ("evidence_base", "new".to_owned()),
            ("place", "tensta".to_owned()),
            ("comparison_area", "husby".to_owned()),
        ]
    };
    let res = post(&app, measure("2025-12-31", "1 200,5"), "/measures").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let measure_path = location(&res);
    let id: i64 = measure_path.trim_start_matches("/measures/").parse().unwrap();
    let stored = app.store.measure(id).await.unwrap().unwrap();
    assert_eq!((stored.hours, stored.place.clone()), (Some(1200.5), Some(code("tensta"))));
    for (fields, expected) in [
        (measure("2025-01-01", ""), "Slutar"),
        (measure("2025-12-31", "många"), "Ange ett tal"),
        (measure("igår", ""), "Ange ett datum"),
    ] {
        let res = post(&app, fields, "/measures").await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{expected}");
        let body = res.text().await.unwrap();
        assert!(body.contains("role=\"alert\"") && body.contains(expected), "{expected}: {body}");
        assert!(body.contains("Nattvandring"), "the form keeps what was typed");
    }
    let mut wrong_method = measure("2025-12-31", "");
    wrong_method.push(("working_method", "okand".into()));
    let res = post(&app, wrong_method, "/measures").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("Arbetssätt"));
    assert_eq!(app.store.measures(&[]).await.unwrap().len(), 1, "nothing stored from bad input");

    let mut edited = measure("2025-11-30", "");
    edited[1].1 = "Nattvandring i Tensta".into();
    let res = post(&app, edited, &measure_path).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let stored = app.store.measure(id).await.unwrap().unwrap();
    assert_eq!(
        (stored.name.as_str(), stored.ends, stored.hours),
        ("Nattvandring i Tensta", date("2025-11-30"), None)
    );
    let edit = app.get_as(Role::Coordinator, &format!("{measure_path}/edit")).await.text().await.unwrap();
    assert!(edit.contains("value=\"Nattvandring i Tensta\""));
    let audit = app.store.audit_entries(30).await.unwrap();
    for action in ["plan.create", "measure.create", "measure.update"] {
        assert!(audit.iter().any(|e| e.action == action), "{action}");
    }
}

#[tokio::test]
async fn the_thread_links_causes_indicators_and_perspectives_and_warns() {
    let app = App::start().await;
    let (plan, m) = plan_with_measure(&app).await;
    problem_and_indicator(&app).await;
    let page = app.get_as(Role::Member, &format!("/measures/{m}")).await.text().await.unwrap();
    assert!(page.contains("angriper ingen orsak") && page.contains("saknar indikator"));
    assert!(page.contains("har inte angett hur alla perspektiv"));
    let thread = app.get_as(Role::Member, "/thread?area=jarva").await.text().await.unwrap();
    assert!(thread.contains("Problemet Rån vid torget angrips inte av någon åtgärd"));
    assert!(thread.contains("href=\"/problems/1\""));

    let res = app.post_form_as(Role::Coordinator, &format!("/measures/{m}/causes"), &[("cause", "1")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = app.post_form_as(Role::Coordinator, &format!("/measures/{m}/causes"), &[("cause", "77")]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app
        .post_form_as(Role::Coordinator, &format!("/measures/{m}/indicators"), &[("indicator", "brott")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = app
        .post_form_as(Role::Coordinator, &format!("/measures/{m}/indicators"), &[("indicator", "okand")])
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let perspectives = [
        ("p-jamstalldhet", "Belysning efter kvinnors trygghetsvandring"),
        ("p-hbtq", "Samråd med RFSL"),
        ("p-barnratt", "Skolans elevråd tillfrågades"),
        ("p-funktionshinder", "Ledstråk och kontraster"),
    ];
    let res =
        app.post_form_as(Role::Coordinator, &format!("/measures/{m}/perspectives"), &perspectives).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = app
        .post_form_as(Role::Coordinator, &format!("/measures/{m}/perspectives"), &[("p-okand", "x")])
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    let page = app.get_as(Role::Member, &format!("/measures/{m}")).await.text().await.unwrap();
    assert!(page.contains("href=\"/problems/1\"") && page.contains("Mörkt torg"));
    assert!(page.contains("Samråd med RFSL"));
    assert!(!page.contains("angriper ingen orsak") && !page.contains("saknar indikator"));
    assert!(
        page.contains("Indikatorn brott saknar utgångsvärde"),
        "the indicator's warnings show on the measure"
    );
    let thread = app.get_as(Role::Member, "/thread?area=jarva").await.text().await.unwrap();
    assert!(!thread.contains("angrips inte av någon åtgärd"));
    assert!(
        thread.contains(&format!("href=\"/measures/{m}\"")) && thread.contains("Anmälda brott per 1 000")
    );
    assert!(thread.contains(&format!("href=\"/plans/{plan}\"")), "back from the measure to its plan");

    let res = app.post_form_as(Role::Coordinator, &format!("/measures/{m}/causes/1/remove"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res =
        app.post_form_as(Role::Coordinator, &format!("/measures/{m}/indicators/brott/remove"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let again = app.store.measure(m).await.unwrap().unwrap();
    assert!(again.causes.is_empty() && again.indicators.is_empty() && again.perspectives.len() == 4);
    assert_eq!(app.get_as(Role::Member, "/thread?area=nowhere").await.status(), StatusCode::BAD_REQUEST);
}

/// `n` events of `area` at noon UTC on days counted from `first`.
fn events(area: &str, first: &str, n: usize, tag: &str) -> Vec<NewEvent> {
    let start = date(first).to_zoned_datetime(jiff::tz::TimeZone::UTC).unwrap().timestamp().as_millisecond();
    (0..n)
        .map(|i| NewEvent {
            source_id: format!("{tag}-{i}"),
            category: "Rån".into(),
            occurred_at: start + 12 * 3_600_000 + i as i64 * 86_400_000,
            published_at: None,
            title: None,
            summary: None,
            url: None,
            location_name: None,
            municipality: None,
            position: None,
            area: Some(code(area)),
            area_method: None,
        })
        .collect()
}

#[tokio::test]
async fn the_evaluation_matches_a_hand_computation() {
    let app = App::start().await;
    let (_, m) = plan_with_measure(&app).await;
    // The measure ran 2025-03-01 … 2025-06-30: 122 days, so "before" is 2024-10-30 … 2025-02-28.
    let mut all = Vec::new();
    all.extend(events("tensta", "2024-10-30", 12, "t0"));
    all.extend(events("tensta-centrum", "2024-12-01", 8, "t0c")); // a place in Tensta counts as Tensta
    all.extend(events("tensta", "2025-03-01", 10, "t1"));
    all.extend(events("husby", "2024-11-01", 15, "c0"));
    all.extend(events("husby", "2025-04-01", 15, "c1"));
    all.extend(events("tensta", "2024-09-01", 30, "early")); // before the compared periods
    all.extend(events("husby", "2025-07-01", 30, "late")); // after the measure ended
    let meta = ImportMeta {
        kind: "test".into(),
        source: "test".into(),
        file_name: "events.json".into(),
        sha256: "0".repeat(64),
        rejected: 0,
        actor: "user:1".into(),
        started_at: 0,
    };
    app.store.import_events(&meta, &all).await.unwrap();
    let res = app.get_as(Role::Steering, &format!("/measures/{m}/evaluation")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    // Treated 20 → 10, control 15 → 15: WDD = (10 − 20) − (15 − 15) = −10, SE √60 = 7.746,
    // 95 %: −10 ± 1.95996 × 7.746 = −25.2 … 5.2. IRR = (10/20)/(15/15) = 0.50,
    // SE(log) = √(1/20 + 1/10 + 1/15 + 1/15) = 0.5323, 95 %: 0.5 × e^(∓1.0433) = 0.18 … 1.42.
    for want in
        ["2024-10-30 – 2025-02-28", "2025-03-01 – 2025-06-30", "−10,0", "−25,2 – 5,2", "0,50", "0,18 – 1,42"]
    {
        assert!(body.contains(want), "{want} in {body}");
    }
    assert!(body.contains(">20<") && body.contains(">10<") && body.contains(">15<"), "the counts are shown");
    assert!(body.contains("Ingen påvisbar effekt"));

    // A clear reduction: 60 → 10 against 30 → 30 gives WDD −50, 95 % −72.3 … −27.7.
    let plan = app.store.create_plan("user:1", &plan_of("jarva")).await.unwrap();
    let strong = app
        .store
        .create_measure("user:1", &measure_of(plan.id, Some("rinkeby"), Some("kista")))
        .await
        .unwrap();
    let mut more = events("rinkeby", "2024-10-30", 60, "r0");
    more.extend(events("rinkeby", "2025-03-01", 10, "r1"));
    more.extend(events("kista", "2024-10-30", 30, "k0"));
    more.extend(events("kista", "2025-03-01", 30, "k1"));
    app.store
        .import_events(
            &ImportMeta { file_name: "more.json".into(), sha256: "1".repeat(64), ..meta.clone() },
            &more,
        )
        .await
        .unwrap();
    let body =
        app.get_as(Role::Member, &format!("/measures/{}/evaluation", strong.id)).await.text().await.unwrap();
    assert!(body.contains("−50,0") && body.contains("−72,3 – −27,7"), "{body}");
    assert!(body.contains("Signifikant minskning"));

    // No place, or no events: refused clearly.
    let unplaced = app.store.create_measure("user:1", &measure_of(plan.id, None, None)).await.unwrap();
    let res = app.get_as(Role::Member, &format!("/measures/{}/evaluation", unplaced.id)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("saknar plats eller jämförelseområde"));
    let quiet = measure_of(plan.id, Some("akalla"), Some("kista-galleria"));
    let empty = app.store.create_measure("user:1", &quiet).await.unwrap();
    let res = app.get_as(Role::Member, &format!("/measures/{}/evaluation", empty.id)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("inga händelser"));
}

#[tokio::test]
async fn the_xlsx_export_reads_back() {
    use calamine::{Data, Reader, Xlsx};
    let app = App::start().await;
    let (plan, m) = plan_with_measure(&app).await;
    app.store.set_perspective("user:1", m, &code("barnratt"), "Elevrådet tillfrågades").await.unwrap();
    for (period, status, comment) in
        [("2025-T1", "yellow", "Försenad upphandling"), ("2025-T2", "green", "Klar")]
    {
        raw(
            &app,
            &format!(
                "INSERT INTO measure_followups (measure_id, period, status, comment, reported_by, reported_at) \
                 VALUES ({m}, '{period}', '{status}', '{comment}', 'user:3', 1750000000000)"
            ),
        )
        .await;
    }
    let res = app.get_as(Role::Member, "/plans/export.xlsx?area=jarva").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().contains("spreadsheetml"));
    let bytes = res.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["Åtgärder", "Uppföljning"]);
    let sheet = book.worksheet_range("Åtgärder").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows.len(), 2, "a header and one measure");
    let header: Vec<String> = rows[0].iter().map(|d| d.to_string()).collect();
    let col =
        |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} in {header:?}"));
    let row = rows[1];
    assert_eq!(row[col("Plan-id")], Data::Float(plan as f64));
    assert_eq!(row[col("Åtgärds-id")], Data::Float(m as f64));
    assert_eq!(row[col("Åtgärd")], Data::String("Belysning vid Tensta centrum".into()));
    assert_eq!(row[col("Pengar (kr)")], Data::Float(250_000.0));
    assert_eq!(row[col("Personal (årsarbetare)")], Data::Empty);
    assert_eq!(row[col("Startar")], Data::String("2025-03-01".into()));
    assert_eq!(row[col("Kunskapsläge")], Data::String("Lovande".into()));
    assert_eq!(row[col("Barnrättsperspektiv")], Data::String("Elevrådet tillfrågades".into()));
    assert_eq!(row[col("Jämställdhetsperspektiv")], Data::Empty);
    assert_eq!(row[col("Senaste status")], Data::String("2025-T2 Grön (enligt plan)".into()));
    assert!(header.len() >= 31, "one column per field and perspective: {header:?}");
    let follow = book.worksheet_range("Uppföljning").unwrap();
    let rows: Vec<Vec<String>> = follow.rows().map(|r| r.iter().map(|d| d.to_string()).collect()).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1][3..6], ["2025-T1", "Gul (risk)", "Försenad upphandling"]);
    assert_eq!(rows[2][3..6], ["2025-T2", "Grön (enligt plan)", "Klar"]);
    let audit = app.store.audit_entries(5).await.unwrap();
    assert!(
        audit.iter().any(|e| e.action == "plans.export" && e.detail.contains("1 measures, 2 follow-up rows"))
    );
    let other = app.get_as(Role::Member, "/plans/export.xlsx?area=nowhere").await;
    assert_eq!(other.status(), StatusCode::BAD_REQUEST);
}
