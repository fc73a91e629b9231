//! Pages: reading one (with breadcrumbs, byline, the space's tree and the
//! comment thread), the
//! editor for creating and editing (with preview and conflict handling), and
//! the redirects that resolve links by id or by title.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use portico_app::{
    AppError, BodyFormat, BodyInput, NewPage, Page, PageAbilities, PageFilter, PageUpdate, Space,
    SpaceId, Viewer,
};
use serde::Deserialize;

use super::comments::{CommentDraft, CommentsView};
use super::inline_comments::{InlineCommentsView, InlineDraft};
use super::links::{self, PageLinks};
use super::render::{
    Caller, FormError, Me, Reader, UiError, UiForm, UiQuery, form_error, html, optional_page_id,
    page_id, redirect, see_other,
};
use super::view::{Names, PersonView, Sidebar, SpaceView, Stamp};
use crate::AppState;

/// An ancestor in the breadcrumbs.
struct Crumb {
    title: String,
    href: String,
}

#[derive(Template)]
#[template(path = "page.html")]
struct PageView {
    me: Option<Me>,
    space: SpaceView,
    sidebar: Sidebar,
    crumbs: Vec<Crumb>,
    title: String,
    links: PageLinks,
    created_by: PersonView,
    updated_by: PersonView,
    updated: Stamp,
    version: i64,
    body_html: String,
    draft: bool,
    abilities: PageAbilities,
    watch: Option<super::notifications::WatchButton>,
    comments: CommentsView,
    inline: InlineCommentsView,
    inline_script: String,
    labels: super::labels::LabelsView,
    /// The reader's own unpublished edit of this page.
    saved_draft: Option<super::drafts::DraftNotice>,
    reactions: super::reactions::ReactionBar,
    favourite: Option<super::reactions::FavouriteButton>,
}

pub(crate) async fn view(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path((key, id)): Path<(String, String)>,
) -> Result<Response, UiError> {
    show(&state, &caller, &key, &id).await
}

/// The same page with its title in the URL (the title part is not checked,
/// as in Confluence: old links keep working after a rename).
pub(crate) async fn view_titled(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path((key, id, _slug)): Path<(String, String, String)>,
) -> Result<Response, UiError> {
    show(&state, &caller, &key, &id).await
}

async fn show(state: &AppState, caller: &Caller, key: &str, id: &str) -> Result<Response, UiError> {
    let app = &state.app;
    let viewer = caller.viewer();
    let page = app.page(viewer, page_id(id)?).await?;
    let space = app.space(viewer, page.space_id).await?;
    if space.key != key {
        return Ok(redirect(
            StatusCode::MOVED_PERMANENTLY,
            &links::page(&space.key, page.id, &page.title),
        ));
    }
    render_page(state, caller, page, space, None, StatusCode::OK).await
}

/// The page view of `page`, with its comment thread; `comment` is a refused
/// comment post to show again on its form (with `status`).
pub(crate) async fn render_page(
    state: &AppState,
    caller: &Caller,
    page: Page,
    space: Space,
    comment: Option<&CommentDraft>,
    status: StatusCode,
) -> Result<Response, UiError> {
    render_page_with(state, caller, page, space, comment, None, status).await
}

