//! Who may do what: a space's access screen (principals × roles, the
//! advanced permissions grid, its guests — assign, move, unassign, the
//! space's "allow guests" switch — and "explain access") and a page's
//! restrictions.
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
    AppError, AssignmentRole, ExplainTarget, Explanation, GrantInput, Grantee, GroupId,
    NamedGrantee, Page, PageId, Permissions, RestrictionChange, Space, SpaceAccessView, SpaceId,
    SpacePermission, TreeEntry, UserId,
};
use serde::Deserialize;
use time::macros::format_description;
use time::{Date, OffsetDateTime, Time};

use super::admin::Choice;
use super::links::{self, PageLinks};
use super::render::{
    Caller, FormError, FormFields, Me, UiError, UiForm, UiQuery, form_error, html,
    optional_page_id, page_and_space, see_other,
};
use super::view::{Sidebar, SpaceView, Stamp};
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
    allows_guests: bool,
    guest_max_spaces: u32,
    guests: Vec<GuestRow>,
    share_choices: Vec<ShareChoice>,
    guest_form: GuestForm,
    explain_user: String,
    explain: Option<ExplainView>,
    notice: Option<&'static str>,
    moved_from: Vec<String>,
    error: Option<String>,
}

/// One guest assigned to the space.
struct GuestRow {
    id: String,
    name: String,
    /// For the badge (always, here).
    is_guest: bool,
    /// `Collaborator`, `Viewer` or `Custom`.
    role: &'static str,
    expires: Option<Stamp>,
    /// The title of the one page (with its descendants) shared with them;
    /// `None`: the whole space.
    shares: Option<String>,
}

/// A page one can share a subtree of, indented by depth.
struct ShareChoice {
    id: String,
    label: String,
    selected: bool,
}

fn share_choices(tree: &[TreeEntry], chosen: &str) -> Vec<ShareChoice> {
    tree.iter()
        .map(|entry| ShareChoice {
            id: entry.id.to_string(),
            label: format!("{}{}", "\u{2003}".repeat(entry.depth), entry.title),
            selected: entry.id.to_string() == chosen.trim(),
        })
        .collect()
}

fn guest_rows(view: &SpaceAccessView, tree: &[TreeEntry]) -> Vec<GuestRow> {
    view.grants
        .iter()
        .filter(|grant| grant.who.is_guest)
        .filter_map(|grant| match grant.who.grantee {
            Grantee::User(id) => Some(GuestRow {
                id: id.to_string(),
                name: grant.who.name.clone(),
                is_guest: grant.who.is_guest,
                role: match AssignmentRole::of(grant.permissions) {
                    Some(AssignmentRole::Collaborator) => "Collaborator",
                    Some(AssignmentRole::Viewer) => "Viewer",
                    None => "Custom",
                },
                expires: grant.expires_at.map(Stamp::new),
                shares: grant.subtree_root.map(|root| {
                    tree.iter()
                        .find(|entry| entry.id == root)
                        .map_or_else(|| format!("Page {root}"), |entry| entry.title.clone())
                }),
            }),
            _ => None,
        })
        .collect()
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
    /// Names of the spaces an assignment moved the guest out of.
    moved_from: Vec<String>,
    /// The assign form as sent, when it failed.
    guest_form: Option<GuestForm>,
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
            allows_guests: view.allows_guests,
            guest_max_spaces: view.guest_max_spaces,
            guests: guest_rows(&view, &tree),
            share_choices: share_choices(
                &tree,
                extras.guest_form.as_ref().map_or("", |form| &form.page_id),
            ),
            guest_form: extras.guest_form.unwrap_or_default(),
            explain_user: extras.explain_user,
            explain: extras.explain,
            notice: extras.notice,
            moved_from: extras.moved_from,
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
    /// Space ids a guest assignment moved the guest out of.
    #[serde(default)]
    moved: String,
}

