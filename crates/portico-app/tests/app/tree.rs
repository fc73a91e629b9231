//! The tree through the use cases: pre-order trees, breadcrumbs after moves.

use portico_app::{AppError, MoveTo};

use crate::harness::world;

#[tokio::test]
async fn trees_and_breadcrumbs_follow_moves() {
    let w = world().await;
    let space = w.space("TRE").await;
    let other = w.space("TRF").await;
    let home = space.homepage_id.unwrap();
    let a = w.page(&space, None, "A").await;
    let b = w.page(&space, Some(a.id), "B").await;
    let c = w.page(&space, Some(b.id), "C").await;
    let d = w.page(&space, None, "D").await;

    let tree: Vec<(String, usize)> = w
        .app
        .space_tree(&w.admin, space.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.title, e.depth))
        .collect();
    assert_eq!(
        tree,
        [
            ("Space TRE".to_owned(), 0),
            ("A".into(), 1),
            ("B".into(), 2),
            ("C".into(), 3),
            ("D".into(), 1)
        ]
    );
    let crumbs: Vec<String> = w
        .app
        .breadcrumbs(&w.admin, c.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.title)
        .collect();
    assert_eq!(crumbs, ["Space TRE", "A", "B"]);

    // B (with C) moves under D, then the whole of D to the other space.
    w.app
        .move_page(&w.admin, b.id, MoveTo::Under(d.id))
        .await
        .unwrap();
    let crumbs: Vec<String> = w
        .app
        .breadcrumbs(&w.admin, c.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.title)
        .collect();
    assert_eq!(crumbs, ["Space TRE", "D", "B"]);
    w.app
        .move_page(&w.admin, d.id, MoveTo::Under(other.homepage_id.unwrap()))
        .await
        .unwrap();
    let crumbs: Vec<String> = w
        .app
        .breadcrumbs(&w.admin, c.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.title)
        .collect();
    assert_eq!(crumbs, ["Space TRF", "D", "B"]);
    assert_eq!(w.app.page(&w.admin, c.id).await.unwrap().space_id, other.id);
    let left: Vec<String> = w
        .app
        .space_tree(&w.admin, space.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.title)
        .collect();
    assert_eq!(left, ["Space TRE", "A"]);

    // And a descendant can't become the ancestor's parent.
    let refused = w.app.move_page(&w.admin, d.id, MoveTo::Under(c.id)).await;
    assert!(matches!(refused, Err(AppError::Invalid(_))), "{refused:?}");
    let _ = home;
}
