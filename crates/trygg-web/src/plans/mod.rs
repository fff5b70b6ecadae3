//! From problem to effect in the browser: problems and cause analyses,
//! action plans and measures with the golden thread's warnings, indicators
//! with targets and values, and each tertial's follow-up and approvals.

mod followup;
mod governance;
mod indicators;
mod measures;
mod problems;

use crate::routes::Entry;

/// The routes of every part.
pub fn routes() -> Vec<Entry> {
    let mut all = problems::routes();
    all.extend(measures::routes());
    all.extend(indicators::routes());
    all.extend(followup::routes());
    all.extend(governance::routes());
    all
}
