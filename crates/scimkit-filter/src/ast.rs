//! The filter and path AST: syntax only, named after the RFC 7644 §3.4.2.2 and §3.5.2 ABNF rules.
//!
//! The AST follows the text: names keep the case they were written in, parentheses leave no node
//! of their own, and nothing is checked against a schema (that is [`Filter::compile`]'s job).

use std::fmt;
use std::mem;

use crate::span::Span;

/// An attribute path, `attrPath` in RFC 7644 §3.4.2.2: an optional schema URI, an attribute name
/// and an optional sub-attribute name.
///
/// Names keep the case they were written in; equality is exact (it compares syntax), while
/// [`AttrPath::is`] compares the way SCIM does, in any case (RFC 7643 §2.1).
///
/// ```
/// use scimkit_filter::AttrPath;
///
/// let p = AttrPath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")?;
/// assert_eq!(p.urn(), Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
/// assert_eq!(p.name(), "manager");
/// assert_eq!(p.sub_attr(), Some("value"));
/// assert!(AttrPath::parse("Name.FamilyName")?.is("name.familyName"));
/// # Ok::<(), scimkit_filter::Error>(())
/// ```
#[derive(Clone)]
pub struct AttrPath {
    urn: Option<Box<str>>,
    name: Box<str>,
    sub_attr: Option<Box<str>>,
    span: Option<Span>,
}

impl AttrPath {
    /// Builds a path from parts that have already been checked by the grammar.
    pub(crate) fn from_parts(
        urn: Option<&str>,
        name: &str,
        sub_attr: Option<&str>,
        span: Option<Span>,
    ) -> AttrPath {
        AttrPath {
            urn: urn.map(Into::into),
            name: name.into(),
            sub_attr: sub_attr.map(Into::into),
            span,
        }
    }

    /// The schema URI, without its trailing `:`.
    pub fn urn(&self) -> Option<&str> {
        self.urn.as_deref()
    }

    /// The attribute name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The sub-attribute name.
    pub fn sub_attr(&self) -> Option<&str> {
        self.sub_attr.as_deref()
    }

    /// Where the path was in the parsed text; `None` for a path built in code.
    pub fn span(&self) -> Option<Span> {
        self.span
    }

    /// Whether this path names `path` (written like `name.familyName` or
    /// `urn:...:User:employeeNumber`) in any case, as RFC 7643 §2.1 compares names.
    /// Allocates nothing.
    ///
    /// ```
    /// let p = scimkit_filter::AttrPath::parse("EMAILS.Value")?;
    /// assert!(p.is("emails.value"));
    /// assert!(!p.is("emails"));
    /// # Ok::<(), scimkit_filter::Error>(())
    /// ```
    pub fn is(&self, path: &str) -> bool {
        let mut rest = path;
        if let Some(urn) = self.urn() {
            match strip_prefix_ci(rest, urn).and_then(|r| r.strip_prefix(':')) {
                Some(r) => rest = r,
                None => return false,
            }
        }
        let Some(r) = strip_prefix_ci(rest, self.name()) else {
            return false;
        };
        match self.sub_attr() {
            None => r.is_empty(),
            Some(sub) => r
                .strip_prefix('.')
                .is_some_and(|s| s.eq_ignore_ascii_case(sub)),
        }
    }

    /// The same path with another span: a path built in code has none, even when the builder
    /// parsed it from a literal.
    pub(crate) fn with_span(mut self, span: Option<Span>) -> AttrPath {
        self.span = span;
        self
    }
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Equality of syntax: the same parts spelled the same way. The span is not compared, so a
/// printed and re-parsed path equals the original.
impl PartialEq for AttrPath {
    fn eq(&self, other: &AttrPath) -> bool {
        self.urn == other.urn && self.name == other.name && self.sub_attr == other.sub_attr
    }
}

impl Eq for AttrPath {}

impl std::hash::Hash for AttrPath {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (&self.urn, &self.name, &self.sub_attr).hash(state);
    }
}

impl fmt::Debug for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The text form reads better in a Debug of a whole AST than the four fields.
        write!(f, "AttrPath({self})")
    }
}