fn done_notice(done: &str) -> Option<&'static str> {
    match done {
        "saved" => Some("Access was saved."),
        "assigned" => Some("The guest was assigned to this space."),
        "unassigned" => Some("The guest's assignment to this space ended."),
        "guests" => Some("Whether this space allows guests was saved."),
        _ => None,
    }
}

/// The names of the spaces in `moved` (ids separated by commas), as far as
/// the caller can see them.
async fn moved_names(state: &AppState, caller: &Caller, moved: &str) -> Vec<String> {
    let mut names = Vec::new();
    for id in moved
        .split(',')
        .filter_map(|raw| raw.trim().parse::<SpaceId>().ok())
    {
        names.push(match state.app.space(caller.viewer(), id).await {
            Ok(space) => format!("{} ({})", space.name, space.key),
            Err(_) => format!("space {id}"),
        });
    }
    names
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
        notice: done_notice(&query.done),
        moved_from: moved_names(&state, &caller, &query.moved).await,
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

// ---- guests ----------------------------------------------------------------

/// The guest assignment form: a user id, a role and an optional last day.
#[derive(Deserialize, Default)]
pub(crate) struct GuestForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    role: String,
    /// `YYYY-MM-DD` from `<input type="date">`: the assignment ends at the
    /// end of that day (UTC). Empty: no expiry.
    #[serde(default)]
    expires_on: String,
    /// A page to share with its descendants; empty: the whole space.
    #[serde(default)]
    page_id: String,
}

impl GuestForm {
    fn shared_page(&self) -> Result<Option<PageId>, FormError> {
        optional_page_id("page", &self.page_id)
            .map_err(|message| FormError::new(StatusCode::BAD_REQUEST, message))
    }

    fn user(&self) -> Result<UserId, FormError> {
        let raw = self.user_id.trim();
        raw.parse::<UserId>().map_err(|_| {
            FormError::new(
                StatusCode::BAD_REQUEST,
                format!("`user id` must be a user's id (a number), not `{raw}`"),
            )
        })
    }

    fn assignment_role(&self) -> Result<AssignmentRole, FormError> {
        match self.role.trim() {
            "" => Ok(AssignmentRole::Collaborator),
            raw => raw.parse::<AssignmentRole>().map_err(|_| {
                FormError::new(
                    StatusCode::BAD_REQUEST,
                    format!("`role` must be collaborator or viewer, not `{raw}`"),
                )
            }),
        }
    }

    /// The end of the chosen day, UTC, or `None` without a day.
    fn expires_at(&self) -> Result<Option<OffsetDateTime>, FormError> {
        let raw = self.expires_on.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        let day = Date::parse(raw, format_description!("[year]-[month]-[day]")).map_err(|_| {
            FormError::new(
                StatusCode::BAD_REQUEST,
                format!("`expiry date` must be a date like 2030-01-31, not `{raw}`"),
            )
        })?;
        let last_second = Time::from_hms(23, 59, 59).unwrap_or(Time::MIDNIGHT);
        Ok(Some(day.with_time(last_second).assume_utc()))
    }

    fn is_viewer(&self) -> bool {
        self.role.trim() == "viewer"
    }
}

/// Answers a guest form that failed with the screen and its message.
async fn guest_error(
    state: &AppState,
    caller: &Caller,
    space: &Space,
    error: FormError,
    form: Option<GuestForm>,
) -> Result<Response, UiError> {
    let extras = Extras {
        error: Some(error),
        guest_form: form,
        ..Extras::default()
    };
    access_page(state, caller, space, extras).await
}

