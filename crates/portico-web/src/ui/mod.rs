//! The server-rendered UI: HTML pages for spaces, pages, history and the page
//! tree, the sign-in and first-run setup pages, and the stylesheet. Every
//! change is a form post answered with a redirect (Post/Redirect/Get) and
//! checked against the session's CSRF token, and works without JavaScript;
//! the one static script (`static/inline-comments.js`) only fills the inline
//! comment form from a text selection.
//!
//! Code tour: `render` (the caller, responses, the error page) and `links`
//! (every URL) are shared; `session`, `account`, `spaces`, `pages`, `history`,
//! `attachments`, `tree`, `comments` (the page view's comment thread and its
//! forms), `inline_comments` (the highlighted threads beside the body and
//! their forms), `access` (a space's access screen, a page's restrictions), `trash`
//! (a space's trash: restore, purge, empty), `templates` (space and global
//! templates, "create from template") and
//! `notifications` (watch buttons, the notifications page) hold
//! the handlers, one small function per route; `admin` holds
//! the org admin's screens under `/admin`; `view` holds the view models
//! several pages share (the sidebar tree, timestamps, names).

mod access;
mod account;
mod admin;
mod attachments;
mod blog;
mod comments;
mod discovery;
mod drafts;
mod history;
mod inline_comments;
mod labels;
mod links;
mod notifications;
mod pages;
mod reactions;
mod render;
mod search;
mod session;
mod spaces;
mod templates;
mod trash;
mod tree;
mod two_step;
mod verify;
mod view;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub(crate) use render::message_page;

/// The largest form accepted: a 2 MiB body, URL-encoded (which can triple
/// it), plus the other fields.
const MAX_FORM_BYTES: usize = 7 * 1024 * 1024;

const STYLESHEET: &str = include_str!("../../static/portico.css");

/// The page view's only script: turns a text selection into the inline
/// comment form's fields (the form works without it).
const INLINE_SCRIPT: &str = include_str!("../../static/inline-comments.js");

