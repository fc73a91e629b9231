//! Permission endpoints (tag `portico-extensions`): a space's grants, space
//! roles, global permissions, page restrictions, "explain access" and the
//! admin key. Not part of Confluence's API. Each handler parses, calls one
//! use case and renders; the use cases decide who may (space admins for a
//! space's grants, wiki admins for roles, global permissions and the key).
//! Every endpoint wants a signed-in caller, whatever the anonymous switch.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portico_app::{ExplainTarget, GrantInput, PageId, RestrictionChange, SpaceId, UserId};

use super::extract::{ApiJson, Params, parse_id};
use super::permissions_json::{
    ActivateKeyJson, AdminKeyJson, DecisionJson, ExplanationJson, GlobalGrantJson, PrincipalRef,
    RestrictionsJson, ResultsJson, RoleInputJson, SetGlobalGrantJson, SetGrantJson,
    SetRestrictionsJson, SpacePermissionsJson, SpaceRoleJson, global_permissions, principal,
    space_permissions,
};
use crate::AppState;
use crate::auth::ApiSignedIn;
use crate::error::{ApiError, WebError};

fn bad(message: impl Into<String>) -> ApiError {
    ApiError(WebError::BadRequest(message.into()))
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// A space role id: a positive number.
fn role_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        bad(format!(
            "`{}` is not a valid id",
            raw.chars().take(40).collect::<String>()
        ))
    })
}

/// Who may do what in a space: its grants (by role or explicit permission
/// set) and the roles one can give.
#[utoipa::path(get, path = "/api/portico/spaces/{id}/permissions", tag = "portico-extensions", params(("id" = String, Path)),
    responses((status = 200, body = SpacePermissionsJson), (status = 400), (status = 401), (status = 403, description = "Can view the space but not administer it"), (status = 404)))]
pub async fn space_permissions_list(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path(id): Path<String>,
) -> Result<Json<SpacePermissionsJson>, ApiError> {
    let view = state
        .app
        .space_access(&viewer, parse_id::<SpaceId>(&id)?)
        .await?;
    Ok(Json(view.into()))
}

/// Give someone a role or an explicit permission set in a space (replacing
/// what they had there). Exactly one of `role` and `permissions`.
#[utoipa::path(put, path = "/api/portico/spaces/{id}/permissions", tag = "portico-extensions", params(("id" = String, Path)), request_body = SetGrantJson,
    responses((status = 204), (status = 400, description = "Unknown principal, role or permission"), (status = 401), (status = 403), (status = 404), (status = 415)))]
pub async fn set_space_permission(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SetGrantJson>,
) -> Result<Response, ApiError> {
    let space = parse_id::<SpaceId>(&id)?;
    let grantee = body.principal.grantee("principal")?;
    let input = match (body.role, body.permissions) {
        (Some(role), None) => GrantInput::Role(role),
        (None, Some(names)) => GrantInput::Permissions(space_permissions("permissions", &names)?),
        _ => return Err(bad("give exactly one of `role` and `permissions`")),
    };
    state
        .app
        .set_space_grant(&viewer, space, grantee, input)
        .await?;
    Ok(no_content())
}

/// Take away everything someone held in a space. `principalId` is `-` for
/// `all-members` and `anonymous`.
#[utoipa::path(delete, path = "/api/portico/spaces/{id}/permissions/{type}/{principalId}", tag = "portico-extensions",
    params(("id" = String, Path), ("type" = String, Path, description = "`user`, `group`, `all-members` or `anonymous`"), ("principalId" = String, Path, description = "`-` for all-members and anonymous")),
    responses((status = 204), (status = 400), (status = 401), (status = 403), (status = 404, description = "No such space, or no such grant")))]
pub async fn remove_space_permission(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path((id, kind, principal_id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let space = parse_id::<SpaceId>(&id)?;
    let grantee = principal("principal", &kind, Some(&principal_id))?;
    state
        .app
        .remove_space_grant(&viewer, space, grantee)
        .await?;
    Ok(no_content())
}

/// Every space role, built in and custom.
#[utoipa::path(get, path = "/api/portico/space-roles", tag = "portico-extensions",
    responses((status = 200, body = inline(ResultsJson<SpaceRoleJson>)), (status = 401)))]
