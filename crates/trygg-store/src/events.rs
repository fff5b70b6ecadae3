//! Imported point events (police events, incidents from other systems) and
//! the provenance of every import. An import is one transaction: all of it
//! lands, or none of it. Re-importing adds nothing; a changed event is
//! updated in place and its previous version kept in `event_history`.

use crate::{OptF64, Result, Store, StoreError, now_ms};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use trygg_core::{Code, LatLon};

/// How an event was placed in an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaMethod {
    /// The event's own position lies in the area's boundary.
    Point,
    /// A district or place name in the event's text.
    Text,
    /// Only the municipality is known.
    Municipality,
}

impl AreaMethod {
    /// Stable text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Point => "point",
            Self::Text => "text",
            Self::Municipality => "municipality",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "point" => Ok(Self::Point),
            "text" => Ok(Self::Text),
            "municipality" => Ok(Self::Municipality),
            other => Err(StoreError::Corrupt(format!("unknown area method {other:?}"))),
        }
    }
}

/// An event as an importer produces it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewEvent {
    /// The identity within its source (the police's id, or a content hash).
    pub source_id: String,
    /// The event's type or category as the source names it (kept even if new to us).
    pub category: String,
    /// When it happened, epoch ms (UTC).
    pub occurred_at: i64,
    /// When the source published it, epoch ms, if different.
    pub published_at: Option<i64>,
    /// Headline.
    pub title: Option<String>,
    /// Short text.
    pub summary: Option<String>,
    /// Link to the source.
    pub url: Option<String>,
    /// The place name the source gives.
    pub location_name: Option<String>,
    /// The municipality, where known.
    pub municipality: Option<String>,
    /// The event's own position, where the source has one (never a municipality centroid).
    pub position: Option<LatLon>,
    /// The area it was placed in.
    pub area: Option<Code>,
    /// How it was placed.
    pub area_method: Option<AreaMethod>,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Database id.
    pub id: i64,
    /// The source, e.g. `polisen`.
    pub source: String,
    /// The imported fields.
    pub event: NewEvent,
}

/// What an import was: recorded as its provenance.
#[derive(Debug, Clone)]
pub struct ImportMeta {
    /// Importer, e.g. `polisen` or `points`.
    pub kind: String,
    /// Source name the events are filed under.
    pub source: String,
    /// The file's name as given.
    pub file_name: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// Rows rejected by validation (imported only with `--skip-invalid`).
    pub rejected: i64,
    /// Who imported.
    pub actor: String,
    /// When the import started, epoch ms.
    pub started_at: i64,
}

/// The provenance record of one import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRun {
    /// Database id.
    pub id: i64,
    /// Importer.
    pub kind: String,
    /// Source name.
    pub source: String,
    /// File name.
    pub file_name: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Rows accepted.
    pub accepted: i64,
    /// Rows rejected.
    pub rejected: i64,
    /// New events.
    pub inserted: i64,
    /// Changed events.
    pub updated: i64,
    /// Events already present unchanged.
    pub unchanged: i64,
    /// Who.
    pub actor: String,
    /// Started, epoch ms.
    pub started_at: i64,
    /// Finished, epoch ms.
    pub finished_at: i64,
}

/// Which events to read.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// Only events placed in one of these areas (empty: any area, or none).
    pub areas: Vec<Code>,
    /// From this instant, epoch ms, inclusive.
    pub from: Option<i64>,
    /// Before this instant, epoch ms, exclusive.
    pub to: Option<i64>,
    /// At most this many, newest first.
    pub limit: Option<i64>,
}

fn content_hash(e: &NewEvent) -> String {
    let json = serde_json::to_vec(e).unwrap_or_default();
    Sha256::digest(&json).iter().map(|b| format!("{b:02x}")).collect()
}

/// The columns every event query reads.
macro_rules! event_columns {
    () => {
        "id, source, source_id, category, occurred_at, published_at, title, summary, url, \
         location_name, municipality, lat, lon, area, area_method"
    };
}

