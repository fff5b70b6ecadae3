//! Prioritised problems with their evidence in the situational picture, and
//! their cause analyses (Brå/Polisen/SKL 2018): the fishbone (victim,
//! offender, place), the problem-analysis triangle (handler, guardian,
//! manager), risk and protective factors by level, and event chains.
//!
//! Every change is validated before it reaches the database and audited in
//! its own transaction (`problem.create`, `problem.update`, `problem.close`,
//! `problem.reopen`, `problem.evidence.add`, `problem.evidence.remove`,
//! `cause.add`, `cause.update`, `cause.remove`). A cause without evidence is
//! an assumption.

use crate::{Result, Store, StoreError, audit, now_ms, parse};
use sqlx::Row;
use sqlx::any::AnyRow;
use trygg_core::{CauseKind, Code, EvidenceKind, FactorLevel, Invalid, find_personal_data};

/// The longest free text accepted in any field, in characters.
pub const MAX_PROBLEM_TEXT: usize = 2_000;
/// The highest step number of an event chain.
pub const MAX_CHAIN_POSITION: i64 = 999;

const PROBLEM_COLUMNS: &str =
    "id, area, title, what, place, time, affected, priority, closed, created_by, created_at, updated_at";
const CAUSE_COLUMNS: &str = "id, problem_id, kind, level, position, text, evidence";
const EVIDENCE_COLUMNS: &str = "id, problem_id, kind, reference, note";

/// A problem as entered: a behaviour-specific statement with its priority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProblem {
    /// The area the problem belongs to.
    pub area: Code,
    /// A short title.
    pub title: String,
    /// What happens (the behaviour).
    pub what: String,
    /// Where it happens.
    pub place: String,
    /// When it happens.
    pub time: String,
    /// Who is affected.
    pub affected: String,
    /// 1 (highest) to 9 (lowest).
    pub priority: i64,
}

/// A stored problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Database id.
    pub id: i64,
    /// The area the problem belongs to.
    pub area: Code,
    /// A short title.
    pub title: String,
    /// What happens (the behaviour).
    pub what: String,
    /// Where it happens.
    pub place: String,
    /// When it happens.
    pub time: String,
    /// Who is affected.
    pub affected: String,
    /// 1 (highest) to 9 (lowest).
    pub priority: i64,
    /// Whether the problem is closed.
    pub closed: bool,
    /// Who created it.
    pub created_by: String,
    /// When, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
}

/// A problem with the size of its cause analysis, for lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemOverview {
    /// The problem.
    pub problem: Problem,
    /// How many causes (claims) its analysis has.
    pub causes: i64,
    /// How many of them have no evidence.
    pub assumptions: i64,
    /// How many pieces of evidence the problem rests on.
    pub evidence: i64,
}

/// Evidence as entered: what in the situational picture a problem rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvidence {
    /// What kind of evidence.
    pub kind: EvidenceKind,
    /// What it names, e.g. `situation:jarva:2025:hotspots`.
    pub reference: String,
    /// A note (may be empty).
    pub note: String,
}

/// A stored piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// Database id.
    pub id: i64,
    /// The problem it belongs to.
    pub problem_id: i64,
    /// What kind of evidence.
    pub kind: EvidenceKind,
    /// What it names.
    pub reference: String,
    /// A note (may be empty).
    pub note: String,
}

/// A cause as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCause {
    /// Which part of the analysis.
    pub kind: CauseKind,
    /// The level; required for risk and protective factors, refused otherwise.
    pub level: Option<FactorLevel>,
    /// The step of an event chain (1 and up); 0 for every other kind.
    pub position: i64,
    /// The claim.
    pub text: String,
    /// What supports it; `None` makes it an assumption.
    pub evidence: Option<String>,
}

/// A stored cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// Database id.
    pub id: i64,
    /// The problem it belongs to.
    pub problem_id: i64,
    /// Which part of the analysis.
    pub kind: CauseKind,
    /// The level of a risk or protective factor.
    pub level: Option<FactorLevel>,
    /// The step of an event chain; 0 for other kinds.
    pub position: i64,
    /// The claim.
    pub text: String,
    /// What supports it; `None` for an assumption.
    pub evidence: Option<String>,
}