/// [`render_page`] with a refused inline comment post (`inline`) instead.
pub(crate) async fn render_page_with(
    state: &AppState,
    caller: &Caller,
    page: Page,
    space: Space,
    comment: Option<&CommentDraft>,
    inline: Option<&InlineDraft>,
    status: StatusCode,
) -> Result<Response, UiError> {
    if page.blog {
        return super::blog::render_post(state, caller, page, space, comment, status).await;
    }
    let app = &state.app;
    let viewer = caller.viewer();
    let crumbs = app.breadcrumbs(viewer, page.id).await?;
    let tree = app.space_tree(viewer, space.id).await?;
    let names = Names::load(app, viewer, [page.author_id, page.updated_by]).await?;
    let abilities = app.page_abilities(viewer, page.id).await?;
    let target = portico_app::WatchTarget::Page(page.id);
    let watch = super::notifications::WatchButton::load(state, caller, &space.key, target).await?;
    let labels = app.page_labels(viewer, page.id).await?;
    let thread = app.comment_thread(viewer, page.id).await?;
    let bodies: Vec<&str> = thread
        .comments
        .iter()
        .map(|entry| entry.comment.body.as_deref().unwrap_or_default())
        .collect();
    let rendered = app.render_bodies(viewer, &bodies).await?;
    let reactions = app.reactions(viewer, page.id).await?;
    let favourite =
        super::reactions::FavouriteButton::load(state, caller, &space.key, &page).await?;
    let saved_draft = super::drafts::saved_edit(state, caller, &page)
        .await?
        .map(|draft| super::drafts::DraftNotice::new(&space.key, &draft, caller.csrf()));
    let inline_thread = app.inline_thread(viewer, page.id).await?;
    let inline_bodies: Vec<&str> = inline_thread
        .comments
        .iter()
        .map(|entry| entry.comment.comment.body.as_deref().unwrap_or_default())
        .collect();
    let inline_rendered = app.render_bodies(viewer, &inline_bodies).await?;
    // The open threads' text is marked in the body, found again in the
    // current version (see `portico_format::highlight`).
    let body_html = portico_format::highlight(
        &app.render_body(viewer, &page.body).await?,
        &inline_thread.highlights(),
    );
    Ok(html(
        status,
        &PageView {
            me: caller.me(),
            saved_draft,
            reactions: super::reactions::ReactionBar::new(
                &space.key,
                &page,
                None,
                &reactions.page,
                reactions.may_react,
                caller.csrf(),
            ),
            favourite,
            watch,
            draft: page.status == "draft",
            abilities,
            comments: CommentsView::new(&space, &page, caller.csrf(), thread, rendered, comment)
                .with_reactions(&space, &page, &reactions),
            inline: InlineCommentsView::new(
                &space,
                &page,
                caller.csrf(),
                inline_thread,
                inline_rendered,
                inline,
            ),
            inline_script: super::inline_script_href(),
            labels: super::labels::LabelsView::new(
                &space,
                &page,
                labels,
                abilities.edit,
                caller.csrf(),
            ),
            sidebar: Sidebar::new(&space, &tree, Some(page.id)),
            crumbs: crumbs
                .into_iter()
                .map(|crumb| Crumb {
                    href: links::page(&space.key, crumb.id, &crumb.title),
                    title: crumb.title,
                })
                .collect(),
            links: PageLinks::new(&space.key, page.id, &page.title),
            created_by: names.person(page.author_id),
            updated_by: names.person(page.updated_by),
            updated: Stamp::new(page.updated_at),
            version: page.version,
            body_html,
            title: page.title,
            space: SpaceView::load(app, viewer, &space).await?,
        },
    ))
}

/// `/wiki/pages/{id}`: a link by id (as storage format's `ri:content-id`
/// makes) goes to the page's current URL.
pub(crate) async fn by_id(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    // By id, as storage format's links are: a blog post's too.
    let page = state.app.content(caller.viewer(), page_id(&id)?).await?;
    let space = state.app.space(caller.viewer(), page.space_id).await?;
    Ok(redirect(
        StatusCode::FOUND,
        &links::content(&space.key, &page),
    ))
}

/// `/wiki/display/{key}/{title}`: a link by space key and title, as the
/// storage-format renderer emits them.
pub(crate) async fn display(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path((key, title)): Path<(String, String)>,
) -> Result<Response, UiError> {
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    match find_titled(&state, caller.viewer(), Some(space.id), &title).await? {
        Some(page) => Ok(redirect(
            StatusCode::FOUND,
            &links::page(&space.key, page.id, &page.title),
        )),
        None => Err(AppError::NotFound.into()),
    }
}

