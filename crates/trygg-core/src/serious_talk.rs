//! Serious talks (allvarssamtal): when social services learn that a youth is
//! suspected of a first offence, a talk with the youth, the guardians and the
//! police is to be held within 48 hours.
//!
//! A record is deliberately not a case file. It holds a random reference
//! (never derived from identity), the district area, an age band, optionally
//! the sex (for the gender perspective), an offence category from a short
//! list, when social services became aware, when the talk was held, who
//! attended, a reason if it was late, and one short comment that may not
//! contain an identity number, coordination number, phone number or e-mail
//! address. No name, no identity number, no address, no narrative.

use crate::org::text_enum;
use crate::{Code, Invalid, find_personal_data};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// The time within which the talk is to be held.
pub const TALK_DEADLINE_HOURS: i64 = 48;
/// The longest comment, in characters.
pub const MAX_TALK_COMMENT: usize = 200;
/// How far in the future a time may lie (clock skew between devices).
const SKEW: SignedDuration = SignedDuration::from_mins(5);
/// The symbols of a reference: digits and capitals without 0, 1, I and O.
const REFERENCE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
/// What every reference starts with.
const REFERENCE_PREFIX: &str = "AT-";
const REFERENCE_EXPECTED: &str = "AT- and 8 characters of 2–9 and A–Z without I and O, e.g. AT-7K3QX9PM";

/// A pseudonymous reference such as `AT-7K3QX9PM`: made from random bytes
/// only, so it says nothing about the youth and cannot be recomputed from an
/// identity. 40 bits; the store retries on the rare collision.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TalkReference(String);

impl TalkReference {
    /// A reference from 8 random bytes (5 bits of each are used).
    pub fn from_random(bytes: [u8; 8]) -> Self {
        let tail: String = bytes.iter().map(|b| REFERENCE_ALPHABET[usize::from(b & 31)] as char).collect();
        Self(format!("{REFERENCE_PREFIX}{tail}"))
    }

    /// Parses a reference (case-insensitive; surrounding space ignored).
    pub fn new(s: &str) -> Result<Self, Invalid> {
        let upper = s.trim().to_ascii_uppercase();
        let ok = upper
            .strip_prefix(REFERENCE_PREFIX)
            .is_some_and(|tail| tail.len() == 8 && tail.bytes().all(|b| REFERENCE_ALPHABET.contains(&b)));
        if ok { Ok(Self(upper)) } else { Err(Invalid::new("reference", s, REFERENCE_EXPECTED)) }
    }

    /// The reference as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TalkReference {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::new(&s)
    }
}

impl From<TalkReference> for String {
    fn from(r: TalkReference) -> String {
        r.0
    }
}

impl FromStr for TalkReference {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        Self::new(s)
    }
}

impl fmt::Display for TalkReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

text_enum! {
    /// The youth's age band. The routine is for 12–17-year-olds; `under-12`
    /// and `18-20` (young adults, whom social services also meet) are kept so
    /// that such talks are recorded in their own band rather than a wrong one.
    AgeBand {
        /// Younger than 12.
        Under12 = "under-12",
        /// 12 to 14 (below the age of criminal responsibility).
        From12To14 = "12-14",
        /// 15 to 17.
        From15To17 = "15-17",
        /// 18 to 20.
        From18To20 = "18-20",
    }
}

text_enum! {
    /// The youth's sex, recorded only for the gender perspective (optional;
    /// not given means unstated).
    Sex {
        /// Girl.
        Girl = "girl",
        /// Boy.
        Boy = "boy",
        /// Other (or stated as neither).
        Other = "other",
    }
}

