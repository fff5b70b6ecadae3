//! The staff pages of rapid action: queue and filters, who sees what,
//! report detail and the change form, bulk changes, exports, figures and
//! the weekly EST meeting.

use crate::harness::{App, new_session};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use trygg_core::{Code, Email, LatLon, Name, ReportState, Role};
use trygg_store::testing::TestDb;
use trygg_store::{NewReport, NewUser, Report, Reporter};

const HOUR: i64 = 3_600_000;

fn today() -> jiff::civil::Date {
    let tz = jiff::tz::TimeZone::get("Europe/Stockholm").unwrap();
    jiff::Timestamp::now().to_zoned_datetime(tz).date()
}

fn code(s: &str) -> Code {
    Code::new(s).unwrap()
}

/// A resident's report of `category` at a seeded place, made `age_h` hours ago.
fn new_report(category: &str, place: &str, age_h: i64) -> NewReport {
    let created = trygg_store::now_ms() - age_h * HOUR;
    NewReport {
        category: code(category),
        position: None,
        place: Some(code(place)),
        seen_at: created - 60_000,
        description: format!("{category} vid {place}"),
        reporter: Reporter::resident(Some(Email::new("boende@example.se").unwrap())),
        source: "web".into(),
        photos: Vec::new(),
        created_at: Some(created),
    }
}

async fn make(app: &App, category: &str, place: &str, age_h: i64) -> Report {
    app.store.create_report(&new_report(category, place, age_h)).await.expect("create report").report
}

async fn body(app: &App, role: Role, path: &str) -> (StatusCode, String) {
    let res = app.get_as(role, path).await;
    (res.status(), res.text().await.unwrap())
}

fn link(id: i64) -> String {
    format!("href=\"/reports/{id}\"")
}

