//! Page history: the list of versions (compare any two, restore one), one old
//! version read-only, and the diff between two versions.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{DiffKind, DiffLine, Page, Space};
use serde::Deserialize;

use super::links::{self, PageLinks};
use super::render::{
    Caller, FormError, Me, Reader, UiError, UiForm, UiQuery, form_error, html, page_and_space,
    see_other,
};
use super::view::{Names, PersonView, Sidebar, SpaceView, Stamp};
use crate::AppState;

/// Versions per history page.
const HISTORY_PAGE: u64 = 50;

/// Unchanged lines kept around each change in a diff.
const DIFF_CONTEXT: usize = 3;

struct VersionRow {
    number: i64,
    href: String,
    author: PersonView,
    at: Stamp,
    message: String,
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryPage {
    me: Option<Me>,
    csrf: String,
    space: SpaceView,
    sidebar: Sidebar,
    title: String,
    links: PageLinks,
    current: i64,
    rows: Vec<VersionRow>,
    default_from: i64,
    default_to: i64,
    older: Option<String>,
    has_newer: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct HistoryQuery {
    #[serde(default)]
    before: Option<i64>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path((_key, id)): Path<(String, String)>,
    UiQuery(query): UiQuery<HistoryQuery>,
) -> Result<Response, UiError> {
    let (page, space) = page_and_space(&state, &caller, &id).await?;
    history_page(&state, &caller, &page, &space, query.before, None).await
}

/// Renders the history of `page`, starting below version `before`.
async fn history_page(
    state: &AppState,
    caller: &Caller,
    page: &Page,
    space: &Space,
    before: Option<i64>,
    error: Option<FormError>,
) -> Result<Response, UiError> {
    let app = &state.app;
    let slice = app
        .versions(caller.viewer(), page.id, before, HISTORY_PAGE)
        .await?;
    let tree = app.space_tree(caller.viewer(), space.id).await?;
    let names = Names::load(
        app,
        caller.viewer(),
        slice.items.iter().map(|v| v.author_id),
    )
    .await?;
    let older = match (slice.has_more, slice.items.last()) {
        (true, Some(last)) => Some(format!(
            "{}?before={}",
            links::page_action(&space.key, page.id, "history"),
            last.number
        )),
        _ => None,
    };
    let default_to = slice.items.first().map_or(0, |v| v.number);
    let default_from = slice.items.get(1).map_or(default_to, |v| v.number);
    let rows = slice
        .items
        .into_iter()
        .map(|version| VersionRow {
            number: version.number,
            href: links::version(&space.key, page.id, version.number),
            author: names.person(version.author_id),
            at: Stamp::new(version.created_at),
            message: version.message,
        })
        .collect();
    Ok(html(
        error.as_ref().map_or(StatusCode::OK, |error| error.status),
        &HistoryPage {
            me: caller.me(),
            csrf: caller.csrf(),
            sidebar: Sidebar::new(space, &tree, Some(page.id)),
            space: SpaceView::load(app, caller.viewer(), space).await?,
            title: page.title.clone(),
            links: PageLinks::new(&space.key, page.id, &page.title),
            current: page.version,
            rows,
            default_from,
            default_to,
            older,
            has_newer: before.is_some(),
            error: error.map(|error| error.message),
        },
    ))
}

#[derive(Deserialize)]
pub(crate) struct RestoreForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    version: i64,
    current: i64,
}

/// Restores an old version as a new one. If the page moved on since the
/// history was shown, the history is shown again with the app's message.
pub(crate) async fn restore(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
    UiForm(form): UiForm<RestoreForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let (page, space) = page_and_space(&state, &caller, &id).await?;
    match state
        .app
        .restore_version(caller.viewer(), page.id, form.version, form.current)
        .await
    {
        Ok(page) => Ok(see_other(&links::page(&space.key, page.id, &page.title))),
        Err(err) => {
            let error = form_error(err)?;
            history_page(&state, &caller, &page, &space, None, Some(error)).await
        }
    }
}

#[derive(Template)]
#[template(path = "version.html")]
struct VersionPage {
    me: Option<Me>,
    csrf: String,
    space: SpaceView,
    sidebar: Sidebar,
    links: PageLinks,
    current_title: String,
    current: i64,
    number: i64,
    title: String,
    author: PersonView,
    at: Stamp,
    message: String,
    body_html: String,
    diff_previous: String,
}

pub(crate) async fn version(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path((_key, id, number)): Path<(String, String, String)>,
) -> Result<Response, UiError> {
    let (page, space) = page_and_space(&state, &caller, &id).await?;
    let number = number
        .parse::<i64>()
        .map_err(|_| UiError::from(portico_app::AppError::NotFound))?;
    let app = &state.app;
    let version = app.version(caller.viewer(), page.id, number).await?;
    let tree = app.space_tree(caller.viewer(), space.id).await?;
    let names = Names::load(app, caller.viewer(), [version.author_id]).await?;
    Ok(html(
        StatusCode::OK,
        &VersionPage {
            me: caller.me(),
            csrf: caller.csrf(),
            sidebar: Sidebar::new(&space, &tree, Some(page.id)),
            links: PageLinks::new(&space.key, page.id, &page.title),
            current_title: page.title.clone(),
            current: page.version,
            number: version.number,
            author: names.person(version.author_id),
            at: Stamp::new(version.created_at),
            body_html: app.render_body(caller.viewer(), &version.body).await?,
            diff_previous: links::diff(&space.key, page.id, number - 1, number),
            title: version.title,
            message: version.message,
            space: SpaceView::load(app, caller.viewer(), &space).await?,
        },
    ))
}

/// One row of a diff as shown: a line (`same`, `added`, `removed`) or a
/// `gap` standing for unchanged lines left out.
struct DiffRow {
    kind: &'static str,
    text: String,
}

struct TitleChange {
    old: String,
    new: String,
}

#[derive(Template)]
#[template(path = "diff.html")]
struct DiffPage {
    me: Option<Me>,
    space: SpaceView,
    sidebar: Sidebar,
    links: PageLinks,
    current_title: String,
    from: i64,
    to: i64,
    from_href: String,
    to_href: String,
    title_change: Option<TitleChange>,
    unchanged: bool,
    rows: Vec<DiffRow>,
}

#[derive(Deserialize)]
pub(crate) struct DiffQuery {
    from: Option<i64>,
    to: Option<i64>,
}

/// The diff between two versions; by default between the current version and
/// the one before it.
pub(crate) async fn diff(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path((_key, id)): Path<(String, String)>,
    UiQuery(query): UiQuery<DiffQuery>,
) -> Result<Response, UiError> {
    let (page, space) = page_and_space(&state, &caller, &id).await?;
    let to = query.to.unwrap_or(page.version);
    let from = query.from.unwrap_or((to - 1).max(1));
    let app = &state.app;
    let diff = app.diff(caller.viewer(), page.id, from, to).await?;
    let tree = app.space_tree(caller.viewer(), space.id).await?;
    let title_change = (diff.from.title != diff.to.title).then(|| TitleChange {
        old: diff.from.title.clone(),
        new: diff.to.title.clone(),
    });
    let unchanged = diff.lines.iter().all(|line| line.kind == DiffKind::Same);
    Ok(html(
        StatusCode::OK,
        &DiffPage {
            me: caller.me(),
            sidebar: Sidebar::new(&space, &tree, Some(page.id)),
            links: PageLinks::new(&space.key, page.id, &page.title),
            current_title: page.title.clone(),
            from,
            to,
            from_href: links::version(&space.key, page.id, from),
            to_href: links::version(&space.key, page.id, to),
            title_change,
            unchanged,
            rows: if unchanged {
                Vec::new()
            } else {
                diff_rows(&diff.lines, DIFF_CONTEXT)
            },
            space: SpaceView::load(app, caller.viewer(), &space).await?,
        },
    ))
}

/// Diff lines with long unchanged stretches folded into one gap row, keeping
/// `context` unchanged lines on each side of every change.
fn diff_rows(lines: &[DiffLine], context: usize) -> Vec<DiffRow> {
    let changed: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, line)| line.kind != DiffKind::Same)
        .map(|(i, _)| i)
        .collect();
    let near_change = |i: usize| {
        changed
            .iter()
            .any(|&c| i + context >= c && i <= c + context)
    };
    let mut rows = Vec::new();
    let mut skipped = 0usize;
    for (i, line) in lines.iter().enumerate() {
        if line.kind == DiffKind::Same && !near_change(i) {
            skipped += 1;
            continue;
        }
        if skipped > 0 {
            rows.push(gap(skipped));
            skipped = 0;
        }
        rows.push(DiffRow {
            kind: match line.kind {
                DiffKind::Same => "same",
                DiffKind::Added => "added",
                DiffKind::Removed => "removed",
            },
            text: line.text.clone(),
        });
    }
    if skipped > 0 {
        rows.push(gap(skipped));
    }
    rows
}

