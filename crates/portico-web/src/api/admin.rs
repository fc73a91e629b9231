//! The admin API at `/api/admin` (tag `portico-admin`, a Portico extension):
//! users, groups, invitations, licences, policies, the audit log export and
//! the outbox. Org admins only: every handler takes an [`ApiAdmin`], so other
//! signed-in callers get the same 404 as an unknown URL.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portico_app::{AppError, AuditFilter, Invite, Role, SitePolicies, UserId, UserQuery};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

use super::admin_json::{
    AuditEntryJson, CreateGroupJson, GroupJson, IdJson, InvitationJson, InviteJson, InvitedJson,
    LicencesJson, MailJson, OrgAdminJson, PoliciesJson, RoleJson, UserJson,
};
use super::extract::{ApiJson, Params, parse_id};
use super::pagination::{decode_cursor, next_link};
use crate::AppState;
use crate::auth::ApiAdmin;
use crate::error::{ApiError, WebError};

pub(super) fn bad(message: String) -> ApiError {
    ApiError(WebError::BadRequest(message))
}

fn role(raw: &str) -> Result<Role, ApiError> {
    raw.parse::<Role>().map_err(|_| {
        bad(format!(
            "`role` must be `none`, `guest`, `member` or `admin`, not `{raw}`"
        ))
    })
}

/// A group or invitation id (untyped in the application): a positive number.
pub(super) fn number_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        bad(format!(
            "`{}` is not a valid id",
            raw.chars().take(40).collect::<String>()
        ))
    })
}

pub(super) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// List users, optionally filtered.
#[utoipa::path(get, path = "/api/admin/users", tag = "portico-admin",
    params(
        ("search" = Option<String>, Query, description = "Part of a name or e-mail address"),
        ("role" = Option<String>, Query, description = "Effective role: `none`, `guest`, `member` or `admin`"),
        ("status" = Option<String>, Query, description = "`invited`, `active` or `deactivated`"),
    ),
    responses((status = 200, description = "Users", body = inline(super::dto::MultiEntityResult<UserJson>)), (status = 400), (status = 401), (status = 404, description = "Not an org admin")))]
pub async fn list_users(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    params: Params,
) -> Result<Response, ApiError> {
    let status = match params.one("status")? {
        None | Some("") => None,
        Some(status @ ("invited" | "active" | "deactivated")) => Some(status.to_owned()),
        Some(other) => {
            return Err(bad(format!(
                "`status` must be `invited`, `active` or `deactivated`, not `{other}`"
            )));
        }
    };
    let query = UserQuery {
        search: params
            .one("search")?
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        role: match params.one("role")? {
            None | Some("") => None,
            Some(raw) => Some(role(raw)?),
        },
        status,
    };
    let users = state.app.list_users(&viewer, query).await?;
    Ok(super::multi(
        users.into_iter().map(UserJson::from).collect(),
        None,
    ))
}

/// Get a user.
#[utoipa::path(get, path = "/api/admin/users/{id}", tag = "portico-admin", params(("id" = String, Path)),
    responses((status = 200, body = UserJson), (status = 400), (status = 404)))]
pub async fn get_user(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    Path(id): Path<String>,
) -> Result<Json<UserJson>, ApiError> {
    let user = state.app.user(&viewer, parse_id::<UserId>(&id)?).await?;
    Ok(Json(user.into()))
}

/// Set a user's direct role (the former-paid rule and the licence limits apply).
#[utoipa::path(put, path = "/api/admin/users/{id}/role", tag = "portico-admin", params(("id" = String, Path)), request_body = RoleJson,
    responses((status = 200, body = UserJson), (status = 400), (status = 404), (status = 409, description = "A limit or the former-paid rule")))]
pub async fn set_user_role(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RoleJson>,
) -> Result<Json<UserJson>, ApiError> {
    let id = parse_id::<UserId>(&id)?;
    let user = state
        .app
        .set_user_role(&viewer, id, role(&body.role)?)
        .await?;
    Ok(Json(user.into()))
}

/// Grant or remove the org-admin flag.
#[utoipa::path(put, path = "/api/admin/users/{id}/org-admin", tag = "portico-admin", params(("id" = String, Path)), request_body = OrgAdminJson,
    responses((status = 204), (status = 404), (status = 409, description = "The last org admin")))]
pub async fn set_org_admin(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OrgAdminJson>,
) -> Result<Response, ApiError> {
    let id = parse_id::<UserId>(&id)?;
    state.app.set_org_admin(&viewer, id, body.org_admin).await?;
    Ok(no_content())
}

