//! PATCH apply (schema-less and schema-aware), validation of the result (`patch_validate`),
//! request parsing and diff, each beside a hand-written baseline making the same change on
//! `serde_json::Value`.
//!
//! `cargo bench -p benches --bench patch -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use benches::corpus::{self, Kind, PatchCase};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use scimkit_patch::{Interop, PatchRequest, Patcher, Validation};
use scimkit_schema::validate::{Limits, Validator};
use scimkit_schema::ResourceSchema;
use serde_json::{json, Value};

fn batch(case: &PatchCase) -> BatchSize {
    // A fresh copy of the resource per iteration, made outside the timing. Large groups one at a
    // time, so that criterion does not hold thousands of copies.
    if case.resource["members"]
        .as_array()
        .is_some_and(|m| m.len() >= 1_000)
    {
        BatchSize::PerIteration
    } else {
        BatchSize::SmallInput
    }
}

fn apply(c: &mut Criterion) {
    let user_schema = ResourceSchema::user();
    let group_schema = ResourceSchema::group();
    let idp = Interop::idp_compatible();
    let mut group = c.benchmark_group("patch_apply");
    for case in corpus::patches() {
        let schema = match case.kind {
            Kind::User => &user_schema,
            Kind::Group => &group_schema,
        };
        let ops = serde_json::from_value::<PatchRequest>(case.request.clone())
            .unwrap()
            .operations;
        let patchers = [
            ("scimkit_schemaless", Patcher::schemaless().interop(idp)),
            (
                "scimkit_schema",
                Patcher::new(schema).interop(idp).validate(false),
            ),
            (
                "scimkit_schema_validated",
                Patcher::new(schema).interop(idp),
            ),
            (
                "scimkit_schema_validated_full",
                Patcher::new(schema)
                    .interop(idp)
                    .validation(Validation::Full),
            ),
        ];

        // Every engine must make exactly the baseline's change.
        let mut expected = case.resource.clone();
        assert!(
            (case.baseline)(&mut expected),
            "{}: baseline changes",
            case.name
        );
        for (name, patcher) in &patchers {
            let mut got = case.resource.clone();
            assert!(
                patcher.apply(&mut got, &ops).unwrap(),
                "{}/{name}",
                case.name
            );
            assert_eq!(got, expected, "{}/{name}", case.name);
        }

        let size = batch(&case);
        group.bench_function(format!("{}/baseline", case.name), |b| {
            b.iter_batched_ref(
                || case.resource.clone(),
                |r| (case.baseline)(black_box(r)),
                size,
            )
        });
        for (name, patcher) in &patchers {
            group.bench_function(format!("{}/{name}", case.name), |b| {
                b.iter_batched_ref(
                    || case.resource.clone(),
                    |r| patcher.apply(black_box(r), &ops).unwrap(),
                    size,
                )
            });
        }
    }
    group.finish();
}

/// Reading the PatchOp body: what a server does before applying.
fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("patch_parse");
    for case in corpus::patches()
        .into_iter()
        .filter(|c| !c.name.ends_with("/10000"))
    {
        let body = serde_json::to_vec(&case.request).unwrap();
        group.bench_function(format!("{}/scimkit", case.name), |b| {
            b.iter(|| {
                PatchRequest::from_slice_with(black_box(&body), &Interop::idp_compatible()).unwrap()
            })
        });
        group.bench_function(format!("{}/baseline_value", case.name), |b| {
            b.iter(|| serde_json::from_slice::<Value>(black_box(&body)).unwrap())
        });
    }
    group.finish();
}

fn diff(c: &mut Criterion) {
    let mut group = c.benchmark_group("diff");
    for case in corpus::diffs() {
        let ops = scimkit_patch::diff(&case.old, &case.new);
        let mut round = case.old.clone();
        scimkit_patch::apply(&mut round, &ops).unwrap();
        assert_eq!(
            round, case.new,
            "{}: apply(old, diff(old, new)) == new",
            case.name
        );

        group.bench_function(format!("{}/baseline", case.name), |b| {
            b.iter(|| corpus::diff_baseline(black_box(&case.old), black_box(&case.new)))
        });
        group.bench_function(format!("{}/scimkit", case.name), |b| {
            b.iter(|| scimkit_patch::diff(black_box(&case.old), black_box(&case.new)))
        });
    }
    group.finish();
}

/// Schema-aware PATCH with and without validation of the result, on groups of 1,000, 10,000 and
/// 100,000 members (add one member, remove one member): `Validation::Off`, `Changes` (the
/// default: what the operations touched) and `Full` (the whole resource; not at 100,000, where
/// one run takes most of a second). The validator's limits are raised to hold 100,000 members.
fn validate(c: &mut Criterion) {
    let schema = ResourceSchema::group();
    let mut limits = Limits::default();
    limits.max_nodes = 1_000_000;
    limits.max_total_len = 64 << 20;
    let validator = Validator::new(&schema).coerce_strings(true).limits(limits);
    let base = Patcher::new(&schema)
        .interop(Interop::idp_compatible())
        .validator(validator);
    let mut group = c.benchmark_group("patch_validate");
    for size in [1_000, 10_000, 100_000] {
        let resource = corpus::group(size);
        let newcomer = json!({"value": corpus::user_id(corpus::USERS + 1), "display": "New Hire"});
        let leaver = corpus::user_id(size / 2);
        let cases = [
            (
                "add_member",
                json!([{"op": "add", "path": "members", "value": [newcomer]}]),
            ),
            (
                "remove_member",
                json!([{"op": "remove", "path": format!(r#"members[value eq "{leaver}"]"#)}]),
            ),
        ];
        for (name, ops) in cases {
            let ops = serde_json::from_value::<PatchRequest>(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops
            }))
            .unwrap()
            .operations;
            let mut modes = vec![("off", Validation::Off), ("changes", Validation::Changes)];
            if size < 100_000 {
                modes.push(("full", Validation::Full));
            }
            // Every mode makes the same change.
            let mut expected = resource.clone();
            assert!(base
                .validation(Validation::Full)
                .apply(&mut expected, &ops)
                .unwrap());
            for (mode, validation) in &modes {
                let mut got = resource.clone();
                assert!(base.validation(*validation).apply(&mut got, &ops).unwrap());
                assert_eq!(got, expected, "{name}/{size}/{mode}");
            }
            for (mode, validation) in modes {
                let patcher = base.validation(validation);
                group.bench_function(format!("{name}/{size}/{mode}"), |b| {
                    b.iter_batched_ref(
                        || resource.clone(),
                        |r| patcher.apply(black_box(r), &ops).unwrap(),
                        BatchSize::PerIteration,
                    )
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, apply, validate, parse, diff);
criterion_main!(benches);
