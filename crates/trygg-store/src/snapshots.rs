//! Published reports, kept exactly as published (`report_snapshots`).
//!
//! The store keeps the document as opaque JSON text (the report crate owns
//! its shape) with its SHA-256, so a report sent to the city executive board
//! can be rendered again later byte for byte from the same document. A
//! snapshot is never changed; publishing again makes the next version.

use crate::{Result, Store, StoreError, audit, now_ms, sha256_hex};
use sqlx::Row;
use sqlx::any::AnyRow;
use trygg_core::Code;

/// A report to publish.
#[derive(Debug, Clone)]
pub struct NewSnapshot<'a> {
    /// `situation` or `tertial`.
    pub kind: &'a str,
    /// The area reported on.
    pub area: &'a Code,
    /// The period, e.g. `2025` or `2025-T2`.
    pub period: &'a str,
    /// `sv` or `en`.
    pub lang: &'a str,
    /// The title, for lists.
    pub title: &'a str,
    /// The whole document as JSON.
    pub document: &'a str,
}

/// A published version, without its document (for lists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// Database id.
    pub id: i64,
    /// `situation` or `tertial`.
    pub kind: String,
    /// The area.
    pub area: Code,
    /// The period.
    pub period: String,
    /// The language.
    pub lang: String,
    /// 1 for the first publication of this report, then counting up.
    pub version: i64,
    /// The title.
    pub title: String,
    /// SHA-256 of the document, hex.
    pub sha256: String,
    /// Who published it.
    pub published_by: String,
    /// When, epoch ms.
    pub published_at: i64,
}

/// A published version with its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// What and when.
    pub info: SnapshotInfo,
    /// The document as JSON, exactly as published.
    pub document: String,
}

const INFO_COLUMNS: &str = "id, kind, area, period, lang, version, title, sha256, published_by, published_at";

impl Store {
    /// Stores the next version of a report, with an audit entry in the same
    /// transaction. Versions are numbered per kind, area, period and language.
    pub async fn publish_snapshot(&self, actor: &str, s: &NewSnapshot<'_>) -> Result<SnapshotInfo> {
        let sha256 = sha256_hex(s.document);
        let mut tx = self.begin_write().await?;
        let version: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM report_snapshots \
             WHERE kind = $1 AND area = $2 AND period = $3 AND lang = $4",
        )
        .bind(s.kind)
        .bind(s.area.as_str())
        .bind(s.period)
        .bind(s.lang)
        .fetch_one(&mut *tx)
        .await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO report_snapshots (kind, area, period, lang, version, title, document, sha256, \
             published_by, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {INFO_COLUMNS}"
        )))
        .bind(s.kind)
        .bind(s.area.as_str())
        .bind(s.period)
        .bind(s.lang)
        .bind(version)
        .bind(s.title)
        .bind(s.document)
        .bind(&sha256)
        .bind(actor)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let info = info_from_row(&row)?;
        let detail = format!("{} {} {} v{} sha256:{}", s.kind, s.area, s.period, version, sha256);
        audit::append(&mut tx, actor, "report.publish", &format!("report_snapshot:{}", info.id), &detail)
            .await?;
        tx.commit().await?;
        Ok(info)
    }

    /// Published versions, newest first; only those of `area` if given.
    pub async fn snapshots(&self, area: Option<&Code>) -> Result<Vec<SnapshotInfo>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INFO_COLUMNS} FROM report_snapshots WHERE ($1 IS NULL OR area = $1) ORDER BY id DESC"
        )))
        .bind(area.map(Code::as_str))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(info_from_row).collect()
    }

    /// One published version with its document.
    pub async fn snapshot(&self, id: i64) -> Result<Option<Snapshot>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INFO_COLUMNS}, document FROM report_snapshots WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let info = info_from_row(&r)?;
            let document: String = r.try_get("document")?;
            if sha256_hex(&document) != info.sha256 {
                return Err(StoreError::Corrupt(format!("report snapshot {id} does not match its SHA-256")));
            }
            Ok(Snapshot { info, document })
        })
        .transpose()
    }
}

fn info_from_row(r: &AnyRow) -> Result<SnapshotInfo> {
    let area: String = r.try_get("area")?;
    Ok(SnapshotInfo {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        area: Code::new(&area).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        period: r.try_get("period")?,
        lang: r.try_get("lang")?,
        version: r.try_get("version")?,
        title: r.try_get("title")?,
        sha256: r.try_get("sha256")?,
        published_by: r.try_get("published_by")?,
        published_at: r.try_get("published_at")?,
    })
}
