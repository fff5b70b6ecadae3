//! Governance records: meetings and decisions (validation, audit, overdue
//! flag), agreements (signatories, commitments, expiry and missing
//! follow-up flags, follow-up refused while the tertial is locked) and
//! working groups saved with their audit entry and expiry flag.

use jiff::civil::date;
use trygg_core::{
    ApprovalStage, Area, AreaLevel, Code, Group, GroupKind, GroupMember, MeasureStatus, Name, Partner,
    PartnerKind, Period,
};
use trygg_store::testing::execute_raw;
use trygg_store::{
    AgreementKind, Commitment, DecisionStatus, LOCKED, NewAgreement, NewDecision, NewMeeting, Signatory,
    Store, StoreError,
};

fn code(s: &str) -> Code {
    Code::new(s).unwrap()
}

/// Järva with partners (police, district administration), the steering group and one measure; its id.
async fn setup(store: &Store) -> i64 {
    let area = Area::new(code("jarva"), Name::new("Järva").unwrap(), AreaLevel::DistrictArea);
    store.upsert_area(&area).await.unwrap();
    let tensta = Area::new(code("tensta"), Name::new("Tensta").unwrap(), AreaLevel::District);
    store.upsert_area(&tensta).await.unwrap();
    for (c, name, kind) in [
        ("polisen", "Polisen, lokalpolisområde Järva", PartnerKind::Police),
        ("sdf", "Järva stadsdelsförvaltning", PartnerKind::CityAdministration),
        ("bostader", "Svenska Bostäder", PartnerKind::CityCompany),
    ] {
        store.upsert_partner(&Partner { code: code(c), name: Name::new(name).unwrap(), kind }).await.unwrap();
    }
    let steering = Group {
        code: code("styrgrupp"),
        name: Name::new("Lokal styrgrupp Järva").unwrap(),
        kind: GroupKind::Steering,
        mandate: "Prioritera och följa upp".into(),
        end_date: None,
        members: vec![],
    };
    store.upsert_group(&steering).await.unwrap();
    execute_raw(
        store,
        "INSERT INTO plans (kind, strategy, name, area, valid_from, valid_to, created_by, created_at) \
         VALUES ('overall', 's', 'Plan', 'jarva', '2026-01-01', '2026-12-31', 't', 1)",
    )
    .await
    .unwrap();
    execute_raw(
        store,
        "INSERT INTO measures (plan_id, name, goal, starts, ends, owner, follow_up, evidence_base, created_by, \
         created_at, updated_at) SELECT MAX(id), 'Belysning', 'Mål', '2026-01-01', '2026-12-31', 'TK', 'I', \
         'promising', 't', 1, 1 FROM plans",
    )
    .await
    .unwrap();
    store.measures(&[]).await.unwrap()[0].id
}

fn meeting() -> NewMeeting {
    NewMeeting {
        group: code("styrgrupp"),
        area: code("jarva"),
        held_on: date(2026, 3, 10),
        attendees: vec!["Polisen".into(), " ".into(), "Järva stadsdelsförvaltning".into()],
        agenda: "1. Lägesbild\n2. Handlingsplan".into(),
        minutes: "Lägesbilden godkändes.".into(),
    }
}

async fn actions(store: &Store, action: &str) -> Vec<trygg_store::AuditEntry> {
    store.audit_entries(1000).await.unwrap().into_iter().filter(|e| e.action == action).collect()
}

fn field(e: StoreError) -> &'static str {
    match e {
        StoreError::Invalid(i) => i.field,
        other => panic!("expected Invalid, got {other}"),
    }
}

