//! Who may do what: a space's access screen (principals × roles, the
//! advanced permissions grid, "explain access") and a page's restrictions.
//! The UI speaks in roles, the engine in permissions; the use cases decide
//! who may see and change these screens (space admins and wiki admins for
//! the access screen, anyone with `restrict` for restrictions).
//!
//! There is no user picker yet: people and groups are named by their id
//! (shown in the admin screens), or as "all members" / "anonymous visitors".

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{
    AppError, ExplainTarget, Explanation, GrantInput, Grantee, GroupId, NamedGrantee, Page,
    Permissions, RestrictionChange, Space, SpaceAccessView, SpacePermission, UserId,
};
use serde::Deserialize;

use super::admin::Choice;
use super::links::{self, PageLinks};
use super::render::{
    Caller, FormError, FormFields, Me, UiError, UiForm, UiQuery, form_error, html, page_and_space,
    see_other,
};
use super::view::{Sidebar, SpaceView};
use crate::AppState;

/// A grantee in a form: its type and id as two fields, or one row key
/// (`user-3`, `group-7`, `all-members`, `anonymous`).
fn row_key(grantee: Grantee) -> String {
    match grantee {
        Grantee::User(id) => format!("user-{id}"),
        Grantee::Group(id) => format!("group-{id}"),
        Grantee::AllMembers => "all-members".to_owned(),
        Grantee::Anonymous => "anonymous".to_owned(),
    }
}

fn parse_row_key(key: &str) -> Option<Grantee> {
    match key {
        "all-members" => Some(Grantee::AllMembers),
        "anonymous" => Some(Grantee::Anonymous),
        _ => match key.split_once('-')? {
            ("user", id) => id.parse::<UserId>().ok().map(Grantee::User),
            ("group", id) => id.parse::<GroupId>().ok().map(Grantee::Group),
            _ => None,
        },
    }
}

/// The grantee an "add" form names, or a message for the form.
fn principal_from_form(kind: &str, id: &str) -> Result<Grantee, FormError> {
    let id = id.trim();
    let bad = |message: String| FormError::new(StatusCode::BAD_REQUEST, message);
    match kind {
        "user" => id.parse::<UserId>().map(Grantee::User).map_err(|_| {
            bad(format!(
                "`user id` must be a user's id (a number), not `{id}`"
            ))
        }),
        "group" => id.parse::<GroupId>().map(Grantee::Group).map_err(|_| {
            bad(format!(
                "`group id` must be a group's id (a number), not `{id}`"
            ))
        }),
        "all-members" => Ok(Grantee::AllMembers),
        "anonymous" => Ok(Grantee::Anonymous),
        other => Err(bad(format!(
            "`principal` must be a user, a group, all members or anonymous visitors, not `{other}`"
        ))),
    }
}

fn kind_label(grantee: Grantee) -> &'static str {
    match grantee {
        Grantee::User(_) => "User",
        Grantee::Group(_) => "Group",
        Grantee::AllMembers => "Everyone in the organisation (never guests)",
        Grantee::Anonymous => "Visitors who are not signed in",
    }
}

/// One permission checkbox of the grid.
struct Cell {
    name: &'static str,
    checked: bool,
}

/// One principal on the access screen.
struct GrantRow {
    key: String,
    name: String,
    kind: &'static str,
    is_guest: bool,
    anonymous: bool,
    roles: Vec<Choice>,
    custom: bool,
    cells: Vec<Cell>,
    summary: String,
}

/// One answer of "explain access", in sentences.
struct DecisionView {
    label: &'static str,
    allowed: bool,
    by_admin_key: bool,
    reasons: Vec<String>,
}

struct ExplainView {
    who: String,
    decisions: Vec<DecisionView>,
}

fn explain_view(who: String, explanation: Explanation) -> ExplainView {
    let decision = |label, decision: portico_app::Decision| DecisionView {
        label,
        allowed: decision.allowed,
        by_admin_key: decision.by_admin_key,
        reasons: decision.reasons.iter().map(ToString::to_string).collect(),
    };
    ExplainView {
        who,
        decisions: vec![
            decision("View", explanation.view),
            decision("Comment", explanation.comment),
            decision("Edit", explanation.edit),
        ],
    }
}

#[derive(Template)]
#[template(path = "space_access.html")]
struct AccessPage {
    me: Option<Me>,
    csrf: String,
    space: SpaceView,
    sidebar: Sidebar,
    action: String,
    rows: Vec<GrantRow>,
    permission_names: Vec<&'static str>,
    add_roles: Vec<Choice>,
    anonymous_off: bool,
    explain_user: String,
    explain: Option<ExplainView>,
    notice: Option<&'static str>,
    error: Option<String>,
}

