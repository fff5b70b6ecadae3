//! Indicators and the tertial follow-up in the browser: who may read, enter,
//! compute, report, approve and withdraw; areas; bad input as a clear 400;
//! and a locked tertial refusing changes with 409, audited.

use crate::harness::{App, new_session};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use trygg_core::{Code, Email, Name, Role};
use trygg_store::NewUser;
use trygg_store::testing::execute_raw;

/// A Järva plan with one measure running through 2026; returns the measure's id.
async fn measure(app: &App) -> String {
    execute_raw(
        &app.store,
        "INSERT INTO plans (kind, strategy, name, area, valid_from, valid_to, created_by, created_at) \
         VALUES ('overall', 'jarva-2020-2025', 'Övergripande plan', 'jarva', '2026-01-01', '2026-12-31', 't', 1)",
    )
    .await
    .unwrap();
    execute_raw(
        &app.store,
        "INSERT INTO measures (plan_id, name, goal, starts, ends, owner, follow_up, evidence_base, created_by, \
         created_at, updated_at) SELECT MAX(id), 'Belysning Tensta torg', 'Mål', '2026-01-01', '2026-12-31', \
         'Trafikkontoret', 'Indikatorer', 'promising', 't', 1, 1 FROM plans",
    )
    .await
    .unwrap();
    let rows =
        app.store.followup_overview(&Code::new("jarva").unwrap(), "2026-T2".parse().unwrap()).await.unwrap();
    rows[0].measure.id.to_string()
}

/// A session for a user of `role` who works only in Husby.
async fn husby_user(app: &App, role: Role) -> (String, String) {
    let user = app
        .store
        .create_user(&NewUser {
            email: Email::new(&format!("husby-{}@test.trygg.se", role.as_str().replace('_', "-"))).unwrap(),
            name: Name::new("Husby").unwrap(),
            role,
            areas: vec![Code::new("husby").unwrap()],
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$invalid".into(),
        })
        .await
        .unwrap();
    new_session(&app.store, user.id).await
}

async fn audited(app: &App, action: &str) -> usize {
    app.store.audit_entries(1000).await.unwrap().iter().filter(|e| e.action == action).count()
}

