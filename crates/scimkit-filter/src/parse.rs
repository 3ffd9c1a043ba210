//! Text to AST: a hand-written recursive-descent parser for RFC 7644 filters (§3.4.2.2,
//! Figure 1), PATCH paths (§3.5.2) and the attribute paths of `sortBy` and `attributes`. It reads
//! the text once, left to right, with a byte cursor, and builds [`Filter`], [`Path`] and
//! [`AttrPath`] directly: names are copied out of the text, and strings are decoded only when they
//! contain an escape.
//!
//! Each grammar method below names the ABNF rule it implements and says where it deviates from
//! the ABNF and why; the tokens (names, keywords, JSON numbers and strings) are recognised in
//! [`lex`]. Every token starts and ends on an ASCII byte, so slicing the text at token boundaries
//! never splits a multi-byte character.
//!
//! # Recursion and limits
//!
//! The text's length is checked first ([`Limits::max_len`](crate::Limits::max_len)). The only
//! recursion is nesting: `(`, `not (` and `[` each descend one level, and the parser counts the
//! levels as it descends and stops at [`Limits::max_depth`](crate::Limits::max_depth), so a
//! megabyte of `(` costs no more stack than 50 levels of nesting (at most 128, the cap). `and`
//! and `or` chains are loops, so a long flat `a or b or c ...` costs no stack at all.
//!
//! # Errors
//!
//! Errors are reported in this order of precedence, whatever their order in the text:
//!
//! 1. What a linear scan of the whole text finds ([`prescan`]): brackets nested too deep, an
//!    unterminated string, a `)` or `]` without its opening bracket. The scan only runs once the
//!    parser has failed; a text that parses has balanced brackets and terminated strings, and the
//!    parser checked the depth on the way down.
//! 2. Syntax errors. Wherever the parser looks for a token and does not find it, it notes the
//!    offset and what it expected there ([`Expected`]); the error is at the furthest such offset
//!    and names the most specific thing expected there, and the token before it. A token that
//!    the ABNF puts after a `SP` (`pr`, an operator, a value, `and`, `or`) is expected where that
//!    space starts; the message then points past the whitespace at what was found instead.
//! 3. Errors in text that is well-formed: a bad escape, a number out of range, a value filter
//!    inside another, Entra's `].value eq "x"` while it is not allowed. The first in the text is
//!    kept, and reported only if the whole text parses.
//!
//! This is the behaviour of the pest grammar this parser replaced, kept exactly (kinds, offsets
//! and messages), since clients and tests see it.

mod lex;
#[cfg(feature = "pest")]
pub mod reference;

use crate::ast::{AttrPath, CompValue, Filter, Path};
use crate::error::{Closing, Context, Error, ErrorKind};
use crate::limits::{Interop, Options};
use crate::span::Span;

use lex::{decode_string, number, Logical, Operator};

/// Parses a whole filter (RFC 7644 §3.4.2.2 `FILTER`).
pub(crate) fn filter(text: &str, options: &Options) -> Result<Filter, Error> {
    let mut parser = Parser::new(text, options, Context::Filter)?;
    let parsed = parser.filter();
    parser.finish(parsed)
}

/// Parses a PATCH path (RFC 7644 §3.5.2 `PATH`).
pub(crate) fn path(text: &str, options: &Options) -> Result<Path, Error> {
    let mut parser = Parser::new(text, options, Context::Path)?;
    let parsed = parser.path();
    parser.finish(parsed)
}

/// Parses one attribute path (`sortBy`).
pub(crate) fn attr_path(text: &str, options: &Options) -> Result<AttrPath, Error> {
    let mut parser = Parser::new(text, options, Context::Path)?;
    let parsed = parser.attr_path_only();
    parser.finish(parsed)
}

/// Parses a comma-separated list of attribute paths (`attributes`, `excludedAttributes`).
pub(crate) fn attr_path_list(text: &str, options: &Options) -> Result<Vec<AttrPath>, Error> {
    let mut parser = Parser::new(text, options, Context::Path)?;
    let parsed = parser.attr_path_list();
    parser.finish(parsed)
}

/// The parser stopped: the text does not match the grammar, or nests too deep. What went wrong is
/// in the [`Parser`]; [`Parser::finish`] turns it into an [`Error`].
#[derive(Debug)]
struct Stop;

type Parsed<T> = Result<T, Stop>;

/// What the parser looked for at an offset and did not find: a set of the token classes an error
/// message can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Expected(u8);

impl Expected {
    /// A `compValue`: a string, a number, `true`, `false` or `null`.
    const VALUE: Expected = Expected(1 << 0);
    /// `pr` or a `compareOp`.
    const OPERATOR: Expected = Expected(1 << 1);
    /// An attribute path, or a `(` or `not (` where a whole filter may start.
    const ATTR_PATH: Expected = Expected(1 << 2);
    /// `and` or `or`.
    const LOGICAL: Expected = Expected(1 << 3);
    /// The `)` closing a group.
    const RPAREN: Expected = Expected(1 << 4);
    /// The `]` closing a value filter.
    const RBRACKET: Expected = Expected(1 << 5);
    /// The end of the text.
    const END: Expected = Expected(1 << 6);
    /// Something optional that no message names: a schema URI before a name, a `.subAttr` after
    /// one, Entra's tail after a value path.
    const OTHER: Expected = Expected(1 << 7);

