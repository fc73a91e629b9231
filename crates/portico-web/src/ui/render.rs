//! What every UI handler shares: the signed-in caller (with the name the top
//! bar shows), HTML responses and redirects, form and query extractors whose
//! failures render as HTML, and the one error page.

use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use portico_app::{AppError, PageId, Role, Viewer};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::auth::UiUser;
use crate::error::WebError;

/// The signed-in person as the top bar shows them, with the CSRF token the
/// sign-out form (and every other form) carries. `org_admin` and
/// `wiki_admin` only decide which admin links show; the use cases decide
/// access.
#[derive(Debug, Clone)]
pub(crate) struct Me {
    pub name: String,
    pub csrf: String,
    pub org_admin: bool,
    pub wiki_admin: bool,
    /// Unread notifications, for the top bar's count.
    pub unread: u64,
    /// Whether the top bar links the people directory (internal people
    /// only; the directory itself decides who may open it).
    pub directory: bool,
}

/// A UI caller: signed in (the [`Caller`] extractor sends anonymous visitors
/// to the sign-in page first), or an anonymous reader (see [`Reader`]).
pub(crate) struct Caller {
    user: UiUser,
    pub me: Option<Me>,
}

impl Caller {
    pub fn viewer(&self) -> &Viewer {
        &self.user.viewer
    }

    /// The top bar's data, for templates; `None` for anonymous readers.
    pub fn me(&self) -> Option<Me> {
        self.me.clone()
    }

    /// The CSRF token for forms ("" for anonymous readers, whose posts are
    /// refused anyway).
    pub fn csrf(&self) -> String {
        self.user.csrf.clone().unwrap_or_default()
    }

    /// Fails with a 403 page unless `submitted` is this session's CSRF token.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), UiError> {
        Ok(self.user.check_csrf(submitted)?)
    }

    async fn new(user: UiUser, state: &AppState) -> Result<Self, Response> {
        let (Some(id), Some(csrf)) = (user.viewer.user_id(), user.csrf.clone()) else {
            return Ok(Caller { user, me: None });
        };
        let name = state
            .app
            .people(&user.viewer, &[id])
            .await
            .map_err(|err| UiError::from(err).into_response())?
            .into_iter()
            .next()
            .map(|person| person.display_name)
            .unwrap_or_default();
        let unread = state
            .app
            .unread_notifications(&user.viewer)
            .await
            .map_err(|err| UiError::from(err).into_response())?;
        let org_admin = matches!(&user.viewer, Viewer::User(principal) if principal.org_admin);
        let wiki_admin = user.viewer.role() == Role::Admin;
        let directory = matches!(user.viewer.role(), Role::Member | Role::Admin);
        let me = Me {
            name,
            csrf,
            org_admin,
            wiki_admin,
            unread,
            directory,
        };
        Ok(Caller { user, me: Some(me) })
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = UiUser::signed_in(parts, state).await?;
        Caller::new(user, state).await
    }
}

/// A caller on a page that only reads: signed in, or — while anonymous access
/// is on for the site — an anonymous visitor (`me` is then `None`). Handlers
/// that change anything take a [`Caller`] instead.
pub(crate) struct Reader(pub Caller);

impl FromRequestParts<AppState> for Reader {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = UiUser::reader(parts, state).await?;
        Ok(Reader(Caller::new(user, state).await?))
    }
}

/// A signed-in org admin. Everyone else gets the plain 404 page, before any
/// form is read: to them the admin screens don't exist (the admin use cases
/// answer "not found" to them as well).
pub(crate) struct Admin(pub Caller);

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if caller.me.as_ref().is_some_and(|me| me.org_admin) {
            Ok(Admin(caller))
        } else {
            Err(not_found())
        }
    }
}

/// Any failure of a UI handler, rendered as the HTML error page.
#[derive(Debug)]
pub(crate) struct UiError(pub WebError);

