//! Sorting resources by `sortBy` and `sortOrder` (RFC 7644 §3.4.2.3).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use scimkit_schema::{datetime, name, AttributeType, ResourceSchema};
use serde_json::{Number, Value};

use crate::ast::AttrPath;
use crate::compile::{self, Target};
use crate::error::{Context, Error, ErrorKind};
use crate::eval::{self, Scope};
use crate::span::Span;
use crate::text;

/// `sortOrder` (RFC 7644 §3.4.2.3): `ascending` (the default) or `descending`, in any case.
///
/// ```
/// use scimkit_filter::SortOrder;
/// assert_eq!("Descending".parse::<SortOrder>()?, SortOrder::Descending);
/// assert_eq!(SortOrder::default().to_string(), "ascending");
/// # Ok::<(), scimkit_filter::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortOrder {
    /// Smallest first; resources without a value come last.
    #[default]
    Ascending,
    /// Largest first; resources without a value come first.
    Descending,
}

impl SortOrder {
    /// The RFC's spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            SortOrder::Ascending => "ascending",
            SortOrder::Descending => "descending",
        }
    }
}

impl fmt::Display for SortOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SortOrder {
    type Err = Error;

    /// # Errors
    /// [`ErrorKind::Unexpected`] for anything but `ascending` or `descending` in any case.
    /// RFC 7644 names no `scimType` for a bad `sortOrder`; the error says `invalidPath`, the
    /// closest.
    fn from_str(text: &str) -> Result<SortOrder, Error> {
        if text.eq_ignore_ascii_case("ascending") {
            Ok(SortOrder::Ascending)
        } else if text.eq_ignore_ascii_case("descending") {
            Ok(SortOrder::Descending)
        } else {
            let kind = ErrorKind::Unexpected {
                found: Some(text.to_owned()),
            };
            Err(Error::new(
                kind,
                Some(Span::new(0, text.len())),
                Context::Path,
            ))
        }
    }
}

/// A comparator for `sortBy`/`sortOrder` (RFC 7644 §3.4.2.3).
///
/// - The value sorted by is the attribute's value; for a multi-valued attribute the value marked
///   `"primary": true`, else the first (for `emails.value`, the primary email's `value`); a
///   complex value without a sub-attribute in the path stands for its `value`.
/// - Resources without a value (missing, `null`) sort last in ascending order and first in
///   descending order.
/// - Strings compare case-insensitively ("case insensitive Unicode alphabetic sort order, with no
///   specific locale implied", taken as code point order after lower-casing) unless the schema
///   says `caseExact`; numbers numerically; booleans `false` first; dateTimes chronologically
///   (for `dateTime` attributes, or without a schema when the value parses as one).
/// - Values of different types sort in the order booleans, numbers, dateTimes, strings, others,
///   so that the comparison is a total order and `sort_by` can rely on it.
///
/// ```
/// use scimkit_filter::{AttrPath, SortOrder, Sorter};
/// use serde_json::json;
///
/// let mut users = vec![
///     json!({"userName": "carol", "emails": [{"value": "c@x.org"}, {"value": "a@x.org", "primary": true}]}),
///     json!({"userName": "Alice"}),
///     json!({"userName": "bob", "emails": [{"value": "b@x.org"}]}),
/// ];
/// let by_name = Sorter::new(&AttrPath::parse("userName")?, SortOrder::Ascending);
/// users.sort_by(|a, b| by_name.compare(a, b));
/// assert_eq!(users[0]["userName"], "Alice");
///
/// let by_email = Sorter::new(&AttrPath::parse("emails.value")?, SortOrder::Ascending);
/// users.sort_by(|a, b| by_email.compare(a, b));
/// let names: Vec<_> = users.iter().map(|u| u["userName"].as_str().unwrap()).collect();
/// assert_eq!(names, ["carol", "bob", "Alice"]); // a@x.org (primary), b@x.org, none last
/// # Ok::<(), scimkit_filter::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Sorter {
    place: Place,
    order: SortOrder,
    case_exact: bool,
    datetime: bool,
}

#[derive(Debug, Clone)]
enum Place {
    /// Schema-less: the path as written.
    Path(AttrPath),
    /// Resolved against a schema.
    Target(Target),
}

impl Sorter {
    /// A schema-less comparator with RFC defaults: `caseExact` false, dateTimes recognised by
    /// their shape.
    pub fn new(sort_by: &AttrPath, order: SortOrder) -> Sorter {
        Sorter {
            place: Place::Path(sort_by.clone()),
            order,
            case_exact: false,
            datetime: true,
        }
    }

