//! Space rules: keys, names, status.

use std::fmt;
use std::str::FromStr;

use crate::validation::{ValidationError, single_line};

/// The longest space key accepted (Confluence allows 255; short keys are kinder).
pub const MAX_KEY_LEN: usize = 32;
pub const MAX_NAME_LEN: usize = 200;
pub const MAX_DESCRIPTION_LEN: usize = 2000;

/// A validated space key: upper-case ASCII letters and digits, starting with a
/// letter. Lower-case input is upper-cased, as Confluence does.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpaceKey(String);

impl SpaceKey {
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let key = text.trim().to_ascii_uppercase();
        if key.is_empty() || key.len() > MAX_KEY_LEN {
            return Err(ValidationError::new(
                "key",
                format!("must be 1 to {MAX_KEY_LEN} characters"),
            ));
        }
        let mut chars = key.chars();
        let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_uppercase());
        if !starts_with_letter
            || !key
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        {
            return Err(ValidationError::new(
                "key",
                format!(
                    "`{}` must be letters and digits, starting with a letter",
                    key.chars().take(40).collect::<String>()
                ),
            ));
        }
        Ok(Self(key))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SpaceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A validated space name.
pub fn validate_name(name: &str) -> Result<String, ValidationError> {
    single_line("name", name, MAX_NAME_LEN)
}

/// A validated (possibly empty) description.
pub fn validate_description(description: &str) -> Result<String, ValidationError> {
    let trimmed = description.trim();
    if trimmed.chars().count() > MAX_DESCRIPTION_LEN {
        return Err(ValidationError::new(
            "description",
            format!("must be at most {MAX_DESCRIPTION_LEN} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Whether a space is in use or archived (read-only, hidden from the directory
/// by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpaceStatus {
    Current,
    Archived,
}

impl SpaceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SpaceStatus::Current => "current",
            SpaceStatus::Archived => "archived",
        }
    }
}

impl FromStr for SpaceStatus {
    type Err = ValidationError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "current" => Ok(SpaceStatus::Current),
            "archived" => Ok(SpaceStatus::Archived),
            other => Err(ValidationError::new(
                "status",
                format!("unknown space status `{other}`"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_upper_case_letters_and_digits() {
        assert_eq!(
            SpaceKey::parse("eng").map(|k| k.to_string()),
            Ok("ENG".to_owned())
        );
        assert_eq!(
            SpaceKey::parse("DOC2").map(|k| k.to_string()),
            Ok("DOC2".to_owned())
        );
        for bad in ["", "2DOC", "A-B", "A B", "ÄB", &"A".repeat(MAX_KEY_LEN + 1)] {
            assert!(SpaceKey::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
