//! Query parameters (RFC 7644 §3.4.2, §3.9; RFC 9865 `cursor`), from a request URI or a
//! `/.search` body, validated into one [`Query`].

use scimkit_schema::text::excerpt;
use std::fmt::Write as _;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use scimkit_filter::{AttrPath, Filter};

use crate::{ScimError, SearchRequest};

/// `sortOrder` (RFC 7644 §3.4.2.3): the filter crate's type, which its [`Sorter`](scimkit_filter::Sorter) takes.
pub use scimkit_filter::SortOrder;

/// Reads `sortOrder` in any case, as a SCIM error when it is neither keyword.
fn parse_sort_order(text: &str) -> Result<SortOrder, ScimError> {
    let t = text.trim();
    t.parse().map_err(|_| {
        ScimError::invalid_value(format!(
            "`sortOrder` must be `ascending` or `descending`, not `{}`",
            excerpt(t, 64)
        ))
    })
}

/// A validated query: what to match, which attributes to return, how to sort and which page.
///
/// Built by [`QueryOptions::parse`] from a request's query string (`GET /Users?...`), by
/// [`QueryOptions::from_search`] from a `POST /.search` body, or by hand on the client side and
/// written with [`Query::to_query_string`] or [`Query::to_search_request`].
///
/// Values are normalized as RFC 7644 §3.4.2.4 says: `startIndex < 1` is 1, a negative `count` is
/// 0, and `count` is clamped to [`QueryOptions::max_count`].
///
/// # Examples
/// ```
/// use scimkit_protocol::Query;
///
/// // Okta's existence check (docs/idp-compatibility.md), URL-encoded as Okta sends it.
/// let q = Query::parse("filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100")?;
/// assert_eq!(q.filter.as_ref().unwrap().to_string(), r#"userName eq "test.user@okta.local""#);
/// assert_eq!((q.start_index, q.count), (Some(1), Some(100)));
///
/// // Parameter names match in any case; `+` is a space (HTML form rules).
/// let q = Query::parse("FILTER=title+pr&sortby=name.familyName&SortOrder=Descending&count=-3")?;
/// assert_eq!(q.count, Some(0));
/// assert_eq!(q.sort_by.unwrap().to_string(), "name.familyName");
/// # Ok::<(), scimkit_protocol::ScimError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    /// `filter` (§3.4.2.2).
    pub filter: Option<Filter>,
    /// `attributes` (§3.4.2.5): return these (and those `returned: always`).
    pub attributes: Vec<AttrPath>,
    /// `excludedAttributes` (§3.4.2.5): return the defaults but these.
    pub excluded_attributes: Vec<AttrPath>,
    /// `sortBy` (§3.4.2.3).
    pub sort_by: Option<AttrPath>,
    /// `sortOrder` (§3.4.2.3); `None` means ascending when `sort_by` is set.
    pub sort_order: Option<SortOrder>,
    /// `startIndex` (§3.4.2.4), 1-based; `None` when not given.
    pub start_index: Option<u64>,
    /// `count` (§3.4.2.4); `None` when not given (use the server's default page size).
    pub count: Option<u64>,
    /// `cursor` (RFC 9865 §2): `Some("")` asks for the first page of cursor paging, `Some(c)`
    /// for the page at `c`, `None` for index paging.
    pub cursor: Option<String>,
}

impl Query {
    /// Parses a query string (without the `?`) with the default [`QueryOptions`].
    pub fn parse(query: &str) -> Result<Query, ScimError> {
        QueryOptions::new().parse(query)
    }

    /// Parses the query of a request URI with the default [`QueryOptions`].
    pub fn from_uri(uri: &http::Uri) -> Result<Query, ScimError> {
        QueryOptions::new().parse(uri.query().unwrap_or(""))
    }

    /// A query with only a filter, e.g. for a client's existence check.
    pub fn filter(filter: Filter) -> Query {
        Query {
            filter: Some(filter),
            ..Query::default()
        }
    }

    /// The effective sort order: `sort_order`, or ascending when only `sort_by` is set.
    pub fn effective_sort_order(&self) -> Option<SortOrder> {
        self.sort_by
            .as_ref()
            .map(|_| self.sort_order.unwrap_or_default())
    }

    /// The `startIndex` in force: the given one, or 1.
    pub fn start_index_or_default(&self) -> u64 {
        self.start_index.unwrap_or(1)
    }

