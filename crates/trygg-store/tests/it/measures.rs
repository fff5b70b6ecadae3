//! Action plans and measures: validation against the strategy, links to
//! causes, indicators and perspectives, auditing, and every warning of the
//! golden thread triggered and then cleared.

use trygg_core::{
    Area, AreaLevel, Code, Date, ElementKind, EvidenceBase, Name, Partner, PartnerKind, Period, PlanKind,
    StrategyElement, StrategyVersion,
};
use trygg_store::testing::execute_raw;
use trygg_store::{
    MeasureFacts, MeasureInput, NewPlan, Store, StoreError, ThreadFacts, ValueFact, WarningKind,
    thread_warnings_of,
};

fn code(s: &str) -> Code {
    Code::new(s).unwrap()
}

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

/// A day in 2025-T3: the last completed tertials are 2025-T2 and 2025-T1, the one before 2024-T3.
fn today() -> Date {
    date("2025-10-15")
}

async fn raw(store: &Store, sql: &str) {
    execute_raw(store, sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Järva, Tensta and Husby, the strategy with two perspectives and one partner.
async fn fixture(store: &Store) {
    for (c, n) in [("jarva", "Järva"), ("tensta", "Tensta"), ("husby", "Husby")] {
        store.upsert_area(&Area::new(code(c), Name::new(n).unwrap(), AreaLevel::DistrictArea)).await.unwrap();
    }
    let element = |kind, c: &str| StrategyElement {
        kind,
        code: code(c),
        name: Name::new(c).unwrap(),
        description: String::new(),
    };
    store
        .upsert_strategy(&StrategyVersion {
            code: code("jarva-2020-2025"),
            name: Name::new("Trygghetsstrategi").unwrap(),
            valid_from: date("2020-01-01"),
            valid_to: date("2025-12-31"),
            areas: vec![code("jarva")],
            elements: vec![
                element(ElementKind::Direction, "trygg-stadsmiljo"),
                element(ElementKind::WorkingMethod, "samverkan"),
                element(ElementKind::Perspective, "jamstalldhet"),
                element(ElementKind::Perspective, "barnratt"),
            ],
        })
        .await
        .unwrap();
    store
        .upsert_partner(&Partner {
            code: code("svenska-bostader"),
            name: Name::new("Svenska Bostäder").unwrap(),
            kind: PartnerKind::CityCompany,
        })
        .await
        .unwrap();
}

fn overall() -> NewPlan {
    NewPlan {
        kind: PlanKind::Overall,
        parent_id: None,
        strategy: code("jarva-2020-2025"),
        name: "Övergripande handlingsplan".into(),
        unit: None,
        area: code("jarva"),
        valid_from: date("2024-01-01"),
        valid_to: date("2025-12-31"),
    }
}

fn input(plan_id: i64) -> MeasureInput {
    MeasureInput {
        plan_id,
        name: "Trygghetsvandringar".into(),
        goal: "Fyra vandringar per år".into(),
        starts: date("2024-06-01"),
        ends: date("2025-12-31"),
        owner: "Stadsdelsförvaltningen".into(),
        working_group: "Arbetsgrupp Tensta".into(),
        partners: "Polisen".into(),
        hours: Some(120.0),
        money: Some(50_000.0),
        staff: Some(0.5),
        competence: "Platsanalys".into(),
        follow_up: "Antal vandringar".into(),
        direction: Some(code("trygg-stadsmiljo")),
        working_method: Some(code("samverkan")),
        evidence_base: EvidenceBase::Promising,
        evidence_reference: "Brå 2021".into(),
        place: Some(code("tensta")),
        comparison_area: Some(code("husby")),
    }
}

fn field_of(e: StoreError) -> &'static str {
    match e {
        StoreError::Invalid(i) => i.field,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

async fn plans_are_checked_and_audited(store: Store) {
    fixture(&store).await;
    let plan = store.create_plan("user:1", &overall()).await.unwrap();
    assert_eq!((plan.kind, plan.parent_id, plan.unit.clone()), (PlanKind::Overall, None, None));
    let bad = |f: fn(&mut NewPlan)| {
        let mut p = overall();
        f(&mut p);
        p
    };
    let cases: [(NewPlan, &str); 6] = [
        (bad(|p| p.parent_id = Some(1)), "parent"),
        (bad(|p| p.valid_to = date("2026-06-30")), "valid_to"),
        (bad(|p| p.valid_from = date("2025-12-31")), ""), // one day: accepted
        (bad(|p| p.strategy = code("okand")), "strategy"),
        (bad(|p| p.name = "  ".into()), "name"),
        (bad(|p| p.area = code("nowhere")), "area"),
    ];
    for (p, field) in cases {
        let got = store.create_plan("user:1", &p).await;
        if field.is_empty() {
            got.unwrap();
        } else {
            assert_eq!(field_of(got.unwrap_err()), field);
        }
    }
    let reversed = NewPlan { valid_from: date("2025-06-01"), valid_to: date("2025-01-01"), ..overall() };
    assert_eq!(field_of(store.create_plan("user:1", &reversed).await.unwrap_err()), "valid_to");
    let unit = NewPlan {
        kind: PlanKind::Unit,
        parent_id: Some(plan.id),
        unit: Some(code("svenska-bostader")),
        name: "Svenska Bostäders handlingsplan".into(),
        ..overall()
    };
    let orphan = NewPlan { parent_id: None, ..unit.clone() };
    assert_eq!(field_of(store.create_plan("user:1", &orphan).await.unwrap_err()), "parent");
    let stranger = NewPlan { unit: Some(code("okand")), ..unit.clone() };
    assert_eq!(field_of(store.create_plan("user:1", &stranger).await.unwrap_err()), "unit");
    let unit = store.create_plan("user:1", &unit).await.unwrap();
    let under_unit = NewPlan { parent_id: Some(unit.id), ..unit_plan(&unit) };
    assert_eq!(field_of(store.create_plan("user:1", &under_unit).await.unwrap_err()), "parent");
    let listed = store.plans(&[code("jarva")]).await.unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed.last().unwrap(), &unit, "overall plans first");
    assert!(store.plans(&[code("tensta")]).await.unwrap().is_empty());
    assert_eq!(store.plan(unit.id).await.unwrap().unwrap().unit, Some(code("svenska-bostader")));
    assert!(store.plan(unit.id + 100).await.unwrap().is_none());
    let audit = store.audit_entries(20).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "plan.create").count(), 3);
}

