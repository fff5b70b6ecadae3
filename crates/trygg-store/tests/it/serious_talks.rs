use jiff::Timestamp;
use jiff::civil::date;
use trygg_core::{
    AgeBand, Area, AreaLevel, AreaParent, Attendees, Code, LateReason, Name, Offence, Sex, TalkCase,
    TalkComment, TalkOutcome, TalkReference,
};
use trygg_store::{Store, StoreError, TalkAggregate, TalkQuery};

fn code(s: &str) -> Code {
    Code::new(s).unwrap()
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// A city with two district areas and a district under one of them.
async fn fixture(store: &Store) {
    let city = Area::new(code("stockholm"), Name::new("Stockholm").unwrap(), AreaLevel::City);
    store.upsert_area(&city).await.unwrap();
    let parent = |c: &str| vec![AreaParent { code: code(c), valid_from: None, valid_to: None }];
    for c in ["jarva", "hasselby-vallingby"] {
        let mut a = Area::new(code(c), Name::new(c).unwrap(), AreaLevel::DistrictArea);
        a.parents = parent("stockholm");
        store.upsert_area(&a).await.unwrap();
    }
    let mut tensta = Area::new(code("tensta"), Name::new("Tensta").unwrap(), AreaLevel::District);
    tensta.parents = parent("jarva");
    store.upsert_area(&tensta).await.unwrap();
}

fn case(area: &str, aware: &str, sex: Option<Sex>) -> TalkCase {
    TalkCase {
        area: code(area),
        age_band: AgeBand::From15To17,
        sex,
        offence: Offence::Shoplifting,
        aware_at: at(aware),
    }
}

fn held(at_: &str, guardian: bool, police: bool, reason: Option<LateReason>) -> TalkOutcome {
    TalkOutcome {
        held_at: Some(at(at_)),
        attendees: Attendees { guardian, police, social_services: true, other: false },
        late_reason: reason,
        comment: TalkComment::new("Tolk via telefon").unwrap(),
    }
}

async fn actions(store: &Store) -> Vec<(String, String)> {
    store.audit_entries(1000).await.unwrap().into_iter().map(|e| (e.action, e.record)).collect()
}

async fn cases_are_created_read_and_recorded_within_their_areas(store: Store) {
    fixture(&store).await;
    let jarva = [code("jarva")];
    let t = store
        .create_serious_talk("user:1", &case("jarva", "2025-03-03T10:00:00Z", None), &TalkOutcome::default())
        .await
        .unwrap();
    assert_eq!(TalkReference::new(t.reference.as_str()).unwrap(), t.reference);
    let record = format!("serious_talk:{}", t.reference);
    assert!(actions(&store).await.contains(&("serious_talk.create".into(), record.clone())));

    let read = store.serious_talk("user:1", &jarva, &t.reference).await.unwrap().unwrap();
    assert_eq!(read, t);
    assert!(actions(&store).await.contains(&("serious_talk.read".into(), record.clone())));

    let before = store.audit_entries(1000).await.unwrap().len();
    let elsewhere = [code("hasselby-vallingby")];
    assert_eq!(store.serious_talk("user:2", &elsewhere, &t.reference).await.unwrap(), None);
    assert_eq!(store.audit_entries(1000).await.unwrap().len(), before, "no read, no entry");
    let err = store.record_serious_talk("user:2", &elsewhere, &t.reference, &TalkOutcome::default()).await;
    assert!(matches!(err, Err(StoreError::NotFound { .. })), "{err:?}");

    let late = held("2025-03-06T10:00:00Z", true, false, None);
    let err = store.record_serious_talk("user:1", &jarva, &t.reference, &late).await.unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(i) if i.field == "late_reason"), "{err}");
    let late = held("2025-03-06T10:00:00Z", true, false, Some(LateReason::PoliceUnavailable));
    let recorded = store.record_serious_talk("user:1", &jarva, &t.reference, &late).await.unwrap();
    assert_eq!(recorded.outcome, late);
    assert!(!recorded.held_within_48h());
    assert_eq!(store.serious_talk("user:1", &jarva, &t.reference).await.unwrap().unwrap().outcome, late);
    assert!(actions(&store).await.contains(&("serious_talk.update".into(), record)));
    assert_eq!(
        store.verify_audit().await.unwrap(),
        trygg_store::AuditVerification::Intact {
            entries: store.audit_entries(1000).await.unwrap().len() as i64
        }
    );
}

