//! Seeding Järva into a database: counts, idempotence, hierarchy by date,
//! boundaries, places, exposure, strategy, organisation and audit.

use crate::seed_data::JARVA_DISTRICTS;
use jiff::civil::date;
use std::collections::BTreeSet;
use trygg_core::{AreaLevel, AreaParent, Code, ElementKind, GroupKind, PartnerKind};
use trygg_import::seed::{jarva, seed_jarva};
use trygg_store::Store;

fn code(s: &str) -> Code {
    Code::new(s).unwrap()
}

async fn count(store: &Store, level: AreaLevel) -> usize {
    store.areas(Some(level), false).await.unwrap().len()
}

async fn seeding_twice_gives_the_same_database(store: Store) {
    let first = seed_jarva(&store).await.unwrap();
    let areas = store.areas(None, true).await.unwrap();
    let (strategies, partners, groups) =
        (store.strategies().await.unwrap(), store.partners().await.unwrap(), store.groups().await.unwrap());
    let second = seed_jarva(&store).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(store.areas(None, true).await.unwrap(), areas);
    assert_eq!(store.strategies().await.unwrap(), strategies);
    assert_eq!(store.partners().await.unwrap(), partners);
    assert_eq!(store.groups().await.unwrap(), groups);
    assert_eq!(count(&store, AreaLevel::City).await, 1);
    assert_eq!(count(&store, AreaLevel::DistrictArea).await, 3);
    assert_eq!(count(&store, AreaLevel::District).await, 117);
    assert_eq!(count(&store, AreaLevel::Place).await, 11);
    assert_eq!(strategies.len(), 1);
}

async fn jarva_districts_change_district_area_on_the_merger(store: Store) {
    seed_jarva(&store).await.unwrap();
    for name in JARVA_DISTRICTS {
        let area = store.area(&Code::from_name(name).unwrap()).await.unwrap().unwrap();
        let old = if ["Akalla", "Hansta", "Husby", "Kista", "Rinkeby"].contains(&name) {
            "rinkeby-kista"
        } else {
            "spanga-tensta"
        };
        let expected = vec![
            AreaParent { code: code(old), valid_from: None, valid_to: Some(date(2023, 6, 30)) },
            AreaParent { code: code("jarva"), valid_from: Some(date(2023, 7, 1)), valid_to: None },
        ];
        let mut parents = area.parents.clone();
        parents.sort_by_key(|p| p.valid_from);
        assert_eq!(parents, expected, "{name}");
    }
    let akalla = store.area(&code("akalla")).await.unwrap().unwrap();
    let on = |y, m, d| akalla.parents_on(date(y, m, d)).cloned().collect::<Vec<_>>();
    assert_eq!(on(2023, 6, 30), [code("rinkeby-kista")]);
    assert_eq!(on(2023, 7, 1), [code("jarva")]);
    let vasastaden = store.area(&code("vasastaden")).await.unwrap().unwrap();
    assert_eq!(vasastaden.parents_on(date(2024, 1, 1)).collect::<Vec<_>>(), [&code("stockholm")]);
}

async fn district_areas_have_their_dates_and_children(store: Store) {
    seed_jarva(&store).await.unwrap();
    let children = |c: &'static str| {
        let store = store.clone();
        async move {
            let kids = store.children(&code(c), false).await.unwrap();
            kids.into_iter().map(|a| a.name.to_string()).collect::<BTreeSet<_>>()
        }
    };
    let expected: BTreeSet<_> = JARVA_DISTRICTS.iter().map(|s| s.to_string()).collect();
    assert_eq!(children("jarva").await, expected);
    assert_eq!(children("rinkeby-kista").await.len(), 5);
    assert_eq!(children("spanga-tensta").await.len(), 6);
    assert_eq!(children("stockholm").await.len(), 3 + 106);
    let jarva = store.area(&code("jarva")).await.unwrap().unwrap();
    assert_eq!((jarva.valid_from, jarva.valid_to), (Some(date(2023, 7, 1)), None));
    let st = store.area(&code("spanga-tensta")).await.unwrap().unwrap();
    assert_eq!(st.name.as_str(), "Spånga-Tensta");
    assert_eq!(st.valid_to, Some(date(2023, 6, 30)));
}