/// `/wiki/display/{title}`: a link by title alone means "in the same space",
/// so the space the visitor came from is tried first, then any space they
/// can see.
pub(crate) async fn display_anywhere(
    State(state): State<AppState>,
    Reader(caller): Reader,
    headers: HeaderMap,
    Path(title): Path<String>,
) -> Result<Response, UiError> {
    let viewer = caller.viewer();
    let mut found = None;
    if let Some(key) = referring_space(&headers) {
        match state.app.space_by_key(viewer, &key).await {
            Ok(space) => found = find_titled(&state, viewer, Some(space.id), &title).await?,
            Err(AppError::NotFound) => {}
            Err(err) => return Err(err.into()),
        }
    }
    if found.is_none() {
        found = find_titled(&state, viewer, None, &title).await?;
    }
    let Some(page) = found else {
        return Err(AppError::NotFound.into());
    };
    let space = state.app.space(viewer, page.space_id).await?;
    Ok(redirect(
        StatusCode::FOUND,
        &links::page(&space.key, page.id, &page.title),
    ))
}

/// The space key in the `Referer`, when it is one of our space URLs.
fn referring_space(headers: &HeaderMap) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let url = url::Url::parse(referer).ok()?;
    let mut segments = url.path_segments()?;
    match (segments.next(), segments.next(), segments.next()) {
        (Some("wiki"), Some("spaces"), Some(key)) if !key.is_empty() => Some(key.to_owned()),
        _ => None,
    }
}

/// The current page titled `title` (or, for Confluence-style links, with `+`
/// for spaces) that the viewer can see, in `space` or anywhere.
async fn find_titled(
    state: &AppState,
    viewer: &Viewer,
    space: Option<SpaceId>,
    title: &str,
) -> Result<Option<Page>, UiError> {
    let mut candidates = vec![title.to_owned()];
    if title.contains('+') {
        candidates.push(title.replace('+', " "));
    }
    for candidate in candidates {
        let slice = state
            .app
            .list_pages(
                viewer,
                PageFilter {
                    space_ids: space.map(|id| vec![id]),
                    title: Some(candidate),
                    after: None,
                    limit: 1,
                },
            )
            .await?;
        if let Some(page) = slice.items.into_iter().next() {
            return Ok(Some(page));
        }
    }
    Ok(None)
}

/// A version conflict, explained.
pub(crate) struct Conflict {
    pub message: String,
    pub diff_href: String,
    pub reload_href: String,
}

/// The page the editor was opened from, for its breadcrumbs.
pub(crate) struct Context {
    pub title: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "editor.html")]
pub(crate) struct EditorPage {
    pub(crate) me: Option<Me>,
    pub(crate) csrf: String,
    pub(crate) space: SpaceView,
    pub(crate) sidebar: Sidebar,
    pub(crate) context: Option<Context>,
    pub(crate) heading: String,
    pub(crate) action: String,
    pub(crate) cancel: String,
    pub(crate) creating: bool,
    /// Editing a draft: offer "Publish" and "Save draft".
    pub(crate) draft: bool,
    pub(crate) parent_id: String,
    pub(crate) version: String,
    pub(crate) title: String,
    pub(crate) format: String,
    pub(crate) body: String,
    pub(crate) message: String,
    pub(crate) preview: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) conflict: Option<Conflict>,
    /// Editing one's saved draft of a published page.
    pub(crate) resuming: Option<Resuming>,
}

/// The editor holds the caller's saved draft of a published page.
pub(crate) struct Resuming {
    saved: super::view::Stamp,
    /// Set when the page was published since the draft started: what changed.
    stale_diff: Option<String>,
    /// The editor on the published version, ignoring the draft.
    fresh: String,
}

#[derive(Deserialize)]
pub(crate) struct EditQuery {
    /// `1`: start from the published version, not the saved draft.
    #[serde(default)]
    fresh: String,
}

/// What the editor's form holds.
#[derive(Deserialize, Default)]
pub(crate) struct EditorForm {
    #[serde(default, rename = "_csrf")]
    pub(crate) csrf: String,
    #[serde(default)]
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) body: String,
    #[serde(default)]
    pub(crate) format: String,
    #[serde(default)]
    pub(crate) message: String,
    #[serde(default)]
    pub(crate) version: String,
    #[serde(default, rename = "parentId")]
    pub(crate) parent_id: String,
    #[serde(default)]
    pub(crate) action: String,
}

impl EditorForm {
    pub(crate) fn wants_preview(&self) -> bool {
        self.action == "preview"
    }

    /// "Save as draft" / "Save draft" rather than publishing.
    pub(crate) fn wants_draft(&self) -> bool {
        self.action == "draft"
    }

