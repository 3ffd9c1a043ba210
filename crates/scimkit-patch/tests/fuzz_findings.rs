//! What the `patch_apply` fuzzer found about `diff` (fuzz/README.md, corpora
//! `fuzz/corpus/patch_apply/regress-diff-*`), as plain tests.

mod common;

use common::*;
use scimkit_patch::{apply, diff, Interop, Patcher};
use scimkit_schema::validate::Validator;
use scimkit_schema::ResourceSchema;
use serde_json::{json, Value};

fn round_trip(old: &Value, new: &Value) {
    let ops = diff(old, new);
    let mut redo = old.clone();
    apply(&mut redo, &ops).unwrap();
    assert_eq!(&redo, new, "ops: {}", serde_json::to_string(&ops).unwrap());
}

/// Without a schema, a path or no-path key qualified by a URI that is not a URN
/// (`a.b:attr`, `emurn:…:2.0:attr`) is `invalidPath`: RFC 7644 §3.10 qualifies attributes by their
/// schema URN, and the member such a path would create (`"a.b": {...}`) is one no path reaches
/// again, so `diff` could not reproduce it (`regress-diff-non-urn-path`, `-key`).
#[test]
fn non_urn_qualified_paths_are_unknown_attributes() {
    for path in [
        "a.b:attr",
        "emurn:ietf:params:scim:api:messages:2.0:PatchOpails",
        "http://example.com/schemas/ext:attr",
    ] {
        let mut r = json!({"a": {"b": [0, {"c": "d"}]}});
        let err = run(
            &schemaless(),
            &mut r,
            json!([{"op": "add", "path": path, "value": [2]}]),
        )
        .unwrap_err();
        assert_eq!(err.scim_type().as_str(), "invalidPath", "{path}");
        // docs/idp-compatibility.md: the same as a key of a no-path value.
        let ops = json!([{"op": "replace", "value": {path: "x", "nickName": "Babs"}}]);
        let idp = Patcher::schemaless().interop(Interop::idp_compatible());
        assert!(run(&idp, &mut r, ops).is_err(), "{path}");
    }

    // URN-qualified extension attributes and core-qualified ones still work, and `diff`
    // reproduces what they create.
    let old = json!({"schemas": ["urn:acme:core:User"], "userName": "a"});
    let mut new = old.clone();
    let ops = json!([
        {"op": "add", "path": "urn:acme:ext:2.0:User:badge", "value": "7"},
        {"op": "replace", "path": "urn:acme:core:User:userName", "value": "b"}
    ]);
    assert!(run(&schemaless(), &mut new, ops).unwrap());
    assert_eq!(
        new,
        json!({"schemas": ["urn:acme:core:User", "urn:acme:ext:2.0:User"], "userName": "b",
               "urn:acme:ext:2.0:User": {"badge": "7"}})
    );
    round_trip(&old, &new);
}

/// A `replace` of a whole multi-valued attribute stores the values as sent: every old value is
/// replaced, so a `primary: true` among the new ones has no other value to clear.
#[test]
fn replacing_a_whole_set_stores_it_as_sent() {
    let two = json!([{"value": "a@x", "primary": true}, {"value": "b@x", "primary": true}]);
    let mut u = user();
    let ops = json!([{"op": "replace", "path": "emails", "value": two}]);
    assert!(run(&schemaless(), &mut u, ops.clone()).unwrap());
    assert_eq!(u["emails"], two);

    // Two primaries break RFC 7643 §2.4: the schema-aware validation says so, or keeps the
    // first with the interop validator (PingOne, docs/idp-compatibility.md).
    let schema = ResourceSchema::user();
    let mut u = user();
    let err = run(&strict(&schema), &mut u, ops.clone()).unwrap_err();
    assert_eq!(err.scim_type().as_str(), "invalidValue");
    assert_eq!(u, user());
    let lenient =
        Patcher::new(&schema).validator(Validator::new(&schema).interop(Interop::idp_compatible()));
    assert!(run(&lenient, &mut u, ops).unwrap());
    assert_eq!(
        u["emails"],
        json!([{"value": "a@x", "primary": true}, {"value": "b@x", "primary": false}])
    );

    // One primary: the others (all new) have nothing to clear either way.
    let mut u = user();
    let one = json!([{"value": "a@x"}, {"value": "b@x", "primary": true}]);
    let ops = json!([{"op": "replace", "path": "emails", "value": one}]);
    assert!(run(&strict(&schema), &mut u, ops).unwrap());
    assert_eq!(u["emails"], one);

    // Adding a primary value still moves `primary` (RFC 7644 §3.5.2).
    let ops =
        json!([{"op": "add", "path": "emails", "value": [{"value": "c@x", "primary": true}]}]);
    assert!(run(&strict(&schema), &mut u, ops).unwrap());
    assert_eq!(u["emails"][1]["primary"], json!(false));
    assert_eq!(u["emails"][2]["primary"], json!(true));
}

