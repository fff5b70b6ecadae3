//! Imported point events (police events, incidents from other systems) and
//! the provenance of every import. An import is one transaction: all of it
//! lands, or none of it. Re-importing adds nothing; a changed event is
//! updated in place and its previous version kept in `event_history`.

use crate::{Backend, OptF64, Result, Store, StoreError, now_ms};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AssertSqlSafe, Row};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;
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
    /// Only events of this source (for counts and points).
    pub source: Option<String>,
    /// Only events of these categories (for counts and points; empty: any).
    pub categories: Vec<String>,
}

/// A positioned event, as the analyses read it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventPoint {
    /// The source, e.g. `polisen`.
    pub source: String,
    /// When, epoch ms.
    pub occurred_at: i64,
    /// The category as the source names it.
    pub category: String,
    /// Latitude, WGS84.
    pub lat: f64,
    /// Longitude, WGS84.
    pub lon: f64,
    /// The area it was placed in.
    pub area: Option<Code>,
}

/// `{select} WHERE <time and area filter of q>{tail}`: `$1`/`$2` are the
/// time bounds, `$3` the source, `$4…` the areas and then the categories
/// (returned in binding order).
fn filtered<'q>(q: &'q EventQuery, select: &str, tail: &str) -> (String, Vec<&'q str>) {
    let mut sql = format!(
        "{select} WHERE ($1 IS NULL OR occurred_at >= $1) AND ($2 IS NULL OR occurred_at < $2) \
         AND ($3 IS NULL OR source = $3)"
    );
    let mut binds: Vec<&str> = Vec::new();
    for (column, values) in [
        ("area", q.areas.iter().map(Code::as_str).collect::<Vec<_>>()),
        ("category", q.categories.iter().map(String::as_str).collect()),
    ] {
        if values.is_empty() {
            continue;
        }
        let slots: Vec<String> = (0..values.len()).map(|i| format!("${}", binds.len() + i + 4)).collect();
        let _ = write!(sql, " AND {column} IN ({})", slots.join(", "));
        binds.extend(values);
    }
    sql.push_str(tail);
    (sql, binds)
}

/// The columns every event query reads.
macro_rules! event_columns {
    () => {
        "id, source, source_id, category, occurred_at, published_at, title, summary, url, \
         location_name, municipality, lat, lon, area, area_method"
    };
}

/// Columns of one inserted event row, in the order [`EventImport`] binds them.
const INSERT_COLUMNS: &str = "source, source_id, category, occurred_at, published_at, title, summary, url, \
     location_name, municipality, lat, lon, area, area_method, content_hash, import_run";
/// New events are buffered up to this many full statements, then sorted and written.
const SORTED_BATCHES: usize = 16;
/// How many parameters one row binds.
const PARAMS_PER_ROW: usize = 16;

/// The most bound parameters one statement may carry.
fn max_params(backend: Backend) -> usize {
    match backend {
        // SQLITE_MAX_VARIABLE_NUMBER since SQLite 3.32.
        Backend::Sqlite => 32_766,
        // The wire protocol counts parameters in an i16 (as unsigned).
        Backend::Postgres => 65_535,
    }
}

/// `INSERT INTO events (…) VALUES (…), (…)` for `rows` rows. SQLite gets
/// anonymous `?` parameters: it resolves named ones (`$N`) by a linear
/// search at parse and bind time, quadratic in a statement this large.
fn insert_sql(rows: usize, backend: Backend) -> Arc<str> {
    let mut sql = format!("INSERT INTO events ({INSERT_COLUMNS}) VALUES ");
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..PARAMS_PER_ROW {
            if c > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    let _ = write!(sql, "${}", r * PARAMS_PER_ROW + c + 1);
                }
            }
        }
        sql.push(')');
    }
    sql.into()
}

