//! Reading every page of a query, on the client side: index paging (RFC 7644 §3.4.2.4,
//! `startIndex` and `count`) or cursor paging (RFC 9865, `cursor` and `nextCursor`).
//!
//! A sans-I/O state machine: [`Pager::next_request`] builds the request for the next page,
//! the caller sends it, and [`Pager::handle_response`] reads the page and decides whether
//! another one follows. It stops on the last page, on an empty page, after a cap on pages or
//! resources, and on a server that repeats a cursor, so a hostile or broken server cannot keep
//! it going forever.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use scimkit_schema::ServiceProviderConfig;
use serde::de::DeserializeOwned;

use crate::{Client, ListResponse, Query, ScimError};

/// How pages are addressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagingMode {
    /// `startIndex` and `count` (RFC 7644 §3.4.2.4).
    Index,
    /// `cursor` and `count`, following `nextCursor` (RFC 9865 §2).
    Cursor,
}

impl PagingMode {
    /// The mode a service provider advertises in its ServiceProviderConfig `pagination`
    /// (RFC 9865 §4): its `defaultPaginationMethod` when it supports that method, cursor when it
    /// supports only cursors, index otherwise (every RFC 7644 provider pages by index).
    ///
    /// ```
    /// use scimkit_protocol::PagingMode;
    /// use scimkit_schema::{PaginationConfig, ServiceProviderConfig};
    ///
    /// let mut spc = ServiceProviderConfig::default();
    /// assert_eq!(PagingMode::advertised(&spc), PagingMode::Index);
    /// spc.pagination = Some(PaginationConfig { cursor: true, index: false, ..Default::default() });
    /// assert_eq!(PagingMode::advertised(&spc), PagingMode::Cursor);
    /// ```
    pub fn advertised(config: &ServiceProviderConfig) -> PagingMode {
        let Some(p) = &config.pagination else {
            return PagingMode::Index;
        };
        match p.default_pagination_method.as_deref().map(str::trim) {
            Some(m) if m.eq_ignore_ascii_case("cursor") && p.cursor => PagingMode::Cursor,
            Some(m) if m.eq_ignore_ascii_case("index") && p.index => PagingMode::Index,
            _ if p.cursor && !p.index => PagingMode::Cursor,
            _ => PagingMode::Index,
        }
    }
}

/// Why a [`Pager`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PagerStop {
    /// The last page was read: `totalResults` reached, a short page without `totalResults`, or
    /// no `nextCursor`.
    Complete,
    /// A page held no resources (in cursor mode: [`Pager::max_empty_pages`] in a row).
    EmptyPage,
    /// [`Pager::max_pages`] pages were read.
    PageLimit,
    /// [`Pager::max_resources`] resources were read.
    ResourceLimit,
    /// The server sent a `nextCursor` it had sent before: following it would loop.
    CursorRepeated,
}

/// Reads every page of a query, one request at a time, with any transport.
///
/// - **Index mode**: pages start at the query's `startIndex` (or 1) and move on by the number
///   of resources each page held. The listing ends when `totalResults` is reached (the latest
///   value: if it changes between pages the pager follows it and reports
///   [`total_changed`](Pager::total_changed), since resources may have been skipped or seen
///   twice), or, when the server sends no `totalResults`, on a page shorter than the page size
///   (the `count` asked for, or the size of the first page when none was asked). A page shorter
///   than `count` with more results announced is read as the server's own cap, and paging goes
///   on.
/// - **Cursor mode**: the first request sends an empty `cursor`; each next one sends the
///   `nextCursor` of the page before; the listing ends on a page without one.
///
/// The pager changes only when a page is handled: until then
/// [`next_request`](Pager::next_request) returns the same request, so a failed send (or a 429)
/// can simply be retried.
///
/// # Examples
/// ```
/// use scimkit_protocol::{Client, Pager, PagingMode, Query};
/// use serde_json::{json, Value};
///
/// let client = Client::new("https://example.com/scim/v2")?;
/// let mut pager = Pager::new("Users", Query::default()).page_size(2);
/// let mut users: Vec<Value> = Vec::new();
/// // A server with three users.
/// let all = [json!({"id": "1"}), json!({"id": "2"}), json!({"id": "3"})];
/// while let Some(req) = pager.next_request(&client) {
///     let req = req?;
///     let q = scimkit_protocol::Query::from_uri(req.uri())?;
///     let start = q.start_index.unwrap() as usize;
///     let page: Vec<&Value> = all.iter().skip(start - 1).take(2).collect();
///     let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
///                       "totalResults": 3, "startIndex": start, "itemsPerPage": page.len(),
///                       "Resources": page});
///     let resp = http::Response::new(serde_json::to_vec(&body)?);
///     users.extend(pager.handle_response::<Value>(&resp)?.resources);
/// }
/// assert_eq!(users.len(), 3);
/// assert_eq!(pager.pages(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Pager {
    endpoint: String,
    query: Query,
    search: bool,
    mode: PagingMode,
    page_size: Option<u64>,
    max_pages: u64,
    max_resources: u64,
    max_empty_pages: u32,
    // State.
    next_start: u64,
    next_cursor: String,
    pages: u64,
    resources: u64,
    total: Option<u64>,
    total_changed: bool,
    learned_page_size: Option<u64>,
    empty_in_a_row: u32,
    seen_cursors: HashSet<u64>,
    stop: Option<PagerStop>,
}

