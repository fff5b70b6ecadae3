//! Action plans and their measures on Brå's template, the links of a measure
//! to the causes it addresses, the indicators that follow it up and the
//! strategy's perspectives, and the warnings of the golden thread
//! (problem → cause → measure → indicator → result).
//!
//! Every change is audited in its own transaction. The warnings are computed
//! by a pure function ([`thread_warnings_of`]) over facts read directly from
//! the tables of migration 7, so they do not depend on how the other parts of
//! the thread are edited.

use crate::{OptF64, Result, Store, StoreError, audit, now_ms, parse};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::{BTreeMap, BTreeSet};
use trygg_core::{Code, Date, ElementKind, EvidenceBase, Invalid, Period, PlanKind, StrategyVersion};

/// The longest free text accepted in a plan's or measure's field, in characters.
pub const MAX_MEASURE_TEXT: usize = 4_000;

/// An action plan: the overall plan of the district areas or a unit's plan under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Database id.
    pub id: i64,
    /// Overall or unit.
    pub kind: PlanKind,
    /// The overall plan a unit plan belongs to (`None` for an overall plan).
    pub parent_id: Option<i64>,
    /// The strategy version the plan implements.
    pub strategy: Code,
    /// Name.
    pub name: String,
    /// The partner organisation of a unit plan.
    pub unit: Option<Code>,
    /// The area the plan covers.
    pub area: Code,
    /// First day the plan applies.
    pub valid_from: Date,
    /// Last day the plan applies.
    pub valid_to: Date,
    /// Who created it.
    pub created_by: String,
    /// When, epoch ms.
    pub created_at: i64,
}

/// A plan to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPlan {
    /// Overall or unit.
    pub kind: PlanKind,
    /// The overall plan of a unit plan; must be `None` for an overall plan.
    pub parent_id: Option<i64>,
    /// The strategy version's code.
    pub strategy: Code,
    /// Name (not empty).
    pub name: String,
    /// The partner code of a unit plan; must be `None` for an overall plan.
    pub unit: Option<Code>,
    /// The area.
    pub area: Code,
    /// First day; within the strategy's validity.
    pub valid_from: Date,
    /// Last day; on or after `valid_from`, within the strategy's validity.
    pub valid_to: Date,
}

/// The fields of a measure on Brå's template, for creating or updating it.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureInput {
    /// The plan it belongs to.
    pub plan_id: i64,
    /// The measure (what is done).
    pub name: String,
    /// The operational (SMART) goal.
    pub goal: String,
    /// First day.
    pub starts: Date,
    /// Last day (on or after `starts`).
    pub ends: Date,
    /// Who owns it.
    pub owner: String,
    /// The working group.
    pub working_group: String,
    /// The partners taking part.
    pub partners: String,
    /// Resources: hours.
    pub hours: Option<f64>,
    /// Resources: money, SEK.
    pub money: Option<f64>,
    /// Resources: staff (full-time equivalents).
    pub staff: Option<f64>,
    /// Resources: competence.
    pub competence: String,
    /// How it is followed up.
    pub follow_up: String,
    /// A direction of the plan's strategy version.
    pub direction: Option<Code>,
    /// A working method of the plan's strategy version.
    pub working_method: Option<Code>,
    /// Proven, promising or new.
    pub evidence_base: EvidenceBase,
    /// The reference for the evidence base.
    pub evidence_reference: String,
    /// The place of a place-based measure.
    pub place: Option<Code>,
    /// The comparison area of a place-based measure.
    pub comparison_area: Option<Code>,
}

/// A stored measure with its links.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// Database id.
    pub id: i64,
    /// The plan it belongs to.
    pub plan_id: i64,
    /// The area of its plan.
    pub area: Code,
    /// The measure.
    pub name: String,
    /// The operational goal.
    pub goal: String,
    /// First day.
    pub starts: Date,
    /// Last day.
    pub ends: Date,
    /// Who owns it.
    pub owner: String,
    /// The working group.
    pub working_group: String,
    /// The partners taking part.
    pub partners: String,
    /// Resources: hours.
    pub hours: Option<f64>,
    /// Resources: money, SEK.
    pub money: Option<f64>,
    /// Resources: staff.
    pub staff: Option<f64>,
    /// Resources: competence.
    pub competence: String,
    /// How it is followed up.
    pub follow_up: String,
    /// Direction (a strategy element code).
    pub direction: Option<Code>,
    /// Working method (a strategy element code).
    pub working_method: Option<Code>,
    /// Proven, promising or new.
    pub evidence_base: EvidenceBase,
    /// The reference for the evidence base.
    pub evidence_reference: String,
    /// The place of a place-based measure.
    pub place: Option<Code>,
    /// Its comparison area.
    pub comparison_area: Option<Code>,
    /// Who created it.
    pub created_by: String,
    /// When, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
    /// The causes it addresses (ids, ascending).
    pub causes: Vec<i64>,
    /// The indicators that follow it up (codes, ascending).
    pub indicators: Vec<Code>,
    /// How each perspective was considered: (perspective code, text).
    pub perspectives: Vec<(Code, String)>,
}