impl<E: Into<WebError>> From<E> for UiError {
    fn from(err: E) -> Self {
        UiError(err.into())
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        self.0.log_if_internal();
        error_page(&self.0)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    me: Option<Me>,
    status: u16,
    heading: String,
    detail: Option<String>,
    sign_in: bool,
}

/// The error page for `err`. A 404 says nothing about what was asked for (so
/// missing and invisible things look the same); a 5xx says nothing at all.
fn error_page(err: &WebError) -> Response {
    let status = err.status();
    let heading = match status {
        StatusCode::NOT_FOUND => "Page not found",
        StatusCode::FORBIDDEN => "You can't do that here",
        StatusCode::UNAUTHORIZED => "Please sign in",
        StatusCode::GONE => "This link no longer works",
        s if s.is_server_error() => "Something went wrong",
        _ => "That didn't work",
    };
    html(
        status,
        &ErrorPage {
            me: None,
            status: status.as_u16(),
            heading: heading.to_owned(),
            detail: err.public_detail(),
            sign_in: status == StatusCode::UNAUTHORIZED,
        },
    )
}

/// The generic 404 page.
pub(crate) fn not_found() -> Response {
    error_page(&WebError::App(AppError::NotFound))
}

/// A page whose whole message is fixed (no error value behind it).
pub(crate) fn message_page(status: StatusCode, heading: &str, detail: &str) -> Response {
    html(
        status,
        &ErrorPage {
            me: None,
            status: status.as_u16(),
            heading: heading.to_owned(),
            detail: Some(detail.to_owned()),
            sign_in: false,
        },
    )
}

/// Renders `page` as an HTML response. Pages carry per-user data and CSRF
/// tokens, so nothing is cached.
pub(crate) fn html(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => {
            let mut response = (status, body).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(err) => {
            tracing::error!(error = %err, "template failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "Something went wrong.",
            )
                .into_response()
        }
    }
}

/// A redirect to a local `location`. Not cached: where a page lives changes
/// when it is moved or renamed.
pub(crate) fn redirect(status: StatusCode, location: &str) -> Response {
    let location =
        HeaderValue::from_str(location).unwrap_or_else(|_| HeaderValue::from_static("/"));
    (
        status,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
    )
        .into_response()
}

/// The answer to a successful form post (Post/Redirect/Get).
pub(crate) fn see_other(location: &str) -> Response {
    redirect(StatusCode::SEE_OTHER, location)
}

/// An error that belongs on the form that was just sent: its status and the
/// message to show above the user's input.
pub(crate) struct FormError {
    pub status: StatusCode,
    pub message: String,
}

impl FormError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

/// Sorts an application error: rule breaks, conflicts and refusals go back to
/// the form with the user's input; "not found", sign-in and server faults go
/// to the error page.
pub(crate) fn form_error(err: AppError) -> Result<FormError, UiError> {
    let err = WebError::from(err);
    let status = err.status();
    match err.public_detail() {
        Some(message) if status != StatusCode::UNAUTHORIZED => Ok(FormError { status, message }),
        _ => Err(UiError(err)),
    }
}

/// Parses a page id from a URL. A malformed id is just another page that
/// isn't there.
pub(crate) fn page_id(raw: &str) -> Result<PageId, UiError> {
    raw.parse::<PageId>()
        .map_err(|_| UiError(WebError::App(AppError::NotFound)))
}

/// An optional page id from a form or query: empty means none.
pub(crate) fn optional_page_id(field: &str, raw: &str) -> Result<Option<PageId>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<PageId>()
        .map(Some)
        .map_err(|_| format!("`{field}` must be a page id"))
}

/// A form body (`application/x-www-form-urlencoded`); malformed or oversized
/// bodies get the HTML error page.
pub(crate) struct UiForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for UiForm<T> {
    type Rejection = UiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(UiForm(value)),
            Err(rejection) => Err(UiError(match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => {
                    WebError::PayloadTooLarge("the form is too large to save".to_owned())
                }
                StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                    WebError::UnsupportedMediaType("expected a form submission".to_owned())
                }
                _ => WebError::BadRequest(rejection.body_text()),
            })),
        }
    }
}

/// A form's fields as sent, for forms with repeated fields (checkboxes).
pub(crate) struct FormFields(pub Vec<(String, String)>);

impl FormFields {
    /// The first value of `name`, or "".
    pub fn one(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }
}

/// Query parameters; malformed ones get the HTML error page.
pub(crate) struct UiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for UiQuery<T> {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(UiQuery(value)),
            Err(rejection) => Err(UiError(WebError::BadRequest(rejection.body_text()))),
        }
    }
}

/// The page behind a URL's id and its space, as `caller` may see them.
pub(crate) async fn page_and_space(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<(portico_app::Page, portico_app::Space), UiError> {
    let page = state.app.page(caller.viewer(), page_id(id)?).await?;
    let space = state.app.space(caller.viewer(), page.space_id).await?;
    Ok((page, space))
}

/// Like [`page_and_space`], for a page or a blog post (the comment and
/// label forms serve both).
pub(crate) async fn content_and_space(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<(portico_app::Page, portico_app::Space), UiError> {
    let page = state.app.content(caller.viewer(), page_id(id)?).await?;
    let space = state.app.space(caller.viewer(), page.space_id).await?;
    Ok((page, space))
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_core::ValidationError;

    #[test]
    fn form_errors_keep_rule_breaks_and_conflicts_only() {
        let invalid = form_error(ValidationError::new("title", "must not be empty").into());
        assert!(
            matches!(invalid, Ok(FormError { status, .. }) if status == StatusCode::BAD_REQUEST)
        );
        let conflict = form_error(AppError::Conflict("taken".into()));
        assert!(matches!(conflict, Ok(FormError { status, .. }) if status == StatusCode::CONFLICT));
        assert!(form_error(AppError::NotFound).is_err());
        assert!(form_error(AppError::Internal("boom".into())).is_err());
        assert!(form_error(AppError::Unauthenticated).is_err());
    }

    async fn body_of(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[tokio::test]
    async fn error_pages_say_only_what_may_be_said() {
        let response =
            UiError::from(AppError::Internal("db password wrong".into())).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = body_of(response).await;
        assert!(body.contains("Something went wrong"));
        assert!(!body.contains("db password"));

        let forbidden = UiError::from(AppError::Forbidden {
            permission: "admin",
            reason: "<b>space admins only</b>".into(),
        });
        let body = body_of(forbidden.into_response()).await;
        assert!(body.contains("&#60;b&#62;space admins only"), "{body}");

        let missing = body_of(UiError::from(AppError::NotFound).into_response()).await;
        assert!(missing.contains("Page not found"));
        assert_eq!(missing, body_of(not_found()).await);
    }

    #[test]
    fn malformed_page_ids_are_not_found() {
        assert!(page_id("12").is_ok());
        for raw in ["0", "-3", "abc", "1e3"] {
            let err = page_id(raw).err().map(|err| err.0.status());
            assert_eq!(err, Some(StatusCode::NOT_FOUND), "{raw}");
        }
    }

    #[test]
    fn optional_ids_accept_blank() {
        assert_eq!(optional_page_id("parentId", " "), Ok(None));
        assert_eq!(optional_page_id("parentId", "7"), Ok(Some(PageId(7))));
        assert!(optional_page_id("parentId", "x").is_err());
    }
}