/// Deactivate a user: their sessions end at once; their content stays.
#[utoipa::path(post, path = "/api/admin/users/{id}/deactivate", tag = "portico-admin", params(("id" = String, Path)),
    responses((status = 204), (status = 404), (status = 409)))]
pub async fn deactivate_user(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state
        .app
        .deactivate_user(&viewer, parse_id::<UserId>(&id)?)
        .await?;
    Ok(no_content())
}

/// Reactivate a user (counted against the limits again).
#[utoipa::path(post, path = "/api/admin/users/{id}/reactivate", tag = "portico-admin", params(("id" = String, Path)),
    responses((status = 204), (status = 404), (status = 409)))]
pub async fn reactivate_user(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state
        .app
        .reactivate_user(&viewer, parse_id::<UserId>(&id)?)
        .await?;
    Ok(no_content())
}

/// Delete a user: the profile becomes "Former user"; content stays.
#[utoipa::path(delete, path = "/api/admin/users/{id}", tag = "portico-admin", params(("id" = String, Path)),
    responses((status = 204), (status = 404), (status = 409)))]
pub async fn delete_user(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state
        .app
        .delete_user(&viewer, parse_id::<UserId>(&id)?)
        .await?;
    Ok(no_content())
}

/// List groups with their members.
#[utoipa::path(get, path = "/api/admin/groups", tag = "portico-admin",
    responses((status = 200, body = inline(super::dto::MultiEntityResult<GroupJson>)), (status = 404)))]
pub async fn list_groups(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
) -> Result<Response, ApiError> {
    let groups = state.app.list_groups(&viewer).await?;
    Ok(super::multi(
        groups.into_iter().map(GroupJson::from).collect(),
        None,
    ))
}

/// Create a group.
#[utoipa::path(post, path = "/api/admin/groups", tag = "portico-admin", request_body = CreateGroupJson,
    responses((status = 201, body = GroupJson), (status = 400), (status = 404), (status = 409, description = "The name is taken")))]
pub async fn create_group(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    ApiJson(body): ApiJson<CreateGroupJson>,
) -> Result<Response, ApiError> {
    let group = state
        .app
        .create_group(&viewer, &body.name, role(&body.role)?)
        .await?;
    Ok((StatusCode::CREATED, Json(GroupJson::from(group))).into_response())
}

/// Delete a group (not the default one).
#[utoipa::path(delete, path = "/api/admin/groups/{id}", tag = "portico-admin", params(("id" = String, Path)),
    responses((status = 204), (status = 404), (status = 409)))]
pub async fn delete_group(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state.app.delete_group(&viewer, number_id(&id)?).await?;
    Ok(no_content())
}

/// Set the role a group gives its members.
#[utoipa::path(put, path = "/api/admin/groups/{id}/role", tag = "portico-admin", params(("id" = String, Path)), request_body = RoleJson,
    responses((status = 204), (status = 400), (status = 404), (status = 409)))]
pub async fn set_group_role(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RoleJson>,
) -> Result<Response, ApiError> {
    let id = number_id(&id)?;
    state
        .app
        .set_group_role(&viewer, id, role(&body.role)?)
        .await?;
    Ok(no_content())
}

/// Add a user to a group.
#[utoipa::path(put, path = "/api/admin/groups/{id}/members/{userId}", tag = "portico-admin", params(("id" = String, Path), ("userId" = String, Path)),
    responses((status = 204), (status = 404), (status = 409)))]
pub async fn add_group_member(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    Path((id, user)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (id, user) = (number_id(&id)?, parse_id::<UserId>(&user)?);
    state.app.add_group_member(&viewer, id, user).await?;
    Ok(no_content())
}

/// Remove a user from a group.
#[utoipa::path(delete, path = "/api/admin/groups/{id}/members/{userId}", tag = "portico-admin", params(("id" = String, Path), ("userId" = String, Path)),
    responses((status = 204), (status = 404), (status = 409)))]
pub async fn remove_group_member(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    Path((id, user)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (id, user) = (number_id(&id)?, parse_id::<UserId>(&user)?);
    state.app.remove_group_member(&viewer, id, user).await?;
    Ok(no_content())
}

/// Open invitations, newest first.
#[utoipa::path(get, path = "/api/admin/invitations", tag = "portico-admin",
    responses((status = 200, body = inline(super::dto::MultiEntityResult<InvitationJson>)), (status = 404)))]
pub async fn list_invitations(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
) -> Result<Response, ApiError> {
    let invitations = state.app.list_invitations(&viewer).await?;
    Ok(super::multi(
        invitations.into_iter().map(InvitationJson::from).collect(),
        None,
    ))
}

