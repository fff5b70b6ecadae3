//! What the results page publishes of the plans: the measures under way and
//! done with the status of their latest approved tertial, and the indicator
//! trends of Järva and its district areas.
//!
//! Only approved figures are public: a measure's status and an indicator's
//! tertial value are shown when the steering group has approved (locked) the
//! tertial for the area; a yearly value when the year is over. Counts pass
//! through [`suppress`](super::suppress) with Järva as the total of its
//! district areas, so a hidden count cannot be subtracted out; a share or
//! rate is shown only when its base is known and at least the threshold.

use super::data::DISTRICT_AREAS;
use super::suppress::{Shown, THRESHOLD, protect_line};
use crate::AppState;
use std::collections::{BTreeSet, HashMap};
use trygg_core::{Code, Date, Factor, IndicatorSource, MeasureStatus, Period};
use trygg_store::{Category, Indicator, IndicatorValue, Result, SHARE_FIXED_IN_TIME};

/// The area whose figures are the total of [`DISTRICT_AREAS`].
pub const JARVA: &str = "jarva";

/// A measure as published.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicMeasure {
    /// The measure's name.
    pub name: String,
    /// Its plan's name.
    pub plan: String,
    /// The organisation that owns it.
    pub owner: String,
    /// First day.
    pub starts: Date,
    /// Last day.
    pub ends: Date,
    /// Whether it has ended.
    pub done: bool,
    /// The status of the latest tertial approved by the steering group, if any.
    pub status: Option<(Period, MeasureStatus)>,
    /// The names of its indicators that may be public (see [`public_source`]), in the page language.
    pub indicators: Vec<String>,
}

/// One indicator's published values: one row per period, one cell per area.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    /// The indicator's code.
    pub code: Code,
    /// Its name in the page language.
    pub name: String,
    /// How the values are scaled.
    pub factor: Factor,
    /// The areas' names (Järva first), the columns.
    pub areas: Vec<String>,
    /// The periods (all tertials or all years), the rows, in time order.
    pub periods: Vec<Period>,
    /// `cells[period][area]`: the published figure.
    pub cells: Vec<Vec<Figure>>,
}

/// A published indicator value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Figure {
    /// No value for the area and period.
    Missing,
    /// A count shown, or hidden as below the threshold (or to protect one that is).
    Count(Shown),
    /// A scaled value whose base is at least the threshold.
    Value(f64),
    /// A scaled value hidden because its base is unknown or below the threshold.
    SmallBase,
}

