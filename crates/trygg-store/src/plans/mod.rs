//! From problem to effect (migration 7): problems and their cause analyses
//! (`problems`), action plans and measures with the warnings of the golden
//! thread (`measures`), indicators with targets and values (`indicators`),
//! and each tertial's follow-up with its approvals and lock (`followup`).

mod followup;
mod governance;
mod indicators;
mod measures;
mod problems;

pub use followup::*;
pub use governance::*;
pub use indicators::*;
pub use measures::*;
pub use problems::*;
