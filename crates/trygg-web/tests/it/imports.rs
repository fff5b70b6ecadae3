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
