//! Random worlds: the facts that both the engine and the oracle decide from,
//! and the requests to ask about them.
//!
//! A world is described with portico-core's own fact types (grants,
//! restrictions, site switches), plus what the engine receives already
//! digested: the page tree (the engine gets view chains and restriction keys,
//! the oracle walks parents itself) and group kinds (the engine gets a
//! subject's guest groups, the oracle sees guest groups as their own type).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};

use portico_core::permission::{BuiltinRole, SpacePermission};
use portico_core::policy::{
    Action, GlobalGrant, Grant, Grantee, Principal, RestrictedPage, Restriction, Scope, SiteFacts,
    SpaceFacts, Subject, SubtreeGrant, Viewer, restriction_key,
};
use portico_core::{GlobalPermission, GlobalPermissions, GroupId, PageId, Permissions, Role};
use portico_core::{SpaceId, UserId};
use proptest::prelude::*;
use proptest::sample::Index;

/// The longest root-to-page path (in pages) the oracle's policy follows.
pub const MAX_DEPTH: usize = 6;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSpec {
    pub id: GroupId,
    /// A guest group: its members are guests, and grants to it reach them.
    pub guest: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSpec {
    pub id: UserId,
    /// The effective role.
    pub role: Role,
    pub groups: BTreeSet<GroupId>,
    /// Whether the person has an active admin key (it counts for wiki admins).
    pub admin_key: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageSpec {
    pub id: PageId,
    pub space: SpaceId,
    pub parent: Option<PageId>,
    pub author: Option<UserId>,
    pub draft: bool,
    /// A blog post: no parent, never anyone's parent, never a share's root.
    pub blog: bool,
    pub view: Option<Restriction>,
    pub edit: Option<Restriction>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct World {
    pub site: SiteFacts,
    pub groups: Vec<GroupSpec>,
    pub users: Vec<UserSpec>,
    pub spaces: Vec<SpaceFacts>,
    /// Pages in creation order: a parent always comes before its children.
    pub pages: Vec<PageSpec>,
}

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Who {
    Anonymous,
    User(UserId),
}

/// What the action is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    Site,
    Space(SpaceId),
    Page(PageId),
}

/// One request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case {
    pub who: Who,
    pub action: Action,
    pub target: Target,
}

impl World {
    pub fn user(&self, id: UserId) -> Option<&UserSpec> {
        self.users.iter().find(|user| user.id == id)
    }

    pub fn space(&self, id: SpaceId) -> Option<&SpaceFacts> {
        self.spaces.iter().find(|space| space.id == id)
    }

    pub fn page(&self, id: PageId) -> Option<&PageSpec> {
        self.pages.iter().find(|page| page.id == id)
    }

    pub fn is_guest_group(&self, id: GroupId) -> bool {
        self.groups
            .iter()
            .any(|group| group.id == id && group.guest)
    }

    /// Everyone who may ask: the anonymous visitor and every user.
    pub fn principals(&self) -> Vec<Who> {
        std::iter::once(Who::Anonymous)
            .chain(self.users.iter().map(|user| Who::User(user.id)))
            .collect()
    }

    /// The subject the engine sees for `who`.
    pub fn subject(&self, who: Who) -> Subject {
        let Who::User(id) = who else {
            return Subject::anonymous();
        };
        let Some(user) = self.user(id) else {
            return Subject::anonymous();
        };
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
            .filter(|group| self.is_guest_group(*group))
            .collect();
        subject.admin_key = user.admin_key;
        subject
    }

    /// Every action of every principal on every target of the action's scope.
    pub fn cases(&self) -> Vec<Case> {
        let mut cases = Vec::new();
        for who in self.principals() {
            for action in Action::ALL {
                let targets: Vec<Target> = match action.scope() {
                    Scope::Site => vec![Target::Site],
                    Scope::Space => self.spaces.iter().map(|s| Target::Space(s.id)).collect(),
                    Scope::Page => self.pages.iter().map(|p| Target::Page(p.id)).collect(),
                };
                cases.extend(targets.into_iter().map(|target| Case {
                    who,
                    action,
                    target,
                }));
            }
        }
        cases
    }

    /// The page's materialised ancestor path (`/1/4/`), as the store keeps it.
    pub fn path_of(&self, id: PageId) -> String {
        let chain = self.ancestors_and_self(id);
        let ancestors = &chain[..chain.len().saturating_sub(1)];
        let mut path = String::from("/");
        for page in ancestors {
            path.push_str(&format!("{}/", page.id));
        }
        path
    }

    /// The page's ancestors and the page itself, root first. Stops (rather
    /// than loop) on a parent that is missing or repeats.
    pub fn ancestors_and_self(&self, id: PageId) -> Vec<&PageSpec> {
        let mut path = Vec::new();
        let mut cursor = self.page(id);
        while let Some(page) = cursor {
            if path.iter().any(|seen: &&PageSpec| seen.id == page.id) {
                break;
            }
            path.push(page);
            cursor = page.parent.and_then(|parent| self.page(parent));
        }
        path.reverse();
        path
    }

    /// The view restrictions of the page's ancestors and of the page, root
    /// first: what `decide` is given.
    pub fn view_chain(&self, id: PageId) -> Vec<Restriction> {
        self.ancestors_and_self(id)
            .into_iter()
            .filter_map(|page| page.view.clone())
            .collect()
    }

    fn key_of(&self, path: &[&PageSpec]) -> Option<PageId> {
        let ids: Vec<PageId> = path.iter().map(|page| page.id).collect();
        restriction_key(&ids, |id| self.page(id).is_some_and(|p| p.view.is_some()))
    }

    /// The page's restriction key (as a stored row carries it).
    pub fn restriction_key(&self, id: PageId) -> Option<PageId> {
        self.key_of(&self.ancestors_and_self(id))
    }

    /// Every restricted page with the key of its parent: what `access_set`
    /// is given.
    pub fn restricted(&self) -> BTreeMap<PageId, RestrictedPage> {
        self.pages
            .iter()
            .filter_map(|page| {
                let restriction = page.view.clone()?;
                let path = self.ancestors_and_self(page.id);
                let parent_key = self.key_of(&path[..path.len().saturating_sub(1)]);
                Some((
                    page.id,
                    RestrictedPage {
                        space: page.space,
                        parent_key,
                        restriction,
                    },
                ))
            })
            .collect()
    }

    /// A readable account of the world, for failure reports.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        let _ = self.write_description(&mut out);
        out
    }

    fn write_description(&self, out: &mut String) -> fmt::Result {
        let site = &self.site;
        writeln!(
            out,
            "site: anonymous_access={} guests_see_anonymous_spaces={} guests_may_hold_reserved={}",
            site.anonymous_access, site.guests_see_anonymous_spaces, site.guests_may_hold_reserved
        )?;
        for grant in &site.global_grants {
            let names: Vec<&str> = grant.permissions.iter().map(|p| p.as_str()).collect();
            writeln!(
                out,
                "  global grant to {}: {}",
                grant.grantee,
                names.join(", ")
            )?;
        }
        for group in &self.groups {
            let kind = if group.guest { "guest group" } else { "group" };
            writeln!(out, "{kind} {}", group.id)?;
        }
        for user in &self.users {
            let groups: Vec<String> = user.groups.iter().map(ToString::to_string).collect();
            writeln!(
                out,
                "user {}: role {}, groups [{}]{}",
                user.id,
                user.role,
                groups.join(", "),
                if user.admin_key { ", admin key" } else { "" }
            )?;
        }
        for space in &self.spaces {
            writeln!(
                out,
                "space {}:{}{}",
                space.id,
                if space.archived { " archived" } else { "" },
                if space.allows_guests {
                    " allows guests"
                } else {
                    " no guests"
                }
            )?;
            for grant in &space.grants {
                writeln!(out, "  grant to {}: {}", grant.grantee, grant.permissions)?;
            }
            for share in &space.subtree_grants {
                writeln!(
                    out,
                    "  share of page {} to {}: {}",
                    share.root, share.grant.grantee, share.grant.permissions
                )?;
            }
            for page in self.pages.iter().filter(|page| page.space == space.id) {
                let depth = self.ancestors_and_self(page.id).len().saturating_sub(1);
                let what = if page.blog { "blog post" } else { "page" };
                write!(out, "  {}{what} {}", "  ".repeat(depth), page.id)?;
                if let Some(author) = page.author {
                    write!(out, " by {author}")?;
                }
                if page.draft {
                    out.push_str(" draft");
                }
                if let Some(view) = &page.view {
                    write!(out, " view-restricted to {}", restriction_names(view))?;
                }
                if let Some(edit) = &page.edit {
                    write!(out, " edit-restricted to {}", restriction_names(edit))?;
                }
                out.push('\n');
            }
        }
        Ok(())
    }
}