text_enum! {
    /// What the youth is suspected of, from a short list.
    Offence {
        /// Shoplifting (snatteri).
        Shoplifting = "shoplifting",
        /// Vandalism and graffiti (skadegörelse).
        Vandalism = "vandalism",
        /// Violence (misshandel).
        Violence = "violence",
        /// Unlawful threat (olaga hot).
        Threat = "threat",
        /// Drug offences (narkotikabrott).
        Drugs = "drugs",
        /// Theft other than shoplifting (stöld).
        Theft = "theft",
        /// Robbery (rån).
        Robbery = "robbery",
        /// Weapons and knives (vapen- och knivlagsbrott).
        Weapons = "weapons",
        /// Anything else.
        Other = "other",
    }
}

text_enum! {
    /// Why the talk was not held within 48 hours, from a short list.
    LateReason {
        /// The youth could not be reached or did not come.
        YouthUnavailable = "youth_unavailable",
        /// The guardians could not be reached or did not come.
        GuardianUnavailable = "guardian_unavailable",
        /// The police could not attend in time.
        PoliceUnavailable = "police_unavailable",
        /// An interpreter was needed and not available in time.
        InterpreterNeeded = "interpreter_needed",
        /// Social services had no one free in time.
        Staffing = "staffing",
        /// The family declined the talk.
        Declined = "declined",
        /// Anything else (say what in the comment).
        Other = "other",
    }
}

/// Who attended the talk besides the youth.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Attendees {
    /// A guardian (vårdnadshavare).
    pub guardian: bool,
    /// The police.
    pub police: bool,
    /// Social services.
    pub social_services: bool,
    /// Someone else (e.g. school, interpreter).
    pub other: bool,
}

impl Attendees {
    /// Whether nobody is marked.
    pub fn is_empty(self) -> bool {
        self == Self::default()
    }
}

/// The one short comment: at most [`MAX_TALK_COMMENT`] characters, no line
/// breaks or control characters, and no personal data that
/// [`find_personal_data`] finds (identity or coordination number, phone, e-mail).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TalkComment(String);

impl TalkComment {
    /// Trims and checks `s`; an empty comment is `Ok(None)`.
    pub fn new(s: &str) -> Result<Option<Self>, Invalid> {
        let t = s.trim();
        if t.is_empty() {
            return Ok(None);
        }
        if t.chars().count() > MAX_TALK_COMMENT || t.chars().any(char::is_control) {
            let shown = format!("{} characters", t.chars().count());
            let expected = format!("one line of at most {MAX_TALK_COMMENT} characters");
            return Err(Invalid::new("comment", &shown, expected));
        }
        let found = find_personal_data(t);
        if !found.is_empty() {
            return Err(Invalid::new(
                "comment",
                "(not shown)",
                "a comment without a personal identity number, coordination number, phone number or e-mail address",
            ));
        }
        Ok(Some(Self(t.to_owned())))
    }

    /// The comment as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TalkComment {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::new(&s)?.ok_or_else(|| Invalid::new("comment", "", "a non-empty comment"))
    }
}

impl From<TalkComment> for String {
    fn from(c: TalkComment) -> String {
        c.0
    }
}

impl fmt::Display for TalkComment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What is known when social services register a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TalkCase {
    /// The district area (stadsdelsområde).
    pub area: Code,
    /// Age band.
    pub age_band: AgeBand,
    /// Sex, if stated.
    pub sex: Option<Sex>,
    /// Offence category.
    pub offence: Offence,
    /// When social services became aware; the 48 hours count from here.
    pub aware_at: Timestamp,
}

/// How the talk went (or why it did not happen in time).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TalkOutcome {
    /// When the talk was held; `None` while it has not been.
    pub held_at: Option<Timestamp>,
    /// Who attended (only with `held_at`).
    pub attendees: Attendees,
    /// Why it was not held within 48 hours.
    pub late_reason: Option<LateReason>,
    /// One short comment.
    pub comment: Option<TalkComment>,
}

