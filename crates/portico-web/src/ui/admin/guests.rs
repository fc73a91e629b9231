//! `/admin/guests`: the guest list (SPEC.md 3.5) with search, filters and
//! sorting; bulk assign (up to 25, which may *move* guests), unassign and
//! extend through one form of checkboxes; and, per guest, promotion to
//! member and removing product access, each after a confirmation page.
//! Every handler parses, calls one use case and renders; the use cases
//! decide and refuse non-org-admins too.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{
    AppError, AssignmentRole, GuestQuery, GuestSort, GuestSummary, MAX_BULK, Space, SpaceFilter,
    SpaceId, UserId,
};
use serde::Deserialize;
use time::macros::format_description;
use time::{Date, OffsetDateTime, Time};

use super::users::{ConfirmPage, user_href};
use super::{Choice, Frame};
use crate::AppState;
use crate::error::WebError;
use crate::ui::render::{
    Admin, Caller, FormError, FormFields, Me, UiError, UiForm, UiQuery, form_error, html, see_other,
};
use crate::ui::session::CsrfForm;
use crate::ui::view::Stamp;

const LIST: &str = "/admin/guests";
/// Spaces offered in the filters and bulk forms.
const SPACE_CHOICES: u64 = 500;

fn bad(message: String) -> FormError {
    FormError::new(StatusCode::BAD_REQUEST, message)
}

/// A `YYYY-MM-DD` date from a form: the start (`end = false`) or the last
/// second (`end = true`) of that day, UTC. Empty: `None`.
fn parse_day(field: &str, raw: &str, end: bool) -> Result<Option<OffsetDateTime>, FormError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let day = Date::parse(raw, format_description!("[year]-[month]-[day]")).map_err(|_| {
        bad(format!(
            "`{field}` must be a date like 2030-01-31, not `{raw}`"
        ))
    })?;
    let time = if end {
        Time::from_hms(23, 59, 59).unwrap_or(Time::MIDNIGHT)
    } else {
        Time::MIDNIGHT
    };
    Ok(Some(day.with_time(time).assume_utc()))
}

/// The filters as typed (kept on the page and through every form).
#[derive(Deserialize, Default, Clone)]
pub(crate) struct Filters {
    #[serde(default)]
    q: String,
    /// A space key.
    #[serde(default)]
    space: String,
    /// `on` for "no space assigned".
    #[serde(default)]
    no_space: String,
    /// Days from now.
    #[serde(default)]
    expiring_days: String,
    /// `YYYY-MM-DD`: not active since the start of that day.
    #[serde(default)]
    inactive_before: String,
    /// `name`, `last-active` or `expiry`.
    #[serde(default)]
    sort: String,
}

impl Filters {
    fn from_fields(fields: &FormFields) -> Self {
        Self {
            q: fields.one("q").to_owned(),
            space: fields.one("space").to_owned(),
            no_space: fields.one("no_space").to_owned(),
            expiring_days: fields.one("expiring_days").to_owned(),
            inactive_before: fields.one("inactive_before").to_owned(),
            sort: fields.one("sort").to_owned(),
        }
    }

    fn no_space(&self) -> bool {
        self.no_space == "on"
    }

    fn is_filtered(&self) -> bool {
        !(self.q.trim().is_empty()
            && self.space.is_empty()
            && !self.no_space()
            && self.expiring_days.trim().is_empty()
            && self.inactive_before.trim().is_empty())
    }

