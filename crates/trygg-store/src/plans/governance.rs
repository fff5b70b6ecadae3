//! Governance of the safety work (migration 8): meetings of the steering,
//! preparation and working groups with their decisions, the agreements (the
//! collaboration agreement with the police and the citizen promises) with
//! signatories, validity, commitments and tertial follow-up, and saving a
//! group (working groups are created and changed from the web).
//!
//! Every change is audited in its own transaction (`meeting.create`,
//! `decision.create`, `decision.update`, `agreement.create`,
//! `agreement.followup`, `group.upsert`). Free texts refuse personal data.
//! An agreement's follow-up of a tertial is refused while the tertial is
//! locked for the agreement's area, and the refused attempt is audited
//! (`agreement.followup.refused`). The flags (an open decision past its due
//! date, an expired agreement, an agreement without follow-up in the last
//! completed tertial) are pure functions of a record and a day.

use super::followup::{MAX_COMMENT, lock_check_in};
use super::indicators::locked;
use crate::{Result, Store, StoreError, audit, now_ms, parse};
use sqlx::Row;
use sqlx::any::AnyRow;
use trygg_core::{Code, Date, Group, Invalid, MeasureStatus, PartnerKind, Period, find_personal_data};

/// The longest free text accepted in a meeting, decision, agreement or group, in characters.
pub const MAX_GOVERNANCE_TEXT: usize = 4_000;

/// What has become of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DecisionStatus {
    /// Still to be carried out.
    Open,
    /// Carried out (with the day it was done).
    Done,
    /// Will not be carried out.
    Cancelled,
}

/// The two kinds of agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AgreementKind {
    /// Samverkansöverenskommelse: the city's collaboration agreement with the police.
    Collaboration,
    /// Medborgarlöfte: a citizen promise of the police and the city.
    CitizenPromise,
}

trygg_core::text_forms!(DecisionStatus { Open = "open", Done = "done", Cancelled = "cancelled" });
trygg_core::text_forms!(AgreementKind { Collaboration = "collaboration", CitizenPromise = "citizen_promise" });

/// A meeting to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMeeting {
    /// The group that met (an existing group's code).
    pub group: Code,
    /// The area the meeting concerns (for access).
    pub area: Code,
    /// The day of the meeting (a planned meeting may lie ahead).
    pub held_on: Date,
    /// The organisations present (at least one), free text each.
    pub attendees: Vec<String>,
    /// The agenda (not empty).
    pub agenda: String,
    /// A summary of the minutes (may be empty before the meeting).
    pub minutes: String,
}

/// A recorded meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    /// Database id.
    pub id: i64,
    /// The group that met.
    pub group: Code,
    /// The area concerned.
    pub area: Code,
    /// The day.
    pub held_on: Date,
    /// The organisations present.
    pub attendees: Vec<String>,
    /// The agenda.
    pub agenda: String,
    /// A summary of the minutes.
    pub minutes: String,
    /// Who recorded it.
    pub created_by: String,
    /// When, epoch ms.
    pub created_at: i64,
}

/// A decision to record at a meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDecision {
    /// What was decided (not empty).
    pub text: String,
    /// Who carries it out (a function or organisation, not empty).
    pub owner: String,
    /// By when.
    pub due: Date,
    /// The measure it concerns, if any.
    pub measure_id: Option<i64>,
    /// The problem it concerns, if any.
    pub problem_id: Option<i64>,
}

/// A decision of a meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Database id.
    pub id: i64,
    /// The meeting it was taken at.
    pub meeting_id: i64,
    /// The meeting's group.
    pub group: Code,
    /// The meeting's area.
    pub area: Code,
    /// What was decided.
    pub text: String,
    /// Who carries it out.
    pub owner: String,
    /// By when.
    pub due: Date,
    /// The measure it concerns.
    pub measure_id: Option<i64>,
    /// The problem it concerns.
    pub problem_id: Option<i64>,
    /// Open, done or cancelled.
    pub status: DecisionStatus,
    /// The day it was done (only when done).
    pub done_on: Option<Date>,
    /// Who recorded it.
    pub created_by: String,
    /// When, epoch ms.
    pub created_at: i64,
    /// Who changed it last.
    pub updated_by: String,
    /// When, epoch ms.
    pub updated_at: i64,
}