async fn boundaries_round_trip(store: Store) {
    seed_jarva(&store).await.unwrap();
    let seeded = jarva().unwrap();
    for c in ["tensta", "jarva", "spanga-tensta", "rinkeby-kista", "stockholm"] {
        let original = seeded.areas.iter().find(|a| a.code.as_str() == c).unwrap();
        let stored = store.area(&code(c)).await.unwrap().unwrap();
        assert!(stored.boundary.is_some(), "{c}");
        assert_eq!(stored.boundary, original.boundary, "{c}");
        assert_eq!(stored.boundary_source, original.boundary_source, "{c}");
    }
    let all = store.areas(None, true).await.unwrap();
    assert!(all.iter().filter(|a| a.level != AreaLevel::Place).all(|a| a.boundary.is_some()));
}

async fn every_place_lies_in_its_district(store: Store) {
    seed_jarva(&store).await.unwrap();
    let places = store.areas(Some(AreaLevel::Place), false).await.unwrap();
    assert_eq!(places.len(), 11);
    for p in &places {
        let [parent] = p.parents.as_slice() else { panic!("{}: {:?}", p.code, p.parents) };
        assert_eq!((parent.valid_from, parent.valid_to), (None, None));
        let district = store.area(&parent.code).await.unwrap().unwrap();
        assert_eq!(district.level, AreaLevel::District);
        let at = p.location.unwrap();
        assert!(district.boundary.unwrap().contains(at), "{} not in {}", p.code, parent.code);
        assert_eq!(p.boundary_source.as_deref(), Some("approximate position (±10 m), Trygg seed data"));
    }
    let tc = store.area(&code("tensta-centrum")).await.unwrap().unwrap();
    assert_eq!(tc.kind.as_deref(), Some("centre"));
    assert_eq!(tc.parents[0].code, code("tensta"));
    let hjulsta = store.area(&code("hjulsta-t")).await.unwrap().unwrap();
    assert_eq!(hjulsta.parents[0].code, code("tensta"));
}

async fn the_polices_particularly_vulnerable_areas_are_exposed(store: Store) {
    seed_jarva(&store).await.unwrap();
    let exposed: BTreeSet<_> = store
        .areas(None, false)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.exposed)
        .map(|a| a.code.to_string())
        .collect();
    let expected: BTreeSet<_> = ["husby", "rinkeby", "tensta"].map(String::from).into();
    assert_eq!(exposed, expected);
}

async fn the_strategy_has_its_elements_in_order(store: Store) {
    seed_jarva(&store).await.unwrap();
    let s = store.strategy_on(date(2024, 5, 1)).await.unwrap().unwrap();
    assert_eq!(s.code, code("jarva-2020-2025"));
    assert_eq!(s.name.as_str(), "Trygghetsstrategi Järva 2020–2025");
    assert_eq!((s.valid_from, s.valid_to), (date(2020, 1, 1), date(2025, 12, 31)));
    let areas: BTreeSet<_> = s.areas.iter().map(Code::as_str).collect();
    assert_eq!(areas, BTreeSet::from(["jarva", "rinkeby-kista", "spanga-tensta"]));
    let names = |k| s.elements_of(k).map(|e| e.name.as_str()).collect::<Vec<_>>();
    assert_eq!(
        names(ElementKind::Direction),
        [
            "Långsiktigt förebyggande arbete är grunden för ökad trygghet",
            "Stadsmiljön upplevs trygg och inbjuder till möten och rekreation för alla",
        ]
    );
    assert_eq!(
        names(ElementKind::WorkingMethod),
        [
            "Samverkan",
            "Delaktighet och förtroendeskapande arbete",
            "Systematiskt och kunskapsbaserat arbete",
            "Innovativt förhållningssätt",
        ]
    );
    assert_eq!(
        names(ElementKind::Perspective),
        ["Jämställdhetsperspektiv", "HBTQ-perspektiv", "Barnrättsperspektiv", "Funktionshinderperspektiv",]
    );
    assert_eq!(names(ElementKind::VulnerableGroup).len(), 3);
    let kinds: Vec<_> = s.elements.iter().map(|e| e.kind).collect();
    assert!(kinds.is_sorted(), "directions, methods, perspectives, groups: {kinds:?}");
    assert!(s.elements.iter().all(|e| !e.description.trim().is_empty()));
}

