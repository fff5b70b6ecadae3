//! The situation report's demo data: made once, inside Järva, with the
//! patterns the report should find (trends, hot spots, near repeats, women
//! less safe than men) and figures that add up.
//!
//! The binary's demo modules are compiled into this test as they are.

#[allow(dead_code)]
#[path = "../src/demo.rs"]
mod demo;
#[allow(dead_code)]
#[path = "../src/demo_plans.rs"]
mod demo_plans;

#[path = "../src/demo_reports.rs"]
mod demo_reports;
#[allow(dead_code)]
#[path = "../src/demo_situation.rs"]
mod demo_situation;

use demo_situation::*;
use std::collections::HashMap;
use trygg_core::{AreaLevel, Code, Date, LatLon};
use trygg_store::testing::TestDb;
use trygg_store::{AreaMethod, EventQuery, NewEvent, SurveyValue};

/// A fixed "today", so that the generator's tests do not depend on the clock.
fn until() -> Date {
    Date::new(2026, 11, 26).unwrap()
}

fn ms(y: i16, m: i8, d: i8) -> i64 {
    Date::new(y, m, d).unwrap().in_tz("Europe/Stockholm").unwrap().timestamp().as_millisecond()
}

fn demo_incidents() -> (Geography, Vec<NewEvent>) {
    let geo = Geography::jarva().unwrap();
    let events = incidents(&geo, DEMO_INCIDENTS_PER_YEAR, until()).unwrap();
    (geo, events)
}

#[tokio::test]
async fn prepare_twice_adds_nothing_and_everything_lies_in_its_district() {
    let db = TestDb::sqlite().await;
    let store = &db.store;
    demo::prepare(store).await.unwrap();
    let runs = store.import_runs(100_000).await.unwrap();
    let all = EventQuery::default();
    let events = store.events(&all).await.unwrap();
    let crimes = store.crime_counts(CRIME_SOURCE).await.unwrap();
    let population = store.population(POPULATION_SOURCE).await.unwrap();
    let surveys = store.survey_values(SURVEY).await.unwrap();
    let youth = store.survey_values(YOUTH_SURVEY).await.unwrap();

    demo::prepare(store).await.unwrap();
    assert_eq!(demo_situation::prepare(store).await.unwrap(), Made::default());
    assert_eq!(store.import_runs(100_000).await.unwrap().len(), runs.len(), "no new import runs");
    assert_eq!(store.events(&all).await.unwrap().len(), events.len());
    assert_eq!(store.crime_counts(CRIME_SOURCE).await.unwrap(), crimes);
    assert_eq!(store.population(POPULATION_SOURCE).await.unwrap(), population);
    assert_eq!(store.survey_values(SURVEY).await.unwrap(), surveys);
    assert_eq!(store.survey_values(YOUTH_SURVEY).await.unwrap(), youth);

    // Every synthetic import says so, and was made by the system.
    for r in runs.iter().filter(|r| r.source.starts_with("demo-") || r.source == YOUTH_SURVEY) {
        assert!(r.file_name.starts_with("demo: synt"), "{} is not labelled synthetic", r.file_name);
        assert_eq!(r.actor, "system");
    }

    // Every incident lies inside the stored boundary of the district it is filed under.
    let districts: HashMap<Code, _> = store
        .areas(Some(AreaLevel::District), true)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.code.clone(), a))
        .collect();
    let incidents: Vec<_> = events.iter().filter(|e| e.source == INCIDENT_SOURCE).collect();
    assert!(incidents.len() > 2 * DEMO_INCIDENTS_PER_YEAR, "{} incidents", incidents.len());
    for e in &incidents {
        let (Some(code), Some(p)) = (&e.event.area, e.event.position) else {
            panic!("{:?} unplaced", e.event)
        };
        assert_eq!(e.event.area_method, Some(AreaMethod::Point));
        let district = &districts[code];
        assert!(district.parents.iter().any(|p| p.code.as_str() == "jarva"), "{code} is not in Järva");
        assert!(
            district.boundary.as_ref().unwrap().contains(p),
            "{} at {p:?} is outside {code}",
            e.event.source_id
        );
    }

    // 2025 and 2026 both have incidents and reported crimes; the latest population years are there.
    for year in [2025, 2026] {
        let n = incidents
            .iter()
            .filter(|e| (ms(year, 1, 1)..ms(year + 1, 1, 1)).contains(&e.event.occurred_at))
            .count();
        assert!(n > DEMO_INCIDENTS_PER_YEAR / 2, "{n} incidents in {year}");
        let prefix = format!("{year}-T1");
        assert!(crimes.iter().any(|c| c.period == prefix && c.region == "Järva"), "no crimes in {prefix}");
    }
    for year in [2024, 2025] {
        assert!(
            population
                .iter()
                .any(|p| p.year == year && p.region == "Järva" && p.sex == "all" && p.age == "all")
        );
    }
    assert!(surveys.iter().any(|s| s.wave == 2025) && surveys.iter().any(|s| s.source_url.is_some()));
    assert!(youth.iter().all(|s| s.wave == 2024) && !youth.is_empty());

    // The rapid-action reports span 2025 and 2026.
    let reports = store.reports(&trygg_store::ReportQuery::default()).await.unwrap();
    for year in [2025, 2026] {
        assert!(
            reports.iter().any(|r| (ms(year, 1, 1)..ms(year + 1, 1, 1)).contains(&r.seen_at)),
            "no reports in {year}"
        );
    }
    db.finish().await;
}

