//! Safety walks in the browser: who may read and write, area scoping, bad
//! input as a clear 400, findings with a re-encoded photo (CSRF checked in
//! the handler), closing as done or declined, sending a finding on as an
//! incident report, and the protocol as HTML and PDF with the reasons for
//! declined findings.

use crate::harness::{App, new_session};
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, Rgb, RgbImage};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use reqwest::{Response, StatusCode};
use trygg_core::{Code, Email, Name, Role};
use trygg_store::{FindingState, NewUser};

const WALK: &[(&str, &str)] = &[
    ("area", "tensta"),
    ("walked_on", "2026-04-20"),
    ("route", "59.3940, 17.9042\n59.3960, 17.9000\n59.3980, 17.8950"),
    ("notes", "Kvällsvandring <script>alert(1)</script>"),
    ("org_0", "Boende i Tensta"),
    ("group_0", "residents"),
    ("women_0", "6"),
    ("men_0", "3"),
    ("other_0", "1"),
    ("org_1", "Lokalpolisområde Järva"),
    ("group_1", "police"),
    ("women_1", "1"),
    ("men_1", "1"),
    ("other_1", ""),
];

fn location(res: &Response) -> String {
    res.headers()[LOCATION].to_str().unwrap().to_owned()
}

/// Records the walk as a member; its id.
async fn walk(app: &App) -> i64 {
    let res = app.post_form_as(Role::Member, "/walks", WALK).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    location(&res).trim_start_matches("/walks/").parse().unwrap()
}

/// A session for a user of `role` who works only in Husby.
async fn husby_user(app: &App, role: Role) -> (String, String) {
    let user = app
        .store
        .create_user(&NewUser {
            email: Email::new(&format!("husby-walk-{}@test.trygg.se", role.as_str().replace('_', "-")))
                .unwrap(),
            name: Name::new("Husby").unwrap(),
            role,
            areas: vec![Code::new("husby").unwrap()],
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$invalid".into(),
        })
        .await
        .unwrap();
    new_session(&app.store, user.id).await
}

fn multipart(fields: &[(&str, &str)], photo: Option<&[u8]>) -> (String, Vec<u8>) {
    let boundary = "----trygg-walk-boundary-91c2";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n").bytes(),
        );
        body.extend(value.bytes());
        body.extend(b"\r\n");
    }
    if let Some(bytes) = photo {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.jpg\"\r\n\
                 Content-Type: image/jpeg\r\n\r\n"
            )
            .bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Posts a multipart form with `cookie`, adding `csrf` unless it is empty.
