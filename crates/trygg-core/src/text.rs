//! Validated text values: codes (stable identifiers), names and e-mail addresses.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A stable, URL-safe identifier: 1–64 characters of `a-z`, `0-9` and `-`,
/// not starting or ending with `-`. Used for areas, partners, groups and strategy elements.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Code(String);

impl Code {
    /// Checks `s` and wraps it.
    pub fn new(s: &str) -> Result<Self, Invalid> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && !s.starts_with('-')
            && !s.ends_with('-')
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(Invalid::new("code", s, "1–64 characters of a-z, 0-9 and '-'"))
        }
    }

    /// Derives a code from a human name: lower case, Swedish letters folded
    /// (å, ä → a; ö → o; é → e), anything else becomes `-`.
    pub fn from_name(name: &str) -> Result<Self, Invalid> {
        let mut out = String::new();
        for c in name.chars().flat_map(char::to_lowercase) {
            let c = match c {
                'å' | 'ä' | 'á' | 'à' => 'a',
                'ö' | 'ø' | 'ó' => 'o',
                'é' | 'è' | 'ë' => 'e',
                'ü' => 'u',
                c if c.is_ascii_alphanumeric() => c,
                _ => '-',
            };
            if c != '-' || !(out.is_empty() || out.ends_with('-')) {
                out.push(c);
            }
        }
        Self::new(out.trim_end_matches('-'))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Code {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::new(&s)
    }
}

impl From<Code> for String {
    fn from(c: Code) -> String {
        c.0
    }
}

impl FromStr for Code {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        Self::new(s)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A display name: trimmed, 1–200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

impl Name {
    /// Trims and checks `s`.
    pub fn new(s: &str) -> Result<Self, Invalid> {
        let t = s.trim();
        if t.is_empty() || t.chars().count() > 200 || t.chars().any(char::is_control) {
            return Err(Invalid::new("name", s, "1–200 characters without control characters"));
        }
        Ok(Self(t.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Name {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::new(&s)
    }
}

impl From<Name> for String {
    fn from(n: Name) -> String {
        n.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address, trimmed and lower-cased: one `@`, a non-empty local
/// part, a domain with a dot, no spaces, at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Normalises and checks `s`.
    pub fn new(s: &str) -> Result<Self, Invalid> {
        let t = s.trim().to_lowercase();
        let valid = t.len() <= 254
            && !t.chars().any(|c| c.is_whitespace() || c.is_control())
            && match t.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !domain.contains("..")
                }
                None => false,
            };
        if valid {
            Ok(Self(t))
        } else {
            Err(Invalid::new("email", s, "an e-mail address such as name@example.se"))
        }
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::new(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl FromStr for Email {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        Self::new(s)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_accept_slugs_and_reject_the_rest() {
        assert!(Code::new("rinkeby-kista").is_ok());
        for bad in ["", "Rinkeby", "-a", "a-", "a b", "å", &"a".repeat(65)] {
            assert!(Code::new(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn codes_derive_from_swedish_names() {
        assert_eq!(Code::from_name("Spånga-Tensta").unwrap().as_str(), "spanga-tensta");
        assert_eq!(Code::from_name("HÄSSELBY GÅRD").unwrap().as_str(), "hasselby-gard");
        assert_eq!(Code::from_name("Skarpnäck").unwrap().as_str(), "skarpnack");
        assert_eq!(Code::from_name("Östermalm  (del)").unwrap().as_str(), "ostermalm-del");
        assert!(Code::from_name("!!!").is_err());
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(Email::new(" Anna@Stockholm.SE ").unwrap().as_str(), "anna@stockholm.se");
        for bad in ["", "anna", "anna@", "@x.se", "a@b", "a b@x.se", "a@x..se", "a@@x.se"] {
            assert!(Email::new(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(Name::new("  Tensta centrum ").unwrap().as_str(), "Tensta centrum");
        assert!(Name::new("   ").is_err());
        assert!(Name::new("a\u{7}b").is_err());
        assert!(Name::new(&"x".repeat(201)).is_err());
    }
}