    /// The body as the app takes it. Browsers send CRLF line ends; history
    /// diffs read better without them.
    pub(crate) fn body_input(&self) -> Result<BodyInput, FormError> {
        let format = self.format.parse::<BodyFormat>().map_err(|_| {
            FormError::new(
                StatusCode::BAD_REQUEST,
                "`format` must be `storage` or `markdown`",
            )
        })?;
        Ok(BodyInput {
            value: self.body.replace("\r\n", "\n"),
            format,
        })
    }

    pub(crate) fn version(&self) -> Result<i64, FormError> {
        self.version.trim().parse::<i64>().map_err(|_| {
            FormError::new(
                StatusCode::BAD_REQUEST,
                "`version` must be a number; reload the editor",
            )
        })
    }
}

/// What an editor submission led to, for re-rendering it.
#[derive(Default)]
pub(crate) struct Outcome {
    pub status: Option<StatusCode>,
    pub preview: Option<String>,
    pub error: Option<String>,
    pub conflict: Option<Conflict>,
}

impl From<FormError> for Outcome {
    fn from(error: FormError) -> Self {
        Outcome {
            status: Some(error.status),
            error: Some(error.message),
            ..Outcome::default()
        }
    }
}

/// The preview of the form's body, or why there is none.
pub(crate) async fn preview(state: &AppState, caller: &Caller, form: &EditorForm) -> Outcome {
    let rendered = match form.body_input() {
        Ok(body) => state
            .app
            .preview(caller.viewer(), &body)
            .await
            .map_err(app_form_error),
        Err(error) => Err(error),
    };
    match rendered {
        Ok(html) => Outcome {
            preview: Some(html),
            ..Outcome::default()
        },
        Err(error) => error.into(),
    }
}

/// A rule break while previewing (the body is too large): shown on the form.
fn app_form_error(err: AppError) -> FormError {
    form_error(err).unwrap_or_else(|_| {
        FormError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the preview could not be made",
        )
    })
}

/// The editor for a new page in `space` (under `parent`, if given).
async fn render_create(
    state: &AppState,
    caller: &Caller,
    space: &Space,
    parent: Option<&Page>,
    form: EditorForm,
    outcome: Outcome,
) -> Result<Response, UiError> {
    let tree = state.app.space_tree(caller.viewer(), space.id).await?;
    let context = parent.map(|parent| Context {
        title: parent.title.clone(),
        href: links::page(&space.key, parent.id, &parent.title),
    });
    let heading = match parent {
        Some(parent) => format!("Create a page under “{}”", parent.title),
        None => "Create a page".to_owned(),
    };
    let cancel = context
        .as_ref()
        .map_or_else(|| links::space(&space.key), |context| context.href.clone());
    Ok(html(
        outcome.status.unwrap_or(StatusCode::OK),
        &EditorPage {
            me: caller.me(),
            csrf: caller.csrf(),
            sidebar: Sidebar::new(space, &tree, parent.map(|parent| parent.id)),
            space: SpaceView::load(&state.app, caller.viewer(), space).await?,
            context,
            heading,
            action: links::create_page(&space.key, None),
            cancel,
            creating: true,
            draft: false,
            parent_id: parent.map(|p| p.id.to_string()).unwrap_or_default(),
            version: String::new(),
            title: form.title,
            format: default_format(form.format),
            body: form.body,
            message: String::new(),
            preview: outcome.preview,
            error: outcome.error,
            conflict: outcome.conflict,
            resuming: None,
        },
    ))
}

pub(crate) fn default_format(format: String) -> String {
    if format.is_empty() {
        BodyFormat::Storage.as_str().to_owned()
    } else {
        format
    }
}

#[derive(Deserialize)]
pub(crate) struct CreateQuery {
    #[serde(default, rename = "parentId")]
    parent_id: String,
}

