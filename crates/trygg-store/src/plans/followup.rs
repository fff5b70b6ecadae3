//! Each tertial's follow-up: every measure's status (green, yellow, red)
//! with a comment (`measure_followups`), who has not reported, and the two
//! approvals (`tertial_approvals`): first the preparation group, then the
//! steering group, whose approval locks the tertial.
//!
//! A tertial is locked for an area when the steering group has approved it
//! for that area or an area above it (approving Järva's tertial locks its
//! districts' figures too). While it is locked, follow-up reports and
//! indicator values of the tertial are refused, and each refused attempt is
//! audited (`followup.refused`, `indicator.refused`). Withdrawing the
//! steering group's approval unlocks it, audited as `tertial.unlock`.

use super::indicators::{locked, members_of};
use crate::{Result, Store, StoreError, WriteTx, audit, now_ms, parse};
use sqlx::Row;
use sqlx::any::AnyRow;
use trygg_core::{ApprovalStage, Code, Invalid, MeasureStatus, Period, find_personal_data};

/// What a [`StoreError::Conflict`] names when a change is refused because its tertial is locked.
pub const LOCKED: &str = "locked tertial";
/// The longest follow-up comment accepted, in characters.
pub const MAX_COMMENT: usize = 2_000;

/// A measure's status in one tertial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followup {
    /// The measure.
    pub measure_id: i64,
    /// The tertial, e.g. `2026-T2`.
    pub period: String,
    /// Green, yellow or red.
    pub status: MeasureStatus,
    /// What the owner says about it.
    pub comment: String,
    /// Who reported.
    pub reported_by: String,
    /// When, epoch ms.
    pub reported_at: i64,
}

/// A measure that is active in a tertial, with its plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueMeasure {
    /// The measure's id.
    pub id: i64,
    /// The measure's name.
    pub name: String,
    /// Who answers for it.
    pub owner: String,
    /// The plan's id.
    pub plan_id: i64,
    /// The plan's name.
    pub plan_name: String,
    /// The plan's area.
    pub area: Code,
    /// First day, `YYYY-MM-DD`.
    pub starts: String,
    /// Last day, `YYYY-MM-DD`.
    pub ends: String,
}

/// A measure active in a tertial and its report, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowupRow {
    /// The measure.
    pub measure: DueMeasure,
    /// Its report for the tertial; `None`: not reported.
    pub followup: Option<Followup>,
}

/// One approval of a tertial's follow-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// The area.
    pub area: Code,
    /// The tertial.
    pub period: String,
    /// Preparation or steering group.
    pub stage: ApprovalStage,
    /// Who approved.
    pub approved_by: String,
    /// When, epoch ms.
    pub approved_at: i64,
}

impl Store {
    /// Reports a measure's status and comment for a tertial, replacing an
    /// earlier report of the same tertial. The measure must be active in the
    /// tertial and the comment free of personal data. Refused with
    /// [`StoreError::Conflict`] naming [`LOCKED`], and audited as
    /// `followup.refused`, while the tertial is locked for the plan's area;
    /// otherwise audited as `followup.report`.
    pub async fn report_followup(
        &self,
        measure_id: i64,
        period: Period,
        status: MeasureStatus,
        comment: &str,
        actor: &str,
    ) -> Result<Followup> {
        require_tertial(period)?;
        let comment = comment.trim();
        if comment.chars().count() > MAX_COMMENT {
            let shown: String = comment.chars().take(40).collect();
            return Err(Invalid::new("comment", &shown, format!("at most {MAX_COMMENT} characters")).into());
        }
        if let Some(found) = find_personal_data(comment).first() {
            let what = format!("{found:?}");
            return Err(
                Invalid::new("comment", &what, "no personal data (identity numbers, phone, e-mail)").into()
            );
        }
        let Some(measure) = self.due_measure(measure_id).await? else {
            return Err(StoreError::NotFound { what: "measure", key: measure_id.to_string() });
        };
        if !active_in(&measure, period) {
            let when = format!("{}–{}", measure.starts, measure.ends);
            return Err(
                Invalid::new("period", &period.to_string(), format!("a tertial within {when}")).into()
            );
        }
        let chain = self.lock_chain(&measure.area, period).await?;
        let record = format!("measure:{measure_id}");
        let mut tx = self.begin_write().await?;
        if locked_in(&mut tx, &chain, period).await? {
            let detail = format!("{period} {status}: tertial locked for {}", measure.area);
            audit::append(&mut tx, actor, "followup.refused", &record, &detail).await?;
            tx.commit().await?;
            return Err(locked(&measure.area, period));
        }
        let f = Followup {
            measure_id,
            period: period.to_string(),
            status,
            comment: comment.to_owned(),
            reported_by: actor.to_owned(),
            reported_at: now_ms(),
        };
        sqlx::query(
            "INSERT INTO measure_followups (measure_id, period, status, comment, reported_by, reported_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (measure_id, period) DO UPDATE SET status = $3, \
             comment = $4, reported_by = $5, reported_at = $6",
        )
        .bind(f.measure_id)
        .bind(&f.period)
        .bind(f.status.as_str())
        .bind(&f.comment)
        .bind(&f.reported_by)
        .bind(f.reported_at)
        .execute(&mut *tx)
        .await?;
        audit::append(&mut tx, actor, "followup.report", &record, &format!("{period} {status}")).await?;
        tx.commit().await?;
        Ok(f)
    }

