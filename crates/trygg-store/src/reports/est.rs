//! The weekly EST meeting's decision log ("focus next week"), per area and ISO week.

use crate::{Result, Store, parse};
use sqlx::Row;
use trygg_core::{Code, Invalid};

/// One decision of the weekly meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EstDecision {
    /// Database id.
    pub id: i64,
    /// The area the meeting is for.
    pub area: Code,
    /// ISO week, e.g. `2025-W14`.
    pub week: String,
    /// What was decided.
    pub text: String,
    /// Who wrote it.
    pub actor: String,
    /// When, epoch ms.
    pub at: i64,
}

/// Checks an ISO week label `YYYY-Www` (weeks 01–53).
pub fn check_week(week: &str) -> Result<(), Invalid> {
    let ok = week.len() == 8
        && week.as_bytes()[4] == b'-'
        && week.as_bytes()[5] == b'W'
        && week[..4].bytes().all(|b| b.is_ascii_digit())
        && week[6..].parse::<u8>().is_ok_and(|w| (1..=53).contains(&w));
    if ok { Ok(()) } else { Err(Invalid::new("week", week, "an ISO week like 2025-W14")) }
}

impl Store {
    /// Writes a decision into the log for `area` and `week`.
    pub async fn add_est_decision(
        &self,
        area: &Code,
        week: &str,
        text: &str,
        actor: &str,
    ) -> Result<EstDecision> {
        check_week(week)?;
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 2000 || trygg_core::contains_identity_number(text) {
            return Err(Invalid::new(
                "text",
                "(not shown)",
                "1–2000 characters, no personal identity number",
            )
            .into());
        }
        let at = crate::now_ms();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO est_decisions (area, week, text, actor, at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(area.as_str())
        .bind(week)
        .bind(text)
        .bind(actor)
        .bind(at)
        .fetch_one(&self.pool)
        .await?;
        Ok(EstDecision {
            id,
            area: area.clone(),
            week: week.into(),
            text: text.into(),
            actor: actor.into(),
            at,
        })
    }

    /// The decisions for `area` and `week`, oldest first.
    pub async fn est_decisions(&self, area: &Code, week: &str) -> Result<Vec<EstDecision>> {
        let rows = sqlx::query(
            "SELECT id, area, week, text, actor, at FROM est_decisions WHERE area = $1 AND week = $2 ORDER BY at, id",
        )
        .bind(area.as_str())
        .bind(week)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(EstDecision {
                    id: row.try_get("id")?,
                    area: parse(row, "area")?,
                    week: row.try_get("week")?,
                    text: row.try_get("text")?,
                    actor: row.try_get("actor")?,
                    at: row.try_get("at")?,
                })
            })
            .collect()
    }
}
