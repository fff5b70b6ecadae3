//! Pages: Swedish by default, English by choice, the map, sign-in and out,
//! password change and user administration.

use crate::harness::{App, PASSWORD, hidden_field};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use trygg_core::Role;

#[tokio::test]
async fn the_start_page_is_swedish_with_a_map_of_all_eleven_districts() {
    let app = App::start().await;
    let res = app.get_as(Role::Public, "/").await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("<html lang=\"sv\">"));
    assert!(html.contains("Trygghetsarbete i Järva"));
    assert!(html.contains("<svg"));
    for d in [
        "Akalla", "Hansta", "Husby", "Kista", "Rinkeby", "Bromsten", "Flysta", "Lunda", "Solhem", "Sundby",
        "Tensta",
    ] {
        assert!(html.contains(&format!("<title>{d}</title>")), "{d} missing from the map");
    }
    assert_eq!(html.matches("class=\"area ").count(), 11, "exactly the Järva districts are drawn");
    assert!(html.contains("Rinkeby-Kista") && html.contains("Spånga-Tensta"));
    assert!(html.contains("Samverkan"), "the strategy's working methods are shown");
}

#[tokio::test]
async fn english_is_available_and_remembered() {
    let app = App::start().await;
    let res = app.get_as(Role::Public, "/?lang=en").await;
    let cookie = crate::harness::cookie_from(&res, "trygg_lang").unwrap();
    assert_eq!(cookie, "en");
    let html = res.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">") && html.contains("Safety work in Järva"));
    let again = app.client.get(app.url("/areas")).header(COOKIE, "trygg_lang=en").send().await.unwrap();
    assert!(again.text().await.unwrap().contains("<h1>Areas</h1>"));
}

#[tokio::test]
async fn area_pages_show_hierarchy_and_unknown_areas_are_404() {
    let app = App::start().await;
    let html = app.get_as(Role::Public, "/areas/tensta").await.text().await.unwrap();
    assert!(html.contains("<h1>Tensta</h1>"));
    assert!(html.contains("Spånga-Tensta") && html.contains("Järva"));
    assert!(html.contains("Tensta centrum"), "places are listed");
    assert!(html.contains("Stockholms stad"), "boundary provenance is shown");
    let list = app.get_as(Role::Public, "/areas").await.text().await.unwrap();
    assert!(list.contains("Hässelby") || list.contains("Bagarmossen"), "the rest of Stockholm is listed");
    let rk = app.get_as(Role::Public, "/areas/rinkeby-kista").await.text().await.unwrap();
    assert!(rk.contains("Består av (5)"), "an ended district area shows its districts as of its last day");
    let city = app.get_as(Role::Public, "/areas/stockholm").await.text().await.unwrap();
    assert!(city.contains("Består av (107)"), "106 districts and Järva today, not the ended district areas");
    let missing = app.get_as(Role::Public, "/areas/atlantis").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.text().await.unwrap().contains("Sidan finns inte"));
}

