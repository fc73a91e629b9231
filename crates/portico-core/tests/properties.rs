//! Properties of the access engine over random worlds: users, groups (some of
//! them guest groups), spaces with grants (to users, groups, all members and
//! anonymous visitors), page trees with view and edit restrictions, drafts,
//! archived spaces, admin keys and the site switches.
//!
//! Pages form trees; a page's view chain is found by walking its ancestors and
//! its restriction key with `policy::restriction_key`, as the store does.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use portico_core::permission::{BuiltinRole, SpacePermission};
use portico_core::policy::{
    self, AccessSet, Action, GlobalGrant, Grant, Grantee, PageFacts, PageRef, Principal, Resource,
    RestrictedPage, Restriction, Scope, SiteFacts, SpaceFacts, Subject, SubtreeGrant, Viewer,
};
use portico_core::{GlobalPermission, GlobalPermissions, GroupId, PageId, Permissions, Role};
use portico_core::{SpaceId, UserId};
use proptest::prelude::*;
use proptest::sample::Index;

// ---------------------------------------------------------------------------
// Worlds.

#[derive(Debug, Clone)]
struct User {
    id: UserId,
    role: Role,
    groups: BTreeSet<GroupId>,
    admin_key: bool,
}

#[derive(Debug, Clone)]
struct Page {
    id: PageId,
    space: SpaceId,
    parent: Option<PageId>,
    /// The materialised ancestor path (`/1/4/`), as the store keeps it.
    path: String,
    author: Option<UserId>,
    draft: bool,
    view: Option<Restriction>,
    edit: Option<Restriction>,
}

#[derive(Debug, Clone)]
struct World {
    site: SiteFacts,
    /// Group ids with whether each is a guest group.
    groups: BTreeMap<GroupId, bool>,
    users: Vec<User>,
    spaces: Vec<SpaceFacts>,
    pages: Vec<Page>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Anonymous,
    User(UserId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Site,
    Space(SpaceId),
    Page(PageId),
}

type Key = (Who, Target, usize);

/// Every decision of a world: `(allowed, by_admin_key)` by (who, target,
/// action index).
type Decisions = BTreeMap<Key, (bool, bool)>;

fn action_index(action: Action) -> usize {
    Action::ALL.iter().position(|a| *a == action).unwrap()
}

impl World {
    fn page(&self, id: PageId) -> &Page {
        self.pages.iter().find(|page| page.id == id).unwrap()
    }

    fn space(&self, id: SpaceId) -> &SpaceFacts {
        self.spaces.iter().find(|space| space.id == id).unwrap()
    }

    fn user(&self, id: UserId) -> &User {
        self.users.iter().find(|user| user.id == id).unwrap()
    }

    fn principals(&self) -> Vec<Who> {
        std::iter::once(Who::Anonymous)
            .chain(self.users.iter().map(|user| Who::User(user.id)))
            .collect()
    }

    fn subject(&self, who: Who) -> Subject {
        match who {
            Who::Anonymous => Subject::anonymous(),
            Who::User(id) => {
                let user = self.user(id);
                let mut subject = Subject::new(Viewer::User(Principal {
                    user_id: user.id,
                    role: user.role,
                    org_admin: false,
                }));
                subject.groups = user.groups.clone();
                subject.guest_groups = user
                    .groups
                    .iter()
                    .copied()
                    .filter(|group| self.groups.get(group) == Some(&true))
                    .collect();
                subject.admin_key = user.admin_key;
                subject
            }
        }
    }

    /// Root first, then the page.
    fn path(&self, id: PageId) -> Vec<PageId> {
        let mut path = vec![id];
        let mut cursor = self.page(id).parent;
        while let Some(parent) = cursor {
            assert!(!path.contains(&parent), "a cycle in the page tree");
            path.push(parent);
            cursor = self.page(parent).parent;
        }
        path.reverse();
        path
    }

    fn view_chain(&self, id: PageId) -> Vec<Restriction> {
        self.path(id)
            .into_iter()
            .filter_map(|page| self.page(page).view.clone())
            .collect()
    }

