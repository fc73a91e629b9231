//! The route table: the axum router together with the list of paths it was
//! given, so the leak test can compare the routes it crawls with the routes
//! that really exist (axum can't list a router's routes).

use std::convert::Infallible;

use axum::Router;
use axum::extract::Request;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, Route};
use tower::{Layer, Service};

use crate::AppState;

/// A router under construction and the paths registered on it so far.
#[derive(Default)]
pub(crate) struct Routes {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl Routes {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// As [`Router::route`], remembering the path.
    pub(crate) fn route(mut self, path: &'static str, handler: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, handler);
        self.paths.push(path);
        self
    }

    /// As [`Router::layer`]: wraps every route registered so far.
    pub(crate) fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        self.router = self.router.layer(layer);
        self
    }

    pub(crate) fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.paths.extend(other.paths);
        self
    }

    pub(crate) fn into_router(self) -> Router<AppState> {
        self.router
    }

    pub(crate) fn paths(&self) -> &[&'static str] {
        &self.paths
    }
}
