//! Safety walks: recording a walk with route and participants (validation,
//! gender balance, audit), findings with responsible organisation from the
//! routing zones and deadlines of 6 or 12 months, closing as done or
//! declined, links to reports and measures, sending a finding on as an
//! incident report, and the share fixed within 6 and 12 months.

use jiff::civil::date;
use trygg_core::{
    Area, AreaLevel, AreaParent, Code, Deadline, LatLon, Name, Partner, PartnerKind, Period, Polygon,
};
use trygg_store::testing::execute_raw;
use trygg_store::{
    Category, Closure, FindingState, NewFinding, NewWalk, Participant, ParticipantGroup, Photo, Reporter,
    Store, StoreError, Zone, parse_route, route_geojson,
};

fn code(s: &str) -> Code {
    Code::new(s).unwrap()
}

const CENTRE: LatLon = LatLon { lat: 59.3940, lon: 17.9042 };
const OUTSIDE: LatLon = LatLon { lat: 59.3300, lon: 18.0600 };

/// Järva with Tensta (a square) below it, two partners, a graffiti
/// category and a lighting one, zones (the administration everywhere in
/// Tensta, the owner around the centre for graffiti), and one measure; its id.
async fn fixture(store: &Store) -> i64 {
    let parent = |c: &str| vec![AreaParent { code: code(c), valid_from: None, valid_to: None }];
    store
        .upsert_area(&Area::new(code("jarva"), Name::new("Järva").unwrap(), AreaLevel::DistrictArea))
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
    let mut tensta = Area::new(code("tensta"), Name::new("Tensta").unwrap(), AreaLevel::District);
    tensta.parents = parent("jarva");
    tensta.boundary = Some(square.clone());
    store.upsert_area(&tensta).await.unwrap();
    for (c, kind) in [("sdf", PartnerKind::CityAdministration), ("owner", PartnerKind::PropertyOwner)] {
        store.upsert_partner(&Partner { code: code(c), name: Name::new(c).unwrap(), kind }).await.unwrap();
    }
    for (c, parent) in [
        ("klotter", None),
        ("klotter-ovrigt", Some("klotter")),
        ("belysning", None),
        ("trasig-lampa", Some("belysning")),
    ] {
        let cat = Category {
            code: code(c),
            parent: parent.map(code),
            name_sv: c.into(),
            name_en: c.into(),
            description: "Beskrivning.".into(),
            deadline: Deadline::WorkingDays(2),
            responsible_kind: PartnerKind::PropertyOwner,
            public: true,
            police: false,
            duplicate_radius_m: 50.0,
            position: 0,
        };
        store.upsert_category(&cat).await.unwrap();
    }
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
    execute_raw(
        store,
        "INSERT INTO plans (kind, strategy, name, area, valid_from, valid_to, created_by, created_at) \
         VALUES ('overall', 's', 'Plan', 'jarva', '2026-01-01', '2026-12-31', 't', 1)",
    )
    .await
    .unwrap();
    execute_raw(
        store,
        "INSERT INTO measures (plan_id, name, goal, starts, ends, owner, follow_up, evidence_base, \
         created_by, created_at, updated_at) SELECT MAX(id), 'Belysning', 'Mål', '2026-01-01', \
         '2026-12-31', 'TK', 'I', 'promising', 't', 1, 1 FROM plans",
    )
    .await
    .unwrap();
    store.measures(&[]).await.unwrap()[0].id
}

fn walk(on: jiff::civil::Date) -> NewWalk {
    NewWalk {
        area: code("tensta"),
        walked_on: on,
        route: vec![CENTRE, LatLon { lat: 59.3960, lon: 17.9000 }, LatLon { lat: 59.3980, lon: 17.8950 }],
        notes: "Kvällsvandring.".into(),
        participants: vec![
            Participant {
                organisation: "Boende i Tensta".into(),
                group: ParticipantGroup::Residents,
                women: 6,
                men: 3,
                other: 1,
            },
            Participant {
                organisation: "Lokalpolisområde Järva".into(),
                group: ParticipantGroup::Police,
                women: 1,
                men: 1,
                other: 0,
            },
        ],
    }
}

fn finding(category: &str, at: LatLon, rebuild: bool) -> NewFinding {
    NewFinding {
        position: at,
        category: code(category),
        description: "Mörk gångväg, trasig lampa.".into(),
        photo: None,
        rebuild,
    }
}

fn photo() -> Photo {
    Photo {
        content_type: "image/jpeg".into(),
        width: 4,
        height: 3,
        bytes: vec![0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9],
    }
}

