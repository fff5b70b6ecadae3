//! Indicators, their computation from hand-made data (crime per 1,000,
//! survey shares, share fixed in time, measures' shares), the tertial
//! follow-up, the order of approvals and the lock, which refuses and
//! audits every change of a locked tertial until the approval is withdrawn.

use trygg_core::{
    ApprovalStage, Area, AreaLevel, AreaParent, Cadence, Code, Factor, IndicatorSource, MeasureStatus, Name,
    Period, Polarity,
};
use trygg_store::testing::execute_raw;
use trygg_store::{
    CrimeCount, EnteredValue, ImportMeta, Indicator, PopulationCount, SkipReason, Store, StoreError,
    SurveyValue, ValueOrigin,
};

fn code(s: &str) -> Code {
    Code::new(s).unwrap()
}

fn period(s: &str) -> Period {
    s.parse().unwrap()
}

fn meta(kind: &str) -> ImportMeta {
    ImportMeta {
        kind: kind.into(),
        source: "test".into(),
        file_name: format!("{kind}.csv"),
        sha256: "ab".into(),
        rejected: 0,
        actor: "test".into(),
        started_at: 1,
    }
}

/// Järva with two districts.
async fn areas(store: &Store) {
    let jarva = Area::new(code("jarva"), Name::new("Järva").unwrap(), AreaLevel::DistrictArea);
    store.upsert_area(&jarva).await.unwrap();
    for d in ["tensta", "rinkeby"] {
        let mut a = Area::new(code(d), Name::new(d).unwrap(), AreaLevel::District);
        a.parents = vec![AreaParent { code: code("jarva"), valid_from: None, valid_to: None }];
        store.upsert_area(&a).await.unwrap();
    }
}

fn indicator(c: &str, source: IndicatorSource, query: &str, factor: Factor) -> Indicator {
    Indicator {
        code: code(c),
        name_sv: format!("Indikator {c}"),
        name_en: format!("Indicator {c}"),
        numerator: "Antal".into(),
        denominator: (factor != Factor::Count).then(|| "Bas".into()),
        factor,
        source,
        query: query.into(),
        disaggregation: "sex,age".into(),
        cadence: Cadence::Tertial,
        polarity: Polarity::LowerIsBetter,
        baseline_value: None,
        baseline_period: None,
    }
}

async fn actions(store: &Store, action: &str) -> Vec<trygg_store::AuditEntry> {
    store.audit_entries(500).await.unwrap().into_iter().filter(|e| e.action == action).collect()
}

async fn definitions_are_validated_and_round_trip(store: Store) {
    let mut i = indicator("brott-stold", IndicatorSource::Crime, "Stöldbrott", Factor::Per1000);
    i.baseline_value = Some(41.5);
    i.baseline_period = Some("2024".into());
    store.upsert_indicator("test", &i).await.unwrap();
    assert_eq!(store.indicator(&code("brott-stold")).await.unwrap(), Some(i.clone()));
    i.name_en = "Thefts per 1,000".into();
    store.upsert_indicator("test", &i).await.unwrap();
    assert_eq!(store.indicators().await.unwrap(), vec![i.clone()]);
    assert_eq!(actions(&store, "indicator.upsert").await.len(), 2);

    let bad = [
        Indicator { denominator: None, ..i.clone() },
        Indicator { query: String::new(), ..i.clone() },
        Indicator { name_sv: " ".into(), ..i.clone() },
        Indicator { baseline_period: Some("2024-T7".into()), ..i.clone() },
        Indicator { baseline_period: None, ..i.clone() },
        indicator("oro", IndicatorSource::Survey, "no-colon", Factor::Percent),
        Indicator {
            denominator: Some("Bas".into()),
            ..indicator("n", IndicatorSource::Walks, "", Factor::Count)
        },
    ];
    for b in bad {
        let err = store.upsert_indicator("test", &b).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{b:?}: {err}");
    }
    assert_eq!(store.indicators().await.unwrap().len(), 1, "nothing invalid was stored");
}