fn rows(view: &SpaceAccessView) -> Vec<GrantRow> {
    view.grants
        .iter()
        .map(|grant| {
            let current = grant.role.clone().unwrap_or_default();
            let roles = view
                .roles
                .iter()
                .map(|role| Choice::new(&role.key, &role.name, &current))
                .collect();
            GrantRow {
                key: row_key(grant.who.grantee),
                name: grant.who.name.clone(),
                kind: kind_label(grant.who.grantee),
                is_guest: grant.who.is_guest,
                anonymous: grant.who.grantee == Grantee::Anonymous,
                roles,
                custom: grant.role.is_none(),
                cells: SpacePermission::ALL
                    .iter()
                    .map(|permission| Cell {
                        name: permission.as_str(),
                        checked: grant.permissions.contains(*permission),
                    })
                    .collect(),
                summary: grant.permissions.to_string(),
            }
        })
        .collect()
}

/// What to show besides the grants.
#[derive(Default)]
struct Extras {
    explain_user: String,
    explain: Option<ExplainView>,
    notice: Option<&'static str>,
    error: Option<FormError>,
}

async fn access_page(
    state: &AppState,
    caller: &Caller,
    space: &Space,
    extras: Extras,
) -> Result<Response, UiError> {
    let app = &state.app;
    let view = app.space_access(caller.viewer(), space.id).await?;
    let tree = app.space_tree(caller.viewer(), space.id).await?;
    let add_roles = view
        .roles
        .iter()
        .map(|role| Choice::new(&role.key, &role.name, "viewer"))
        .collect();
    let status = extras.error.as_ref().map_or(StatusCode::OK, |e| e.status);
    Ok(html(
        status,
        &AccessPage {
            me: caller.me(),
            csrf: caller.csrf(),
            space: SpaceView::load(app, caller.viewer(), space).await?,
            sidebar: Sidebar::new(space, &tree, None),
            action: links::space_access(&space.key),
            rows: rows(&view),
            permission_names: SpacePermission::ALL.iter().map(|p| p.as_str()).collect(),
            add_roles,
            anonymous_off: !view.anonymous_site_switch,
            explain_user: extras.explain_user,
            explain: extras.explain,
            notice: extras.notice,
            error: extras.error.map(|e| e.message),
        },
    ))
}

#[derive(Deserialize)]
pub(crate) struct AccessQuery {
    #[serde(default)]
    explain: String,
    #[serde(default)]
    done: String,
}

pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    UiQuery(query): UiQuery<AccessQuery>,
) -> Result<Response, UiError> {
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    let mut extras = Extras {
        explain_user: query.explain.trim().to_owned(),
        notice: (query.done == "saved").then_some("Access was saved."),
        ..Extras::default()
    };
    if !extras.explain_user.is_empty() {
        let explained = match extras.explain_user.as_str() {
            "anonymous" => state
                .app
                .explain_anonymous(caller.viewer(), space.id)
                .await
                .map(|e| ("Anonymous visitors".to_owned(), e)),
            raw => match raw.parse::<UserId>() {
                Ok(person) => state
                    .app
                    .explain_access(caller.viewer(), person, ExplainTarget::Space(space.id))
                    .await
                    .map(|e| (format!("User {person}"), e)),
                Err(_) => Err(AppError::Invalid(portico_core::ValidationError::new(
                    "user",
                    format!("`{raw}` is not a user id"),
                ))),
            },
        };
        match explained {
            Ok((who, explanation)) => extras.explain = Some(explain_view(who, explanation)),
            Err(err) => extras.error = Some(form_error(err)?),
        }
    }
    access_page(&state, &caller, &space, extras).await
}