fn gap(lines: usize) -> DiffRow {
    DiffRow {
        kind: "gap",
        text: if lines == 1 {
            "1 unchanged line".to_owned()
        } else {
            format!("{lines} unchanged lines")
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(kind: DiffKind, text: &str) -> DiffLine {
        DiffLine {
            kind,
            text: text.to_owned(),
        }
    }

    #[test]
    fn long_unchanged_stretches_fold_into_gaps() {
        let mut lines: Vec<DiffLine> = (0..10)
            .map(|i| line(DiffKind::Same, &format!("s{i}")))
            .collect();
        lines.insert(5, line(DiffKind::Removed, "old"));
        lines.insert(6, line(DiffKind::Added, "new"));
        let rows = diff_rows(&lines, 2);
        let shown: Vec<String> = rows
            .iter()
            .map(|row| format!("{}:{}", row.kind, row.text))
            .collect();
        assert_eq!(
            shown,
            [
                "gap:3 unchanged lines",
                "same:s3",
                "same:s4",
                "removed:old",
                "added:new",
                "same:s5",
                "same:s6",
                "gap:3 unchanged lines",
            ]
        );
    }

    #[test]
    fn short_stretches_stay() {
        let lines = [
            line(DiffKind::Same, "a"),
            line(DiffKind::Added, "b"),
            line(DiffKind::Same, "c"),
        ];
        assert_eq!(diff_rows(&lines, 3).len(), 3);
    }
}