async fn crime_per_1000_from_districts_or_the_area_itself(store: Store) {
    areas(&store).await;
    let ind = indicator("brott-stold", IndicatorSource::Crime, "Stöldbrott", Factor::Per1000);
    store.upsert_indicator("test", &ind).await.unwrap();
    let crime = |area: &str, period: &str, crime_type: &str, count: i64| CrimeCount {
        region: area.into(),
        area: Some(code(area)),
        period: period.into(),
        crime_type: crime_type.into(),
        count,
    };
    let rows = vec![
        crime("tensta", "2025-T2", "Stöldbrott", 30),
        crime("rinkeby", "2025-T2", "Stöldbrott", 50),
        crime("rinkeby", "2025-T2", "Skadegörelse", 999),
        crime("rinkeby", "2025-T1", "Stöldbrott", 999),
    ];
    store.import_crime_counts(&meta("statistics"), &rows).await.unwrap();
    let pop = |area: &str, year: i32, persons: i64| PopulationCount {
        region: area.into(),
        area: Some(code(area)),
        year,
        sex: "all".into(),
        age: "all".into(),
        persons,
    };
    let pops = vec![pop("tensta", 2024, 20_000), pop("rinkeby", 2024, 30_000), pop("rinkeby", 2026, 1)];
    store.import_population(&meta("population"), &pops).await.unwrap();

    let out = store.compute_indicator_values(&code("jarva"), period("2025-T2"), "user:1").await.unwrap();
    assert_eq!(out.written.len(), 1, "{out:?}");
    let v = &out.written[0];
    assert!((v.value - 1.6).abs() < 1e-9, "80 thefts / 50,000 inhabitants × 1,000: {}", v.value);
    assert_eq!((v.numerator, v.denominator), (Some(80.0), Some(50_000.0)));
    assert_eq!((v.origin, v.group.as_str()), (ValueOrigin::Computed, "all"));
    assert!(v.source.contains("2025-T2") && v.source.contains("2024"), "{}", v.source);
    assert_eq!(store.indicator_values(&code("brott-stold"), &code("jarva")).await.unwrap(), out.written);

    // The area's own figure wins over the sum of its districts.
    store
        .import_crime_counts(&meta("statistics"), &[crime("jarva", "2025-T2", "Stöldbrott", 100)])
        .await
        .unwrap();
    let out = store.compute_indicator_values(&code("jarva"), period("2025-T2"), "user:1").await.unwrap();
    assert!((out.written[0].value - 2.0).abs() < 1e-9, "{:?}", out.written);
    assert_eq!(store.indicator_values(&code("brott-stold"), &code("jarva")).await.unwrap().len(), 1);

    // A period the statistics do not cover is skipped, not guessed.
    let out = store.compute_indicator_values(&code("jarva"), period("2025-T3"), "user:1").await.unwrap();
    assert!(out.written.is_empty());
    assert_eq!(out.skipped, vec![(code("brott-stold"), SkipReason::NoData)]);
    assert_eq!(actions(&store, "indicator.compute").await.len(), 3);
}

async fn survey_shares_of_the_latest_wave_up_to_the_period(store: Store) {
    areas(&store).await;
    let q = "trygghetsmatningen:otrygg_ensam_sent_kvall";
    store
        .upsert_indicator("test", &indicator("otrygg", IndicatorSource::Survey, q, Factor::Percent))
        .await
        .unwrap();
    let value = |wave: i32, group: &str, yes: i64, n: i64| SurveyValue {
        survey: "trygghetsmatningen".into(),
        wave,
        region: "Järva".into(),
        area: Some(code("jarva")),
        indicator: "otrygg_ensam_sent_kvall".into(),
        group: group.into(),
        respondents: Some(n),
        yes_count: Some(yes),
        share: yes as f64 / n as f64 * 100.0,
        weighted_share: None,
        source_url: None,
    };
    let rows = vec![
        value(2023, "all", 10, 100),
        value(2025, "all", 45, 150),
        value(2025, "women", 30, 75),
        value(2025, "men", 15, 75),
        value(2027, "all", 1, 100),
    ];
    let meta = ImportMeta { source: "trygghetsmatningen".into(), ..meta("survey") };
    store.import_survey_values(&meta, &rows).await.unwrap();
    let out = store.compute_indicator_values(&code("jarva"), period("2026-T1"), "user:1").await.unwrap();
    let by_group: Vec<(&str, f64, Option<f64>)> =
        out.written.iter().map(|v| (v.group.as_str(), v.value, v.denominator)).collect();
    assert_eq!(
        by_group,
        vec![("all", 30.0, Some(150.0)), ("women", 40.0, Some(75.0)), ("men", 20.0, Some(75.0))]
    );
    assert!(out.written[0].source.contains("wave 2025"));
}