/// Answers a saved change with the screen again, or its error on it.
async fn after_change(
    state: &AppState,
    caller: &Caller,
    space: &Space,
    outcome: Result<(), AppError>,
) -> Result<Response, UiError> {
    match outcome {
        Ok(()) => Ok(see_other(&format!(
            "{}?done=saved",
            links::space_access(&space.key)
        ))),
        Err(err) => {
            let error = form_error(err)?;
            let extras = Extras {
                error: Some(error),
                ..Extras::default()
            };
            access_page(state, caller, space, extras).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct GrantForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    principal: String,
    #[serde(default)]
    principal_id: String,
    #[serde(default)]
    row: String,
    #[serde(default)]
    role: String,
}

impl GrantForm {
    fn grantee(&self) -> Result<Grantee, FormError> {
        if self.row.is_empty() {
            principal_from_form(&self.principal, &self.principal_id)
        } else {
            parse_row_key(&self.row).ok_or_else(|| {
                FormError::new(StatusCode::BAD_REQUEST, "the form names no one; reload it")
            })
        }
    }
}

/// Gives someone a role (the "add" form and each row's role select).
pub(crate) async fn grant(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    UiForm(form): UiForm<GrantForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    let outcome = match form.grantee() {
        Ok(grantee) => {
            state
                .app
                .set_space_grant(
                    caller.viewer(),
                    space.id,
                    grantee,
                    GrantInput::Role(form.role.clone()),
                )
                .await
        }
        Err(error) => {
            let extras = Extras {
                error: Some(error),
                ..Extras::default()
            };
            return access_page(&state, &caller, &space, extras).await;
        }
    };
    after_change(&state, &caller, &space, outcome).await
}

/// Takes everything away from one principal.
pub(crate) async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    UiForm(form): UiForm<GrantForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    let outcome = match form.grantee() {
        Ok(grantee) => {
            state
                .app
                .remove_space_grant(caller.viewer(), space.id, grantee)
                .await
        }
        Err(error) => {
            let extras = Extras {
                error: Some(error),
                ..Extras::default()
            };
            return access_page(&state, &caller, &space, extras).await;
        }
    };
    after_change(&state, &caller, &space, outcome).await
}

/// Saves the advanced grid: every row whose ticks changed becomes an
/// explicit permission set ("Custom").
pub(crate) async fn save_grid(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    UiForm(fields): UiForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let fields = FormFields(fields);
    caller.check_csrf(fields.one("_csrf"))?;
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    let current = state.app.space_access(caller.viewer(), space.id).await?;
    for row in fields.all("row") {
        let Some(grantee) = parse_row_key(row) else {
            continue;
        };
        let names = fields.all(&format!("perm.{row}"));
        let permissions = match Permissions::parse(names) {
            Ok(permissions) => permissions,
            Err(err) => return after_change(&state, &caller, &space, Err(err.into())).await,
        };
        let unchanged = current
            .grants
            .iter()
            .any(|grant| grant.who.grantee == grantee && grant.permissions == permissions);
        if unchanged {
            continue;
        }
        let outcome = state
            .app
            .set_space_grant(
                caller.viewer(),
                space.id,
                grantee,
                GrantInput::Permissions(permissions),
            )
            .await;
        if outcome.is_err() {
            return after_change(&state, &caller, &space, outcome).await;
        }
    }
    after_change(&state, &caller, &space, Ok(())).await
}

// ---- page restrictions ---------------------------------------------------

#[derive(Template)]
#[template(path = "page_restrictions.html")]
struct RestrictionsPage {
    me: Option<Me>,
    csrf: String,
    space: SpaceView,
    sidebar: Sidebar,
    links: PageLinks,
    title: String,
    view: Vec<String>,
    edit: Vec<String>,
    inherited: Vec<(String, String)>,
    can_restrict: bool,
    form: RestrictionsForm,
    notice: Option<&'static str>,
    error: Option<String>,
}

/// The restrictions form: ids separated by commas or spaces.
#[derive(Deserialize, Default)]
pub(crate) struct RestrictionsForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    view_users: String,
    #[serde(default)]
    view_groups: String,
    #[serde(default)]
    edit_users: String,
    #[serde(default)]
    edit_groups: String,
}