pub async fn list_roles(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
) -> Result<Json<ResultsJson<SpaceRoleJson>>, ApiError> {
    let roles = state.app.space_roles(&viewer).await?;
    Ok(Json(ResultsJson {
        results: roles.into_iter().map(SpaceRoleJson::from).collect(),
    }))
}

/// Create a custom space role (wiki admins).
#[utoipa::path(post, path = "/api/portico/space-roles", tag = "portico-extensions", request_body = RoleInputJson,
    responses((status = 201, body = SpaceRoleJson), (status = 400), (status = 401), (status = 404, description = "Not a wiki admin"), (status = 409, description = "The name is taken")))]
pub async fn create_role(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    ApiJson(body): ApiJson<RoleInputJson>,
) -> Result<Response, ApiError> {
    let permissions = space_permissions("permissions", &body.permissions)?;
    let role = state
        .app
        .create_space_role(&viewer, &body.name, permissions)
        .await?;
    Ok((StatusCode::CREATED, Json(SpaceRoleJson::from(role))).into_response())
}

/// Change a custom space role: everyone holding it gets the new bundle at once.
#[utoipa::path(put, path = "/api/portico/space-roles/{id}", tag = "portico-extensions", params(("id" = String, Path)), request_body = RoleInputJson,
    responses((status = 200, body = SpaceRoleJson), (status = 400), (status = 401), (status = 404), (status = 409, description = "A built-in role")))]
pub async fn update_role(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RoleInputJson>,
) -> Result<Json<SpaceRoleJson>, ApiError> {
    let id = role_id(&id)?;
    let permissions = space_permissions("permissions", &body.permissions)?;
    let role = state
        .app
        .update_space_role(&viewer, id, &body.name, permissions)
        .await?;
    Ok(Json(role.into()))
}

/// Delete a custom space role nobody holds.
#[utoipa::path(delete, path = "/api/portico/space-roles/{id}", tag = "portico-extensions", params(("id" = String, Path)),
    responses((status = 204), (status = 400), (status = 401), (status = 404), (status = 409, description = "Built in, or still given")))]
pub async fn delete_role(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state.app.delete_space_role(&viewer, role_id(&id)?).await?;
    Ok(no_content())
}

/// Every global grant (wiki admins).
#[utoipa::path(get, path = "/api/portico/global-permissions", tag = "portico-extensions",
    responses((status = 200, body = inline(ResultsJson<GlobalGrantJson>)), (status = 401), (status = 404, description = "Not a wiki admin")))]
pub async fn global_grants(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
) -> Result<Json<ResultsJson<GlobalGrantJson>>, ApiError> {
    let grants = state.app.global_grants(&viewer).await?;
    Ok(Json(ResultsJson {
        results: grants.into_iter().map(GlobalGrantJson::from).collect(),
    }))
}

/// Set the global permissions of a user, a group or all members (an empty
/// list removes them).
#[utoipa::path(put, path = "/api/portico/global-permissions", tag = "portico-extensions", request_body = SetGlobalGrantJson,
    responses((status = 204), (status = 400), (status = 401), (status = 404, description = "Not a wiki admin"), (status = 415)))]
pub async fn set_global_grant(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    ApiJson(body): ApiJson<SetGlobalGrantJson>,
) -> Result<Response, ApiError> {
    let grantee = body.principal.grantee("principal")?;
    let permissions = global_permissions("permissions", &body.permissions)?;
    state
        .app
        .set_global_grant(&viewer, grantee, permissions)
        .await?;
    Ok(no_content())
}

/// A page's view and edit restrictions.
#[utoipa::path(get, path = "/api/portico/pages/{id}/restrictions", tag = "portico-extensions", params(("id" = String, Path)),
    responses((status = 200, body = RestrictionsJson), (status = 400), (status = 401), (status = 404)))]
pub async fn restrictions(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path(id): Path<String>,
) -> Result<Json<RestrictionsJson>, ApiError> {
    let view = state
        .app
        .page_restrictions(&viewer, parse_id::<PageId>(&id)?)
        .await?;
    Ok(Json(view.into()))
}

fn restriction_list(
    field: &str,
    list: Option<Vec<PrincipalRef>>,
) -> Result<Option<Vec<portico_app::Grantee>>, ApiError> {
    list.map(|list| {
        list.iter()
            .map(|principal| principal.grantee(field))
            .collect::<Result<Vec<_>, _>>()
    })
    .transpose()
}

