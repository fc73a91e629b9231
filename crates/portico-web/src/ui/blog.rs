//! A space's blog: its posts newest first, grouped by month, with a month
//! archive (`/wiki/spaces/KEY/blog`, `/wiki/spaces/KEY/blog/YYYY/MM`); one
//! post at Confluence's dated URL (`/wiki/spaces/KEY/blog/YYYY/MM/DD/ID/Title`)
//! with its byline, labels and comments (the page view's parts); and the
//! editor for writing and editing posts, offered only as the engine allows.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{
    AppError, BlogFilter, BlogMonth, BodyFormat, NewBlogPost, Page, PageAbilities, PageUpdate,
    Space,
};
use serde::Deserialize;

use super::comments::{CommentDraft, CommentsView};
use super::links;
use super::pages::{Conflict, Context, EditorForm, EditorPage, Outcome, default_format, preview};
use super::render::{
    Caller, Me, Reader, UiError, UiForm, UiQuery, form_error, html, page_id, redirect, see_other,
};
use super::view::{Names, PersonView, Sidebar, SpaceView, Stamp};
use crate::AppState;

/// Posts per screen of a blog.
const POSTS_PER_SCREEN: u64 = 20;

/// One post in a blog listing.
struct PostSummary {
    title: String,
    href: String,
    author: PersonView,
    published: Stamp,
    draft: bool,
}

/// The posts of one month, under its heading.
struct MonthGroup {
    label: String,
    href: String,
    posts: Vec<PostSummary>,
}

/// A month in the archive, with its number of posts.
struct ArchiveLink {
    label: String,
    href: String,
    count: u64,
    current: bool,
}

#[derive(Template)]
#[template(path = "blog.html")]
struct BlogPage {
    me: Option<Me>,
    space: SpaceView,
    sidebar: Sidebar,
    heading: String,
    /// Within a month's archive, the link back to the whole blog.
    blog_href: Option<String>,
    groups: Vec<MonthGroup>,
    archive: Vec<ArchiveLink>,
    create_href: Option<String>,
    newer: Option<String>,
    older: Option<String>,
}

fn month_label(month: BlogMonth) -> String {
    let name = time::Month::try_from(month.month).map_or_else(|_| String::new(), |m| m.to_string());
    format!("{name} {}", month.year)
}

