//! The situation report pages: who may read and publish, areas, downloads,
//! published versions kept exactly, and bad input answered with 400.

use crate::harness::{App, new_session};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE, LOCATION};
use trygg_core::{Code, Email, Name, Role};
use trygg_store::NewUser;

const PAGE: &str = "/situation?area=jarva&period=2025";

#[tokio::test]
async fn staff_read_the_report_and_others_are_refused() {
    let app = App::start().await;
    for role in [Role::Admin, Role::Coordinator, Role::Steering, Role::Member] {
        let res = app.get_as(role, PAGE).await;
        assert_eq!(res.status(), StatusCode::OK, "{role:?}");
        let body = res.text().await.unwrap();
        assert!(body.contains("Lägesbild Järva 2025"), "{role:?}");
        assert!(body.contains("Källor och metoder"));
        assert!(body.contains("/static/report.css"));
    }
    for role in [Role::Partner, Role::SocialServices] {
        assert_eq!(app.get_as(role, PAGE).await.status(), StatusCode::FORBIDDEN, "{role:?}");
        let dl = app.get_as(role, "/situation/download?area=jarva&period=2025&format=json").await;
        assert_eq!(dl.status(), StatusCode::FORBIDDEN, "{role:?}");
    }
    let public = app.get_as(Role::Public, PAGE).await;
    assert!(public.status().is_redirection(), "the public is sent to the login page");
    let css = app.get_as(Role::Public, "/static/report.css").await;
    assert_eq!(css.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_member_sees_only_the_areas_they_work_in() {
    let app = App::start().await;
    let user = app
        .store
        .create_user(&NewUser {
            email: Email::new("husby@test.trygg.se").unwrap(),
            name: Name::new("Husby").unwrap(),
            role: Role::Member,
            areas: vec![Code::new("husby").unwrap()],
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$invalid".into(),
        })
        .await
        .unwrap();
    let (cookie, _) = new_session(&app.store, user.id).await;
    let get = |path: &'static str| app.client.get(app.url(path)).header(COOKIE, cookie.clone()).send();
    assert_eq!(get("/situation?area=husby&period=2025").await.unwrap().status(), StatusCode::OK);
    for other in ["/situation?area=tensta&period=2025", "/situation?area=jarva&period=2025"] {
        let res = get(other).await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{other}");
        assert!(res.text().await.unwrap().contains("Du arbetar inte med det området"));
    }
    let dl = get("/situation/download?area=tensta&period=2025&format=json").await.unwrap();
    assert_eq!(dl.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn downloads_come_in_every_format() {
    let app = App::start().await;
    let json = app.get_as(Role::Member, "/situation/download?area=jarva&period=2025&format=json").await;
    assert_eq!(json.status(), StatusCode::OK);
    let disposition = json.headers()[CONTENT_DISPOSITION].to_str().unwrap().to_owned();
    assert_eq!(disposition, "attachment; filename=\"lagesbild-jarva-2025.json\"");
    let doc: trygg_report::doc::Doc = json.json().await.unwrap();
    assert_eq!(doc.title, "Lägesbild Järva 2025");
    assert_eq!(doc.sections.len(), 9);
    let xlsx = app.get_as(Role::Member, "/situation/download?area=jarva&period=2025&format=xlsx").await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.headers()[CONTENT_TYPE].to_str().unwrap().contains("spreadsheetml"));
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let html = app.get_as(Role::Member, "/situation/download?area=jarva&period=2025&format=html").await;
    let body = html.text().await.unwrap();
    assert!(body.starts_with("<!DOCTYPE html>") || body.starts_with("<!doctype html>"));
    assert!(!body.contains("<script"), "the standalone file has no scripts");
}

#[tokio::test]
async fn bad_input_is_a_clear_400() {
    let app = App::start().await;
    for path in [
        "/situation?area=jarva&period=2031",
        "/situation?area=nowhere&period=2025",
        "/situation?area=jarva&period=2025-T9",
        "/situation?area=%3Cscript%3E&period=2025",
        "/situation/download?area=jarva&period=2025&format=doc",
        "/situation/download?area=jarva&period=2025",
    ] {
        let res = app.get_as(Role::Admin, path).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{path}");
        let body = res.text().await.unwrap();
        assert!(!body.contains("<script>"), "{path} echoes markup");
    }
    assert_eq!(app.get_as(Role::Admin, "/situation/snapshots/999").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn publishing_keeps_each_version_exactly_and_is_audited() {
    let app = App::start().await;
    let form = [
        ("area", "jarva"),
        ("period", "2025"),
        ("comparison", ""),
        ("summary", "Första stycket.\n\nAndra stycket."),
    ];
    let res = app.post_form_as(Role::Member, "/situation/publish", &form).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "members may read but not publish");
    let res = app.post_form_as(Role::Coordinator, "/situation/publish", &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with("/situation/snapshots/"));
    let page = app.get_as(Role::Steering, &location).await.text().await.unwrap();
    assert!(page.contains("Första stycket.") && page.contains("Andra stycket."));
    let first: trygg_report::doc::Doc =
        app.get_as(Role::Steering, &format!("{location}?format=json")).await.json().await.unwrap();
    let summary = &first.sections[0];
    assert_eq!(summary.blocks.len(), 2, "two paragraphs as typed");

    let again = app.post_form_as(Role::Coordinator, "/situation/publish", &form).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    let list = app.store.snapshots(Some(&Code::new("jarva").unwrap())).await.unwrap();
    assert_eq!(list.iter().map(|s| s.version).collect::<Vec<_>>(), [2, 1]);
    let stored = app.store.snapshot(list[1].id).await.unwrap().unwrap();
    let reparsed: trygg_report::doc::Doc = serde_json::from_str(&stored.document).unwrap();
    assert_eq!(reparsed, first, "the first version is served exactly as stored");
    let audit = app.store.audit_entries(50).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "report.publish").count(), 2);

    let personal =
        [("area", "jarva"), ("period", "2025"), ("comparison", ""), ("summary", "Ring 070-123 45 67.")];
    let res = app.post_form_as(Role::Coordinator, "/situation/publish", &personal).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.store.snapshots(None).await.unwrap().len(), 2, "nothing stored");
    let forged = app.client.post(app.url("/situation/publish")).form(&form).send().await.unwrap();
    assert!(forged.status().is_client_error() || forged.status().is_redirection());
}

#[tokio::test]
async fn a_report_can_be_limited_to_categories_and_published_so() {
    let app = App::start().await;
    let page = app
        .get_as(Role::Coordinator, "/situation?area=jarva&period=2025&category=Inbrott&category=R%C3%A5n")
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.unwrap();
    assert!(body.contains("Urval: endast Inbrott, Rån."), "the selection is stated in the report");
    let link = body.lines().find(|l| l.contains("format=pdf")).unwrap_or_default().replace("&#38;", "&amp;");
    assert!(link.contains("category=Inbrott&amp;category=R%C3%A5n"), "downloads keep the selection: {link}");
    let form = [
        ("area", "jarva"),
        ("period", "2025"),
        ("comparison", ""),
        ("categories", "Inbrott\nRån"),
        ("summary", "Inbrott och rån."),
    ];
    let res = app.post_form_as(Role::Coordinator, "/situation/publish", &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()[LOCATION].to_str().unwrap().to_owned();
    let doc: trygg_report::doc::Doc =
        app.get_as(Role::Coordinator, &format!("{location}?format=json")).await.json().await.unwrap();
    assert!(doc.meta.iter().any(|m| m == "Urval: endast Inbrott, Rån."), "{:?}", doc.meta);
}

#[tokio::test]
async fn a_report_covers_a_custom_set_of_areas_and_a_range_of_tertials() {
    let app = App::start().await;
    let res = app.get_as(Role::Member, "/situation?area=tensta&area=rinkeby&period=2025-T2..2025-T3").await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert!(body.contains("Lägesbild Tensta + Rinkeby 2025-T2..2025-T3"), "the set and the range are named");
    assert!(body.contains("2024-T3..2025-T1"), "compared with the equally long range before");
    let json = app
        .get_as(
            Role::Member,
            "/situation/download?area=tensta&area=rinkeby&period=2025-T2..2025-T3&format=json",
        )
        .await;
    assert_eq!(json.status(), StatusCode::OK);
    let doc: trygg_report::doc::Doc = json.json().await.unwrap();
    assert!(doc.title.contains("Tensta + Rinkeby"));
    for bad in ["/situation?area=jarva&period=2025..2024", "/situation?area=jarva&period=2024..2025-T1"] {
        assert_eq!(app.get_as(Role::Member, bad).await.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let form = [
        ("area", "tensta"),
        ("period", "2025-T2..2025-T3"),
        ("comparison", ""),
        ("more_areas", "rinkeby"),
        ("summary", "Två stadsdelar."),
    ];
    let res = app.post_form_as(Role::Coordinator, "/situation/publish", &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let stored = app.store.snapshots(None).await.unwrap();
    assert_eq!(
        (stored[0].period.as_str(), stored[0].title.as_str()),
        ("2025-T2..2025-T3", "Lägesbild Tensta + Rinkeby 2025-T2..2025-T3")
    );
}
