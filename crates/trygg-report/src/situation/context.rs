//! Section 1: the population (by sex and age band) and its change, and the
//! police's classification of the area's districts.

use super::{Scope, SituationError, Window};
use std::collections::BTreeMap;
use trygg_core::Code;
use trygg_store::{PopulationCount, Store};

/// The context of the area.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    /// The population, if any source has it.
    pub population: Option<PopulationFigures>,
    /// The city's population in the same year, for rates.
    pub city_population: Option<i64>,
    /// The comparison area's population in the same year.
    pub comparison_population: Option<i64>,
    /// Names of the districts the police classify as particularly exposed.
    pub exposed: Vec<String>,
    /// Names of all districts of the area.
    pub districts: Vec<String>,
}

/// The population of the area in one year, from one source.
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationFigures {
    /// The source, e.g. `scb`.
    pub source: String,
    /// The year (31 December).
    pub year: i32,
    /// Inhabitants.
    pub total: i64,
    /// The year before and its total, if known.
    pub previous: Option<(i32, i64)>,
    /// Per age band, youngest first; bands as the source gives them.
    pub by_age: Vec<AgeBandCount>,
}

/// Inhabitants of one age band.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AgeBandCount {
    /// The band, e.g. `16-24` or `65+`.
    pub band: String,
    /// Women.
    pub women: Option<i64>,
    /// Men.
    pub men: Option<i64>,
    /// Everyone (women and men summed when the source gives no total).
    pub all: Option<i64>,
}

/// Loads the population and classification.
pub async fn load(store: &Store, scope: &Scope, window: &Window) -> Result<Context, SituationError> {
    let year = i32::from(window.period.year_number());
    let rows = summed_population(store.population_in(&scope.codes).await?, &scope.codes);
    let population = figures(&rows, year);
    let year_used = population.as_ref().map_or(year, |p| p.year);
    let total_of = |rows: &[(String, PopulationCount)]| {
        rows.iter()
            .find(|(_, r)| r.year == year_used && r.sex == "all" && r.age == "all")
            .map(|(_, r)| r.persons)
    };
    let city_population = match &scope.city {
        Some(city) => total_of(&store.population_in(std::slice::from_ref(&city.code)).await?),
        None => None,
    };
    let comparison_population = match &scope.comparison {
        Some((a, _)) => total_of(&store.population_in(std::slice::from_ref(&a.code)).await?),
        None => None,
    };
    Ok(Context {
        population,
        city_population,
        comparison_population,
        exposed: scope.districts.iter().filter(|d| d.exposed).map(|d| d.name.to_string()).collect(),
        districts: scope.districts.iter().map(|d| d.name.to_string()).collect(),
    })
}

/// For a custom set, the sums over its areas of the figures every one of them has
/// (a figure missing for one area would make the sum too small); one area's rows as they are.
fn summed_population(rows: Vec<(String, PopulationCount)>, codes: &[Code]) -> Vec<(String, PopulationCount)> {
    if codes.len() < 2 {
        return rows;
    }
    // (source, year, sex, age) → (persons, the areas that have it)
    type Key = (String, i32, String, String);
    let mut sums: BTreeMap<Key, (i64, Vec<Code>)> = BTreeMap::new();
    for (source, r) in rows {
        let e = sums.entry((source, r.year, r.sex.clone(), r.age.clone())).or_default();
        e.0 += r.persons;
        if let Some(a) = r.area
            && !e.1.contains(&a)
        {
            e.1.push(a);
        }
    }
    sums.into_iter()
        .filter(|(_, (_, areas))| areas.len() == codes.len())
        .map(|((source, year, sex, age), (persons, _))| {
            let row = PopulationCount {
                region: String::new(),
                area: Some(codes[0].clone()),
                year,
                sex,
                age,
                persons,
            };
            (source, row)
        })
        .collect()
}

/// The latest year at or before `year` that has a total, from the first source that has one.
fn figures(rows: &[(String, PopulationCount)], year: i32) -> Option<PopulationFigures> {
    let total = |source: &str, y: i32| {
        rows.iter()
            .find(|(s, r)| s == source && r.year == y && r.sex == "all" && r.age == "all")
            .map(|(_, r)| r.persons)
    };
    let (source, best) = rows
        .iter()
        .filter(|(_, r)| r.year <= year && r.sex == "all" && r.age == "all")
        .max_by_key(|(s, r)| (r.year, std::cmp::Reverse(s.clone())))
        .map(|(s, r)| (s.clone(), r.year))?;
    let mut by_age: BTreeMap<String, AgeBandCount> = BTreeMap::new();
    for (_, r) in rows.iter().filter(|(s, r)| *s == source && r.year == best && r.age != "all") {
        let e = by_age
            .entry(r.age.clone())
            .or_insert_with(|| AgeBandCount { band: r.age.clone(), ..Default::default() });
        match r.sex.as_str() {
            "women" => e.women = Some(r.persons),
            "men" => e.men = Some(r.persons),
            "all" => e.all = Some(r.persons),
            _ => {}
        }
    }
    let mut by_age: Vec<AgeBandCount> = by_age
        .into_values()
        .map(|mut b| {
            b.all = b.all.or(b.women.zip(b.men).map(|(w, m)| w + m));
            b
        })
        .collect();
    by_age.sort_by_key(|b| band_start(&b.band));
    Some(PopulationFigures {
        total: total(&source, best)?,
        previous: total(&source, best - 1).map(|t| (best - 1, t)),
        year: best,
        source,
        by_age,
    })
}

/// The first age of a band (`0-15` → 0, `65+` → 65), for ordering.
fn band_start(band: &str) -> u32 {
    band.trim_end_matches('+').split('-').next().and_then(|s| s.trim().parse().ok()).unwrap_or(u32::MAX)
}