impl Figure {
    /// The number to plot, if published.
    pub fn plotted(self) -> Option<f64> {
        match self {
            Figure::Count(Shown::Count(n)) => Some(n as f64),
            Figure::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// Caches whether the steering group has approved an area's tertial.
struct Locks<'s> {
    state: &'s AppState,
    known: HashMap<(Code, Period), bool>,
}

impl Locks<'_> {
    async fn locked(&mut self, area: &Code, period: Period) -> Result<bool> {
        if let Some(l) = self.known.get(&(area.clone(), period)) {
            return Ok(*l);
        }
        let l = self.state.store.is_locked(area, period).await?;
        self.known.insert((area.clone(), period), l);
        Ok(l)
    }
}

/// Whether a value of `period` may be published today: a tertial once locked
/// for `area`, a year once it is over.
async fn publishable(locks: &mut Locks<'_>, area: &Code, period: Period, today: Date) -> Result<bool> {
    match period {
        Period::Tertial(..) => locks.locked(area, period).await,
        Period::Year(_) => Ok(period.end() <= today),
    }
}

/// The measures that have started, with their approved status; under way first, then done.
pub async fn measures(state: &AppState, lang: &str, today: Date) -> Result<Vec<PublicMeasure>> {
    let (plans, measures, indicators, categories) = tokio::try_join!(
        state.store.plans(&[]),
        state.store.measures(&[]),
        state.store.indicators(),
        state.store.categories()
    )?;
    let indicators: Vec<Indicator> =
        indicators.into_iter().filter(|i| public_source(i, &categories)).collect();
    let started: Vec<_> = measures.into_iter().filter(|m| m.starts <= today).collect();
    let ids: Vec<i64> = started.iter().map(|m| m.id).collect();
    let rows = state.store.measure_followup_rows(&ids).await?;
    let mut locks = Locks { state, known: HashMap::new() };
    let mut out = Vec::new();
    for m in &started {
        let mut status: Option<(Period, MeasureStatus)> = None;
        for r in rows.iter().filter(|r| r.measure_id == m.id) {
            let Ok(p @ Period::Tertial(..)) = r.period.parse::<Period>() else {
                continue;
            };
            if status.is_none_or(|(q, _)| p > q) && locks.locked(&m.area, p).await? {
                status = Some((p, r.status));
            }
        }
        let names = m
            .indicators
            .iter()
            .filter_map(|c| indicators.iter().find(|i| &i.code == c).map(|i| i.name(lang).to_owned()))
            .collect();
        out.push(PublicMeasure {
            name: m.name.clone(),
            plan: plans.iter().find(|p| p.id == m.plan_id).map(|p| p.name.clone()).unwrap_or_default(),
            owner: m.owner.clone(),
            starts: m.starts,
            ends: m.ends,
            done: m.ends < today,
            status,
            indicators: names,
        });
    }
    out.sort_by(|a, b| a.done.cmp(&b.done).then(a.plan.cmp(&b.plan)).then(a.name.cmp(&b.name)));
    Ok(out)
}

/// The trends of every indicator with a publishable value for Järva or its district areas.
pub async fn trends(state: &AppState, lang: &str, today: Date) -> Result<Vec<Trend>> {
    let mut areas = vec![Code::new(JARVA).map_err(trygg_store::StoreError::from)?];
    for a in DISTRICT_AREAS {
        areas.push(Code::new(a).map_err(trygg_store::StoreError::from)?);
    }
    let mut names = Vec::new();
    for a in &areas {
        names.push(state.store.area(a).await?.map_or_else(|| a.to_string(), |x| x.name.to_string()));
    }
    let categories = state.store.categories().await?;
    let mut locks = Locks { state, known: HashMap::new() };
    let mut out = Vec::new();
    for ind in state.store.indicators().await?.into_iter().filter(|i| public_source(i, &categories)) {
        // values[area]: the publishable values of the whole population, by period.
        let mut values: Vec<Vec<(Period, IndicatorValue)>> = Vec::new();
        for a in &areas {
            let mut mine = Vec::new();
            for v in state.store.indicator_values(&ind.code, a).await? {
                let Ok(p) = v.period.parse::<Period>() else { continue };
                if v.group == "all" && publishable(&mut locks, a, p, today).await? {
                    mine.push((p, v));
                }
            }
            values.push(mine);
        }
        if let Some(trend) = trend(&ind, lang, &names, &values) {
            out.push(trend);
        }
    }
    Ok(out)
}

/// Whether an indicator's values may be public: one computed from incident
/// reports only when every category it counts is public (the category, its
/// group, and a group's every category); all reports together include the
/// non-public categories, so they are not published either.
pub fn public_source(ind: &Indicator, categories: &[Category]) -> bool {
    if ind.source != IndicatorSource::Reports {
        return true;
    }
    let query = match ind.query.split_once(':') {
        Some((SHARE_FIXED_IN_TIME, c)) => c,
        _ => ind.query.as_str(),
    };
    let public = |code: &str| categories.iter().any(|c| c.code.as_str() == code && c.public);
    let Some(category) = categories.iter().find(|c| c.code.as_str() == query) else {
        return false;
    };
    category.public
        && category.parent.as_ref().is_none_or(|p| public(p.as_str()))
        && categories
            .iter()
            .filter(|c| c.parent.as_ref().is_some_and(|p| p.as_str() == query))
            .all(|c| c.public)
}

/// One indicator's protected table: tertials if any tertial is publishable, else years.
fn trend(
    ind: &Indicator,
    lang: &str,
    names: &[String],
    values: &[Vec<(Period, IndicatorValue)>],
) -> Option<Trend> {
    let all = values.iter().flatten().map(|(p, _)| *p);
    let tertials = all.clone().any(|p| matches!(p, Period::Tertial(..)));
    let periods: Vec<Period> = all
        .filter(|p| matches!(p, Period::Tertial(..)) == tertials)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if periods.is_empty() {
        return None;
    }
    let value_of = |area: usize, p: Period| values[area].iter().find(|(q, _)| *q == p).map(|(_, v)| v);
    let cells = periods
        .iter()
        .map(|&p| {
            if ind.factor == Factor::Count {
                counts(&(0..values.len()).map(|a| value_of(a, p)).collect::<Vec<_>>())
            } else {
                (0..values.len()).map(|a| scaled(value_of(a, p))).collect()
            }
        })
        .collect();
    Some(Trend {
        code: ind.code.clone(),
        name: ind.name(lang).to_owned(),
        factor: ind.factor,
        areas: names.to_vec(),
        periods,
        cells,
    })
}

/// Protects one period's counts: the first is Järva, the total of the rest.
/// A missing district area counts as zero (hidden), so Järva minus the
/// others cannot reveal it; Järva itself is hidden when small or when
/// exactly one part is hidden.
fn counts(values: &[Option<&IndicatorValue>]) -> Vec<Figure> {
    let count = |v: Option<&IndicatorValue>| v.map_or(0, |v| v.value.round().max(0.0) as i64);
    let parts: Vec<i64> = values.iter().skip(1).map(|v| count(*v)).collect();
    let (shown, _) = protect_line(&parts, true, THRESHOLD);
    // With Järva shown, the hidden parts must never be exactly one (the
    // protected line hides two or none unless their sum is itself small).
    let jarva_hidden = shown.iter().filter(|s| s.is_hidden()).count() == 1;
    let figure = |v: Option<&IndicatorValue>, hidden: bool| match v {
        None => Figure::Missing,
        Some(_) if hidden || count(v) < THRESHOLD => Figure::Count(Shown::Hidden),
        Some(_) => Figure::Count(Shown::Count(count(v))),
    };
    let mut out = vec![figure(values.first().copied().flatten(), jarva_hidden)];
    for (v, s) in values.iter().skip(1).zip(shown) {
        out.push(figure(*v, s.is_hidden()));
    }
    out
}

/// A share or rate, shown when its base is at least the threshold.
fn scaled(v: Option<&IndicatorValue>) -> Figure {
    match v {
        None => Figure::Missing,
        Some(v) if v.denominator.is_some_and(|d| d >= THRESHOLD as f64) && v.value.is_finite() => {
            Figure::Value(v.value)
        }
        Some(_) => Figure::SmallBase,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trygg_store::ValueOrigin;

    fn value(n: f64, base: Option<f64>) -> IndicatorValue {
        IndicatorValue {
            indicator: Code::new("x").unwrap(),
            area: Code::new(JARVA).unwrap(),
            period: "2025-T2".into(),
            group: "all".into(),
            value: n,
            numerator: None,
            denominator: base,
            origin: ValueOrigin::Entered,
            source: "test".into(),
            entered_by: "test".into(),
            entered_at: 0,
        }
    }

    #[test]
    fn a_small_district_area_takes_the_other_with_it_when_jarva_is_shown() {
        let (j, a, b) = (value(23.0, None), value(3.0, None), value(20.0, None));
        let out = counts(&[Some(&j), Some(&a), Some(&b)]);
        assert_eq!(out[0], Figure::Count(Shown::Count(23)));
        assert_eq!(out[1], Figure::Count(Shown::Hidden));
        assert_eq!(out[2], Figure::Count(Shown::Hidden), "20 would give 23 − 20 = 3");
    }

    #[test]
    fn large_counts_are_shown_and_a_missing_area_protects_its_sibling() {
        let (j, a, b) = (value(30.0, None), value(12.0, None), value(18.0, None));
        let out = counts(&[Some(&j), Some(&a), Some(&b)]);
        assert_eq!(
            out,
            vec![
                Figure::Count(Shown::Count(30)),
                Figure::Count(Shown::Count(12)),
                Figure::Count(Shown::Count(18))
            ]
        );
        let out = counts(&[Some(&j), None, Some(&b)]);
        assert_eq!(out[1], Figure::Missing);
        assert_eq!(out[2], Figure::Count(Shown::Hidden), "Järva − 18 would give the missing area");
        let small = value(4.0, None);
        assert_eq!(counts(&[Some(&small)]), vec![Figure::Count(Shown::Hidden)]);
    }

    #[test]
    fn shares_need_a_base_of_the_threshold() {
        assert_eq!(scaled(Some(&value(40.0, Some(10.0)))), Figure::Value(40.0));
        assert_eq!(scaled(Some(&value(50.0, Some(4.0)))), Figure::SmallBase);
        assert_eq!(scaled(Some(&value(50.0, None))), Figure::SmallBase);
        assert_eq!(scaled(None), Figure::Missing);
    }
}
