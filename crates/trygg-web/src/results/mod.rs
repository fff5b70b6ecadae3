//! The public results page and its open data: the strategy, incident
//! reports per district and category group (public categories only), the
//! share fixed by the deadline, serious-talk figures per district area, as
//! a page, CSV, GeoJSON and an Atom feed of published periods.
//!
//! Every figure passes through [`suppress`]: small counts are hidden and
//! cannot be derived from totals. No report position is ever published:
//! the map shows district aggregates only. Measures, indicators and
//! situation reports are further sections of [`page`] once they exist.

mod data;
mod feed;
mod open_data;
mod page;
pub mod suppress;

use crate::routes::{EVERYONE, Entry, route};
use axum::http::Method;
use axum::routing::get;

/// The licence of the published data.
pub const LICENSE_URL: &str = "https://creativecommons.org/licenses/by/4.0/";
/// The licence's short name.
pub const LICENSE_NAME: &str = "CC BY 4.0";

/// The results routes, open to everyone.
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
    ]
}