fn invalid_field(e: StoreError) -> &'static str {
    match e {
        StoreError::Invalid(i) => i.field,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

async fn walks_record_route_participants_and_refuse_bad_input(store: Store) {
    fixture(&store).await;
    let w = store.create_walk("user:1", &walk(date(2026, 4, 20))).await.unwrap();
    assert_eq!(w.route.len(), 3);
    assert_eq!(w.route[0], CENTRE);
    assert_eq!(w.gender_balance(), (7, 4, 1));
    assert_eq!(w.participants[1].group, ParticipantGroup::Police);
    assert_eq!(store.walk(w.id).await.unwrap(), Some(w.clone()));
    assert_eq!(store.walks(&[code("tensta")]).await.unwrap().len(), 1);
    assert!(store.walks(&[code("jarva")]).await.unwrap().is_empty());
    let audit = store.audit_entries(50).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "walk.create" && e.record == format!("walk:{}", w.id)));

    let mut bad = walk(date(2026, 4, 20));
    bad.route.truncate(1);
    assert_eq!(invalid_field(store.create_walk("u", &bad).await.unwrap_err()), "route");
    let mut bad = walk(date(2026, 4, 20));
    bad.area = code("nowhere");
    assert_eq!(invalid_field(store.create_walk("u", &bad).await.unwrap_err()), "area");
    let mut bad = walk(date(2026, 4, 20));
    bad.notes = "Ring mig på 070-123 45 67".into();
    assert_eq!(invalid_field(store.create_walk("u", &bad).await.unwrap_err()), "notes");
    let mut bad = walk(date(2026, 4, 20));
    bad.participants.iter_mut().for_each(|p| (p.women, p.men, p.other) = (0, 0, 0));
    assert_eq!(invalid_field(store.create_walk("u", &bad).await.unwrap_err()), "participants");
    let mut bad = walk(date(2026, 4, 20));
    bad.participants[0].men = -1;
    assert_eq!(invalid_field(store.create_walk("u", &bad).await.unwrap_err()), "participants");
    assert_eq!(store.walks(&[]).await.unwrap().len(), 1, "nothing stored by refused walks");
}

async fn routes_parse_from_lines_and_geojson(_store: Store) {
    let lines = parse_route("59.394, 17.9042\n\n59.396;17.90\n").unwrap();
    assert_eq!(lines, vec![LatLon { lat: 59.394, lon: 17.9042 }, LatLon { lat: 59.396, lon: 17.90 }]);
    let json = route_geojson(&lines);
    assert!(json.contains("\"LineString\""));
    assert_eq!(parse_route(&json).unwrap(), lines, "GeoJSON is [lon, lat]");
    assert!(parse_route("59.39, 17.90").is_err(), "one point is no route");
    assert!(parse_route("north, east\n1, 2").is_err());
    assert!(parse_route("95, 17\n59, 17").is_err(), "latitude out of range");
    assert!(parse_route("{\"type\":\"Point\",\"coordinates\":[17.9,59.3]}").is_err());
}

