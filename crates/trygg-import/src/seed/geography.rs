//! The area hierarchy: the city, its district areas (with validity dates) and
//! the districts from the city's boundary file, each under its district area.
//! The city's and the district areas' boundaries are their districts' polygons.

use super::{Embedded, SeedError, display_name};
use crate::boundaries::{BoundaryFeature, parse_boundaries};
use serde::Deserialize;
use trygg_core::{Area, AreaLevel, AreaParent, Code, Date, Name, Polygon};

/// The geography data file (`seed/geography_jarva.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Geography {
    city: Named,
    /// The boundary file's property that holds each district's name.
    name_property: String,
    /// Provenance stored with every district boundary.
    boundary_source: String,
    /// Provenance stored with every place.
    pub(super) place_source: String,
    district_areas: Vec<DistrictArea>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Named {
    code: Code,
    name: Name,
}

/// A district area and the districts (by display name) that belonged to it
/// while it existed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DistrictArea {
    code: Code,
    name: Name,
    valid_from: Option<Date>,
    valid_to: Option<Date>,
    districts: Vec<String>,
}

impl Geography {
    /// Parses the geography data file.
    pub(super) fn parse(file: Embedded) -> Result<Self, SeedError> {
        toml::from_str(file.text).map_err(|e| SeedError::data(file.name, e.to_string()))
    }

    /// The city and its district areas, parents first, each with a boundary
    /// composed of its districts' polygons: the city's of all `districts`,
    /// a district area's of its members.
    pub(super) fn upper_areas(&self, districts: &[Area]) -> Result<Vec<Area>, SeedError> {
        let mut city = Area::new(self.city.code.clone(), self.city.name.clone(), AreaLevel::City);
        self.compose_boundary(&mut city, districts.iter())?;
        let mut areas = vec![city];
        for da in &self.district_areas {
            let mut area = Area::new(da.code.clone(), da.name.clone(), AreaLevel::DistrictArea);
            area.parents = vec![self.city_parent()];
            area.valid_from = da.valid_from;
            area.valid_to = da.valid_to;
            let members =
                da.districts.iter().filter_map(|name| districts.iter().find(|d| d.name.as_str() == name));
            self.compose_boundary(&mut area, members)?;
            areas.push(area);
        }
        Ok(areas)
    }

    /// Gives `area` the polygons of `districts` as one multipolygon, not
    /// dissolved: neighbours share edges, which GeoJSON allows.
    fn compose_boundary<'a>(
        &self,
        area: &mut Area,
        districts: impl Iterator<Item = &'a Area>,
    ) -> Result<(), SeedError> {
        let polygons = districts
            .filter_map(|d| d.boundary.as_ref())
            .flat_map(|b| b.polygons().iter().cloned())
            .collect();
        let boundary = Polygon::new(polygons).map_err(|e| {
            let msg = format!("area {}: no district boundaries to compose ({e})", area.code);
            SeedError::data(super::GEOGRAPHY.name, msg)
        })?;
        area.boundary = Some(boundary);
        area.boundary_source =
            Some(format!("Sammansatt av stadsdelarnas gränser ({})", self.boundary_source));
        Ok(())
    }

    /// Every district in the boundary file, with its boundary and parents.
    pub(super) fn districts(&self, file: Embedded) -> Result<Vec<Area>, SeedError> {
        let features = parse_boundaries(file.name, file.text, &self.name_property)?;
        let districts =
            features.into_iter().map(|f| self.district(file, f)).collect::<Result<Vec<_>, _>>()?;
        self.check_members_exist(&districts)?;
        Ok(districts)
    }

    fn district(&self, file: Embedded, f: BoundaryFeature) -> Result<Area, SeedError> {
        let shown = display_name(&f.name);
        let invalid = |e| SeedError::data(file.name, format!("district {:?}: {e}", f.name));
        let code = Code::from_name(&shown).map_err(invalid)?;
        let name = Name::new(&shown).map_err(invalid)?;
        let mut area = Area::new(code, name, AreaLevel::District);
        area.parents = self.parents_of(&shown);
        area.boundary = Some(f.boundary);
        area.boundary_source = Some(self.boundary_source.clone());
        Ok(area)
    }

    /// The district areas a district belonged to, each for the district
    /// area's lifetime; the city when it is in none of ours (the district
    /// areas outside Järva are not in the seed data).
    fn parents_of(&self, district: &str) -> Vec<AreaParent> {
        let parents: Vec<AreaParent> = self
            .district_areas
            .iter()
            .filter(|da| da.districts.iter().any(|d| d == district))
            .map(|da| AreaParent { code: da.code.clone(), valid_from: da.valid_from, valid_to: da.valid_to })
            .collect();
        if parents.is_empty() { vec![self.city_parent()] } else { parents }
    }

    fn city_parent(&self) -> AreaParent {
        AreaParent { code: self.city.code.clone(), valid_from: None, valid_to: None }
    }

    /// Every district named in a district area must be in the boundary file.
    fn check_members_exist(&self, districts: &[Area]) -> Result<(), SeedError> {
        for da in &self.district_areas {
            for name in &da.districts {
                if !districts.iter().any(|d| d.name.as_str() == name) {
                    let msg =
                        format!("district area {}: district {name:?} is not in the boundary file", da.code);
                    return Err(SeedError::data(super::GEOGRAPHY.name, msg));
                }
            }
        }
        Ok(())
    }
}