/// The first 128 bits of SHA-256 over the event's fields, each
/// length-prefixed (`None` differs from `""`): enough to notice a change,
/// and half the bytes per stored row of a full hash.
fn content_hash(e: &NewEvent) -> Hash {
    let mut h = Sha256::new();
    let mut text = |v: Option<&str>| match v {
        None => h.update([0u8]),
        Some(s) => {
            h.update([1u8]);
            h.update((s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        }
    };
    text(Some(&e.source_id));
    text(Some(&e.category));
    text(e.title.as_deref());
    text(e.summary.as_deref());
    text(e.url.as_deref());
    text(e.location_name.as_deref());
    text(e.municipality.as_deref());
    text(e.area.as_ref().map(Code::as_str));
    text(e.area_method.map(AreaMethod::as_str));
    h.update(e.occurred_at.to_le_bytes());
    h.update(e.published_at.map_or([0xff; 8], i64::to_le_bytes));
    match e.position {
        None => h.update([0u8]),
        Some(p) => {
            h.update([1u8]);
            h.update(p.lat.to_le_bytes());
            h.update(p.lon.to_le_bytes());
        }
    }
    let digest = h.finalize();
    let mut out = Hash::default();
    out.copy_from_slice(&digest[..16]);
    out
}

/// A content hash as kept in memory.
type Hash = [u8; 16];

/// Lower-case hex of `bytes` (for hashes).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

fn unhex(s: &str) -> Option<Hash> {
    let mut out = Hash::default();
    if s.len() != 32 {
        return None;
    }
    for (i, pair) in s.as_bytes().chunks(2).enumerate() {
        out[i] = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(out)
}

/// What the import knows of an event already in the database or in this transaction.
struct Known {
    /// Its row id; `None` when inserted by this transaction in a batch (looked up if needed).
    id: Option<i64>,
    hash: Hash,
}

/// The provenance row being filled by the current file.
struct RunState {
    meta: ImportMeta,
    id: i64,
    accepted: i64,
    inserted: i64,
    updated: i64,
    unchanged: i64,
}

/// A write transaction that imports events, file by file, each file with
/// its own provenance record; nothing is visible to others until
/// [`EventImport::commit`], and dropping it without committing rolls all of
/// it back.
///
/// New events are buffered and written with multi-row `INSERT`s as large as
/// the backend's bound-parameter limit allows (SQLite 32,766, PostgreSQL
/// 65,535), through one cached prepared statement. Known events are
/// recognised by `(source, source_id)` and a content hash: unchanged ones
/// are only counted, changed ones updated with their earlier version kept in
/// `event_history`. Memory grows with the number of distinct events of the
/// source (an id and a hash each), not with the size of the files.
pub struct EventImport {
    /// A connection of its own, closed when the import ends: an uncommitted
    /// transaction dies with it, and so does SQLite's enlarged page cache.
    tx: PoolConnection<Any>,
    backend: Backend,
    batch_rows: usize,
    batch_sql: Arc<str>,
    pending: Vec<(NewEvent, Hash)>,
    known_source: Option<String>,
    known: HashMap<String, Known>,
    areas: HashSet<String>,
    run: Option<RunState>,
}

impl Store {
    /// Starts an import transaction; see [`EventImport`].
    pub async fn begin_import(&self) -> Result<EventImport> {
        let mut tx = self.pool.acquire().await?;
        tx.close_on_drop();
        if self.backend == Backend::Sqlite {
            // The indexes of a large import are updated in random order; with
            // SQLite's default 2 MB cache their pages are evicted and read back
            // from the WAL over and over. 32 MB (measured: no gain beyond).
            sqlx::query("PRAGMA cache_size = -32000").execute(&mut *tx).await?;
            sqlx::query("BEGIN IMMEDIATE").execute(&mut *tx).await?;
        } else {
            sqlx::query("BEGIN").execute(&mut *tx).await?;
        }
        let areas = sqlx::query_scalar("SELECT code FROM areas").fetch_all(&mut *tx).await?;
        let batch_rows = max_params(self.backend) / PARAMS_PER_ROW;
        Ok(EventImport {
            tx,
            backend: self.backend,
            batch_rows,
            batch_sql: insert_sql(batch_rows, self.backend),
            pending: Vec::new(),
            known_source: None,
            known: HashMap::new(),
            areas: areas.into_iter().collect(),
            run: None,
        })
    }

    /// Imports `events` under `meta.source` in one transaction and records the
    /// provenance. New events are inserted, changed ones updated (the old
    /// version goes to the history), unchanged ones counted.
    pub async fn import_events(&self, meta: &ImportMeta, events: &[NewEvent]) -> Result<ImportRun> {
        let mut import = self.begin_import().await?;
        import.start_run(meta).await?;
        for e in events {
            import.add(e.clone()).await?;
        }
        let run = import.finish_run(&meta.sha256, meta.rejected).await?;
        import.commit().await?;
        Ok(run)
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
        let (sql, areas) = filtered(q, "SELECT category, COUNT(*) AS n FROM events", " GROUP BY category");
        let mut query =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(q.from).bind(q.to).bind(q.source.as_deref());
        for a in areas {
            query = query.bind(a);
        }
        let mut out: Vec<(String, i64)> = query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("category")?, r.try_get("n")?)))
            .collect::<Result<_>>()?;
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    /// The positioned events of `q` (its limit is ignored) as light points
    /// for the analyses, oldest first: events placed only by text or at
    /// municipality level have no position and are not among them.
    pub async fn event_points(&self, q: &EventQuery) -> Result<Vec<EventPoint>> {
        let (sql, areas) = filtered(
            q,
            "SELECT source, occurred_at, category, lat, lon, area FROM events",
            " AND lat IS NOT NULL AND lon IS NOT NULL ORDER BY occurred_at, id",
        );
        let mut query =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(q.from).bind(q.to).bind(q.source.as_deref());
        for a in areas {
            query = query.bind(a);
        }
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let area: Option<String> = r.try_get("area")?;
                Ok(EventPoint {
                    source: r.try_get("source")?,
                    occurred_at: r.try_get("occurred_at")?,
                    category: r.try_get("category")?,
                    lat: r.try_get("lat")?,
                    lon: r.try_get("lon")?,
                    area: area
                        .as_deref()
                        .map(Code::new)
                        .transpose()
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                })
            })
            .collect()
    }

    /// The sources that have events, e.g. `polisen`.
    pub async fn event_sources(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT DISTINCT source FROM events ORDER BY source")
            .fetch_all(&self.pool)
            .await?)
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

