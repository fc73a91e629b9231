//! The access engine: `decide(viewer, action, resource)` answers every "may this
//! person do this?" with a decision and the reasons for it, and `access_set`
//! turns the same rules into the filter every list query runs with.
//!
//! Deny by default. This first engine knows product roles and space ownership;
//! space permissions, restrictions and guest assignments extend it (they add
//! facts to `SpaceFacts` and branches here, never checks elsewhere).

use std::collections::BTreeSet;

use crate::ids::{SpaceId, UserId};
use crate::role::Role;

/// An authenticated person, as the request path knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    /// Effective product role.
    pub role: Role,
    pub org_admin: bool,
}

/// Whoever is asking: an anonymous visitor or a signed-in principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    Anonymous,
    User(Principal),
}

impl Viewer {
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Viewer::Anonymous => None,
            Viewer::User(principal) => Some(principal.user_id),
        }
    }
}

/// Something a viewer may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    UseWiki,
    CreateSpace,
    ViewSpace,
    AdministerSpace,
    ViewPage,
    CreatePage,
    EditPage,
    DeletePage,
}

impl Action {
    /// The permission name as SPEC.md spells it, used in 403 messages.
    pub fn permission(self) -> &'static str {
        match self {
            Action::UseWiki => "use",
            Action::CreateSpace => "space.create",
            Action::ViewSpace | Action::ViewPage => "view",
            Action::AdministerSpace => "admin",
            Action::CreatePage | Action::EditPage => "page.create",
            Action::DeletePage => "page.delete",
        }
    }

    fn changes_content(self) -> bool {
        matches!(
            self,
            Action::CreatePage | Action::EditPage | Action::DeletePage
        )
    }
}

/// What the engine needs to know about a space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceFacts {
    pub id: SpaceId,
    pub created_by: Option<UserId>,
    pub archived: bool,
}

/// What an action is about.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    Site,
    Space(&'a SpaceFacts),
}

/// The engine's answer, with the reasons that led to it (for "explain access").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub reasons: Vec<String>,
}

impl Decision {
    fn allow(reasons: Vec<String>) -> Self {
        Self {
            allowed: true,
            reasons,
        }
    }

    fn deny(reason: impl Into<String>) -> Self {
        Self {
            allowed: false,
            reasons: vec![reason.into()],
        }
    }
}

/// Decides whether `viewer` may perform `action` on `resource`.
pub fn decide(viewer: &Viewer, action: Action, resource: Resource<'_>) -> Decision {
    let principal = match viewer {
        Viewer::Anonymous => return Decision::deny("anonymous access is off"),
        Viewer::User(principal) => principal,
    };
    if principal.role < Role::Member {
        // Guests see only what they are assigned; assignments don't exist yet,
        // so a guest (or a person without product access) sees nothing.
        return Decision::deny(format!("role `{}` has no access here", principal.role));
    }
    let role_reason = format!("role `{}` may use the wiki", principal.role);
    match (action, resource) {
        (Action::UseWiki | Action::CreateSpace, _) => Decision::allow(vec![role_reason]),
        (_, Resource::Site) => Decision::deny("this action needs a space"),
        (Action::ViewSpace | Action::ViewPage, Resource::Space(_)) => {
            Decision::allow(vec![role_reason, "all members may view spaces".to_owned()])
        }
        (Action::AdministerSpace, Resource::Space(space)) => {
            administer(principal, space, role_reason)
        }
        (action, Resource::Space(space)) if action.changes_content() => {
            if space.archived {
                Decision::deny("the space is archived (read-only)")
            } else {
                Decision::allow(vec![role_reason, "all members may edit content".to_owned()])
            }
        }
        (_, Resource::Space(_)) => Decision::deny("no rule grants this"),
    }
}

fn administer(principal: &Principal, space: &SpaceFacts, role_reason: String) -> Decision {
    if principal.role == Role::Admin {
        Decision::allow(vec![
            role_reason,
            "wiki admins administer every space".to_owned(),
        ])
    } else if space.created_by == Some(principal.user_id) {
        Decision::allow(vec![
            role_reason,
            "the creator of a space is its admin".to_owned(),
        ])
    } else {
        Decision::deny("only the space's creator or a wiki admin administers it")
    }
}