fn restriction_names(restriction: &Restriction) -> String {
    let names: Vec<String> = restriction
        .users
        .iter()
        .map(|user| format!("user {user}"))
        .chain(
            restriction
                .groups
                .iter()
                .map(|group| format!("group {group}")),
        )
        .collect();
    format!("[{}]", names.join(", "))
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.who {
            Who::Anonymous => f.write_str("anonymous")?,
            Who::User(id) => write!(f, "user {id}")?,
        }
        write!(f, " {:?} on ", self.action)?;
        match self.target {
            Target::Site => f.write_str("the site"),
            Target::Space(id) => write!(f, "space {id}"),
            Target::Page(id) => write!(f, "page {id}"),
        }
    }
}

// ---------------------------------------------------------------------------
// Generation. A recipe is drawn (and shrunk) by proptest and built into a
// consistent world: indices pick among the users, groups, spaces and pages
// that exist, so every reference resolves.

#[derive(Debug, Clone)]
enum Pick {
    User(Index),
    Group(Index),
    AllMembers,
    Anonymous,
}

#[derive(Debug, Clone)]
struct PageRecipe {
    space: Index,
    parent: Option<Index>,
    author: Option<Index>,
    draft: bool,
    blog: bool,
    view: Option<(u16, u8)>,
    edit: Option<(u16, u8)>,
}

