//! Section 2: reported crime (aggregate statistics) and events, as counts
//! and rates per 1,000 inhabitants, each compared with the previous period,
//! the same period last year, the city and a comparison area, and each
//! change tested (the E-test of two Poisson rates) — never a bare "up 12 %".

use super::scope::Span;
use super::{Context, Scope, SituationError, Window};
use jiff::ToSpan;
use jiff::civil::Date;
use std::collections::{BTreeMap, BTreeSet};
use trygg_analysis::counts::{Alternative, RateMethod, compare_rates};
use trygg_core::Code;
use trygg_store::{CrimeCount, EventQuery, Store};

/// The significance level of every test in the report.
pub const ALPHA: f64 = 0.05;
/// At most this many event categories are listed (the rest are summed as "other").
const TOP_CATEGORIES: usize = 12;

/// What a figure is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// The previous period (cut to the same length).
    Previous,
    /// The same period a year earlier.
    LastYear,
    /// The city as a whole (rates).
    City,
    /// The comparison area (rates).
    ComparisonArea,
}

/// One comparison of a count.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// With what.
    pub basis: Basis,
    /// Its count.
    pub count: i64,
    /// Its rate per 1,000 inhabitants, if its population is known.
    pub rate: Option<f64>,
    /// The change from it in per cent (of the rate for places, of the count for times).
    pub change_pct: Option<f64>,
    /// The p-value of the E-test (two-sided); `None` if there is nothing to test.
    pub p: Option<f64>,
}

impl Comparison {
    /// Whether the difference is significant at [`ALPHA`].
    pub fn significant(&self) -> bool {
        self.p.is_some_and(|p| p < ALPHA)
    }
}

/// A row: one crime type or event category.
#[derive(Debug, Clone, PartialEq)]
pub struct CountRow {
    /// The type as the source names it; `None` for the total.
    pub label: Option<String>,
    /// The count in the period.
    pub count: i64,
    /// Per 1,000 inhabitants, if the population is known.
    pub rate: Option<f64>,
    /// The comparisons, in the order of [`CountTable::bases`].
    pub comparisons: Vec<Option<Comparison>>,
}

/// Where a table's counts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// Aggregate statistics of reported crimes (e.g. Brå).
    Statistics,
    /// Individual events (the police's events, incident systems).
    Events,
}

/// One source's counts for the area.
#[derive(Debug, Clone, PartialEq)]
pub struct CountTable {
    /// The source, e.g. `bra` or `polisen`.
    pub source: String,
    /// Statistics or events.
    pub kind: TableKind,
    /// The periods of the source summed for the current window (e.g. `2025-T1`, `2025-T2`).
    pub covered: Vec<String>,
    /// What the comparisons are with, in column order.
    pub bases: Vec<Basis>,
    /// The labels of the compared windows, in the same order.
    pub basis_labels: Vec<String>,
    /// For events the total first; then the types, largest first.
    pub rows: Vec<CountRow>,
    /// The population used for the rates: (year, persons).
    pub population: Option<(i32, i64)>,
}

/// Reported-crime statistics for the area, one table per source.
pub async fn crime(
    store: &Store,
    scope: &Scope,
    window: &Window,
    context: &Context,
) -> Result<Vec<CountTable>, SituationError> {
    let rows = summed_counts(store.crime_counts_in(&scope.codes).await?, &scope.codes);
    let city_rows = match &scope.city {
        Some(c) => store.crime_counts_in(std::slice::from_ref(&c.code)).await?,
        None => Vec::new(),
    };
    let other_rows = match &scope.comparison {
        Some((a, _)) => store.crime_counts_in(std::slice::from_ref(&a.code)).await?,
        None => Vec::new(),
    };
    let mut by_source: BTreeMap<&str, Vec<&CrimeCount>> = BTreeMap::new();
    let chosen = |r: &CrimeCount| scope.categories.is_empty() || scope.categories.contains(&r.crime_type);
    for (source, row) in rows.iter().filter(|(_, r)| chosen(r)) {
        by_source.entry(source).or_default().push(row);
    }
    let mut tables = Vec::new();
    for (source, rows) in by_source {
        let Some((covered, now)) = sum_window(&rows, &window.current) else { continue };
        let city: Vec<&CrimeCount> = city_rows.iter().filter(|(s, _)| s == source).map(|(_, r)| r).collect();
        let other: Vec<&CrimeCount> =
            other_rows.iter().filter(|(s, _)| s == source).map(|(_, r)| r).collect();
        let mut earlier = Vec::new();
        for (basis, span) in window.earlier() {
            // Compare like with like: the same number of days of the source's periods.
            let then = sum_window(&rows, span).filter(|(c, _)| same_length(days(c), days(&covered)));
            earlier.push((basis, span.label.clone(), then.map(|(_, t)| t)));
        }
        let same = |rows: &[&CrimeCount]| {
            sum_window(rows, &window.current).filter(|(c, _)| *c == covered).map(|(_, counts)| counts)
        };
        let places = [
            (Basis::City, same(&city), scope.city.is_some()),
            (Basis::ComparisonArea, same(&other), scope.comparison.is_some()),
        ];
        tables.push(assemble(
            source,
            TableKind::Statistics,
            covered,
            now,
            earlier,
            places,
            populations(context),
        ));
    }
    Ok(tables)
}

