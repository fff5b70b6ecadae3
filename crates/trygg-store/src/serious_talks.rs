//! Serious talks (allvarssamtal) within 48 hours: pseudonymous records,
//! scoped reads, figures that survive deletion, and retention.
//!
//! Every call that reads or changes records takes the district areas the
//! caller may see and the actor, and writes the audit log: a change
//! (`serious_talk.create`, `.update`, `.purge`) in the same transaction as the
//! change; a read (`serious_talk.read`, `.list`) before the records are
//! returned, so nothing is handed out unaudited. Each write transaction starts
//! with its write, which keeps SQLite from having to upgrade a read lock.
//!
//! Figures are kept per district area, month of awareness, age band and sex.
//! [`Store::purge_serious_talks`] folds the records it deletes into
//! `serious_talk_aggregates` in the same transaction, and
//! [`Store::serious_talk_aggregates`] adds the live records to those rows in
//! the same form, so the figures of a period do not change when its records go.

use crate::{Result, Store, StoreError, audit, parse};
use jiff::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::BTreeMap;
use trygg_core::{
    AgeBand, AreaLevel, Attendees, Code, Date, Invalid, SeriousTalk, Sex, TalkCase, TalkComment, TalkFigures,
    TalkOutcome, TalkReference,
};

/// How often a new reference is drawn when it collides with a stored one.
const REFERENCE_ATTEMPTS: usize = 4;
/// The `sex` key of the figures for a record whose sex is not stated.
const UNSTATED: &str = "unstated";
const COLUMNS: &str = "reference, area, age_band, sex, offence, aware_at, held_at, guardian, police, \
     social_services, other_attendee, late_reason, comment";

/// Which records to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TalkQuery {
    /// The district areas to list; an empty list lists nothing.
    pub areas: Vec<Code>,
    /// Awareness at or after this instant, epoch ms.
    pub from: Option<i64>,
    /// Awareness before this instant, epoch ms.
    pub to: Option<i64>,
    /// Only cases whose talk has not been held.
    pub open_only: bool,
}

/// The figures of one district area, month, age band and sex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TalkAggregate {
    /// The district area.
    pub area: Code,
    /// The month of awareness, `YYYY-MM` in Stockholm time.
    pub month: String,
    /// Age band.
    pub age_band: AgeBand,
    /// Sex; `None` when not stated.
    pub sex: Option<Sex>,
    /// The figures (live records and deleted ones together).
    pub figures: TalkFigures,
}

type Key = (Code, String, AgeBand, Option<Sex>);

impl Store {
    /// Registers a case under a fresh random reference, after checking it
    /// (a district area that exists, awareness not in the future, the
    /// outcome if one is given). Audited as `serious_talk.create`.
    pub async fn create_serious_talk(
        &self,
        actor: &str,
        case: &TalkCase,
        outcome: &TalkOutcome,
    ) -> Result<SeriousTalk> {
        let now = Timestamp::now();
        case.check(now)?;
        outcome.check(case.aware_at, now)?;
        self.check_district_area(&case.area).await?;
        let case = TalkCase { aware_at: to_ms(case.aware_at), ..case.clone() };
        let outcome = TalkOutcome { held_at: outcome.held_at.map(to_ms), ..outcome.clone() };
        for _ in 0..REFERENCE_ATTEMPTS {
            let talk = SeriousTalk {
                reference: TalkReference::from_random(rand::random()),
                case: case.clone(),
                outcome: outcome.clone(),
            };
            match self.insert_talk(actor, &talk).await {
                Err(StoreError::Conflict { .. }) => continue,
                other => return other.map(|()| talk),
            }
        }
        Err(StoreError::Internal("no free serious-talk reference after several attempts".into()))
    }