impl TalkOutcome {
    /// Checks the outcome against the case at `now`: the talk cannot precede
    /// awareness or lie in the future; attendees only with a talk; a reason
    /// is required when the talk was late and refused when it was in time.
    pub fn check(&self, aware_at: Timestamp, now: Timestamp) -> Result<(), Invalid> {
        let Some(held) = self.held_at else {
            if !self.attendees.is_empty() {
                return Err(Invalid::new("attendees", "(given)", "no attendees until the talk is held"));
            }
            return Ok(());
        };
        let shown = held.to_string();
        if held < aware_at {
            return Err(Invalid::new("held_at", &shown, "a time after social services became aware"));
        }
        if held > later(now, SKEW) {
            return Err(Invalid::new("held_at", &shown, "a time that is not in the future"));
        }
        let late = held > deadline(aware_at);
        match (late, self.late_reason) {
            (true, None) => Err(Invalid::new(
                "late_reason",
                "",
                "a reason from the list, since the talk was held more than 48 hours after awareness",
            )),
            (false, Some(r)) => Err(Invalid::new(
                "late_reason",
                r.as_str(),
                "no reason, since the talk was held within 48 hours",
            )),
            _ => Ok(()),
        }
    }
}

impl TalkCase {
    /// Checks the case at `now`: awareness cannot lie in the future.
    pub fn check(&self, now: Timestamp) -> Result<(), Invalid> {
        if self.aware_at > later(now, SKEW) {
            return Err(Invalid::new(
                "aware_at",
                &self.aware_at.to_string(),
                "a time that is not in the future",
            ));
        }
        Ok(())
    }
}

/// The instant 48 hours after `aware_at`.
fn deadline(aware_at: Timestamp) -> Timestamp {
    later(aware_at, SignedDuration::from_hours(TALK_DEADLINE_HOURS))
}

/// `t + d`, or the last representable instant.
fn later(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_add(d).unwrap_or(Timestamp::MAX)
}

/// A stored serious-talk record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriousTalk {
    /// The random reference.
    pub reference: TalkReference,
    /// The case as registered.
    pub case: TalkCase,
    /// The talk, once recorded.
    pub outcome: TalkOutcome,
}

impl SeriousTalk {
    /// When the talk is due: 48 hours after awareness.
    pub fn deadline(&self) -> Timestamp {
        deadline(self.case.aware_at)
    }

    /// Hours from awareness to the talk, if it was held.
    pub fn hours_to_talk(&self) -> Option<f64> {
        self.outcome.held_at.map(|h| h.duration_since(self.case.aware_at).as_secs_f64() / 3600.0)
    }

    /// Whether the talk was held within 48 hours.
    pub fn held_within_48h(&self) -> bool {
        self.outcome.held_at.is_some_and(|h| h <= self.deadline())
    }

    /// Time left to the deadline at `now`; negative once it has passed.
    pub fn time_left(&self, now: Timestamp) -> SignedDuration {
        self.deadline().duration_since(now)
    }

    /// Not held and past the deadline at `now`.
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.outcome.held_at.is_none() && now > self.deadline()
    }

    /// Whether it is settled whether the talk was held in time: it was held,
    /// or the deadline has passed.
    pub fn is_decided(&self, now: Timestamp) -> bool {
        self.outcome.held_at.is_some() || now > self.deadline()
    }

    /// The month of awareness in Stockholm time, `YYYY-MM` (the period key of the figures).
    pub fn month(&self) -> String {
        let tz = jiff::tz::TimeZone::get("Europe/Stockholm").unwrap_or(jiff::tz::TimeZone::UTC);
        self.case.aware_at.to_zoned_datetime(tz).strftime("%Y-%m").to_string()
    }

    /// This record's contribution to the figures at `now`.
    pub fn figures(&self, now: Timestamp) -> TalkFigures {
        let held = self.outcome.held_at.is_some();
        let mut hours = BTreeMap::new();
        if let Some(h) = self.hours_to_talk() {
            hours.insert(h.floor() as i64, 1);
        }
        let a = self.outcome.attendees;
        TalkFigures {
            talks: 1,
            decided: i64::from(self.is_decided(now)),
            held_in_time: i64::from(self.held_within_48h()),
            guardian: i64::from(held && a.guardian),
            police: i64::from(held && a.police),
            hours,
        }
    }
}