    fn contains(self, any: Expected) -> bool {
        self.0 & any.0 != 0
    }

    fn union(self, other: Expected) -> Expected {
        Expected(self.0 | other.0)
    }
}

/// The cursor over the text, the nesting depth, and what has gone wrong so far.
struct Parser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    /// The cursor: a byte offset into `text`, always on a character boundary.
    pos: usize,
    /// How many `(` and `[` enclose the cursor.
    depth: u32,
    max_depth: u32,
    interop: Interop,
    cx: Context,
    /// The furthest offset at which a token was expected and not found...
    furthest: usize,
    /// ...and what was expected there.
    expected: Expected,
    /// The first error in well-formed text (a bad escape, ...), reported once the whole text has
    /// parsed.
    invalid: Option<Error>,
    /// The `(` or `[` that went past the depth limit.
    too_deep: Option<usize>,
}

impl<'t> Parser<'t> {
    /// A parser for `text`, which must be within the length limit.
    fn new(text: &'t str, options: &Options, cx: Context) -> Result<Parser<'t>, Error> {
        let max = options.limits.max_len;
        if text.len() > max {
            let kind = ErrorKind::TooLong {
                len: text.len(),
                max,
            };
            return Err(Error::new(kind, None, cx));
        }
        Ok(Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            depth: 0,
            max_depth: options.limits.depth(),
            interop: options.interop,
            cx,
            furthest: 0,
            expected: Expected::default(),
            invalid: None,
            too_deep: None,
        })
    }

    /// The result of parsing, or the error of highest precedence (see the module documentation).
    fn finish<T>(self, parsed: Parsed<T>) -> Result<T, Error> {
        match parsed {
            Ok(value) => match self.invalid {
                None => Ok(value),
                Some(err) => Err(err),
            },
            Err(Stop) => Err(self.failure()),
        }
    }

    fn failure(&self) -> Error {
        if let Err(err) = prescan(self.text, self.max_depth, self.cx) {
            return err;
        }
        if let Some(at) = self.too_deep {
            // The pre-scan counts the same brackets and so always reports this first; kept so
            // that the parser's own limit can never turn into a syntax error.
            let kind = ErrorKind::NestLimitExceeded {
                max: self.max_depth,
            };
            return Error::new(kind, Some(Span::new(at, at + 1)), self.cx);
        }
        syntax_error(self.text, self.furthest, self.expected, self.cx)
    }

    // ---- the cursor --------------------------------------------------------------------------

    /// The byte at `at`, or 0 past the end (0 starts no token).
    #[inline]
    fn byte(&self, at: usize) -> u8 {
        self.bytes.get(at).copied().unwrap_or(0)
    }

    /// Skips optional whitespace (see [`lex::ws_end`]).
    #[inline]
    fn skip_ws(&mut self) {
        self.pos = lex::ws_end(self.bytes, self.pos);
    }

    /// Notes that `what` was expected at `at` and not found.
    #[inline]
    fn expect(&mut self, at: usize, what: Expected) {
        if at > self.furthest {
            self.furthest = at;
            self.expected = what;
        } else if at == self.furthest {
            self.expected = self.expected.union(what);
        }
    }

    /// Notes that `what` was expected at `at`, and stops.
    fn fail<T>(&mut self, at: usize, what: Expected) -> Parsed<T> {
        self.expect(at, what);
        Err(Stop)
    }

    /// Keeps `err` if it is the first error in well-formed text.
    fn invalid(&mut self, err: Error) {
        if self.invalid.is_none() {
            self.invalid = Some(err);
        }
    }

    /// Steps over the `(` or `[` at the cursor into one more level of nesting.
    fn descend(&mut self) -> Parsed<()> {
        if self.depth >= self.max_depth {
            self.too_deep = Some(self.pos);
            return Err(Stop);
        }
        self.depth += 1;
        self.pos += 1;
        Ok(())
    }

    /// Steps over the closing bracket `close` at the cursor, back out of a level of nesting.
    /// `what` names it for the error when it is not there.
    fn ascend(&mut self, close: u8, what: Expected) -> Parsed<()> {
        if self.byte(self.pos) != close {
            return self.fail(self.pos, what);
        }
        self.depth -= 1;
        self.pos += 1;
        Ok(())
    }

