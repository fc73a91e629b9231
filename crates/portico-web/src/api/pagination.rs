//! Cursor pagination as Confluence's v2 API does it: `limit` and an opaque
//! `cursor`; the response carries `_links.next` and a `Link: <...>; rel="next"`
//! header when more results follow.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{ApiError, WebError};

pub const DEFAULT_LIMIT: u64 = 25;
pub const MAX_LIMIT: u64 = 250;

/// Checks a `limit` parameter (1..=250, default 25).
pub fn limit(requested: Option<u64>) -> Result<u64, ApiError> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(n) => Err(ApiError(WebError::BadRequest(format!(
            "`limit` must be between 1 and {MAX_LIMIT}, not {n}"
        )))),
    }
}

/// An opaque cursor holding one number (an id or an offset, per endpoint).
pub fn encode_cursor(position: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("p:{position}"))
}

pub fn decode_cursor(cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("p:").and_then(|n| n.parse::<i64>().ok()))
        .filter(|n| *n >= 0)
        .map(Some)
        .ok_or_else(|| {
            ApiError(WebError::BadRequest(
                "`cursor` is not a cursor this API issued".to_owned(),
            ))
        })
}

/// The `next` link for a path and its query pairs, with the cursor replaced.
pub fn next_link(path: &str, pairs: &[(&str, String)], cursor: i64) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs.iter().filter(|(key, _)| *key != "cursor") {
        query.append_pair(key, value);
    }
    query.append_pair("cursor", &encode_cursor(cursor));
    format!("{path}?{}", query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        assert_eq!(decode_cursor(Some(&encode_cursor(42))).ok(), Some(Some(42)));
        assert_eq!(decode_cursor(None).ok(), Some(None));
        assert!(decode_cursor(Some("garbage!")).is_err());
        assert!(decode_cursor(Some(&URL_SAFE_NO_PAD.encode("p:-5"))).is_err());
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(limit(None).ok(), Some(DEFAULT_LIMIT));
        assert_eq!(limit(Some(250)).ok(), Some(250));
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(251)).is_err());
    }

    #[test]
    fn next_links_keep_filters_and_replace_the_cursor() {
        let link = next_link(
            "/wiki/api/v2/pages",
            &[("space-id", "7".into()), ("cursor", "old".into())],
            9,
        );
        assert!(link.starts_with("/wiki/api/v2/pages?space-id=7&cursor="));
        assert!(!link.contains("old"));
    }
}
