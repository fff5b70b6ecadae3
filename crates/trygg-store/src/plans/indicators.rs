//! Indicators as data (`indicators`), their targets per area and period
//! (`indicator_targets`) and their values per area, period and group
//! (`indicator_values`), either computed from the store or entered by hand
//! with their source.
//!
//! [`Store::compute_indicator_values`] derives each value from the
//! indicator's `source` and `query`: reported crimes per 1,000 inhabitants,
//! survey shares of the latest wave, incident-report counts and the share
//! fixed in time, serious talks held within 48 hours, and the shares of
//! measures reported green, yellow and red. Every value keeps its numerator
//! and denominator. A computed value never overwrites an entered one, and
//! nothing of a locked tertial (see `followup`) is entered or recomputed.

use super::followup::{LOCKED, lock_check_in};
use crate::{OptF64, Result, Store, StoreError, audit, now_ms, parse};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::{BTreeMap, BTreeSet};
use trygg_core::{
    Area, AreaLevel, Cadence, Code, Factor, IndicatorSource, Invalid, MeasureStatus, Period, Polarity, Sex,
};

/// The `query` of a reports indicator that asks for the share fixed within the deadline.
pub const SHARE_FIXED_IN_TIME: &str = "share_fixed_in_time";
/// The longest name, numerator or denominator text accepted.
const MAX_TEXT: usize = 500;
/// The longest source text of an entered value.
const MAX_SOURCE: usize = 1_000;

/// An indicator's definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    /// Stable code, e.g. `brott-samtliga`.
    pub code: Code,
    /// Swedish name.
    pub name_sv: String,
    /// English name.
    pub name_en: String,
    /// What is counted.
    pub numerator: String,
    /// What it is counted against, if anything (a count has none).
    pub denominator: Option<String>,
    /// How the value is scaled.
    pub factor: Factor,
    /// Where values come from.
    pub source: IndicatorSource,
    /// The source's parameter: a crime type, `survey:indicator`, a report
    /// category or [`SHARE_FIXED_IN_TIME`]; empty where none is needed.
    pub query: String,
    /// How values are broken down, e.g. `sex,age` (comma-separated).
    pub disaggregation: String,
    /// How often it is followed up.
    pub cadence: Cadence,
    /// Which way it should move.
    pub polarity: Polarity,
    /// The baseline value, if known.
    pub baseline_value: Option<f64>,
    /// The period of the baseline (`2024` or `2024-T3`).
    pub baseline_period: Option<String>,
}

impl Indicator {
    /// Its name in `lang` (`sv` or anything else for English).
    pub fn name(&self, lang: &str) -> &str {
        if lang == "sv" { &self.name_sv } else { &self.name_en }
    }

    /// Checks the definition: names and numerator given, a denominator
    /// exactly when the factor scales, a query where the source needs one
    /// (`survey:indicator` for a survey), a valid baseline period given with
    /// a finite baseline value.
    pub fn validate(&self) -> Result<(), Invalid> {
        let text = |field: &'static str, v: &str| {
            if v.trim().is_empty() || v.chars().count() > MAX_TEXT {
                Err(Invalid::new(field, v, format!("1–{MAX_TEXT} characters")))
            } else {
                Ok(())
            }
        };
        text("name_sv", &self.name_sv)?;
        text("name_en", &self.name_en)?;
        text("numerator", &self.numerator)?;
        match (&self.denominator, self.factor) {
            (Some(d), Factor::Count) => {
                return Err(Invalid::new("denominator", d, "no denominator for a count"));
            }
            (Some(d), _) => text("denominator", d)?,
            (None, Factor::Count) => {}
            (None, f) => return Err(Invalid::new("denominator", "", format!("a denominator for {f}"))),
        }
        let needs_query = matches!(
            self.source,
            IndicatorSource::Crime | IndicatorSource::Survey | IndicatorSource::Reports
        );
        if needs_query && self.query.trim().is_empty() {
            return Err(Invalid::new("query", "", format!("a query for the source {}", self.source)));
        }
        if self.source == IndicatorSource::Survey && survey_query(&self.query).is_none() {
            return Err(Invalid::new("query", &self.query, "survey:indicator, e.g. trygghetsmatningen:oro"));
        }
        if self.query.chars().count() > MAX_TEXT || self.disaggregation.chars().count() > MAX_TEXT {
            return Err(Invalid::new("query", &self.query, format!("at most {MAX_TEXT} characters")));
        }
        if let Some(v) = self.baseline_value
            && !v.is_finite()
        {
            return Err(Invalid::new("baseline_value", &v.to_string(), "a finite number"));
        }
        match (&self.baseline_value, &self.baseline_period) {
            (Some(_), Some(p)) => {
                p.parse::<Period>()?;
            }
            (None, None) => {}
            (Some(v), None) => return Err(Invalid::new("baseline_period", &v.to_string(), "a period")),
            (None, Some(p)) => return Err(Invalid::new("baseline_value", p, "a value with the period")),
        }
        Ok(())
    }
}