/// Set a page's restrictions: a missing list stays, an empty list is removed.
/// The caller always stays on a list they set.
#[utoipa::path(put, path = "/api/portico/pages/{id}/restrictions", tag = "portico-extensions", params(("id" = String, Path)), request_body = SetRestrictionsJson,
    responses((status = 200, body = RestrictionsJson), (status = 400), (status = 401), (status = 403, description = "No `restrict` permission"), (status = 404), (status = 415)))]
pub async fn set_restrictions(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SetRestrictionsJson>,
) -> Result<Json<RestrictionsJson>, ApiError> {
    let page = parse_id::<PageId>(&id)?;
    let change = RestrictionChange {
        view: restriction_list("view", body.view)?,
        edit: restriction_list("edit", body.edit)?,
    };
    let view = state
        .app
        .set_page_restrictions(&viewer, page, change)
        .await?;
    Ok(Json(view.into()))
}

/// Whether a person can view, comment on and edit a page or a space, and why
/// (the engine's reasons). `userId` defaults to the caller; `anonymous`
/// explains an anonymous visitor (with `spaceId`). Asking about someone else
/// needs the space's admin permission.
#[utoipa::path(get, path = "/api/portico/explain", tag = "portico-extensions",
    params(("userId" = Option<String>, Query, description = "A user id, or `anonymous`; default: the caller"), ("pageId" = Option<String>, Query), ("spaceId" = Option<String>, Query)),
    responses((status = 200, body = ExplanationJson), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn explain(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    params: Params,
) -> Result<Json<ExplanationJson>, ApiError> {
    let target = match (params.one("pageId")?, params.one("spaceId")?) {
        (Some(page), None) => ExplainTarget::Page(parse_id(page)?),
        (None, Some(space)) => ExplainTarget::Space(parse_id(space)?),
        _ => return Err(bad("give exactly one of `pageId` and `spaceId`")),
    };
    let (user_id, explanation) = match params.one("userId")? {
        Some("anonymous") => {
            let ExplainTarget::Space(space) = target else {
                return Err(bad(
                    "`userId=anonymous` explains a space: give `spaceId`, not `pageId`",
                ));
            };
            (None, state.app.explain_anonymous(&viewer, space).await?)
        }
        Some(raw) => {
            let person = parse_id::<UserId>(raw)?;
            (
                Some(person),
                state.app.explain_access(&viewer, person, target).await?,
            )
        }
        None => {
            let person = viewer
                .user_id()
                .ok_or(portico_app::AppError::Unauthenticated)?;
            (
                Some(person),
                state.app.explain_access(&viewer, person, target).await?,
            )
        }
    };
    Ok(Json(ExplanationJson {
        user_id: user_id.map(|id| id.to_string()),
        view: DecisionJson::from(explanation.view),
        comment: DecisionJson::from(explanation.comment),
        edit: DecisionJson::from(explanation.edit),
    }))
}

/// The caller's admin key (wiki admins).
#[utoipa::path(get, path = "/api/portico/admin-key", tag = "portico-extensions",
    responses((status = 200, body = AdminKeyJson), (status = 401), (status = 404, description = "Not a wiki admin")))]
pub async fn admin_key(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
) -> Result<Json<AdminKeyJson>, ApiError> {
    Ok(Json(state.app.admin_key_status(&viewer).await?.into()))
}

/// Turn on an admin key: for a few idle minutes, restrictions don't hold the
/// caller back. Each use is audited and the content's owner told by e-mail.
#[utoipa::path(post, path = "/api/portico/admin-key", tag = "portico-extensions", request_body = ActivateKeyJson,
    responses((status = 200, body = AdminKeyJson), (status = 400), (status = 401), (status = 404, description = "Not a wiki admin"), (status = 415)))]
pub async fn activate_admin_key(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    ApiJson(body): ApiJson<ActivateKeyJson>,
) -> Result<Json<AdminKeyJson>, ApiError> {
    let status = state.app.activate_admin_key(&viewer, &body.reason).await?;
    Ok(Json(status.into()))
}

/// Turn the caller's admin key off.
#[utoipa::path(delete, path = "/api/portico/admin-key", tag = "portico-extensions",
    responses((status = 204), (status = 401), (status = 404, description = "Not a wiki admin")))]
pub async fn deactivate_admin_key(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
) -> Result<Response, ApiError> {
    state.app.deactivate_admin_key(&viewer).await?;
    Ok(no_content())
}
