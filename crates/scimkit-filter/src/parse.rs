//! Text to AST: the limits check, the nesting pre-scan, pest, and the conversion of pest's pairs
//! into [`Filter`], [`Path`] and [`AttrPath`]. pest stays private to this module.

use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;
use pest::Parser as _;

use crate::ast::{AttrPath, CompValue, CompareOp, Filter};
use crate::error::{Closing, Context, Error, ErrorKind, Span};
use crate::limits::{Interop, Options};
use crate::path::Path;

#[derive(pest_derive::Parser)]
#[grammar = "filter.pest"]
struct Grammar;

/// Parses a whole filter (RFC 7644 §3.4.2.2 `FILTER`).
pub(crate) fn filter(text: &str, options: &Options) -> Result<Filter, Error> {
    let cx = Context::Filter;
    let top = run(Rule::filter, text, options, cx)?;
    let converter = Converter {
        interop: options.interop,
        cx,
    };
    converter.or_exp(child(top, Rule::or_exp), false)
}

/// Parses a PATCH path (RFC 7644 §3.5.2 `PATH`).
pub(crate) fn path(text: &str, options: &Options) -> Result<Path, Error> {
    let cx = Context::Path;
    let top = run(Rule::path, text, options, cx)?;
    let converter = Converter {
        interop: options.interop,
        cx,
    };
    let mut attr = None;
    let mut filter = None;
    let mut sub_attr = None;
    for p in top.into_inner() {
        match p.as_rule() {
            Rule::attr_path => attr = Some(converter.attr_path(p)),
            Rule::or_exp => filter = Some(converter.or_exp(p, true)?),
            Rule::sub_attr => sub_attr = Some(child(p, Rule::attr_name).as_str().into()),
            _ => {}
        }
    }
    let attr = attr.unwrap_or_else(|| unreachable!("grammar: a path starts with an attrPath"));
    Ok(Path::from_parts(attr, filter, sub_attr))
}

/// Parses one attribute path (`sortBy`).
pub(crate) fn attr_path(text: &str, options: &Options) -> Result<AttrPath, Error> {
    let cx = Context::Path;
    let top = run(Rule::attr_path_only, text, options, cx)?;
    Ok(Converter {
        interop: options.interop,
        cx,
    }
    .attr_path(child(top, Rule::attr_path)))
}

/// Parses a comma-separated list of attribute paths (`attributes`, `excludedAttributes`).
pub(crate) fn attr_path_list(text: &str, options: &Options) -> Result<Vec<AttrPath>, Error> {
    let cx = Context::Path;
    let top = run(Rule::attr_path_list, text, options, cx)?;
    let converter = Converter {
        interop: options.interop,
        cx,
    };
    Ok(top
        .into_inner()
        .filter(|p| p.as_rule() == Rule::attr_path)
        .map(|p| converter.attr_path(p))
        .collect())
}

/// Checks the limits, then runs pest and returns the entry rule's pair.
fn run<'t>(
    rule: Rule,
    text: &'t str,
    options: &Options,
    cx: Context,
) -> Result<Pair<'t, Rule>, Error> {
    let max = options.limits.max_len;
    if text.len() > max {
        return Err(Error::new(
            ErrorKind::TooLong {
                len: text.len(),
                max,
            },
            None,
            cx,
        ));
    }
    prescan(text, options.limits.depth(), cx)?;
    let mut pairs = Grammar::parse(rule, text).map_err(|e| syntax_error(text, &e, cx))?;
    Ok(pairs
        .next()
        .unwrap_or_else(|| unreachable!("grammar: the entry rule yields one pair")))
}

