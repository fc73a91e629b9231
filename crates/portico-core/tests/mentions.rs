//! Properties of the mention rules (`portico_core::mentions`) over random
//! authors, people, access sets and pages: a mention is accepted exactly
//! when the author may mention at all, may know the person, and the
//! engine's own `ViewPage` decision on the person's access set says they can
//! view the content.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use portico_core::mentions::{MentionPolicy, MentionRefusal, Mentioned, check_mention};
use portico_core::people::{PersonFacts, may_know, shares_a_space};
use portico_core::policy::{AccessSet, Action, PageRef, Principal, SpaceAccess, Viewer};
use portico_core::{PageId, Permissions, Role, SpaceId, SpacePermission, UserId};
use proptest::prelude::*;

const AUTHOR: UserId = UserId(1);

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![
        Just(Role::None),
        Just(Role::Guest),
        Just(Role::Member),
        Just(Role::Admin)
    ]
}

fn ids(range: std::ops::Range<i64>) -> impl Strategy<Value = BTreeSet<i64>> {
    proptest::collection::btree_set(range, 0..4)
}

fn access_set(user: UserId) -> impl Strategy<Value = AccessSet> {
    (ids(1..5), ids(10..13), any::<bool>(), any::<bool>()).prop_map(
        move |(spaces, keys, view_only, admin_key)| AccessSet {
            user: Some(user),
            spaces: spaces
                .into_iter()
                .map(|id| {
                    let permissions = if view_only {
                        Permissions::of(&[SpacePermission::View])
                    } else {
                        Permissions::of(&[SpacePermission::View, SpacePermission::PageCreate])
                    };
                    (
                        SpaceId(id),
                        SpaceAccess {
                            permissions,
                            archived: false,
                        },
                    )
                })
                .collect::<BTreeMap<_, _>>(),
            keys: keys.into_iter().map(PageId).collect(),
            admin_key,
            ..AccessSet::default()
        },
    )
}

#[derive(Debug, Clone)]
struct Case {
    author_role: Role,
    switch: bool,
    author_access: AccessSet,
    /// `None`: the id names no one.
    person: Option<(PersonFacts, AccessSet)>,
    space: i64,
    key: Option<i64>,
    draft: bool,
}

fn case() -> impl Strategy<Value = Case> {
    let person = (
        prop_oneof![Just(1i64), 2i64..6],
        any::<bool>(),
        ids(1..5),
        any::<bool>(),
    )
        .prop_flat_map(|(id, active, granted, wrote)| {
            let facts = PersonFacts {
                id: UserId(id),
                active,
                granted_spaces: granted.into_iter().map(SpaceId).collect(),
                wrote_visible_page: wrote,
            };
            access_set(UserId(id)).prop_map(move |set| (facts.clone(), set))
        });
    (
        role(),
        any::<bool>(),
        access_set(AUTHOR),
        proptest::option::weighted(0.9, person),
        1i64..5,
        proptest::option::of(10i64..13),
        any::<bool>(),
    )
        .prop_map(
            |(author_role, switch, author_access, person, space, key, draft)| Case {
                author_role,
                switch,
                author_access,
                person,
                space,
                key,
                draft,
            },
        )
}

impl Case {
    fn author(&self) -> Viewer {
        Viewer::User(Principal {
            user_id: AUTHOR,
            role: self.author_role,
            org_admin: false,
        })
    }

    fn page(&self) -> PageRef<'_> {
        PageRef {
            id: PageId(100),
            path: "/",
            space: SpaceId(self.space),
            restriction_key: self.key.map(PageId),
            author: Some(AUTHOR),
            draft: self.draft,
            blog: false,
            edit: None,
        }
    }

    fn policy(&self) -> MentionPolicy {
        MentionPolicy {
            guests_mention_own_space: self.switch,
        }
    }

    fn check(&self) -> Result<(), MentionRefusal> {
        let person = self
            .person
            .as_ref()
            .map(|(facts, access)| Mentioned { facts, access });
        check_mention(
            &self.author(),
            &self.author_access,
            self.policy(),
            person,
            self.page(),
        )
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// An accepted mention names someone the engine lets view the page
    /// (not through an admin key), whom the author may know.
    #[test]
    fn accepted_means_known_and_able_to_view(case in case()) {
        if case.check().is_ok() {
            let (facts, access) = case.person.as_ref().expect("an accepted mention names someone");
            prop_assert_eq!(access.decide(Action::ViewPage, case.page()), (true, false));
            prop_assert!(may_know(&case.author(), &case.author_access, facts));
        }
    }

    /// Guests mention no one while the switch is off; with it on, only
    /// themselves or people who share a space with them.
    #[test]
    fn guests_mention_only_within_the_switch(case in case()) {
        if case.author_role == Role::Guest {
            let result = case.check();
            if !case.switch {
                prop_assert_eq!(result, Err(MentionRefusal::AuthorMayNotMention));
            } else if result.is_ok() {
                let (facts, _) = case.person.as_ref().unwrap();
                prop_assert!(facts.id == AUTHOR || shares_a_space(&case.author_access, facts));
            }
        }
    }

    /// For someone the author may know, the verdict is exactly the engine's
    /// `ViewPage` decision on their access set: there is no second rule.
    #[test]
    fn the_view_verdict_is_the_engines(case in case()) {
        let allowed_author = matches!(case.author_role, Role::Member | Role::Admin)
            || (case.author_role == Role::Guest && case.switch);
        if let (true, Some((facts, access))) = (allowed_author, case.person.as_ref())
            && may_know(&case.author(), &case.author_access, facts)
        {
            let engine = access.decide(Action::ViewPage, case.page()) == (true, false);
            let expected = if engine { Ok(()) } else { Err(MentionRefusal::CannotView) };
            prop_assert_eq!(case.check(), expected);
        }
    }

    /// Someone the author may not know gets the answer of an id that names
    /// no one, whatever they could view: a refusal is no existence oracle.
    #[test]
    fn unknowable_people_answer_like_missing_ids(case in case()) {
        let unknowable = case
            .person
            .as_ref()
            .is_none_or(|(facts, _)| !may_know(&case.author(), &case.author_access, facts));
        if unknowable {
            let missing = Case { person: None, ..case.clone() };
            prop_assert_eq!(case.check(), missing.check());
            prop_assert_ne!(case.check(), Err(MentionRefusal::CannotView));
        }
    }
}
