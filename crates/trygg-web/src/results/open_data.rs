//! Open data: the published report figures as CSV and GeoJSON, under
//! CC BY 4.0 (a header comment in the CSV, a `license` member in the
//! GeoJSON, and a `Link: <…>; rel="license"` header on both).

use super::data::{self, Results, Window, today};
use super::page::PeriodQuery;
use super::suppress::{Shown, THRESHOLD};
use super::{LICENSE_NAME, LICENSE_URL};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::i18n::Lang;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// The code used for "every district" and "every group" in totals.
const ALL: &str = "all";

async fn results(state: &AppState, ctx: &Ctx, q: &PeriodQuery, boundary: bool) -> Result<Results, Response> {
    let window = Window::parse(&q.period, today())
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()).into_response())?;
    data::load(state, window, ctx.lang == Lang::En, boundary).await.map_err(|e| {
        tracing::error!(error = %e, "reading the results failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the figures could not be read").into_response()
    })
}

fn license_link() -> String {
    format!("<{LICENSE_URL}>; rel=\"license\"")
}

/// `GET /results/reports.csv?period=2025-T2`: one line per district and
/// category group, then the totals (code `all`).
pub async fn csv(State(state): State<AppState>, ctx: Ctx, Query(q): Query<PeriodQuery>) -> Response {
    let r = match results(&state, &ctx, &q, false).await {
        Ok(r) => r,
        Err(res) => return res,
    };
    match csv_text(&r) {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::LINK, license_link()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"trygg-reports-{}.csv\"", r.window.key),
                ),
            ],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "writing the CSV failed");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the CSV could not be written").into_response()
        }
    }
}

/// The CSV text: comment lines with the source and licence, then the table.
pub fn csv_text(r: &Results) -> Result<String, csv::Error> {
    let w = &r.window;
    let mut out = format!(
        "# Trygg: incident reports per district and category group, public categories only, \
         period {} ({} to {}).\n# License: {LICENSE_NAME} ({LICENSE_URL}). Counts below {THRESHOLD} \
         (and counts that would reveal them) are empty with suppressed=true.\n",
        w.key,
        w.from,
        w.last_day()
    );
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "period",
        "district",
        "district_name",
        "group",
        "group_name",
        "count",
        "suppressed",
    ])?;
    let all_name = "Järva";
    let mut line = |district: (&str, &str), group: (&str, &str), n: Shown| {
        let count = n.value().map(|v| v.to_string()).unwrap_or_default();
        let hidden = n.is_hidden().to_string();
        writer.write_record([&w.key, district.0, district.1, group.0, group.1, &count, &hidden])
    };
    for (d, (cells, total)) in r.districts.iter().zip(r.table.cells.iter().zip(&r.table.row_totals)) {
        for (g, n) in r.groups.iter().zip(cells) {
            line((d.code.as_str(), &d.name), (g.code.as_str(), &g.name), *n)?;
        }
        line((d.code.as_str(), &d.name), (ALL, ""), *total)?;
    }
    for (g, n) in r.groups.iter().zip(&r.table.col_totals) {
        line((ALL, all_name), (g.code.as_str(), &g.name), *n)?;
    }
    line((ALL, all_name), (ALL, ""), r.table.total)?;
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    out.push_str(&String::from_utf8_lossy(&bytes));
    Ok(out)
}

/// `GET /results/reports.geojson?period=2025-T2`: the districts with their
/// boundaries and protected counts per category group.
pub async fn geojson(State(state): State<AppState>, ctx: Ctx, Query(q): Query<PeriodQuery>) -> Response {
    let r = match results(&state, &ctx, &q, true).await {
        Ok(r) => r,
        Err(res) => return res,
    };
    (
        [(header::CONTENT_TYPE, "application/geo+json".to_owned()), (header::LINK, license_link())],
        geojson_value(&r).to_string(),
    )
        .into_response()
}

fn count_json(n: Shown) -> Value {
    json!({ "count": n.value(), "suppressed": n.is_hidden() })
}

/// The feature collection.
pub fn geojson_value(r: &Results) -> Value {
    let features: Vec<Value> = r
        .districts
        .iter()
        .zip(r.table.cells.iter().zip(&r.table.row_totals))
        .map(|(d, (cells, total))| {
            let groups: Map<String, Value> =
                r.groups.iter().zip(cells).map(|(g, n)| (g.code.to_string(), count_json(*n))).collect();
            let geometry = d
                .boundary
                .as_ref()
                .map_or(Value::Null, |b| json!({ "type": "MultiPolygon", "coordinates": b.to_lon_lat() }));
            json!({
                "type": "Feature",
                "id": d.code.as_str(),
                "geometry": geometry,
                "properties": {
                    "code": d.code.as_str(),
                    "name": d.name,
                    "period": r.window.key,
                    "total": count_json(*total),
                    "groups": groups,
                },
            })
        })
        .collect();
    let group_names: Map<String, Value> =
        r.groups.iter().map(|g| (g.code.to_string(), Value::String(g.name.clone()))).collect();
    let group_totals: Map<String, Value> =
        r.groups.iter().zip(&r.table.col_totals).map(|(g, n)| (g.code.to_string(), count_json(*n))).collect();
    json!({
        "type": "FeatureCollection",
        "license": { "name": LICENSE_NAME, "url": LICENSE_URL },
        "attribution": "Trygg",
        "period": { "key": r.window.key, "from": r.window.from.to_string(), "to": r.window.last_day().to_string() },
        "threshold": THRESHOLD,
        "note": "Incident reports of public categories only. Counts below the threshold, and counts that \
                 would reveal them, are null with suppressed=true.",
        "groups": group_names,
        "totals": { "groups": group_totals, "all": count_json(r.table.total) },
        "features": features,
    })
}