async fn reports_counted_and_share_fixed_in_time(store: Store) {
    areas(&store).await;
    execute_raw(
        &store,
        "INSERT INTO partners (code, name, kind) VALUES ('bostad', 'Bostad', 'property_owner')",
    )
    .await
    .unwrap();
    execute_raw(
        &store,
        "INSERT INTO report_categories (code, parent, name_sv, name_en, description, deadline_hours, \
         responsible_kind, public, police, duplicate_radius_m, position) VALUES \
         ('klotter', NULL, 'Klotter', 'Graffiti', 'x', 48, 'property_owner', 1, 0, 50, 1), \
         ('klotter-ovrigt', 'klotter', 'Övrigt', 'Other', 'x', 48, 'property_owner', 1, 0, 50, 2), \
         ('lampa', NULL, 'Lampa', 'Lamp', 'x', 48, 'property_owner', 1, 0, 50, 3)",
    )
    .await
    .unwrap();
    // 2025-05-10 12:00 UTC; deadline two days later.
    let created: i64 = 1_746_878_400_000;
    let due = created + 48 * 3_600_000;
    let reports = [
        ("klotter-ovrigt", "fixed", Some(created + 3_600_000)),
        ("klotter-ovrigt", "fixed", Some(due + 3_600_000)),
        ("lampa", "received", None),
        // Made after the tertial: not counted.
        ("lampa", "fixed", Some(1_800_000_000_000)),
    ];
    for (i, (category, state, fixed)) in reports.iter().enumerate() {
        let made = if i == 3 { 1_790_000_000_000 } else { created };
        let fixed = fixed.map_or("NULL".to_owned(), |f| f.to_string());
        let area = if i == 0 { "tensta" } else { "rinkeby" };
        execute_raw(
            &store,
            &format!(
                "INSERT INTO reports (id, category, area, seen_at, description, reporter_kind, responsible, state, \
                 due_at, created_at, updated_at, fixed_at, token_hash, source) VALUES ({id}, '{category}', \
                 '{area}', {made}, 'x', 'staff', 'bostad', '{state}', {due}, {made}, {made}, {fixed}, 'h{id}', \
                 'test')",
                id = i + 1,
                due = made + 48 * 3_600_000,
            ),
        )
        .await
        .unwrap();
    }
    let mut share =
        indicator("atgardat-i-tid", IndicatorSource::Reports, "share_fixed_in_time", Factor::Percent);
    share.polarity = Polarity::HigherIsBetter;
    store.upsert_indicator("test", &share).await.unwrap();
    let count = indicator("klotter", IndicatorSource::Reports, "klotter", Factor::Count);
    store.upsert_indicator("test", &count).await.unwrap();
    let out = store.compute_indicator_values(&code("jarva"), period("2025-T2"), "user:1").await.unwrap();
    let of = |c: &str| out.written.iter().find(|v| v.indicator.as_str() == c).unwrap();
    let s = of("atgardat-i-tid");
    assert_eq!((s.numerator, s.denominator), (Some(1.0), Some(3.0)), "{s:?}");
    assert!((s.value - 100.0 / 3.0).abs() < 1e-9);
    let k = of("klotter");
    assert_eq!((k.value, k.denominator), (2.0, None), "the group counts its categories' reports");
}