async fn a_case_needs_a_district_area_and_a_past_awareness(store: Store) {
    fixture(&store).await;
    let none = TalkOutcome::default();
    for (c, field) in [
        (case("tensta", "2025-03-03T10:00:00Z", None), "area"),
        (case("nowhere", "2025-03-03T10:00:00Z", None), "area"),
        (case("jarva", "2999-01-01T00:00:00Z", None), "aware_at"),
    ] {
        let err = store.create_serious_talk("user:1", &c, &none).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(i) if i.field == field), "{err}");
    }
    let q = TalkQuery { areas: vec![code("jarva")], ..TalkQuery::default() };
    assert!(store.serious_talks("user:1", &q).await.unwrap().is_empty(), "nothing stored");
}

async fn lists_are_scoped_and_audited(store: Store) {
    fixture(&store).await;
    let none = TalkOutcome::default();
    let a =
        store.create_serious_talk("u", &case("jarva", "2025-03-03T10:00:00Z", None), &none).await.unwrap();
    let b =
        store.create_serious_talk("u", &case("jarva", "2025-03-05T10:00:00Z", None), &none).await.unwrap();
    let outcome = held("2025-03-05T12:00:00Z", true, true, None);
    store.record_serious_talk("u", &[code("jarva")], &b.reference, &outcome).await.unwrap();
    store
        .create_serious_talk("u", &case("hasselby-vallingby", "2025-03-04T10:00:00Z", None), &none)
        .await
        .unwrap();

    let q = TalkQuery { areas: vec![code("jarva")], ..TalkQuery::default() };
    let refs: Vec<TalkReference> =
        store.serious_talks("user:1", &q).await.unwrap().into_iter().map(|t| t.reference).collect();
    assert_eq!(refs, vec![a.reference.clone(), b.reference.clone()]);
    let open = TalkQuery { open_only: true, ..q.clone() };
    assert_eq!(store.serious_talks("user:1", &open).await.unwrap().len(), 1);
    let from = TalkQuery { from: Some(at("2025-03-04T00:00:00Z").as_millisecond()), ..q };
    assert_eq!(store.serious_talks("user:1", &from).await.unwrap()[0].reference, b.reference);
    assert!(store.serious_talks("user:1", &TalkQuery::default()).await.unwrap().is_empty());
    let last = &store.audit_entries(1).await.unwrap()[0];
    assert_eq!((last.action.as_str(), last.record.as_str()), ("serious_talk.list", "serious_talks:"));
    let listed = store.audit_entries(4).await.unwrap();
    assert!(
        listed.iter().any(|e| e.action == "serious_talk.list" && e.detail.contains(a.reference.as_str()))
    );
}

/// Twelve old cases (five held in time with a guardian, two late with the
/// police, five never held; girls, boys and unstated) and two recent ones.
async fn many_cases(store: &Store) {
    let none = TalkOutcome::default();
    for i in 0..12 {
        let sex = [Some(Sex::Girl), Some(Sex::Boy), None][i % 3];
        let aware = format!("2024-01-{:02}T10:00:00Z", i + 2);
        let outcome = match i {
            0..5 => held(&format!("2024-01-{:02}T{:02}:00:00Z", i + 3, 8 + i), true, false, None),
            5..7 => held(&format!("2024-01-{:02}T10:00:00Z", i + 6), false, true, Some(LateReason::Staffing)),
            _ => none.clone(),
        };
        store.create_serious_talk("u", &case("jarva", &aware, sex), &outcome).await.unwrap();
    }
    for day in ["2025-05-02T10:00:00Z", "2025-05-03T10:00:00Z"] {
        store.create_serious_talk("u", &case("jarva", day, Some(Sex::Girl)), &none).await.unwrap();
    }
}

