//! The tertial report: indicators against targets and the measures' status
//! from the stored figures, the approvals stated, the annual situation
//! report inside tertial 2, roles and bad input.

use crate::harness::App;
use jiff::civil::date;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use trygg_core::{ApprovalStage, Code, EvidenceBase, MeasureStatus, Period, PlanKind, Role};
use trygg_store::{EnteredValue, MeasureInput, NewPlan};

/// A plan with two measures in Järva, one reported green in 2026-T1, a value
/// and a target of the seeded crime indicator, and both approvals.
async fn followed_up(app: &App) -> (i64, i64) {
    let jarva = Code::new("jarva").unwrap();
    let plan = app
        .store
        .create_plan(
            "test",
            &NewPlan {
                kind: PlanKind::Overall,
                parent_id: None,
                strategy: Code::new("jarva-2020-2025").unwrap(),
                name: "Övergripande handlingsplan Järva".into(),
                unit: None,
                area: jarva.clone(),
                valid_from: date(2025, 1, 1),
                valid_to: date(2025, 12, 31),
            },
        )
        .await
        .unwrap();
    let measure = |name: &str| MeasureInput {
        plan_id: plan.id,
        name: name.into(),
        goal: "Halvera klotter vid Tensta centrum till december".into(),
        starts: date(2025, 1, 1),
        ends: date(2025, 12, 31),
        owner: "Stadsdelsförvaltningen".into(),
        working_group: String::new(),
        partners: String::new(),
        hours: None,
        money: None,
        staff: None,
        competence: String::new(),
        follow_up: "Felanmälningar per månad".into(),
        direction: None,
        working_method: None,
        evidence_base: EvidenceBase::Promising,
        evidence_reference: String::new(),
        place: None,
        comparison_area: None,
    };
    let a = app.store.create_measure("test", &measure("Snabb klottersanering")).await.unwrap();
    let b = app.store.create_measure("test", &measure("Trygghetsvandringar")).await.unwrap();
    let t2 = Period::Tertial(2025, 2);
    app.store
        .report_followup(a.id, t2, MeasureStatus::Green, "Sanerat inom 24 timmar.", "test")
        .await
        .unwrap();
    let code = Code::new("brott-samtliga").unwrap();
    assert!(app.store.indicator(&code).await.unwrap().is_some(), "seeded with Järva");
    app.store
        .enter_indicator_value(
            "test",
            &EnteredValue {
                indicator: code.clone(),
                area: jarva.clone(),
                period: t2,
                group: "all".into(),
                value: 42.5,
                numerator: None,
                denominator: None,
                source: "Testkälla".into(),
            },
        )
        .await
        .unwrap();
    app.store.set_indicator_target("test", &code, &jarva, t2, 40.0).await.unwrap();
    app.store.approve_tertial(&jarva, t2, ApprovalStage::Preparation, "test").await.unwrap();
    app.store.approve_tertial(&jarva, t2, ApprovalStage::Steering, "test").await.unwrap();
    (a.id, b.id)
}

#[tokio::test]
async fn the_tertial_report_shows_the_approved_figures() {
    let app = App::start().await;
    followed_up(&app).await;
    let res = app.get_as(Role::Steering, "/tertial?area=jarva&period=2025-T2").await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert!(body.contains("Tertialrapport Järva 2025-T2"));
    assert!(body.contains("låsta"), "the lock is stated");
    assert!(body.contains("Snabb klottersanering") && body.contains("Grön"));
    assert!(body.contains("Trygghetsvandringar") && body.contains("Ej rapporterad"));
    assert!(
        body.contains(
            "2 åtgärder pågår under tertialet: 1 gröna, 0 gula och 0 röda; 1 har inte rapporterats."
        )
    );
    let summary =
        body.lines().find(|l| l.contains("indikatorer med målvärde")).unwrap_or_default().to_owned();
    assert!(summary.contains("0 av 1 indikatorer med målvärde når målet."), "42.5 against 40: {summary}");
    assert!(body.contains("Lägesbild 2024: "), "tertial 2 carries the previous year's situation report");

    let json = app.get_as(Role::Member, "/tertial/download?area=jarva&period=2025-T2&format=json").await;
    assert_eq!(json.status(), StatusCode::OK);
    let doc: trygg_report::doc::Doc = json.json().await.unwrap();
    let ids: Vec<&str> = doc.sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(&ids[..3], ["summary", "indicators", "measures"]);
    assert!(ids.contains(&"annual-hotspots"));
    let mut table_ids: Vec<&str> = doc.tables().map(|t| t.id.as_str()).collect();
    let n = table_ids.len();
    table_ids.sort();
    table_ids.dedup();
    assert_eq!(table_ids.len(), n, "table ids stay unique with the annual report inside");
}

#[tokio::test]
async fn tertial_one_has_no_annual_report_and_publishing_keeps_a_version() {
    let app = App::start().await;
    let res = app.get_as(Role::Coordinator, "/tertial?area=jarva&period=2025-T1").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!res.text().await.unwrap().contains("Lägesbild 2024: "));
    let res = app
        .post_form_as(Role::Coordinator, "/tertial/publish", &[("area", "jarva"), ("period", "2025-T1")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()[LOCATION].to_str().unwrap().to_owned();
    assert_eq!(app.get_as(Role::Steering, &location).await.status(), StatusCode::OK);
    let list = app.store.snapshots(None).await.unwrap();
    assert_eq!((list.len(), list[0].kind.as_str(), list[0].period.as_str()), (1, "tertial", "2025-T1"));
    let member =
        app.post_form_as(Role::Member, "/tertial/publish", &[("area", "jarva"), ("period", "2025-T1")]).await;
    assert_eq!(member.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn wrong_roles_and_bad_periods_are_refused() {
    let app = App::start().await;
    for role in [Role::Partner, Role::SocialServices] {
        assert_eq!(
            app.get_as(role, "/tertial?area=jarva&period=2025-T2").await.status(),
            StatusCode::FORBIDDEN
        );
    }
    assert!(app.get_as(Role::Public, "/tertial").await.status().is_redirection());
    for path in [
        "/tertial?area=jarva&period=2025",
        "/tertial?area=jarva&period=2031-T1",
        "/tertial?area=nowhere&period=2025-T1",
    ] {
        assert_eq!(app.get_as(Role::Admin, path).await.status(), StatusCode::BAD_REQUEST, "{path}");
    }
}