#[tokio::test]
async fn staff_read_the_seeded_indicators_and_others_are_refused() {
    let app = App::start().await;
    for role in [Role::Admin, Role::Coordinator, Role::Steering, Role::Member] {
        let res = app.get_as(role, "/indicators?area=jarva").await;
        assert_eq!(res.status(), StatusCode::OK, "{role:?}");
        let body = res.text().await.unwrap();
        assert!(body.contains("Anmälda stöldbrott per 1 000 invånare"), "{role:?}");
        assert!(body.contains("Andel som känner sig otrygga utomhus sent en kväll"));
        assert!(body.contains("inga uppgifter i Trygg ännu"), "safety walks carry a note");
        assert_eq!(body.contains("/indicators/compute"), matches!(role, Role::Admin | Role::Coordinator));
        let detail = app.get_as(role, "/indicators/brott-stold?area=jarva").await;
        assert_eq!(detail.status(), StatusCode::OK);
        let body = detail.text().await.unwrap();
        assert!(body.contains("role=\"img\"") && body.contains("<title"), "an accessible chart");
        assert!(body.contains("Stöldbrott") && body.contains("2026"), "definition and the seeded target");
    }
    for role in [Role::Partner, Role::SocialServices] {
        assert_eq!(app.get_as(role, "/indicators?area=jarva").await.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            app.get_as(role, "/followup?area=jarva&period=2026-T2").await.status(),
            StatusCode::FORBIDDEN
        );
    }
    assert!(app.get_as(Role::Public, "/indicators?area=jarva").await.status().is_redirection());
    assert_eq!(app.get_as(Role::Admin, "/indicators/nope?area=jarva").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn values_and_targets_are_entered_with_their_source() {
    let app = App::start().await;
    let path = "/indicators/trygghetsvandring-6-man/values";
    let form = [
        ("area", "jarva"),
        ("period", "2025"),
        ("group", "all"),
        ("value", "62,5"),
        ("numerator", "25"),
        ("denominator", "40"),
        ("source", "Trygghetsvandringarnas protokoll 2025"),
    ];
    assert_eq!(app.post_form_as(Role::Member, path, &form).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.post_form_as(Role::Steering, path, &form).await.status(), StatusCode::FORBIDDEN);
    let res = app.post_form_as(Role::Coordinator, path, &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/indicators/trygghetsvandring-6-man?area=jarva");
    let body = app
        .get_as(Role::Member, "/indicators/trygghetsvandring-6-man?area=jarva")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("62,5")
            && body.contains("Trygghetsvandringarnas protokoll 2025")
            && body.contains("Inmatat")
    );
    assert_eq!(audited(&app, "indicator.enter").await, 1);

    let bad = [
        (("source", " "), "Ange en källa"),
        (("value", "mycket"), "Ange ett tal"),
        (("period", "2025-T5"), "Ange ett år"),
        (("group", "alla"), "Välj en grupp"),
    ];
    for ((field, value), message) in bad {
        let mut f = form.to_vec();
        f.retain(|(k, _)| *k != field);
        f.push((field, value));
        let res = app.post_form_as(Role::Coordinator, path, &f).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{field}={value}");
        assert!(res.text().await.unwrap().contains(message), "{field}={value}");
    }
    let res = app.post_form_as(Role::Coordinator, "/indicators/compute", &[]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "an empty form is a clear 400");

    let target = [("area", "jarva"), ("period", "2027"), ("value", "70")];
    let res = app.post_form_as(Role::Admin, "/indicators/trygghetsvandring-6-man/targets", &target).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let targets = app
        .store
        .indicator_targets(&Code::new("trygghetsvandring-6-man").unwrap(), &Code::new("jarva").unwrap())
        .await
        .unwrap();
    assert!(targets.iter().any(|t| t.period == "2027" && t.value == 70.0));

    // A coordinator of Husby cannot touch Järva's figures, nor read them.
    let (cookie, _) = husby_user(&app, Role::Coordinator).await;
    let res = app.client.get(app.url("/indicators?area=jarva")).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let own = app.client.get(app.url("/indicators?area=husby")).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(own.status(), StatusCode::OK);
}

#[tokio::test]
async fn computing_values_from_the_store() {
    let app = App::start().await;
    measure(&app).await;
    let form = [("area", "jarva"), ("period", "2026-T2")];
    assert_eq!(
        app.post_form_as(Role::Member, "/indicators/compute", &form).await.status(),
        StatusCode::FORBIDDEN
    );
    let res = app.post_form_as(Role::Coordinator, "/indicators/compute", &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with("/indicators?area=jarva&computed="), "{location}");
    let body = app.get_as(Role::Coordinator, &location).await.text().await.unwrap();
    assert!(body.contains("Beräkningen är klar"));
    // The one measure has not reported: 100 % not reported.
    let values = app
        .store
        .indicator_values(&Code::new("atgarder-status").unwrap(), &Code::new("jarva").unwrap())
        .await
        .unwrap();
    let nr = values.iter().find(|v| v.group == "not-reported").unwrap();
    assert_eq!((nr.value, nr.period.as_str()), (100.0, "2026-T2"));
}

#[tokio::test]
async fn the_tertial_is_reported_approved_in_order_locked_and_unlocked() {
    let app = App::start().await;
    let id = measure(&app).await;
    let page = "/followup?area=jarva&period=2026-T2";
    let body = app.get_as(Role::Steering, page).await.text().await.unwrap();
    assert!(body.contains("Belysning Tensta torg") && body.contains("Ej rapporterad"));
    assert!(body.contains("1 åtgärder har inte rapporterats"));
    assert!(!body.contains("action=\"/followup/report\""), "the steering group does not report");

    let report = |status: &'static str| {
        vec![
            ("area", "jarva"),
            ("period", "2026-T2"),
            ("measure", id.as_str()),
            ("status", status),
            ("comment", "Enligt plan."),
        ]
    };
    let res = app.post_form_as(Role::Steering, "/followup/report", &report("green")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app.post_form_as(Role::Member, "/followup/report", &report("green")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], page);
    let body = app.get_as(Role::Member, page).await.text().await.unwrap();
    assert!(body.contains("Grön: enligt plan") && body.contains("Alla åtgärder har rapporterats"));

    // Bad input.
    for (field, value) in [("status", "blue"), ("period", "2026"), ("measure", "9999"), ("measure", "x")] {
        let mut f = report("green");
        f.retain(|(k, _)| *k != field);
        f.push((field, value));
        let res = app.post_form_as(Role::Member, "/followup/report", &f).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{field}={value}");
    }
    assert_eq!(
        app.get_as(Role::Member, "/followup?area=jarva&period=2026").await.status(),
        StatusCode::BAD_REQUEST
    );

    // Approvals: each stage by its own roles, in order.
    let stage = |s: &'static str| vec![("area", "jarva"), ("period", "2026-T2"), ("stage", s)];
    let res = app.post_form_as(Role::Steering, "/followup/approve", &stage("steering")).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "the preparation group approves first");
    assert!(res.text().await.unwrap().contains("Beredningsgruppen måste godkänna före styrgruppen"));
    assert_eq!(
        app.post_form_as(Role::Steering, "/followup/approve", &stage("preparation")).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_form_as(Role::Member, "/followup/approve", &stage("preparation")).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_form_as(Role::Coordinator, "/followup/approve", &stage("bogus")).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.post_form_as(Role::Coordinator, "/followup/approve", &stage("preparation")).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.post_form_as(Role::Coordinator, "/followup/approve", &stage("preparation")).await.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.post_form_as(Role::Coordinator, "/followup/approve", &stage("steering")).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_form_as(Role::Steering, "/followup/approve", &stage("steering")).await.status(),
        StatusCode::SEE_OTHER
    );
    let body = app.get_as(Role::Coordinator, page).await.text().await.unwrap();
    assert!(body.contains("Tertialet är godkänt av styrgruppen och låst"));
    assert!(!body.contains("action=\"/followup/report\""), "no report form on a locked tertial");

    // Locked: changes are refused with 409 and audited.
    let res = app.post_form_as(Role::Member, "/followup/report", &report("red")).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("Tertialet är låst"));
    assert_eq!(audited(&app, "followup.refused").await, 1);
    let value =
        [("area", "jarva"), ("period", "2026-T2"), ("group", "all"), ("value", "1"), ("source", "Protokoll")];
    let res = app.post_form_as(Role::Coordinator, "/indicators/atgarder-status/values", &value).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = app
        .post_form_as(Role::Coordinator, "/indicators/compute", &[("area", "jarva"), ("period", "2026-T2")])
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(audited(&app, "indicator.refused").await, 2);

    // Withdrawal: the steering group's first, by the allowed roles only.
    assert_eq!(
        app.post_form_as(Role::Coordinator, "/followup/withdraw", &stage("steering")).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_form_as(Role::Steering, "/followup/withdraw", &stage("preparation")).await.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.post_form_as(Role::Steering, "/followup/withdraw", &stage("steering")).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(audited(&app, "tertial.unlock").await, 1);
    assert_eq!(
        app.post_form_as(Role::Steering, "/followup/withdraw", &stage("steering")).await.status(),
        StatusCode::NOT_FOUND
    );
    let res = app.post_form_as(Role::Member, "/followup/report", &report("red")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "unlocked again");
}

