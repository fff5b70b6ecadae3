//! The public side of rapid action: the report form (multipart, CSRF,
//! photos, validation), the receipt, the follow page, reopening and the
//! public report page.

use crate::harness::{App, cookie_from, hidden_field};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, Rgb, RgbImage};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use reqwest::{Response, StatusCode};
use trygg_core::{Code, LatLon, ReportState, Role};
use trygg_store::testing::TestDb;
use trygg_store::{Change, NewReport, ReportQuery, Reporter};

/// An anonymous visitor: the CSRF cookie header and the form's token, from `GET /report`.
pub(crate) async fn visitor(app: &App) -> (String, String) {
    let res = app.client.get(app.url("/report")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = cookie_from(&res, "trygg_csrf").expect("the form sets a CSRF cookie");
    let token = hidden_field(&res.text().await.unwrap(), "csrf").expect("the form has a CSRF field");
    (format!("trygg_csrf={cookie}"), token)
}

/// Form fields, name and value.
type Fields<'a> = Vec<(&'a str, &'a str)>;

/// A file part: field name, file name, content type, bytes.
type File<'a> = (&'a str, &'a str, &'a str, &'a [u8]);

/// A `multipart/form-data` body and its content type.
fn multipart(fields: &[(&str, &str)], files: &[File]) -> (String, Vec<u8>) {
    let boundary = "----trygg-test-boundary-7d3f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n").bytes(),
        );
        body.extend(value.bytes());
        body.extend(b"\r\n");
    }
    for (name, filename, ctype, bytes) in files {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n\
                 Content-Type: {ctype}\r\n\r\n"
            )
            .bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub(crate) async fn post_report(
    app: &App,
    cookie: &str,
    fields: &[(&str, &str)],
    files: &[File<'_>],
) -> Response {
    let (ctype, body) = multipart(fields, files);
    app.client
        .post(app.url("/report"))
        .header(COOKIE, cookie)
        .header(CONTENT_TYPE, ctype)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Now in Stockholm, as the form's `datetime-local` value.
pub(crate) fn now_local() -> String {
    let tz = jiff::tz::TimeZone::get("Europe/Stockholm").unwrap();
    jiff::Timestamp::now().to_zoned_datetime(tz).strftime("%Y-%m-%dT%H:%M").to_string()
}

/// The fields of a good report of graffiti at Tensta centrum.
pub(crate) fn graffiti<'a>(csrf: &'a str, seen_at: &'a str) -> Fields<'a> {
    vec![
        ("csrf", csrf),
        ("category", "klotter-ovrigt"),
        ("place", "tensta-centrum"),
        ("lat", ""),
        ("lon", ""),
        ("seen_at", seen_at),
        ("description", "Nya taggar på väggen vid entrén till centrumet."),
        ("email", ""),
    ]
}

fn with<'a>(mut fields: Fields<'a>, name: &str, value: &'a str) -> Fields<'a> {
    for f in &mut fields {
        if f.0 == name {
            f.1 = value;
        }
    }
    fields
}

fn jpeg_with_gps_exif() -> Vec<u8> {
    let img = RgbImage::from_fn(32, 24, |x, y| Rgb([(x * 8) as u8, (y * 10) as u8, 120]));
    let mut plain = Vec::new();
    DynamicImage::ImageRgb8(img).write_with_encoder(JpegEncoder::new_with_quality(&mut plain, 90)).unwrap();
    let mut payload = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec();
    payload.extend_from_slice(&[0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
    payload.extend_from_slice(b"GPS 59.3940N 17.9042E");
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&plain[2..]);
    out
}

fn png() -> Vec<u8> {
    let img = RgbImage::from_fn(20, 10, |x, _| Rgb([x as u8 * 10, 40, 200]));
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(img).write_with_encoder(PngEncoder::new(&mut out)).unwrap();
    out
}

async fn count(app: &App) -> i64 {
    app.store.count_reports(&ReportQuery::default()).await.unwrap()
}

/// The follow token from a receipt redirect (`/r/{token}?new=1`).
pub(crate) fn token_of(res: &Response) -> String {
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()[LOCATION].to_str().unwrap();
    let rest = location.strip_prefix("/r/").expect("redirect to the follow page");
    rest.strip_suffix("?new=1").expect("the receipt flag").to_owned()
}

/// The whole public flow on one backend: form with photos → report routed to
/// the property owner → receipt → follow page → fixed → reopened.
async fn graffiti_at_tensta_centrum(app: &App) {
    let (cookie, csrf) = visitor(app).await;
    let seen = now_local();
    let exif = jpeg_with_gps_exif();
    let png = png();
    let files: [File; 2] =
        [("photos", "IMG_0001.jpg", "image/jpeg", &exif), ("photos", "skiss.png", "image/png", &png)];
    let res = post_report(app, &cookie, &graffiti(&csrf, &seen), &files).await;
    let token = token_of(&res);
    let reports = app.store.reports(&ReportQuery::default()).await.unwrap();
    assert_eq!(reports.len(), 1);
    let report = &reports[0];
    assert_eq!(report.responsible.as_str(), "fastighetsagare-tensta-centrum");
    assert_eq!((report.area.as_str(), report.source.as_str()), ("tensta", "web"));
    assert_eq!(report.place.as_ref().map(Code::as_str), Some("tensta-centrum"));
    assert_eq!(report.reporter, Reporter::resident(None));
    let photos = app.store.report_photos(report.id).await.unwrap();
    assert_eq!(photos.len(), 2);
    let (meta, bytes) = app.store.photo(photos[0].id).await.unwrap().unwrap();
    assert_eq!((meta.content_type.as_str(), meta.width, meta.height), ("image/jpeg", 32, 24));
    assert!(!bytes.windows(2).any(|w| w == [0xFF, 0xE1]), "EXIF (APP1) is stripped");
    assert!(!bytes.windows(3).any(|w| w == b"GPS"));
    assert_eq!(photos[1].content_type, "image/png");

    let receipt = app.client.get(app.url(&format!("/r/{token}?new=1"))).send().await.unwrap();
    assert_eq!(receipt.status(), StatusCode::OK);
    let html = receipt.text().await.unwrap();
    assert!(html.contains("Tack för din rapport"));
    assert!(html.contains(&format!("Rapportnummer: {}", report.id)));
    assert!(html.contains(&format!("href=\"http://127.0.0.1:8080/r/{token}\"")), "absolute follow link");
    assert!(html.contains("Mottagen") && html.contains("Övrigt klotter") && html.contains("Tensta centrum"));
    assert!(!html.contains("Nya taggar"), "the description is not shown");

    let change = Change {
        actor: "partner:fastighetsagare-tensta-centrum".into(),
        state: Some(ReportState::Fixed),
        note: "Klottret är sanerat.".into(),
        public: true,
        ..Change::default()
    };
    app.store.change_report(report.id, &change).await.unwrap();
    let follow = app.client.get(app.url(&format!("/r/{token}"))).send().await.unwrap().text().await.unwrap();
    assert!(follow.contains("Åtgärdad") && follow.contains("Klottret är sanerat."));
    assert!(!follow.contains("partner:"), "who acted is not shown");
    assert!(follow.contains(&format!("action=\"/r/{token}/reopen\"")), "a closed report can be reopened");

    let reopen = app
        .client
        .post(app.url(&format!("/r/{token}/reopen")))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf.as_str()), ("note", "Taggarna sitter kvar på baksidan.")])
        .send()
        .await
        .unwrap();
    assert_eq!(reopen.status(), StatusCode::SEE_OTHER);
    assert_eq!(reopen.headers()[LOCATION].to_str().unwrap(), format!("/r/{token}?reopened=1"));
    let after = app.store.report(report.id).await.unwrap().unwrap();
    assert_eq!((after.state, after.reopened), (ReportState::Received, 1));
    let page = app.client.get(app.url(&format!("/r/{token}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Taggarna sitter kvar på baksidan.") && page.contains("Mottagen"));
}

#[tokio::test]
async fn a_resident_reports_graffiti_at_tensta_centrum_and_follows_it() {
    graffiti_at_tensta_centrum(&App::start().await).await;
}

#[tokio::test]
async fn the_public_flow_works_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        graffiti_at_tensta_centrum(&App::on(db).await).await;
    }
}

