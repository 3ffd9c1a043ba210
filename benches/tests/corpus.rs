//! The benchmark corpus is right: every engine gives the hand-written baseline's answer on every
//! input the benches time (on a smaller slice of users, so that this stays fast).

use benches::corpus::{self, Kind};
use scimkit_filter::{Filter, Interop, Options};
use scimkit_patch::{PatchRequest, Patcher};
use scimkit_schema::{ResourceSchema, User};

#[test]
fn generator_is_deterministic_and_users_validate() {
    assert_eq!(corpus::user(42), corpus::user(42));
    assert_ne!(corpus::user(42), corpus::user(43));
    assert_eq!(corpus::user(7)["id"], corpus::user_id(7));
    let schema = ResourceSchema::user();
    let validator = scimkit_schema::Validator::new(&schema);
    for i in (0..2_000).step_by(97).chain([corpus::TARGET]) {
        let mut u = corpus::user(i);
        let before = u.clone();
        validator
            .validate(&mut u, scimkit_schema::validate::Context::Response)
            .unwrap_or_else(|e| panic!("user {i}: {e}"));
        assert_eq!(u, before, "user {i} is already canonical");
        let typed: User = serde_json::from_value(before.clone()).unwrap();
        assert_eq!(serde_json::to_value(typed).unwrap(), before);
    }
}

#[test]
fn filters_agree_with_their_baselines() {
    let mut users = corpus::users(3_000);
    users.push(corpus::user(corpus::TARGET));
    let schema = ResourceSchema::user();
    for case in corpus::filters() {
        let opts = if case.lenient {
            Options::new().interop(Interop::idp_compatible())
        } else {
            Options::new()
        };
        let filter = Filter::parse_with(&case.text, &opts).unwrap();
        let compiled = filter.compile_with(&schema, &opts).unwrap();
        for (i, u) in users.iter().enumerate() {
            let expected = (case.baseline)(u);
            assert_eq!(
                compiled.matches(u),
                expected,
                "{} compiled, user {i}",
                case.name
            );
            assert_eq!(
                filter.matches(u),
                expected,
                "{} schema-less, user {i}",
                case.name
            );
        }
    }
}

#[test]
fn patches_agree_with_their_baselines() {
    let idp = scimkit_patch::Interop::idp_compatible();
    for case in corpus::patches() {
        let schema = match case.kind {
            Kind::User => ResourceSchema::user(),
            Kind::Group => ResourceSchema::group(),
        };
        let ops = serde_json::from_value::<PatchRequest>(case.request.clone())
            .unwrap()
            .operations;
        let mut expected = case.resource.clone();
        assert!((case.baseline)(&mut expected), "{}", case.name);
        for patcher in [
            Patcher::schemaless().interop(idp),
            Patcher::new(&schema).interop(idp).validate(false),
            Patcher::new(&schema).interop(idp),
        ] {
            let mut got = case.resource.clone();
            assert!(patcher.apply(&mut got, &ops).unwrap(), "{}", case.name);
            assert_eq!(got, expected, "{}", case.name);
        }
    }
}

#[test]
fn diffs_round_trip() {
    for case in corpus::diffs() {
        let ops = scimkit_patch::diff(&case.old, &case.new);
        let mut round = case.old.clone();
        scimkit_patch::apply(&mut round, &ops).unwrap();
        assert_eq!(round, case.new, "{}", case.name);
        assert!(!corpus::diff_baseline(&case.old, &case.new).is_empty());
    }
}