#[tokio::test]
async fn follow_up_is_scoped_to_the_users_areas() {
    let app = App::start().await;
    let id = measure(&app).await;
    let (cookie, csrf) = husby_user(&app, Role::Member).await;
    let res = app
        .client
        .get(app.url("/followup?area=jarva&period=2026-T2"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("Du arbetar inte med det området"));
    // Husby's own view does not list Järva's plan, and cannot report its measure.
    let own = app
        .client
        .get(app.url("/followup?area=husby&period=2026-T2"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK);
    assert!(!own.text().await.unwrap().contains("Belysning Tensta torg"));
    for area in ["husby", "jarva"] {
        let form = [
            ("csrf", csrf.as_str()),
            ("area", area),
            ("period", "2026-T2"),
            ("measure", id.as_str()),
            ("status", "green"),
            ("comment", ""),
        ];
        let res = app
            .client
            .post(app.url("/followup/report"))
            .header(COOKIE, &cookie)
            .form(&form)
            .send()
            .await
            .unwrap();
        let expected = if area == "husby" { StatusCode::BAD_REQUEST } else { StatusCode::FORBIDDEN };
        assert_eq!(res.status(), expected, "{area}");
    }
    let members = app.store.followups(id.parse().unwrap()).await.unwrap();
    assert!(members.is_empty());
}

#[tokio::test]
async fn the_list_marks_the_trend_by_polarity_in_both_languages() {
    let app = App::start().await;
    let entered = |code: &str, period: &str, value: f64| trygg_store::EnteredValue {
        indicator: Code::new(code).unwrap(),
        area: Code::new("jarva").unwrap(),
        period: period.parse().unwrap(),
        group: "all".into(),
        value,
        numerator: None,
        denominator: None,
        source: "Test".into(),
    };
    // Thefts fell (lower is better); the share fixed in time fell too (higher is better).
    for (code, period, value) in [
        ("brott-stold", "2024", 35.0),
        ("brott-stold", "2025", 30.5),
        ("brott-stold", "2025-T2", 99.0),
        ("rapporter-atgardade-i-tid", "2025-T2", 80.0),
        ("rapporter-atgardade-i-tid", "2025-T3", 75.0),
    ] {
        app.store.enter_indicator_value("test", &entered(code, period, value)).await.unwrap();
    }
    let body = app.get_as(Role::Member, "/indicators?area=jarva").await.text().await.unwrap();
    assert!(body.contains("30,5 (2025)"), "a yearly indicator shows its latest year, not a tertial");
    assert!(body.contains("↓ Bättre (2024 → 2025)"));
    assert!(body.contains("↓ Sämre (2025-T2 → 2025-T3)"));
    let body = app.get_as(Role::Member, "/indicators?area=jarva&lang=en").await.text().await.unwrap();
    assert!(body.contains("Reported thefts per 1,000 inhabitants") && body.contains("30.5 (2025)"));
    assert!(body.contains("↓ Better (2024 → 2025)") && body.contains("↓ Worse (2025-T2 → 2025-T3)"));
    let detail =
        app.get_as(Role::Member, "/indicators/brott-stold?area=jarva&lang=en").await.text().await.unwrap();
    assert!(detail.contains("Thefts") || detail.contains("thefts"));
    assert!(detail.contains("Entered") && detail.contains("99"), "every value is listed on the page");
}