/// Archived, allows guests, grants, shares (grants limited to the subtree of
/// one of the space's pages).
type SpaceRecipe = (
    bool,
    bool,
    Vec<(Pick, Permissions)>,
    Vec<(Pick, Permissions, Index)>,
);

#[derive(Debug, Clone)]
struct Recipe {
    flags: (bool, bool, bool),
    default_global: Option<GlobalGrant>,
    global: Vec<(Pick, u8)>,
    groups: Vec<bool>,
    users: Vec<(Role, u8, bool)>,
    spaces: Vec<SpaceRecipe>,
    pages: Vec<PageRecipe>,
}

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![
        3 => any::<Index>().prop_map(Pick::User),
        3 => any::<Index>().prop_map(Pick::Group),
        2 => Just(Pick::AllMembers),
        1 => Just(Pick::Anonymous),
    ]
}

/// Who a share names: mostly single people (guests shared part of a space),
/// sometimes a group or all members; never anonymous visitors.
fn share_pick() -> impl Strategy<Value = Pick> {
    prop_oneof![
        5 => any::<Index>().prop_map(Pick::User),
        2 => any::<Index>().prop_map(Pick::Group),
        1 => Just(Pick::AllMembers),
    ]
}

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![
        3 => Just(Role::Member),
        1 => Just(Role::None),
        3 => Just(Role::Guest),
        2 => Just(Role::Admin),
    ]
}

fn space_permissions() -> impl Strategy<Value = Permissions> {
    prop_oneof![
        6 => prop::sample::select(BuiltinRole::ALL.to_vec()).prop_map(BuiltinRole::permissions),
        // `view` and a few more.
        2 => any::<u16>().prop_map(|bits| {
            Permissions::from_bits(i64::from(bits)).union(Permissions::of(&[SpacePermission::View]))
        }),
        // Anything, often without `view`.
        1 => any::<u16>().prop_map(|bits| Permissions::from_bits(i64::from(bits))),
    ]
}

