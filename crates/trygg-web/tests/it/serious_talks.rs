//! Serious talks: only social services reach a record, only in their areas,
//! every permitted read is audited, the comment refuses personal data, the
//! retention job keeps the figures, and the figures hide small counts.

use crate::harness::{App, new_session};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use trygg_core::{
    AgeBand, Attendees, Code, Email, LateReason, Name, Offence, Role, SeriousTalk, Sex, TalkCase, TalkOutcome,
};
use trygg_store::testing::TestDb;
use trygg_store::{NewUser, TalkQuery};

const SS: Role = Role::SocialServices;

fn at(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

/// `hours` ago, as an instant.
fn ago(hours: i64) -> jiff::Timestamp {
    jiff::Timestamp::now() - jiff::SignedDuration::from_hours(hours)
}

/// An instant as a `datetime-local` value in Stockholm time.
fn local(ts: jiff::Timestamp) -> String {
    let tz = jiff::tz::TimeZone::get("Europe/Stockholm").unwrap();
    ts.to_zoned_datetime(tz).strftime("%Y-%m-%dT%H:%M").to_string()
}

/// A started app whose retention job has made its first (empty) run, so
/// that it cannot race the records a test makes.
async fn started(app: App) -> App {
    for _ in 0..200 {
        let entries = app.store.audit_entries(100).await.unwrap();
        if entries.iter().any(|e| e.action == "serious_talk.purge") {
            return app;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the retention job did not run at start");
}

fn case(aware: &str, sex: Option<Sex>) -> TalkCase {
    TalkCase {
        area: Code::new("jarva").unwrap(),
        age_band: AgeBand::From12To14,
        sex,
        offence: Offence::Vandalism,
        aware_at: at(aware),
    }
}

async fn new_talk(app: &App, aware: jiff::Timestamp) -> SeriousTalk {
    let case = TalkCase { aware_at: aware, ..case("2025-01-01T00:00:00Z", None) };
    app.store.create_serious_talk("test", &case, &TalkOutcome::default()).await.unwrap()
}

/// Every record in Järva, as the store has them (not audited as a user).
async fn stored(app: &App) -> Vec<SeriousTalk> {
    let q = TalkQuery { areas: vec![Code::new("jarva").unwrap()], ..TalkQuery::default() };
    app.store.serious_talks("test", &q).await.unwrap()
}

fn is_refused(res: &Response) -> bool {
    let to_login =
        res.headers().get(LOCATION).and_then(|l| l.to_str().ok()).is_some_and(|l| l.starts_with("/login"));
    matches!(res.status(), StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) || to_login
}

/// A request as a role, with its session cookie and CSRF header.
fn request(app: &App, role: Role, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    let req = app.client.request(method, app.url(path));
    match app.sessions.get(&role) {
        Some((cookie, csrf)) => req.header(COOKIE, cookie).header("x-csrf-token", csrf),
        None => req,
    }
}

async fn post_json(app: &App, role: Role, path: &str, body: &Value) -> Response {
    let req = request(app, role, reqwest::Method::POST, path);
    req.header(CONTENT_TYPE, "application/json").body(body.to_string()).send().await.unwrap()
}

/// The audit entries with this action and record.
async fn audited(app: &App, action: &str, record: &str) -> usize {
    let entries = app.store.audit_entries(10_000).await.unwrap();
    entries.iter().filter(|e| e.action == action && e.record == record).count()
}

async fn register_record_and_read(app: App) {
    let app = started(app).await;
    let (aware, held) = (local(ago(100)), local(ago(28)));
    let form = app.get_as(SS, "/serious-talks/new").await;
    assert_eq!(form.status(), StatusCode::OK);
    let body = form.text().await.unwrap();
    assert!(body.contains("name=\"aware_at\"") && body.contains("<legend>Åldersgrupp</legend>"));
    let fields = [
        ("area", "jarva"),
        ("age_band", "15-17"),
        ("sex", "girl"),
        ("offence", "shoplifting"),
        ("aware_at", aware.as_str()),
        ("comment", "Tolk behövs"),
    ];
    let res = app.post_form_as(SS, "/serious-talks", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()[LOCATION].to_str().unwrap().to_owned();
    let reference = location.trim_start_matches("/serious-talks/").trim_end_matches("?saved=1").to_owned();
    assert!(reference.starts_with("AT-") && reference.len() == 11, "{location}");

    let late =
        [("held_at", held.as_str()), ("guardian", "1"), ("social_services", "1"), ("comment", "Tolk behövs")];
    let res = app.post_form_as(SS, &format!("/serious-talks/{reference}"), &late).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("late_reason"));
    let with_reason = [late.as_slice(), &[("late_reason", "police_unavailable")]].concat();
    let res = app.post_form_as(SS, &format!("/serious-talks/{reference}"), &with_reason).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let page = app.get_as(SS, &format!("/serious-talks/{reference}")).await.text().await.unwrap();
    assert!(page.contains("Hållet efter tidsgränsen (efter 72 h)"), "{page}");
    assert!(page.contains("Tolk behövs"));
    let list = app.get_as(SS, "/serious-talks?show=all").await.text().await.unwrap();
    assert!(list.contains(&reference));
    let open = app.get_as(SS, "/serious-talks").await.text().await.unwrap();
    assert!(!open.contains(&reference), "held talks are not in the open list");

    let record = format!("serious_talk:{reference}");
    assert_eq!(audited(&app, "serious_talk.create", &record).await, 1);
    assert_eq!(audited(&app, "serious_talk.update", &record).await, 1);
    assert_eq!(audited(&app, "serious_talk.read", &record).await, 1);
    let entries = app.store.audit_entries(10_000).await.unwrap();
    let lists = entries.iter().filter(|e| e.action == "serious_talk.list" && e.detail.contains(&reference));
    assert_eq!(lists.count(), 1, "the list that showed it");
}

#[tokio::test]
async fn social_services_register_record_and_read_a_case() {
    register_record_and_read(App::start().await).await;
}

#[tokio::test]
async fn social_services_register_record_and_read_a_case_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        register_record_and_read(App::on(db).await).await;
    }
}

#[tokio::test]
async fn no_other_role_reads_a_record_and_every_permitted_read_is_audited() {
    let app = started(App::start().await).await;
    let talk = new_talk(&app, ago(30)).await;
    let r = talk.reference.as_str();
    let (page, api) = (format!("/serious-talks/{r}"), format!("/api/v1/serious-talks/{r}"));
    let record = format!("serious_talk:{r}");
    for &role in trygg_web::routes::EVERYONE.iter().filter(|&&r| r != SS) {
        for path in [
            page.as_str(),
            api.as_str(),
            "/serious-talks",
            "/serious-talks?show=all",
            "/api/v1/serious-talks",
        ] {
            let res = request(&app, role, reqwest::Method::GET, path).send().await.unwrap();
            assert!(is_refused(&res), "GET {path} as {role}: {}", res.status());
            assert!(!res.text().await.unwrap().contains(r), "GET {path} as {role} shows the reference");
        }
        let res = app.post_form_as(role, &page, &[("held_at", &local(ago(1)))]).await;
        assert!(is_refused(&res), "POST {page} as {role}: {}", res.status());
        let body = json!({"area": "jarva", "age_band": "15-17", "offence": "theft"});
        assert!(
            is_refused(&post_json(&app, role, "/api/v1/serious-talks", &body).await),
            "POST API as {role}"
        );
    }
    assert_eq!(audited(&app, "serious_talk.read", &record).await, 0, "nothing was read");
    assert_eq!(stored(&app).await, vec![talk.clone()], "nothing changed");

    // Social services outside Järva (the former Rinkeby-Kista only, or a district) see nothing.
    for (i, area) in ["rinkeby-kista", "tensta"].into_iter().enumerate() {
        let user = app
            .store
            .create_user(&NewUser {
                email: Email::new(&format!("soc{i}@test.trygg.se")).unwrap(),
                name: Name::new("Socialsekreterare").unwrap(),
                role: SS,
                areas: vec![Code::new(area).unwrap()],
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$invalid".into(),
            })
            .await
            .unwrap();
        let (cookie, _) = new_session(&app.store, user.id).await;
        for path in [page.as_str(), api.as_str()] {
            let res = app.client.get(app.url(path)).header(COOKIE, &cookie).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "GET {path} from {area}");
        }
        for path in ["/serious-talks?show=all", "/api/v1/serious-talks"] {
            let res = app.client.get(app.url(path)).header(COOKIE, &cookie).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            assert!(!res.text().await.unwrap().contains(r), "{path} from {area} lists a Järva case");
        }
    }
    assert_eq!(audited(&app, "serious_talk.read", &record).await, 0);

    // Järva's social services: each read is one audit entry.
    assert_eq!(app.get_as(SS, &page).await.status(), StatusCode::OK);
    let one: Value = app.get_as(SS, &api).await.json().await.unwrap();
    assert_eq!(one["reference"], r);
    assert_eq!((one["area"].as_str(), one["held_at"].is_null()), (Some("jarva"), true));
    let all: Value = app.get_as(SS, "/api/v1/serious-talks").await.json().await.unwrap();
    assert_eq!(all.as_array().unwrap().len(), 1);
    assert_eq!(audited(&app, "serious_talk.read", &record).await, 2);
    let entries = app.store.audit_entries(10_000).await.unwrap();
    let actor = format!("user:{}", app.users[&SS]);
    assert!(
        entries.iter().any(|e| e.action == "serious_talk.list" && e.actor == actor && e.detail.contains(r))
    );
}

