//! `GET /plans/export.xlsx?area=jarva`: the plans of an area (and the areas
//! below it) with their measures and tertial follow-up, laid out to be pasted
//! into a planning system: the sheet "Åtgärder" has one row per measure and
//! one column per field of Brå's template, the sheet "Uppföljning" one row
//! per measure and tertial. Every export is written to the audit log.

use super::{bad_request, scope, store_error};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::PageError;
use crate::i18n::Tr;
use crate::pages::local_time;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde::Deserialize;
use trygg_core::{Area, Code, ElementKind, StrategyVersion};
use trygg_store::{Measure, MeasureFollowupRow, Plan};

/// The sheet of measures.
pub const MEASURES_SHEET: &str = "Åtgärder";
/// The sheet of tertial follow-up.
pub const FOLLOWUP_SHEET: &str = "Uppföljning";

/// The area asked for.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ExportQuery {
    area: String,
}

/// A cell: text or a number.
enum Cell {
    Text(String),
    Number(Option<f64>),
}

/// Everything the workbook is written from.
struct Export<'a> {
    plans: &'a [Plan],
    measures: &'a [Measure],
    followups: &'a [MeasureFollowupRow],
    strategies: &'a [StrategyVersion],
    areas: &'a [Area],
    partners: &'a [trygg_core::Partner],
}

impl Export<'_> {
    fn area(&self, c: &Option<Code>) -> String {
        c.as_ref()
            .map(|c| {
                self.areas.iter().find(|a| &a.code == c).map_or_else(|| c.to_string(), |a| a.name.to_string())
            })
            .unwrap_or_default()
    }

    fn element(&self, plan: Option<&Plan>, kind: ElementKind, c: &Option<Code>) -> String {
        let Some(c) = c else { return String::new() };
        plan.and_then(|p| self.strategies.iter().find(|s| s.code == p.strategy))
            .and_then(|s| s.elements_of(kind).find(|e| &e.code == c))
            .map_or_else(|| c.to_string(), |e| e.name.to_string())
    }

    /// The perspectives of the plans' strategies, in order, without repeats.
    fn perspectives(&self) -> Vec<(Code, String)> {
        let mut out: Vec<(Code, String)> = Vec::new();
        for p in self.plans {
            for s in self.strategies.iter().filter(|s| s.code == p.strategy) {
                for e in s.elements_of(ElementKind::Perspective) {
                    if !out.iter().any(|(c, _)| c == &e.code) {
                        out.push((e.code.clone(), e.name.to_string()));
                    }
                }
            }
        }
        out
    }
}

/// The measures sheet's header keys (the perspectives follow, then the latest status).
const MEASURE_COLUMNS: [&str; 26] = [
    "measures.export.plan-id",
    "measures.export.plan",
    "measures.plan.type",
    "measures.plan.unit",
    "measures.field.area",
    "measures.export.measure-id",
    "measures.field.name",
    "measures.field.goal",
    "measures.field.starts",
    "measures.field.ends",
    "measures.field.owner",
    "measures.field.working_group",
    "measures.field.partners",
    "measures.field.hours",
    "measures.field.money",
    "measures.field.staff",
    "measures.field.competence",
    "measures.field.follow_up",
    "measures.field.direction",
    "measures.field.working_method",
    "measures.field.evidence_base",
    "measures.field.evidence_reference",
    "measures.field.place",
    "measures.field.comparison_area",
    "measures.export.causes",
    "measures.export.indicators",
];

/// The follow-up sheet's header keys.
const FOLLOWUP_COLUMNS: [&str; 8] = [
    "measures.export.measure-id",
    "measures.field.name",
    "measures.export.plan",
    "measures.export.period",
    "measures.export.status",
    "measures.export.comment",
    "measures.export.reported-by",
    "measures.export.reported-at",
];

fn write_row(sheet: &mut Worksheet, row: u32, cells: Vec<Cell>) -> Result<(), XlsxError> {
    for (col, cell) in (0u16..).zip(cells) {
        match cell {
            Cell::Text(s) => {
                sheet.write_string(row, col, &s)?;
            }
            Cell::Number(Some(n)) => {
                sheet.write_number(row, col, n)?;
            }
            Cell::Number(None) => {}
        }
    }
    Ok(())
}