    /// The end of the text (`EOI`), after optional whitespace.
    fn end(&mut self) -> Parsed<()> {
        self.skip_ws();
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            self.fail(self.pos, Expected::END)
        }
    }

    // ---- filters (§3.4.2.2) ------------------------------------------------------------------

    /// The entry point: one `FILTER` and nothing else, with optional whitespace around it.
    fn filter(&mut self) -> Parsed<Filter> {
        self.skip_ws();
        let filter = self.or_exp(false)?;
        self.end()?;
        Ok(filter)
    }

    /// `logExp = FILTER SP ("and" / "or") SP FILTER`, the `or` level.
    ///
    /// The ABNF's logExp is left-recursive and says nothing about precedence; the prose does:
    /// "not" binds tighter than "and", which binds tighter than "or". So logExp becomes two
    /// levels, `or` of `and`s of terms, each an n-ary loop: `a or b or c` is one [`Filter::Or`]
    /// of three, and a chain of any length costs no stack. One operand stands for itself.
    ///
    /// `in_value_path` is set inside `[...]`, where RFC 7644's valFilter has no valuePath.
    fn or_exp(&mut self, in_value_path: bool) -> Parsed<Filter> {
        let (first, mut more) = self.and_exp(in_value_path)?;
        if !more {
            return Ok(first);
        }
        let mut operands = operands(first);
        while more {
            self.skip_ws();
            let (next, then_or) = self.and_exp(in_value_path)?;
            operands.push(next);
            more = then_or;
        }
        Ok(Filter::Or(operands))
    }

    /// The `and` level of logExp (see [`Parser::or_exp`]). Also returns whether an `or` followed,
    /// which the cursor is then past.
    fn and_exp(&mut self, in_value_path: bool) -> Parsed<(Filter, bool)> {
        let first = self.term(in_value_path)?;
        let mut next = self.logical();
        if next != Some(Logical::And) {
            return Ok((first, next == Some(Logical::Or)));
        }
        let mut operands = operands(first);
        while next == Some(Logical::And) {
            self.skip_ws();
            operands.push(self.term(in_value_path)?);
            next = self.logical();
        }
        Ok((Filter::And(operands), next == Some(Logical::Or)))
    }

    /// `SP ("and" / "or")` after a term, which the cursor is then past; `None` (and the cursor
    /// unmoved) when neither follows.
    ///
    /// The `SP` belongs to the keyword, as it does to `pr`, an operator and a value: the keyword
    /// is expected where the space starts. After the keyword a `(` may follow without a space
    /// (`a pr and(b pr)`); the keyword only has to end where a name could not go on.
    fn logical(&mut self) -> Option<Logical> {
        let start = self.pos;
        let at = lex::ws_end(self.bytes, start);
        if at > start {
            if let Some((logical, end)) = lex::logical(self.bytes, at) {
                self.pos = end;
                return Some(logical);
            }
        }
        self.expect(start, Expected::LOGICAL);
        None
    }

    /// `FILTER = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"`, less logExp (see
    /// [`Parser::or_exp`]): a negation, a group, a value path or an attribute expression.
    ///
    /// valFilter (inside `[...]`) has the same shape minus valuePath; one method serves both, and
    /// a value path nested in another is reported with its own error
    /// ([`ErrorKind::ValuePathNested`]) rather than as a syntax error.
    ///
    /// `not` and the operators are also valid attribute names (`not pr`, `not [x pr]`): `not`
    /// is the keyword only when a `(` follows it.
    fn term(&mut self, in_value_path: bool) -> Parsed<Filter> {
        let start = self.pos;
        // Whatever follows, one of the alternatives fails right here; if they all do, this is
        // where a filter was expected.
        self.expect(start, Expected::ATTR_PATH);
        if let Some(open) = self.not_paren(start) {
            self.pos = open;
            let inner = self.group(in_value_path)?;
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.byte(start) == b'(' {
            return self.group(in_value_path);
        }
        let attr = self.attr_path()?;
        let at = lex::ws_end(self.bytes, self.pos);
        if self.byte(at) == b'[' {
            self.pos = at;
            self.value_path(start, attr, in_value_path)
        } else {
            self.attr_exp(attr)
        }
    }

    /// The `(` of `*1"not" "(" FILTER ")"` with `"not"`, if the text at `at` is one.
    ///
    /// The ABNF has no SP between "not" and "(", but the RFC's own example
    /// `not (emails co ...)` has one (erratum 7319); any whitespace is accepted. `not` is
    /// case-insensitive like every ABNF literal.
    fn not_paren(&self, at: usize) -> Option<usize> {
        if !lex::keyword(self.bytes, at, b"not") {
            return None;
        }
        let open = lex::ws_end(self.bytes, at + 3);
        (self.byte(open) == b'(').then_some(open)
    }

    /// `"(" FILTER ")"`, with optional whitespace inside, the cursor on the `(`. Grouping leaves
    /// no node of its own.
    fn group(&mut self, in_value_path: bool) -> Parsed<Filter> {
        self.bracketed(in_value_path, b')', Expected::RPAREN)
    }

    /// A filter between the bracket under the cursor and `close`, one nesting level deeper, with
    /// optional whitespace inside: a group or a value filter.
    fn bracketed(&mut self, in_value_path: bool, close: u8, expected: Expected) -> Parsed<Filter> {
        self.descend()?;
        self.skip_ws();
        let inner = self.or_exp(in_value_path)?;
        self.skip_ws();
        self.ascend(close, expected)?;
        Ok(inner)
    }

    /// `valuePath = attrPath "[" valFilter "]"`, the cursor on the `[`, `start` where `attr`
    /// began. Whitespace is accepted before the `[` and inside the brackets.
    fn value_path(&mut self, start: usize, attr: AttrPath, in_value_path: bool) -> Parsed<Filter> {
        // A value path inside another is an error that comes before anything wrong inside it.
        let nested = in_value_path && self.invalid.is_none();
        if nested {
            self.invalid = Some(Error::at(ErrorKind::ValuePathNested, start, self.cx));
        }
        let filter = self.val_filter()?;
        let filter = self.value_path_tail(&attr, filter)?;
        if nested {
            let span = Some(Span::new(start, self.pos));
            self.invalid = Some(Error::new(ErrorKind::ValuePathNested, span, self.cx));
        }
        Ok(Filter::ValuePath {
            attr,
            filter: Box::new(filter),
        })
    }

    /// `"[" valFilter "]"`, the cursor on the `[`.
    fn val_filter(&mut self) -> Parsed<Filter> {
        self.bracketed(true, b']', Expected::RBRACKET)
    }

    /// Not RFC 7644: Microsoft Entra's `emails[type eq "work"].value eq "x"` (docs/idp-compatibility.md), a
    /// sub-attribute and a condition after the value path, read as
    /// `emails[type eq "work" and value eq "x"]`, the only reading that keeps both conditions on
    /// the same email. The cursor is after the `]`.
    ///
    /// Always parsed, so that the error can say what it is; accepted only under
    /// [`Interop::value_path_sub_attr`](crate::Interop::value_path_sub_attr), otherwise reported
    /// as [`ErrorKind::ValuePathSubAttr`] at the `.`.
    fn value_path_tail(&mut self, attr: &AttrPath, filter: Filter) -> Parsed<Filter> {
        let dot = self.pos;
        if self.byte(dot) != b'.' {
            self.expect(dot, Expected::OTHER);
            return Ok(filter);
        }
        let Some(name_end) = lex::attr_name_end(self.bytes, dot + 1) else {
            // Nothing else may follow a value path with a `.`.
            return self.fail(dot + 1, Expected::ATTR_PATH);
        };
        let text = self.text;
        let name = &text[dot + 1..name_end];
        if !self.interop.value_path_sub_attr {
            let kind = ErrorKind::ValuePathSubAttr {
                attr: attr.to_string(),
                sub: name.to_owned(),
            };
            self.invalid(Error::at(kind, dot, self.cx));
        }
        self.pos = name_end;
        let sub = AttrPath::from_parts(None, name, None, Some(Span::new(dot + 1, name_end)));
        let condition = self.attr_exp(sub)?;
        let mut filter = filter;
        if let Filter::And(operands) = &mut filter {
            operands.push(condition);
            return Ok(filter);
        }
        Ok(Filter::And(vec![filter, condition]))
    }

    /// `attrExp = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)`, after `attr`.
    ///
    /// The operator is expected where its `SP` starts; it must be followed by something that
    /// cannot continue a name (`title prx` is not `pr`).
    fn attr_exp(&mut self, attr: AttrPath) -> Parsed<Filter> {
        let start = self.pos;
        let at = lex::ws_end(self.bytes, start);
        let operator = if at > start {
            lex::operator(self.bytes, at)
        } else {
            None
        };
        let Some((operator, end)) = operator else {
            return self.fail(start, Expected::OPERATOR);
        };
        self.pos = end;
        Ok(match operator {
            Operator::Present => Filter::Present { attr },
            Operator::Compare(op) => Filter::Compare {
                attr,
                op,
                value: self.comp_value()?,
            },
        })
    }

    /// `SP compValue`, `compValue = false / null / true / number / string`, "rules from JSON
    /// (RFC 7159)": see [`lex::literal`], [`lex::number_end`] and [`lex::string_end`].
    fn comp_value(&mut self) -> Parsed<CompValue> {
        let start = self.pos;
        let at = lex::ws_end(self.bytes, start);
        if at == start {
            return self.fail(start, Expected::VALUE);
        }
        let bytes = self.bytes;
        let value = match self.byte(at) {
            b'"' => self.string(at),
            b'-' | b'0'..=b'9' => self.number(at),
            b't' | b'T' => lex::literal(bytes, at, b"true").map(|end| (CompValue::Bool(true), end)),
            b'f' | b'F' => {
                lex::literal(bytes, at, b"false").map(|end| (CompValue::Bool(false), end))
            }
            b'n' | b'N' => lex::literal(bytes, at, b"null").map(|end| (CompValue::Null, end)),
            _ => None,
        };
        let Some((value, end)) = value else {
            return self.fail(at, Expected::VALUE);
        };
        self.pos = end;
        Ok(value)
    }

    /// The JSON string whose opening quote is at `at`, decoded, and its end.
    fn string(&mut self, at: usize) -> Option<(CompValue, usize)> {
        let (close, escaped) = lex::string_end(self.bytes, at)?;
        let raw = &self.text[at + 1..close];
        let value = if escaped {
            decode_string(raw, at + 1, self.cx).unwrap_or_else(|err| {
                self.invalid(err);
                String::new()
            })
        } else {
            raw.to_owned()
        };
        Some((CompValue::String(value), close + 1))
    }

    /// The JSON number at `at`, and its end.
    fn number(&mut self, at: usize) -> Option<(CompValue, usize)> {
        let end = lex::number_end(self.bytes, at)?;
        let value = number(&self.text[at..end], at, self.cx).unwrap_or_else(|err| {
            self.invalid(err);
            CompValue::Null
        });
        Some((value, end))
    }

    // ---- attribute paths (§3.4.2.2, §3.10) ---------------------------------------------------

    /// `attrPath = [URI ":"] ATTRNAME *1subAttr` at the cursor: see [`lex::schema_uri_end`] for
    /// where the URI ends and [`lex::attr_name_end`] for the names (which may start with `$`).
    fn attr_path(&mut self) -> Parsed<AttrPath> {
        let start = self.pos;
        let name_start = match lex::schema_uri_end(self.bytes, start) {
            Some(end) => end,
            None => {
                self.expect(start, Expected::OTHER);
                start
            }
        };
        let Some(name_end) = lex::attr_name_end(self.bytes, name_start) else {
            return self.fail(name_start, Expected::ATTR_PATH);
        };
        let text = self.text;
        let (sub_attr, end) = match self.sub_attr(name_end) {
            Some(sub_end) => (Some(&text[name_end + 1..sub_end]), sub_end),
            None => (None, name_end),
        };
        self.pos = end;
        let urn = (name_start > start).then(|| &text[start..name_start - 1]);
        let name = &text[name_start..name_end];
        Ok(AttrPath::from_parts(
            urn,
            name,
            sub_attr,
            Some(Span::new(start, end)),
        ))
    }

    /// An optional `subAttr = "." ATTRNAME` at `at`; returns the end of the name, without moving
    /// the cursor.
    fn sub_attr(&mut self, at: usize) -> Option<usize> {
        if self.byte(at) != b'.' {
            self.expect(at, Expected::OTHER);
            return None;
        }
        let end = lex::attr_name_end(self.bytes, at + 1);
        if end.is_none() {
            self.expect(at + 1, Expected::ATTR_PATH);
        }
        end
    }

    // ---- PATCH paths (§3.5.2) and attribute lists (§3.4.2.3, §3.4.2.5) ----------------------

    /// `PATH = attrPath / valuePath [subAttr]`, with optional whitespace around it and before and
    /// inside the brackets. The filter inside is a valFilter, as in a filter's value path.
    fn path(&mut self) -> Parsed<Path> {
        self.skip_ws();
        let attr = self.attr_path()?;
        let mut filter = None;
        let mut sub_attr = None;
        let at = lex::ws_end(self.bytes, self.pos);
        if self.byte(at) == b'[' {
            self.pos = at;
            filter = Some(self.val_filter()?);
            if let Some(end) = self.sub_attr(self.pos) {
                sub_attr = Some(self.text[self.pos + 1..end].into());
                self.pos = end;
            }
        }
        self.end()?;
        Ok(Path::from_parts(attr, filter, sub_attr))
    }

    /// A single attrPath, e.g. `sortBy` (§3.4.2.3).
    fn attr_path_only(&mut self) -> Parsed<AttrPath> {
        self.skip_ws();
        let attr = self.attr_path()?;
        self.end()?;
        Ok(attr)
    }

    /// `attributes` / `excludedAttributes`: "a multi-valued list of strings indicating the names
    /// of the resource attributes", comma-separated in a query string (§3.4.2.5, §3.9), with
    /// optional whitespace around the commas.
    fn attr_path_list(&mut self) -> Parsed<Vec<AttrPath>> {
        self.skip_ws();
        let mut list = vec![self.attr_path()?];
        loop {
            let comma = lex::ws_end(self.bytes, self.pos);
            if self.byte(comma) != b',' {
                break;
            }
            self.pos = comma + 1;
            self.skip_ws();
            list.push(self.attr_path()?);
        }
        self.end()?;
        Ok(list)
    }
}

