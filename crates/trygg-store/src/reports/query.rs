//! Reading reports by filter: queues, lists, exports and Open311 GETs.

use super::{REPORT_COLUMNS, Report, report_from_row};
use crate::{Result, Store};
use trygg_core::{Code, ReportState};

/// Which reports to read. Empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportQuery {
    /// Only these ids.
    pub ids: Vec<i64>,
    /// Only reports in these districts (expand district areas to their districts first).
    pub areas: Vec<Code>,
    /// Only this organisation's reports.
    pub responsible: Option<Code>,
    /// Only these categories.
    pub categories: Vec<Code>,
    /// Only these states.
    pub states: Vec<ReportState>,
    /// Only open reports past their deadline at this instant.
    pub overdue_at: Option<i64>,
    /// Made at or after, epoch ms.
    pub created_from: Option<i64>,
    /// Made before, epoch ms.
    pub created_to: Option<i64>,
    /// Changed at or after, epoch ms.
    pub updated_from: Option<i64>,
    /// Changed before, epoch ms.
    pub updated_to: Option<i64>,
    /// Only categories that may be shown publicly.
    pub public_only: bool,
    /// At most this many (newest first).
    pub limit: Option<i64>,
    /// Skip this many.
    pub offset: Option<i64>,
}

enum Param {
    Int(i64),
    Text(String),
}

impl ReportQuery {
    fn sql(&self, select: &str) -> (String, Vec<Param>) {
        let mut sql =
            format!("{select} FROM reports r JOIN report_categories c ON c.code = r.category WHERE 1 = 1");
        let mut params = Vec::new();
        let mut list = |sql: &mut String, column: &str, values: Vec<Param>| {
            if values.is_empty() {
                return;
            }
            let marks: Vec<String> =
                (0..values.len()).map(|i| format!("${}", params.len() + i + 1)).collect();
            sql.push_str(&format!(" AND {column} IN ({})", marks.join(", ")));
            params.extend(values);
        };
        list(&mut sql, "r.id", self.ids.iter().map(|i| Param::Int(*i)).collect());
        list(&mut sql, "r.area", self.areas.iter().map(|a| Param::Text(a.to_string())).collect());
        list(
            &mut sql,
            "r.responsible",
            self.responsible.iter().map(|a| Param::Text(a.to_string())).collect(),
        );
        list(&mut sql, "r.category", self.categories.iter().map(|a| Param::Text(a.to_string())).collect());
        list(&mut sql, "r.state", self.states.iter().map(|s| Param::Text(s.as_str().into())).collect());
        let mut bound = |sql: &mut String, cond: &str, value: Option<i64>| {
            if let Some(v) = value {
                params.push(Param::Int(v));
                sql.push_str(&format!(" AND {cond} ${}", params.len()));
            }
        };
        bound(&mut sql, "r.created_at >=", self.created_from);
        bound(&mut sql, "r.created_at <", self.created_to);
        bound(&mut sql, "r.updated_at >=", self.updated_from);
        bound(&mut sql, "r.updated_at <", self.updated_to);
        bound(
            &mut sql,
            "r.state IN ('received', 'acknowledged', 'in_progress') AND r.due_at <",
            self.overdue_at,
        );
        if self.public_only {
            sql.push_str(" AND c.public = 1");
        }
        (sql, params)
    }
}

impl Store {
    /// Reports matching `q`, newest first.
    pub async fn reports(&self, q: &ReportQuery) -> Result<Vec<Report>> {
        let (mut sql, params) = q.sql(&format!("SELECT {REPORT_COLUMNS}"));
        sql.push_str(" ORDER BY r.created_at DESC, r.id DESC");
        sql.push_str(&format!(
            " LIMIT {} OFFSET {}",
            q.limit.unwrap_or(i64::MAX).max(0),
            q.offset.unwrap_or(0).max(0)
        ));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for p in params {
            query = match p {
                Param::Int(v) => query.bind(v),
                Param::Text(v) => query.bind(v),
            };
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(report_from_row).collect()
    }

    /// How many reports match `q` (ignoring its limit and offset).
    pub async fn count_reports(&self, q: &ReportQuery) -> Result<i64> {
        let (sql, params) = q.sql("SELECT COUNT(*)");
        let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
        for p in params {
            query = match p {
                Param::Int(v) => query.bind(v),
                Param::Text(v) => query.bind(v),
            };
        }
        Ok(query.fetch_one(&self.pool).await?)
    }
}