    /// A measure's reports, oldest tertial first.
    pub async fn followups(&self, measure_id: i64) -> Result<Vec<Followup>> {
        let rows = sqlx::query(
            "SELECT measure_id, period, status, comment, reported_by, reported_at FROM measure_followups \
             WHERE measure_id = $1",
        )
        .bind(measure_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = rows.iter().map(followup_from_row).collect::<Result<Vec<_>>>()?;
        out.sort_by_key(|f| f.period.parse::<Period>().ok());
        Ok(out)
    }

    /// Every measure of the plans of `area` (and the areas below it) that is
    /// active in the tertial, with its report if it has one.
    pub async fn followup_overview(&self, area: &Code, period: Period) -> Result<Vec<FollowupRow>> {
        require_tertial(period)?;
        let all = self.areas(None, false).await?;
        if !all.iter().any(|a| &a.code == area) {
            return Err(StoreError::NotFound { what: "area", key: area.to_string() });
        }
        rows_due(self, &members_of(&all, area, period), period).await
    }

    /// Who has not reported: the measures of `area` active in the tertial without a report.
    pub async fn missing_followups(&self, area: &Code, period: Period) -> Result<Vec<DueMeasure>> {
        Ok(self
            .followup_overview(area, period)
            .await?
            .into_iter()
            .filter(|r| r.followup.is_none())
            .map(|r| r.measure)
            .collect())
    }

    /// Approves the tertial's follow-up for the area at `stage`: the
    /// preparation group first, then the steering group, whose approval
    /// locks the tertial. Audited as `tertial.approve` (preparation) or
    /// `tertial.lock` (steering). Approving twice is a conflict; the steering
    /// stage before the preparation stage is refused as invalid.
    pub async fn approve_tertial(
        &self,
        area: &Code,
        period: Period,
        stage: ApprovalStage,
        actor: &str,
    ) -> Result<Approval> {
        require_tertial(period)?;
        if self.area(area).await?.is_none() {
            return Err(StoreError::NotFound { what: "area", key: area.to_string() });
        }
        let mut tx = self.begin_write().await?;
        let existing = stages_in(&mut tx, area, period).await?;
        if existing.contains(&stage) {
            return Err(StoreError::Conflict { what: "approval", key: format!("{area} {period} {stage}") });
        }
        if stage == ApprovalStage::Steering && !existing.contains(&ApprovalStage::Preparation) {
            return Err(
                Invalid::new("stage", stage.as_str(), "the preparation group's approval first").into()
            );
        }
        let a = Approval {
            area: area.clone(),
            period: period.to_string(),
            stage,
            approved_by: actor.to_owned(),
            approved_at: now_ms(),
        };
        sqlx::query(
            "INSERT INTO tertial_approvals (area, period, stage, approved_by, approved_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(a.area.as_str())
        .bind(&a.period)
        .bind(a.stage.as_str())
        .bind(&a.approved_by)
        .bind(a.approved_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::conflict_or(e, "approval", &format!("{area} {period} {stage}")))?;
        let action = match stage {
            ApprovalStage::Preparation => "tertial.approve",
            ApprovalStage::Steering => "tertial.lock",
        };
        audit::append(&mut tx, actor, action, &format!("tertial:{area}:{period}"), stage.as_str()).await?;
        tx.commit().await?;
        Ok(a)
    }

    /// Withdraws an approval, audited as `tertial.unlock` with the stage.
    /// The steering group's approval goes first (withdrawing it unlocks the
    /// tertial); the preparation group's cannot be withdrawn while the
    /// steering group's stands.
    pub async fn withdraw_approval(
        &self,
        area: &Code,
        period: Period,
        stage: ApprovalStage,
        actor: &str,
    ) -> Result<()> {
        require_tertial(period)?;
        let mut tx = self.begin_write().await?;
        let existing = stages_in(&mut tx, area, period).await?;
        if !existing.contains(&stage) {
            return Err(StoreError::NotFound { what: "approval", key: format!("{area} {period} {stage}") });
        }
        if stage == ApprovalStage::Preparation && existing.contains(&ApprovalStage::Steering) {
            let expected = "the steering group's approval withdrawn first";
            return Err(Invalid::new("stage", stage.as_str(), expected).into());
        }
        sqlx::query("DELETE FROM tertial_approvals WHERE area = $1 AND period = $2 AND stage = $3")
            .bind(area.as_str())
            .bind(period.to_string())
            .bind(stage.as_str())
            .execute(&mut *tx)
            .await?;
        let record = format!("tertial:{area}:{period}");
        audit::append(&mut tx, actor, "tertial.unlock", &record, &format!("withdrawn: {stage}")).await?;
        tx.commit().await
    }

    /// The approvals of the area's tertial, preparation first.
    pub async fn approvals(&self, area: &Code, period: Period) -> Result<Vec<Approval>> {
        let rows = sqlx::query(
            "SELECT area, period, stage, approved_by, approved_at FROM tertial_approvals \
             WHERE area = $1 AND period = $2",
        )
        .bind(area.as_str())
        .bind(period.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut out = rows.iter().map(approval_from_row).collect::<Result<Vec<_>>>()?;
        out.sort_by_key(|a| ApprovalStage::ALL.iter().position(|s| *s == a.stage));
        Ok(out)
    }

    /// Whether the steering group has approved the tertial for the area or
    /// an area above it. A year is never locked (approvals are per tertial).
    pub async fn is_locked(&self, area: &Code, period: Period) -> Result<bool> {
        if !matches!(period, Period::Tertial(..)) {
            return Ok(false);
        }
        let chain = self.lock_chain(area, period).await?;
        let (sql, binds) = locked_sql(&chain, period);
        let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(b);
        }
        Ok(q.fetch_one(&self.pool).await? > 0)
    }

    /// The area and the areas above it in the period, whose steering approval would lock it.
    pub(super) async fn lock_chain(&self, area: &Code, period: Period) -> Result<Vec<Code>> {
        let all = self.areas(None, false).await?;
        let (from, to) = (period.start(), period.end());
        let mut chain = vec![area.clone()];
        let mut i = 0;
        while i < chain.len() {
            if let Some(a) = all.iter().find(|a| a.code == chain[i]) {
                for p in &a.parents {
                    let overlaps =
                        p.valid_from.is_none_or(|f| f < to) && p.valid_to.is_none_or(|t| t >= from);
                    if overlaps && !chain.contains(&p.code) {
                        chain.push(p.code.clone());
                    }
                }
            }
            i += 1;
        }
        Ok(chain)
    }

    async fn due_measure(&self, id: i64) -> Result<Option<DueMeasure>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{DUE_SELECT} WHERE m.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(due_from_row).transpose()
    }
}

const DUE_SELECT: &str = "SELECT m.id, m.name, m.owner, m.starts, m.ends, p.id AS plan_id, p.name AS plan_name, \
     p.area FROM measures m JOIN plans p ON p.id = m.plan_id";

/// Whether the steering group has approved the tertial for any area of `chain`, inside a transaction.
pub(super) async fn lock_check_in(tx: &mut WriteTx, chain: &[Code], period: Period) -> Result<bool> {
    locked_in(tx, chain, period).await
}

async fn locked_in(tx: &mut WriteTx, chain: &[Code], period: Period) -> Result<bool> {
    if !matches!(period, Period::Tertial(..)) || chain.is_empty() {
        return Ok(false);
    }
    let (sql, binds) = locked_sql(chain, period);
    let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = q.bind(b);
    }
    Ok(q.fetch_one(&mut **tx).await? > 0)
}