fn restriction_masks() -> impl Strategy<Value = (u16, u8)> {
    (any::<u16>(), any::<u8>())
}

fn page_recipe() -> impl Strategy<Value = PageRecipe> {
    (
        any::<Index>(),
        prop::option::weighted(0.7, any::<Index>()),
        prop::option::weighted(0.85, any::<Index>()),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.2),
        prop::option::weighted(0.35, restriction_masks()),
        prop::option::weighted(0.25, restriction_masks()),
    )
        .prop_map(
            |(space, parent, author, draft, blog, view, edit)| PageRecipe {
                space,
                parent,
                author,
                draft,
                blog,
                view,
                edit,
            },
        )
}

/// The grant most sites start with: members use the wiki.
fn members_use_the_wiki() -> GlobalGrant {
    GlobalGrant {
        grantee: Grantee::AllMembers,
        permissions: GlobalPermissions::of(&[
            GlobalPermission::UseWiki,
            GlobalPermission::CreateSpace,
            GlobalPermission::SeeDirectory,
        ]),
    }
}

fn recipe(max_users: usize, max_spaces: usize, max_pages: usize) -> impl Strategy<Value = Recipe> {
    let flags = (
        any::<bool>(),
        prop::bool::weighted(0.7),
        prop::bool::weighted(0.3),
    );
    let default_global = prop::option::weighted(0.85, Just(members_use_the_wiki()));
    let global = prop::collection::vec((pick(), any::<u8>()), 0..3);
    let groups = prop::collection::vec(prop::bool::weighted(0.4), 0..=5);
    let users = prop::collection::vec(
        (role(), any::<u8>(), prop::bool::weighted(0.35)),
        1..=max_users,
    );
    let spaces = prop::collection::vec(
        (
            prop::bool::weighted(0.2),
            prop::bool::weighted(0.75),
            prop::collection::vec((pick(), space_permissions()), 0..=5),
            prop::collection::vec((share_pick(), space_permissions(), any::<Index>()), 0..=3),
        ),
        1..=max_spaces,
    );
    let pages = prop::collection::vec(page_recipe(), 0..=max_pages);
    (flags, default_global, global, groups, users, spaces, pages).prop_map(
        |(flags, default_global, global, groups, users, spaces, pages)| Recipe {
            flags,
            default_global,
            global,
            groups,
            users,
            spaces,
            pages,
        },
    )
}