/// A plan of `area` with measures `(name, starts, ends)`; returns their ids.
async fn plan_with_measures(store: &Store, area: &str, measures: &[(&str, &str, &str)]) -> Vec<i64> {
    execute_raw(
        store,
        &format!(
            "INSERT INTO plans (kind, strategy, name, area, valid_from, valid_to, created_by, created_at) \
             VALUES ('overall', 'jarva-2020-2025', 'Plan {area}', '{area}', '2025-01-01', '2026-12-31', 't', 1)"
        ),
    )
    .await
    .unwrap();
    let mut ids = Vec::new();
    for (name, starts, ends) in measures {
        execute_raw(
            store,
            &format!(
                "INSERT INTO measures (plan_id, name, goal, starts, ends, owner, follow_up, evidence_base, \
                 created_by, created_at, updated_at) SELECT MAX(id), '{name}', 'Mål', '{starts}', '{ends}', \
                 'Ägare', 'Indikatorer', 'new', 't', 1, 1 FROM plans"
            ),
        )
        .await
        .unwrap();
    }
    for (name, _, _) in measures {
        let row = store.followup_overview(&code(area), period("2025-T2")).await.unwrap();
        if let Some(r) = row.iter().find(|r| r.measure.name == *name) {
            ids.push(r.measure.id);
        }
    }
    ids
}

async fn measures_shares_and_who_has_not_reported(store: Store) {
    areas(&store).await;
    let ids = plan_with_measures(
        &store,
        "jarva",
        &[
            ("A", "2025-01-01", "2025-12-31"),
            ("B", "2025-05-01", "2025-05-31"),
            ("C", "2024-01-01", "2025-05-01"),
            ("D", "2025-08-31", "2026-12-31"),
            ("Old", "2024-01-01", "2024-12-31"),
        ],
    )
    .await;
    assert_eq!(ids.len(), 4, "the measure that ended in 2024 is not active in 2025-T2");
    let t2 = period("2025-T2");
    for (id, status) in
        [(ids[0], MeasureStatus::Green), (ids[1], MeasureStatus::Green), (ids[2], MeasureStatus::Red)]
    {
        store.report_followup(id, t2, status, "Enligt plan.", "user:2").await.unwrap();
    }
    let missing = store.missing_followups(&code("jarva"), t2).await.unwrap();
    assert_eq!(missing.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["D"]);
    // The district's view holds no measure: the plan is Järva's.
    assert!(store.missing_followups(&code("tensta"), t2).await.unwrap().is_empty());

    store
        .upsert_indicator("test", &indicator("status", IndicatorSource::Measures, "", Factor::Percent))
        .await
        .unwrap();
    let out = store.compute_indicator_values(&code("jarva"), t2, "user:1").await.unwrap();
    let shares: Vec<(&str, f64)> = out.written.iter().map(|v| (v.group.as_str(), v.value)).collect();
    assert_eq!(shares, vec![("green", 50.0), ("yellow", 0.0), ("red", 25.0), ("not-reported", 25.0)]);
    let year = store.compute_indicator_values(&code("jarva"), period("2025"), "user:1").await.unwrap();
    assert_eq!(year.skipped, vec![(code("status"), SkipReason::TertialOnly)]);

    // Reporting again replaces the tertial's report; other tertials are kept apart.
    store.report_followup(ids[0], t2, MeasureStatus::Yellow, "Försenad.", "user:2").await.unwrap();
    store.report_followup(ids[0], period("2025-T1"), MeasureStatus::Green, "", "user:2").await.unwrap();
    let f = store.followups(ids[0]).await.unwrap();
    assert_eq!(
        f.iter().map(|f| (f.period.as_str(), f.status)).collect::<Vec<_>>(),
        [("2025-T1", MeasureStatus::Green), ("2025-T2", MeasureStatus::Yellow)]
    );
    assert_eq!(actions(&store, "followup.report").await.len(), 5);

    // Bad input is refused: a year, a tertial outside the measure, personal data, an unknown measure.
    let refused = [
        store.report_followup(ids[0], period("2025"), MeasureStatus::Green, "", "u").await,
        store.report_followup(ids[1], period("2025-T3"), MeasureStatus::Green, "", "u").await,
        store.report_followup(ids[0], t2, MeasureStatus::Green, "Ring 070-123 45 67", "u").await,
    ];
    for r in refused {
        assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");
    }
    let r = store.report_followup(9_999, t2, MeasureStatus::Green, "", "u").await;
    assert!(matches!(r, Err(StoreError::NotFound { what: "measure", .. })), "{r:?}");
}

