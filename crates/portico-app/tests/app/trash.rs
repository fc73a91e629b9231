//! The trash through the use cases: restoring keeps view restrictions (a
//! restore or purge that would drop an inherited one is refused), drafts
//! left under a purged page move to the home page, and emptying a trash
//! purges deepest pages first.

use portico_app::{AppError, Grantee, NewPage, PageId, RestrictionChange, Role, UserId, Viewer};

use crate::harness::{World, storage, world};

fn id(viewer: &Viewer) -> UserId {
    viewer.user_id().unwrap()
}

async fn restrict_view(w: &World, page: PageId) {
    w.app
        .set_page_restrictions(
            &w.admin,
            page,
            RestrictionChange {
                view: Some(vec![Grantee::User(id(&w.admin))]),
                edit: None,
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn restoring_never_drops_an_inherited_view_restriction() {
    let w = world().await;
    let space = w.space("SECRETS").await;
    let secret = w.page(&space, None, "Secret").await;
    restrict_view(&w, secret.id).await;
    let note = w.page(&space, Some(secret.id), "Note").await;
    let member = w.user("member@example.com", Role::Member).await;
    assert!(matches!(
        w.app.page(&member, note.id).await,
        Err(AppError::NotFound)
    ));

    // Back under its restricted parent: still hidden from the member.
    w.app.delete_page(&w.admin, note.id).await.unwrap();
    let restored = w.app.restore_page(&w.admin, note.id).await.unwrap();
    assert_eq!(restored.parent_id, Some(secret.id));
    assert!(matches!(
        w.app.page(&member, note.id).await,
        Err(AppError::NotFound)
    ));

    // With the restricted parent in the trash too, the home page would
    // expose it: refused, and purging the parent (which would move it) too.
    w.app.delete_page(&w.admin, note.id).await.unwrap();
    w.app.delete_page(&w.admin, secret.id).await.unwrap();
    assert!(matches!(
        w.app.restore_page(&w.admin, note.id).await,
        Err(AppError::Conflict(_))
    ));
    assert!(matches!(
        w.app.purge_page(&w.admin, secret.id).await,
        Err(AppError::Conflict(_))
    ));
    // The member never learns of either.
    assert!(matches!(
        w.app.space_trash(&member, space.id, 0, 10).await,
        Err(AppError::NotFound)
    ));
    // Restoring the parent first brings both back as they were.
    w.app.restore_page(&w.admin, secret.id).await.unwrap();
    let restored = w.app.restore_page(&w.admin, note.id).await.unwrap();
    assert_eq!(restored.parent_id, Some(secret.id));
    assert!(matches!(
        w.app.page(&member, note.id).await,
        Err(AppError::NotFound)
    ));

    // Emptying the trash takes the deeper page first, so nothing is exposed
    // and nothing is refused.
    w.app.delete_page(&w.admin, note.id).await.unwrap();
    w.app.delete_page(&w.admin, secret.id).await.unwrap();
    let emptied = w.app.empty_trash(&w.admin, space.id).await.unwrap();
    assert_eq!(emptied.pages, 2);
    assert!(matches!(
        w.app.page(&w.admin, note.id).await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn a_draft_left_under_a_purged_page_moves_to_the_home_page() {
    let w = world().await;
    let space = w.space("DRAFTS").await;
    let parent = w.page(&space, None, "Parent").await;
    let draft = w
        .app
        .create_page(
            &w.admin,
            NewPage {
                space_id: space.id,
                parent_id: Some(parent.id),
                title: "Unfinished".into(),
                body: storage("<p>soon</p>"),
                draft: true,
            },
        )
        .await
        .unwrap();
    w.app.delete_page(&w.admin, parent.id).await.unwrap();
    w.app.purge_page(&w.admin, parent.id).await.unwrap();
    let kept = w.app.page(&w.admin, draft.id).await.unwrap();
    assert_eq!(kept.status, "draft");
    assert_eq!(kept.parent_id, space.homepage_id);
    let entries = w.app.space_trash(&w.admin, space.id, 0, 10).await.unwrap();
    assert!(entries.items.is_empty());
}