#[tokio::test]
async fn the_form_is_refused_without_its_csrf_token() {
    let app = App::start().await;
    let (cookie, csrf) = visitor(&app).await;
    let seen = now_local();
    let fields = graffiti(&csrf, &seen);
    let without: Vec<_> = fields.iter().copied().filter(|(k, _)| *k != "csrf").collect();
    assert_eq!(post_report(&app, &cookie, &without, &[]).await.status(), StatusCode::FORBIDDEN);
    let wrong = with(fields.clone(), "csrf", "0000");
    assert_eq!(post_report(&app, &cookie, &wrong, &[]).await.status(), StatusCode::FORBIDDEN);
    let other_visitor = format!("trygg_csrf={}", "b".repeat(64));
    assert_eq!(post_report(&app, &other_visitor, &fields, &[]).await.status(), StatusCode::FORBIDDEN);
    let cross_site = app
        .client
        .post(app.url("/report"))
        .header(COOKIE, &cookie)
        .header("origin", "https://evil.example")
        .header(CONTENT_TYPE, multipart(&fields, &[]).0)
        .body(multipart(&fields, &[]).1)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    assert_eq!(count(&app).await, 0);
}

#[tokio::test]
async fn each_bad_input_is_refused_with_a_message_on_its_field_and_nothing_is_stored() {
    let app = App::start().await;
    let (cookie, csrf) = visitor(&app).await;
    let seen = now_local();
    let good = graffiti(&csrf, &seen);
    let pnr = "Han som klottrade heter 811218-9876.";
    let cases: Vec<(&str, Fields, &str)> = vec![
        ("identity number", with(good.clone(), "description", pnr), "får inte innehålla ett personnummer"),
        ("no location", with(good.clone(), "place", ""), "Ange var"),
        (
            "outside every area",
            with(with(with(good.clone(), "place", ""), "lat", "57.7089"), "lon", "11.9746"),
            "utanför de områden",
        ),
        ("bad date", with(good.clone(), "seen_at", "igår kväll"), "Ange datum och tid"),
        ("future date", with(good.clone(), "seen_at", "2099-01-01T12:00"), "inom det senaste året"),
        ("unknown category", with(good.clone(), "category", "finns-inte"), "Välj en kategori i listan"),
        ("a group, not a category", with(good.clone(), "category", "klotter"), "Välj en kategori i listan"),
        ("no category", with(good.clone(), "category", ""), "Välj vad det gäller"),
        ("unknown place", with(good.clone(), "place", "atlantis"), "Välj en plats i listan"),
        ("latitude only", with(with(good.clone(), "place", ""), "lat", "59.39"), "både latitud och longitud"),
        ("bad latitude", with(with(good.clone(), "lat", "59,39N"), "lon", "17.9"), "Latituden ska vara"),
        ("bad e-mail", with(good.clone(), "email", "inte-en-adress"), "giltig e-postadress"),
        ("empty description", with(good.clone(), "description", "  "), "Beskriv vad du såg"),
    ];
    for (what, fields, message) in cases {
        let res = post_report(&app, &cookie, &fields, &[]).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{what}");
        let html = res.text().await.unwrap();
        assert!(html.contains(message), "{what}: no {message:?} in the page");
        assert!(
            html.contains("class=\"error-summary\"") && html.contains("<li><a href=\"#"),
            "{what}: summary"
        );
        assert!(html.contains("aria-invalid=\"true\""), "{what}: the field is marked");
        assert!(
            html.contains("value=\"klotter-ovrigt\" selected") || what.contains("categor"),
            "{what}: kept"
        );
    }
    let not_an_image: [File; 1] = [("photos", "IMG_0002.jpg", "image/jpeg", b"%PDF-1.7 this is a PDF")];
    let res = post_report(&app, &cookie, &good, &not_an_image).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(html.contains("JPEG, PNG eller WebP") && html.contains("href=\"#photos\""));
    assert!(html.contains("Nya taggar på väggen"), "the description is kept");
    let photo = png();
    let six: Vec<File> = (0..6).map(|_| ("photos", "a.png", "image/png", photo.as_slice())).collect();
    let res = post_report(&app, &cookie, &good, &six).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("högst 5 bilder"));
    let res = app
        .client
        .post(app.url("/report"))
        .header(COOKIE, &cookie)
        .header("x-csrf-token", &csrf)
        .header(CONTENT_TYPE, "text/plain")
        .body("category=klotter-ovrigt")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "not multipart");
    assert_eq!(count(&app).await, 0);
}