impl Cause {
    /// Whether the claim rests on no evidence.
    pub fn is_assumption(&self) -> bool {
        self.evidence.is_none()
    }
}

/// Checks a required free text: not blank, at most [`MAX_PROBLEM_TEXT`] characters, no personal data.
fn required_text(field: &'static str, value: &str) -> std::result::Result<(), Invalid> {
    if value.trim().is_empty() {
        return Err(Invalid::new(field, value, "a text that is not empty"));
    }
    optional_text(field, value)
}

/// Checks a free text that may be empty.
fn optional_text(field: &'static str, value: &str) -> std::result::Result<(), Invalid> {
    if value.chars().count() > MAX_PROBLEM_TEXT {
        return Err(Invalid::new(field, value, format!("at most {MAX_PROBLEM_TEXT} characters")));
    }
    if !find_personal_data(value).is_empty() {
        return Err(Invalid::new(
            field,
            "…",
            "a text without personal data (identity numbers, phone numbers, e-mail addresses)",
        ));
    }
    Ok(())
}

impl NewProblem {
    /// Checks every field except whether the area exists (the store checks that).
    pub fn check(&self) -> std::result::Result<(), Invalid> {
        required_text("title", &self.title)?;
        required_text("what", &self.what)?;
        required_text("place", &self.place)?;
        required_text("time", &self.time)?;
        required_text("affected", &self.affected)?;
        if !(1..=9).contains(&self.priority) {
            return Err(Invalid::new("priority", &self.priority.to_string(), "1 (highest) to 9 (lowest)"));
        }
        Ok(())
    }
}

impl NewEvidence {
    /// Checks the reference (not blank) and the note.
    pub fn check(&self) -> std::result::Result<(), Invalid> {
        required_text("reference", &self.reference)?;
        optional_text("note", &self.note)
    }
}

impl NewCause {
    /// Checks the text, the evidence, the level (only, and always, for risk
    /// and protective factors) and the position (only for event chains).
    pub fn check(&self) -> std::result::Result<(), Invalid> {
        required_text("text", &self.text)?;
        if let Some(e) = &self.evidence {
            required_text("evidence", e)?;
        }
        match (self.kind.has_level(), self.level) {
            (true, None) => {
                return Err(Invalid::new(
                    "level",
                    "",
                    "individual, group or community for a risk or protective factor",
                ));
            }
            (false, Some(l)) => {
                return Err(Invalid::new(
                    "level",
                    l.as_str(),
                    "no level except for risk and protective factors",
                ));
            }
            _ => {}
        }
        if self.kind == CauseKind::Chain {
            if !(1..=MAX_CHAIN_POSITION).contains(&self.position) {
                return Err(Invalid::new(
                    "position",
                    &self.position.to_string(),
                    format!("a step from 1 to {MAX_CHAIN_POSITION}"),
                ));
            }
        } else if self.position != 0 {
            return Err(Invalid::new(
                "position",
                &self.position.to_string(),
                "no step except in an event chain",
            ));
        }
        Ok(())
    }
}