/// Populations for rates: the area's, the city's, the comparison area's.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Populations {
    area: Option<(i32, i64)>,
    city: Option<i64>,
    comparison: Option<i64>,
}

fn populations(context: &Context) -> Populations {
    Populations {
        area: context.population.as_ref().map(|p| (p.year, p.total)),
        city: context.city_population,
        comparison: context.comparison_population,
    }
}

/// Events of each source in the area, by category.
pub async fn events(
    store: &Store,
    scope: &Scope,
    window: &Window,
    context: &Context,
) -> Result<Vec<CountTable>, SituationError> {
    let mut tables = Vec::new();
    for source in store.event_sources().await? {
        let counts = |areas: Vec<Code>, span: &Span| {
            let q = EventQuery {
                areas,
                from: Some(span.from),
                to: Some(span.to),
                limit: None,
                source: Some(source.clone()),
                categories: scope.categories.clone(),
            };
            async move { store.event_counts(&q).await }
        };
        let now: BTreeMap<String, i64> =
            counts(scope.members.clone(), &window.current).await?.into_iter().collect();
        if now.is_empty() {
            continue;
        }
        let mut earlier = Vec::new();
        for (basis, span) in window.earlier() {
            let then: BTreeMap<String, i64> =
                counts(scope.members.clone(), span).await?.into_iter().collect();
            earlier.push((basis, span.label.clone(), Some(then)));
        }
        let other = match &scope.comparison {
            Some((_, members)) => Some(counts(members.clone(), &window.current).await?.into_iter().collect()),
            None => None,
        };
        let places = [(Basis::ComparisonArea, other, scope.comparison.is_some())];
        let now = top(now);
        let mut table = assemble(
            &source,
            TableKind::Events,
            vec![window.current.label.clone()],
            now,
            earlier,
            places,
            Populations::default(),
        );
        apply_rates(&mut table, populations(context));
        tables.push(table);
    }
    Ok(tables)
}

/// For a custom set, the sums over its areas of the counts every one of them
/// has; one area's rows as they are.
fn summed_counts(rows: Vec<(String, CrimeCount)>, codes: &[Code]) -> Vec<(String, CrimeCount)> {
    if codes.len() < 2 {
        return rows;
    }
    // (source, period, crime type) → (count, the areas that have it)
    type Key = (String, String, String);
    let mut sums: BTreeMap<Key, (i64, Vec<Code>)> = BTreeMap::new();
    for (source, r) in rows {
        let e = sums.entry((source, r.period.clone(), r.crime_type.clone())).or_default();
        e.0 += r.count;
        if let Some(a) = r.area
            && !e.1.contains(&a)
        {
            e.1.push(a);
        }
    }
    sums.into_iter()
        .filter(|(_, (_, areas))| areas.len() == codes.len())
        .map(|((source, period, crime_type), (count, _))| {
            let row =
                CrimeCount { region: String::new(), area: Some(codes[0].clone()), period, crime_type, count };
            (source, row)
        })
        .collect()
}