async fn meetings_and_decisions_are_checked_audited_and_flagged(store: Store) {
    let measure = setup(&store).await;
    let m = store.create_meeting("user:1", &meeting()).await.unwrap();
    assert_eq!(m.attendees, ["Polisen", "Järva stadsdelsförvaltning"], "blank lines dropped");
    assert_eq!(store.meeting(m.id).await.unwrap().unwrap(), m);
    assert_eq!(store.meetings(&[code("jarva")]).await.unwrap(), std::slice::from_ref(&m));
    assert!(store.meetings(&[code("tensta")]).await.unwrap().is_empty(), "scoped by area");
    let audit = actions(&store, "meeting.create").await;
    assert_eq!((audit.len(), audit[0].record.as_str()), (1, format!("meeting:{}", m.id).as_str()));

    let bad = [
        (NewMeeting { attendees: vec![" ".into()], ..meeting() }, "attendees"),
        (NewMeeting { agenda: "  ".into(), ..meeting() }, "agenda"),
        (NewMeeting { minutes: "Ring 070-123 45 67".into(), ..meeting() }, "minutes"),
        (NewMeeting { group: code("okand"), ..meeting() }, "group"),
        (NewMeeting { area: code("atlantis"), ..meeting() }, "area"),
    ];
    for (m, expected) in bad {
        assert_eq!(field(store.create_meeting("user:1", &m).await.unwrap_err()), expected);
    }
    assert_eq!(store.meetings(&[]).await.unwrap().len(), 1, "nothing stored by refused meetings");

    let new = NewDecision {
        text: "Ta fram en handlingsplan för belysning".into(),
        owner: "Trafikkontoret".into(),
        due: date(2026, 5, 31),
        measure_id: Some(measure),
        problem_id: None,
    };
    let d = store.add_decision("user:1", m.id, &new).await.unwrap();
    assert_eq!((d.status, d.area.as_str(), d.measure_id), (DecisionStatus::Open, "jarva", Some(measure)));
    let later = NewDecision { due: date(2026, 9, 30), measure_id: None, ..new.clone() };
    let d2 = store.add_decision("user:1", m.id, &later).await.unwrap();
    assert_eq!(store.meeting_decisions(m.id).await.unwrap().len(), 2);
    let bad = [
        (NewDecision { text: " ".into(), ..new.clone() }, "text"),
        (NewDecision { owner: "kalle@example.se".into(), ..new.clone() }, "owner"),
        (NewDecision { measure_id: Some(measure + 99), ..new.clone() }, "measure"),
        (NewDecision { problem_id: Some(99), ..new.clone() }, "problem"),
    ];
    for (d, expected) in bad {
        assert_eq!(field(store.add_decision("user:1", m.id, &d).await.unwrap_err()), expected);
    }
    assert!(matches!(
        store.add_decision("user:1", m.id + 99, &new).await.unwrap_err(),
        StoreError::NotFound { what: "meeting", .. }
    ));

    // Overdue: open and past its due date.
    let jarva = [code("jarva")];
    let on = |y, mo, da| store.overdue_decisions(&jarva, date(y, mo, da));
    assert!(on(2026, 5, 31).await.unwrap().is_empty(), "due today is not overdue");
    assert_eq!(on(2026, 6, 1).await.unwrap().iter().map(|d| d.id).collect::<Vec<_>>(), [d.id]);
    assert_eq!(on(2026, 10, 1).await.unwrap().len(), 2);
    assert!(store.overdue_decisions(&[code("tensta")], date(2026, 10, 1)).await.unwrap().is_empty());

    // Done needs a day, not before the meeting; cancelled takes none.
    let set = |id, s, on| store.set_decision_status("user:2", id, s, on);
    assert_eq!(field(set(d.id, DecisionStatus::Done, None).await.unwrap_err()), "done_on");
    assert_eq!(field(set(d.id, DecisionStatus::Done, Some(date(2026, 1, 1))).await.unwrap_err()), "done_on");
    let cancelled_with_day = set(d2.id, DecisionStatus::Cancelled, Some(date(2026, 4, 1))).await;
    assert_eq!(field(cancelled_with_day.unwrap_err()), "done_on");
    let done = set(d.id, DecisionStatus::Done, Some(date(2026, 6, 3))).await.unwrap();
    assert_eq!(
        (done.status, done.done_on, done.updated_by.as_str()),
        (DecisionStatus::Done, Some(date(2026, 6, 3)), "user:2")
    );
    assert_eq!(on(2026, 10, 1).await.unwrap().iter().map(|d| d.id).collect::<Vec<_>>(), [d2.id]);
    set(d2.id, DecisionStatus::Cancelled, None).await.unwrap();
    assert!(on(2026, 10, 1).await.unwrap().is_empty(), "cancelled decisions are not overdue");
    let reopened = set(d.id, DecisionStatus::Open, None).await.unwrap();
    assert_eq!(reopened.done_on, None);
    assert_eq!(actions(&store, "decision.create").await.len(), 2);
    let updates = actions(&store, "decision.update").await;
    assert_eq!(updates.len(), 3, "only accepted changes are audited");
    assert!(
        updates
            .iter()
            .any(|e| e.record == format!("decision:{}", d.id) && e.detail == "open → done 2026-06-03")
    );
    assert!(matches!(
        set(d.id + 99, DecisionStatus::Open, None).await.unwrap_err(),
        StoreError::NotFound { what: "decision", .. }
    ));
}

