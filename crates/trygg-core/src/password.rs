//! Passwords: policy and argon2id hashing (PHC strings).

use crate::Invalid;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};

/// A password that meets the policy: 10–256 characters. Not `Debug`-printable.
pub struct Password(String);

impl Password {
    /// Checks the policy.
    pub fn new(s: &str) -> Result<Self, Invalid> {
        let n = s.chars().count();
        if (10..=256).contains(&n) {
            Ok(Self(s.to_owned()))
        } else {
            Err(Invalid::new("password", "(hidden)", "10–256 characters"))
        }
    }

    /// The password text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Hashes with argon2id and a random salt; returns a PHC string.
/// CPU-heavy: call from a blocking thread in async code.
pub fn hash_password(password: &Password) -> String {
    Argon2::default()
        .hash_password(password.0.as_bytes())
        .map(|h| h.to_string())
        .unwrap_or_else(|e| unreachable!("argon2 with default parameters cannot fail: {e}"))
}

/// Checks `password` against a PHC string; a malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let p = Password::new("korrekt häst batteri").unwrap();
        let (a, b) = (hash_password(&p), hash_password(&p));
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify_password("korrekt häst batteri", &a));
        assert!(!verify_password("fel lösenord", &a));
        assert!(!verify_password("korrekt häst batteri", "not a hash"));
    }

    #[test]
    fn policy_rejects_short_passwords() {
        assert!(Password::new("kort").is_err());
    }
}