    /// The app's query, or the message naming the filter that didn't parse.
    fn query(&self, spaces: &[Space]) -> Result<GuestQuery, FormError> {
        let space = match self.space.as_str() {
            "" => None,
            key => Some(space_by_key("space", key, spaces)?),
        };
        let expiring_within = match self.expiring_days.trim() {
            "" => None,
            raw => match raw.parse::<u16>() {
                Ok(days) if days > 0 => Some(time::Duration::days(days.into())),
                _ => {
                    return Err(bad(format!(
                        "`expiring within` must be a number of days from 1 to 65535, not `{raw}`"
                    )));
                }
            },
        };
        let sort = match self.sort.as_str() {
            "" | "name" => GuestSort::Name,
            "last-active" => GuestSort::LastActive,
            "expiry" => GuestSort::Expiry,
            raw => {
                return Err(bad(format!(
                    "`sort` must be `name`, `last-active` or `expiry`, not `{raw}`"
                )));
            }
        };
        Ok(GuestQuery {
            search: Some(self.q.trim().to_owned()).filter(|q| !q.is_empty()),
            space,
            no_space: self.no_space(),
            expiring_before: None,
            expiring_within,
            last_active_before: parse_day("last active before", &self.inactive_before, false)?,
            sort,
        })
    }

    /// The filters as a query string (without `?`), for links back.
    fn encoded(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("q", &self.q),
            ("space", &self.space),
            ("no_space", &self.no_space),
            ("expiring_days", &self.expiring_days),
            ("inactive_before", &self.inactive_before),
            ("sort", &self.sort),
        ] {
            if !value.is_empty() {
                out.append_pair(key, value);
            }
        }
        out.finish()
    }
}

fn space_by_key(field: &str, key: &str, spaces: &[Space]) -> Result<SpaceId, FormError> {
    spaces
        .iter()
        .find(|space| space.key == key)
        .map(|space| space.id)
        .ok_or_else(|| {
            bad(format!(
                "`{field}` must be one of the listed spaces, not `{key}`"
            ))
        })
}

fn space_label(id: SpaceId, spaces: &[Space]) -> String {
    spaces.iter().find(|space| space.id == id).map_or_else(
        || format!("space {id}"),
        |space| format!("{} ({})", space.name, space.key),
    )
}

/// One assignment in a row.
struct AssignmentView {
    space: String,
    role: &'static str,
    expires: Option<Stamp>,
}

/// One guest in the table.
struct GuestRow {
    id: String,
    href: String,
    name: String,
    email: String,
    status: String,
    selected: bool,
    assignments: Vec<AssignmentView>,
    access_expires: Option<Stamp>,
    last_active: Option<Stamp>,
    promote: String,
    remove: String,
}

impl GuestRow {
    fn new(guest: &GuestSummary, spaces: &[Space], selected: &[UserId]) -> Self {
        let id = guest.user.id;
        Self {
            id: id.to_string(),
            href: user_href(id),
            name: guest.user.display_name.clone(),
            email: guest.user.email.clone(),
            status: guest.user.status.clone(),
            selected: selected.contains(&id),
            assignments: guest
                .assignments
                .iter()
                .map(|a| AssignmentView {
                    space: space_label(a.space_id, spaces),
                    role: match a.role {
                        Some(AssignmentRole::Collaborator) => "Collaborator",
                        Some(AssignmentRole::Viewer) => "Viewer",
                        None => "Custom",
                    },
                    expires: a.expires_at.map(Stamp::new),
                })
                .collect(),
            access_expires: guest.access_expires_at.map(Stamp::new),
            last_active: guest.user.last_active_at.map(Stamp::new),
            promote: format!("{LIST}/{id}/promote"),
            remove: format!("{LIST}/{id}/remove"),
        }
    }
}

/// The bulk form as sent, kept when it fails.
#[derive(Default)]
struct BulkInput {
    selected: Vec<UserId>,
    assign_space: String,
    assign_role: String,
    assign_expires_on: String,
    unassign_space: String,
    extend_space: String,
    extend_expires_on: String,
}

impl BulkInput {
    fn from_fields(fields: &FormFields) -> Self {
        Self {
            selected: fields
                .all("guest")
                .into_iter()
                .filter_map(|raw| raw.trim().parse::<UserId>().ok())
                .collect(),
            assign_space: fields.one("assign_space").to_owned(),
            assign_role: fields.one("assign_role").to_owned(),
            assign_expires_on: fields.one("assign_expires_on").to_owned(),
            unassign_space: fields.one("unassign_space").to_owned(),
            extend_space: fields.one("extend_space").to_owned(),
            extend_expires_on: fields.one("extend_expires_on").to_owned(),
        }
    }
}

