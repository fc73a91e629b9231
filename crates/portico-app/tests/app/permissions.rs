//! The access engine through the use cases, on each backend: grants and
//! roles, revocation on the very next request, restrictions across moves,
//! copies, archiving and deletion, anonymous access, guests, drafts, the admin
//! key, explain access and "not found, not forbidden".

use portico_app::{
    AppError, ExplainTarget, GrantInput, Grantee, GroupId, MoveTo, NewPage, PageFilter, PageId,
    PageUpdate, Permissions, Reason, RestrictionChange, Role, SpaceFilter, SpacePermission, UserId,
    Viewer,
};
use portico_store::{audit, outbox};

use crate::harness::{World, storage, world};

fn id(viewer: &Viewer) -> UserId {
    viewer.user_id().unwrap()
}

fn role(key: &str) -> GrantInput {
    GrantInput::Role(key.to_owned())
}

async fn sees_page(w: &World, viewer: &Viewer, page: PageId) -> bool {
    match w.app.page(viewer, page).await {
        Ok(_) => true,
        Err(AppError::NotFound) => false,
        Err(other) => panic!("unexpected error: {other:?}"),
    }
}

async fn listed_pages(w: &World, viewer: &Viewer) -> Vec<PageId> {
    w.app
        .list_pages(
            viewer,
            PageFilter {
                space_ids: None,
                title: None,
                after: None,
                limit: 250,
            },
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.id)
        .collect()
}

async fn restrict_view(w: &World, by: &Viewer, page: PageId, users: &[&Viewer]) {
    w.app
        .set_page_restrictions(
            by,
            page,
            RestrictionChange {
                view: Some(users.iter().map(|u| Grantee::User(id(u))).collect()),
                edit: None,
            },
        )
        .await
        .unwrap();
}

async fn set_site_switches(w: &World, anonymous: bool, guests_see_anonymous: bool) {
    let mut policies = w.app.policies(&w.admin).await.unwrap();
    policies.access.anonymous_access = anonymous;
    policies.access.guests_see_anonymous_spaces = guests_see_anonymous;
    w.app.update_policies(&w.admin, policies).await.unwrap();
}

#[tokio::test]
async fn built_in_roles_in_the_database_match_the_engine() {
    let w = world().await;
    let roles = w.app.space_roles(&w.admin).await.unwrap();
    for builtin in portico_core::permission::BuiltinRole::ALL {
        let stored = roles
            .iter()
            .find(|r| r.key == builtin.key())
            .expect("every built-in role is stored");
        assert_eq!(
            stored.permissions,
            builtin.permissions(),
            "{}",
            builtin.name()
        );
        assert!(stored.builtin);
    }
}

#[tokio::test]
async fn a_revoked_grant_stops_working_on_the_very_next_request() {
    let w = world().await;
    let space = w.space("REV").await;
    let member = w.user("m@example.com", Role::Member).await;
    // Only named people: take away the all-members default.
    w.app
        .remove_space_grant(&w.admin, space.id, Grantee::AllMembers)
        .await
        .unwrap();
    assert!(matches!(
        w.app.space(&member, space.id).await,
        Err(AppError::NotFound)
    ));
    w.app
        .set_space_grant(
            &w.admin,
            space.id,
            Grantee::User(id(&member)),
            role("viewer"),
        )
        .await
        .unwrap();
    assert!(w.app.space(&member, space.id).await.is_ok());
    w.app
        .remove_space_grant(&w.admin, space.id, Grantee::User(id(&member)))
        .await
        .unwrap();
    assert!(matches!(
        w.app.space(&member, space.id).await,
        Err(AppError::NotFound)
    ));
    let listed = w
        .app
        .list_spaces(
            &member,
            SpaceFilter {
                keys: None,
                status: None,
                after: None,
                limit: 50,
            },
        )
        .await
        .unwrap();
    assert!(listed.items.iter().all(|s| s.id != space.id));
}

