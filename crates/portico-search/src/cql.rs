//! The subset of Confluence Query Language that clients send to
//! `/wiki/rest/api/search` and `/wiki/rest/api/content/search`:
//! `field op value` clauses joined by `AND` (and `NOT`), `IN (...)` lists,
//! and `ORDER BY`. Names (space keys, account ids) are left to the caller to
//! resolve. Anything else is refused with a message naming it.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
#[error("CQL: {0}")]
pub struct CqlError(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CqlField {
    /// `text`, `siteSearch`: title or body.
    Text,
    Title,
    /// `space`, `space.key`.
    Space,
    Type,
    Label,
    Creator,
    Contributor,
    /// `lastmodified`, `lastModified`.
    LastModified,
    Created,
    /// `id`, `content`: one piece of content by id.
    Id,
    /// Pages under a page.
    Ancestor,
}

impl CqlField {
    fn parse(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "text" | "sitesearch" => Self::Text,
            "title" => Self::Title,
            "space" | "space.key" => Self::Space,
            "type" => Self::Type,
            "label" => Self::Label,
            "creator" => Self::Creator,
            "contributor" => Self::Contributor,
            "lastmodified" => Self::LastModified,
            "created" => Self::Created,
            "id" | "content" => Self::Id,
            "ancestor" => Self::Ancestor,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CqlOperator {
    Equals,
    NotEquals,
    Contains,
    NotContains,
    In,
    NotIn,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CqlValue(pub String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CqlClause {
    pub field: CqlField,
    pub operator: CqlOperator,
    pub values: Vec<CqlValue>,
    /// Preceded by `NOT`.
    pub negated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CqlOrder {
    Relevance,
    LastModified { descending: bool },
    Created { descending: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CqlQuery {
    pub clauses: Vec<CqlClause>,
    pub order: CqlOrder,
}

/// The longest CQL accepted.
pub const MAX_CQL_BYTES: usize = 4096;

pub fn parse_cql(input: &str) -> Result<CqlQuery, CqlError> {
    if input.len() > MAX_CQL_BYTES {
        return Err(CqlError(format!("longer than {MAX_CQL_BYTES} bytes")));
    }
    let tokens = tokenize(input)?;
    let mut parser = Parser { tokens, at: 0 };
    parser.query()
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Operator(&'static str),
    Open,
    Close,
    Comma,
}

fn tokenize(input: &str) -> Result<Vec<Token>, CqlError> {
    let mut tokens = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | ',' => {
                chars.next();
                tokens.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    _ => Token::Comma,
                });
            }
            '"' | '\'' => {
                chars.next();
                let mut text = String::new();
                let mut closed = false;
                while let Some((_, next)) = chars.next() {
                    match next {
                        '\\' => {
                            if let Some((_, escaped)) = chars.next() {
                                text.push(escaped);
                            }
                        }
                        quote if quote == c => {
                            closed = true;
                            break;
                        }
                        other => text.push(other),
                    }
                }
                if !closed {
                    return Err(CqlError(format!("unclosed quote at {start}")));
                }
                tokens.push(Token::Quoted(text));
            }
            '=' | '!' | '~' | '<' | '>' => {
                let rest = &input[start..];
                let operator = ["!=", "!~", ">=", "<=", "=", "~", ">", "<"]
                    .into_iter()
                    .find(|op| rest.starts_with(op))
                    .ok_or_else(|| CqlError(format!("unknown operator at {start}")))?;
                for _ in 0..operator.len() {
                    chars.next();
                }
                tokens.push(Token::Operator(operator));
            }
            _ => {
                let mut end = start;
                while let Some(&(i, next)) = chars.peek() {
                    if next.is_whitespace() || "()=,!~<>\"'".contains(next) {
                        break;
                    }
                    end = i + next.len_utf8();
                    chars.next();
                }
                tokens.push(Token::Word(input[start..end].to_owned()));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn query(&mut self) -> Result<CqlQuery, CqlError> {
        let mut clauses = Vec::new();
        if self.peek().is_some() && !self.keyword("order") {
            clauses.push(self.clause()?);
            while self.keyword("and") {
                self.at += 1;
                clauses.push(self.clause()?);
            }
            if self.keyword("or") {
                return Err(CqlError(
                    "OR is not supported; use IN (…) for several values of one field".to_owned(),
                ));
            }
        }
        let order = if self.keyword("order") {
            self.at += 1;
            if !self.keyword("by") {
                return Err(CqlError("expected BY after ORDER".to_owned()));
            }
            self.at += 1;
            self.order()?
        } else {
            CqlOrder::Relevance
        };
        match self.peek() {
            None => Ok(CqlQuery { clauses, order }),
            Some(token) => Err(CqlError(format!("unexpected {}", describe(token)))),
        }
    }

    fn clause(&mut self) -> Result<CqlClause, CqlError> {
        let negated = self.keyword("not");
        if negated {
            self.at += 1;
        }
        let field = match self.next() {
            Some(Token::Word(name)) => CqlField::parse(&name)
                .ok_or_else(|| CqlError(format!("unsupported field {name:?}")))?,
            Some(Token::Open) => {
                return Err(CqlError("parentheses are not supported".to_owned()));
            }
            Some(token) => {
                return Err(CqlError(format!(
                    "expected a field, found {}",
                    describe(&token)
                )));
            }
            None => return Err(CqlError("expected a field".to_owned())),
        };
        let operator = match self.next() {
            Some(Token::Operator(op)) => match op {
                "=" => CqlOperator::Equals,
                "!=" => CqlOperator::NotEquals,
                "~" => CqlOperator::Contains,
                "!~" => CqlOperator::NotContains,
                ">" => CqlOperator::Greater,
                ">=" => CqlOperator::GreaterOrEqual,
                "<" => CqlOperator::Less,
                _ => CqlOperator::LessOrEqual,
            },
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("in") => CqlOperator::In,
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("not") => match self.next() {
                Some(Token::Word(w)) if w.eq_ignore_ascii_case("in") => CqlOperator::NotIn,
                _ => return Err(CqlError("expected IN after NOT".to_owned())),
            },
            _ => return Err(CqlError("expected an operator".to_owned())),
        };
        let values = if matches!(operator, CqlOperator::In | CqlOperator::NotIn) {
            self.list()?
        } else {
            vec![self.value()?]
        };
        Ok(CqlClause {
            field,
            operator,
            values,
            negated,
        })
    }

    fn value(&mut self) -> Result<CqlValue, CqlError> {
        match self.next() {
            Some(Token::Quoted(text)) => Ok(CqlValue(text)),
            Some(Token::Word(word)) => {
                if matches!(self.peek(), Some(Token::Open)) {
                    return Err(CqlError(format!(
                        "functions such as {word}() are not supported"
                    )));
                }
                Ok(CqlValue(word))
            }
            _ => Err(CqlError("expected a value".to_owned())),
        }
    }

    fn list(&mut self) -> Result<Vec<CqlValue>, CqlError> {
        if self.next() != Some(Token::Open) {
            return Err(CqlError("expected ( after IN".to_owned()));
        }
        let mut values = vec![self.value()?];
        loop {
            match self.next() {
                Some(Token::Comma) => values.push(self.value()?),
                Some(Token::Close) => return Ok(values),
                _ => return Err(CqlError("expected , or ) in a list".to_owned())),
            }
        }
    }

    fn order(&mut self) -> Result<CqlOrder, CqlError> {
        let field = match self.next() {
            Some(Token::Word(name)) => name.to_ascii_lowercase(),
            _ => return Err(CqlError("expected a field after ORDER BY".to_owned())),
        };
        let descending = if self.keyword("desc") {
            self.at += 1;
            true
        } else {
            if self.keyword("asc") {
                self.at += 1;
            }
            false
        };
        match field.as_str() {
            "lastmodified" => Ok(CqlOrder::LastModified { descending }),
            "created" => Ok(CqlOrder::Created { descending }),
            other => Err(CqlError(format!("ordering by {other:?} is not supported"))),
        }
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word(w) => format!("{w:?}"),
        Token::Quoted(q) => format!("\"{q}\""),
        Token::Operator(op) => (*op).to_owned(),
        Token::Open => "(".to_owned(),
        Token::Close => ")".to_owned(),
        Token::Comma => ",".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(field: CqlField, operator: CqlOperator, values: &[&str]) -> CqlClause {
        CqlClause {
            field,
            operator,
            values: values.iter().map(|v| CqlValue((*v).to_owned())).collect(),
            negated: false,
        }
    }

    #[test]
    fn what_clients_send() {
        let parsed = parse_cql(
            r#"type = page AND space in (DOC, "OPS") and text ~ "launch plan" AND label != draft order by lastmodified desc"#,
        );
        assert_eq!(
            parsed,
            Ok(CqlQuery {
                clauses: vec![
                    clause(CqlField::Type, CqlOperator::Equals, &["page"]),
                    clause(CqlField::Space, CqlOperator::In, &["DOC", "OPS"]),
                    clause(CqlField::Text, CqlOperator::Contains, &["launch plan"]),
                    clause(CqlField::Label, CqlOperator::NotEquals, &["draft"]),
                ],
                order: CqlOrder::LastModified { descending: true },
            })
        );
        let only_order = parse_cql("ORDER BY created");
        assert_eq!(
            only_order.map(|q| (q.clauses.len(), q.order)),
            Ok((0, CqlOrder::Created { descending: false }))
        );
        let not = parse_cql("NOT label = x AND space.key NOT IN (A)").map(|q| q.clauses);
        assert_eq!(
            not,
            Ok(vec![
                CqlClause {
                    negated: true,
                    ..clause(CqlField::Label, CqlOperator::Equals, &["x"])
                },
                clause(CqlField::Space, CqlOperator::NotIn, &["A"]),
            ])
        );
        let escaped = parse_cql(r#"title ~ 'it\'s'"#).map(|q| q.clauses);
        assert_eq!(
            escaped,
            Ok(vec![clause(
                CqlField::Title,
                CqlOperator::Contains,
                &["it's"]
            )])
        );
    }

    #[test]
    fn refuses_what_it_does_not_support_by_name() {
        let cases = [
            ("space = A OR space = B", "OR is not supported"),
            ("favourite = me", "unsupported field \"favourite\""),
            ("lastmodified > now(\"-4w\")", "functions such as now()"),
            ("title ~ \"open", "unclosed quote"),
            ("type = page ORDER BY title", "ordering by \"title\""),
            ("(type = page)", "parentheses"),
            ("type page", "expected an operator"),
            ("space in (A, B", "expected , or )"),
            ("type = page extra", "unexpected \"extra\""),
        ];
        for (input, expected) in cases {
            let message = parse_cql(input).err().map(|CqlError(m)| m);
            assert!(
                message.as_deref().is_some_and(|m| m.contains(expected)),
                "{input}: {message:?}"
            );
        }
        assert!(parse_cql(&"x".repeat(MAX_CQL_BYTES + 1)).is_err());
    }
}