/// A resource that already has two primary emails (`regress-diff-two-primaries`): a change that
/// does not touch `primary` keeps both, and `diff` reproduces that.
#[test]
fn diff_reproduces_a_set_with_two_primaries() {
    let mut old = user();
    old["emails"] = json!([
        {"value": "bjensen@example.com", "type": "work", "primary": true},
        {"value": "babs@jensen.org", "type": "home", "primary": true}
    ]);
    let mut new = old.clone();
    let ops =
        json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "x@y.com"}]);
    assert!(run(&schemaless(), &mut new, ops).unwrap());
    assert_eq!(new["emails"][0]["primary"], json!(true));
    assert_eq!(new["emails"][1]["primary"], json!(true));
    round_trip(&old, &new);

    // And from scratch, to any set of primaries.
    let mut none = old.clone();
    none.as_object_mut().unwrap().remove("emails");
    round_trip(&none, &old);
    round_trip(&user(), &old);
    // A set replacing a value of another type, and one with a repeated value: an `add` would
    // clear a primary or drop the repeat, so `diff` writes them with `replace`.
    let mut other = old.clone();
    other["emails"] = json!("bjensen@example.com");
    round_trip(&other, &old);
    let mut repeated = none.clone();
    repeated["x"] = json!([{"value": "a"}, {"value": "a"}]);
    round_trip(&none, &repeated);
    let ops = diff(&none, &repeated);
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].op(), scimkit_patch::Op::Replace);
    // A plain new set is still an `add`, as IdPs send it.
    let ops = diff(&user(), &group_like(&user()));
    assert!(
        ops.iter().all(|o| o.op() == scimkit_patch::Op::Add),
        "{ops:?}"
    );
}

fn group_like(v: &Value) -> Value {
    let mut v = v.clone();
    v["members"] = json!([{"value": "m1"}, {"value": "m2"}]);
    v
}

/// The path parser accepts whitespace around a path, so a padded extension URN
/// (`" urn:…:enterprise:2.0:User"`) names the extension too, not an attribute `User` of an
/// extension `urn:…:enterprise:2.0` that `diff` would then write back as the extension's URN
/// (`regress-diff-padded-urn-path`).
#[test]
fn a_padded_schema_urn_is_the_schema() {
    let old = user();
    for path in [
        format!(" {ENTERPRISE}"),
        format!("{ENTERPRISE}\t"),
        format!("\n{ENTERPRISE} "),
    ] {
        let mut new = old.clone();
        let ops = json!([{"op": "add", "path": path, "value": {"costCenter": "9"}}]);
        assert!(run(&schemaless(), &mut new, ops.clone()).unwrap());
        assert_eq!(new[ENTERPRISE], json!({"costCenter": "9"}), "{path:?}");
        round_trip(&old, &new);
        let schema = ResourceSchema::user();
        let mut with_schema = old.clone();
        assert!(run(&strict(&schema), &mut with_schema, ops).unwrap());
        assert_eq!(with_schema[ENTERPRISE], json!({"costCenter": "9"}));
    }
}

/// Without a schema, a no-path key shaped like a schema URN names an extension only if its
/// attributes can be written as paths (`urn:…:attr`): `urn:…:enterpri[se:2.0:User` cannot, and
/// the member it would create is one `diff` cannot address (`regress-diff-unwritable-urn-key`).
#[test]
fn a_schema_urn_no_path_can_reach_names_no_extension() {
    let bad = "urn:ietf:params:scim:schemas:extension:enterpri[se:2.0:User";
    for interop in [Interop::strict(), Interop::idp_compatible()] {
        let mut u = user();
        let ops = json!([{"op": "replace", "value": {bad: {"costCenter": "1"}}}]);
        assert!(run(&Patcher::schemaless().interop(interop), &mut u, ops).is_err());
    }
    // A well-formed one still names an extension, and `diff` reproduces it.
    let good = "urn:acme:params:scim:schemas:extension:badge:2.0:User";
    let old = user();
    let mut new = old.clone();
    let ops = json!([{"op": "replace", "value": {good: {"badge": "1"}}}]);
    assert!(run(&schemaless(), &mut new, ops).unwrap());
    assert_eq!(new[good], json!({"badge": "1"}));
    round_trip(&old, &new);
}

