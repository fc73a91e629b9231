//! Validation errors that name the field and the rule that was broken.

/// Input that breaks a rule. `field` is the name a client sent; `rule` says
/// what was expected, in lower case, with the offending value in backticks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid `{field}`: {rule}")]
pub struct ValidationError {
    pub field: &'static str,
    pub rule: String,
}

impl ValidationError {
    pub fn new(field: &'static str, rule: impl Into<String>) -> Self {
        Self {
            field,
            rule: rule.into(),
        }
    }
}

/// Trims `value` and checks it is non-empty, at most `max` characters and free
/// of control characters. Returns the trimmed text.
pub fn single_line(
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<String, ValidationError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(ValidationError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ValidationError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_trims_and_enforces_rules() {
        assert_eq!(single_line("title", "  Hello ", 10), Ok("Hello".to_owned()));
        assert!(single_line("title", "   ", 10).is_err());
        assert!(single_line("title", "abcdefghijk", 10).is_err());
        assert!(single_line("title", "a\u{7}b", 10).is_err());
        assert_eq!(
            single_line("title", "é".repeat(10).as_str(), 10).map(|s| s.chars().count()),
            Ok(10)
        );
    }
}
