//! The mail outbox. A notification is a row written in the same transaction
//! as the change it tells about, so a mail server that is down loses
//! nothing: the sender claims due rows, sends, and marks them sent, or
//! failed with a later retry. Rows name what to tell (`kind`, `record`); the
//! sender renders the text when it sends, in the recipient's language.

use crate::{Result, Store, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A notification waiting in (or sent from) the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// Database id.
    pub id: i64,
    /// Address to send to.
    pub recipient: String,
    /// What happened, e.g. `report.assigned`.
    pub kind: String,
    /// The record it is about, e.g. `report:42`.
    pub record: String,
    /// When it was queued, epoch ms.
    pub created_at: i64,
    /// Sending attempts so far.
    pub attempts: i64,
    /// When it was sent, if it was.
    pub sent_at: Option<i64>,
    /// The last error, if an attempt failed.
    pub last_error: Option<String>,
}

/// How long a claimed row is left to its sender before another may retry it.
const LEASE_MS: i64 = 120_000;

impl Store {
    /// Queues a notification outside any other change.
    pub async fn enqueue_mail(&self, recipient: &str, kind: &str, record: &str) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        enqueue(&mut conn, recipient, kind, record).await
    }

    /// Claims up to `limit` due notifications for sending: each is leased for
    /// two minutes, so several servers never send the same row at once, and a
    /// sender that dies leaves it to be retried.
    pub async fn claim_mail(&self, limit: i64) -> Result<Vec<OutgoingMail>> {
        let now = now_ms();
        let rows = sqlx::query(
            "UPDATE mail_outbox SET next_attempt_at = $1, attempts = attempts + 1 \
             WHERE sent_at IS NULL AND next_attempt_at <= $2 AND id IN \
             (SELECT id FROM mail_outbox WHERE sent_at IS NULL AND next_attempt_at <= $2 ORDER BY id LIMIT $3) \
             RETURNING id, recipient, kind, record, created_at, attempts, sent_at, last_error",
        )
        .bind(now + LEASE_MS)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<OutgoingMail> = rows.iter().map(mail_from_row).collect::<Result<_>>()?;
        out.sort_by_key(|m| m.id);
        Ok(out)
    }

    /// Marks a notification sent.
    pub async fn mark_mail_sent(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE mail_outbox SET sent_at = $1, last_error = NULL WHERE id = $2")
            .bind(now_ms())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records a failed attempt; the row is retried after `retry_in_ms`.
    pub async fn mark_mail_failed(&self, id: i64, error: &str, retry_in_ms: i64) -> Result<()> {
        sqlx::query("UPDATE mail_outbox SET last_error = $1, next_attempt_at = $2 WHERE id = $3")
            .bind(error)
            .bind(now_ms() + retry_in_ms)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The latest `limit` notifications, newest first (for the admin view and tests).
    pub async fn outbox(&self, limit: i64) -> Result<Vec<OutgoingMail>> {
        let rows = sqlx::query(
            "SELECT id, recipient, kind, record, created_at, attempts, sent_at, last_error \
             FROM mail_outbox ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(mail_from_row).collect()
    }
}

/// Queues a notification on `conn` (inside the caller's transaction).
pub(crate) async fn enqueue(
    conn: &mut sqlx::AnyConnection,
    recipient: &str,
    kind: &str,
    record: &str,
) -> Result<()> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO mail_outbox (recipient, kind, record, created_at, attempts, next_attempt_at) \
         VALUES ($1, $2, $3, $4, 0, $4)",
    )
    .bind(recipient)
    .bind(kind)
    .bind(record)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn mail_from_row(row: &AnyRow) -> Result<OutgoingMail> {
    Ok(OutgoingMail {
        id: row.try_get("id")?,
        recipient: row.try_get("recipient")?,
        kind: row.try_get("kind")?,
        record: row.try_get("record")?,
        created_at: row.try_get("created_at")?,
        attempts: row.try_get("attempts")?,
        sent_at: row.try_get("sent_at")?,
        last_error: row.try_get("last_error")?,
    })
}
