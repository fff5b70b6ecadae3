use std::fmt;

/// A value that failed validation: which field, what was given, what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Invalid {
    /// The field or argument that was checked, e.g. `period` or `email`.
    pub field: &'static str,
    /// The offending value, shortened for display.
    pub value: String,
    /// A human description of what would have been accepted.
    pub expected: String,
}

impl Invalid {
    /// Builds an error for `field`, quoting at most 80 characters of `value`.
    pub fn new(field: &'static str, value: &str, expected: impl Into<String>) -> Self {
        let value: String = value.chars().take(80).collect();
        Self { field, value, expected: expected.into() }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} {:?}: expected {}", self.field, self.value, self.expected)
    }
}
