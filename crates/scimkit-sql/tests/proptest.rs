//! Random filters, valid or not, through the translator: it never panics, and SQLite prepares
//! and runs every translation, with the evaluator's answer on a small corpus. Also the extremes:
//! the longest flat `or` and the deepest nesting the parser allows.

mod common;

use proptest::prelude::*;
use scimkit_filter::{AttrPath, CompValue, CompareOp, Filter, Interop, Limits, Options};
use scimkit_schema::ResourceSchema;
use scimkit_sql::{Dialect, Query, SqlValue};
use serde_json::Value;

fn options() -> Options {
    Options::new()
        .interop(Interop::idp_compatible())
        .limits(Limits::new().max_len(1 << 20).max_depth(128))
}

/// How many generated filters compiled (and so were run), to keep the generator honest.
static COMPILED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

struct Fixture {
    conn: rusqlite::Connection,
    schema: ResourceSchema,
    docs: Vec<(String, Value)>,
    shapes: common::Shapes,
}

impl Fixture {
    fn new() -> Fixture {
        let corpus = common::Corpus::generate(60, 8, 99);
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        scimkit_sql::sqlite::register_functions(&conn).unwrap();
        conn.execute_batch(
            "CREATE TABLE resources (seq INTEGER PRIMARY KEY, id TEXT, type TEXT, doc TEXT,
                 user_name_fold TEXT, external_id TEXT, family_name TEXT, display_name TEXT);
             CREATE TABLE members (group_seq INTEGER, member_id TEXT, member_type TEXT,
                 display TEXT, position INTEGER);",
        )
        .unwrap();
        for (i, (id, doc)) in corpus.users.iter().enumerate() {
            let (u, e, f) = common::user_columns(doc);
            conn.execute(
                "INSERT INTO resources VALUES (?1, ?2, 'User', ?3, ?4, ?5, ?6, NULL)",
                rusqlite::params![i as i64 + 1, id, doc.to_string(), u, e, f],
            )
            .unwrap();
        }
        let users = corpus.users.len();
        for (i, (id, doc)) in corpus.groups.iter().enumerate() {
            conn.execute(
                "INSERT INTO resources VALUES (?1, ?2, 'Group', ?3, NULL, NULL, NULL, NULL)",
                rusqlite::params![(users + i) as i64 + 1, id, doc.to_string()],
            )
            .unwrap();
        }
        for (position, (g, member, ty, display)) in corpus.members.iter().enumerate() {
            conn.execute(
                "INSERT INTO members VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![(users + g + 1) as i64, member, ty, display, position as i64],
            )
            .unwrap();
        }
        Fixture {
            conn,
            schema: common::user_schema(),
            docs: corpus.users,
            shapes: common::Shapes::new(false),
        }
    }

    /// Translates `filter` for both shapes; when it compiles, runs it and compares with the
    /// evaluator.
    fn check(&self, filter: &Filter) -> Result<(), TestCaseError> {
        let compiled = filter.compile_with(&self.schema, &options());
        if compiled.is_ok() {
            COMPILED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        for shape in [&self.shapes.users_doc, &self.shapes.users_mapped] {
            let q = Query::new(Dialect::Sqlite, &self.schema, shape)
                .options(options())
                .filter(filter);
            let postgres = Query::new(Dialect::Postgres, &self.schema, shape)
                .options(options())
                .filter(filter);
            prop_assert_eq!(q.is_ok(), postgres.is_ok());
            let (q, compiled) = match (q, &compiled) {
                (Ok(q), Ok(c)) => (q, c),
                (Err(_), Err(_)) => continue,
                (q, c) => {
                    return Err(TestCaseError::fail(format!(
                        "{filter}: translation {:?}, compilation {:?}",
                        q.err(),
                        c.as_ref().err()
                    )))
                }
            };
            let sql = format!(
                "SELECT id FROM resources r WHERE type = 'User' AND ({}) ORDER BY seq",
                q.where_sql()
            );
            let mut stmt = self
                .conn
                .prepare(&sql)
                .map_err(|e| TestCaseError::fail(format!("{filter}: {e}: {sql}")))?;
            let params = rusqlite::params_from_iter(q.params().iter().map(|v| match v {
                SqlValue::Null => rusqlite::types::Value::Null,
                SqlValue::Bool(b) => rusqlite::types::Value::Integer(i64::from(*b)),
                SqlValue::Integer(n) => rusqlite::types::Value::Integer(*n),
                SqlValue::Real(x) => rusqlite::types::Value::Real(*x),
                SqlValue::Text(t) => rusqlite::types::Value::Text(t.clone()),
            }));
            let got: Vec<String> = stmt
                .query_map(params, |r| r.get(0))
                .and_then(|rows| rows.collect())
                .map_err(|e| TestCaseError::fail(format!("{filter}: {e}: {sql}")))?;
            let expected: Vec<String> = self
                .docs
                .iter()
                .filter(|(_, d)| compiled.matches(d))
                .map(|(id, _)| id.clone())
                .collect();
            prop_assert_eq!(got, expected, "{}", filter);
        }
        Ok(())
    }
}

