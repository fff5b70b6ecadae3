//! Organisation: partner organisations and the steering, preparation and working groups.

use crate::{Code, Date, Invalid, Name};
use serde::{Deserialize, Serialize};

/// Gives a fieldless enum its stable text form: `ALL`, `as_str`, `FromStr`
/// (refusing anything else with an [`Invalid`](crate::Invalid) that lists the
/// forms) and `Display`. Exported so that the other crates' enums of the same
/// kind share it: `trygg_core::text_forms!(State { Open = "open", Done = "done" });`.
#[macro_export]
macro_rules! text_forms {
    ($name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Stable text form.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::Invalid;
            fn from_str(s: &str) -> ::std::result::Result<Self, $crate::Invalid> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let all: ::std::vec::Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    $crate::Invalid::new(stringify!($name), s, format!("one of {}", all.join(", ")))
                })
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $variant),+ }

        $crate::text_forms!($name { $($variant = $text),+ });

        // Serialised by the same text as `as_str` (a derive would write `Per1000` as `per1000`).
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use text_enum;

text_enum! {
    /// What kind of organisation a partner is.
    PartnerKind {
        /// Polisen.
        Police = "police",
        /// A district administration or other city administration.
        CityAdministration = "city_administration",
        /// A city-owned company (e.g. a housing company).
        CityCompany = "city_company",
        /// A private property owner.
        PropertyOwner = "property_owner",
        /// A business (näringsidkare).
        Business = "business",
        /// Region Stockholm.
        Region = "region",
        /// A school.
        School = "school",
        /// Social services.
        SocialServices = "social_services",
        /// Civil society (associations, faith communities).
        CivilSociety = "civil_society",
        /// Jobbtorg.
        JobCentre = "job_centre",
        /// Anything else.
        Other = "other",
    }
}

text_enum! {
    /// The three kinds of group in the strategy's structure (§5).
    GroupKind {
        /// Lokal styrgrupp.
        Steering = "steering",
        /// Lokal beredningsgrupp.
        Preparation = "preparation",
        /// Lokal arbetsgrupp: time-limited, for a prioritised task.
        Working = "working",
    }
}

/// A partner organisation (samverkanspartner).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partner {
    /// Stable identifier.
    pub code: Code,
    /// Name.
    pub name: Name,
    /// Kind of organisation.
    pub kind: PartnerKind,
}

/// A member of a group: a person's role, optionally representing a partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMember {
    /// Name or function, e.g. "Stadsdelsdirektör".
    pub name: Name,
    /// The organisation represented.
    pub partner: Option<Code>,
    /// Role in the group, e.g. "ordförande".
    pub role: Option<String>,
}

/// A steering, preparation or working group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Stable identifier.
    pub code: Code,
    /// Name.
    pub name: Name,
    /// Kind.
    pub kind: GroupKind,
    /// The mandate (uppdrag) in plain text.
    pub mandate: String,
    /// Last day of the mandate. Required for working groups, which are time-limited.
    pub end_date: Option<Date>,
    /// Members.
    pub members: Vec<GroupMember>,
}

impl Group {
    /// Checks that the mandate is given and that a working group has an end date.
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.mandate.trim().is_empty() {
            return Err(Invalid::new("mandate", "", "a mandate describing the group's task"));
        }
        if self.kind == GroupKind::Working && self.end_date.is_none() {
            return Err(Invalid::new("end_date", "", "an end date: working groups are time-limited"));
        }
        Ok(())
    }

    /// Whether the mandate has run out on `today`.
    pub fn is_expired(&self, today: Date) -> bool {
        self.end_date.is_some_and(|end| end < today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn kinds_round_trip_and_unknown_is_a_clear_error() {
        for k in PartnerKind::ALL {
            assert_eq!(k.as_str().parse::<PartnerKind>().unwrap(), *k);
        }
        let err = "sheriff".parse::<PartnerKind>().unwrap_err();
        assert!(err.expected.contains("police"));
    }

    #[test]
    fn working_groups_need_an_end_date_and_expire() {
        let mut g = Group {
            code: Code::new("belysning").unwrap(),
            name: Name::new("Belysning Tensta").unwrap(),
            kind: GroupKind::Working,
            mandate: "Kartlägga och åtgärda mörka platser".into(),
            end_date: None,
            members: vec![],
        };
        assert_eq!(g.validate().unwrap_err().field, "end_date");
        g.end_date = Some(date(2025, 12, 31));
        assert!(g.validate().is_ok());
        assert!(!g.is_expired(date(2025, 12, 31)));
        assert!(g.is_expired(date(2026, 1, 1)));
        g.mandate = " ".into();
        assert_eq!(g.validate().unwrap_err().field, "mandate");
    }
}
