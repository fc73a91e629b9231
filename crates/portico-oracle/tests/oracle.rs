//! The oracle test: on random worlds, every request is put to the Cedar
//! policy, to `portico_core::policy::decide`, and to the access-set path
//! (`access_set` + `AccessSet::decide`/`decide_space`/`decide_site`); all
//! three must agree, including on whether an admin key made the difference.
//!
//! Deterministic: worlds come from a fixed seed, which `PORTICO_ORACLE_SEED`
//! (decimal or 0x-hex) replaces for nightly runs; `PORTICO_ORACLE_WORLDS`
//! sets how many worlds. On a disagreement, proptest shrinks the world and the
//! test prints the minimal world and the first request they disagree on.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;

use portico_core::Role;
use portico_core::permission::{BuiltinRole, SpacePermission};
use portico_core::policy::{
    AccessSet, Action, Grantee, PageFacts, PageRef, Resource, access_set, decide,
};
use portico_oracle::world::PageSpec;
use portico_oracle::{Answer, Case, Oracle, Target, Who, World, worlds};
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestCaseError, TestError, TestRunner};

const DEFAULT_SEED: u64 = 0x0ac1_e5ee_d2c0_ffee;
const DEFAULT_WORLDS: u32 = 40;
const MIN_CASES: usize = 10_000;

fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    let text = text.trim();
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={text} is not a number")))
}

/// What `decide` says: `(allowed, by_admin_key)`.
fn engine_decide(world: &World, case: &Case) -> (bool, bool) {
    let subject = world.subject(case.who);
    let decision = match case.target {
        Target::Site => decide(&subject, &world.site, case.action, Resource::Site),
        Target::Space(id) => {
            let space = world.space(id).unwrap();
            decide(&subject, &world.site, case.action, Resource::Space(space))
        }
        Target::Page(id) => {
            let page = world.page(id).unwrap();
            let chain = world.view_chain(id);
            let path = world.path_of(id);
            let facts = PageFacts {
                id,
                path: &path,
                space: world.space(page.space).unwrap(),
                author: page.author,
                draft: page.draft,
                blog: page.blog,
                view_chain: &chain,
                edit: page.edit.as_ref(),
            };
            decide(&subject, &world.site, case.action, Resource::Page(facts))
        }
    };
    assert!(
        decision.allowed || !decision.reasons.is_empty(),
        "a refusal always says why: {case}"
    );
    (decision.allowed, decision.by_admin_key)
}

fn page_ref<'a>(world: &World, page: &'a PageSpec, path: &'a str) -> PageRef<'a> {
    PageRef {
        id: page.id,
        path,
        space: page.space,
        restriction_key: world.restriction_key(page.id),
        author: page.author,
        draft: page.draft,
        blog: page.blog,
        edit: page.edit.as_ref(),
    }
}

/// What the access set says: `(allowed, by_admin_key)`.
fn engine_set(world: &World, set: &AccessSet, case: &Case) -> (bool, bool) {
    match case.target {
        Target::Site => (set.decide_site(case.action), false),
        Target::Space(id) => {
            let archived = world.space(id).unwrap().archived;
            set.decide_space(case.action, id, archived)
        }
        Target::Page(id) => {
            let path = world.path_of(id);
            set.decide(case.action, page_ref(world, world.page(id).unwrap(), &path))
        }
    }
}

/// Compares every request of `world`; returns the disagreements.
fn compare(
    oracle: &Oracle,
    world: &World,
    coverage: &mut BTreeMap<&'static str, usize>,
) -> Result<Vec<String>, String> {
    let cedar = oracle.world(world).map_err(|err| err.to_string())?;
    let restricted = world.restricted();
    let sets: HashMap<Who, AccessSet> = world
        .principals()
        .into_iter()
        .map(|who| {
            let subject = world.subject(who);
            (
                who,
                access_set(&subject, &world.site, &world.spaces, &restricted),
            )
        })
        .collect();
    let mut answers: HashMap<(Who, Action, Target), Answer> = HashMap::new();
    let mut disagreements = Vec::new();
    for case in world.cases() {
        let answer = oracle
            .decide(&cedar, &case)
            .map_err(|err| format!("{case}: {err}"))?;
        let expected = (answer.allowed, answer.by_admin_key);
        let decided = engine_decide(world, &case);
        let set = &sets[&case.who];
        let from_set = engine_set(world, set, &case);
        let mut extra = Vec::new();
        let listed = match (case.action, case.target) {
            (Action::ViewPage, Target::Page(id)) => {
                let path = world.path_of(id);
                Some(
                    set.can_view_page(page_ref(world, world.page(id).unwrap(), &path))
                        == answer.allowed,
                )
            }
            // Lists never use the admin key.
            (Action::ViewSpace, Target::Space(id)) => {
                Some(set.can_view_space(id) == (answer.allowed && !answer.by_admin_key))
            }
            _ => None,
        };
        if listed == Some(false) {
            extra.push("AccessSet::can_view_page / can_view_space differs");
        }
        if decided != expected || from_set != expected || !extra.is_empty() {
            disagreements.push(disagreement(
                world, &case, &answer, decided, from_set, &extra,
            ));
        }
        answers.insert((case.who, case.action, case.target), answer);
    }
    tally(world, &answers, coverage);
    Ok(disagreements)
}

