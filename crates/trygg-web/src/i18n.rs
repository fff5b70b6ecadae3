//! Translations: flat key → text tables from `locales/`, compiled in. Each
//! feature keeps its own pair of files (`locales/sv/<feature>.toml` and
//! `locales/en/<feature>.toml`); a key defined twice is a build-time error
//! caught by the tests. Swedish is the default; English is complete.

use std::collections::HashMap;

/// A page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Swedish (default).
    Sv,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 tag, for `<html lang>`.
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

    /// The other language (for the language switch).
    pub fn other(self) -> Lang {
        match self {
            Lang::Sv => Lang::En,
            Lang::En => Lang::Sv,
        }
    }
}

/// The translation files, Swedish and English side by side, one pair per feature.
const PARTS: &[(&str, &str)] = &[
    (include_str!("../locales/sv.toml"), include_str!("../locales/en.toml")),
    (include_str!("../locales/sv/reports.toml"), include_str!("../locales/en/reports.toml")),
    (include_str!("../locales/sv/reports_staff.toml"), include_str!("../locales/en/reports_staff.toml")),
    (include_str!("../locales/sv/reports_public.toml"), include_str!("../locales/en/reports_public.toml")),
    (include_str!("../locales/sv/mail.toml"), include_str!("../locales/en/mail.toml")),
    (include_str!("../locales/sv/imports.toml"), include_str!("../locales/en/imports.toml")),
    (include_str!("../locales/sv/serious_talks.toml"), include_str!("../locales/en/serious_talks.toml")),
    (include_str!("../locales/sv/results.toml"), include_str!("../locales/en/results.toml")),
    (include_str!("../locales/sv/situation.toml"), include_str!("../locales/en/situation.toml")),
    (include_str!("../locales/sv/tertial.toml"), include_str!("../locales/en/tertial.toml")),
    (include_str!("../locales/sv/problems.toml"), include_str!("../locales/en/problems.toml")),
    (include_str!("../locales/sv/measures.toml"), include_str!("../locales/en/measures.toml")),
    (include_str!("../locales/sv/indicators.toml"), include_str!("../locales/en/indicators.toml")),
    (include_str!("../locales/sv/followup.toml"), include_str!("../locales/en/followup.toml")),
    (include_str!("../locales/sv/governance.toml"), include_str!("../locales/en/governance.toml")),
    (include_str!("../locales/sv/walks.toml"), include_str!("../locales/en/walks.toml")),
];

fn merge(into: &mut HashMap<String, String>, part: HashMap<String, String>) {
    for (key, text) in part {
        if into.insert(key.clone(), text).is_some() {
            panic!("translation key {key} is defined twice");
        }
    }
}

/// All translation tables.
pub struct Translations {
    sv: HashMap<String, String>,
    en: HashMap<String, String>,
}

/// One language's table, handed to templates as `t`.
#[derive(Clone, Copy)]
pub struct Tr<'a> {
    table: &'a HashMap<String, String>,
    /// The language.
    pub lang: Lang,
}

impl Translations {
    /// The tables compiled into the binary.
    pub fn builtin() -> Self {
        let (mut sv, mut en) = (HashMap::new(), HashMap::new());
        for (sv_text, en_text) in PARTS {
            merge(&mut sv, flatten(sv_text));
            merge(&mut en, flatten(en_text));
        }
        Self { sv, en }
    }

    /// The table for `lang`.
    pub fn get(&self, lang: Lang) -> Tr<'_> {
        let table = match lang {
            Lang::Sv => &self.sv,
            Lang::En => &self.en,
        };
        Tr { table, lang }
    }

    /// Keys present in one language but not the other (for tests).
    pub fn mismatched_keys(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .sv
            .keys()
            .filter(|k| !self.en.contains_key(*k))
            .chain(self.en.keys().filter(|k| !self.sv.contains_key(*k)))
            .cloned()
            .collect();
        out.sort();
        out
    }

    /// Whether `key` exists in every language.
    pub fn has(&self, key: &str) -> bool {
        self.sv.contains_key(key) && self.en.contains_key(key)
    }
}

impl<'a> Tr<'a> {
    /// The text for `key`; a missing key shows as itself (tests forbid that).
    pub fn get<'k>(&self, key: &'k str) -> &'k str
    where
        'a: 'k,
    {
        let table: &'a HashMap<String, String> = self.table;
        table.get(key).map_or(key, String::as_str)
    }

    /// The text for `key` with `{name}` replaced by `value`.
    pub fn fill(&self, key: &str, name: &str, value: &str) -> String {
        self.get(key).replace(&format!("{{{name}}}"), value)
    }
}

fn flatten(text: &str) -> HashMap<String, String> {
    let value: toml::Table =
        toml::from_str(text).unwrap_or_else(|e| panic!("built-in translations do not parse: {e}"));
    let mut out = HashMap::new();
    walk("", &value, &mut out);
    out
}

fn walk(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
    for (k, v) in table {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            toml::Value::Table(t) => walk(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => panic!("translation {key} is not text: {other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let t = Translations::builtin();
        assert_eq!(t.mismatched_keys(), Vec::<String>::new());
        assert_eq!(t.get(Lang::Sv).get("nav.login"), "Logga in");
        assert_eq!(t.get(Lang::En).get("nav.login"), "Sign in");
    }

    #[test]
    fn every_key_used_in_code_and_templates_exists() {
        let t = Translations::builtin();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/");
        let mut missing = Vec::new();
        let mut files = Vec::new();
        for folder in ["templates", "src"] {
            collect_files(std::path::Path::new(&format!("{dir}{folder}")), &mut files);
        }
        for path in files {
            let text = std::fs::read_to_string(path).unwrap();
            for marker in ["t.get(\"", "t.fill(\"", "key: \""] {
                for part in text.split(marker).skip(1) {
                    let key = part.split('"').next().unwrap();
                    if !key.is_empty() && !key.contains('{') && !t.has(key) {
                        missing.push(key.to_owned());
                    }
                }
            }
        }
        assert_eq!(missing, Vec::<String>::new(), "keys used but not translated");
    }

    fn collect_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                collect_files(&path, out);
            } else {
                out.push(path);
            }
        }
    }
}
