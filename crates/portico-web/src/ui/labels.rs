//! Labels in the UI: a page's labels under its body (with add and remove
//! forms for those who may edit it) and the label page `/wiki/labels/{name}`
//! listing the pages that carry it — only those the viewer may view.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{Label, Page, PageId, Space};
use serde::Deserialize;

use super::links;
use super::render::{Caller, Me, Reader, UiError, UiForm, content_and_space, html, see_other};
use crate::AppState;

/// How many pages one label page lists.
const LABEL_PAGE_SIZE: u64 = 100;

/// A label as the page view shows it.
pub(crate) struct LabelChip {
    pub name: String,
    pub href: String,
}

/// The labels block of the page view.
pub(crate) struct LabelsView {
    pub labels: Vec<LabelChip>,
    /// Forms only for those who may edit the page.
    pub may_edit: bool,
    pub add_action: String,
    pub remove_action: String,
    pub csrf: String,
}

impl LabelsView {
    pub fn new(
        space: &Space,
        page: &Page,
        labels: Vec<Label>,
        may_edit: bool,
        csrf: String,
    ) -> Self {
        Self {
            labels: labels
                .into_iter()
                .map(|label| LabelChip {
                    href: label_href(&label.name),
                    name: label.name,
                })
                .collect(),
            may_edit,
            add_action: links::page_action(&space.key, page.id, "labels"),
            remove_action: links::page_action(&space.key, page.id, "labels/remove"),
            csrf,
        }
    }
}

pub(crate) fn label_href(name: &str) -> String {
    format!("/wiki/labels/{}", links::segment(name))
}

#[derive(Deserialize)]
pub(crate) struct AddForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    /// Names separated by spaces or commas.
    #[serde(default)]
    labels: String,
}

/// Adds the labels typed into the page's form, then shows the page again.
pub(crate) async fn add(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
    UiForm(form): UiForm<AddForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let (page, space) = content_and_space(&state, &caller, &id).await?;
    let names: Vec<String> = form
        .labels
        .split([' ', ','])
        .filter(|name| !name.trim().is_empty())
        .map(str::to_owned)
        .collect();
    state
        .app
        .add_labels(caller.viewer(), page.id, &names)
        .await?;
    Ok(see_other(&format!(
        "{}#labels",
        links::content(&space.key, &page)
    )))
}

#[derive(Deserialize)]
pub(crate) struct RemoveForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    name: String,
}

pub(crate) async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
    UiForm(form): UiForm<RemoveForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let (page, space) = content_and_space(&state, &caller, &id).await?;
    state
        .app
        .remove_label(caller.viewer(), page.id, &form.name)
        .await?;
    Ok(see_other(&format!(
        "{}#labels",
        links::content(&space.key, &page)
    )))
}

struct LabelledPage {
    title: String,
    href: String,
}

#[derive(Template)]
#[template(path = "label.html")]
struct LabelPage {
    me: Option<Me>,
    name: String,
    pages: Vec<LabelledPage>,
    more: bool,
}

/// `/wiki/labels/{name}`: the pages carrying a label that the viewer may
/// view. A label nobody may see answers exactly as an unused one.
pub(crate) async fn show(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path(name): Path<String>,
) -> Result<Response, UiError> {
    let slice = state
        .app
        .labelled_pages(caller.viewer(), &name, None, LABEL_PAGE_SIZE)
        .await?;
    let pages = slice
        .items
        .into_iter()
        .map(|page| LabelledPage {
            href: by_id(page.id),
            title: page.title,
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        &LabelPage {
            me: caller.me(),
            name: name.trim().to_lowercase(),
            pages,
            more: slice.has_more,
        },
    ))
}

/// A page's address by id (it redirects to the page's current URL).
fn by_id(id: PageId) -> String {
    format!("/wiki/pages/{id}")
}
