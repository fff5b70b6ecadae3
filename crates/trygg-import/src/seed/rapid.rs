//! Rapid action from the seed's TOML file: incident categories, the
//! partners that own zones, and the responsibility zones.

use super::SeedError;
use serde::Deserialize;
use std::collections::BTreeSet;
use trygg_core::{Area, Code, Deadline, Partner, PartnerKind, Polygon};
use trygg_store::{Category, Store, Zone};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    categories: Vec<CategoryRow>,
    #[serde(default)]
    partners: Vec<Partner>,
    zones: Vec<ZoneRow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryRow {
    code: Code,
    parent: Option<Code>,
    name_sv: String,
    name_en: String,
    description: String,
    deadline: String,
    responsible: PartnerKind,
    #[serde(default = "yes")]
    public: bool,
    #[serde(default)]
    police: bool,
    #[serde(default = "default_radius")]
    duplicate_radius_m: f64,
}

fn yes() -> bool {
    true
}

fn default_radius() -> f64 {
    50.0
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ZoneRow {
    code: Code,
    name: String,
    partner: Code,
    area: Option<Code>,
    around: Option<Code>,
    radius_m: Option<f64>,
    categories: Vec<Code>,
}

/// Rapid action as the seed defines it.
#[derive(Debug, Clone)]
pub(super) struct Rapid {
    pub(super) categories: Vec<Category>,
    pub(super) partners: Vec<Partner>,
    pub(super) zones: Vec<Zone>,
}

/// Parses "24 hours" or "2 working days".
pub fn parse_deadline(s: &str) -> Result<Deadline, String> {
    let expected = || format!("deadline {s:?}: expected \"N hours\" (1–8760) or \"N working days\" (1–260)");
    let (n, unit) = s.trim().split_once(' ').ok_or_else(expected)?;
    let n: u32 = n.parse().map_err(|_| expected())?;
    match unit.trim() {
        "hour" | "hours" if (1..=8760).contains(&n) => Ok(Deadline::Hours(n)),
        "working day" | "working days" if (1..=260).contains(&n) => Ok(Deadline::WorkingDays(n)),
        _ => Err(expected()),
    }
}

impl Rapid {
    /// Parses and checks the file against the seeded areas and partners:
    /// unique codes, parents before children, zones owned by known partners
    /// and drawn from known areas or places, listed categories that exist.
    pub(super) fn parse(
        name: &str,
        text: &str,
        areas: &[Area],
        partners: &[Partner],
    ) -> Result<Self, SeedError> {
        let err = |msg: String| SeedError::data(name, msg);
        let f: File = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let mut seen = BTreeSet::new();
        let mut categories = Vec::new();
        for (i, row) in f.categories.into_iter().enumerate() {
            if let Some(p) = &row.parent
                && !seen.contains(p)
            {
                return Err(err(format!("category {}: parent {p} must come before it", row.code)));
            }
            if !seen.insert(row.code.clone()) {
                return Err(err(format!("category code {} appears twice", row.code)));
            }
            let deadline =
                parse_deadline(&row.deadline).map_err(|m| err(format!("category {}: {m}", row.code)))?;
            categories.push(Category {
                code: row.code,
                parent: row.parent,
                name_sv: row.name_sv,
                name_en: row.name_en,
                description: row.description,
                deadline,
                responsible_kind: row.responsible,
                public: row.public,
                police: row.police,
                duplicate_radius_m: row.duplicate_radius_m,
                position: i as i64,
            });
        }
        let known_partners: BTreeSet<&Code> = partners.iter().chain(&f.partners).map(|p| &p.code).collect();
        let mut zones = Vec::new();
        for row in f.zones {
            let zone = zone(row, areas, &known_partners, &seen).map_err(err)?;
            zones.push(zone);
        }
        Ok(Self { categories, partners: f.partners, zones })
    }
}

/// What loading a rapid-action file wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RapidReport {
    /// Categories (groups included).
    pub categories: usize,
    /// Partners added or updated.
    pub partners: usize,
    /// Responsibility zones.
    pub zones: usize,
}

/// Loads a municipality's own rapid-action file (the format of
/// `seed/rapid_action_jarva.toml`) against the areas and partners already
/// in the store. The whole file is parsed and checked before the first
/// write (an error names the file and the category or zone); every write is
/// an upsert by code, so loading twice changes nothing. With `dry_run`,
/// nothing is written.
pub async fn load_rapid_action(
    store: &Store,
    name: &str,
    text: &str,
    actor: &str,
    dry_run: bool,
) -> Result<RapidReport, SeedError> {
    let areas = store.areas(None, true).await?;
    let partners = store.partners().await?;
    let rapid = Rapid::parse(name, text, &areas, &partners)?;
    let report = RapidReport {
        categories: rapid.categories.len(),
        partners: rapid.partners.len(),
        zones: rapid.zones.len(),
    };
    if dry_run {
        return Ok(report);
    }
    for p in &rapid.partners {
        store.upsert_partner(p).await?;
    }
    for c in &rapid.categories {
        store.upsert_category(c).await?;
    }
    for z in &rapid.zones {
        store.upsert_zone(z).await?;
    }
    let detail =
        format!("{} categories, {} partners, {} zones", report.categories, report.partners, report.zones);
    store.audit(actor, "import.rapid_action", name, &detail).await?;
    Ok(report)
}

fn zone(
    row: ZoneRow,
    areas: &[Area],
    partners: &BTreeSet<&Code>,
    categories: &BTreeSet<Code>,
) -> Result<Zone, String> {
    let at = |msg: String| format!("zone {}: {msg}", row.code);
    if !partners.contains(&row.partner) {
        return Err(at(format!("partner {} is not listed", row.partner)));
    }
    if let Some(c) = row.categories.iter().find(|c| !categories.contains(*c)) {
        return Err(at(format!("category {c} is not listed")));
    }
    let find = |code: &Code| {
        areas.iter().find(|a| &a.code == code).ok_or_else(|| at(format!("area {code} is not seeded")))
    };
    let boundary: Polygon = match (&row.area, &row.around, row.radius_m) {
        (Some(code), None, None) => {
            find(code)?.boundary.clone().ok_or_else(|| at(format!("area {code} has no boundary")))?
        }
        (None, Some(code), Some(r)) if r > 0.0 => {
            let centre = find(code)?.location.ok_or_else(|| at(format!("place {code} has no position")))?;
            Polygon::circle(centre, r, 32)
        }
        _ => return Err(at("give either `area`, or `around` with `radius_m` > 0".into())),
    };
    Ok(Zone { code: row.code, name: row.name, partner: row.partner, boundary, categories: row.categories })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_parse_in_hours_or_working_days() {
        assert_eq!(parse_deadline("24 hours"), Ok(Deadline::Hours(24)));
        assert_eq!(parse_deadline("2 working days"), Ok(Deadline::WorkingDays(2)));
        assert_eq!(parse_deadline("1 working day"), Ok(Deadline::WorkingDays(1)));
        assert!(parse_deadline("2 days").unwrap_err().contains("working days"));
        assert!(parse_deadline("0 hours").is_err());
        assert!(parse_deadline("4000000000 working days").is_err());
        assert!(parse_deadline("soon").is_err());
    }
}