    /// The query as a query string, every value percent-encoded (RFC 3986 unreserved characters
    /// are kept; a space becomes `%20` and `+` becomes `%2B`, so servers that decode `+` as a
    /// space and servers that do not both read the same text). Empty when nothing is set.
    pub fn to_query_string(&self) -> String {
        let mut out = String::new();
        let mut push = |name: &str, value: &str| {
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(name);
            out.push('=');
            percent_encode_into(value, &mut out);
        };
        if let Some(f) = &self.filter {
            push("filter", &f.to_string());
        }
        if !self.attributes.is_empty() {
            push("attributes", &join(&self.attributes));
        }
        if !self.excluded_attributes.is_empty() {
            push("excludedAttributes", &join(&self.excluded_attributes));
        }
        if let Some(s) = &self.sort_by {
            push("sortBy", &s.to_string());
        }
        if let Some(o) = self.sort_order {
            push("sortOrder", o.as_str());
        }
        if let Some(i) = self.start_index {
            push("startIndex", &i.to_string());
        }
        if let Some(c) = self.count {
            push("count", &c.to_string());
        }
        if let Some(c) = &self.cursor {
            push("cursor", c);
        }
        out
    }

    /// The query as a `POST /.search` body (§3.4.3).
    pub fn to_search_request(&self) -> SearchRequest {
        SearchRequest {
            attributes: (!self.attributes.is_empty())
                .then(|| self.attributes.iter().map(|a| a.to_string()).collect()),
            excluded_attributes: (!self.excluded_attributes.is_empty()).then(|| {
                self.excluded_attributes
                    .iter()
                    .map(|a| a.to_string())
                    .collect()
            }),
            filter: self.filter.as_ref().map(|f| f.to_string()),
            sort_by: self.sort_by.as_ref().map(|s| s.to_string()),
            sort_order: self.sort_order.map(|o| o.as_str().to_owned()),
            start_index: self.start_index.map(|i| i as i64),
            count: self.count.map(|c| i64::try_from(c).unwrap_or(i64::MAX)),
            cursor: self.cursor.clone(),
        }
    }
}

fn join(paths: &[AttrPath]) -> String {
    let mut s = String::new();
    for (i, p) in paths.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{p}");
    }
    s
}

/// Everything but the RFC 3986 §2.3 unreserved characters (`A-Z a-z 0-9 - . _ ~`).
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub(crate) fn percent_encode_into(value: &str, out: &mut String) {
    out.extend(utf8_percent_encode(value, NOT_UNRESERVED));
}

/// How queries are validated: the page size limits and the filter parser's options.
///
/// # Examples
/// ```
/// use scimkit_protocol::QueryOptions;
///
/// let options = QueryOptions::new().max_count(100).default_count(20);
/// let q = options.parse("count=1000")?;
/// assert_eq!(q.count, Some(100));
/// assert_eq!(options.parse("")?.count, Some(20));
/// # Ok::<(), scimkit_protocol::ScimError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct QueryOptions {
    max_count: u64,
    default_count: Option<u64>,
    filter: scimkit_filter::Options,
}

impl Default for QueryOptions {
    fn default() -> Self {
        QueryOptions::new()
    }
}

impl QueryOptions {
    /// The defaults: `count` clamped to 500, no default page size, the filter parser's defaults
    /// (RFC syntax only; switch on its interop profile with [`filter_options`](Self::filter_options)).
    pub const fn new() -> QueryOptions {
        QueryOptions {
            max_count: 500,
            default_count: None,
            filter: scimkit_filter::Options::new(),
        }
    }

    /// The largest `count` honoured; larger values are lowered to it (RFC 7644 §3.4.2.4 lets a
    /// service provider return fewer results than asked). Default 500; advertise it as
    /// `filter.maxResults`.
    pub const fn max_count(mut self, max: u64) -> QueryOptions {
        self.max_count = max;
        self
    }

    /// The `count` filled in when a query gives none. Default: none (the query's `count` stays
    /// `None`).
    pub const fn default_count(mut self, count: u64) -> QueryOptions {
        self.default_count = Some(count);
        self
    }

    /// Options for parsing `filter`, `attributes`, `excludedAttributes` and `sortBy`, e.g. the
    /// Entra interop profile (`Interop::idp_compatible()`) or tighter limits.
    pub const fn filter_options(mut self, options: scimkit_filter::Options) -> QueryOptions {
        self.filter = options;
        self
    }