#[test]
fn incidents_lie_in_their_districts_at_the_expected_rate() {
    let (geo, events) = demo_incidents();
    for e in &events {
        let p = e.position.unwrap();
        let d = geo.locate(p).unwrap();
        assert_eq!(e.area.as_ref(), Some(&geo.districts[d].code), "{}", e.source_id);
        assert!(INCIDENT_TYPES.contains(&e.category.as_str()));
    }
    let in_2025 = events.iter().filter(|e| (ms(2025, 1, 1)..ms(2026, 1, 1)).contains(&e.occurred_at)).count();
    let expected = DEMO_INCIDENTS_PER_YEAR as f64;
    assert!((in_2025 as f64 - expected).abs() < 0.1 * expected, "{in_2025} incidents in 2025");
    assert!(events.iter().all(|e| e.occurred_at >= ms(2024, 1, 1) && e.occurred_at < ms(2026, 11, 26)));
    let mut ids: Vec<&str> = events.iter().map(|e| e.source_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), events.len(), "source ids are unique");
}

#[test]
fn a_later_day_only_adds_events() {
    let geo = Geography::jarva().unwrap();
    let short = incidents(&geo, 3_000, Date::new(2024, 5, 1).unwrap()).unwrap();
    let long = incidents(&geo, 3_000, Date::new(2024, 9, 1).unwrap()).unwrap();
    assert!(long.len() > short.len() && !short.is_empty());
    assert_eq!(&long[..short.len()], &short[..]);
    assert!(long[short.len()].occurred_at >= ms(2024, 5, 1));
}

/// Incidents within 300 m of a hot spot between 1 January and 25 November of `year`.
fn near_spot(events: &[NewEvent], spot: LatLon, year: i16) -> usize {
    events
        .iter()
        .filter(|e| (ms(year, 1, 1)..ms(year, 11, 26)).contains(&e.occurred_at))
        .filter(|e| e.position.unwrap().distance_m(spot) < 300.0)
        .count()
}

#[test]
fn hot_spots_persist_grow_and_fade() {
    let (geo, events) = demo_incidents();
    let spots: Vec<LatLon> = geo.hot_spots().collect();
    // In the order of the demo's hot spots: Tensta centrum, Rinkeby torg, Husby centrum.
    let (tensta, rinkeby, husby) = (spots[0], spots[1], spots[2]);
    let ratio = |p| near_spot(&events, p, 2026) as f64 / near_spot(&events, p, 2025) as f64;
    assert!(ratio(rinkeby) > 1.3, "Rinkeby torg 2026/2025 = {}", ratio(rinkeby));
    assert!(ratio(husby) < 0.65, "Husby centrum 2026/2025 = {}", ratio(husby));
    assert!((0.85..1.3).contains(&ratio(tensta)), "Tensta centrum 2026/2025 = {}", ratio(tensta));
    // A hot spot holds far more incidents than a random place of the same size.
    let n = near_spot(&events, tensta, 2025) as f64;
    assert!(n > 300.0, "{n} incidents near Tensta centrum in 2025");
}

