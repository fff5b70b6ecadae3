use trygg_core::{
    Area, AreaLevel, AreaParent, Code, Deadline, Email, LatLon, Name, Partner, PartnerKind, Polygon,
    ReportState, ReporterKind,
};
use trygg_store::{
    Category, Change, NewReport, Photo, ReportQuery, Reporter, Store, StoreError, Zone, now_ms,
};

fn code(s: &str) -> Code {
    Code::new(s).unwrap()
}

/// Tensta centrum's point, inside the owner's 150 m zone.
const CENTRE: LatLon = LatLon { lat: 59.3940, lon: 17.9042 };

fn category(c: &str, parent: Option<&str>, deadline: Deadline, public: bool) -> Category {
    Category {
        code: code(c),
        parent: parent.map(code),
        name_sv: format!("{c} (sv)"),
        name_en: format!("{c} (en)"),
        description: "Beskrivning.".into(),
        deadline,
        responsible_kind: PartnerKind::PropertyOwner,
        public,
        police: !public,
        duplicate_radius_m: 50.0,
        position: 0,
    }
}

/// A city, one district (a square around Tensta), a place, two partners,
/// categories and two zones: the district administration everywhere, the
/// owner in a circle around the centre, for graffiti only.
async fn fixture(store: &Store) {
    store
        .upsert_area(&Area::new(code("stockholm"), Name::new("Stockholm").unwrap(), AreaLevel::City))
        .await
        .unwrap();
    let square = Polygon::from_lon_lat(&[vec![vec![
        [17.88, 59.38],
        [17.92, 59.38],
        [17.92, 59.41],
        [17.88, 59.41],
        [17.88, 59.38],
    ]]])
    .unwrap();
    let parent = |c: &str| vec![AreaParent { code: code(c), valid_from: None, valid_to: None }];
    let mut tensta = Area::new(code("tensta"), Name::new("Tensta").unwrap(), AreaLevel::District);
    tensta.parents = parent("stockholm");
    tensta.boundary = Some(square.clone());
    store.upsert_area(&tensta).await.unwrap();
    let mut centre =
        Area::new(code("tensta-centrum"), Name::new("Tensta centrum").unwrap(), AreaLevel::Place);
    centre.parents = parent("tensta");
    centre.location = Some(CENTRE);
    store.upsert_area(&centre).await.unwrap();
    for (c, kind) in [("sdf", PartnerKind::CityAdministration), ("owner", PartnerKind::PropertyOwner)] {
        let p = Partner { code: code(c), name: Name::new(c).unwrap(), kind };
        store.upsert_partner(&p).await.unwrap();
        store
            .set_partner_email(&p.code, Some(&Email::new(&format!("{c}@example.se")).unwrap()))
            .await
            .unwrap();
    }
    store.upsert_category(&category("klotter", None, Deadline::WorkingDays(2), true)).await.unwrap();
    store
        .upsert_category(&category("klotter-ovrigt", Some("klotter"), Deadline::WorkingDays(2), true))
        .await
        .unwrap();
    store.upsert_category(&category("droger", None, Deadline::Hours(24), false)).await.unwrap();
    store
        .upsert_category(&category("gomda-droger", Some("droger"), Deadline::Hours(24), false))
        .await
        .unwrap();
    let zone = |c: &str, partner: &str, boundary: Polygon, cats: &[&str]| Zone {
        code: code(c),
        name: c.into(),
        partner: code(partner),
        boundary,
        categories: cats.iter().map(|c| code(c)).collect(),
    };
    store.upsert_zone(&zone("sdf-all", "sdf", square, &[])).await.unwrap();
    store
        .upsert_zone(&zone("centre", "owner", Polygon::circle(CENTRE, 150.0, 32), &["klotter"]))
        .await
        .unwrap();
}

