//! Who sees which reports. A Partner user sees only the reports their
//! organisation is responsible for (none when no organisation is set); every
//! role but Admin sees only the districts under the user's areas.

use crate::ctx::Ctx;
use trygg_core::{Area, AreaLevel, Code, Role};
use trygg_store::{Report, ReportQuery};

/// The reports a user may see.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The districts the user may see; `None` means every district (Admin).
    districts: Option<Vec<Code>>,
    /// For Partner users: the organisation whose reports they see (`None`: nothing).
    partner: Option<Option<Code>>,
    /// The organisation the user acts for, if any.
    pub org: Option<Code>,
}

impl Scope {
    /// The scope of the signed-in user, with `areas` the full area list.
    pub fn of(ctx: &Ctx, areas: &[Area]) -> Self {
        let Some(user) = &ctx.user else {
            return Self { districts: Some(Vec::new()), partner: Some(None), org: None };
        };
        let districts = (user.role != Role::Admin).then(|| {
            let mut out: Vec<Code> = user.areas.iter().flat_map(|a| districts_under(areas, a)).collect();
            out.sort();
            out.dedup();
            out
        });
        let partner = (user.role == Role::Partner).then(|| user.partner.clone());
        Self { districts, partner, org: user.partner.clone() }
    }

    /// Whether the user may see report `r`.
    pub fn sees(&self, r: &Report) -> bool {
        let area_ok = self.districts.as_ref().is_none_or(|d| d.contains(&r.area));
        let org_ok = self.partner.as_ref().is_none_or(|p| p.as_ref() == Some(&r.responsible));
        area_ok && org_ok
    }

    /// Whether the user is a Partner user (and so limited to one organisation).
    pub fn is_partner(&self) -> bool {
        self.partner.is_some()
    }

    /// Whether `code` is an area the user may look at (an area under, or
    /// above, one of theirs counts when it shares districts with them).
    pub fn sees_area(&self, areas: &[Area], code: &Code) -> bool {
        let under = districts_under(areas, code);
        match &self.districts {
            None => areas.iter().any(|a| &a.code == code),
            Some(mine) => under.iter().any(|d| mine.contains(d)),
        }
    }

    /// The base query of what the user may see, narrowed to the districts
    /// under `area` when given; `None` when that is nothing at all.
    pub fn query(&self, areas: &[Area], area: Option<&Code>) -> Option<ReportQuery> {
        let responsible = match &self.partner {
            Some(None) => return None,
            Some(Some(p)) => Some(p.clone()),
            None => None,
        };
        let districts: Vec<Code> = match (area, &self.districts) {
            (None, None) => Vec::new(),
            (None, Some(mine)) => mine.clone(),
            (Some(a), None) => districts_under(areas, a),
            (Some(a), Some(mine)) => {
                districts_under(areas, a).into_iter().filter(|d| mine.contains(d)).collect()
            }
        };
        if districts.is_empty() && (area.is_some() || self.districts.is_some()) {
            return None;
        }
        Some(ReportQuery { areas: districts, responsible, ..ReportQuery::default() })
    }

    /// The districts the map should draw: the user's, or under `area`, or Järva's.
    pub fn map_districts(&self, areas: &[Area], area: Option<&Code>) -> Vec<Code> {
        match (area, &self.districts) {
            (Some(a), _) => districts_under(areas, a),
            (None, Some(mine)) => mine.clone(),
            (None, None) => Code::new("jarva").map(|j| districts_under(areas, &j)).unwrap_or_default(),
        }
    }
}

/// The districts at or under `code`, at any time (a district that moved
/// between district areas belongs under both).
pub fn districts_under(areas: &[Area], code: &Code) -> Vec<Code> {
    let mut seen = vec![code.clone()];
    let mut i = 0;
    while i < seen.len() {
        let parent = seen[i].clone();
        for a in areas {
            if a.parents.iter().any(|p| p.code == parent) && !seen.contains(&a.code) {
                seen.push(a.code.clone());
            }
        }
        i += 1;
    }
    seen.retain(|c| areas.iter().any(|a| &a.code == c && a.level == AreaLevel::District));
    seen
}
