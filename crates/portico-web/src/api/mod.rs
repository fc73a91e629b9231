//! The Confluence Cloud REST v2 API at `/wiki/api/v2` (spaces, pages, children,
//! versions, footer and inline comments, attachments, `users-bulk`), Portico's extensions at `/api/portico` (move, copy, diff,
//! restore, archive; page templates; mention autocomplete at `/api/mentions`; space permissions, space roles, global permissions, page
//! restrictions, explain access, the admin key, guest assignments, your API
//! tokens and watches), your notifications at `/api/notifications`, the org
//! admin's API at `/api/admin` (directory, the guest list
//! and its bulk actions, invitations, licences, policies, audit log, outbox),
//! and the OpenAPI
//! document at `/api/openapi.json`.

mod admin;
mod admin_guests;
mod admin_guests_json;
mod admin_json;
mod attachments;
mod blogposts;
mod comments;
mod dto;
mod extensions;
mod extract;
mod feeds;
mod guests;
mod guests_json;
mod inline_comments;
mod labels;
mod mentions;
mod notification_mail;
mod notifications;
mod pages;
mod pagination;
mod people;
mod permissions;
mod permissions_json;
mod reactions;
mod search;
mod spaces;
mod templates;
mod tokens;
mod trash;

use axum::Json;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use utoipa::OpenApi;

use dto::{Links, MultiEntityResult};

/// The largest JSON body accepted (a page body is at most 2 MiB; JSON
/// escaping can double it).
const MAX_JSON_BYTES: usize = 5 * 1024 * 1024;

