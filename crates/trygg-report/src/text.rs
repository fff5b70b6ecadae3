//! The report's text in Swedish and English: flat key → text tables from
//! `locales/sv.toml` and `locales/en.toml`, compiled in. `{name}` in a text
//! is replaced by [`Texts::fill`]. A key missing in the language asked for
//! falls back to Swedish, then to the key itself (a test keeps both files
//! complete).

use std::collections::HashMap;
use std::sync::OnceLock;

/// The report's languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Swedish (default).
    #[default]
    Sv,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    /// Parses `sv` or `en`.
    pub fn from_tag(s: &str) -> Option<Lang> {
        match s {
            "sv" => Some(Lang::Sv),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

type Table = HashMap<String, String>;

fn tables() -> &'static (Table, Table) {
    static TABLES: OnceLock<(Table, Table)> = OnceLock::new();
    TABLES.get_or_init(|| {
        (parse(include_str!("../locales/sv.toml")), parse(include_str!("../locales/en.toml")))
    })
}

/// A malformed built-in file yields an empty table; the tests catch it.
fn parse(text: &str) -> Table {
    toml::from_str(text).unwrap_or_default()
}

/// The texts of one language.
#[derive(Debug, Clone, Copy)]
pub struct Texts {
    /// The language.
    pub lang: Lang,
}

impl Texts {
    /// The texts of `lang`.
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    /// The text of `key`.
    pub fn get(&self, key: &str) -> String {
        let (sv, en) = tables();
        let table = if self.lang == Lang::En { en } else { sv };
        table.get(key).or_else(|| sv.get(key)).cloned().unwrap_or_else(|| key.to_owned())
    }

    /// The name of a code in a family of names (`source`, `indicator`):
    /// the text of `{family}.{code}`, or the code itself if there is none.
    /// A code with a known suffix (`skolk_ak9`) is named from its parts:
    /// "Har skolkat (åk 9)".
    pub fn name(&self, family: &str, code: &str) -> String {
        let lookup = |key: String| {
            let text = self.get(&key);
            (text != key).then_some(text)
        };
        if let Some(text) = lookup(format!("{family}.{code}")) {
            return text;
        }
        code.rsplit_once('_')
            .and_then(|(stem, suffix)| {
                Some(format!(
                    "{} ({})",
                    lookup(format!("{family}.{stem}"))?,
                    lookup(format!("suffix.{suffix}"))?
                ))
            })
            .unwrap_or_else(|| code.to_owned())
    }

    /// The text of `key` with each `{name}` replaced by its value.
    pub fn fill(&self, key: &str, values: &[(&str, String)]) -> String {
        let mut text = self.get(key);
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let sv: Table = toml::from_str(include_str!("../locales/sv.toml")).unwrap();
        let en: Table = toml::from_str(include_str!("../locales/en.toml")).unwrap();
        let mut missing: Vec<_> = sv.keys().filter(|k| !en.contains_key(*k)).collect();
        missing.extend(en.keys().filter(|k| !sv.contains_key(*k)));
        assert!(missing.is_empty(), "keys in only one language: {missing:?}");
        assert!(sv.len() > 50);
    }

    #[test]
    fn placeholders_are_filled() {
        let t = Texts::new(Lang::En);
        assert_eq!(
            t.fill("title", &[("area", "Järva".into()), ("period", "2025".into())]),
            "Situation report Järva 2025"
        );
        assert_eq!(Texts::new(Lang::Sv).get("no-such-key"), "no-such-key");
        let sv = Texts::new(Lang::Sv);
        assert_eq!(sv.name("indicator", "skolk_ak9"), "Har skolkat (åk 9)");
        assert_eq!(sv.name("indicator", "okand_ak9"), "okand_ak9");
        assert_eq!(sv.name("source", "bra"), "Brå, anmälda brott");
    }
}