async fn partners_and_groups_are_seeded(store: Store) {
    seed_jarva(&store).await.unwrap();
    let partners = store.partners().await.unwrap();
    let kind_of = |c: &str| partners.iter().find(|p| p.code.as_str() == c).map(|p| p.kind);
    assert_eq!(kind_of("polisen-lpo-jarva"), Some(PartnerKind::Police));
    assert_eq!(kind_of("jarva-sdf"), Some(PartnerKind::CityAdministration));
    assert_eq!(kind_of("svenska-bostader"), Some(PartnerKind::CityCompany));
    assert_eq!(kind_of("familjebostader"), Some(PartnerKind::CityCompany));
    assert_eq!(kind_of("region-stockholm"), Some(PartnerKind::Region));
    assert_eq!(kind_of("trafikkontoret"), Some(PartnerKind::CityAdministration));
    assert_eq!(kind_of("jobbtorg-stockholm"), Some(PartnerKind::JobCentre));
    assert_eq!(kind_of("socialtjansten-jarva"), Some(PartnerKind::SocialServices));
    let groups = store.groups().await.unwrap();
    let kinds: Vec<_> = groups.iter().map(|g| g.kind).collect();
    assert_eq!(kinds, [GroupKind::Steering, GroupKind::Preparation, GroupKind::Working]);
    let members: Vec<_> = groups[0].members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(members, ["Stadsdelsdirektör", "Lokalpolisområdeschef"]);
    assert_eq!(groups[2].end_date, Some(date(2025, 12, 31)));
    assert!(groups.iter().all(|g| g.validate().is_ok()));
}

async fn the_seed_is_audited(store: Store) {
    let report = seed_jarva(&store).await.unwrap();
    let entries = store.audit_entries(1).await.unwrap();
    let e = &entries[0];
    assert_eq!((e.actor.as_str(), e.action.as_str(), e.record.as_str()), ("system", "seed.jarva", "areas"));
    assert_eq!(e.detail, report.to_string());
}

/// Where the seeded zones send reports: the most specific zone that names
/// the category, the district administration as the fallback.
async fn reports_are_routed_by_the_seeded_zones(store: Store) {
    seed_jarva(&store).await.unwrap();
    let routing = store.routing().await.unwrap();
    let route = |category: &str, lat: f64, lon: f64| {
        let c = routing.category(&code(category)).unwrap();
        let d = routing.route(c, trygg_core::LatLon::new(lat, lon).unwrap()).unwrap();
        (d.area.to_string(), d.responsible.to_string())
    };
    let tensta = |who: &str| ("tensta".to_owned(), who.to_owned());
    assert_eq!(route("klotter-ovrigt", 59.3940, 17.9042), tensta("fastighetsagare-tensta-centrum"));
    assert_eq!(route("gomda-droger", 59.3940, 17.9042), tensta("polisen-lpo-jarva"));
    assert_eq!(route("belysning-trasig", 59.3940, 17.9047), tensta("region-stockholm"));
    assert_eq!(route("belysning-trasig", 59.3940, 17.9042), tensta("trafikkontoret"));
    // 400 m east of the centre: the housing company's area.
    assert_eq!(route("nedskrapning-skrap", 59.3940, 17.9112), tensta("svenska-bostader"));
    // Berusade personer has no zone of its own: the district administration.
    assert_eq!(route("berusade-personer", 59.3940, 17.9042), tensta("jarva-sdf"));
    // Outside Järva (Södermalm): refused.
    let c = routing.category(&code("klotter-ovrigt")).unwrap();
    assert!(routing.route(c, trygg_core::LatLon::new(59.315, 18.07).unwrap()).is_err());
}

trygg_store::test_on_every_backend!(
    reports_are_routed_by_the_seeded_zones,
    seeding_twice_gives_the_same_database,
    jarva_districts_change_district_area_on_the_merger,
    district_areas_have_their_dates_and_children,
    boundaries_round_trip,
    every_place_lies_in_its_district,
    the_polices_particularly_vulnerable_areas_are_exposed,
    the_strategy_has_its_elements_in_order,
    partners_and_groups_are_seeded,
    the_seed_is_audited,
);