pub(crate) fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route(
            "/wiki/api/v2/spaces",
            get(spaces::list).post(spaces::create),
        )
        .route("/wiki/api/v2/spaces/{id}", get(spaces::get_one))
        .route(
            "/wiki/api/v2/spaces/{id}/blogposts",
            get(blogposts::for_space),
        )
        .route(
            "/wiki/api/v2/blogposts",
            get(blogposts::list).post(blogposts::create),
        )
        .route(
            "/wiki/api/v2/blogposts/{id}",
            get(blogposts::get_one)
                .put(blogposts::update)
                .delete(blogposts::delete),
        )
        .route(
            "/wiki/api/v2/blogposts/{id}/footer-comments",
            get(blogposts::footer_comments).post(blogposts::comment),
        )
        .route("/wiki/api/v2/blogposts/{id}/labels", get(blogposts::labels))
        .route(
            "/wiki/api/v2/blogposts/{id}/attachments",
            get(blogposts::attachments),
        )
        .route(
            "/wiki/api/v2/blogposts/{id}/versions",
            get(blogposts::versions),
        )
        .route("/wiki/api/v2/pages", get(pages::list).post(pages::create))
        .route(
            "/wiki/api/v2/pages/{id}",
            get(pages::get_one).put(pages::update).delete(pages::delete),
        )
        .route(
            "/wiki/api/v2/pages/{id}/direct-children",
            get(pages::children),
        )
        .route("/wiki/api/v2/pages/{id}/children", get(pages::children))
        .route(
            "/wiki/api/v2/pages/{id}/footer-comments",
            get(comments::for_page).post(comments::create_on_page),
        )
        .route("/wiki/api/v2/footer-comments", post(comments::create))
        .route(
            "/wiki/api/v2/footer-comments/{id}",
            get(comments::get_one)
                .put(comments::update)
                .delete(comments::delete),
        )
        .route(
            "/wiki/api/v2/footer-comments/{id}/children",
            get(comments::children),
        )
        .route(
            "/wiki/api/v2/pages/{id}/inline-comments",
            get(inline_comments::for_page),
        )
        .route(
            "/wiki/api/v2/inline-comments",
            post(inline_comments::create),
        )
        .route(
            "/wiki/api/v2/inline-comments/{id}",
            get(inline_comments::get_one)
                .put(inline_comments::update)
                .delete(inline_comments::delete),
        )
        .route(
            "/wiki/api/v2/inline-comments/{id}/children",
            get(inline_comments::children),
        )
        .route(
            "/wiki/api/v2/pages/{id}/attachments",
            // Uploads stream under the app's own size limit, not the JSON one.
            get(attachments::for_page)
                .post(attachments::upload)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/wiki/api/v2/pages/{id}/labels", get(labels::for_page))
        .route("/api/portico/pages/{id}/labels", post(labels::add))
        .route(
            "/api/portico/pages/{id}/labels/{name}",
            delete(labels::remove),
        )
        .route("/api/portico/labels/{name}/pages", get(labels::pages))
        .route(
            "/api/portico/templates",
            get(templates::list).post(templates::create),
        )
        .route(
            "/api/portico/templates/{id}",
            get(templates::get_one)
                .put(templates::update)
                .delete(templates::delete),
        )
        .route(
            "/api/portico/templates/{id}/pages",
            post(templates::create_page),
        )
        .route(
            "/wiki/api/v2/attachments/{id}",
            get(attachments::get_one).delete(trash::delete_attachment),
        )
        .route(
            "/wiki/api/v2/attachments/{id}/versions",
            get(attachments::versions),
        )
        .route(
            "/wiki/api/v2/attachments/{id}/thumbnail",
            get(attachments::thumbnail),
        )
        .route(
            "/wiki/api/v2/attachments/{id}/download",
            get(attachments::download),
        )
        .route("/wiki/api/v2/users-bulk", post(people::users_bulk))
        .route("/api/mentions", get(mentions::suggest))
        .route("/wiki/api/v2/pages/{id}/versions", get(pages::versions))
        .route(
            "/wiki/api/v2/pages/{id}/versions/{number}",
            get(pages::version),
        )
        .route("/api/portico/pages/{id}/move", post(extensions::move_page))
        .route("/api/portico/pages/{id}/copy", post(extensions::copy_page))
        .route("/api/portico/pages/{id}/diff", get(extensions::diff))
        .route("/api/portico/pages/{id}/restore", post(extensions::restore))
        .route(
            "/api/portico/spaces/{id}/trash",
            get(trash::list).delete(trash::empty),
        )
        .route(
            "/api/portico/trash/pages/{id}/restore",
            post(trash::restore_page),
        )
        .route(
            "/api/portico/trash/attachments/{id}/restore",
            post(trash::restore_attachment),
        )
        .route(
            "/api/portico/spaces/{id}/archive",
            post(extensions::archive).delete(extensions::unarchive),
        )
        .route(
            "/api/portico/spaces/{id}/permissions",
            get(permissions::space_permissions_list).put(permissions::set_space_permission),
        )
        .route(
            "/api/portico/spaces/{id}/permissions/{type}/{principalId}",
            delete(permissions::remove_space_permission),
        )
        .route(
            "/api/portico/space-roles",
            get(permissions::list_roles).post(permissions::create_role),
        )
        .route(
            "/api/portico/space-roles/{id}",
            put(permissions::update_role).delete(permissions::delete_role),
        )
        .route(
            "/api/portico/global-permissions",
            get(permissions::global_grants).put(permissions::set_global_grant),
        )
        .route(
            "/api/portico/pages/{id}/restrictions",
            get(permissions::restrictions).put(permissions::set_restrictions),
        )
        .route(
            "/api/portico/spaces/{id}/guests/{userId}",
            put(guests::assign).delete(guests::unassign),
        )
        .route(
            "/api/portico/spaces/{id}/guest-access",
            put(guests::set_guest_access),
        )
        .route(
            "/api/portico/users/{id}/assignments",
            get(guests::assignments),
        )
        .route(
            "/api/portico/tokens",
            get(tokens::list).post(tokens::create),
        )
        .route("/api/portico/tokens/{id}", delete(tokens::revoke))
        .route("/api/portico/explain", get(permissions::explain))
        .route("/api/notifications", get(notifications::list))
        .route("/api/notifications/read", post(notifications::mark_read))
        .route(
            "/api/portico/spaces/{id}/watch",
            get(notifications::space_watching)
                .put(notifications::watch_space)
                .delete(notifications::unwatch_space),
        )
        .route(
            "/api/portico/pages/{id}/watch",
            get(notifications::page_watching)
                .put(notifications::watch_page)
                .delete(notifications::unwatch_page),
        )
        .route(
            "/api/portico/pages/{id}/reactions",
            get(reactions::page_reactions),
        )
        .route(
            "/api/portico/pages/{id}/reactions/{emoji}",
            put(reactions::react_page).delete(reactions::unreact_page),
        )
        .route(
            "/api/portico/comments/{id}/reactions",
            get(reactions::comment_reactions),
        )
        .route(
            "/api/portico/comments/{id}/reactions/{emoji}",
            put(reactions::react_comment).delete(reactions::unreact_comment),
        )
        .route(
            "/api/portico/pages/{id}/favourite",
            get(reactions::favourite)
                .put(reactions::add_favourite)
                .delete(reactions::remove_favourite),
        )
        .route("/api/portico/favourites", get(reactions::favourites))
        .route(
            "/api/portico/admin-key",
            get(permissions::admin_key)
                .post(permissions::activate_admin_key)
                .delete(permissions::deactivate_admin_key),
        )
        .route("/api/admin/users", get(admin::list_users))
        .route(
            "/api/admin/users/{id}",
            get(admin::get_user).delete(admin::delete_user),
        )
        .route("/api/admin/users/{id}/role", put(admin::set_user_role))
        .route("/api/admin/users/{id}/org-admin", put(admin::set_org_admin))
        .route(
            "/api/admin/users/{id}/deactivate",
            post(admin::deactivate_user),
        )
        .route(
            "/api/admin/users/{id}/reactivate",
            post(admin::reactivate_user),
        )
        .route(
            "/api/admin/groups",
            get(admin::list_groups).post(admin::create_group),
        )
        .route("/api/admin/groups/{id}", delete(admin::delete_group))
        .route("/api/admin/groups/{id}/role", put(admin::set_group_role))
        .route(
            "/api/admin/groups/{id}/promote",
            post(admin_guests::promote_group),
        )
        .route("/api/admin/guests", get(admin_guests::list_guests))
        .route(
            "/api/admin/guests/bulk-assign",
            post(admin_guests::bulk_assign),
        )
        .route(
            "/api/admin/guests/bulk-unassign",
            post(admin_guests::bulk_unassign),
        )
        .route(
            "/api/admin/guests/bulk-extend",
            post(admin_guests::bulk_extend),
        )
        .route("/api/admin/guests/{id}", delete(admin_guests::remove_guest))
        .route(
            "/api/admin/guests/{id}/promote",
            post(admin_guests::promote_guest),
        )
        .route(
            "/api/admin/groups/{id}/members/{user}",
            put(admin::add_group_member).delete(admin::remove_group_member),
        )
        .route(
            "/api/admin/invitations",
            get(admin::list_invitations).post(admin::invite),
        )
        .route(
            "/api/admin/invitations/{id}",
            delete(admin::revoke_invitation),
        )
        .route(
            "/api/admin/invitations/{id}/resend",
            post(admin::resend_invitation),
        )
        .route("/api/admin/licences", get(admin::licences))
        .route(
            "/api/admin/policies",
            get(admin::policies).put(admin::update_policies),
        )
        .route("/api/admin/audit", get(admin::audit))
        .route("/api/admin/outbox", get(admin::outbox))
        .route("/api/openapi.json", get(openapi_json))
        // Discovery: feeds, popular labels, space activity, people directory, profiles.
        .route("/api/portico/feeds/recent", get(feeds::recent))
        .route("/api/portico/feeds/labels", get(feeds::labels))
        .route("/api/portico/spaces/{id}/activity", get(feeds::activity))
        .route("/api/portico/people", get(feeds::directory))
        .route("/api/portico/people/{account}", get(feeds::profile))
        .route("/wiki/rest/api/search/user", get(feeds::search_user))
        // Full-text search: Portico's parameters, Confluence's CQL.
        .route("/api/portico/search", get(search::search))
        .route("/wiki/rest/api/search", get(search::search_cql))
        // Notification e-mail: your preference, the admin's "send digests now".
        .route(
            "/api/portico/me/notification-settings",
            get(notification_mail::settings).put(notification_mail::update_settings),
        )
        .route(
            "/api/admin/notifications/send-digests",
            post(notification_mail::send_digests),
        )
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES))
}