/// The operands of an `and` or `or`, starting with `first`. Room for four from the start: `vec![first]`
/// would reallocate at the second.
fn operands(first: Filter) -> Vec<Filter> {
    let mut operands = Vec::with_capacity(4);
    operands.push(first);
    operands
}

/// Checks bracket nesting and strings in one linear pass over the whole text, skipping string
/// literals (a `(` inside `"..."` is text): nesting deeper than `max_depth`, an unterminated
/// string and a closing bracket without an opening one. These are reported before any syntax
/// error, wherever they are in the text, and read better than the syntax error would.
pub(super) fn prescan(text: &str, max_depth: u32, cx: Context) -> Result<(), Error> {
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

/// The syntax error for `expected` not found at `pos`: the most specific of the expected things
/// (a value, then an operator, then an attribute path, then `and`/`or`/a closing bracket, then
/// the end), naming the token before `pos` so that the message says where in words too.
fn syntax_error(text: &str, pos: usize, expected: Expected, cx: Context) -> Error {
    let after = token_before(text, pos);
    // Tokens that start with their required space are expected where the space begins; point
    // at the offending token instead.
    let pos = text
        .get(pos..)
        .map_or(pos, |tail| pos + (tail.len() - tail.trim_start().len()));
    let closing = Expected::LOGICAL
        .union(Expected::RPAREN)
        .union(Expected::RBRACKET);
    let kind = if expected.contains(Expected::VALUE) {
        ErrorKind::ValueExpected {
            after: after.unwrap_or_default(),
        }
    } else if expected.contains(Expected::OPERATOR) {
        ErrorKind::CompareOpExpected {
            after: after.unwrap_or_default(),
        }
    } else if expected.contains(Expected::ATTR_PATH) {
        ErrorKind::AttrPathExpected { after }
    } else if expected.contains(closing)
        || (cx == Context::Filter && expected.contains(Expected::END))
    {
        let close = if expected.contains(Expected::RPAREN) {
            Closing::Paren
        } else if expected.contains(Expected::RBRACKET) {
            Closing::Bracket
        } else {
            Closing::End
        };
        ErrorKind::LogicalOpExpected {
            after: after.unwrap_or_default(),
            close,
        }
    } else if expected.contains(Expected::END) {
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
pub(super) fn token_at(text: &str, pos: usize) -> Option<String> {
    let tail = text.get(pos..)?;
    let token = tail
        .split(char::is_whitespace)
        .next()
        .filter(|t| !t.is_empty())?;
    let short = scimkit_schema::text::excerpt(token, TOKEN_QUOTE_LEN);
    Some(if short.len() < token.len() {
        format!("{short}...")
    } else {
        token.to_owned()
    })
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

    // ---- the hand-written parser ---------------------------------------------------------------

    use crate::{CompareOp, Interop, Limits};

    fn parse(text: &str) -> Result<Filter, Error> {
        Filter::parse(text)
    }

    /// The kind, offset and message of the error for `text`.
    fn error(text: &str) -> (ErrorKind, Option<usize>, String) {
        let e = parse(text).expect_err(text);
        (e.kind().clone(), e.offset(), e.to_string())
    }

    fn pr(name: &str) -> Filter {
        Filter::pr(AttrPath::parse(name).unwrap())
    }

    #[test]
    fn keywords_followed_by_a_bracket() {
        let and = Filter::And(vec![pr("a"), pr("b")]);
        assert_eq!(parse("a pr and(b pr)").unwrap(), and);
        assert_eq!(parse("a pr AND\t(b pr)").unwrap(), and);
        assert_eq!(
            parse("a pr or(b pr)").unwrap(),
            Filter::Or(vec![pr("a"), pr("b")])
        );
        assert_eq!(parse("not(a pr)").unwrap(), Filter::Not(Box::new(pr("a"))));
        assert_eq!(
            parse("NOT\n(a pr)").unwrap(),
            Filter::Not(Box::new(pr("a")))
        );
        assert_eq!(
            parse("a pr and not(b pr)").unwrap(),
            Filter::And(vec![pr("a"), Filter::Not(Box::new(pr("b")))])
        );
        // Keywords need a space before them; `and` must not run into a name or `$ref`.
        assert_eq!(
            error("a pr and$ref pr").0,
            ErrorKind::LogicalOpExpected {
                after: "pr".into(),
                close: Closing::End
            }
        );
        assert_eq!(error(r#"a eq "x"and b pr"#).1, Some(8));
        assert_eq!(
            error("a pr and").0,
            ErrorKind::AttrPathExpected {
                after: Some("and".into())
            }
        );
    }

    #[test]
    fn keywords_as_names() {
        // A keyword that runs into a name character is a name.
        assert_eq!(parse("prx pr").unwrap(), pr("prx"));
        assert_eq!(
            parse("andy pr or orx pr").unwrap(),
            Filter::Or(vec![pr("andy"), pr("orx")])
        );
        assert_eq!(
            error("title prx").0,
            ErrorKind::CompareOpExpected {
                after: "title".into()
            }
        );
        assert_eq!(error("a eq truex").1, Some(5));
        // The keywords are attribute names where a name is expected.
        assert_eq!(
            parse("and pr and or pr").unwrap(),
            Filter::And(vec![pr("and"), pr("or")])
        );
        assert_eq!(parse("not pr").unwrap(), pr("not"));
        assert_eq!(parse("notx pr").unwrap(), pr("notx"));
        assert_eq!(parse("not.x pr").unwrap(), pr("not.x"));
        let f = parse("not [x pr]").unwrap();
        assert!(matches!(&f, Filter::ValuePath { attr, .. } if attr.name() == "not"));
        assert_eq!(
            error("not title pr").0,
            ErrorKind::CompareOpExpected {
                after: "not".into()
            }
        );
        // Keywords and literals in any case.
        assert_eq!(
            parse("A Pr AnD NoT (b EQ TRUE) oR c Ne NULL")
                .unwrap()
                .to_string(),
            "A pr and not (b eq true) or c ne null"
        );
    }

    #[test]
    fn number_literals() {
        let value = |text: &str| match &parse(&format!("a eq {text}")) {
            Ok(Filter::Compare { value, .. }) => Ok(value.clone()),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e.kind().clone()),
        };
        assert_eq!(value("1.5e3"), Ok(CompValue::Decimal(1500.0)));
        assert_eq!(value("-0"), Ok(CompValue::Int(0)));
        assert_eq!(value("0"), Ok(CompValue::Int(0)));
        assert_eq!(value("1E+2"), Ok(CompValue::Decimal(100.0)));
        assert_eq!(value("-2.5e-1"), Ok(CompValue::Decimal(-0.25)));
        assert_eq!(value("9223372036854775807"), Ok(CompValue::Int(i64::MAX)));
        assert_eq!(value("-9223372036854775808"), Ok(CompValue::Int(i64::MIN)));
        assert_eq!(value("1e400"), Err(ErrorKind::NumberOutOfRange));
        for bad in [
            "01", "1.", ".5", "1e", "1e+", "+1", "1x", "1-2", "1.2.3", "-", "0x1",
        ] {
            assert_eq!(
                value(bad),
                Err(ErrorKind::ValueExpected { after: "eq".into() }),
                "{bad}"
            );
        }
        // A number ends where no name character or `.` follows: `+` is left over.
        assert_eq!(error("a eq 1+2").1, Some(6));
        assert_eq!(
            parse("a eq 1)").unwrap_err().into_kind(),
            ErrorKind::BracketUnmatched(')')
        );
        assert_eq!(parse("(a eq 1)").unwrap(), Filter::eq("a", 1));
    }

    #[test]
    fn string_literals() {
        let value = |text: &str| match &parse(&format!("a eq {text}")) {
            Ok(Filter::Compare { value, .. }) => Ok(value.clone()),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err((e.kind().clone(), e.span())),
        };
        assert_eq!(value(r#""plain é😀""#), Ok("plain é😀".into()));
        assert_eq!(value(r#""a\"b\\c\u00e9""#), Ok("a\"b\\cé".into()));
        assert_eq!(value(r#""(\"[""#), Ok("(\"[".into()));
        assert_eq!(value(r#""""#), Ok("".into()));
        assert_eq!(
            value(r#""\u12""#),
            Err((ErrorKind::StringEscapeInvalid, Some(Span::new(6, 8))))
        );
        assert_eq!(
            value(r#""é\x""#),
            Err((ErrorKind::StringEscapeInvalid, Some(Span::new(8, 10))))
        );
        for unterminated in [r#""abc"#, r#""abc\""#, r#""abc\"#, r#"""#] {
            assert_eq!(
                value(unterminated),
                Err((ErrorKind::StringUnterminated, Some(Span::new(5, 5)))),
                "{unterminated}"
            );
        }
        // A string may touch the brackets and keywords around it.
        assert_eq!(
            parse(r#"emails[value eq "x"]"#).unwrap().to_string(),
            r#"emails[value eq "x"]"#
        );
    }

    /// Which error wins when a text has several: the pre-scan's, then syntax, then the first
    /// error in well-formed text.
    #[test]
    fn error_precedence() {
        // A syntax error after a bad escape.
        assert_eq!(error(r#"a eq "\q" foo"#).1, Some(10));
        // An unterminated string after a syntax error.
        assert_eq!(error(r#"a b "x"#).0, ErrorKind::StringUnterminated);
        // An unmatched bracket after a bad escape.
        assert_eq!(error(r#"a eq "\q")"#).0, ErrorKind::BracketUnmatched(')'));
        // Nesting too deep after a syntax error.
        let deep = format!("a b {}", "(".repeat(60));
        assert_eq!(error(&deep).0, ErrorKind::NestLimitExceeded { max: 50 });
        // The first error in well-formed text.
        assert_eq!(error(r#"a eq 1e400 or b eq "\q""#).1, Some(5));
        assert_eq!(error(r#"b eq "\q" or a eq 1e400"#).1, Some(6));
        // A nested value path comes before what is wrong inside it, and spans its tail.
        let lenient = Options::new().interop(Interop::idp_compatible());
        let e = Filter::parse_with(r#"x[e[a pr].b eq "\q"]"#, &lenient).unwrap_err();
        assert_eq!(
            (e.kind(), e.span()),
            (&ErrorKind::ValuePathNested, Some(Span::new(2, 19)))
        );
        // Entra's tail, strict, comes before a bad escape in its value.
        let e = parse(r#"emails[type eq "work"].value eq "\q""#).unwrap_err();
        assert_eq!(e.offset(), Some(22));
        let e = Filter::parse_with(r#"emails[type eq "work"].value eq "\q""#, &lenient);
        assert_eq!(e.unwrap_err().offset(), Some(33));
    }

    #[test]
    fn multibyte_characters_next_to_tokens() {
        assert_eq!(
            parse("é pr").unwrap_err().into_kind(),
            ErrorKind::AttrPathExpected { after: None }
        );
        // The name ends at the `é`, where the operator is expected.
        let (kind, offset, _) = error("aé pr");
        assert_eq!(
            (kind, offset),
            (ErrorKind::CompareOpExpected { after: "a".into() }, Some(1))
        );
        // U+00A0 is not a separator, but the message points past it.
        let (kind, offset, _) = error("a\u{a0}pr");
        assert_eq!(
            (kind, offset),
            (ErrorKind::CompareOpExpected { after: "a".into() }, Some(3))
        );
        assert_eq!(error("a pr\u{3000}and b pr").1, Some(7));
        assert_eq!(error("a eq 😀").1, Some(5));
        assert_eq!(error("a pr and 😀").1, Some(9));
        assert_eq!(error("a[😀]").1, Some(2));
        // Every parser returns on every text with a multi-byte character at any boundary.
        let texts = [
            r#"emails[type eq "work" and value co "@x"].value eq "é" or not (a.b pr)"#,
            "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName, b , c",
            r#"members[value eq "x\u00e9"].display"#,
        ];
        let lenient = Options::new().interop(Interop::idp_compatible());
        for text in texts {
            for (i, _) in text.char_indices().chain([(text.len(), ' ')]) {
                for insert in ["é", "😀", "\u{a0}", "\u{3000}", "\u{85}"] {
                    let t = format!("{}{insert}{}", &text[..i], &text[i..]);
                    if let Err(e) = Filter::parse_with(&t, &lenient) {
                        // Every offset is a character boundary of the text.
                        if let Some(at) = e.offset() {
                            assert!(t.is_char_boundary(at), "{t:?}: {e}");
                        }
                    }
                    let _ = Path::parse(&t);
                    let _ = AttrPath::parse(&t);
                    let _ = AttrPath::parse_list(&t);
                }
            }
        }
    }

    #[test]
    fn spans_and_paths() {
        let f = parse(r#"  urn:a:b:name.given eq "x" and emails[type eq "w"]"#).unwrap();
        let Filter::And(operands) = &f else {
            panic!("{f:?}")
        };
        let Filter::Compare { attr, op, .. } = &operands[0] else {
            panic!()
        };
        assert_eq!(
            (attr.urn(), attr.name(), attr.sub_attr(), attr.span()),
            (
                Some("urn:a:b"),
                "name",
                Some("given"),
                Some(Span::new(2, 20))
            )
        );
        assert_eq!(*op, CompareOp::Eq);
        let Filter::ValuePath { attr, filter } = &operands[1] else {
            panic!()
        };
        assert_eq!(attr.span(), Some(Span::new(32, 38)));
        let Filter::Compare { attr, .. } = &**filter else {
            panic!()
        };
        assert_eq!(attr.span(), Some(Span::new(39, 43)));

        let lenient = Options::new().interop(Interop::idp_compatible());
        let f = Filter::parse_with(r#"emails[type eq "work"].value pr"#, &lenient).unwrap();
        let Filter::ValuePath { filter, .. } = &f else {
            panic!()
        };
        let Filter::And(operands) = &**filter else {
            panic!()
        };
        let Filter::Present { attr } = &operands[1] else {
            panic!()
        };
        assert_eq!(attr.span(), Some(Span::new(23, 28)));

        let p = Path::parse(r#" members [ value eq "x" ].display "#).unwrap();
        assert_eq!(p.to_string(), r#"members[value eq "x"].display"#);
        assert_eq!(
            Path::parse(r#"members[x[value pr]]"#).unwrap_err().kind(),
            &ErrorKind::ValuePathNested
        );
        let list = AttrPath::parse_list("a , b.c,urn:x:y:z").unwrap();
        let spans: Vec<_> = list.iter().map(|a| a.span().unwrap()).collect();
        assert_eq!(spans, [Span::new(0, 1), Span::new(4, 7), Span::new(8, 17)]);
        let e = AttrPath::parse_list("a,").unwrap_err();
        assert_eq!(
            e.to_string(),
            "expected an attribute path after `a,` at byte 2"
        );
        let e = AttrPath::parse("a. b").unwrap_err();
        assert_eq!(
            e.to_string(),
            "expected an attribute path after `a.` at byte 3"
        );
    }

    #[test]
    fn a_million_brackets_stop_at_the_limit() {
        let roomy = Options::new().limits(Limits::new().max_len(16 << 20));
        let capped = Options::new().limits(Limits::new().max_len(16 << 20).max_depth(u32::MAX));
        // On a small stack: the parser descends only as far as the limit.
        std::thread::Builder::new()
            .stack_size(512 << 10)
            .spawn(move || {
                for unit in ["(", "not (", "[", "a[", "(a pr or "] {
                    let text = unit.repeat(1_000_000);
                    let e = Filter::parse_with(&text, &roomy).unwrap_err();
                    assert_eq!(
                        e.kind(),
                        &ErrorKind::NestLimitExceeded { max: 50 },
                        "{unit}"
                    );
                    let at = e.offset().unwrap();
                    assert_eq!(&text[at..=at], if unit.contains('[') { "[" } else { "(" });
                    let e = Filter::parse_with(&text, &capped).unwrap_err();
                    assert_eq!(e.kind(), &ErrorKind::NestLimitExceeded { max: 128 });
                }
                let e = Path::parse_with(&"a[".repeat(1_000_000), &roomy).unwrap_err();
                assert_eq!(e.kind(), &ErrorKind::NestLimitExceeded { max: 50 });
            })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn long_flat_chains_use_no_stack() {
        let roomy = Options::new().limits(Limits::new().max_len(8 << 20));
        std::thread::Builder::new()
            .stack_size(128 << 10)
            .spawn(move || {
                let n = 100_000;
                let or = (0..n)
                    .map(|i| format!("a{i} pr"))
                    .collect::<Vec<_>>()
                    .join(" or ");
                let f = Filter::parse_with(&or, &roomy).unwrap();
                let Filter::Or(operands) = &f else {
                    panic!("not an Or")
                };
                assert_eq!(operands.len(), n);
                let and = or.replace(" or ", " and ");
                let f = Filter::parse_with(&and, &roomy).unwrap();
                let Filter::And(operands) = &f else {
                    panic!("not an And")
                };
                assert_eq!(operands.len(), n);
                // `and` binds tighter: 50,000 `And`s of two inside one `Or`.
                let mixed = (0..n / 2)
                    .map(|i| format!("a{i} pr and b pr"))
                    .collect::<Vec<_>>()
                    .join(" or ");
                let f = Filter::parse_with(&mixed, &roomy).unwrap();
                let Filter::Or(operands) = &f else {
                    panic!("not an Or")
                };
                assert_eq!(operands.len(), n / 2);
                assert!(operands
                    .iter()
                    .all(|f| matches!(f, Filter::And(a) if a.len() == 2)));
                let list = vec!["name.givenName"; n].join(",");
                assert_eq!(AttrPath::parse_list_with(&list, &roomy).unwrap().len(), n);
            })
            .unwrap()
            .join()
            .unwrap();
    }
}
