//! `CompiledFilter::matches` allocates nothing. Its own test binary: the
//! counting allocator is global, so this file holds a single test and nothing runs beside it.
//!
//! It lives in the `benches` package because a counting `GlobalAlloc` needs `unsafe impl`, which
//! the library crates forbid.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use scimkit_filter::{AttrPath, Filter, Interop, Options, SortOrder, Sorter};
use scimkit_schema::ResourceSchema;
use serde_json::json;

/// The system allocator, counting every allocation and reallocation.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`, which upholds `GlobalAlloc`'s contract.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn compiled_matches_and_sorting_do_not_allocate() {
    let schema = ResourceSchema::user();
    let options = Options::new().interop(Interop::idp_compatible());
    let ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let user = json!({
        "UserName": "BJensen@Example.com",
        "name": {"familyName": "Jensen", "givenName": "Bárbara"},
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "active": true,
        "meta": {"lastModified": "2011-05-13T04:42:34Z"},
        ext: {"employeeNumber": "701984", "manager": {"value": "m1"}}
    });
    let filters = [
        r#"userName eq "bjensen@example.com" and name.givenName sw "BÁR""#,
        r#"emails[type eq "work" and value co "@EXAMPLE.com"] or title pr"#,
        r#"emails ew "jensen.org" and not (active eq false) and active eq "True""#,
        r#"meta.lastModified gt "2011-05-13T05:00:00+02:00" and meta.lastModified le "2011-05-13T04:42:34Z""#,
        r#"employeeNumber eq "701984" and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m1""#,
        r#"name.familyName gt "jENSEM" and title eq null and emails.type ne "other""#,
        r#"emails[type eq "work"].value eq "bjensen@example.com""#,
    ];
    let compiled: Vec<_> = filters
        .iter()
        .map(|text| {
            Filter::parse_with(text, &options)
                .unwrap()
                .compile_with(&schema, &options)
                .unwrap()
        })
        .collect();
    let sorter = Sorter::compile(
        &AttrPath::parse("emails.value").unwrap(),
        SortOrder::Ascending,
        &schema,
    )
    .unwrap();
    let other = json!({"emails": [{"value": "a@b.c"}]});

    let before = ALLOCATIONS.load(Ordering::SeqCst);
    let mut hits = 0;
    for _ in 0..100 {
        for c in &compiled {
            hits += usize::from(c.matches(&user));
        }
        hits += usize::from(sorter.compare(&user, &other).is_gt());
    }
    let allocations = ALLOCATIONS.load(Ordering::SeqCst) - before;
    assert_eq!(hits, 100 * (filters.len() + 1), "every filter matches");
    assert_eq!(
        allocations, 0,
        "allocations (and reallocations) while matching"
    );
}
