//! One test per rule of the engine. Random-world properties and the oracle
//! comparison live in `tests/` of this crate and in `portico-oracle`.

use super::*;
use crate::permission::BuiltinRole;

fn user(id: i64, role: Role) -> Subject {
    Subject::new(Viewer::User(Principal {
        user_id: UserId(id),
        role,
        org_admin: false,
    }))
}

fn in_groups(mut subject: Subject, groups: &[i64], guest_groups: &[i64]) -> Subject {
    subject.groups = groups
        .iter()
        .chain(guest_groups)
        .map(|g| GroupId(*g))
        .collect();
    subject.guest_groups = guest_groups.iter().map(|g| GroupId(*g)).collect();
    subject
}

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
                GlobalPermission::SeeDirectory,
            ]),
        }],
    }
}

fn grant(grantee: Grantee, role: BuiltinRole) -> Grant {
    Grant {
        grantee,
        permissions: role.permissions(),
    }
}

fn space(id: i64, grants: Vec<Grant>) -> SpaceFacts {
    SpaceFacts {
        id: SpaceId(id),
        archived: false,
        allows_guests: true,
        grants,
        subtree_grants: Vec::new(),
    }
}

fn page<'a>(space: &'a SpaceFacts, chain: &'a [Restriction]) -> PageFacts<'a> {
    PageFacts {
        id: PageId(100),
        path: "/",
        space,
        author: Some(UserId(50)),
        draft: false,
        blog: false,
        view_chain: chain,
        edit: None,
    }
}

fn restriction(page: i64, users: &[i64], groups: &[i64]) -> Restriction {
    Restriction {
        page: PageId(page),
        users: users.iter().map(|u| UserId(*u)).collect(),
        groups: groups.iter().map(|g| GroupId(*g)).collect(),
    }
}

fn allowed(subject: &Subject, site: &SiteFacts, action: Action, resource: Resource<'_>) -> bool {
    let decision = decide(subject, site, action, resource);
    assert!(
        !decision.reasons.is_empty() || decision.allowed,
        "a refusal always says why: {action:?}"
    );
    decision.allowed
}

#[test]
fn all_members_grants_reach_members_and_never_guests() {
    let open = space(
        1,
        vec![grant(Grantee::AllMembers, BuiltinRole::Collaborator)],
    );
    let site = site();
    assert!(allowed(
        &user(1, Role::Member),
        &site,
        Action::ViewSpace,
        Resource::Space(&open)
    ));
    assert!(allowed(
        &user(1, Role::Admin),
        &site,
        Action::ViewSpace,
        Resource::Space(&open)
    ));
    let guest = decide(
        &user(2, Role::Guest),
        &site,
        Action::ViewSpace,
        Resource::Space(&open),
    );
    assert!(!guest.allowed);
    assert!(guest.reasons.contains(&Reason::AllMembersExcludeGuests));
    assert!(!allowed(
        &user(3, Role::None),
        &site,
        Action::ViewSpace,
        Resource::Space(&open)
    ));
}

#[test]
fn guests_see_exactly_their_assignments_and_guest_groups() {
    let assigned = space(
        1,
        vec![grant(Grantee::User(UserId(2)), BuiltinRole::Collaborator)],
    );
    let via_group = space(
        2,
        vec![grant(Grantee::Group(GroupId(7)), BuiltinRole::Viewer)],
    );
    let site = site();
    let guest = in_groups(user(2, Role::Guest), &[], &[7]);
    assert!(allowed(
        &guest,
        &site,
        Action::ViewSpace,
        Resource::Space(&assigned)
    ));
    assert!(allowed(
        &guest,
        &site,
        Action::ViewSpace,
        Resource::Space(&via_group)
    ));
    // A grant to an ordinary group the guest happens to be in does not count.
    let plain_group = in_groups(user(2, Role::Guest), &[7], &[]);
    assert!(!allowed(
        &plain_group,
        &site,
        Action::ViewSpace,
        Resource::Space(&via_group)
    ));
}

