use jiff::civil::date;
use trygg_core::{Area, AreaLevel, AreaParent, Code, LatLon, Name, Polygon};
use trygg_store::{Store, StoreError};

fn code(s: &str) -> Code {
    Code::new(s).unwrap()
}

fn area(c: &str, level: AreaLevel) -> Area {
    Area::new(code(c), Name::new(&c.to_uppercase()).unwrap(), level)
}

fn parent(c: &str, from: Option<jiff::civil::Date>, to: Option<jiff::civil::Date>) -> AreaParent {
    AreaParent { code: code(c), valid_from: from, valid_to: to }
}

async fn seed_hierarchy(store: &Store) -> Area {
    store.upsert_area(&area("stockholm", AreaLevel::City)).await.unwrap();
    let mut rk = area("rinkeby-kista", AreaLevel::DistrictArea);
    rk.parents = vec![parent("stockholm", None, None)];
    rk.valid_to = Some(date(2023, 6, 30));
    store.upsert_area(&rk).await.unwrap();
    let mut jarva = area("jarva", AreaLevel::DistrictArea);
    jarva.parents = vec![parent("stockholm", None, None)];
    jarva.valid_from = Some(date(2023, 7, 1));
    store.upsert_area(&jarva).await.unwrap();
    let mut husby = area("husby", AreaLevel::District);
    husby.parents = vec![
        parent("rinkeby-kista", None, Some(date(2023, 6, 30))),
        parent("jarva", Some(date(2023, 7, 1)), None),
    ];
    let ring = [(59.40, 17.90), (59.40, 17.95), (59.42, 17.95), (59.42, 17.90), (59.40, 17.90)];
    husby.boundary = Some(
        Polygon::new(vec![vec![ring.iter().map(|&(a, o)| LatLon::new(a, o).unwrap()).collect()]]).unwrap(),
    );
    husby.boundary_source = Some("test".into());
    store.upsert_area(&husby).await.unwrap();
    husby
}

async fn areas_round_trip_with_boundary_and_memberships(store: Store) {
    let husby = seed_hierarchy(&store).await;
    let back = store.area(&code("husby")).await.unwrap().unwrap();
    assert_eq!(back, husby);
    assert_eq!(back.parents_on(date(2024, 1, 1)).collect::<Vec<_>>(), [&code("jarva")]);
    assert!(store.area(&code("nowhere")).await.unwrap().is_none());

    let all = store.areas(None, false).await.unwrap();
    let levels: Vec<_> = all.iter().map(|a| a.level).collect();
    assert!(levels.is_sorted(), "ordered city first: {levels:?}");
    assert!(all.iter().all(|a| a.boundary.is_none()));
    let districts = store.areas(Some(AreaLevel::District), true).await.unwrap();
    assert_eq!(districts.len(), 1);
    assert!(districts[0].boundary.is_some());
    assert_eq!(districts[0].parents.len(), 2);

    let children = store.children(&code("jarva"), false).await.unwrap();
    assert_eq!(children.iter().map(|a| a.code.as_str()).collect::<Vec<_>>(), ["husby"]);
}

async fn upserting_again_replaces_instead_of_duplicating(store: Store) {
    let mut husby = seed_hierarchy(&store).await;
    husby.parents.pop();
    husby.exposed = true;
    husby.location = Some(LatLon::new(59.41, 17.92).unwrap());
    store.upsert_area(&husby).await.unwrap();
    store.upsert_area(&husby).await.unwrap();
    assert_eq!(store.area(&code("husby")).await.unwrap().unwrap(), husby);
    assert_eq!(store.areas(None, false).await.unwrap().len(), 4);
}

async fn parents_must_exist_and_sit_higher(store: Store) {
    seed_hierarchy(&store).await;
    let mut orphan = area("tensta", AreaLevel::District);
    orphan.parents = vec![parent("spanga-tensta", None, None)];
    let err = store.upsert_area(&orphan).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { what: "parent area", .. }), "{err}");

    let mut upside_down = area("kista", AreaLevel::DistrictArea);
    upside_down.parents = vec![parent("husby", None, None)];
    let err = store.upsert_area(&upside_down).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref e) if e.field == "parent"), "{err}");
    assert!(store.area(&code("kista")).await.unwrap().is_none(), "a failed upsert leaves nothing behind");
}

trygg_store::test_on_every_backend!(
    areas_round_trip_with_boundary_and_memberships,
    upserting_again_replaces_instead_of_duplicating,
    parents_must_exist_and_sit_higher,
);
