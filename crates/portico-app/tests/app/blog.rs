//! Blog posts as use cases: dated by their first publication, listed newest
//! first and by month, filtered in the query by the viewer's access set
//! (view restrictions, subtree guests), and never part of a page tree.

use portico_app::{
    AppError, AssignmentRole, BlogFilter, BlogMonth, Grantee, NewBlogPost, Page, PageFilter,
    PageUpdate, RestrictionChange, Role, SpaceId, Viewer,
};

use crate::harness::{World, storage, world};

async fn post(w: &World, as_: &Viewer, space: SpaceId, title: &str, draft: bool) -> Page {
    w.app
        .create_blog_post(
            as_,
            NewBlogPost {
                space_id: space,
                title: title.into(),
                body: storage(&format!("<p>{title}</p>")),
                draft,
            },
        )
        .await
        .unwrap()
}

fn filter(space: SpaceId, month: Option<BlogMonth>) -> BlogFilter {
    BlogFilter {
        space_ids: Some(vec![space]),
        title: None,
        drafts: false,
        month,
        offset: 0,
        limit: 50,
    }
}

async fn titles(w: &World, viewer: &Viewer, filter: BlogFilter) -> Vec<String> {
    w.app
        .list_blog_posts(viewer, filter)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|post| post.title)
        .collect()
}

fn month_of(page: &Page) -> BlogMonth {
    BlogMonth::new(page.created_at.year(), u8::from(page.created_at.month())).unwrap()
}

#[tokio::test]
async fn posts_are_dated_by_publication_and_grouped_by_month() {
    let w = world().await;
    let space = w.space("BLG").await;
    let january = post(&w, &w.admin, space.id, "Early", false).await;
    let draft = post(&w, &w.admin, space.id, "Slow draft", true).await;
    w.clock.advance(time::Duration::days(40));
    let february = post(&w, &w.admin, space.id, "Later", false).await;
    w.clock.advance(time::Duration::days(40));
    // Published two months after it was started: dated now, listed first.
    let published = w
        .app
        .update_blog_post(
            &w.admin,
            draft.id,
            PageUpdate {
                title: "Slow draft".into(),
                body: storage("<p>done</p>"),
                version: 2,
                message: String::new(),
                publish: true,
            },
        )
        .await
        .unwrap();
    assert!(published.created_at > february.created_at);
    assert!(published.blog);
    assert_eq!(
        titles(&w, &w.admin, filter(space.id, None)).await,
        ["Slow draft", "Later", "Early"]
    );
    let months = w.app.blog_months(&w.admin, space.id).await.unwrap();
    assert_eq!(
        months,
        [
            (month_of(&published), 1),
            (month_of(&february), 1),
            (month_of(&january), 1)
        ]
    );
    assert_eq!(
        titles(&w, &w.admin, filter(space.id, Some(month_of(&february)))).await,
        ["Later"]
    );
    // Never a page: not in the tree, not in page lists.
    let tree = w.app.space_tree(&w.admin, space.id).await.unwrap();
    assert!(
        tree.iter()
            .all(|entry| entry.title == "Home" || !entry.title.contains("Later"))
    );
    assert_eq!(tree.len(), 1, "only the home page: {tree:?}");
    let pages = w
        .app
        .list_pages(
            &w.admin,
            PageFilter {
                space_ids: Some(vec![space.id]),
                title: None,
                after: None,
                limit: 50,
            },
        )
        .await
        .unwrap();
    assert!(pages.items.iter().all(|page| !page.blog));
    assert!(matches!(
        w.app.page(&w.admin, february.id).await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn lists_hold_only_what_the_viewer_may_see() {
    let w = world().await;
    let space = w.space("VIS").await;
    let member = w.user("mia@example.com", Role::Member).await;
    let open = post(&w, &w.admin, space.id, "Open", false).await;
    let secret = post(&w, &w.admin, space.id, "Secret", false).await;
    w.app
        .set_page_restrictions(
            &w.admin,
            secret.id,
            RestrictionChange {
                view: Some(vec![Grantee::User(w.admin.user_id().unwrap())]),
                edit: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(titles(&w, &member, filter(space.id, None)).await, ["Open"]);
    assert_eq!(
        w.app.blog_months(&member, space.id).await.unwrap()[0].1,
        1,
        "the archive counts what the viewer sees"
    );
    assert!(matches!(
        w.app.blog_post(&member, secret.id).await,
        Err(AppError::NotFound)
    ));
    // A member's draft is theirs alone.
    post(&w, &member, space.id, "Mia's draft", true).await;
    let drafts = BlogFilter {
        drafts: true,
        ..filter(space.id, None)
    };
    assert_eq!(titles(&w, &member, drafts).await, ["Mia's draft"]);
    let drafts = BlogFilter {
        drafts: true,
        ..filter(space.id, None)
    };
    assert!(titles(&w, &w.admin, drafts).await.is_empty());

    // A guest shared one page subtree sees no blog post (posts are in no
    // subtree) and may not write one.
    let top = w.page(&space, None, "Top").await;
    let guest = w.user("gus@partner.example", Role::Guest).await;
    w.app
        .assign_guest_to_page(
            &w.admin,
            space.id,
            top.id,
            guest.user_id().unwrap(),
            AssignmentRole::Collaborator,
            None,
        )
        .await
        .unwrap();
    assert!(titles(&w, &guest, filter(space.id, None)).await.is_empty());
    assert!(matches!(
        w.app.blog_post(&guest, open.id).await,
        Err(AppError::NotFound)
    ));
    let refused = w
        .app
        .create_blog_post(
            &guest,
            NewBlogPost {
                space_id: space.id,
                title: "Guest post".into(),
                body: storage("<p>x</p>"),
                draft: false,
            },
        )
        .await;
    assert!(refused.is_err());
    // A guest of the whole space reads its posts.
    let other = w.space("GST").await;
    post(&w, &w.admin, other.id, "For guests", false).await;
    let assigned = w.guest_in("gia@partner.example", &other).await;
    assert_eq!(
        titles(&w, &assigned, filter(other.id, None)).await,
        ["For guests"]
    );
    assert!(
        titles(&w, &assigned, filter(space.id, None))
            .await
            .is_empty()
    );
}