fn disagreement(
    world: &World,
    case: &Case,
    answer: &Answer,
    decided: (bool, bool),
    from_set: (bool, bool),
    extra: &[&str],
) -> String {
    let subject = world.subject(case.who);
    let explanation = match case.target {
        Target::Page(id) => {
            let page = world.page(id).unwrap();
            let chain = world.view_chain(id);
            let path = world.path_of(id);
            let facts = PageFacts {
                id,
                path: &path,
                space: world.space(page.space).unwrap(),
                author: page.author,
                draft: page.draft,
                blog: page.blog,
                view_chain: &chain,
                edit: page.edit.as_ref(),
            };
            let decision = decide(&subject, &world.site, case.action, Resource::Page(facts));
            format!(
                "{} (restriction key {:?})",
                decision.explanation(),
                world.restriction_key(id)
            )
        }
        Target::Space(id) => decide(
            &subject,
            &world.site,
            case.action,
            Resource::Space(world.space(id).unwrap()),
        )
        .explanation(),
        Target::Site => decide(&subject, &world.site, case.action, Resource::Site).explanation(),
    };
    format!(
        "request: {case}\n  cedar:      allowed={} by_admin_key={} (policies: {})\n  decide:     allowed={} by_admin_key={} ({explanation})\n  access set: allowed={} by_admin_key={}{}",
        answer.allowed,
        answer.by_admin_key,
        answer.policies.join(", "),
        decided.0,
        decided.1,
        from_set.0,
        from_set.1,
        if extra.is_empty() {
            String::new()
        } else {
            format!("\n  also: {}", extra.join("; "))
        }
    )
}

