//! Page rules: titles, statuses, and the tree (materialised ancestor paths,
//! sibling order, which moves are allowed).
//!
//! A page's `path` lists its ancestors' ids from the root down, each followed by
//! a slash: a top-level page has path `/`, a child of page 7 under page 3 has
//! `/3/7/`. The descendants of page P are exactly the pages whose path starts
//! with `P.path + P.id + "/"`, which makes subtree queries a prefix test.

use std::fmt;
use std::str::FromStr;

use crate::ids::PageId;
use crate::validation::{ValidationError, single_line};

pub const MAX_TITLE_LEN: usize = 255;

/// A validated page title.
pub fn validate_title(title: &str) -> Result<String, ValidationError> {
    single_line("title", title, MAX_TITLE_LEN)
}

/// The lifecycle of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStatus {
    Current,
    Trashed,
}

impl PageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PageStatus::Current => "current",
            PageStatus::Trashed => "trashed",
        }
    }
}

impl fmt::Display for PageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PageStatus {
    type Err = ValidationError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "current" => Ok(PageStatus::Current),
            "trashed" => Ok(PageStatus::Trashed),
            other => Err(ValidationError::new(
                "status",
                format!("unknown page status `{other}`"),
            )),
        }
    }
}

/// The ancestor path of a page placed under `parent` (whose own path is
/// `parent_path`), or at the top level when `parent` is `None`.
pub fn child_path(parent: Option<(PageId, &str)>) -> String {
    match parent {
        None => "/".to_owned(),
        Some((id, path)) => format!("{path}{id}/"),
    }
}

/// The prefix shared by the paths of every descendant of a page.
pub fn descendants_prefix(page: PageId, page_path: &str) -> String {
    format!("{page_path}{page}/")
}

/// Ancestor ids, root first, read back from a path.
pub fn ancestors(path: &str) -> Vec<PageId> {
    path.split('/')
        .filter_map(|part| part.parse().ok())
        .collect()
}

/// Why a move was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    #[error("a page can't be moved under itself or one of its descendants")]
    IntoOwnSubtree,
}

/// Checks that `page` (with ancestor path `page_path`) may be placed under
/// `new_parent` (with its own path). Moving a page under itself or under one of
/// its descendants would cut the subtree loose from the tree, so it is refused.
pub fn check_move(
    page: PageId,
    page_path: &str,
    new_parent: Option<(PageId, &str)>,
) -> Result<(), MoveError> {
    let Some((parent, parent_path)) = new_parent else {
        return Ok(());
    };
    let own_subtree = descendants_prefix(page, page_path);
    if parent == page || parent_path.starts_with(&own_subtree) {
        return Err(MoveError::IntoOwnSubtree);
    }
    Ok(())
}

/// Where a moved or new page goes relative to its new siblings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Last child of the target parent.
    Append,
    /// Just before this sibling.
    Before(PageId),
    /// Just after this sibling.
    After(PageId),
}

/// The new sibling order after placing `moving` among `siblings` (current order,
/// which may or may not already contain `moving`). A `Before`/`After` target that
/// isn't among the siblings appends.
pub fn place(siblings: &[PageId], moving: PageId, placement: Placement) -> Vec<PageId> {
    let mut order: Vec<PageId> = siblings
        .iter()
        .copied()
        .filter(|id| *id != moving)
        .collect();
    let index = match placement {
        Placement::Append => order.len(),
        Placement::Before(target) => order
            .iter()
            .position(|id| *id == target)
            .unwrap_or(order.len()),
        Placement::After(target) => order
            .iter()
            .position(|id| *id == target)
            .map_or(order.len(), |i| i + 1),
    };
    order.insert(index, moving);
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn paths_describe_ancestors() {
        assert_eq!(child_path(None), "/");
        assert_eq!(child_path(Some((PageId(3), "/"))), "/3/");
        assert_eq!(child_path(Some((PageId(7), "/3/"))), "/3/7/");
        assert_eq!(ancestors("/3/7/"), vec![PageId(3), PageId(7)]);
        assert_eq!(descendants_prefix(PageId(7), "/3/"), "/3/7/");
    }

    #[test]
    fn moving_into_own_subtree_is_refused() {
        // page 3 at the top; 7 under 3; 9 under 7.
        assert_eq!(
            check_move(PageId(3), "/", Some((PageId(3), "/"))),
            Err(MoveError::IntoOwnSubtree)
        );
        assert_eq!(
            check_move(PageId(3), "/", Some((PageId(7), "/3/"))),
            Err(MoveError::IntoOwnSubtree)
        );
        assert_eq!(
            check_move(PageId(3), "/", Some((PageId(9), "/3/7/"))),
            Err(MoveError::IntoOwnSubtree)
        );
        // 30 is not a descendant of 3 even though "30" starts with "3".
        assert_eq!(
            check_move(PageId(3), "/", Some((PageId(31), "/30/"))),
            Ok(())
        );
        assert_eq!(
            check_move(PageId(9), "/3/7/", Some((PageId(3), "/"))),
            Ok(())
        );
        assert_eq!(check_move(PageId(9), "/3/7/", None), Ok(()));
    }

    #[test]
    fn placement_orders_siblings() {
        let s = [PageId(1), PageId(2), PageId(3)];
        assert_eq!(
            place(&s, PageId(4), Placement::Append),
            vec![PageId(1), PageId(2), PageId(3), PageId(4)]
        );
        assert_eq!(
            place(&s, PageId(3), Placement::Before(PageId(1))),
            vec![PageId(3), PageId(1), PageId(2)]
        );
        assert_eq!(
            place(&s, PageId(1), Placement::After(PageId(3))),
            vec![PageId(2), PageId(3), PageId(1)]
        );
        assert_eq!(
            place(&s, PageId(2), Placement::After(PageId(2))),
            vec![PageId(1), PageId(3), PageId(2)]
        );
    }

    proptest! {
        #[test]
        fn placement_keeps_every_sibling_exactly_once(len in 0usize..8, moving in 1i64..10, target in 1i64..10, kind in 0u8..3) {
            let siblings: Vec<PageId> = (1..=len as i64).map(PageId).collect();
            let placement = match kind { 0 => Placement::Append, 1 => Placement::Before(PageId(target)), _ => Placement::After(PageId(target)) };
            let order = place(&siblings, PageId(moving), placement);
            let mut expected: Vec<PageId> = siblings.iter().copied().filter(|id| id.0 != moving).collect();
            expected.push(PageId(moving));
            let mut got = order.clone();
            got.sort();
            expected.sort();
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn a_page_can_never_become_its_own_ancestor(depth in 1usize..6, pick in 0usize..6) {
            // A chain 1 -> 2 -> ... -> depth; moving page 1 under any page of the chain is refused.
            let ids: Vec<PageId> = (1..=depth as i64).map(PageId).collect();
            let target = ids[pick % depth];
            let target_path = child_path_chain(&ids[..pick % depth]);
            prop_assert_eq!(check_move(PageId(1), "/", Some((target, &target_path))), Err(MoveError::IntoOwnSubtree));
        }
    }

    fn child_path_chain(ancestors: &[PageId]) -> String {
        let mut path = "/".to_owned();
        for id in ancestors {
            path.push_str(&format!("{id}/"));
        }
        path
    }
}
