//! Rapid action end to end, as issue 3 states it: a resident reports
//! graffiti at Tensta centrum on the public form; the property owner
//! responsible for that zone gets an e-mail over real SMTP; the owner
//! acknowledges and fixes it in its queue; the resident's link shows
//! "Åtgärdad"; and the figures move.

use crate::harness::App;
use crate::mail::{SmtpSink, smtp_config};
use crate::reports_public::{graffiti, now_local, post_report, token_of, visitor};
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use trygg_core::{Code, Email, ReportState, Role};
use trygg_store::now_ms;
use trygg_store::testing::TestDb;

async fn fixed_graffiti(app: &App) -> i64 {
    let figures =
        app.store.report_figures(&[], now_ms() - 86_400_000, now_ms() + 60_000, now_ms(), false).await;
    figures.unwrap().iter().filter(|f| f.category.as_str() == "klotter-ovrigt").map(|f| f.fixed).sum()
}

async fn resident_to_owner_and_back(db: TestDb) {
    let sink = SmtpSink::start().await;
    let app = App::with_config(db, smtp_config(sink.port)).await;
    let owner = Code::new("fastighetsagare-tensta-centrum").unwrap();
    app.store.set_partner_email(&owner, Some(&Email::new("felanmalan@agare.test").unwrap())).await.unwrap();
    app.store.set_user_partner("test", app.users[&Role::Partner], Some(&owner)).await.unwrap();
    assert_eq!(fixed_graffiti(&app).await, 0);

    // The resident reports, without signing in.
    let (cookie, csrf) = visitor(&app).await;
    let seen = now_local();
    let token = token_of(&post_report(&app, &cookie, &graffiti(&csrf, &seen), &[]).await);
    let report = app.store.report_by_token(&token).await.unwrap().expect("stored");

    // The owner is told by e-mail, with a link to the report.
    let mail = sink.wait_for(1).await;
    assert_eq!(mail[0].to, vec!["felanmalan@agare.test".to_owned()]);
    assert!(mail[0].data.contains(&format!("/reports/{}", report.id)), "{}", mail[0].data);

    // It is in the owner's queue; the owner acknowledges and fixes it.
    let queue = app.get_as(Role::Partner, "/reports").await.text().await.unwrap();
    assert!(queue.contains(&format!("href=\"/reports/{}\"", report.id)));
    let path = format!("/reports/{}", report.id);
    for (state, note) in [("acknowledged", "Vi sanerar i morgon."), ("fixed", "Klottret är borta.")] {
        let res = app
            .post_form_as(Role::Partner, &path, &[("state", state), ("note", note), ("public", "on")])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{state}");
    }
    assert_eq!(app.store.report(report.id).await.unwrap().unwrap().state, ReportState::Fixed);

    // The resident's link says it is fixed; the figures moved.
    let follow =
        app.client.get(app.url(&format!("/r/{token}"))).header(COOKIE, &cookie).send().await.unwrap();
    let follow = follow.text().await.unwrap();
    assert!(follow.contains("Åtgärdad") && follow.contains("Klottret är borta."), "{follow}");
    assert_eq!(fixed_graffiti(&app).await, 1);
    let figures = app.get_as(Role::Coordinator, "/reports/figures").await;
    assert_eq!(figures.status(), StatusCode::OK);
    assert!(figures.text().await.unwrap().contains("Övrigt klotter"));
}

#[tokio::test]
async fn a_residents_graffiti_report_reaches_the_owner_and_comes_back_fixed() {
    resident_to_owner_and_back(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn the_rapid_action_flow_works_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        resident_to_owner_and_back(db).await;
    }
}