fn report(category: &str, at: LatLon) -> NewReport {
    NewReport {
        category: code(category),
        position: Some(at),
        place: None,
        seen_at: now_ms() - 3_600_000,
        description: "Klotter på väggen vid entrén.".into(),
        reporter: Reporter::resident(Some(Email::new("boende@example.se").unwrap())),
        source: "web".into(),
        photos: vec![],
        created_at: None,
    }
}

async fn reports_are_placed_routed_and_notified(store: Store) {
    fixture(&store).await;
    let made = store.create_report(&report("klotter-ovrigt", CENTRE)).await.unwrap();
    let r = &made.report;
    assert_eq!((r.area.as_str(), r.responsible.as_str()), ("tensta", "owner"));
    assert_eq!(r.zone.as_ref().map(Code::as_str), Some("centre"));
    assert_eq!(r.state, ReportState::Received);
    assert!(r.due_at > r.created_at + 86_400_000, "two working days is more than a day");
    assert_eq!(made.token.len(), 64);
    assert_eq!(store.report_by_token(&made.token).await.unwrap().unwrap().id, r.id);
    assert!(store.report_by_token("0".repeat(64).as_str()).await.unwrap().is_none());
    // Drugs at the same point: the owner's zone does not cover them, so the fallback takes them.
    let drugs = store.create_report(&report("gomda-droger", CENTRE)).await.unwrap().report;
    assert_eq!(drugs.responsible.as_str(), "sdf");
    // Graffiti 400 m away: outside the owner's circle.
    let far =
        store.create_report(&report("klotter-ovrigt", CENTRE.offset(400.0, 90.0))).await.unwrap().report;
    assert_eq!(far.responsible.as_str(), "sdf");
    // A place instead of a point.
    let mut by_place = report("klotter-ovrigt", CENTRE);
    by_place.position = None;
    by_place.place = Some(code("tensta-centrum"));
    let by_place = store.create_report(&by_place).await.unwrap().report;
    assert_eq!((by_place.position, by_place.responsible.as_str()), (Some(CENTRE), "owner"));
    let mail: Vec<(String, String)> =
        store.outbox(10).await.unwrap().into_iter().rev().map(|m| (m.recipient, m.record)).collect();
    assert_eq!(
        mail,
        vec![
            ("owner@example.se".into(), format!("report:{}", r.id)),
            ("sdf@example.se".into(), format!("report:{}", drugs.id)),
            ("sdf@example.se".into(), format!("report:{}", far.id)),
            ("owner@example.se".into(), format!("report:{}", by_place.id)),
        ]
    );
    let history = store.report_updates(r.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!((history[0].state, history[0].actor.as_str()), (Some(ReportState::Received), "public"));
}

async fn bad_reports_are_refused_and_store_nothing(store: Store) {
    fixture(&store).await;
    let invalid = |r: Result<_, StoreError>| match r {
        Err(StoreError::Invalid(e)) => e,
        other => panic!("expected an Invalid error, got {other:?}"),
    };
    let e = invalid(store.create_report(&report("klotter-ovrigt", LatLon::new(59.33, 18.06).unwrap())).await);
    assert_eq!(e.field, "position");
    let e = invalid(store.create_report(&report("klotter", CENTRE)).await);
    assert_eq!(e.field, "category", "a group is not a category");
    let e = invalid(store.create_report(&report("finns-inte", CENTRE)).await);
    assert_eq!(e.field, "category");
    let mut pnr = report("klotter-ovrigt", CENTRE);
    pnr.description = "Det var 19121212-1212 som klottrade".into();
    let e = invalid(store.create_report(&pnr).await);
    assert_eq!(e.field, "description");
    assert!(!e.to_string().contains("1212"), "the number is not echoed: {e}");
    let mut nowhere = report("klotter-ovrigt", CENTRE);
    nowhere.position = None;
    assert_eq!(invalid(store.create_report(&nowhere).await).field, "position");
    let endless = category("evig", Some("klotter"), Deadline::WorkingDays(4_000_000_000), true);
    let err = store.upsert_category(&endless).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref e) if e.field == "deadline"), "{err}");
    let mut future = report("klotter-ovrigt", CENTRE);
    future.seen_at = now_ms() + 86_400_000;
    assert_eq!(invalid(store.create_report(&future).await).field, "seen_at");
    let mut huge = report("klotter-ovrigt", CENTRE);
    huge.photos =
        vec![Photo { content_type: "image/png".into(), width: 1, height: 1, bytes: vec![0; 6 << 20] }];
    assert_eq!(invalid(store.create_report(&huge).await).field, "photo");
    assert_eq!(store.count_reports(&ReportQuery::default()).await.unwrap(), 0);
    assert!(store.outbox(10).await.unwrap().is_empty());
}