async fn figures(store: &Store) -> Vec<TalkAggregate> {
    let areas = [code("jarva"), code("hasselby-vallingby")];
    let now = at("2025-06-01T00:00:00Z").as_millisecond();
    store.serious_talk_aggregates(&areas, date(2024, 1, 1), date(2026, 1, 1), now).await.unwrap()
}

async fn the_purge_keeps_the_figures_of_what_it_deletes(store: Store) {
    fixture(&store).await;
    many_cases(&store).await;
    let before = figures(&store).await;
    let mut january = trygg_core::TalkFigures::default();
    before.iter().filter(|a| a.month == "2024-01").for_each(|a| january.add(&a.figures));
    assert_eq!((january.talks, january.decided, january.held(), january.held_in_time), (12, 12, 7, 5));
    assert_eq!((january.guardian, january.police), (5, 2));
    assert_eq!(january.median_hours(), Some(25.0), "hours 22, 23, 24, 25, 26, 96, 96");
    assert_eq!(before.iter().filter(|a| a.month == "2024-01").count(), 3, "girls, boys, unstated");

    let cutoff = at("2025-01-01T00:00:00Z").as_millisecond();
    assert_eq!(store.purge_serious_talks("system", cutoff).await.unwrap(), 12);
    assert_eq!(figures(&store).await, before, "the figures are the same after the purge");
    let q = TalkQuery { areas: vec![code("jarva")], ..TalkQuery::default() };
    assert_eq!(store.serious_talks("u", &q).await.unwrap().len(), 2, "only the recent cases are left");
    let purge = store.audit_entries(1000).await.unwrap();
    let purge = purge.iter().find(|e| e.action == "serious_talk.purge").expect("the purge is audited");
    assert!(purge.detail.starts_with("12 deleted"), "{}", purge.detail);

    assert_eq!(store.purge_serious_talks("system", cutoff).await.unwrap(), 0);
    let everything = at("2030-01-01T00:00:00Z").as_millisecond();
    assert_eq!(store.purge_serious_talks("system", everything).await.unwrap(), 2);
    assert_eq!(figures(&store).await, before, "and after purging the rest");
}

async fn concurrent_purges_fold_each_record_once(store: Store) {
    fixture(&store).await;
    many_cases(&store).await;
    let before = figures(&store).await;
    let cutoff = at("2030-01-01T00:00:00Z").as_millisecond();
    let (a, b) = tokio::join!(store.purge_serious_talks("a", cutoff), store.purge_serious_talks("b", cutoff));
    assert_eq!(a.unwrap() + b.unwrap(), 14);
    assert_eq!(figures(&store).await, before);
}

async fn figures_are_limited_to_the_areas_and_months_asked_for(store: Store) {
    fixture(&store).await;
    many_cases(&store).await;
    let now = at("2025-06-01T00:00:00Z").as_millisecond();
    let may = store.serious_talk_aggregates(&[code("jarva")], date(2025, 5, 1), date(2025, 9, 1), now).await;
    let may = may.unwrap();
    assert_eq!(may.len(), 1);
    assert_eq!((may[0].month.as_str(), may[0].sex, may[0].figures.talks), ("2025-05", Some(Sex::Girl), 2));
    assert_eq!(may[0].figures.decided, 2, "both past their deadline on 1 June");
    let other = [code("hasselby-vallingby")];
    assert!(
        store
            .serious_talk_aggregates(&other, date(2024, 1, 1), date(2026, 1, 1), now)
            .await
            .unwrap()
            .is_empty()
    );
}

trygg_store::test_on_every_backend!(
    cases_are_created_read_and_recorded_within_their_areas,
    a_case_needs_a_district_area_and_a_past_awareness,
    lists_are_scoped_and_audited,
    the_purge_keeps_the_figures_of_what_it_deletes,
    concurrent_purges_fold_each_record_once,
    figures_are_limited_to_the_areas_and_months_asked_for,
);
