//! Changing the page tree: the move, copy and delete forms and their posts.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{AppError, CopyTo, MoveTo, Page, PageId, Space, TreeEntry};
use serde::Deserialize;

use super::links::{self, PageLinks};
use super::render::{
    Caller, FormError, Me, UiError, UiForm, form_error, html, page_and_space, see_other,
};
use super::view::{Sidebar, SpaceView};
use crate::AppState;

/// A choice in the target list: a page, indented by its depth.
struct TargetOption {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "tree_form.html")]
struct TreeFormPage {
    me: Option<Me>,
    csrf: String,
    space: SpaceView,
    sidebar: Sidebar,
    links: PageLinks,
    title: String,
    heading: String,
    action: String,
    copying: bool,
    targets: Vec<TargetOption>,
    position: String,
    target: String,
    other_target: String,
    copy_title: String,
    include_descendants: bool,
    error: Option<String>,
}

/// What the move and copy forms hold.
#[derive(Deserialize, Default)]
pub(crate) struct TreeForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    other_target: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    include_descendants: Option<String>,
}

/// Pages of the tree a page may go next to or under. A page can't be moved
/// into its own subtree, so a move leaves the page and its descendants out.
fn targets(tree: &[TreeEntry], moving: Option<PageId>) -> Vec<TargetOption> {
    let mut options = Vec::with_capacity(tree.len());
    let mut skip_below: Option<usize> = None;
    for entry in tree {
        if let Some(depth) = skip_below {
            if entry.depth > depth {
                continue;
            }
            skip_below = None;
        }
        if Some(entry.id) == moving {
            skip_below = Some(entry.depth);
            continue;
        }
        options.push(TargetOption {
            value: entry.id.to_string(),
            label: format!(
                "{}{}",
                "\u{a0}\u{a0}\u{a0}".repeat(entry.depth),
                entry.title
            ),
        });
    }
    options
}

/// Renders the move form (or, with `copying`, the copy form) for `page`.
async fn render_form(
    state: &AppState,
    caller: &Caller,
    (page, space): (&Page, &Space),
    copying: bool,
    form: TreeForm,
    error: Option<FormError>,
) -> Result<Response, UiError> {
    let tree = state.app.space_tree(caller.viewer(), space.id).await?;
    let (heading, action) = if copying {
        (
            format!("Copy “{}”", page.title),
            links::page_action(&space.key, page.id, "copy"),
        )
    } else {
        (
            format!("Move “{}”", page.title),
            links::page_action(&space.key, page.id, "move"),
        )
    };
    Ok(html(
        error.as_ref().map_or(StatusCode::OK, |error| error.status),
        &TreeFormPage {
            me: caller.me(),
            csrf: caller.csrf(),
            sidebar: Sidebar::new(space, &tree, Some(page.id)),
            space: SpaceView::new(space),
            links: PageLinks::new(&space.key, page.id, &page.title),
            title: page.title.clone(),
            heading,
            action,
            copying,
            targets: targets(&tree, (!copying).then_some(page.id)),
            position: form.position,
            target: form.target,
            other_target: form.other_target,
            copy_title: form.title,
            include_descendants: form.include_descendants.is_some(),
            error: error.map(|error| error.message),
        },
    ))
}

/// The form's first guess: next to the page's own place in the tree.
fn initial_form(page: &Page, copying: bool) -> TreeForm {
    match page.parent_id {
        Some(parent) => TreeForm {
            position: "append".to_owned(),
            target: parent.to_string(),
            include_descendants: copying.then(|| "true".to_owned()),
            ..TreeForm::default()
        },
        None => TreeForm {
            position: "after".to_owned(),
            target: page.id.to_string(),
            include_descendants: copying.then(|| "true".to_owned()),
            ..TreeForm::default()
        },
    }
}

/// Where the form says to put the page. Missing and invisible targets get
/// the same answer.
async fn destination(
    state: &AppState,
    caller: &Caller,
    form: &TreeForm,
) -> Result<Result<MoveTo, FormError>, UiError> {
    let target = if form.other_target.trim().is_empty() {
        form.target.trim()
    } else {
        form.other_target.trim()
    };
    let refuse = |message: &str| Ok(Err(FormError::new(StatusCode::BAD_REQUEST, message)));
    if form.position == "top" {
        return match state.app.space_by_key(caller.viewer(), target).await {
            Ok(space) => Ok(Ok(MoveTo::TopOf(space.id))),
            Err(AppError::NotFound) => {
                refuse("for the top level, the target must be the key of a space you can see")
            }
            Err(err) => Err(err.into()),
        };
    }
    let Ok(anchor) = target.parse::<PageId>() else {
        return refuse("the target must be a page id (or, for the top level, a space key)");
    };
    match form.position.as_str() {
        "append" => Ok(Ok(MoveTo::Under(anchor))),
        "before" => Ok(Ok(MoveTo::Before(anchor))),
        "after" => Ok(Ok(MoveTo::After(anchor))),
        _ => refuse("`position` must be `append`, `before`, `after` or `top`"),
    }
}