/// `survey:indicator` → `(survey, indicator)`.
fn survey_query(q: &str) -> Option<(&str, &str)> {
    let (s, i) = q.split_once(':')?;
    (!s.trim().is_empty() && !i.trim().is_empty()).then_some((s.trim(), i.trim()))
}

/// Where a value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueOrigin {
    /// Computed from the store.
    Computed,
    /// Entered by hand with a source.
    Entered,
}

impl ValueOrigin {
    /// `computed` or `entered`.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueOrigin::Computed => "computed",
            ValueOrigin::Entered => "entered",
        }
    }
}

/// One value of an indicator for an area, period and group.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorValue {
    /// The indicator.
    pub indicator: Code,
    /// The area.
    pub area: Code,
    /// `2025` or `2025-T2`.
    pub period: String,
    /// `all`, `women`, `men`, `girls`, `boys`, `age:15-17`, or for measures `green`, `yellow`, `red`, `not-reported`.
    pub group: String,
    /// The value on the indicator's scale.
    pub value: f64,
    /// What was counted, if known.
    pub numerator: Option<f64>,
    /// What it was counted against, if known.
    pub denominator: Option<f64>,
    /// Computed or entered.
    pub origin: ValueOrigin,
    /// Where it comes from (tables and periods used, or the entered source).
    pub source: String,
    /// Who computed or entered it.
    pub entered_by: String,
    /// When, epoch ms.
    pub entered_at: i64,
}

/// A value entered by hand.
#[derive(Debug, Clone, PartialEq)]
pub struct EnteredValue {
    /// The indicator.
    pub indicator: Code,
    /// The area.
    pub area: Code,
    /// The period.
    pub period: Period,
    /// `all`, `women`, `men`, `girls`, `boys`, `age:…` or `other:…`.
    pub group: String,
    /// The value on the indicator's scale.
    pub value: f64,
    /// What was counted, if known.
    pub numerator: Option<f64>,
    /// What it was counted against, if known.
    pub denominator: Option<f64>,
    /// Where the figure comes from (required).
    pub source: String,
}

/// A target of an indicator for an area and period.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorTarget {
    /// The indicator.
    pub indicator: Code,
    /// The area.
    pub area: Code,
    /// The period.
    pub period: String,
    /// The target value on the indicator's scale.
    pub value: f64,
}

/// Why no value of an indicator was computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// The source is entered by hand.
    EnteredByHand,
    /// The store holds no data of this source yet (safety walks).
    NoSourceData,
    /// The store holds no data for the area and period.
    NoData,
    /// No population figure for the area up to the period's year.
    NoPopulation,
    /// Computed per tertial only (the measures' status).
    TertialOnly,
}

/// What [`Store::compute_indicator_values`] did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ComputeOutcome {
    /// The values written.
    pub written: Vec<IndicatorValue>,
    /// The indicators without a value, and why.
    pub skipped: Vec<(Code, SkipReason)>,
}

const INDICATOR_COLUMNS: &str = "code, name_sv, name_en, numerator, denominator, factor, source, query, \
     disaggregation, cadence, polarity, baseline_value, baseline_period";
const VALUE_COLUMNS: &str =
    "indicator, area, period, grp, value, numerator, denominator, origin, source, entered_by, entered_at";

