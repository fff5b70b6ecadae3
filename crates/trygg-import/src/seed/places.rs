//! Places (a station, a centre, a square) from the seed's CSV file
//! (`id,name,kind,lat,lon,stadsdel`), each checked to lie in its district.

use super::table::Table;
use super::{Embedded, SeedError};
use csv::StringRecord;
use trygg_core::{Area, AreaLevel, AreaParent, Code, LatLon, Name};

/// The places in `file`, each under its district. `source` is the
/// provenance stored with each; every position must lie inside its
/// district's boundary.
pub(super) fn places(file: Embedded, source: &str, districts: &[Area]) -> Result<Vec<Area>, SeedError> {
    let table = Table::parse(file)?;
    table.records().iter().map(|r| place(&table, r, source, districts)).collect()
}

fn place(table: &Table, r: &StringRecord, source: &str, districts: &[Area]) -> Result<Area, SeedError> {
    let err = |column, e: trygg_core::Invalid| table.error(r, column, e);
    let code = Code::new(table.get(r, "id")?).map_err(|e| err("id", e))?;
    let name = Name::new(table.get(r, "name")?).map_err(|e| err("name", e))?;
    let kind = kind(table, r)?;
    let (lat, lon) = (table.number(r, "lat")?, table.number(r, "lon")?);
    let location = LatLon::new(lat, lon).map_err(|e| err("lat", e))?;
    let district = district_of(table, r, districts)?;
    if !district.boundary.as_ref().is_some_and(|b| b.contains(location)) {
        let msg =
            format!("{code} at {lat}, {lon} is not inside the boundary of the district {}", district.name);
        return Err(table.error(r, "lat", msg));
    }
    let mut area = Area::new(code, name, AreaLevel::Place);
    area.parents = vec![AreaParent { code: district.code.clone(), valid_from: None, valid_to: None }];
    area.location = Some(location);
    area.kind = Some(kind.to_owned());
    area.boundary_source = Some(source.to_owned());
    Ok(area)
}

/// The kind of place: a snake_case word such as `metro_station`.
fn kind<'a>(table: &Table, r: &'a StringRecord) -> Result<&'a str, SeedError> {
    let kind = table.get(r, "kind")?;
    let snake = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_';
    if kind.is_empty() || !kind.bytes().all(snake) {
        let msg = format!("{kind:?}, expected a snake_case kind such as metro_station");
        return Err(table.error(r, "kind", msg));
    }
    Ok(kind)
}

fn district_of<'a>(table: &Table, r: &StringRecord, districts: &'a [Area]) -> Result<&'a Area, SeedError> {
    let name = table.get(r, "stadsdel")?;
    let code = Code::from_name(name).map_err(|e| table.error(r, "stadsdel", e))?;
    districts
        .iter()
        .find(|d| d.code == code)
        .ok_or_else(|| table.error(r, "stadsdel", format!("{name:?} is not a known district")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use trygg_core::Polygon;

    fn district() -> Area {
        let ring = [[17.90, 59.39], [17.90, 59.40], [17.91, 59.40], [17.91, 59.39], [17.90, 59.39]];
        let mut d =
            Area::new(Code::new("tensta").unwrap(), Name::new("Tensta").unwrap(), AreaLevel::District);
        d.boundary = Some(Polygon::from_lon_lat(&[vec![ring.to_vec()]]).unwrap());
        d
    }

    fn file(row: &'static str) -> Embedded {
        Embedded { name: "p.csv", text: row }
    }

    #[test]
    fn a_place_inside_its_district_is_kept() {
        let csv = file("id,name,kind,lat,lon,stadsdel\nt,T,square,59.395,17.905,Tensta\n");
        let p = places(csv, "src", &[district()]).unwrap();
        assert_eq!(p[0].parents[0].code.as_str(), "tensta");
        assert_eq!(p[0].kind.as_deref(), Some("square"));
    }

    #[test]
    fn a_place_outside_its_district_fails_the_seed() {
        let csv = file("id,name,kind,lat,lon,stadsdel\nt,T,square,59.5,17.905,Tensta\n");
        let e = places(csv, "src", &[district()]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "p.csv: line 2, column lat: t at 59.5, 17.905 is not inside the boundary of the district Tensta"
        );
        let csv = file("id,name,kind,lat,lon,stadsdel\nt,T,square,59.395,17.905,Kista\n");
        let e = places(csv, "src", &[district()]).unwrap_err();
        assert!(e.to_string().contains("\"Kista\" is not a known district"), "{e}");
    }
}
