//! The guest admin API at `/api/admin/guests` (tag `portico-admin`, SPEC.md
//! 3.5): the guest list with its filters, bulk assign (which may *move*
//! guests), bulk unassign and bulk extend of up to 25 guests, promoting a
//! guest or a guest group to member, and removing a guest's product access.
//! Org admins only ([`ApiAdmin`]; the bulk actions also need the space's
//! administration, as the use cases decide). Each handler parses, calls one
//! use case and renders.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use portico_app::{GroupId, GuestQuery, GuestSort, SpaceId, UserId};

use super::admin::{bad, no_content, number_id, time_param};
use super::admin_guests_json::{
    BulkAssignJson, BulkAssignedJson, BulkExtendJson, BulkUnassignJson, GuestJson, MovedJson,
    page_id, space_id, user_ids,
};
use super::admin_json::UserJson;
use super::extract::{ApiJson, Params, parse_id};
use super::guests_json::{assignment_role, expiry};
use super::pagination::{decode_cursor, limit, next_link};
use crate::AppState;
use crate::auth::ApiAdmin;
use crate::error::ApiError;

/// The most days `expiringWithinDays` takes (ten years).
const MAX_EXPIRING_DAYS: u64 = 3650;

fn guest_query(params: &Params) -> Result<GuestQuery, ApiError> {
    let space = match params.one("spaceId")?.map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(
            raw.parse::<SpaceId>()
                .map_err(|err| bad(format!("`spaceId`: {err}")))?,
        ),
    };
    let no_space = match params.one("noSpace")?.map(str::trim) {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(bad(format!(
                "`noSpace` must be `true` or `false`, not `{}`",
                other.chars().take(40).collect::<String>()
            )));
        }
    };
    if no_space && space.is_some() {
        return Err(bad(
            "`spaceId` and `noSpace` (true) can't be combined: no guest matches both".to_owned(),
        ));
    }
    let expiring_within = match params.number("expiringWithinDays")? {
        None => None,
        Some(days @ 1..=MAX_EXPIRING_DAYS) => Some(time::Duration::days(days as i64)),
        Some(days) => {
            return Err(bad(format!(
                "`expiringWithinDays` must be between 1 and {MAX_EXPIRING_DAYS}, not {days}"
            )));
        }
    };
    let sort = match params.one("sort")?.map(str::trim) {
        None | Some("") | Some("name") => GuestSort::Name,
        Some("last-active") => GuestSort::LastActive,
        Some("expiry") => GuestSort::Expiry,
        Some(other) => {
            return Err(bad(format!(
                "`sort` must be `name`, `last-active` or `expiry`, not `{}`",
                other.chars().take(40).collect::<String>()
            )));
        }
    };
    Ok(GuestQuery {
        search: params
            .one("search")?
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        space,
        no_space,
        expiring_before: None,
        expiring_within,
        last_active_before: time_param("lastActiveBefore", params.one("lastActiveBefore")?)?,
        sort,
    })
}

/// The guest list: every person whose effective role is guest, with their
/// assignments, filtered and sorted; `_links.next` pages on.
#[utoipa::path(get, path = "/api/admin/guests", tag = "portico-admin",
    params(
        ("search" = Option<String>, Query, description = "Part of a name or e-mail address"),
        ("spaceId" = Option<String>, Query, description = "Guests assigned to this space (wholly or a page subtree)"),
        ("noSpace" = Option<bool>, Query, description = "`true`: guests with no space assigned"),
        ("expiringWithinDays" = Option<u64>, Query, description = "Guests whose product access or an assignment ends within this many days (1 to 3650)"),
        ("lastActiveBefore" = Option<String>, Query, description = "Guests not active since this RFC 3339 time or `YYYY-MM-DD` (UTC); never active counts"),
        ("sort" = Option<String>, Query, description = "`name` (default), `last-active` (most recent first) or `expiry` (soonest first)"),
        ("cursor" = Option<String>, Query, description = "Opaque cursor from `_links.next`"),
        ("limit" = Option<u64>, Query, description = "1 to 250, default 25"),
    ),
    responses((status = 200, body = inline(super::dto::MultiEntityResult<GuestJson>)), (status = 400, description = "A filter that doesn't parse, named"), (status = 401), (status = 404, description = "Not an org admin")))]
pub async fn list_guests(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    params: Params,
) -> Result<Response, ApiError> {
    let query = guest_query(&params)?;
    let offset = decode_cursor(params.one("cursor")?)?.unwrap_or(0);
    let limit = limit(params.number("limit")?)?;
    let guests = state.app.guest_list(&viewer, query).await?;
    let start = usize::try_from(offset).unwrap_or(usize::MAX);
    let take = usize::try_from(limit).unwrap_or(usize::MAX);
    let end = start.saturating_add(take);
    let next =
        (guests.len() > end).then(|| next_link("/api/admin/guests", &params.pairs(), end as i64));
    Ok(super::multi(
        guests
            .into_iter()
            .skip(start)
            .take(take)
            .map(GuestJson::from)
            .collect(),
        next,
    ))
}

