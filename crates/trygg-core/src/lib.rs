//! Trygg's domain: the types and rules every other crate speaks.
//!
//! Areas and their hierarchy, periods (tertials and years), the strategy as
//! data, partner organisations and groups, roles, and validated text values.
//! Values here cannot be built invalid: constructors check and return
//! [`Invalid`] with the field and what was expected. No I/O, no async, no SQL.

mod area;
mod error;
mod org;
mod password;
mod period;
mod role;
mod strategy;
mod text;

pub use area::{Area, AreaCode, AreaLevel, AreaParent, LatLon, Polygon};
pub use error::Invalid;
pub use org::{Group, GroupKind, GroupMember, Partner, PartnerKind};
pub use password::{Password, hash_password, verify_password};
pub use period::Period;
pub use role::Role;
pub use strategy::{ElementKind, StrategyElement, StrategyVersion};
pub use text::{Code, Email, Name};

/// A calendar date (no time zone), as used for validity periods.
pub type Date = jiff::civil::Date;
