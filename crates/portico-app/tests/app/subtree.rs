//! Guests shared one page subtree of a space (SPEC.md 3.2): that page and its
//! descendants, with breadcrumbs that stop at the shared root, and nothing
//! else of the space on any surface.

use portico_app::{
    AppError, AssignmentRole, BodyFormat, BodyInput, Grantee, MoveTo, NewPage, Page, PageFilter,
    PageId, PageUpdate, RestrictionChange, Role, UserId, Viewer,
};

use crate::harness::{World, world};

const GUEST: &str = "sub@partner.example";

struct Shared {
    w: World,
    guest: Viewer,
    /// The space's top page, outside the shared subtree.
    top: Page,
    root: Page,
    child: Page,
    sibling: Page,
    space: portico_app::Space,
}

fn id(viewer: &Viewer) -> UserId {
    viewer.user_id().unwrap()
}

/// Space S: home > Top > (Root > Child, Sibling); the guest is shared Root.
async fn shared(role: AssignmentRole) -> Shared {
    let w = world().await;
    let space = w.space("SUB").await;
    let top = w.page(&space, None, "Top").await;
    let root = w.page(&space, Some(top.id), "Root").await;
    let child = w.page(&space, Some(root.id), "Child").await;
    let sibling = w.page(&space, Some(top.id), "Sibling").await;
    let guest = w.user(GUEST, Role::Guest).await;
    w.app
        .assign_guest_to_page(&w.admin, space.id, root.id, id(&guest), role, None)
        .await
        .unwrap();
    Shared {
        w,
        guest,
        top,
        root,
        child,
        sibling,
        space,
    }
}

async fn listed(s: &Shared) -> Vec<PageId> {
    s.w.app
        .list_pages(
            &s.guest,
            PageFilter {
                space_ids: None,
                title: None,
                after: None,
                limit: 100,
            },
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|page| page.id)
        .collect()
}

fn body(text: &str) -> BodyInput {
    BodyInput {
        value: format!("<p>{text}</p>"),
        format: BodyFormat::Storage,
    }
}