#[tokio::test]
async fn the_comment_refuses_personal_data_and_stores_nothing() {
    let app = started(App::start().await).await;
    let talk = new_talk(&app, ago(30)).await;
    let page = format!("/serious-talks/{}", talk.reference);
    for bad in ["19121212-1212", "ring 070-123 45 67", "kalle.svensson@example.se"] {
        let fields = [
            ("area", "jarva"),
            ("age_band", "15-17"),
            ("offence", "theft"),
            ("aware_at", "2025-03-03T10:00"),
            ("comment", bad),
        ];
        let res = app.post_form_as(SS, "/serious-talks", &fields).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
        let text = res.text().await.unwrap();
        assert!(text.contains("comment") && !text.contains(bad), "{bad}: names the field, not the value");

        let res = app.post_form_as(SS, &page, &[("held_at", &local(ago(1))), ("comment", bad)]).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");

        let body = json!({"area": "jarva", "age_band": "15-17", "offence": "theft", "comment": bad});
        let res = post_json(&app, SS, "/api/v1/serious-talks", &body).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["field"], "comment", "{bad}");
    }
    let named = json!({"area": "jarva", "age_band": "15-17", "offence": "theft", "name": "Kalle"});
    assert_eq!(post_json(&app, SS, "/api/v1/serious-talks", &named).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(stored(&app).await, vec![talk], "nothing stored or changed");

    let good = json!({"area": "jarva", "age_band": "15-17", "offence": "theft", "comment": "Tolk behövs"});
    let res = post_json(&app, SS, "/api/v1/serious-talks", &good).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let made: Value = res.json().await.unwrap();
    assert_eq!((made["comment"].as_str(), made["overdue"].as_bool()), (Some("Tolk behövs"), Some(false)));
    let outside = json!({"area": "spanga-tensta-x", "age_band": "15-17", "offence": "theft"});
    assert_eq!(
        post_json(&app, SS, "/api/v1/serious-talks", &outside).await.status(),
        StatusCode::BAD_REQUEST
    );
}

