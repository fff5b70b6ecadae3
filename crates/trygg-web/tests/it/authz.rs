//! One test walks every route in the route table with every role and
//! checks that exactly the declared roles get through.

use crate::harness::{App, new_session};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use trygg_core::Role;
use trygg_web::routes;

#[tokio::test]
async fn every_route_refuses_every_role_it_does_not_declare() {
    let app = App::start().await;
    let mut checked = 0;
    let mut failures = Vec::new();
    for spec in routes::table() {
        for &role in routes::EVERYONE {
            // A fresh session per request: walking POST /logout must not end the next request's.
            let (cookie, csrf) = match app.users.get(&role) {
                Some(&id) => new_session(&app.store, id).await,
                None => (format!("trygg_csrf={}", "a".repeat(64)), "a".repeat(64)),
            };
            let req = app.client.request(spec.method.clone(), app.url(spec.example));
            let mut req = req.header(COOKIE, cookie).header("x-csrf-token", csrf);
            if spec.is_api() && spec.method != reqwest::Method::GET {
                req = req.header(CONTENT_TYPE, "application/json").body("{}");
            }
            let res = req.send().await.unwrap();
            let status = res.status();
            let to_login = res
                .headers()
                .get(LOCATION)
                .and_then(|l| l.to_str().ok())
                .is_some_and(|l| l.starts_with("/login"));
            let refused = matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) || to_login;
            let allowed = spec.allow.contains(&role);
            checked += 1;
            if allowed == refused || status.is_server_error() {
                failures.push(format!(
                    "{} {} as {role}: {status} (allowed: {allowed})",
                    spec.method, spec.example
                ));
            }
        }
    }
    assert!(failures.is_empty(), "unexpected outcomes:\n{}", failures.join("\n"));
    assert!(checked >= 24 * 7, "walked {checked} route × role pairs");
}

#[tokio::test]
async fn a_refused_signed_in_user_is_audited() {
    let app = App::start().await;
    let res = app.get_as(Role::Partner, "/admin/users").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("Din roll har inte behörighet"));
    let entries = app.store.audit_entries(5).await.unwrap();
    assert!(entries.iter().any(|e| e.action == "access.denied" && e.record == "GET /admin/users"));
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_login_and_back() {
    let app = App::start().await;
    let res = app.get_as(Role::Public, "/admin/audit").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/login?next=/admin/audit");
    let api = app.get_as(Role::Public, "/api/v1/users").await;
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["error"]["status"], 401);
}