fn unit_plan(p: &trygg_store::Plan) -> NewPlan {
    NewPlan {
        kind: PlanKind::Unit,
        parent_id: Some(p.id),
        strategy: p.strategy.clone(),
        name: "Under".into(),
        unit: Some(code("svenska-bostader")),
        area: p.area.clone(),
        valid_from: p.valid_from,
        valid_to: p.valid_to,
    }
}

/// A change that makes a measure invalid.
type Change = fn(&mut MeasureInput);

async fn measures_are_checked_linked_and_audited(store: Store) {
    fixture(&store).await;
    let plan = store.create_plan("user:1", &overall()).await.unwrap();
    let m = store.create_measure("user:2", &input(plan.id)).await.unwrap();
    assert_eq!((m.plan_id, m.area.as_str(), m.hours, m.staff), (plan.id, "jarva", Some(120.0), Some(0.5)));
    assert_eq!(m.place, Some(code("tensta")));
    assert!(m.causes.is_empty() && m.indicators.is_empty() && m.perspectives.is_empty());
    let cases: [(Change, &str); 8] = [
        (|i| i.ends = date("2024-01-01"), "ends"),
        (|i| i.direction = Some(code("samverkan")), "direction"),
        (|i| i.working_method = Some(code("okand")), "working_method"),
        (|i| i.hours = Some(-1.0), "hours"),
        (|i| i.money = Some(f64::NAN), "money"),
        (|i| i.goal = " ".into(), "goal"),
        (|i| i.comparison_area = Some(code("tensta")), "comparison_area"),
        (|i| i.place = Some(code("nowhere")), "place"),
    ];
    for (f, field) in cases {
        let mut bad = input(plan.id);
        f(&mut bad);
        assert_eq!(field_of(store.create_measure("user:2", &bad).await.unwrap_err()), field);
        assert_eq!(field_of(store.update_measure("user:2", m.id, &bad).await.unwrap_err()), field);
    }
    let no_plan = MeasureInput { plan_id: plan.id + 100, ..input(plan.id) };
    assert_eq!(field_of(store.create_measure("user:2", &no_plan).await.unwrap_err()), "plan");
    let changed = MeasureInput {
        name: "  Fler vandringar  ".into(),
        hours: None,
        place: None,
        comparison_area: None,
        direction: None,
        ..input(plan.id)
    };
    let m2 = store.update_measure("user:2", m.id, &changed).await.unwrap();
    assert_eq!(
        (m2.name.as_str(), m2.hours, m2.place.clone(), m2.direction.clone()),
        ("Fler vandringar", None, None, None)
    );
    assert!(matches!(
        store.update_measure("user:2", m.id + 100, &changed).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(m2.input().name, "Fler vandringar");

    raw(&store, PROBLEM_SQL).await;
    raw(&store, &cause_sql(1)).await;
    raw(&store, &indicator_sql("brott", None)).await;
    store.link_cause("user:2", m.id, 1).await.unwrap();
    store.link_cause("user:2", m.id, 1).await.unwrap();
    assert_eq!(field_of(store.link_cause("user:2", m.id, 99).await.unwrap_err()), "cause");
    store.link_indicator("user:2", m.id, &code("brott")).await.unwrap();
    assert_eq!(
        field_of(store.link_indicator("user:2", m.id, &code("okand")).await.unwrap_err()),
        "indicator"
    );
    assert!(matches!(store.link_cause("user:2", m.id + 100, 1).await, Err(StoreError::NotFound { .. })));
    store.set_perspective("user:2", m.id, &code("barnratt"), "Barn intervjuades").await.unwrap();
    store.set_perspective("user:2", m.id, &code("barnratt"), "Barn och unga intervjuades").await.unwrap();
    let wrong = store.set_perspective("user:2", m.id, &code("samverkan"), "x").await.unwrap_err();
    assert_eq!(field_of(wrong), "perspective");
    let linked = store.measure(m.id).await.unwrap().unwrap();
    assert_eq!(linked.causes, [1]);
    assert_eq!(linked.indicators, [code("brott")]);
    assert_eq!(linked.perspectives, [(code("barnratt"), "Barn och unga intervjuades".to_owned())]);
    assert_eq!(store.measures_for_cause(1).await.unwrap().iter().map(|m| m.id).collect::<Vec<_>>(), [m.id]);
    assert_eq!(store.measures(&[code("jarva")]).await.unwrap().len(), 1);
    assert!(store.measures(&[code("tensta")]).await.unwrap().is_empty());
    assert_eq!(store.plan_measures(plan.id).await.unwrap().len(), 1);
    store.unlink_cause("user:2", m.id, 1).await.unwrap();
    store.unlink_indicator("user:2", m.id, &code("brott")).await.unwrap();
    store.set_perspective("user:2", m.id, &code("barnratt"), " ").await.unwrap();
    let bare = store.measure(m.id).await.unwrap().unwrap();
    assert!(bare.causes.is_empty() && bare.indicators.is_empty() && bare.perspectives.is_empty());
    assert!(store.measures_for_cause(1).await.unwrap().is_empty());
    let audit = store.audit_entries(50).await.unwrap();
    for action in [
        "measure.create",
        "measure.update",
        "measure.link_cause",
        "measure.unlink_cause",
        "measure.link_indicator",
        "measure.unlink_indicator",
        "measure.perspective",
    ] {
        assert!(
            audit.iter().any(|e| e.action == action && e.record == format!("measure:{}", m.id)),
            "{action} audited"
        );
    }
    assert!(
        !audit
            .iter()
            .any(|e| e.action.starts_with("measure.") && e.record.ends_with(&format!(":{}", m.id + 100)))
    );
}

async fn follow_up_rows_and_the_latest_tertial(store: Store) {
    fixture(&store).await;
    let plan = store.create_plan("user:1", &overall()).await.unwrap();
    let m = store.create_measure("user:2", &input(plan.id)).await.unwrap();
    for (period, status) in [("2025-T1", "green"), ("2024-T3", "red"), ("2025-T2", "yellow")] {
        raw(
            &store,
            &format!(
                "INSERT INTO measure_followups (measure_id, period, status, comment, reported_by, reported_at) \
                 VALUES ({}, '{period}', '{status}', 'ok', 'user:2', 1)",
                m.id
            ),
        )
        .await;
    }
    let rows = store.measure_followup_rows(&[m.id]).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.period.as_str()).collect::<Vec<_>>(), ["2024-T3", "2025-T1", "2025-T2"]);
    let latest = store.latest_followups(&[m.id]).await.unwrap();
    assert_eq!(latest[&m.id].period, "2025-T2");
    assert_eq!(latest[&m.id].status, trygg_core::MeasureStatus::Yellow);
    assert!(store.measure_followup_rows(&[m.id + 1]).await.unwrap().is_empty());
}