#[tokio::test]
async fn sign_in_rotates_the_session_and_sign_out_ends_it() {
    let app = App::start().await;
    app.real_user("anna@trygg.se", Role::Coordinator).await;
    let (res, session) = app.login("anna@trygg.se", "fel lösenord").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(session.is_none());
    assert!(res.text().await.unwrap().contains("Fel e-postadress eller lösenord"));

    let (res, session) = app.login("Anna@Trygg.se", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/");
    let session = session.expect("a session cookie");
    let flags =
        crate::harness::set_cookies(&res).into_iter().find(|c| c.starts_with("trygg_session=")).unwrap();
    assert!(
        flags.contains("HttpOnly") && flags.contains("SameSite=Lax") && flags.contains("Path=/"),
        "{flags}"
    );

    let (_, second) = app.login("anna@trygg.se", PASSWORD).await;
    assert_ne!(second.as_deref(), Some(session.as_str()), "every sign-in gets a new token");

    let start =
        app.client.get(app.url("/")).header(COOKIE, &session).send().await.unwrap().text().await.unwrap();
    assert!(start.contains("Riktig Användare"));
    let csrf = hidden_field(&start, "csrf").unwrap();
    let out = app
        .client
        .post(app.url("/logout"))
        .header(COOKIE, &session)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let after = app.client.get(app.url("/account/password")).header(COOKIE, &session).send().await.unwrap();
    assert_eq!(after.status(), StatusCode::SEE_OTHER, "the old session no longer works");
    let actions: Vec<String> =
        app.store.audit_entries(20).await.unwrap().into_iter().map(|e| e.action).collect();
    for a in ["login.failed", "login", "logout"] {
        assert!(actions.iter().any(|x| x == a), "{a} not audited: {actions:?}");
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_account_for_a_while() {
    let app = App::start().await;
    app.real_user("bo@trygg.se", Role::Member).await;
    for _ in 0..5 {
        let (res, _) = app.login("bo@trygg.se", "gissning nummer x").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let (res, session) = app.login("bo@trygg.se", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(session.is_none(), "even the right password is refused while locked");
    assert!(app.store.audit_entries(10).await.unwrap().iter().any(|e| e.action == "login.locked"));
}

#[tokio::test]
async fn password_change_checks_the_old_one_and_the_policy() {
    let app = App::start().await;
    app.real_user("cecilia@trygg.se", Role::Steering).await;
    let (_, session) = app.login("cecilia@trygg.se", PASSWORD).await;
    let session = session.unwrap();
    let page = app
        .client
        .get(app.url("/account/password"))
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_field(&page, "csrf").unwrap();
    let change = |current: &'static str, new: &'static str, repeat: &'static str| {
        app.client
            .post(app.url("/account/password"))
            .header(COOKIE, &session)
            .form(&[("csrf", csrf.as_str()), ("current", current), ("new", new), ("repeat", repeat)])
            .send()
    };
    assert_eq!(
        change("fel", "ett nytt långt lösen", "ett nytt långt lösen").await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(change(PASSWORD, "kort", "kort").await.unwrap().status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        change(PASSWORD, "ett nytt långt lösen", "ett annat").await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    let ok = change(PASSWORD, "ett nytt långt lösen", "ett nytt långt lösen").await.unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let (res, _) = app.login("cecilia@trygg.se", "ett nytt långt lösen").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (res, _) = app.login("cecilia@trygg.se", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn admins_add_and_disable_users_and_text_is_escaped() {
    let app = App::start().await;
    let evil = "<script>alert(1)</script>\"><img onerror=x>";
    let res = app
        .post_form_as(
            Role::Admin,
            "/admin/users",
            &[
                ("email", "dora@trygg.se"),
                ("name", evil),
                ("role", "partner"),
                ("area", "tensta"),
                ("area", "husby"),
                ("password", "ett långt lösenord"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let html = res.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)"), "user text must be escaped");
    assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
    assert!(html.contains("husby, tensta"));

    let bad = app
        .post_form_as(
            Role::Admin,
            "/admin/users",
            &[("email", "x"), ("name", "X"), ("role", "sheriff"), ("password", "ett långt lösenord")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("email"));
    let bad_role = app
        .post_form_as(
            Role::Admin,
            "/admin/users",
            &[
                ("email", "e@trygg.se"),
                ("name", "E"),
                ("role", "sheriff"),
                ("password", "ett långt lösenord"),
            ],
        )
        .await;
    assert_eq!(bad_role.status(), StatusCode::BAD_REQUEST);

    let id = app
        .store
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email.as_str() == "dora@trygg.se")
        .unwrap()
        .id;
    let res =
        app.post_form_as(Role::Admin, &format!("/admin/users/{id}/disabled"), &[("disabled", "true")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(app.store.user(id).await.unwrap().unwrap().disabled);
    let audit = app.get_as(Role::Admin, "/admin/audit").await.text().await.unwrap();
    assert!(audit.contains("user.disable") && audit.contains("Kedjan är obruten"));
}

#[tokio::test]
async fn area_pages_list_the_police_events_placed_in_them() {
    let app = App::start().await;
    let json = r#"[
      {"id": 7, "datetime": "2024-03-02 9:05:00 +01:00", "name": "02 mars 08.40, Skadegörelse, Stockholm",
       "summary": "Klotter på en skola i Tensta.", "url": "/aktuellt/handelser/2024/mars/2/x/", "type": "Skadegörelse",
       "location": {"name": "Stockholm", "gps": "59.329324,18.068581"}},
      {"id": 8, "datetime": "2024-03-02 9:06:00 +01:00", "name": "02 mars 08.45, Stöld, Stockholm",
       "summary": "Stöld <b>på</b> Södermalm.", "url": "/aktuellt/handelser/2024/mars/2/y/", "type": "Stöld",
       "location": {"name": "Stockholm", "gps": "59.329324,18.068581"}}
    ]"#;
    let g = trygg_import::polisen::gazetteer(&app.store).await.unwrap();
    trygg_import::polisen::load(&app.store, &g, "t.json", json.as_bytes(), "test").await.unwrap();
    let tensta = app.get_as(Role::Public, "/areas/tensta").await.text().await.unwrap();
    assert!(tensta.contains("Polisens händelser") && tensta.contains("Klotter på en skola i Tensta."));
    assert!(tensta.contains("2024-03-02 08:40"), "shown in Swedish time");
    assert!(tensta.contains("https://polisen.se/aktuellt/handelser/2024/mars/2/x/"));
    assert!(!tensta.contains("Södermalm"));
    let jarva = app.get_as(Role::Public, "/areas/jarva").await.text().await.unwrap();
    assert!(jarva.contains("Klotter på en skola i Tensta."), "a district area lists its districts' events");
    let soder = app.get_as(Role::Public, "/areas/sodermalm").await.text().await.unwrap();
    assert!(
        soder.contains("Stöld &#60;b&#62;på&#60;/b&#62; Södermalm.") || soder.contains("Stöld &lt;b&gt;"),
        "escaped"
    );
    let husby = app.get_as(Role::Public, "/areas/husby").await.text().await.unwrap();
    assert!(husby.contains("Inga händelser har lästs in"));
}

#[tokio::test]
async fn the_organisation_page_shows_groups_mandates_and_partners() {
    let app = App::start().await;
    let html = app.get_as(Role::Member, "/organisation").await.text().await.unwrap();
    assert!(html.contains("Lokal styrgrupp") || html.contains("styrgrupp"), "the steering group");
    assert!(html.contains("Uppdrag") && html.contains("Ledamöter"));
    assert!(html.contains("Uppdraget har gått ut"), "the example working group ended 2025-12-31");
    assert!(html.contains("Polisen"));
    assert_eq!(app.get_as(Role::Public, "/organisation").await.status(), StatusCode::SEE_OTHER);
}
