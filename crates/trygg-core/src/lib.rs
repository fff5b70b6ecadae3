//! Trygg's domain: the types and rules every other crate speaks.
//!
//! Areas and their hierarchy, periods (tertials and years), the strategy as
//! data, partner organisations and groups, roles, and validated text values.
//! Values here cannot be built invalid: constructors check and return
//! [`Invalid`] with the field and what was expected. No I/O, no async, no SQL.

mod area;
mod calendar;
mod error;
mod org;
mod password;
mod period;
mod personal;
mod plan;
mod report;
mod role;
mod serious_talk;
mod strategy;
mod text;

pub use area::{Area, AreaCode, AreaLevel, AreaParent, LatLon, Polygon, members};
pub use calendar::{Deadline, add_working_days, is_working_day, swedish_holidays};
pub use error::Invalid;
pub use org::{Group, GroupKind, GroupMember, Partner, PartnerKind};
pub use password::{Password, hash_password, verify_password};
pub use period::Period;
pub use personal::{PersonalData, contains_identity_number, find_personal_data};
pub use plan::{
    ApprovalStage, Cadence, CauseKind, EvidenceBase, EvidenceKind, Factor, FactorLevel, IndicatorSource,
    MeasureStatus, PlanKind, Polarity,
};
pub use report::{ReportState, ReporterKind};
pub use role::Role;
pub use serious_talk::{
    AgeBand, Attendees, LateReason, MAX_TALK_COMMENT, Offence, SeriousTalk, Sex, TALK_DEADLINE_HOURS,
    TalkCase, TalkComment, TalkFigures, TalkOutcome, TalkReference,
};
pub use strategy::{ElementKind, StrategyElement, StrategyVersion};
pub use text::{Code, Email, Name};

/// A calendar date (no time zone), as used for validity periods.
pub type Date = jiff::civil::Date;