const PROBLEM_SQL: &str = "INSERT INTO problems (area, title, what, place, time, affected, priority, closed, \
     created_by, created_at, updated_at) VALUES ('jarva', 'Rån vid torget', 'Rån', 'Torget', 'Kvällar', \
     'Unga', 1, 0, 'user:1', 0, 0)";

fn cause_sql(problem: i64) -> String {
    format!(
        "INSERT INTO causes (problem_id, kind, position, text, created_by, created_at) \
         VALUES ({problem}, 'place', 0, 'Dålig belysning', 'user:1', 0)"
    )
}

fn indicator_sql(c: &str, baseline: Option<f64>) -> String {
    let b = baseline.map_or("NULL".to_owned(), |b| b.to_string());
    format!(
        "INSERT INTO indicators (code, name_sv, name_en, numerator, factor, source, cadence, polarity, \
         baseline_value, baseline_period) VALUES ('{c}', 'Brott', 'Crime', 'brott', 'per_1000', 'crime', \
         'tertial', 'lower_is_better', {b}, NULL)"
    )
}

fn value_sql(indicator: &str, area: &str, period: &str, value: f64) -> String {
    format!(
        "INSERT INTO indicator_values (indicator, area, period, grp, value, origin, source, entered_by, \
         entered_at) VALUES ('{indicator}', '{area}', '{period}', 'all', {value}, 'entered', 'test', 'user:1', 0) \
         ON CONFLICT (indicator, area, period, grp) DO UPDATE SET value = excluded.value"
    )
}