impl Pager {
    /// A pager over `GET /{endpoint}?{query}`. The query's filter, attributes and sort are kept
    /// on every page; its `count` is the page size; its `cursor`, when set, selects cursor mode
    /// (and a non-empty one is where paging starts), its `startIndex` where index paging starts.
    pub fn new(endpoint: impl Into<String>, query: Query) -> Pager {
        let mode = if query.cursor.is_some() {
            PagingMode::Cursor
        } else {
            PagingMode::Index
        };
        Pager {
            endpoint: endpoint.into(),
            next_start: query.start_index_or_default().max(1),
            next_cursor: query.cursor.clone().unwrap_or_default(),
            page_size: query.count,
            query,
            search: false,
            mode,
            max_pages: 10_000,
            max_resources: u64::MAX,
            max_empty_pages: 3,
            pages: 0,
            resources: 0,
            total: None,
            total_changed: false,
            learned_page_size: None,
            empty_in_a_row: 0,
            seen_cursors: HashSet::new(),
            stop: None,
        }
    }

    /// Pages with `mode`.
    pub fn mode(mut self, mode: PagingMode) -> Pager {
        self.mode = mode;
        self
    }

    /// Uses what a ServiceProviderConfig advertises: the paging mode (unless the query chose
    /// cursors), and a page size within RFC 9865 `maxPageSize` and `filter.maxResults`
    /// (`defaultPageSize` when none was asked for).
    pub fn configure(mut self, config: &ServiceProviderConfig) -> Pager {
        if self.query.cursor.is_none() {
            self.mode = PagingMode::advertised(config);
        }
        let pagination = config.pagination.as_ref();
        if self.page_size.is_none() {
            self.page_size = pagination.and_then(|p| p.default_page_size);
        }
        let caps = [
            pagination.and_then(|p| p.max_page_size),
            Some(config.filter.max_results).filter(|&m| m > 0),
        ];
        for cap in caps.into_iter().flatten() {
            self.page_size = Some(self.page_size.map_or(cap, |s| s.min(cap)));
        }
        self
    }

    /// Asks for `n` resources a page (`count`; at least 1).
    pub fn page_size(mut self, n: u64) -> Pager {
        self.page_size = Some(n.max(1));
        self
    }

    /// Sends `POST /{endpoint}/.search` (RFC 7644 §3.4.3) instead of `GET`.
    pub fn use_search(mut self, on: bool) -> Pager {
        self.search = on;
        self
    }

    /// Stops after `n` pages (default 10 000; at least 1).
    pub fn max_pages(mut self, n: u64) -> Pager {
        self.max_pages = n.max(1);
        self
    }

    /// Stops after `n` resources; the page that reaches the cap is cut to it.
    pub fn max_resources(mut self, n: u64) -> Pager {
        self.max_resources = n;
        self
    }

    /// In cursor mode, stops after `n` empty pages in a row that still carry a `nextCursor`
    /// (default 3; RFC 9865 lets a page be empty with more to come). Index mode stops on the
    /// first empty page.
    pub fn max_empty_pages(mut self, n: u32) -> Pager {
        self.max_empty_pages = n.max(1);
        self
    }

    /// The query of the next page, or `None` when paging is over.
    pub fn next_query(&self) -> Option<Query> {
        if self.stop.is_some() {
            return None;
        }
        let mut q = self.query.clone();
        q.count = self.page_size;
        match self.mode {
            PagingMode::Index => {
                q.start_index = Some(self.next_start);
                q.cursor = None;
            }
            PagingMode::Cursor => {
                q.start_index = None;
                q.cursor = Some(self.next_cursor.clone());
            }
        }
        Some(q)
    }

