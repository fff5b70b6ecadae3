//! Rapid action: the public report form, the reporter's follow page, the
//! staff queues, report detail and workflow, figures and the weekly EST meeting.

pub(crate) mod public;
mod staff;

use crate::routes::Entry;

/// The rapid-action routes.
pub fn routes() -> Vec<Entry> {
    let mut all = public::routes();
    all.extend(staff::routes());
    all
}
