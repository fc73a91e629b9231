//! Who may learn about whom, and who hears that guests are present (SPEC.md
//! 3.3–3.4).
//!
//! A guest has no people directory: they may learn the name and type of
//! someone only when that person **shares a space** with them. Members learn
//! the name and type of any active person. Nobody learns e-mail addresses
//! here. Guest-ness itself is shown to everyone who may know the person.

use std::collections::BTreeSet;

use crate::ids::{SpaceId, UserId};
use crate::policy::{AccessSet, Viewer};
use crate::role::Role;

/// What the caller found out about one person, as seen from one viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFacts {
    pub id: UserId,
    /// The account is active (invited and deactivated accounts are unknown).
    pub active: bool,
    /// Spaces where the person holds an unexpired grant, directly or through
    /// one of their groups. Grants to "all members" or to anonymous visitors
    /// don't count: they name no one.
    pub granted_spaces: BTreeSet<SpaceId>,
    /// The person created, last edited, or saved a version of a current page
    /// the viewer can view (found with the viewer's access set as the query
    /// filter).
    pub wrote_visible_page: bool,
}

/// Whether `person` shares a space with the holder of `access`: they hold a
/// grant in a space the viewer can view, or wrote a page the viewer can view.
pub fn shares_a_space(access: &AccessSet, person: &PersonFacts) -> bool {
    person.wrote_visible_page
        || person
            .granted_spaces
            .iter()
            .any(|space| access.can_view_space(*space))
}

/// Whether `viewer` may learn `person`'s name and account type: themselves
/// always; members and admins any active person; guests only active people
/// who share a space with them; anonymous visitors and people without
/// product access no one. Deny by default.
pub fn may_know(viewer: &Viewer, access: &AccessSet, person: &PersonFacts) -> bool {
    if viewer.user_id() == Some(person.id) {
        return true;
    }
    if !person.active {
        return false;
    }
    match viewer.role() {
        Role::Member | Role::Admin => true,
        Role::Guest => shares_a_space(access, person),
        Role::None => false,
    }
}

/// Whether [`may_know`] asks, for `viewer`, if a person shares a space with
/// them: only a guest's acquaintances depend on it. When it doesn't, the
/// caller needn't look up anyone's grants or writings (which, for a member
/// who sees most of a large site, means reading most of it).
pub fn asks_shared_space(viewer: &Viewer) -> bool {
    matches!(viewer.role(), Role::Guest)
}

/// Whether `viewer` is shown how many guests share a space ("This space is
/// shared with N guests", the editor's hint): internal members and admins
/// only, never the guests themselves nor anonymous visitors.
pub fn sees_guest_presence(viewer: &Viewer) -> bool {
    matches!(viewer.role(), Role::Member | Role::Admin)
}

