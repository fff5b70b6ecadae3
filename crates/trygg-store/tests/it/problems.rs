//! Problems and cause analyses: validation, scoping by area, ordering,
//! evidence attached on creation, the level and step rules of causes,
//! counts of assumptions, and an audit entry for every change.

use trygg_core::{Area, AreaLevel, CauseKind, Code, EvidenceKind, FactorLevel, Name};
use trygg_store::{NewCause, NewEvidence, NewProblem, Store, StoreError};

async fn areas(store: &Store) {
    for (code, name) in [("jarva", "Järva"), ("sodermalm", "Södermalm")] {
        let area = Area::new(Code::new(code).unwrap(), Name::new(name).unwrap(), AreaLevel::DistrictArea);
        store.upsert_area(&area).await.unwrap();
    }
}

fn problem(area: &str, title: &str, priority: i64) -> NewProblem {
    NewProblem {
        area: Code::new(area).unwrap(),
        title: title.into(),
        what: "Rån mot unga".into(),
        place: "Tunnelbanans uppgång".into(),
        time: "Fredag och lördag kväll".into(),
        affected: "Unga 13–17 år".into(),
        priority,
    }
}

fn cause(kind: CauseKind, level: Option<FactorLevel>, position: i64, evidence: Option<&str>) -> NewCause {
    NewCause { kind, level, position, text: format!("{kind} claim"), evidence: evidence.map(str::to_owned) }
}

