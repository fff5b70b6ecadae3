//! Detection of personal data in free text, so that it can be rejected.
//!
//! Hand-written scanning rather than regular expressions: the checks that matter (a real date, the
//! Luhn digit, Swedish area-code lengths, what precedes a number) are code either way, and the
//! patterns around them are short.

use crate::Date;

/// A kind of personal data found in text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonalData {
    /// A Swedish personal identity number (personnummer) with a valid check digit.
    IdentityNumber,
    /// A Swedish coordination number (samordningsnummer): day of birth + 60, valid check digit.
    CoordinationNumber,
    /// A Swedish phone number, national (070-123 45 67) or international (+46 70 123 45 67).
    Phone,
    /// An e-mail address.
    Email,
}

/// Every kind found in `text` (each at most once, in the order of [`PersonalData`]).
pub fn find_personal_data(text: &str) -> Vec<PersonalData> {
    let cs: Vec<char> = text.chars().collect();
    let (identity, coordination) = identity_numbers(&cs);
    [
        (identity, PersonalData::IdentityNumber),
        (coordination, PersonalData::CoordinationNumber),
        (has_phone(&cs), PersonalData::Phone),
        (has_email(&cs), PersonalData::Email),
    ]
    .into_iter()
    .filter_map(|(found, kind)| found.then_some(kind))
    .collect()
}

/// Whether `text` holds a Swedish personal identity number or coordination number with a valid check digit.
pub fn contains_identity_number(text: &str) -> bool {
    let cs: Vec<char> = text.chars().collect();
    let (identity, coordination) = identity_numbers(&cs);
    identity || coordination
}

/// Maximal runs of ASCII digits, as `start..end` indices into `cs`.
fn digit_runs(cs: &[char]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        if cs[i].is_ascii_digit() {
            let start = i;
            while i < cs.len() && cs[i].is_ascii_digit() {
                i += 1;
            }
            runs.push((start, i));
        } else {
            i += 1;
        }
    }
    runs
}

fn digits(cs: &[char]) -> impl Iterator<Item = u8> + '_ {
    cs.iter().map(|c| c.to_digit(10).expect("an ASCII digit") as u8)
}

/// Hyphens (ASCII, en dash, non-breaking, minus) and spaces.
fn is_dash_or_space(c: char) -> bool {
    matches!(c, '-' | '–' | '\u{2011}' | '\u{2212}' | ' ' | '\u{a0}')
}

/// (identity number found, coordination number found).
///
/// Forms: 10 or 12 digits in one run, or 6 or 8 digits, one separator (hyphen, `+` or space) and 4
/// digits. Runs are maximal, so nothing inside a longer run of digits matches.
fn identity_numbers(cs: &[char]) -> (bool, bool) {
    let runs = digit_runs(cs);
    let (mut identity, mut coordination) = (false, false);
    for (i, &(start, end)) in runs.iter().enumerate() {
        let mut number: Vec<u8> = digits(&cs[start..end]).collect();
        if matches!(number.len(), 6 | 8) {
            let Some(&(next_start, next_end)) = runs.get(i + 1) else { continue };
            let separated = next_start == end + 1 && (is_dash_or_space(cs[end]) || cs[end] == '+');
            if !separated || next_end - next_start != 4 {
                continue;
            }
            number.extend(digits(&cs[next_start..next_end]));
        }
        match classify(&number) {
            Some(PersonalData::IdentityNumber) => identity = true,
            Some(PersonalData::CoordinationNumber) => coordination = true,
            _ => {}
        }
    }
    (identity, coordination)
}

/// Whether 10 or 12 digits form an identity or coordination number: a real date and the Luhn digit.
fn classify(number: &[u8]) -> Option<PersonalData> {
    let num = |d: &[u8]| d.iter().fold(0i16, |n, &d| n * 10 + i16::from(d));
    let (centuries, ten): (Vec<i16>, &[u8]) = match number.len() {
        10 => (vec![1800, 1900, 2000], number),
        12 => (vec![num(&number[..2]) * 100], &number[2..]),
        _ => return None,
    };
    if !centuries.iter().all(|c| (1800..=2000).contains(c)) || !luhn(ten) {
        return None;
    }
    let (yy, month, day) = (num(&ten[..2]), num(&ten[2..4]), num(&ten[4..6]));
    let (day, kind) = match day {
        61..=91 => (day - 60, PersonalData::CoordinationNumber),
        _ => (day, PersonalData::IdentityNumber),
    };
    let (Ok(month), Ok(day)) = (i8::try_from(month), i8::try_from(day)) else { return None };
    centuries.iter().any(|c| Date::new(c + yy, month, day).is_ok()).then_some(kind)
}