/// The parent named by `raw`, if any. A parent the viewer can't see is not
/// found, like any other page.
async fn parent_page(
    state: &AppState,
    caller: &Caller,
    raw: &str,
) -> Result<Result<Option<Page>, FormError>, UiError> {
    match optional_page_id("parentId", raw) {
        Ok(Some(id)) => Ok(Ok(Some(state.app.page(caller.viewer(), id).await?))),
        Ok(None) => Ok(Ok(None)),
        Err(message) => Ok(Err(FormError::new(StatusCode::BAD_REQUEST, message))),
    }
}

pub(crate) async fn create_form(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    UiQuery(query): UiQuery<CreateQuery>,
) -> Result<Response, UiError> {
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    let parent = parent_page(&state, &caller, &query.parent_id)
        .await?
        .unwrap_or(None);
    render_create(
        &state,
        &caller,
        &space,
        parent.as_ref(),
        EditorForm::default(),
        Outcome::default(),
    )
    .await
}

pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    UiForm(form): UiForm<EditorForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    let parent = match parent_page(&state, &caller, &form.parent_id).await? {
        Ok(parent) => parent,
        Err(error) => {
            return render_create(&state, &caller, &space, None, form, error.into()).await;
        }
    };
    if form.wants_preview() {
        let outcome = preview(&state, &caller, &form).await;
        return render_create(&state, &caller, &space, parent.as_ref(), form, outcome).await;
    }
    let body = match form.body_input() {
        Ok(body) => body,
        Err(error) => {
            return render_create(&state, &caller, &space, parent.as_ref(), form, error.into())
                .await;
        }
    };
    let new = NewPage {
        space_id: space.id,
        parent_id: parent.as_ref().map(|parent| parent.id),
        title: form.title.clone(),
        body,
        draft: form.wants_draft(),
    };
    match state.app.create_page(caller.viewer(), new).await {
        Ok(page) => Ok(see_other(&links::page(&space.key, page.id, &page.title))),
        Err(err) => {
            let outcome = form_error(err)?.into();
            render_create(&state, &caller, &space, parent.as_ref(), form, outcome).await
        }
    }
}

/// The editor for `page`, holding `form`'s text (`resuming`: the caller's
/// saved draft of it).
async fn render_edit(
    state: &AppState,
    caller: &Caller,
    space: &Space,
    page: &Page,
    form: EditorForm,
    outcome: Outcome,
    resuming: Option<Resuming>,
) -> Result<Response, UiError> {
    let tree = state.app.space_tree(caller.viewer(), space.id).await?;
    let view = links::page(&space.key, page.id, &page.title);
    Ok(html(
        outcome.status.unwrap_or(StatusCode::OK),
        &EditorPage {
            me: caller.me(),
            csrf: caller.csrf(),
            sidebar: Sidebar::new(space, &tree, Some(page.id)),
            space: SpaceView::load(&state.app, caller.viewer(), space).await?,
            context: Some(Context {
                title: page.title.clone(),
                href: view.clone(),
            }),
            heading: format!("Edit “{}”", page.title),
            action: links::edit(&space.key, page.id),
            cancel: view,
            creating: false,
            draft: page.status == "draft",
            parent_id: String::new(),
            version: form.version,
            title: form.title,
            format: default_format(form.format),
            body: form.body,
            message: form.message,
            preview: outcome.preview,
            error: outcome.error,
            conflict: outcome.conflict,
            resuming,
        },
    ))
}

/// The page behind an editor URL and its space.
async fn editing(state: &AppState, caller: &Caller, id: &str) -> Result<(Page, Space), UiError> {
    let page = state.app.page(caller.viewer(), page_id(id)?).await?;
    let space = state.app.space(caller.viewer(), page.space_id).await?;
    Ok((page, space))
}

pub(crate) async fn edit_form(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
    UiQuery(query): UiQuery<EditQuery>,
) -> Result<Response, UiError> {
    let (page, space) = editing(&state, &caller, &id).await?;
    let saved = if query.fresh == "1" {
        None
    } else {
        super::drafts::saved_edit(&state, &caller, &page).await?
    };
    let (title, body, base) = match &saved {
        Some(draft) => (draft.title.clone(), draft.body.clone(), draft.base_version),
        None => (page.title.clone(), page.body.clone(), page.version),
    };
    let resuming = saved.map(|draft| Resuming {
        saved: super::view::Stamp::new(draft.updated_at),
        stale_diff: draft
            .is_stale()
            .then(|| links::diff(&space.key, page.id, draft.base_version, page.version)),
        fresh: fresh_editor(&space.key, page.id),
    });
    let form = EditorForm {
        title,
        body,
        format: BodyFormat::Storage.as_str().to_owned(),
        version: (base + 1).to_string(),
        ..EditorForm::default()
    };
    render_edit(
        &state,
        &caller,
        &space,
        &page,
        form,
        Outcome::default(),
        resuming,
    )
    .await
}

