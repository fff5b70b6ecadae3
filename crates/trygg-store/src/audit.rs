//! The append-only audit log: each entry is chained to the previous one by
//! a SHA-256 hash, so a removed or altered entry breaks the chain.

use crate::{Result, Store, now_ms};
use sha2::{Digest, Sha256};
use sqlx::Row;

/// One audit entry: who did what to which record, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// Epoch ms.
    pub at: i64,
    /// Who: `user:<id>`, `cli`, `system`, or `public`.
    pub actor: String,
    /// What, e.g. `login.failed`, `user.create`, `serious_talk.read`.
    pub action: String,
    /// Which record, e.g. `user:7`.
    pub record: String,
    /// Further detail (never a secret).
    pub detail: String,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditVerification {
    /// Every entry's hash and link checks out.
    Intact {
        /// Number of entries checked.
        entries: i64,
    },
    /// The first entry where the chain breaks.
    Broken {
        /// Its position.
        seq: i64,
        /// What is wrong.
        reason: String,
    },
}

fn entry_hash(
    prev: &str,
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    record: &str,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [prev, &seq.to_string(), &at.to_string(), actor, action, record, detail] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    /// Appends an entry. The one-row head table is updated first, which
    /// serialises writers on both backends, so the chain never forks.
    pub async fn audit(&self, actor: &str, action: &str, record: &str, detail: &str) -> Result<AuditEntry> {
        let mut tx = self.begin_write().await?;
        let entry = append(&mut tx, actor, action, record, detail).await?;
        tx.commit().await?;
        Ok(entry)
    }
}

/// Appends an entry inside the caller's transaction, so that a change and
/// its audit entry are committed together (see [`Store::audit`]).
pub(crate) async fn append(
    tx: &mut sqlx::AnyConnection,
    actor: &str,
    action: &str,
    record: &str,
    detail: &str,
) -> Result<AuditEntry> {
    let row = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *tx)
        .await?;
    let seq: i64 = row.try_get("seq")?;
    let prev_hash: String = row.try_get("hash")?;
    let at = now_ms();
    let hash = entry_hash(&prev_hash, seq, at, actor, action, record, detail);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, record, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(seq)
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(record)
    .bind(detail)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&hash).execute(&mut *tx).await?;
    Ok(AuditEntry {
        seq,
        at,
        actor: actor.into(),
        action: action.into(),
        record: record.into(),
        detail: detail.into(),
        prev_hash,
        hash,
    })
}

impl Store {
    /// The latest `limit` entries, newest first.
    pub async fn audit_entries(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, record, detail, prev_hash, hash FROM audit_log ORDER BY seq DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    seq: r.try_get("seq")?,
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    record: r.try_get("record")?,
                    detail: r.try_get("detail")?,
                    prev_hash: r.try_get("prev_hash")?,
                    hash: r.try_get("hash")?,
                })
            })
            .collect()
    }

    /// Recomputes every hash and link, and checks the head against the last entry.
    pub async fn verify_audit(&self) -> Result<AuditVerification> {
        use futures_util_lite::next_row;
        let mut rows = sqlx::query(
            "SELECT seq, at, actor, action, record, detail, prev_hash, hash FROM audit_log ORDER BY seq",
        )
        .fetch(&self.pool);
        let (mut expected_seq, mut prev) = (1i64, String::new());
        while let Some(r) = next_row(&mut rows).await? {
            let seq: i64 = r.try_get("seq")?;
            let broken = |reason: &str| Ok(AuditVerification::Broken { seq, reason: reason.into() });
            if seq != expected_seq {
                return broken(&format!("entry {expected_seq} is missing"));
            }
            let stored_prev: String = r.try_get("prev_hash")?;
            if stored_prev != prev {
                return broken("does not link to the previous entry");
            }
            let hash: String = r.try_get("hash")?;
            let computed = entry_hash(
                &prev,
                seq,
                r.try_get("at")?,
                &r.try_get::<String, _>("actor")?,
                &r.try_get::<String, _>("action")?,
                &r.try_get::<String, _>("record")?,
                &r.try_get::<String, _>("detail")?,
            );
            if computed != hash {
                return broken("its content does not match its hash");
            }
            prev = hash;
            expected_seq += 1;
        }
        drop(rows);
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&self.pool).await?;
        let (head_seq, head_hash): (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
        if head_seq != expected_seq - 1 || head_hash != prev {
            return Ok(AuditVerification::Broken {
                seq: head_seq,
                reason: format!("the log ends at entry {} but the head says {head_seq}", expected_seq - 1),
            });
        }
        Ok(AuditVerification::Intact { entries: expected_seq - 1 })
    }
}

mod futures_util_lite {
    use futures_core::Stream;
    use std::pin::Pin;

    /// Awaits the next item of a row stream without pulling in futures-util.
    pub async fn next_row<S, T, E>(s: &mut S) -> Result<Option<T>, E>
    where
        S: Stream<Item = Result<T, E>> + Unpin,
    {
        std::future::poll_fn(|cx| Pin::new(&mut *s).poll_next(cx)).await.transpose()
    }
}