fn change(state: Option<ReportState>, note: &str) -> Change {
    Change {
        actor: "user:1".into(),
        actor_org: Some(code("owner")),
        state,
        note: note.into(),
        public: true,
        ..Change::default()
    }
}

async fn the_workflow_keeps_fixed_apart_from_closed_and_counts_reopening(store: Store) {
    fixture(&store).await;
    let id = store.create_report(&report("klotter-ovrigt", CENTRE)).await.unwrap().report.id;
    let r =
        store.change_report(id, &change(Some(ReportState::Acknowledged), "Vi tittar på det.")).await.unwrap();
    assert!(r.acknowledged_at.is_some());
    let err = store.change_report(id, &change(Some(ReportState::Received), "")).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref e) if e.field == "state"), "{err}");
    let (r, update_id) = store.apply_change(id, &change(Some(ReportState::Fixed), "Sanerat.")).await.unwrap();
    assert_eq!(r.state, ReportState::Fixed);
    let last = store.report_updates(id).await.unwrap().pop().unwrap();
    assert_eq!((last.id, last.note.as_str()), (update_id, "Sanerat."));
    assert!(r.fixed_at.is_some() && r.closed_at.is_some());
    let r = store.change_report(id, &change(Some(ReportState::Received), "Klottret är kvar.")).await.unwrap();
    assert_eq!((r.state, r.reopened, r.fixed_at), (ReportState::Received, 1, None));
    let r = store.change_report(id, &change(Some(ReportState::NoAction), "Hittades inte.")).await.unwrap();
    assert_eq!((r.fixed_at.is_none(), r.closed_at.is_some()), (true, true));
    let states: Vec<Option<ReportState>> =
        store.report_updates(id).await.unwrap().into_iter().map(|u| u.state).collect();
    assert_eq!(
        states,
        [
            ReportState::Received,
            ReportState::Acknowledged,
            ReportState::Fixed,
            ReportState::Received,
            ReportState::NoAction
        ]
        .map(Some)
    );
    // The reporter left an address: every public state change is mailed to them.
    let to_reporter = store.outbox(20).await.unwrap().iter().filter(|m| m.kind == "report.changed").count();
    assert_eq!(to_reporter, 4);
    // Re-routing hands the report to another organisation and notifies it.
    let other = store.create_report(&report("klotter-ovrigt", CENTRE)).await.unwrap().report.id;
    let rerouted = Change { reroute_to: Some(code("sdf")), ..change(None, "Inte vår mark.") };
    let r = store.change_report(other, &rerouted).await.unwrap();
    assert_eq!((r.responsible.as_str(), r.state, r.zone), ("sdf", ReportState::Received, None));
    assert_eq!(store.outbox(1).await.unwrap()[0].recipient, "sdf@example.se");
    // A duplicate must name its original.
    let err = store.change_report(other, &change(Some(ReportState::Duplicate), "")).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref e) if e.field == "duplicate_of"), "{err}");
    let dup = Change { duplicate_of: Some(id), ..change(Some(ReportState::Duplicate), "") };
    assert_eq!(store.change_report(other, &dup).await.unwrap().duplicate_of, Some(id));
    let fresh = store.create_report(&report("klotter-ovrigt", CENTRE)).await.unwrap().report.id;
    let notes = store.latest_public_notes(&[id, other, fresh]).await.unwrap();
    assert_eq!(notes.get(&id).map(String::as_str), Some("Hittades inte."));
    assert_eq!(notes.get(&other).map(String::as_str), Some("Inte vår mark."), "empty notes are skipped");
    assert!(!notes.contains_key(&fresh), "a report without a note has none");
    assert!(matches!(store.change_report(9999, &change(None, "x")).await, Err(StoreError::NotFound { .. })));
}