#[test]
fn viewer_guests_read_and_never_write() {
    let s = space(
        1,
        vec![grant(Grantee::User(UserId(2)), BuiltinRole::Viewer)],
    );
    let site = site();
    let guest = user(2, Role::Guest);
    let p = page(&s, &[]);
    assert!(allowed(&guest, &site, Action::ViewPage, Resource::Page(p)));
    for action in Action::ALL.into_iter().filter(|a| a.writes()) {
        let resource = if action.scope() == Scope::Page {
            Resource::Page(p)
        } else {
            Resource::Space(&s)
        };
        assert!(!allowed(&guest, &site, action, resource), "{action:?}");
    }
}

#[test]
fn guests_never_hold_reserved_permissions_unless_the_site_allows() {
    let s = space(1, vec![grant(Grantee::User(UserId(2)), BuiltinRole::Admin)]);
    let mut site = site();
    let guest = user(2, Role::Guest);
    let held = space_permissions(&guest, &site, GlobalPermissions::NONE, &s, &mut ());
    assert!(held.contains(SpacePermission::PageDelete));
    assert!(!held.contains(SpacePermission::Admin));
    assert!(!held.contains(SpacePermission::Restrict));
    assert!(!held.contains(SpacePermission::Export));
    site.guests_may_hold_reserved = true;
    let held = space_permissions(&guest, &site, GlobalPermissions::NONE, &s, &mut ());
    assert_eq!(held, Permissions::ALL);
}

#[test]
fn a_space_that_forbids_guests_admits_none() {
    let mut s = space(
        1,
        vec![grant(Grantee::User(UserId(2)), BuiltinRole::Collaborator)],
    );
    s.allows_guests = false;
    let decision = decide(
        &user(2, Role::Guest),
        &site(),
        Action::ViewSpace,
        Resource::Space(&s),
    );
    assert!(!decision.allowed);
    assert!(decision.reasons.contains(&Reason::GuestsNotAllowed));
}

#[test]
fn anonymous_grants_count_only_while_the_site_switch_is_on() {
    let s = space(
        1,
        vec![grant(Grantee::Anonymous, BuiltinRole::Collaborator)],
    );
    let mut site = site();
    let anonymous = Subject::anonymous();
    // The space flag alone admits nobody (the anchor product's bug).
    assert!(!allowed(
        &anonymous,
        &site,
        Action::ViewSpace,
        Resource::Space(&s)
    ));
    assert!(!allowed(
        &user(2, Role::Guest),
        &site,
        Action::ViewSpace,
        Resource::Space(&s)
    ));
    site.anonymous_access = true;
    assert!(allowed(
        &anonymous,
        &site,
        Action::ViewSpace,
        Resource::Space(&s)
    ));
    // Anonymous access is read-only even when the grant says more.
    assert!(!allowed(
        &anonymous,
        &site,
        Action::CreatePage,
        Resource::Space(&s)
    ));
    assert!(allowed(
        &user(2, Role::Guest),
        &site,
        Action::ViewSpace,
        Resource::Space(&s)
    ));
    site.guests_see_anonymous_spaces = false;
    assert!(!allowed(
        &user(2, Role::Guest),
        &site,
        Action::ViewSpace,
        Resource::Space(&s)
    ));
}

#[test]
fn grants_without_view_give_nothing() {
    let s = space(
        1,
        vec![Grant {
            grantee: Grantee::User(UserId(1)),
            permissions: Permissions::of(&[SpacePermission::PageCreate]),
        }],
    );
    let decision = decide(
        &user(1, Role::Member),
        &site(),
        Action::CreatePage,
        Resource::Space(&s),
    );
    assert!(!decision.allowed);
    assert!(decision.reasons.contains(&Reason::NoViewNoAccess));
}

#[test]
fn members_need_the_use_permission() {
    let s = space(
        1,
        vec![grant(Grantee::AllMembers, BuiltinRole::Collaborator)],
    );
    let mut site = site();
    site.global_grants.clear();
    assert!(!allowed(
        &user(1, Role::Member),
        &site,
        Action::ViewSpace,
        Resource::Space(&s)
    ));
    assert!(!allowed(
        &user(1, Role::Member),
        &site,
        Action::CreateSpace,
        Resource::Site
    ));
    // Wiki admins hold every global permission through their role.
    assert!(allowed(
        &user(1, Role::Admin),
        &site,
        Action::CreateSpace,
        Resource::Site
    ));
}

