//! What a person types in the search box: words, and "quoted phrases".

use crate::query::TextTerm;

/// The most words or phrases one query may hold.
pub const MAX_TERMS: usize = 32;

/// Splits search text into words and quoted phrases (an unclosed quote runs
/// to the end). At most [`MAX_TERMS`] are kept; empty input gives none.
pub fn parse_text(input: &str) -> Vec<TextTerm> {
    let mut terms = Vec::new();
    let mut rest = input;
    while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
        rest = &rest[start..];
        if let Some(quoted) = rest.strip_prefix('"') {
            let (phrase, after) = match quoted.find('"') {
                Some(end) => (&quoted[..end], &quoted[end + 1..]),
                None => (quoted, ""),
            };
            if !phrase.trim().is_empty() {
                terms.push(TextTerm::Phrase(phrase.trim().to_owned()));
            }
            rest = after;
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"')
                .unwrap_or(rest.len());
            terms.push(TextTerm::Word(rest[..end].to_owned()));
            rest = &rest[end..];
        }
        if terms.len() == MAX_TERMS {
            break;
        }
    }
    terms
}

/// A day as search filters take it: `2026-03-01` or `2026/03/01`, maybe
/// followed by a time (ignored: dates compare by day).
pub fn parse_day(raw: &str) -> Option<time::Date> {
    let day = raw.split_whitespace().next()?.replace('/', "-");
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(&day, &format).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_with_dashes_or_slashes() {
        let day = time::macros::date!(2026 - 03 - 01);
        for raw in ["2026-03-01", "2026/03/01", "2026-03-01 10:30"] {
            assert_eq!(parse_day(raw), Some(day), "{raw}");
        }
        for raw in ["", "yesterday", "2026-13-01", "01-03-2026"] {
            assert_eq!(parse_day(raw), None, "{raw}");
        }
    }
    use TextTerm::{Phrase, Word};

    #[test]
    fn words_and_phrases() {
        let cases: [(&str, Vec<TextTerm>); 5] = [
            ("", vec![]),
            ("  roadmap  ", vec![Word("roadmap".into())]),
            (
                "q3 \"launch plan\" budget",
                vec![
                    Word("q3".into()),
                    Phrase("launch plan".into()),
                    Word("budget".into()),
                ],
            ),
            ("\"unclosed phrase", vec![Phrase("unclosed phrase".into())]),
            ("a\"b c\"", vec![Word("a".into()), Phrase("b c".into())]),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_text(input), expected, "{input:?}");
        }
    }

    #[test]
    fn keeps_at_most_max_terms() {
        let input = "w ".repeat(MAX_TERMS * 2);
        assert_eq!(parse_text(&input).len(), MAX_TERMS);
    }
}
