//! The import page: history and upload for coordinators, refused for others,
//! CSRF checked in the handler, refused rows listed with their place.

use crate::harness::App;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE};
use trygg_core::Role;

const BRA: &str = "period,stadsdelsomrade,brottskategori,antal\n2016-06,Rinkeby-Kista,Stöldbrott,269\n\
                   2016-06,Spånga-Tensta,Stöldbrott,215\n";

async fn upload(
    app: &App,
    role: Role,
    csrf: Option<&str>,
    kind: &str,
    file: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let (cookie, token) = app.sessions[&role].clone();
    let boundary = "----trygg-import-boundary";
    let mut body = String::new();
    let mut fields = vec![("csrf", csrf.unwrap_or(&token)), ("kind", kind), ("source", "bra")];
    fields.extend_from_slice(extra);
    for (name, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bra.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n"
    ));
    app.client
        .post(app.url("/imports"))
        .header(COOKIE, cookie)
        .header(CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn coordinators_upload_and_see_the_history() {
    let app = App::start().await;
    let page = app.get_as(Role::Coordinator, "/imports").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("<caption>De senaste 100 importerna, nyaste först</caption>"));
    assert!(html.contains(r#"<label for="i-file">Fil</label>"#));

    let res = upload(&app, Role::Coordinator, None, "statistics", BRA, &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("bra.csv: 2 värden godkända – 2 nya, 0 ändrade, 0 oförändrade."), "{html}");
    let runs = app.store.import_runs(5).await.unwrap();
    assert_eq!((runs.len(), runs[0].kind.as_str(), runs[0].actor.as_str()), (1, "statistics", "user:2"));
    assert!(html.contains(&runs[0].sha256), "the history shows the file's SHA-256");
    assert_eq!(app.store.crime_counts("bra").await.unwrap().iter().map(|c| c.count).sum::<i64>(), 484);
}

#[tokio::test]
async fn refused_rows_are_listed_and_nothing_is_written() {
    let app = App::start().await;
    let bad = format!("{BRA}2016-13,Spånga-Tensta,Bilbrott,50\n");
    let res = upload(&app, Role::Admin, None, "statistics", &bad, &[]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("1 rader underkändes; inget importerades."), "{html}");
    assert!(html.contains("bra.csv, line 4, column period: &#34;2016-13&#34; is not a period"), "{html}");
    assert!(app.store.crime_counts("bra").await.unwrap().is_empty());
    assert!(app.store.import_runs(5).await.unwrap().is_empty());

    let res =
        upload(&app, Role::Admin, None, "statistics", &bad, &[("dry_run", "1"), ("skip_invalid", "1")]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("Bara kontroll – inget sparades."));
    assert!(app.store.import_runs(5).await.unwrap().is_empty(), "a dry run writes nothing");
}

#[tokio::test]
async fn a_forged_or_unauthorised_upload_is_refused() {
    let app = App::start().await;
    let res = upload(&app, Role::Coordinator, Some("forged"), "statistics", BRA, &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = upload(&app, Role::Member, None, "statistics", BRA, &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get_as(Role::Steering, "/imports").await.status(), StatusCode::FORBIDDEN);
    let res = upload(&app, Role::Coordinator, None, "shapes", BRA, &[]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(app.store.import_runs(5).await.unwrap().is_empty());
}

/// Uploads `files` (field name, file name, content) with `fields`, as `role`.
async fn upload_files(
    app: &App,
    role: Role,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> reqwest::Response {
    let (cookie, token) = app.sessions[&role].clone();
    let boundary = "----trygg-import-boundary";
    let mut body: Vec<u8> = Vec::new();
    for (name, value) in [("csrf", token.as_str())].iter().chain(fields) {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .bytes(),
        );
    }
    for (field, name, content) in files {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n\r\n")
                .bytes(),
        );
        body.extend_from_slice(content);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").bytes());
    app.client
        .post(app.url("/imports"))
        .header(COOKIE, cookie)
        .header(CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

fn shared(path: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[tokio::test]
async fn police_events_upload_like_the_command() {
    let app = App::start().await;
    let file = shared("polisen/api_snapshot_2025-06-07_first156.json");
    let res =
        upload_files(&app, Role::Coordinator, &[("kind", "polisen")], &[("file", "snapshot.json", &file)])
            .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("snapshot.json: 156 värden godkända – 156 nya"), "{html}");
    let again =
        upload_files(&app, Role::Coordinator, &[("kind", "polisen")], &[("file", "snapshot.json", &file)])
            .await;
    assert!(again.text().await.unwrap().contains("0 nya, 0 ändrade, 156 oförändrade"));
    let broken =
        upload_files(&app, Role::Coordinator, &[("kind", "polisen")], &[("file", "cut.json", &file[..500])])
            .await;
    assert_eq!(broken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(broken.text().await.unwrap().contains("cut.json"), "the error names the file");
    let audit = app.store.audit_entries(20).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "import.polisen").count(), 2);
}

const MAPPING: &str = "source = \"stadens-system\"\ncrs = \"EPSG:4326\"\nx_column = \"lon\"\ny_column = \"lat\"\n\
                       time_column = \"tid\"\ncategory_column = \"typ\"\nid_column = \"id\"\n";

#[tokio::test]
async fn point_events_upload_with_their_mapping_and_are_refused_without_one() {
    let app = App::start().await;
    let csv = b"id,tid,typ,lat,lon\n1,2025-03-01 21:15,Skadeg\xc3\xb6relse,59.3771,17.8245\n2,2025-03-02 22:40,Klotter,59.3775,17.8250\n";
    let res = upload_files(
        &app,
        Role::Coordinator,
        &[("kind", "points")],
        &[("file", "incidents.csv", csv), ("mapping", "mapping.toml", MAPPING.as_bytes())],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("incidents.csv: 2 värden godkända – 2 nya"));
    let events = app.store.events(&trygg_store::EventQuery::default()).await.unwrap();
    assert_eq!(events.len(), 2);
    assert!(
        events.iter().all(|e| e.source == "stadens-system" && e.event.area.is_some()),
        "placed in a district"
    );

    let without =
        upload_files(&app, Role::Coordinator, &[("kind", "points")], &[("file", "incidents.csv", csv)]).await;
    assert_eq!(without.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(without.text().await.unwrap().contains("kolumnbeskrivning"));
    let bad = upload_files(
        &app,
        Role::Coordinator,
        &[("kind", "points")],
        &[("file", "incidents.csv", csv), ("mapping", "mapping.toml", b"crs = 4326\n")],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad_row = b"id,tid,typ,lat,lon\n3,not a time,Klotter,59.3775,17.8250\n";
    let refused = upload_files(
        &app,
        Role::Coordinator,
        &[("kind", "points")],
        &[("file", "bad.csv", bad_row), ("mapping", "mapping.toml", MAPPING.as_bytes())],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("bad.csv: line 2"), "the refused row is named");
    assert_eq!(
        app.store.events(&trygg_store::EventQuery::default()).await.unwrap().len(),
        2,
        "nothing added"
    );
}

#[tokio::test]
async fn boundaries_upload_as_geojson_matched_to_areas() {
    let app = App::start().await;
    let square = |name: &str| {
        format!(
            r#"{{"type":"Feature","properties":{{"name":"{name}"}},"geometry":{{"type":"Polygon","coordinates":[[[17.80,59.37],[17.83,59.37],[17.83,59.39],[17.80,59.39],[17.80,59.37]]]}}}}"#
        )
    };
    let good = format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, square("Tensta"));
    let res = upload_files(
        &app,
        Role::Admin,
        &[("kind", "boundaries")],
        &[("file", "tensta.geojson", good.as_bytes())],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("tensta.geojson: 1 värden godkända – 0 nya, 1 ändrade"));
    let bad =
        format!(r#"{{"type":"FeatureCollection","features":[{},{}]}}"#, square("Tensta"), square("Atlantis"));
    let res = upload_files(
        &app,
        Role::Admin,
        &[("kind", "boundaries")],
        &[("file", "two.geojson", bad.as_bytes())],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("Atlantis"));
    let member = upload_files(
        &app,
        Role::Member,
        &[("kind", "boundaries")],
        &[("file", "t.geojson", good.as_bytes())],
    )
    .await;
    assert_eq!(member.status(), StatusCode::FORBIDDEN);
}