    fn key(&self, path: &[PageId]) -> Option<PageId> {
        policy::restriction_key(path, |page| self.page(page).view.is_some())
    }

    fn restriction_key(&self, id: PageId) -> Option<PageId> {
        self.key(&self.path(id))
    }

    fn restricted(&self) -> BTreeMap<PageId, RestrictedPage> {
        self.pages
            .iter()
            .filter_map(|page| {
                let path = self.path(page.id);
                Some((
                    page.id,
                    RestrictedPage {
                        space: page.space,
                        parent_key: self.key(&path[..path.len() - 1]),
                        restriction: page.view.clone()?,
                    },
                ))
            })
            .collect()
    }

    fn targets(&self, scope: Scope) -> Vec<Target> {
        match scope {
            Scope::Site => vec![Target::Site],
            Scope::Space => self.spaces.iter().map(|s| Target::Space(s.id)).collect(),
            Scope::Page => self.pages.iter().map(|p| Target::Page(p.id)).collect(),
        }
    }

    fn decide(&self, subject: &Subject, action: Action, target: Target) -> (bool, bool) {
        let decision = match target {
            Target::Site => policy::decide(subject, &self.site, action, Resource::Site),
            Target::Space(id) => {
                policy::decide(subject, &self.site, action, Resource::Space(self.space(id)))
            }
            Target::Page(id) => {
                let page = self.page(id);
                let chain = self.view_chain(id);
                let facts = PageFacts {
                    id,
                    path: &page.path,
                    space: self.space(page.space),
                    author: page.author,
                    draft: page.draft,
                    blog: false,
                    view_chain: &chain,
                    edit: page.edit.as_ref(),
                };
                policy::decide(subject, &self.site, action, Resource::Page(facts))
            }
        };
        (decision.allowed, decision.by_admin_key)
    }

    fn access_set(&self, subject: &Subject) -> AccessSet {
        policy::access_set(subject, &self.site, &self.spaces, &self.restricted())
    }

    fn page_ref(&self, id: PageId) -> PageRef<'_> {
        let page = self.page(id);
        PageRef {
            id,
            path: &page.path,
            space: page.space,
            restriction_key: self.restriction_key(id),
            author: page.author,
            draft: page.draft,
            blog: false,
            edit: page.edit.as_ref(),
        }
    }

    fn decide_from_set(&self, set: &AccessSet, action: Action, target: Target) -> (bool, bool) {
        match target {
            Target::Site => (set.decide_site(action), false),
            Target::Space(id) => set.decide_space(action, id, self.space(id).archived),
            Target::Page(id) => set.decide(action, self.page_ref(id)),
        }
    }

    /// Every decision through `decide`.
    fn decisions(&self) -> Decisions {
        let mut all = BTreeMap::new();
        for who in self.principals() {
            let subject = self.subject(who);
            for action in Action::ALL {
                for target in self.targets(action.scope()) {
                    all.insert(
                        (who, target, action_index(action)),
                        self.decide(&subject, action, target),
                    );
                }
            }
        }
        all
    }

    /// Every decision through the access set.
    fn set_decisions(&self) -> Decisions {
        let mut all = BTreeMap::new();
        for who in self.principals() {
            let set = self.access_set(&self.subject(who));
            for action in Action::ALL {
                for target in self.targets(action.scope()) {
                    all.insert(
                        (who, target, action_index(action)),
                        self.decide_from_set(&set, action, target),
                    );
                }
            }
        }
        all
    }
}

