//! Moving a report through its workflow. Every change is an update with
//! time, who and text; a closed report can be reopened; re-routing hands it
//! to another organisation with a fresh deadline.

use super::{ReportUpdate, partner_email_in, report_in};
use crate::{Result, Store, StoreError, mail, now_ms, parse};
use sqlx::Row;
use sqlx::any::AnyRow;
use trygg_core::{Code, Invalid, ReportState, contains_identity_number};

/// A change to a report, as someone on staff (or a partner) makes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Change {
    /// Who (`user:ID`, `partner:CODE`, `public`, `system`).
    pub actor: String,
    /// The organisation acting, if any.
    pub actor_org: Option<Code>,
    /// The new state, if it changes.
    pub state: Option<ReportState>,
    /// What was done or said (may be empty when the state changes).
    pub note: String,
    /// Whether the reporter and the public may read the note.
    pub public: bool,
    /// Hand the report to another organisation (it becomes `received` there).
    pub reroute_to: Option<Code>,
    /// With [`ReportState::Duplicate`]: the report it duplicates.
    pub duplicate_of: Option<i64>,
    /// When it happened, epoch ms; `None` means now (other values are for demo data and back-filling).
    pub at: Option<i64>,
}

/// The longest note accepted, in characters.
pub const MAX_NOTE: usize = 2000;

impl Store {
    /// Applies `change` to report `id` in one transaction and returns the
    /// report as it now is. A state change must be allowed by
    /// [`ReportState::can_become`]; reopening counts, clears the fix and
    /// starts a new deadline; re-routing notifies the new organisation.
    pub async fn change_report(&self, id: i64, change: &Change) -> Result<super::Report> {
        Ok(self.apply_change(id, change).await?.0)
    }