/// Figures over a group of serious talks. They add up (see
/// [`TalkFigures::add`]), so the figures of deleted records can be kept and
/// merged with those of live ones; the time to talk is kept as a histogram of
/// whole hours, which makes the median exact to the hour either way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TalkFigures {
    /// Cases registered.
    pub talks: i64,
    /// Cases where it is settled whether the talk was in time (held, or past the deadline).
    pub decided: i64,
    /// Talks held within 48 hours.
    pub held_in_time: i64,
    /// Talks held with a guardian present.
    pub guardian: i64,
    /// Talks held with the police present.
    pub police: i64,
    /// Talks held, by whole hours from awareness to the talk.
    pub hours: BTreeMap<i64, i64>,
}

impl TalkFigures {
    /// Adds another group's figures to these.
    pub fn add(&mut self, other: &TalkFigures) {
        self.talks += other.talks;
        self.decided += other.decided;
        self.held_in_time += other.held_in_time;
        self.guardian += other.guardian;
        self.police += other.police;
        for (h, n) in &other.hours {
            *self.hours.entry(*h).or_default() += n;
        }
    }

    /// Talks held.
    pub fn held(&self) -> i64 {
        self.hours.values().sum()
    }

    /// Share held within 48 hours among the decided cases.
    pub fn share_in_time(&self) -> Option<f64> {
        share(self.held_in_time, self.decided)
    }

    /// Share of held talks with a guardian present.
    pub fn share_guardian(&self) -> Option<f64> {
        share(self.guardian, self.held())
    }

    /// Share of held talks with the police present.
    pub fn share_police(&self) -> Option<f64> {
        share(self.police, self.held())
    }

    /// The median of the whole hours from awareness to talk, over held talks.
    pub fn median_hours(&self) -> Option<f64> {
        let n = self.held();
        if n == 0 {
            return None;
        }
        let nth = |k: i64| {
            let mut seen = 0;
            self.hours.iter().find_map(|(h, c)| {
                seen += c;
                (seen > k).then_some(*h as f64)
            })
        };
        let (lo, hi) = (nth((n - 1) / 2)?, nth(n / 2)?);
        Some((lo + hi) / 2.0)
    }
}

fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn talk(aware: &str, held: Option<&str>) -> SeriousTalk {
        SeriousTalk {
            reference: TalkReference::from_random([1, 2, 3, 4, 5, 6, 7, 8]),
            case: TalkCase {
                area: Code::new("jarva").unwrap(),
                age_band: AgeBand::From15To17,
                sex: Some(Sex::Girl),
                offence: Offence::Shoplifting,
                aware_at: at(aware),
            },
            outcome: TalkOutcome {
                held_at: held.map(at),
                attendees: Attendees { guardian: true, ..Attendees::default() },
                ..TalkOutcome::default()
            },
        }
    }

    #[test]
    fn references_come_from_random_bytes_and_parse_back() {
        let r = TalkReference::from_random([0, 31, 32, 255, 7, 8, 9, 10]);
        assert_eq!(r.as_str(), "AT-2Z2Z9ABC");
        assert_eq!(TalkReference::new(" at-2z2z9abc ").unwrap(), r);
        for bad in ["", "AT-2Z2Z9AB", "AT-2Z2Z9ABCD", "XX-2Z2Z9ABC", "AT-0Z2Z9ABC", "AT-IZ2Z9ABC"] {
            assert_eq!(TalkReference::new(bad).unwrap_err().field, "reference", "{bad:?}");
        }
    }

    #[test]
    fn the_comment_refuses_personal_data() {
        assert!(TalkComment::new("  ").unwrap().is_none());
        assert_eq!(TalkComment::new(" Tolk behövdes ").unwrap().unwrap().as_str(), "Tolk behövdes");
        for bad in ["pnr 19121212-1212", "ring 070-123 45 67", "mejla a.b@example.se", "rad\nbrytning"] {
            assert_eq!(TalkComment::new(bad).unwrap_err().field, "comment", "{bad:?}");
        }
        assert!(TalkComment::new(&"x".repeat(MAX_TALK_COMMENT)).is_ok());
        assert!(TalkComment::new(&"x".repeat(MAX_TALK_COMMENT + 1)).is_err());
    }

    #[test]
    fn the_deadline_is_48_hours_after_awareness() {
        let in_time = talk("2025-03-03T10:00:00Z", Some("2025-03-05T10:00:00Z"));
        assert!(in_time.held_within_48h());
        assert_eq!(in_time.hours_to_talk(), Some(48.0));
        let late = talk("2025-03-03T10:00:00Z", Some("2025-03-05T10:00:01Z"));
        assert!(!late.held_within_48h());
        let open = talk("2025-03-03T10:00:00Z", None);
        assert_eq!(open.time_left(at("2025-03-04T10:00:00Z")), SignedDuration::from_hours(24));
        assert!(!open.is_overdue(at("2025-03-05T10:00:00Z")));
        assert!(open.is_overdue(at("2025-03-05T10:00:01Z")));
        assert!(open.time_left(at("2025-03-06T10:00:00Z")).is_negative());
        assert_eq!(open.month(), "2025-03");
        assert_eq!(talk("2025-03-31T22:30:00Z", None).month(), "2025-04", "Stockholm time");
    }

    #[test]
    fn outcomes_are_checked_against_the_case() {
        let aware = at("2025-03-03T10:00:00Z");
        let now = at("2025-03-10T10:00:00Z");
        let held = |h: &str, reason| TalkOutcome {
            held_at: Some(at(h)),
            late_reason: reason,
            ..TalkOutcome::default()
        };
        assert!(held("2025-03-04T10:00:00Z", None).check(aware, now).is_ok());
        assert_eq!(held("2025-03-02T10:00:00Z", None).check(aware, now).unwrap_err().field, "held_at");
        assert_eq!(held("2025-03-11T10:00:00Z", None).check(aware, now).unwrap_err().field, "held_at");
        assert_eq!(held("2025-03-07T10:00:00Z", None).check(aware, now).unwrap_err().field, "late_reason");
        assert!(held("2025-03-07T10:00:00Z", Some(LateReason::Staffing)).check(aware, now).is_ok());
        let early_reason = held("2025-03-04T10:00:00Z", Some(LateReason::Staffing));
        assert_eq!(early_reason.check(aware, now).unwrap_err().field, "late_reason");
        let ghosts = TalkOutcome {
            attendees: Attendees { police: true, ..Attendees::default() },
            ..Default::default()
        };
        assert_eq!(ghosts.check(aware, now).unwrap_err().field, "attendees");
    }

    #[test]
    fn figures_add_up_and_give_the_median_to_the_hour() {
        let now = at("2025-06-01T00:00:00Z");
        let mut f = TalkFigures::default();
        for held in ["2025-03-03T20:30:00Z", "2025-03-04T10:00:00Z", "2025-03-06T10:00:00Z"] {
            f.add(&talk("2025-03-03T10:00:00Z", Some(held)).figures(now));
        }
        f.add(&talk("2025-03-03T10:00:00Z", None).figures(now));
        assert_eq!((f.talks, f.decided, f.held(), f.held_in_time, f.guardian, f.police), (4, 4, 3, 2, 3, 0));
        assert_eq!(f.median_hours(), Some(24.0));
        assert_eq!(f.share_in_time(), Some(0.5));
        assert_eq!(f.share_police(), Some(0.0));
        f.add(&talk("2025-03-03T10:00:00Z", Some("2025-03-03T11:00:00Z")).figures(now));
        assert_eq!(f.median_hours(), Some(17.0), "(10 + 24) / 2 over hours 1, 10, 24, 72");
        assert_eq!(TalkFigures::default().median_hours(), None);
        assert_eq!(TalkFigures::default().share_in_time(), None);
    }
}