#[tokio::test]
async fn the_guest_sees_the_shared_page_and_its_descendants_and_nothing_else() {
    let s = shared(AssignmentRole::Collaborator).await;
    let app = &s.w.app;
    for page in [&s.root, &s.child] {
        assert!(app.page(&s.guest, page.id).await.is_ok(), "{}", page.title);
    }
    let home = app.space(&s.guest, s.space.id).await.unwrap();
    for hidden in [s.top.id, s.sibling.id, home.homepage_id.unwrap()] {
        assert!(
            matches!(app.page(&s.guest, hidden).await, Err(AppError::NotFound)),
            "page {hidden} stays hidden"
        );
    }
    assert_eq!(listed(&s).await, vec![s.root.id, s.child.id]);
    // The space is listed, its tree holds the subtree only, rooted at the
    // shared page, and breadcrumbs stop there.
    let spaces = app
        .list_spaces(
            &s.guest,
            portico_app::SpaceFilter {
                keys: None,
                status: None,
                after: None,
                limit: 100,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        spaces
            .items
            .iter()
            .map(|space| space.id)
            .collect::<Vec<_>>(),
        vec![s.space.id]
    );
    let tree = app.space_tree(&s.guest, s.space.id).await.unwrap();
    assert_eq!(
        tree.iter()
            .map(|entry| (entry.id, entry.depth))
            .collect::<Vec<_>>(),
        vec![(s.root.id, 0), (s.child.id, 1)]
    );
    let crumbs = app.breadcrumbs(&s.guest, s.child.id).await.unwrap();
    assert_eq!(
        crumbs.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![s.root.id]
    );
    assert!(
        app.breadcrumbs(&s.guest, s.root.id)
            .await
            .unwrap()
            .is_empty()
    );
    let children = app.children(&s.guest, s.root.id, 0, 10).await.unwrap();
    assert_eq!(children.items.len(), 1);
    assert!(matches!(
        app.children(&s.guest, s.top.id, 0, 10).await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn a_collaborator_writes_inside_the_subtree_only() {
    let s = shared(AssignmentRole::Collaborator).await;
    let app = &s.w.app;
    let abilities = app.page_abilities(&s.guest, s.root.id).await.unwrap();
    assert!(abilities.create_child && abilities.edit, "{abilities:?}");
    let space = app.space_abilities(&s.guest, s.space.id).await.unwrap();
    assert!(!space.create_page && !space.administer, "{space:?}");
    let made = app
        .create_page(
            &s.guest,
            NewPage {
                space_id: s.space.id,
                parent_id: Some(s.child.id),
                title: "Guest notes".into(),
                body: body("notes"),
                draft: false,
            },
        )
        .await
        .unwrap();
    assert!(
        listed(&s).await.contains(&made.id),
        "what they create stays theirs to see"
    );
    for parent in [None, Some(s.top.id)] {
        let refused = app
            .create_page(
                &s.guest,
                NewPage {
                    space_id: s.space.id,
                    parent_id: parent,
                    title: format!("Outside {parent:?}"),
                    body: body("no"),
                    draft: false,
                },
            )
            .await;
        assert!(refused.is_err(), "creating outside the subtree: {parent:?}");
    }
    let edited = app
        .update_page(
            &s.guest,
            s.child.id,
            PageUpdate {
                title: "Child".into(),
                body: body("edited by the guest"),
                version: 2,
                message: String::new(),
                publish: true,
            },
        )
        .await;
    assert!(edited.is_ok(), "{edited:?}");
    // Moving the shared root's child up and out of the subtree isn't theirs.
    assert!(
        app.move_page(&s.guest, s.child.id, MoveTo::Under(s.sibling.id))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_viewer_guest_of_a_subtree_reads_only() {
    let s = shared(AssignmentRole::Viewer).await;
    let app = &s.w.app;
    assert!(app.page(&s.guest, s.child.id).await.is_ok());
    let abilities = app.page_abilities(&s.guest, s.root.id).await.unwrap();
    assert!(!abilities.create_child && !abilities.edit, "{abilities:?}");
    let edited = app
        .update_page(
            &s.guest,
            s.child.id,
            PageUpdate {
                title: "Child".into(),
                body: body("no"),
                version: 2,
                message: String::new(),
                publish: true,
            },
        )
        .await;
    assert!(
        matches!(edited, Err(AppError::Forbidden { .. })),
        "{edited:?}"
    );
    let created = app
        .create_page(
            &s.guest,
            NewPage {
                space_id: s.space.id,
                parent_id: Some(s.root.id),
                title: "No".into(),
                body: body("no"),
                draft: false,
            },
        )
        .await;
    assert!(
        matches!(created, Err(AppError::Forbidden { .. })),
        "{created:?}"
    );
}

#[tokio::test]
async fn moves_and_restrictions_take_pages_out_of_the_subtree() {
    let s = shared(AssignmentRole::Collaborator).await;
    let app = &s.w.app;
    // A page moved out of the shared subtree is gone for the guest.
    app.move_page(&s.w.admin, s.child.id, MoveTo::Under(s.sibling.id))
        .await
        .unwrap();
    assert!(matches!(
        app.page(&s.guest, s.child.id).await,
        Err(AppError::NotFound)
    ));
    assert_eq!(listed(&s).await, vec![s.root.id]);
    // A page moved in shows up; a restriction that doesn't name them hides it.
    app.move_page(&s.w.admin, s.sibling.id, MoveTo::Under(s.root.id))
        .await
        .unwrap();
    assert!(
        app.page(&s.guest, s.child.id).await.is_ok(),
        "moved in with its parent"
    );
    app.set_page_restrictions(
        &s.w.admin,
        s.sibling.id,
        RestrictionChange {
            view: Some(vec![Grantee::User(id(&s.w.admin))]),
            edit: None,
        },
    )
    .await
    .unwrap();
    for hidden in [s.sibling.id, s.child.id] {
        assert!(matches!(
            app.page(&s.guest, hidden).await,
            Err(AppError::NotFound)
        ));
    }
    assert_eq!(listed(&s).await, vec![s.root.id]);
    // Restrictions that name the guest still let them in.
    app.set_page_restrictions(
        &s.w.admin,
        s.sibling.id,
        RestrictionChange {
            view: Some(vec![
                Grantee::User(id(&s.w.admin)),
                Grantee::User(id(&s.guest)),
            ]),
            edit: None,
        },
    )
    .await
    .unwrap();
    assert!(app.page(&s.guest, s.sibling.id).await.is_ok());
}

#[tokio::test]
async fn assignments_name_the_shared_page_and_replace_a_whole_space_one() {
    let s = shared(AssignmentRole::Collaborator).await;
    let app = &s.w.app;
    let assignments = app
        .guest_assignments(&s.w.admin, id(&s.guest))
        .await
        .unwrap();
    assert_eq!(assignments.len(), 1);
    assert_eq!(assignments[0].page_id, Some(s.root.id));
    // The whole space instead: everything opens.
    app.assign_guest(
        &s.w.admin,
        s.space.id,
        id(&s.guest),
        AssignmentRole::Collaborator,
        None,
    )
    .await
    .unwrap();
    assert!(app.page(&s.guest, s.top.id).await.is_ok());
    let assignments = app
        .guest_assignments(&s.w.admin, id(&s.guest))
        .await
        .unwrap();
    assert_eq!(assignments.len(), 1);
    assert_eq!(assignments[0].page_id, None);
}

#[tokio::test]
async fn only_published_pages_of_the_same_space_can_be_shared() {
    let s = shared(AssignmentRole::Collaborator).await;
    let app = &s.w.app;
    let other = s.w.space("OTH").await;
    let foreign = s.w.page(&other, None, "Foreign").await;
    for page in [foreign.id, PageId(999_999)] {
        let refused = app
            .assign_guest_to_page(
                &s.w.admin,
                s.space.id,
                page,
                id(&s.guest),
                AssignmentRole::Viewer,
                None,
            )
            .await;
        assert!(
            matches!(&refused, Err(AppError::Invalid(e)) if e.to_string().contains("pageId")),
            "{refused:?}"
        );
    }
    // A member who can read the space but doesn't administer it can't share.
    let member = s.w.user("mem@example.com", Role::Member).await;
    let refused = app
        .assign_guest_to_page(
            &member,
            s.space.id,
            s.root.id,
            id(&s.guest),
            AssignmentRole::Viewer,
            None,
        )
        .await;
    assert!(matches!(
        refused,
        Err(AppError::NotFound | AppError::Forbidden { .. })
    ));
}