async fn post_multipart(
    app: &App,
    session: &(String, String),
    path: &str,
    fields: &[(&str, &str)],
    photo: Option<&[u8]>,
) -> Response {
    let mut fields = fields.to_vec();
    if !session.1.is_empty() {
        fields.push(("csrf", session.1.as_str()));
    }
    let (ctype, body) = multipart(&fields, photo);
    app.client
        .post(app.url(path))
        .header(COOKIE, &session.0)
        .header(CONTENT_TYPE, ctype)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// A JPEG with a fake EXIF block carrying a GPS text.
fn jpeg_with_exif() -> Vec<u8> {
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

const FINDING: &[(&str, &str)] = &[
    ("lat", "59.3940"),
    ("lon", "17.9042"),
    ("category", "klotter-ovrigt"),
    ("description", "Klotter på gångtunneln."),
];

fn session(app: &App, role: Role) -> (String, String) {
    app.sessions[&role].clone()
}

#[tokio::test]
async fn readers_read_writers_write_and_others_are_refused() {
    let app = App::start().await;
    let id = walk(&app).await;
    for role in [Role::Admin, Role::Coordinator, Role::Steering, Role::Member] {
        for path in ["/walks".to_owned(), format!("/walks/{id}"), format!("/walks/{id}/protocol")] {
            assert_eq!(app.get_as(role, &path).await.status(), StatusCode::OK, "{role:?} reads {path}");
        }
    }
    for role in [Role::Partner, Role::SocialServices] {
        assert_eq!(app.get_as(role, "/walks").await.status(), StatusCode::FORBIDDEN, "{role:?}");
        assert_eq!(app.get_as(role, &format!("/walks/{id}")).await.status(), StatusCode::FORBIDDEN);
        let res = app.post_form_as(role, "/walks", WALK).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{role:?} may not record");
    }
    let public = app.get_as(Role::Public, "/walks").await;
    assert!(matches!(
        public.status(),
        StatusCode::SEE_OTHER | StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
    ));
    // Steering reads but does not write.
    assert_eq!(app.post_form_as(Role::Steering, "/walks", WALK).await.status(), StatusCode::FORBIDDEN);
    let steering = session(&app, Role::Steering);
    let res = post_multipart(&app, &steering, &format!("/walks/{id}/findings"), FINDING, None).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let page = app.get_as(Role::Steering, &format!("/walks/{id}")).await.text().await.unwrap();
    assert!(!page.contains("/findings\""), "no finding form for a reader");
    let page = app.get_as(Role::Member, &format!("/walks/{id}")).await.text().await.unwrap();
    assert!(page.contains(&format!("action=\"/walks/{id}/findings\"")));
    assert!(page.contains("role=\"img\""), "the map is drawn");
    assert!(!page.contains("<script>alert(1)"), "text is escaped");
    assert!(page.contains("Boende i Tensta") && page.contains("Könsfördelning"));
}

#[tokio::test]
async fn users_only_see_and_change_walks_of_their_areas() {
    let app = App::start().await;
    let id = walk(&app).await;
    let husby = husby_user(&app, Role::Member).await;
    let get = |path: String| {
        let cookie = husby.0.clone();
        let req = app.client.get(app.url(&path)).header(COOKIE, cookie);
        async move { req.send().await.unwrap() }
    };
    assert_eq!(get(format!("/walks/{id}")).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(get(format!("/walks/{id}/protocol")).await.status(), StatusCode::FORBIDDEN);
    let list = get("/walks".to_owned()).await.text().await.unwrap();
    assert!(!list.contains(&format!("/walks/{id}\"")), "the list leaves out other areas");
    let res = post_multipart(&app, &husby, &format!("/walks/{id}/findings"), FINDING, None).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(app.store.walk_findings(id).await.unwrap().is_empty());
    let res = app
        .client
        .post(app.url("/walks"))
        .header(COOKIE, &husby.0)
        .form(&[WALK, &[("csrf", husby.1.as_str())]].concat())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "no walk filed under Tensta from Husby");
}

#[tokio::test]
async fn bad_input_is_a_clear_400() {
    let app = App::start().await;
    let with = |name: &str, value: &'static str| -> Vec<(&'static str, &'static str)> {
        WALK.iter().map(|&(k, v)| if k == name { (k, value) } else { (k, v) }).collect()
    };
    for (name, value, text) in [
        ("route", "59.39, 17.90", "minst två punkter"),
        ("walked_on", "igår", "giltigt datum"),
        ("women_0", "-2", "heltal"),
        ("notes", "Ring 070-123 45 67", "personuppgifter"),
        ("area", "okand", "Okänt område"),
    ] {
        let res = app.post_form_as(Role::Admin, "/walks", &with(name, value)).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{name}");
        assert!(res.text().await.unwrap().contains(text), "{name}: message says {text}");
    }
    assert!(app.store.walks(&[]).await.unwrap().is_empty());
    let id = walk(&app).await;
    let member = session(&app, Role::Member);
    let path = format!("/walks/{id}/findings");
    let bad_lat = [("lat", "north"), ("lon", "17.9"), ("category", "klotter-ovrigt"), ("description", "x")];
    let res = post_multipart(&app, &member, &path, &bad_lat, None).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let group = [("lat", "59.394"), ("lon", "17.9042"), ("category", "klotter"), ("description", "Klotter.")];
    let res = post_multipart(&app, &member, &path, &group, None).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "a category group is refused");
    let res = post_multipart(&app, &member, &path, FINDING, Some(b"not an image at all")).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "not an image");
    let no_csrf = (member.0.clone(), String::new());
    let res = post_multipart(&app, &no_csrf, &path, FINDING, None).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "CSRF checked in the handler");
    assert!(app.store.walk_findings(id).await.unwrap().is_empty(), "nothing stored");
    assert_eq!(
        app.get_as(Role::Member, &format!("/walks/{id}/protocol?format=doc")).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(app.get_as(Role::Member, "/walks/999").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn findings_get_a_reencoded_photo_are_closed_and_reach_the_protocol() {
    let app = App::start().await;
    let id = walk(&app).await;
    let member = session(&app, Role::Member);
    let original = jpeg_with_exif();
    let path = format!("/walks/{id}/findings");
    let res = post_multipart(&app, &member, &path, FINDING, Some(&original)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mut rebuild = FINDING.to_vec();
    rebuild.push(("rebuild", "1"));
    rebuild[3] = ("description", "Mörk gångväg behöver ny belysning.");
    assert_eq!(post_multipart(&app, &member, &path, &rebuild, None).await.status(), StatusCode::SEE_OTHER);
    let findings = app.store.walk_findings(id).await.unwrap();
    assert_eq!(findings.len(), 2);
    let (a, b) = (&findings[0], &findings[1]);
    assert_eq!(a.deadline.to_string(), "2026-10-20");
    assert_eq!(b.deadline.to_string(), "2027-04-20");
    assert!(a.responsible.is_some(), "the routing zones name who answers for it");

    // The photo is re-encoded: a JPEG of the same size, without the EXIF block.
    let stored = app.store.finding_photo(a.id, false).await.unwrap().unwrap();
    assert_eq!((stored.content_type.as_str(), stored.width, stored.height), ("image/jpeg", 32, 24));
    assert_ne!(stored.bytes, original);
    assert!(!stored.bytes.windows(4).any(|w| w == b"Exif") && !stored.bytes.windows(3).any(|w| w == b"GPS"));
    let served = app.get_as(Role::Steering, &format!("/walks/findings/{}/photo", a.id)).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.bytes().await.unwrap().to_vec(), stored.bytes);

    // Close: a as done with a photo, b declined with a reason.
    let close = |fid: i64| format!("/walks/findings/{fid}/close");
    let done = [("outcome", "done"), ("done_on", "2026-06-01")];
    let res = post_multipart(&app, &member, &close(a.id), &done, Some(&original)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let declined = [("outcome", "declined"), ("reason", "")];
    assert_eq!(
        post_multipart(&app, &member, &close(b.id), &declined, None).await.status(),
        StatusCode::BAD_REQUEST
    );
    let declined = [("outcome", "declined"), ("reason", "Gångvägen rivs 2027 enligt detaljplanen.")];
    assert_eq!(
        post_multipart(&app, &member, &close(b.id), &declined, None).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        post_multipart(&app, &member, &close(b.id), &declined, None).await.status(),
        StatusCode::CONFLICT
    );
    let a2 = app.store.finding(a.id).await.unwrap().unwrap();
    assert_eq!((a2.state, a2.has_done_photo), (FindingState::Done, true));
    assert_eq!(app.store.finding(b.id).await.unwrap().unwrap().state, FindingState::Declined);

    // The protocol, HTML and PDF, with the reason why b will not be acted on.
    let res = app.get_as(Role::Steering, &format!("/walks/{id}/protocol")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Gångvägen rivs 2027 enligt detaljplanen."),
        "the declined reason is in the protocol"
    );
    assert!(html.contains("Iakttagelser som inte kommer att åtgärdas"));
    assert!(html.contains("Boende i Tensta") && html.contains("Klotter på gångtunneln."));
    let pdf = app.get_as(Role::Coordinator, &format!("/walks/{id}/protocol?format=pdf")).await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()[CONTENT_TYPE], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
}

#[tokio::test]
async fn a_finding_is_sent_on_as_an_incident_report() {
    let app = App::start().await;
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date().to_string();
    let fields: Vec<(&str, &str)> =
        WALK.iter().map(|&(k, v)| if k == "walked_on" { (k, today.as_str()) } else { (k, v) }).collect();
    let res = app.post_form_as(Role::Coordinator, "/walks", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id: i64 = location(&res).trim_start_matches("/walks/").parse().unwrap();
    let coordinator = session(&app, Role::Coordinator);
    let res = post_multipart(&app, &coordinator, &format!("/walks/{id}/findings"), FINDING, None).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let fid = app.store.walk_findings(id).await.unwrap()[0].id;
    let path = format!("/walks/findings/{fid}/report");
    assert_eq!(app.post_form_as(Role::Steering, &path, &[]).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.post_form_as(Role::Coordinator, &path, &[]).await.status(), StatusCode::SEE_OTHER);
    let report = app.store.finding(fid).await.unwrap().unwrap().report_id.expect("linked to the report");
    let r = app.store.report(report).await.unwrap().unwrap();
    assert_eq!(r.category.as_str(), "klotter-ovrigt");
    assert_eq!(
        app.post_form_as(Role::Coordinator, &path, &[]).await.status(),
        StatusCode::CONFLICT,
        "only once"
    );
    let page = app.get_as(Role::Member, &format!("/walks/{id}")).await.text().await.unwrap();
    assert!(page.contains(&format!("/reports/{report}")));
}

#[tokio::test]
async fn the_offline_scripts_are_served_and_the_pages_use_them() {
    let app = App::start().await;
    let id = walk(&app).await;
    for path in ["/walks/sw.js", "/walks/offline.js"] {
        let res = app.get_as(Role::Public, path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/javascript"));
    }
    let sw = app.get_as(Role::Member, "/walks/sw.js").await.text().await.unwrap();
    assert!(sw.contains("indexedDB") && sw.contains("'flush'") && sw.contains("/findings$/"));
    let page = app.get_as(Role::Member, &format!("/walks/{id}")).await.text().await.unwrap();
    assert!(page.contains("<script src=\"/walks/offline.js\" defer></script>"));
    assert!(page.contains("id=\"offline-status\"") && page.contains("sparade på den här enheten"));
    assert!(page.contains("id=\"locate\""), "the position button of the report form's script");
}

#[tokio::test]
async fn a_finding_is_proposed_as_part_of_a_measure() {
    use jiff::civil::date;
    use trygg_core::{EvidenceBase, PlanKind};
    use trygg_store::{MeasureInput, NewPlan};
    let app = App::start().await;
    let plan = app
        .store
        .create_plan(
            "test",
            &NewPlan {
                kind: PlanKind::Overall,
                parent_id: None,
                strategy: Code::new("jarva-2020-2025").unwrap(),
                name: "Handlingsplan Järva".into(),
                unit: None,
                area: Code::new("jarva").unwrap(),
                valid_from: date(2025, 1, 1),
                valid_to: date(2025, 12, 31),
            },
        )
        .await
        .unwrap();
    let measure = app
        .store
        .create_measure(
            "test",
            &MeasureInput {
                plan_id: plan.id,
                name: "Bättre belysning".into(),
                goal: "Alla armaturer fungerar".into(),
                starts: date(2025, 1, 1),
                ends: date(2025, 12, 31),
                owner: "Trafikkontoret".into(),
                working_group: String::new(),
                partners: String::new(),
                hours: None,
                money: None,
                staff: None,
                competence: String::new(),
                follow_up: "Felanmälningar".into(),
                direction: None,
                working_method: None,
                evidence_base: EvidenceBase::Proven,
                evidence_reference: String::new(),
                place: None,
                comparison_area: None,
            },
        )
        .await
        .unwrap();
    let id = walk(&app).await;
    let member = session(&app, Role::Member);
    let res = post_multipart(&app, &member, &format!("/walks/{id}/findings"), FINDING, None).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let fid = app.store.walk_findings(id).await.unwrap()[0].id;
    let page = app.get_as(Role::Member, &format!("/walks/{id}")).await.text().await.unwrap();
    assert!(page.contains("Bättre belysning"), "the measures of the plans covering the area are offered");
    let path = format!("/walks/findings/{fid}/measure");
    let wanted = measure.id.to_string();
    assert_eq!(
        app.post_form_as(Role::Steering, &path, &[("measure", &wanted)]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_form_as(Role::Member, &path, &[("measure", "999")]).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.post_form_as(Role::Member, &path, &[("measure", &wanted)]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.store.finding(fid).await.unwrap().unwrap().measure_id, Some(measure.id));
    let page = app.get_as(Role::Member, &format!("/walks/{id}")).await.text().await.unwrap();
    assert!(page.contains(&format!("/measures/{}", measure.id)));
}
