//! The built-in definitions are RFC 7643 §8.7 exactly, except for the errata (and the three
//! amendments documented in `builtin.rs`), checked attribute by attribute and characteristic by
//! characteristic against the RFC's printed figures in `tests/rfc/`.

use std::collections::BTreeSet;

use scimkit_schema::{builtin, ResourceSchema, Schema};
use serde_json::{json, Value};

fn rfc(file: &str) -> Vec<Value> {
    let path = format!("{}/tests/rfc/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    match serde_json::from_str(&text).unwrap() {
        Value::Array(items) => items,
        other => vec![other],
    }
}

/// Every (attribute path, characteristic, RFC value, built-in value) where the two differ.
fn differences(schema_id: &str, printed: &Value, ours: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    diff_attributes(
        schema_id,
        printed["attributes"].as_array().unwrap(),
        ours["attributes"].as_array().unwrap(),
        &mut out,
    );
    for key in ["id", "name", "description"] {
        if printed.get(key) != ours.get(key) {
            out.insert(format!(
                "{schema_id} {key}: {} -> {}",
                printed[key], ours[key]
            ));
        }
    }
    out
}

fn diff_attributes(path: &str, printed: &[Value], ours: &[Value], out: &mut BTreeSet<String>) {
    let name = |v: &Value| v["name"].as_str().unwrap().to_owned();
    for p in printed {
        let here = format!("{path}:{}", name(p));
        let Some(o) = ours.iter().find(|o| name(o) == name(p)) else {
            out.insert(format!("{here} removed"));
            continue;
        };
        let keys: BTreeSet<&String> = p
            .as_object()
            .unwrap()
            .keys()
            .chain(o.as_object().unwrap().keys())
            .collect();
        for key in keys {
            if key == "subAttributes" {
                continue;
            }
            // Our serialiser writes every defaulted characteristic and omits empty lists: compare
            // through the RFC 7643 §7 defaults, not the spelling.
            let default = match key.as_str() {
                "required" | "caseExact" | "multiValued" => json!(false),
                "mutability" => json!("readWrite"),
                "returned" => json!("default"),
                "uniqueness" => json!("none"),
                "canonicalValues" | "referenceTypes" => json!([]),
                _ => Value::Null,
            };
            let pv = p.get(key).unwrap_or(&default);
            let ov = o.get(key).unwrap_or(&default);
            if pv != ov {
                out.insert(format!("{here} {key}: {pv} -> {ov}"));
            }
        }
        let subs = |v: &Value| {
            v.get("subAttributes")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        diff_attributes(&here, &subs(p), &subs(o), out);
    }
    for o in ours {
        if !printed.iter().any(|p| name(p) == name(o)) {
            out.insert(format!("{path}:{} added", name(o)));
        }
    }
}

fn ours(schema: &Schema) -> Value {
    serde_json::to_value(schema).unwrap()
}

#[test]
fn core_schemas_are_rfc_8_7_1_with_errata() {
    let printed = rfc("8.7.1-schemas.json");
    let by_id = |id: &str| printed.iter().find(|s| s["id"] == id).unwrap().clone();
    let mut all = BTreeSet::new();
    for schema in [
        builtin::user(),
        builtin::group(),
        builtin::enterprise_user(),
    ] {
        all.extend(differences(&schema.id, &by_id(&schema.id), &ours(schema)));
    }
    let user = "urn:ietf:params:scim:schemas:core:2.0:User";
    let group = "urn:ietf:params:scim:schemas:core:2.0:Group";
    let ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let expected: BTreeSet<String> = [
        // Erratum 5368: Group displayName is REQUIRED.
        format!("{group}:displayName required: false -> true"),
        // Erratum 8471: groups.$ref only ever references a Group.
        format!(r#"{user}:groups:$ref referenceTypes: ["User","Group"] -> ["Group"]"#),
        // Erratum 8472: manager.value holds an id, which is caseExact.
        format!("{ent}:manager:value caseExact: false -> true"),
        // Amendments (builtin.rs): addresses.primary and members.display per RFC 7643 §2.4.
        format!("{user}:addresses:primary added"),
        format!("{group}:members:display added"),
    ]
    .into_iter()
    .collect();
    // Erratum 6004 removes `uniqueness` from complex attributes; the RFC prints "none" for them,
    // which is also the default, so it shows no difference here.
    assert_eq!(
        all, expected,
        "differences from the printed RFC 7643 §8.7.1"
    );
}

#[test]
fn discovery_schemas_are_rfc_8_7_2_with_errata() {
    let printed = rfc("8.7.2-schemas.json");
    let by_id = |id: &str| printed.iter().find(|s| s["id"] == id).unwrap().clone();
    let mut all = BTreeSet::new();
    for schema in [
        builtin::service_provider_config(),
        builtin::resource_type(),
        builtin::schema(),
    ] {
        all.extend(differences(&schema.id, &by_id(&schema.id), &ours(schema)));
    }
    let rt = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
    let sc = "urn:ietf:params:scim:schemas:core:2.0:Schema";
    for expected in [
        // Erratum 7522: schemaExtensions is multi-valued.
        format!("{rt}:schemaExtensions multiValued: false -> true"),
        // Erratum 8475: resource type names and endpoints are unique; names caseExact.
        format!(r#"{rt}:name uniqueness: "none" -> "server""#),
        format!("{rt}:name caseExact: false -> true"),
        format!(r#"{rt}:endpoint uniqueness: "none" -> "server""#),
        // Erratum 5607: a sub-attribute's referenceTypes is multi-valued.
        format!("{sc}:attributes:subAttributes:referenceTypes multiValued: false -> true"),
    ] {
        assert!(
            all.contains(&expected),
            "missing erratum change {expected}\nall: {all:#?}"
        );
    }
    // Errata 5606 and 8415 change `type`'s description and canonical values; nothing else may differ.
    for d in &all {
        let known = d.contains(":attributes:type ")
            || d.contains(":attributes:subAttributes:type ")
            || d.contains("multiValued: false -> true")
            || d.contains(&format!("{rt}:name "))
            || d.contains(&format!("{rt}:endpoint "));
        assert!(known, "unexpected difference from RFC 7643 §8.7.2: {d}");
    }
}

#[test]
fn resource_types_are_rfc_8_6() {
    let printed = rfc("8.6-resource-types.json");
    assert_eq!(
        serde_json::to_value(builtin::user_resource_type()).unwrap(),
        printed[0]
    );
    assert_eq!(
        serde_json::to_value(builtin::group_resource_type()).unwrap(),
        printed[1]
    );
    // The amendment: ResourceSchema::user() does not require the enterprise extension.
    assert!(!ResourceSchema::user().extensions()[0].required);
}

#[test]
fn every_attribute_resolves_in_any_case() {
    for rs in [ResourceSchema::user(), ResourceSchema::group()] {
        for (schema, attribute, is_extension) in rs.attributes() {
            let upper = attribute.name.to_uppercase();
            let r = rs.resolve(None, &upper, None).unwrap();
            assert!(std::ptr::eq(r.attribute, attribute), "{upper}");
            let qualified = format!(
                "{}:{}",
                schema.id.to_lowercase(),
                attribute.name.to_lowercase()
            );
            let r = rs.resolve_path(&qualified).unwrap();
            assert_eq!(r.is_extension, is_extension);
            for sub in &attribute.sub_attributes {
                let path = format!("{qualified}.{}", sub.name.to_uppercase());
                assert!(
                    std::ptr::eq(rs.resolve_path(&path).unwrap().target(), sub),
                    "{path}"
                );
            }
        }
    }
}

#[test]
fn resolution_errors_name_what_is_unknown() {
    let user = ResourceSchema::user();
    let cases = [
        (
            "nickname.x",
            "`nickName` is not complex and has no sub-attribute `x`",
        ),
        (
            "nosuch",
            "unknown attribute `nosuch` for resource type `User`",
        ),
        ("name.nosuch", "unknown sub-attribute `nosuch` of `name`"),
        (
            "urn:example:nosuch:2.0:User:userName",
            "unknown schema `urn:example:nosuch:2.0:User` for resource type `User`",
        ),
        // A core attribute is not found under the extension URN.
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName",
            "unknown attribute `userName` for resource type `User`",
        ),
    ];
    for (path, detail) in cases {
        let e = user.resolve_path(path).unwrap_err();
        assert_eq!(e.failures()[0].detail(), detail, "{path}");
        assert_eq!(e.scim_type(), Some(scimkit_schema::ScimType::InvalidSyntax));
    }
}

#[test]
fn schema_representations_round_trip() {
    for file in ["8.7.1-schemas.json", "8.7.2-schemas.json"] {
        for printed in rfc(file) {
            let schema: Schema = serde_json::from_value(printed.clone()).unwrap();
            let back = serde_json::to_value(&schema).unwrap();
            let again: Schema = serde_json::from_value(back).unwrap();
            assert_eq!(schema, again);
        }
    }
    let spc: scimkit_schema::ServiceProviderConfig =
        serde_json::from_value(rfc("8.5-service-provider-config.json").remove(0)).unwrap();
    assert_eq!(
        serde_json::to_value(&spc).unwrap(),
        rfc("8.5-service-provider-config.json")[0]
    );
}