/// The one child of `pair` with rule `rule`.
fn child(pair: Pair<'_, Rule>, rule: Rule) -> Pair<'_, Rule> {
    pair.into_inner()
        .find(|p| p.as_rule() == rule)
        .unwrap_or_else(|| unreachable!("grammar: expected a {rule:?} child"))
}

/// Checks bracket nesting before pest runs, as jsonpath-rust does: pest recurses once per level,
/// so a megabyte of `(` would overflow the stack inside pest, where no error can be returned.
///
/// One linear pass that skips string literals (a `(` inside `"..."` is text). It also catches an
/// unterminated string and a closing bracket without an opening one, whose errors read better
/// from here than from pest.
fn prescan(text: &str, max_depth: u32, cx: Context) -> Result<(), Error> {
    let bytes = text.as_bytes();
    let mut depth: u32 = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i;
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => return Err(Error::at(ErrorKind::StringUnterminated, start, cx)),
                        Some(b'\\') => i += 2,
                        Some(b'"') => break,
                        Some(_) => i += 1,
                    }
                }
            }
            b'(' | b'[' => {
                depth += 1;
                if depth > max_depth {
                    let kind = ErrorKind::NestLimitExceeded { max: max_depth };
                    return Err(Error::new(kind, Some(Span::new(i, i + 1)), cx));
                }
            }
            c @ (b')' | b']') => {
                if depth == 0 {
                    let kind = ErrorKind::BracketUnmatched(char::from(c));
                    return Err(Error::new(kind, Some(Span::new(i, i + 1)), cx));
                }
                depth -= 1;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Turns pest's error (the furthest position reached and the rules tried there) into one of our
/// kinds, naming the token before the error so that the message says where in words too.
fn syntax_error(text: &str, err: &pest::error::Error<Rule>, cx: Context) -> Error {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((start, _)) => start,
    };
    let positives: &[Rule] = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => positives,
        ErrorVariant::CustomError { .. } => &[],
    };
    let tried = |rule| positives.contains(&rule);
    let after = token_before(text, pos);
    // Rules that start with their required space fail where the space should begin; point at
    // the offending token instead.
    let pos = text
        .get(pos..)
        .map_or(pos, |tail| pos + (tail.len() - tail.trim_start().len()));
    let kind = if [
        Rule::comp_value,
        Rule::string,
        Rule::number,
        Rule::true_lit,
        Rule::false_lit,
        Rule::null_lit,
    ]
    .into_iter()
    .any(tried)
    {
        ErrorKind::ValueExpected {
            after: after.unwrap_or_default(),
        }
    } else if tried(Rule::compare_op) || tried(Rule::pr) {
        ErrorKind::CompareOpExpected {
            after: after.unwrap_or_default(),
        }
    } else if [
        Rule::or_exp,
        Rule::and_exp,
        Rule::attr_path,
        Rule::attr_name,
        Rule::attr_exp,
        Rule::value_path,
        Rule::not_group,
        Rule::group,
    ]
    .into_iter()
    .any(tried)
    {
        ErrorKind::AttrPathExpected { after }
    } else if [Rule::and_kw, Rule::or_kw, Rule::rparen, Rule::rbracket]
        .into_iter()
        .any(tried)
        || (cx == Context::Filter && tried(Rule::EOI))
    {
        let close = if tried(Rule::rparen) {
            Closing::Paren
        } else if tried(Rule::rbracket) {
            Closing::Bracket
        } else {
            Closing::End
        };
        ErrorKind::LogicalOpExpected {
            after: after.unwrap_or_default(),
            close,
        }
    } else if tried(Rule::EOI) {
        ErrorKind::EndExpected {
            after: after.unwrap_or_default(),
        }
    } else {
        ErrorKind::Unexpected {
            found: token_at(text, pos),
        }
    };
    Error::at(kind, pos, cx)
}

/// How much of a token an error message quotes.
const TOKEN_QUOTE_LEN: usize = 40;

/// The whitespace-separated token that ends before `pos`, shortened for a message.
fn token_before(text: &str, pos: usize) -> Option<String> {
    let head = text.get(..pos)?.trim_end();
    // Multi-byte whitespace (U+00A0, U+3000, ...) counts too: step over the whole character.
    let start = head
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8());
    let token = &head[start..];
    if token.is_empty() {
        return None;
    }
    // Keep the end, which is what touches the error.
    let cut = token
        .char_indices()
        .rev()
        .nth(TOKEN_QUOTE_LEN)
        .map(|(i, c)| i + c.len_utf8());
    Some(match cut {
        Some(i) => format!("...{}", &token[i..]),
        None => token.to_owned(),
    })
}

/// The whitespace-separated token that starts at `pos`, shortened; `None` at the end.
fn token_at(text: &str, pos: usize) -> Option<String> {
    let tail = text.get(pos..)?;
    let token = tail
        .split(char::is_whitespace)
        .next()
        .filter(|t| !t.is_empty())?;
    Some(match token.char_indices().nth(TOKEN_QUOTE_LEN) {
        Some((i, _)) => format!("{}...", &token[..i]),
        None => token.to_owned(),
    })
}

/// Turns pairs into AST nodes. The grammar guarantees the shape of each pair, so a surprise is a
/// bug in the grammar, reported with `unreachable!`.
struct Converter {
    interop: Interop,
    cx: Context,
}