#[test]
fn guests_get_no_global_grant() {
    let mut site = site();
    site.global_grants.push(GlobalGrant {
        grantee: Grantee::User(UserId(2)),
        permissions: GlobalPermissions::ALL,
    });
    let guest = user(2, Role::Guest);
    assert!(allowed(&guest, &site, Action::UseWiki, Resource::Site));
    for action in [
        Action::CreateSpace,
        Action::SeeDirectory,
        Action::AdministerWiki,
    ] {
        assert!(
            !allowed(&guest, &site, action, Resource::Site),
            "{action:?}"
        );
    }
}

#[test]
fn view_restrictions_are_inherited_and_all_must_be_met() {
    let s = space(
        1,
        vec![grant(Grantee::AllMembers, BuiltinRole::Collaborator)],
    );
    let site = site();
    let chain = [restriction(10, &[1, 2], &[]), restriction(20, &[2, 3], &[])];
    let p = page(&s, &chain);
    assert!(!allowed(
        &user(1, Role::Member),
        &site,
        Action::ViewPage,
        Resource::Page(p)
    ));
    assert!(allowed(
        &user(2, Role::Member),
        &site,
        Action::ViewPage,
        Resource::Page(p)
    ));
    assert!(!allowed(
        &user(3, Role::Member),
        &site,
        Action::ViewPage,
        Resource::Page(p)
    ));
    // Through a group.
    let chain = [restriction(10, &[], &[5])];
    let p = page(&s, &chain);
    assert!(allowed(
        &in_groups(user(4, Role::Member), &[5], &[]),
        &site,
        Action::ViewPage,
        Resource::Page(p)
    ));
}

#[test]
fn restrictions_never_widen_what_the_space_grants() {
    let s = space(
        1,
        vec![grant(Grantee::User(UserId(1)), BuiltinRole::Viewer)],
    );
    let chain = [restriction(10, &[1, 9], &[])];
    let p = page(&s, &chain);
    let site = site();
    assert!(!allowed(
        &user(9, Role::Member),
        &site,
        Action::ViewPage,
        Resource::Page(p)
    ));
    let mut edit = p;
    let edit_restriction = restriction(100, &[1], &[]);
    edit.edit = Some(&edit_restriction);
    assert!(!allowed(
        &user(1, Role::Member),
        &site,
        Action::EditPage,
        Resource::Page(edit)
    ));
}

#[test]
fn edit_restrictions_apply_to_their_page_only_and_leave_viewing_alone() {
    let s = space(
        1,
        vec![grant(Grantee::AllMembers, BuiltinRole::Collaborator)],
    );
    let site = site();
    let edit_restriction = restriction(100, &[1], &[]);
    let mut p = page(&s, &[]);
    p.edit = Some(&edit_restriction);
    assert!(allowed(
        &user(1, Role::Member),
        &site,
        Action::EditPage,
        Resource::Page(p)
    ));
    assert!(!allowed(
        &user(2, Role::Member),
        &site,
        Action::EditPage,
        Resource::Page(p)
    ));
    assert!(allowed(
        &user(2, Role::Member),
        &site,
        Action::ViewPage,
        Resource::Page(p)
    ));
    assert!(allowed(
        &user(2, Role::Member),
        &site,
        Action::CommentPage,
        Resource::Page(p)
    ));
    // Deleting a file changes the page as uploading one does.
    assert!(!allowed(
        &user(2, Role::Member),
        &site,
        Action::DeleteAttachment,
        Resource::Page(p)
    ));
}

#[test]
fn whoever_may_comment_may_resolve_inline_comments() {
    assert_eq!(Action::RESOLVE_COMMENT, Action::CommentPage);
    assert!(Action::RESOLVE_COMMENT.writes());
    assert_eq!(Action::RESOLVE_COMMENT.permission(), "comment.create");
    let commenters = space(
        1,
        vec![grant(Grantee::AllMembers, BuiltinRole::Collaborator)],
    );
    let readers = space(2, vec![grant(Grantee::AllMembers, BuiltinRole::Viewer)]);
    let site = site();
    let member = user(7, Role::Member);
    assert!(allowed(
        &member,
        &site,
        Action::RESOLVE_COMMENT,
        Resource::Page(page(&commenters, &[]))
    ));
    assert!(!allowed(
        &member,
        &site,
        Action::RESOLVE_COMMENT,
        Resource::Page(page(&readers, &[]))
    ));
}