    /// [`Store::change_report`], also returning the id of the update it wrote
    /// (the Open311 `update_id`).
    pub async fn apply_change(&self, id: i64, change: &Change) -> Result<(super::Report, i64)> {
        let note = change.note.trim();
        if note.chars().count() > MAX_NOTE || contains_identity_number(note) {
            return Err(Invalid::new(
                "note",
                "(not shown)",
                format!("at most {MAX_NOTE} characters and no personal identity number"),
            )
            .into());
        }
        if change.state.is_none() && change.reroute_to.is_none() && note.is_empty() {
            return Err(Invalid::new("change", "", "a new state, a new organisation or a note").into());
        }
        let routing = self.routing().await?;
        let mut tx = self.begin_write().await?;
        let before = report_in(&mut tx, id).await?;
        let now = change.at.unwrap_or_else(now_ms);
        if now < before.updated_at || now > now_ms() + 60_000 {
            let shown = now.to_string();
            return Err(Invalid::new(
                "at",
                &shown,
                "a time after the report's last change and not in the future",
            )
            .into());
        }
        let mut state = change.state;
        if let Some(to) = &change.reroute_to {
            if *to == before.responsible {
                return Err(Invalid::new("reroute_to", to.as_str(), "another organisation").into());
            }
            let exists: Option<String> = sqlx::query_scalar("SELECT code FROM partners WHERE code = $1")
                .bind(to.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound { what: "partner", key: to.to_string() });
            }
            state = Some(ReportState::Received);
        }
        if let Some(next) = state
            && next != before.state
            && !before.state.can_become(next)
            && change.reroute_to.is_none()
        {
            return Err(Invalid::new(
                "state",
                next.as_str(),
                format!("a state a report in state {} can move to", before.state),
            )
            .into());
        }
        let next = state.unwrap_or(before.state);
        let duplicate_of = if next == ReportState::Duplicate {
            let original = change.duplicate_of.filter(|d| *d != id).ok_or_else(|| {
                Invalid::new("duplicate_of", "", "the number of the report this one duplicates")
            })?;
            report_in(&mut tx, original).await?;
            Some(original)
        } else {
            None
        };
        let reopening = !before.state.is_open() && next.is_open();
        let responsible = change.reroute_to.clone().unwrap_or_else(|| before.responsible.clone());
        let due_at = if reopening || change.reroute_to.is_some() {
            let deadline = routing.category(&before.category).map(|c| c.deadline);
            match (deadline, jiff::Timestamp::from_millisecond(now)) {
                (Some(d), Ok(t)) => d.due(t).as_millisecond(),
                _ => before.due_at,
            }
        } else {
            before.due_at
        };
        let acknowledged_at = before.acknowledged_at.or(matches!(
            next,
            ReportState::Acknowledged | ReportState::InProgress | ReportState::Fixed
        )
        .then_some(now));
        let (fixed_at, closed_at) = match next {
            s if s.is_open() => (None, None),
            ReportState::Fixed if before.state != ReportState::Fixed => (Some(now), Some(now)),
            _ if before.state.is_open() => (None, Some(now)),
            _ => (before.fixed_at, before.closed_at),
        };
        sqlx::query(
            "UPDATE reports SET state = $1, responsible = $2, due_at = $3, acknowledged_at = $4, fixed_at = $5, \
             closed_at = $6, reopened = reopened + $7, duplicate_of = $8, updated_at = $9, \
             zone = $10 WHERE id = $11",
        )
        .bind(next.as_str())
        .bind(responsible.as_str())
        .bind(due_at)
        .bind(acknowledged_at)
        .bind(fixed_at)
        .bind(closed_at)
        .bind(i64::from(reopening))
        .bind(duplicate_of)
        .bind(now)
        .bind(if change.reroute_to.is_some() { None } else { before.zone.as_ref().map(Code::as_str) })
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let changed_state = (next != before.state).then_some(next);
        let update_id = insert_update(
            &mut tx,
            id,
            now,
            &change.actor,
            change.actor_org.as_ref(),
            changed_state,
            note,
            change.public,
        )
        .await?;
        if change.reroute_to.is_some()
            && let Some(email) = partner_email_in(&mut tx, &responsible).await?
        {
            mail::enqueue(&mut tx, &email, "report.assigned", &format!("report:{id}")).await?;
        }
        if let (Some(email), Some(_)) = (&before.reporter.email, changed_state)
            && change.public
        {
            mail::enqueue(&mut tx, email.as_str(), "report.changed", &format!("report:{id}")).await?;
        }
        let after = report_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok((after, update_id))
    }

    /// A report's history, oldest first.
    pub async fn report_updates(&self, report_id: i64) -> Result<Vec<ReportUpdate>> {
        let rows = sqlx::query(
            "SELECT id, report_id, at, actor, actor_org, state, note, public FROM report_updates \
             WHERE report_id = $1 ORDER BY at, id",
        )
        .bind(report_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(update_from_row).collect()
    }

    /// The latest public, non-empty note of each of `report_ids`, in one query
    /// (for lists that show each report's latest word, like Open311's `status_notes`).
    pub async fn latest_public_notes(
        &self,
        report_ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, String>> {
        let mut latest = std::collections::HashMap::new();
        // Well under both backends' limits on bound parameters.
        for chunk in report_ids.chunks(1000) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT report_id, note FROM report_updates WHERE public = 1 AND note <> '' \
                 AND report_id IN ({}) ORDER BY report_id, at, id",
                marks.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&self.pool).await? {
                latest.insert(row.try_get::<i64, _>("report_id")?, row.try_get::<String, _>("note")?);
            }
        }
        Ok(latest)
    }

    /// Updates made in `[from, to)`, oldest first, at most `limit`, with the
    /// category of their report (for Open311's `servicerequestupdates`).
    pub async fn updates_between(&self, from: i64, to: i64, limit: i64) -> Result<Vec<(ReportUpdate, Code)>> {
        let rows = sqlx::query(
            "SELECT u.id, u.report_id, u.at, u.actor, u.actor_org, u.state, u.note, u.public, r.category \
             FROM report_updates u JOIN reports r ON r.id = u.report_id \
             WHERE u.at >= $1 AND u.at < $2 ORDER BY u.at, u.id LIMIT $3",
        )
        .bind(from)
        .bind(to)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok((update_from_row(row)?, parse(row, "category")?))).collect()
    }
}

/// Appends one update inside the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_update(
    conn: &mut sqlx::AnyConnection,
    report_id: i64,
    at: i64,
    actor: &str,
    actor_org: Option<&Code>,
    state: Option<ReportState>,
    note: &str,
    public: bool,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO report_updates (report_id, at, actor, actor_org, state, note, public) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(report_id)
    .bind(at)
    .bind(actor)
    .bind(actor_org.map(Code::as_str))
    .bind(state.map(ReportState::as_str))
    .bind(note)
    .bind(i64::from(public))
    .fetch_one(&mut *conn)
    .await?)
}

fn update_from_row(row: &AnyRow) -> Result<ReportUpdate> {
    let org: Option<String> = row.try_get("actor_org")?;
    let state: Option<String> = row.try_get("state")?;
    Ok(ReportUpdate {
        id: row.try_get("id")?,
        report_id: row.try_get("report_id")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        actor_org: org.map(|o| Code::new(&o)).transpose()?,
        state: state.map(|s| s.parse()).transpose()?,
        note: row.try_get("note")?,
        public: row.try_get::<i64, _>("public")? != 0,
    })
}
