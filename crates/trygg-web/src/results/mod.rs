//! The public results page and its open data: the strategy, incident
//! reports per district and category group (public categories only), the
//! share fixed by the deadline, serious-talk figures per district area, as
//! a page, CSV, GeoJSON and an Atom feed of published periods.
//!
//! Every figure passes through [`suppress`]: small counts are hidden and
//! cannot be derived from totals. No report position is ever published:
//! the map shows district aggregates only. The measures and indicator
//! trends ([`progress`]) show approved tertials and whole years only.

pub mod articles;
mod data;
mod feed;
mod open_data;
mod page;
pub mod progress;
pub mod suppress;

use crate::routes::{EVERYONE, Entry, route};
use articles::{APPROVERS, STAFF, WRITERS};
use axum::http::Method;
use axum::routing::{get, post};

/// The licence of the published data.
pub const LICENSE_URL: &str = "https://creativecommons.org/licenses/by/4.0/";
/// The licence's short name.
pub const LICENSE_NAME: &str = "CC BY 4.0";

/// The results routes, open to everyone, and the staff pages of the good examples.
pub fn routes() -> Vec<Entry> {
    use Method as M;
    vec![
        (route(M::GET, "/results", "/results", EVERYONE), get(page::show)),
        (route(M::GET, "/results/reports.csv", "/results/reports.csv", EVERYONE), get(open_data::csv)),
        (
            route(M::GET, "/results/reports.geojson", "/results/reports.geojson", EVERYONE),
            get(open_data::geojson),
        ),
        (route(M::GET, "/results/feed.atom", "/results/feed.atom", EVERYONE), get(feed::atom)),
        (route(M::GET, "/results/articles/{id}", "/results/articles/1", EVERYONE), get(articles::show)),
        (route(M::GET, "/articles", "/articles", STAFF), get(articles::list)),
        (route(M::POST, "/articles", "/articles", WRITERS), post(articles::create)),
        (route(M::GET, "/articles/{id}", "/articles/1", STAFF), get(articles::edit)),
        (route(M::POST, "/articles/{id}", "/articles/1", WRITERS), post(articles::update)),
        (route(M::POST, "/articles/{id}/approve", "/articles/1/approve", APPROVERS), post(articles::approve)),
        (route(M::POST, "/articles/{id}/publish", "/articles/1/publish", WRITERS), post(articles::publish)),
    ]
}
