//! The query at the root (`GET /`, `POST /.search`) over users and groups on every store:
//! filters naming attributes only some types have, sorting across types, and cursor paging that
//! returns every match exactly once in the order index paging gives.

use std::collections::HashSet;

use http::{Method, StatusCode};
use scimkit_server::hooks::AllowAll;
use scimkit_server::store::{memory::MemoryStore, sqlite::SqliteStore, Store};
use scimkit_server::ScimService;
use serde_json::{json, Value};

mod common;
use common::{call, ids, on_postgres, urlencode};

const BASE: &str = "/scim/v2";

async fn get<S: Store>(svc: &ScimService<S, AllowAll>, query: &str) -> (StatusCode, Value) {
    call(svc, Method::GET, &format!("{BASE}/?{query}"), None).await
}

/// Every page of a cursor-paged root query, in order, and the `totalResults` each page gave.
async fn all_pages<S: Store>(
    svc: &ScimService<S, AllowAll>,
    query: &str,
) -> (Vec<String>, Vec<Value>) {
    let (mut seen, mut totals) = (Vec::new(), Vec::new());
    let mut cursor = String::new();
    for _ in 0..100 {
        let (status, page) = get(svc, &format!("{query}&cursor={}", urlencode(&cursor))).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(ids(&page).into_iter().map(str::to_owned));
        totals.push(page["totalResults"].clone());
        match page["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => return (seen, totals),
        }
    }
    panic!("cursor paging did not end");
}

async fn root_search<S: Store>(store: S) {
    let svc = ScimService::builder(store).build();
    let mut users = Vec::new();
    for (user_name, display) in [
        ("bjensen", Some("Barbara Jensen")),
        ("Ümit", Some("ümit yılmaz")),
        ("jsmith", None),
        ("adalovelace", Some("Ada Lovelace")),
        ("zed", Some("Zed")),
        ("mo", Some("Mo")),
        ("kim", None),
    ] {
        let mut body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                              "userName": user_name});
        if let Some(d) = display {
            body["displayName"] = json!(d);
        }
        let (status, user) = call(&svc, Method::POST, &format!("{BASE}/Users"), Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{user}");
        users.push(user["id"].as_str().unwrap().to_owned());
    }
    let mut groups = Vec::new();
    for name in ["Tour Guides", "admins", "Beta", "ünits", "Zebra"] {
        let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                          "displayName": name, "members": [{"value": users[0]}]});
        let (status, group) = call(&svc, Method::POST, &format!("{BASE}/Groups"), Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{group}");
        groups.push(group["id"].as_str().unwrap().to_owned());
    }
    let everyone: HashSet<String> = users.iter().chain(&groups).cloned().collect();

    // A filter naming an attribute only users have reads, for groups, as that attribute absent.
    let f = urlencode(r#"userName eq "bjensen" or displayName eq "Tour Guides""#);
    let (status, found) = get(&svc, &format!("filter={f}")).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let got: HashSet<&str> = ids(&found).into_iter().collect();
    assert_eq!(got, HashSet::from([users[0].as_str(), groups[0].as_str()]));
    assert_eq!(found["totalResults"], 2);
    // `members` exists only on groups; `not` of an absent attribute's comparison holds for users.
    let f = urlencode(r#"not (members[value eq "nobody"])"#);
    let (_, found) = get(&svc, &format!("filter={f}&count=100")).await;
    assert_eq!(found["totalResults"], 12);
    // A filter no type understands is the client's mistake.
    let (status, error) = get(&svc, &format!("filter={}", urlencode("bogus eq 1"))).await;
    assert_eq!(
        (status, error["scimType"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalidFilter"))
    );

    // Sorted across types: index paging gives the order, cursor paging returns the same.
    for order in ["ascending", "descending"] {
        let query = format!("sortBy=displayName&sortOrder={order}&attributes=id");
        let (status, all) = get(&svc, &format!("{query}&count=100")).await;
        assert_eq!(status, StatusCode::OK, "{all}");
        let by_index: Vec<String> = ids(&all).into_iter().map(str::to_owned).collect();
        assert_eq!(by_index.len(), 12);
        assert_eq!(by_index.iter().cloned().collect::<HashSet<_>>(), everyone);
        // Projection happens after sorting: `attributes=id` did not hide the sort key.
        let (_, full) = get(
            &svc,
            &format!("sortBy=displayName&sortOrder={order}&count=100"),
        )
        .await;
        let names: Vec<Option<String>> = full["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["displayName"].as_str().map(str::to_lowercase))
            .collect();
        let present: Vec<&String> = names.iter().flatten().collect();
        let mut sorted = present.clone();
        sorted.sort();
        if order == "descending" {
            sorted.reverse();
        }
        assert_eq!(present, sorted, "{order}: {names:?}");
        assert_eq!(
            ids(&full),
            by_index.iter().map(String::as_str).collect::<Vec<_>>()
        );
        for count in [1, 2, 5] {
            let (by_cursor, totals) = all_pages(&svc, &format!("{query}&count={count}")).await;
            assert_eq!(by_cursor, by_index, "{order}, count {count}");
            assert!(totals.iter().all(|t| *t == 12), "{totals:?}");
        }
    }

    // Unsorted and filtered: every match exactly once.
    let f = urlencode(r#"displayName pr or userName sw "j""#);
    let (_, all) = get(&svc, &format!("filter={f}&count=100")).await;
    assert_eq!(all["totalResults"], 11);
    for count in [1, 3, 4] {
        let (by_cursor, _) = all_pages(&svc, &format!("filter={f}&count={count}")).await;
        assert_eq!(by_cursor.len(), 11, "{by_cursor:?}");
        let unique: HashSet<&String> = by_cursor.iter().collect();
        assert_eq!(unique.len(), 11);
    }

    // A cursor belongs to the query it was issued for.
    let (_, first) = get(&svc, "count=2&cursor=").await;
    let cursor = first["nextCursor"].as_str().unwrap();
    let (status, error) = get(
        &svc,
        &format!("count=2&sortBy=userName&cursor={}", urlencode(cursor)),
    )
    .await;
    assert_eq!(
        (status, error["scimType"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalidCursor"))
    );
    let (_, users_page) = call(
        &svc,
        Method::GET,
        &format!("{BASE}/Users?count=2&cursor="),
        None,
    )
    .await;
    let users_cursor = users_page["nextCursor"].as_str().unwrap();
    let (status, error) = get(&svc, &format!("count=2&cursor={}", urlencode(users_cursor))).await;
    assert_eq!(
        (status, error["scimType"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalidCursor"))
    );
    let (status, _) = get(&svc, "count=2&cursor=garbage").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // POST /.search pages the same way.
    let (status, page) = call(
        &svc,
        Method::POST,
        &format!("{BASE}/.search"),
        Some(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                    "filter": "displayName sw \"z\"", "sortBy": "displayName", "cursor": "", "count": 1})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["totalResults"], 2);
    assert!(page["nextCursor"].is_string(), "{page}");
}

#[tokio::test(flavor = "multi_thread")]
async fn root_search_on_the_memory_store() {
    root_search(MemoryStore::new()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn root_search_on_the_sqlite_store() {
    root_search(SqliteStore::open_temporary().unwrap()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn root_search_on_the_postgres_store() {
    on_postgres("root", root_search).await;
}
