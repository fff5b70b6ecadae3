//! Section 3: incident reports (rapid action) in the area: by category,
//! when (hour × weekday), response times against the deadlines, and who
//! reported where — so that "no reports" is not read as "no problems".

use super::scope::stockholm;
use super::{Scope, SituationError, Window};
use jiff::Timestamp;
use std::collections::BTreeMap;
use trygg_core::{AreaLevel, Code, ReporterKind};
use trygg_store::{ReportQuery, Store};

/// Incident reports in the area.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Incidents {
    /// Reports made in the period.
    pub total: i64,
    /// Reports made in the previous period (same length).
    pub previous_total: i64,
    /// Per category, largest first.
    pub categories: Vec<CategoryLine>,
    /// Reports per weekday (Monday first) and hour, Stockholm time.
    pub by_hour: [[u32; 24]; 7],
    /// Per district: who reported.
    pub coverage: Vec<CoverageLine>,
    /// Reports whose deadline has been decided (fixed, or open past it).
    pub deadline_decided: i64,
    /// Of those, fixed in time.
    pub fixed_in_time: i64,
}

/// One category's reports.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryLine {
    /// The category's name in Swedish and English.
    pub name: (String, String),
    /// Reports in the period.
    pub count: i64,
    /// In the previous period.
    pub previous: i64,
    /// Fixed so far.
    pub fixed: i64,
    /// Median hours from report to fixed.
    pub median_hours: Option<f64>,
    /// Share fixed in time of those whose deadline is decided, 0–1.
    pub in_time: Option<f64>,
}

/// Who reported in one district.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageLine {
    /// The district's name.
    pub district: String,
    /// Reports by the city's staff.
    pub staff: i64,
    /// By partners.
    pub partner: i64,
    /// By residents.
    pub resident: i64,
}

/// Reads the reports of the area's districts and places.
pub async fn load(store: &Store, scope: &Scope, window: &Window) -> Result<Incidents, SituationError> {
    let districts: Vec<Code> = scope.districts.iter().map(|d| d.code.clone()).collect();
    let areas: Vec<Code> = if scope.area.level == AreaLevel::Place { districts.clone() } else { districts };
    if areas.is_empty() {
        return Ok(Incidents::default());
    }
    let query = |from: i64, to: i64| ReportQuery {
        areas: areas.clone(),
        created_from: Some(from),
        created_to: Some(to),
        ..ReportQuery::default()
    };
    let reports = store.reports(&query(window.current.from, window.current.to)).await?;
    let previous_total = store.count_reports(&query(window.previous.from, window.previous.to)).await?;
    let names: BTreeMap<Code, (String, String)> =
        store.categories().await?.into_iter().map(|c| (c.code, (c.name_sv, c.name_en))).collect();
    let now = window.now.min(window.current.to);
    let figures = store.report_figures(&areas, window.current.from, window.current.to, now, false).await?;
    let before = store.report_figures(&areas, window.previous.from, window.previous.to, now, false).await?;
    let mut categories: Vec<CategoryLine> = figures
        .iter()
        .map(|f| CategoryLine {
            name: names
                .get(&f.category)
                .cloned()
                .unwrap_or_else(|| (f.category.to_string(), f.category.to_string())),
            count: f.reports,
            previous: before.iter().filter(|b| b.category == f.category).map(|b| b.reports).sum(),
            fixed: f.fixed,
            median_hours: f.median_hours_to_fix,
            in_time: f.share_in_time(),
        })
        .collect();
    categories.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    let mut by_hour = [[0u32; 24]; 7];
    let tz = stockholm();
    let mut coverage: BTreeMap<&Code, CoverageLine> = BTreeMap::new();
    for r in &reports {
        if let Ok(t) = Timestamp::from_millisecond(r.created_at) {
            let z = t.to_zoned_datetime(tz.clone());
            let day = z.weekday().to_monday_zero_offset() as usize;
            by_hour[day][z.hour() as usize] += 1;
        }
        let district = scope.districts.iter().find(|d| d.code == r.area);
        let line = coverage.entry(&r.area).or_insert_with(|| CoverageLine {
            district: district.map_or_else(|| r.area.to_string(), |d| d.name.to_string()),
            staff: 0,
            partner: 0,
            resident: 0,
        });
        match r.reporter.kind {
            ReporterKind::Staff => line.staff += 1,
            ReporterKind::Partner => line.partner += 1,
            ReporterKind::Resident => line.resident += 1,
        }
    }
    for d in &scope.districts {
        coverage.entry(&d.code).or_insert_with(|| CoverageLine {
            district: d.name.to_string(),
            staff: 0,
            partner: 0,
            resident: 0,
        });
    }
    let mut coverage: Vec<CoverageLine> = coverage.into_values().collect();
    coverage.sort_by(|a, b| a.district.cmp(&b.district));
    Ok(Incidents {
        total: reports.len() as i64,
        previous_total,
        categories,
        by_hour,
        coverage,
        deadline_decided: figures.iter().map(|f| f.deadline_decided).sum(),
        fixed_in_time: figures.iter().map(|f| f.fixed_in_time).sum(),
    })
}
