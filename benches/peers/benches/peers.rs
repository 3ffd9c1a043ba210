//! The same inputs as `benches/benches/*.rs`, through the Rust SCIM crates a user would pick
//! instead of scimkit, and through scimkit itself in the same run, so that the ratios come from
//! one process on one machine state. Each peer's answer is checked on each input before it is
//! timed; wrong answers, rejections and panics are printed (prefixed `VERDICT`) and a peer that
//! panics or rejects an input is not timed on it.
//!
//! `cd benches/peers && CARGO_TARGET_DIR=/work/target-peers cargo bench -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::panic::{catch_unwind, AssertUnwindSafe};

use benches::corpus::{self, FilterCase, Kind};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use scim_server::providers::{InMemoryStorage, ScimPatchOperations, StandardResourceProvider};
use scim_v2::Validate;
use scimkit::filter::{Filter, Interop, Options};
use scimkit::patch::{PatchRequest, Patcher};
use scimkit::schema::ResourceSchema;
use serde_json::Value;

fn verdict(area: &str, case: &str, peer: &str, what: impl std::fmt::Display) {
    println!("VERDICT {area} {case} {peer}: {what}");
}

/// Runs `f`, turning a panic into `None` (the panic message still goes to stderr).
fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok()
}

fn options(case: &FilterCase) -> Options {
    if case.lenient {
        Options::new().interop(Interop::idp_compatible())
    } else {
        Options::new()
    }
}

fn scim_filter_parse(text: &str) -> Result<scim_filter::parser::Filter<'_>, String> {
    match scim_filter::parser::filter(text) {
        Ok(("", f)) => Ok(f),
        Ok((rest, _)) => Err(format!("unparsed rest {rest:?}")),
        Err(e) => Err(e.to_string()),
    }
}

fn filter_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("peer_filter_parse");
    for case in corpus::filters() {
        let opts = options(&case);
        let text = case.text.as_str();
        group.bench_function(format!("{}/scimkit", case.name), |b| {
            b.iter(|| Filter::parse_with(black_box(text), &opts).unwrap())
        });

        match guarded(|| text.parse::<scim_proto::filter::ScimFilter>()) {
            None => verdict("parse", case.name, "scim_proto", "PANICS"),
            Some(Err(e)) => verdict("parse", case.name, "scim_proto", format!("REJECTS: {e}")),
            Some(Ok(f)) => {
                verdict(
                    "parse",
                    case.name,
                    "scim_proto",
                    format!("parses as {}", f.to_string()),
                );
                group.bench_function(format!("{}/scim_proto", case.name), |b| {
                    b.iter(|| {
                        black_box(text)
                            .parse::<scim_proto::filter::ScimFilter>()
                            .unwrap()
                    })
                });
            }
        }

        match guarded(|| text.parse::<scim_v2::filter::Filter>()) {
            None => verdict("parse", case.name, "scim_v2", "PANICS"),
            Some(Err(e)) => verdict("parse", case.name, "scim_v2", format!("REJECTS: {e}")),
            Some(Ok(f)) => {
                verdict("parse", case.name, "scim_v2", format!("parses as {f:?}"));
                // The first parse builds scim_v2's lexer (~0.6 ms); it is out of the timing.
                group.bench_function(format!("{}/scim_v2", case.name), |b| {
                    b.iter(|| black_box(text).parse::<scim_v2::filter::Filter>().unwrap())
                });
            }
        }

        match guarded(|| scim_filter_parse(text).map(|f| format!("{f:?}"))) {
            None => verdict("parse", case.name, "scim-filter", "PANICS"),
            Some(Err(e)) => verdict("parse", case.name, "scim-filter", format!("REJECTS: {e}")),
            Some(Ok(f)) => {
                verdict("parse", case.name, "scim-filter", format!("parses as {f}"));
                group.bench_function(format!("{}/scim-filter", case.name), |b| {
                    b.iter(|| scim_filter_parse(black_box(text)).unwrap())
                });
            }
        }
    }
    group.finish();
}