/// Invite 1 to 10 addresses as members or guests; each gets a mailed link.
/// The whole batch succeeds or nothing is created.
#[utoipa::path(post, path = "/api/admin/invitations", tag = "portico-admin", request_body = InviteJson,
    responses((status = 201, body = InvitedJson), (status = 400, description = "Batch size, an address, a domain rule, a group"), (status = 404), (status = 409, description = "Guest quota, user limit, an existing account, the former-paid rule")))]
pub async fn invite(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    ApiJson(body): ApiJson<InviteJson>,
) -> Result<Response, ApiError> {
    let role = match body.role.as_str() {
        "member" => Role::Member,
        "guest" => Role::Guest,
        other => {
            return Err(bad(format!(
                "`role` must be `member` or `guest`, not `{other}`"
            )));
        }
    };
    let group_ids = body
        .group_ids
        .iter()
        .map(|id| match id {
            IdJson::Number(n) if *n > 0 => Ok(*n),
            IdJson::Number(n) => Err(bad(format!("`{n}` is not a valid id"))),
            IdJson::Text(text) => number_id(text),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let ids = state
        .app
        .invite(
            &viewer,
            Invite {
                emails: body.emails,
                role,
                group_ids,
                message: body.message,
            },
        )
        .await?;
    let body = InvitedJson {
        ids: ids.iter().map(ToString::to_string).collect(),
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Send a fresh link (the old one stops working) with a new expiry.
#[utoipa::path(post, path = "/api/admin/invitations/{id}/resend", tag = "portico-admin", params(("id" = String, Path)),
    responses((status = 204), (status = 404), (status = 409, description = "Already accepted or revoked")))]
pub async fn resend_invitation(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state
        .app
        .resend_invitation(&viewer, number_id(&id)?)
        .await?;
    Ok(no_content())
}

/// Revoke an invitation: its link stops working.
#[utoipa::path(delete, path = "/api/admin/invitations/{id}", tag = "portico-admin", params(("id" = String, Path)),
    responses((status = 204), (status = 404), (status = 409, description = "Already accepted or revoked")))]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state
        .app
        .revoke_invitation(&viewer, number_id(&id)?)
        .await?;
    Ok(no_content())
}

/// Seats in use against the caps.
#[utoipa::path(get, path = "/api/admin/licences", tag = "portico-admin",
    responses((status = 200, body = LicencesJson), (status = 404)))]
pub async fn licences(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
) -> Result<Json<LicencesJson>, ApiError> {
    Ok(Json(state.app.licence_usage(&viewer).await?.into()))
}

/// The site policies.
#[utoipa::path(get, path = "/api/admin/policies", tag = "portico-admin",
    responses((status = 200, body = PoliciesJson), (status = 404)))]
pub async fn policies(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
) -> Result<Json<PoliciesJson>, ApiError> {
    Ok(Json(state.app.policies(&viewer).await?.into()))
}

/// Replace the site policies (every field is required).
#[utoipa::path(put, path = "/api/admin/policies", tag = "portico-admin", request_body = PoliciesJson,
    responses((status = 200, body = PoliciesJson), (status = 400, description = "A value out of range, or a field missing"), (status = 404)))]
pub async fn update_policies(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    ApiJson(body): ApiJson<PoliciesJson>,
) -> Result<Json<PoliciesJson>, ApiError> {
    let policies = SitePolicies::try_from(body).map_err(AppError::from)?;
    let saved = state.app.update_policies(&viewer, policies).await?;
    Ok(Json(saved.into()))
}

/// The most audit entries one page may hold, and the default.
const MAX_AUDIT_PAGE: u64 = 1000;
const DEFAULT_AUDIT_PAGE: u64 = 100;

/// The most mails one outbox page may hold, and the default.
const MAX_OUTBOX_PAGE: u64 = 500;
const DEFAULT_OUTBOX_PAGE: u64 = 50;

fn page_limit(requested: Option<u64>, default: u64, max: u64) -> Result<u64, ApiError> {
    match requested {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(bad(format!("`limit` must be between 1 and {max}, not {n}"))),
    }
}

/// A time filter: an RFC 3339 instant, or a `YYYY-MM-DD` day (UTC). A day
/// given as `until` includes the whole day.
pub(crate) fn time_param(
    name: &str,
    raw: Option<&str>,
) -> Result<Option<OffsetDateTime>, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|raw| !raw.is_empty()) else {
        return Ok(None);
    };
    if let Ok(at) = OffsetDateTime::parse(raw, &Rfc3339) {
        return Ok(Some(at));
    }
    match Date::parse(raw, format_description!("[year]-[month]-[day]")) {
        Ok(day) => {
            let start = day.midnight().assume_utc();
            Ok(Some(if name == "until" {
                start + time::Duration::days(1)
            } else {
                start
            }))
        }
        Err(_) => Err(bad(format!(
            "`{name}` must be an RFC 3339 time or a date like 2025-01-31, not `{raw}`"
        ))),
    }
}