/// Keeps the largest categories and sums the rest under the empty label (shown as "other").
fn top(counts: BTreeMap<String, i64>) -> BTreeMap<String, i64> {
    if counts.len() <= TOP_CATEGORIES {
        return counts;
    }
    let mut sorted: Vec<(String, i64)> = counts.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let rest: i64 = sorted[TOP_CATEGORIES..].iter().map(|(_, n)| n).sum();
    let mut out: BTreeMap<String, i64> = sorted.into_iter().take(TOP_CATEGORIES).collect();
    out.insert(String::new(), rest);
    out
}

type Counts = BTreeMap<String, i64>;

/// Builds the rows: the total, then each type largest first, with every
/// comparison tested on counts (times: equal exposure per day) or rates (places).
fn assemble<const N: usize>(
    source: &str,
    kind: TableKind,
    covered: Vec<String>,
    now: Counts,
    earlier: Vec<(Basis, String, Option<Counts>)>,
    places: [(Basis, Option<Counts>, bool); N],
    pops: Populations,
) -> CountTable {
    let mut labels: Vec<String> = now.keys().cloned().collect();
    labels.sort_by(|a, b| {
        now[b].cmp(&now[a]).then_with(|| (a.is_empty()).cmp(&b.is_empty())).then_with(|| a.cmp(b))
    });
    labels.sort_by_key(|l| l.is_empty());
    let mut bases = Vec::new();
    let mut basis_labels = Vec::new();
    let mut columns: Vec<(Basis, Option<Counts>)> = Vec::new();
    for (basis, label, counts) in earlier {
        bases.push(basis);
        basis_labels.push(label);
        columns.push((basis, counts));
    }
    for (basis, counts, wanted) in places {
        if wanted {
            bases.push(basis);
            basis_labels.push(String::new());
            columns.push((basis, counts));
        }
    }
    // Statistics' crime types overlap (all crimes, violent crimes, crimes against
    // the person), so only the exclusive event categories get a total row.
    let total = |c: &Counts| c.values().sum::<i64>();
    let mut rows = Vec::new();
    if kind == TableKind::Events {
        rows.push(CountRow {
            label: None,
            count: total(&now),
            rate: None,
            comparisons: columns
                .iter()
                .map(|(b, c)| c.as_ref().map(|c| time_comparison(*b, total(&now), total(c))))
                .collect(),
        });
    }
    for label in labels {
        let n = now[&label];
        rows.push(CountRow {
            label: Some(label.clone()),
            count: n,
            rate: None,
            comparisons: columns
                .iter()
                .map(|(b, c)| c.as_ref().map(|c| time_comparison(*b, n, c.get(&label).copied().unwrap_or(0))))
                .collect(),
        });
    }
    let mut table =
        CountTable { source: source.to_owned(), kind, covered, bases, basis_labels, rows, population: None };
    apply_rates(&mut table, pops);
    table
}

/// A comparison over time: counts of equally long windows, E-test.
fn time_comparison(basis: Basis, now: i64, then: i64) -> Comparison {
    let p = compare_rates(
        now.max(0) as u64,
        1.0,
        then.max(0) as u64,
        1.0,
        RateMethod::ETest,
        Alternative::TwoSided,
    )
    .ok()
    .map(|t| t.p);
    Comparison { basis, count: then, rate: None, change_pct: change(now as f64, then as f64), p }
}

fn change(now: f64, then: f64) -> Option<f64> {
    (then > 0.0).then(|| (now - then) / then * 100.0)
}