/// A plan with one measure that addresses a cause of a problem, has an
/// indicator with baseline and target, and has considered both perspectives:
/// no warnings. Returns the measure's id.
async fn clean_thread(store: &Store) -> i64 {
    fixture(store).await;
    let plan = store.create_plan("user:1", &overall()).await.unwrap();
    let m = store.create_measure("user:2", &input(plan.id)).await.unwrap();
    raw(store, PROBLEM_SQL).await;
    raw(store, &cause_sql(1)).await;
    raw(store, &indicator_sql("brott", Some(40.0))).await;
    raw(store, "INSERT INTO indicator_targets (indicator, area, period, value) VALUES ('brott', 'jarva', '2025', 35)")
        .await;
    store.link_cause("user:2", m.id, 1).await.unwrap();
    store.link_indicator("user:2", m.id, &code("brott")).await.unwrap();
    for p in ["jamstalldhet", "barnratt"] {
        store.set_perspective("user:2", m.id, &code(p), "Beaktat i planeringen").await.unwrap();
    }
    assert_eq!(kinds(store).await, [], "the clean thread has no warnings");
    m.id
}

async fn kinds(store: &Store) -> Vec<WarningKind> {
    store.thread_warnings_on(&[code("jarva")], today()).await.unwrap().into_iter().map(|w| w.kind).collect()
}

async fn warns_of_a_measure_without_cause(store: Store) {
    let m = clean_thread(&store).await;
    store.unlink_cause("user:2", m, 1).await.unwrap();
    let w = store.thread_warnings_on(&[code("jarva")], today()).await.unwrap();
    let kinds: Vec<_> = w.iter().map(|w| w.kind).collect();
    assert_eq!(kinds, [WarningKind::MeasureWithoutCause, WarningKind::ProblemWithoutMeasure]);
    assert_eq!(w[0].measure_id, Some(m));
    assert_eq!(w[1].problem_id, Some(1));
    assert!(store.thread_warnings_on(&[code("tensta")], today()).await.unwrap().is_empty(), "other areas");
    store.link_cause("user:2", m, 1).await.unwrap();
    assert_eq!(self::kinds(&store).await, []);
}