/// Without a schema, `urn:…:2.0:User` is read as a schema URN, so an extension `urn:…:2.0` the
/// resource does not know cannot get an attribute `User` (through a filtered or dotted path):
/// written back as a path, it would name the schema (`regress-diff-version-urn-attr`). An
/// extension the resource knows keeps its attributes reachable.
#[test]
fn an_attribute_path_that_reads_as_a_schema_urn_is_refused() {
    let ext = "urn:example:scim:schemas:extension:acme:2.0";
    let mut u = user();
    let path = format!("{ext}:Badges[type eq \"work\"].value");
    let ops = json!([{"op": "replace", "path": path, "value": "x"}]);
    let err = run(&schemaless(), &mut u, ops).unwrap_err();
    assert_eq!(err.scim_type().as_str(), "invalidPath");
    // Dotted, it reads as a whole schema `…:2.0:Badge.number`, whose value must be an object.
    let ops = json!([{"op": "replace", "path": format!("{ext}:Badge.number"), "value": "x"}]);
    assert!(run(&schemaless(), &mut u, ops).is_err());
    // Known from `schemas`: an attribute path.
    let old =
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ext], "userName": "a"});
    let mut new = old.clone();
    let ops = json!([
        {"op": "add", "path": format!("{ext}:Badge"), "value": "7"},
        {"op": "add", "path": format!("{ext}:Badges[type eq \"work\"].value"), "value": "8"}
    ]);
    let e6 = Patcher::schemaless().interop(Interop::idp_compatible());
    assert!(run(&e6, &mut new, ops).unwrap());
    assert_eq!(
        new[ext],
        json!({"Badge": "7", "Badges": [{"type": "work", "value": "8"}]})
    );
    round_trip(&old, &new);
}

/// A resource that holds two spellings of one name (`mEmbers` and `members`; names are
/// case-insensitive, RFC 7643 §2.1): each pairs with its own spelling first, so removing one is
/// a `remove` in `diff` (`regress-diff-two-spellings`), and a changed set is replaced whole.
#[test]
fn diff_pairs_each_spelling_with_itself_first() {
    let old = json!({"mEmbers": ["x"], "members": [{"value": "a"}], "displayName": "g"});
    let mut new = old.clone();
    let ops = json!([{"op": "remove", "path": "members[value eq \"a\"]"}]);
    assert!(run(&schemaless(), &mut new, ops).unwrap());
    assert_eq!(new, json!({"mEmbers": ["x"], "displayName": "g"}));
    round_trip(&old, &new);
    // A set replaced beside another spelling (`regress-diff-two-spellings-set`): element
    // operations that empty `members` would leave the name to `mEmbers`, so the set is replaced.
    let old = json!({"mEmbers": ["x"], "members": [{"value": "a"}, {"value": "b"}]});
    let mut new = old.clone();
    let ops = json!([{"op": "replace", "path": "members", "value": [{"value": "c"}]}]);
    assert!(run(&schemaless(), &mut new, ops).unwrap());
    round_trip(&old, &new);
    // One spelling respelled is still the same attribute: no operation.
    let respelled = json!({"Members": [{"value": "a"}], "displayName": "g"});
    assert!(diff(
        &json!({"members": [{"value": "a"}], "displayName": "g"}),
        &respelled
    )
    .is_empty());
}

/// RFC 7643 §2.5: null is unassigned. A Group whose stored member carries `"$ref": null` gains a
/// member; the member list the PATCH changed is stored without nulls, in the new member and in
/// the old one alike, so re-applying `diff(original, result)` (here a whole-set `replace`, since
/// the two ids differ only in case) gives the same result (`regress-null-member-ref`; the
/// fuzzer's "diff does not reproduce the PATCH result"). An attribute the PATCH did not change
/// keeps its nulls.
#[test]
fn a_changed_attribute_is_stored_without_nulls() {
    let original = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Tour Guides", "externalId": null,
        "members": [{"value": "2819c223-7f76-453a-919d-413861904646", "$ref": null, "display": "Babs Jensen"}]
    });
    let ops = json!([{"op": "Add", "path": "MEMBERS", "value": [
        {"$ref": null, "Value": "2819C223-7F76-453A-919D-413861904646"}
    ]}]);
    for patcher in [
        schemaless().interop(Interop::idp_compatible()),
        idp(&ResourceSchema::group()).validate(false),
    ] {
        let mut r = original.clone();
        assert!(run(&patcher, &mut r, ops.clone()).unwrap());
        assert_eq!(
            r["members"][0],
            json!({"value": "2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen"})
        );
        let members = r["members"].as_array().unwrap();
        assert!(members
            .iter()
            .all(|m| m.as_object().unwrap().values().all(|v| !v.is_null())));
        assert_eq!(r["externalId"], Value::Null);
        round_trip(&original, &r);
    }
}