impl EventImport {
    /// Starts the provenance record of one file (the SHA-256 and counts are
    /// completed by [`EventImport::finish_run`]) and loads what the
    /// database knows of `meta.source`.
    pub async fn start_run(&mut self, meta: &ImportMeta) -> Result<()> {
        if self.run.is_some() {
            return Err(StoreError::Internal("start_run called twice without finish_run".into()));
        }
        let id = insert_run(&mut self.tx, meta, 0).await?;
        if self.known_source.as_deref() != Some(meta.source.as_str()) {
            self.flush().await?;
            self.load_known(&meta.source).await?;
        }
        self.run =
            Some(RunState { meta: meta.clone(), id, accepted: 0, inserted: 0, updated: 0, unchanged: 0 });
        Ok(())
    }

    async fn load_known(&mut self, source: &str) -> Result<()> {
        use futures_core::Stream;
        use std::pin::Pin;
        self.known.clear();
        // Streamed: a source with millions of events is never held as rows at once.
        let mut rows = sqlx::query("SELECT id, source_id, content_hash FROM events WHERE source = $1")
            .bind(source)
            .fetch(&mut *self.tx);
        while let Some(row) = std::future::poll_fn(|cx| Pin::new(&mut rows).poll_next(cx)).await {
            let row = row?;
            let hash: String = row.try_get("content_hash")?;
            // A hash this binary does not recognise compares unequal: the event is rewritten once.
            let hash = unhex(&hash).unwrap_or_default();
            self.known.insert(row.try_get("source_id")?, Known { id: Some(row.try_get("id")?), hash });
        }
        drop(rows);
        self.known_source = Some(source.to_owned());
        Ok(())
    }

    /// Adds one event to the current file's import.
    pub async fn add(&mut self, e: NewEvent) -> Result<()> {
        let Some(run) = self.run.as_mut() else {
            return Err(StoreError::Internal("add called before start_run".into()));
        };
        run.accepted += 1;
        if let Some(area) = &e.area
            && !self.areas.contains(area.as_str())
        {
            return Err(StoreError::NotFound { what: "area", key: area.to_string() });
        }
        let hash = content_hash(&e);
        match self.known.get(&e.source_id) {
            Some(k) if k.hash == hash => run.unchanged += 1,
            Some(k) => {
                let id = k.id;
                run.updated += 1;
                self.update(id, e, hash).await?;
            }
            None => {
                run.inserted += 1;
                self.known.insert(e.source_id.clone(), Known { id: None, hash });
                self.pending.push((e, hash));
                if self.pending.len() >= self.batch_rows * SORTED_BATCHES {
                    self.flush().await?;
                }
            }
        }
        Ok(())
    }