impl Measure {
    /// The fields as an input (to change some of them and update).
    pub fn input(&self) -> MeasureInput {
        MeasureInput {
            plan_id: self.plan_id,
            name: self.name.clone(),
            goal: self.goal.clone(),
            starts: self.starts,
            ends: self.ends,
            owner: self.owner.clone(),
            working_group: self.working_group.clone(),
            partners: self.partners.clone(),
            hours: self.hours,
            money: self.money,
            staff: self.staff,
            competence: self.competence.clone(),
            follow_up: self.follow_up.clone(),
            direction: self.direction.clone(),
            working_method: self.working_method.clone(),
            evidence_base: self.evidence_base,
            evidence_reference: self.evidence_reference.clone(),
            place: self.place.clone(),
            comparison_area: self.comparison_area.clone(),
        }
    }
}

/// One row of a measure's tertial follow-up (table `measure_followups`).
pub type MeasureFollowupRow = super::Followup;

/// What is wrong in the golden thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WarningKind {
    /// A measure that addresses no cause.
    MeasureWithoutCause,
    /// A measure followed up by no indicator.
    MeasureWithoutIndicator,
    /// A measure that has not recorded how a perspective of its strategy was considered.
    PerspectivesNotConsidered,
    /// An indicator of a measure without a baseline.
    IndicatorWithoutBaseline,
    /// An indicator of a measure without a target for the measure's area.
    IndicatorWithoutTarget,
    /// An open problem that no measure addresses.
    ProblemWithoutMeasure,
    /// A measure whose indicator has not moved in the last two completed tertials.
    IndicatorNotMoving,
}

impl WarningKind {
    /// Every kind, in the order they are listed.
    pub const ALL: [WarningKind; 7] = [
        Self::ProblemWithoutMeasure,
        Self::MeasureWithoutCause,
        Self::MeasureWithoutIndicator,
        Self::PerspectivesNotConsidered,
        Self::IndicatorWithoutBaseline,
        Self::IndicatorWithoutTarget,
        Self::IndicatorNotMoving,
    ];

    /// Stable text form (for translation keys and exports).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MeasureWithoutCause => "measure_without_cause",
            Self::MeasureWithoutIndicator => "measure_without_indicator",
            Self::PerspectivesNotConsidered => "perspectives_not_considered",
            Self::IndicatorWithoutBaseline => "indicator_without_baseline",
            Self::IndicatorWithoutTarget => "indicator_without_target",
            Self::ProblemWithoutMeasure => "problem_without_measure",
            Self::IndicatorNotMoving => "indicator_not_moving",
        }
    }
}

/// One warning of the golden thread, naming the records concerned.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Warning {
    /// What is wrong.
    pub kind: WarningKind,
    /// The area concerned (the problem's or the measure's plan's).
    pub area: Code,
    /// The measure concerned, if any.
    pub measure_id: Option<i64>,
    /// The problem concerned, if any.
    pub problem_id: Option<i64>,
    /// The indicator concerned, if any.
    pub indicator: Option<Code>,
    /// The perspectives not considered (for [`WarningKind::PerspectivesNotConsidered`]).
    pub missing: Vec<Code>,
}

/// A measure as the warnings see it.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureFacts {
    /// The measure.
    pub id: i64,
    /// Its plan's area.
    pub area: Code,
    /// First day.
    pub starts: Date,
    /// The causes it addresses.
    pub causes: Vec<i64>,
    /// Its indicators.
    pub indicators: Vec<Code>,
    /// The perspectives considered (with a non-empty text).
    pub considered: Vec<Code>,
    /// The perspectives its plan's strategy asks for.
    pub required: Vec<Code>,
}

/// An indicator value of the whole population (`grp = 'all'`).
#[derive(Debug, Clone, PartialEq)]
pub struct ValueFact {
    /// The indicator.
    pub indicator: Code,
    /// The area.
    pub area: Code,
    /// The period.
    pub period: Period,
    /// The value.
    pub value: f64,
}

/// Everything the warnings of the golden thread are computed from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ThreadFacts {
    /// The measures of the areas.
    pub measures: Vec<MeasureFacts>,
    /// The open problems of the areas: (id, area, the ids of their causes).
    pub problems: Vec<(i64, Code, Vec<i64>)>,
    /// Every cause addressed by some measure (of any area).
    pub addressed_causes: BTreeSet<i64>,
    /// Indicators that have a baseline.
    pub with_baseline: BTreeSet<Code>,
    /// (indicator, area) pairs that have a target for some period.
    pub targets: BTreeSet<(Code, Code)>,
    /// Values of the measures' indicators.
    pub values: Vec<ValueFact>,
}

/// The relative change below which an indicator counts as not having moved.
pub const NOT_MOVED_RELATIVE: f64 = 0.01;