#[test]
fn drafts_are_private_to_their_author_even_with_an_admin_key() {
    let s = space(1, vec![grant(Grantee::AllMembers, BuiltinRole::Admin)]);
    let site = site();
    let mut p = page(&s, &[]);
    p.draft = true;
    assert!(allowed(
        &user(50, Role::Member),
        &site,
        Action::ViewPage,
        Resource::Page(p)
    ));
    assert!(!allowed(
        &user(51, Role::Member),
        &site,
        Action::ViewPage,
        Resource::Page(p)
    ));
    let mut admin = user(52, Role::Admin);
    admin.admin_key = true;
    assert!(!allowed(&admin, &site, Action::ViewPage, Resource::Page(p)));
}

#[test]
fn archived_spaces_are_read_only() {
    let mut s = space(1, vec![grant(Grantee::AllMembers, BuiltinRole::Admin)]);
    s.archived = true;
    let site = site();
    let member = user(1, Role::Member);
    let p = page(&s, &[]);
    assert!(allowed(&member, &site, Action::ViewPage, Resource::Page(p)));
    assert!(!allowed(
        &member,
        &site,
        Action::EditPage,
        Resource::Page(p)
    ));
    assert!(!allowed(
        &member,
        &site,
        Action::CreatePage,
        Resource::Space(&s)
    ));
    assert!(allowed(
        &member,
        &site,
        Action::AdministerSpace,
        Resource::Space(&s)
    ));
}

#[test]
fn delete_own_covers_the_authors_pages_only() {
    let s = space(
        1,
        vec![Grant {
            grantee: Grantee::AllMembers,
            permissions: Permissions::of(&[SpacePermission::View, SpacePermission::DeleteOwn]),
        }],
    );
    let site = site();
    let p = page(&s, &[]);
    assert!(allowed(
        &user(50, Role::Member),
        &site,
        Action::DeletePage,
        Resource::Page(p)
    ));
    assert!(!allowed(
        &user(51, Role::Member),
        &site,
        Action::DeletePage,
        Resource::Page(p)
    ));
}

#[test]
fn comments_are_deleted_with_comment_delete_or_by_their_author_with_delete_own() {
    // The resource's author is the comment's author here (user 50).
    let own = space(
        1,
        vec![Grant {
            grantee: Grantee::AllMembers,
            permissions: Permissions::of(&[SpacePermission::View, SpacePermission::DeleteOwn]),
        }],
    );
    let site = site();
    let p = page(&own, &[]);
    let author = user(50, Role::Member);
    let other = user(51, Role::Member);
    assert!(allowed(
        &author,
        &site,
        Action::DeleteComment,
        Resource::Page(p)
    ));
    assert!(!allowed(
        &other,
        &site,
        Action::DeleteComment,
        Resource::Page(p)
    ));
    // `page.delete` is not `comment.delete`.
    let pages_only = space(
        2,
        vec![Grant {
            grantee: Grantee::AllMembers,
            permissions: Permissions::of(&[SpacePermission::View, SpacePermission::PageDelete]),
        }],
    );
    let p = page(&pages_only, &[]);
    assert!(!allowed(
        &other,
        &site,
        Action::DeleteComment,
        Resource::Page(p)
    ));
    let moderators = space(
        3,
        vec![Grant {
            grantee: Grantee::AllMembers,
            permissions: Permissions::of(&[SpacePermission::View, SpacePermission::CommentDelete]),
        }],
    );
    let p = page(&moderators, &[]);
    assert!(allowed(
        &other,
        &site,
        Action::DeleteComment,
        Resource::Page(p)
    ));
    assert_eq!(Action::DeleteComment.permission(), "comment.delete");
}