/// The audit log as JSON, newest first; `_links.next` pages to older entries.
#[utoipa::path(get, path = "/api/admin/audit", tag = "portico-admin",
    params(
        ("actor" = Option<String>, Query, description = "The acting account id"),
        ("action" = Option<String>, Query, description = "Action prefix, e.g. `invitation.`"),
        ("targetKind" = Option<String>, Query),
        ("targetId" = Option<String>, Query),
        ("since" = Option<String>, Query, description = "RFC 3339 time or `YYYY-MM-DD` (UTC), inclusive"),
        ("until" = Option<String>, Query, description = "RFC 3339 time (exclusive) or `YYYY-MM-DD` (the whole day)"),
        ("cursor" = Option<String>, Query, description = "Opaque cursor from `_links.next`"),
        ("limit" = Option<u64>, Query, description = "1 to 1000, default 100"),
    ),
    responses((status = 200, body = inline(super::dto::MultiEntityResult<AuditEntryJson>)), (status = 400), (status = 404)))]
pub async fn audit(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    params: Params,
) -> Result<Response, ApiError> {
    let text = |name: &str| -> Result<Option<String>, ApiError> {
        Ok(params
            .one(name)?
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned))
    };
    let filter = AuditFilter {
        actor: match text("actor")? {
            None => None,
            Some(raw) => Some(parse_id::<UserId>(&raw)?),
        },
        action_prefix: text("action")?,
        target_kind: text("targetKind")?,
        target_id: text("targetId")?,
        since: time_param("since", params.one("since")?)?,
        until: time_param("until", params.one("until")?)?,
        before: decode_cursor(params.one("cursor")?)?,
        limit: page_limit(params.number("limit")?, DEFAULT_AUDIT_PAGE, MAX_AUDIT_PAGE)?,
    };
    let slice = state.app.audit_log(&viewer, filter).await?;
    let next = match (slice.has_more, slice.items.last()) {
        (true, Some(last)) => Some(next_link("/api/admin/audit", &params.pairs(), last.id)),
        _ => None,
    };
    Ok(super::multi(
        slice.items.into_iter().map(AuditEntryJson::from).collect(),
        next,
    ))
}

/// The outbox, newest first, each mail with its full text.
#[utoipa::path(get, path = "/api/admin/outbox", tag = "portico-admin",
    params(
        ("cursor" = Option<String>, Query, description = "Opaque cursor from `_links.next`"),
        ("limit" = Option<u64>, Query, description = "1 to 500, default 50"),
    ),
    responses((status = 200, body = inline(super::dto::MultiEntityResult<MailJson>)), (status = 400), (status = 404)))]
pub async fn outbox(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
    params: Params,
) -> Result<Response, ApiError> {
    let before = decode_cursor(params.one("cursor")?)?;
    let limit = page_limit(
        params.number("limit")?,
        DEFAULT_OUTBOX_PAGE,
        MAX_OUTBOX_PAGE,
    )?;
    let slice = state.app.outbox(&viewer, before, limit).await?;
    let next = match (slice.has_more, slice.items.last()) {
        (true, Some(last)) => Some(next_link("/api/admin/outbox", &params.pairs(), last.id)),
        _ => None,
    };
    Ok(super::multi(
        slice.items.into_iter().map(MailJson::from).collect(),
        next,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_filters_take_instants_and_whole_days() {
        let day = time_param("since", Some("2025-03-01")).ok().flatten();
        let until = time_param("until", Some("2025-03-01")).ok().flatten();
        assert_eq!(
            until.zip(day).map(|(u, d)| u - d),
            Some(time::Duration::days(1))
        );
        let instant = time_param("since", Some("2025-03-01T10:00:00Z"))
            .ok()
            .flatten();
        assert_eq!(instant.map(|at| at.hour()), Some(10));
        assert!(time_param("since", Some("yesterday")).is_err());
        assert!(matches!(time_param("since", Some(" ")), Ok(None)));
    }

    #[test]
    fn page_limits_are_bounded() {
        assert_eq!(page_limit(None, 100, 1000).ok(), Some(100));
        assert_eq!(page_limit(Some(1000), 100, 1000).ok(), Some(1000));
        assert!(page_limit(Some(0), 100, 1000).is_err());
        assert!(page_limit(Some(1001), 100, 1000).is_err());
    }
}
