//! The records org admins read: `/admin/audit` (the audit log with filters,
//! newest first, paged towards older entries, with a link to the same view
//! as JSON) and `/admin/outbox` (the mail Portico sent or holds, each with
//! its full text, where admins copy invitation links when no SMTP server is
//! set up).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{AuditFilter, UserId};
use serde::Deserialize;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

use super::Frame;
use super::users::user_href;
use crate::AppState;
use crate::ui::render::{Admin, FormError, Me, UiError, UiQuery, html};
use crate::ui::view::{Names, Stamp};

/// Entries per audit page, and mails per outbox page.
const PAGE: u64 = 50;

#[derive(Deserialize, Default, Clone)]
pub(crate) struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target_kind: String,
    #[serde(default)]
    target_id: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    before: String,
}

/// The start of a `YYYY-MM-DD` day in UTC.
pub(crate) fn day_start(field: &str, raw: &str) -> Result<Option<OffsetDateTime>, FormError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    Date::parse(raw, format_description!("[year]-[month]-[day]"))
        .map(|date| Some(date.midnight().assume_utc()))
        .map_err(|_| {
            FormError::new(
                StatusCode::BAD_REQUEST,
                format!("`{field}` must be a date like 2025-01-31, not `{raw}`"),
            )
        })
}

impl AuditQuery {
    /// The filter these parameters ask for. `until` is inclusive: the whole
    /// day counts.
    fn filter(&self) -> Result<AuditFilter, FormError> {
        let bad = |message: String| FormError::new(StatusCode::BAD_REQUEST, message);
        let actor = match self.actor.trim() {
            "" => None,
            raw => Some(
                raw.parse::<UserId>()
                    .map_err(|_| bad(format!("`actor` must be a user id, not `{raw}`")))?,
            ),
        };
        let before = match self.before.trim() {
            "" => None,
            raw => Some(
                raw.parse::<i64>()
                    .map_err(|_| bad(format!("`before` must be an entry id, not `{raw}`")))?,
            ),
        };
        let text = |raw: &str| Some(raw.trim().to_owned()).filter(|t| !t.is_empty());
        Ok(AuditFilter {
            actor,
            action_prefix: text(&self.action),
            target_kind: text(&self.target_kind),
            target_id: text(&self.target_id),
            since: day_start("since", &self.since)?,
            until: day_start("until", &self.until)?.map(|day| day + time::Duration::days(1)),
            before,
            limit: PAGE,
        })
    }

    /// The filters as query pairs, without the paging position.
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("actor", self.actor.as_str()),
            ("action", self.action.as_str()),
            ("target_kind", self.target_kind.as_str()),
            ("target_id", self.target_id.as_str()),
            ("since", self.since.as_str()),
            ("until", self.until.as_str()),
        ]
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .collect()
    }

    /// This view with entries older than `before`.
    fn older_href(&self, before: i64) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in self.pairs() {
            query.append_pair(key, value.trim());
        }
        query.append_pair("before", &before.to_string());
        format!("/admin/audit?{}", query.finish())
    }

    /// The same filters on the JSON export (whose parameter names are
    /// camel-case; it takes the same dates).
    fn export_href(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in self.pairs() {
            let key = match key {
                "target_kind" => "targetKind",
                "target_id" => "targetId",
                other => other,
            };
            query.append_pair(key, value.trim());
        }
        let query = query.finish();
        if query.is_empty() {
            "/api/admin/audit".to_owned()
        } else {
            format!("/api/admin/audit?{query}")
        }
    }
}

struct EntryView {
    at: Stamp,
    actor: String,
    actor_href: Option<String>,
    action: String,
    target: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    me: Option<Me>,
    frame: Frame,
    query: AuditQuery,
    entries: Vec<EntryView>,
    older: Option<String>,
    export: String,
}