    /// Writes the buffered new events, sorted by their id so that the
    /// inserts into the `(source, source_id)` index land near each other.
    async fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let run_id = self.run.as_ref().map_or(0, |r| r.id);
        let source = self.known_source.clone().unwrap_or_default();
        let mut pending = std::mem::take(&mut self.pending);
        pending.sort_unstable_by(|a, b| a.0.source_id.cmp(&b.0.source_id));
        for batch in pending.chunks(self.batch_rows) {
            let full = batch.len() == self.batch_rows;
            let sql = if full { self.batch_sql.clone() } else { insert_sql(batch.len(), self.backend) };
            let mut q = sqlx::query(AssertSqlSafe(sql)).persistent(full);
            for (e, hash) in batch {
                q = bind_event(q.bind(source.as_str()).bind(e.source_id.as_str()), e)
                    .bind(hex(hash))
                    .bind(run_id);
            }
            q.execute(&mut *self.tx).await?;
        }
        pending.clear();
        self.pending = pending;
        Ok(())
    }

    /// Replaces a known event, keeping its previous version in the history.
    async fn update(&mut self, id: Option<i64>, e: NewEvent, hash: Hash) -> Result<()> {
        let source = self.known_source.clone().unwrap_or_default();
        let run_id = self.run.as_ref().map_or(0, |r| r.id);
        let id = match id {
            Some(id) => id,
            None => {
                // Inserted earlier in this transaction, perhaps still buffered.
                self.flush().await?;
                sqlx::query_scalar("SELECT id FROM events WHERE source = $1 AND source_id = $2")
                    .bind(&source)
                    .bind(&e.source_id)
                    .fetch_one(&mut *self.tx)
                    .await?
            }
        };
        let old = sqlx::query(concat!("SELECT ", event_columns!(), " FROM events WHERE id = $1"))
            .bind(id)
            .fetch_one(&mut *self.tx)
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
        .execute(&mut *self.tx)
        .await?;
        bind_event(
            sqlx::query(
                "UPDATE events SET category = $2, occurred_at = $3, published_at = $4, title = $5, \
                 summary = $6, url = $7, location_name = $8, municipality = $9, lat = $10, lon = $11, \
                 area = $12, area_method = $13, content_hash = $14, import_run = $15 WHERE id = $1",
            )
            .bind(id),
            &e,
        )
        .bind(hex(&hash))
        .bind(run_id)
        .execute(&mut *self.tx)
        .await
        .map_err(|err| area_error(err, &e))?;
        self.known.insert(e.source_id, Known { id: Some(id), hash });
        Ok(())
    }

    /// Writes what is buffered and completes the current file's provenance
    /// record with its SHA-256 and counts.
    pub async fn finish_run(&mut self, sha256: &str, rejected: i64) -> Result<ImportRun> {
        self.flush().await?;
        let Some(run) = self.run.take() else {
            return Err(StoreError::Internal("finish_run called before start_run".into()));
        };
        let finished_at = now_ms();
        let counts = RunCounts {
            accepted: run.accepted,
            rejected,
            inserted: run.inserted,
            updated: run.updated,
            unchanged: run.unchanged,
        };
        finish_run_record(&mut self.tx, run.id, sha256, &counts, finished_at).await?;
        Ok(ImportRun {
            id: run.id,
            kind: run.meta.kind,
            source: run.meta.source,
            file_name: run.meta.file_name,
            sha256: sha256.to_owned(),
            accepted: counts.accepted,
            rejected,
            inserted: counts.inserted,
            updated: counts.updated,
            unchanged: counts.unchanged,
            actor: run.meta.actor,
            started_at: run.meta.started_at,
            finished_at,
        })
    }

    /// Makes everything imported in this transaction visible.
    pub async fn commit(mut self) -> Result<()> {
        if self.run.is_some() {
            return Err(StoreError::Internal("commit called with an unfinished run".into()));
        }
        self.flush().await?;
        sqlx::query("COMMIT").execute(&mut *self.tx).await?;
        Ok(())
    }
}

/// The counts completing a provenance record.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RunCounts {
    pub accepted: i64,
    pub rejected: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
}

/// Inserts the provenance record of an import that starts; returns its id.
pub(crate) async fn insert_run(
    conn: &mut sqlx::AnyConnection,
    meta: &ImportMeta,
    accepted: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO import_runs (kind, source, file_name, sha256, accepted, rejected, inserted, updated, \
         unchanged, actor, started_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, 0, 0, 0, $7, $8, $8) RETURNING id",
    )
    .bind(&meta.kind)
    .bind(&meta.source)
    .bind(&meta.file_name)
    .bind(&meta.sha256)
    .bind(accepted)
    .bind(meta.rejected)
    .bind(&meta.actor)
    .bind(meta.started_at)
    .fetch_one(conn)
    .await?)
}

/// Completes a provenance record.
pub(crate) async fn finish_run_record(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    sha256: &str,
    c: &RunCounts,
    finished_at: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE import_runs SET sha256 = $1, accepted = $2, rejected = $3, inserted = $4, updated = $5, \
         unchanged = $6, finished_at = $7 WHERE id = $8",
    )
    .bind(sha256)
    .bind(c.accepted)
    .bind(c.rejected)
    .bind(c.inserted)
    .bind(c.updated)
    .bind(c.unchanged)
    .bind(finished_at)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
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
