//! `GET /results/feed.atom`: an Atom 1.0 feed of publications: the
//! published good examples (articles), newest first, and the report figures
//! of each completed tertial (of the last two years) that has reports.

use super::data::{Window, day_start, public_report_count, today};
use super::{LICENSE_NAME, LICENSE_URL};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::i18n::Tr;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use trygg_core::Period;

/// How many completed tertials the feed looks back over.
const TERTIALS: usize = 6;

/// One entry of the feed.
struct Entry {
    period: Period,
    updated: String,
}

/// A published article in the feed.
struct ArticleEntry {
    id: i64,
    title: String,
    summary: String,
    updated: String,
}

/// `GET /results/feed.atom`.
pub async fn atom(State(state): State<AppState>, ctx: Ctx) -> Response {
    let mut entries = Vec::new();
    let mut p = Period::tertial_of(today()).previous();
    for _ in 0..TERTIALS {
        match public_report_count(&state, &Window::of(p)).await {
            Ok(0) => {}
            Ok(_) => entries.push(Entry { period: p, updated: rfc3339(day_start(p.end())) }),
            Err(e) => {
                tracing::error!(error = %e, "reading the feed's figures failed");
                return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the feed could not be read")
                    .into_response();
            }
        }
        p = p.previous();
    }
    let articles = match state.store.published_articles().await {
        Ok(list) => list
            .into_iter()
            .map(|a| ArticleEntry {
                id: a.id,
                summary: super::articles::paragraphs(&a.body).into_iter().next().unwrap_or_default(),
                title: a.title,
                updated: rfc3339(a.published_at.unwrap_or(a.updated_at)),
            })
            .collect::<Vec<_>>(),
        Err(e) => {
            tracing::error!(error = %e, "reading the feed's articles failed");
            return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the feed could not be read")
                .into_response();
        }
    };
    let base = state.config.public_url.trim_end_matches('/').to_owned();
    let body = feed_xml(&base, &entries, &articles, ctx.t());
    ([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], body).into_response()
}

fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map(|t| t.to_string()).unwrap_or_default()
}

/// Escapes text for XML content and attributes.
fn xml(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn feed_xml(base: &str, entries: &[Entry], articles: &[ArticleEntry], t: Tr<'_>) -> String {
    let lang = t.lang.tag();
    let suffix = if lang == "en" { "&lang=en" } else { "" };
    let feed_updated = entries
        .iter()
        .map(|e| e.updated.clone())
        .chain(articles.iter().map(|a| a.updated.clone()))
        .max()
        .unwrap_or_else(|| rfc3339(day_start(Period::tertial_of(today()).start())));
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{lang}\">\n\
         <id>{b}/results/feed.atom</id>\n<title>{title}</title>\n<updated>{feed_updated}</updated>\n\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{b}/results/feed.atom\"/>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{b}/results\"/>\n\
         <link rel=\"license\" href=\"{LICENSE_URL}\"/>\n<rights>{LICENSE_NAME}</rights>\n\
         <author><name>Trygg</name></author>\n",
        b = xml(base),
        title = xml(t.get("results.feed.title")),
    );
    for a in articles {
        let href =
            xml(&format!("{base}/results/articles/{}{}", a.id, if lang == "en" { "?lang=en" } else { "" }));
        out.push_str(&format!(
            "<entry>\n<id>{b}/results/articles/{id}</id>\n<title>{title}</title>\n<updated>{u}</updated>\n\
             <link rel=\"alternate\" type=\"text/html\" href=\"{href}\"/>\n\
             <summary>{summary}</summary>\n</entry>\n",
            b = xml(base),
            id = a.id,
            title = xml(&a.title),
            u = a.updated,
            summary = xml(&a.summary),
        ));
    }
    for e in entries {
        let href = xml(&format!("{base}/results?period={}{suffix}", e.period));
        out.push_str(&format!(
            "<entry>\n<id>{b}/results?period={p}</id>\n<title>{title}</title>\n<updated>{u}</updated>\n\
             <link rel=\"alternate\" type=\"text/html\" href=\"{href}\"/>\n\
             <link rel=\"related\" type=\"text/csv\" href=\"{b}/results/reports.csv?period={p}\"/>\n\
             <summary>{summary}</summary>\n</entry>\n",
            b = xml(base),
            p = e.period,
            title = xml(&t.fill("results.feed.entry", "period", &e.period.to_string())),
            u = e.updated,
            summary = xml(&t.fill("results.feed.summary", "period", &e.period.to_string())),
        ));
    }
    out.push_str("</feed>\n");
    out
}
