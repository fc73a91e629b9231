//! Portico over HTTP: the server-rendered UI (`ui`), the Confluence-compatible
//! REST API at `/wiki/api/v2` (`api`), and the plumbing they share (sign-in
//! from cookies, error mapping). Handlers only parse, call one `App` use case
//! and render.

mod api;
mod auth;
mod error;
mod files;
mod rate_limit;
mod routes;
mod ui;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use portico_app::App;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use api::openapi_document;

/// What the HTTP layer needs besides the application.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// The address people reach Portico at, e.g. `https://wiki.example.com`;
    /// used for absolute links. Cookies are `Secure` when it is `https`.
    pub public_base_url: String,
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub settings: WebSettings,
}

impl AppState {
    pub(crate) fn secure_cookies(&self) -> bool {
        self.settings.public_base_url.starts_with("https://")
    }
}

/// The whole HTTP surface. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()`: sign-in attempts
/// are limited and audited per client address.
pub fn router(state: AppState) -> Router {
    let limiter = Arc::new(rate_limit::RateLimiter::default());
    routes()
        .into_router()
        .fallback(api::fallback)
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(
            limiter,
            rate_limit::limit_guesses,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(60)))
        .layer(CatchPanicLayer::custom(|_| error::internal_error_response()))
        .layer(TraceLayer::new_for_http())
}

fn routes() -> routes::Routes {
    routes::Routes::new()
        .route("/healthz", get(healthz))
        .merge(ui::routes())
        .merge(api::routes())
}

/// Every path the router serves, as registered (with `{param}` segments).
/// The leak test compares the routes it crawls with this list.
pub fn route_paths() -> Vec<&'static str> {
    routes().paths().to_vec()
}

/// Readiness: 200 once the database answers.
async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    if state.app.ready().await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}
