//! Building filters in code. Values are kept as values, so printing escapes them correctly:
//! no string concatenation of user input into filter text.

use std::ops;

use crate::ast::{AttrPath, CompValue, CompareOp, Filter};

/// Something that names an attribute for the builder: an [`AttrPath`], or a `&'static str`
/// literal in the program such as `"name.familyName"`.
///
/// Attribute names from input (configuration, a request) should go through [`AttrPath::parse`],
/// which returns an error instead of panicking.
pub trait IntoAttrPath {
    /// The path.
    ///
    /// # Panics
    /// For a `&'static str` that is not an attribute path: a bug in the program, like an invalid
    /// `http::HeaderName::from_static`.
    fn into_attr_path(self) -> AttrPath;
}

impl IntoAttrPath for AttrPath {
    fn into_attr_path(self) -> AttrPath {
        self
    }
}

impl IntoAttrPath for &AttrPath {
    fn into_attr_path(self) -> AttrPath {
        self.clone()
    }
}

impl IntoAttrPath for &'static str {
    fn into_attr_path(self) -> AttrPath {
        match AttrPath::parse(self) {
            Ok(path) => path.with_span(None),
            Err(e) => panic!("invalid attribute path literal `{self}`: {e}"),
        }
    }
}

impl Filter {
    /// `attr op value`.
    ///
    /// ```
    /// use scimkit_filter::{CompareOp, Filter};
    /// let f = Filter::compare("meta.lastModified", CompareOp::Gt, "2011-05-13T04:42:34Z");
    /// assert_eq!(f.to_string(), r#"meta.lastModified gt "2011-05-13T04:42:34Z""#);
    /// ```
    pub fn compare(attr: impl IntoAttrPath, op: CompareOp, value: impl Into<CompValue>) -> Filter {
        Filter::Compare {
            attr: attr.into_attr_path(),
            op,
            value: value.into(),
        }
    }

    /// `attr eq value`. The value is escaped when printed, whatever it holds.
    ///
    /// ```
    /// use scimkit_filter::Filter;
    /// let name = r#"O"Malley \ Jr"#; // from a request
    /// let f = Filter::eq("name.familyName", name).and(Filter::eq("active", true));
    /// let text = f.to_string();
    /// assert_eq!(text, r#"name.familyName eq "O\"Malley \\ Jr" and active eq true"#);
    /// assert_eq!(Filter::parse(&text)?, f);
    /// # Ok::<(), scimkit_filter::Error>(())
    /// ```
    pub fn eq(attr: impl IntoAttrPath, value: impl Into<CompValue>) -> Filter {
        Filter::compare(attr, CompareOp::Eq, value)
    }

    /// `attr ne value`.
    pub fn ne(attr: impl IntoAttrPath, value: impl Into<CompValue>) -> Filter {
        Filter::compare(attr, CompareOp::Ne, value)
    }

    /// `attr co value`.
    pub fn co(attr: impl IntoAttrPath, value: impl Into<CompValue>) -> Filter {
        Filter::compare(attr, CompareOp::Co, value)
    }

    /// `attr sw value`.
    pub fn sw(attr: impl IntoAttrPath, value: impl Into<CompValue>) -> Filter {
        Filter::compare(attr, CompareOp::Sw, value)
    }

    /// `attr ew value`.
    pub fn ew(attr: impl IntoAttrPath, value: impl Into<CompValue>) -> Filter {
        Filter::compare(attr, CompareOp::Ew, value)
    }

    /// `attr gt value`.
    pub fn gt(attr: impl IntoAttrPath, value: impl Into<CompValue>) -> Filter {
        Filter::compare(attr, CompareOp::Gt, value)
    }

    /// `attr ge value`.
    pub fn ge(attr: impl IntoAttrPath, value: impl Into<CompValue>) -> Filter {
        Filter::compare(attr, CompareOp::Ge, value)
    }