/// A comparison operator, `compareOp` in RFC 7644 §3.4.2.2 Table 3. Printed in lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains (the value is a substring of the attribute value).
    Co,
    /// `sw`: starts with.
    Sw,
    /// `ew`: ends with.
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `ge`: greater than or equal to.
    Ge,
    /// `lt`: less than.
    Lt,
    /// `le`: less than or equal to.
    Le,
}

impl CompareOp {
    /// Every operator, in the order of RFC 7644 Table 3.
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];

    /// The operator as RFC 7644 spells it, in lower case.
    pub const fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    /// The operator for `text` in any case, e.g. `EQ`.
    pub fn from_keyword(text: &str) -> Option<CompareOp> {
        CompareOp::ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(text))
    }

    /// Whether this is one of the ordering operators `gt`, `ge`, `lt`, `le`.
    pub const fn is_ordering(self) -> bool {
        matches!(
            self,
            CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
        )
    }

    /// Whether this is one of the substring operators `co`, `sw`, `ew`.
    pub const fn is_substring(self) -> bool {
        matches!(self, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A comparison value, `compValue` in RFC 7644 §3.4.2.2: a JSON literal, kept exact.
///
/// Integers and decimals stay apart (`1` and `1.0` print back as written), so a filter round-trips
/// through [`Display`](fmt::Display).
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number without fraction or exponent that fits an `i64`.
    Int(i64),
    /// Any other number. Never NaN or infinite when parsed; one built in code that is prints as
    /// `null`, the only JSON it could be.
    Decimal(f64),
    /// A string, with its escapes decoded.
    String(String),
}

impl From<&str> for CompValue {
    fn from(s: &str) -> CompValue {
        CompValue::String(s.to_owned())
    }
}

impl From<String> for CompValue {
    fn from(s: String) -> CompValue {
        CompValue::String(s)
    }
}

impl From<bool> for CompValue {
    fn from(b: bool) -> CompValue {
        CompValue::Bool(b)
    }
}

impl From<i64> for CompValue {
    fn from(n: i64) -> CompValue {
        CompValue::Int(n)
    }
}

impl From<i32> for CompValue {
    fn from(n: i32) -> CompValue {
        CompValue::Int(n.into())
    }
}

impl From<u32> for CompValue {
    fn from(n: u32) -> CompValue {
        CompValue::Int(n.into())
    }
}

impl From<f64> for CompValue {
    fn from(n: f64) -> CompValue {
        CompValue::Decimal(n)
    }
}

impl<T: Into<CompValue>> From<Option<T>> for CompValue {
    fn from(v: Option<T>) -> CompValue {
        v.map_or(CompValue::Null, Into::into)
    }
}

/// A SCIM filter, `FILTER` in RFC 7644 §3.4.2.2.
///
/// Build one with [`Filter::parse`] (or `str::parse`) from text, or in code with the builder
/// methods ([`Filter::eq`], [`Filter::and`], `!filter`, ...), which escape values for you.
/// [`Display`](fmt::Display) prints the canonical text, which parses back to an equal `Filter`.
///
/// `and` and `or` are n-ary: `a and b and c` is one `And` of three operands. Dropping a filter
/// never recurses, so even a hand-built chain of a million `Not`s is freed without exhausting the
/// stack.
///
/// ```
/// use scimkit_filter::{AttrPath, CompValue, CompareOp, Filter};
///
/// let f = Filter::parse(r#"userType eq "Employee" and emails[type eq "work"]"#)?;
/// let Filter::And(operands) = &f else { panic!() };
/// assert!(matches!(&operands[0],
///     Filter::Compare { attr, op: CompareOp::Eq, value: CompValue::String(s) }
///         if attr.is("userType") && s == "Employee"));
/// assert!(matches!(&operands[1], Filter::ValuePath { .. }));
/// # Ok::<(), scimkit_filter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `attrPath SP compareOp SP compValue`.
    Compare {
        /// The attribute.
        attr: AttrPath,
        /// The operator.
        op: CompareOp,
        /// The value.
        value: CompValue,
    },
    /// `attrPath SP "pr"`: the attribute has a non-empty value.
    Present {
        /// The attribute.
        attr: AttrPath,
    },
    /// `attrPath "[" valFilter "]"`: some value of a (multi-valued) complex attribute matches
    /// `filter`, whose attribute paths name its sub-attributes.
    ValuePath {
        /// The complex attribute.
        attr: AttrPath,
        /// The filter on each of its values.
        filter: Box<Filter>,
    },
    /// `"not" "(" FILTER ")"`.
    Not(Box<Filter>),
    /// Operands joined by `and`. The parser and builder give it at least two.
    And(Vec<Filter>),
    /// Operands joined by `or`. The parser and builder give it at least two.
    Or(Vec<Filter>),
}