#[tokio::test]
async fn a_30_mb_upload_is_refused_with_413_and_nothing_is_stored() {
    let app = App::start().await;
    let (cookie, csrf) = visitor(&app).await;
    let seen = now_local();
    let big = vec![0xAB_u8; 30 * 1024 * 1024];
    let files: [File; 1] = [("photos", "huge.jpg", "image/jpeg", &big)];
    let res = post_report(&app, &cookie, &graffiti(&csrf, &seen), &files).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.text().await.unwrap().contains("Formuläret är för stort"));
    let eleven = vec![0xFF_u8; 11 * 1024 * 1024];
    let files: [File; 1] = [("photos", "stor.jpg", "image/jpeg", &eleven)];
    let res = post_report(&app, &cookie, &graffiti(&csrf, &seen), &files).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "one photo over 10 MB");
    assert!(res.text().await.unwrap().contains("högst 10 MB per bild"));
    assert_eq!(count(&app).await, 0);
}

async fn make(app: &App, category: &str) -> (i64, String) {
    let new = NewReport {
        category: Code::new(category).unwrap(),
        position: Some(LatLon { lat: 59.39412, lon: 17.90433 }),
        place: Some(Code::new("tensta-centrum").unwrap()),
        seen_at: jiff::Timestamp::now().as_millisecond() - 3_600_000,
        description: "Något syns vid entrén.".into(),
        reporter: Reporter::resident(Some(trygg_core::Email::new("boende@example.se").unwrap())),
        source: "web".into(),
        photos: Vec::new(),
        created_at: None,
    };
    let created = app.store.create_report(&new).await.unwrap();
    (created.report.id, created.token)
}