/// The editor on the published version of a page, ignoring a saved draft.
fn fresh_editor(key: &str, id: portico_app::PageId) -> String {
    format!("{}?fresh=1", links::edit(key, id))
}

pub(crate) async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
    UiForm(form): UiForm<EditorForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let (page, space) = editing(&state, &caller, &id).await?;
    if form.wants_preview() {
        let outcome = preview(&state, &caller, &form).await;
        return render_edit(&state, &caller, &space, &page, form, outcome, None).await;
    }
    let input = form
        .body_input()
        .and_then(|body| Ok((body, form.version()?)));
    let (body, version) = match input {
        Ok(input) => input,
        Err(error) => {
            return render_edit(&state, &caller, &space, &page, form, error.into(), None).await;
        }
    };
    let update = PageUpdate {
        title: form.title.clone(),
        body,
        version,
        message: form.message.clone(),
        publish: !form.wants_draft(),
    };
    match state
        .app
        .update_page(caller.viewer(), page.id, update)
        .await
    {
        Ok(saved) => Ok(see_other(&links::page(&space.key, saved.id, &saved.title))),
        Err(AppError::Conflict(message)) => {
            // Nothing was saved; look at the page as it is now to explain why.
            let current = state.app.page(caller.viewer(), page.id).await?;
            let outcome = conflict(&space, &current, version, message);
            render_edit(&state, &caller, &space, &current, form, outcome, None).await
        }
        Err(err) => {
            let outcome = form_error(err)?.into();
            render_edit(&state, &caller, &space, &page, form, outcome, None).await
        }
    }
}

/// Explains a refused save. If someone else saved since the editor opened,
/// says who won and links to what changed; otherwise (a title clash) passes
/// the app's message on.
fn conflict(space: &Space, current: &Page, version: i64, message: String) -> Outcome {
    let started_from = version - 1;
    if current.version == started_from {
        return FormError::new(StatusCode::CONFLICT, message).into();
    }
    Outcome {
        status: Some(StatusCode::CONFLICT),
        conflict: Some(Conflict {
            message: format!(
                "Someone saved version {} while you were editing. Your text is below — copy your changes, then reload.",
                current.version
            ),
            diff_href: links::diff(&space.key, current.id, started_from.max(1), current.version),
            reload_href: fresh_editor(&space.key, current.id),
        }),
        ..Outcome::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referers_name_a_space_only_on_space_urls() {
        let mut headers = HeaderMap::new();
        assert_eq!(referring_space(&headers), None);
        headers.insert(
            header::REFERER,
            "https://wiki.example/wiki/spaces/DOC/pages/1/Home"
                .parse()
                .unwrap_or(axum::http::HeaderValue::from_static("")),
        );
        assert_eq!(referring_space(&headers).as_deref(), Some("DOC"));
        headers.insert(
            header::REFERER,
            axum::http::HeaderValue::from_static("https://wiki.example/wiki/pages/1"),
        );
        assert_eq!(referring_space(&headers), None);
    }

    #[test]
    fn bodies_lose_carriage_returns_and_formats_are_checked() {
        let form = EditorForm {
            body: "<p>a</p>\r\n<p>b</p>".into(),
            format: "markdown".into(),
            ..EditorForm::default()
        };
        let body = form.body_input().ok();
        assert_eq!(
            body.as_ref().map(|b| b.value.as_str()),
            Some("<p>a</p>\n<p>b</p>")
        );
        assert_eq!(body.map(|b| b.format), Some(BodyFormat::Markdown));
        let bad = EditorForm {
            format: "html".into(),
            ..EditorForm::default()
        };
        assert!(bad.body_input().is_err());
    }
}
