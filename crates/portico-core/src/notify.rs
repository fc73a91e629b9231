//! Who is told about what (SPEC.md 3.3–3.4, 4): the kinds of notices, and
//! the delivery rule every notice passes — when it is written and again
//! (as a query filter, see `readable_kinds`) whenever it is read.
//!
//! A notice reaches a person only if they can view what it is about at that
//! moment (through their own access set; an admin key opens nothing here),
//! never the person who caused it, never about a draft, and a notice that
//! says who the guests of a space are only reaches internal people
//! (`people::sees_guest_presence`).

use crate::ids::{SpaceId, UserId};
use crate::people::sees_guest_presence;
use crate::policy::{AccessSet, Action, PageRef, Viewer};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoticeKind {
    /// Guests were assigned to a space (to its admins and watchers).
    GuestsAdded,
    /// A page was published in a watched space.
    PagePublished,
    /// A watched page was edited.
    PageUpdated,
    /// Someone commented on a watched page.
    CommentCreated,
    /// Someone mentioned the recipient in a page or a comment.
    Mentioned,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 5] = [
        NoticeKind::GuestsAdded,
        NoticeKind::PagePublished,
        NoticeKind::PageUpdated,
        NoticeKind::CommentCreated,
        NoticeKind::Mentioned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::GuestsAdded => "guests.added",
            NoticeKind::PagePublished => "page.published",
            NoticeKind::PageUpdated => "page.updated",
            NoticeKind::CommentCreated => "comment.created",
            NoticeKind::Mentioned => "mention",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == raw)
    }

    /// Whether this kind says who a space's guests are.
    fn names_guests(self) -> bool {
        self == NoticeKind::GuestsAdded
    }
}

/// What a notice is about.
#[derive(Debug, Clone, Copy)]
pub enum About<'a> {
    Space(SpaceId),
    Page(PageRef<'a>),
}

/// The kinds of notice `reader` may be told about at all.
pub fn readable_kinds(reader: &Viewer) -> Vec<NoticeKind> {
    NoticeKind::ALL
        .into_iter()
        .filter(|kind| !kind.names_guests() || sees_guest_presence(reader))
        .collect()
}

/// Whether a notice of `kind` about `about`, caused by `actor`, may be
/// delivered to `recipient`, whose access set (as of now) is `access`.
pub fn may_deliver(
    recipient: &Viewer,
    access: &AccessSet,
    kind: NoticeKind,
    about: About<'_>,
    actor: UserId,
) -> bool {
    let Some(id) = recipient.user_id() else {
        return false;
    };
    if id == actor || !readable_kinds(recipient).contains(&kind) {
        return false;
    }
    match about {
        About::Space(space) => access.can_view_space(space),
        About::Page(page) => {
            // Drafts are private to their author until published (SPEC 2.2).
            let (allowed, by_admin_key) = access.decide(Action::ViewPage, page);
            !page.draft && allowed && !by_admin_key
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::ids::PageId;
    use crate::permission::{Permissions, SpacePermission};
    use crate::policy::{Principal, SpaceAccess};
    use crate::role::Role;

    fn viewer(id: i64, role: Role) -> Viewer {
        Viewer::User(Principal {
            user_id: UserId(id),
            role,
            org_admin: false,
        })
    }

    /// Views space 1 (and the pages under restriction key 50).
    fn access(user: i64) -> AccessSet {
        AccessSet {
            user: Some(UserId(user)),
            spaces: [(
                SpaceId(1),
                SpaceAccess {
                    permissions: Permissions::of(&[SpacePermission::View]),
                    archived: false,
                },
            )]
            .into_iter()
            .collect::<BTreeMap<_, _>>(),
            keys: BTreeSet::from([PageId(50)]),
            ..AccessSet::default()
        }
    }

    fn page(space: i64, key: Option<i64>, draft: bool) -> PageRef<'static> {
        PageRef {
            id: PageId(7),
            path: "/",
            space: SpaceId(space),
            restriction_key: key.map(PageId),
            author: Some(UserId(9)),
            draft,
            blog: false,
            edit: None,
        }
    }

    #[test]
    fn only_what_the_recipient_can_view_now() {
        let member = viewer(2, Role::Member);
        let set = access(2);
        let kind = NoticeKind::PageUpdated;
        let actor = UserId(9);
        assert!(may_deliver(
            &member,
            &set,
            kind,
            About::Page(page(1, None, false)),
            actor
        ));
        assert!(may_deliver(
            &member,
            &set,
            kind,
            About::Page(page(1, Some(50), false)),
            actor
        ));
        assert!(!may_deliver(
            &member,
            &set,
            kind,
            About::Page(page(1, Some(51), false)),
            actor
        ));
        assert!(!may_deliver(
            &member,
            &set,
            kind,
            About::Page(page(2, None, false)),
            actor
        ));
        assert!(may_deliver(
            &member,
            &set,
            NoticeKind::GuestsAdded,
            About::Space(SpaceId(1)),
            actor
        ));
        assert!(!may_deliver(
            &member,
            &set,
            NoticeKind::GuestsAdded,
            About::Space(SpaceId(2)),
            actor
        ));
    }

    #[test]
    fn never_the_actor_nor_about_a_draft_nor_to_anonymous() {
        let member = viewer(2, Role::Member);
        let set = access(2);
        let kind = NoticeKind::PagePublished;
        assert!(!may_deliver(
            &member,
            &set,
            kind,
            About::Page(page(1, None, false)),
            UserId(2)
        ));
        assert!(!may_deliver(
            &member,
            &set,
            kind,
            About::Page(page(1, None, true)),
            UserId(9)
        ));
        assert!(!may_deliver(
            &Viewer::Anonymous,
            &set,
            kind,
            About::Page(page(1, None, false)),
            UserId(9)
        ));
    }

    #[test]
    fn an_admin_key_opens_no_notice() {
        let admin = viewer(2, Role::Admin);
        let set = AccessSet {
            admin_key: true,
            ..access(2)
        };
        let hidden = About::Page(page(3, None, false));
        // The key would open the page for a single read; a notice it is not.
        assert_eq!(
            set.decide(Action::ViewPage, page(3, None, false)),
            (true, true)
        );
        assert!(!may_deliver(
            &admin,
            &set,
            NoticeKind::PageUpdated,
            hidden,
            UserId(9)
        ));
    }

    #[test]
    fn guests_are_never_told_who_the_other_guests_are() {
        let set = access(2);
        let about = About::Space(SpaceId(1));
        assert!(!may_deliver(
            &viewer(2, Role::Guest),
            &set,
            NoticeKind::GuestsAdded,
            about,
            UserId(9)
        ));
        assert!(may_deliver(
            &viewer(2, Role::Admin),
            &set,
            NoticeKind::GuestsAdded,
            about,
            UserId(9)
        ));
        assert!(!readable_kinds(&viewer(2, Role::Guest)).contains(&NoticeKind::GuestsAdded));
        assert!(readable_kinds(&viewer(2, Role::Guest)).contains(&NoticeKind::CommentCreated));
        assert_eq!(
            readable_kinds(&viewer(2, Role::Member)).len(),
            NoticeKind::ALL.len()
        );
    }

    #[test]
    fn kinds_round_trip() {
        for kind in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(NoticeKind::parse("page.deleted"), None);
    }
}