#[test]
fn attachments_are_deleted_with_attachment_delete_or_by_their_uploader_with_delete_own() {
    // The resource's author is the attachment's uploader here (user 50).
    let own = space(
        1,
        vec![Grant {
            grantee: Grantee::AllMembers,
            permissions: Permissions::of(&[SpacePermission::View, SpacePermission::DeleteOwn]),
        }],
    );
    let site = site();
    let p = page(&own, &[]);
    let uploader = user(50, Role::Member);
    let other = user(51, Role::Member);
    assert!(allowed(
        &uploader,
        &site,
        Action::DeleteAttachment,
        Resource::Page(p)
    ));
    assert!(!allowed(
        &other,
        &site,
        Action::DeleteAttachment,
        Resource::Page(p)
    ));
    // `comment.delete` or `page.delete` is not `attachment.delete`.
    let others = space(
        2,
        vec![Grant {
            grantee: Grantee::AllMembers,
            permissions: Permissions::of(&[
                SpacePermission::View,
                SpacePermission::PageDelete,
                SpacePermission::CommentDelete,
            ]),
        }],
    );
    let p = page(&others, &[]);
    assert!(!allowed(
        &other,
        &site,
        Action::DeleteAttachment,
        Resource::Page(p)
    ));
    let librarians = space(
        3,
        vec![Grant {
            grantee: Grantee::AllMembers,
            permissions: Permissions::of(&[
                SpacePermission::View,
                SpacePermission::AttachmentDelete,
            ]),
        }],
    );
    let p = page(&librarians, &[]);
    assert!(allowed(
        &other,
        &site,
        Action::DeleteAttachment,
        Resource::Page(p)
    ));
    assert_eq!(Action::DeleteAttachment.permission(), "attachment.delete");
    // Without `view`, `attachment.delete` gives nothing.
    let blind = space(
        4,
        vec![Grant {
            grantee: Grantee::AllMembers,
            permissions: Permissions::of(&[SpacePermission::AttachmentDelete]),
        }],
    );
    let p = page(&blind, &[]);
    assert!(!allowed(
        &other,
        &site,
        Action::DeleteAttachment,
        Resource::Page(p)
    ));
}

#[test]
fn wiki_admins_manage_spaces_but_read_only_with_an_admin_key() {
    let s = space(1, vec![grant(Grantee::User(UserId(9)), BuiltinRole::Admin)]);
    let site = site();
    let mut admin = user(1, Role::Admin);
    assert!(allowed(
        &admin,
        &site,
        Action::AdministerSpace,
        Resource::Space(&s)
    ));
    assert!(!allowed(
        &admin,
        &site,
        Action::ViewSpace,
        Resource::Space(&s)
    ));
    let chain = [restriction(10, &[9], &[])];
    let p = page(&s, &chain);
    assert!(!allowed(&admin, &site, Action::ViewPage, Resource::Page(p)));
    admin.admin_key = true;
    let decision = decide(&admin, &site, Action::ViewPage, Resource::Page(p));
    assert!(decision.allowed && decision.by_admin_key);
    assert!(decision.reasons.contains(&Reason::AdminKey));
    // A member's admin key is worth nothing.
    let mut member = user(2, Role::Member);
    member.admin_key = true;
    assert!(!allowed(
        &member,
        &site,
        Action::ViewPage,
        Resource::Page(p)
    ));
}

#[test]
fn a_403_names_the_missing_permission_and_explain_gives_reasons() {
    assert_eq!(Action::CommentPage.permission(), "comment.create");
    assert_eq!(Action::EditPage.permission(), "page.create");
    assert_eq!(Action::DeletePage.permission(), "page.delete");
    let s = space(
        1,
        vec![
            grant(Grantee::AllMembers, BuiltinRole::Viewer),
            grant(Grantee::Group(GroupId(3)), BuiltinRole::Collaborator),
        ],
    );
    let site = site();
    let member = in_groups(user(1, Role::Member), &[3], &[]);
    let explanation = explain(&member, &site, Resource::Page(page(&s, &[])));
    assert!(explanation.view.allowed && explanation.comment.allowed && explanation.edit.allowed);
    assert!(explanation.edit.reasons.contains(&Reason::SpaceGrant {
        grantee: Grantee::Group(GroupId(3)),
        permissions: names(BuiltinRole::Collaborator.permissions()),
    }));
    let reader = user(2, Role::Member);
    let explanation = explain(&reader, &site, Resource::Page(page(&s, &[])));
    assert!(explanation.view.allowed && !explanation.edit.allowed);
    assert!(explanation.edit.explanation().contains("page.create"));
}