impl Store {
    /// Creates a problem with the evidence it rests on, in one transaction,
    /// after checking it and that its area exists. Audited as
    /// `problem.create` (and `problem.evidence.add` for each piece).
    pub async fn create_problem(
        &self,
        actor: &str,
        problem: &NewProblem,
        evidence: &[NewEvidence],
    ) -> Result<Problem> {
        problem.check()?;
        for e in evidence {
            e.check()?;
        }
        self.check_problem_area(&problem.area).await?;
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO problems (area, title, what, place, time, affected, priority, closed, created_by, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $9) RETURNING {PROBLEM_COLUMNS}"
        )))
        .bind(problem.area.as_str())
        .bind(problem.title.trim())
        .bind(problem.what.trim())
        .bind(problem.place.trim())
        .bind(problem.time.trim())
        .bind(problem.affected.trim())
        .bind(problem.priority)
        .bind(actor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let created = problem_from_row(&row)?;
        let record = problem_record(created.id);
        let detail = format!("{} priority {}: {}", created.area, created.priority, created.title);
        audit::append(&mut tx, actor, "problem.create", &record, &detail).await?;
        for e in evidence {
            let id = insert_evidence(&mut tx, created.id, e).await?;
            let detail = format!("evidence {id} {}: {}", e.kind, e.reference.trim());
            audit::append(&mut tx, actor, "problem.evidence.add", &record, &detail).await?;
        }
        tx.commit().await?;
        Ok(created)
    }

    /// Replaces a problem's statement, area and priority. `NotFound` when
    /// there is no such problem. Audited as `problem.update`.
    pub async fn update_problem(&self, actor: &str, id: i64, problem: &NewProblem) -> Result<Problem> {
        problem.check()?;
        self.check_problem_area(&problem.area).await?;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE problems SET area = $2, title = $3, what = $4, place = $5, time = $6, affected = $7, \
             priority = $8, updated_at = $9 WHERE id = $1 RETURNING {PROBLEM_COLUMNS}"
        )))
        .bind(id)
        .bind(problem.area.as_str())
        .bind(problem.title.trim())
        .bind(problem.what.trim())
        .bind(problem.place.trim())
        .bind(problem.time.trim())
        .bind(problem.affected.trim())
        .bind(problem.priority)
        .bind(now_ms())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| problem_not_found(id))?;
        let updated = problem_from_row(&row)?;
        let detail = format!("{} priority {}: {}", updated.area, updated.priority, updated.title);
        audit::append(&mut tx, actor, "problem.update", &problem_record(id), &detail).await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Closes (`closed = true`) or reopens a problem. `NotFound` when there
    /// is no such problem. Audited as `problem.close` or `problem.reopen`.
    pub async fn set_problem_closed(&self, actor: &str, id: i64, closed: bool) -> Result<Problem> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE problems SET closed = $2, updated_at = $3 WHERE id = $1 RETURNING {PROBLEM_COLUMNS}"
        )))
        .bind(id)
        .bind(i64::from(closed))
        .bind(now_ms())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| problem_not_found(id))?;
        let problem = problem_from_row(&row)?;
        let action = if closed { "problem.close" } else { "problem.reopen" };
        audit::append(&mut tx, actor, action, &problem_record(id), &problem.title).await?;
        tx.commit().await?;
        Ok(problem)
    }

    /// The problems of `areas` (an empty slice: of every area), open ones
    /// first, then by priority (1 first), then oldest first.
    pub async fn problems(&self, areas: &[Code]) -> Result<Vec<Problem>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PROBLEM_COLUMNS} FROM problems ORDER BY closed, priority, id"
        )))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for row in &rows {
            let p = problem_from_row(row)?;
            if areas.is_empty() || areas.contains(&p.area) {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// [`Store::problems`] with the counts of causes, assumptions and evidence of each.
    pub async fn problem_overviews(&self, areas: &[Code]) -> Result<Vec<ProblemOverview>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PROBLEM_COLUMNS}, \
             (SELECT COUNT(*) FROM causes c WHERE c.problem_id = problems.id) AS n_causes, \
             (SELECT COUNT(*) FROM causes c WHERE c.problem_id = problems.id AND c.evidence IS NULL) \
             AS n_assumptions, \
             (SELECT COUNT(*) FROM problem_evidence e WHERE e.problem_id = problems.id) AS n_evidence \
             FROM problems ORDER BY closed, priority, id"
        )))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for row in &rows {
            let problem = problem_from_row(row)?;
            if areas.is_empty() || areas.contains(&problem.area) {
                out.push(ProblemOverview {
                    problem,
                    causes: row.try_get("n_causes")?,
                    assumptions: row.try_get("n_assumptions")?,
                    evidence: row.try_get("n_evidence")?,
                });
            }
        }
        Ok(out)
    }

    /// One problem.
    pub async fn problem(&self, id: i64) -> Result<Option<Problem>> {
        let row =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PROBLEM_COLUMNS} FROM problems WHERE id = $1")))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(problem_from_row).transpose()
    }

    /// Adds evidence to a problem. `NotFound` when there is no such problem.
    /// Audited as `problem.evidence.add`.
    pub async fn add_evidence(
        &self,
        actor: &str,
        problem_id: i64,
        evidence: &NewEvidence,
    ) -> Result<Evidence> {
        evidence.check()?;
        let mut tx = self.begin_write().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM problems WHERE id = $1")
            .bind(problem_id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(problem_not_found(problem_id));
        }
        let id = insert_evidence(&mut tx, problem_id, evidence).await?;
        let detail = format!("evidence {id} {}: {}", evidence.kind, evidence.reference.trim());
        audit::append(&mut tx, actor, "problem.evidence.add", &problem_record(problem_id), &detail).await?;
        tx.commit().await?;
        Ok(Evidence {
            id,
            problem_id,
            kind: evidence.kind,
            reference: evidence.reference.trim().to_owned(),
            note: evidence.note.trim().to_owned(),
        })
    }

    /// Removes a piece of evidence of `problem_id`. `NotFound` when the
    /// problem has no such evidence. Audited as `problem.evidence.remove`.
    pub async fn remove_evidence(&self, actor: &str, problem_id: i64, evidence_id: i64) -> Result<Evidence> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM problem_evidence WHERE id = $1 AND problem_id = $2 RETURNING {EVIDENCE_COLUMNS}"
        )))
        .bind(evidence_id)
        .bind(problem_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound { what: "evidence", key: evidence_id.to_string() })?;
        let removed = evidence_from_row(&row)?;
        let detail = format!("evidence {evidence_id} {}: {}", removed.kind, removed.reference);
        audit::append(&mut tx, actor, "problem.evidence.remove", &problem_record(problem_id), &detail)
            .await?;
        tx.commit().await?;
        Ok(removed)
    }

    /// The evidence of a problem, in the order it was added.
    pub async fn problem_evidence(&self, problem_id: i64) -> Result<Vec<Evidence>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {EVIDENCE_COLUMNS} FROM problem_evidence WHERE problem_id = $1 ORDER BY id"
        )))
        .bind(problem_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(evidence_from_row).collect()
    }

    /// Adds a cause to a problem's analysis. `NotFound` when there is no such
    /// problem. Audited as `cause.add`.
    pub async fn add_cause(&self, actor: &str, problem_id: i64, cause: &NewCause) -> Result<Cause> {
        cause.check()?;
        let mut tx = self.begin_write().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM problems WHERE id = $1")
            .bind(problem_id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(problem_not_found(problem_id));
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO causes (problem_id, kind, level, position, text, evidence, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {CAUSE_COLUMNS}"
        )))
        .bind(problem_id)
        .bind(cause.kind.as_str())
        .bind(cause.level.map(FactorLevel::as_str))
        .bind(cause.position)
        .bind(cause.text.trim())
        .bind(cause.evidence.as_deref().map(str::trim))
        .bind(actor)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let added = cause_from_row(&row)?;
        audit::append(&mut tx, actor, "cause.add", &cause_record(added.id), &cause_detail(&added)).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Replaces a cause's kind, level, position, text and evidence. `NotFound`
    /// when there is no such cause. Audited as `cause.update`.
    pub async fn update_cause(&self, actor: &str, id: i64, cause: &NewCause) -> Result<Cause> {
        cause.check()?;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE causes SET kind = $2, level = $3, position = $4, text = $5, evidence = $6 WHERE id = $1 \
             RETURNING {CAUSE_COLUMNS}"
        )))
        .bind(id)
        .bind(cause.kind.as_str())
        .bind(cause.level.map(FactorLevel::as_str))
        .bind(cause.position)
        .bind(cause.text.trim())
        .bind(cause.evidence.as_deref().map(str::trim))
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| cause_not_found(id))?;
        let updated = cause_from_row(&row)?;
        audit::append(&mut tx, actor, "cause.update", &cause_record(id), &cause_detail(&updated)).await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Removes a cause (and its links to measures). `NotFound` when there is
    /// no such cause. Audited as `cause.remove`.
    pub async fn remove_cause(&self, actor: &str, id: i64) -> Result<Cause> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM causes WHERE id = $1 RETURNING {CAUSE_COLUMNS}"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| cause_not_found(id))?;
        let removed = cause_from_row(&row)?;
        audit::append(&mut tx, actor, "cause.remove", &cause_record(id), &cause_detail(&removed)).await?;
        tx.commit().await?;
        Ok(removed)
    }

    /// The causes of a problem: by kind in the order of [`CauseKind::ALL`],
    /// event-chain steps by position, otherwise in the order they were added.
    pub async fn causes(&self, problem_id: i64) -> Result<Vec<Cause>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CAUSE_COLUMNS} FROM causes WHERE problem_id = $1 ORDER BY position, id"
        )))
        .bind(problem_id)
        .fetch_all(&self.pool)
        .await?;
        let mut causes = rows.iter().map(cause_from_row).collect::<Result<Vec<_>>>()?;
        causes.sort_by_key(|c| (c.kind, c.position, c.id));
        Ok(causes)
    }

    /// One cause.
    pub async fn cause(&self, id: i64) -> Result<Option<Cause>> {
        let row =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {CAUSE_COLUMNS} FROM causes WHERE id = $1")))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(cause_from_row).transpose()
    }

    async fn check_problem_area(&self, area: &Code) -> Result<()> {
        match self.area(area).await? {
            Some(_) => Ok(()),
            None => Err(Invalid::new("area", area.as_str(), "an area that exists, e.g. jarva").into()),
        }
    }
}