fn field_of(e: StoreError) -> &'static str {
    match e {
        StoreError::Invalid(i) => i.field,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

async fn problems_are_validated_scoped_and_ordered(store: Store) {
    areas(&store).await;
    let hotspot = NewEvidence {
        kind: EvidenceKind::Hotspot,
        reference: "situation:jarva:2025:hotspots".into(),
        note: "Gi*-kluster vid torget".into(),
    };
    let low = store.create_problem("user:1", &problem("jarva", "Låg", 7), &[]).await.unwrap();
    let high = store
        .create_problem("user:1", &problem("jarva", "Hög", 1), std::slice::from_ref(&hotspot))
        .await
        .unwrap();
    let south = store.create_problem("user:2", &problem("sodermalm", "Söder", 2), &[]).await.unwrap();
    assert_eq!((high.priority, high.closed, high.created_by.as_str()), (1, false, "user:1"));
    assert_eq!(high.created_at, high.updated_at);

    let jarva = [Code::new("jarva").unwrap()];
    let ids = |ps: Vec<trygg_store::Problem>| ps.iter().map(|p| p.id).collect::<Vec<_>>();
    assert_eq!(ids(store.problems(&jarva).await.unwrap()), [high.id, low.id], "by priority");
    assert_eq!(ids(store.problems(&[]).await.unwrap()), [high.id, south.id, low.id], "empty = all");
    assert_eq!(store.problem(high.id).await.unwrap().unwrap(), high);
    assert!(store.problem(high.id + 100).await.unwrap().is_none());

    let evidence = store.problem_evidence(high.id).await.unwrap();
    assert_eq!(evidence.len(), 1);
    assert_eq!(
        (evidence[0].kind, evidence[0].reference.as_str()),
        (hotspot.kind, "situation:jarva:2025:hotspots")
    );
    assert!(store.problem_evidence(low.id).await.unwrap().is_empty());

    // Closing moves a problem after the open ones; reopening brings it back.
    let closed = store.set_problem_closed("user:1", high.id, true).await.unwrap();
    assert!(closed.closed);
    assert_eq!(ids(store.problems(&jarva).await.unwrap()), [low.id, high.id]);
    store.set_problem_closed("user:1", high.id, false).await.unwrap();
    assert_eq!(ids(store.problems(&jarva).await.unwrap()), [high.id, low.id]);

    let mut changed = problem("sodermalm", "Flyttad", 3);
    changed.what = "  Skadegörelse  ".into();
    let updated = store.update_problem("user:3", low.id, &changed).await.unwrap();
    assert_eq!(
        (updated.area.as_str(), updated.what.as_str(), updated.priority),
        ("sodermalm", "Skadegörelse", 3)
    );
    assert_eq!(updated.created_by, "user:1", "the creator is kept");
    assert!(matches!(
        store.update_problem("user:3", low.id + 100, &changed).await,
        Err(StoreError::NotFound { what: "problem", .. })
    ));
    assert!(matches!(store.set_problem_closed("u", 9_999, true).await, Err(StoreError::NotFound { .. })));

    let audit = store.audit_entries(20).await.unwrap();
    let actions: Vec<(&str, &str)> = audit.iter().map(|e| (e.action.as_str(), e.record.as_str())).collect();
    let record = format!("problem:{}", high.id);
    for action in ["problem.create", "problem.evidence.add", "problem.close", "problem.reopen"] {
        assert!(actions.contains(&(action, record.as_str())), "{action} audited: {actions:?}");
    }
    assert!(actions.contains(&("problem.update", format!("problem:{}", low.id).as_str())));
}

async fn bad_problems_are_refused_and_nothing_is_written(store: Store) {
    areas(&store).await;
    let long = "x".repeat(2_001);
    let cases: Vec<(NewProblem, &str)> = vec![
        (NewProblem { title: "  ".into(), ..problem("jarva", "t", 1) }, "title"),
        (NewProblem { what: String::new(), ..problem("jarva", "t", 1) }, "what"),
        (NewProblem { place: long.clone(), ..problem("jarva", "t", 1) }, "place"),
        (NewProblem { time: "\n".into(), ..problem("jarva", "t", 1) }, "time"),
        (NewProblem { affected: "Ring 070-123 45 67".into(), ..problem("jarva", "t", 1) }, "affected"),
        (problem("jarva", "t", 0), "priority"),
        (problem("jarva", "t", 10), "priority"),
        (problem("atlantis", "t", 1), "area"),
    ];
    for (p, field) in cases {
        let e = store.create_problem("u", &p, &[]).await.unwrap_err();
        assert_eq!(field_of(e), field);
    }
    // 2,000 characters exactly is accepted.
    let edge = NewProblem { what: "å".repeat(2_000), ..problem("jarva", "Kant", 9) };
    let ok = store.create_problem("u", &edge, &[]).await.unwrap();
    assert_eq!(ok.what.chars().count(), 2_000);
    // Bad evidence refuses the whole problem.
    let blank = NewEvidence { kind: EvidenceKind::Survey, reference: " ".into(), note: String::new() };
    let e =
        store.create_problem("u", &problem("jarva", "Med dåligt underlag", 1), &[blank]).await.unwrap_err();
    assert_eq!(field_of(e), "reference");
    assert_eq!(store.problems(&[]).await.unwrap().len(), 1);
    let creates = store.audit_entries(20).await.unwrap();
    assert_eq!(creates.iter().filter(|e| e.action == "problem.create").count(), 1);
}

async fn evidence_is_added_and_removed(store: Store) {
    areas(&store).await;
    let p = store.create_problem("u", &problem("jarva", "P", 2), &[]).await.unwrap();
    let other = store.create_problem("u", &problem("jarva", "Q", 2), &[]).await.unwrap();
    let new = NewEvidence {
        kind: EvidenceKind::Survey,
        reference: "survey:jarva:2024:unsafe_evening".into(),
        note: "".into(),
    };
    let e = store.add_evidence("user:5", p.id, &new).await.unwrap();
    assert_eq!((e.problem_id, e.kind), (p.id, EvidenceKind::Survey));
    assert!(matches!(store.add_evidence("u", 9_999, &new).await, Err(StoreError::NotFound { .. })));
    let long_note = NewEvidence { note: "n".repeat(2_001), ..new.clone() };
    assert_eq!(field_of(store.add_evidence("u", p.id, &long_note).await.unwrap_err()), "note");
    // Evidence is removed only through its own problem.
    assert!(matches!(store.remove_evidence("u", other.id, e.id).await, Err(StoreError::NotFound { .. })));
    assert_eq!(store.problem_evidence(p.id).await.unwrap(), std::slice::from_ref(&e));
    let removed = store.remove_evidence("user:5", p.id, e.id).await.unwrap();
    assert_eq!(removed, e);
    assert!(store.problem_evidence(p.id).await.unwrap().is_empty());
    let audit = store.audit_entries(10).await.unwrap();
    let record = format!("problem:{}", p.id);
    assert!(audit.iter().any(|a| a.action == "problem.evidence.add" && a.record == record));
    assert!(
        audit
            .iter()
            .any(|a| a.action == "problem.evidence.remove" && a.record == record && a.actor == "user:5")
    );
}

async fn causes_follow_the_analysis_rules(store: Store) {
    areas(&store).await;
    let p = store.create_problem("u", &problem("jarva", "P", 1), &[]).await.unwrap();
    use CauseKind as K;
    use FactorLevel as L;
    let refused = [
        (cause(K::Risk, None, 0, None), "level"),
        (cause(K::Protective, None, 0, Some("BRÅ 2019:3")), "level"),
        (cause(K::Victim, Some(L::Individual), 0, None), "level"),
        (cause(K::Chain, None, 0, None), "position"),
        (cause(K::Chain, None, 1_000, None), "position"),
        (cause(K::Offender, None, 2, None), "position"),
        (NewCause { text: " ".into(), ..cause(K::Place, None, 0, None) }, "text"),
        (cause(K::Place, None, 0, Some("")), "evidence"),
    ];
    for (c, field) in refused {
        assert_eq!(field_of(store.add_cause("u", p.id, &c).await.unwrap_err()), field, "{c:?}");
    }
    assert!(store.causes(p.id).await.unwrap().is_empty());
    assert!(matches!(
        store.add_cause("u", 9_999, &cause(K::Victim, None, 0, None)).await,
        Err(StoreError::NotFound { .. })
    ));

    let second = store.add_cause("user:7", p.id, &cause(K::Chain, None, 2, None)).await.unwrap();
    let first = store.add_cause("u", p.id, &cause(K::Chain, None, 1, Some("Polisens RAR"))).await.unwrap();
    let risk = store.add_cause("u", p.id, &cause(K::Risk, Some(L::Group), 0, None)).await.unwrap();
    let victim = store
        .add_cause("u", p.id, &cause(K::Victim, None, 0, Some("Trygghetsmätningen 2024")))
        .await
        .unwrap();
    assert!(second.is_assumption() && !first.is_assumption());
    assert_eq!(risk.level, Some(L::Group));
    // By kind, then chain steps by position.
    let ids: Vec<i64> = store.causes(p.id).await.unwrap().iter().map(|c| c.id).collect();
    assert_eq!(ids, [victim.id, risk.id, first.id, second.id]);
    assert_eq!(store.cause(risk.id).await.unwrap().unwrap(), risk);

    let overview = store.problem_overviews(&[Code::new("jarva").unwrap()]).await.unwrap();
    assert_eq!(overview.len(), 1);
    assert_eq!((overview[0].causes, overview[0].assumptions, overview[0].evidence), (4, 2, 0));
    assert!(store.problem_overviews(&[Code::new("sodermalm").unwrap()]).await.unwrap().is_empty());

    // An update can turn an assumption into a supported claim, and is checked like an addition.
    let supported =
        NewCause { evidence: Some("Skolenkät 2024".into()), ..cause(K::Risk, Some(L::Community), 0, None) };
    let updated = store.update_cause("user:7", risk.id, &supported).await.unwrap();
    assert_eq!((updated.level, updated.evidence.as_deref()), (Some(L::Community), Some("Skolenkät 2024")));
    let bad = cause(K::Risk, None, 0, None);
    assert_eq!(field_of(store.update_cause("u", risk.id, &bad).await.unwrap_err()), "level");
    assert!(matches!(store.update_cause("u", 9_999, &supported).await, Err(StoreError::NotFound { .. })));
    let overview = store.problem_overviews(&[]).await.unwrap();
    assert_eq!((overview[0].causes, overview[0].assumptions), (4, 1));

    let removed = store.remove_cause("user:7", second.id).await.unwrap();
    assert_eq!(removed, second);
    assert!(store.cause(second.id).await.unwrap().is_none());
    assert!(matches!(store.remove_cause("u", second.id).await, Err(StoreError::NotFound { .. })));

    let audit = store.audit_entries(30).await.unwrap();
    let by = |action: &str, id: i64| {
        audit.iter().any(|e| e.action == action && e.record == format!("cause:{id}") && e.actor == "user:7")
    };
    assert!(by("cause.add", second.id));
    assert!(by("cause.update", risk.id));
    assert!(by("cause.remove", second.id));
}

trygg_store::test_on_every_backend!(
    problems_are_validated_scoped_and_ordered,
    bad_problems_are_refused_and_nothing_is_written,
    evidence_is_added_and_removed,
    causes_follow_the_analysis_rules
);