/// Assigns a guest to the space; with the site's limit this may move them
/// out of another space, which the next screen names.
pub(crate) async fn assign_guest(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    UiForm(form): UiForm<GuestForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    let parsed = form.user().and_then(|user| {
        Ok((
            user,
            form.assignment_role()?,
            form.expires_at()?,
            form.shared_page()?,
        ))
    });
    let (user, role, expires_at, page) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => return guest_error(&state, &caller, &space, error, Some(form)).await,
    };
    let assigned = match page {
        None => {
            state
                .app
                .assign_guest(caller.viewer(), space.id, user, role, expires_at)
                .await
        }
        Some(page) => {
            state
                .app
                .assign_guest_to_page(caller.viewer(), space.id, page, user, role, expires_at)
                .await
        }
    };
    match assigned {
        Ok(outcome) => {
            let mut target = format!("{}?done=assigned", links::space_access(&space.key));
            if !outcome.moved_from.is_empty() {
                let ids: Vec<String> = outcome.moved_from.iter().map(ToString::to_string).collect();
                target.push_str(&format!("&moved={}", ids.join(",")));
            }
            Ok(see_other(&target))
        }
        Err(err) => {
            let error = form_error(err)?;
            guest_error(&state, &caller, &space, error, Some(form)).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct UnassignForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    user_id: String,
}

/// Ends a guest's assignment to the space.
pub(crate) async fn unassign_guest(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    UiForm(form): UiForm<UnassignForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    let Ok(user) = form.user_id.trim().parse::<UserId>() else {
        let error = FormError::new(
            StatusCode::BAD_REQUEST,
            "the form names no guest; reload it",
        );
        return guest_error(&state, &caller, &space, error, None).await;
    };
    match state
        .app
        .unassign_guest(caller.viewer(), space.id, user)
        .await
    {
        Ok(()) => Ok(see_other(&format!(
            "{}?done=unassigned",
            links::space_access(&space.key)
        ))),
        Err(err) => {
            let error = form_error(err)?;
            guest_error(&state, &caller, &space, error, None).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct GuestAccessForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    /// `on` or `off`.
    #[serde(default)]
    allow: String,
}

/// Lets the space have guests, or not.
pub(crate) async fn guest_access(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    UiForm(form): UiForm<GuestAccessForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    let allows = match form.allow.as_str() {
        "on" => true,
        "off" => false,
        _ => {
            let error = FormError::new(
                StatusCode::BAD_REQUEST,
                "the form says neither on nor off; reload it",
            );
            return guest_error(&state, &caller, &space, error, None).await;
        }
    };
    match state
        .app
        .set_space_allows_guests(caller.viewer(), space.id, allows)
        .await
    {
        Ok(()) => Ok(see_other(&format!(
            "{}?done=guests",
            links::space_access(&space.key)
        ))),
        Err(err) => {
            let error = form_error(err)?;
            guest_error(&state, &caller, &space, error, None).await
        }
    }
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
    fn the_guest_form_reads_a_day_as_its_last_second_utc() {
        let form = GuestForm {
            user_id: " 7 ".into(),
            role: "viewer".into(),
            expires_on: "2030-01-31".into(),
            ..GuestForm::default()
        };
        assert_eq!(form.user().ok(), Some(UserId(7)));
        assert_eq!(form.assignment_role().ok(), Some(AssignmentRole::Viewer));
        assert_eq!(
            form.expires_at()
                .ok()
                .flatten()
                .map(|at| at.unix_timestamp()),
            Some(1_896_134_399)
        );
        let defaults = GuestForm::default();
        assert_eq!(
            defaults.assignment_role().ok(),
            Some(AssignmentRole::Collaborator)
        );
        assert_eq!(defaults.expires_at().ok(), Some(None));
        let bad = GuestForm {
            expires_on: "31/01/2030".into(),
            role: "admin".into(),
            ..GuestForm::default()
        };
        assert!(
            bad.expires_at()
                .err()
                .is_some_and(|e| e.message.contains("`expiry date`"))
        );
        assert!(
            bad.assignment_role()
                .err()
                .is_some_and(|e| e.message.contains("`role`"))
        );
        assert!(
            bad.user()
                .err()
                .is_some_and(|e| e.message.contains("`user id`"))
        );
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