async fn warns_of_a_problem_without_measure(store: Store) {
    clean_thread(&store).await;
    raw(&store, PROBLEM_SQL).await;
    raw(&store, &cause_sql(2)).await;
    let w = store.thread_warnings_on(&[code("jarva")], today()).await.unwrap();
    assert_eq!(w.len(), 1);
    assert_eq!((w[0].kind, w[0].problem_id), (WarningKind::ProblemWithoutMeasure, Some(2)));
    raw(&store, "UPDATE problems SET closed = 1 WHERE id = 2").await;
    assert_eq!(kinds(&store).await, [], "a closed problem needs no measure");
    raw(&store, "UPDATE problems SET closed = 0 WHERE id = 2").await;
    assert_eq!(kinds(&store).await, [WarningKind::ProblemWithoutMeasure]);
    let plan = store.plans(&[]).await.unwrap()[0].id;
    let other = store.create_measure("user:2", &input(plan)).await.unwrap();
    store.link_cause("user:2", other.id, 2).await.unwrap();
    let left = kinds(&store).await;
    assert!(!left.contains(&WarningKind::ProblemWithoutMeasure), "{left:?}");
}

async fn warns_of_a_measure_without_indicator(store: Store) {
    let m = clean_thread(&store).await;
    store.unlink_indicator("user:2", m, &code("brott")).await.unwrap();
    let w = store.thread_warnings_on(&[code("jarva")], today()).await.unwrap();
    assert_eq!(
        w.iter().map(|w| (w.kind, w.measure_id)).collect::<Vec<_>>(),
        [(WarningKind::MeasureWithoutIndicator, Some(m))]
    );
    store.link_indicator("user:2", m, &code("brott")).await.unwrap();
    assert_eq!(kinds(&store).await, []);
}

async fn warns_of_perspectives_not_considered(store: Store) {
    let m = clean_thread(&store).await;
    store.set_perspective("user:2", m, &code("barnratt"), "").await.unwrap();
    let w = store.thread_warnings_on(&[code("jarva")], today()).await.unwrap();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].kind, WarningKind::PerspectivesNotConsidered);
    assert_eq!(w[0].missing, [code("barnratt")]);
    store.set_perspective("user:2", m, &code("barnratt"), "Barnkonsekvensanalys gjord").await.unwrap();
    assert_eq!(kinds(&store).await, []);
}

async fn warns_of_an_indicator_without_baseline(store: Store) {
    clean_thread(&store).await;
    raw(&store, "UPDATE indicators SET baseline_value = NULL WHERE code = 'brott'").await;
    let w = store.thread_warnings_on(&[code("jarva")], today()).await.unwrap();
    assert_eq!(
        w.iter().map(|w| (w.kind, w.indicator.clone())).collect::<Vec<_>>(),
        [(WarningKind::IndicatorWithoutBaseline, Some(code("brott")))]
    );
    raw(&store, "UPDATE indicators SET baseline_value = 41.5, baseline_period = '2024' WHERE code = 'brott'")
        .await;
    assert_eq!(kinds(&store).await, []);
}

async fn warns_of_an_indicator_without_target(store: Store) {
    clean_thread(&store).await;
    raw(&store, "DELETE FROM indicator_targets").await;
    raw(&store, "INSERT INTO indicator_targets (indicator, area, period, value) VALUES ('brott', 'tensta', '2025', 1)")
        .await;
    let w = store.thread_warnings_on(&[code("jarva")], today()).await.unwrap();
    assert_eq!(
        w.iter().map(|w| (w.kind, w.indicator.clone(), w.area.clone())).collect::<Vec<_>>(),
        [(WarningKind::IndicatorWithoutTarget, Some(code("brott")), code("jarva"))],
        "a target of another area does not count"
    );
    raw(&store, "INSERT INTO indicator_targets (indicator, area, period, value) VALUES ('brott', 'jarva', '2025-T3', 30)")
        .await;
    assert_eq!(kinds(&store).await, []);
}

