//! Footer comments: threads and replies, edit by the author only, delete
//! rules and placeholders, guests with the viewer role, page restrictions,
//! sanitising.

use portico_app::{AppError, GrantInput, Grantee, RestrictionChange, Role, Viewer};

use crate::harness::{World, storage, world};

async fn grant(w: &World, space: portico_app::SpaceId, who: &Viewer, role: &str) {
    w.app
        .set_space_grant(
            &w.admin,
            space,
            Grantee::User(who.user_id().unwrap()),
            GrantInput::Role(role.into()),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn replies_thread_under_their_parent_and_a_parent_must_be_of_the_same_page() {
    let w = world().await;
    let space = w.space("CMT").await;
    let page = w.page(&space, None, "Plan").await;
    let other = w.page(&space, None, "Other").await;
    let ann = w.user("ann@example.com", Role::Member).await;
    grant(&w, space.id, &ann, "collaborator").await;
    let first = w
        .app
        .add_comment(&ann, page.id, None, storage("<p>one</p>"))
        .await
        .unwrap();
    let second = w
        .app
        .add_comment(&ann, page.id, None, storage("<p>two</p>"))
        .await
        .unwrap();
    let reply = w
        .app
        .add_comment(&w.admin, page.id, Some(first.id), storage("<p>re one</p>"))
        .await
        .unwrap();
    let listed = w.app.page_comments(&ann, page.id).await.unwrap();
    let order: Vec<(i64, usize)> = listed.iter().map(|c| (c.id, c.depth)).collect();
    assert_eq!(order, vec![(first.id, 0), (reply.id, 1), (second.id, 0)]);
    assert_eq!(
        listed[0].author.as_ref().unwrap().display_name,
        "ann@example.com"
    );
    let replies = w.app.comment_replies(&ann, first.id).await.unwrap();
    assert_eq!(
        replies.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![reply.id]
    );
    // A parent from another page, or none at all, is refused and nothing is added.
    for parent in [first.id, 999_999] {
        let err = w
            .app
            .add_comment(&ann, other.id, Some(parent), storage("<p>x</p>"))
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Invalid(_)), "{err:?}");
    }
    assert!(
        w.app
            .page_comments(&ann, other.id)
            .await
            .unwrap()
            .is_empty()
    );
    // An empty body is refused.
    let err = w
        .app
        .add_comment(&ann, page.id, None, storage("  "))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)), "{err:?}");
}

#[tokio::test]
async fn only_the_author_edits_and_the_version_must_follow() {
    let w = world().await;
    let space = w.space("CME").await;
    let page = w.page(&space, None, "Plan").await;
    let ann = w.user("ann@example.com", Role::Member).await;
    let bob = w.user("bob@example.com", Role::Member).await;
    grant(&w, space.id, &ann, "collaborator").await;
    grant(&w, space.id, &bob, "manager").await;
    let c = w
        .app
        .add_comment(&ann, page.id, None, storage("<p>draft</p>"))
        .await
        .unwrap();
    let err = w
        .app
        .edit_comment(&bob, c.id, storage("<p>bob</p>"), 2)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden { .. }), "{err:?}");
    let err = w
        .app
        .edit_comment(&ann, c.id, storage("<p>late</p>"), 1)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)), "{err:?}");
    let edited = w
        .app
        .edit_comment(&ann, c.id, storage("<p>final</p>"), 2)
        .await
        .unwrap();
    assert_eq!(edited.version, 2);
    assert_eq!(
        w.app.comment(&bob, c.id).await.unwrap().body.as_deref(),
        Some("<p>final</p>")
    );
}