#[test]
fn the_access_set_decides_like_decide() {
    let spaces = [
        space(
            1,
            vec![grant(Grantee::AllMembers, BuiltinRole::Collaborator)],
        ),
        space(
            2,
            vec![grant(Grantee::User(UserId(2)), BuiltinRole::Viewer)],
        ),
    ];
    let mut restricted = BTreeMap::new();
    restricted.insert(
        PageId(10),
        RestrictedPage {
            space: SpaceId(1),
            parent_key: None,
            restriction: restriction(10, &[1], &[]),
        },
    );
    restricted.insert(
        PageId(11),
        RestrictedPage {
            space: SpaceId(1),
            parent_key: Some(PageId(10)),
            restriction: restriction(11, &[1, 3], &[]),
        },
    );
    let site = site();
    for subject in [
        user(1, Role::Member),
        user(2, Role::Guest),
        user(3, Role::Member),
    ] {
        let set = access_set(&subject, &site, &spaces, &restricted);
        for space in &spaces {
            let chains: [(Option<PageId>, Vec<Restriction>); 3] = [
                (None, vec![]),
                (Some(PageId(10)), vec![restriction(10, &[1], &[])]),
                (
                    Some(PageId(11)),
                    vec![restriction(10, &[1], &[]), restriction(11, &[1, 3], &[])],
                ),
            ];
            for (key, chain) in &chains {
                if key.is_some() && space.id != SpaceId(1) {
                    continue;
                }
                let facts = page(space, chain);
                let page_ref = PageRef {
                    id: facts.id,
                    path: facts.path,
                    space: space.id,
                    restriction_key: *key,
                    author: facts.author,
                    draft: false,
                    blog: false,
                    edit: None,
                };
                for action in Action::ALL.into_iter().filter(|a| a.scope() == Scope::Page) {
                    assert_eq!(
                        set.decide(action, page_ref).0,
                        decide(&subject, &site, action, Resource::Page(facts)).allowed,
                        "{subject:?} {action:?} {key:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn restriction_keys_point_at_the_nearest_restricted_ancestor_or_self() {
    let path = [PageId(1), PageId(2), PageId(3)];
    assert_eq!(restriction_key(&path, |p| p == PageId(1)), Some(PageId(1)));
    assert_eq!(restriction_key(&path, |p| p != PageId(3)), Some(PageId(2)));
    assert_eq!(restriction_key(&path, |_| false), None);
}

#[test]
fn a_key_in_a_space_out_of_reach_is_never_satisfied() {
    let spaces = [space(1, vec![])];
    let mut restricted = BTreeMap::new();
    restricted.insert(
        PageId(10),
        RestrictedPage {
            space: SpaceId(1),
            parent_key: None,
            restriction: restriction(10, &[1], &[]),
        },
    );
    let set = access_set(&user(1, Role::Member), &site(), &spaces, &restricted);
    assert!(set.keys.is_empty());
    assert!(set.spaces.is_empty());
}

#[test]
fn an_admin_key_never_writes_to_an_archived_space_outside_the_access_set() {
    // Found by the Cedar oracle: the set knew only the archived state of the
    // spaces it could view, so an admin key could write in the others.
    let mut s = space(1, vec![grant(Grantee::User(UserId(9)), BuiltinRole::Admin)]);
    s.archived = true;
    let site = site();
    let mut admin = user(1, Role::Admin);
    admin.admin_key = true;
    let set = access_set(&admin, &site, [&s], &BTreeMap::new());
    assert!(!set.can_view_space(SpaceId(1)));
    let page_ref = PageRef {
        id: PageId(100),
        path: "/",
        space: SpaceId(1),
        restriction_key: None,
        author: Some(UserId(50)),
        draft: false,
        blog: false,
        edit: None,
    };
    let facts = page(&s, &[]);
    for action in Action::ALL.into_iter().filter(|a| a.scope() == Scope::Page) {
        let decision = decide(&admin, &site, action, Resource::Page(facts));
        assert_eq!(
            set.decide(action, page_ref),
            (decision.allowed, decision.by_admin_key),
            "{action:?}"
        );
        assert_eq!(decision.allowed, !action.writes(), "{action:?}");
    }
}

#[test]
fn only_org_admins_manage_the_directory() {
    let org_admin = |role| {
        Viewer::User(Principal {
            user_id: UserId(1),
            role,
            org_admin: true,
        })
    };
    assert!(administers_directory(&org_admin(Role::Member)));
    assert!(administers_directory(&org_admin(Role::None)));
    assert!(!administers_directory(&user(1, Role::Admin).viewer));
    assert!(!administers_directory(&Viewer::Anonymous));
}

/// A guest shared one page subtree: pages 10 (top) > 20 (the shared root) >
/// 30 > 40, and 21 beside 20.
#[test]
fn a_subtree_guest_sees_the_shared_page_and_its_descendants_only() {
    let mut s = space(1, vec![]);
    s.subtree_grants.push(SubtreeGrant {
        grant: grant(Grantee::User(UserId(7)), BuiltinRole::Collaborator),
        root: PageId(20),
        root_path: "/10/".to_owned(),
    });
    let guest = user(7, Role::Guest);
    let site = site();
    let set = access_set(&guest, &site, [&s], &BTreeMap::new());
    let at = |id: i64, path: &'static str| PageRef {
        id: PageId(id),
        path,
        space: SpaceId(1),
        restriction_key: None,
        author: None,
        draft: false,
        blog: false,
        edit: None,
    };
    let pages = [
        (at(10, "/"), false),
        (at(20, "/10/"), true),
        (at(30, "/10/20/"), true),
        (at(40, "/10/20/30/"), true),
        (at(21, "/10/"), false),
    ];
    for (page, visible) in pages {
        assert_eq!(set.can_view_page(page), visible, "page {}", page.id);
        assert_eq!(
            set.decide(Action::EditPage, page).0,
            visible,
            "edit {}",
            page.id
        );
        let facts = PageFacts {
            id: page.id,
            path: page.path,
            space: &s,
            author: None,
            draft: false,
            blog: false,
            view_chain: &[],
            edit: None,
        };
        let decided = decide(&guest, &site, Action::ViewPage, Resource::Page(facts));
        assert_eq!(decided.allowed, visible, "decide {}", page.id);
        assert!(
            decided.reasons.contains(&Reason::SubtreeGrant {
                root: PageId(20),
                covered: visible
            }),
            "{:?}",
            decided.reasons
        );
    }
    // The space is listed, and nothing else at space level.
    assert!(set.can_view_space(SpaceId(1)));
    assert_eq!(set.listed_space_ids(), vec![1]);
    assert!(set.space_ids().is_empty(), "no whole space");
    assert!(set.decide_space(Action::ViewSpace, SpaceId(1), false).0);
    for action in [
        Action::CreatePage,
        Action::AdministerSpace,
        Action::CreateBlogPost,
    ] {
        assert!(!set.decide_space(action, SpaceId(1), false).0, "{action:?}");
    }
    // Creating: under the shared pages, never at the top or beside them.
    assert!(
        set.decide_create_under(SpaceId(1), false, Some(at(30, "/10/20/")))
            .0
    );
    assert!(
        !set.decide_create_under(SpaceId(1), false, Some(at(10, "/")))
            .0
    );
    assert!(!set.decide_create_under(SpaceId(1), false, None).0);
    assert_eq!(
        set.subtree_filters(),
        vec![(1, 20, "/10/20/".to_owned())],
        "the query filter is the root and its descendants' prefix"
    );
}

#[test]
fn a_subtree_grant_obeys_the_guest_rules_of_its_space() {
    let viewer_grant = SubtreeGrant {
        grant: grant(Grantee::User(UserId(7)), BuiltinRole::Viewer),
        root: PageId(20),
        root_path: "/".to_owned(),
    };
    let mut s = space(1, vec![]);
    s.subtree_grants.push(viewer_grant);
    let guest = user(7, Role::Guest);
    let set = access_set(&guest, &site(), [&s], &BTreeMap::new());
    let shared = PageRef {
        id: PageId(20),
        path: "/",
        space: SpaceId(1),
        restriction_key: None,
        author: None,
        draft: false,
        blog: false,
        edit: None,
    };
    assert!(set.can_view_page(shared));
    assert!(
        !set.decide(Action::EditPage, shared).0,
        "a viewer guest reads only"
    );
    s.allows_guests = false;
    let closed = access_set(&guest, &site(), [&s], &BTreeMap::new());
    assert!(
        !closed.can_view_space(SpaceId(1)),
        "a space that forbids guests"
    );
    assert!(!closed.can_view_page(shared));
}

#[test]
fn blog_posts_are_edited_with_blog_create_and_deleted_with_blog_delete() {
    use SpacePermission::*;
    let holding = |permissions: &[SpacePermission]| {
        space(
            1,
            vec![Grant {
                grantee: Grantee::User(UserId(1)),
                permissions: Permissions::of(permissions),
            }],
        )
    };
    let site = site();
    let writer = user(1, Role::Member);
    let post = |space| PageFacts {
        blog: true,
        ..page(space, &[])
    };
    let pages_only = holding(&[View, PageCreate, PageDelete]);
    let blogger = holding(&[View, BlogCreate, BlogDelete]);
    for (action, on_pages, on_blog) in [
        (Action::EditPage, true, false),
        (Action::DeletePage, true, false),
    ] {
        assert_eq!(
            allowed(
                &writer,
                &site,
                action,
                Resource::Page(page(&pages_only, &[]))
            ),
            on_pages
        );
        assert_eq!(
            allowed(&writer, &site, action, Resource::Page(post(&pages_only))),
            on_blog,
            "{action:?}: page permissions don't reach blog posts"
        );
        assert!(!allowed(
            &writer,
            &site,
            action,
            Resource::Page(page(&blogger, &[]))
        ));
        assert!(allowed(
            &writer,
            &site,
            action,
            Resource::Page(post(&blogger))
        ));
    }
    assert!(allowed(
        &writer,
        &site,
        Action::CreateBlogPost,
        Resource::Space(&blogger)
    ));
    assert!(!allowed(
        &writer,
        &site,
        Action::CreateBlogPost,
        Resource::Space(&pages_only)
    ));
    // `delete.own` covers the author's own post, nobody else's.
    let own = holding(&[View, DeleteOwn]);
    let mine = PageFacts {
        author: Some(UserId(1)),
        ..post(&own)
    };
    assert!(allowed(
        &writer,
        &site,
        Action::DeletePage,
        Resource::Page(mine)
    ));
    assert!(!allowed(
        &writer,
        &site,
        Action::DeletePage,
        Resource::Page(post(&own))
    ));
    // An edit restriction governs a post like a page.
    let edit = restriction(100, &[9], &[]);
    let restricted = PageFacts {
        edit: Some(&edit),
        ..post(&blogger)
    };
    assert!(!allowed(
        &writer,
        &site,
        Action::EditPage,
        Resource::Page(restricted)
    ));
    // The refusal names the blog permission.
    assert_eq!(Action::EditPage.permission_on(true), "blog.create");
    assert_eq!(Action::DeletePage.permission_on(true), "blog.delete");
    assert_eq!(Action::DeletePage.permission(), "page.delete");
    // The access set agrees.
    let set = access_set(&writer, &site, [&blogger], &BTreeMap::new());
    let reference = |blog| PageRef {
        id: PageId(100),
        path: "/",
        space: SpaceId(1),
        restriction_key: None,
        author: Some(UserId(50)),
        draft: false,
        blog,
        edit: None,
    };
    assert!(set.decide(Action::EditPage, reference(true)).0);
    assert!(!set.decide(Action::EditPage, reference(false)).0);
    assert!(set.decide(Action::DeletePage, reference(true)).0);
}