impl Recipe {
    fn build(self) -> World {
        let groups: Vec<GroupSpec> = self
            .groups
            .iter()
            .zip(1..)
            .map(|(guest, id)| GroupSpec {
                id: GroupId(id),
                guest: *guest,
            })
            .collect();
        let users: Vec<UserSpec> = self
            .users
            .iter()
            .zip(1..)
            .map(|((role, mask, admin_key), id)| UserSpec {
                id: UserId(id),
                role: *role,
                groups: masked(&groups, u16::from(*mask))
                    .map(|group| group.id)
                    .collect(),
                admin_key: *admin_key,
            })
            .collect();
        let grantee = |pick: &Pick| match pick {
            Pick::User(index) if !users.is_empty() => {
                Grantee::User(users[index.index(users.len())].id)
            }
            Pick::Group(index) if !groups.is_empty() => {
                Grantee::Group(groups[index.index(groups.len())].id)
            }
            Pick::Anonymous => Grantee::Anonymous,
            _ => Grantee::AllMembers,
        };
        let restriction = |page: PageId, (user_mask, group_mask): (u16, u8)| Restriction {
            page,
            users: masked(&users, user_mask).map(|user| user.id).collect(),
            groups: masked(&groups, u16::from(group_mask))
                .map(|group| group.id)
                .collect(),
        };
        let mut global_grants: Vec<GlobalGrant> = self.default_global.into_iter().collect();
        global_grants.extend(self.global.iter().map(|(pick, bits)| GlobalGrant {
            grantee: grantee(pick),
            permissions: GlobalPermissions::from_bits(i64::from(*bits)),
        }));
        let spaces: Vec<SpaceFacts> = self
            .spaces
            .iter()
            .zip(1..)
            .map(|((archived, allows_guests, grants, _), id)| SpaceFacts {
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
        let mut pages: Vec<PageSpec> = Vec::new();
        let mut depths: BTreeMap<PageId, usize> = BTreeMap::new();
        for (recipe, id) in self.pages.iter().zip(1..) {
            let id = PageId(id);
            let space = spaces[recipe.space.index(spaces.len())].id;
            let candidates: Vec<&PageSpec> = pages
                .iter()
                .filter(|page| {
                    page.space == space
                        && !page.blog
                        && depths
                            .get(&page.id)
                            .is_some_and(|depth| depth + 1 < MAX_DEPTH)
                })
                .collect();
            let parent = match recipe.parent {
                Some(index) if !recipe.blog && !candidates.is_empty() => {
                    Some(candidates[index.index(candidates.len())].id)
                }
                _ => None,
            };
            let depth = parent
                .and_then(|parent| depths.get(&parent))
                .map_or(0, |depth| depth + 1);
            depths.insert(id, depth);
            pages.push(PageSpec {
                id,
                space,
                parent,
                author: recipe
                    .author
                    .filter(|_| !users.is_empty())
                    .map(|index| users[index.index(users.len())].id),
                draft: recipe.draft,
                blog: recipe.blog,
                view: recipe.view.map(|masks| restriction(id, masks)),
                edit: recipe.edit.map(|masks| restriction(id, masks)),
            });
        }
        // Who each share names, resolved while the people are at hand.
        let shares: Vec<Vec<(Grant, Index)>> = self
            .spaces
            .iter()
            .map(|(_, _, _, shares)| {
                shares
                    .iter()
                    .map(|(pick, permissions, root)| {
                        let grant = Grant {
                            grantee: grantee(pick),
                            permissions: *permissions,
                        };
                        (grant, *root)
                    })
                    .collect()
            })
            .collect();
        let mut world = World {
            site: SiteFacts {
                anonymous_access: self.flags.0,
                guests_see_anonymous_spaces: self.flags.1,
                guests_may_hold_reserved: self.flags.2,
                global_grants,
            },
            groups,
            users,
            spaces,
            pages,
        };
        // Shares name pages, so they come last.
        for (index, shares) in shares.into_iter().enumerate() {
            let space_id = world.spaces[index].id;
            let in_space: Vec<PageId> = world
                .pages
                .iter()
                .filter(|page| page.space == space_id && !page.blog)
                .map(|page| page.id)
                .collect();
            if in_space.is_empty() {
                continue;
            }
            let subtree_grants: Vec<SubtreeGrant> = shares
                .into_iter()
                .map(|(grant, root)| {
                    let root = in_space[root.index(in_space.len())];
                    SubtreeGrant {
                        grant,
                        root,
                        root_path: world.path_of(root),
                    }
                })
                .collect();
            world.spaces[index].subtree_grants = subtree_grants;
        }
        world
    }
}

fn masked<T>(items: &[T], mask: u16) -> impl Iterator<Item = &T> {
    items
        .iter()
        .enumerate()
        .filter(move |(i, _)| *i < 16 && mask & (1 << i) != 0)
        .map(|(_, item)| item)
}

/// Random worlds of up to `max_users` users, `max_spaces` spaces and
/// `max_pages` pages (trees no deeper than [`MAX_DEPTH`]).
pub fn worlds(
    max_users: usize,
    max_spaces: usize,
    max_pages: usize,
) -> impl Strategy<Value = World> {
    recipe(max_users.max(1), max_spaces.max(1), max_pages).prop_map(Recipe::build)
}