fn month_of(post: &Page) -> BlogMonth {
    let at = post.created_at.to_offset(time::UtcOffset::UTC);
    BlogMonth {
        year: at.year(),
        month: u8::from(at.month()),
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct BlogQuery {
    /// How many posts to skip (the "older posts" link).
    #[serde(default)]
    start: Option<u64>,
}

/// `/wiki/spaces/{key}/blog`.
pub(crate) async fn list(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path(key): Path<String>,
    UiQuery(query): UiQuery<BlogQuery>,
) -> Result<Response, UiError> {
    render_list(&state, &caller, &key, None, query.start.unwrap_or(0)).await
}

/// `/wiki/spaces/{key}/blog/{year}/{month}`. A malformed month is the 404
/// page, like any URL that names nothing.
pub(crate) async fn month(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path((key, year, month)): Path<(String, String, String)>,
    UiQuery(query): UiQuery<BlogQuery>,
) -> Result<Response, UiError> {
    let month = match (year.parse::<i32>(), month.parse::<u8>()) {
        (Ok(year), Ok(month)) => BlogMonth::new(year, month).map_err(|_| AppError::NotFound)?,
        _ => return Err(AppError::NotFound.into()),
    };
    render_list(&state, &caller, &key, Some(month), query.start.unwrap_or(0)).await
}

async fn render_list(
    state: &AppState,
    caller: &Caller,
    key: &str,
    month: Option<BlogMonth>,
    start: u64,
) -> Result<Response, UiError> {
    let app = &state.app;
    let viewer = caller.viewer();
    let space = app.space_by_key(viewer, key).await?;
    let slice = app
        .list_blog_posts(
            viewer,
            BlogFilter {
                space_ids: Some(vec![space.id]),
                title: None,
                drafts: false,
                month,
                offset: start,
                limit: POSTS_PER_SCREEN,
            },
        )
        .await?;
    // The viewer's own drafts head the blog's first screen.
    let drafts = if month.is_none() && start == 0 && viewer.user_id().is_some() {
        app.list_blog_posts(
            viewer,
            BlogFilter {
                space_ids: Some(vec![space.id]),
                title: None,
                drafts: true,
                month: None,
                offset: 0,
                limit: POSTS_PER_SCREEN,
            },
        )
        .await?
        .items
    } else {
        Vec::new()
    };
    let months = app.blog_months(viewer, space.id).await?;
    let names = Names::load(
        app,
        viewer,
        slice.items.iter().chain(&drafts).map(|post| post.author_id),
    )
    .await?;
    let summary = |post: &Page| PostSummary {
        title: post.title.clone(),
        href: links::blog_post(&space.key, post),
        author: names.person(post.author_id),
        published: Stamp::new(post.created_at),
        draft: post.status == "draft",
    };
    let mut groups: Vec<MonthGroup> = Vec::new();
    if !drafts.is_empty() {
        groups.push(MonthGroup {
            label: "Your drafts".to_owned(),
            href: String::new(),
            posts: drafts.iter().map(summary).collect(),
        });
    }
    let mut current: Option<BlogMonth> = None;
    for post in &slice.items {
        let of = month_of(post);
        if current != Some(of) {
            current = Some(of);
            groups.push(MonthGroup {
                label: month_label(of),
                href: links::blog_month(&space.key, of.year, of.month),
                posts: Vec::new(),
            });
        }
        if let Some(group) = groups.last_mut() {
            group.posts.push(summary(post));
        }
    }
    let here = match month {
        Some(m) => links::blog_month(&space.key, m.year, m.month),
        None => links::blog(&space.key),
    };
    let abilities = app.space_abilities(viewer, space.id).await?;
    let tree = app.space_tree(viewer, space.id).await?;
    Ok(html(
        StatusCode::OK,
        &BlogPage {
            me: caller.me(),
            sidebar: Sidebar::new(&space, &tree, None),
            heading: match month {
                Some(m) => format!("Blog · {}", month_label(m)),
                None => "Blog".to_owned(),
            },
            blog_href: month.map(|_| links::blog(&space.key)),
            groups,
            archive: months
                .into_iter()
                .map(|(m, count)| ArchiveLink {
                    label: month_label(m),
                    href: links::blog_month(&space.key, m.year, m.month),
                    count,
                    current: month == Some(m),
                })
                .collect(),
            create_href: abilities
                .create_blog_post
                .then(|| links::create_blog_post(&space.key)),
            newer: (start > 0).then(|| {
                let back = start.saturating_sub(POSTS_PER_SCREEN);
                if back == 0 {
                    here.clone()
                } else {
                    format!("{here}?start={back}")
                }
            }),
            older: slice
                .has_more
                .then(|| format!("{here}?start={}", start + POSTS_PER_SCREEN)),
            space: SpaceView::load(app, viewer, &space).await?,
        },
    ))
}

/// Links for a post's action bar.
struct PostLinks {
    view: String,
    edit: String,
    delete: String,
    blog: String,
    month: String,
    month_label: String,
}

#[derive(Template)]
#[template(path = "blog_post.html")]
struct PostView {
    me: Option<Me>,
    csrf: String,
    space: SpaceView,
    sidebar: Sidebar,
    title: String,
    links: PostLinks,
    author: PersonView,
    updated_by: PersonView,
    published: Stamp,
    updated: Stamp,
    version: i64,
    body_html: String,
    draft: bool,
    abilities: PageAbilities,
    watch: Option<super::notifications::WatchButton>,
    comments: CommentsView,
    labels: super::labels::LabelsView,
}

/// `/wiki/spaces/{key}/blog/{year}/{month}/{day}/{id}`.
pub(crate) async fn view(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path((key, year, month, day, id)): Path<(String, String, String, String, String)>,
) -> Result<Response, UiError> {
    show(&state, &caller, &key, [&year, &month, &day], &id).await
}

/// The same post with its title in the URL (the title is not checked, so
/// old links keep working after a rename).
pub(crate) async fn view_titled(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path((key, year, month, day, id, _slug)): Path<(
        String,
        String,
        String,
        String,
        String,
        String,
    )>,
) -> Result<Response, UiError> {
    show(&state, &caller, &key, [&year, &month, &day], &id).await
}

/// `/wiki/blogposts/{id}`: a post by id goes to its dated URL.
pub(crate) async fn by_id(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let post = state.app.blog_post(caller.viewer(), page_id(&id)?).await?;
    let space = state.app.space(caller.viewer(), post.space_id).await?;
    Ok(redirect(
        StatusCode::FOUND,
        &links::blog_post(&space.key, &post),
    ))
}

async fn show(
    state: &AppState,
    caller: &Caller,
    key: &str,
    date: [&str; 3],
    id: &str,
) -> Result<Response, UiError> {
    let viewer = caller.viewer();
    let post = state.app.blog_post(viewer, page_id(id)?).await?;
    let space = state.app.space(viewer, post.space_id).await?;
    let canonical = links::blog_post(&space.key, &post);
    // Another space's key or the wrong date: the post lives elsewhere.
    let at = post.created_at.to_offset(time::UtcOffset::UTC);
    let dated = [
        format!("{:04}", at.year()),
        format!("{:02}", u8::from(at.month())),
        format!("{:02}", at.day()),
    ];
    if space.key != key || date.iter().zip(&dated).any(|(given, real)| *given != real) {
        return Ok(redirect(StatusCode::MOVED_PERMANENTLY, &canonical));
    }
    render_post(state, caller, post, space, None, StatusCode::OK).await
}

/// The post view of `post`; `comment` is a refused comment to show again on
/// its form (with `status`), as the page view does.
pub(crate) async fn render_post(
    state: &AppState,
    caller: &Caller,
    post: Page,
    space: Space,
    comment: Option<&CommentDraft>,
    status: StatusCode,
) -> Result<Response, UiError> {
    let app = &state.app;
    let viewer = caller.viewer();
    let tree = app.space_tree(viewer, space.id).await?;
    let names = Names::load(app, viewer, [post.author_id, post.updated_by]).await?;
    let abilities = app.page_abilities(viewer, post.id).await?;
    let target = portico_app::WatchTarget::Page(post.id);
    let watch = super::notifications::WatchButton::load(state, caller, &space.key, target).await?;
    let labels = app.page_labels(viewer, post.id).await?;
    let thread = app.comment_thread(viewer, post.id).await?;
    let bodies: Vec<&str> = thread
        .comments
        .iter()
        .map(|entry| entry.comment.body.as_deref().unwrap_or_default())
        .collect();
    let rendered = app.render_bodies(viewer, &bodies).await?;
    let of = month_of(&post);
    Ok(html(
        status,
        &PostView {
            me: caller.me(),
            csrf: caller.csrf(),
            watch,
            draft: post.status == "draft",
            abilities,
            comments: CommentsView::new(&space, &post, caller.csrf(), thread, rendered, comment),
            labels: super::labels::LabelsView::new(
                &space,
                &post,
                labels,
                abilities.edit,
                caller.csrf(),
            ),
            sidebar: Sidebar::new(&space, &tree, None),
            links: PostLinks {
                view: links::blog_post(&space.key, &post),
                edit: links::edit_blog_post(&space.key, post.id),
                delete: links::delete_blog_post(&space.key, post.id),
                blog: links::blog(&space.key),
                month: links::blog_month(&space.key, of.year, of.month),
                month_label: month_label(of),
            },
            author: names.person(post.author_id),
            updated_by: names.person(post.updated_by),
            published: Stamp::new(post.created_at),
            updated: Stamp::new(post.updated_at),
            version: post.version,
            body_html: app.render_body(viewer, &post.body).await?,
            title: post.title,
            space: SpaceView::load(app, viewer, &space).await?,
        },
    ))
}

/// The editor for a new post or for `post`, holding `form`'s text.
async fn render_editor(
    state: &AppState,
    caller: &Caller,
    space: &Space,
    post: Option<&Page>,
    form: EditorForm,
    outcome: Outcome,
) -> Result<Response, UiError> {
    let tree = state.app.space_tree(caller.viewer(), space.id).await?;
    let (heading, action, cancel, context) = match post {
        Some(post) => {
            let view = links::blog_post(&space.key, post);
            (
                format!("Edit “{}”", post.title),
                links::edit_blog_post(&space.key, post.id),
                view.clone(),
                Context {
                    title: post.title.clone(),
                    href: view,
                },
            )
        }
        None => (
            "Write a blog post".to_owned(),
            links::create_blog_post(&space.key),
            links::blog(&space.key),
            Context {
                title: "Blog".to_owned(),
                href: links::blog(&space.key),
            },
        ),
    };
    Ok(html(
        outcome.status.unwrap_or(StatusCode::OK),
        &EditorPage {
            me: caller.me(),
            csrf: caller.csrf(),
            sidebar: Sidebar::new(space, &tree, None),
            space: SpaceView::load(&state.app, caller.viewer(), space).await?,
            context: Some(context),
            heading,
            action,
            cancel,
            creating: post.is_none(),
            draft: post.is_some_and(|post| post.status == "draft"),
            parent_id: String::new(),
            version: form.version,
            title: form.title,
            format: default_format(form.format),
            body: form.body,
            message: form.message,
            preview: outcome.preview,
            error: outcome.error,
            conflict: outcome.conflict,
            resuming: None,
        },
    ))
}

/// `GET /wiki/spaces/{key}/blog/create`.
pub(crate) async fn create_form(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> Result<Response, UiError> {
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    let form = EditorForm::default();
    render_editor(&state, &caller, &space, None, form, Outcome::default()).await
}

/// `POST /wiki/spaces/{key}/blog/create`.
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    UiForm(form): UiForm<EditorForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    if form.wants_preview() {
        let outcome = preview(&state, &caller, &form).await;
        return render_editor(&state, &caller, &space, None, form, outcome).await;
    }
    let body = match form.body_input() {
        Ok(body) => body,
        Err(error) => {
            return render_editor(&state, &caller, &space, None, form, error.into()).await;
        }
    };
    let new = NewBlogPost {
        space_id: space.id,
        title: form.title.clone(),
        body,
        draft: form.wants_draft(),
    };
    match state.app.create_blog_post(caller.viewer(), new).await {
        Ok(post) => Ok(see_other(&links::blog_post(&space.key, &post))),
        Err(err) => {
            let outcome = form_error(err)?.into();
            render_editor(&state, &caller, &space, None, form, outcome).await
        }
    }
}

/// The post behind an editor URL and its space (a page's id is not found).
async fn editing(state: &AppState, caller: &Caller, id: &str) -> Result<(Page, Space), UiError> {
    let post = state.app.blog_post(caller.viewer(), page_id(id)?).await?;
    let space = state.app.space(caller.viewer(), post.space_id).await?;
    Ok((post, space))
}

/// `GET /wiki/spaces/{key}/blog/edit/{id}`.
pub(crate) async fn edit_form(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
) -> Result<Response, UiError> {
    let (post, space) = editing(&state, &caller, &id).await?;
    let form = EditorForm {
        title: post.title.clone(),
        body: post.body.clone(),
        format: BodyFormat::Storage.as_str().to_owned(),
        version: (post.version + 1).to_string(),
        ..EditorForm::default()
    };
    render_editor(
        &state,
        &caller,
        &space,
        Some(&post),
        form,
        Outcome::default(),
    )
    .await
}

/// `POST /wiki/spaces/{key}/blog/edit/{id}`.
pub(crate) async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
    UiForm(form): UiForm<EditorForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let (post, space) = editing(&state, &caller, &id).await?;
    if form.wants_preview() {
        let outcome = preview(&state, &caller, &form).await;
        return render_editor(&state, &caller, &space, Some(&post), form, outcome).await;
    }
    let input = form
        .body_input()
        .and_then(|body| Ok((body, form.version()?)));
    let (body, version) = match input {
        Ok(input) => input,
        Err(error) => {
            return render_editor(&state, &caller, &space, Some(&post), form, error.into()).await;
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
        .update_blog_post(caller.viewer(), post.id, update)
        .await
    {
        Ok(saved) => Ok(see_other(&links::blog_post(&space.key, &saved))),
        Err(AppError::Conflict(message)) => {
            let current = state.app.blog_post(caller.viewer(), post.id).await?;
            let outcome = Outcome {
                status: Some(StatusCode::CONFLICT),
                conflict: Some(Conflict {
                    message: format!(
                        "Someone saved version {} while you were editing ({message}). Your text is below — copy your changes, then reload.",
                        current.version
                    ),
                    diff_href: links::blog_post(&space.key, &current),
                    reload_href: links::edit_blog_post(&space.key, current.id),
                }),
                ..Outcome::default()
            };
            render_editor(&state, &caller, &space, Some(&current), form, outcome).await
        }
        Err(err) => {
            let outcome = form_error(err)?.into();
            render_editor(&state, &caller, &space, Some(&post), form, outcome).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct DeleteForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// `POST /wiki/spaces/{key}/blog/delete/{id}`: to the trash, then back to
/// the blog.
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
    UiForm(form): UiForm<DeleteForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let (post, space) = editing(&state, &caller, &id).await?;
    state.app.delete_blog_post(caller.viewer(), post.id).await?;
    Ok(see_other(&links::blog(&space.key)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_read_as_words() {
        assert_eq!(
            month_label(BlogMonth {
                year: 2026,
                month: 12
            }),
            "December 2026"
        );
    }
}