fn promise(measure: Option<i64>) -> NewAgreement {
    NewAgreement {
        kind: AgreementKind::CitizenPromise,
        title: "Medborgarlöfte Järva 2026".into(),
        area: code("jarva"),
        valid_from: date(2026, 1, 1),
        valid_to: date(2026, 12, 31),
        signatories: vec![
            Signatory { partner: code("polisen"), signed_as: "Lokalpolisområdeschef".into() },
            Signatory { partner: code("sdf"), signed_as: "Stadsdelsdirektör".into() },
        ],
        commitments: vec![
            Commitment { text: "Fler trygghetsvandringar".into(), measure_id: None },
            Commitment { text: "Bättre belysning vid torget".into(), measure_id: measure },
        ],
    }
}

async fn agreements_need_signatories_and_commitments(store: Store) {
    let measure = setup(&store).await;
    let a = store.create_agreement("user:1", &promise(Some(measure))).await.unwrap();
    assert_eq!(a.signatories.len(), 2);
    assert_eq!(
        a.commitments[1],
        Commitment { text: "Bättre belysning vid torget".into(), measure_id: Some(measure) }
    );
    assert!(a.followups.is_empty());
    assert_eq!(store.agreement(a.id).await.unwrap().unwrap(), a);
    assert_eq!(store.agreements(&[code("jarva")]).await.unwrap(), std::slice::from_ref(&a));
    assert!(store.agreements(&[code("tensta")]).await.unwrap().is_empty());
    let audit = actions(&store, "agreement.create").await;
    assert_eq!((audit.len(), audit[0].record.clone()), (1, format!("agreement:{}", a.id)));

    // A single signatory is enough for a citizen promise, not for the collaboration agreement.
    let one = |kind, partner: &str| NewAgreement {
        kind,
        signatories: vec![Signatory { partner: code(partner), signed_as: "Chef".into() }],
        ..promise(None)
    };
    store.create_agreement("user:1", &one(AgreementKind::CitizenPromise, "polisen")).await.unwrap();
    let collab = one(AgreementKind::Collaboration, "polisen");
    assert_eq!(field(store.create_agreement("user:1", &collab).await.unwrap_err()), "signatories");
    let twice = NewAgreement {
        signatories: vec![
            Signatory { partner: code("polisen"), signed_as: "Chef".into() },
            Signatory { partner: code("polisen"), signed_as: "Biträdande chef".into() },
        ],
        ..collab.clone()
    };
    assert_eq!(field(store.create_agreement("user:1", &twice).await.unwrap_err()), "signatories");
    let no_police = NewAgreement {
        signatories: vec![
            Signatory { partner: code("sdf"), signed_as: "Stadsdelsdirektör".into() },
            Signatory { partner: code("bostader"), signed_as: "VD".into() },
        ],
        ..collab.clone()
    };
    assert_eq!(field(store.create_agreement("user:1", &no_police).await.unwrap_err()), "signatories");
    let ok = NewAgreement { kind: AgreementKind::Collaboration, ..promise(None) };
    assert_eq!(store.create_agreement("user:1", &ok).await.unwrap().kind, AgreementKind::Collaboration);

    let bad = [
        (NewAgreement { title: " ".into(), ..promise(None) }, "title"),
        (NewAgreement { valid_to: date(2025, 12, 31), ..promise(None) }, "valid_to"),
        (NewAgreement { signatories: vec![], ..promise(None) }, "signatories"),
        (
            NewAgreement {
                signatories: vec![Signatory { partner: code("okand"), signed_as: "Chef".into() }],
                ..promise(None)
            },
            "signatories",
        ),
        (
            NewAgreement {
                signatories: vec![Signatory { partner: code("polisen"), signed_as: " ".into() }],
                ..promise(None)
            },
            "signed_as",
        ),
        (NewAgreement { commitments: vec![], ..promise(None) }, "commitments"),
        (
            NewAgreement {
                commitments: vec![Commitment { text: "Ring 19121212-1212".into(), measure_id: None }],
                ..promise(None)
            },
            "commitments",
        ),
        (
            NewAgreement {
                commitments: vec![Commitment { text: "x".into(), measure_id: Some(measure + 9) }],
                ..promise(None)
            },
            "commitments",
        ),
        (NewAgreement { area: code("atlantis"), ..promise(None) }, "area"),
    ];
    for (a, expected) in bad {
        assert_eq!(field(store.create_agreement("user:1", &a).await.unwrap_err()), expected, "{a:?}");
    }
    assert_eq!(store.agreements(&[]).await.unwrap().len(), 3, "refused agreements leave nothing behind");
    assert_eq!(actions(&store, "agreement.create").await.len(), 3);
}

