//! CSRF, cross-origin posts and response headers.

use crate::harness::App;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, ORIGIN};
use trygg_core::Role;

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = App::start().await;
    let (cookie, _) = app.sessions[&Role::Admin].clone();
    let res = app
        .client
        .post(app.url("/admin/users"))
        .header(COOKIE, &cookie)
        .form(&[
            ("email", "x@trygg.se"),
            ("name", "X"),
            ("role", "admin"),
            ("password", "ett långt lösenord"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("Formuläret har gått ut"));
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("email", "a@b.se"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "even the login form needs its token");
    assert_eq!(app.store.users().await.unwrap().len(), 6, "nothing was created");
}

#[tokio::test]
async fn cross_site_origins_are_refused_even_with_a_token() {
    let app = App::start().await;
    let (cookie, csrf) = app.sessions[&Role::Member].clone();
    let res = app
        .client
        .post(app.url("/logout"))
        .header(COOKIE, &cookie)
        .header(ORIGIN, "https://evil.example")
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = App::start().await;
    for path in ["/", "/login", "/api/v1/areas", "/nowhere", "/static/style.css"] {
        let res = app.get_as(Role::Public, path).await;
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
    }
    let page = app.get_as(Role::Public, "/").await.text().await.unwrap();
    assert!(!page.contains("<script"), "no script at all on the start page");
    assert!(!page.contains("style=\""), "no inline styles (the CSP forbids them)");
}