/// Which guest moved out of which space, for the notice after an assignment.
struct MovedLine {
    guest: String,
    from: String,
}

#[derive(Template)]
#[template(path = "admin/guests.html")]
struct GuestsPage {
    me: Option<Me>,
    frame: Frame,
    csrf: String,
    filters: Filters,
    filtered: bool,
    space_filter: Vec<Choice>,
    sorts: Vec<Choice>,
    /// Spaces for the three bulk forms (by key).
    assign_spaces: Vec<Choice>,
    unassign_spaces: Vec<Choice>,
    extend_spaces: Vec<Choice>,
    guests: Vec<GuestRow>,
    input: BulkInput,
    max_bulk: usize,
    max_spaces: u32,
    moved: Vec<MovedLine>,
}

/// The spaces as choices for one bulk form's select, `current` selected.
fn space_choices(spaces: &[Space], current: &str) -> Vec<Choice> {
    let mut out = vec![Choice::new("", "Choose a space", current)];
    out.extend(
        spaces
            .iter()
            .map(|s| Choice::new(&s.key, &format!("{} ({})", s.name, s.key), current)),
    );
    out
}

fn notice(done: &str) -> Option<&'static str> {
    match done {
        "assigned" => Some("The selected guests were assigned to the space."),
        "unassigned" => {
            Some("The selected guests' assignments to the space ended; they stay guests.")
        }
        "extended" => Some("The selected guests' assignments got their new expiry."),
        "promoted" => {
            Some("The guest is now a member; their space access stays as ordinary permissions.")
        }
        "removed" => Some("The guest's product access was removed; their sessions ended."),
        _ => None,
    }
}

/// What a render of the list needs besides the filters.
#[derive(Default)]
struct Extras {
    notice: Option<&'static str>,
    /// `guest:space` pairs from the redirect after an assignment.
    moved: String,
    input: BulkInput,
    error: Option<FormError>,
}

/// The spaces the caller sees, for the filters and the bulk forms.
async fn bulk_spaces(state: &AppState, caller: &Caller) -> Result<Vec<Space>, UiError> {
    Ok(state
        .app
        .list_spaces(
            caller.viewer(),
            SpaceFilter {
                keys: None,
                status: Some("current".to_owned()),
                after: None,
                limit: SPACE_CHOICES,
            },
        )
        .await?
        .items)
}

