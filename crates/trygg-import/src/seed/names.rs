//! Display names for districts whose names the city's file writes in UPPER CASE.

/// Words that stay lower case after the first word of a Swedish place name,
/// because they are generic parts, not names: "Hässelby gård", "Gamla stan".
const GENERIC_WORDS: &[&str] = &[
    "gård",
    "strand",
    "villastad",
    "kyrka",
    "stan",
    "slott",
    "industriområde",
    "centrum",
    "torg",
    "hamn",
    "park",
];

/// Abbreviations in the city's file, written out ("ULVSUNDA INDUSTRIOMR").
const ABBREVIATIONS: &[(&str, &str)] = &[("industriomr", "industriområde")];

/// A display name from an upper-case place name, by Swedish convention: the
/// first word capitalised, later words capitalised when they are names
/// ("Gamla Enskede", "Stora Mossen") and lower case when generic ("Hässelby
/// gård", "Örby slott"); every part of a hyphenated word capitalised
/// ("Rinkeby-Kista"); known abbreviations written out.
pub fn display_name(raw: &str) -> String {
    raw.split_whitespace()
        .enumerate()
        .map(|(i, word)| {
            let word = expand(&word.to_lowercase());
            if i > 0 && GENERIC_WORDS.contains(&word.as_str()) {
                word
            } else {
                word.split('-').map(capitalise).collect::<Vec<_>>().join("-")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn expand(word: &str) -> String {
    ABBREVIATIONS
        .iter()
        .find(|(short, _)| *short == word)
        .map_or_else(|| word.to_owned(), |(_, long)| (*long).to_owned())
}

fn capitalise(part: &str) -> String {
    let mut chars = part.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::display_name;

    #[test]
    fn single_words_are_capitalised() {
        assert_eq!(display_name("TENSTA"), "Tensta");
        assert_eq!(display_name("ÖSTERMALM"), "Östermalm");
        assert_eq!(display_name("ÅKESHOV"), "Åkeshov");
    }

    #[test]
    fn generic_words_stay_lower_case_and_names_are_capitalised() {
        assert_eq!(display_name("HÄSSELBY GÅRD"), "Hässelby gård");
        assert_eq!(display_name("SKARPNÄCKS GÅRD"), "Skarpnäcks gård");
        assert_eq!(display_name("GAMLA STAN"), "Gamla stan");
        assert_eq!(display_name("GAMLA ENSKEDE"), "Gamla Enskede");
        assert_eq!(display_name("STORA MOSSEN"), "Stora Mossen");
        assert_eq!(display_name("SÖDRA HAMMARBYHAMNEN"), "Södra Hammarbyhamnen");
        assert_eq!(display_name("ÖRBY SLOTT"), "Örby slott");
    }

    #[test]
    fn hyphens_abbreviations_and_spacing() {
        assert_eq!(display_name("RINKEBY-KISTA"), "Rinkeby-Kista");
        assert_eq!(display_name("hässelby-vällingby"), "Hässelby-Vällingby");
        assert_eq!(display_name("ULVSUNDA INDUSTRIOMR"), "Ulvsunda industriområde");
        assert_eq!(display_name("  BROMMA   KYRKA "), "Bromma kyrka");
    }
}
