//! Who may mention whom, and where (SPEC.md 3.3).
//!
//! - Guests can't mention anyone, unless the site switch
//!   `guests.mention_own_space` is on; then only people who share a space
//!   with them (`crate::people::shares_a_space`).
//! - Anyone may mention a person only if that person can **view** the content
//!   being written (the page, or the page a comment is on). Whether they can
//!   is the policy engine's answer from *their* access set
//!   ([`AccessSet::decide`] on `ViewPage`), never a rule of its own; an admin
//!   key the person happens to hold doesn't count. This is what keeps an
//!   internal user from mentioning a guest in content the guest can't view.
//! - An unknown or deactivated account, or someone the author may not know
//!   (`crate::people::may_know`), is refused with one and the same answer,
//!   so a refusal never tells whether an id names someone.

use crate::people::{PersonFacts, may_know, shares_a_space};
use crate::policy::{AccessSet, Action, PageRef, Viewer};
use crate::role::Role;

/// The site switches the mention rules read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MentionPolicy {
    /// `guests.mention_own_space`: guests may mention people who share a
    /// space with them (off by default).
    pub guests_mention_own_space: bool,
}

/// A mentioned account that exists, as the rules need it.
#[derive(Debug, Clone, Copy)]
pub struct Mentioned<'a> {
    /// What the author may learn about the person (facts found with the
    /// author's access set, as for `may_know`).
    pub facts: &'a PersonFacts,
    /// The person's own access set, without an admin key.
    pub access: &'a AccessSet,
}

/// Why a mention is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MentionRefusal {
    /// The author may not mention anyone (a guest while the site switch is
    /// off, or someone without product access).
    AuthorMayNotMention,
    /// No such person as far as the author may know: unknown, deactivated,
    /// or invisible to the author. Says nothing about which.
    NoSuchPerson,
    /// The person exists and the author may know them, but they can't view
    /// the content.
    CannotView,
}