/// Adds rates per 1,000 inhabitants where populations are known, and turns
/// the place comparisons into rate comparisons (E-test on count per inhabitant).
fn apply_rates(t: &mut CountTable, pops: Populations) {
    let Some((year, area_pop)) = pops.area else { return };
    if area_pop <= 0 {
        return;
    }
    t.population = Some((year, area_pop));
    let bases = t.bases.clone();
    for row in &mut t.rows {
        row.rate = Some(row.count as f64 / area_pop as f64 * 1000.0);
        for (basis, cmp) in bases.iter().zip(&mut row.comparisons) {
            let Some(cmp) = cmp else { continue };
            let pop = match basis {
                Basis::Previous | Basis::LastYear => Some(area_pop),
                Basis::City => pops.city,
                Basis::ComparisonArea => pops.comparison,
            };
            let Some(pop) = pop.filter(|p| *p > 0) else {
                if matches!(basis, Basis::City | Basis::ComparisonArea) {
                    cmp.p = None;
                    cmp.change_pct = None;
                }
                continue;
            };
            cmp.rate = Some(cmp.count as f64 / pop as f64 * 1000.0);
            if matches!(basis, Basis::City | Basis::ComparisonArea) {
                let test = compare_rates(
                    row.count.max(0) as u64,
                    area_pop as f64,
                    cmp.count.max(0) as u64,
                    pop as f64,
                    RateMethod::ETest,
                    Alternative::TwoSided,
                );
                cmp.p = test.ok().map(|t| t.p);
                cmp.change_pct = cmp.rate.and_then(|r| row.rate.and_then(|own| change(own, r)));
            }
        }
    }
}

/// Sums a source's rows over a window: of the granularities the source has
/// (year, tertial, month), the one that covers most days of the window
/// with periods lying wholly inside it. Returns the periods used and the
/// counts per type; `None` if no period of the source lies inside.
fn sum_window(rows: &[&CrimeCount], span: &Span) -> Option<(Vec<String>, Counts)> {
    let mut best: Option<(i64, Vec<String>)> = None;
    for granularity in [Granularity::Year, Granularity::Tertial, Granularity::Month] {
        let periods: BTreeSet<String> = rows
            .iter()
            .filter(|r| {
                period_days(&r.period)
                    .is_some_and(|(g, a, b)| g == granularity && a >= span.first_day && b <= span.end_day)
            })
            .map(|r| r.period.clone())
            .collect();
        let covered: Vec<String> = periods.into_iter().collect();
        let d = days(&covered);
        if d > 0 && best.as_ref().is_none_or(|(bd, _)| d > *bd) {
            best = Some((d, covered));
        }
    }
    let (_, covered) = best?;
    let mut counts = Counts::new();
    for r in rows.iter().filter(|r| covered.contains(&r.period)) {
        *counts.entry(r.crime_type.clone()).or_default() += r.count;
    }
    Some((covered, counts))
}

/// Whether two spans of days are comparable: equal but for leap days and month lengths (2 %).
fn same_length(a: i64, b: i64) -> bool {
    (a - b).abs() * 50 <= a.max(b)
}

/// Days covered by a list of periods.
fn days(periods: &[String]) -> i64 {
    periods.iter().filter_map(|p| period_days(p)).map(|(_, a, b)| i64::from((b - a).get_days())).sum()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Granularity {
    Year,
    Tertial,
    Month,
}

/// `2025` / `2025-T2` / `2025-06` → its granularity, first day and the day after.
fn period_days(s: &str) -> Option<(Granularity, Date, Date)> {
    if let Ok(p) = s.parse::<trygg_core::Period>() {
        let g =
            if matches!(p, trygg_core::Period::Year(_)) { Granularity::Year } else { Granularity::Tertial };
        return Some((g, p.start(), p.end()));
    }
    let (y, m) = s.split_once('-')?;
    let first = Date::new(y.parse().ok()?, m.parse().ok()?, 1).ok()?;
    Some((Granularity::Month, first, first.checked_add(1.month()).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_of_every_granularity() {
        let (g, a, b) = period_days("2025-T2").unwrap();
        assert_eq!(
            (g, a.to_string(), b.to_string()),
            (Granularity::Tertial, "2025-05-01".into(), "2025-09-01".into())
        );
        let (g, a, b) = period_days("2024-02").unwrap();
        assert_eq!(
            (g, a.to_string(), b.to_string()),
            (Granularity::Month, "2024-02-01".into(), "2024-03-01".into())
        );
        assert_eq!(days(&["2025".into()]), 365);
        assert!(period_days("junk").is_none());
    }

    #[test]
    fn a_change_is_tested_not_just_stated() {
        let big = time_comparison(Basis::Previous, 200, 100);
        assert!(big.significant() && (big.change_pct.unwrap() - 100.0).abs() < 1e-9);
        let small = time_comparison(Basis::Previous, 11, 10);
        assert!(!small.significant());
        assert_eq!(time_comparison(Basis::Previous, 0, 0).p, None);
    }
}