fn attr_path() -> impl Strategy<Value = AttrPath> {
    prop_oneof![
        12 => prop::sample::select(common::USER_PATHS),
        1 => prop::sample::select(vec!["nope", "name.nope", "userName.x", "urn:x:y:z", "$ref", "members"]),
    ]
    .prop_map(|p| AttrPath::parse(p).unwrap())
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(CompValue::Int),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(CompValue::Decimal),
        any::<String>().prop_map(CompValue::String),
        prop::sample::select(common::WORDS).prop_map(CompValue::from),
        Just(CompValue::from("2011-05-13T04:42:34Z")),
    ]
}

fn leaf() -> impl Strategy<Value = Filter> {
    prop_oneof![
        (
            attr_path(),
            prop::sample::select(CompareOp::ALL.to_vec()),
            comp_value()
        )
            .prop_map(|(attr, op, value)| Filter::Compare { attr, op, value }),
        attr_path().prop_map(|attr| Filter::Present { attr }),
    ]
}

fn sub_leaf() -> impl Strategy<Value = Filter> {
    let sub = prop::sample::select(vec![
        "value", "type", "value", "type", "display", "primary", "nope",
    ])
    .prop_map(|s| AttrPath::parse(s).unwrap());
    prop_oneof![
        (
            sub.clone(),
            prop::sample::select(CompareOp::ALL.to_vec()),
            comp_value()
        )
            .prop_map(|(attr, op, value)| Filter::Compare { attr, op, value }),
        sub.prop_map(|attr| Filter::Present { attr }),
    ]
}

fn filter() -> impl Strategy<Value = Filter> {
    let value_path = (
        prop::sample::select(vec![
            "emails",
            "emails",
            "groups",
            "groups",
            "addresses",
            "userName",
        ]),
        prop::collection::vec(sub_leaf(), 1..4),
        any::<bool>(),
    )
        .prop_map(|(attr, subs, and)| Filter::ValuePath {
            attr: AttrPath::parse(attr).unwrap(),
            filter: Box::new(if subs.len() == 1 {
                subs.into_iter().next().unwrap()
            } else if and {
                Filter::And(subs)
            } else {
                !Filter::Or(subs)
            }),
        });
    prop_oneof![3 => leaf(), 1 => value_path].prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|f| !f),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::And),
            prop::collection::vec(inner, 2..4).prop_map(Filter::Or),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn translations_run_and_agree(f in filter()) {
        thread_local!(static FIXTURE: Fixture = Fixture::new());
        FIXTURE.with(|fixture| fixture.check(&f))?;
    }

    /// Parsed text, printed from a random filter, translates the same way.
    #[test]
    fn parsed_filters_translate(f in filter()) {
        let text = f.to_string();
        if let Ok(parsed) = Filter::parse_with(&text, &options()) {
            thread_local!(static FIXTURE: Fixture = Fixture::new());
            FIXTURE.with(|fixture| fixture.check(&parsed))?;
        }
    }
}

#[test]
fn the_longest_flat_or_runs() {
    let fixture = Fixture::new();
    let text = (0..5000)
        .map(|i| format!(r#"userName eq "u{i}""#))
        .chain(["userName pr".to_owned()])
        .collect::<Vec<_>>()
        .join(" or ");
    let f = Filter::parse_with(&text, &options()).unwrap();
    fixture.check(&f).unwrap();
}

#[test]
fn the_deepest_nesting_runs() {
    let fixture = Fixture::new();
    let depth = Limits::MAX_DEPTH_CAP as usize;
    let text = format!(
        "{}emails[not (type eq \"work\") or value pr]{}",
        "not (title pr or ".repeat(depth - 2),
        ")".repeat(depth - 2)
    );
    let f = Filter::parse_with(&text, &options()).unwrap();
    fixture.check(&f).unwrap();
}

#[test]
fn a_hand_built_deep_filter_is_an_error_not_an_overflow() {
    let schema = ResourceSchema::user();
    let shape = scimkit_sql::Shape::new("r.doc", "r.seq");
    let mut f = Filter::pr("userName");
    for _ in 0..100_000 {
        f = !f;
    }
    let err = Query::new(Dialect::Sqlite, &schema, &shape)
        .filter(&f)
        .unwrap_err();
    assert_eq!(err.status(), http::StatusCode::BAD_REQUEST);
}

/// Runs after the properties in the same process only by chance, so it checks its own batch.
#[test]
fn most_generated_filters_compile() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let fixture = Fixture::new();
    let before = COMPILED.load(std::sync::atomic::Ordering::Relaxed);
    for _ in 0..200 {
        let f = filter().new_tree(&mut runner).unwrap().current();
        fixture.check(&f).unwrap();
    }
    let compiled = COMPILED.load(std::sync::atomic::Ordering::Relaxed) - before;
    println!("{compiled} of 200 generated filters compiled and ran");
    assert!(compiled >= 40, "only {compiled} of 200 compiled");
}