/// The warnings of the golden thread over `facts` on `today`, sorted by kind then record.
///
/// "Not moving": for a measure that had started by the beginning of the
/// second-to-last completed tertial, an indicator whose values (area of the
/// measure's plan, group `all`) in the last two completed tertials are both
/// within 1 % (relative) of the value in the tertial before them.
pub fn thread_warnings_of(facts: &ThreadFacts, today: Date) -> Vec<Warning> {
    let mut out = Vec::new();
    let warn = |kind, area: &Code| Warning {
        kind,
        area: area.clone(),
        measure_id: None,
        problem_id: None,
        indicator: None,
        missing: Vec::new(),
    };
    for (id, area, causes) in &facts.problems {
        if !causes.iter().any(|c| facts.addressed_causes.contains(c)) {
            out.push(Warning { problem_id: Some(*id), ..warn(WarningKind::ProblemWithoutMeasure, area) });
        }
    }
    let last = Period::tertial_of(today).previous();
    let middle = last.previous();
    let before = middle.previous();
    let value = |ind: &Code, area: &Code, p: Period| {
        facts.values.iter().find(|v| &v.indicator == ind && &v.area == area && v.period == p).map(|v| v.value)
    };
    let mut indicator_warned: BTreeSet<(WarningKind, Code, Code)> = BTreeSet::new();
    for m in &facts.measures {
        let base = Warning { measure_id: Some(m.id), ..warn(WarningKind::MeasureWithoutCause, &m.area) };
        if m.causes.is_empty() {
            out.push(base.clone());
        }
        if m.indicators.is_empty() {
            out.push(Warning { kind: WarningKind::MeasureWithoutIndicator, ..base.clone() });
        }
        let missing: Vec<Code> = m.required.iter().filter(|p| !m.considered.contains(p)).cloned().collect();
        if !missing.is_empty() {
            out.push(Warning { kind: WarningKind::PerspectivesNotConsidered, missing, ..base.clone() });
        }
        for ind in &m.indicators {
            let per_indicator = Warning { measure_id: None, indicator: Some(ind.clone()), ..base.clone() };
            if !facts.with_baseline.contains(ind)
                && indicator_warned.insert((
                    WarningKind::IndicatorWithoutBaseline,
                    ind.clone(),
                    m.area.clone(),
                ))
            {
                out.push(Warning { kind: WarningKind::IndicatorWithoutBaseline, ..per_indicator.clone() });
            }
            if !facts.targets.contains(&(ind.clone(), m.area.clone()))
                && indicator_warned.insert((WarningKind::IndicatorWithoutTarget, ind.clone(), m.area.clone()))
            {
                out.push(Warning { kind: WarningKind::IndicatorWithoutTarget, ..per_indicator });
            }
            if m.starts > middle.start() {
                continue;
            }
            let (Some(v0), Some(v1), Some(v2)) =
                (value(ind, &m.area, before), value(ind, &m.area, middle), value(ind, &m.area, last))
            else {
                continue;
            };
            if !moved(v0, v1) && !moved(v0, v2) {
                out.push(Warning {
                    kind: WarningKind::IndicatorNotMoving,
                    indicator: Some(ind.clone()),
                    ..base.clone()
                });
            }
        }
    }
    out.sort();
    out
}

/// Whether `to` differs from `from` by more than [`NOT_MOVED_RELATIVE`] of `from`.
fn moved(from: f64, to: f64) -> bool {
    (to - from).abs() > NOT_MOVED_RELATIVE * from.abs()
}

const PLAN_COLUMNS: &str =
    "id, kind, parent_id, strategy, name, unit, area, valid_from, valid_to, created_by, created_at";

const MEASURE_COLUMNS: &str = "m.id, m.plan_id, p.area, m.name, m.goal, m.starts, m.ends, m.owner, \
     m.working_group, m.partners, m.hours, m.money, m.staff, m.competence, m.follow_up, m.direction, \
     m.working_method, m.evidence_base, m.evidence_reference, m.place, m.comparison_area, m.created_by, \
     m.created_at, m.updated_at";

fn invalid(field: &'static str, value: &str, expected: impl Into<String>) -> StoreError {
    Invalid::new(field, value, expected).into()
}

/// Trims `s` and checks it is not empty (when `required`) and not too long.
fn text(field: &'static str, s: &str, required: bool) -> Result<String> {
    let s = s.trim();
    if required && s.is_empty() {
        return Err(invalid(field, s, "a text that is not empty"));
    }
    if s.chars().count() > MAX_MEASURE_TEXT {
        return Err(invalid(field, &format!("{} characters", s.chars().count()), "at most 4000 characters"));
    }
    Ok(s.to_owned())
}

fn resource(field: &'static str, v: Option<f64>) -> Result<()> {
    match v {
        Some(x) if !x.is_finite() || x < 0.0 => Err(invalid(field, &x.to_string(), "a number of 0 or more")),
        _ => Ok(()),
    }
}

fn date_of(row: &AnyRow, col: &str) -> Result<Date> {
    let s: String = row.try_get(col)?;
    s.parse().map_err(|_| StoreError::Corrupt(format!("column {col}: {s:?} is not a date")))
}

fn opt_code(row: &AnyRow, col: &str) -> Result<Option<Code>> {
    let s: Option<String> = row.try_get(col)?;
    s.map(|s| Code::new(&s).map_err(|e| StoreError::Corrupt(format!("column {col}: {e}")))).transpose()
}