fn locked_sql(chain: &[Code], period: Period) -> (String, Vec<String>) {
    let slots: Vec<String> = (0..chain.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT COUNT(*) FROM tertial_approvals WHERE stage = 'steering' AND period = $1 AND area IN ({})",
        slots.join(", ")
    );
    let mut binds = vec![period.to_string()];
    binds.extend(chain.iter().map(|c| c.to_string()));
    (sql, binds)
}

async fn stages_in(tx: &mut WriteTx, area: &Code, period: Period) -> Result<Vec<ApprovalStage>> {
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT stage FROM tertial_approvals WHERE area = $1 AND period = $2")
            .bind(area.as_str())
            .bind(period.to_string())
            .fetch_all(&mut **tx)
            .await?;
    rows.iter()
        .map(|s| s.parse().map_err(|e: Invalid| StoreError::Corrupt(format!("tertial_approvals.stage: {e}"))))
        .collect()
}

/// The measures of plans of `areas` active in the tertial, each with its report, by plan and name.
pub(super) async fn rows_due(store: &Store, areas: &[Code], period: Period) -> Result<Vec<FollowupRow>> {
    let slots: Vec<String> = (0..areas.len().max(1)).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "{DUE_SELECT} WHERE m.starts < $1 AND m.ends >= $2 AND p.area IN ({}) ORDER BY p.name, m.name, m.id",
        slots.join(", ")
    );
    let mut q =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(period.end().to_string()).bind(period.start().to_string());
    for a in areas {
        q = q.bind(a.as_str());
    }
    if areas.is_empty() {
        q = q.bind("");
    }
    let measures = q.fetch_all(&store.pool).await?.iter().map(due_from_row).collect::<Result<Vec<_>>>()?;
    let reports = sqlx::query(
        "SELECT measure_id, period, status, comment, reported_by, reported_at FROM measure_followups \
         WHERE period = $1",
    )
    .bind(period.to_string())
    .fetch_all(&store.pool)
    .await?
    .iter()
    .map(followup_from_row)
    .collect::<Result<Vec<_>>>()?;
    Ok(measures
        .into_iter()
        .map(|m| {
            let followup = reports.iter().find(|f| f.measure_id == m.id).cloned();
            FollowupRow { measure: m, followup }
        })
        .collect())
}