/// Assign up to 25 guests to a space (or, with `pageId`, to one page subtree
/// of it), all or none. With the site's
/// `guests.max_spaces` (one by default), a guest assigned elsewhere *moves*:
/// `movedFrom` names the spaces each one left.
#[utoipa::path(post, path = "/api/admin/guests/bulk-assign", tag = "portico-admin", request_body = BulkAssignJson,
    responses((status = 200, body = BulkAssignedJson),
        (status = 400, description = "A malformed or repeated id, 0 or more than 25 `userIds`, a `userId` who is not a guest, an unknown role, a malformed or past `expiresAt`, a `spaceId` that doesn't allow guests, a `pageId` that is not a page of the space"),
        (status = 401), (status = 403, description = "Can view the space but not administer it"), (status = 404, description = "Not an org admin, or no such space"), (status = 415)))]
pub async fn bulk_assign(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    ApiJson(body): ApiJson<BulkAssignJson>,
) -> Result<Json<BulkAssignedJson>, ApiError> {
    let guests = user_ids(&body.user_ids)?;
    let space = space_id(&body.space_id)?;
    let role = assignment_role(body.role.as_deref())?;
    let expires_at = expiry(body.expires_at.as_deref())?;
    let outcomes = match body.page_id.as_ref().map(page_id).transpose()? {
        None => {
            state
                .app
                .bulk_assign_guests(&viewer, space, &guests, role, expires_at)
                .await?
        }
        Some(page) => {
            state
                .app
                .bulk_assign_guests_to_page(&viewer, space, page, &guests, role, expires_at)
                .await?
        }
    };
    Ok(Json(BulkAssignedJson {
        results: guests
            .iter()
            .zip(outcomes)
            .map(|(guest, outcome)| MovedJson {
                account_id: guest.to_string(),
                moved_from: outcome.moved_from.iter().map(ToString::to_string).collect(),
            })
            .collect(),
    }))
}

/// End up to 25 guests' assignments to a space, all or none; they stay guests.
#[utoipa::path(post, path = "/api/admin/guests/bulk-unassign", tag = "portico-admin", request_body = BulkUnassignJson,
    responses((status = 204), (status = 400), (status = 401), (status = 403),
        (status = 404, description = "Not an org admin, no such space, or a guest not assigned to it"), (status = 415)))]
pub async fn bulk_unassign(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    ApiJson(body): ApiJson<BulkUnassignJson>,
) -> Result<Response, ApiError> {
    let guests = user_ids(&body.user_ids)?;
    let space = space_id(&body.space_id)?;
    state
        .app
        .bulk_unassign_guests(&viewer, space, &guests)
        .await?;
    Ok(no_content())
}

/// Give up to 25 guests' assignments to a space a new expiry (or none),
/// keeping their roles: all or none.
#[utoipa::path(post, path = "/api/admin/guests/bulk-extend", tag = "portico-admin", request_body = BulkExtendJson,
    responses((status = 204), (status = 400, description = "`expiresAt` missing, malformed or past; a bad `userIds` list"), (status = 401), (status = 403),
        (status = 404, description = "Not an org admin, no such space, or a guest not assigned to it"), (status = 415)))]
pub async fn bulk_extend(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    ApiJson(body): ApiJson<BulkExtendJson>,
) -> Result<Response, ApiError> {
    let guests = user_ids(&body.user_ids)?;
    let space = space_id(&body.space_id)?;
    let expires_at = expiry(body.expires_at()?)?;
    state
        .app
        .bulk_extend_guests(&viewer, space, &guests, expires_at)
        .await?;
    Ok(no_content())
}

/// Promote a guest to member: a paid seat (former-paid forever); their
/// assignments stay as ordinary space permissions without expiry.
#[utoipa::path(post, path = "/api/admin/guests/{id}/promote", tag = "portico-admin", params(("id" = String, Path)),
    responses((status = 200, body = UserJson), (status = 400), (status = 401), (status = 404), (status = 409, description = "Not a guest, or the site user limit")))]
pub async fn promote_guest(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    Path(id): Path<String>,
) -> Result<Json<UserJson>, ApiError> {
    let user = state
        .app
        .promote_guest(&viewer, parse_id::<UserId>(&id)?)
        .await?;
    Ok(Json(user.into()))
}

/// Remove a guest's product access: they leave the guest list and their
/// guest groups, their assignments, sessions and API tokens end; the account
/// and its content stay.
#[utoipa::path(delete, path = "/api/admin/guests/{id}", tag = "portico-admin", params(("id" = String, Path)),
    responses((status = 204), (status = 400), (status = 401), (status = 404), (status = 409, description = "Not a guest, or yourself")))]
pub async fn remove_guest(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state
        .app
        .remove_guest_access(&viewer, parse_id::<UserId>(&id)?)
        .await?;
    Ok(no_content())
}

/// Promote a guest group to a member group: every guest in it becomes a
/// member; the group's and the members' grants stay without expiry.
#[utoipa::path(post, path = "/api/admin/groups/{id}/promote", tag = "portico-admin", params(("id" = String, Path)),
    responses((status = 204), (status = 400), (status = 401), (status = 404), (status = 409, description = "Not a guest group, or the site user limit")))]
pub async fn promote_group(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state
        .app
        .promote_guest_group(&viewer, GroupId(number_id(&id)?))
        .await?;
    Ok(no_content())
}