pub(crate) async fn audit(
    State(state): State<AppState>,
    Admin(caller): Admin,
    UiQuery(query): UiQuery<AuditQuery>,
) -> Result<Response, UiError> {
    let (entries, older, error) = match query.filter() {
        Ok(filter) => {
            let slice = state.app.audit_log(caller.viewer(), filter).await?;
            let names = Names::load(
                &state.app,
                caller.viewer(),
                slice.items.iter().map(|e| e.actor),
            )
            .await?;
            let older = match (slice.has_more, slice.items.last()) {
                (true, Some(last)) => Some(query.older_href(last.id)),
                _ => None,
            };
            let entries = slice
                .items
                .iter()
                .map(|entry| EntryView {
                    at: Stamp::new(entry.at),
                    actor: match entry.actor {
                        Some(id) => format!("{} (#{id})", names.of(Some(id))),
                        None => "Portico".to_owned(),
                    },
                    actor_href: entry.actor.map(user_href),
                    action: entry.action.clone(),
                    target: format!("{} {}", entry.target_kind, entry.target_id),
                    detail: match &entry.detail {
                        serde_json::Value::Object(map) if map.is_empty() => String::new(),
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    },
                })
                .collect();
            (entries, older, None)
        }
        Err(error) => (Vec::new(), None, Some(error)),
    };
    let (frame, status) = Frame::new("audit").with_error(error);
    Ok(html(
        status,
        &AuditPage {
            me: caller.me(),
            frame,
            export: query.export_href(),
            query,
            entries,
            older,
        },
    ))
}

struct MailView {
    recipient: String,
    subject: String,
    status: String,
    created: Stamp,
    attempts: i64,
    last_error: Option<String>,
    body: String,
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
struct OutboxPage {
    me: Option<Me>,
    frame: Frame,
    mails: Vec<MailView>,
    older: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct OutboxQuery {
    #[serde(default)]
    before: String,
}

pub(crate) async fn outbox(
    State(state): State<AppState>,
    Admin(caller): Admin,
    UiQuery(query): UiQuery<OutboxQuery>,
) -> Result<Response, UiError> {
    let before = query.before.trim().parse::<i64>().ok();
    let slice = state.app.outbox(caller.viewer(), before, PAGE).await?;
    let older = match (slice.has_more, slice.items.last()) {
        (true, Some(last)) => Some(format!("/admin/outbox?before={}", last.id)),
        _ => None,
    };
    Ok(html(
        StatusCode::OK,
        &OutboxPage {
            me: caller.me(),
            frame: Frame::new("outbox"),
            mails: slice
                .items
                .into_iter()
                .map(|mail| MailView {
                    recipient: mail.recipient,
                    subject: mail.subject,
                    status: mail.status.to_string(),
                    created: Stamp::new(mail.created_at),
                    attempts: mail.attempts,
                    last_error: mail.last_error,
                    body: mail.body,
                })
                .collect(),
            older,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn until_covers_the_whole_day_and_bad_dates_are_named() {
        let query = AuditQuery {
            since: "2025-03-01".into(),
            until: "2025-03-01".into(),
            ..AuditQuery::default()
        };
        let filter = query.filter().ok();
        let span = filter.and_then(|f| Some(f.until? - f.since?));
        assert_eq!(span, Some(time::Duration::days(1)));
        let bad = AuditQuery {
            since: "March".into(),
            ..AuditQuery::default()
        };
        assert_eq!(
            bad.filter().err().map(|e| e.message).as_deref(),
            Some("`since` must be a date like 2025-01-31, not `March`")
        );
    }

    #[test]
    fn paging_and_export_links_keep_the_filters() {
        let query = AuditQuery {
            action: "invitation.".into(),
            target_kind: "user".into(),
            ..AuditQuery::default()
        };
        assert_eq!(
            query.older_href(40),
            "/admin/audit?action=invitation.&target_kind=user&before=40"
        );
        assert_eq!(
            query.export_href(),
            "/api/admin/audit?action=invitation.&targetKind=user"
        );
    }
}