async fn list_page(
    state: &AppState,
    caller: &Caller,
    filters: Filters,
    extras: Extras,
) -> Result<Response, UiError> {
    let app = &state.app;
    let spaces = bulk_spaces(state, caller).await?;
    let max_spaces = app.policies(caller.viewer()).await?.access.guest_max_spaces;
    let mut error = extras.error;
    let guests = match filters.query(&spaces) {
        Ok(query) => app.guest_list(caller.viewer(), query).await?,
        Err(err) => {
            error = error.or(Some(err));
            Vec::new()
        }
    };
    // Names for the "moved" notice come from the whole list, not the filtered one.
    let mut moved = Vec::new();
    if !extras.moved.is_empty() {
        let everyone = app
            .guest_list(caller.viewer(), GuestQuery::default())
            .await?;
        for pair in extras.moved.split(',') {
            let Some((guest, space)) = pair.split_once(':') else {
                continue;
            };
            let (Ok(guest), Ok(space)) = (guest.parse::<UserId>(), space.parse::<SpaceId>()) else {
                continue;
            };
            let name = everyone.iter().find(|g| g.user.id == guest).map_or_else(
                || format!("user {guest}"),
                |g| format!("{} ({})", g.user.display_name, g.user.email),
            );
            moved.push(MovedLine {
                guest: name,
                from: space_label(space, &spaces),
            });
        }
    }
    let mut space_filter = vec![Choice::new("", "Any space", &filters.space)];
    space_filter.extend(
        spaces
            .iter()
            .map(|s| Choice::new(&s.key, &format!("{} ({})", s.name, s.key), &filters.space)),
    );
    let sorts = [
        ("name", "Name"),
        ("last-active", "Last active (most recent first)"),
        ("expiry", "Expiry (soonest first)"),
    ]
    .into_iter()
    .map(|(value, label)| {
        let current = if filters.sort.is_empty() {
            "name"
        } else {
            filters.sort.as_str()
        };
        Choice::new(value, label, current)
    })
    .collect();
    let (frame, status) = Frame::new("guests").notice(extras.notice).with_error(error);
    Ok(html(
        status,
        &GuestsPage {
            me: caller.me(),
            frame,
            csrf: caller.csrf(),
            filtered: filters.is_filtered(),
            space_filter,
            sorts,
            assign_spaces: space_choices(&spaces, &extras.input.assign_space),
            unassign_spaces: space_choices(&spaces, &extras.input.unassign_space),
            extend_spaces: space_choices(&spaces, &extras.input.extend_space),
            guests: guests
                .iter()
                .map(|g| GuestRow::new(g, &spaces, &extras.input.selected))
                .collect(),
            filters,
            input: extras.input,
            max_bulk: MAX_BULK,
            max_spaces,
            moved,
        },
    ))
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    #[serde(flatten)]
    filters: Filters,
    #[serde(default)]
    done: String,
    #[serde(default)]
    moved: String,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    UiQuery(query): UiQuery<ListQuery>,
) -> Result<Response, UiError> {
    let extras = Extras {
        notice: notice(&query.done),
        moved: query.moved,
        ..Extras::default()
    };
    list_page(&state, &caller, query.filters, extras).await
}

/// What one bulk action did, for the redirect.
enum Done {
    Assigned { moved: Vec<(UserId, SpaceId)> },
    Unassigned,
    Extended,
}

/// A bulk action's refusal as a message on the form; faults go to the
/// error page. "Not found" here means a selected guest isn't assigned to the
/// chosen space (or the list is stale), which the admin can fix.
fn bulk_error(err: AppError) -> Result<FormError, UiError> {
    match err {
        AppError::NotFound => Ok(bad(
            "a selected guest isn't assigned to that space, or the list is out of date; nothing was changed"
                .to_owned(),
        )),
        other => form_error(other),
    }
}

/// Checks the bulk form and runs its action: `Ok(Err(_))` is a message for
/// the form (nothing changed), `Err(_)` a fault for the error page.
async fn run_bulk(
    state: &AppState,
    caller: &Caller,
    action: &str,
    input: &BulkInput,
    spaces: &[Space],
) -> Result<Result<Done, FormError>, UiError> {
    let checked = check_bulk(action, input, spaces);
    let viewer = caller.viewer();
    let guests = &input.selected;
    let outcome = match checked {
        Err(error) => return Ok(Err(error)),
        Ok(Bulk::Assign(space, role, expires_at)) => state
            .app
            .bulk_assign_guests(viewer, space, guests, role, expires_at)
            .await
            .map(|outcomes| Done::Assigned {
                moved: guests
                    .iter()
                    .zip(outcomes)
                    .flat_map(|(guest, outcome)| {
                        outcome
                            .moved_from
                            .into_iter()
                            .map(move |from| (*guest, from))
                    })
                    .collect(),
            }),
        Ok(Bulk::Unassign(space)) => state
            .app
            .bulk_unassign_guests(viewer, space, guests)
            .await
            .map(|()| Done::Unassigned),
        Ok(Bulk::Extend(space, expires_at)) => state
            .app
            .bulk_extend_guests(viewer, space, guests, Some(expires_at))
            .await
            .map(|()| Done::Extended),
    };
    match outcome {
        Ok(done) => Ok(Ok(done)),
        Err(err) => Ok(Err(bulk_error(err)?)),
    }
}