#[test]
fn burglaries_repeat_nearby_more_often_than_by_chance() {
    let (_, events) = demo_incidents();
    let burglaries: Vec<(LatLon, i64)> = events
        .iter()
        .filter(|e| e.category == "Inbrott")
        .map(|e| (e.position.unwrap(), e.occurred_at))
        .collect();
    assert!(burglaries.len() > 1000, "{} burglaries", burglaries.len());
    let (mut close_space, mut close_time, mut both, mut pairs) = (0u64, 0u64, 0u64, 0u64);
    for (i, (p, t)) in burglaries.iter().enumerate() {
        for (q, u) in &burglaries[i + 1..] {
            let near = p.distance_m(*q) <= 200.0;
            let soon = (t - u).abs() <= 14 * 86_400_000;
            pairs += 1;
            close_space += u64::from(near);
            close_time += u64::from(soon);
            both += u64::from(near && soon);
        }
    }
    // Knox ratio: observed close pairs over those expected if place and time were independent.
    let expected = close_space as f64 * close_time as f64 / pairs as f64;
    let knox = both as f64 / expected;
    assert!(knox > 1.5, "Knox ratio {knox:.2} ({both} observed, {expected:.0} expected)");
}

#[test]
fn hours_and_weekdays_follow_their_profiles() {
    let (_, events) = demo_incidents();
    // Midnight in Stockholm of every day, to read local hours and weekdays.
    let mut starts = Vec::new();
    let mut day = Date::new(2024, 1, 1).unwrap();
    while day <= until() {
        starts.push(day.in_tz("Europe/Stockholm").unwrap().timestamp().as_millisecond());
        day = day.tomorrow().unwrap();
    }
    let local = |e: &NewEvent| {
        let i = starts.partition_point(|s| *s <= e.occurred_at) - 1;
        ((e.occurred_at - starts[i]) / 3_600_000, i % 7) // 2024-01-01 was a Monday
    };
    let share_daytime = |category: &str| {
        let of: Vec<_> = events.iter().filter(|e| e.category == category).map(local).collect();
        of.iter().filter(|(h, _)| (8..18).contains(h)).count() as f64 / of.len() as f64
    };
    assert!(share_daytime("Inbrott") > 0.55, "burglaries by day: {}", share_daytime("Inbrott"));
    assert!(share_daytime("Misshandel") < 0.35, "assaults by day: {}", share_daytime("Misshandel"));
    let by_weekday = events.iter().map(local).fold([0usize; 7], |mut acc, (_, w)| {
        acc[w] += 1;
        acc
    });
    let (monday, saturday) = (by_weekday[0] as f64, by_weekday[5] as f64);
    assert!(saturday > 1.15 * monday, "Saturday {saturday}, Monday {monday}");
}

#[test]
fn reported_crimes_change_for_some_types_only_and_add_up() {
    let rows = crime_counts(until()).unwrap();
    let get = |region: &str, period: &str, group: &str| {
        rows.iter()
            .find(|c| c.region == region && c.period == period && c.crime_type == group)
            .unwrap_or_else(|| panic!("{region} {period} {group}"))
            .count
    };
    // Poisson z of 2026-T1+T2 against 2025-T1+T2.
    let z = |region: &str, group: &str| {
        let a = (get(region, "2025-T1", group) + get(region, "2025-T2", group)) as f64;
        let b = (get(region, "2026-T1", group) + get(region, "2026-T2", group)) as f64;
        (b - a) / (a + b).sqrt()
    };
    assert!(z("Järva", "Skadegörelse") > 3.0, "{}", z("Järva", "Skadegörelse"));
    assert!(z("Järva", "Narkotikabrott") < -3.0, "{}", z("Järva", "Narkotikabrott"));
    assert!(z("Järva", "Stöldbrott").abs() < 2.0, "{}", z("Järva", "Stöldbrott"));
    assert!(z("Järva", "Brott mot person").abs() < 2.0, "{}", z("Järva", "Brott mot person"));
    // 2026-T3 has not ended on 26 November, so neither it nor the year 2026 is there.
    assert!(!rows.iter().any(|c| c.period == "2026-T3" || c.period == "2026"));
    for region in ["Järva", "Stockholms stad"] {
        for year in ["2024", "2025"] {
            for group in CRIME_GROUPS {
                let tertials: i64 = (1..=3).map(|t| get(region, &format!("{year}-T{t}"), group)).sum();
                assert_eq!(get(region, year, group), tertials, "{region} {year} {group}");
            }
            let person = get(region, year, "Brott mot person");
            assert!(get(region, year, "Våldsbrott") <= person);
            let parts: i64 = ["Brott mot person", "Stöldbrott", "Skadegörelse", "Narkotikabrott"]
                .iter()
                .map(|g| get(region, year, g))
                .sum();
            assert!(get(region, year, "Samtliga brott") > parts);
        }
    }
    // A tertial's counts do not depend on the day they are made.
    let early = crime_counts(Date::new(2025, 1, 1).unwrap()).unwrap();
    assert!(early.iter().all(|c| rows.contains(c)) && early.iter().any(|c| c.period == "2024"));
}