fn filter_eval(c: &mut Criterion) {
    let users = corpus::users(corpus::USERS);
    let schema = ResourceSchema::user();
    let mut group = c.benchmark_group("peer_filter_eval_100k");
    group.sample_size(10);
    for case in corpus::filters() {
        let opts = options(&case);
        let filter = Filter::parse_with(&case.text, &opts).unwrap();
        let compiled = filter.compile_with(&schema, &opts).unwrap();
        let expected = users.iter().filter(|u| (case.baseline)(u)).count();
        assert_eq!(
            users.iter().filter(|u| compiled.matches(u)).count(),
            expected
        );

        group.bench_function(format!("{}/baseline", case.name), |b| {
            b.iter(|| {
                users
                    .iter()
                    .filter(|u| (case.baseline)(black_box(u)))
                    .count()
            })
        });
        group.bench_function(format!("{}/scimkit_compiled", case.name), |b| {
            b.iter(|| {
                users
                    .iter()
                    .filter(|u| compiled.matches(black_box(u)))
                    .count()
            })
        });
        group.bench_function(format!("{}/scimkit_schemaless", case.name), |b| {
            b.iter(|| {
                users
                    .iter()
                    .filter(|u| filter.matches(black_box(u)))
                    .count()
            })
        });

        // scim-filter: the only other evaluator. An evaluation error counts as "no match", as a
        // server using it would have to treat it.
        let Some(Ok(peer)) = guarded(|| scim_filter_parse(&case.text)) else {
            verdict("eval", case.name, "scim-filter", "not parsed (see parse)");
            continue;
        };
        let mut errors = 0usize;
        let mut wrong = Vec::new();
        let mut hits = 0usize;
        let outcome = guarded(|| {
            for (i, u) in users.iter().enumerate() {
                let got = match peer.r#match(u) {
                    Ok(hit) => hit,
                    Err(_) => {
                        errors += 1;
                        false
                    }
                };
                hits += usize::from(got);
                if got != (case.baseline)(u) && wrong.len() < 3 {
                    wrong.push(i);
                }
            }
        });
        if outcome.is_none() {
            verdict("eval", case.name, "scim-filter", "PANICS while matching");
            continue;
        }
        if hits == expected && wrong.is_empty() {
            verdict(
                "eval",
                case.name,
                "scim-filter",
                format!("correct ({hits} matches)"),
            );
        } else {
            verdict(
                "eval",
                case.name,
                "scim-filter",
                format!("WRONG: {hits} matches, expected {expected}; {errors} errors; first wrong users {wrong:?}"),
            );
        }
        group.bench_function(format!("{}/scim-filter", case.name), |b| {
            b.iter(|| {
                users
                    .iter()
                    .filter(|u| peer.r#match(black_box(u)).unwrap_or(false))
                    .count()
            })
        });
    }
    group.finish();
}

fn patch_apply(c: &mut Criterion) {
    let user_schema = ResourceSchema::user();
    let group_schema = ResourceSchema::group();
    let idp = scimkit::patch::Interop::idp_compatible();
    let provider = StandardResourceProvider::new(InMemoryStorage::new());
    let mut group = c.benchmark_group("peer_patch_apply");
    for case in corpus::patches() {
        let schema = match case.kind {
            Kind::User => &user_schema,
            Kind::Group => &group_schema,
        };
        let ops = serde_json::from_value::<PatchRequest>(case.request.clone())
            .unwrap()
            .operations;
        let mut expected = case.resource.clone();
        (case.baseline)(&mut expected);
        let size = if case.resource["members"]
            .as_array()
            .is_some_and(|m| m.len() >= 1_000)
        {
            BatchSize::PerIteration
        } else {
            BatchSize::SmallInput
        };

        group.bench_function(format!("{}/baseline", case.name), |b| {
            b.iter_batched_ref(
                || case.resource.clone(),
                |r| (case.baseline)(black_box(r)),
                size,
            )
        });
        for (name, patcher) in [
            ("scimkit_schemaless", Patcher::schemaless().interop(idp)),
            (
                "scimkit_schema",
                Patcher::new(schema).interop(idp).validate(false),
            ),
        ] {
            let mut got = case.resource.clone();
            patcher.apply(&mut got, &ops).unwrap();
            assert_eq!(got, expected, "{}/{name}", case.name);
            group.bench_function(format!("{}/{name}", case.name), |b| {
                b.iter_batched_ref(
                    || case.resource.clone(),
                    |r| patcher.apply(black_box(r), &ops).unwrap(),
                    size,
                )
            });
        }

        // scim-server: its PATCH helper, operation by operation, as its provider's
        // `patch_resource` calls it (without the storage round trip around it).
        let peer_ops = case.request["Operations"].as_array().unwrap().clone();
        let run = |r: &mut Value| -> Result<(), String> {
            for op in &peer_ops {
                provider
                    .apply_patch_operation(r, op)
                    .map_err(|e| e.to_string())?;
            }
            Ok(())
        };
        let mut got = case.resource.clone();
        match guarded(|| run(&mut got)) {
            None => {
                verdict("patch", &case.name, "scim-server", "PANICS");
                continue;
            }
            Some(Err(e)) => {
                verdict("patch", &case.name, "scim-server", format!("REJECTS: {e}"));
                continue;
            }
            Some(Ok(())) if got == expected => {
                verdict("patch", &case.name, "scim-server", "correct");
            }
            Some(Ok(())) => verdict(
                "patch",
                &case.name,
                "scim-server",
                format!("WRONG: {}", describe_difference(&expected, &got)),
            ),
        }
        group.bench_function(format!("{}/scim-server", case.name), |b| {
            b.iter_batched_ref(|| case.resource.clone(), |r| run(black_box(r)), size)
        });
    }
    group.finish();
}