async fn queries_filter_and_figures_follow_the_reports(store: Store) {
    fixture(&store).await;
    let now = now_ms();
    let mut old = report("klotter-ovrigt", CENTRE);
    old.created_at = Some(now - 10 * 86_400_000);
    old.seen_at = now - 11 * 86_400_000;
    let overdue = store.create_report(&old).await.unwrap().report;
    let fixed = store.create_report(&report("klotter-ovrigt", CENTRE)).await.unwrap().report;
    store.change_report(fixed.id, &change(Some(ReportState::Fixed), "Klart.")).await.unwrap();
    let drugs = store.create_report(&report("gomda-droger", CENTRE)).await.unwrap().report;
    let ids = |rs: Vec<trygg_store::Report>| rs.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let q = |f: fn(&mut ReportQuery)| {
        let mut q = ReportQuery::default();
        f(&mut q);
        q
    };
    assert_eq!(
        ids(store.reports(&ReportQuery::default()).await.unwrap()),
        vec![drugs.id, fixed.id, overdue.id]
    );
    let overdue_q = ReportQuery { overdue_at: Some(now), ..ReportQuery::default() };
    assert_eq!(ids(store.reports(&overdue_q).await.unwrap()), vec![overdue.id]);
    assert_eq!(ids(store.reports(&q(|q| q.public_only = true)).await.unwrap()), vec![fixed.id, overdue.id]);
    assert_eq!(ids(store.reports(&q(|q| q.responsible = Some(code("sdf")))).await.unwrap()), vec![drugs.id]);
    assert_eq!(
        ids(store.reports(&q(|q| q.states = vec![ReportState::Fixed])).await.unwrap()),
        vec![fixed.id]
    );
    assert_eq!(store.reports(&q(|q| q.limit = Some(1))).await.unwrap().len(), 1);
    assert_eq!(
        ids(store
            .reports(&q(|q| {
                q.limit = Some(1);
                q.offset = Some(2)
            }))
            .await
            .unwrap()),
        vec![overdue.id]
    );
    assert_eq!(store.count_reports(&q(|q| q.areas = vec![code("tensta")])).await.unwrap(), 3);
    assert_eq!(store.count_reports(&q(|q| q.areas = vec![code("rinkeby")])).await.unwrap(), 0);
    let figures =
        store.report_figures(&[], now - 30 * 86_400_000, now + 60_000, now_ms(), false).await.unwrap();
    let graffiti = figures.iter().find(|f| f.category.as_str() == "klotter-ovrigt").unwrap();
    assert_eq!(
        (graffiti.reports, graffiti.fixed, graffiti.deadline_decided, graffiti.fixed_in_time),
        (2, 1, 2, 1)
    );
    assert_eq!(graffiti.share_in_time(), Some(0.5));
    assert!(graffiti.median_hours_to_fix.unwrap() < 1.0);
    let by_area = store
        .report_figures(&[code("tensta")], now - 30 * 86_400_000, now + 60_000, now, true)
        .await
        .unwrap();
    assert!(by_area.iter().all(|f| f.area.as_ref().map(Code::as_str) == Some("tensta")));
    assert_eq!(by_area.iter().map(|f| f.reports).sum::<i64>(), 3);
}

