//! From problem to effect: the vocabulary of problems, cause analyses,
//! action plans, measures, indicators and tertial follow-up (the golden
//! thread problem → cause → measure → indicator → result).

use crate::org::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// What a problem's evidence in the situational picture is.
    EvidenceKind {
        /// An area as a whole.
        Area = "area",
        /// An incident category or crime type.
        Category = "category",
        /// A hot spot of the situation report.
        Hotspot = "hotspot",
        /// A survey result.
        Survey = "survey",
        /// Statistics (e.g. reported crimes).
        Statistics = "statistics",
        /// A document or other source.
        Document = "document",
    }
}

text_enum! {
    /// A part of a cause analysis (Brå/Polisen/SKL 2018).
    CauseKind {
        /// Fishbone: the victim.
        Victim = "victim",
        /// Fishbone: the offender.
        Offender = "offender",
        /// Fishbone: the object or place.
        Place = "place",
        /// Problem-analysis triangle: who can influence the offender.
        Handler = "handler",
        /// Problem-analysis triangle: who can protect the victim.
        Guardian = "guardian",
        /// Problem-analysis triangle: who is responsible for the place.
        Manager = "manager",
        /// A risk factor.
        Risk = "risk",
        /// A protective factor.
        Protective = "protective",
        /// A step of an event chain.
        Chain = "chain",
    }
}

impl CauseKind {
    /// Whether the kind is a risk or protective factor, which has a level.
    pub fn has_level(self) -> bool {
        matches!(self, CauseKind::Risk | CauseKind::Protective)
    }
}

text_enum! {
    /// The level of a risk or protective factor.
    FactorLevel {
        /// The individual.
        Individual = "individual",
        /// Family, friends, school class.
        Group = "group",
        /// The neighbourhood and society.
        Community = "community",
    }
}

text_enum! {
    /// The overall action plan or a unit's own.
    PlanKind {
        /// Shared by the district areas.
        Overall = "overall",
        /// One organisation's plan under the overall plan.
        Unit = "unit",
    }
}

text_enum! {
    /// How well a measure's method is supported (Brå).
    EvidenceBase {
        /// Shown to work.
        Proven = "proven",
        /// Promising.
        Promising = "promising",
        /// New or untested.
        New = "new",
    }
}

text_enum! {
    /// A measure's status in a tertial.
    MeasureStatus {
        /// On track.
        Green = "green",
        /// At risk.
        Yellow = "yellow",
        /// Off track.
        Red = "red",
    }
}

text_enum! {
    /// How an indicator's value is scaled.
    Factor {
        /// Per cent of the denominator.
        Percent = "percent",
        /// Per 1,000 of the denominator.
        Per1000 = "per_1000",
        /// Per 100,000 of the denominator.
        Per100000 = "per_100000",
        /// A plain count.
        Count = "count",
    }
}

impl Factor {
    /// The value of `numerator` over `denominator` on this scale (`None` for a zero denominator).
    pub fn apply(self, numerator: f64, denominator: Option<f64>) -> Option<f64> {
        let scale = match self {
            Factor::Percent => 100.0,
            Factor::Per1000 => 1_000.0,
            Factor::Per100000 => 100_000.0,
            Factor::Count => return Some(numerator),
        };
        denominator.filter(|d| *d > 0.0).map(|d| numerator / d * scale)
    }
}

text_enum! {
    /// Which way an indicator should move.
    Polarity {
        /// Lower is better (crime, unsafety).
        LowerIsBetter = "lower_is_better",
        /// Higher is better (share fixed in time).
        HigherIsBetter = "higher_is_better",
    }
}

text_enum! {
    /// How often an indicator is followed up.
    Cadence {
        /// Every tertial.
        Tertial = "tertial",
        /// Every year.
        Year = "year",
        /// Every survey wave.
        Wave = "wave",
    }
}

text_enum! {
    /// Where an indicator's values come from.
    IndicatorSource {
        /// Reported-crime statistics.
        Crime = "crime",
        /// Imported events.
        Events = "events",
        /// Incident reports.
        Reports = "reports",
        /// A survey.
        Survey = "survey",
        /// Serious talks.
        SeriousTalks = "serious_talks",
        /// Safety walks.
        Walks = "walks",
        /// The measures' own status.
        Measures = "measures",
        /// Entered by hand with a source.
        Entered = "entered",
    }
}

text_enum! {
    /// The two approvals of a tertial's follow-up, in order.
    ApprovalStage {
        /// The preparation group (beredningsgrupp).
        Preparation = "preparation",
        /// The steering group (styrgrupp): locks the tertial.
        Steering = "steering",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_scale_and_refuse_a_zero_denominator() {
        assert_eq!(Factor::Percent.apply(1.0, Some(4.0)), Some(25.0));
        assert_eq!(Factor::Per1000.apply(30.0, Some(10_000.0)), Some(3.0));
        assert_eq!(Factor::Count.apply(7.0, None), Some(7.0));
        assert_eq!(Factor::Per100000.apply(1.0, Some(0.0)), None);
        assert_eq!("per_1000".parse::<Factor>().unwrap(), Factor::Per1000);
        assert!("bogus".parse::<MeasureStatus>().is_err());
        assert!(CauseKind::Risk.has_level() && !CauseKind::Victim.has_level());
    }

    #[test]
    fn serde_uses_the_same_text_as_as_str() {
        assert_eq!(serde_json::to_string(&Factor::Per1000).unwrap(), "\"per_1000\"");
        assert_eq!(serde_json::from_str::<Factor>("\"per_100000\"").unwrap(), Factor::Per100000);
        assert!(serde_json::from_str::<Factor>("\"per1000\"").is_err());
        assert_eq!(serde_json::from_str::<Polarity>("\"lower_is_better\"").unwrap(), Polarity::LowerIsBetter);
    }
}
