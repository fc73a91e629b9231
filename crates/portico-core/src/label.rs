//! Label names (SPEC 2.1): what a label may be, and its one spelling. Who may
//! label a page is the policy engine's (`Action::EditPage`, as in Confluence).

use crate::validation::ValidationError;

/// Longest label kept, in characters.
pub const MAX_LABEL_CHARS: usize = 100;
/// Most labels added in one request.
pub const MAX_LABELS_AT_ONCE: usize = 20;

/// Characters Confluence refuses in labels (they separate or quote them in
/// its search syntax and URLs).
const FORBIDDEN: &[char] = &[
    ':', ';', ',', '.', '?', '&', '[', ']', '(', ')', '#', '^', '*', '@', '!', '<', '>', '"', '\'',
    '/', '\\', '|', '{', '}', '%', '+', '=',
];

/// A label's one spelling: trimmed and lower case, one word, without the
/// characters labels can't hold.
pub fn label_name(raw: &str) -> Result<String, ValidationError> {
    let name = raw.trim().to_lowercase();
    if name.is_empty() {
        return Err(ValidationError::new("label", "must not be empty"));
    }
    if name.chars().count() > MAX_LABEL_CHARS {
        return Err(ValidationError::new(
            "label",
            format!("must be at most {MAX_LABEL_CHARS} characters"),
        ));
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ValidationError::new(
            "label",
            format!("`{name}` must be one word (use `-` or `_` between words)"),
        ));
    }
    if let Some(bad) = name.chars().find(|c| FORBIDDEN.contains(c)) {
        return Err(ValidationError::new(
            "label",
            format!("`{name}` must not contain `{bad}`"),
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_have_one_spelling() {
        assert_eq!(
            label_name("  Release-Notes "),
            Ok("release-notes".to_owned())
        );
        assert_eq!(label_name("Q3_2026").as_deref(), Ok("q3_2026"));
        assert_eq!(label_name("ÉTÉ").as_deref(), Ok("été"));
    }

    #[test]
    fn labels_are_one_word_without_separators() {
        for bad in [
            "",
            "  ",
            "two words",
            "a:b",
            "x,y",
            "tab\there",
            "<script>",
            "50%",
        ] {
            assert!(label_name(bad).is_err(), "{bad:?}");
        }
        assert!(label_name(&"a".repeat(MAX_LABEL_CHARS)).is_ok());
        assert!(label_name(&"a".repeat(MAX_LABEL_CHARS + 1)).is_err());
    }
}