/// A bulk action, parsed.
enum Bulk {
    Assign(SpaceId, AssignmentRole, Option<OffsetDateTime>),
    Unassign(SpaceId),
    Extend(SpaceId, OffsetDateTime),
}

fn check_bulk(action: &str, input: &BulkInput, spaces: &[Space]) -> Result<Bulk, FormError> {
    if input.selected.is_empty() {
        return Err(bad("select at least one guest".to_owned()));
    }
    if input.selected.len() > MAX_BULK {
        return Err(bad(format!(
            "select at most {MAX_BULK} guests at a time, not {}",
            input.selected.len()
        )));
    }
    match action {
        "assign" => {
            let space = space_by_key("assign to space", &input.assign_space, spaces)?;
            let role = match input.assign_role.trim() {
                "" => AssignmentRole::Collaborator,
                raw => raw.parse::<AssignmentRole>().map_err(|_| {
                    bad(format!(
                        "`role` must be collaborator or viewer, not `{raw}`"
                    ))
                })?,
            };
            let expires_at = parse_day("expiry date", &input.assign_expires_on, true)?;
            Ok(Bulk::Assign(space, role, expires_at))
        }
        "unassign" => Ok(Bulk::Unassign(space_by_key(
            "unassign from space",
            &input.unassign_space,
            spaces,
        )?)),
        "extend" => {
            let space = space_by_key("extend in space", &input.extend_space, spaces)?;
            let expires_at = parse_day("new expiry date", &input.extend_expires_on, true)?
                .ok_or_else(|| bad("`new expiry date` is required".to_owned()))?;
            Ok(Bulk::Extend(space, expires_at))
        }
        other => Err(bad(format!(
            "`action` must be `assign`, `unassign` or `extend`, not `{other}`"
        ))),
    }
}

/// The bulk form: the selected guests and one of three actions. Success
/// redirects to the list (same filters) with a notice naming any moves;
/// failure shows the list again with the message, the selection and the
/// input kept.
pub(crate) async fn bulk(
    State(state): State<AppState>,
    Admin(caller): Admin,
    UiForm(fields): UiForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let fields = FormFields(fields);
    caller.check_csrf(fields.one("_csrf"))?;
    let filters = Filters::from_fields(&fields);
    let input = BulkInput::from_fields(&fields);
    let spaces = bulk_spaces(&state, &caller).await?;
    match run_bulk(&state, &caller, fields.one("action"), &input, &spaces).await? {
        Ok(done) => {
            let mut target = format!("{LIST}?");
            let filters = filters.encoded();
            if !filters.is_empty() {
                target.push_str(&filters);
                target.push('&');
            }
            match done {
                Done::Assigned { moved } => {
                    target.push_str("done=assigned");
                    if !moved.is_empty() {
                        let pairs: Vec<String> =
                            moved.iter().map(|(g, s)| format!("{g}:{s}")).collect();
                        target.push_str(&format!("&moved={}", pairs.join(",")));
                    }
                }
                Done::Unassigned => target.push_str("done=unassigned"),
                Done::Extended => target.push_str("done=extended"),
            }
            Ok(see_other(&target))
        }
        Err(error) => {
            let extras = Extras {
                input,
                error: Some(error),
                ..Extras::default()
            };
            list_page(&state, &caller, filters, extras).await
        }
    }
}

/// A user id from a URL: a malformed one is just another missing guest.
fn guest_id(raw: &str) -> Result<UserId, UiError> {
    raw.parse::<UserId>()
        .map_err(|_| UiError(WebError::App(AppError::NotFound)))
}

/// The two per-guest actions, each behind a confirmation page.
#[derive(Clone, Copy)]
enum GuestAction {
    Promote,
    Remove,
}

