//! Request extractors whose failures speak the API's error shape: a body that
//! isn't JSON is 415, malformed JSON 400, an oversized body 413, a bad query
//! parameter or id 400.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, WebError};

/// JSON request body.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let value = match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(value)) => value,
            Err(rejection) => return Err(ApiError(json_rejection(rejection))),
        };
        // Every body is an object: serde would otherwise read an array as the
        // fields in order, so `[]` or `["x"]` could pass for a request.
        if !value.is_object() {
            return Err(ApiError(WebError::BadRequest(
                "the request body must be a JSON object".to_owned(),
            )));
        }
        // The error names the field it is about (`role: invalid type ...`).
        serde_path_to_error::deserialize(value)
            .map(ApiJson)
            .map_err(|err| {
                ApiError(WebError::BadRequest(format!(
                    "the JSON body doesn't fit this request: {err}"
                )))
            })
    }
}

fn json_rejection(rejection: JsonRejection) -> WebError {
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            WebError::PayloadTooLarge("the request body is too large".to_owned())
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => WebError::UnsupportedMediaType(
            "expected a JSON body with `Content-Type: application/json`".to_owned(),
        ),
        _ => WebError::BadRequest(rejection.body_text()),
    }
}

/// Parses a typed id from a path segment: a malformed id is a 400 naming it.
pub fn parse_id<T: std::str::FromStr<Err = portico_core::ids::InvalidId>>(
    raw: &str,
) -> Result<T, ApiError> {
    raw.parse::<T>()
        .map_err(|err| ApiError(WebError::BadRequest(err.to_string())))
}

/// Raw query pairs, for parameters that may repeat (`keys=A&keys=B`) or hold
/// comma-separated lists (`keys=A,B`), as Confluence clients send both.
pub struct Params(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        Ok(Params(
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        ))
    }
}

impl Params {
    /// The single value of `name`; a repeated parameter is a 400.
    pub fn one(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut values = self
            .0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(ApiError(WebError::BadRequest(format!(
                "`{name}` may be given only once"
            ))));
        }
        Ok(first)
    }

    /// A boolean parameter: `true` or `false`, absent is false; anything
    /// else is a 400 naming it.
    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.one(name)? {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(ApiError(WebError::BadRequest(format!(
                "`{name}` must be `true` or `false`, not `{other}`"
            )))),
        }
    }

    /// Every value of `name`, repeated or comma-separated, without blanks.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .flat_map(|(_, value)| value.split(','))
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// A numeric parameter; anything else is a 400 naming it.
    pub fn number(&self, name: &str) -> Result<Option<u64>, ApiError> {
        match self.one(name)? {
            None => Ok(None),
            Some(raw) => raw.parse::<u64>().map(Some).map_err(|_| {
                ApiError(WebError::BadRequest(format!(
                    "`{name}` must be a non-negative number, not `{raw}`"
                )))
            }),
        }
    }

    /// The pairs to carry into a `next` link.
    pub fn pairs(&self) -> Vec<(&str, String)> {
        self.0
            .iter()
            .map(|(key, value)| (key.as_str(), value.clone()))
            .collect()
    }
}
