//! Reactions and favourites in the UI: the reaction buttons under a page
//! (`templates/reactions.html`, fed by [`ReactionBar`]), the "Save for later"
//! star beside the watch button (`templates/favourite.html`), their form
//! posts, and `/favourites`, the signed-in person's starred pages.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{Emoji, Page, ReactionCount, ReactionTarget};
use serde::Deserialize;

use super::links;
use super::render::{Caller, Me, UiError, UiForm, UiQuery, html, page_id, see_other};
use crate::AppState;
use crate::error::WebError;

/// Favourites per page of the list.
const PAGE_SIZE: u64 = 50;

/// One emoji's button.
pub(crate) struct ReactionButton {
    pub name: &'static str,
    pub glyph: &'static str,
    pub label: &'static str,
    pub count: usize,
    pub mine: bool,
    /// The names the reader may know, for the button's title.
    pub who: String,
}

/// The reaction buttons of a page (or, with `comment`, of a comment of it).
pub(crate) struct ReactionBar {
    pub action: String,
    pub csrf: String,
    pub comment: Option<i64>,
    /// Buttons can be pressed (the reader may react); otherwise only counts show.
    pub may_react: bool,
    pub buttons: Vec<ReactionButton>,
}

impl ReactionBar {
    pub fn new(
        space_key: &str,
        page: &Page,
        comment: Option<i64>,
        counts: &[ReactionCount],
        may_react: bool,
        csrf: String,
    ) -> Self {
        let buttons = Emoji::ALL
            .into_iter()
            .map(|emoji| {
                let count = counts.iter().find(|count| count.emoji == emoji);
                ReactionButton {
                    name: emoji.name(),
                    glyph: emoji.glyph(),
                    label: emoji.label(),
                    count: count.map_or(0, |count| count.count),
                    mine: count.is_some_and(|count| count.mine),
                    who: count.map_or_else(String::new, |count| {
                        count
                            .people
                            .iter()
                            .map(|person| person.display_name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    }),
                }
            })
            // Without the right to react, only what others did shows.
            .filter(|button| may_react || button.count > 0)
            .collect();
        ReactionBar {
            action: links::page_action(space_key, page.id, "react"),
            csrf,
            comment,
            may_react,
            buttons,
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ReactForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    emoji: String,
    /// `1` to react, `0` to take it back.
    #[serde(default)]
    on: String,
    /// A comment of the page, instead of the page.
    #[serde(default)]
    comment: String,
}

fn one_or_zero(field: &str, value: &str) -> Result<bool, UiError> {
    match value {
        "1" => Ok(true),
        "0" => Ok(false),
        other => Err(UiError(WebError::BadRequest(format!(
            "`{field}` must be `1` or `0`, not `{other}`"
        )))),
    }
}

/// `POST /wiki/spaces/{key}/pages/{id}/react`.
pub(crate) async fn react(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
    UiForm(form): UiForm<ReactForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let on = one_or_zero("on", &form.on)?;
    let emoji =
        Emoji::parse(&form.emoji).map_err(|err| UiError(WebError::BadRequest(err.to_string())))?;
    let page = state.app.page(caller.viewer(), page_id(&id)?).await?;
    let target = if form.comment.is_empty() {
        ReactionTarget::Page(page.id)
    } else {
        let comment = form.comment.parse::<i64>().map_err(|_| {
            UiError(WebError::BadRequest(format!(
                "`comment` must be a comment id, not `{}`",
                form.comment
            )))
        })?;
        ReactionTarget::Comment(comment)
    };
    state
        .app
        .set_reaction(caller.viewer(), target, emoji, on)
        .await?;
    let space = state.app.space(caller.viewer(), page.space_id).await?;
    let back = links::page(&space.key, page.id, &page.title);
    Ok(see_other(&match target {
        ReactionTarget::Comment(comment) => format!("{back}#comment-{comment}"),
        ReactionTarget::Page(_) => back,
    }))
}

/// The star's state, for `templates/favourite.html`; absent for anonymous readers.
pub(crate) struct FavouriteButton {
    pub action: String,
    pub starred: bool,
    pub csrf: String,
}

impl FavouriteButton {
    pub async fn load(
        state: &AppState,
        caller: &Caller,
        space_key: &str,
        page: &Page,
    ) -> Result<Option<Self>, UiError> {
        if caller.me.is_none() || page.status == "draft" {
            return Ok(None);
        }
        let starred = state.app.is_favourite(caller.viewer(), page.id).await?;
        Ok(Some(FavouriteButton {
            action: links::page_action(space_key, page.id, "favourite"),
            starred,
            csrf: caller.csrf(),
        }))
    }
}

#[derive(Deserialize)]
pub(crate) struct FavouriteForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    favourite: String,
}

/// `POST /wiki/spaces/{key}/pages/{id}/favourite`.
pub(crate) async fn set_favourite(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
    UiForm(form): UiForm<FavouriteForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let on = one_or_zero("favourite", &form.favourite)?;
    let page = state.app.page(caller.viewer(), page_id(&id)?).await?;
    state
        .app
        .set_favourite(caller.viewer(), page.id, on)
        .await?;
    let space = state.app.space(caller.viewer(), page.space_id).await?;
    Ok(see_other(&links::page(&space.key, page.id, &page.title)))
}

struct Starred {
    title: String,
    href: String,
}

#[derive(Template)]
#[template(path = "favourites.html")]
struct FavouritesPage {
    me: Option<Me>,
    items: Vec<Starred>,
    more: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    after: String,
}

/// `/favourites`: the caller's starred pages they can view now.
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    UiQuery(query): UiQuery<ListQuery>,
) -> Result<Response, UiError> {
    // A malformed cursor is the first page.
    let after = query.after.parse::<i64>().ok().map(portico_app::PageId);
    let slice = state
        .app
        .favourites(caller.viewer(), after, PAGE_SIZE)
        .await?;
    let more = match (slice.has_more, slice.items.last()) {
        (true, Some(last)) => Some(format!("/favourites?after={}", last.id)),
        _ => None,
    };
    Ok(html(
        StatusCode::OK,
        &FavouritesPage {
            me: caller.me(),
            items: slice
                .items
                .into_iter()
                .map(|page| Starred {
                    href: format!("/wiki/pages/{}", page.id),
                    title: page.title,
                })
                .collect(),
            more,
        },
    ))
}