impl Store {
    /// Imports `events` under `meta.source` in one transaction and records the
    /// provenance. New events are inserted, changed ones updated (the old
    /// version goes to the history), unchanged ones counted.
    pub async fn import_events(&self, meta: &ImportMeta, events: &[NewEvent]) -> Result<ImportRun> {
        let mut tx = self.pool.begin().await?;
        let run_id: i64 = sqlx::query_scalar(
            "INSERT INTO import_runs (kind, source, file_name, sha256, accepted, rejected, inserted, updated, \
             unchanged, actor, started_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, 0, 0, 0, $7, $8, $8) RETURNING id",
        )
        .bind(&meta.kind)
        .bind(&meta.source)
        .bind(&meta.file_name)
        .bind(&meta.sha256)
        .bind(events.len() as i64)
        .bind(meta.rejected)
        .bind(&meta.actor)
        .bind(meta.started_at)
        .fetch_one(&mut *tx)
        .await?;
        let mut known: HashMap<String, (i64, String)> = HashMap::new();
        for row in sqlx::query("SELECT id, source_id, content_hash FROM events WHERE source = $1")
            .bind(&meta.source)
            .fetch_all(&mut *tx)
            .await?
        {
            known.insert(row.try_get("source_id")?, (row.try_get("id")?, row.try_get("content_hash")?));
        }
        let (mut inserted, mut updated, mut unchanged) = (0i64, 0i64, 0i64);
        for e in events {
            let hash = content_hash(e);
            match known.get(&e.source_id) {
                Some((_, old)) if *old == hash => unchanged += 1,
                Some(&(id, _)) => {
                    let old = sqlx::query(concat!("SELECT ", event_columns!(), " FROM events WHERE id = $1"))
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let previous = serde_json::to_string(&event_from_row(&old)?.event)
                        .map_err(|e| StoreError::Internal(e.to_string()))?;
                    sqlx::query(
                        "INSERT INTO event_history (event_id, replaced_at, import_run, previous) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(id)
                    .bind(now_ms())
                    .bind(run_id)
                    .bind(previous)
                    .execute(&mut *tx)
                    .await?;
                    bind_event(
                        sqlx::query(
                            "UPDATE events SET category = $2, occurred_at = $3, published_at = $4, title = $5, \
                             summary = $6, url = $7, location_name = $8, municipality = $9, lat = $10, lon = $11, \
                             area = $12, area_method = $13, content_hash = $14, import_run = $15 WHERE id = $1",
                        )
                        .bind(id),
                        e,
                    )
                    .bind(&hash)
                    .bind(run_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(|err| area_error(err, e))?;
                    known.insert(e.source_id.clone(), (id, hash));
                    updated += 1;
                }
                None => {
                    let id: i64 = bind_event(
                        sqlx::query_scalar(
                            "INSERT INTO events (source_id, category, occurred_at, published_at, title, summary, url, \
                             location_name, municipality, lat, lon, area, area_method, content_hash, import_run, source) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
                        )
                        .bind(&e.source_id),
                        e,
                    )
                    .bind(&hash)
                    .bind(run_id)
                    .bind(&meta.source)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|err| area_error(err, e))?;
                    known.insert(e.source_id.clone(), (id, hash));
                    inserted += 1;
                }
            }
        }
        let finished_at = now_ms();
        sqlx::query("UPDATE import_runs SET inserted = $1, updated = $2, unchanged = $3, finished_at = $4 WHERE id = $5")
            .bind(inserted)
            .bind(updated)
            .bind(unchanged)
            .bind(finished_at)
            .bind(run_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ImportRun {
            id: run_id,
            kind: meta.kind.clone(),
            source: meta.source.clone(),
            file_name: meta.file_name.clone(),
            sha256: meta.sha256.clone(),
            accepted: events.len() as i64,
            rejected: meta.rejected,
            inserted,
            updated,
            unchanged,
            actor: meta.actor.clone(),
            started_at: meta.started_at,
            finished_at,
        })
    }

    /// Events matching `q`, newest first.
    pub async fn events(&self, q: &EventQuery) -> Result<Vec<Event>> {
        let mut sql = String::from(concat!(
            "SELECT ",
            event_columns!(),
            " FROM events WHERE ($1 IS NULL OR occurred_at >= $1) AND ($2 IS NULL OR occurred_at < $2)"
        ));
        if !q.areas.is_empty() {
            let slots: Vec<String> = (0..q.areas.len()).map(|i| format!("${}", i + 4)).collect();
            sql.push_str(&format!(" AND area IN ({})", slots.join(", ")));
        }
        sql.push_str(" ORDER BY occurred_at DESC, id DESC LIMIT $3");
        // Only numbered placeholders are added to the text; every value is bound.
        let mut query =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(q.from).bind(q.to).bind(q.limit.unwrap_or(i64::MAX));
        for a in &q.areas {
            query = query.bind(a.as_str());
        }
        query.fetch_all(&self.pool).await?.iter().map(event_from_row).collect()
    }

    /// Event counts per category for `q` (its limit is ignored), largest first.
    pub async fn event_counts(&self, q: &EventQuery) -> Result<Vec<(String, i64)>> {
        let all = self.events(&EventQuery { limit: None, ..q.clone() }).await?;
        let mut counts: HashMap<String, i64> = HashMap::new();
        for e in all {
            *counts.entry(e.event.category).or_default() += 1;
        }
        let mut out: Vec<(String, i64)> = counts.into_iter().collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    /// The latest imports, newest first.
    pub async fn import_runs(&self, limit: i64) -> Result<Vec<ImportRun>> {
        let rows = sqlx::query(
            "SELECT id, kind, source, file_name, sha256, accepted, rejected, inserted, updated, unchanged, actor, \
             started_at, finished_at FROM import_runs ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ImportRun {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    source: r.try_get("source")?,
                    file_name: r.try_get("file_name")?,
                    sha256: r.try_get("sha256")?,
                    accepted: r.try_get("accepted")?,
                    rejected: r.try_get("rejected")?,
                    inserted: r.try_get("inserted")?,
                    updated: r.try_get("updated")?,
                    unchanged: r.try_get("unchanged")?,
                    actor: r.try_get("actor")?,
                    started_at: r.try_get("started_at")?,
                    finished_at: r.try_get("finished_at")?,
                })
            })
            .collect()
    }

    /// How many earlier versions an event has.
    pub async fn event_versions(&self, event_id: i64) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM event_history WHERE event_id = $1")
            .bind(event_id)
            .fetch_one(&self.pool)
            .await?)
    }
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds the event's fields in column order (category … area_method).
fn bind_event<'q, Q: BindEvent<'q>>(q: Q, e: &'q NewEvent) -> Q {
    q.b(e.category.as_str())
        .b_i64(e.occurred_at)
        .b_opt_i64(e.published_at)
        .b_opt(e.title.as_deref())
        .b_opt(e.summary.as_deref())
        .b_opt(e.url.as_deref())
        .b_opt(e.location_name.as_deref())
        .b_opt(e.municipality.as_deref())
        .b_f64(e.position.map(|p| p.lat))
        .b_f64(e.position.map(|p| p.lon))
        .b_opt(e.area.as_ref().map(Code::as_str))
        .b_opt(e.area_method.map(AreaMethod::as_str))
}

