//! Open311 GeoReport v2 as an outside client speaks it: form posts with a
//! partner's key, answers in XML and JSON, errors as `{code, description}`.

use crate::harness::App;
use reqwest::StatusCode;
use reqwest::header::{ALLOW, CONTENT_TYPE};
use serde_json::Value;
use trygg_core::{Code, ReportState};
use trygg_store::testing::TestDb;
use trygg_store::{Change, ReportQuery};

const OWNER: &str = "fastighetsagare-tensta-centrum";
const OTHER: &str = "svenska-bostader";
/// A valid personal identity number (Skatteverket's example).
const PERSONNUMMER: &str = "19811218-9876";

async fn key(app: &App, partner: &str) -> String {
    app.store.create_partner_key("test", &Code::new(partner).unwrap(), "test").await.unwrap()
}

async fn get(app: &App, path: &str) -> (StatusCode, String, String) {
    let res = app.client.get(app.url(path)).send().await.unwrap();
    let ct = res.headers().get(CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (res.status(), ct, res.text().await.unwrap())
}

async fn post(app: &App, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let res = app.client.post(app.url(path)).form(fields).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// Parses XML with quick-xml and returns the texts of every element named `name`; panics if malformed.
fn xml_texts(xml: &str, name: &str) -> Vec<String> {
    use quick_xml::events::Event;
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"), "{xml}");
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut out, mut inside, mut depth) = (Vec::new(), false, 0i32);
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("malformed XML ({e}): {xml}")) {
            Event::Start(e) => {
                depth += 1;
                if e.name().as_ref() == name {
                    inside = true;
                    out.push(String::new());
                }
            }
            Event::End(e) => {
                depth -= 1;
                if e.name().as_ref() == name {
                    inside = false;
                }
            }
            Event::Text(t) if inside => {
                out.last_mut().unwrap().push_str(&t.into_inner());
            }
            Event::GeneralRef(r) if inside => {
                let s = match r.into_inner().as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    "#13" => "\r",
                    other => panic!("unexpected reference &{other};"),
                };
                out.last_mut().unwrap().push_str(s);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "unbalanced XML: {xml}");
    out
}

fn root_of(xml: &str) -> String {
    let start = xml.find("?>").unwrap() + 2;
    let rest = xml[start..].trim_start().trim_start_matches('<');
    rest.split(['>', ' ', '/']).next().unwrap().to_owned()
}

fn report_fields(key: &str) -> Vec<(&str, &str)> {
    vec![
        ("api_key", key),
        ("service_code", "klotter-ovrigt"),
        ("lat", "59.3940"),
        ("long", "17.9042"),
        ("description", "Klotter på väggen vid <entrén> & trappan"),
        ("email", "anna.andersson@example.se"),
        ("first_name", "Anna"),
        ("last_name", "Andersson"),
        ("phone", "070-123 45 67"),
        ("jurisdiction_id", "stockholm.se"),
        ("media_url", "https://example.invalid/foto.jpg"),
    ]
}