impl Decision {
    /// Whether the decision is still open after its due date on `today`.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.status == DecisionStatus::Open && self.due < today
    }
}

/// Who signed an agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signatory {
    /// The organisation (a partner's code).
    pub partner: Code,
    /// The signer's role or function, e.g. "Lokalpolisområdeschef" (not empty).
    pub signed_as: String,
}

/// One commitment of an agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commitment {
    /// What is promised (not empty).
    pub text: String,
    /// The measure that carries it out, if any.
    pub measure_id: Option<i64>,
}

/// An agreement to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAgreement {
    /// Collaboration agreement or citizen promise.
    pub kind: AgreementKind,
    /// Title (not empty).
    pub title: String,
    /// The area it covers.
    pub area: Code,
    /// First day it applies.
    pub valid_from: Date,
    /// Last day it applies (on or after `valid_from`).
    pub valid_to: Date,
    /// Who signed: at least one; a collaboration agreement needs at least two
    /// organisations, one of them the police.
    pub signatories: Vec<Signatory>,
    /// What the parties commit to, in order (at least one).
    pub commitments: Vec<Commitment>,
}

/// An agreement's status in one tertial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementFollowup {
    /// The agreement.
    pub agreement_id: i64,
    /// The tertial, e.g. `2026-T2`.
    pub period: String,
    /// Green, yellow or red.
    pub status: MeasureStatus,
    /// What is said about it.
    pub comment: String,
    /// Who reported.
    pub reported_by: String,
    /// When, epoch ms.
    pub reported_at: i64,
}

/// A recorded agreement with its signatories, commitments and follow-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    /// Database id.
    pub id: i64,
    /// Collaboration agreement or citizen promise.
    pub kind: AgreementKind,
    /// Title.
    pub title: String,
    /// The area it covers.
    pub area: Code,
    /// First day it applies.
    pub valid_from: Date,
    /// Last day it applies.
    pub valid_to: Date,
    /// Who signed, in order.
    pub signatories: Vec<Signatory>,
    /// What is committed to, in order.
    pub commitments: Vec<Commitment>,
    /// The follow-up, oldest tertial first.
    pub followups: Vec<AgreementFollowup>,
    /// Who recorded it.
    pub created_by: String,
    /// When, epoch ms.
    pub created_at: i64,
}

impl Agreement {
    /// Whether the agreement had run out on `today`.
    pub fn is_expired(&self, today: Date) -> bool {
        self.valid_to < today
    }

    /// Whether the agreement applies on some day of `period`.
    pub fn applies_in(&self, period: Period) -> bool {
        self.valid_from < period.end() && self.valid_to >= period.start()
    }

    /// The last completed tertial before `today`, if the agreement applied in
    /// it and has no follow-up of it (a flag).
    pub fn missing_followup(&self, today: Date) -> Option<Period> {
        let last = Period::tertial_of(today).previous();
        let period = last.to_string();
        (self.applies_in(last) && !self.followups.iter().any(|f| f.period == period)).then_some(last)
    }
}

fn invalid(field: &'static str, value: &str, expected: impl Into<String>) -> StoreError {
    Invalid::new(field, value, expected).into()
}

/// Trims `s`, checks it is not empty (when `required`), not longer than
/// `max` characters and free of personal data.
fn clean(field: &'static str, s: &str, required: bool, max: usize) -> Result<String> {
    let s = s.trim();
    if required && s.is_empty() {
        return Err(invalid(field, s, "a text that is not empty"));
    }
    let n = s.chars().count();
    if n > max {
        return Err(invalid(field, &format!("{n} characters"), format!("at most {max} characters")));
    }
    if let Some(found) = find_personal_data(s).first() {
        return Err(invalid(
            field,
            &format!("{found:?}"),
            "no personal data (identity numbers, phone, e-mail)",
        ));
    }
    Ok(s.to_owned())
}

