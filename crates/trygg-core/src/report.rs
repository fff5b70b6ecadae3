//! Rapid action: the workflow of an incident report and who can make one.

use crate::org::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// Where a report is in its workflow. "Closed" is kept apart from
    /// "fixed": only [`ReportState::Fixed`] means the problem is gone.
    ReportState {
        /// Made, not yet seen by the responsible organisation.
        Received = "received",
        /// Seen and accepted by the responsible organisation.
        Acknowledged = "acknowledged",
        /// Work has started.
        InProgress = "in_progress",
        /// The problem is gone.
        Fixed = "fixed",
        /// Not this organisation's responsibility, and no one else's in Trygg.
        NotResponsible = "not_responsible",
        /// The same problem as another report.
        Duplicate = "duplicate",
        /// Nothing can be done (e.g. not found on site).
        NoAction = "no_action",
    }
}

impl ReportState {
    /// Whether the report is still being worked on (Open311 `open`).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Received | Self::Acknowledged | Self::InProgress)
    }

    /// The Open311 GeoReport v2 status: `open` or `closed`.
    pub fn open311_status(self) -> &'static str {
        if self.is_open() { "open" } else { "closed" }
    }

    /// The translation key of the state's name.
    pub fn key(self) -> &'static str {
        match self {
            Self::Received => "report.state.received",
            Self::Acknowledged => "report.state.acknowledged",
            Self::InProgress => "report.state.in_progress",
            Self::Fixed => "report.state.fixed",
            Self::NotResponsible => "report.state.not_responsible",
            Self::Duplicate => "report.state.duplicate",
            Self::NoAction => "report.state.no_action",
        }
    }

    /// Whether a report in this state may move to `next`. Open reports move
    /// forward or close; a closed report can only be reopened (to
    /// [`ReportState::Received`]). Re-routing is not a state change.
    pub fn can_become(self, next: ReportState) -> bool {
        use ReportState::*;
        match (self, next) {
            (a, b) if a == b => false,
            (Received, _) => true,
            (Acknowledged, Received) => false,
            (Acknowledged, _) => true,
            (InProgress, Received | Acknowledged) => false,
            (InProgress, _) => true,
            (_, Received) => true,
            _ => false,
        }
    }
}

text_enum! {
    /// Who made a report.
    ReporterKind {
        /// A signed-in member of the city's staff.
        Staff = "staff",
        /// A partner organisation (signed in, or through its Open311 key).
        Partner = "partner",
        /// A resident, anonymous unless they leave an e-mail for feedback.
        Resident = "resident",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_states_close_and_closed_states_only_reopen() {
        use ReportState::*;
        assert!(Received.can_become(Acknowledged));
        assert!(Received.can_become(Fixed));
        assert!(InProgress.can_become(Fixed));
        assert!(!InProgress.can_become(Acknowledged));
        assert!(Fixed.can_become(Received));
        assert!(!Fixed.can_become(InProgress));
        assert!(!Fixed.can_become(Fixed));
        assert!(Duplicate.can_become(Received));
        assert_eq!(Fixed.open311_status(), "closed");
        assert_eq!(InProgress.open311_status(), "open");
        assert_eq!("no_action".parse::<ReportState>().unwrap(), NoAction);
        assert!("closed".parse::<ReportState>().is_err());
    }
}