/// Counts the situations the brief asks to cover, so that a generator change
/// that stops producing them fails loudly instead of passing vacuously.
fn tally(
    world: &World,
    answers: &HashMap<(Who, Action, Target), Answer>,
    coverage: &mut BTreeMap<&'static str, usize>,
) {
    let mut note = |tag: &'static str, hit: bool| {
        let count = coverage.entry(tag).or_default();
        if hit {
            *count += 1;
        }
    };
    let site = &world.site;
    note("site: anonymous access on", site.anonymous_access);
    note("site: anonymous access off", !site.anonymous_access);
    note(
        "site: guests_see_anonymous_spaces off",
        !site.guests_see_anonymous_spaces,
    );
    note(
        "site: guests_may_hold_reserved on",
        site.guests_may_hold_reserved,
    );
    let allowed = |who: Who, action: Action, target: Target| {
        answers
            .get(&(who, action, target))
            .is_some_and(|answer| answer.allowed)
    };
    let viewer = BuiltinRole::Viewer.permissions();
    for ((who, action, target), answer) in answers {
        let (who, action, target) = (*who, *action, *target);
        let user = match who {
            Who::User(id) => world.user(id),
            Who::Anonymous => None,
        };
        let role = user.map_or(Role::None, |user| user.role);
        let key = user.is_some_and(|user| user.admin_key);
        let space_id = match target {
            Target::Space(id) => Some(id),
            Target::Page(id) => world.page(id).map(|page| page.space),
            Target::Site => None,
        };
        let space = space_id.and_then(|id| world.space(id));
        let page = match target {
            Target::Page(id) => world.page(id),
            _ => None,
        };
        let grants_with = |permission: SpacePermission| -> Vec<Grantee> {
            space.map_or_else(Vec::new, |space| {
                space
                    .grants
                    .iter()
                    .filter(|grant| grant.permissions.contains(permission))
                    .map(|grant| grant.grantee)
                    .collect()
            })
        };
        let direct_grant = |permission: SpacePermission| {
            user.is_some_and(|u| grants_with(permission).contains(&Grantee::User(u.id)))
        };
        let view_grants = grants_with(SpacePermission::View);
        let direct = user.is_some_and(|u| view_grants.contains(&Grantee::User(u.id)));
        let via_guest_group = user.is_some_and(|u| {
            view_grants.iter().any(|grantee| match grantee {
                Grantee::Group(group) => u.groups.contains(group) && world.is_guest_group(*group),
                _ => false,
            })
        });
        let via_plain_group = user.is_some_and(|u| {
            view_grants.iter().any(|grantee| match grantee {
                Grantee::Group(group) => u.groups.contains(group) && !world.is_guest_group(*group),
                _ => false,
            })
        });
        let anonymous_grant = view_grants.contains(&Grantee::Anonymous);
        let all_members = view_grants.contains(&Grantee::AllMembers);
        let allows_guests = space.is_some_and(|space| space.allows_guests);
        let archived = space.is_some_and(|space| space.archived);
        let ok = answer.allowed;
        // Shares of this space that name the user directly, and whether one
        // covers the page asked about.
        let my_shares: Vec<_> = space.map_or_else(Vec::new, |space| {
            space
                .subtree_grants
                .iter()
                .filter(|share| user.is_some_and(|u| share.grant.grantee == Grantee::User(u.id)))
                .collect()
        });
        let share_covers = page.is_some_and(|page| {
            my_shares.iter().any(|share| {
                world
                    .ancestors_and_self(page.id)
                    .iter()
                    .any(|p| p.id == share.root)
            })
        });
        let shared_only = !my_shares.is_empty()
            && !direct
            && !via_guest_group
            && !via_plain_group
            && !all_members
            && !anonymous_grant;

        match who {
            Who::Anonymous => {
                note("anonymous views a page", action == Action::ViewPage && ok);
                note(
                    "anonymous refused a page",
                    action == Action::ViewPage && !ok,
                );
                note(
                    "anonymous refused an anonymous space while the site switch is off",
                    action == Action::ViewSpace && !ok && anonymous_grant && !site.anonymous_access,
                );
            }
            Who::User(_) => {}
        }
        match role {
            Role::None if user.is_some() => note(
                "role none refused a space that names them",
                action == Action::ViewSpace && !ok && direct,
            ),
            Role::Guest => {
                note(
                    "guest views through a direct assignment",
                    action == Action::ViewSpace && ok && direct,
                );
                note(
                    "guest views through a guest group only",
                    action == Action::ViewSpace && ok && via_guest_group && !direct,
                );
                note(
                    "guest ignored by an ordinary group's grant",
                    action == Action::ViewSpace
                        && !ok
                        && via_plain_group
                        && allows_guests
                        && !direct
                        && !via_guest_group,
                );
                note(
                    "guest ignored by an all-members grant",
                    action == Action::ViewSpace && !ok && all_members && allows_guests,
                );
                note(
                    "guest refused by a space that forbids guests",
                    action == Action::ViewSpace && !ok && direct && !allows_guests,
                );
                note(
                    "guest sees an anonymous space",
                    action == Action::ViewSpace && ok && !direct && !via_guest_group,
                );
                let only_viewer = space.is_some_and(|space| {
                    let mine: Vec<_> = space
                        .grants
                        .iter()
                        .filter(|grant| {
                            user.is_some_and(|u| {
                                grant.grantee == Grantee::User(u.id)
                                    || matches!(grant.grantee, Grantee::Group(g) if u.groups.contains(&g))
                            })
                        })
                        .collect();
                    !mine.is_empty() && mine.iter().all(|grant| grant.permissions == viewer)
                });
                note(
                    "guest viewer reads a page",
                    action == Action::ViewPage && ok && only_viewer,
                );
                note(
                    "guest viewer refused a comment",
                    action == Action::CommentPage
                        && !ok
                        && only_viewer
                        && allowed(who, Action::ViewPage, target),
                );
                note(
                    "guest holds a reserved permission",
                    matches!(
                        action,
                        Action::RestrictPage | Action::ExportPage | Action::ExportSpace
                    ) && ok,
                );
                note(
                    "guest refused a reserved permission they were granted",
                    action == Action::ExportSpace
                        && !ok
                        && direct_grant(SpacePermission::Export)
                        && allowed(who, Action::ViewSpace, target),
                );
            }
            Role::Member => {
                note(
                    "member views through a group only",
                    action == Action::ViewSpace
                        && ok
                        && !direct
                        && !all_members
                        && !anonymous_grant
                        && (via_plain_group || via_guest_group),
                );
                note(
                    "member without `use` refused the wiki",
                    action == Action::UseWiki && !ok,
                );
                note(
                    "member deletes their own page with delete.own",
                    action == Action::DeletePage
                        && ok
                        && page.is_some_and(|p| p.author == user.map(|u| u.id))
                        && !grants_with(SpacePermission::PageDelete).iter().any(|g| {
                            matches!(g, Grantee::AllMembers)
                                || user.is_some_and(|u| *g == Grantee::User(u.id))
                        }),
                );
            }
            Role::Admin => {
                note(
                    "wiki admin without a key refused a space",
                    action == Action::ViewSpace && !ok && !key,
                );
                note(
                    "wiki admin without a key administers a space they can't view",
                    action == Action::AdministerSpace
                        && ok
                        && !key
                        && !allowed(who, Action::ViewSpace, target),
                );
            }
            _ => {}
        }
        note(
            "a share alone shows its space",
            action == Action::ViewSpace && ok && shared_only && !answer.by_admin_key,
        );
        note(
            "a share alone opens a page under its root",
            action == Action::ViewPage && ok && shared_only && share_covers,
        );
        note(
            "a share holder refused a page outside the share",
            action == Action::ViewPage
                && !ok
                && shared_only
                && !share_covers
                && page.is_some_and(|p| !p.draft),
        );
        note(
            "a share alone lets its holder edit under its root",
            action == Action::EditPage && ok && shared_only && share_covers,
        );
        note(
            "a guest's share refused by a space that forbids guests",
            role == Role::Guest
                && action == Action::ViewSpace
                && !ok
                && !my_shares.is_empty()
                && !allows_guests,
        );
        note(
            "admin key opens a space",
            target_is_space(target) && answer.by_admin_key,
        );
        note(
            "admin key opens a page",
            matches!(target, Target::Page(_)) && answer.by_admin_key,
        );
        note(
            "admin key refused someone else's draft",
            key && role == Role::Admin
                && action == Action::ViewPage
                && !ok
                && page.is_some_and(|p| p.draft),
        );
        note(
            "admin key refused a write to an archived space",
            key && role == Role::Admin && action.writes() && archived && !ok,
        );
        note(
            "member refused a write to an archived space they can write in",
            role == Role::Member
                && action == Action::CreatePage
                && archived
                && !ok
                && allowed(who, Action::ViewSpace, target)
                && !grants_with(SpacePermission::PageCreate).is_empty(),
        );
        if let Some(page) = page {
            let chain = world.view_chain(page.id);
            let can_view_space =
                space_id.is_some_and(|id| allowed(who, Action::ViewSpace, Target::Space(id)));
            note(
                "author views their draft",
                action == Action::ViewPage && ok && page.draft,
            );
            note(
                "draft hidden from someone who can view the space",
                action == Action::ViewPage
                    && !ok
                    && page.draft
                    && can_view_space
                    && chain.is_empty(),
            );
            note(
                "view through a nested restriction (2+ levels)",
                action == Action::ViewPage && ok && chain.len() >= 2 && !answer.by_admin_key,
            );
            let own_met = page.view.as_ref().is_none_or(|r| {
                user.is_some_and(|u| {
                    r.users.contains(&u.id) || r.groups.iter().any(|g| u.groups.contains(g))
                })
            });
            note(
                "refused by an ancestor's restriction only",
                action == Action::ViewPage
                    && !ok
                    && can_view_space
                    && !page.draft
                    && own_met
                    && chain.len() > usize::from(page.view.is_some()),
            );
            note(
                "edit restriction refuses an edit the space allows",
                action == Action::EditPage
                    && !ok
                    && page.edit.is_some()
                    && allowed(who, Action::ViewPage, target)
                    && space_id
                        .is_some_and(|id| allowed(who, Action::CreatePage, Target::Space(id))),
            );
            // Blog posts: edited under `blog.create`, deleted under
            // `blog.delete` or `delete.own`, never under the page permissions.
            let may_space =
                |action: Action| space_id.is_some_and(|id| allowed(who, action, Target::Space(id)));
            note(
                "blog post edited with blog.create",
                page.blog && action == Action::EditPage && ok && !answer.by_admin_key,
            );
            note(
                "blog post edit refused despite page.create",
                page.blog
                    && action == Action::EditPage
                    && !ok
                    && allowed(who, Action::ViewPage, target)
                    && may_space(Action::CreatePage)
                    && !may_space(Action::CreateBlogPost),
            );
            note(
                "page edit refused despite blog.create",
                !page.blog
                    && action == Action::EditPage
                    && !ok
                    && page.edit.is_none()
                    && allowed(who, Action::ViewPage, target)
                    && may_space(Action::CreateBlogPost)
                    && !may_space(Action::CreatePage),
            );
            note(
                "blog post deleted with blog.delete",
                page.blog
                    && action == Action::DeletePage
                    && ok
                    && !answer.by_admin_key
                    && page.author != user.map(|u| u.id),
            );
            note(
                "author deletes their own blog post with delete.own",
                page.blog
                    && action == Action::DeletePage
                    && ok
                    && !answer.by_admin_key
                    && page.author == user.map(|u| u.id),
            );
        }
    }
}