impl Store {
    /// Creates or replaces an indicator's definition after validating it; audited as `indicator.upsert`.
    pub async fn upsert_indicator(&self, actor: &str, i: &Indicator) -> Result<()> {
        i.validate()?;
        let mut tx = self.begin_write().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO indicators ({INDICATOR_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
             $12, $13) ON CONFLICT (code) DO UPDATE SET name_sv = $2, name_en = $3, numerator = $4, \
             denominator = $5, factor = $6, source = $7, query = $8, disaggregation = $9, cadence = $10, \
             polarity = $11, baseline_value = $12, baseline_period = $13"
        )))
        .bind(i.code.as_str())
        .bind(&i.name_sv)
        .bind(&i.name_en)
        .bind(&i.numerator)
        .bind(i.denominator.as_deref())
        .bind(i.factor.as_str())
        .bind(i.source.as_str())
        .bind(&i.query)
        .bind(&i.disaggregation)
        .bind(i.cadence.as_str())
        .bind(i.polarity.as_str())
        .bind(OptF64(i.baseline_value))
        .bind(i.baseline_period.as_deref())
        .execute(&mut *tx)
        .await?;
        let detail = format!("{} {} {}", i.source, i.query, i.factor);
        audit::append(&mut tx, actor, "indicator.upsert", &format!("indicator:{}", i.code), &detail).await?;
        tx.commit().await
    }

    /// Every indicator, by code.
    pub async fn indicators(&self) -> Result<Vec<Indicator>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INDICATOR_COLUMNS} FROM indicators ORDER BY code"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(indicator_from_row).collect()
    }

    /// One indicator.
    pub async fn indicator(&self, code: &Code) -> Result<Option<Indicator>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INDICATOR_COLUMNS} FROM indicators WHERE code = $1"
        )))
        .bind(code.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(indicator_from_row).transpose()
    }

    /// Sets the target of an indicator for an area and period (a finite
    /// number); audited as `indicator.target`.
    pub async fn set_indicator_target(
        &self,
        actor: &str,
        code: &Code,
        area: &Code,
        period: Period,
        value: f64,
    ) -> Result<()> {
        if !value.is_finite() {
            return Err(Invalid::new("target", &value.to_string(), "a finite number").into());
        }
        self.require_indicator(code).await?;
        self.require_area(area).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO indicator_targets (indicator, area, period, value) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (indicator, area, period) DO UPDATE SET value = $4",
        )
        .bind(code.as_str())
        .bind(area.as_str())
        .bind(period.to_string())
        .bind(value)
        .execute(&mut *tx)
        .await?;
        let detail = format!("{area} {period} {value}");
        audit::append(&mut tx, actor, "indicator.target", &format!("indicator:{code}"), &detail).await?;
        tx.commit().await
    }

    /// The targets of an indicator for an area, by period.
    pub async fn indicator_targets(&self, code: &Code, area: &Code) -> Result<Vec<IndicatorTarget>> {
        let rows = sqlx::query(
            "SELECT indicator, area, period, value FROM indicator_targets WHERE indicator = $1 AND area = $2 \
             ORDER BY period",
        )
        .bind(code.as_str())
        .bind(area.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(IndicatorTarget {
                    indicator: parse(r, "indicator")?,
                    area: parse(r, "area")?,
                    period: r.try_get("period")?,
                    value: r.try_get("value")?,
                })
            })
            .collect()
    }

    /// The values of an indicator for an area, by period and group.
    pub async fn indicator_values(&self, code: &Code, area: &Code) -> Result<Vec<IndicatorValue>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {VALUE_COLUMNS} FROM indicator_values WHERE indicator = $1 AND area = $2 ORDER BY period, grp"
        )))
        .bind(code.as_str())
        .bind(area.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(value_from_row).collect()
    }

    /// Enters a value by hand with its source, replacing any value of the
    /// same indicator, area, period and group. Refused (with an audit entry
    /// `indicator.refused`) while the area's tertial is locked; audited as
    /// `indicator.enter`.
    pub async fn enter_indicator_value(&self, actor: &str, v: &EnteredValue) -> Result<IndicatorValue> {
        check_group(&v.group)?;
        let source = v.source.trim();
        if source.is_empty() || source.chars().count() > MAX_SOURCE {
            return Err(Invalid::new("source", &v.source, format!("1–{MAX_SOURCE} characters")).into());
        }
        for (field, x) in
            [("value", Some(v.value)), ("numerator", v.numerator), ("denominator", v.denominator)]
        {
            if let Some(x) = x
                && !x.is_finite()
            {
                return Err(Invalid::new(field, &x.to_string(), "a finite number").into());
            }
        }
        self.require_indicator(&v.indicator).await?;
        self.require_area(&v.area).await?;
        let value = IndicatorValue {
            indicator: v.indicator.clone(),
            area: v.area.clone(),
            period: v.period.to_string(),
            group: v.group.clone(),
            value: v.value,
            numerator: v.numerator,
            denominator: v.denominator,
            origin: ValueOrigin::Entered,
            source: source.to_owned(),
            entered_by: actor.to_owned(),
            entered_at: now_ms(),
        };
        let chain = self.lock_chain(&v.area, v.period).await?;
        let mut tx = self.begin_write().await?;
        let record = format!("indicator:{}", v.indicator);
        if lock_check_in(&mut tx, &chain, v.period).await? {
            let detail = format!("enter {} {} {}: tertial locked", v.area, v.period, v.group);
            audit::append(&mut tx, actor, "indicator.refused", &record, &detail).await?;
            tx.commit().await?;
            return Err(locked(&v.area, v.period));
        }
        upsert_value(&mut tx, &value, false).await?;
        let detail = format!("{} {} {} = {} ({})", v.area, v.period, v.group, v.value, source);
        audit::append(&mut tx, actor, "indicator.enter", &record, &detail).await?;
        tx.commit().await?;
        Ok(value)
    }

    /// Computes the values of every indicator whose source is in the store
    /// for `area` (with the areas below it) and `period`, and upserts them
    /// (an entered value is kept). Refused, with an audit entry
    /// `indicator.refused`, while the area's tertial is locked; audited as
    /// `indicator.compute` with the number of values written.
    pub async fn compute_indicator_values(
        &self,
        area: &Code,
        period: Period,
        actor: &str,
    ) -> Result<ComputeOutcome> {
        let all = self.areas(None, false).await?;
        let Some(root) = all.iter().find(|a| &a.code == area) else {
            return Err(StoreError::NotFound { what: "area", key: area.to_string() });
        };
        if self.is_locked(area, period).await? {
            let detail = format!("compute {area} {period}: tertial locked");
            self.audit(actor, "indicator.refused", &format!("area:{area}"), &detail).await?;
            return Err(locked(area, period));
        }
        let scope = Scope::new(&all, root, period);
        let now = now_ms();
        let mut out = ComputeOutcome::default();
        for ind in self.indicators().await? {
            let computed = match ind.source {
                IndicatorSource::Crime => self.crime_values(&ind, &scope).await?,
                IndicatorSource::Survey => self.survey_share_values(&ind, &scope).await?,
                IndicatorSource::Reports => self.report_values(&ind, &scope, now).await?,
                IndicatorSource::SeriousTalks => self.talk_values(&ind, &scope, now).await?,
                IndicatorSource::Measures => self.measure_values(&ind, &scope).await?,
                IndicatorSource::Walks => self.walk_values(&ind, &scope).await?,
                IndicatorSource::Events => Err(SkipReason::NoSourceData),
                IndicatorSource::Entered => Err(SkipReason::EnteredByHand),
            };
            match computed {
                Ok(values) => out.written.extend(values.into_iter().map(|c| IndicatorValue {
                    indicator: ind.code.clone(),
                    area: area.clone(),
                    period: period.to_string(),
                    group: c.group,
                    value: c.value,
                    numerator: Some(c.numerator),
                    denominator: c.denominator,
                    origin: ValueOrigin::Computed,
                    source: c.source,
                    entered_by: actor.to_owned(),
                    entered_at: now,
                })),
                Err(reason) => out.skipped.push((ind.code.clone(), reason)),
            }
        }
        let chain = self.lock_chain(area, period).await?;
        let mut tx = self.begin_write().await?;
        if lock_check_in(&mut tx, &chain, period).await? {
            let detail = format!("compute {area} {period}: tertial locked");
            audit::append(&mut tx, actor, "indicator.refused", &format!("area:{area}"), &detail).await?;
            tx.commit().await?;
            return Err(locked(area, period));
        }
        for v in &out.written {
            upsert_value(&mut tx, v, true).await?;
        }
        let detail = format!("{area} {period}: {} values, {} skipped", out.written.len(), out.skipped.len());
        audit::append(&mut tx, actor, "indicator.compute", &format!("area:{area}"), &detail).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn require_indicator(&self, code: &Code) -> Result<()> {
        match self.indicator(code).await? {
            Some(_) => Ok(()),
            None => Err(StoreError::NotFound { what: "indicator", key: code.to_string() }),
        }
    }

    async fn require_area(&self, area: &Code) -> Result<()> {
        match self.area(area).await? {
            Some(_) => Ok(()),
            None => Err(StoreError::NotFound { what: "area", key: area.to_string() }),
        }
    }

    /// Reported crimes of the query's type per the factor of the population.
    async fn crime_values(&self, ind: &Indicator, s: &Scope) -> Result<Computed> {
        let rows = self.crime_counts_in(&s.members).await?;
        let own: Vec<_> = rows.iter().filter(|(_, r)| r.area.as_ref() == Some(&s.area)).collect();
        let below: Vec<_> =
            rows.iter().filter(|(_, r)| r.area.as_ref().is_some_and(|a| s.districts.contains(a))).collect();
        let mut best: Option<(i64, String, Vec<String>)> = None;
        for rows in [own, below] {
            let matching: Vec<(&str, &str)> = rows
                .iter()
                .filter(|(_, r)| r.crime_type == ind.query)
                .map(|(src, r)| (src.as_str(), r.period.as_str()))
                .collect();
            let sources: BTreeSet<&str> = matching.iter().map(|(s, _)| *s).collect();
            for source in sources {
                let periods: Vec<&str> =
                    matching.iter().filter(|(s, _)| *s == source).map(|(_, p)| *p).collect();
                if let Some(covered) = covering(&periods, s.period) {
                    let count: i64 = rows
                        .iter()
                        .filter(|(src, r)| {
                            src == source && r.crime_type == ind.query && covered.contains(&r.period)
                        })
                        .map(|(_, r)| r.count)
                        .sum();
                    best = Some((count, source.to_owned(), covered));
                    break;
                }
            }
            if best.is_some() {
                break;
            }
        }
        let Some((count, source, covered)) = best else { return Ok(Err(SkipReason::NoData)) };
        let Some((persons, pop_source, year)) = self.population_of(s).await? else {
            return Ok(Err(SkipReason::NoPopulation));
        };
        let Some(value) = ind.factor.apply(count as f64, Some(persons as f64)) else {
            return Ok(Err(SkipReason::NoPopulation));
        };
        Ok(Ok(vec![ComputedValue {
            group: "all".into(),
            value,
            numerator: count as f64,
            denominator: Some(persons as f64),
            source: format!(
                "crime_counts {source} {}: {count} \"{}\"; population {pop_source} {year}: {persons}",
                covered.join(","),
                ind.query
            ),
        }]))
    }

    /// The area's population of the latest year up to the period's: its own
    /// total, or the sum of its districts' totals of one source and year.
    async fn population_of(&self, s: &Scope) -> Result<Option<(i64, String, i32)>> {
        let year = i32::from(s.period.year_number());
        let rows = self.population_in(&s.members).await?;
        let totals: Vec<_> =
            rows.iter().filter(|(_, r)| r.sex == "all" && r.age == "all" && r.year <= year).collect();
        let own = totals
            .iter()
            .filter(|(_, r)| r.area.as_ref() == Some(&s.area))
            .max_by_key(|(src, r)| (r.year, std::cmp::Reverse(src.clone())));
        if let Some((src, r)) = own {
            return Ok(Some((r.persons, src.clone(), r.year)));
        }
        let mut sums: BTreeMap<(i32, String), (i64, usize)> = BTreeMap::new();
        for (src, r) in &totals {
            if r.area.as_ref().is_some_and(|a| s.districts.contains(a)) {
                let e = sums.entry((r.year, src.clone())).or_default();
                e.0 += r.persons;
                e.1 += 1;
            }
        }
        // The latest year with the most districts counted; first source by name.
        let best = sums.into_iter().max_by_key(|((y, src), (_, n))| (*y, *n, std::cmp::Reverse(src.clone())));
        Ok(best.map(|((year, src), (persons, _))| (persons, src, year)))
    }

    /// Shares of the latest survey wave up to the period's year, for all, women and men.
    async fn survey_share_values(&self, ind: &Indicator, s: &Scope) -> Result<Computed> {
        let Some((survey, question)) = survey_query(&ind.query) else { return Ok(Err(SkipReason::NoData)) };
        let year = i32::from(s.period.year_number());
        let values = self.survey_values(survey).await?;
        let usable: Vec<_> = values
            .iter()
            .filter(|v| v.indicator == question && v.wave <= year && v.area.as_ref() == Some(&s.area))
            .collect();
        let Some(wave) = usable.iter().map(|v| v.wave).max() else { return Ok(Err(SkipReason::NoData)) };
        let mut out = Vec::new();
        for group in ["all", "women", "men"] {
            let Some(v) = usable.iter().find(|v| v.wave == wave && v.group == group) else { continue };
            let (numerator, denominator) = match (v.yes_count, v.respondents) {
                (Some(k), Some(n)) => (k as f64, Some(n as f64)),
                _ => (v.share, Some(100.0)),
            };
            let value = match ind.factor {
                Factor::Percent => v.share,
                f => match f.apply(numerator, denominator) {
                    Some(x) => x,
                    None => continue,
                },
            };
            let url = v.source_url.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
            out.push(ComputedValue {
                group: group.to_owned(),
                value,
                numerator,
                denominator,
                source: format!("survey_values {survey} {question} wave {wave} {}{url}", v.region),
            });
        }
        Ok(if out.is_empty() { Err(SkipReason::NoData) } else { Ok(out) })
    }

    /// Incident reports made in the period: the count of a category (or
    /// its group's categories), or the share fixed within the deadline.
    async fn report_values(&self, ind: &Indicator, s: &Scope, now: i64) -> Result<Computed> {
        let figures = self.report_figures(&s.members, s.from_ms, s.to_ms, now, false).await?;
        let span = format!("reports {}–{}", s.period.start(), s.period.end());
        let (share, category) = match ind.query.split_once(':') {
            Some((SHARE_FIXED_IN_TIME, c)) => (true, Some(c)),
            None if ind.query == SHARE_FIXED_IN_TIME => (true, None),
            _ => (false, Some(ind.query.as_str())),
        };
        let parents: BTreeMap<Code, Option<Code>> =
            self.categories().await?.into_iter().map(|c| (c.code, c.parent)).collect();
        let chosen = |c: &Code| match category {
            None => true,
            Some(q) => {
                c.as_str() == q || parents.get(c).and_then(|p| p.as_ref()).is_some_and(|p| p.as_str() == q)
            }
        };
        let chosen: Vec<_> = figures.iter().filter(|f| chosen(&f.category)).collect();
        let value = if share {
            let decided: i64 = chosen.iter().map(|f| f.deadline_decided).sum();
            let in_time: i64 = chosen.iter().map(|f| f.fixed_in_time).sum();
            let Some(value) = ind.factor.apply(in_time as f64, Some(decided as f64)) else {
                return Ok(Err(SkipReason::NoData));
            };
            ComputedValue {
                group: "all".into(),
                value,
                numerator: in_time as f64,
                denominator: Some(decided as f64),
                source: format!("{span}: {in_time} of {decided} fixed within the deadline"),
            }
        } else {
            let count: i64 = chosen.iter().map(|f| f.reports).sum();
            ComputedValue {
                group: "all".into(),
                value: count as f64,
                numerator: count as f64,
                denominator: None,
                source: format!("{span}: {count} reports of {}", ind.query),
            }
        };
        Ok(Ok(vec![value]))
    }

    /// Serious talks held within 48 hours among those whose timeliness is decided, by sex.
    /// Safety-walk findings fixed within the months in `query` (default 6) of their walk.
    async fn walk_values(&self, ind: &Indicator, s: &Scope) -> Result<Computed> {
        let months: i8 = ind.query.trim().parse().unwrap_or(6);
        let (findings, fixed) = self.findings_fixed_within(&s.members, months, s.period).await?;
        let Some(value) = ind.factor.apply(fixed as f64, Some(findings as f64)) else {
            return Ok(Err(SkipReason::NoData));
        };
        Ok(Ok(vec![ComputedValue {
            group: "all".to_owned(),
            value,
            numerator: fixed as f64,
            denominator: Some(findings as f64),
            source: format!(
                "walks {period}: {fixed} of {findings} findings fixed within {months} months",
                period = s.period
            ),
        }]))
    }

    async fn talk_values(&self, ind: &Indicator, s: &Scope, now: i64) -> Result<Computed> {
        let rows = self.serious_talk_aggregates(&s.members, s.period.start(), s.period.end(), now).await?;
        let mut out = Vec::new();
        for group in ["all", "girls", "boys"] {
            let (mut decided, mut in_time) = (0i64, 0i64);
            for r in &rows {
                let wanted = match group {
                    "all" => true,
                    "girls" => r.sex == Some(Sex::Girl),
                    _ => r.sex == Some(Sex::Boy),
                };
                if wanted {
                    decided += r.figures.decided;
                    in_time += r.figures.held_in_time;
                }
            }
            let Some(value) = ind.factor.apply(in_time as f64, Some(decided as f64)) else { continue };
            out.push(ComputedValue {
                group: group.to_owned(),
                value,
                numerator: in_time as f64,
                denominator: Some(decided as f64),
                source: format!(
                    "serious_talks {}–{}: {in_time} of {decided} held within 48 hours",
                    s.period.start(),
                    s.period.end()
                ),
            });
        }
        Ok(if out.is_empty() { Err(SkipReason::NoData) } else { Ok(out) })
    }

    /// Shares of the measures active in the tertial reported green, yellow
    /// and red, and of those not reported.
    async fn measure_values(&self, ind: &Indicator, s: &Scope) -> Result<Computed> {
        if !matches!(s.period, Period::Tertial(..)) {
            return Ok(Err(SkipReason::TertialOnly));
        }
        let due = super::followup::rows_due(self, &s.members, s.period).await?;
        let total = due.len() as f64;
        if due.is_empty() {
            return Ok(Err(SkipReason::NoData));
        }
        let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
        for row in &due {
            let status = row.followup.as_ref().map(|f| f.status);
            *counts.entry(status.map_or(NOT_REPORTED, MeasureStatus::as_str)).or_default() += 1;
        }
        let mut out = Vec::new();
        for group in
            [MeasureStatus::Green.as_str(), MeasureStatus::Yellow.as_str(), MeasureStatus::Red.as_str()]
                .into_iter()
                .chain([NOT_REPORTED])
        {
            let n = counts.get(group).copied().unwrap_or(0) as f64;
            let Some(value) = ind.factor.apply(n, Some(total)) else { continue };
            out.push(ComputedValue {
                group: group.to_owned(),
                value,
                numerator: n,
                denominator: Some(total),
                source: format!(
                    "measure_followups {}: {n} of {total} measures active in the tertial",
                    s.period
                ),
            });
        }
        Ok(Ok(out))
    }
}