fn date_of(row: &AnyRow, col: &str) -> Result<Date> {
    let s: String = row.try_get(col)?;
    s.parse().map_err(|_| StoreError::Corrupt(format!("column {col}: {s:?} is not a date")))
}

async fn count(tx: &mut sqlx::AnyConnection, sql: &'static str, key: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(sql).bind(key).fetch_one(&mut *tx).await?)
}

async fn count_id(tx: &mut sqlx::AnyConnection, sql: &'static str, id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(sql).bind(id).fetch_one(&mut *tx).await?)
}

async fn require_area(tx: &mut sqlx::AnyConnection, area: &Code) -> Result<()> {
    if count(tx, "SELECT COUNT(*) FROM areas WHERE code = $1", area.as_str()).await? == 0 {
        return Err(invalid("area", area.as_str(), "an existing area"));
    }
    Ok(())
}

async fn require_measure(tx: &mut sqlx::AnyConnection, field: &'static str, id: Option<i64>) -> Result<()> {
    if let Some(id) = id
        && count_id(tx, "SELECT COUNT(*) FROM measures WHERE id = $1", id).await? == 0
    {
        return Err(invalid(field, &id.to_string(), "an existing measure"));
    }
    Ok(())
}

const MEETING_COLUMNS: &str =
    "id, group_code, area, held_on, attendees, agenda, minutes, created_by, created_at";
const DECISION_COLUMNS: &str = "d.id, d.meeting_id, m.group_code, m.area, d.text, d.owner, d.due, \
     d.measure_id, d.problem_id, d.status, d.done_on, d.created_by, d.created_at, d.updated_by, d.updated_at";
const AGREEMENT_COLUMNS: &str = "id, kind, title, area, valid_from, valid_to, created_by, created_at";