fn require_tertial(period: Period) -> Result<(), Invalid> {
    match period {
        Period::Tertial(..) => Ok(()),
        Period::Year(_) => Err(Invalid::new("period", &period.to_string(), "a tertial such as 2026-T2")),
    }
}

fn active_in(m: &DueMeasure, period: Period) -> bool {
    m.starts.as_str() < period.end().to_string().as_str()
        && m.ends.as_str() >= period.start().to_string().as_str()
}

fn due_from_row(r: &AnyRow) -> Result<DueMeasure> {
    Ok(DueMeasure {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        owner: r.try_get("owner")?,
        plan_id: r.try_get("plan_id")?,
        plan_name: r.try_get("plan_name")?,
        area: parse(r, "area")?,
        starts: r.try_get("starts")?,
        ends: r.try_get("ends")?,
    })
}

fn followup_from_row(r: &AnyRow) -> Result<Followup> {
    Ok(Followup {
        measure_id: r.try_get("measure_id")?,
        period: r.try_get("period")?,
        status: parse(r, "status")?,
        comment: r.try_get("comment")?,
        reported_by: r.try_get("reported_by")?,
        reported_at: r.try_get("reported_at")?,
    })
}

fn approval_from_row(r: &AnyRow) -> Result<Approval> {
    Ok(Approval {
        area: parse(r, "area")?,
        period: r.try_get("period")?,
        stage: parse(r, "stage")?,
        approved_by: r.try_get("approved_by")?,
        approved_at: r.try_get("approved_at")?,
    })
}