/// The first top-level attribute where two resources differ, briefly.
fn describe_difference(expected: &Value, got: &Value) -> String {
    let (Some(e), Some(g)) = (expected.as_object(), got.as_object()) else {
        return "not an object".into();
    };
    let mut out = Vec::new();
    for (k, ev) in e {
        match g.get(k) {
            None => out.push(format!("`{k}` missing")),
            Some(gv) if gv != ev => {
                let short = |v: &Value| match v {
                    Value::Array(a) => format!("{} elements", a.len()),
                    v => {
                        let s = v.to_string();
                        if s.len() > 60 {
                            format!("{}…", &s[..60])
                        } else {
                            s
                        }
                    }
                };
                out.push(format!("`{k}` is {} instead of {}", short(gv), short(ev)));
            }
            _ => {}
        }
    }
    for k in g.keys().filter(|k| !e.contains_key(*k)) {
        out.push(format!("extra `{k}`"));
    }
    out.join("; ")
}

fn patch_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("peer_patch_parse");
    for case in corpus::patches()
        .into_iter()
        .filter(|c| !c.name.ends_with("/10000"))
    {
        let body = serde_json::to_vec(&case.request).unwrap();
        let idp = scimkit::patch::Interop::idp_compatible();
        group.bench_function(format!("{}/scimkit", case.name), |b| {
            b.iter(|| PatchRequest::from_slice_with(black_box(&body), &idp).unwrap())
        });
        let peer = |body: &[u8]| -> Result<scim_v2::models::others::PatchOp, String> {
            let op: scim_v2::models::others::PatchOp =
                serde_json::from_slice(body).map_err(|e| e.to_string())?;
            op.validate().map_err(|e| e.to_string())?;
            Ok(op)
        };
        match guarded(|| peer(&body)) {
            None => verdict("patch_parse", &case.name, "scim_v2", "PANICS"),
            Some(Err(e)) => verdict(
                "patch_parse",
                &case.name,
                "scim_v2",
                format!("REJECTS: {e}"),
            ),
            Some(Ok(_)) => {
                verdict("patch_parse", &case.name, "scim_v2", "accepts");
                group.bench_function(format!("{}/scim_v2", case.name), |b| {
                    b.iter(|| peer(black_box(&body)).unwrap())
                });
            }
        }
    }
    group.finish();
}

fn user_serde(c: &mut Criterion) {
    let value = corpus::user(corpus::TARGET);
    let text = serde_json::to_string(&value).unwrap();
    let mut group = c.benchmark_group("peer_serde_user");
    let typed: scimkit::schema::User = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), value);
    group.bench_function("from_json/scimkit", |b| {
        b.iter(|| serde_json::from_str::<scimkit::schema::User>(black_box(&text)).unwrap())
    });
    group.bench_function("to_json/scimkit", |b| {
        b.iter(|| serde_json::to_string(black_box(&typed)).unwrap())
    });

    macro_rules! peer {
        ($name:literal, $ty:ty) => {
            match guarded(|| serde_json::from_str::<$ty>(&text)) {
                None => verdict("serde", "user", $name, "PANICS"),
                Some(Err(e)) => verdict("serde", "user", $name, format!("REJECTS: {e}")),
                Some(Ok(peer_user)) => {
                    let back = serde_json::to_value(&peer_user).unwrap();
                    if back == value {
                        verdict("serde", "user", $name, "round-trips");
                    } else {
                        verdict(
                            "serde",
                            "user",
                            $name,
                            format!("LOSSY round trip: {}", describe_difference(&value, &back)),
                        );
                    }
                    group.bench_function(concat!("from_json/", $name), |b| {
                        b.iter(|| serde_json::from_str::<$ty>(black_box(&text)).unwrap())
                    });
                    group.bench_function(concat!("to_json/", $name), |b| {
                        b.iter(|| serde_json::to_string(black_box(&peer_user)).unwrap())
                    });
                }
            }
        };
    }
    peer!("scim_v2", scim_v2::models::user::User);
    peer!("scim_proto", scim_proto::user::User);
    group.finish();
}

criterion_group!(
    benches,
    filter_parse,
    filter_eval,
    patch_apply,
    patch_parse,
    user_serde
);
criterion_main!(benches);