#[tokio::test]
async fn delete_needs_delete_own_or_comment_delete_and_leaves_a_placeholder_for_replies() {
    let w = world().await;
    let space = w.space("CMD").await;
    let page = w.page(&space, None, "Plan").await;
    let ann = w.user("ann@example.com", Role::Member).await;
    let bob = w.user("bob@example.com", Role::Member).await;
    grant(&w, space.id, &ann, "collaborator").await;
    grant(&w, space.id, &bob, "collaborator").await;
    let top = w
        .app
        .add_comment(&ann, page.id, None, storage("<p>top</p>"))
        .await
        .unwrap();
    let reply = w
        .app
        .add_comment(&bob, page.id, Some(top.id), storage("<p>re</p>"))
        .await
        .unwrap();
    let lone = w
        .app
        .add_comment(&bob, page.id, None, storage("<p>lone</p>"))
        .await
        .unwrap();
    // A collaborator holds `delete.own` but not `comment.delete`.
    let err = w.app.delete_comment(&bob, top.id).await.unwrap_err();
    match err {
        AppError::Forbidden { permission, .. } => assert_eq!(permission, "comment.delete"),
        other => panic!("{other:?}"),
    }
    w.app.delete_comment(&ann, top.id).await.unwrap();
    w.app.delete_comment(&bob, lone.id).await.unwrap();
    let listed = w.app.page_comments(&bob, page.id).await.unwrap();
    assert_eq!(
        listed.len(),
        2,
        "the lone deleted comment is gone: {listed:?}"
    );
    assert_eq!(listed[0].id, top.id);
    assert!(listed[0].deleted && listed[0].body.is_none() && listed[0].author.is_none());
    assert_eq!((listed[1].id, listed[1].depth), (reply.id, 1));
    assert!(matches!(
        w.app.comment(&bob, top.id).await,
        Err(AppError::NotFound)
    ));
    // No replies to a deleted comment.
    let err = w
        .app
        .add_comment(&bob, page.id, Some(top.id), storage("<p>x</p>"))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)), "{err:?}");
    // `comment.delete` (a space admin holds it) deletes anyone's.
    w.app.delete_comment(&w.admin, reply.id).await.unwrap();
    assert!(w.app.page_comments(&bob, page.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_guest_with_the_viewer_role_is_refused_naming_comment_create() {
    let w = world().await;
    let space = w.space("CMG").await;
    let page = w.page(&space, None, "Plan").await;
    let guest = w.user("gus@partner.example", Role::Guest).await;
    grant(&w, space.id, &guest, "viewer").await;
    w.app
        .add_comment(&w.admin, page.id, None, storage("<p>hi</p>"))
        .await
        .unwrap();
    let err = w
        .app
        .add_comment(&guest, page.id, None, storage("<p>me</p>"))
        .await
        .unwrap_err();
    match err {
        AppError::Forbidden { permission, .. } => assert_eq!(permission, "comment.create"),
        other => panic!("{other:?}"),
    }
    // The permission is judged before the body.
    let err = w
        .app
        .add_comment(&guest, page.id, None, storage(" "))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden { .. }), "{err:?}");
    assert_eq!(w.app.page_comments(&guest, page.id).await.unwrap().len(), 1);
    // A guest author carries the Guest badge.
    grant(&w, space.id, &guest, "collaborator").await;
    let mine = w
        .app
        .add_comment(&guest, page.id, None, storage("<p>me</p>"))
        .await
        .unwrap();
    assert!(mine.author.unwrap().is_guest);
}