async fn approvals_in_order_lock_and_unlock_with_audit(store: Store) {
    areas(&store).await;
    let ids = plan_with_measures(&store, "jarva", &[("A", "2025-01-01", "2025-12-31")]).await;
    let (jarva, t2) = (code("jarva"), period("2025-T2"));
    let ind = indicator("status", IndicatorSource::Measures, "", Factor::Percent);
    store.upsert_indicator("test", &ind).await.unwrap();
    let entered = EnteredValue {
        indicator: code("status"),
        area: code("tensta"),
        period: t2,
        group: "all".into(),
        value: 12.5,
        numerator: Some(1.0),
        denominator: Some(8.0),
        source: "Enkät, stadsdelsförvaltningen".into(),
    };

    let early = store.approve_tertial(&jarva, t2, ApprovalStage::Steering, "user:3").await;
    assert!(matches!(early, Err(StoreError::Invalid(_))), "steering needs preparation first: {early:?}");
    let year = store.approve_tertial(&jarva, period("2025"), ApprovalStage::Preparation, "user:3").await;
    assert!(matches!(year, Err(StoreError::Invalid(_))), "{year:?}");
    store.approve_tertial(&jarva, t2, ApprovalStage::Preparation, "user:3").await.unwrap();
    let again = store.approve_tertial(&jarva, t2, ApprovalStage::Preparation, "user:3").await;
    assert!(matches!(again, Err(StoreError::Conflict { .. })), "{again:?}");
    assert!(!store.is_locked(&jarva, t2).await.unwrap(), "the preparation group does not lock");
    store.report_followup(ids[0], t2, MeasureStatus::Green, "", "user:2").await.unwrap();

    store.approve_tertial(&jarva, t2, ApprovalStage::Steering, "user:4").await.unwrap();
    let stages: Vec<ApprovalStage> =
        store.approvals(&jarva, t2).await.unwrap().iter().map(|a| a.stage).collect();
    assert_eq!(stages, [ApprovalStage::Preparation, ApprovalStage::Steering]);
    assert!(store.is_locked(&jarva, t2).await.unwrap());
    assert!(store.is_locked(&code("tensta"), t2).await.unwrap(), "a district of a locked area is locked");
    assert!(!store.is_locked(&jarva, period("2025-T3")).await.unwrap());
    assert_eq!(actions(&store, "tertial.lock").await.len(), 1);

    let r = store.report_followup(ids[0], t2, MeasureStatus::Red, "Ändrat", "user:2").await;
    assert!(matches!(r, Err(StoreError::Conflict { what: trygg_store::LOCKED, .. })), "{r:?}");
    assert_eq!(store.followups(ids[0]).await.unwrap()[0].status, MeasureStatus::Green, "unchanged");
    let refused = actions(&store, "followup.refused").await;
    assert_eq!(refused.len(), 1);
    assert_eq!(
        (refused[0].actor.as_str(), refused[0].record.clone()),
        ("user:2", format!("measure:{}", ids[0]))
    );

    let r = store.enter_indicator_value("user:1", &entered).await;
    assert!(matches!(r, Err(StoreError::Conflict { what: trygg_store::LOCKED, .. })), "{r:?}");
    let r = store.compute_indicator_values(&jarva, t2, "user:1").await;
    assert!(matches!(r, Err(StoreError::Conflict { what: trygg_store::LOCKED, .. })), "{r:?}");
    assert_eq!(actions(&store, "indicator.refused").await.len(), 2);
    assert!(store.indicator_values(&code("status"), &jarva).await.unwrap().is_empty());

    let r = store.withdraw_approval(&jarva, t2, ApprovalStage::Preparation, "user:4").await;
    assert!(matches!(r, Err(StoreError::Invalid(_))), "steering is withdrawn first: {r:?}");
    store.withdraw_approval(&jarva, t2, ApprovalStage::Steering, "user:4").await.unwrap();
    let unlock = actions(&store, "tertial.unlock").await;
    assert_eq!(unlock.len(), 1);
    assert_eq!((unlock[0].actor.as_str(), unlock[0].record.as_str()), ("user:4", "tertial:jarva:2025-T2"));
    assert!(!store.is_locked(&jarva, t2).await.unwrap());
    let r = store.withdraw_approval(&jarva, t2, ApprovalStage::Steering, "user:4").await;
    assert!(matches!(r, Err(StoreError::NotFound { .. })), "{r:?}");

    store.report_followup(ids[0], t2, MeasureStatus::Red, "Ändrat", "user:2").await.unwrap();
    let v = store.enter_indicator_value("user:1", &entered).await.unwrap();
    assert_eq!((v.origin, v.value), (ValueOrigin::Entered, 12.5));
    assert_eq!(store.indicator_values(&code("status"), &code("tensta")).await.unwrap(), vec![v]);
}