fn header(sheet: &mut Worksheet, names: &[String]) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    for (col, name) in (0u16..).zip(names) {
        sheet.write_string_with_format(0, col, name, &bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// Writes the workbook.
fn workbook(x: &Export<'_>, t: Tr<'_>) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let perspectives = x.perspectives();
    let latest: std::collections::BTreeMap<i64, &MeasureFollowupRow> =
        x.followups.iter().map(|f| (f.measure_id, f)).collect();
    let sheet = book.add_worksheet();
    sheet.set_name(MEASURES_SHEET)?;
    let mut names: Vec<String> = MEASURE_COLUMNS.iter().map(|k| t.get(k).to_owned()).collect();
    names.extend(perspectives.iter().map(|(_, n)| n.clone()));
    names.push(t.get("measures.export.latest-status").to_owned());
    header(sheet, &names)?;
    let status = |s: trygg_core::MeasureStatus| t.get(&format!("measures.status.{}", s.as_str())).to_owned();
    for (row, m) in (1u32..).zip(x.measures) {
        let plan = x.plans.iter().find(|p| p.id == m.plan_id);
        let text = |s: &str| Cell::Text(s.to_owned());
        let mut cells = vec![
            Cell::Number(Some(m.plan_id as f64)),
            text(plan.map(|p| p.name.as_str()).unwrap_or_default()),
            text(plan.map(|p| t.get(super::plan::kind_key(p.kind))).unwrap_or_default()),
            text(
                &plan
                    .and_then(|p| p.unit.as_ref())
                    .map(|u| {
                        x.partners
                            .iter()
                            .find(|p| &p.code == u)
                            .map_or_else(|| u.to_string(), |p| p.name.to_string())
                    })
                    .unwrap_or_default(),
            ),
            text(&x.area(&Some(m.area.clone()))),
            Cell::Number(Some(m.id as f64)),
            text(&m.name),
            text(&m.goal),
            text(&m.starts.to_string()),
            text(&m.ends.to_string()),
            text(&m.owner),
            text(&m.working_group),
            text(&m.partners),
            Cell::Number(m.hours),
            Cell::Number(m.money),
            Cell::Number(m.staff),
            text(&m.competence),
            text(&m.follow_up),
            text(&x.element(plan, ElementKind::Direction, &m.direction)),
            text(&x.element(plan, ElementKind::WorkingMethod, &m.working_method)),
            text(t.get(&format!("measures.evidence.{}", m.evidence_base.as_str()))),
            text(&m.evidence_reference),
            text(&x.area(&m.place)),
            text(&x.area(&m.comparison_area)),
            text(&m.causes.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")),
            text(&m.indicators.iter().map(Code::as_str).collect::<Vec<_>>().join(", ")),
        ];
        for (code, _) in &perspectives {
            cells.push(text(
                m.perspectives.iter().find(|(c, _)| c == code).map(|(_, s)| s.as_str()).unwrap_or_default(),
            ));
        }
        cells.push(text(
            &latest.get(&m.id).map(|f| format!("{} {}", f.period, status(f.status))).unwrap_or_default(),
        ));
        write_row(sheet, row, cells)?;
    }
    let sheet = book.add_worksheet();
    sheet.set_name(FOLLOWUP_SHEET)?;
    header(sheet, &FOLLOWUP_COLUMNS.iter().map(|k| t.get(k).to_owned()).collect::<Vec<_>>())?;
    for (row, f) in (1u32..).zip(x.followups) {
        let m = x.measures.iter().find(|m| m.id == f.measure_id);
        let plan = m.and_then(|m| x.plans.iter().find(|p| p.id == m.plan_id));
        write_row(
            sheet,
            row,
            vec![
                Cell::Number(Some(f.measure_id as f64)),
                Cell::Text(m.map(|m| m.name.clone()).unwrap_or_default()),
                Cell::Text(plan.map(|p| p.name.clone()).unwrap_or_default()),
                Cell::Text(f.period.clone()),
                Cell::Text(status(f.status)),
                Cell::Text(f.comment.clone()),
                Cell::Text(f.reported_by.clone()),
                Cell::Text(local_time(f.reported_at)),
            ],
        )?;
    }
    book.save_to_buffer()
}

/// `GET /plans/export.xlsx?area=…`: the workbook as a download.
pub async fn xlsx(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ExportQuery>) -> Response {
    let t = ctx.t();
    let (scope, all) = match scope(&state, &ctx).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let area = if q.area.trim().is_empty() { "jarva" } else { q.area.trim() };
    let Some(code) = Code::new(area).ok().filter(|c| all.iter().any(|a| &a.code == c)) else {
        return bad_request(t.get("measures.error.area"));
    };
    let Some(areas) = scope.under(&all, &code) else {
        return bad_request(t.get("measures.error.not-your-area"));
    };
    let loaded = async {
        let plans = state.store.plans(&areas).await?;
        let measures = state.store.measures(&areas).await?;
        let ids: Vec<i64> = measures.iter().map(|m| m.id).collect();
        let followups = state.store.measure_followup_rows(&ids).await?;
        let strategies = state.store.strategies().await?;
        let partners = state.store.partners().await?;
        Ok::<_, trygg_store::StoreError>((plans, measures, followups, strategies, partners))
    };
    let (plans, measures, followups, strategies, partners) = match loaded.await {
        Ok(x) => x,
        Err(e) => return store_error(e, t),
    };
    let export = Export {
        plans: &plans,
        measures: &measures,
        followups: &followups,
        strategies: &strategies,
        areas: &all,
        partners: &partners,
    };
    let detail = format!("area {code}: {} measures, {} follow-up rows", measures.len(), followups.len());
    if let Err(e) = state.store.audit(&ctx.actor(), "plans.export", "plans.xlsx", &detail).await {
        return store_error(e, t);
    }
    match workbook(&export, t) {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"handlingsplaner-{code}.xlsx\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "writing the plans export failed");
            PageError::new(StatusCode::INTERNAL_SERVER_ERROR, t.get("error.internal")).into_response()
        }
    }
}