/// A signed-in session for a new user with `role` and `areas`: (cookie, csrf, id).
async fn user_with(app: &App, email: &str, role: Role, areas: &[&str]) -> (String, String, i64) {
    let user = app
        .store
        .create_user(&NewUser {
            email: Email::new(email).unwrap(),
            name: Name::new("Extra Användare").unwrap(),
            role,
            areas: areas.iter().map(|a| code(a)).collect(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$invalid".into(),
        })
        .await
        .unwrap();
    let (cookie, csrf) = new_session(&app.store, user.id).await;
    (cookie, csrf, user.id)
}

async fn get_with(app: &App, cookie: &str, path: &str) -> (StatusCode, String) {
    let res = app.client.get(app.url(path)).header(COOKIE, cookie).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

#[tokio::test]
async fn the_queue_lists_and_filters_reports() {
    let app = App::start().await;
    let graffiti = make(&app, "klotter-ovrigt", "tensta-centrum", 1).await;
    let litter = make(&app, "nedskrapning-skrap", "rinkeby-torg", 2).await;
    let late = make(&app, "klotter-krankande", "husby-centrum", 24 * 10).await;
    let (status, html) = body(&app, Role::Coordinator, "/reports").await;
    assert_eq!(status, StatusCode::OK);
    for r in [&graffiti, &litter, &late] {
        assert!(html.contains(&link(r.id)), "report {} missing", r.id);
    }
    assert!(html.contains("<svg"), "the queue has a map");
    assert!(html.find(&link(graffiti.id)) < html.find(&link(late.id)), "newest first");

    let (_, html) = body(&app, Role::Coordinator, "/reports?category=klotter-ovrigt").await;
    assert!(
        html.contains(&link(graffiti.id))
            && !html.contains(&link(litter.id))
            && !html.contains(&link(late.id))
    );
    let (_, html) = body(&app, Role::Coordinator, "/reports?category=klotter").await;
    assert!(
        html.contains(&link(graffiti.id))
            && html.contains(&link(late.id))
            && !html.contains(&link(litter.id))
    );
    let (_, html) = body(&app, Role::Coordinator, "/reports?overdue=1").await;
    assert!(html.contains(&link(late.id)) && !html.contains(&link(graffiti.id)));
    assert!(html.contains("Försenad"), "overdue is marked in text");
    let (_, html) = body(&app, Role::Coordinator, "/reports?state=fixed").await;
    assert!(!html.contains(&link(graffiti.id)));
    let (_, html) = body(&app, Role::Coordinator, "/reports?area=rinkeby").await;
    assert!(html.contains(&link(litter.id)) && !html.contains(&link(graffiti.id)));
    let (_, html) = body(&app, Role::Coordinator, "/reports?org=fastighetsagare-tensta-centrum").await;
    assert!(html.contains(&link(graffiti.id)) && !html.contains(&link(litter.id)));
    let period = trygg_core::Period::tertial_of(today()).to_string();
    let (_, html) = body(&app, Role::Coordinator, &format!("/reports?period={period}")).await;
    assert!(html.contains(&link(graffiti.id)));
    let (_, html) = body(&app, Role::Coordinator, "/reports?period=1999").await;
    assert!(!html.contains(&link(graffiti.id)));

    for (query, field) in [
        ("category=nope", "category"),
        ("state=closed", "state"),
        ("from=31-12-2025", "from"),
        ("period=2025-T4", "period"),
        ("page=0", "page"),
        ("org=nobody", "org"),
        ("overdue=maybe", "overdue"),
    ] {
        let (status, html) = body(&app, Role::Coordinator, &format!("/reports?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(html.contains(field), "{query}: the message names {field}");
    }
}

#[tokio::test]
async fn a_partner_sees_and_changes_only_its_own_organisations_reports() {
    let app = App::start().await;
    let ours = make(&app, "klotter-ovrigt", "tensta-centrum", 1).await;
    let theirs = make(&app, "nedskrapning-skrap", "rinkeby-torg", 1).await;
    assert_eq!(ours.responsible.as_str(), "fastighetsagare-tensta-centrum");
    assert_ne!(theirs.responsible, ours.responsible);
    let partner = app.users[&Role::Partner];

    // Without an organisation: an empty queue and 404s.
    let (status, html) = body(&app, Role::Partner, "/reports").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains(&link(ours.id)) && !html.contains(&link(theirs.id)));
    assert_eq!(
        app.get_as(Role::Partner, &format!("/reports/{}", ours.id)).await.status(),
        StatusCode::NOT_FOUND
    );

    app.store.set_user_partner("test", partner, Some(&ours.responsible)).await.unwrap();
    let (_, html) = body(&app, Role::Partner, "/reports").await;
    assert!(html.contains(&link(ours.id)) && !html.contains(&link(theirs.id)));
    assert_eq!(app.get_as(Role::Partner, &format!("/reports/{}", ours.id)).await.status(), StatusCode::OK);
    assert_eq!(
        app.get_as(Role::Partner, &format!("/reports/{}", theirs.id)).await.status(),
        StatusCode::NOT_FOUND
    );
    let res = app
        .post_form_as(Role::Partner, &format!("/reports/{}", theirs.id), &[("state", "acknowledged")])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.store.report(theirs.id).await.unwrap().unwrap().state, ReportState::Received);
    let (status, _) = body(&app, Role::Partner, "/reports?org=svenska-bostader").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, csv) = body(&app, Role::Partner, "/reports/export.csv").await;
    assert_eq!(csv.lines().count(), 2, "header and our one report: {csv}");

    // Bulk: ours changes, theirs is reported as not found.
    let (ours_id, theirs_id) = (ours.id.to_string(), theirs.id.to_string());
    let res = app
        .post_form_as(
            Role::Partner,
            "/reports/bulk",
            &[("id", &ours_id), ("id", &theirs_id), ("action", "acknowledge")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("1 av 2"), "{html}");
    assert_eq!(app.store.report(ours.id).await.unwrap().unwrap().state, ReportState::Acknowledged);
    assert_eq!(app.store.report(theirs.id).await.unwrap().unwrap().state, ReportState::Received);
    let updates = app.store.report_updates(ours.id).await.unwrap();
    assert_eq!(updates.last().unwrap().actor_org.as_ref(), Some(&ours.responsible));
}

#[tokio::test]
async fn users_see_only_the_districts_under_their_areas() {
    let app = App::start().await;
    let tensta = make(&app, "klotter-ovrigt", "tensta-centrum", 1).await;
    let rinkeby = make(&app, "nedskrapning-skrap", "rinkeby-torg", 1).await;
    let (cookie, _, _) = user_with(&app, "tensta@test.trygg.se", Role::Member, &["tensta"]).await;
    let (status, html) = get_with(&app, &cookie, "/reports").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&link(tensta.id)) && !html.contains(&link(rinkeby.id)));
    assert_eq!(get_with(&app, &cookie, &format!("/reports/{}", rinkeby.id)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(get_with(&app, &cookie, "/reports?area=rinkeby").await.0, StatusCode::BAD_REQUEST);
    let (_, csv) = get_with(&app, &cookie, "/reports/export.csv").await;
    assert!(csv.lines().skip(1).all(|l| l.starts_with(&format!("{},", tensta.id))), "{csv}");
    // No areas at all: nothing.
    let (cookie, _, _) = user_with(&app, "none@test.trygg.se", Role::Coordinator, &[]).await;
    let (_, html) = get_with(&app, &cookie, "/reports").await;
    assert!(!html.contains(&link(tensta.id)));
    // Admin sees everything, whatever the areas.
    let (_, html) = body(&app, Role::Admin, "/reports").await;
    assert!(html.contains(&link(tensta.id)) && html.contains(&link(rinkeby.id)));
}

#[tokio::test]
async fn social_services_and_the_public_are_refused_everywhere() {
    let app = App::start().await;
    let r = make(&app, "klotter-ovrigt", "tensta-centrum", 1).await;
    let paths = [
        "/reports".to_owned(),
        format!("/reports/{}", r.id),
        "/reports/export.csv".into(),
        "/reports/export.xlsx".into(),
        "/reports/figures".into(),
        "/reports/photos/1".into(),
        "/est".into(),
    ];
    for path in &paths {
        assert_eq!(app.get_as(Role::SocialServices, path).await.status(), StatusCode::FORBIDDEN, "{path}");
        let res = app.get_as(Role::Public, path).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(res.headers()[LOCATION].to_str().unwrap().starts_with("/login"));
    }
    for path in [format!("/reports/{}", r.id), "/reports/bulk".into(), "/est".into()] {
        let fields = [("state", "fixed"), ("id", "1"), ("action", "fixed"), ("area", "jarva"), ("text", "x")];
        let res = app.post_form_as(Role::SocialServices, &path, &fields).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(app.store.report(r.id).await.unwrap().unwrap().state, ReportState::Received);
    // Steering reads figures and the meeting, nothing else.
    assert_eq!(app.get_as(Role::Steering, "/reports").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get_as(Role::Steering, "/reports/figures").await.status(), StatusCode::OK);
    assert_eq!(app.get_as(Role::Steering, "/est").await.status(), StatusCode::OK);
    let res = app
        .post_form_as(Role::Steering, "/est", &[("area", "jarva"), ("week", "2025-W10"), ("text", "x")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_change_form_moves_a_report_and_the_history_shows_it() {
    let app = App::start().await;
    let r = make(&app, "klotter-ovrigt", "tensta-centrum", 1).await;
    let path = format!("/reports/{}", r.id);
    let res = app
        .post_form_as(
            Role::Member,
            &path,
            &[("state", "acknowledged"), ("note", "Vi åker dit i dag"), ("public", "on")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], format!("{path}?changed=1").as_str());
    let res = app.post_form_as(Role::Member, &path, &[("state", "fixed"), ("note", "Sanerat")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let after = app.store.report(r.id).await.unwrap().unwrap();
    assert_eq!(after.state, ReportState::Fixed);
    assert!(after.fixed_at.is_some());
    let (status, html) = body(&app, Role::Member, &format!("{path}?changed=1")).await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "Bekräftad",
        "Åtgärdad",
        "Vi åker dit i dag",
        "Sanerat",
        "Offentlig",
        "Intern",
        "Ändringen är sparad",
    ] {
        assert!(html.contains(text), "detail shows {text}");
    }
    assert!(html.contains("2 arbetsdagar"), "the category's deadline is described");
    let updates = app.store.report_updates(r.id).await.unwrap();
    let states: Vec<_> = updates.iter().map(|u| u.state).collect();
    assert_eq!(
        states,
        [Some(ReportState::Received), Some(ReportState::Acknowledged), Some(ReportState::Fixed)]
    );
    assert!(updates[1].public && !updates[2].public);

    // A move the workflow does not allow, or a state that does not exist: 400, nothing stored.
    for (fields, field) in [
        (vec![("state", "in_progress")], "state"),
        (vec![("state", "closed")], "state"),
        (vec![("duplicate_of", "abc")], "duplicate_of"),
        (vec![("reroute_to", "nobody")], "reroute_to"),
        (vec![("note", "")], "change"),
    ] {
        let res = app.post_form_as(Role::Member, &path, &fields).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{fields:?}");
        assert!(res.text().await.unwrap().contains(field), "{fields:?} names {field}");
    }
    assert_eq!(app.store.report_updates(r.id).await.unwrap().len(), 3);
    // Reopening is allowed.
    let res = app.post_form_as(Role::Member, &path, &[("state", "received"), ("note", "Kom tillbaka")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.store.report(r.id).await.unwrap().unwrap().reopened, 1);
}

#[tokio::test]
async fn duplicates_are_offered_and_marked_in_one_click() {
    let app = App::start().await;
    let first = make(&app, "klotter-ovrigt", "tensta-centrum", 2).await;
    let second = make(&app, "klotter-ovrigt", "tensta-centrum", 1).await;
    let (_, html) = body(&app, Role::Coordinator, &format!("/reports/{}", second.id)).await;
    assert!(html.contains(&format!("name=\"duplicate_of\" value=\"{}\"", first.id)), "offered as duplicate");
    let res = app
        .post_form_as(
            Role::Coordinator,
            &format!("/reports/{}", second.id),
            &[("state", "duplicate"), ("duplicate_of", &first.id.to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let after = app.store.report(second.id).await.unwrap().unwrap();
    assert_eq!((after.state, after.duplicate_of), (ReportState::Duplicate, Some(first.id)));
}

#[tokio::test]
async fn the_reporters_email_is_shown_to_coordinators_only_and_reads_are_audited() {
    let app = App::start().await;
    let r = make(&app, "klotter-ovrigt", "tensta-centrum", 1).await;
    let path = format!("/reports/{}", r.id);
    let (_, html) = body(&app, Role::Coordinator, &path).await;
    assert!(html.contains("boende@example.se"));
    let (_, html) = body(&app, Role::Member, &path).await;
    assert!(!html.contains("boende@example.se"));
    let entries = app.store.audit_entries(20).await.unwrap();
    let reads =
        entries.iter().filter(|e| e.action == "report.read" && e.record == format!("report:{}", r.id));
    assert_eq!(reads.count(), 2);
}

#[tokio::test]
async fn script_in_a_note_is_escaped_on_the_detail_page() {
    let app = App::start().await;
    let r = make(&app, "klotter-ovrigt", "tensta-centrum", 1).await;
    let path = format!("/reports/{}", r.id);
    let evil = "<script>alert('x')</script><img src=x onerror=alert(1)>";
    let res = app.post_form_as(Role::Member, &path, &[("note", evil)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = body(&app, Role::Member, &path).await;
    assert!(!html.contains("<script>alert") && !html.contains("<img src=x"));
    assert!(html.contains("&#60;script&#62;alert"), "shown as text");
}

#[tokio::test]
async fn bulk_acknowledges_the_selected_reports() {
    let app = App::start().await;
    let a = make(&app, "klotter-ovrigt", "tensta-centrum", 1).await;
    let b = make(&app, "nedskrapning-skrap", "rinkeby-torg", 1).await;
    let (ida, idb) = (a.id.to_string(), b.id.to_string());
    let res = app
        .post_form_as(
            Role::Member,
            "/reports/bulk",
            &[("id", &ida), ("id", &idb), ("action", "acknowledge"), ("note", "Sett")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("2 av 2"));
    for id in [a.id, b.id] {
        assert_eq!(app.store.report(id).await.unwrap().unwrap().state, ReportState::Acknowledged);
    }
    // Again: already acknowledged, nothing changes.
    let res =
        app.post_form_as(Role::Member, "/reports/bulk", &[("id", &ida), ("action", "acknowledge")]).await;
    assert!(res.text().await.unwrap().contains("0 av 1"));
    let res = app.post_form_as(Role::Member, "/reports/bulk", &[("id", &ida), ("action", "fixed")]).await;
    assert!(res.text().await.unwrap().contains("1 av 1"));
    assert_eq!(app.store.report(a.id).await.unwrap().unwrap().state, ReportState::Fixed);
    for (fields, field) in [
        (vec![("action", "fixed")], "id"),
        (vec![("id", "x"), ("action", "fixed")], "id"),
        (vec![("id", &idb[..]), ("action", "burn")], "action"),
    ] {
        let res = app.post_form_as(Role::Member, "/reports/bulk", &fields).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{fields:?}");
        assert!(res.text().await.unwrap().contains(field));
    }
    assert_eq!(app.store.report(b.id).await.unwrap().unwrap().state, ReportState::Acknowledged);
}

#[tokio::test]
async fn exports_carry_the_filtered_reports_and_are_audited() {
    let app = App::start().await;
    let graffiti = make(&app, "klotter-ovrigt", "tensta-centrum", 1).await;
    let litter = make(&app, "nedskrapning-skrap", "rinkeby-torg", 1).await;
    let res = app.get_as(Role::Coordinator, "/reports/export.csv?category=klotter-ovrigt").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    assert!(lines.next().unwrap().starts_with("id,created_at,seen_at,category_code"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].starts_with(&format!("{},", graffiti.id)) && rows[0].contains("klotter-ovrigt"));
    assert!(!csv.contains("boende@example.se"), "no reporter e-mail in exports");
    let (_, all) = body(&app, Role::Coordinator, "/reports/export.csv").await;
    assert!(all.contains(&format!("\n{},", litter.id)));

    let res = app.get_as(Role::Member, "/reports/export.xlsx").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().contains("spreadsheetml"));
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"), "an XLSX file is a zip");
    assert!(bytes.len() > 1000);

    let entries = app.store.audit_entries(20).await.unwrap();
    let exports: Vec<_> = entries.iter().filter(|e| e.action == "report.export").collect();
    assert_eq!(exports.len(), 3);
    assert!(exports.iter().any(|e| e.record == "reports.xlsx"));
    assert!(
        exports.iter().any(|e| e.record == "reports.csv" && e.detail.contains("category=klotter-ovrigt"))
    );
    assert_eq!(
        app.get_as(Role::Member, "/reports/export.csv?state=gone").await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_figures_page_shows_counts_and_marks_small_bases() {
    let app = App::start().await;
    let a = make(&app, "klotter-ovrigt", "tensta-centrum", 1).await;
    make(&app, "klotter-ovrigt", "rinkeby-torg", 1).await;
    make(&app, "nedskrapning-skrap", "rinkeby-torg", 1).await;
    let fix = trygg_store::Change {
        actor: "test".into(),
        state: Some(ReportState::Fixed),
        ..trygg_store::Change::default()
    };
    app.store.change_report(a.id, &fix).await.unwrap();
    let (status, html) = body(&app, Role::Steering, "/reports/figures").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<caption"), "an accessible table");
    assert!(html.contains("scope=\"col\""));
    let row = html.split("<tr>").find(|r| r.contains("Övrigt klotter")).expect("a row for other graffiti");
    assert!(row.contains(">2 <span class=\"uncertain\">"), "{row}");
    assert!(row.contains("100 % (1/1)"), "the fixed one was fixed in time: {row}");
    assert!(row.contains("0 %"), "none reopened: {row}");
    let (_, html) = body(&app, Role::Coordinator, "/reports/figures?by=district&area=jarva").await;
    assert!(html.contains("Tensta") && html.contains("Rinkeby"));
    let (status, html) = body(&app, Role::Coordinator, "/reports/figures?period=2025-T9").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("period"));
    let (_, html) = body(&app, Role::Coordinator, "/reports/figures?period=2001").await;
    assert!(!html.contains("Övrigt klotter</th>"));
}

#[tokio::test]
async fn the_est_meeting_shows_the_week_and_records_decisions() {
    let app = App::start().await;
    make(&app, "klotter-ovrigt", "tensta-centrum", 0).await;
    make(&app, "klotter-ovrigt", "tensta-centrum", 0).await;
    make(&app, "klotter-ovrigt", "tensta-centrum", 24 * 14).await;
    make(&app, "klotter-ovrigt", "rinkeby-torg", 24 * 15).await;
    let late = make(&app, "klotter-krankande", "husby-centrum", 24 * 20).await;
    let week = {
        let iso = today().iso_week_date();
        format!("{:04}-W{:02}", iso.year(), iso.week())
    };
    let (status, html) = body(&app, Role::Member, "/est").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&week), "the current week by default");
    let row = html.split("<tr>").find(|r| r.contains("Övrigt klotter")).expect("graffiti counted");
    // Two this week against two in the four weeks before: 0.5 a week, 1.5 more.
    assert!(row.contains(">2<") && row.contains(">0,5<") && row.contains(">+1,5<"), "{row}");
    assert!(html.contains("Tensta centrum"), "the hottest place");
    assert!(html.contains(&link(late.id)), "the overdue list");

    let res = app
        .post_form_as(
            Role::Member,
            "/est",
            &[("area", "jarva"), ("week", &week), ("text", "Fokus: Tensta centrum")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = body(&app, Role::Steering, &format!("/est?area=jarva&week={week}")).await;
    assert!(html.contains("Fokus: Tensta centrum"));
    assert!(!html.contains("name=\"text\""), "steering reads only");
    assert_eq!(app.store.est_decisions(&code("jarva"), &week).await.unwrap().len(), 1);
    for (fields, field) in [
        (vec![("area", "jarva"), ("week", "2025-W60"), ("text", "x")], "week"),
        (vec![("area", "jarva"), ("week", &week[..]), ("text", " ")], "text"),
        (vec![("area", "nowhere"), ("week", &week[..]), ("text", "x")], "area"),
    ] {
        let res = app.post_form_as(Role::Coordinator, "/est", &fields).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{fields:?}");
        assert!(res.text().await.unwrap().contains(field));
    }
    assert_eq!(app.get_as(Role::Member, "/est?week=2025-W99").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        app.post_form_as(Role::Partner, "/est", &[("text", "x")]).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn many_reports_are_drawn_as_a_grid_of_counts() {
    let app = App::start().await;
    let centre = LatLon { lat: 59.3940, lon: 17.9042 };
    for i in 0..301 {
        let mut new = new_report("klotter-ovrigt", "tensta-centrum", 1);
        new.place = None;
        new.position = Some(centre.offset(f64::from(i % 40) * 3.0, f64::from(i) * 7.0));
        app.store.create_report(&new).await.unwrap();
    }
    let (_, html) = body(&app, Role::Coordinator, "/reports").await;
    assert!(html.contains("class=\"area cell level-"), "grid cells");
    assert!(!html.contains("class=\"point report"), "no points");
}

#[tokio::test]
async fn the_staff_flow_works_on_postgres() {
    let Some(db) = TestDb::postgres().await else { return };
    let app = App::on(db).await;
    let r = make(&app, "klotter-ovrigt", "tensta-centrum", 1).await;
    let path = format!("/reports/{}", r.id);
    let (_, html) = body(&app, Role::Coordinator, "/reports?category=klotter").await;
    assert!(html.contains(&link(r.id)));
    for state in ["acknowledged", "fixed"] {
        let res = app.post_form_as(Role::Coordinator, &path, &[("state", state), ("note", "ok")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(app.store.report(r.id).await.unwrap().unwrap().state, ReportState::Fixed);
    let (_, html) = body(&app, Role::Coordinator, "/reports/figures").await;
    assert!(html.contains("Övrigt klotter"));
    let (_, csv) = body(&app, Role::Coordinator, "/reports/export.csv").await;
    assert!(csv.contains(&format!("\n{},", r.id)));
    let (status, _) = body(&app, Role::Member, "/est").await;
    assert_eq!(status, StatusCode::OK);
}
