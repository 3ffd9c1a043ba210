//! Full-resource serde: the typed `User` from and to JSON text, beside `serde_json::Value` and a
//! plain `#[derive(Deserialize, Serialize)]` struct of the same fields (the floor for a typed
//! model: exact-case names, no flattened remainder, no case-insensitive lookup).
//!
//! `cargo bench -p benches --bench serde -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use benches::corpus;
use criterion::{criterion_group, criterion_main, Criterion};
use scimkit_schema::User;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct PlainUser {
    schemas: Vec<String>,
    id: String,
    external_id: String,
    user_name: String,
    name: PlainName,
    display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    user_type: String,
    preferred_language: String,
    locale: String,
    timezone: String,
    active: bool,
    emails: Vec<PlainMulti>,
    phone_numbers: Vec<PlainMulti>,
    #[serde(rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")]
    enterprise: PlainEnterprise,
    meta: PlainMeta,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct PlainName {
    formatted: String,
    family_name: String,
    given_name: String,
}

#[derive(Deserialize, Serialize)]
struct PlainMulti {
    value: String,
    #[serde(rename = "type")]
    type_: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    primary: Option<bool>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct PlainEnterprise {
    employee_number: String,
    cost_center: String,
    organization: String,
    division: String,
    department: String,
    manager: PlainManager,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct PlainManager {
    value: String,
    #[serde(rename = "$ref")]
    ref_: String,
    display_name: String,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct PlainMeta {
    resource_type: String,
    created: String,
    last_modified: String,
    location: String,
    version: String,
}

fn user_serde(c: &mut Criterion) {
    let value = corpus::user(corpus::TARGET);
    let text = serde_json::to_string(&value).unwrap();

    // The typed model loses nothing: Value -> User -> Value is the identity on this user.
    let typed: User = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), value);
    let plain: PlainUser = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_value(&plain).unwrap(), value);

    let mut group = c.benchmark_group("serde_user");
    group.bench_function("from_json/scimkit_user", |b| {
        b.iter(|| serde_json::from_str::<User>(black_box(&text)).unwrap())
    });
    group.bench_function("from_json/baseline_plain_struct", |b| {
        b.iter(|| serde_json::from_str::<PlainUser>(black_box(&text)).unwrap())
    });
    group.bench_function("from_json/baseline_value", |b| {
        b.iter(|| serde_json::from_str::<Value>(black_box(&text)).unwrap())
    });
    group.bench_function("to_json/scimkit_user", |b| {
        b.iter(|| serde_json::to_string(black_box(&typed)).unwrap())
    });
    group.bench_function("to_json/baseline_plain_struct", |b| {
        b.iter(|| serde_json::to_string(black_box(&plain)).unwrap())
    });
    group.bench_function("to_json/baseline_value", |b| {
        b.iter(|| serde_json::to_string(black_box(&value)).unwrap())
    });
    // Between the engines' JSON and the typed edge: Value -> User -> Value.
    group.bench_function("from_value/scimkit_user", |b| {
        b.iter_batched(
            || value.clone(),
            |v| serde_json::from_value::<User>(black_box(v)).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
    group.bench_function("to_value/scimkit_user", |b| {
        b.iter(|| serde_json::to_value(black_box(&typed)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, user_serde);
criterion_main!(benches);
