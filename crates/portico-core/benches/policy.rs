//! Micro-benchmarks of the access engine:
//! - a single page decision from a warm access set (what every request does);
//! - a full `decide` with a few grants and a 3-deep restriction chain (explain
//!   access, single decisions without a cache);
//! - building the access set of a member in 50 groups over 5,000 spaces (3-5
//!   grants each) and ~500 restricted pages (what a cache miss costs).
//!
//! Run: `cargo bench -p portico-core --bench policy -- --warm-up-time 1 --measurement-time 3`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use portico_core::permission::BuiltinRole;
use portico_core::policy::{
    Action, GlobalGrant, Grant, Grantee, PageFacts, PageRef, Principal, Resource, RestrictedPage,
    Restriction, SiteFacts, SpaceFacts, Subject, Viewer, access_set, decide,
};
use portico_core::{GlobalPermission, GlobalPermissions, GroupId, PageId, Role, SpaceId, UserId};

/// A small deterministic generator (xorshift64*), so the worlds are the same
/// on every run without another dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const SPACES: i64 = 5_000;
const GROUPS: i64 = 400;
const MEMBER_GROUPS: i64 = 50;
const RESTRICTED: i64 = 500;
const ME: UserId = UserId(1);

fn site() -> SiteFacts {
    SiteFacts {
        anonymous_access: false,
        guests_see_anonymous_spaces: true,
        guests_may_hold_reserved: false,
        global_grants: vec![GlobalGrant {
            grantee: Grantee::AllMembers,
            permissions: GlobalPermissions::of(&[
                GlobalPermission::UseWiki,
                GlobalPermission::CreateSpace,
            ]),
        }],
    }
}

fn member(groups: impl IntoIterator<Item = GroupId>) -> Subject {
    let mut subject = Subject::new(Viewer::User(Principal {
        user_id: ME,
        role: Role::Member,
        org_admin: false,
    }));
    subject.groups = groups.into_iter().collect();
    subject
}

fn restriction(rng: &mut Rng, page: PageId) -> Restriction {
    let users = (0..1 + rng.below(3))
        .map(|_| UserId(1 + rng.below(200) as i64))
        .collect();
    let groups = (0..1 + rng.below(3))
        .map(|_| GroupId(1 + rng.below(GROUPS as u64) as i64))
        .collect();
    Restriction {
        page,
        users,
        groups,
    }
}

/// 5,000 spaces with 3-5 grants each (to random groups, sometimes to all
/// members), and ~500 restricted pages, a third of them under another
/// restricted page of the same space.
fn big_world() -> (Vec<SpaceFacts>, BTreeMap<PageId, RestrictedPage>) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let roles = BuiltinRole::ALL.map(BuiltinRole::permissions);
    let spaces: Vec<SpaceFacts> = (1..=SPACES)
        .map(|id| SpaceFacts {
            id: SpaceId(id),
            archived: rng.chance(5),
            allows_guests: rng.chance(50),
            grants: (0..3 + rng.below(3))
                .map(|_| Grant {
                    grantee: if rng.chance(15) {
                        Grantee::AllMembers
                    } else {
                        Grantee::Group(GroupId(1 + rng.below(GROUPS as u64) as i64))
                    },
                    permissions: roles[rng.below(roles.len() as u64) as usize],
                })
                .collect(),
            subtree_grants: Vec::new(),
        })
        .collect();
    let mut restricted: BTreeMap<PageId, RestrictedPage> = BTreeMap::new();
    let mut by_space: BTreeMap<SpaceId, Vec<PageId>> = BTreeMap::new();
    for n in 1..=RESTRICTED {
        let page = PageId(1_000_000 + n);
        // Restricted pages cluster in a few hundred spaces.
        let space = SpaceId(1 + rng.below(300) as i64);
        let siblings = by_space.entry(space).or_default();
        let parent_key = if !siblings.is_empty() && rng.chance(35) {
            Some(siblings[rng.below(siblings.len() as u64) as usize])
        } else {
            None
        };
        siblings.push(page);
        restricted.insert(
            page,
            RestrictedPage {
                space,
                parent_key,
                restriction: restriction(&mut rng, page),
            },
        );
    }
    (spaces, restricted)
}