/// The group of the measures active in a tertial that were not reported.
pub const NOT_REPORTED: &str = "not-reported";

/// The values computed for one indicator, or why there are none.
type Computed = std::result::Result<Vec<ComputedValue>, SkipReason>;

struct ComputedValue {
    group: String,
    value: f64,
    numerator: f64,
    denominator: Option<f64>,
    source: String,
}

/// The area computed for, the areas below it in the period, and the period's instants.
struct Scope {
    area: Code,
    period: Period,
    /// The area and every area below it whose membership overlaps the period.
    members: Vec<Code>,
    /// The districts among the members.
    districts: Vec<Code>,
    from_ms: i64,
    to_ms: i64,
}

impl Scope {
    fn new(all: &[Area], root: &Area, period: Period) -> Scope {
        let members = members_of(all, &root.code, period);
        let districts = all
            .iter()
            .filter(|a| a.level == AreaLevel::District && members.contains(&a.code) && a.code != root.code)
            .map(|a| a.code.clone())
            .collect();
        Scope {
            area: root.code.clone(),
            period,
            members,
            districts,
            from_ms: local_ms(period.start()),
            to_ms: local_ms(period.end()),
        }
    }
}

/// `root` and every area below it whose membership overlaps the period.
pub(super) fn members_of(all: &[Area], root: &Code, period: Period) -> Vec<Code> {
    trygg_core::members(all, root, Some(period.start()), Some(period.end()))
}

