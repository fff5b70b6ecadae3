use jiff::civil::date;
use trygg_core::{
    Code, ElementKind, Group, GroupKind, GroupMember, Name, Partner, PartnerKind, StrategyElement,
    StrategyVersion,
};
use trygg_store::{Store, StoreError};

fn code(s: &str) -> Code {
    Code::new(s).unwrap()
}

fn element(kind: ElementKind, c: &str) -> StrategyElement {
    StrategyElement { kind, code: code(c), name: Name::new(c).unwrap(), description: format!("about {c}") }
}

async fn strategies_round_trip_and_apply_by_date(store: Store) {
    let s = StrategyVersion {
        code: code("jarva-2020-2025"),
        name: Name::new("Trygghetsstrategi Järva 2020–2025").unwrap(),
        valid_from: date(2020, 1, 1),
        valid_to: date(2025, 12, 31),
        areas: vec![],
        elements: vec![
            element(ElementKind::Direction, "langsiktigt"),
            element(ElementKind::WorkingMethod, "samverkan"),
            element(ElementKind::Perspective, "barnratt"),
        ],
    };
    store.upsert_strategy(&s).await.unwrap();
    store.upsert_strategy(&s).await.unwrap();
    assert_eq!(store.strategies().await.unwrap(), vec![s.clone()]);
    assert_eq!(store.strategy_on(date(2025, 12, 31)).await.unwrap(), Some(s));
    assert_eq!(store.strategy_on(date(2026, 1, 1)).await.unwrap(), None);
}

async fn partners_and_groups_round_trip(store: Store) {
    let police = Partner {
        code: code("polisen"),
        name: Name::new("Polisen, LPO Rinkeby").unwrap(),
        kind: PartnerKind::Police,
    };
    store.upsert_partner(&police).await.unwrap();
    assert_eq!(store.partners().await.unwrap(), vec![police]);

    let group = Group {
        code: code("styrgrupp"),
        name: Name::new("Lokal styrgrupp").unwrap(),
        kind: GroupKind::Steering,
        mandate: "Följa det strategiska arbetet".into(),
        end_date: None,
        members: vec![GroupMember {
            name: Name::new("Lokalpolisområdeschef").unwrap(),
            partner: Some(code("polisen")),
            role: Some("ledamot".into()),
        }],
    };
    store.upsert_group(&group).await.unwrap();
    assert_eq!(store.groups().await.unwrap(), vec![group]);

    let no_end = Group {
        code: code("arbetsgrupp"),
        name: Name::new("Arbetsgrupp").unwrap(),
        kind: GroupKind::Working,
        mandate: "x".into(),
        end_date: None,
        members: vec![],
    };
    assert!(matches!(store.upsert_group(&no_end).await, Err(StoreError::Invalid(_))));
}

trygg_store::test_on_every_backend!(strategies_round_trip_and_apply_by_date, partners_and_groups_round_trip);