async fn entered_values_need_a_source_and_survive_computation(store: Store) {
    areas(&store).await;
    store
        .upsert_indicator("test", &indicator("status", IndicatorSource::Measures, "", Factor::Percent))
        .await
        .unwrap();
    plan_with_measures(&store, "jarva", &[("A", "2025-01-01", "2025-12-31")]).await;
    let t2 = period("2025-T2");
    let v = |group: &str, source: &str, value: f64| EnteredValue {
        indicator: code("status"),
        area: code("jarva"),
        period: t2,
        group: group.into(),
        value,
        numerator: None,
        denominator: None,
        source: source.into(),
    };
    for bad in [v("all", " ", 1.0), v("alla", "Källa", 1.0), v("all", "Källa", f64::NAN)] {
        let r = store.enter_indicator_value("user:1", &bad).await;
        assert!(matches!(r, Err(StoreError::Invalid(_))), "{bad:?}: {r:?}");
    }
    let unknown = EnteredValue { indicator: code("nope"), ..v("all", "Källa", 1.0) };
    let r = store.enter_indicator_value("user:1", &unknown).await;
    assert!(matches!(r, Err(StoreError::NotFound { what: "indicator", .. })), "{r:?}");
    store.enter_indicator_value("user:1", &v("other:manual", "Manuell räkning", 7.0)).await.unwrap();
    store.compute_indicator_values(&code("jarva"), t2, "user:1").await.unwrap();
    let values = store.indicator_values(&code("status"), &code("jarva")).await.unwrap();
    let manual = values.iter().find(|x| x.group == "other:manual").unwrap();
    assert_eq!((manual.origin, manual.value), (ValueOrigin::Entered, 7.0), "kept");
    let nr = values.iter().find(|x| x.group == "not-reported").unwrap();
    assert_eq!((nr.origin, nr.value), (ValueOrigin::Computed, 100.0));
    assert_eq!(actions(&store, "indicator.enter").await.len(), 1);

    store
        .set_indicator_target("user:1", &code("status"), &code("jarva"), period("2026"), 80.0)
        .await
        .unwrap();
    store
        .set_indicator_target("user:1", &code("status"), &code("jarva"), period("2025"), 70.0)
        .await
        .unwrap();
    store
        .set_indicator_target("user:1", &code("status"), &code("jarva"), period("2025"), 75.0)
        .await
        .unwrap();
    let t = store.indicator_targets(&code("status"), &code("jarva")).await.unwrap();
    assert_eq!(
        t.iter().map(|t| (t.period.as_str(), t.value)).collect::<Vec<_>>(),
        [("2025", 75.0), ("2026", 80.0)]
    );
    let r = store.set_indicator_target("u", &code("status"), &code("atlantis"), period("2025"), 1.0).await;
    assert!(matches!(r, Err(StoreError::NotFound { what: "area", .. })), "{r:?}");
    assert_eq!(actions(&store, "indicator.target").await.len(), 3);
}

trygg_store::test_on_every_backend!(
    definitions_are_validated_and_round_trip,
    crime_per_1000_from_districts_or_the_area_itself,
    survey_shares_of_the_latest_wave_up_to_the_period,
    reports_counted_and_share_fixed_in_time,
    measures_shares_and_who_has_not_reported,
    approvals_in_order_lock_and_unlock_with_audit,
    entered_values_need_a_source_and_survive_computation,
);