/// Local midnight of `d` in Stockholm, epoch ms.
fn local_ms(d: Date) -> i64 {
    let tz = TimeZone::get("Europe/Stockholm").unwrap_or(TimeZone::UTC);
    d.to_zoned_datetime(tz).map(|z| z.timestamp().as_millisecond()).unwrap_or(0)
}

/// Of the periods given (years, tertials, months), those of one
/// granularity that cover `period` exactly; the coarsest that does.
fn covering(periods: &[&str], period: Period) -> Option<Vec<String>> {
    let (start, end) = (period.start(), period.end());
    let mut best: Option<Vec<String>> = None;
    for granularity in 0..3u8 {
        let mut chosen: Vec<(Date, Date, String)> = periods
            .iter()
            .filter_map(|p| {
                let (g, a, b) = span_of(p)?;
                (g == granularity && a >= start && b <= end).then(|| (a, b, (*p).to_owned()))
            })
            .collect();
        chosen.sort();
        chosen.dedup();
        let mut at = start;
        for (a, b, _) in &chosen {
            if *a != at {
                break;
            }
            at = *b;
        }
        if at == end && best.is_none() {
            best = Some(chosen.into_iter().map(|(_, _, p)| p).collect());
        }
    }
    best
}

/// `2025` (0) / `2025-T2` (1) / `2025-06` (2) → its granularity, first day and the day after.
fn span_of(s: &str) -> Option<(u8, Date, Date)> {
    if let Ok(p) = s.parse::<Period>() {
        let g = if matches!(p, Period::Year(_)) { 0 } else { 1 };
        return Some((g, p.start(), p.end()));
    }
    let (y, m) = s.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let first = Date::new(y.parse().ok()?, m.parse().ok()?, 1).ok()?;
    Some((2, first, first.checked_add(jiff::Span::new().months(1)).ok()?))
}