    /// Records how the talk went (or why it is late) on a case in `areas`.
    /// `NotFound` when there is no such case there. Audited as `serious_talk.update`.
    pub async fn record_serious_talk(
        &self,
        actor: &str,
        areas: &[Code],
        reference: &TalkReference,
        outcome: &TalkOutcome,
    ) -> Result<SeriousTalk> {
        let mut talk = self.talk_in(areas, reference).await?.ok_or_else(|| not_found(reference))?;
        outcome.check(talk.case.aware_at, Timestamp::now())?;
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE serious_talks SET held_at = $2, guardian = $3, police = $4, social_services = $5, \
             other_attendee = $6, late_reason = $7, comment = $8 WHERE reference = $1",
        )
        .bind(reference.as_str())
        .bind(outcome.held_at.map(Timestamp::as_millisecond))
        .bind(i64::from(outcome.attendees.guardian))
        .bind(i64::from(outcome.attendees.police))
        .bind(i64::from(outcome.attendees.social_services))
        .bind(i64::from(outcome.attendees.other))
        .bind(outcome.late_reason.map(|r| r.as_str()))
        .bind(outcome.comment.as_ref().map(TalkComment::as_str))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(not_found(reference));
        }
        let detail = if outcome.held_at.is_some() { "held" } else { "not held" };
        audit::append(&mut tx, actor, "serious_talk.update", &record(reference), detail).await?;
        tx.commit().await?;
        talk.outcome = TalkOutcome { held_at: outcome.held_at.map(to_ms), ..outcome.clone() };
        Ok(talk)
    }

    /// One case, if it lies in `areas`. Audited as `serious_talk.read` when found.
    pub async fn serious_talk(
        &self,
        actor: &str,
        areas: &[Code],
        reference: &TalkReference,
    ) -> Result<Option<SeriousTalk>> {
        let talk = self.talk_in(areas, reference).await?;
        if let Some(t) = &talk {
            self.audit(actor, "serious_talk.read", &record(&t.reference), t.case.area.as_str()).await?;
        }
        Ok(talk)
    }

    /// The cases matching `q`, oldest awareness first. Audited as
    /// `serious_talk.list`, naming every reference handed out.
    pub async fn serious_talks(&self, actor: &str, q: &TalkQuery) -> Result<Vec<SeriousTalk>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM serious_talks WHERE aware_at >= $1 AND aware_at < $2 \
             AND ($3 = 0 OR held_at IS NULL) ORDER BY aware_at, reference"
        )))
        .bind(q.from.unwrap_or(i64::MIN))
        .bind(q.to.unwrap_or(i64::MAX))
        .bind(i64::from(q.open_only))
        .fetch_all(&self.pool)
        .await?;
        let mut talks = Vec::new();
        for row in &rows {
            let talk = talk_from_row(row)?;
            if q.areas.contains(&talk.case.area) {
                talks.push(talk);
            }
        }
        let areas: Vec<&str> = q.areas.iter().map(Code::as_str).collect();
        let refs: Vec<&str> = talks.iter().map(|t| t.reference.as_str()).collect();
        let detail = format!("{} shown: {}", refs.len(), refs.join(" "));
        self.audit(actor, "serious_talk.list", &format!("serious_talks:{}", areas.join(",")), &detail)
            .await?;
        Ok(talks)
    }

    /// The figures per district area, month, age band and sex for awareness
    /// in `[from, to)` (dates in Stockholm time, whole months) in `areas`, as
    /// of `now` (epoch ms): the live records together with the kept figures
    /// of deleted ones. No record is handed out, so nothing is audited.
    pub async fn serious_talk_aggregates(
        &self,
        areas: &[Code],
        from: Date,
        to: Date,
        now: i64,
    ) -> Result<Vec<TalkAggregate>> {
        let (first, end) = (month_of(from), month_of(to));
        let now = timestamp("now", now)?;
        let mut groups: BTreeMap<Key, TalkFigures> = BTreeMap::new();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM serious_talks")))
            .fetch_all(&self.pool)
            .await?;
        for row in &rows {
            let talk = talk_from_row(row)?;
            let month = talk.month();
            if areas.contains(&talk.case.area) && first <= month && month < end {
                let c = &talk.case;
                let key = (c.area.clone(), month, c.age_band, c.sex);
                groups.entry(key).or_default().add(&talk.figures(now));
            }
        }
        let rows = sqlx::query(
            "SELECT area, month, age_band, sex, hours, talks, decided, held_in_time, guardian, police \
             FROM serious_talk_aggregates WHERE month >= $1 AND month < $2",
        )
        .bind(&first)
        .bind(&end)
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            let (key, figures) = aggregate_from_row(row)?;
            if areas.contains(&key.0) {
                groups.entry(key).or_default().add(&figures);
            }
        }
        Ok(groups
            .into_iter()
            .map(|((area, month, age_band, sex), figures)| TalkAggregate {
                area,
                month,
                age_band,
                sex,
                figures,
            })
            .collect())
    }

    /// Deletes every case whose awareness is before `before` (epoch ms),
    /// first folding it into the kept figures, in one transaction with the
    /// audit entry (`serious_talk.purge`, with the count). Returns the count.
    /// Safe to run on several servers at once: a record is folded by the
    /// transaction that deletes it.
    pub async fn purge_serious_talks(&self, actor: &str, before: i64) -> Result<u64> {
        let now = Timestamp::now();
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM serious_talks WHERE aware_at < $1 RETURNING {COLUMNS}"
        )))
        .bind(before)
        .fetch_all(&mut *tx)
        .await?;
        for row in &rows {
            fold(&mut tx, &talk_from_row(row)?, now).await?;
        }
        let cutoff =
            Timestamp::from_millisecond(before).map_or_else(|_| before.to_string(), |t| t.to_string());
        let detail = format!("{} deleted, aware before {cutoff}", rows.len());
        audit::append(&mut tx, actor, "serious_talk.purge", "serious_talks", &detail).await?;
        tx.commit().await?;
        Ok(rows.len() as u64)
    }

    async fn check_district_area(&self, code: &Code) -> Result<()> {
        match self.area(code).await? {
            Some(a) if a.level == AreaLevel::DistrictArea => Ok(()),
            _ => {
                Err(Invalid::new("area", code.as_str(), "a district area (stadsdelsområde), e.g. jarva")
                    .into())
            }
        }
    }

    async fn insert_talk(&self, actor: &str, talk: &SeriousTalk) -> Result<()> {
        let (c, o) = (&talk.case, &talk.outcome);
        let mut tx = self.begin_write().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO serious_talks ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        )))
        .bind(talk.reference.as_str())
        .bind(c.area.as_str())
        .bind(c.age_band.as_str())
        .bind(c.sex.map(|s| s.as_str()))
        .bind(c.offence.as_str())
        .bind(c.aware_at.as_millisecond())
        .bind(o.held_at.map(Timestamp::as_millisecond))
        .bind(i64::from(o.attendees.guardian))
        .bind(i64::from(o.attendees.police))
        .bind(i64::from(o.attendees.social_services))
        .bind(i64::from(o.attendees.other))
        .bind(o.late_reason.map(|r| r.as_str()))
        .bind(o.comment.as_ref().map(TalkComment::as_str))
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::conflict_or(e, "serious talk", talk.reference.as_str()))?;
        audit::append(&mut tx, actor, "serious_talk.create", &record(&talk.reference), c.area.as_str())
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn talk_in(&self, areas: &[Code], reference: &TalkReference) -> Result<Option<SeriousTalk>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM serious_talks WHERE reference = $1"
        )))
        .bind(reference.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let talk = row.as_ref().map(talk_from_row).transpose()?;
        Ok(talk.filter(|t| areas.contains(&t.case.area)))
    }
}