async fn confirm_page(
    state: &AppState,
    caller: &Caller,
    id: UserId,
    action: GuestAction,
    error: Option<FormError>,
) -> Result<Response, UiError> {
    let user = state.app.user(caller.viewer(), id).await?;
    let (frame, status) = Frame::new("guests").with_error(error);
    let who = format!("{} ({})", user.display_name, user.email);
    let (heading, explanation, path, button) = match action {
        GuestAction::Promote => (
            format!("Promote {} to member?", user.display_name),
            format!(
                "{who} becomes a member: a paid seat, counted against the licence from now on, and never a guest again (the former-paid rule). Their space assignments stay as ordinary space permissions, without expiry, and their guest access expiry is dropped."
            ),
            "promote",
            "Promote to member",
        ),
        GuestAction::Remove => (
            format!("Remove product access for {}?", user.display_name),
            format!(
                "{who} leaves the guest list: their role becomes none, they leave their guest groups, their space assignments end, and every session and API token stops working at once. Their account and everything they wrote stay; they can be invited again."
            ),
            "remove",
            "Remove product access",
        ),
    };
    Ok(html(
        status,
        &ConfirmPage {
            me: caller.me(),
            frame,
            csrf: caller.csrf(),
            heading,
            explanation,
            action: format!("{LIST}/{id}/{path}"),
            button: button.to_owned(),
            cancel: LIST.to_owned(),
        },
    ))
}

pub(crate) async fn promote_form(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    confirm_page(&state, &caller, guest_id(&id)?, GuestAction::Promote, None).await
}

pub(crate) async fn remove_form(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    confirm_page(&state, &caller, guest_id(&id)?, GuestAction::Remove, None).await
}

async fn act(
    state: &AppState,
    caller: &Caller,
    id: UserId,
    action: GuestAction,
) -> Result<Response, UiError> {
    let (outcome, done) = match action {
        GuestAction::Promote => (
            state
                .app
                .promote_guest(caller.viewer(), id)
                .await
                .map(|_| ()),
            "promoted",
        ),
        GuestAction::Remove => (
            state.app.remove_guest_access(caller.viewer(), id).await,
            "removed",
        ),
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("{LIST}?done={done}"))),
        Err(err) => {
            let error = form_error(err)?;
            confirm_page(state, caller, id, action, Some(error)).await
        }
    }
}

pub(crate) async fn promote(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    UiForm(form): UiForm<CsrfForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    act(&state, &caller, guest_id(&id)?, GuestAction::Promote).await
}

pub(crate) async fn remove(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    UiForm(form): UiForm<CsrfForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    act(&state, &caller, guest_id(&id)?, GuestAction::Remove).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_parse_to_the_start_or_the_end_of_the_day_utc() {
        let start = parse_day("d", "2030-01-31", false).ok().flatten();
        let end = parse_day("d", "2030-01-31", true).ok().flatten();
        assert_eq!(start.map(|at| at.unix_timestamp()), Some(1_896_048_000));
        assert_eq!(
            end.map(|at| at.unix_timestamp()),
            Some(1_896_048_000 + 86_399)
        );
        assert!(matches!(parse_day("d", " ", false), Ok(None)));
        let err = parse_day("last active before", "31/01/2030", false).err();
        assert!(err.is_some_and(|e| e.message.contains("`last active before`")));
    }

    #[test]
    fn bad_filters_name_the_filter_and_the_value() {
        let filters = Filters {
            sort: "age".into(),
            ..Filters::default()
        };
        let err = filters.query(&[]).err().map(|e| e.message);
        assert_eq!(
            err.as_deref(),
            Some("`sort` must be `name`, `last-active` or `expiry`, not `age`")
        );
        let filters = Filters {
            expiring_days: "0".into(),
            ..Filters::default()
        };
        assert!(filters.query(&[]).is_err());
        let filters = Filters {
            space: "NOPE".into(),
            ..Filters::default()
        };
        assert!(filters.query(&[]).is_err());
    }

    #[test]
    fn filters_round_trip_through_the_redirect() {
        let filters = Filters {
            q: "a&b c".into(),
            no_space: "on".into(),
            ..Filters::default()
        };
        assert_eq!(filters.encoded(), "q=a%26b+c&no_space=on");
    }
}