impl Converter {
    /// `or_exp`: one operand stands for itself, more make an n-ary `Or`.
    fn or_exp(&self, pair: Pair<'_, Rule>, in_value_path: bool) -> Result<Filter, Error> {
        let mut operands = Vec::new();
        for p in pair.into_inner() {
            if p.as_rule() == Rule::and_exp {
                operands.push(self.and_exp(p, in_value_path)?);
            }
        }
        Ok(collapse(operands, Filter::Or))
    }

    fn and_exp(&self, pair: Pair<'_, Rule>, in_value_path: bool) -> Result<Filter, Error> {
        let mut operands = Vec::new();
        for p in pair.into_inner() {
            if p.as_rule() != Rule::and_kw {
                operands.push(self.term(p, in_value_path)?);
            }
        }
        Ok(collapse(operands, Filter::And))
    }

    fn term(&self, pair: Pair<'_, Rule>, in_value_path: bool) -> Result<Filter, Error> {
        match pair.as_rule() {
            Rule::not_group => Ok(Filter::Not(Box::new(
                self.or_exp(child(pair, Rule::or_exp), in_value_path)?,
            ))),
            Rule::group => self.or_exp(child(pair, Rule::or_exp), in_value_path),
            Rule::attr_exp => self.attr_exp(pair),
            Rule::value_path => self.value_path(pair, in_value_path),
            rule => unreachable!("grammar: unexpected term {rule:?}"),
        }
    }

    /// `valuePath = attrPath "[" valFilter "]"`, and Entra's `.sub op value` tail (E8).
    fn value_path(&self, pair: Pair<'_, Rule>, in_value_path: bool) -> Result<Filter, Error> {
        let start = pair.as_span().start();
        if in_value_path {
            let span = Some(Span::new(start, pair.as_span().end()));
            return Err(Error::new(ErrorKind::ValuePathNested, span, self.cx));
        }
        let mut attr = None;
        let mut filter = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::attr_path => attr = Some(self.attr_path(p)),
                Rule::or_exp => filter = Some(self.or_exp(p, true)?),
                Rule::value_path_tail => {
                    let (Some(attr), Some(filter)) = (attr.take(), filter.take()) else {
                        unreachable!("grammar: the tail follows the value path")
                    };
                    return self.value_path_tail(attr, filter, p);
                }
                _ => {}
            }
        }
        match (attr, filter) {
            (Some(attr), Some(filter)) => Ok(Filter::ValuePath {
                attr,
                filter: Box::new(filter),
            }),
            _ => unreachable!("grammar: a value path has an attribute and a filter"),
        }
    }

    /// IDP-QUIRKS E8: `emails[type eq "work"].value eq "x"` means
    /// `emails[type eq "work" and value eq "x"]`, the only reading that keeps both conditions on
    /// the same email.
    fn value_path_tail(
        &self,
        attr: AttrPath,
        filter: Filter,
        tail: Pair<'_, Rule>,
    ) -> Result<Filter, Error> {
        let tail_start = tail.as_span().start();
        let mut inner = tail.into_inner();
        let name = inner
            .next()
            .unwrap_or_else(|| unreachable!("grammar: the tail names a sub-attribute"));
        if !self.interop.value_path_sub_attr {
            let kind = ErrorKind::ValuePathSubAttr {
                attr: attr.to_string(),
                sub: name.as_str().to_owned(),
            };
            return Err(Error::at(kind, tail_start, self.cx));
        }
        let span = name.as_span();
        let sub = AttrPath::from_parts(
            None,
            name.as_str(),
            None,
            Some(Span::new(span.start(), span.end())),
        );
        let condition = self.condition(sub, inner)?;
        let mut filter = filter;
        let filter = if let Filter::And(operands) = &mut filter {
            operands.push(condition);
            filter
        } else {
            Filter::And(vec![filter, condition])
        };
        Ok(Filter::ValuePath {
            attr,
            filter: Box::new(filter),
        })
    }

    /// `attrExp = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)`
    fn attr_exp(&self, pair: Pair<'_, Rule>) -> Result<Filter, Error> {
        let mut inner = pair.into_inner();
        let attr = inner
            .next()
            .unwrap_or_else(|| unreachable!("grammar: attrExp starts with attrPath"));
        let attr = self.attr_path(attr);
        self.condition(attr, inner)
    }

    /// The `pr` or `compareOp SP compValue` after an attribute path.
    fn condition<'t>(
        &self,
        attr: AttrPath,
        mut rest: impl Iterator<Item = Pair<'t, Rule>>,
    ) -> Result<Filter, Error> {
        let head = rest
            .next()
            .unwrap_or_else(|| unreachable!("grammar: an operator follows the path"));
        if head.as_rule() == Rule::pr {
            return Ok(Filter::Present { attr });
        }
        let op = CompareOp::from_keyword(head.as_str().trim_start())
            .unwrap_or_else(|| unreachable!("grammar: compare_op is one of the nine"));
        let value = rest
            .next()
            .unwrap_or_else(|| unreachable!("grammar: a value follows the operator"));
        let value = self.comp_value(value)?;
        Ok(Filter::Compare { attr, op, value })
    }

    /// `attrPath = [URI ":"] ATTRNAME *1subAttr`
    fn attr_path(&self, pair: Pair<'_, Rule>) -> AttrPath {
        let span = pair.as_span();
        let span = Some(Span::new(span.start(), span.end()));
        let mut urn = None;
        let mut name = "";
        let mut sub = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::schema_uri => urn = p.as_str().strip_suffix(':'),
                Rule::attr_name => name = p.as_str(),
                Rule::sub_attr => sub = Some(&p.as_str()[1..]),
                _ => {}
            }
        }
        AttrPath::from_parts(urn, name, sub, span)
    }

    /// `compValue = false / null / true / number / string`
    fn comp_value(&self, pair: Pair<'_, Rule>) -> Result<CompValue, Error> {
        let value = pair
            .into_inner()
            .next()
            .unwrap_or_else(|| unreachable!("grammar: compValue has one child"));
        match value.as_rule() {
            Rule::true_lit => Ok(CompValue::Bool(true)),
            Rule::false_lit => Ok(CompValue::Bool(false)),
            Rule::null_lit => Ok(CompValue::Null),
            Rule::number => number(value.as_str(), value.as_span().start(), self.cx),
            Rule::string => {
                let inner = child(value, Rule::string_inner);
                decode_string(inner.as_str(), inner.as_span().start(), self.cx)
                    .map(CompValue::String)
            }
            rule => unreachable!("grammar: unexpected value {rule:?}"),
        }
    }
}