    /// `attr lt value`.
    pub fn lt(attr: impl IntoAttrPath, value: impl Into<CompValue>) -> Filter {
        Filter::compare(attr, CompareOp::Lt, value)
    }

    /// `attr le value`.
    pub fn le(attr: impl IntoAttrPath, value: impl Into<CompValue>) -> Filter {
        Filter::compare(attr, CompareOp::Le, value)
    }

    /// `attr pr`.
    pub fn pr(attr: impl IntoAttrPath) -> Filter {
        Filter::Present {
            attr: attr.into_attr_path(),
        }
    }

    /// `attr[filter]`: some value of the complex attribute `attr` matches `filter`, whose paths
    /// name sub-attributes.
    ///
    /// ```
    /// use scimkit_filter::Filter;
    /// let f = Filter::value_path("emails", Filter::eq("type", "work").and(Filter::co("value", "@example.com")));
    /// assert_eq!(f.to_string(), r#"emails[type eq "work" and value co "@example.com"]"#);
    /// ```
    pub fn value_path(attr: impl IntoAttrPath, filter: Filter) -> Filter {
        Filter::ValuePath {
            attr: attr.into_attr_path(),
            filter: Box::new(filter),
        }
    }

    /// `self and other`. Chains stay flat: `a.and(b).and(c)` is one `And` of three.
    ///
    /// ```
    /// use scimkit_filter::Filter;
    /// let f = Filter::pr("title").and(Filter::eq("userType", "Employee")).or(Filter::pr("nickName"));
    /// assert_eq!(f.to_string(), r#"title pr and userType eq "Employee" or nickName pr"#);
    /// let g = Filter::pr("title").and(Filter::eq("userType", "Employee").or(Filter::pr("nickName")));
    /// assert_eq!(g.to_string(), r#"title pr and (userType eq "Employee" or nickName pr)"#);
    /// ```
    #[must_use]
    pub fn and(self, other: Filter) -> Filter {
        join(self, other, true)
    }

    /// `self or other`. Chains stay flat: `a.or(b).or(c)` is one `Or` of three.
    #[must_use]
    pub fn or(self, other: Filter) -> Filter {
        join(self, other, false)
    }

    /// All of `filters` (an `And`); `None` for none.
    pub fn all(filters: impl IntoIterator<Item = Filter>) -> Option<Filter> {
        filters.into_iter().reduce(Filter::and)
    }

    /// Any of `filters` (an `Or`); `None` for none.
    ///
    /// ```
    /// use scimkit_filter::Filter;
    /// let ids = ["2819c223", "902c246b"];
    /// let f = Filter::any(ids.iter().map(|id| Filter::eq("id", *id))).unwrap();
    /// assert_eq!(f.to_string(), r#"id eq "2819c223" or id eq "902c246b""#);
    /// ```
    pub fn any(filters: impl IntoIterator<Item = Filter>) -> Option<Filter> {
        filters.into_iter().reduce(Filter::or)
    }
}

/// Appends `other` to `this` when `this` is already the same n-ary operator, so that a chain
/// built one call at a time stays one node (and prints without parentheses).
fn join(mut this: Filter, other: Filter, and: bool) -> Filter {
    let operands = match (&mut this, and) {
        (Filter::And(operands), true) | (Filter::Or(operands), false) if operands.len() >= 2 => {
            operands
        }
        _ => {
            return if and {
                Filter::And(vec![this, other])
            } else {
                Filter::Or(vec![this, other])
            }
        }
    };
    operands.push(other);
    this
}

/// `!filter` is `not (filter)`.
///
/// ```
/// use scimkit_filter::Filter;
/// let f = !Filter::eq("userType", "Employee");
/// assert_eq!(f.to_string(), r#"not (userType eq "Employee")"#);
/// ```
impl ops::Not for Filter {
    type Output = Filter;

    fn not(self) -> Filter {
        Filter::Not(Box::new(self))
    }
}