/// Whether `author` (with access set `author_access`) may mention `person`
/// (`None`: the id names no stored account) in content on `page`.
///
/// `page` is the content as it will be once saved: a draft being published
/// is passed as published, since the mention is checked at publish.
pub fn check_mention(
    author: &Viewer,
    author_access: &AccessSet,
    policy: MentionPolicy,
    person: Option<Mentioned<'_>>,
    page: PageRef<'_>,
) -> Result<(), MentionRefusal> {
    let guest = match author.role() {
        Role::Member | Role::Admin => false,
        Role::Guest if policy.guests_mention_own_space => true,
        Role::Guest | Role::None => return Err(MentionRefusal::AuthorMayNotMention),
    };
    let Some(person) = person else {
        return Err(MentionRefusal::NoSuchPerson);
    };
    if !may_know(author, author_access, person.facts) {
        return Err(MentionRefusal::NoSuchPerson);
    }
    let myself = author.user_id() == Some(person.facts.id);
    if guest && !myself && !shares_a_space(author_access, person.facts) {
        // Implied by `may_know` for guests today; stated so that the
        // switch's limit can't widen if that rule ever does.
        return Err(MentionRefusal::NoSuchPerson);
    }
    let (allowed, by_admin_key) = person.access.decide(Action::ViewPage, page);
    if allowed && !by_admin_key {
        Ok(())
    } else {
        Err(MentionRefusal::CannotView)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::ids::{PageId, SpaceId, UserId};
    use crate::permission::{Permissions, SpacePermission};
    use crate::policy::{Principal, SpaceAccess};

    fn viewer(id: i64, role: Role) -> Viewer {
        Viewer::User(Principal {
            user_id: UserId(id),
            role,
            org_admin: false,
        })
    }

    /// An access set viewing `spaces` and satisfying restriction `keys`.
    fn access(user: i64, spaces: &[i64], keys: &[i64]) -> AccessSet {
        AccessSet {
            user: Some(UserId(user)),
            spaces: spaces
                .iter()
                .map(|id| {
                    (
                        SpaceId(*id),
                        SpaceAccess {
                            permissions: Permissions::of(&[SpacePermission::View]),
                            archived: false,
                        },
                    )
                })
                .collect::<BTreeMap<_, _>>(),
            keys: keys.iter().map(|id| PageId(*id)).collect(),
            ..AccessSet::default()
        }
    }

    fn facts(id: i64, granted: &[i64]) -> PersonFacts {
        PersonFacts {
            id: UserId(id),
            active: true,
            granted_spaces: granted
                .iter()
                .map(|id| SpaceId(*id))
                .collect::<BTreeSet<_>>(),
            wrote_visible_page: false,
        }
    }

    fn page(space: i64, key: Option<i64>) -> PageRef<'static> {
        PageRef {
            id: PageId(100),
            path: "/",
            space: SpaceId(space),
            restriction_key: key.map(PageId),
            author: Some(UserId(1)),
            draft: false,
            blog: false,
            edit: None,
        }
    }

    const OFF: MentionPolicy = MentionPolicy {
        guests_mention_own_space: false,
    };
    const ON: MentionPolicy = MentionPolicy {
        guests_mention_own_space: true,
    };

    #[test]
    fn members_mention_people_who_can_view_the_page() {
        let author = viewer(1, Role::Member);
        let mine = access(1, &[1, 2], &[]);
        let guest = facts(2, &[1]);
        let guest_access = access(2, &[1], &[]);
        let mentioned = Some(Mentioned {
            facts: &guest,
            access: &guest_access,
        });
        assert_eq!(
            check_mention(&author, &mine, OFF, mentioned, page(1, None)),
            Ok(())
        );
        // The guest's space only: another space is refused, by name.
        assert_eq!(
            check_mention(&author, &mine, OFF, mentioned, page(2, None)),
            Err(MentionRefusal::CannotView)
        );
    }

    #[test]
    fn a_view_restriction_that_excludes_the_person_refuses_them() {
        let author = viewer(1, Role::Admin);
        let mine = access(1, &[1], &[50]);
        let member = facts(3, &[]);
        let outside = access(3, &[1], &[]);
        let inside = access(3, &[1], &[50]);
        let check = |set: &AccessSet| {
            check_mention(
                &author,
                &mine,
                OFF,
                Some(Mentioned {
                    facts: &member,
                    access: set,
                }),
                page(1, Some(50)),
            )
        };
        assert_eq!(check(&outside), Err(MentionRefusal::CannotView));
        assert_eq!(check(&inside), Ok(()));
    }

    #[test]
    fn guests_mention_no_one_while_the_switch_is_off() {
        let author = viewer(1, Role::Guest);
        let mine = access(1, &[1], &[]);
        let colleague = facts(2, &[1]);
        let theirs = access(2, &[1], &[]);
        let mentioned = Some(Mentioned {
            facts: &colleague,
            access: &theirs,
        });
        assert_eq!(
            check_mention(&author, &mine, OFF, mentioned, page(1, None)),
            Err(MentionRefusal::AuthorMayNotMention)
        );
        assert_eq!(
            check_mention(&author, &mine, ON, mentioned, page(1, None)),
            Ok(())
        );
    }

    #[test]
    fn with_the_switch_guests_mention_only_people_of_their_spaces() {
        let author = viewer(1, Role::Guest);
        let mine = access(1, &[1], &[]);
        // Can view the page (an all-members grant, say) but shares no space
        // the guest can see through a grant naming them.
        let stranger = facts(2, &[]);
        let theirs = access(2, &[1], &[]);
        assert_eq!(
            check_mention(
                &author,
                &mine,
                ON,
                Some(Mentioned {
                    facts: &stranger,
                    access: &theirs,
                }),
                page(1, None)
            ),
            Err(MentionRefusal::NoSuchPerson)
        );
    }

    #[test]
    fn unknown_inactive_and_invisible_people_get_one_answer() {
        let page = page(1, None);
        let theirs = access(2, &[1], &[]);
        let gone = PersonFacts {
            active: false,
            ..facts(2, &[1])
        };
        let member = viewer(1, Role::Member);
        let guest = viewer(1, Role::Guest);
        let mine = access(1, &[1], &[]);
        let hidden = facts(2, &[9]);
        let answers = [
            check_mention(&member, &mine, OFF, None, page),
            check_mention(
                &member,
                &mine,
                OFF,
                Some(Mentioned {
                    facts: &gone,
                    access: &theirs,
                }),
                page,
            ),
            check_mention(&guest, &mine, ON, None, page),
            check_mention(
                &guest,
                &mine,
                ON,
                Some(Mentioned {
                    facts: &hidden,
                    access: &theirs,
                }),
                page,
            ),
        ];
        assert!(
            answers
                .iter()
                .all(|a| *a == Err(MentionRefusal::NoSuchPerson)),
            "{answers:?}"
        );
    }

    #[test]
    fn an_admin_key_does_not_make_someone_mentionable() {
        let author = viewer(1, Role::Member);
        let mine = access(1, &[1], &[]);
        let admin = facts(2, &[]);
        let keyed = AccessSet {
            admin_key: true,
            ..access(2, &[], &[])
        };
        assert_eq!(
            check_mention(
                &author,
                &mine,
                OFF,
                Some(Mentioned {
                    facts: &admin,
                    access: &keyed,
                }),
                page(1, None)
            ),
            Err(MentionRefusal::CannotView)
        );
    }

    #[test]
    fn a_draft_is_viewable_by_its_author_only() {
        let author = viewer(1, Role::Member);
        let mine = access(1, &[1], &[]);
        let other = facts(2, &[1]);
        let theirs = access(2, &[1], &[]);
        let draft = PageRef {
            draft: true,
            blog: false,
            ..page(1, None)
        };
        assert_eq!(
            check_mention(
                &author,
                &mine,
                OFF,
                Some(Mentioned {
                    facts: &other,
                    access: &theirs,
                }),
                draft
            ),
            Err(MentionRefusal::CannotView)
        );
    }

    #[test]
    fn nobody_without_product_access_mentions() {
        let mine = access(1, &[1], &[]);
        for author in [viewer(1, Role::None), Viewer::Anonymous] {
            assert_eq!(
                check_mention(&author, &mine, ON, None, page(1, None)),
                Err(MentionRefusal::AuthorMayNotMention)
            );
        }
    }
}