async fn agreement_followup_flags_and_the_lock(store: Store) {
    setup(&store).await;
    let a = store.create_agreement("user:1", &promise(None)).await.unwrap();
    let t1: Period = "2026-T1".parse().unwrap();
    let t2: Period = "2026-T2".parse().unwrap();
    // Flags: in May 2026 the last completed tertial is 2026-T1, without follow-up.
    assert_eq!(a.missing_followup(date(2026, 5, 15)), Some(t1));
    assert_eq!(a.missing_followup(date(2026, 2, 1)), None, "2025-T3 lies before the agreement");
    assert!(!a.is_expired(date(2026, 12, 31)) && a.is_expired(date(2027, 1, 1)));

    let f =
        store.report_agreement_followup("user:1", a.id, t1, MeasureStatus::Yellow, " På väg ").await.unwrap();
    assert_eq!((f.status, f.comment.as_str()), (MeasureStatus::Yellow, "På väg"));
    let a = store.agreement(a.id).await.unwrap().unwrap();
    assert_eq!(a.missing_followup(date(2026, 5, 15)), None, "the flag clears");
    assert_eq!(a.missing_followup(date(2026, 9, 1)), Some(t2));
    // A second report of the tertial replaces the first.
    store.report_agreement_followup("user:1", a.id, t1, MeasureStatus::Green, "Klart").await.unwrap();
    let a = store.agreement(a.id).await.unwrap().unwrap();
    assert_eq!(a.followups.len(), 1);
    assert_eq!(a.followups[0].status, MeasureStatus::Green);

    let report = |p: &str, c: &str| {
        let p: Period = p.parse().unwrap();
        let c = c.to_owned();
        let store = store.clone();
        async move { store.report_agreement_followup("user:1", a.id, p, MeasureStatus::Red, &c).await }
    };
    assert_eq!(field(report("2026", "x").await.unwrap_err()), "period");
    assert_eq!(field(report("2025-T3", "x").await.unwrap_err()), "period", "before the agreement");
    assert_eq!(field(report("2026-T2", "mejla kalle@example.se").await.unwrap_err()), "comment");
    assert_eq!(field(report("2026-T2", &"x".repeat(2001)).await.unwrap_err()), "comment");
    assert!(matches!(
        store.report_agreement_followup("user:1", a.id + 9, t1, MeasureStatus::Red, "").await.unwrap_err(),
        StoreError::NotFound { what: "agreement", .. }
    ));

    // The steering group's approval locks the tertial: refused and audited; withdrawing unlocks.
    let jarva = code("jarva");
    store.approve_tertial(&jarva, t2, ApprovalStage::Preparation, "user:3").await.unwrap();
    report("2026-T2", "före låset").await.unwrap();
    store.approve_tertial(&jarva, t2, ApprovalStage::Steering, "user:3").await.unwrap();
    assert!(store.is_locked(&jarva, t2).await.unwrap());
    let err = report("2026-T2", "efter låset").await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { what, .. } if what == LOCKED), "{err}");
    let refused = actions(&store, "agreement.followup.refused").await;
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].record, format!("agreement:{}", a.id));
    let a2 = store.agreement(a.id).await.unwrap().unwrap();
    assert_eq!(a2.followups.iter().find(|f| f.period == "2026-T2").unwrap().comment, "före låset");
    store.withdraw_approval(&jarva, t2, ApprovalStage::Steering, "user:3").await.unwrap();
    report("2026-T2", "efter upplåsning").await.unwrap();
    assert_eq!(actions(&store, "agreement.followup").await.len(), 4);
}