fn target_is_space(target: Target) -> bool {
    matches!(target, Target::Space(_))
}

#[test]
fn cedar_and_the_engine_agree_on_random_worlds() {
    let seed = env_number("PORTICO_ORACLE_SEED").unwrap_or(DEFAULT_SEED);
    let worlds_to_run = env_number("PORTICO_ORACLE_WORLDS")
        .map_or(DEFAULT_WORLDS, |n| u32::try_from(n).unwrap_or(u32::MAX));
    let oracle = Oracle::load().unwrap();
    let config = Config {
        cases: worlds_to_run,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        max_shrink_iters: 4_000,
        max_shrink_time: 180_000,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let cases = Cell::new(0usize);
    let found = Cell::new(0usize);
    let coverage = RefCell::new(BTreeMap::<&'static str, usize>::new());
    let result = runner.run(&worlds(8, 5, 14), |world| {
        let mut local = BTreeMap::new();
        let disagreements = compare(&oracle, &world, &mut local).map_err(TestCaseError::fail)?;
        if let Some(first) = disagreements.first() {
            if found.get() == 0 {
                // The first failing world, before shrinking.
                found.set(disagreements.len());
                cases.set(cases.get() + world.cases().len());
            }
            return Err(TestCaseError::fail(first.clone()));
        }
        cases.set(cases.get() + world.cases().len());
        let mut coverage = coverage.borrow_mut();
        for (tag, count) in local {
            *coverage.entry(tag).or_default() += count;
        }
        Ok(())
    });
    let summary = format!(
        "oracle: compared {} cases, {} disagreements (seed {seed:#x}, {worlds_to_run} worlds, {} Cedar policies)",
        cases.get(),
        found.get(),
        oracle.policy_count()
    );
    println!("{summary}");
    // Straight to the process's stderr, past the test harness's capture, so
    // that a plain `cargo test` shows the count too.
    let _ = writeln!(std::io::stderr(), "{summary}");
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, world)) => panic!(
            "Cedar and the engine disagree. Minimal world:\n{}\n{reason}",
            world.describe()
        ),
        Err(TestError::Abort(reason)) => panic!("aborted: {reason}"),
    }
    let coverage = coverage.into_inner();
    let mut missing = Vec::new();
    for (tag, count) in &coverage {
        eprintln!("  {count:>6}  {tag}");
        if *count == 0 {
            missing.push(*tag);
        }
    }
    assert!(
        cases.get() >= MIN_CASES || worlds_to_run < DEFAULT_WORLDS,
        "only {} cases",
        cases.get()
    );
    if seed == DEFAULT_SEED {
        assert!(missing.is_empty(), "never exercised: {missing:?}");
    } else if !missing.is_empty() {
        eprintln!("oracle: with this seed, never exercised: {missing:?}");
    }
}

#[test]
fn the_policy_validates_against_its_schema() {
    let oracle = Oracle::load().unwrap();
    assert!(oracle.policy_count() > 30);
}
