//! AST to text: the canonical form of a filter.
//!
//! Canonical means: keywords and operators in lower case, one space between tokens, names as they
//! were written, strings JSON-escaped, and parentheses exactly where the tree needs them — so the
//! text parses back to an equal [`Filter`].

use std::fmt::{self, Write as _};

use crate::ast::{AttrPath, CompValue, Filter};

/// How tightly the surrounding context binds: an operand that binds more loosely needs
/// parentheses (RFC 7644 §3.4.2.2: "not" > "and" > "or").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    Or,
    And,
    Unary,
}

impl fmt::Display for Filter {
    /// ```
    /// use scimkit_filter::Filter;
    /// let f = Filter::parse(r#"  UserName  EQ "bjensen"  AND NOT(title PR)"#)?;
    /// assert_eq!(f.to_string(), r#"UserName eq "bjensen" and not (title pr)"#);
    /// # Ok::<(), scimkit_filter::Error>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_filter(f, self, Prec::Or)
    }
}

/// Writes `filter` in a context of precedence `outer`. Recursion is bounded by the nesting depth,
/// which the parser limits; a hand-built tree deep enough to matter is rejected by
/// [`Filter::compile`] and can be checked with [`Filter::depth`].
fn write_filter(f: &mut fmt::Formatter<'_>, filter: &Filter, outer: Prec) -> fmt::Result {
    match filter {
        Filter::Compare { attr, op, value } => write!(f, "{attr} {op} {value}"),
        Filter::Present { attr } => write!(f, "{attr} pr"),
        Filter::ValuePath { attr, filter } => {
            write!(f, "{attr}[")?;
            write_filter(f, filter, Prec::Or)?;
            f.write_char(']')
        }
        Filter::Not(inner) => {
            f.write_str("not (")?;
            write_filter(f, inner, Prec::Or)?;
            f.write_char(')')
        }
        Filter::And(operands) => write_logical(f, operands, " and ", Prec::And, outer),
        Filter::Or(operands) => write_logical(f, operands, " or ", Prec::Or, outer),
    }
}

fn write_logical(
    f: &mut fmt::Formatter<'_>,
    operands: &[Filter],
    sep: &str,
    own: Prec,
    outer: Prec,
) -> fmt::Result {
    match operands {
        // Not valid syntax, but the parser and builder never make one: a hand-built empty
        // `And`/`Or` prints as empty parentheses, which fail to parse instead of meaning something.
        [] => f.write_str("()"),
        [only] => write_filter(f, only, outer),
        _ => {
            let parens = own < outer;
            if parens {
                f.write_char('(')?;
            }
            for (i, operand) in operands.iter().enumerate() {
                if i > 0 {
                    f.write_str(sep)?;
                }
                // A nested operator of the same kind came from parentheses (the parser keeps
                // `(a or b) or c` as written), so it needs them again.
                let inner = if own == Prec::Or {
                    Prec::And
                } else {
                    Prec::Unary
                };
                write_filter(f, operand, inner)?;
            }
            if parens {
                f.write_char(')')?;
            }
            Ok(())
        }
    }
}

impl fmt::Display for AttrPath {
    /// `[URI ":"] ATTRNAME ["." subAttr]`, names as written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = self.urn() {
            write!(f, "{urn}:")?;
        }
        f.write_str(self.name())?;
        if let Some(sub) = self.sub_attr() {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl fmt::Display for CompValue {
    /// The JSON text of the value.
    ///
    /// ```
    /// use scimkit_filter::CompValue;
    /// assert_eq!(CompValue::from(r#"say "hi" \ bye"#).to_string(), r#""say \"hi\" \\ bye""#);
    /// assert_eq!(CompValue::Decimal(1.0).to_string(), "1.0");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Int(n) => write!(f, "{n}"),
            CompValue::Decimal(n) if !n.is_finite() => f.write_str("null"),
            CompValue::Decimal(n) => {
                // `{}` prints the shortest text that reads back as the same f64, but `1.0` prints
                // as `1`, which would parse back as an integer.
                let text = n.to_string();
                f.write_str(&text)?;
                if !text.contains(['.', 'e', 'E']) {
                    f.write_str(".0")?;
                }
                Ok(())
            }
            CompValue::String(s) => write_json_string(f, s),
        }
    }
}

/// Writes `s` as a JSON string (RFC 7159 §7): `"` and `\` escaped, control characters escaped,
/// everything else as is.
pub(crate) fn write_json_string(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            c if c < ' ' => "",
            _ => continue,
        };
        f.write_str(&s[start..i])?;
        if escape.is_empty() {
            write!(f, "\\u{:04x}", u32::from(c))?;
        } else {
            f.write_str(escape)?;
        }
        start = i + c.len_utf8();
    }
    f.write_str(&s[start..])?;
    f.write_char('"')
}