async fn likely_duplicates_are_near_recent_open_and_of_the_same_category(store: Store) {
    fixture(&store).await;
    let first = store.create_report(&report("klotter-ovrigt", CENTRE)).await.unwrap().report;
    store.create_report(&report("gomda-droger", CENTRE)).await.unwrap();
    let now = now_ms();
    let near = store.likely_duplicates(&code("klotter-ovrigt"), CENTRE.offset(30.0, 0.0), now).await.unwrap();
    assert_eq!(near.iter().map(|r| r.id).collect::<Vec<_>>(), vec![first.id]);
    assert!(
        store
            .likely_duplicates(&code("klotter-ovrigt"), CENTRE.offset(80.0, 0.0), now)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .likely_duplicates(&code("klotter-ovrigt"), CENTRE, now + 8 * 86_400_000)
            .await
            .unwrap()
            .is_empty()
    );
    store.change_report(first.id, &change(Some(ReportState::Fixed), "Klart.")).await.unwrap();
    assert!(store.likely_duplicates(&code("klotter-ovrigt"), CENTRE, now).await.unwrap().is_empty());
}

async fn photos_keys_outbox_and_meeting_log(store: Store) {
    fixture(&store).await;
    let mut with_photo = report("klotter-ovrigt", CENTRE);
    with_photo.photos =
        vec![Photo { content_type: "image/png".into(), width: 2, height: 3, bytes: vec![1, 2, 3, 4] }];
    with_photo.reporter = Reporter {
        kind: ReporterKind::Partner,
        user: None,
        partner: Some(code("owner")),
        role: Some("väktare".into()),
        email: None,
    };
    let r = store.create_report(&with_photo).await.unwrap().report;
    assert_eq!(r.reporter.partner.as_ref().map(Code::as_str), Some("owner"));
    let photos = store.report_photos(r.id).await.unwrap();
    assert_eq!((photos.len(), photos[0].width, photos[0].height), (1, 2, 3));
    assert_eq!(store.photo(photos[0].id).await.unwrap().unwrap().1, vec![1, 2, 3, 4]);

    let key = store.create_partner_key("cli", &code("owner"), "fixmystreet").await.unwrap();
    assert_eq!(store.partner_for_key(&key).await.unwrap(), Some(code("owner")));
    assert_eq!(store.partner_for_key("nope").await.unwrap(), None);
    assert_eq!(store.revoke_partner_keys("cli", &code("owner"), "fixmystreet").await.unwrap(), 1);
    assert_eq!(store.partner_for_key(&key).await.unwrap(), None);
    assert!(matches!(
        store.create_partner_key("cli", &code("ghost"), "x").await,
        Err(StoreError::NotFound { what: "partner", .. })
    ));

    let claimed = store.claim_mail(10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].attempts, 1);
    assert!(store.claim_mail(10).await.unwrap().is_empty(), "a claimed mail is leased");
    store.mark_mail_failed(claimed[0].id, "connection refused", 0).await.unwrap();
    let again = store.claim_mail(10).await.unwrap();
    assert_eq!((again.len(), again[0].attempts), (1, 2));
    store.mark_mail_sent(again[0].id).await.unwrap();
    store.mark_mail_failed(again[0].id, "late", 0).await.unwrap();
    assert!(store.claim_mail(10).await.unwrap().is_empty(), "a sent mail is never sent again");

    let d = store
        .add_est_decision(&code("tensta"), "2025-W14", "Fokus: Tensta centrum kvällstid.", "user:1")
        .await;
    assert_eq!(d.unwrap().week, "2025-W14");
    assert!(store.add_est_decision(&code("tensta"), "2025-14", "x", "user:1").await.is_err());
    assert_eq!(store.est_decisions(&code("tensta"), "2025-W14").await.unwrap().len(), 1);
    assert!(store.est_decisions(&code("tensta"), "2025-W15").await.unwrap().is_empty());
}

trygg_store::test_on_every_backend!(
    reports_are_placed_routed_and_notified,
    bad_reports_are_refused_and_store_nothing,
    the_workflow_keeps_fixed_apart_from_closed_and_counts_reopening,
    queries_filter_and_figures_follow_the_reports,
    likely_duplicates_are_near_recent_open_and_of_the_same_category,
    photos_keys_outbox_and_meeting_log,
);