/// `n` old cases in January 2024: girls held in time with a guardian, boys held late with the police.
async fn old_cases(app: &App, girls: usize, boys: usize) {
    for i in 0..girls + boys {
        let aware = format!("2024-01-{:02}T10:00:00Z", i + 2);
        let girl = i < girls;
        let held = if girl {
            format!("2024-01-{:02}T20:00:00Z", i + 2)
        } else {
            format!("2024-01-{:02}T10:00:00Z", i + 5)
        };
        let outcome = TalkOutcome {
            held_at: Some(at(&held)),
            attendees: Attendees { guardian: girl, police: !girl, social_services: true, other: false },
            late_reason: (!girl).then_some(LateReason::Staffing),
            comment: None,
        };
        let sex = Some(if girl { Sex::Girl } else { Sex::Boy });
        app.store.create_serious_talk("test", &case(&aware, sex), &outcome).await.unwrap();
    }
}

/// The figures table of a page.
fn table(page: &str) -> &str {
    let start = page.find("<table").expect("a table");
    &page[start..page.find("</table>").expect("a table's end")]
}

#[tokio::test]
async fn the_retention_job_deletes_old_records_and_keeps_the_figures() {
    let app = started(App::start().await).await;
    old_cases(&app, 6, 5).await;
    let recent = new_talk(&app, ago(1)).await;
    let before =
        app.get_as(Role::Coordinator, "/serious-talks/figures?period=2024").await.text().await.unwrap();
    assert!(table(&before).contains("<td class=\"num\">11</td>"), "{before}");
    assert!(table(&before).contains("100 %"), "the girls' talks were all in time with a guardian");

    // A second server over the same database runs the retention job when it starts.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = trygg_web::WebConfig { serious_talk_retention_days: 365, ..trygg_web::WebConfig::default() };
    tokio::spawn(trygg_web::serve_on(trygg_web::AppState::new(app.store.clone(), config), listener));
    let mut left = stored(&app).await;
    for _ in 0..100 {
        if left.len() == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        left = stored(&app).await;
    }
    assert_eq!(left, vec![recent], "only the recent case is left");
    let entries = app.store.audit_entries(10_000).await.unwrap();
    let purges: Vec<&str> =
        entries.iter().filter(|e| e.action == "serious_talk.purge").map(|e| e.detail.as_str()).collect();
    assert!(purges[0].starts_with("11 deleted"), "the purge is audited with its count: {purges:?}");

    let after =
        app.get_as(Role::Coordinator, "/serious-talks/figures?period=2024").await.text().await.unwrap();
    assert_eq!(table(&after), table(&before), "the figures for 2024 are unchanged");
}