async fn warns_of_an_indicator_that_does_not_move(store: Store) {
    clean_thread(&store).await;
    for (period, value) in [("2024-T3", 40.0), ("2025-T1", 40.2), ("2025-T2", 39.7)] {
        raw(&store, &value_sql("brott", "jarva", period, value)).await;
    }
    let w = store.thread_warnings_on(&[code("jarva")], today()).await.unwrap();
    assert_eq!(
        w.iter().map(|w| (w.kind, w.indicator.clone())).collect::<Vec<_>>(),
        [(WarningKind::IndicatorNotMoving, Some(code("brott")))]
    );
    // Values of another area and of a later (current) tertial change nothing.
    raw(&store, &value_sql("brott", "tensta", "2025-T2", 10.0)).await;
    raw(&store, &value_sql("brott", "jarva", "2025-T3", 10.0)).await;
    assert_eq!(kinds(&store).await, [WarningKind::IndicatorNotMoving]);
    // Earlier in the year the same values are not yet two completed tertials after 2024-T3.
    let w = store.thread_warnings_on(&[code("jarva")], date("2025-08-31")).await.unwrap();
    assert!(w.is_empty(), "{w:?}");
    raw(&store, &value_sql("brott", "jarva", "2025-T2", 36.0)).await;
    assert_eq!(kinds(&store).await, []);
}

trygg_store::test_on_every_backend!(
    plans_are_checked_and_audited,
    measures_are_checked_linked_and_audited,
    follow_up_rows_and_the_latest_tertial,
    warns_of_a_measure_without_cause,
    warns_of_a_problem_without_measure,
    warns_of_a_measure_without_indicator,
    warns_of_perspectives_not_considered,
    warns_of_an_indicator_without_baseline,
    warns_of_an_indicator_without_target,
    warns_of_an_indicator_that_does_not_move,
);

fn facts(values: &[(&str, f64)], starts: &str) -> ThreadFacts {
    ThreadFacts {
        measures: vec![MeasureFacts {
            id: 1,
            area: code("jarva"),
            starts: date(starts),
            causes: vec![1],
            indicators: vec![code("brott")],
            considered: vec![],
            required: vec![],
        }],
        with_baseline: [code("brott")].into(),
        targets: [(code("brott"), code("jarva"))].into(),
        values: values
            .iter()
            .map(|(p, v)| ValueFact {
                indicator: code("brott"),
                area: code("jarva"),
                period: p.parse::<Period>().unwrap(),
                value: *v,
            })
            .collect(),
        ..ThreadFacts::default()
    }
}

#[test]
fn not_moving_means_both_tertials_within_one_percent_of_the_one_before() {
    let not_moving = |values: &[(&str, f64)], starts: &str| {
        thread_warnings_of(&facts(values, starts), today())
            .iter()
            .any(|w| w.kind == WarningKind::IndicatorNotMoving)
    };
    let three = |a, b, c| [("2024-T3", a), ("2025-T1", b), ("2025-T2", c)];
    assert!(not_moving(&three(100.0, 100.0, 100.0), "2024-01-01"));
    assert!(not_moving(&three(100.0, 101.0, 99.0), "2024-01-01"), "exactly 1 % is not a move");
    assert!(!not_moving(&three(100.0, 100.0, 98.9), "2024-01-01"));
    assert!(!not_moving(&three(100.0, 101.5, 100.0), "2024-01-01"));
    assert!(not_moving(&three(0.0, 0.0, 0.0), "2024-01-01"));
    assert!(!not_moving(&three(0.0, 0.0, 0.1), "2024-01-01"));
    assert!(
        !not_moving(&three(100.0, 100.0, 100.0), "2025-01-02"),
        "the measure started after 2025-T1 began"
    );
    assert!(not_moving(&three(100.0, 100.0, 100.0), "2025-01-01"));
    assert!(!not_moving(&[("2025-T1", 100.0), ("2025-T2", 100.0)], "2024-01-01"), "a missing tertial");
}