/// One operand stands for itself; more are joined by `make`.
fn collapse(mut operands: Vec<Filter>, make: fn(Vec<Filter>) -> Filter) -> Filter {
    if operands.len() == 1 {
        if let Some(only) = operands.pop() {
            return only;
        }
    }
    make(operands)
}

/// RFC 7159 §6 number: an integer when it has neither fraction nor exponent and fits an `i64`,
/// otherwise a decimal. Out of `f64` range (`1e400`) is an error, as in serde_json.
fn number(text: &str, offset: usize, cx: Context) -> Result<CompValue, Error> {
    if !text.contains(['.', 'e', 'E']) {
        if let Ok(n) = text.parse::<i64>() {
            return Ok(CompValue::Int(n));
        }
    }
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(CompValue::Decimal(n)),
        _ => Err(Error::new(
            ErrorKind::NumberOutOfRange,
            Some(Span::new(offset, offset + text.len())),
            cx,
        )),
    }
}

/// Decodes the inside of a JSON string (RFC 7159 §7): the two-character escapes, `\uXXXX`, and
/// UTF-16 surrogate pairs written as two `\u` escapes. `offset` is where `raw` starts in the text,
/// so that an error points at the bad escape itself.
fn decode_string(raw: &str, offset: usize, cx: Context) -> Result<String, Error> {
    if !raw.contains(|c: char| c == '\\' || c < ' ') {
        return Ok(raw.to_owned());
    }
    let err = |kind, at: usize, len: usize| {
        Error::new(kind, Some(Span::new(offset + at, offset + at + len)), cx)
    };
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        if c < ' ' {
            return Err(err(ErrorKind::StringControlChar, i, c.len_utf8()));
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escaped = match chars.next() {
            Some((_, e)) => e,
            None => return Err(err(ErrorKind::StringEscapeInvalid, i, 1)),
        };
        match escaped {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            '/' => out.push('/'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' => {
                let high =
                    hex4(raw, i + 2).ok_or_else(|| err(ErrorKind::StringEscapeInvalid, i, 2))?;
                skip(&mut chars, 4);
                let code = match high {
                    0xD800..=0xDBFF => {
                        // A high surrogate must be followed by `\u` and a low one.
                        let low = raw
                            .get(i + 6..i + 8)
                            .filter(|s| *s == "\\u")
                            .and_then(|_| hex4(raw, i + 8))
                            .filter(|low| (0xDC00..=0xDFFF).contains(low))
                            .ok_or_else(|| err(ErrorKind::StringSurrogateUnpaired, i, 6))?;
                        skip(&mut chars, 6);
                        0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err(err(ErrorKind::StringSurrogateUnpaired, i, 6)),
                    code => code,
                };
                let c = char::from_u32(code)
                    .ok_or_else(|| err(ErrorKind::StringEscapeInvalid, i, 6))?;
                out.push(c);
            }
            other => return Err(err(ErrorKind::StringEscapeInvalid, i, 1 + other.len_utf8())),
        }
    }
    Ok(out)
}

/// The four hex digits at `at` in `raw`, if there are four.
fn hex4(raw: &str, at: usize) -> Option<u32> {
    let digits = raw.get(at..at + 4)?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

fn skip(chars: &mut std::str::CharIndices<'_>, n: usize) {
    for _ in 0..n {
        chars.next();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(raw: &str) -> Result<String, ErrorKind> {
        decode_string(raw, 0, Context::Filter).map_err(Error::into_kind)
    }

    #[test]
    fn escapes() {
        assert_eq!(
            decode(r#"a\"b\\c\/d\b\f\n\r\t"#).unwrap(),
            "a\"b\\c/d\u{8}\u{c}\n\r\t"
        );
        assert_eq!(decode(r"\u00e9\u20AC").unwrap(), "é€");
        assert_eq!(decode(r"\ud83d\ude00").unwrap(), "😀");
        assert_eq!(decode("plain é").unwrap(), "plain é");
        assert_eq!(decode(r"\x"), Err(ErrorKind::StringEscapeInvalid));
        assert_eq!(decode(r"\u12"), Err(ErrorKind::StringEscapeInvalid));
        assert_eq!(decode(r"\u12G4"), Err(ErrorKind::StringEscapeInvalid));
        assert_eq!(decode(r"\ud83d"), Err(ErrorKind::StringSurrogateUnpaired));
        assert_eq!(
            decode(r"\ud83dx\ude00"),
            Err(ErrorKind::StringSurrogateUnpaired)
        );
        assert_eq!(decode(r"\ude00"), Err(ErrorKind::StringSurrogateUnpaired));
        assert_eq!(
            decode(r"\ud83d\u0041"),
            Err(ErrorKind::StringSurrogateUnpaired)
        );
        assert_eq!(decode("a\tb"), Err(ErrorKind::StringControlChar));
    }

    #[test]
    fn numbers() {
        let n = |t| number(t, 0, Context::Filter).map_err(Error::into_kind);
        assert_eq!(n("42"), Ok(CompValue::Int(42)));
        assert_eq!(n("-0"), Ok(CompValue::Int(0)));
        assert_eq!(n("1.5"), Ok(CompValue::Decimal(1.5)));
        assert_eq!(n("-2E3"), Ok(CompValue::Decimal(-2000.0)));
        assert_eq!(n("1e-2"), Ok(CompValue::Decimal(0.01)));
        assert_eq!(
            n("9223372036854775808"),
            Ok(CompValue::Decimal(9_223_372_036_854_775_808.0))
        );
        assert_eq!(n("1e400"), Err(ErrorKind::NumberOutOfRange));
    }

    /// Found by `fuzz/fuzz_targets/path_parse.rs` (corpus `regress-nbsp-token-before`): the
    /// token before an error was cut one byte after a multi-byte space, inside the character.
    #[test]
    fn token_before_multibyte_whitespace() {
        assert_eq!(token_before("a\u{a0}bc d", 5), Some("bc".into()));
        assert_eq!(token_before("x\u{3000}yz", 6), Some("yz".into()));
        let text = "rddre:e[Aes[pri[Asas:e[Addressm[urn:ietf:params[s:e[Addre:e[Aes[pemIbs[val eq \"ri\u{a0}@\\f76\"]";
        assert!(crate::Path::parse(text).is_err());
    }

    #[test]
    fn prescan_skips_strings() {
        let deep = format!(r#"a eq "{}""#, "(".repeat(1000));
        assert!(prescan(&deep, 5, Context::Filter).is_ok());
        assert!(prescan(r#"a eq "\"(""#, 0, Context::Filter).is_ok());
        let e = prescan(r#"a eq "x\"#, 5, Context::Filter).unwrap_err();
        assert_eq!(
            (e.kind(), e.offset()),
            (&ErrorKind::StringUnterminated, Some(5))
        );
    }
}
