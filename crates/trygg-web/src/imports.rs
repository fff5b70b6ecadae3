//! The import history and the upload form for coordinators: `GET /imports`
//! lists the latest imports (file, SHA-256, counts, who, when); `POST
//! /imports` takes a multipart upload and runs the same importers as
//! `trygg import statistics|survey|population|polisen|points|boundaries`
//! (points with its TOML mapping file uploaded beside the CSV; boundaries as
//! GeoJSON), all or nothing, reporting every refused row with its place.

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
    ("polisen", "imports.kind.polisen"),
    ("points", "imports.kind.points"),
    ("boundaries", "imports.kind.boundaries"),
];
/// The importers whose source name comes from the form.
const NEEDS_SOURCE: &[&str] = &["statistics", "survey", "population"];

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
    mapping: Vec<u8>,
    name_field: String,
}

async fn read(mut multipart: Multipart) -> Result<Upload, axum::extract::multipart::MultipartError> {
    let mut u = Upload::default();
    while let Some(field) = multipart.next_field().await? {
        match field.name().unwrap_or("") {
            "file" => {
                u.file_name = field.file_name().unwrap_or("upload").to_owned();
                u.bytes = field.bytes().await?.to_vec();
            }
            "mapping" => u.mapping = field.bytes().await?.to_vec(),
            "name_field" => u.name_field = field.text().await?.trim().to_owned(),
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
    if NEEDS_SOURCE.contains(&u.kind.as_str()) && (u.source.is_empty() || u.source.len() > 100) {
        return render(&state, &ctx, StatusCode::BAD_REQUEST, None, bad("imports.error.source"), Vec::new())
            .await;
    }
    if u.bytes.is_empty() {
        return render(&state, &ctx, StatusCode::BAD_REQUEST, None, bad("imports.error.file"), Vec::new())
            .await;
    }
    match u.kind.as_str() {
        "polisen" => return polisen(&state, &ctx, &u).await,
        "points" => return points(&state, &ctx, &u).await,
        "boundaries" => return boundaries(&state, &ctx, &u).await,
        _ => {}
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

/// The outcome of an import as the page shows it.
struct Shown {
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
    problems: Vec<String>,
}

impl Shown {
    fn ok(notice: String, problems: Vec<String>) -> Self {
        Self { status: StatusCode::OK, notice: Some(notice), error: None, problems }
    }

    fn refused(error: String, problems: Vec<String>) -> Self {
        Self { status: StatusCode::UNPROCESSABLE_ENTITY, notice: None, error: Some(error), problems }
    }

    async fn render(self, state: &AppState, ctx: &Ctx) -> Response {
        render(state, ctx, self.status, self.notice, self.error, self.problems).await
    }
}

/// Audits a written import.
async fn audit_run(state: &AppState, ctx: &Ctx, kind: &str, run: &trygg_store::ImportRun, file: &str) {
    let record = format!("import_run:{}", run.id);
    if let Err(e) = state.store.audit(&ctx.actor(), &format!("import.{kind}"), &record, file).await {
        tracing::error!(error = %e, "audit of an import failed");
    }
}

fn written(t: crate::i18n::Tr<'_>, file: &str, accepted: usize, run: &trygg_store::ImportRun) -> String {
    t.fill("imports.done", "file", file)
        .replace("{accepted}", &accepted.to_string())
        .replace("{inserted}", &run.inserted.to_string())
        .replace("{updated}", &run.updated.to_string())
        .replace("{unchanged}", &run.unchanged.to_string())
}

fn checked(t: crate::i18n::Tr<'_>, file: &str, accepted: usize) -> String {
    t.fill("imports.checked", "file", file).replace("{accepted}", &accepted.to_string())
}

/// Police events (JSON or gzip-compressed JSON), placed by the gazetteer.
async fn polisen(state: &AppState, ctx: &Ctx, u: &Upload) -> Response {
    use trygg_import::polisen;
    let t = ctx.t();
    let file = u.file_name.as_str();
    let shown = match polisen::gazetteer(&state.store).await {
        Err(e) => Shown::refused(t.get("imports.unreadable").to_owned(), vec![e.to_string()]),
        Ok(gazetteer) => match polisen::dry_run(file, &u.bytes, &gazetteer) {
            Err(e) => Shown::refused(t.get("imports.unreadable").to_owned(), vec![e.to_string()]),
            Ok(check) if u.dry_run => Shown::ok(checked(t, file, check.events), Vec::new()),
            Ok(check) => match polisen::load(&state.store, &gazetteer, file, &u.bytes, &ctx.actor()).await {
                Ok(run) => {
                    audit_run(state, ctx, "polisen", &run, file).await;
                    Shown::ok(written(t, file, check.events, &run), Vec::new())
                }
                Err(e) => Shown::refused(t.get("imports.unreadable").to_owned(), vec![e.to_string()]),
            },
        },
    };
    shown.render(state, ctx).await
}

/// Point events from CSV with the mapping file uploaded beside it.
async fn points(state: &AppState, ctx: &Ctx, u: &Upload) -> Response {
    use trygg_import::points::{self, ImportOptions, Input, Mapping};
    let t = ctx.t();
    if u.mapping.is_empty() {
        return Shown::refused(t.get("imports.error.mapping").to_owned(), Vec::new())
            .render(state, ctx)
            .await;
    }
    let parsed = std::str::from_utf8(&u.mapping)
        .map_err(|e| e.to_string())
        .and_then(|text| toml::from_str::<Mapping>(text).map_err(|e| e.to_string()));
    let mapping = match parsed {
        Ok(m) => m,
        Err(e) => {
            let problem = format!("{}: {e}", t.get("imports.mapping"));
            return Shown::refused(t.get("imports.error.mapping").to_owned(), vec![problem])
                .render(state, ctx)
                .await;
        }
    };
    let locator = match points::locator(&state.store).await {
        Ok(l) => std::sync::Arc::new(l),
        Err(e) => {
            return Shown::refused(t.get("imports.unreadable").to_owned(), vec![e.to_string()])
                .render(state, ctx)
                .await;
        }
    };
    let inputs = [Input::Bytes { name: u.file_name.clone(), bytes: u.bytes.clone().into() }];
    let options = ImportOptions { actor: ctx.actor(), skip_invalid: u.skip_invalid, dry_run: u.dry_run };
    let shown =
        match points::import_files(&state.store, &inputs, &mapping, locator, &options, &mut |_| {}).await {
            Err(e) => Shown::refused(t.get("imports.unreadable").to_owned(), vec![e.to_string()]),
            Ok(summary) => {
                let mut problems = Vec::new();
                let mut notices = Vec::new();
                for f in &summary.files {
                    problems.extend(
                        f.rejected.iter().map(|r| {
                            format!("{}: line {}, column {}: {}", f.file, r.line, r.column, r.reason)
                        }),
                    );
                    match &f.run {
                        Some(run) if summary.written => {
                            audit_run(state, ctx, "points", run, &f.file).await;
                            notices.push(written(t, &f.file, f.accepted, run));
                        }
                        _ => notices.push(checked(t, &f.file, f.accepted)),
                    }
                }
                if !summary.written && !u.dry_run {
                    Shown::refused(t.fill("imports.refused", "n", &summary.rejected().to_string()), problems)
                } else {
                    Shown::ok(notices.join(" "), problems)
                }
            }
        };
    shown.render(state, ctx).await
}

/// Boundaries of existing areas from GeoJSON, matched by name or code.
async fn boundaries(state: &AppState, ctx: &Ctx, u: &Upload) -> Response {
    use trygg_import::{boundaries, shapefile, statistics};
    let t = ctx.t();
    let file = u.file_name.as_str();
    let name_field = if u.name_field.is_empty() { "name" } else { u.name_field.as_str() };
    let Ok(text) = std::str::from_utf8(&u.bytes) else {
        return Shown::refused(
            t.get("imports.unreadable").to_owned(),
            vec![format!("{file}: not UTF-8 text")],
        )
        .render(state, ctx)
        .await;
    };
    let features = match boundaries::parse_boundaries(file, text, name_field) {
        Ok(f) => f,
        Err(e) => {
            return Shown::refused(t.get("imports.unreadable").to_owned(), vec![e.to_string()])
                .render(state, ctx)
                .await;
        }
    };
    let areas = match statistics::matcher(&state.store).await {
        Ok(a) => a,
        Err(e) => return PageError::from_store(e, t).into_response(),
    };
    let matched = shapefile::match_areas(&features, &areas);
    let problems: Vec<String> = matched
        .unmatched
        .iter()
        .map(|(i, n)| format!("{file}: feature {i} ({n:?}): {}", t.get("imports.no_area")))
        .collect();
    if !problems.is_empty() && !u.skip_invalid {
        return Shown::refused(t.fill("imports.refused", "n", &problems.len().to_string()), problems)
            .render(state, ctx)
            .await;
    }
    if u.dry_run {
        return Shown::ok(checked(t, file, matched.boundaries.len()), problems).render(state, ctx).await;
    }
    let meta = trygg_store::ImportMeta {
        kind: "boundaries".into(),
        source: file.to_owned(),
        file_name: file.to_owned(),
        sha256: trygg_import::polisen::sha256_hex(&u.bytes),
        rejected: problems.len() as i64,
        actor: ctx.actor(),
        started_at: trygg_store::now_ms(),
    };
    match state.store.import_boundaries(&meta, &matched.boundaries).await {
        Ok(run) => {
            audit_run(state, ctx, "boundaries", &run, file).await;
            Shown::ok(written(t, file, matched.boundaries.len(), &run), problems).render(state, ctx).await
        }
        Err(e) => PageError::from_store(e, t).into_response(),
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
