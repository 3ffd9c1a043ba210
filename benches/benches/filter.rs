//! Filter parse, schema-less evaluation and compiled evaluation over 100k generated users, each
//! beside a hand-written baseline doing the same comparisons on `serde_json::Value`.
//!
//! `cargo bench -p benches --bench filter -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use benches::corpus::{self, FilterCase};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scimkit_filter::{Filter, Interop, Options};
use scimkit_schema::ResourceSchema;
use serde_json::Value;

fn options(case: &FilterCase) -> Options {
    if case.lenient {
        Options::new().interop(Interop::idp_compatible())
    } else {
        Options::new()
    }
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("filter_parse");
    for case in corpus::filters() {
        let opts = options(&case);
        group.bench_function(format!("{}/scimkit", case.name), |b| {
            b.iter(|| Filter::parse_with(black_box(&case.text), &opts).unwrap())
        });
        // Parse and compile together: what a server does per request.
        let schema = ResourceSchema::user();
        group.bench_function(format!("{}/scimkit_parse_compile", case.name), |b| {
            b.iter(|| {
                Filter::parse_with(black_box(&case.text), &opts)
                    .unwrap()
                    .compile_with(&schema, &opts)
                    .unwrap()
            })
        });
    }
    group.finish();
}

fn eval(c: &mut Criterion) {
    let users: Vec<Value> = corpus::users(corpus::USERS);
    let schema = ResourceSchema::user();
    let mut group = c.benchmark_group("filter_eval_100k");
    group.sample_size(10);
    group.throughput(Throughput::Elements(users.len() as u64));
    for case in corpus::filters() {
        let opts = options(&case);
        let filter = Filter::parse_with(&case.text, &opts).unwrap();
        let compiled = filter.compile_with(&schema, &opts).unwrap();

        let expected = users.iter().filter(|u| (case.baseline)(u)).count();
        let got = users.iter().filter(|u| compiled.matches(u)).count();
        assert_eq!(got, expected, "{}: compiled vs baseline", case.name);
        let got = users.iter().filter(|u| filter.matches(u)).count();
        assert_eq!(got, expected, "{}: schema-less vs baseline", case.name);
        eprintln!("{}: {expected} of {} users match", case.name, users.len());

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
    }
    group.finish();
}

criterion_group!(benches, parse, eval);
criterion_main!(benches);