/// Unknown routes under the API prefixes answer 404 in the API's JSON shape.
pub(crate) async fn fallback(uri: axum::http::Uri) -> Response {
    let path = uri.path();
    if path.starts_with("/wiki/api/") || path.starts_with("/api/") {
        crate::error::ApiError(portico_app::AppError::NotFound.into()).into_response()
    } else {
        crate::ui::not_found_page()
    }
}

/// A list response with `_links.next` and a `Link` header when more follow.
fn multi<T: serde::Serialize>(results: Vec<T>, next: Option<String>) -> Response {
    let link = next
        .as_ref()
        .and_then(|next| HeaderValue::from_str(&format!("<{next}>; rel=\"next\"")).ok());
    let body = MultiEntityResult {
        results,
        links: Links {
            webui: None,
            next,
            base: Some("/wiki".to_owned()),
        },
    };
    let mut response = Json(body).into_response();
    if let Some(link) = link {
        response.headers_mut().insert(header::LINK, link);
    }
    response
}

/// A slice of pages as a list response: each as `PageJson` (bodies when
/// `with_body`), the cursor of the next slice after the last page's id.
fn page_slice(
    slice: portico_app::Slice<portico_app::Page>,
    path: &str,
    params: &extract::Params,
    with_body: bool,
) -> Response {
    let next = match (slice.has_more, slice.items.last()) {
        (true, Some(last)) => Some(pagination::next_link(path, &params.pairs(), last.id.0)),
        _ => None,
    };
    multi(
        slice
            .items
            .into_iter()
            .map(|page| dto::PageJson::new(page, with_body))
            .collect(),
        next,
    )
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Portico REST API", description = "Confluence Cloud REST v2-compatible content API, plus Portico extensions (tags `portico-extensions` and `portico-admin`)."),
    paths(
        spaces::list, spaces::create, spaces::get_one,
        pages::list, pages::create, pages::get_one, pages::update, pages::delete,
        pages::children, pages::versions, pages::version,
        blogposts::list, blogposts::for_space, blogposts::create, blogposts::get_one, blogposts::update, blogposts::delete,
        blogposts::footer_comments, blogposts::comment, blogposts::labels, blogposts::attachments, blogposts::versions,
        labels::for_page, labels::add, labels::remove, labels::pages,
        attachments::for_page, attachments::upload, attachments::get_one, attachments::versions, attachments::download, attachments::thumbnail,
        trash::delete_attachment, trash::list, trash::empty, trash::restore_page, trash::restore_attachment,
        templates::list, templates::create, templates::get_one, templates::update, templates::delete, templates::create_page,
        comments::for_page, comments::create, comments::create_on_page, comments::get_one, comments::update, comments::delete, comments::children,
        inline_comments::for_page, inline_comments::create, inline_comments::get_one, inline_comments::update, inline_comments::delete, inline_comments::children,
        people::users_bulk, mentions::suggest,
        extensions::move_page, extensions::copy_page, extensions::diff, extensions::restore, extensions::archive, extensions::unarchive,
        permissions::space_permissions_list, permissions::set_space_permission, permissions::remove_space_permission,
        permissions::list_roles, permissions::create_role, permissions::update_role, permissions::delete_role,
        permissions::global_grants, permissions::set_global_grant, permissions::restrictions, permissions::set_restrictions,
        permissions::explain, permissions::admin_key, permissions::activate_admin_key, permissions::deactivate_admin_key,
        guests::assign, guests::unassign, guests::assignments, guests::set_guest_access,
        tokens::list, tokens::create, tokens::revoke,
        notifications::list, notifications::mark_read,
        notifications::space_watching, notifications::watch_space, notifications::unwatch_space,
        notifications::page_watching, notifications::watch_page, notifications::unwatch_page,
        reactions::page_reactions, reactions::react_page, reactions::unreact_page,
        reactions::comment_reactions, reactions::react_comment, reactions::unreact_comment,
        reactions::favourite, reactions::add_favourite, reactions::remove_favourite, reactions::favourites,
        admin::list_users, admin::get_user, admin::set_user_role, admin::set_org_admin, admin::deactivate_user, admin::reactivate_user, admin::delete_user,
        admin::list_groups, admin::create_group, admin::delete_group, admin::set_group_role, admin::add_group_member, admin::remove_group_member,
        admin_guests::list_guests, admin_guests::bulk_assign, admin_guests::bulk_unassign, admin_guests::bulk_extend,
        admin_guests::promote_guest, admin_guests::remove_guest, admin_guests::promote_group,
        admin::list_invitations, admin::invite, admin::resend_invitation, admin::revoke_invitation,
        admin::licences, admin::policies, admin::update_policies, admin::audit, admin::outbox,
        // Discovery
        feeds::recent, feeds::labels, feeds::activity, feeds::directory, feeds::profile, feeds::search_user, search::search, search::search_cql,
        notification_mail::settings, notification_mail::update_settings, notification_mail::send_digests,
    ),
    tags(
        (name = "spaces", description = "Confluence v2: spaces"),
        (name = "pages", description = "Confluence v2: pages, children and versions"),
        (name = "blogposts", description = "Confluence v2: blog posts (dated, newest first, in no page tree) and their comments, labels, attachments and versions"),
        (name = "comments", description = "Confluence v2: footer comments and their replies"),
        (name = "inline-comments", description = "Confluence v2: inline comments anchored to a text selection, their replies, resolving and reopening"),
        (name = "users", description = "Confluence v2: people by account id (a guest learns only people who share a space with them; no e-mails)"),
        (name = "portico-extensions", description = "Portico-only endpoints, not part of Confluence's API (among them page templates, `/api/portico/templates`: Confluence's v2 API has no templates)"),
        (name = "portico-admin", description = "Portico-only: the org admin's directory, guests, invitations, licences, policies, audit log and outbox. Not part of Confluence's API; to anyone but an org admin these endpoints answer 404"),
    )
)]
struct ApiDoc;

/// The OpenAPI document, as served at `/api/openapi.json`.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi_json() -> Response {
    Json(openapi_document()).into_response()
}