    /// Parses and validates a query string (without the leading `?`).
    ///
    /// Decoding follows the WHATWG `application/x-www-form-urlencoded` parser (what `url`,
    /// browsers and most web frameworks do): `%XX` escapes are decoded and `+` is a space. RFC
    /// 3986 alone would keep `+` literal; we chose form rules because clients that build queries
    /// with form encoders (`userName+eq+%22x%22`) are common, and a literal `+` in a value is
    /// sent as `%2B` by every encoder that also escapes `"` (which a filter value needs).
    /// Invalid UTF-8 after decoding becomes U+FFFD. Parameter names match in any case; unknown
    /// parameters (such as Entra's `aadOptscim062020` flag) are ignored; a known parameter given
    /// twice is an error.
    pub fn parse(&self, query: &str) -> Result<Query, ScimError> {
        let mut raw = RawParams::default();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            raw.set(&name, value.into_owned())?;
        }
        self.validate(raw)
    }

    /// Parses and validates the query of a request URI.
    pub fn parse_uri(&self, uri: &http::Uri) -> Result<Query, ScimError> {
        self.parse(uri.query().unwrap_or(""))
    }

    /// Validates a `POST /.search` body into a [`Query`], with the same rules as a query string.
    pub fn from_search(&self, req: &SearchRequest) -> Result<Query, ScimError> {
        let list = |v: &Option<Vec<String>>| v.as_ref().map(|items| items.join(","));
        let raw = RawParams {
            filter: req.filter.clone(),
            attributes: list(&req.attributes),
            excluded_attributes: list(&req.excluded_attributes),
            sort_by: req.sort_by.clone(),
            sort_order: req.sort_order.clone(),
            start_index: req.start_index.map(|i| i.to_string()),
            count: req.count.map(|c| c.to_string()),
            cursor: req.cursor.clone(),
        };
        self.validate(raw)
    }

    fn validate(&self, raw: RawParams) -> Result<Query, ScimError> {
        let mut q = Query::default();
        if let Some(f) = raw.filter {
            // An empty `filter=` is no filter rather than a syntax error: some clients always
            // send the parameter.
            if !f.trim().is_empty() {
                q.filter = Some(Filter::parse_with(&f, &self.filter)?);
            }
        }
        if let Some(a) = raw.attributes.filter(|a| !a.trim().is_empty()) {
            q.attributes = AttrPath::parse_list_with(&a, &self.filter)?;
        }
        if let Some(a) = raw.excluded_attributes.filter(|a| !a.trim().is_empty()) {
            q.excluded_attributes = AttrPath::parse_list_with(&a, &self.filter)?;
        }
        if !q.attributes.is_empty() && !q.excluded_attributes.is_empty() {
            // §3.4.2.5 defines each alone; together they contradict each other.
            return Err(ScimError::invalid_value(
                "`attributes` and `excludedAttributes` cannot be used together",
            ));
        }
        if let Some(s) = raw.sort_by.filter(|s| !s.trim().is_empty()) {
            q.sort_by = Some(AttrPath::parse_with(s.trim(), &self.filter)?);
        }
        if let Some(o) = raw.sort_order {
            q.sort_order = Some(parse_sort_order(&o)?);
        }
        if let Some(i) = raw.start_index {
            // §3.4.2.4: "A value less than 1 SHALL be interpreted as 1."
            q.start_index = Some(parse_int("startIndex", &i)?.max(1) as u64);
        }
        if let Some(c) = raw.count {
            // §3.4.2.4: "A negative value SHALL be interpreted as "0"."
            let c = parse_int("count", &c)?.max(0) as u64;
            q.count = Some(c.min(self.max_count));
        } else if let Some(d) = self.default_count {
            q.count = Some(d.min(self.max_count));
        }
        if let Some(c) = raw.cursor {
            if q.start_index.is_some() {
                // RFC 9865 §2: the two paging methods are alternatives.
                return Err(ScimError::invalid_value(
                    "`cursor` and `startIndex` cannot be used together",
                ));
            }
            q.cursor = Some(c);
        }
        Ok(q)
    }
}

/// An integer parameter, saturating at the `i64` range (a huge `count` is clamped anyway).
fn parse_int(name: &str, text: &str) -> Result<i64, ScimError> {
    let t = text.trim();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ScimError::invalid_value(format!(
            "`{name}` must be an integer, not `{}`",
            excerpt(t, 64)
        )));
    }
    let magnitude = digits.parse::<i64>().unwrap_or(i64::MAX);
    Ok(if neg { -magnitude } else { magnitude })
}

