//! The strategy as data: a version with its validity period and its
//! elements (directions, working methods, perspectives, vulnerable groups).

use crate::{Code, Date, Invalid, Name};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What an element of a strategy is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementKind {
    /// Inriktning: a long-term direction of the strategy.
    Direction,
    /// Arbetssätt: a working method that guides implementation.
    WorkingMethod,
    /// Perspektiv: a perspective every measure must consider.
    Perspective,
    /// A group named as especially vulnerable.
    VulnerableGroup,
}

impl ElementKind {
    /// All kinds, in the order the strategy presents them.
    pub const ALL: [ElementKind; 4] =
        [Self::Direction, Self::WorkingMethod, Self::Perspective, Self::VulnerableGroup];

    /// Stable text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Direction => "direction",
            Self::WorkingMethod => "working_method",
            Self::Perspective => "perspective",
            Self::VulnerableGroup => "vulnerable_group",
        }
    }
}

impl FromStr for ElementKind {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            Invalid::new("kind", s, "one of direction, working_method, perspective, vulnerable_group")
        })
    }
}

impl fmt::Display for ElementKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One element of a strategy, e.g. the working method "Samverkan".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrategyElement {
    /// What kind of element.
    pub kind: ElementKind,
    /// Stable identifier within the strategy version.
    pub code: Code,
    /// Name as the strategy writes it.
    pub name: Name,
    /// A short description from the strategy text.
    pub description: String,
}

/// A strategy version with its validity period. The next strategy is a new
/// version in the database, not a code change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrategyVersion {
    /// Stable identifier, e.g. `jarva-2020-2025`.
    pub code: Code,
    /// Title.
    pub name: Name,
    /// First day the strategy applies.
    pub valid_from: Date,
    /// Last day the strategy applies.
    pub valid_to: Date,
    /// The areas it covers.
    pub areas: Vec<Code>,
    /// Its elements, in presentation order.
    pub elements: Vec<StrategyElement>,
}

impl StrategyVersion {
    /// Checks the period and that element codes are unique per kind.
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.valid_to < self.valid_from {
            return Err(Invalid::new(
                "valid_to",
                &self.valid_to.to_string(),
                format!("a date on or after {}", self.valid_from),
            ));
        }
        for (i, e) in self.elements.iter().enumerate() {
            if self.elements[..i].iter().any(|o| o.kind == e.kind && o.code == e.code) {
                return Err(Invalid::new("element code", e.code.as_str(), "codes unique within each kind"));
            }
        }
        Ok(())
    }

    /// The elements of one kind.
    pub fn elements_of(&self, kind: ElementKind) -> impl Iterator<Item = &StrategyElement> {
        self.elements.iter().filter(move |e| e.kind == kind)
    }

    /// Whether the strategy applies on `date`.
    pub fn applies_on(&self, date: Date) -> bool {
        self.valid_from <= date && date <= self.valid_to
    }
}