/// The client flow in JSON: discovery, services, a definition, a post, and reading it back.
async fn json_flow(app: &App) {
    let key = key(app, OWNER).await;
    let (status, ct, body) = get(app, "/open311/v2/discovery.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ct, "application/json; charset=utf-8");
    let d: Value = serde_json::from_str(&body).unwrap();
    assert!(d["endpoints"][0]["url"].as_str().unwrap().ends_with("/open311/v2"));

    let services: Value = serde_json::from_str(&get(app, "/open311/v2/services.json").await.2).unwrap();
    let codes: Vec<&str> =
        services.as_array().unwrap().iter().map(|s| s["service_code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"klotter-ovrigt"), "{codes:?}");
    assert!(!codes.contains(&"gomda-droger"), "a non-public category in the public list");
    assert!(!codes.contains(&"klotter"), "groups are not services");
    let graffiti =
        services.as_array().unwrap().iter().find(|s| s["service_code"] == "klotter-ovrigt").unwrap();
    assert_eq!(graffiti["metadata"], false);
    assert_eq!(graffiti["type"], "realtime");
    assert!(!graffiti["group"].as_str().unwrap().is_empty());

    let (status, _, body) = get(app, "/open311/v2/services/klotter-ovrigt.json").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let def: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(def["service_code"], "klotter-ovrigt");
    assert_eq!(def["attributes"], serde_json::json!([]));

    let (status, body) = post(app, "/open311/v2/requests.json", &report_fields(&key)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let created: Value = serde_json::from_str(&body).unwrap();
    let id = created[0]["service_request_id"].as_str().expect("the id is a string").to_owned();
    assert_eq!(created[0]["account_id"], OWNER);
    assert!(created[0]["service_notice"].as_str().unwrap().contains("arbetsdag"), "{body}");

    let (status, _, body) = get(app, &format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let r: Value = serde_json::from_str(&body).unwrap();
    let r = &r[0];
    assert_eq!(r["service_request_id"], id.as_str());
    assert_eq!(r["status"], "open");
    assert_eq!(r["status_notes"], "Mottagen");
    assert_eq!(r["service_code"], "klotter-ovrigt");
    assert_eq!(r["description"], "Klotter på väggen vid <entrén> & trappan");
    assert_eq!(r["lat"], 59.394);
    assert!(r["requested_datetime"].as_str().unwrap().contains("+0"), "offset: {body}");
    assert!(!r["agency_responsible"].as_str().unwrap().is_empty());
    for secret in ["anna.andersson", "Andersson", "070-123"] {
        assert!(!body.contains(secret), "{secret} leaked: {body}");
    }
    let stored = app.store.report(id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(stored.responsible.as_str(), OWNER);
    assert_eq!(stored.reporter.email, None, "a partner's post stores no e-mail");
    assert_eq!(stored.source, "open311");

    let (_, _, body) = get(app, "/open311/v2/requests.json?status=open&service_code=klotter-ovrigt").await;
    let list: Value = serde_json::from_str(&body).unwrap();
    assert!(list.as_array().unwrap().iter().any(|r| r["service_request_id"] == id.as_str()), "{body}");
    let (_, _, body) = get(app, "/open311/v2/requests.json?status=closed").await;
    assert!(!body.contains(&format!("\"service_request_id\":\"{id}\"")), "{body}");
}

#[tokio::test]
async fn an_open311_client_works_in_json() {
    json_flow(&App::start().await).await;
}

#[tokio::test]
async fn an_open311_client_works_in_json_on_postgres() {
    let Some(db) = TestDb::postgres().await else { return };
    json_flow(&App::on(db).await).await;
}

#[tokio::test]
async fn an_open311_client_works_in_xml() {
    let app = App::start().await;
    let key = key(&app, OWNER).await;
    let (status, ct, body) = get(&app, "/open311/v2/discovery.xml").await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, "text/xml; charset=utf-8"));
    assert_eq!(root_of(&body), "discovery");
    assert_eq!(xml_texts(&body, "format"), ["text/xml", "application/json"]);

    let (_, _, body) = get(&app, "/open311/v2/services.xml").await;
    assert_eq!(root_of(&body), "services");
    let codes = xml_texts(&body, "service_code");
    assert!(codes.contains(&"klotter-ovrigt".to_owned()) && !codes.contains(&"gomda-droger".to_owned()));

    let (status, _, body) = get(&app, "/open311/v2/services/klotter-krankande.xml").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(root_of(&body), "service_definition");
    assert_eq!(xml_texts(&body, "service_code"), ["klotter-krankande"]);

    let (status, body) = post(&app, "/open311/v2/requests.xml", &report_fields(&key)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(root_of(&body), "service_requests");
    let id = xml_texts(&body, "service_request_id").pop().unwrap();

    let (status, _, body) = get(&app, &format!("/open311/v2/requests/{id}.xml")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(xml_texts(&body, "description"), ["Klotter på väggen vid <entrén> & trappan"]);
    assert_eq!(xml_texts(&body, "status"), ["open"]);
    assert!(!body.contains("anna.andersson"));

    let (_, _, body) = get(&app, "/open311/v2/requests.xml").await;
    assert_eq!(root_of(&body), "service_requests");
    assert!(xml_texts(&body, "service_request_id").contains(&id));
}

#[tokio::test]
async fn wrong_keys_bad_dates_unknown_methods_and_formats_get_open311_errors() {
    let app = App::start().await;
    let (status, body) = post(&app, "/open311/v2/requests.json", &report_fields("not-a-key")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let e: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(e[0]["code"], "403");
    assert!(e[0]["description"].as_str().unwrap().contains("api_key"));
    let (status, body) = post(&app, "/open311/v2/requests.xml", &report_fields("not-a-key")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(root_of(&body), "errors");
    assert_eq!(xml_texts(&body, "code"), ["403"]);
    let (status, _, _) = get(&app, "/open311/v2/services.json?api_key=wrong").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, _, body) = get(&app, "/open311/v2/requests.json?start_date=last-tuesday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("start_date"), "{body}");
    let (status, _, body) = get(&app, "/open311/v2/requests.xml?status=pending").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(xml_texts(&body, "description")[0].contains("status"));

    let res = app.client.put(app.url("/open311/v2/requests.json")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allow = res.headers()[ALLOW].to_str().unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    assert_eq!(res.json::<Value>().await.unwrap()[0]["code"], "405");
    let res = app.client.delete(app.url("/open311/v2/requests/1.xml")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(res.headers()[ALLOW].to_str().unwrap().contains("GET"));
    assert_eq!(xml_texts(&res.text().await.unwrap(), "code"), ["405"]);

    for path in ["/open311/v2/services.yaml", "/open311/v2/requests/1.csv", "/open311/v2/nothing.json"] {
        let (status, ct, body) = get(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(ct.starts_with("application/json"), "{path}: {ct}");
        assert!(body.contains("\"code\":\"404\""), "{path}: {body}");
    }
    let (status, _, _) = get(&app, "/open311/v2/services/no-such-service.json").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn invalid_reports_get_a_400_naming_the_field_and_store_nothing() {
    let app = App::start().await;
    let key = key(&app, OWNER).await;
    let cases: [(&[(&str, &str)], &str); 7] = [
        (&[("service_code", "klotter-ovrigt"), ("description", "Klotter")], "lat/long"),
        (
            &[("service_code", "klotter-ovrigt"), ("lat", "57.7"), ("long", "11.97"), ("description", "x")],
            "lat/long",
        ),
        (
            &[
                ("service_code", "klotter-ovrigt"),
                ("lat", "59.394"),
                ("long", "17.9042"),
                ("description", PERSONNUMMER),
            ],
            "description",
        ),
        (
            &[("service_code", "inget-sadant"), ("lat", "59.394"), ("long", "17.9042"), ("description", "x")],
            "service_code",
        ),
        (&[("service_code", "klotter-ovrigt"), ("lat", "59.394"), ("description", "x")], "long"),
        (
            &[("service_code", "klotter-ovrigt"), ("address_id", "ingenstans"), ("description", "x")],
            "address_id",
        ),
        (&[("lat", "59.394"), ("long", "17.9042"), ("description", "x")], "service_code"),
    ];
    for (fields, field) in cases {
        let mut all = vec![("api_key", key.as_str())];
        all.extend_from_slice(fields);
        let (status, body) = post(&app, "/open311/v2/requests.json", &all).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{fields:?}: {body}");
        let e: Value = serde_json::from_str(&body).unwrap();
        assert!(e[0]["description"].as_str().unwrap().contains(field), "{field}: {body}");
    }
    let res = app.client.post(app.url("/open311/v2/requests.json")).body("{}").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "not a form");
    assert_eq!(app.store.count_reports(&ReportQuery::default()).await.unwrap(), 0);

    let place = [
        ("api_key", key.as_str()),
        ("service_code", "klotter-ovrigt"),
        ("address_id", "tensta-centrum"),
        ("description", "Vid ingången"),
    ];
    let (status, body) = post(&app, "/open311/v2/requests.json", &place).await;
    assert_eq!(status, StatusCode::OK, "a place code is a location: {body}");
}

#[tokio::test]
async fn non_public_categories_never_reach_public_gets() {
    let app = App::start().await;
    let owner_key = key(&app, OWNER).await;
    let fields = [
        ("api_key", owner_key.as_str()),
        ("service_code", "gomda-droger"),
        ("lat", "59.3940"),
        ("long", "17.9042"),
        ("description", "Misstänkt gömma bakom elskåpet"),
    ];
    let (status, body) = post(&app, "/open311/v2/requests.json", &fields).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id: Value = serde_json::from_str(&body).unwrap();
    let id = id[0]["service_request_id"].as_str().unwrap().to_owned();
    let report = app.store.report(id.parse().unwrap()).await.unwrap().unwrap();
    for path in [
        "/open311/v2/requests.json".to_owned(),
        format!("/open311/v2/requests.json?service_request_id={id}"),
        "/open311/v2/requests.xml?service_code=gomda-droger".to_owned(),
        "/open311/v2/servicerequestupdates.json".to_owned(),
    ] {
        let (status, _, body) = get(&app, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!body.contains("gomda-droger") && !body.contains("gömma"), "{path}: {body}");
        assert!(!body.contains("17.9042"), "{path}: {body}");
    }
    let (status, _, _) = get(&app, &format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = get(&app, "/open311/v2/services/gomda-droger.json").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let responsible_key = key(&app, report.responsible.as_str()).await;
    let (status, _, body) =
        get(&app, &format!("/open311/v2/requests/{id}.json?api_key={responsible_key}")).await;
    assert_eq!(status, StatusCode::OK, "the responsible partner sees it: {body}");
    let (_, _, body) = get(&app, &format!("/open311/v2/requests.json?api_key={responsible_key}")).await;
    assert!(body.contains(&format!("\"service_request_id\":\"{id}\"")), "{body}");
    let (_, _, body) = get(&app, &format!("/open311/v2/services.json?api_key={responsible_key}")).await;
    assert!(body.contains("gomda-droger"), "a key shows non-public services");
}

#[tokio::test]
async fn anonymous_posts_are_refused_unless_configured() {
    let app = App::start().await;
    let anon: Vec<_> = report_fields("").into_iter().filter(|(k, _)| *k != "api_key").collect();
    let (status, body) = post(&app, "/open311/v2/requests.json", &anon).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(app.store.count_reports(&ReportQuery::default()).await.unwrap(), 0);

    let db = TestDb::sqlite().await;
    trygg_import::seed::seed_jarva(&db.store).await.unwrap();
    let config = trygg_web::WebConfig { open311_anonymous_post: true, ..trygg_web::WebConfig::default() };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(trygg_web::serve_on(trygg_web::AppState::new(db.store.clone(), config), listener));
    let res = reqwest::Client::new()
        .post(format!("{base}/open311/v2/requests.json"))
        .form(&anon)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let id: Value = res.json().await.unwrap();
    assert_eq!(id[0]["account_id"], Value::Null);
    let id: i64 = id[0]["service_request_id"].as_str().unwrap().parse().unwrap();
    let stored = db.store.report(id).await.unwrap().unwrap();
    assert_eq!(stored.reporter.kind, trygg_core::ReporterKind::Resident);
    assert_eq!(stored.reporter.email.unwrap().as_str(), "anna.andersson@example.se");
    let body =
        reqwest::get(format!("{base}/open311/v2/requests/{id}.json")).await.unwrap().text().await.unwrap();
    assert!(!body.contains("anna.andersson"), "{body}");
}

#[tokio::test]
async fn service_request_updates_are_listed_and_posted_by_the_responsible_partner_only() {
    let app = App::start().await;
    let (owner, other) = (key(&app, OWNER).await, key(&app, OTHER).await);
    let (_, body) = post(&app, "/open311/v2/requests.json", &report_fields(&owner)).await;
    let created: Value = serde_json::from_str(&body).unwrap();
    let id = created[0]["service_request_id"].as_str().unwrap().to_owned();
    let rid: i64 = id.parse().unwrap();
    let change = Change {
        actor: "test".into(),
        state: Some(ReportState::Acknowledged),
        note: "Vi tittar på det & återkommer".into(),
        public: true,
        ..Change::default()
    };
    app.store.change_report(rid, &change).await.unwrap();

    let (status, _, body) = get(&app, "/open311/v2/servicerequestupdates.xml").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(root_of(&body), "service_request_updates");
    assert!(xml_texts(&body, "service_request_id").contains(&id));
    assert!(xml_texts(&body, "status").contains(&"ACTION_SCHEDULED".to_owned()), "{body}");
    assert!(xml_texts(&body, "description").contains(&"Vi tittar på det & återkommer".to_owned()));
    let (status, _, _) = get(&app, "/open311/v2/servicerequestupdates.json?start_date=igår").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, _, body) =
        get(&app, "/open311/v2/servicerequestupdates.json?end_date=2020-01-01T00:00:00Z").await;
    assert_eq!(body, "[]");

    let update = |k: &str, status: &'static str| {
        vec![
            ("api_key", k.to_owned()),
            ("service_request_id", id.clone()),
            ("status", status.to_owned()),
            ("description", "Sanerat".to_owned()),
            ("update_id", "fms-1".to_owned()),
            ("updated_datetime", "2026-01-01T10:00:00+01:00".to_owned()),
        ]
    };
    let res = app
        .client
        .post(app.url("/open311/v2/servicerequestupdates.json"))
        .form(&update(&other, "FIXED"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "another partner may not update it");
    assert_eq!(app.store.report(rid).await.unwrap().unwrap().state, ReportState::Acknowledged);
    let res = app
        .client
        .post(app.url("/open311/v2/servicerequestupdates.json"))
        .form(&update(&owner, "SOLVED"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app
        .client
        .post(app.url("/open311/v2/servicerequestupdates.xml"))
        .form(&update(&owner, "FIXED"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert_eq!(root_of(&body), "service_request_updates");
    assert_eq!(xml_texts(&body, "update_id").len(), 1);
    let after = app.store.report(rid).await.unwrap().unwrap();
    assert_eq!(after.state, ReportState::Fixed);

    let (_, _, body) = get(&app, &format!("/open311/v2/requests/{id}.json")).await;
    let r: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(r[0]["status"], "closed");
    assert_eq!(r[0]["status_notes"], "Åtgärdad: Sanerat");
    let (_, _, body) = get(&app, "/open311/v2/servicerequestupdates.json").await;
    let updates: Value = serde_json::from_str(&body).unwrap();
    assert!(
        updates.as_array().unwrap().iter().any(|u| u["status"] == "FIXED" && u["description"] == "Sanerat")
    );
}

#[tokio::test]
async fn the_openapi_document_lists_every_json_resource() {
    let app = App::start().await;
    let (status, _, body) = get(&app, "/open311/v2/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    for spec in trygg_web::routes::table()
        .iter()
        .filter(|s| s.path.starts_with("/open311/v2/") && s.path.ends_with(".json"))
    {
        assert!(paths.iter().any(|p| p.as_str() == spec.path), "{} is not documented", spec.path);
    }
    assert!(paths.iter().any(|p| p.as_str() == "/open311/v2/requests/{service_request_id}.json"));
}