#[tokio::test]
async fn the_figures_hide_small_counts_and_refuse_public_and_partners() {
    let app = started(App::start().await).await;
    old_cases(&app, 4, 3).await;
    for role in [Role::Admin, Role::Coordinator, Role::Steering, Role::Member, SS] {
        let res = app.get_as(role, "/serious-talks/figures?period=2024-T1").await;
        assert_eq!(res.status(), StatusCode::OK, "{role}");
        let page = res.text().await.unwrap();
        let t = table(&page);
        assert!(t.contains("<td class=\"num\">7</td>"), "the total is shown: {t}");
        assert_eq!(t.matches("&#60; 5").count(), 3, "girls (4), boys (3) and other (0) are hidden: {t}");
        assert!(!t.contains("100 %"), "no share on fewer than 5 in a group: {t}");
        assert!(t.contains("57 %") && t.contains("43 %"), "but 4 (and 3) of 7 are shown for all: {t}");
        assert!(t.contains("10 h"), "median of 10, 10, 10, 10, 72, 72, 72 hours: {t}");
        assert!(!page.contains("AT-"), "no reference on the figures page");
    }
    for role in [Role::Public, Role::Partner] {
        assert!(is_refused(&app.get_as(role, "/serious-talks/figures").await), "{role}");
    }
    let bad = app.get_as(Role::Steering, "/serious-talks/figures?period=2024-T9").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}