#[derive(Default)]
struct RawParams {
    filter: Option<String>,
    attributes: Option<String>,
    excluded_attributes: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    start_index: Option<String>,
    count: Option<String>,
    cursor: Option<String>,
}

impl RawParams {
    fn set(&mut self, name: &str, value: String) -> Result<(), ScimError> {
        let (slot, canonical) = match name {
            n if n.eq_ignore_ascii_case("filter") => (&mut self.filter, "filter"),
            n if n.eq_ignore_ascii_case("attributes") => (&mut self.attributes, "attributes"),
            n if n.eq_ignore_ascii_case("excludedAttributes") => {
                (&mut self.excluded_attributes, "excludedAttributes")
            }
            n if n.eq_ignore_ascii_case("sortBy") => (&mut self.sort_by, "sortBy"),
            n if n.eq_ignore_ascii_case("sortOrder") => (&mut self.sort_order, "sortOrder"),
            n if n.eq_ignore_ascii_case("startIndex") => (&mut self.start_index, "startIndex"),
            n if n.eq_ignore_ascii_case("count") => (&mut self.count, "count"),
            n if n.eq_ignore_ascii_case("cursor") => (&mut self.cursor, "cursor"),
            _ => return Ok(()),
        };
        if slot.is_some() {
            return Err(ScimError::invalid_value(format!(
                "query parameter `{canonical}` is given more than once"
            )));
        }
        *slot = Some(value);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scimkit_schema::ScimType;

    #[test]
    fn entra_and_okta_shapes() {
        // groups by displayName without members.
        let q = Query::parse("excludedAttributes=members&filter=displayName+eq+%22Group%20One%22")
            .unwrap();
        assert_eq!(q.excluded_attributes.len(), 1);
        assert_eq!(
            q.filter.unwrap().to_string(),
            r#"displayName eq "Group One""#
        );
        // Google's probe.
        assert_eq!(Query::parse("count=1").unwrap().count, Some(1));
        // Entra feature flag in the tenant URL is ignored.
        assert!(Query::parse("aadOptscim062020&filter=userName%20eq%20%22a%22").is_ok());
    }

    #[test]
    fn normalization_and_errors() {
        let q = Query::parse("startIndex=0&count=99999999999999999999999").unwrap();
        assert_eq!((q.start_index, q.count), (Some(1), Some(500)));
        let q = Query::parse("startIndex=-5").unwrap();
        assert_eq!(q.start_index, Some(1));
        for bad in [
            "count=ten",
            "count=",
            "startIndex=1.5",
            "sortOrder=up",
            "count=1&COUNT=2",
            "attributes=userName&excludedAttributes=emails",
            "cursor=&startIndex=1",
        ] {
            let e = Query::parse(bad).unwrap_err();
            assert_eq!(e.scim_type(), Some(ScimType::InvalidValue), "{bad}: {e}");
        }
        let e = Query::parse("filter=userName%20eq").unwrap_err();
        assert_eq!(e.scim_type(), Some(ScimType::InvalidFilter));
        assert!(Query::parse("attributes=user%20name").is_err());
    }

    #[test]
    fn cursor_and_sort_defaults() {
        let q = Query::parse("cursor&count=10").unwrap();
        assert_eq!(q.cursor.as_deref(), Some(""));
        let q = Query::parse("sortBy=userName").unwrap();
        assert_eq!(q.effective_sort_order(), Some(SortOrder::Ascending));
        assert_eq!(Query::parse("").unwrap(), Query::default());
        assert_eq!(Query::parse("filter=").unwrap().filter, None);
    }

    #[test]
    fn query_string_round_trip() {
        let q = Query::parse(
            "filter=userName%20eq%20%22a%2Bb%40x.com%22&attributes=userName,name.givenName&sortBy=userName&sortOrder=descending&startIndex=3&count=7",
        )
        .unwrap();
        let s = q.to_query_string();
        assert!(
            s.contains("%2B") && !s.contains('+') && !s.contains(' '),
            "{s}"
        );
        assert_eq!(Query::parse(&s).unwrap(), q);
        let sr = q.to_search_request();
        assert_eq!(QueryOptions::new().from_search(&sr).unwrap(), q);
    }
}