/// Who is told that `added` guests joined a space: its admins, minus the
/// person who made the assignment and minus the guests themselves.
pub fn guest_notice_recipients(
    space_admins: &BTreeSet<UserId>,
    added: &[UserId],
    actor: UserId,
) -> Vec<UserId> {
    space_admins
        .iter()
        .copied()
        .filter(|admin| *admin != actor && !added.contains(admin))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::permission::Permissions;
    use crate::policy::{Principal, SpaceAccess};

    fn viewer(id: i64, role: Role) -> Viewer {
        Viewer::User(Principal {
            user_id: UserId(id),
            role,
            org_admin: false,
        })
    }

    /// An access set that can view exactly `spaces`.
    fn access(spaces: &[i64]) -> AccessSet {
        AccessSet {
            spaces: spaces
                .iter()
                .map(|id| {
                    (
                        SpaceId(*id),
                        SpaceAccess {
                            permissions: Permissions::NONE,
                            archived: false,
                        },
                    )
                })
                .collect::<BTreeMap<_, _>>(),
            ..AccessSet::default()
        }
    }

    fn person(id: i64, granted: &[i64], wrote: bool) -> PersonFacts {
        PersonFacts {
            id: UserId(id),
            active: true,
            granted_spaces: granted.iter().map(|id| SpaceId(*id)).collect(),
            wrote_visible_page: wrote,
        }
    }

    /// Where [`asks_shared_space`] says no, grants and writings change
    /// nothing; where it says yes, they decide.
    #[test]
    fn only_viewers_asked_about_shared_spaces_depend_on_them() {
        let set = access(&[1]);
        let facts = [
            person(7, &[], false),
            person(7, &[1], false),
            person(7, &[], true),
            person(7, &[2], true),
        ];
        let viewers = [
            Viewer::Anonymous,
            viewer(1, Role::None),
            viewer(1, Role::Guest),
            viewer(1, Role::Member),
            viewer(1, Role::Admin),
        ];
        for viewer in viewers {
            let answers: BTreeSet<bool> = facts
                .iter()
                .map(|facts| may_know(&viewer, &set, facts))
                .collect();
            assert_eq!(
                answers.len() == 2,
                asks_shared_space(&viewer),
                "{viewer:?} gives {answers:?}"
            );
        }
    }

    #[test]
    fn a_grant_in_a_viewable_space_is_sharing_one() {
        let set = access(&[1, 2]);
        assert!(shares_a_space(&set, &person(7, &[2], false)));
        assert!(shares_a_space(&set, &person(7, &[9, 1], false)));
        assert!(!shares_a_space(&set, &person(7, &[3], false)));
        assert!(!shares_a_space(&set, &person(7, &[], false)));
    }

    #[test]
    fn writing_a_viewable_page_is_sharing_a_space() {
        let set = access(&[1]);
        assert!(shares_a_space(&set, &person(7, &[], true)));
        assert!(shares_a_space(&access(&[]), &person(7, &[5], true)));
    }

    #[test]
    fn guests_know_only_people_of_their_spaces() {
        let guest = viewer(1, Role::Guest);
        let set = access(&[1]);
        assert!(may_know(&guest, &set, &person(2, &[1], false)));
        assert!(may_know(&guest, &set, &person(3, &[], true)));
        assert!(!may_know(&guest, &set, &person(4, &[2], false)));
        assert!(!may_know(&guest, &set, &person(5, &[], false)));
    }

    #[test]
    fn members_know_every_active_person() {
        let set = access(&[]);
        for role in [Role::Member, Role::Admin] {
            let member = viewer(1, role);
            assert!(may_know(&member, &set, &person(2, &[], false)));
            let gone = PersonFacts {
                active: false,
                ..person(3, &[1], true)
            };
            assert!(!may_know(&member, &set, &gone), "{role:?}");
        }
    }

    #[test]
    fn inactive_people_are_unknown_even_in_a_shared_space() {
        let gone = PersonFacts {
            active: false,
            ..person(2, &[1], true)
        };
        assert!(!may_know(&viewer(1, Role::Guest), &access(&[1]), &gone));
    }

    #[test]
    fn everyone_knows_themselves_and_nobody_else_knows_anyone() {
        let set = access(&[1]);
        let me = person(1, &[], false);
        for role in [Role::None, Role::Guest, Role::Member] {
            assert!(may_know(&viewer(1, role), &set, &me), "{role:?}");
        }
        let other = person(2, &[1], true);
        assert!(!may_know(&Viewer::Anonymous, &set, &other));
        assert!(!may_know(&viewer(1, Role::None), &set, &other));
    }

    #[test]
    fn only_internal_people_see_guest_presence() {
        assert!(sees_guest_presence(&viewer(1, Role::Member)));
        assert!(sees_guest_presence(&viewer(1, Role::Admin)));
        assert!(!sees_guest_presence(&viewer(1, Role::Guest)));
        assert!(!sees_guest_presence(&viewer(1, Role::None)));
        assert!(!sees_guest_presence(&Viewer::Anonymous));
    }

    #[test]
    fn notices_skip_the_assigner_and_the_guests() {
        let admins: BTreeSet<UserId> = [1, 2, 3, 4].into_iter().map(UserId).collect();
        assert_eq!(
            guest_notice_recipients(&admins, &[UserId(3), UserId(9)], UserId(1)),
            vec![UserId(2), UserId(4)]
        );
        assert!(guest_notice_recipients(&BTreeSet::new(), &[UserId(3)], UserId(1)).is_empty());
    }
}