async fn insert_evidence(tx: &mut sqlx::AnyConnection, problem_id: i64, e: &NewEvidence) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO problem_evidence (problem_id, kind, reference, note) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(problem_id)
    .bind(e.kind.as_str())
    .bind(e.reference.trim())
    .bind(e.note.trim())
    .fetch_one(&mut *tx)
    .await?;
    Ok(id)
}

fn problem_record(id: i64) -> String {
    format!("problem:{id}")
}

fn cause_record(id: i64) -> String {
    format!("cause:{id}")
}

fn cause_detail(c: &Cause) -> String {
    let level = c.level.map(|l| format!(" {l}")).unwrap_or_default();
    let basis = if c.is_assumption() { "assumption" } else { "evidence" };
    format!("problem {} {}{level} ({basis}): {}", c.problem_id, c.kind, c.text)
}

fn problem_not_found(id: i64) -> StoreError {
    StoreError::NotFound { what: "problem", key: id.to_string() }
}

fn cause_not_found(id: i64) -> StoreError {
    StoreError::NotFound { what: "cause", key: id.to_string() }
}

fn problem_from_row(r: &AnyRow) -> Result<Problem> {
    let area: String = r.try_get("area")?;
    let closed: i64 = r.try_get("closed")?;
    Ok(Problem {
        id: r.try_get("id")?,
        area: Code::new(&area).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        title: r.try_get("title")?,
        what: r.try_get("what")?,
        place: r.try_get("place")?,
        time: r.try_get("time")?,
        affected: r.try_get("affected")?,
        priority: r.try_get("priority")?,
        closed: closed != 0,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn evidence_from_row(r: &AnyRow) -> Result<Evidence> {
    Ok(Evidence {
        id: r.try_get("id")?,
        problem_id: r.try_get("problem_id")?,
        kind: parse(r, "kind")?,
        reference: r.try_get("reference")?,
        note: r.try_get("note")?,
    })
}

fn cause_from_row(r: &AnyRow) -> Result<Cause> {
    let level: Option<String> = r.try_get("level")?;
    Ok(Cause {
        id: r.try_get("id")?,
        problem_id: r.try_get("problem_id")?,
        kind: parse(r, "kind")?,
        level: level
            .map(|l| l.parse().map_err(|e: Invalid| StoreError::Corrupt(format!("column level: {e}"))))
            .transpose()?,
        position: r.try_get("position")?,
        text: r.try_get("text")?,
        evidence: r.try_get("evidence")?,
    })
}