#[tokio::test]
async fn reopening_works_only_for_closed_reports() {
    let app = App::start().await;
    let (cookie, csrf) = visitor(&app).await;
    let (id, token) = make(&app, "klotter-ovrigt").await;
    let reopen = |note: &'static str| {
        app.client
            .post(app.url(&format!("/r/{token}/reopen")))
            .header(COOKIE, cookie.clone())
            .form(&[("csrf", csrf.clone()), ("note", note.to_owned())])
            .send()
    };
    assert_eq!(reopen("Inte åtgärdat").await.unwrap().status(), StatusCode::CONFLICT, "still open");
    let fixed = Change { actor: "system".into(), state: Some(ReportState::Fixed), ..Change::default() };
    app.store.change_report(id, &fixed).await.unwrap();
    let empty = reopen("   ").await.unwrap();
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    assert!(empty.text().await.unwrap().contains("Skriv varför problemet inte är åtgärdat"));
    let pnr = reopen("Ring 811218-9876").await.unwrap();
    assert_eq!(pnr.status(), StatusCode::BAD_REQUEST);
    let no_csrf = app
        .client
        .post(app.url(&format!("/r/{token}/reopen")))
        .header(COOKIE, &cookie)
        .form(&[("note", "Kvar")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_csrf.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.store.report(id).await.unwrap().unwrap().state, ReportState::Fixed);
    assert_eq!(reopen("Kvar på baksidan").await.unwrap().status(), StatusCode::SEE_OTHER);
    assert_eq!(app.store.report(id).await.unwrap().unwrap().state, ReportState::Received);
    let unknown = app
        .client
        .post(app.url(&format!("/r/{}/reopen", "0".repeat(64))))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf.as_str()), ("note", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn non_public_categories_show_no_position_and_have_no_public_page() {
    let app = App::start().await;
    let (hidden, hidden_token) = make(&app, "gomda-droger").await;
    let follow = app.get_as(Role::Public, &format!("/r/{hidden_token}")).await;
    assert_eq!(follow.status(), StatusCode::OK);
    let html = follow.text().await.unwrap();
    assert!(html.contains("Mottagen"));
    assert!(!html.contains("59.394") && !html.contains("17.904") && !html.contains("<svg"), "no coordinates");
    assert!(!html.contains("boende@example.se") && !html.contains("Något syns"), "no personal data");
    let page = app.get_as(Role::Public, &format!("/public/reports/{hidden}")).await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);

    let (shown, _) = make(&app, "klotter-ovrigt").await;
    let page = app.get_as(Role::Public, &format!("/public/reports/{shown}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("59.39412, 17.90433") && html.contains("<svg") && html.contains("Tensta"));
    assert!(html.contains("Mottagen") && html.contains("Övrigt klotter"));
    assert!(!html.contains("boende@example.se") && !html.contains("Något syns"), "no personal data");
    for missing in
        ["/public/reports/999999", "/public/reports/abc", "/r/unknown", &format!("/r/{}", "f".repeat(64))]
    {
        assert_eq!(app.get_as(Role::Public, missing).await.status(), StatusCode::NOT_FOUND, "{missing}");
    }
}

#[tokio::test]
async fn a_second_report_nearby_is_told_about_the_first() {
    let app = App::start().await;
    let (first, _) = make(&app, "klotter-ovrigt").await;
    let (_, token) = make(&app, "klotter-ovrigt").await;
    let html = app.get_as(Role::Public, &format!("/r/{token}?new=1")).await.text().await.unwrap();
    assert!(html.contains("En liknande rapport finns redan"));
    assert!(html.contains(&format!("href=\"/public/reports/{first}\"")));
    let (_, alone) = make(&app, "klotter-krankande").await;
    let html = app.get_as(Role::Public, &format!("/r/{alone}?new=1")).await.text().await.unwrap();
    assert!(!html.contains("En liknande rapport finns redan"), "other categories do not count");
}

#[tokio::test]
async fn the_form_and_follow_page_speak_english() {
    let app = App::start().await;
    let html = app.get_as(Role::Public, "/report?lang=en").await.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">") && html.contains("<h1>Report a problem</h1>"));
    assert!(html.contains("<optgroup label=\"Graffiti\">") && html.contains(">Other graffiti</option>"));
    assert!(html.contains(">Tensta centrum</option>"), "the seeded places are listed");
    assert!(html.contains("autocomplete=\"email\"") && html.contains("enctype=\"multipart/form-data\""));
    assert!(html.contains("<script src=\"/static/report.js\" defer></script>"));
    let swedish = app.get_as(Role::Public, "/report").await.text().await.unwrap();
    assert!(swedish.contains("<optgroup label=\"Klotter\">") && swedish.contains(">Övrigt klotter</option>"));
    assert!(swedish.contains("href=\"/report\" aria-current=\"page\">Rapportera ett problem</a>"));
    let (id, token) = make(&app, "klotter-ovrigt").await;
    let fixed =
        Change { actor: "system".into(), state: Some(ReportState::Fixed), public: true, ..Change::default() };
    app.store.change_report(id, &fixed).await.unwrap();
    let html = app.get_as(Role::Public, &format!("/r/{token}?lang=en")).await.text().await.unwrap();
    assert!(html.contains("Fixed") && html.contains("Other graffiti") && html.contains("Reopen the report"));
    let js = app.get_as(Role::Public, "/static/report.js").await;
    assert_eq!(js.headers()[CONTENT_TYPE], "text/javascript; charset=utf-8");
    assert!(js.text().await.unwrap().contains("geolocation"));
}