#[tokio::test]
async fn group_grants_follow_membership_at_once() {
    let w = world().await;
    let space = w.space("GRP").await;
    let member = w.user("g@example.com", Role::Member).await;
    w.app
        .remove_space_grant(&w.admin, space.id, Grantee::AllMembers)
        .await
        .unwrap();
    let group = w
        .app
        .create_group(&w.admin, "editors", Role::None)
        .await
        .unwrap();
    w.app
        .set_space_grant(
            &w.admin,
            space.id,
            Grantee::Group(GroupId(group.id)),
            role("collaborator"),
        )
        .await
        .unwrap();
    assert!(w.app.space(&member, space.id).await.is_err());
    w.app
        .add_group_member(&w.admin, group.id, id(&member))
        .await
        .unwrap();
    assert!(w.app.space(&member, space.id).await.is_ok());
    w.app
        .remove_group_member(&w.admin, group.id, id(&member))
        .await
        .unwrap();
    assert!(matches!(
        w.app.space(&member, space.id).await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn changing_a_custom_role_changes_everyone_who_holds_it() {
    let w = world().await;
    let space = w.space("CUS").await;
    let home = w
        .app
        .space(&w.admin, space.id)
        .await
        .unwrap()
        .homepage_id
        .unwrap();
    let member = w.user("c@example.com", Role::Member).await;
    w.app
        .remove_space_grant(&w.admin, space.id, Grantee::AllMembers)
        .await
        .unwrap();
    let reviewer = w
        .app
        .create_space_role(
            &w.admin,
            "Reviewer",
            Permissions::of(&[SpacePermission::View]),
        )
        .await
        .unwrap();
    w.app
        .set_space_grant(
            &w.admin,
            space.id,
            Grantee::User(id(&member)),
            role(&reviewer.key),
        )
        .await
        .unwrap();
    let edit = |version: i64| PageUpdate {
        title: "Space CUS".into(),
        body: storage("<p>edited</p>"),
        version,
        message: String::new(),
        publish: true,
    };
    match w.app.update_page(&member, home, edit(2)).await {
        Err(AppError::Forbidden { permission, .. }) => assert_eq!(permission, "page.create"),
        other => panic!("a reader who can see the page gets 403, not {other:?}"),
    }
    w.app
        .update_space_role(
            &w.admin,
            reviewer.id,
            "Reviewer",
            Permissions::of(&[SpacePermission::View, SpacePermission::PageCreate]),
        )
        .await
        .unwrap();
    w.app.update_page(&member, home, edit(2)).await.unwrap();
    // A role in use can't be deleted; built-in roles never can.
    assert!(matches!(
        w.app.delete_space_role(&w.admin, reviewer.id).await,
        Err(AppError::Conflict(_))
    ));
}

#[tokio::test]
async fn view_restrictions_hide_the_whole_subtree_everywhere() {
    let w = world().await;
    let space = w.space("RES").await;
    let member = w.user("r@example.com", Role::Member).await;
    let parent = w.page(&space, None, "Secret").await;
    let child = w.page(&space, Some(parent.id), "Secret child").await;
    let grandchild = w.page(&space, Some(child.id), "Secret grandchild").await;
    assert!(sees_page(&w, &member, grandchild.id).await);
    restrict_view(&w, &w.admin, parent.id, &[&w.admin]).await;
    for page in [parent.id, child.id, grandchild.id] {
        assert!(!sees_page(&w, &member, page).await, "{page:?}");
        assert!(!listed_pages(&w, &member).await.contains(&page));
        assert!(matches!(
            w.app.versions(&member, page, None, 10).await,
            Err(AppError::NotFound)
        ));
    }
    let home = space.homepage_id.unwrap();
    let children = w.app.children(&member, home, 0, 50).await.unwrap();
    assert!(children.items.iter().all(|p| p.id != parent.id));
    let tree = w.app.space_tree(&member, space.id).await.unwrap();
    assert!(tree.iter().all(|entry| entry.id != child.id));
    // The restrictor (kept on the list) still sees everything.
    assert!(sees_page(&w, &w.admin, grandchild.id).await);
    // A write on a page the member can't see is a 404, not a 403.
    let update = PageUpdate {
        title: "x".into(),
        body: storage("x"),
        version: 2,
        message: String::new(),
        publish: true,
    };
    assert!(matches!(
        w.app.update_page(&member, child.id, update).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.delete_page(&member, child.id).await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn moves_never_expose_a_restricted_descendant() {
    let w = world().await;
    let source = w.space("SRC").await;
    let target = w.space("DST").await;
    let member = w.user("mv@example.com", Role::Member).await;
    let open = w.page(&source, None, "Open").await;
    let secret = w.page(&source, Some(open.id), "Secret").await;
    let below = w.page(&source, Some(secret.id), "Below secret").await;
    restrict_view(&w, &w.admin, secret.id, &[&w.admin]).await;
    // Across spaces, with the whole subtree.
    w.app
        .move_page(&w.admin, open.id, MoveTo::TopOf(target.id))
        .await
        .unwrap();
    assert!(sees_page(&w, &member, open.id).await);
    assert!(!sees_page(&w, &member, secret.id).await);
    assert!(!sees_page(&w, &member, below.id).await);
    // Moving an open page under a restricted one restricts it at once.
    let loose = w.page(&target, None, "Loose").await;
    assert!(sees_page(&w, &member, loose.id).await);
    w.app
        .move_page(&w.admin, loose.id, MoveTo::Under(below.id))
        .await
        .unwrap();
    assert!(!sees_page(&w, &member, loose.id).await);
    // Archiving the space keeps every inherited restriction.
    w.app
        .set_space_archived(&w.admin, target.id, true)
        .await
        .unwrap();
    assert!(sees_page(&w, &member, open.id).await);
    assert!(!sees_page(&w, &member, loose.id).await);
    assert!(!sees_page(&w, &member, below.id).await);
}

#[tokio::test]
async fn copies_keep_restrictions_and_leave_out_what_the_copier_cannot_see() {
    let w = world().await;
    let space = w.space("CPY").await;
    let member = w.user("cp@example.com", Role::Member).await;
    let root = w.page(&space, None, "Root").await;
    let hidden = w.page(&space, Some(root.id), "Hidden from member").await;
    restrict_view(&w, &w.admin, hidden.id, &[&w.admin]).await;
    // The member copies the root with descendants: the hidden page isn't copied.
    let copy = w
        .app
        .copy_page(
            &member,
            root.id,
            portico_app::CopyTo {
                destination: MoveTo::TopOf(space.id),
                title: Some("Root copy".into()),
                include_descendants: true,
            },
        )
        .await
        .unwrap();
    let copied_children = w.app.children(&w.admin, copy.id, 0, 50).await.unwrap();
    assert!(
        copied_children.items.is_empty(),
        "nothing the copier can't see is copied"
    );
    // The admin copies the restricted page: the copy stays restricted.
    let copy = w
        .app
        .copy_page(
            &w.admin,
            hidden.id,
            portico_app::CopyTo {
                destination: MoveTo::TopOf(space.id),
                title: None,
                include_descendants: false,
            },
        )
        .await
        .unwrap();
    assert!(!sees_page(&w, &member, copy.id).await);
}

#[tokio::test]
async fn deleting_a_restricted_parent_never_lets_its_children_out() {
    let w = world().await;
    let space = w.space("DEL").await;
    let parent = w.page(&space, None, "Restricted parent").await;
    w.page(&space, Some(parent.id), "Child").await;
    restrict_view(&w, &w.admin, parent.id, &[&w.admin]).await;
    assert!(matches!(
        w.app.delete_page(&w.admin, parent.id).await,
        Err(AppError::Conflict(_))
    ));
}

#[tokio::test]
async fn edit_restrictions_leave_reading_alone_and_name_the_permission() {
    let w = world().await;
    let space = w.space("EDT").await;
    let member = w.user("e@example.com", Role::Member).await;
    let page = w.page(&space, None, "Locked").await;
    w.app
        .set_page_restrictions(
            &w.admin,
            page.id,
            RestrictionChange {
                view: None,
                edit: Some(vec![Grantee::User(id(&w.admin))]),
            },
        )
        .await
        .unwrap();
    assert!(sees_page(&w, &member, page.id).await);
    let update = PageUpdate {
        title: "Locked".into(),
        body: storage("<p>changed</p>"),
        version: 2,
        message: String::new(),
        publish: true,
    };
    assert!(matches!(
        w.app.update_page(&member, page.id, update).await,
        Err(AppError::Forbidden {
            permission: "page.create",
            ..
        })
    ));
}

#[tokio::test]
async fn anonymous_grants_admit_nobody_while_the_site_switch_is_off() {
    let w = world().await;
    let public = w.space("PUB").await;
    let private = w.space("PRV").await;
    let home = public.homepage_id.unwrap();
    w.app
        .set_space_grant(&w.admin, public.id, Grantee::Anonymous, role("viewer"))
        .await
        .unwrap();
    let anonymous = Viewer::Anonymous;
    let guest = w.user("guest@partner.example", Role::Guest).await;
    assert!(matches!(
        w.app.space(&anonymous, public.id).await,
        Err(AppError::NotFound)
    ));
    assert!(!sees_page(&w, &anonymous, home).await);
    assert!(!sees_page(&w, &guest, home).await);
    set_site_switches(&w, true, true).await;
    assert!(sees_page(&w, &anonymous, home).await);
    assert!(sees_page(&w, &guest, home).await);
    assert!(matches!(
        w.app.space(&anonymous, private.id).await,
        Err(AppError::NotFound)
    ));
    // Anonymous visitors read; they never write.
    assert!(matches!(
        w.app
            .create_page(
                &anonymous,
                NewPage {
                    space_id: public.id,
                    parent_id: None,
                    title: "Spam".into(),
                    body: storage("x"),
                    draft: false,
                },
            )
            .await,
        Err(AppError::Unauthenticated)
    ));
    set_site_switches(&w, true, false).await;
    assert!(sees_page(&w, &anonymous, home).await);
    assert!(
        !sees_page(&w, &guest, home).await,
        "guests.see_anonymous_spaces is off"
    );
    // An anonymous grant can't carry more than `view`.
    assert!(matches!(
        w.app
            .set_space_grant(
                &w.admin,
                public.id,
                Grantee::Anonymous,
                role("collaborator")
            )
            .await,
        Err(AppError::Invalid(_))
    ));
}

#[tokio::test]
async fn guests_see_exactly_the_spaces_given_to_them() {
    let w = world().await;
    let shared = w.space("SHR").await;
    let internal = w.space("INT").await;
    let guest = w.user("g@partner.example", Role::Guest).await;
    // The all-members default never includes guests.
    assert!(matches!(
        w.app.space(&guest, shared.id).await,
        Err(AppError::NotFound)
    ));
    w.app
        .set_space_grant(
            &w.admin,
            shared.id,
            Grantee::User(id(&guest)),
            role("viewer"),
        )
        .await
        .unwrap();
    assert!(w.app.space(&guest, shared.id).await.is_ok());
    assert!(matches!(
        w.app.space(&guest, internal.id).await,
        Err(AppError::NotFound)
    ));
    let visible: Vec<_> = w
        .app
        .list_spaces(
            &guest,
            SpaceFilter {
                keys: None,
                status: None,
                after: None,
                limit: 50,
            },
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(visible, vec![shared.id]);
    // A viewer guest is refused every write, with the permission named.
    let home = shared.homepage_id.unwrap();
    assert!(matches!(
        w.app
            .create_page(
                &guest,
                NewPage {
                    space_id: shared.id,
                    parent_id: None,
                    title: "Guest page".into(),
                    body: storage("x"),
                    draft: false,
                },
            )
            .await,
        Err(AppError::Forbidden {
            permission: "page.create",
            ..
        })
    ));
    assert!(matches!(
        w.app.delete_page(&guest, home).await,
        Err(AppError::Forbidden { .. })
    ));
    // Guests can't create spaces.
    assert!(matches!(
        w.app
            .create_space(
                &guest,
                portico_app::NewSpace {
                    key: "GST".into(),
                    name: "Guest space".into(),
                    description: String::new(),
                },
            )
            .await,
        Err(AppError::Forbidden {
            permission: "space.create",
            ..
        })
    ));
}

#[tokio::test]
async fn drafts_are_private_until_published_with_their_restrictions() {
    let w = world().await;
    let space = w.space("DRF").await;
    let author = w.user("author@example.com", Role::Member).await;
    let insider = w.user("insider@example.com", Role::Member).await;
    let outsider = w.user("outsider@example.com", Role::Member).await;
    let draft = w
        .app
        .create_page(
            &author,
            NewPage {
                space_id: space.id,
                parent_id: None,
                title: "Plans".into(),
                body: storage("<p>plans</p>"),
                draft: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(draft.status, "draft");
    assert!(sees_page(&w, &author, draft.id).await);
    for other in [&insider, &outsider, &w.admin] {
        assert!(!sees_page(&w, other, draft.id).await);
        assert!(!listed_pages(&w, other).await.contains(&draft.id));
    }
    let home = space.homepage_id.unwrap();
    let children = w.app.children(&insider, home, 0, 50).await.unwrap();
    assert!(children.items.iter().all(|p| p.id != draft.id));
    // Restrict before publishing: the page appears with its restriction.
    restrict_view(&w, &author, draft.id, &[&insider]).await;
    w.app
        .update_page(
            &author,
            draft.id,
            PageUpdate {
                title: "Plans".into(),
                body: storage("<p>plans</p>"),
                version: 2,
                message: String::new(),
                publish: true,
            },
        )
        .await
        .unwrap();
    assert!(sees_page(&w, &insider, draft.id).await);
    assert!(!sees_page(&w, &outsider, draft.id).await);
    let entries = audit::for_target(w.store.read(), "page", &draft.id.to_string())
        .await
        .unwrap();
    assert!(entries.iter().any(|e| e.0 == "page.publish"));
}

#[tokio::test]
async fn the_admin_key_is_the_only_bypass_and_every_use_is_told() {
    let w = world().await;
    let space = w.space("KEY").await;
    let owner = w.user("owner@example.com", Role::Member).await;
    let page = w
        .app
        .create_page(
            &owner,
            NewPage {
                space_id: space.id,
                parent_id: None,
                title: "Owner's page".into(),
                body: storage("<p>private</p>"),
                draft: false,
            },
        )
        .await
        .unwrap();
    restrict_view(&w, &owner, page.id, &[&owner]).await;
    assert!(
        !sees_page(&w, &w.admin, page.id).await,
        "admins don't silently read"
    );
    let member = w.user("plain@example.com", Role::Member).await;
    assert!(matches!(
        w.app.activate_admin_key(&member, "curious").await,
        Err(AppError::NotFound)
    ));
    let status = w
        .app
        .activate_admin_key(&w.admin, "legal hold")
        .await
        .unwrap();
    assert!(status.active);
    assert!(sees_page(&w, &w.admin, page.id).await);
    // The use is audited and the owner is mailed (recorded right after the read).
    let mut told = false;
    for _ in 0..50 {
        let uses = audit::for_target(w.store.read(), "page", &page.id.to_string())
            .await
            .unwrap();
        let mails = outbox::list(w.store.read(), None, 50).await.unwrap();
        if uses.iter().any(|e| e.0 == "admin_key.use")
            && mails.iter().any(|m| {
                m.recipient == "owner@example.com"
                    && m.body.contains(&format!("/wiki/pages/{}", page.id))
            })
        {
            told = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(told, "each use is audited and the owner told");
    // Idle for longer than the key lives: it is gone.
    w.clock.advance(time::Duration::minutes(11));
    assert!(!sees_page(&w, &w.admin, page.id).await);
    assert!(!w.app.admin_key_status(&w.admin).await.unwrap().active);
}

#[tokio::test]
async fn explain_gives_the_reasons_the_engine_decided_with() {
    let w = world().await;
    let space = w.space("EXP").await;
    let member = w.user("x@example.com", Role::Member).await;
    let other = w.user("y@example.com", Role::Member).await;
    let page = w.page(&space, None, "Explained").await;
    let explanation = w
        .app
        .explain_access(&w.admin, id(&member), ExplainTarget::Page(page.id))
        .await
        .unwrap();
    assert!(explanation.view.allowed && explanation.edit.allowed);
    assert!(explanation.view.reasons.iter().any(|r| matches!(
        r,
        Reason::SpaceGrant {
            grantee: Grantee::AllMembers,
            ..
        }
    )));
    restrict_view(&w, &w.admin, page.id, &[&w.admin]).await;
    let explanation = w
        .app
        .explain_access(&w.admin, id(&member), ExplainTarget::Page(page.id))
        .await
        .unwrap();
    assert!(!explanation.view.allowed);
    assert!(
        explanation
            .view
            .reasons
            .iter()
            .any(|r| matches!(r, Reason::ViewRestrictionUnmet { .. }))
    );
    // Asking about someone else needs the space's admin permission; about a
    // page one can't see, the answer is "not found".
    assert!(matches!(
        w.app
            .explain_access(&member, id(&other), ExplainTarget::Space(space.id))
            .await,
        Err(AppError::Forbidden { .. })
    ));
    assert!(matches!(
        w.app
            .explain_access(&member, id(&member), ExplainTarget::Page(page.id))
            .await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn space_access_screens_are_invisible_to_those_who_cannot_see_the_space() {
    let w = world().await;
    let space = w.space("ACC").await;
    let member = w.user("a@example.com", Role::Member).await;
    // The member sees the space but doesn't administer it: 403.
    assert!(matches!(
        w.app.space_access(&member, space.id).await,
        Err(AppError::Forbidden {
            permission: "admin",
            ..
        })
    ));
    w.app
        .remove_space_grant(&w.admin, space.id, Grantee::AllMembers)
        .await
        .unwrap();
    // Now it can't even see it: 404, as for a missing space.
    assert!(matches!(
        w.app.space_access(&member, space.id).await,
        Err(AppError::NotFound)
    ));
    let view = w.app.space_access(&w.admin, space.id).await.unwrap();
    assert!(
        view.grants
            .iter()
            .any(|g| g.role.as_deref() == Some("admin"))
    );
}