impl Filter {
    /// Whether this node has no child filters that could hold a deeper tree.
    fn is_shallow(&self) -> bool {
        match self {
            Filter::Compare { .. } | Filter::Present { .. } => true,
            Filter::Not(f) | Filter::ValuePath { filter: f, .. } => f.is_leaf(),
            Filter::And(fs) | Filter::Or(fs) => fs.iter().all(Filter::is_leaf),
        }
    }

    fn is_leaf(&self) -> bool {
        match self {
            Filter::Compare { .. } | Filter::Present { .. } => true,
            Filter::And(fs) | Filter::Or(fs) => fs.is_empty(),
            Filter::Not(_) | Filter::ValuePath { .. } => false,
        }
    }

    /// A node that owns nothing, to leave behind when moving children out.
    const EMPTY: Filter = Filter::And(Vec::new());
}

/// Frees the tree with a heap stack instead of recursion, as regex-syntax's `Ast` does: the AST is
/// public and can be built by hand to any depth, and the derived drop glue would recurse once per
/// level.
impl Drop for Filter {
    fn drop(&mut self) {
        if self.is_shallow() {
            return;
        }
        let mut stack = vec![mem::replace(self, Filter::EMPTY)];
        while let Some(mut node) = stack.pop() {
            match &mut node {
                Filter::And(fs) | Filter::Or(fs) => stack.append(fs),
                Filter::Not(f) | Filter::ValuePath { filter: f, .. } => {
                    stack.push(mem::replace(&mut **f, Filter::EMPTY));
                }
                Filter::Compare { .. } | Filter::Present { .. } => {}
            }
            // `node` drops here with no grandchildren left.
        }
    }
}

/// A PATCH operation's `path`, `PATH = attrPath / valuePath [subAttr]` in RFC 7644 §3.5.2.
///
/// ```
/// use scimkit_filter::Path;
///
/// let p = Path::parse(r#"members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName"#)?;
/// assert!(p.attr().is("members"));
/// assert_eq!(p.filter().unwrap().to_string(), r#"value eq "2819c223-7f76-453a-919d-413861904646""#);
/// assert_eq!(p.sub_attr(), Some("displayName"));
///
/// let p: Path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value".parse()?;
/// assert_eq!(p.attr().sub_attr(), Some("value"));
/// assert!(p.filter().is_none());
/// # Ok::<(), scimkit_filter::Error>(())
/// ```
///
/// Errors have `scimType` `invalidPath`.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    attr: AttrPath,
    filter: Option<Filter>,
    sub_attr: Option<Box<str>>,
}

impl Path {
    pub(crate) fn from_parts(
        attr: AttrPath,
        filter: Option<Filter>,
        sub_attr: Option<Box<str>>,
    ) -> Path {
        Path {
            attr,
            filter,
            sub_attr,
        }
    }

    /// A path to an attribute without a value filter.
    pub fn new(attr: AttrPath) -> Path {
        Path {
            attr,
            filter: None,
            sub_attr: None,
        }
    }

    /// The attribute (the part before `[`, or the whole path).
    pub fn attr(&self) -> &AttrPath {
        &self.attr
    }

    /// The value filter inside `[...]`, whose attribute paths name sub-attributes of
    /// [`attr`](Path::attr).
    pub fn filter(&self) -> Option<&Filter> {
        self.filter.as_ref()
    }

    /// The sub-attribute after `]`.
    pub fn sub_attr(&self) -> Option<&str> {
        self.sub_attr.as_deref()
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.attr)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
            if let Some(sub) = &self.sub_attr {
                write!(f, ".{sub}")?;
            }
        }
        Ok(())
    }
}
