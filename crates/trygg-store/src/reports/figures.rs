//! Figures per category and area over a period, computed from the reports
//! themselves (never stored by hand): how many, how fast they were fixed,
//! how many within the deadline, how many were reopened.

use crate::{Result, Store, parse};
use sqlx::Row;
use std::collections::BTreeMap;
use trygg_core::{Code, ReportState};

/// The figures of one category in one area (or all areas) over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFigures {
    /// The category.
    pub category: Code,
    /// The district, or `None` for all the areas asked for together.
    pub area: Option<Code>,
    /// Reports made in the period.
    pub reports: i64,
    /// Of those, fixed now.
    pub fixed: i64,
    /// Median time from report to fix, in hours, over the fixed ones.
    pub median_hours_to_fix: Option<f64>,
    /// Reports whose deadline has been decided: fixed, or open or closed past the deadline.
    pub deadline_decided: i64,
    /// Of those, fixed by the deadline.
    pub fixed_in_time: i64,
    /// Reports reopened at least once.
    pub reopened: i64,
}

impl ReportFigures {
    /// Share fixed by the deadline among those whose deadline is decided.
    pub fn share_in_time(&self) -> Option<f64> {
        (self.deadline_decided > 0).then(|| self.fixed_in_time as f64 / self.deadline_decided as f64)
    }

    /// Share of reports reopened.
    pub fn share_reopened(&self) -> Option<f64> {
        (self.reports > 0).then(|| self.reopened as f64 / self.reports as f64)
    }
}

struct Row_ {
    category: Code,
    area: Code,
    created_at: i64,
    due_at: i64,
    fixed_at: Option<i64>,
    state: ReportState,
    reopened: i64,
}

impl Store {
    /// Figures for reports made in `[from, to)` in `areas` (empty: all),
    /// as of `now`, per category, and per area too when `by_area`.
    pub async fn report_figures(
        &self,
        areas: &[Code],
        from: i64,
        to: i64,
        now: i64,
        by_area: bool,
    ) -> Result<Vec<ReportFigures>> {
        let rows = sqlx::query(
            "SELECT category, area, created_at, due_at, fixed_at, state, reopened FROM reports \
             WHERE created_at >= $1 AND created_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let mut groups: BTreeMap<(Code, Option<Code>), Vec<Row_>> = BTreeMap::new();
        for row in &rows {
            let r = Row_ {
                category: parse(row, "category")?,
                area: parse(row, "area")?,
                created_at: row.try_get("created_at")?,
                due_at: row.try_get("due_at")?,
                fixed_at: row.try_get("fixed_at")?,
                state: parse(row, "state")?,
                reopened: row.try_get("reopened")?,
            };
            if !areas.is_empty() && !areas.contains(&r.area) {
                continue;
            }
            let key = (r.category.clone(), by_area.then(|| r.area.clone()));
            groups.entry(key).or_default().push(r);
        }
        Ok(groups.into_iter().map(|((category, area), rs)| figures_of(category, area, &rs, now)).collect())
    }
}

fn figures_of(category: Code, area: Option<Code>, rows: &[Row_], now: i64) -> ReportFigures {
    let mut hours: Vec<f64> = rows
        .iter()
        .filter(|r| r.state == ReportState::Fixed)
        .filter_map(|r| r.fixed_at.map(|f| (f - r.created_at) as f64 / 3_600_000.0))
        .collect();
    hours.sort_by(f64::total_cmp);
    let decided: Vec<&Row_> = rows
        .iter()
        .filter(|r| (r.state == ReportState::Fixed && r.fixed_at.is_some()) || now > r.due_at)
        .collect();
    ReportFigures {
        category,
        area,
        reports: rows.len() as i64,
        fixed: hours.len() as i64,
        median_hours_to_fix: median(&hours),
        deadline_decided: decided.len() as i64,
        fixed_in_time: decided
            .iter()
            .filter(|r| r.state == ReportState::Fixed && r.fixed_at.is_some_and(|f| f <= r.due_at))
            .count() as i64,
        reopened: rows.iter().filter(|r| r.reopened > 0).count() as i64,
    }
}

/// The median of sorted values.
fn median(sorted: &[f64]) -> Option<f64> {
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[n / 2]),
        n => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[1.0, 2.0, 10.0]), Some(2.0));
        assert_eq!(median(&[1.0, 2.0, 4.0, 10.0]), Some(3.0));
    }
}