    /// The request for the next page, or `None` when paging is over.
    pub fn next_request(
        &self,
        client: &Client,
    ) -> Option<Result<http::Request<Vec<u8>>, ScimError>> {
        let q = self.next_query()?;
        Some(if self.search {
            client.search(&self.endpoint, &q)
        } else {
            client.list(&self.endpoint, &q)
        })
    }

    /// Reads the response to [`next_request`](Pager::next_request): the page (cut to
    /// [`max_resources`](Pager::max_resources)), and the pager moves on. A non-2xx response or a
    /// body that is not a ListResponse is an error and changes nothing.
    pub fn handle_response<T: DeserializeOwned>(
        &mut self,
        resp: &http::Response<Vec<u8>>,
    ) -> Result<ListResponse<T>, ScimError> {
        let mut page: ListResponse<T> = Client::parse_list(resp)?;
        let left = self.max_resources.saturating_sub(self.resources);
        if page.resources.len() as u64 > left {
            page.resources
                .truncate(usize::try_from(left).unwrap_or(usize::MAX));
        }
        self.handle_page(&page);
        Ok(page)
    }

    /// Moves on past `page`, a page the caller parsed itself.
    pub fn handle_page<T>(&mut self, page: &ListResponse<T>) {
        if self.stop.is_some() {
            return;
        }
        let n = page.resources.len() as u64;
        self.pages += 1;
        self.resources = self.resources.saturating_add(n);
        if let Some(t) = page.total_results {
            if self.total.is_some_and(|old| old != t) {
                self.total_changed = true;
            }
            self.total = Some(t);
        }
        self.stop = match self.mode {
            PagingMode::Index => self.after_index_page(n),
            PagingMode::Cursor => self.after_cursor_page(n, page.next_cursor.as_deref()),
        };
        if self.stop.is_none() {
            if self.resources >= self.max_resources {
                self.stop = Some(PagerStop::ResourceLimit);
            } else if self.pages >= self.max_pages {
                self.stop = Some(PagerStop::PageLimit);
            }
        }
    }

    fn after_index_page(&mut self, n: u64) -> Option<PagerStop> {
        let start = self.next_start;
        if n == 0 {
            let past_end = self.total.is_some_and(|t| start > t);
            return Some(if past_end || self.pages == 1 {
                PagerStop::Complete
            } else {
                PagerStop::EmptyPage
            });
        }
        let size = *self
            .learned_page_size
            .get_or_insert(self.page_size.unwrap_or(n));
        self.next_start = start.saturating_add(n);
        match self.total {
            Some(t) if self.next_start > t => Some(PagerStop::Complete),
            Some(_) => None,
            None if n < size => Some(PagerStop::Complete),
            None => None,
        }
    }

    fn after_cursor_page(&mut self, n: u64, next: Option<&str>) -> Option<PagerStop> {
        let Some(next) = next.filter(|c| !c.is_empty()) else {
            return Some(PagerStop::Complete);
        };
        if n == 0 {
            self.empty_in_a_row += 1;
            if self.empty_in_a_row >= self.max_empty_pages {
                return Some(PagerStop::EmptyPage);
            }
        } else {
            self.empty_in_a_row = 0;
        }
        let mut h = std::collections::hash_map::DefaultHasher::new();
        next.hash(&mut h);
        if !self.seen_cursors.insert(h.finish()) || next == self.next_cursor {
            return Some(PagerStop::CursorRepeated);
        }
        next.clone_into(&mut self.next_cursor);
        None
    }

    /// Whether paging is over.
    pub fn is_done(&self) -> bool {
        self.stop.is_some()
    }

    /// Why paging stopped, once it has.
    pub fn stop_reason(&self) -> Option<PagerStop> {
        self.stop
    }

    /// Pages read.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// Resources read.
    pub fn resources(&self) -> u64 {
        self.resources
    }

    /// The latest `totalResults`.
    pub fn total_results(&self) -> Option<u64> {
        self.total
    }

    /// Whether `totalResults` changed between pages: resources were added or removed while
    /// paging, and an index-paged listing may have skipped or repeated some.
    pub fn total_changed(&self) -> bool {
        self.total_changed
    }