/// The Luhn check over ten digits (weights 2, 1, 2, 1, …).
fn luhn(ten: &[u8]) -> bool {
    let sum: u32 = ten
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            let v = u32::from(d) * if i % 2 == 0 { 2 } else { 1 };
            v / 10 + v % 10
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Whether a Swedish phone number starts somewhere in `cs`.
fn has_phone(cs: &[char]) -> bool {
    (0..cs.len()).any(|i| phone_at(cs, i))
}

/// A phone number starting at `i`: `+46`/`0046` (optionally `(0)`) or a trunk `0`, then groups of
/// digits separated by a space or hyphen. Valid lengths, without the trunk 0 (the national
/// significant number): 9 digits for 07x mobiles, 8–9 for Stockholm (08), 7–9 otherwise (8–9 if
/// written without separators). When grouped, the first group must be a real area code length (08,
/// 07x, 0xx or 0xxx) and the next group must not start with 0. This leaves out dates (07-06-2025,
/// 2025-06-07), times, years, prices (12 000) and short numbers.
fn phone_at(cs: &[char], i: usize) -> bool {
    let at = |k: usize| cs.get(k).copied();
    let starts_with = |k: usize, s: &str| s.chars().enumerate().all(|(n, c)| at(k + n) == Some(c));
    if i > 0 {
        let prev = cs[i - 1];
        // Part of a word, a longer number or a chain of digit groups (a date, a price, a time).
        let continues_number = matches!(prev, '/' | '.' | ',' | ':') || is_dash_or_space(prev);
        if prev.is_alphanumeric() || prev == '+' || (continues_number && i > 1 && cs[i - 2].is_ascii_digit())
        {
            return false;
        }
    }
    let mut j = i;
    let international = if starts_with(j, "+46") || starts_with(j, "0046") {
        j += if cs[j] == '+' { 3 } else { 4 };
        if at(j).is_some_and(is_dash_or_space) {
            j += 1;
        }
        if starts_with(j, "(0)") {
            j += 3;
            if at(j).is_some_and(is_dash_or_space) {
                j += 1;
            }
        }
        true
    } else if at(j) == Some('0') {
        false
    } else {
        return false;
    };

    let mut groups: Vec<&[char]> = Vec::new();
    let mut total = 0;
    loop {
        let start = j;
        while at(j).is_some_and(|c| c.is_ascii_digit()) {
            j += 1;
        }
        if j == start {
            break;
        }
        groups.push(&cs[start..j]);
        total += j - start;
        if total > 11 {
            break;
        }
        // One separator: a space or hyphen, or a hyphen with a space on each side.
        let after = if at(j).is_some_and(is_dash_or_space) {
            if at(j) == Some(' ')
                && at(j + 1).is_some_and(|c| c != ' ' && is_dash_or_space(c))
                && at(j + 2) == Some(' ')
            {
                j + 3
            } else {
                j + 1
            }
        } else {
            break;
        };
        if !at(after).is_some_and(|c| c.is_ascii_digit()) {
            break;
        }
        j = after;
    }
    (1..=groups.len()).rev().any(|n| valid_phone(&groups[..n], international))
}

fn valid_phone(groups: &[&[char]], international: bool) -> bool {
    let mut first: &[char] = groups[0];
    // The trunk 0: required nationally; tolerated after +46 ("+46 (0)70" is handled earlier, "+46 070" here).
    if first.first() == Some(&'0') {
        first = &first[1..];
    } else if !international {
        return false;
    }
    let nsn: Vec<char> = first.iter().chain(groups[1..].iter().flat_map(|g| g.iter())).copied().collect();
    let len = nsn.len();
    let len_ok = match nsn.first() {
        Some('7') => len == 9,
        Some('8') => (8..=9).contains(&len),
        Some('1'..='6' | '9') => (7..=9).contains(&len),
        _ => false,
    };
    if !len_ok {
        return false;
    }
    if groups.len() == 1 {
        return len >= 8;
    }
    let area_ok = match nsn[0] {
        '8' => first.len() == 1,
        '7' => first.len() == 2,
        _ => (2..=3).contains(&first.len()),
    };
    area_ok && groups[1][0] != '0'
}

/// Whether `cs` holds `local@domain.tld`: a local part of letters, digits and `._%+-`; two or more
/// domain labels of letters, digits and inner hyphens; a top-level domain of two or more letters.
fn has_email(cs: &[char]) -> bool {
    cs.iter().enumerate().filter(|&(_, &c)| c == '@').any(|(at, _)| {
        let is_local = |c: char| c.is_alphanumeric() || "._%+-".contains(c);
        let mut s = at;
        while s > 0 && is_local(cs[s - 1]) {
            s -= 1;
        }
        let local: String = cs[s..at].iter().collect();
        let local = local.trim_start_matches('.');
        if local.is_empty() || local.ends_with('.') || local.contains("..") {
            return false;
        }
        let mut e = at + 1;
        while e < cs.len() && (cs[e].is_alphanumeric() || cs[e] == '-' || cs[e] == '.') {
            e += 1;
        }
        let domain: String = cs[at + 1..e].iter().collect();
        let labels: Vec<&str> = domain.trim_end_matches('.').split('.').collect();
        let tld = labels[labels.len() - 1];
        labels.len() >= 2
            && labels.iter().all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'))
            && tld.chars().count() >= 2
            && tld.chars().all(char::is_alphabetic)
    })
}

#[cfg(test)]
mod tests {
    use super::PersonalData::*;
    use super::*;

    #[test]
    fn identity_numbers_in_every_form() {
        for text in [
            "pnr 19121212-1212",
            "pnr 191212121212.",
            "811218-9876",
            "(8112189876)",
            "811218+9876",
            "811218 9876",
            "19811218 9876",
            "född 811218–9876, bor",
            "20000229-0005 skottdag",
        ] {
            assert_eq!(find_personal_data(text), [IdentityNumber], "{text}");
            assert!(contains_identity_number(text), "{text}");
        }
    }

    #[test]
    fn coordination_numbers() {
        for text in ["samordningsnummer 701063-2391", "7010632391", "19701063-2391"] {
            assert_eq!(find_personal_data(text), [CoordinationNumber], "{text}");
            assert!(contains_identity_number(text), "{text}");
        }
    }

    #[test]
    fn invalid_numbers_are_not_identity_numbers() {
        for text in [
            "811218-9875",         // wrong check digit
            "19121212-1213",       // wrong check digit
            "701063-2392",         // wrong check digit
            "811318-9875",         // month 13, Luhn-valid
            "810230-1234",         // 30 February, Luhn-valid
            "810292-1239",         // day 32 as a coordination number (92 − 60)
            "order 98112189876",   // 11 digits: inside a longer run
            "order 8112189876123", // 13 digits
            "118112189876",        // 12 digits, but century 11
            "811218-98765",        // the last group is five digits
            "8112-18-9876",        // other grouping
        ] {
            assert!(!contains_identity_number(text), "{text}");
        }
        // Any non-digit delimits, a letter too: rejecting text errs on the safe side.
        assert!(contains_identity_number("nr811218-9876"));
    }

    #[test]
    fn leap_days_in_ten_digit_numbers() {
        // 000229: 29 February 2000 exists. Check digit: Luhn over 000229000 → 5.
        assert!(contains_identity_number("000229-0005"));
        // 010229: 2001 and 1901 are not leap years.
        assert!(!contains_identity_number("010229-0004"));
    }

    #[test]
    fn phone_numbers_in_common_forms() {
        for text in [
            "ring 070-123 45 67",
            "0701234567",
            "+46 70 123 45 67",
            "+46701234567",
            "+46 (0)70-123 45 67",
            "0046 70 123 45 67",
            "08-123 456 78",
            "08 123 45 67",
            "tel: 08-1234567.",
            "031-12 34 56",
            "0480-123 45",
            "+46 8 123 456 78",
            "070 - 123 45 67",
            "ring 08-123 45 67 2 gånger",
        ] {
            assert_eq!(find_personal_data(text), [Phone], "{text}");
        }
    }

    #[test]
    fn dates_times_years_and_prices_are_not_phone_numbers() {
        for text in [
            "svar inom 2 arbetsdagar",
            "kl 22:30",
            "kl 08:30–17:00",
            "öppet 08-17",
            "0800-1700",
            "2025-06-07",
            "07-06-2025",
            "01-12-2025",
            "08-12-2025",
            "07.06.2025",
            "07/06/2025",
            "01022025",
            "år 2024, 2025 och 2026",
            "12 000 kr",
            "5 031 234 567 kr",
            "1 070 123 456 kr",
            "0,5 promille",
            "T2 2025",
            "123 45 Stockholm",
            "08 15",
            "070-123 45", // too short for a mobile
        ] {
            assert_eq!(find_personal_data(text), [], "{text}");
        }
    }

    #[test]
    fn email_addresses() {
        for text in [
            "mejla anna.svensson@stockholm.se.",
            "<a+b@sub.example.org>",
            "åsa_ek@kommun.se",
            "x@exempel-kommun.nu, tack",
        ] {
            assert_eq!(find_personal_data(text), [Email], "{text}");
        }
        for text in ["@polisen", "a@b", "a@b.c", "a@.se", "@exempel.se", "a@b.123", "a@-b.se", "a..b@c.se"] {
            assert_eq!(find_personal_data(text), [], "{text}");
        }
    }

    #[test]
    fn every_kind_once_in_order() {
        let text = "anna@exempel.se 0701234567 701063-2391 811218-9876 8112189876 070-123 45 67 b@c.se";
        assert_eq!(find_personal_data(text), [IdentityNumber, CoordinationNumber, Phone, Email]);
        assert_eq!(find_personal_data("Bråk vid busshållplatsen i Rinkeby, ca 20 personer."), []);
    }
}