fn ids_of(list: &[NamedGrantee], users: bool) -> String {
    list.iter()
        .filter_map(|named| match named.grantee {
            Grantee::User(id) if users => Some(id.to_string()),
            Grantee::Group(id) if !users => Some(id.to_string()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe(named: &NamedGrantee) -> String {
    let guest = if named.is_guest { " (guest)" } else { "" };
    match named.grantee {
        Grantee::User(id) => format!("{}{guest} — user {id}", named.name),
        Grantee::Group(id) => format!("{}{guest} — group {id}", named.name),
        _ => named.name.clone(),
    }
}

/// Parses "3, 7 12" into ids; the message names the field and the value.
fn parse_ids<T: std::str::FromStr>(field: &str, text: &str) -> Result<Vec<T>, FormError> {
    text.split([',', ' ', ';', '\n', '\r', '\t'])
        .map(str::trim)
        .filter(|raw| !raw.is_empty())
        .map(|raw| {
            raw.parse::<T>().map_err(|_| {
                FormError::new(
                    StatusCode::BAD_REQUEST,
                    format!("`{field}` must list ids (numbers), not `{raw}`"),
                )
            })
        })
        .collect()
}

impl RestrictionsForm {
    fn change(&self) -> Result<RestrictionChange, FormError> {
        let list = |users: &str, groups: &str, what: &str| -> Result<Vec<Grantee>, FormError> {
            let mut list: Vec<Grantee> = parse_ids::<UserId>(&format!("{what} users"), users)?
                .into_iter()
                .map(Grantee::User)
                .collect();
            list.extend(
                parse_ids::<GroupId>(&format!("{what} groups"), groups)?
                    .into_iter()
                    .map(Grantee::Group),
            );
            Ok(list)
        };
        Ok(RestrictionChange {
            view: Some(list(&self.view_users, &self.view_groups, "view")?),
            edit: Some(list(&self.edit_users, &self.edit_groups, "edit")?),
        })
    }
}

async fn restrictions_page(
    state: &AppState,
    caller: &Caller,
    page: &Page,
    space: &Space,
    form: Option<RestrictionsForm>,
    notice: Option<&'static str>,
    error: Option<FormError>,
) -> Result<Response, UiError> {
    let app = &state.app;
    let view = app.page_restrictions(caller.viewer(), page.id).await?;
    let abilities = app.page_abilities(caller.viewer(), page.id).await?;
    let tree = app.space_tree(caller.viewer(), space.id).await?;
    let crumbs = app.breadcrumbs(caller.viewer(), page.id).await?;
    let inherited = view
        .inherited_from
        .iter()
        .map(|id| {
            let title = crumbs
                .iter()
                .find(|crumb| crumb.id == *id)
                .map_or_else(|| format!("page {id}"), |crumb| crumb.title.clone());
            let href = links::page(&space.key, *id, &title);
            (title, href)
        })
        .collect();
    let form = form.unwrap_or_else(|| RestrictionsForm {
        view_users: ids_of(&view.view, true),
        view_groups: ids_of(&view.view, false),
        edit_users: ids_of(&view.edit, true),
        edit_groups: ids_of(&view.edit, false),
        ..RestrictionsForm::default()
    });
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    Ok(html(
        status,
        &RestrictionsPage {
            me: caller.me(),
            csrf: caller.csrf(),
            space: SpaceView::load(app, caller.viewer(), space).await?,
            sidebar: Sidebar::new(space, &tree, Some(page.id)),
            links: PageLinks::new(&space.key, page.id, &page.title),
            title: page.title.clone(),
            view: view.view.iter().map(describe).collect(),
            edit: view.edit.iter().map(describe).collect(),
            inherited,
            can_restrict: abilities.restrict,
            form,
            notice,
            error: error.map(|e| e.message),
        },
    ))
}

#[derive(Deserialize)]
pub(crate) struct DoneQuery {
    #[serde(default)]
    done: String,
}

pub(crate) async fn restrictions_form(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
    UiQuery(query): UiQuery<DoneQuery>,
) -> Result<Response, UiError> {
    let (page, space) = page_and_space(&state, &caller, &id).await?;
    let notice = (query.done == "saved").then_some("The restrictions were saved.");
    restrictions_page(&state, &caller, &page, &space, None, notice, None).await
}

pub(crate) async fn restrict(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
    UiForm(form): UiForm<RestrictionsForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let (page, space) = page_and_space(&state, &caller, &id).await?;
    let error = match form.change() {
        Ok(change) => match state
            .app
            .set_page_restrictions(caller.viewer(), page.id, change)
            .await
        {
            Ok(_) => {
                return Ok(see_other(&format!(
                    "{}?done=saved",
                    links::page_action(&space.key, page.id, "restrictions")
                )));
            }
            Err(err) => form_error(err)?,
        },
        Err(error) => error,
    };
    restrictions_page(
        &state,
        &caller,
        &page,
        &space,
        Some(form),
        None,
        Some(error),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_keys_round_trip() {
        for grantee in [
            Grantee::User(UserId(3)),
            Grantee::Group(GroupId(12)),
            Grantee::AllMembers,
            Grantee::Anonymous,
        ] {
            assert_eq!(parse_row_key(&row_key(grantee)), Some(grantee));
        }
        for bad in ["", "user-", "user-x", "robot-3", "group--1"] {
            assert_eq!(parse_row_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn restriction_ids_parse_with_a_message_naming_the_field() {
        let form = RestrictionsForm {
            view_users: "3, 7 12".into(),
            edit_groups: "4".into(),
            ..RestrictionsForm::default()
        };
        let change = form.change().ok();
        assert_eq!(
            change.as_ref().and_then(|c| c.view.clone()),
            Some(vec![
                Grantee::User(UserId(3)),
                Grantee::User(UserId(7)),
                Grantee::User(UserId(12))
            ])
        );
        assert_eq!(
            change.and_then(|c| c.edit),
            Some(vec![Grantee::Group(GroupId(4))])
        );
        let bad = RestrictionsForm {
            view_groups: "ops".into(),
            ..RestrictionsForm::default()
        };
        assert_eq!(
            bad.change().err().map(|e| e.message).as_deref(),
            Some("`view groups` must list ids (numbers), not `ops`")
        );
    }
}
