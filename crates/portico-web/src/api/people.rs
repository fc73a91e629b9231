//! People in the API: Confluence's account type (the one place it is
//! spelled) and `POST /wiki/api/v2/users-bulk`, which resolves the
//! `authorId`/`ownerId` of pages to names. A guest learns only people who
//! share a space with them; anyone else is left out exactly like an id that
//! names no one (SPEC.md 3.3). No e-mail addresses, to anyone.

use axum::Json;
use axum::extract::State;
use portico_app::{MAX_LOOKUP, Person, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiJson, parse_id};
use super::permissions_json::ResultsJson;
use crate::AppState;
use crate::auth::ApiSignedIn;
use crate::error::{ApiError, WebError};

/// Confluence's `accountType`: `guest` for guests, `atlassian` for everyone
/// else (as Confluence says for its own accounts).
pub fn account_type(is_guest: bool) -> &'static str {
    if is_guest { "guest" } else { "atlassian" }
}

/// The accounts to look up.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UsersBulkJson {
    /// 1 to 250 account ids.
    pub account_ids: Vec<String>,
}

/// A person, as far as the caller may know them.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonJson {
    pub account_id: String,
    /// `guest` or `atlassian`.
    pub account_type: String,
    pub display_name: String,
    pub is_guest: bool,
}

impl From<Person> for PersonJson {
    fn from(person: Person) -> Self {
        PersonJson {
            account_id: person.id.to_string(),
            account_type: account_type(person.is_guest).to_owned(),
            display_name: person.display_name,
            is_guest: person.is_guest,
        }
    }
}

/// Look up people by account id (Confluence v2). Unknown ids, inactive
/// accounts and — for guests — people who share no space with the caller
/// are left out of `results`, all alike.
#[utoipa::path(post, path = "/wiki/api/v2/users-bulk", tag = "users", request_body = UsersBulkJson,
    responses((status = 200, body = inline(ResultsJson<PersonJson>)),
        (status = 400, description = "Malformed JSON, a malformed id, or not 1 to 250 ids"),
        (status = 401), (status = 415)))]
pub async fn users_bulk(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    ApiJson(body): ApiJson<UsersBulkJson>,
) -> Result<Json<ResultsJson<PersonJson>>, ApiError> {
    if body.account_ids.len() > MAX_LOOKUP {
        // Before parsing: a huge list is refused without looking at it.
        return Err(WebError::BadRequest(format!(
            "`accountIds` must name 1 to {MAX_LOOKUP} accounts, not {}",
            body.account_ids.len()
        ))
        .into());
    }
    let ids = body
        .account_ids
        .iter()
        .map(|raw| parse_id::<UserId>(raw))
        .collect::<Result<Vec<_>, _>>()?;
    let people = state.app.known_people(&viewer, &ids).await?;
    Ok(Json(ResultsJson {
        results: people.into_iter().map(PersonJson::from).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_types_are_confluences() {
        assert_eq!(account_type(true), "guest");
        assert_eq!(account_type(false), "atlassian");
    }
}