/// Fails on any decision allowed in `after` but not in `before` (the worlds
/// have the same principals and targets).
fn never_widens(before: &Decisions, after: &Decisions, what: &str) -> Result<(), TestCaseError> {
    for (key, (allowed, _)) in after {
        let was = before.get(key).is_some_and(|(allowed, _)| *allowed);
        prop_assert!(
            !allowed || was,
            "{what} widened access: {:?} {:?} {:?}",
            key.0,
            Action::ALL[key.2],
            key.1
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Generation: raw picks (shrinkable) built into a consistent world.

#[derive(Debug, Clone)]
enum Pick {
    User(Index),
    Group(Index),
    AllMembers,
    Anonymous,
}

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![
        3 => any::<Index>().prop_map(Pick::User),
        3 => any::<Index>().prop_map(Pick::Group),
        2 => Just(Pick::AllMembers),
        2 => Just(Pick::Anonymous),
    ]
}

fn permissions() -> impl Strategy<Value = Permissions> {
    prop_oneof![
        4 => prop::sample::select(BuiltinRole::ALL.to_vec()).prop_map(BuiltinRole::permissions),
        1 => any::<u16>().prop_map(|bits| Permissions::from_bits(i64::from(bits))),
    ]
}

type PageRecipe = (
    Index,
    Option<Index>,
    Option<Index>,
    bool,
    Option<(u8, u8)>,
    Option<(u8, u8)>,
);

fn page_recipe() -> impl Strategy<Value = PageRecipe> {
    (
        any::<Index>(),
        prop::option::weighted(0.75, any::<Index>()),
        prop::option::of(any::<Index>()),
        prop::bool::weighted(0.15),
        prop::option::weighted(0.35, any::<(u8, u8)>()),
        prop::option::weighted(0.2, any::<(u8, u8)>()),
    )
}

fn masked<T: Copy>(items: &[T], mask: u8) -> impl Iterator<Item = T> + '_ {
    items
        .iter()
        .enumerate()
        .filter(move |(i, _)| *i < 8 && mask & (1 << i) != 0)
        .map(|(_, item)| *item)
}

prop_compose! {
    fn worlds()(
        flags in any::<(bool, bool, bool)>(),
        members_use in prop::bool::weighted(0.85),
        global in prop::collection::vec((pick(), any::<u8>()), 0..3),
        groups in prop::collection::vec(any::<bool>(), 0..5),
        users in prop::collection::vec(
            (
                prop_oneof![Just(Role::None), Just(Role::Guest), Just(Role::Member), Just(Role::Admin)],
                any::<u8>(),
                prop::bool::weighted(0.3),
            ),
            1..7,
        ),
        spaces in prop::collection::vec(
            (
                prop::bool::weighted(0.2),
                prop::bool::weighted(0.7),
                prop::collection::vec((pick(), permissions()), 0..5),
            ),
            1..4,
        ),
        pages in prop::collection::vec(page_recipe(), 0..12),
        subtrees in prop::collection::vec((pick(), permissions(), any::<Index>()), 0..4),
    ) -> World {
        let group_ids: Vec<GroupId> = (1..=groups.len() as i64).map(GroupId).collect();
        let user_ids: Vec<UserId> = (1..=users.len() as i64).map(UserId).collect();
        let grantee = |pick: &Pick| match pick {
            Pick::User(i) => Grantee::User(user_ids[i.index(user_ids.len())]),
            Pick::Group(i) if !group_ids.is_empty() => {
                Grantee::Group(group_ids[i.index(group_ids.len())])
            }
            Pick::Anonymous => Grantee::Anonymous,
            _ => Grantee::AllMembers,
        };
        let restriction = |page: PageId, (users, groups): (u8, u8)| Restriction {
            page,
            users: masked(&user_ids, users).collect(),
            groups: masked(&group_ids, groups).collect(),
        };
        let mut global_grants = Vec::new();
        if members_use {
            global_grants.push(GlobalGrant {
                grantee: Grantee::AllMembers,
                permissions: GlobalPermissions::of(&[
                    GlobalPermission::UseWiki,
                    GlobalPermission::CreateSpace,
                ]),
            });
        }
        global_grants.extend(global.iter().map(|(pick, bits)| GlobalGrant {
            grantee: grantee(pick),
            permissions: GlobalPermissions::from_bits(i64::from(*bits)),
        }));
        let mut spaces: Vec<SpaceFacts> = spaces
            .iter()
            .zip(1..)
            .map(|((archived, allows_guests, grants), id)| SpaceFacts {
                id: SpaceId(id),
                archived: *archived,
                allows_guests: *allows_guests,
                grants: grants
                    .iter()
                    .map(|(pick, permissions)| Grant {
                        grantee: grantee(pick),
                        permissions: *permissions,
                    })
                    .collect(),
                subtree_grants: Vec::new(),
            })
            .collect();
        let mut built: Vec<Page> = Vec::new();
        for ((space, parent, author, draft, view, edit), id) in pages.into_iter().zip(1..) {
            let id = PageId(id);
            let space = spaces[space.index(spaces.len())].id;
            let siblings: Vec<PageId> = built
                .iter()
                .filter(|page| page.space == space)
                .map(|page| page.id)
                .collect();
            let parent = parent
                .filter(|_| !siblings.is_empty())
                .map(|i| siblings[i.index(siblings.len())]);
            let path = parent.map_or_else(
                || "/".to_owned(),
                |parent| {
                    let above = &built.iter().find(|page| page.id == parent).unwrap().path;
                    format!("{above}{parent}/")
                },
            );
            built.push(Page {
                id,
                space,
                parent,
                path,
                author: author.map(|i| user_ids[i.index(user_ids.len())]),
                draft,
                view: view.map(|masks| restriction(id, masks)),
                edit: edit.map(|masks| restriction(id, masks)),
            });
        }
        for (pick, permissions, page) in &subtrees {
            if built.is_empty() {
                break;
            }
            let root = &built[page.index(built.len())];
            let space = spaces.iter_mut().find(|space| space.id == root.space).unwrap();
            space.subtree_grants.push(SubtreeGrant {
                grant: Grant {
                    grantee: grantee(pick),
                    permissions: *permissions,
                },
                root: root.id,
                root_path: root.path.clone(),
            });
        }
        World {
            site: SiteFacts {
                anonymous_access: flags.0,
                guests_see_anonymous_spaces: flags.1,
                guests_may_hold_reserved: flags.2,
                global_grants,
            },
            groups: group_ids.iter().copied().zip(groups).collect(),
            users: users
                .iter()
                .zip(&user_ids)
                .map(|((role, mask, admin_key), id)| User {
                    id: *id,
                    role: *role,
                    groups: masked(&group_ids, *mask).collect(),
                    admin_key: *admin_key,
                })
                .collect(),
            spaces,
            pages: built,
        }
    }
}

// ---------------------------------------------------------------------------
// Properties.

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The access set and `decide` answer every site, space and page action
    /// alike, including whether an admin key made the difference.
    #[test]
    fn the_access_set_agrees_with_decide(world in worlds()) {
        let decided = world.decisions();
        let from_sets = world.set_decisions();
        for (key, answer) in &decided {
            prop_assert_eq!(
                from_sets.get(key),
                Some(answer),
                "{:?} {:?} {:?}", key.0, Action::ALL[key.2], key.1
            );
        }
        // Lists (no admin key) agree with single decisions without a key.
        for who in world.principals() {
            let mut subject = world.subject(who);
            subject.admin_key = false;
            let set = world.access_set(&subject);
            for page in &world.pages {
                prop_assert_eq!(
                    set.can_view_page(world.page_ref(page.id)),
                    world.decide(&subject, Action::ViewPage, Target::Page(page.id)).0
                );
            }
            for space in &world.spaces {
                prop_assert_eq!(
                    set.can_view_space(space.id),
                    world.decide(&subject, Action::ViewSpace, Target::Space(space.id)).0
                );
            }
        }
    }

    /// Adding a view restriction to any page never widens anyone's access to
    /// any page (or anything else), through either path.
    #[test]
    fn restricting_a_page_never_widens_access(
        world in worlds(),
        page in any::<Index>(),
        masks in any::<(u8, u8)>(),
    ) {
        let unrestricted: Vec<PageId> = world
            .pages
            .iter()
            .filter(|page| page.view.is_none())
            .map(|page| page.id)
            .collect();
        prop_assume!(!unrestricted.is_empty());
        let id = unrestricted[page.index(unrestricted.len())];
        let mut restricted = world.clone();
        let user_ids: Vec<UserId> = world.users.iter().map(|u| u.id).collect();
        let group_ids: Vec<GroupId> = world.groups.keys().copied().collect();
        restricted.pages.iter_mut().find(|p| p.id == id).unwrap().view = Some(Restriction {
            page: id,
            users: masked(&user_ids, masks.0).collect(),
            groups: masked(&group_ids, masks.1).collect(),
        });
        never_widens(&world.decisions(), &restricted.decisions(), "a restriction")?;
        never_widens(&world.set_decisions(), &restricted.set_decisions(), "a restriction")?;
    }

    /// Removing a space grant or a global grant never adds access.
    #[test]
    fn removing_a_grant_never_adds_access(
        world in worlds(),
        which in any::<Index>(),
        global in any::<bool>(),
    ) {
        let mut less = world.clone();
        if global {
            prop_assume!(!less.site.global_grants.is_empty());
            let i = which.index(less.site.global_grants.len());
            less.site.global_grants.remove(i);
        } else {
            let grants: Vec<(usize, usize)> = less
                .spaces
                .iter()
                .enumerate()
                .flat_map(|(s, space)| (0..space.grants.len()).map(move |g| (s, g)))
                .collect();
            prop_assume!(!grants.is_empty());
            let (s, g) = grants[which.index(grants.len())];
            less.spaces[s].grants.remove(g);
        }
        never_widens(&world.decisions(), &less.decisions(), "removing a grant")?;
        never_widens(&world.set_decisions(), &less.set_decisions(), "removing a grant")?;
    }

    /// Removing someone from a group never adds access (their role stays).
    #[test]
    fn leaving_a_group_never_adds_access(world in worlds(), which in any::<Index>()) {
        let memberships: Vec<(usize, GroupId)> = world
            .users
            .iter()
            .enumerate()
            .flat_map(|(u, user)| user.groups.iter().map(move |g| (u, *g)))
            .collect();
        prop_assume!(!memberships.is_empty());
        let (u, group) = memberships[which.index(memberships.len())];
        let mut less = world.clone();
        less.users[u].groups.remove(&group);
        never_widens(&world.decisions(), &less.decisions(), "leaving a group")?;
        never_widens(&world.set_decisions(), &less.set_decisions(), "leaving a group")?;
    }

    /// A guest views exactly the spaces that allow guests and where a grant
    /// with `view` names them directly or through a guest group, plus (only
    /// while the site's anonymous access and `guests_see_anonymous_spaces`
    /// are on) those with an anonymous grant of `view`.
    #[test]
    fn a_guest_views_exactly_their_assigned_and_anonymous_spaces(world in worlds()) {
        let site = &world.site;
        for user in world.users.iter().filter(|user| user.role == Role::Guest) {
            let subject = world.subject(Who::User(user.id));
            let set = world.access_set(&subject);
            for space in &world.spaces {
                let names_them = |grantee: Grantee| match grantee {
                    Grantee::User(id) => id == user.id,
                    Grantee::Group(id) => {
                        user.groups.contains(&id) && world.groups.get(&id) == Some(&true)
                    }
                    Grantee::AllMembers | Grantee::Anonymous => false,
                };
                let with_view = |grant: &&Grant| grant.permissions.contains(SpacePermission::View);
                let assigned = space
                    .grants
                    .iter()
                    .chain(space.subtree_grants.iter().map(|s| &s.grant))
                    .filter(with_view)
                    .any(|g| names_them(g.grantee));
                let anonymous = site.anonymous_access
                    && site.guests_see_anonymous_spaces
                    && space
                        .grants
                        .iter()
                        .filter(with_view)
                        .any(|g| g.grantee == Grantee::Anonymous);
                let expected = space.allows_guests && (assigned || anonymous);
                prop_assert_eq!(set.can_view_space(space.id), expected, "space {}", space.id);
                // An admin key is worth nothing to a guest.
                prop_assert_eq!(
                    world.decide(&subject, Action::ViewSpace, Target::Space(space.id)),
                    (expected, false)
                );
            }
        }
    }

    /// A wiki admin without an admin key views nothing in a space where no
    /// grant names them (nor an anonymous grant applies), but still
    /// administers it.
    #[test]
    fn a_wiki_admin_without_a_key_reads_only_through_grants(world in worlds()) {
        for user in world.users.iter().filter(|u| u.role == Role::Admin && !u.admin_key) {
            let subject = world.subject(Who::User(user.id));
            let set = world.access_set(&subject);
            for space in &world.spaces {
                let any_grant = space
                    .grants
                    .iter()
                    .chain(space.subtree_grants.iter().map(|s| &s.grant))
                    .any(|grant| match grant.grantee {
                    Grantee::User(id) => id == user.id,
                    Grantee::Group(id) => user.groups.contains(&id),
                    Grantee::AllMembers => true,
                    Grantee::Anonymous => world.site.anonymous_access,
                });
                if any_grant {
                    continue;
                }
                prop_assert!(!set.can_view_space(space.id));
                for action in Action::ALL.into_iter().filter(|a| a.scope() == Scope::Space) {
                    let expected = action == Action::AdministerSpace;
                    prop_assert_eq!(
                        world.decide(&subject, action, Target::Space(space.id)).0,
                        expected,
                        "{:?}", action
                    );
                }
                for page in world.pages.iter().filter(|page| page.space == space.id) {
                    prop_assert!(!set.can_view_page(world.page_ref(page.id)));
                    for action in Action::ALL.into_iter().filter(|a| a.scope() == Scope::Page) {
                        prop_assert!(
                            !world.decide(&subject, action, Target::Page(page.id)).0,
                            "{:?} on page {}", action, page.id
                        );
                    }
                }
            }
        }
    }

    /// While the site switch is off, a space's anonymous grant admits nobody:
    /// every decision is the same without it, and anonymous visitors get
    /// nothing at all.
    #[test]
    fn the_anonymous_flag_admits_nobody_while_the_site_switch_is_off(world in worlds()) {
        let mut world = world;
        world.site.anonymous_access = false;
        let mut without = world.clone();
        for space in &mut without.spaces {
            space.grants.retain(|grant| grant.grantee != Grantee::Anonymous);
        }
        prop_assert_eq!(world.decisions(), without.decisions());
        prop_assert_eq!(world.set_decisions(), without.set_decisions());
        for ((who, _, _), (allowed, _)) in world.decisions() {
            prop_assert!(!(who == Who::Anonymous && allowed));
        }
    }

    /// People without product access (role none) are allowed nothing, admin
    /// key or not.
    #[test]
    fn role_none_is_allowed_nothing(world in worlds()) {
        let none: BTreeSet<Who> = world
            .users
            .iter()
            .filter(|user| user.role == Role::None)
            .map(|user| Who::User(user.id))
            .collect();
        for decisions in [world.decisions(), world.set_decisions()] {
            for ((who, target, action), (allowed, _)) in decisions {
                prop_assert!(
                    !(allowed && none.contains(&who)),
                    "{:?} {:?} {:?}", who, Action::ALL[action], target
                );
            }
        }
    }

    /// A subtree grant opens its page and that page's descendants and nothing
    /// else: without it, everyone keeps every other page and every space
    /// action (viewing the space aside) exactly as before.
    #[test]
    fn a_subtree_grant_opens_only_its_subtree(world in worlds()) {
        let mut without = world.clone();
        for space in &mut without.spaces {
            space.subtree_grants.clear();
        }
        let with_grants = world.set_decisions();
        let plain = without.set_decisions();
        for (key, answer) in &with_grants {
            let before = plain.get(key).copied().unwrap_or((false, false));
            if answer.0 && !before.0 {
                let (_, target, action) = *key;
                match target {
                    Target::Page(id) => {
                        let page = world.page(id);
                        let covered = world.space(page.space).subtree_grants.iter().any(|s| {
                            s.root == id || page.path.starts_with(&format!("{}{}/", s.root_path, s.root))
                        });
                        prop_assert!(covered, "page {} opened outside every subtree", id);
                    }
                    Target::Space(_) => prop_assert_eq!(
                        Action::ALL[action],
                        Action::ViewSpace,
                        "a subtree grant gives no space action but listing it"
                    ),
                    Target::Site => prop_assert!(false, "a subtree grant opened a site action"),
                }
            }
        }
    }
}