async fn findings_are_routed_with_deadlines_and_closed(store: Store) {
    let measure = fixture(&store).await;
    let w = store.create_walk("user:1", &walk(date(2026, 4, 20))).await.unwrap();
    let mut graffiti = finding("klotter-ovrigt", CENTRE, false);
    graffiti.photo = Some(photo());
    let a = store.add_finding("user:1", w.id, &graffiti).await.unwrap();
    assert_eq!(a.responsible, Some(code("owner")), "the owner's zone covers graffiti at the centre");
    assert_eq!(a.deadline, date(2026, 10, 20));
    assert_eq!((a.state, a.has_photo, a.area.as_str()), (FindingState::Open, true, "tensta"));
    assert_eq!(store.finding_photo(a.id, false).await.unwrap(), Some(photo()));
    assert_eq!(store.finding_photo(a.id, true).await.unwrap(), None);

    let b = store.add_finding("user:1", w.id, &finding("trasig-lampa", CENTRE, true)).await.unwrap();
    assert_eq!(b.responsible, Some(code("sdf")), "the owner's zone does not cover lighting");
    assert_eq!(b.deadline, date(2027, 4, 20), "rebuilding gets 12 months");
    let c = store.add_finding("user:1", w.id, &finding("trasig-lampa", OUTSIDE, false)).await.unwrap();
    assert_eq!(c.responsible, None, "no zone outside Tensta");
    assert!(c.is_overdue(date(2026, 10, 21)) && !c.is_overdue(date(2026, 10, 20)));

    for (f, field) in [
        (finding("klotter", CENTRE, false), "category"),
        (finding("okand", CENTRE, false), "category"),
        (NewFinding { description: "  ".into(), ..finding("klotter-ovrigt", CENTRE, false) }, "description"),
        (
            NewFinding {
                description: "Mejla anna@example.se".into(),
                ..finding("klotter-ovrigt", CENTRE, false)
            },
            "description",
        ),
        (
            NewFinding {
                photo: Some(Photo { content_type: "image/gif".into(), ..photo() }),
                ..finding("klotter-ovrigt", CENTRE, false)
            },
            "photo",
        ),
    ] {
        assert_eq!(invalid_field(store.add_finding("u", w.id, &f).await.unwrap_err()), field);
    }
    assert!(matches!(
        store.add_finding("u", 9999, &finding("klotter-ovrigt", CENTRE, false)).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.walk_findings(w.id).await.unwrap().len(), 3);

    // Closing: done not before the walk, with a photo; declined needs a reason; closed twice is a conflict.
    let early = Closure::Done { on: date(2026, 4, 19), photo: None };
    assert_eq!(invalid_field(store.close_finding("u", a.id, &early).await.unwrap_err()), "done_on");
    let done = Closure::Done { on: date(2026, 6, 1), photo: Some(photo()) };
    let a = store.close_finding("user:2", a.id, &done).await.unwrap();
    assert_eq!((a.state, a.done_on, a.has_done_photo), (FindingState::Done, Some(date(2026, 6, 1)), true));
    assert_eq!(store.finding_photo(a.id, true).await.unwrap(), Some(photo()));
    assert!(matches!(store.close_finding("u", a.id, &done).await, Err(StoreError::Conflict { .. })));
    let empty = Closure::Declined { reason: " ".into() };
    assert_eq!(invalid_field(store.close_finding("u", b.id, &empty).await.unwrap_err()), "reason");
    let why = Closure::Declined { reason: "Gångvägen rivs 2027 enligt detaljplanen.".into() };
    let b = store.close_finding("user:2", b.id, &why).await.unwrap();
    assert_eq!(b.state, FindingState::Declined);
    assert_eq!(b.decline_reason.as_deref(), Some("Gångvägen rivs 2027 enligt detaljplanen."));

    // Links: the measure must exist.
    assert_eq!(invalid_field(store.link_finding("u", c.id, None, Some(9999)).await.unwrap_err()), "measure");
    let c = store.link_finding("user:2", c.id, None, Some(measure)).await.unwrap();
    assert_eq!(c.measure_id, Some(measure));
    let audit = store.audit_entries(100).await.unwrap();
    for action in ["finding.create", "finding.close", "finding.link"] {
        assert!(audit.iter().any(|e| e.action == action), "{action} audited");
    }
}

async fn a_finding_is_sent_on_as_an_incident_report_once(store: Store) {
    fixture(&store).await;
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let w = store.create_walk("user:1", &walk(today.yesterday().unwrap())).await.unwrap();
    let mut f = finding("klotter-ovrigt", CENTRE, false);
    f.photo = Some(photo());
    let f = store.add_finding("user:1", w.id, &f).await.unwrap();
    let reporter = Reporter {
        kind: trygg_core::ReporterKind::Staff,
        user: None,
        partner: None,
        role: None,
        email: None,
    };
    let created = store.report_finding(f.id, reporter.clone()).await.unwrap();
    assert_eq!(created.report.category, code("klotter-ovrigt"));
    assert_eq!(created.report.responsible, code("owner"));
    assert_eq!(store.report_photos(created.report.id).await.unwrap().len(), 1, "the photo goes along");
    assert_eq!(store.finding(f.id).await.unwrap().unwrap().report_id, Some(created.report.id));
    assert!(matches!(store.report_finding(f.id, reporter).await, Err(StoreError::Conflict { .. })));
}

async fn the_share_fixed_counts_fixes_within_the_months(store: Store) {
    fixture(&store).await;
    let t1 = Period::tertial(2026, 1).unwrap();
    assert_eq!(store.share_fixed_within(&code("jarva"), 6, t1).await.unwrap(), None);
    let w = store.create_walk("u", &walk(date(2026, 3, 10))).await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(store.add_finding("u", w.id, &finding("trasig-lampa", CENTRE, false)).await.unwrap().id);
    }
    // Fixed after 2 months, after 10 months, declined, still open.
    store.close_finding("u", ids[0], &Closure::Done { on: date(2026, 5, 10), photo: None }).await.unwrap();
    store.close_finding("u", ids[1], &Closure::Done { on: date(2027, 1, 10), photo: None }).await.unwrap();
    store
        .close_finding("u", ids[2], &Closure::Declined { reason: "Ingen åtgärd behövs.".into() })
        .await
        .unwrap();
    // A walk in the next tertial does not count in T1.
    let later = store.create_walk("u", &walk(date(2026, 6, 1))).await.unwrap();
    store.add_finding("u", later.id, &finding("trasig-lampa", CENTRE, false)).await.unwrap();

    assert_eq!(
        store.share_fixed_within(&code("jarva"), 6, t1).await.unwrap(),
        Some(0.25),
        "Tensta is in Järva"
    );
    assert_eq!(store.share_fixed_within(&code("tensta"), 12, t1).await.unwrap(), Some(0.5));
    assert_eq!(
        store.share_fixed_within(&code("tensta"), 12, Period::tertial(2026, 2).unwrap()).await.unwrap(),
        Some(0.0)
    );
    assert!(store.share_fixed_within(&code("tensta"), 0, t1).await.is_err());
}

trygg_store::test_on_every_backend!(
    walks_record_route_participants_and_refuse_bad_input,
    routes_parse_from_lines_and_geojson,
    findings_are_routed_with_deadlines_and_closed,
    a_finding_is_sent_on_as_an_incident_report_once,
    the_share_fixed_counts_fixes_within_the_months
);
