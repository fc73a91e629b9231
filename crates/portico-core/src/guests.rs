//! Guest space assignments (SPEC.md 3.1–3.2): the second of the two steps.
//! A guest with product access is assigned to spaces one by one; by default
//! to one space at a time, so a new assignment *moves* them.

use std::fmt;
use std::str::FromStr;

use crate::ids::SpaceId;
use crate::permission::{BuiltinRole, Permissions};
use crate::role::Role;
use crate::validation::ValidationError;

/// What a guest may do in a space they are assigned to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentRole {
    /// View, create and edit pages, comment, attach (the default).
    Collaborator,
    /// Read-only.
    Viewer,
}

impl AssignmentRole {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentRole::Collaborator => "collaborator",
            AssignmentRole::Viewer => "viewer",
        }
    }

    /// The space role an assignment gives.
    pub fn space_role(self) -> BuiltinRole {
        match self {
            AssignmentRole::Collaborator => BuiltinRole::Collaborator,
            AssignmentRole::Viewer => BuiltinRole::Viewer,
        }
    }

    /// The assignment role a stored set of permissions amounts to, if any.
    pub fn of(permissions: Permissions) -> Option<Self> {
        [AssignmentRole::Collaborator, AssignmentRole::Viewer]
            .into_iter()
            .find(|role| role.space_role().permissions() == permissions)
    }
}

impl fmt::Display for AssignmentRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AssignmentRole {
    type Err = ValidationError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "collaborator" => Ok(AssignmentRole::Collaborator),
            "viewer" => Ok(AssignmentRole::Viewer),
            other => Err(ValidationError::new(
                "role",
                format!("must be `collaborator` or `viewer`, not `{other}`"),
            )),
        }
    }
}

/// Why a guest can't be assigned to a space.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignmentError {
    #[error("this person is a member (directly or through a group), not a guest")]
    NotAGuest,
    #[error("this person has no product access; invite them as a guest first")]
    NoProductAccess,
    #[error("this space doesn't allow guests")]
    SpaceForbidsGuests,
    #[error("the expiry date must be in the future")]
    ExpiryInThePast,
}

/// What assigning a guest to a space does to their other assignments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentPlan {
    /// Assignments that end to make room (oldest first): the guest *moves*.
    pub moved_from: Vec<SpaceId>,
}

/// Checks an assignment of a person whose effective role is `role` to a space,
/// and plans it against their `current` assignments (oldest first) and the
/// site's `max_spaces`. Re-assigning to a space they already have changes
/// that assignment in place and moves nothing.
pub fn plan_assignment(
    role: Role,
    space_allows_guests: bool,
    current: &[SpaceId],
    target: SpaceId,
    max_spaces: u32,
) -> Result<AssignmentPlan, AssignmentError> {
    match role {
        Role::Guest => {}
        Role::None => return Err(AssignmentError::NoProductAccess),
        Role::Member | Role::Admin => return Err(AssignmentError::NotAGuest),
    }
    if !space_allows_guests {
        return Err(AssignmentError::SpaceForbidsGuests);
    }
    let others: Vec<SpaceId> = current.iter().copied().filter(|s| *s != target).collect();
    if others.len() < current.len() {
        return Ok(AssignmentPlan {
            moved_from: Vec::new(),
        });
    }
    let room = max_spaces.max(1) as usize - 1;
    let excess = others.len().saturating_sub(room);
    Ok(AssignmentPlan {
        moved_from: others.into_iter().take(excess).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[i64]) -> Vec<SpaceId> {
        list.iter().map(|id| SpaceId(*id)).collect()
    }

    #[test]
    fn with_one_space_a_new_assignment_moves_the_guest() -> Result<(), AssignmentError> {
        let plan = plan_assignment(Role::Guest, true, &ids(&[1]), SpaceId(2), 1)?;
        assert_eq!(plan.moved_from, ids(&[1]));
        let plan = plan_assignment(Role::Guest, true, &[], SpaceId(2), 1)?;
        assert!(plan.moved_from.is_empty());
        Ok(())
    }

    #[test]
    fn reassigning_to_the_same_space_moves_nothing() -> Result<(), AssignmentError> {
        let plan = plan_assignment(Role::Guest, true, &ids(&[1, 2]), SpaceId(2), 1)?;
        assert!(plan.moved_from.is_empty());
        Ok(())
    }

    #[test]
    fn a_higher_limit_adds_until_full_then_moves_the_oldest() -> Result<(), AssignmentError> {
        let plan = plan_assignment(Role::Guest, true, &ids(&[1, 2]), SpaceId(3), 3)?;
        assert!(plan.moved_from.is_empty());
        let plan = plan_assignment(Role::Guest, true, &ids(&[1, 2, 3]), SpaceId(4), 3)?;
        assert_eq!(plan.moved_from, ids(&[1]));
        // A limit lowered since: the excess goes too.
        let plan = plan_assignment(Role::Guest, true, &ids(&[1, 2, 3]), SpaceId(4), 2)?;
        assert_eq!(plan.moved_from, ids(&[1, 2]));
        Ok(())
    }

    #[test]
    fn only_guests_in_spaces_that_allow_them() {
        assert_eq!(
            plan_assignment(Role::Member, true, &[], SpaceId(1), 1),
            Err(AssignmentError::NotAGuest)
        );
        assert_eq!(
            plan_assignment(Role::Admin, true, &[], SpaceId(1), 1),
            Err(AssignmentError::NotAGuest)
        );
        assert_eq!(
            plan_assignment(Role::None, true, &[], SpaceId(1), 1),
            Err(AssignmentError::NoProductAccess)
        );
        assert_eq!(
            plan_assignment(Role::Guest, false, &[], SpaceId(1), 1),
            Err(AssignmentError::SpaceForbidsGuests)
        );
    }

    #[test]
    fn assignment_roles_are_the_collaborator_and_viewer_bundles() {
        assert_eq!("viewer".parse(), Ok(AssignmentRole::Viewer));
        assert!("admin".parse::<AssignmentRole>().is_err());
        assert_eq!(
            AssignmentRole::of(BuiltinRole::Viewer.permissions()),
            Some(AssignmentRole::Viewer)
        );
        assert_eq!(AssignmentRole::of(Permissions::ALL), None);
    }
}