    /// A comparator resolved against `schema`: the attribute's `caseExact` and type decide.
    ///
    /// ```
    /// use scimkit_filter::{AttrPath, SortOrder, Sorter};
    /// use scimkit_schema::ResourceSchema;
    /// let schema = ResourceSchema::user();
    /// let by_id = Sorter::compile(&AttrPath::parse("id")?, SortOrder::Ascending, &schema)?;
    /// // `id` is caseExact: "B" sorts before "a" by code point.
    /// assert!(by_id.compare(&serde_json::json!({"id": "B"}), &serde_json::json!({"id": "a"})).is_lt());
    /// assert!(Sorter::compile(&AttrPath::parse("nope")?, SortOrder::Ascending, &schema).is_err());
    /// # Ok::<(), scimkit_filter::Error>(())
    /// ```
    ///
    /// # Errors
    /// `invalidPath` for an attribute the schema does not define.
    pub fn compile(
        sort_by: &AttrPath,
        order: SortOrder,
        schema: &ResourceSchema,
    ) -> Result<Sorter, Error> {
        let (target, definition) = compile::resolve(schema, sort_by, Context::Path)?;
        // A complex attribute sorts by its `value` (as in a filter).
        let definition = if definition.is_complex() {
            definition.sub_attribute("value").unwrap_or(definition)
        } else {
            definition
        };
        Ok(Sorter {
            place: Place::Target(target),
            order,
            case_exact: definition.case_exact,
            datetime: definition.type_ == AttributeType::DateTime,
        })
    }

    /// The order.
    pub fn order(&self) -> SortOrder {
        self.order
    }

    /// Compares two resources. Allocates nothing.
    pub fn compare(&self, a: &Value, b: &Value) -> Ordering {
        let ascending = match (self.key(a), self.key(b)) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(a), Some(b)) => self.compare_values(a, b),
        };
        match self.order {
            SortOrder::Ascending => ascending,
            SortOrder::Descending => ascending.reverse(),
        }
    }

    /// Sorts `resources` in place (stably).
    pub fn sort(&self, resources: &mut [Value]) {
        resources.sort_by(|a, b| self.compare(a, b));
    }

    /// The value a resource sorts by, `None` when it has none.
    fn key<'v>(&self, resource: &'v Value) -> Option<&'v Value> {
        let (scope, name, sub) = match &self.place {
            Place::Path(p) => (Scope::of(p), p.name(), p.sub_attr()),
            Place::Target(t) => (t.scope(), t.name(), t.sub()),
        };
        let mut value = eval::attribute(resource, scope, name)?;
        if let Value::Array(items) = value {
            value = items
                .iter()
                .find(|v| is_primary(v))
                .or_else(|| items.first())?;
        }
        let member = sub.unwrap_or("value");
        if let Value::Object(o) = value {
            value = name::value(o, member)?;
        } else if sub.is_some() {
            return None;
        }
        if let Value::Array(items) = value {
            value = items.first()?;
        }
        (!value.is_null()).then_some(value)
    }

    fn compare_values(&self, a: &Value, b: &Value) -> Ordering {
        let (ra, rb) = (self.rank(a), self.rank(b));
        if ra != rb {
            return ra.cmp(&rb);
        }
        match (a, b) {
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Number(a), Value::Number(b)) => compare_numbers(a, b),
            (Value::String(a), Value::String(b)) => {
                if ra == Rank::DateTime {
                    if let (Some(ta), Some(tb)) = (datetime::parse(a), datetime::parse(b)) {
                        return ta.cmp(&tb);
                    }
                }
                if self.case_exact {
                    a.cmp(b)
                } else {
                    text::cmp(a, b)
                }
            }
            _ => Ordering::Equal,
        }
    }

    fn rank(&self, v: &Value) -> Rank {
        match v {
            Value::Bool(_) => Rank::Bool,
            Value::Number(_) => Rank::Number,
            Value::String(s) if self.datetime && datetime::parse(s).is_some() => Rank::DateTime,
            Value::String(_) => Rank::String,
            _ => Rank::Other,
        }
    }
}

/// The order of values of different types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Bool,
    Number,
    DateTime,
    String,
    Other,
}

fn is_primary(v: &Value) -> bool {
    v.as_object()
        .and_then(|o| name::value(o, "primary"))
        .is_some_and(|p| p.as_bool() == Some(true))
}

/// Numbers by value; equal floats are then ordered by their exact integer value, if any, so the
/// order stays total where `f64` rounds large integers together.
fn compare_numbers(a: &Number, b: &Number) -> Ordering {
    let float = |n: &Number| n.as_f64().unwrap_or(0.0);
    let exact = |n: &Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    float(a)
        .total_cmp(&float(b))
        .then_with(|| exact(a).cmp(&exact(b)))
}
