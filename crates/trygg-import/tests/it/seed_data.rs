//! The Järva seed as data, before any database: names, codes, boundaries.

use std::collections::BTreeSet;
use trygg_core::{Area, AreaLevel};
use trygg_import::seed::{SeedReport, jarva};

pub const JARVA_DISTRICTS: [&str; 11] = [
    "Akalla", "Hansta", "Husby", "Kista", "Rinkeby", "Bromsten", "Flysta", "Lunda", "Solhem", "Sundby",
    "Tensta",
];

#[test]
fn every_district_has_a_distinct_code_and_a_boundary() {
    let seed = jarva().unwrap();
    let districts: Vec<_> = seed.areas.iter().filter(|a| a.level == AreaLevel::District).collect();
    assert_eq!(districts.len(), 117);
    let codes: BTreeSet<_> = districts.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes.len(), 117);
    for d in &districts {
        let b = d.boundary.as_ref().expect("boundary");
        assert!(!b.polygons().is_empty() && b.polygons()[0][0].len() >= 4, "{}", d.code);
        assert!(d.boundary_source.as_deref().unwrap().contains("CC0 1.0"));
    }
}

#[test]
fn the_city_and_district_areas_have_their_districts_polygons() {
    let seed = jarva().unwrap();
    let area = |code: &str| -> &Area { seed.areas.iter().find(|a| a.code.as_str() == code).unwrap() };
    let district_source = area("tensta").boundary_source.clone().unwrap();
    let composed = format!("Sammansatt av stadsdelarnas gränser ({district_source})");
    for (code, polygons) in [("stockholm", 117), ("jarva", 11), ("rinkeby-kista", 5), ("spanga-tensta", 6)] {
        let a = area(code);
        let b = a.boundary.as_ref().expect(code);
        assert_eq!(b.polygons().len(), polygons, "{code}");
        assert_eq!(a.boundary_source.as_deref(), Some(composed.as_str()), "{code}");
    }
    let tensta = area("tensta").boundary.as_ref().unwrap();
    assert!(area("jarva").boundary.as_ref().unwrap().polygons().contains(&tensta.polygons()[0]));
    let centrum = area("tensta-centrum").location.unwrap();
    let contains = |code| area(code).boundary.as_ref().unwrap().contains(centrum);
    assert!(contains("spanga-tensta"));
    assert!(contains("jarva"));
    assert!(contains("stockholm"));
    assert!(!contains("rinkeby-kista"));
}

#[test]
fn names_are_title_cased_and_jarva_names_are_exact() {
    let seed = jarva().unwrap();
    let names: BTreeSet<_> = seed.areas.iter().map(|a| a.name.as_str()).collect();
    for name in JARVA_DISTRICTS {
        assert!(names.contains(name), "{name}");
    }
    for name in ["Hässelby gård", "Gamla stan", "Stora Mossen", "Ulvsunda industriområde"] {
        assert!(names.contains(name), "{name}");
    }
    let codes: BTreeSet<_> = seed.areas.iter().map(|a| a.code.as_str()).collect();
    for code in ["tensta", "hasselby-gard", "ulvsunda-industriomrade", "tensta-centrum"] {
        assert!(codes.contains(code), "{code}");
    }
}

#[test]
fn the_report_counts_what_the_seed_holds() {
    let report = jarva().unwrap().report();
    assert_eq!(
        report,
        SeedReport {
            cities: 1,
            district_areas: 3,
            districts: 117,
            exposed_districts: 3,
            places: 11,
            strategy_elements: 13,
            partners: 12,
            groups: 3,
            categories: 26,
            zones: 16,
        }
    );
    assert_eq!(
        report.to_string(),
        "1 city, 3 district areas, 117 districts (3 exposed), 11 places, \
         13 strategy elements, 12 partners, 3 groups, 26 incident categories, 16 zones"
    );
}
