//! Which districts the police classify as particularly vulnerable areas
//! ("särskilt utsatta områden"), from the seed's transcription of the
//! police's editions (`seed/utsatta_omraden_jarva.csv`).
//!
//! The police name their own areas, whose boundaries are not the districts':
//! the file's `jarva_stadsdelar` column maps each to districts, which we
//! follow — "Husby" → Husby; "Rinkeby/Tensta" → Rinkeby and Tensta. Flagging
//! the whole district is therefore an approximation of the police area.

use super::table::Table;
use super::{Embedded, SeedError};
use csv::StringRecord;
use std::collections::{BTreeMap, BTreeSet};
use trygg_core::{Area, Code};

/// The categories the file uses; `unknown` means the edition's status was not seen.
const CATEGORIES: &[&str] = &["sarskilt_utsatt", "riskomrade", "utsatt", "not_listed", "unknown"];

/// One police area's classification in one edition.
struct Entry {
    edition: u16,
    category: String,
    districts: String,
    line: u64,
}

/// The codes of the districts whose police area is `sarskilt_utsatt` in the
/// latest edition that classifies it (an edition marked `unknown` is skipped:
/// the 2025 edition's Stockholm part was not seen, so 2023 applies).
pub(super) fn exposed_districts(file: Embedded, districts: &[Area]) -> Result<BTreeSet<Code>, SeedError> {
    let table = Table::parse(file)?;
    let mut latest: BTreeMap<String, Entry> = BTreeMap::new();
    for r in table.records() {
        let (area, entry) = entry(&table, r)?;
        if entry.category == "unknown" {
            continue;
        }
        if latest.get(&area).is_none_or(|e| e.edition < entry.edition) {
            latest.insert(area, entry);
        }
    }
    let mut exposed = BTreeSet::new();
    for (area, e) in latest.iter().filter(|(_, e)| e.category == "sarskilt_utsatt") {
        tracing::debug!(police_area = %area, edition = e.edition, "särskilt utsatt område");
        for name in e.districts.split(';').map(str::trim) {
            exposed.insert(district_code(file, e.line, name, districts)?);
        }
    }
    Ok(exposed)
}

fn entry(table: &Table, r: &StringRecord) -> Result<(String, Entry), SeedError> {
    let edition = table.get(r, "edition")?;
    let edition =
        edition.parse().map_err(|_| table.error(r, "edition", format!("{edition:?} is not a year")))?;
    let category = table.get(r, "category")?;
    if !CATEGORIES.contains(&category) {
        let msg = format!("{category:?}, expected one of {}", CATEGORIES.join(", "));
        return Err(table.error(r, "category", msg));
    }
    let entry = Entry {
        edition,
        category: category.to_owned(),
        districts: table.get(r, "jarva_stadsdelar")?.to_owned(),
        line: table.line(r),
    };
    Ok((table.get(r, "police_area_name")?.to_owned(), entry))
}

fn district_code(file: Embedded, line: u64, name: &str, districts: &[Area]) -> Result<Code, SeedError> {
    Code::from_name(name).ok().filter(|code| districts.iter().any(|d| &d.code == code)).ok_or_else(|| {
        let msg = format!("line {line}, column jarva_stadsdelar: {name:?} is not a known district");
        SeedError::data(file.name, msg)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use trygg_core::{AreaLevel, Name};

    fn districts() -> Vec<Area> {
        ["Husby", "Rinkeby", "Tensta", "Kista"]
            .map(|n| {
                let code = Code::from_name(n).unwrap();
                Area::new(code, Name::new(n).unwrap(), AreaLevel::District)
            })
            .to_vec()
    }

    const HEADER: &str = "edition,police_area_name,category,jarva_stadsdelar\n";

    fn exposed(rows: &str) -> Result<Vec<String>, SeedError> {
        let text: &'static str = format!("{HEADER}{rows}").leak();
        let file = Embedded { name: "u.csv", text };
        let codes = exposed_districts(file, &districts())?;
        Ok(codes.into_iter().map(String::from).collect())
    }

    #[test]
    fn the_latest_known_edition_decides() {
        let rows = "2021,Husby,utsatt,Husby\n2023,Husby,sarskilt_utsatt,Husby\n\
                    2025,Husby,unknown,Husby\n2021,Rinkeby/Tensta,sarskilt_utsatt,Rinkeby;Tensta\n\
                    2023,Rinkeby/Tensta,riskomrade,Rinkeby;Tensta\n";
        assert_eq!(exposed(rows).unwrap(), ["husby"]);
        let rows = "2023,Rinkeby/Tensta,sarskilt_utsatt,Rinkeby;Tensta\n";
        assert_eq!(exposed(rows).unwrap(), ["rinkeby", "tensta"]);
    }

    #[test]
    fn unknown_districts_and_categories_are_errors() {
        let e = exposed("2023,Järva,sarskilt_utsatt,Järvafältet\n").unwrap_err();
        assert!(e.to_string().contains("\"Järvafältet\" is not a known district"), "{e}");
        let e = exposed("2023,Husby,very,Husby\n").unwrap_err();
        assert!(e.to_string().starts_with("u.csv: line 2, column category"), "{e}");
    }
}
