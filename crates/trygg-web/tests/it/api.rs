//! The JSON API, on every backend: the same answers from SQLite and PostgreSQL.

use crate::harness::App;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE};
use serde_json::Value;
use trygg_core::Role;
use trygg_store::testing::TestDb;

async fn api_answers(app: &App) -> Vec<Value> {
    let mut answers = Vec::new();
    for path in [
        "/api/v1/areas",
        "/api/v1/areas?level=district_area",
        "/api/v1/areas/tensta",
        "/api/v1/periods/2025-T2",
        "/api/v1/strategies",
    ] {
        let res = app.get_as(Role::Public, path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
        answers.push(res.json().await.unwrap());
    }
    answers
}

fn check_answers(a: &[Value]) {
    let features = a[0]["features"].as_array().unwrap();
    let count = |level: &str| features.iter().filter(|f| f["properties"]["level"] == level).count();
    assert_eq!((count("city"), count("district_area"), count("district"), count("place")), (1, 3, 117, 11));
    let tensta = features.iter().find(|f| f["id"] == "tensta").unwrap();
    assert_eq!(tensta["type"], "Feature");
    assert_eq!(tensta["geometry"]["type"], "MultiPolygon");
    let ring = &tensta["geometry"]["coordinates"][0][0];
    assert!(ring.as_array().unwrap().len() > 10);
    let lon = ring[0][0].as_f64().unwrap();
    assert!((17.8..18.0).contains(&lon), "longitude first, as GeoJSON wants: {lon}");
    assert_eq!(a[1]["features"].as_array().unwrap().len(), 3);
    assert_eq!(a[2]["properties"]["name"], "Tensta");
    assert_eq!(
        a[3],
        serde_json::json!({"period": "2025-T2", "kind": "tertial", "start": "2025-05-01",
        "end_exclusive": "2025-09-01", "previous": "2025-T1", "same_last_year": "2024-T2"})
    );
    let s = &a[4][0];
    assert_eq!(s["code"], "jarva-2020-2025");
    let kinds = |k: &str| s["elements"].as_array().unwrap().iter().filter(|e| e["kind"] == k).count();
    assert_eq!((kinds("direction"), kinds("working_method"), kinds("perspective")), (2, 4, 4));
}

#[tokio::test]
async fn sqlite_and_postgres_give_the_same_api_answers() {
    let sqlite = App::start().await;
    let expected = api_answers(&sqlite).await;
    check_answers(&expected);
    if let Some(pg) = TestDb::postgres().await {
        let app = App::on(pg).await;
        assert_eq!(api_answers(&app).await, expected, "PostgreSQL answers differ from SQLite's");
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx() {
    let app = App::start().await;
    let res = app.get_as(Role::Public, "/api/v1/periods/2025-T7").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["field"], "period");
    assert!(body["error"]["message"].as_str().unwrap().contains("2025-T2"));

    let res = app.get_as(Role::Public, "/api/v1/areas?level=county").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.get_as(Role::Public, "/api/v1/areas/atlantis").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get_as(Role::Public, "/api/v1/areas/NOT%20A%20CODE").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get_as(Role::Public, "/api/v1/nothing").await.status(), StatusCode::NOT_FOUND);

    let (cookie, csrf) = app.sessions[&Role::Admin].clone();
    let post = |body: &'static str| {
        app.client
            .post(app.url("/api/v1/users"))
            .header(COOKIE, &cookie)
            .header("x-csrf-token", &csrf)
            .header(CONTENT_TYPE, "application/json")
            .body(body)
    };
    let res = post("{\"email\": ").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("malformed JSON"), "{body}");

    let res = post(r#"{"email":"ny@trygg.se","name":"Ny","role":"sheriff","password":"tillräckligt långt"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["error"]["message"].as_str().unwrap().contains("social_services"),
        "lists the roles: {body}"
    );

    let ok = r#"{"email":"ny@trygg.se","name":"Ny Person","role":"coordinator","areas":["jarva"],"password":"tillräckligt långt"}"#;
    let res = post(ok).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = post(ok).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = app
        .client
        .post(app.url("/api/v1/users"))
        .header(COOKIE, &cookie)
        .header(CONTENT_TYPE, "application/json")
        .body(ok)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "no CSRF header");
}

#[tokio::test]
async fn the_openapi_document_covers_every_api_route() {
    let app = App::start().await;
    let doc: Value = app.get_as(Role::Public, "/api/v1/openapi.json").await.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for spec in trygg_web::routes::table() {
        if spec.path.starts_with("/api/v1/") && spec.path != "/api/v1/openapi.json" {
            let method = spec.method.as_str().to_lowercase();
            assert!(
                paths.get(spec.path).and_then(|p| p.get(&method)).is_some(),
                "{} {} is not documented",
                spec.method,
                spec.path
            );
        }
    }
    for (path, _) in paths {
        assert!(
            trygg_web::routes::table().iter().any(|r| r.path == path),
            "documented but not routed: {path}"
        );
    }
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = App::start().await;
    assert_eq!(app.get_as(Role::Public, "/healthz").await.text().await.unwrap(), "ok");
    assert_eq!(app.get_as(Role::Public, "/readyz").await.status(), StatusCode::OK);
    let metrics = app.get_as(Role::Public, "/metrics").await.text().await.unwrap();
    assert!(metrics.contains("trygg_http_requests_total{method=\"GET\",status=\"200\"}"), "{metrics}");
    app.store.close().await;
    assert_eq!(app.get_as(Role::Public, "/readyz").await.status(), StatusCode::SERVICE_UNAVAILABLE);
}
