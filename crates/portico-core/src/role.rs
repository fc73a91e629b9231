//! Product roles on the wiki, ordered so that the effective role is a `max`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A person's access to the wiki product. The order is meaningful:
/// `None < Guest < Member < Admin`, and an effective role is the highest held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    None,
    Guest,
    Member,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::None => "none",
            Role::Guest => "guest",
            Role::Member => "member",
            Role::Admin => "admin",
        }
    }

    /// Whether this role occupies a paid seat.
    pub fn is_paid(self) -> bool {
        matches!(self, Role::Member | Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a role name that isn't one of the four.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "none" => Ok(Role::None),
            "guest" => Ok(Role::Guest),
            "member" => Ok(Role::Member),
            "admin" => Ok(Role::Admin),
            other => Err(UnknownRole(other.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_round_trip() {
        assert!(
            Role::None < Role::Guest && Role::Guest < Role::Member && Role::Member < Role::Admin
        );
        for role in [Role::None, Role::Guest, Role::Member, Role::Admin] {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("owner".parse::<Role>().is_err());
        assert!(Role::Member.is_paid() && Role::Admin.is_paid());
        assert!(!Role::Guest.is_paid() && !Role::None.is_paid());
    }
}
