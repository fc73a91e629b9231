//! Spaces: the directory, creating a space, a space's home (overview) and its
//! settings (name, description, archive).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{AppError, NewSpace, Space, SpaceFilter, SpaceId, SpaceUpdate, WatchTarget};
use serde::Deserialize;

use super::links::{self, PageLinks};
use super::notifications::WatchButton;
use super::render::{
    Caller, FormError, Me, Reader, UiError, UiForm, UiQuery, form_error, html, redirect, see_other,
};
use super::view::{Sidebar, SpaceView};
use crate::AppState;

/// Spaces per directory page.
const DIRECTORY_PAGE: u64 = 100;

#[derive(Template)]
#[template(path = "spaces.html")]
struct Directory {
    me: Option<Me>,
    spaces: Vec<SpaceView>,
    show_archived: bool,
    more: Option<String>,
    can_create: bool,
    /// A guest: with nothing shared yet, they see a page that says so.
    guest: bool,
}

#[derive(Deserialize)]
pub(crate) struct DirectoryQuery {
    #[serde(default)]
    archived: String,
    #[serde(default)]
    after: String,
}

pub(crate) async fn directory(
    State(state): State<AppState>,
    Reader(caller): Reader,
    UiQuery(query): UiQuery<DirectoryQuery>,
) -> Result<Response, UiError> {
    let show_archived = matches!(query.archived.as_str(), "1" | "true");
    let after = query.after.parse::<SpaceId>().ok();
    let slice = state
        .app
        .list_spaces(
            caller.viewer(),
            SpaceFilter {
                keys: None,
                status: (!show_archived).then(|| "current".to_owned()),
                after,
                limit: DIRECTORY_PAGE,
            },
        )
        .await?;
    let abilities = state.app.site_abilities(caller.viewer()).await?;
    let more = match (slice.has_more, slice.items.last()) {
        (true, Some(last)) => Some(format!(
            "/wiki/spaces?after={}{}",
            last.id,
            if show_archived { "&archived=1" } else { "" }
        )),
        _ => None,
    };
    Ok(html(
        StatusCode::OK,
        &Directory {
            me: caller.me(),
            spaces: slice.items.iter().map(SpaceView::new).collect(),
            show_archived,
            more,
            can_create: abilities.create_space,
            guest: abilities.guest,
        },
    ))
}

#[derive(Template)]
#[template(path = "space_create.html")]
struct CreateSpacePage {
    me: Option<Me>,
    csrf: String,
    key: String,
    name: String,
    description: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct SpaceForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

pub(crate) async fn create_form(caller: Caller) -> Response {
    html(
        StatusCode::OK,
        &CreateSpacePage {
            me: caller.me(),
            csrf: caller.csrf(),
            key: String::new(),
            name: String::new(),
            description: String::new(),
            error: None,
        },
    )
}

pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    UiForm(form): UiForm<SpaceForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let new = NewSpace {
        key: form.key.clone(),
        name: form.name.clone(),
        description: form.description.clone(),
    };
    match state.app.create_space(caller.viewer(), new).await {
        Ok(space) => Ok(see_other(&links::space(&space.key))),
        Err(err) => {
            let error = form_error(err)?;
            Ok(html(
                error.status,
                &CreateSpacePage {
                    me: caller.me(),
                    csrf: caller.csrf(),
                    key: form.key,
                    name: form.name,
                    description: form.description,
                    error: Some(error.message),
                },
            ))
        }
    }
}

/// The home page of a space as the overview shows it.
struct Home {
    links: PageLinks,
    body_html: String,
    empty: bool,
}

#[derive(Template)]
#[template(path = "space.html")]
struct Overview {
    me: Option<Me>,
    space: SpaceView,
    sidebar: Sidebar,
    home: Option<Home>,
    watch: Option<WatchButton>,
}

pub(crate) async fn overview(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path(key): Path<String>,
) -> Result<Response, UiError> {
    let app = &state.app;
    let space = app.space_by_key(caller.viewer(), &key).await?;
    if space.key != key {
        return Ok(redirect(
            StatusCode::MOVED_PERMANENTLY,
            &links::space(&space.key),
        ));
    }
    let home = match space.homepage_id {
        Some(id) => match app.page(caller.viewer(), id).await {
            Ok(page) => Some(Home {
                links: PageLinks::new(&space.key, page.id, &page.title),
                body_html: app.render_body(caller.viewer(), &page.body).await?,
                empty: page.body.trim().is_empty(),
            }),
            Err(AppError::NotFound) => None,
            Err(err) => return Err(err.into()),
        },
        None => None,
    };
    let tree = app.space_tree(caller.viewer(), space.id).await?;
    let watch =
        WatchButton::load(&state, &caller, &space.key, WatchTarget::Space(space.id)).await?;
    Ok(html(
        StatusCode::OK,
        &Overview {
            me: caller.me(),
            watch,
            sidebar: Sidebar::new(&space, &tree, space.homepage_id),
            space: SpaceView::load(app, caller.viewer(), &space).await?,
            home,
        },
    ))
}

#[derive(Template)]
#[template(path = "space_settings.html")]
struct SettingsPage {
    me: Option<Me>,
    csrf: String,
    space: SpaceView,
    sidebar: Sidebar,
    archive_href: String,
    name: String,
    description: String,
    error: Option<String>,
}

/// Renders the settings page for `space`, with `input` as the form's values.
async fn settings_page(
    state: &AppState,
    caller: &Caller,
    space: &Space,
    input: Option<(String, String)>,
    error: Option<FormError>,
) -> Result<Response, UiError> {
    let tree = state.app.space_tree(caller.viewer(), space.id).await?;
    let (name, description) =
        input.unwrap_or_else(|| (space.name.clone(), space.description.clone()));
    let status = error.as_ref().map_or(StatusCode::OK, |error| error.status);
    Ok(html(
        status,
        &SettingsPage {
            me: caller.me(),
            csrf: caller.csrf(),
            space: SpaceView::new(space),
            sidebar: Sidebar::new(space, &tree, None),
            archive_href: links::space_archive(&space.key),
            name,
            description,
            error: error.map(|error| error.message),
        },
    ))
}

pub(crate) async fn settings_form(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> Result<Response, UiError> {
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    settings_page(&state, &caller, &space, None, None).await
}

#[derive(Deserialize)]
pub(crate) struct SettingsForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

pub(crate) async fn settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    UiForm(form): UiForm<SettingsForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    let update = SpaceUpdate {
        name: Some(form.name.clone()),
        description: Some(form.description.clone()),
    };
    match state
        .app
        .update_space(caller.viewer(), space.id, update)
        .await
    {
        Ok(space) => Ok(see_other(&links::space(&space.key))),
        Err(err) => {
            let error = form_error(err)?;
            let input = Some((form.name, form.description));
            settings_page(&state, &caller, &space, input, Some(error)).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ArchiveForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    archived: String,
}

pub(crate) async fn archive(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    UiForm(form): UiForm<ArchiveForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    let archived = match form.archived.as_str() {
        "true" => true,
        "false" => false,
        other => {
            let error = FormError::new(
                StatusCode::BAD_REQUEST,
                format!("`archived` must be `true` or `false`, not `{other}`"),
            );
            return settings_page(&state, &caller, &space, None, Some(error)).await;
        }
    };
    match state
        .app
        .set_space_archived(caller.viewer(), space.id, archived)
        .await
    {
        Ok(space) => Ok(see_other(&links::space(&space.key))),
        Err(err) => {
            let error = form_error(err)?;
            settings_page(&state, &caller, &space, None, Some(error)).await
        }
    }
}
