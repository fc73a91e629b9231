//! Notices by e-mail over the API: your e-mail preference
//! (`GET`/`PUT /api/portico/me/notification-settings`, tag
//! `portico-extensions`) and the org admin's "send the digests now"
//! (`POST /api/admin/notifications/send-digests`, tag `portico-admin`; the
//! plain 404 to anyone else), which `portico serve` otherwise runs every
//! `notifications.email_batch_minutes`.

use axum::Json;
use axum::extract::State;
use portico_app::{DigestReport, EmailPreference};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::ApiJson;
use crate::AppState;
use crate::auth::{ApiAdmin, ApiSignedIn};
use crate::error::ApiError;

/// How notices reach you by e-mail.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NotificationSettingsJson {
    /// `batched` (one mail now and then listing what happened; the default)
    /// or `never` (the in-product list only).
    pub email: String,
}

impl From<EmailPreference> for NotificationSettingsJson {
    fn from(preference: EmailPreference) -> Self {
        Self {
            email: preference.as_str().to_owned(),
        }
    }
}

/// Your notification settings.
#[utoipa::path(get, path = "/api/portico/me/notification-settings", tag = "portico-extensions",
    responses((status = 200, body = NotificationSettingsJson), (status = 401)))]
pub async fn settings(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
) -> Result<Json<NotificationSettingsJson>, ApiError> {
    Ok(Json(state.app.email_preference(&viewer).await?.into()))
}

/// Change your notification settings.
#[utoipa::path(put, path = "/api/portico/me/notification-settings", tag = "portico-extensions",
    request_body = NotificationSettingsJson,
    responses((status = 200, body = NotificationSettingsJson),
        (status = 400, description = "An unknown field or value"), (status = 401), (status = 415), (status = 422)))]
pub async fn update_settings(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    ApiJson(body): ApiJson<NotificationSettingsJson>,
) -> Result<Json<NotificationSettingsJson>, ApiError> {
    let preference = state.app.set_email_preference(&viewer, &body.email).await?;
    Ok(Json(preference.into()))
}

/// What a digest run did.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DigestReportJson {
    /// Mails queued in the outbox, one per recipient with something to tell.
    pub mails: u32,
    /// Notices listed in them.
    pub listed: u32,
    /// Notices whose recipient can't view them any more (never mailed).
    pub dropped: u32,
    /// Notices of people who turned notification mail off.
    pub opted_out: u32,
}

impl From<DigestReport> for DigestReportJson {
    fn from(report: DigestReport) -> Self {
        Self {
            mails: report.mails,
            listed: report.listed,
            dropped: report.dropped,
            opted_out: report.opted_out,
        }
    }
}

/// Send the notification digests now instead of at the next batch.
#[utoipa::path(post, path = "/api/admin/notifications/send-digests", tag = "portico-admin",
    responses((status = 200, body = DigestReportJson), (status = 401), (status = 404)))]
pub async fn send_digests(
    State(state): State<AppState>,
    ApiAdmin(viewer): ApiAdmin,
) -> Result<Json<DigestReportJson>, ApiError> {
    Ok(Json(
        state
            .app
            .send_notification_digests_now(&viewer)
            .await?
            .into(),
    ))
}
