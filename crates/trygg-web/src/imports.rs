//! The import history and the upload form for coordinators: `GET /imports`
//! lists the latest imports (file, SHA-256, counts, who, when); `POST
//! /imports` takes a multipart upload and runs the same importers as
//! `trygg import statistics|survey|population`, all or nothing, reporting
//! every refused row with its place.

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::PageError;
use crate::pages::{Layout, local_time};
use crate::routes::{Entry, Guard, route};
use crate::security::verify_csrf;
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use trygg_core::Role;
use trygg_import::statistics::{Outcome, TableImportError, TableOptions};

/// Who may see the history and upload.
pub const IMPORTERS: &[Role] = &[Role::Admin, Role::Coordinator];
/// The importers the form offers: (value, translation key).
const KINDS: &[(&str, &str)] = &[
    ("statistics", "imports.kind.statistics"),
    ("survey", "imports.kind.survey"),
    ("population", "imports.kind.population"),
];

/// The import routes.
pub fn routes() -> Vec<Entry> {
    vec![
        (route(Method::GET, "/imports", "/imports", IMPORTERS), get(history)),
        (
            route(Method::POST, "/imports", "/imports", IMPORTERS).guarded_by(Guard::CsrfInHandler),
            post(upload),
        ),
    ]
}

/// One import in the history table.
struct Row {
    id: i64,
    kind: String,
    file: String,
    sha256: String,
    accepted: i64,
    rejected: i64,
    changes: String,
    actor: String,
    started: String,
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportsPage<'a> {
    l: Layout<'a>,
    kinds: Vec<(&'static str, String)>,
    rows: Vec<Row>,
    notice: Option<String>,
    error: Option<String>,
    problems: Vec<String>,
}

/// `GET /imports`: the form and the latest 100 imports.
pub async fn history(State(state): State<AppState>, ctx: Ctx) -> Response {
    render(&state, &ctx, StatusCode::OK, None, None, Vec::new()).await
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
    problems: Vec<String>,
) -> Response {
    let t = ctx.t();
    let runs = match state.store.import_runs(100).await {
        Ok(r) => r,
        Err(e) => return PageError::from_store(e, t).into_response(),
    };
    let rows = runs
        .into_iter()
        .map(|r| Row {
            id: r.id,
            kind: r.kind,
            file: r.file_name,
            sha256: r.sha256,
            accepted: r.accepted,
            rejected: r.rejected,
            changes: format!("{} / {} / {}", r.inserted, r.updated, r.unchanged),
            actor: r.actor,
            started: local_time(r.started_at),
        })
        .collect();
    let page = ImportsPage {
        l: Layout::new(ctx, t, t.get("imports.title")),
        kinds: KINDS.iter().map(|(v, k)| (*v, t.get(k).to_owned())).collect(),
        rows,
        notice,
        error,
        problems,
    };
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// What the upload form sent.
#[derive(Default)]
struct Upload {
    csrf: String,
    kind: String,
    source: String,
    dry_run: bool,
    skip_invalid: bool,
    file_name: String,
    bytes: Vec<u8>,
}

async fn read(mut multipart: Multipart) -> Result<Upload, axum::extract::multipart::MultipartError> {
    let mut u = Upload::default();
    while let Some(field) = multipart.next_field().await? {
        match field.name().unwrap_or("") {
            "file" => {
                u.file_name = field.file_name().unwrap_or("upload").to_owned();
                u.bytes = field.bytes().await?.to_vec();
            }
            "csrf" => u.csrf = field.text().await?,
            "kind" => u.kind = field.text().await?,
            "source" => u.source = field.text().await?.trim().to_owned(),
            "dry_run" => u.dry_run = !field.text().await?.is_empty(),
            "skip_invalid" => u.skip_invalid = !field.text().await?.is_empty(),
            _ => {}
        }
    }
    Ok(u)
}

/// `POST /imports`: checks the CSRF field, runs the chosen importer and shows
/// the outcome above the history.
pub async fn upload(State(state): State<AppState>, ctx: Ctx, multipart: Multipart) -> Response {
    let t = ctx.t();
    let Ok(u) = read(multipart).await else {
        return PageError::new(StatusCode::BAD_REQUEST, t.get("imports.error.malformed")).into_response();
    };
    if !verify_csrf(&ctx, &u.csrf) {
        return PageError::new(StatusCode::FORBIDDEN, t.get("error.csrf")).into_response();
    }
    let bad = |key: &str| Some(t.get(key).to_owned());
    if !KINDS.iter().any(|(k, _)| *k == u.kind) {
        return render(&state, &ctx, StatusCode::BAD_REQUEST, None, bad("imports.error.kind"), Vec::new())
            .await;
    }
    if u.source.is_empty() || u.source.len() > 100 {
        return render(&state, &ctx, StatusCode::BAD_REQUEST, None, bad("imports.error.source"), Vec::new())
            .await;
    }
    if u.bytes.is_empty() {
        return render(&state, &ctx, StatusCode::BAD_REQUEST, None, bad("imports.error.file"), Vec::new())
            .await;
    }
    let opts = TableOptions {
        source: u.source.clone(),
        actor: ctx.actor(),
        dry_run: u.dry_run,
        skip_invalid: u.skip_invalid,
        sheet: None,
    };
    let (store, file, bytes) = (&state.store, u.file_name.as_str(), u.bytes.as_slice());
    let result = match u.kind.as_str() {
        "statistics" => trygg_import::statistics::import(store, file, bytes, &opts).await,
        "survey" => trygg_import::surveys::import(store, file, bytes, &opts).await,
        _ => trygg_import::population::import(store, file, bytes, &opts).await,
    };
    match result {
        Ok(outcome) => {
            if let Some(run) = &outcome.run {
                let action = format!("import.{}", u.kind);
                let _ =
                    state.store.audit(&ctx.actor(), &action, &format!("import_run:{}", run.id), file).await;
            }
            let notice = done_message(&ctx, &outcome);
            let problems = outcome.rejected.iter().map(ToString::to_string).collect();
            render(&state, &ctx, StatusCode::OK, Some(notice), None, problems).await
        }
        Err(TableImportError::Rejected(outcome)) => {
            let error = t.fill("imports.refused", "n", &outcome.rejected.len().to_string());
            let problems = outcome.rejected.iter().map(ToString::to_string).collect();
            render(&state, &ctx, StatusCode::UNPROCESSABLE_ENTITY, None, Some(error), problems).await
        }
        Err(TableImportError::File(p)) => {
            let error = t.get("imports.unreadable").to_owned();
            render(&state, &ctx, StatusCode::UNPROCESSABLE_ENTITY, None, Some(error), vec![p.to_string()])
                .await
        }
        Err(TableImportError::Store(e)) => PageError::from_store(e, t).into_response(),
    }
}

fn done_message(ctx: &Ctx, o: &Outcome) -> String {
    let t = ctx.t();
    match &o.run {
        Some(run) => t
            .fill("imports.done", "file", &o.file)
            .replace("{accepted}", &o.accepted.to_string())
            .replace("{inserted}", &run.inserted.to_string())
            .replace("{updated}", &run.updated.to_string())
            .replace("{unchanged}", &run.unchanged.to_string()),
        None => t.fill("imports.checked", "file", &o.file).replace("{accepted}", &o.accepted.to_string()),
    }
}