/// The binds `bind_event` needs, for both query kinds.
trait BindEvent<'q>: Sized {
    fn b(self, v: &'q str) -> Self;
    fn b_opt(self, v: Option<&'q str>) -> Self;
    fn b_i64(self, v: i64) -> Self;
    fn b_opt_i64(self, v: Option<i64>) -> Self;
    fn b_f64(self, v: Option<f64>) -> Self;
}

macro_rules! impl_bind_event {
    ($t:ty) => {
        impl<'q> BindEvent<'q> for $t {
            fn b(self, v: &'q str) -> Self {
                self.bind(v)
            }
            fn b_opt(self, v: Option<&'q str>) -> Self {
                self.bind(v)
            }
            fn b_i64(self, v: i64) -> Self {
                self.bind(v)
            }
            fn b_opt_i64(self, v: Option<i64>) -> Self {
                self.bind(v)
            }
            fn b_f64(self, v: Option<f64>) -> Self {
                self.bind(OptF64(v))
            }
        }
    };
}
impl_bind_event!(AnyQuery<'q>);
impl_bind_event!(sqlx::query::QueryScalar<'q, sqlx::Any, i64, sqlx::any::AnyArguments>);

fn area_error(err: sqlx::Error, e: &NewEvent) -> StoreError {
    match &err {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::NotFound {
            what: "area",
            key: e.area.as_ref().map_or_else(String::new, ToString::to_string),
        },
        _ => err.into(),
    }
}

fn event_from_row(r: &AnyRow) -> Result<Event> {
    let lat: Option<f64> = r.try_get("lat")?;
    let lon: Option<f64> = r.try_get("lon")?;
    let area: Option<String> = r.try_get("area")?;
    let method: Option<String> = r.try_get("area_method")?;
    Ok(Event {
        id: r.try_get("id")?,
        source: r.try_get("source")?,
        event: NewEvent {
            source_id: r.try_get("source_id")?,
            category: r.try_get("category")?,
            occurred_at: r.try_get("occurred_at")?,
            published_at: r.try_get("published_at")?,
            title: r.try_get("title")?,
            summary: r.try_get("summary")?,
            url: r.try_get("url")?,
            location_name: r.try_get("location_name")?,
            municipality: r.try_get("municipality")?,
            position: match (lat, lon) {
                (Some(lat), Some(lon)) => Some(LatLon::new(lat, lon)?),
                _ => None,
            },
            area: area.map(|a| Code::new(&a)).transpose()?,
            area_method: method.as_deref().map(AreaMethod::parse).transpose()?,
        },
    })
}