/// A group is `all`, `women`, `men`, `age:…` or `other:…`.
fn check_group(g: &str) -> Result<(), Invalid> {
    let ok = matches!(g, "all" | "women" | "men" | "girls" | "boys")
        || g.strip_prefix("age:").or_else(|| g.strip_prefix("other:")).is_some_and(|rest| {
            !rest.is_empty()
                && rest.len() <= 40
                && rest.chars().all(|c| c.is_alphanumeric() || "-+_ ".contains(c))
        });
    if ok {
        Ok(())
    } else {
        Err(Invalid::new("group", g, "all, women, men, girls, boys, age:15-17 or other:…"))
    }
}

/// The error of a change refused because the tertial is locked.
pub(super) fn locked(area: &Code, period: Period) -> StoreError {
    StoreError::Conflict { what: LOCKED, key: format!("{area} {period}") }
}

async fn upsert_value(tx: &mut crate::WriteTx, v: &IndicatorValue, keep_entered: bool) -> Result<()> {
    let guard = if keep_entered { " WHERE indicator_values.origin = 'computed'" } else { "" };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO indicator_values ({VALUE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (indicator, area, period, grp) DO UPDATE SET value = $5, numerator = $6, denominator = $7, \
         origin = $8, source = $9, entered_by = $10, entered_at = $11{guard}"
    )))
    .bind(v.indicator.as_str())
    .bind(v.area.as_str())
    .bind(&v.period)
    .bind(&v.group)
    .bind(v.value)
    .bind(OptF64(v.numerator))
    .bind(OptF64(v.denominator))
    .bind(v.origin.as_str())
    .bind(&v.source)
    .bind(&v.entered_by)
    .bind(v.entered_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn indicator_from_row(r: &AnyRow) -> Result<Indicator> {
    Ok(Indicator {
        code: parse(r, "code")?,
        name_sv: r.try_get("name_sv")?,
        name_en: r.try_get("name_en")?,
        numerator: r.try_get("numerator")?,
        denominator: r.try_get("denominator")?,
        factor: parse(r, "factor")?,
        source: parse(r, "source")?,
        query: r.try_get("query")?,
        disaggregation: r.try_get("disaggregation")?,
        cadence: parse(r, "cadence")?,
        polarity: parse(r, "polarity")?,
        baseline_value: r.try_get("baseline_value")?,
        baseline_period: r.try_get("baseline_period")?,
    })
}

fn value_from_row(r: &AnyRow) -> Result<IndicatorValue> {
    let origin: String = r.try_get("origin")?;
    Ok(IndicatorValue {
        indicator: parse(r, "indicator")?,
        area: parse(r, "area")?,
        period: r.try_get("period")?,
        group: r.try_get("grp")?,
        value: r.try_get("value")?,
        numerator: r.try_get("numerator")?,
        denominator: r.try_get("denominator")?,
        origin: match origin.as_str() {
            "computed" => ValueOrigin::Computed,
            "entered" => ValueOrigin::Entered,
            other => return Err(StoreError::Corrupt(format!("indicator value origin {other:?}"))),
        },
        source: r.try_get("source")?,
        entered_by: r.try_get("entered_by")?,
        entered_at: r.try_get("entered_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_that_cover_a_period_exactly() {
        let t2: Period = "2025-T2".parse().unwrap();
        assert_eq!(covering(&["2025-T2", "2025-T1"], t2), Some(vec!["2025-T2".to_owned()]));
        let months = ["2025-05", "2025-06", "2025-07", "2025-08", "2025-09"];
        assert_eq!(covering(&months, t2).map(|c| c.len()), Some(4));
        assert_eq!(covering(&["2025-05", "2025-06", "2025-08"], t2), None, "a gap is not covered");
        let y: Period = "2025".parse().unwrap();
        assert_eq!(covering(&["2025", "2025-T1"], y), Some(vec!["2025".to_owned()]));
        assert_eq!(covering(&["2025-T1", "2025-T2"], y), None);
    }

    #[test]
    fn groups_are_checked() {
        for g in ["all", "women", "men", "age:15-17", "other:born abroad"] {
            assert!(check_group(g).is_ok(), "{g}");
        }
        for g in ["", "alla", "age:", "age:<script>"] {
            assert!(check_group(g).is_err(), "{g}");
        }
    }
}