fn meeting_of(r: &AnyRow) -> Result<Meeting> {
    let attendees: String = r.try_get("attendees")?;
    Ok(Meeting {
        id: r.try_get("id")?,
        group: parse(r, "group_code")?,
        area: parse(r, "area")?,
        held_on: date_of(r, "held_on")?,
        attendees: attendees.lines().map(str::to_owned).collect(),
        agenda: r.try_get("agenda")?,
        minutes: r.try_get("minutes")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

fn decision_of(r: &AnyRow) -> Result<Decision> {
    let done_on: Option<String> = r.try_get("done_on")?;
    Ok(Decision {
        id: r.try_get("id")?,
        meeting_id: r.try_get("meeting_id")?,
        group: parse(r, "group_code")?,
        area: parse(r, "area")?,
        text: r.try_get("text")?,
        owner: r.try_get("owner")?,
        due: date_of(r, "due")?,
        measure_id: r.try_get("measure_id")?,
        problem_id: r.try_get("problem_id")?,
        status: parse(r, "status")?,
        done_on: done_on
            .map(|s| s.parse().map_err(|_| StoreError::Corrupt(format!("decisions.done_on: {s:?}"))))
            .transpose()?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_by: r.try_get("updated_by")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn followup_of(r: &AnyRow) -> Result<AgreementFollowup> {
    Ok(AgreementFollowup {
        agreement_id: r.try_get("agreement_id")?,
        period: r.try_get("period")?,
        status: parse(r, "status")?,
        comment: r.try_get("comment")?,
        reported_by: r.try_get("reported_by")?,
        reported_at: r.try_get("reported_at")?,
    })
}

impl Store {
    /// Records a meeting (audited `meeting.create`). The group and area must
    /// exist; at least one attendee; the agenda not empty; no personal data.
    pub async fn create_meeting(&self, actor: &str, m: &NewMeeting) -> Result<Meeting> {
        let mut attendees = Vec::new();
        for a in &m.attendees {
            let a = clean("attendees", a, false, 200)?;
            if !a.is_empty() {
                attendees.push(a);
            }
        }
        if attendees.is_empty() {
            return Err(invalid("attendees", "", "at least one organisation present"));
        }
        let agenda = clean("agenda", &m.agenda, true, MAX_GOVERNANCE_TEXT)?;
        let minutes = clean("minutes", &m.minutes, false, MAX_GOVERNANCE_TEXT)?;
        let mut tx = self.begin_write().await?;
        require_area(&mut tx, &m.area).await?;
        if count(&mut tx, "SELECT COUNT(*) FROM org_groups WHERE code = $1", m.group.as_str()).await? == 0 {
            return Err(invalid("group", m.group.as_str(), "an existing group"));
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO meetings (group_code, area, held_on, attendees, agenda, minutes, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {MEETING_COLUMNS}"
        )))
        .bind(m.group.as_str())
        .bind(m.area.as_str())
        .bind(m.held_on.to_string())
        .bind(attendees.join("\n"))
        .bind(&agenda)
        .bind(&minutes)
        .bind(actor)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let meeting = meeting_of(&row)?;
        let detail = format!("{} {} {}", meeting.group, meeting.area, meeting.held_on);
        audit::append(&mut tx, actor, "meeting.create", &format!("meeting:{}", meeting.id), &detail).await?;
        tx.commit().await?;
        Ok(meeting)
    }

    /// The meetings of `areas` (empty: all), latest first.
    pub async fn meetings(&self, areas: &[Code]) -> Result<Vec<Meeting>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MEETING_COLUMNS} FROM meetings ORDER BY held_on DESC, id DESC"
        )))
        .fetch_all(&self.pool)
        .await?;
        let all = rows.iter().map(meeting_of).collect::<Result<Vec<_>>>()?;
        Ok(all.into_iter().filter(|m| areas.is_empty() || areas.contains(&m.area)).collect())
    }

    /// One meeting.
    pub async fn meeting(&self, id: i64) -> Result<Option<Meeting>> {
        let row =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {MEETING_COLUMNS} FROM meetings WHERE id = $1")))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(meeting_of).transpose()
    }

    /// Records a decision of a meeting (audited `decision.create`), open.
    /// The linked measure and problem must exist; no personal data.
    pub async fn add_decision(&self, actor: &str, meeting_id: i64, d: &NewDecision) -> Result<Decision> {
        let text = clean("text", &d.text, true, MAX_GOVERNANCE_TEXT)?;
        let owner = clean("owner", &d.owner, true, 200)?;
        let mut tx = self.begin_write().await?;
        if count_id(&mut tx, "SELECT COUNT(*) FROM meetings WHERE id = $1", meeting_id).await? == 0 {
            return Err(StoreError::NotFound { what: "meeting", key: meeting_id.to_string() });
        }
        require_measure(&mut tx, "measure", d.measure_id).await?;
        if let Some(p) = d.problem_id
            && count_id(&mut tx, "SELECT COUNT(*) FROM problems WHERE id = $1", p).await? == 0
        {
            return Err(invalid("problem", &p.to_string(), "an existing problem"));
        }
        let now = now_ms();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO decisions (meeting_id, text, owner, due, measure_id, problem_id, status, created_by, \
             created_at, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $7, $8) \
             RETURNING id",
        )
        .bind(meeting_id)
        .bind(&text)
        .bind(&owner)
        .bind(d.due.to_string())
        .bind(d.measure_id)
        .bind(d.problem_id)
        .bind(actor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let detail = format!("meeting:{meeting_id} due {}", d.due);
        audit::append(&mut tx, actor, "decision.create", &format!("decision:{id}"), &detail).await?;
        tx.commit().await?;
        self.decision(id).await?.ok_or(StoreError::NotFound { what: "decision", key: id.to_string() })
    }

    /// Sets a decision's status (audited `decision.update`). `done_on` is
    /// required for done (not before the meeting) and refused otherwise.
    pub async fn set_decision_status(
        &self,
        actor: &str,
        id: i64,
        status: DecisionStatus,
        done_on: Option<Date>,
    ) -> Result<Decision> {
        let Some(current) = self.decision(id).await? else {
            return Err(StoreError::NotFound { what: "decision", key: id.to_string() });
        };
        match (status, done_on) {
            (DecisionStatus::Done, None) => return Err(invalid("done_on", "", "the day it was done")),
            (DecisionStatus::Done, Some(d)) => {
                if let Some(m) = self.meeting(current.meeting_id).await?
                    && d < m.held_on
                {
                    let expected = format!("a day on or after the meeting ({})", m.held_on);
                    return Err(invalid("done_on", &d.to_string(), expected));
                }
            }
            (_, Some(d)) => {
                return Err(invalid("done_on", &d.to_string(), "no day unless the decision is done"));
            }
            (_, None) => {}
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE decisions SET status = $1, done_on = $2, updated_by = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(status.as_str())
        .bind(done_on.map(|d| d.to_string()))
        .bind(actor)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let detail = match done_on {
            Some(d) => format!("{} → {status} {d}", current.status),
            None => format!("{} → {status}", current.status),
        };
        audit::append(&mut tx, actor, "decision.update", &format!("decision:{id}"), &detail).await?;
        tx.commit().await?;
        self.decision(id).await?.ok_or(StoreError::NotFound { what: "decision", key: id.to_string() })
    }

    /// One decision.
    pub async fn decision(&self, id: i64) -> Result<Option<Decision>> {
        Ok(self.decisions_where(" WHERE d.id = $1", Some(id)).await?.into_iter().next())
    }

    /// The decisions of a meeting, in the order they were taken.
    pub async fn meeting_decisions(&self, meeting_id: i64) -> Result<Vec<Decision>> {
        self.decisions_where(" WHERE d.meeting_id = $1", Some(meeting_id)).await
    }

    /// The decisions of the meetings of `areas` (empty: all), by due date.
    pub async fn decisions(&self, areas: &[Code]) -> Result<Vec<Decision>> {
        let mut all = self.decisions_where("", None).await?;
        all.retain(|d| areas.is_empty() || areas.contains(&d.area));
        all.sort_by(|a, b| a.due.cmp(&b.due).then(a.id.cmp(&b.id)));
        Ok(all)
    }

    /// The open decisions of `areas` past their due date on `today` (a flag), by due date.
    pub async fn overdue_decisions(&self, areas: &[Code], today: Date) -> Result<Vec<Decision>> {
        let mut all = self.decisions(areas).await?;
        all.retain(|d| d.is_overdue(today));
        Ok(all)
    }

    async fn decisions_where(&self, filter: &str, bind: Option<i64>) -> Result<Vec<Decision>> {
        let sql = format!(
            "SELECT {DECISION_COLUMNS} FROM decisions d JOIN meetings m ON m.id = d.meeting_id{filter} ORDER BY d.id"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(b) = bind {
            q = q.bind(b);
        }
        q.fetch_all(&self.pool).await?.iter().map(decision_of).collect()
    }

    /// Records an agreement (audited `agreement.create`) after checking it:
    /// title, dates in order, signatories of existing organisations with
    /// their role (a collaboration agreement: at least two organisations,
    /// one of them the police), at least one commitment, linked measures
    /// existing, no personal data.
    pub async fn create_agreement(&self, actor: &str, a: &NewAgreement) -> Result<Agreement> {
        let title = clean("title", &a.title, true, 300)?;
        if a.valid_to < a.valid_from {
            let expected = format!("a date on or after {}", a.valid_from);
            return Err(invalid("valid_to", &a.valid_to.to_string(), expected));
        }
        if a.signatories.is_empty() {
            return Err(invalid("signatories", "", "at least one signatory"));
        }
        let mut signatories = Vec::new();
        for s in &a.signatories {
            let signed_as = clean("signed_as", &s.signed_as, true, 200)?;
            signatories.push(Signatory { partner: s.partner.clone(), signed_as });
        }
        let partners = self.partners().await?;
        for s in &signatories {
            if !partners.iter().any(|p| p.code == s.partner) {
                return Err(invalid("signatories", s.partner.as_str(), "a partner organisation's code"));
            }
        }
        if a.kind == AgreementKind::Collaboration {
            let mut orgs: Vec<&Code> = signatories.iter().map(|s| &s.partner).collect();
            orgs.sort();
            orgs.dedup();
            let police = partners.iter().any(|p| p.kind == PartnerKind::Police && orgs.contains(&&p.code));
            if orgs.len() < 2 || !police {
                let shown: Vec<&str> = orgs.iter().map(|c| c.as_str()).collect();
                let expected = "at least two organisations, one of them the police";
                return Err(invalid("signatories", &shown.join(", "), expected));
            }
        }
        let mut commitments = Vec::new();
        for c in &a.commitments {
            let text = clean("commitments", &c.text, true, MAX_GOVERNANCE_TEXT)?;
            commitments.push(Commitment { text, measure_id: c.measure_id });
        }
        if commitments.is_empty() {
            return Err(invalid("commitments", "", "at least one commitment"));
        }
        let mut tx = self.begin_write().await?;
        require_area(&mut tx, &a.area).await?;
        for c in &commitments {
            require_measure(&mut tx, "commitments", c.measure_id).await?;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO agreements (kind, title, area, valid_from, valid_to, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(a.kind.as_str())
        .bind(&title)
        .bind(a.area.as_str())
        .bind(a.valid_from.to_string())
        .bind(a.valid_to.to_string())
        .bind(actor)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        for (i, s) in signatories.iter().enumerate() {
            sqlx::query(
                "INSERT INTO agreement_signatories (agreement_id, position, partner, signed_as) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(i as i64)
            .bind(s.partner.as_str())
            .bind(&s.signed_as)
            .execute(&mut *tx)
            .await?;
        }
        for (i, c) in commitments.iter().enumerate() {
            sqlx::query(
                "INSERT INTO agreement_commitments (agreement_id, position, text, measure_id) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(i as i64)
            .bind(&c.text)
            .bind(c.measure_id)
            .execute(&mut *tx)
            .await?;
        }
        let detail = format!("{} {} {}–{} {}", a.kind, a.area, a.valid_from, a.valid_to, title);
        audit::append(&mut tx, actor, "agreement.create", &format!("agreement:{id}"), &detail).await?;
        tx.commit().await?;
        self.agreement(id).await?.ok_or(StoreError::NotFound { what: "agreement", key: id.to_string() })
    }

    /// The agreements of `areas` (empty: all), latest start first, with their parts.
    pub async fn agreements(&self, areas: &[Code]) -> Result<Vec<Agreement>> {
        let mut all = self.agreements_where("", None).await?;
        all.retain(|a| areas.is_empty() || areas.contains(&a.area));
        Ok(all)
    }

    /// One agreement with its parts.
    pub async fn agreement(&self, id: i64) -> Result<Option<Agreement>> {
        Ok(self.agreements_where(" WHERE id = $1", Some(id)).await?.into_iter().next())
    }

    async fn agreements_where(&self, filter: &str, bind: Option<i64>) -> Result<Vec<Agreement>> {
        let sql =
            format!("SELECT {AGREEMENT_COLUMNS} FROM agreements{filter} ORDER BY valid_from DESC, id DESC");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(b) = bind {
            q = q.bind(b);
        }
        let mut out = Vec::new();
        for r in q.fetch_all(&self.pool).await? {
            let id: i64 = r.try_get("id")?;
            let signatories = sqlx::query(
                "SELECT partner, signed_as FROM agreement_signatories WHERE agreement_id = $1 ORDER BY position",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|s| Ok(Signatory { partner: parse(s, "partner")?, signed_as: s.try_get("signed_as")? }))
            .collect::<Result<Vec<_>>>()?;
            let commitments = sqlx::query(
                "SELECT text, measure_id FROM agreement_commitments WHERE agreement_id = $1 ORDER BY position",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|c| Ok(Commitment { text: c.try_get("text")?, measure_id: c.try_get("measure_id")? }))
            .collect::<Result<Vec<_>>>()?;
            let mut followups = sqlx::query(
                "SELECT agreement_id, period, status, comment, reported_by, reported_at FROM agreement_followups \
                 WHERE agreement_id = $1",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(followup_of)
            .collect::<Result<Vec<_>>>()?;
            followups.sort_by_key(|f| f.period.parse::<Period>().ok());
            out.push(Agreement {
                id,
                kind: parse(&r, "kind")?,
                title: r.try_get("title")?,
                area: parse(&r, "area")?,
                valid_from: date_of(&r, "valid_from")?,
                valid_to: date_of(&r, "valid_to")?,
                signatories,
                commitments,
                followups,
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
            });
        }
        Ok(out)
    }

    /// Reports an agreement's status and comment for a tertial in which it
    /// applies, replacing an earlier report of the same tertial (audited
    /// `agreement.followup`). Refused with [`StoreError::Conflict`] naming
    /// [`super::LOCKED`], and audited as `agreement.followup.refused`, while
    /// the tertial is locked for the agreement's area.
    pub async fn report_agreement_followup(
        &self,
        actor: &str,
        agreement_id: i64,
        period: Period,
        status: MeasureStatus,
        comment: &str,
    ) -> Result<AgreementFollowup> {
        if !matches!(period, Period::Tertial(..)) {
            return Err(invalid("period", &period.to_string(), "a tertial such as 2026-T2"));
        }
        let comment = clean("comment", comment, false, MAX_COMMENT)?;
        let Some(a) = self.agreement(agreement_id).await? else {
            return Err(StoreError::NotFound { what: "agreement", key: agreement_id.to_string() });
        };
        if !a.applies_in(period) {
            let expected = format!("a tertial within {}–{}", a.valid_from, a.valid_to);
            return Err(invalid("period", &period.to_string(), expected));
        }
        let chain = self.lock_chain(&a.area, period).await?;
        let record = format!("agreement:{agreement_id}");
        let mut tx = self.begin_write().await?;
        if lock_check_in(&mut tx, &chain, period).await? {
            let detail = format!("{period} {status}: tertial locked for {}", a.area);
            audit::append(&mut tx, actor, "agreement.followup.refused", &record, &detail).await?;
            tx.commit().await?;
            return Err(locked(&a.area, period));
        }
        let f = AgreementFollowup {
            agreement_id,
            period: period.to_string(),
            status,
            comment,
            reported_by: actor.to_owned(),
            reported_at: now_ms(),
        };
        sqlx::query(
            "INSERT INTO agreement_followups (agreement_id, period, status, comment, reported_by, reported_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (agreement_id, period) DO UPDATE SET status = $3, \
             comment = $4, reported_by = $5, reported_at = $6",
        )
        .bind(f.agreement_id)
        .bind(&f.period)
        .bind(f.status.as_str())
        .bind(&f.comment)
        .bind(&f.reported_by)
        .bind(f.reported_at)
        .execute(&mut *tx)
        .await?;
        audit::append(&mut tx, actor, "agreement.followup", &record, &format!("{period} {status}")).await?;
        tx.commit().await?;
        Ok(f)
    }

    /// Inserts or replaces a group and its members, audited `group.upsert`
    /// in the same transaction. Checked as [`Store::upsert_group`] does
    /// ([`Group::validate`]: a mandate; a working group's end date), and
    /// further: no personal data in the mandate or the members' roles, and
    /// members' organisations that are listed partners.
    pub async fn save_group(&self, actor: &str, g: &Group) -> Result<()> {
        g.validate()?;
        clean("mandate", &g.mandate, true, MAX_GOVERNANCE_TEXT)?;
        for m in &g.members {
            clean("members", m.name.as_str(), true, 200)?;
            clean("members", m.role.as_deref().unwrap_or_default(), false, 200)?;
        }
        let partners = self.partners().await?;
        if let Some(p) = g
            .members
            .iter()
            .filter_map(|m| m.partner.as_ref())
            .find(|p| !partners.iter().any(|x| &x.code == *p))
        {
            return Err(invalid("members", p.as_str(), "a partner organisation's code"));
        }
        let mut tx = self.begin_write().await?;
        let existed =
            count(&mut tx, "SELECT COUNT(*) FROM org_groups WHERE code = $1", g.code.as_str()).await? > 0;
        crate::org::write_group(&mut tx, g).await?;
        let end = g.end_date.map(|d| d.to_string()).unwrap_or_else(|| "-".into());
        let detail = format!(
            "{} {} end {end}, {} members{}",
            g.kind,
            g.name,
            g.members.len(),
            if existed { "" } else { " (new)" }
        );
        audit::append(&mut tx, actor, "group.upsert", &format!("group:{}", g.code), &detail).await?;
        tx.commit().await
    }
}
