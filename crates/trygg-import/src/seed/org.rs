//! The strategy and the organisation, from the seed's TOML data files.

use super::{Embedded, SeedError};
use serde::Deserialize;
use std::collections::BTreeSet;
use trygg_core::{Area, Group, Partner, StrategyVersion};

/// The organisation data file: partners and groups.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Organisation {
    pub(super) partners: Vec<Partner>,
    pub(super) groups: Vec<Group>,
}

/// Parses and checks the strategy: a valid period, unique element codes, and
/// only areas that the seed creates.
pub(super) fn strategy(file: Embedded, areas: &[Area]) -> Result<StrategyVersion, SeedError> {
    let s: StrategyVersion =
        toml::from_str(file.text).map_err(|e| SeedError::data(file.name, e.to_string()))?;
    s.validate().map_err(|e| SeedError::data(file.name, e.to_string()))?;
    if let Some(missing) = s.areas.iter().find(|c| !areas.iter().any(|a| &a.code == *c)) {
        let msg = format!("area {missing} is not seeded");
        return Err(SeedError::data(file.name, msg));
    }
    Ok(s)
}

impl Organisation {
    /// Parses and checks the organisation: unique codes, valid groups, and
    /// members that represent listed partners.
    pub(super) fn parse(file: Embedded) -> Result<Self, SeedError> {
        let org: Self = toml::from_str(file.text).map_err(|e| SeedError::data(file.name, e.to_string()))?;
        org.check().map_err(|msg| SeedError::data(file.name, msg))?;
        Ok(org)
    }

    fn check(&self) -> Result<(), String> {
        let partners = unique(self.partners.iter().map(|p| p.code.as_str()), "partner")?;
        unique(self.groups.iter().map(|g| g.code.as_str()), "group")?;
        for g in &self.groups {
            g.validate().map_err(|e| format!("group {}: {e}", g.code))?;
            let mut represented = g.members.iter().filter_map(|m| m.partner.as_ref());
            if let Some(p) = represented.find(|p| !partners.contains(p.as_str())) {
                return Err(format!("group {}: partner {p} is not listed", g.code));
            }
        }
        Ok(())
    }
}

fn unique<'a>(codes: impl Iterator<Item = &'a str>, what: &str) -> Result<BTreeSet<&'a str>, String> {
    let mut seen = BTreeSet::new();
    for code in codes {
        if !seen.insert(code) {
            return Err(format!("{what} code {code} appears twice"));
        }
    }
    Ok(seen)
}