/// The spaces a viewer may view: the filter behind every list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessSet {
    pub spaces: BTreeSet<SpaceId>,
}

impl AccessSet {
    pub fn can_view_space(&self, space: SpaceId) -> bool {
        self.spaces.contains(&space)
    }
}

/// Computes the access set of `viewer` over the given spaces with the same rule
/// `decide` applies to a single space.
pub fn access_set<'a>(
    viewer: &Viewer,
    spaces: impl IntoIterator<Item = &'a SpaceFacts>,
) -> AccessSet {
    let spaces = spaces
        .into_iter()
        .filter(|space| decide(viewer, Action::ViewSpace, Resource::Space(space)).allowed)
        .map(|space| space.id)
        .collect();
    AccessSet { spaces }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn user(id: i64, role: Role) -> Viewer {
        Viewer::User(Principal {
            user_id: UserId(id),
            role,
            org_admin: false,
        })
    }

    fn space(id: i64, creator: i64, archived: bool) -> SpaceFacts {
        SpaceFacts {
            id: SpaceId(id),
            created_by: Some(UserId(creator)),
            archived,
        }
    }

    #[test]
    fn table_of_decisions() {
        let open = space(1, 10, false);
        let archived = space(2, 10, true);
        let cases: &[(Viewer, Action, &SpaceFacts, bool)] = &[
            (Viewer::Anonymous, Action::ViewPage, &open, false),
            (user(1, Role::None), Action::ViewPage, &open, false),
            (user(1, Role::Guest), Action::ViewSpace, &open, false),
            (user(1, Role::Member), Action::ViewPage, &open, true),
            (user(1, Role::Member), Action::EditPage, &open, true),
            (user(1, Role::Member), Action::EditPage, &archived, false),
            (user(1, Role::Member), Action::ViewPage, &archived, true),
            (user(1, Role::Member), Action::AdministerSpace, &open, false),
            (user(10, Role::Member), Action::AdministerSpace, &open, true),
            (user(2, Role::Admin), Action::AdministerSpace, &open, true),
        ];
        for (viewer, action, space, expected) in cases {
            let decision = decide(viewer, *action, Resource::Space(space));
            assert_eq!(
                decision.allowed, *expected,
                "{viewer:?} {action:?} {space:?}"
            );
            assert!(
                !decision.reasons.is_empty(),
                "every decision carries a reason"
            );
        }
        assert!(!decide(&Viewer::Anonymous, Action::CreateSpace, Resource::Site).allowed);
        assert!(!decide(&user(1, Role::Guest), Action::CreateSpace, Resource::Site).allowed);
        assert!(decide(&user(1, Role::Member), Action::CreateSpace, Resource::Site).allowed);
    }

    fn any_role() -> impl Strategy<Value = Role> {
        prop_oneof![
            Just(Role::None),
            Just(Role::Guest),
            Just(Role::Member),
            Just(Role::Admin)
        ]
    }

    proptest! {
        #[test]
        fn access_set_agrees_with_decide(role in any_role(), anonymous in any::<bool>(), archived in proptest::collection::vec(any::<bool>(), 0..8)) {
            let viewer = if anonymous { Viewer::Anonymous } else { user(1, role) };
            let spaces: Vec<SpaceFacts> = archived.iter().enumerate().map(|(i, a)| space(i as i64 + 1, 99, *a)).collect();
            let set = access_set(&viewer, &spaces);
            for space in &spaces {
                prop_assert_eq!(set.can_view_space(space.id), decide(&viewer, Action::ViewSpace, Resource::Space(space)).allowed);
            }
        }

        #[test]
        fn nobody_below_member_can_do_anything(role in prop_oneof![Just(Role::None), Just(Role::Guest)], creator in any::<bool>()) {
            let viewer = user(1, role);
            let s = space(1, if creator { 1 } else { 2 }, false);
            for action in [Action::UseWiki, Action::CreateSpace, Action::ViewSpace, Action::AdministerSpace, Action::ViewPage, Action::CreatePage, Action::EditPage, Action::DeletePage] {
                prop_assert!(!decide(&viewer, action, Resource::Space(&s)).allowed);
            }
        }
    }
}