fn plan_of(row: &AnyRow) -> Result<Plan> {
    Ok(Plan {
        id: row.try_get("id")?,
        kind: parse(row, "kind")?,
        parent_id: row.try_get("parent_id")?,
        strategy: parse(row, "strategy")?,
        name: row.try_get("name")?,
        unit: opt_code(row, "unit")?,
        area: parse(row, "area")?,
        valid_from: date_of(row, "valid_from")?,
        valid_to: date_of(row, "valid_to")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

fn measure_of(row: &AnyRow) -> Result<Measure> {
    Ok(Measure {
        id: row.try_get("id")?,
        plan_id: row.try_get("plan_id")?,
        area: parse(row, "area")?,
        name: row.try_get("name")?,
        goal: row.try_get("goal")?,
        starts: date_of(row, "starts")?,
        ends: date_of(row, "ends")?,
        owner: row.try_get("owner")?,
        working_group: row.try_get("working_group")?,
        partners: row.try_get("partners")?,
        hours: row.try_get("hours")?,
        money: row.try_get("money")?,
        staff: row.try_get("staff")?,
        competence: row.try_get("competence")?,
        follow_up: row.try_get("follow_up")?,
        direction: opt_code(row, "direction")?,
        working_method: opt_code(row, "working_method")?,
        evidence_base: parse(row, "evidence_base")?,
        evidence_reference: row.try_get("evidence_reference")?,
        place: opt_code(row, "place")?,
        comparison_area: opt_code(row, "comparison_area")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        causes: Vec::new(),
        indicators: Vec::new(),
        perspectives: Vec::new(),
    })
}

/// Whether an area with `code` exists.
async fn area_exists(tx: &mut sqlx::AnyConnection, code: &Code) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM areas WHERE code = $1")
        .bind(code.as_str())
        .fetch_one(&mut *tx)
        .await?;
    Ok(n > 0)
}

impl Store {
    /// Creates an action plan (audited `plan.create`). An overall plan has no
    /// parent and no unit; a unit plan names its overall plan (of the same
    /// strategy) and a partner as its unit. The dates must lie within the
    /// strategy version's validity.
    pub async fn create_plan(&self, actor: &str, p: &NewPlan) -> Result<Plan> {
        let name = text("name", &p.name, true)?;
        let strategy = self.strategy_named(&p.strategy).await?;
        if p.valid_to < p.valid_from {
            return Err(invalid(
                "valid_to",
                &p.valid_to.to_string(),
                format!("a date on or after {}", p.valid_from),
            ));
        }
        for (field, d) in [("valid_from", p.valid_from), ("valid_to", p.valid_to)] {
            if !strategy.applies_on(d) {
                return Err(invalid(
                    field,
                    &d.to_string(),
                    format!(
                        "a date within the strategy's validity {}–{}",
                        strategy.valid_from, strategy.valid_to
                    ),
                ));
            }
        }
        match p.kind {
            PlanKind::Overall => {
                if let Some(parent) = p.parent_id {
                    return Err(invalid("parent", &parent.to_string(), "no parent for an overall plan"));
                }
                if let Some(unit) = &p.unit {
                    return Err(invalid("unit", unit.as_str(), "no unit for an overall plan"));
                }
            }
            PlanKind::Unit => {
                let parent = match p.parent_id {
                    Some(id) => self.plan(id).await?,
                    None => None,
                };
                let parent_text = p.parent_id.map(|i| i.to_string()).unwrap_or_default();
                match parent {
                    Some(parent) if parent.kind == PlanKind::Overall && parent.strategy == p.strategy => {}
                    _ => return Err(invalid("parent", &parent_text, "an overall plan of the same strategy")),
                }
                let Some(unit) = &p.unit else {
                    return Err(invalid("unit", "", "a partner organisation's code"));
                };
                if !self.partners().await?.iter().any(|x| &x.code == unit) {
                    return Err(invalid("unit", unit.as_str(), "a partner organisation's code"));
                }
            }
        }
        let mut tx = self.begin_write().await?;
        if !area_exists(&mut tx, &p.area).await? {
            return Err(invalid("area", p.area.as_str(), "an existing area"));
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO plans (kind, parent_id, strategy, name, unit, area, valid_from, valid_to, created_by, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {PLAN_COLUMNS}"
        )))
        .bind(p.kind.as_str())
        .bind(p.parent_id)
        .bind(p.strategy.as_str())
        .bind(&name)
        .bind(p.unit.as_ref().map(Code::as_str))
        .bind(p.area.as_str())
        .bind(p.valid_from.to_string())
        .bind(p.valid_to.to_string())
        .bind(actor)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let plan = plan_of(&row)?;
        let detail =
            format!("{} {} {} {}–{}", plan.kind, plan.area, plan.name, plan.valid_from, plan.valid_to);
        audit::append(&mut tx, actor, "plan.create", &format!("plan:{}", plan.id), &detail).await?;
        tx.commit().await?;
        Ok(plan)
    }

    /// The plans of `areas` (empty: all), overall plans first, then by id.
    pub async fn plans(&self, areas: &[Code]) -> Result<Vec<Plan>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PLAN_COLUMNS} FROM plans ORDER BY CASE kind WHEN 'overall' THEN 0 ELSE 1 END, id"
        )))
        .fetch_all(&self.pool)
        .await?;
        let plans = rows.iter().map(plan_of).collect::<Result<Vec<_>>>()?;
        Ok(plans.into_iter().filter(|p| areas.is_empty() || areas.contains(&p.area)).collect())
    }

    /// One plan.
    pub async fn plan(&self, id: i64) -> Result<Option<Plan>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PLAN_COLUMNS} FROM plans WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(plan_of).transpose()
    }

    /// The strategy version `code`, or an `Invalid` naming it.
    async fn strategy_named(&self, code: &Code) -> Result<StrategyVersion> {
        self.strategies()
            .await?
            .into_iter()
            .find(|s| &s.code == code)
            .ok_or_else(|| invalid("strategy", code.as_str(), "an existing strategy version"))
    }

    /// Checks a measure's fields against its plan and strategy; the cleaned input.
    async fn checked_measure(&self, m: &MeasureInput) -> Result<(MeasureInput, Plan)> {
        let plan = self
            .plan(m.plan_id)
            .await?
            .ok_or_else(|| invalid("plan", &m.plan_id.to_string(), "an existing plan"))?;
        let strategy = self.strategy_named(&plan.strategy).await?;
        if m.ends < m.starts {
            return Err(invalid("ends", &m.ends.to_string(), format!("a date on or after {}", m.starts)));
        }
        for (field, v) in [("hours", m.hours), ("money", m.money), ("staff", m.staff)] {
            resource(field, v)?;
        }
        for (field, code, kind) in [
            ("direction", &m.direction, ElementKind::Direction),
            ("working_method", &m.working_method, ElementKind::WorkingMethod),
        ] {
            if let Some(code) = code
                && !strategy.elements_of(kind).any(|e| &e.code == code)
            {
                let known: Vec<&str> = strategy.elements_of(kind).map(|e| e.code.as_str()).collect();
                return Err(invalid(field, code.as_str(), format!("one of {}", known.join(", "))));
            }
        }
        if m.comparison_area.is_some() && m.comparison_area == m.place {
            let c = m.comparison_area.as_ref().map(Code::as_str).unwrap_or_default();
            return Err(invalid("comparison_area", c, "an area other than the measure's place"));
        }
        let cleaned = MeasureInput {
            name: text("name", &m.name, true)?,
            goal: text("goal", &m.goal, true)?,
            owner: text("owner", &m.owner, true)?,
            working_group: text("working_group", &m.working_group, false)?,
            partners: text("partners", &m.partners, false)?,
            competence: text("competence", &m.competence, false)?,
            follow_up: text("follow_up", &m.follow_up, true)?,
            evidence_reference: text("evidence_reference", &m.evidence_reference, false)?,
            ..m.clone()
        };
        Ok((cleaned, plan))
    }

    /// Creates a measure (audited `measure.create`) after checking it: texts,
    /// `starts ≤ ends`, resources ≥ 0, direction and working method elements
    /// of the plan's strategy, place and comparison area existing areas.
    pub async fn create_measure(&self, actor: &str, input: &MeasureInput) -> Result<Measure> {
        let (m, _) = self.checked_measure(input).await?;
        let mut tx = self.begin_write().await?;
        check_places(&mut tx, &m).await?;
        let now = now_ms();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO measures (plan_id, name, goal, starts, ends, owner, working_group, partners, hours, \
             money, staff, competence, follow_up, direction, working_method, evidence_base, evidence_reference, \
             place, comparison_area, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, \
             $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21) RETURNING id",
        )
        .bind(m.plan_id)
        .bind(&m.name)
        .bind(&m.goal)
        .bind(m.starts.to_string())
        .bind(m.ends.to_string())
        .bind(&m.owner)
        .bind(&m.working_group)
        .bind(&m.partners)
        .bind(OptF64(m.hours))
        .bind(OptF64(m.money))
        .bind(OptF64(m.staff))
        .bind(&m.competence)
        .bind(&m.follow_up)
        .bind(m.direction.as_ref().map(Code::as_str))
        .bind(m.working_method.as_ref().map(Code::as_str))
        .bind(m.evidence_base.as_str())
        .bind(&m.evidence_reference)
        .bind(m.place.as_ref().map(Code::as_str))
        .bind(m.comparison_area.as_ref().map(Code::as_str))
        .bind(actor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let detail = format!("plan:{} {}", m.plan_id, m.name);
        audit::append(&mut tx, actor, "measure.create", &format!("measure:{id}"), &detail).await?;
        tx.commit().await?;
        self.measure(id).await?.ok_or(StoreError::NotFound { what: "measure", key: id.to_string() })
    }

    /// Replaces a measure's template fields (audited `measure.update`), checked as when created.
    pub async fn update_measure(&self, actor: &str, id: i64, input: &MeasureInput) -> Result<Measure> {
        let (m, _) = self.checked_measure(input).await?;
        let mut tx = self.begin_write().await?;
        check_places(&mut tx, &m).await?;
        let changed = sqlx::query(
            "UPDATE measures SET plan_id = $1, name = $2, goal = $3, starts = $4, ends = $5, owner = $6, \
             working_group = $7, partners = $8, hours = $9, money = $10, staff = $11, competence = $12, \
             follow_up = $13, direction = $14, working_method = $15, evidence_base = $16, \
             evidence_reference = $17, place = $18, comparison_area = $19, updated_at = $20 WHERE id = $21",
        )
        .bind(m.plan_id)
        .bind(&m.name)
        .bind(&m.goal)
        .bind(m.starts.to_string())
        .bind(m.ends.to_string())
        .bind(&m.owner)
        .bind(&m.working_group)
        .bind(&m.partners)
        .bind(OptF64(m.hours))
        .bind(OptF64(m.money))
        .bind(OptF64(m.staff))
        .bind(&m.competence)
        .bind(&m.follow_up)
        .bind(m.direction.as_ref().map(Code::as_str))
        .bind(m.working_method.as_ref().map(Code::as_str))
        .bind(m.evidence_base.as_str())
        .bind(&m.evidence_reference)
        .bind(m.place.as_ref().map(Code::as_str))
        .bind(m.comparison_area.as_ref().map(Code::as_str))
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound { what: "measure", key: id.to_string() });
        }
        let detail = format!("plan:{} {}", m.plan_id, m.name);
        audit::append(&mut tx, actor, "measure.update", &format!("measure:{id}"), &detail).await?;
        tx.commit().await?;
        self.measure(id).await?.ok_or(StoreError::NotFound { what: "measure", key: id.to_string() })
    }

    /// Measures of the plans of `areas` (empty: all), by id, with their links.
    pub async fn measures(&self, areas: &[Code]) -> Result<Vec<Measure>> {
        let all = self.measures_where("", None).await?;
        Ok(all.into_iter().filter(|m| areas.is_empty() || areas.contains(&m.area)).collect())
    }

    /// The measures of one plan, by id.
    pub async fn plan_measures(&self, plan_id: i64) -> Result<Vec<Measure>> {
        self.measures_where(" WHERE m.plan_id = $1", Some(plan_id)).await
    }

    /// One measure with its links.
    pub async fn measure(&self, id: i64) -> Result<Option<Measure>> {
        Ok(self.measures_where(" WHERE m.id = $1", Some(id)).await?.into_iter().next())
    }

    /// The measures that address cause `cause_id`, by id.
    pub async fn measures_for_cause(&self, cause_id: i64) -> Result<Vec<Measure>> {
        self.measures_where(
            " WHERE m.id IN (SELECT measure_id FROM measure_causes WHERE cause_id = $1)",
            Some(cause_id),
        )
        .await
    }

    async fn measures_where(&self, filter: &str, bind: Option<i64>) -> Result<Vec<Measure>> {
        let sql = format!(
            "SELECT {MEASURE_COLUMNS} FROM measures m JOIN plans p ON p.id = m.plan_id{filter} ORDER BY m.id"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(b) = bind {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.pool).await?;
        let mut out = rows.iter().map(measure_of).collect::<Result<Vec<_>>>()?;
        if out.is_empty() {
            return Ok(out);
        }
        let causes = sqlx::query("SELECT measure_id, cause_id FROM measure_causes ORDER BY cause_id")
            .fetch_all(&self.pool)
            .await?;
        let indicators =
            sqlx::query("SELECT measure_id, indicator FROM measure_indicators ORDER BY indicator")
                .fetch_all(&self.pool)
                .await?;
        let perspectives = sqlx::query(
            "SELECT measure_id, perspective, considered FROM measure_perspectives ORDER BY perspective",
        )
        .fetch_all(&self.pool)
        .await?;
        let index: BTreeMap<i64, usize> = out.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
        for r in &causes {
            if let Some(&i) = index.get(&r.try_get::<i64, _>("measure_id")?) {
                out[i].causes.push(r.try_get("cause_id")?);
            }
        }
        for r in &indicators {
            if let Some(&i) = index.get(&r.try_get::<i64, _>("measure_id")?) {
                out[i].indicators.push(parse(r, "indicator")?);
            }
        }
        for r in &perspectives {
            if let Some(&i) = index.get(&r.try_get::<i64, _>("measure_id")?) {
                out[i].perspectives.push((parse(r, "perspective")?, r.try_get("considered")?));
            }
        }
        Ok(out)
    }

    /// Links a measure to a cause it addresses (audited `measure.link_cause`); linking twice is a no-op.
    pub async fn link_cause(&self, actor: &str, measure_id: i64, cause_id: i64) -> Result<()> {
        self.require_measure(measure_id).await?;
        let mut tx = self.begin_write().await?;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM causes WHERE id = $1")
            .bind(cause_id)
            .fetch_one(&mut *tx)
            .await?;
        if n == 0 {
            return Err(invalid("cause", &cause_id.to_string(), "an existing cause"));
        }
        sqlx::query(
            "INSERT INTO measure_causes (measure_id, cause_id) VALUES ($1, $2) ON CONFLICT (measure_id, cause_id) \
             DO NOTHING",
        )
        .bind(measure_id)
        .bind(cause_id)
        .execute(&mut *tx)
        .await?;
        let detail = format!("cause:{cause_id}");
        audit::append(&mut tx, actor, "measure.link_cause", &format!("measure:{measure_id}"), &detail)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a measure's link to a cause (audited `measure.unlink_cause`).
    pub async fn unlink_cause(&self, actor: &str, measure_id: i64, cause_id: i64) -> Result<()> {
        self.require_measure(measure_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM measure_causes WHERE measure_id = $1 AND cause_id = $2")
            .bind(measure_id)
            .bind(cause_id)
            .execute(&mut *tx)
            .await?;
        let detail = format!("cause:{cause_id}");
        audit::append(&mut tx, actor, "measure.unlink_cause", &format!("measure:{measure_id}"), &detail)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Links a measure to an indicator that follows it up (audited `measure.link_indicator`).
    pub async fn link_indicator(&self, actor: &str, measure_id: i64, indicator: &Code) -> Result<()> {
        self.require_measure(measure_id).await?;
        let mut tx = self.begin_write().await?;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM indicators WHERE code = $1")
            .bind(indicator.as_str())
            .fetch_one(&mut *tx)
            .await?;
        if n == 0 {
            return Err(invalid("indicator", indicator.as_str(), "an existing indicator's code"));
        }
        sqlx::query(
            "INSERT INTO measure_indicators (measure_id, indicator) VALUES ($1, $2) \
             ON CONFLICT (measure_id, indicator) DO NOTHING",
        )
        .bind(measure_id)
        .bind(indicator.as_str())
        .execute(&mut *tx)
        .await?;
        let detail = format!("indicator:{indicator}");
        audit::append(&mut tx, actor, "measure.link_indicator", &format!("measure:{measure_id}"), &detail)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a measure's link to an indicator (audited `measure.unlink_indicator`).
    pub async fn unlink_indicator(&self, actor: &str, measure_id: i64, indicator: &Code) -> Result<()> {
        self.require_measure(measure_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM measure_indicators WHERE measure_id = $1 AND indicator = $2")
            .bind(measure_id)
            .bind(indicator.as_str())
            .execute(&mut *tx)
            .await?;
        let detail = format!("indicator:{indicator}");
        audit::append(&mut tx, actor, "measure.unlink_indicator", &format!("measure:{measure_id}"), &detail)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records how a perspective of the plan's strategy was considered
    /// (audited `measure.perspective`); an empty text removes the record.
    pub async fn set_perspective(
        &self,
        actor: &str,
        measure_id: i64,
        perspective: &Code,
        considered: &str,
    ) -> Result<()> {
        let measure = self.require_measure(measure_id).await?;
        let plan = self
            .plan(measure.plan_id)
            .await?
            .ok_or(StoreError::NotFound { what: "plan", key: measure.plan_id.to_string() })?;
        let strategy = self.strategy_named(&plan.strategy).await?;
        if !strategy.elements_of(ElementKind::Perspective).any(|e| &e.code == perspective) {
            let known: Vec<&str> =
                strategy.elements_of(ElementKind::Perspective).map(|e| e.code.as_str()).collect();
            return Err(invalid("perspective", perspective.as_str(), format!("one of {}", known.join(", "))));
        }
        let considered = text("considered", considered, false)?;
        let mut tx = self.begin_write().await?;
        if considered.is_empty() {
            sqlx::query("DELETE FROM measure_perspectives WHERE measure_id = $1 AND perspective = $2")
                .bind(measure_id)
                .bind(perspective.as_str())
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query(
                "INSERT INTO measure_perspectives (measure_id, perspective, considered) VALUES ($1, $2, $3) \
                 ON CONFLICT (measure_id, perspective) DO UPDATE SET considered = excluded.considered",
            )
            .bind(measure_id)
            .bind(perspective.as_str())
            .bind(&considered)
            .execute(&mut *tx)
            .await?;
        }
        let detail = format!("{perspective}: {}", if considered.is_empty() { "removed" } else { "recorded" });
        audit::append(&mut tx, actor, "measure.perspective", &format!("measure:{measure_id}"), &detail)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn require_measure(&self, id: i64) -> Result<Measure> {
        self.measure(id).await?.ok_or(StoreError::NotFound { what: "measure", key: id.to_string() })
    }

    /// The tertial follow-up rows of the given measures (table `measure_followups`),
    /// by measure and then period.
    pub async fn measure_followup_rows(&self, measure_ids: &[i64]) -> Result<Vec<MeasureFollowupRow>> {
        let rows = sqlx::query(
            "SELECT measure_id, period, status, comment, reported_by, reported_at FROM measure_followups \
             ORDER BY measure_id, period",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let measure_id: i64 = r.try_get("measure_id")?;
            if !measure_ids.contains(&measure_id) {
                continue;
            }
            out.push(MeasureFollowupRow {
                measure_id,
                period: r.try_get("period")?,
                status: parse(r, "status")?,
                comment: r.try_get("comment")?,
                reported_by: r.try_get("reported_by")?,
                reported_at: r.try_get("reported_at")?,
            });
        }
        Ok(out)
    }

    /// The latest tertial's follow-up of each of the given measures that has one.
    pub async fn latest_followups(&self, measure_ids: &[i64]) -> Result<BTreeMap<i64, MeasureFollowupRow>> {
        let mut out: BTreeMap<i64, MeasureFollowupRow> = BTreeMap::new();
        for row in self.measure_followup_rows(measure_ids).await? {
            let newer = match (out.get(&row.measure_id), row.period.parse::<Period>()) {
                (None, _) => true,
                (Some(old), Ok(p)) => old.period.parse::<Period>().map_or(true, |o| p > o),
                (Some(_), Err(_)) => false,
            };
            if newer {
                out.insert(row.measure_id, row);
            }
        }
        Ok(out)
    }

    /// The warnings of the golden thread in `areas` (empty: all) today (Europe/Stockholm).
    pub async fn thread_warnings(&self, areas: &[Code]) -> Result<Vec<Warning>> {
        let today = jiff::Timestamp::now().to_zoned_datetime(stockholm()).date();
        self.thread_warnings_on(areas, today).await
    }

    /// The warnings of the golden thread in `areas` (empty: all) on `today`.
    pub async fn thread_warnings_on(&self, areas: &[Code], today: Date) -> Result<Vec<Warning>> {
        Ok(thread_warnings_of(&self.thread_facts(areas).await?, today))
    }

    /// Reads the facts the warnings are computed from, directly from the tables.
    pub async fn thread_facts(&self, areas: &[Code]) -> Result<ThreadFacts> {
        let in_scope = |a: &Code| areas.is_empty() || areas.contains(a);
        let strategies = self.strategies().await?;
        let plans: BTreeMap<i64, Plan> = self.plans(areas).await?.into_iter().map(|p| (p.id, p)).collect();
        let mut facts = ThreadFacts::default();
        let mut used: BTreeSet<Code> = BTreeSet::new();
        for m in self.measures(areas).await? {
            let required = plans
                .get(&m.plan_id)
                .and_then(|p| strategies.iter().find(|s| s.code == p.strategy))
                .map(|s| s.elements_of(ElementKind::Perspective).map(|e| e.code.clone()).collect())
                .unwrap_or_default();
            used.extend(m.indicators.iter().cloned());
            facts.measures.push(MeasureFacts {
                id: m.id,
                area: m.area,
                starts: m.starts,
                causes: m.causes,
                indicators: m.indicators,
                considered: m
                    .perspectives
                    .into_iter()
                    .filter(|(_, t)| !t.trim().is_empty())
                    .map(|(c, _)| c)
                    .collect(),
                required,
            });
        }
        let problems = sqlx::query("SELECT id, area FROM problems WHERE closed = 0 ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        let causes = sqlx::query("SELECT id, problem_id FROM causes").fetch_all(&self.pool).await?;
        let mut by_problem: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for r in &causes {
            by_problem.entry(r.try_get("problem_id")?).or_default().push(r.try_get("id")?);
        }
        for r in &problems {
            let id: i64 = r.try_get("id")?;
            let area: Code = parse(r, "area")?;
            if in_scope(&area) {
                facts.problems.push((id, area, by_problem.remove(&id).unwrap_or_default()));
            }
        }
        for r in sqlx::query("SELECT DISTINCT cause_id FROM measure_causes").fetch_all(&self.pool).await? {
            facts.addressed_causes.insert(r.try_get("cause_id")?);
        }
        for r in sqlx::query("SELECT code FROM indicators WHERE baseline_value IS NOT NULL")
            .fetch_all(&self.pool)
            .await?
        {
            facts.with_baseline.insert(parse(&r, "code")?);
        }
        for r in sqlx::query("SELECT DISTINCT indicator, area FROM indicator_targets")
            .fetch_all(&self.pool)
            .await?
        {
            facts.targets.insert((parse(&r, "indicator")?, parse(&r, "area")?));
        }
        let values = sqlx::query(
            "SELECT indicator, area, period, value FROM indicator_values WHERE grp = 'all' \
             AND indicator IN (SELECT indicator FROM measure_indicators)",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in &values {
            let indicator: Code = parse(r, "indicator")?;
            let area: Code = parse(r, "area")?;
            if !used.contains(&indicator) || !in_scope(&area) {
                continue;
            }
            let period: String = r.try_get("period")?;
            // A yearly or malformed period is not a tertial value: skip it.
            let Ok(period @ Period::Tertial(..)) = period.parse::<Period>() else { continue };
            facts.values.push(ValueFact { indicator, area, period, value: r.try_get("value")? });
        }
        Ok(facts)
    }
}

/// Europe/Stockholm, or UTC if the time-zone database lacks it.
fn stockholm() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Europe/Stockholm").unwrap_or(jiff::tz::TimeZone::UTC)
}

/// Checks that a measure's place and comparison area exist.
async fn check_places(tx: &mut sqlx::AnyConnection, m: &MeasureInput) -> Result<()> {
    for (field, code) in [("place", &m.place), ("comparison_area", &m.comparison_area)] {
        if let Some(code) = code
            && !area_exists(tx, code).await?
        {
            return Err(invalid(field, code.as_str(), "an existing area"));
        }
    }
    Ok(())
}