#[test]
fn population_adds_up_and_is_of_plausible_size() {
    let rows = population().unwrap();
    let get = |region: &str, year: i32, sex: &str, age: &str| {
        rows.iter()
            .find(|p| p.region == region && p.year == year && p.sex == sex && p.age == age)
            .unwrap_or_else(|| panic!("{region} {year} {sex} {age}"))
            .persons
    };
    let geo = Geography::jarva().unwrap();
    for year in [2023, 2024, 2025] {
        let mut jarva = 0;
        for d in &geo.districts {
            let name = d.name.as_str();
            for sex in ["women", "men", "all"] {
                let bands: i64 = AGE_BANDS.iter().map(|a| get(name, year, sex, a)).sum();
                assert_eq!(get(name, year, sex, "all"), bands, "{name} {year} {sex}");
            }
            for age in AGE_BANDS.iter().chain(&["all"]) {
                assert_eq!(
                    get(name, year, "all", age),
                    get(name, year, "women", age) + get(name, year, "men", age)
                );
            }
            jarva += get(name, year, "all", "all");
        }
        assert_eq!(get("Järva", year, "all", "all"), jarva);
        assert!((80_000..110_000).contains(&jarva), "Järva {year}: {jarva}");
        assert!(
            get("Rinkeby-Kista", year, "all", "all") + get("Spånga-Tensta", year, "all", "all") == jarva,
            "the old district areas make up Järva"
        );
        assert!((14_000..18_000).contains(&get("Rinkeby", year, "all", "all")));
        assert!((17_000..21_000).contains(&get("Tensta", year, "all", "all")));
        assert!(get("Stockholms stad", year, "all", "all") > 10 * jarva);
    }
}

fn check_survey(values: &[SurveyValue]) {
    let mut by_key: HashMap<(&str, &str, &str), &SurveyValue> = HashMap::new();
    for v in values {
        let (n, y) = (v.respondents.unwrap(), v.yes_count.unwrap());
        assert!(0 <= y && y <= n && n > 0, "{v:?}");
        assert!((v.share - 100.0 * y as f64 / n as f64).abs() <= 0.05 + 1e-9, "{v:?}");
        assert!(v.source_url.is_none() && v.area.is_some());
        by_key.insert((v.region.as_str(), v.indicator.as_str(), v.group.as_str()), v);
    }
    for ((region, indicator, group), v) in &by_key {
        if *group == "all" {
            let (w, m) = (by_key[&(*region, *indicator, "women")], by_key[&(*region, *indicator, "men")]);
            assert_eq!(v.respondents.unwrap(), w.respondents.unwrap() + m.respondents.unwrap());
            assert_eq!(v.yes_count.unwrap(), w.yes_count.unwrap() + m.yes_count.unwrap());
        }
    }
}

#[test]
fn surveys_have_consistent_counts_and_women_feel_less_safe() {
    let city = synthetic_city_survey().unwrap();
    check_survey(&city);
    let youth = synthetic_youth_survey().unwrap();
    check_survey(&youth);
    assert!(youth.iter().all(|v| v.survey == YOUTH_SURVEY && v.wave == 2024));
    for region in ["Rinkeby-Kista", "Spånga-Tensta", "Järva", "Stockholms stad"] {
        let share = |group: &str| {
            city.iter()
                .find(|v| v.region == region && v.indicator == "otrygg_ensam_sent_kvall" && v.group == group)
                .unwrap()
                .share
        };
        assert!(
            share("women") > share("men") + 10.0,
            "{region}: women {} men {}",
            share("women"),
            share("men")
        );
    }
    let published = published_survey_values().unwrap();
    assert!(published.iter().all(|v| v.source_url.as_deref().is_some_and(|u| u.starts_with("https://"))));
    assert!(published.iter().any(|v| v.region == "Rinkeby-Kista" && v.wave == 2017 && v.share == 21.0));
}