    /// The paging mode in use.
    pub fn paging_mode(&self) -> PagingMode {
        self.mode
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use scimkit_schema::PaginationConfig;
    use serde_json::{json, Value};

    fn client() -> Client {
        Client::new("https://sp.example/v2").unwrap()
    }

    fn list(total: Option<u64>, n: usize, next: Option<&str>) -> http::Response<Vec<u8>> {
        let mut body =
            json!({"Resources": (0..n).map(|i| json!({"id": i.to_string()})).collect::<Vec<_>>()});
        if let Some(t) = total {
            body["totalResults"] = json!(t);
        }
        if let Some(c) = next {
            body["nextCursor"] = json!(c);
        }
        http::Response::new(serde_json::to_vec(&body).unwrap())
    }

    fn query_of(p: &Pager) -> Query {
        let req = p.next_request(&client()).unwrap().unwrap();
        Query::from_uri(req.uri()).unwrap()
    }

    #[test]
    fn index_paging_by_total() {
        let mut p = Pager::new("Users", Query::default()).page_size(10);
        assert_eq!(query_of(&p).start_index, Some(1));
        p.handle_response::<Value>(&list(Some(30), 10, None))
            .unwrap();
        assert_eq!(query_of(&p).start_index, Some(11));
        // The server caps pages at 5: paging goes on by what came.
        p.handle_response::<Value>(&list(Some(30), 5, None))
            .unwrap();
        assert_eq!(query_of(&p).start_index, Some(16));
        assert_eq!(query_of(&p).count, Some(10));
        p.handle_response::<Value>(&list(Some(30), 10, None))
            .unwrap();
        assert!(!p.is_done());
        p.handle_response::<Value>(&list(Some(30), 5, None))
            .unwrap();
        assert_eq!(p.stop_reason(), Some(PagerStop::Complete));
        assert!(p.next_request(&client()).is_none());
        assert_eq!(p.resources(), 30);
        assert!(!p.total_changed());
    }

    #[test]
    fn index_paging_without_total_stops_on_short_page() {
        let mut p = Pager::new("Users", Query::default());
        p.handle_response::<Value>(&list(None, 4, None)).unwrap();
        assert_eq!(query_of(&p).start_index, Some(5));
        p.handle_response::<Value>(&list(None, 4, None)).unwrap();
        p.handle_response::<Value>(&list(None, 3, None)).unwrap();
        assert_eq!(p.stop_reason(), Some(PagerStop::Complete));
    }

    #[test]
    fn empty_pages_and_total_changes() {
        let mut p = Pager::new("Users", Query::default()).page_size(2);
        p.handle_response::<Value>(&list(Some(10), 2, None))
            .unwrap();
        // The total grows while paging, and then a page comes back empty: the server lied.
        p.handle_response::<Value>(&list(Some(12), 2, None))
            .unwrap();
        assert!(p.total_changed());
        assert_eq!(p.total_results(), Some(12));
        p.handle_response::<Value>(&list(Some(12), 0, None))
            .unwrap();
        assert_eq!(p.stop_reason(), Some(PagerStop::EmptyPage));
        // An empty first page is a complete, empty listing.
        let mut p = Pager::new("Users", Query::default());
        p.handle_response::<Value>(&list(Some(0), 0, None)).unwrap();
        assert_eq!(p.stop_reason(), Some(PagerStop::Complete));
    }

    #[test]
    fn errors_change_nothing() {
        let mut p = Pager::new("Users", Query::default()).page_size(2);
        let before = query_of(&p);
        let throttled = http::Response::builder()
            .status(429)
            .body(Vec::new())
            .unwrap();
        assert!(p.handle_response::<Value>(&throttled).is_err());
        assert_eq!(query_of(&p), before);
        assert_eq!(p.pages(), 0);
    }

    #[test]
    fn cursor_paging() {
        let q = Query {
            cursor: Some(String::new()),
            ..Query::default()
        };
        let mut p = Pager::new("Users", q).page_size(2);
        let first = p.next_request(&client()).unwrap().unwrap();
        assert!(first.uri().query().unwrap().contains("cursor="));
        p.handle_response::<Value>(&list(None, 2, Some("c2")))
            .unwrap();
        assert_eq!(query_of(&p).cursor.as_deref(), Some("c2"));
        // Empty pages with a cursor are allowed, up to a limit.
        p.handle_response::<Value>(&list(None, 0, Some("c3")))
            .unwrap();
        assert!(!p.is_done());
        p.handle_response::<Value>(&list(None, 1, None)).unwrap();
        assert_eq!(p.stop_reason(), Some(PagerStop::Complete));
        // A cursor seen before stops a loop.
        let mut p = Pager::new("Users", Query::default()).mode(PagingMode::Cursor);
        p.handle_response::<Value>(&list(None, 1, Some("a")))
            .unwrap();
        p.handle_response::<Value>(&list(None, 1, Some("b")))
            .unwrap();
        p.handle_response::<Value>(&list(None, 1, Some("a")))
            .unwrap();
        assert_eq!(p.stop_reason(), Some(PagerStop::CursorRepeated));
        // Endless empty pages.
        let mut p = Pager::new("Users", Query::default())
            .mode(PagingMode::Cursor)
            .max_empty_pages(2);
        p.handle_response::<Value>(&list(None, 0, Some("x1")))
            .unwrap();
        p.handle_response::<Value>(&list(None, 0, Some("x2")))
            .unwrap();
        assert_eq!(p.stop_reason(), Some(PagerStop::EmptyPage));
    }

    #[test]
    fn caps_and_configuration() {
        let mut p = Pager::new("Users", Query::default())
            .max_resources(3)
            .page_size(2);
        p.handle_response::<Value>(&list(Some(100), 2, None))
            .unwrap();
        let last = p
            .handle_response::<Value>(&list(Some(100), 2, None))
            .unwrap();
        assert_eq!(last.resources.len(), 1);
        assert_eq!(p.stop_reason(), Some(PagerStop::ResourceLimit));

        let mut p = Pager::new("Users", Query::default()).max_pages(2);
        p.handle_response::<Value>(&list(Some(100), 1, None))
            .unwrap();
        p.handle_response::<Value>(&list(Some(100), 1, None))
            .unwrap();
        assert_eq!(p.stop_reason(), Some(PagerStop::PageLimit));

        let mut spc = ServiceProviderConfig::default().with_filter(true, 200);
        spc.pagination = Some(PaginationConfig {
            cursor: true,
            index: true,
            default_pagination_method: Some("cursor".into()),
            default_page_size: Some(50),
            max_page_size: Some(500),
            cursor_timeout: None,
        });
        let p = Pager::new("Groups", Query::default())
            .page_size(1000)
            .configure(&spc)
            .use_search(true);
        assert_eq!(p.paging_mode(), PagingMode::Cursor);
        let req = p.next_request(&client()).unwrap().unwrap();
        assert_eq!(req.uri().path(), "/v2/Groups/.search");
        let body: Value = serde_json::from_slice(req.body()).unwrap();
        assert_eq!(
            (body["count"].clone(), body["cursor"].clone()),
            (json!(200), json!(""))
        );
        let p = Pager::new("Groups", Query::default()).configure(&spc);
        assert_eq!(query_of(&p).count, Some(50));
    }

    proptest! {
        /// Against a server of `n` resources that caps pages at `cap`, index paging reads each
        /// resource exactly once and in order, and never asks past the end.
        #[test]
        fn index_paging_reads_everything_once(n in 0u64..300, count in 1u64..50, cap in 1u64..60, send_total: bool) {
            let mut p = Pager::new("Users", Query::default()).page_size(count);
            let mut got = Vec::new();
            while let Some(req) = p.next_request(&client()) {
                let q = Query::from_uri(req.unwrap().uri()).unwrap();
                let start = q.start_index.unwrap();
                let take = q.count.unwrap().min(cap);
                let ids: Vec<Value> = (start..=n).take(take as usize).map(|i| json!({"id": i})).collect();
                let mut body = json!({"Resources": ids});
                if send_total { body["totalResults"] = json!(n); }
                let page = p.handle_response::<Value>(&http::Response::new(serde_json::to_vec(&body).unwrap())).unwrap();
                got.extend(page.resources.iter().map(|r| r["id"].as_u64().unwrap()));
                prop_assert!(p.pages() <= n + 2);
            }
            // Without totalResults a capped server ends early at its first short page; with it,
            // every resource is read.
            if send_total || cap >= count {
                prop_assert_eq!(got, (1..=n).collect::<Vec<_>>());
            } else {
                prop_assert_eq!(got.clone(), (1..=got.len() as u64).collect::<Vec<_>>());
            }
        }

        /// A server that answers anything at all ends within the page cap.
        #[test]
        fn hostile_server_terminates(pages in prop::collection::vec((0usize..3, prop::option::of(0u64..5), prop::option::of("[a-c]{0,2}")), 1..200), cursor: bool) {
            let mode = if cursor { PagingMode::Cursor } else { PagingMode::Index };
            let mut p = Pager::new("Users", Query::default()).mode(mode).max_pages(50);
            let mut i = 0;
            while p.next_request(&client()).is_some() {
                let (n, total, next) = &pages[i % pages.len()];
                p.handle_response::<Value>(&list(*total, *n, next.as_deref())).unwrap();
                i += 1;
                prop_assert!(i <= 50);
            }
        }
    }
}
