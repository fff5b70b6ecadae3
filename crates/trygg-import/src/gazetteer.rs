//! Placing an event by the names in its text: a district or place name
//! (with the Swedish genitive `-s`, as in "Tenstas") puts an event of the
//! city into that area, with the method `text`; otherwise it stays at the
//! city. Only areas that exist on the event's day are considered.

use jiff::civil::Date;
use trygg_core::{Area, AreaLevel, Code};
use trygg_store::AreaMethod;

struct Term {
    text: String,
    area: Code,
    valid_from: Option<Date>,
    valid_to: Option<Date>,
}

/// The names of a city's areas, for finding them in free text.
pub struct Gazetteer {
    city_name: String,
    city: Code,
    terms: Vec<Term>,
}

/// Other names for areas: a name → the area code it means.
/// Hjulsta (its metro station lies in Tensta) is not a district of its own.
pub const ALIASES: &[(&str, &str)] = &[("Hjulsta", "tensta")];

impl Gazetteer {
    /// Builds from the stored areas: the city (level `city`) and the names
    /// of its district areas, districts and places, plus `aliases`.
    /// `None` when there is no city.
    pub fn new(areas: &[Area], aliases: &[(&str, &str)]) -> Option<Self> {
        let city = areas.iter().find(|a| a.level == AreaLevel::City)?;
        let mut terms: Vec<Term> = areas
            .iter()
            .filter(|a| a.level != AreaLevel::City)
            .map(|a| Term {
                text: a.name.to_string(),
                area: a.code.clone(),
                valid_from: a.valid_from,
                valid_to: a.valid_to,
            })
            .collect();
        for (name, code) in aliases {
            if let Some(a) = areas.iter().find(|a| a.code.as_str() == *code) {
                terms.push(Term {
                    text: (*name).to_owned(),
                    area: a.code.clone(),
                    valid_from: a.valid_from,
                    valid_to: a.valid_to,
                });
            }
        }
        // Longest names first, so "Kista Galleria" wins over "Kista".
        terms.sort_by_key(|t| std::cmp::Reverse(t.text.len()));
        Some(Self { city_name: city.name.to_string(), city: city.code.clone(), terms })
    }

    /// Places an event of `municipality` by its `texts` (searched in order)
    /// on `day`: the named area with [`AreaMethod::Text`], else the city with
    /// [`AreaMethod::Municipality`]. `None` for other municipalities.
    pub fn place(&self, municipality: &str, texts: &[&str], day: Date) -> Option<(Code, AreaMethod)> {
        if municipality != self.city_name {
            return None;
        }
        for text in texts {
            let found = self
                .terms
                .iter()
                .filter(|t| t.valid_from.is_none_or(|f| f <= day) && t.valid_to.is_none_or(|to| day <= to))
                .filter_map(|t| find_word(text, &t.text).map(|pos| (pos, t)))
                .min_by_key(|(pos, t)| (*pos, std::cmp::Reverse(t.text.len())));
            if let Some((_, term)) = found {
                return Some((term.area.clone(), AreaMethod::Text));
            }
        }
        Some((self.city.clone(), AreaMethod::Municipality))
    }
}

/// The byte position of `word` in `text` as a whole word, optionally
/// followed by a genitive `s`.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(word) {
        let start = from + i;
        let end = start + word.len();
        let before_ok = text[..start].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let rest = text[end..].strip_prefix('s').unwrap_or(&text[end..]);
        let after_ok = rest.chars().next().is_none_or(|c| !c.is_alphanumeric());
        if before_ok && after_ok {
            return Some(start);
        }
        from = end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use trygg_core::Name;

    fn area(code: &str, name: &str, level: AreaLevel) -> Area {
        Area::new(Code::new(code).unwrap(), Name::new(name).unwrap(), level)
    }

    fn gazetteer() -> Gazetteer {
        let mut jarva = area("jarva", "Järva", AreaLevel::DistrictArea);
        jarva.valid_from = Some(date(2023, 7, 1));
        let areas = vec![
            area("stockholm", "Stockholm", AreaLevel::City),
            jarva,
            area("tensta", "Tensta", AreaLevel::District),
            area("kista", "Kista", AreaLevel::District),
            area("kista-galleria", "Kista Galleria", AreaLevel::Place),
            area("rinkeby", "Rinkeby", AreaLevel::District),
        ];
        Gazetteer::new(&areas, ALIASES).unwrap()
    }

    fn place(texts: &[&str], day: Date) -> Option<(String, AreaMethod)> {
        gazetteer().place("Stockholm", texts, day).map(|(c, m)| (c.to_string(), m))
    }

    #[test]
    fn names_in_the_text_place_the_event() {
        let d = date(2024, 5, 1);
        assert_eq!(place(&["Skottlossning i Tensta."], d), Some(("tensta".into(), AreaMethod::Text)));
        assert_eq!(place(&["Polisen i Tenstas centrum."], d), Some(("tensta".into(), AreaMethod::Text)));
        assert_eq!(place(&["Rån vid Kista Galleria."], d), Some(("kista-galleria".into(), AreaMethod::Text)));
        assert_eq!(place(&["Brand i Hjulsta."], d), Some(("tensta".into(), AreaMethod::Text)));
        assert_eq!(
            place(&["Rinkeby och Tensta."], d),
            Some(("rinkeby".into(), AreaMethod::Text)),
            "first mention"
        );
        assert_eq!(
            place(&["Stöld, Stockholm", "En man gripen i Kista."], d),
            Some(("kista".into(), AreaMethod::Text))
        );
    }

    #[test]
    fn other_words_and_municipalities_do_not_match() {
        let d = date(2024, 5, 1);
        assert_eq!(place(&["En kista hittades."], d), Some(("stockholm".into(), AreaMethod::Municipality)));
        assert_eq!(place(&["Kistamässan stängd."], d), Some(("stockholm".into(), AreaMethod::Municipality)));
        assert_eq!(place(&["Tenstaskolan."], d), Some(("stockholm".into(), AreaMethod::Municipality)));
        assert_eq!(gazetteer().place("Solna", &["Tensta"], d), None);
    }

    #[test]
    fn areas_count_only_while_they_exist() {
        assert_eq!(
            place(&["Oro på Järva."], date(2023, 6, 30)),
            Some(("stockholm".into(), AreaMethod::Municipality))
        );
        assert_eq!(place(&["Oro på Järva."], date(2023, 7, 1)), Some(("jarva".into(), AreaMethod::Text)));
    }
}
