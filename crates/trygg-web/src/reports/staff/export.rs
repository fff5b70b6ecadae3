//! `GET /reports/export.csv` and `GET /reports/export.xlsx`: the queue's
//! reports with the queue's filters, every export written to the audit log.
//!
//! Exports never contain the reporter's e-mail address, whoever asks: a file
//! leaves the system and cannot be recalled, while the address is only for
//! feedback (Admin and Coordinator see it on the report's page, audited).

use super::filters::{FilterForm, resolve};
use super::scope::Scope;
use super::view::{self, Names, local_time, now_ms, store_error};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::PageError;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use trygg_store::{Report, ReportQuery};

/// The most rows one export holds.
const EXPORT_LIMIT: i64 = 100_000;

/// The column names, stable for spreadsheets and scripts.
const HEADER: [&str; 19] = [
    "id",
    "created_at",
    "seen_at",
    "category_code",
    "category",
    "place",
    "district",
    "responsible",
    "state",
    "due_at",
    "overdue",
    "acknowledged_at",
    "fixed_at",
    "reopened",
    "duplicate_of",
    "source",
    "lat",
    "lon",
    "description",
];

/// One report as export cells (text; numbers are written as numbers in XLSX).
fn cells(r: &Report, names: &Names, now: i64) -> [String; 19] {
    let opt_time = |ms: Option<i64>| ms.map(local_time).unwrap_or_default();
    [
        r.id.to_string(),
        local_time(r.created_at),
        local_time(r.seen_at),
        r.category.to_string(),
        names.category(&r.category),
        r.place.as_ref().map(|p| names.area(p)).unwrap_or_default(),
        names.area(&r.area),
        names.partner(&r.responsible),
        r.state.as_str().to_owned(),
        local_time(r.due_at),
        if r.is_overdue(now) { "yes" } else { "no" }.to_owned(),
        opt_time(r.acknowledged_at),
        opt_time(r.fixed_at),
        r.reopened.to_string(),
        r.duplicate_of.map(|d| d.to_string()).unwrap_or_default(),
        r.source.clone(),
        r.position.map(|p| format!("{:.6}", p.lat)).unwrap_or_default(),
        r.position.map(|p| format!("{:.6}", p.lon)).unwrap_or_default(),
        r.description.clone(),
    ]
}

/// Columns holding numbers (written as numbers in XLSX).
const NUMERIC: [usize; 5] = [0, 13, 14, 16, 17];

/// Reads the filtered reports and audits the export; an error is a finished response.
async fn exported(
    state: &AppState,
    ctx: &Ctx,
    form: &FilterForm,
    file: &str,
) -> Result<(Vec<Report>, Names), Response> {
    let areas = state.store.areas(None, false).await.map_err(|e| store_error(e, ctx))?;
    let names = Names::load(&state.store, &areas, ctx.lang == crate::Lang::En)
        .await
        .map_err(|e| store_error(e, ctx))?;
    let scope = Scope::of(ctx, &areas);
    let filters =
        resolve(form, &scope, &areas, &names, now_ms()).map_err(|e| view::bad_request(e.to_string()))?;
    let reports = match &filters.query {
        Some(q) => {
            let q = ReportQuery { limit: Some(EXPORT_LIMIT), ..q.clone() };
            state.store.reports(&q).await.map_err(|e| store_error(e, ctx))?
        }
        None => Vec::new(),
    };
    let detail = format!("{} rows; {}", reports.len(), form.query_string());
    state.store.audit(&ctx.actor(), "report.export", file, &detail).await.map_err(|e| store_error(e, ctx))?;
    Ok((reports, names))
}

/// Text that a spreadsheet would take for a formula gets a leading apostrophe.
fn defuse(s: String) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s }
}

/// `GET /reports/export.csv`: UTF-8 with a byte-order mark (so that Excel reads å, ä, ö).
pub async fn csv(State(state): State<AppState>, ctx: Ctx, Query(form): Query<FilterForm>) -> Response {
    let (reports, names) = match exported(&state, &ctx, &form, "reports.csv").await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let now = now_ms();
    let mut out = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
    let written = out.write_record(HEADER).and_then(|()| {
        reports.iter().try_for_each(|r| {
            let row = cells(r, &names, now);
            let row =
                row.into_iter().enumerate().map(|(i, c)| if NUMERIC.contains(&i) { c } else { defuse(c) });
            out.write_record(row.collect::<Vec<_>>())
        })
    });
    match written.map_err(|e| e.to_string()).and_then(|()| out.into_inner().map_err(|e| e.to_string())) {
        Ok(bytes) => download(bytes, "text/csv; charset=utf-8", "reports.csv"),
        Err(e) => failed(&ctx, &e),
    }
}

/// `GET /reports/export.xlsx`: one sheet, a header row, text as text (never formulas).
pub async fn xlsx(State(state): State<AppState>, ctx: Ctx, Query(form): Query<FilterForm>) -> Response {
    let (reports, names) = match exported(&state, &ctx, &form, "reports.xlsx").await {
        Ok(x) => x,
        Err(res) => return res,
    };
    match workbook(&reports, &names, now_ms()) {
        Ok(bytes) => download(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "reports.xlsx",
        ),
        Err(e) => failed(&ctx, &e.to_string()),
    }
}

fn workbook(reports: &[Report], names: &Names, now: i64) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("reports")?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (col, name) in (0u16..).zip(HEADER) {
        sheet.write_string_with_format(0, col, name, &bold)?;
    }
    for (row, r) in (1u32..).zip(reports) {
        for (col, cell) in (0u16..).zip(cells(r, names, now)) {
            match cell.parse::<f64>() {
                Ok(n) if NUMERIC.contains(&usize::from(col)) => sheet.write_number(row, col, n)?,
                _ => sheet.write_string(row, col, &cell)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

fn download(bytes: Vec<u8>, mime: &'static str, name: &str) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    ([(header::CONTENT_TYPE, mime.to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response()
}

fn failed(ctx: &Ctx, e: &str) -> Response {
    tracing::error!(error = %e, "writing an export failed");
    PageError::new(StatusCode::INTERNAL_SERVER_ERROR, ctx.t().get("error.internal")).into_response()
}
