//! The staff side of rapid action: queues, map, report detail and workflow,
//! bulk actions, exports, figures and the weekly EST meeting.
//!
//! Who sees what is decided in one place, [`scope::Scope`]: a Partner user
//! only the reports their organisation is responsible for, everyone but an
//! Admin only the districts under their areas.

mod detail;
mod est;
mod export;
mod figures;
mod filters;
mod queue;
mod scope;
mod view;

use crate::routes::{Entry, route};
use axum::http::Method;
use axum::routing::{get, post};
use trygg_core::Role;

/// Staff who work the queues: see reports, change them, export them.
pub const STAFF: &[Role] = &[Role::Admin, Role::Coordinator, Role::Member, Role::Partner];
/// Who may read the figures (Partner users may not: the figures cover every organisation).
pub const FIGURES: &[Role] = &[Role::Admin, Role::Coordinator, Role::Member, Role::Steering];
/// Who may read the weekly EST meeting view.
pub const EST_READ: &[Role] = &[Role::Admin, Role::Coordinator, Role::Member, Role::Partner, Role::Steering];
/// Who may write into the EST meeting's decision log.
pub const EST_WRITE: &[Role] = &[Role::Admin, Role::Coordinator, Role::Member];

/// The staff rapid-action routes.
pub fn routes() -> Vec<Entry> {
    use Method as M;
    vec![
        (route(M::GET, "/reports", "/reports", STAFF), get(queue::queue)),
        (route(M::POST, "/reports/bulk", "/reports/bulk", STAFF), post(queue::bulk)),
        (route(M::GET, "/reports/export.csv", "/reports/export.csv", STAFF), get(export::csv)),
        (route(M::GET, "/reports/export.xlsx", "/reports/export.xlsx", STAFF), get(export::xlsx)),
        (route(M::GET, "/reports/figures", "/reports/figures", FIGURES), get(figures::figures)),
        (route(M::GET, "/reports/photos/{id}", "/reports/photos/1", STAFF), get(detail::photo)),
        (route(M::GET, "/reports/{id}", "/reports/1", STAFF), get(detail::detail)),
        (route(M::POST, "/reports/{id}", "/reports/1", STAFF), post(detail::change)),
        (route(M::GET, "/est", "/est", EST_READ), get(est::meeting)),
        (route(M::POST, "/est", "/est", EST_WRITE), post(est::decide)),
    ]
}