fn my_groups() -> BTreeSet<GroupId> {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut groups = BTreeSet::new();
    while groups.len() < MEMBER_GROUPS as usize {
        groups.insert(GroupId(1 + rng.below(GROUPS as u64) as i64));
    }
    groups
}

fn bench_access_set(c: &mut Criterion) {
    let (spaces, restricted) = big_world();
    let site = site();
    let subject = member(my_groups());
    let set = access_set(&subject, &site, &spaces, &restricted);
    println!(
        "access set: {} of {} spaces viewable, {} of {} restriction keys satisfied",
        set.spaces.len(),
        spaces.len(),
        set.keys.len(),
        restricted.len()
    );
    c.bench_function(
        "access_set: member in 50 groups, 5000 spaces, 500 restricted",
        |b| {
            b.iter(|| access_set(black_box(&subject), &site, &spaces, &restricted));
        },
    );

    // A warm set: a page under a satisfied key and one under no key.
    let space = *set.spaces.keys().next().unwrap();
    let key = set.keys.iter().next().copied();
    let restricted_page = PageRef {
        id: PageId(900_001),
        path: "/900000/",
        space: key.map_or(space, |key| restricted[&key].space),
        restriction_key: key,
        author: Some(UserId(7)),
        draft: false,
        blog: false,
        edit: None,
    };
    let open_page = PageRef {
        id: PageId(900_002),
        path: "/",
        space,
        restriction_key: None,
        author: Some(UserId(7)),
        draft: false,
        blog: false,
        edit: None,
    };
    assert!(set.can_view_page(open_page));
    c.bench_function("AccessSet::decide(ViewPage), restricted page", |b| {
        b.iter(|| set.decide(black_box(Action::ViewPage), black_box(restricted_page)));
    });
    c.bench_function("AccessSet::can_view_page, unrestricted page", |b| {
        b.iter(|| set.can_view_page(black_box(open_page)));
    });
}

fn bench_decide(c: &mut Criterion) {
    let site = site();
    let space = SpaceFacts {
        id: SpaceId(1),
        archived: false,
        allows_guests: true,
        grants: vec![
            Grant {
                grantee: Grantee::AllMembers,
                permissions: BuiltinRole::Viewer.permissions(),
            },
            Grant {
                grantee: Grantee::Group(GroupId(3)),
                permissions: BuiltinRole::Collaborator.permissions(),
            },
            Grant {
                grantee: Grantee::User(UserId(9)),
                permissions: BuiltinRole::Admin.permissions(),
            },
            Grant {
                grantee: Grantee::Anonymous,
                permissions: BuiltinRole::Viewer.permissions(),
            },
        ],
        subtree_grants: Vec::new(),
    };
    let named = |page: i64, group: i64| Restriction {
        page: PageId(page),
        users: [UserId(9), UserId(10)].into_iter().collect(),
        groups: [GroupId(group)].into_iter().collect(),
    };
    let chain = [named(10, 3), named(20, 4), named(30, 5)];
    let edit = named(30, 3);
    let page = PageFacts {
        id: PageId(30),
        path: "/10/20/",
        space: &space,
        author: Some(ME),
        draft: false,
        blog: false,
        view_chain: &chain,
        edit: Some(&edit),
    };
    let subject = member([GroupId(3), GroupId(4), GroupId(5), GroupId(6)]);
    assert!(decide(&subject, &site, Action::EditPage, Resource::Page(page)).allowed);
    c.bench_function(
        "decide(ViewPage), 4 grants, 3-deep restriction chain",
        |b| {
            b.iter(|| {
                decide(
                    black_box(&subject),
                    &site,
                    black_box(Action::ViewPage),
                    Resource::Page(page),
                )
            });
        },
    );
    c.bench_function(
        "decide(EditPage), 4 grants, 3-deep chain, edit restriction",
        |b| {
            b.iter(|| {
                decide(
                    black_box(&subject),
                    &site,
                    black_box(Action::EditPage),
                    Resource::Page(page),
                )
            });
        },
    );
}

criterion_group!(benches, bench_decide, bench_access_set);
criterion_main!(benches);