/// A fingerprint of a static file, so its URL changes whenever it does and
/// browsers may cache it for good (FNV-1a).
const fn fingerprint(text: &str) -> u64 {
    let bytes = text.as_bytes();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

const STYLESHEET_HASH: u64 = fingerprint(STYLESHEET);
const INLINE_SCRIPT_HASH: u64 = fingerprint(INLINE_SCRIPT);

/// The inline comment script's URL, for the page view.
pub(crate) fn inline_script_href() -> String {
    format!("/static/inline-comments.js?v={INLINE_SCRIPT_HASH:016x}")
}

/// The stylesheet's URL, for the page layout.
pub(crate) fn stylesheet_href() -> String {
    format!("/static/portico.css?v={STYLESHEET_HASH:016x}")
}

pub(crate) fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route("/", get(discovery::home))
        .route("/wiki", get(home))
        .route("/wiki/", get(home))
        .route("/static/portico.css", get(stylesheet))
        .route("/static/inline-comments.js", get(inline_script))
        .route("/login", get(session::login_form).post(session::login))
        .route("/login/verify", get(verify::form).post(verify::submit))
        .route("/login/verify/send", post(verify::send))
        .route("/logout", post(session::logout))
        .route("/logout/everywhere", post(account::sign_out_everywhere))
        .route("/account", get(account::account))
        .route("/account/two-step", get(two_step::show))
        .route("/account/two-step/setup", post(two_step::setup))
        .route("/account/two-step/confirm", post(two_step::confirm))
        .route("/account/two-step/disable", post(two_step::disable))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/setup", get(session::setup_form).post(session::setup))
        .route(
            "/invitations/accept",
            get(account::accept_form).post(account::accept),
        )
        .route(
            "/password/forgot",
            get(account::forgot_form).post(account::forgot),
        )
        .route(
            "/password/reset",
            get(account::reset_form).post(account::reset),
        )
        .route("/admin", get(admin::overview))
        .route("/admin/users", get(admin::users::list))
        .route("/admin/users/{id}", get(admin::users::show))
        .route("/admin/users/{id}/role", post(admin::users::set_role))
        .route(
            "/admin/users/{id}/org-admin",
            post(admin::users::set_org_admin),
        )
        .route(
            "/admin/users/{id}/deactivate",
            post(admin::users::deactivate),
        )
        .route(
            "/admin/users/{id}/reactivate",
            post(admin::users::reactivate),
        )
        .route(
            "/admin/users/{id}/delete",
            get(admin::users::delete_form).post(admin::users::delete),
        )
        .route(
            "/admin/groups",
            get(admin::groups::list).post(admin::groups::create),
        )
        .route("/admin/groups/{id}", get(admin::groups::show))
        .route(
            "/admin/groups/{id}/members",
            post(admin::groups::add_member),
        )
        .route(
            "/admin/groups/{id}/members/{user}/remove",
            post(admin::groups::remove_member),
        )
        .route("/admin/groups/{id}/role", post(admin::groups::set_role))
        .route(
            "/admin/groups/{id}/promote",
            get(admin::groups::promote_form).post(admin::groups::promote),
        )
        .route("/admin/guests", get(admin::guests::list))
        .route("/admin/guests/bulk", post(admin::guests::bulk))
        .route(
            "/admin/guests/{id}/promote",
            get(admin::guests::promote_form).post(admin::guests::promote),
        )
        .route(
            "/admin/guests/{id}/remove",
            get(admin::guests::remove_form).post(admin::guests::remove),
        )
        .route(
            "/admin/groups/{id}/delete",
            get(admin::groups::delete_form).post(admin::groups::delete),
        )
        .route(
            "/admin/invitations",
            get(admin::invitations::list).post(admin::invitations::invite),
        )
        .route(
            "/admin/invitations/{id}/resend",
            post(admin::invitations::resend),
        )
        .route(
            "/admin/invitations/{id}/revoke",
            post(admin::invitations::revoke),
        )
        .route(
            "/admin/policies",
            get(admin::policies::show).post(admin::policies::save),
        )
        .route(
            "/admin/permissions",
            get(admin::permissions::global).post(admin::permissions::save_global),
        )
        .route(
            "/admin/permissions/add",
            post(admin::permissions::add_global),
        )
        .route(
            "/admin/space-roles",
            get(admin::permissions::roles).post(admin::permissions::create_role),
        )
        .route(
            "/admin/space-roles/{id}",
            post(admin::permissions::update_role),
        )
        .route(
            "/admin/space-roles/{id}/delete",
            post(admin::permissions::delete_role),
        )
        .route(
            "/admin/admin-key",
            get(admin::permissions::admin_key).post(admin::permissions::activate_key),
        )
        .route(
            "/admin/admin-key/deactivate",
            post(admin::permissions::deactivate_key),
        )
        .route("/admin/audit", get(admin::records::audit))
        .route("/admin/outbox", get(admin::records::outbox))
        .route(
            "/admin/templates",
            get(templates::global_list).post(templates::global_create),
        )
        .route(
            "/wiki/spaces/{key}/templates",
            get(templates::space_list).post(templates::space_create),
        )
        .route("/wiki/spaces/{key}/templates/use", get(templates::pick))
        .route(
            "/wiki/spaces/{key}/templates/{id}/use",
            get(templates::use_form).post(templates::use_template),
        )
        .route(
            "/wiki/templates/{id}/edit",
            get(templates::edit_form).post(templates::edit),
        )
        .route("/wiki/templates/{id}/delete", post(templates::delete))
        .route("/wiki/spaces", get(spaces::directory))
        .route(
            "/wiki/spaces/create",
            get(spaces::create_form).post(spaces::create),
        )
        .route("/wiki/spaces/{key}", get(spaces::overview))
        .route("/wiki/spaces/{key}/overview", get(spaces::overview))
        .route(
            "/wiki/spaces/{key}/settings",
            get(spaces::settings_form).post(spaces::settings),
        )
        .route("/wiki/spaces/{key}/archive", post(spaces::archive))
        .route("/wiki/spaces/{key}/watch", post(notifications::watch_space))
        .route(
            "/wiki/spaces/{key}/pages/{id}/watch",
            post(notifications::watch_page),
        )
        .route("/drafts", get(drafts::list))
        .route("/favourites", get(reactions::list))
        .route(
            "/wiki/spaces/{key}/pages/{id}/react",
            post(reactions::react),
        )
        .route(
            "/wiki/spaces/{key}/pages/{id}/favourite",
            post(reactions::set_favourite),
        )
        .route(
            "/wiki/spaces/{key}/pages/{id}/draft/discard",
            post(drafts::discard),
        )
        .route("/notifications", get(notifications::list))
        .route("/notifications/read", post(notifications::read_all))
        .route("/notifications/{id}/read", post(notifications::read_one))
        .route("/wiki/spaces/{key}/access", get(access::show))
        .route("/wiki/spaces/{key}/trash", get(trash::show))
        .route(
            "/wiki/spaces/{key}/trash/empty",
            get(trash::empty_form).post(trash::empty),
        )
        .route(
            "/wiki/spaces/{key}/trash/{kind}/{id}/restore",
            post(trash::restore),
        )
        .route(
            "/wiki/spaces/{key}/trash/{kind}/{id}/purge",
            get(trash::purge_form).post(trash::purge),
        )
        .route("/wiki/spaces/{key}/access/grant", post(access::grant))
        .route("/wiki/spaces/{key}/access/remove", post(access::remove))
        .route(
            "/wiki/spaces/{key}/access/guests/assign",
            post(access::assign_guest),
        )
        .route(
            "/wiki/spaces/{key}/access/guests/remove",
            post(access::unassign_guest),
        )
        .route(
            "/wiki/spaces/{key}/access/guests/allow",
            post(access::guest_access),
        )
        .route(
            "/wiki/spaces/{key}/access/permissions",
            post(access::save_grid),
        )
        .route(
            "/wiki/spaces/{key}/pages/create",
            get(pages::create_form).post(pages::create),
        )
        .route(
            "/wiki/spaces/{key}/pages/edit-v2/{id}",
            get(pages::edit_form).post(pages::edit),
        )
        .route("/wiki/spaces/{key}/pages/{id}", get(pages::view))
        .route(
            "/wiki/spaces/{key}/pages/{id}/{slug}",
            get(pages::view_titled),
        )
        .route(
            "/wiki/spaces/{key}/pages/{id}/comments",
            post(comments::add),
        )
        .route(
            "/wiki/spaces/{key}/pages/{id}/comments/{comment}/edit",
            post(comments::edit),
        )
        .route(
            "/wiki/spaces/{key}/pages/{id}/comments/{comment}/delete",
            post(comments::delete),
        )
        .route(
            "/wiki/spaces/{key}/pages/{id}/inline-comments",
            post(inline_comments::add),
        )
        .route(
            "/wiki/spaces/{key}/pages/{id}/inline-comments/{comment}/resolve",
            post(inline_comments::resolve),
        )
        .route(
            "/wiki/spaces/{key}/pages/{id}/inline-comments/{comment}/reopen",
            post(inline_comments::reopen),
        )
        .route(
            "/wiki/spaces/{key}/pages/{id}/inline-comments/{comment}/delete",
            post(inline_comments::delete),
        )
        .route("/wiki/spaces/{key}/pages/{id}/history", get(history::list))
        .route("/wiki/spaces/{key}/pages/{id}/labels", post(labels::add))
        .route(
            "/wiki/spaces/{key}/pages/{id}/labels/remove",
            post(labels::remove),
        )
        .route("/wiki/labels/{name}", get(labels::show))
        .route(
            "/wiki/spaces/{key}/pages/{id}/attachments",
            // Uploads stream under the app's own size limit.
            get(attachments::list)
                .post(attachments::upload)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/wiki/spaces/{key}/pages/{id}/attachments/{attachment}/delete",
            post(attachments::delete),
        )
        .route(
            "/wiki/spaces/{key}/pages/{id}/versions/{number}",
            get(history::version),
        )
        .route("/wiki/spaces/{key}/pages/{id}/diff", get(history::diff))
        .route(
            "/wiki/spaces/{key}/pages/{id}/restore",
            post(history::restore),
        )
        .route(
            "/wiki/spaces/{key}/pages/{id}/move",
            get(tree::move_form).post(tree::move_page),
        )
        .route(
            "/wiki/spaces/{key}/pages/{id}/copy",
            get(tree::copy_form).post(tree::copy_page),
        )
        .route(
            "/wiki/spaces/{key}/pages/{id}/restrictions",
            get(access::restrictions_form).post(access::restrict),
        )
        .route(
            "/wiki/spaces/{key}/pages/{id}/delete",
            get(tree::delete_form).post(tree::delete_page),
        )
        .route("/wiki/spaces/{key}/blog", get(blog::list))
        .route(
            "/wiki/spaces/{key}/blog/create",
            get(blog::create_form).post(blog::create),
        )
        .route(
            "/wiki/spaces/{key}/blog/edit/{id}",
            get(blog::edit_form).post(blog::edit),
        )
        .route("/wiki/spaces/{key}/blog/delete/{id}", post(blog::delete))
        .route("/wiki/spaces/{key}/blog/{year}/{month}", get(blog::month))
        .route(
            "/wiki/spaces/{key}/blog/{year}/{month}/{day}/{id}",
            get(blog::view),
        )
        .route(
            "/wiki/spaces/{key}/blog/{year}/{month}/{day}/{id}/{slug}",
            get(blog::view_titled),
        )
        .route("/wiki/blogposts/{id}", get(blog::by_id))
        .route("/wiki/pages/{id}", get(pages::by_id))
        .route("/wiki/display/{key}", get(pages::display_anywhere))
        .route("/wiki/display/{key}/{title}", get(pages::display))
        // Discovery: recently updated, space activity, popular labels, people and profiles.
        .route("/wiki/recent", get(discovery::recent))
        .route("/wiki/search", get(search::search))
        .route("/wiki/spaces/{key}/recent", get(discovery::space_recent))
        .route(
            "/wiki/spaces/{key}/activity",
            get(discovery::space_activity),
        )
        .route("/wiki/labels", get(discovery::labels))
        .route("/wiki/people", get(discovery::people))
        .route("/wiki/people/{account}", get(discovery::profile))
        // Notification e-mail: the account page's preference form.
        .route(
            "/account/notifications",
            post(account::save_notification_settings),
        )
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
}

/// The HTML 404 page, identical for missing and invisible things.
pub(crate) fn not_found_page() -> Response {
    render::not_found()
}

async fn home() -> Response {
    render::redirect(StatusCode::SEE_OTHER, links::HOME)
}

async fn inline_script() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        INLINE_SCRIPT,
    )
        .into_response()
}

async fn stylesheet() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        STYLESHEET,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_do_not_conflict() {
        // Conflicting routes panic when the router is built.
        let _router = routes().into_router();
    }

    #[test]
    fn the_stylesheet_url_carries_its_fingerprint() {
        assert_eq!(
            stylesheet_href(),
            format!("/static/portico.css?v={STYLESHEET_HASH:016x}")
        );
    }
}
