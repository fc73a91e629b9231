//! Typed identifiers. Ids are opaque to clients (rendered as decimal strings, as
//! Confluence does) and typed in code so a page id can't be passed as a space id.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The error for an id that isn't a positive decimal number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a valid id")]
pub struct InvalidId(pub String);

fn parse_positive(text: &str) -> Result<i64, InvalidId> {
    match text.parse::<i64>() {
        Ok(value) if value > 0 => Ok(value),
        _ => Err(InvalidId(text.chars().take(40).collect())),
    }
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                parse_positive(text).map(Self)
            }
        }
    };
}

typed_id!(
    /// A person in the directory.
    UserId
);
typed_id!(
    /// A space.
    SpaceId
);
typed_id!(
    /// A page (or, later, a blog post): any content with versions.
    PageId
);
typed_id!(
    /// A group of people.
    GroupId
);
typed_id!(
    /// A page template (global or of one space).
    TemplateId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_only_positive_decimals() {
        assert_eq!("42".parse::<PageId>(), Ok(PageId(42)));
        for bad in ["0", "-1", "abc", "", "1.5", "99999999999999999999"] {
            assert!(bad.parse::<PageId>().is_err(), "{bad} should not parse");
        }
    }
}