#[tokio::test]
async fn a_restricted_page_hides_its_comments_like_missing_ones() {
    let w = world().await;
    let space = w.space("CMR").await;
    let page = w.page(&space, None, "Secret").await;
    let member = w.user("mia@example.com", Role::Member).await;
    grant(&w, space.id, &member, "collaborator").await;
    let c = w
        .app
        .add_comment(&w.admin, page.id, None, storage("<p>hush</p>"))
        .await
        .unwrap();
    w.app
        .set_page_restrictions(
            &w.admin,
            page.id,
            RestrictionChange {
                view: Some(vec![Grantee::User(w.admin.user_id().unwrap())]),
                edit: None,
            },
        )
        .await
        .unwrap();
    assert!(matches!(
        w.app.page_comments(&member, page.id).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.comment(&member, c.id).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.comment_replies(&member, c.id).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.delete_comment(&member, c.id).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app
            .add_comment(&member, page.id, None, storage("<p>x</p>"))
            .await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.comment(&member, 999_999).await,
        Err(AppError::NotFound)
    ));
    assert_eq!(
        w.app.page_comments(&w.admin, page.id).await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn hostile_html_is_sanitised_on_the_way_in() {
    let w = world().await;
    let space = w.space("CMX").await;
    let page = w.page(&space, None, "Plan").await;
    let c = w
        .app
        .add_comment(
            &w.admin,
            page.id,
            None,
            storage(r#"<p onclick="steal()">hi<script>alert(1)</script><a href="javascript:x()">l</a></p>"#),
        )
        .await
        .unwrap();
    let body = c.body.unwrap();
    for bad in ["<script", "onclick", "javascript:"] {
        assert!(!body.contains(bad), "{bad} survived: {body}");
    }
    assert!(body.contains("hi"));
}

/// (reply, edit, delete) per comment id, and whether the viewer may add one.
async fn abilities_of(
    w: &World,
    viewer: &Viewer,
    page: portico_app::PageId,
) -> (bool, Vec<(i64, (bool, bool, bool))>) {
    let thread = w.app.comment_thread(viewer, page).await.unwrap();
    let each = thread
        .comments
        .iter()
        .map(|c| {
            let a = c.abilities;
            (c.comment.id, (a.reply, a.edit, a.delete))
        })
        .collect();
    (thread.may_comment, each)
}

#[tokio::test]
async fn the_thread_says_what_each_viewer_may_do_as_the_use_cases_decide() {
    let w = world().await;
    let space = w.space("CMA").await;
    let page = w.page(&space, None, "Plan").await;
    let ann = w.user("ann@example.com", Role::Member).await;
    let bob = w.user("bob@example.com", Role::Member).await;
    let vic = w.user("vic@partner.example", Role::Guest).await;
    grant(&w, space.id, &ann, "collaborator").await;
    grant(&w, space.id, &bob, "collaborator").await;
    grant(&w, space.id, &vic, "viewer").await;
    let mine = w
        .app
        .add_comment(&ann, page.id, None, storage("<p>ann</p>"))
        .await
        .unwrap();
    let theirs = w
        .app
        .add_comment(&bob, page.id, Some(mine.id), storage("<p>bob</p>"))
        .await
        .unwrap();
    // The author: reply, edit and (with `delete.own`) delete their own;
    // only reply to someone else's.
    assert_eq!(
        abilities_of(&w, &ann, page.id).await,
        (
            true,
            vec![
                (mine.id, (true, true, true)),
                (theirs.id, (true, false, false))
            ]
        )
    );
    // A space admin (`comment.delete`) deletes anyone's but edits no one's.
    assert_eq!(
        abilities_of(&w, &w.admin, page.id).await,
        (
            true,
            vec![
                (mine.id, (true, false, true)),
                (theirs.id, (true, false, true))
            ]
        )
    );
    // A viewer guest and an anonymous reader read only.
    assert_eq!(
        abilities_of(&w, &vic, page.id).await,
        (
            false,
            vec![
                (mine.id, (false, false, false)),
                (theirs.id, (false, false, false))
            ]
        )
    );
    let mut policies = w.app.policies(&w.admin).await.unwrap();
    policies.access.anonymous_access = true;
    w.app.update_policies(&w.admin, policies).await.unwrap();
    w.app
        .set_space_grant(
            &w.admin,
            space.id,
            Grantee::Anonymous,
            GrantInput::Role("viewer".into()),
        )
        .await
        .unwrap();
    assert_eq!(
        abilities_of(&w, &Viewer::Anonymous, page.id).await,
        (
            false,
            vec![
                (mine.id, (false, false, false)),
                (theirs.id, (false, false, false))
            ]
        )
    );
    // Each "yes" is one the use case grants, each "no" one it refuses.
    let err = w
        .app
        .edit_comment(&bob, mine.id, storage("<p>x</p>"), 2)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden { .. }), "{err:?}");
    let err = w.app.delete_comment(&bob, mine.id).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden { .. }), "{err:?}");
    let err = w
        .app
        .add_comment(&vic, page.id, Some(mine.id), storage("<p>x</p>"))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden { .. }), "{err:?}");
    // A placeholder offers nothing; an archived space offers nothing.
    w.app.delete_comment(&ann, mine.id).await.unwrap();
    assert_eq!(
        abilities_of(&w, &w.admin, page.id).await,
        (
            true,
            vec![
                (mine.id, (false, false, false)),
                (theirs.id, (true, false, true))
            ]
        )
    );
    w.app
        .set_space_archived(&w.admin, space.id, true)
        .await
        .unwrap();
    assert_eq!(
        abilities_of(&w, &bob, page.id).await,
        (
            false,
            vec![
                (mine.id, (false, false, false)),
                (theirs.id, (false, false, false))
            ]
        )
    );
    let err = w.app.delete_comment(&bob, theirs.id).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden { .. }), "{err:?}");
    // An invisible page has no thread at all.
    let outsider = w.user("out@example.com", Role::None).await;
    assert!(matches!(
        w.app.comment_thread(&outsider, page.id).await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn comments_longer_than_the_limit_are_refused() {
    let w = world().await;
    let space = w.space("CML").await;
    let page = w.page(&space, None, "Plan").await;
    let long = format!("<p>{}</p>", "x".repeat(portico_app::MAX_COMMENT_BYTES));
    let err = w
        .app
        .add_comment(&w.admin, page.id, None, storage(&long))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)), "{err:?}");
    assert!(
        w.app
            .page_comments(&w.admin, page.id)
            .await
            .unwrap()
            .is_empty()
    );
}