fn working_group(end: Option<jiff::civil::Date>) -> Group {
    Group {
        code: code("belysning-tensta"),
        name: Name::new("Belysning Tensta").unwrap(),
        kind: GroupKind::Working,
        mandate: "Kartlägga mörka platser".into(),
        end_date: end,
        members: vec![GroupMember {
            name: Name::new("Gatuchef").unwrap(),
            partner: Some(code("sdf")),
            role: Some("sammankallande".into()),
        }],
    }
}

async fn working_groups_are_saved_audited_and_expire(store: Store) {
    setup(&store).await;
    store.save_group("user:1", &working_group(Some(date(2026, 6, 30)))).await.unwrap();
    let mut changed = working_group(Some(date(2026, 12, 31)));
    changed.members.push(GroupMember {
        name: Name::new("Områdespolis").unwrap(),
        partner: Some(code("polisen")),
        role: None,
    });
    store.save_group("user:1", &changed).await.unwrap();
    let groups = store.groups().await.unwrap();
    let g = groups.iter().find(|g| g.code.as_str() == "belysning-tensta").unwrap();
    assert_eq!(g, &changed);
    assert!(!g.is_expired(date(2026, 12, 31)) && g.is_expired(date(2027, 1, 1)));
    let audit = actions(&store, "group.upsert").await;
    assert_eq!(audit.len(), 2);
    assert!(audit.iter().all(|e| e.record == "group:belysning-tensta"));
    assert!(
        audit.iter().any(|e| e.detail.ends_with("(new)"))
            && audit.iter().any(|e| !e.detail.ends_with("(new)"))
    );

    assert_eq!(field(store.save_group("user:1", &working_group(None)).await.unwrap_err()), "end_date");
    let mut bad = working_group(Some(date(2026, 6, 30)));
    bad.mandate = "Kontakta 070-123 45 67".into();
    assert_eq!(field(store.save_group("user:1", &bad).await.unwrap_err()), "mandate");
    let mut bad = working_group(Some(date(2026, 6, 30)));
    bad.members[0].partner = Some(code("okand"));
    assert_eq!(field(store.save_group("user:1", &bad).await.unwrap_err()), "members");
    assert_eq!(actions(&store, "group.upsert").await.len(), 2, "refused saves are not stored");
    let g =
        store.groups().await.unwrap().into_iter().find(|g| g.code.as_str() == "belysning-tensta").unwrap();
    assert_eq!(g.end_date, Some(date(2026, 12, 31)));
}

trygg_store::test_on_every_backend!(
    meetings_and_decisions_are_checked_audited_and_flagged,
    agreements_need_signatories_and_commitments,
    agreement_followup_flags_and_the_lock,
    working_groups_are_saved_audited_and_expire
);