/// Goes to `page` at its (possibly new) URL.
async fn go_to(state: &AppState, caller: &Caller, page: &Page) -> Result<Response, UiError> {
    let space = state.app.space(caller.viewer(), page.space_id).await?;
    Ok(see_other(&links::page(&space.key, page.id, &page.title)))
}

pub(crate) async fn move_form(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
) -> Result<Response, UiError> {
    let (page, space) = page_and_space(&state, &caller, &id).await?;
    let form = initial_form(&page, false);
    render_form(&state, &caller, (&page, &space), false, form, None).await
}

pub(crate) async fn move_page(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
    UiForm(form): UiForm<TreeForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let (page, space) = page_and_space(&state, &caller, &id).await?;
    let outcome = match destination(&state, &caller, &form).await? {
        Ok(to) => state.app.move_page(caller.viewer(), page.id, to).await,
        Err(error) => {
            return render_form(&state, &caller, (&page, &space), false, form, Some(error)).await;
        }
    };
    match outcome {
        Ok(moved) => go_to(&state, &caller, &moved).await,
        Err(err) => {
            let error = form_error(err)?;
            render_form(&state, &caller, (&page, &space), false, form, Some(error)).await
        }
    }
}

pub(crate) async fn copy_form(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
) -> Result<Response, UiError> {
    let (page, space) = page_and_space(&state, &caller, &id).await?;
    let form = initial_form(&page, true);
    render_form(&state, &caller, (&page, &space), true, form, None).await
}

pub(crate) async fn copy_page(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
    UiForm(form): UiForm<TreeForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let (page, space) = page_and_space(&state, &caller, &id).await?;
    let destination = match destination(&state, &caller, &form).await? {
        Ok(to) => to,
        Err(error) => {
            return render_form(&state, &caller, (&page, &space), true, form, Some(error)).await;
        }
    };
    let title = form.title.trim();
    let options = CopyTo {
        destination,
        title: (!title.is_empty()).then(|| title.to_owned()),
        include_descendants: form.include_descendants.is_some(),
    };
    match state.app.copy_page(caller.viewer(), page.id, options).await {
        Ok(copy) => go_to(&state, &caller, &copy).await,
        Err(err) => {
            let error = form_error(err)?;
            render_form(&state, &caller, (&page, &space), true, form, Some(error)).await
        }
    }
}

#[derive(Template)]
#[template(path = "delete.html")]
struct DeletePage {
    me: Option<Me>,
    csrf: String,
    space: SpaceView,
    sidebar: Sidebar,
    links: PageLinks,
    title: String,
    error: Option<String>,
}

async fn render_delete(
    state: &AppState,
    caller: &Caller,
    page: &Page,
    space: &Space,
    error: Option<FormError>,
) -> Result<Response, UiError> {
    let tree = state.app.space_tree(caller.viewer(), space.id).await?;
    Ok(html(
        error.as_ref().map_or(StatusCode::OK, |error| error.status),
        &DeletePage {
            me: caller.me(),
            csrf: caller.csrf(),
            sidebar: Sidebar::new(space, &tree, Some(page.id)),
            space: SpaceView::new(space),
            links: PageLinks::new(&space.key, page.id, &page.title),
            title: page.title.clone(),
            error: error.map(|error| error.message),
        },
    ))
}

pub(crate) async fn delete_form(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
) -> Result<Response, UiError> {
    let (page, space) = page_and_space(&state, &caller, &id).await?;
    render_delete(&state, &caller, &page, &space, None).await
}

#[derive(Deserialize)]
pub(crate) struct DeleteForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

pub(crate) async fn delete_page(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
    UiForm(form): UiForm<DeleteForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let (page, space) = page_and_space(&state, &caller, &id).await?;
    match state.app.delete_page(caller.viewer(), page.id).await {
        Ok(()) => Ok(see_other(&links::space(&space.key))),
        Err(err) => {
            let error = form_error(err)?;
            render_delete(&state, &caller, &page, &space, Some(error)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, depth: usize) -> TreeEntry {
        TreeEntry {
            id: PageId(id),
            parent_id: None,
            title: format!("P{id}"),
            depth,
        }
    }

    #[test]
    fn a_move_leaves_out_the_page_and_its_subtree() {
        let tree = [
            entry(1, 0),
            entry(2, 1),
            entry(3, 2),
            entry(4, 3),
            entry(5, 2),
            entry(6, 1),
        ];
        let values: Vec<String> = targets(&tree, Some(PageId(3)))
            .into_iter()
            .map(|option| option.value)
            .collect();
        assert_eq!(values, ["1", "2", "5", "6"]);
        assert_eq!(targets(&tree, None).len(), 6);
    }
}