/// Adds one deleted record to its row of the kept figures.
async fn fold(conn: &mut sqlx::AnyConnection, talk: &SeriousTalk, now: Timestamp) -> Result<()> {
    let f = talk.figures(now);
    let hours = f.hours.keys().next().copied().unwrap_or(-1);
    sqlx::query(
        "INSERT INTO serious_talk_aggregates (area, month, age_band, sex, hours, talks, decided, held_in_time, \
         guardian, police) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (area, month, age_band, sex, hours) DO UPDATE SET \
         talks = serious_talk_aggregates.talks + excluded.talks, \
         decided = serious_talk_aggregates.decided + excluded.decided, \
         held_in_time = serious_talk_aggregates.held_in_time + excluded.held_in_time, \
         guardian = serious_talk_aggregates.guardian + excluded.guardian, \
         police = serious_talk_aggregates.police + excluded.police",
    )
    .bind(talk.case.area.as_str())
    .bind(talk.month())
    .bind(talk.case.age_band.as_str())
    .bind(talk.case.sex.map_or(UNSTATED, |s| s.as_str()))
    .bind(hours)
    .bind(f.talks)
    .bind(f.decided)
    .bind(f.held_in_time)
    .bind(f.guardian)
    .bind(f.police)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn aggregate_from_row(row: &AnyRow) -> Result<(Key, TalkFigures)> {
    let sex: String = row.try_get("sex")?;
    let sex = if sex == UNSTATED { None } else { Some(sex.parse().map_err(corrupt("sex"))?) };
    let key = (parse(row, "area")?, row.try_get("month")?, parse(row, "age_band")?, sex);
    let (hours, talks): (i64, i64) = (row.try_get("hours")?, row.try_get("talks")?);
    let figures = TalkFigures {
        talks,
        decided: row.try_get("decided")?,
        held_in_time: row.try_get("held_in_time")?,
        guardian: row.try_get("guardian")?,
        police: row.try_get("police")?,
        hours: if hours >= 0 { BTreeMap::from([(hours, talks)]) } else { BTreeMap::new() },
    };
    Ok((key, figures))
}

fn talk_from_row(row: &AnyRow) -> Result<SeriousTalk> {
    let opt = |col: &'static str| -> Result<Option<String>> { Ok(row.try_get(col)?) };
    let flag = |col: &'static str| -> Result<bool> { Ok(row.try_get::<i64, _>(col)? != 0) };
    let held_at: Option<i64> = row.try_get("held_at")?;
    Ok(SeriousTalk {
        reference: parse(row, "reference")?,
        case: TalkCase {
            area: parse(row, "area")?,
            age_band: parse(row, "age_band")?,
            sex: opt("sex")?.map(|s| s.parse()).transpose().map_err(corrupt("sex"))?,
            offence: parse(row, "offence")?,
            aware_at: timestamp("aware_at", row.try_get("aware_at")?)?,
        },
        outcome: TalkOutcome {
            held_at: held_at.map(|ms| timestamp("held_at", ms)).transpose()?,
            attendees: Attendees {
                guardian: flag("guardian")?,
                police: flag("police")?,
                social_services: flag("social_services")?,
                other: flag("other_attendee")?,
            },
            late_reason: opt("late_reason")?
                .map(|s| s.parse())
                .transpose()
                .map_err(corrupt("late_reason"))?,
            comment: opt("comment")?
                .map(|s| TalkComment::new(&s))
                .transpose()
                .map_err(corrupt("comment"))?
                .flatten(),
        },
    })
}

/// An instant cut to the millisecond, as it is stored.
fn to_ms(t: Timestamp) -> Timestamp {
    Timestamp::from_millisecond(t.as_millisecond()).unwrap_or(t)
}

fn timestamp(field: &str, ms: i64) -> Result<Timestamp> {
    Timestamp::from_millisecond(ms)
        .map_err(|_| StoreError::Corrupt(format!("{field}: {ms} is not an instant")))
}

fn corrupt(col: &'static str) -> impl Fn(Invalid) -> StoreError {
    move |e| StoreError::Corrupt(format!("column {col}: {e}"))
}

fn not_found(reference: &TalkReference) -> StoreError {
    StoreError::NotFound { what: "serious talk", key: reference.to_string() }
}

fn record(reference: &TalkReference) -> String {
    format!("serious_talk:{reference}")
}

/// `YYYY-MM` of a date.
fn month_of(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}
