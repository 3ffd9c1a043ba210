#!/usr/bin/env python3
"""Sanity checks for the RFC 7643 JSON data used by scimkit-schema.

Run from anywhere:  python3 crates/scimkit-schema/tests/rfc/check.py

Checks:
  * every *.json under tests/rfc/ and src/builtin/ parses as JSON;
  * every attribute / sub-attribute of every Schema representation has
    "name", "type" and "multiValued";
  * "subAttributes" appears only on attributes of type "complex";
  * only the RFC 7643 characteristic names are used, with canonical values;
  * the built-in (errata-applied) schemas differ from the RFC text exactly by
    the errata listed in src/builtin/ERRATA.md.
"""
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CRATE = HERE.parent.parent
BUILTIN = CRATE / "src" / "builtin"

CHARACTERISTICS = {
    "name", "type", "multiValued", "description", "required", "caseExact",
    "mutability", "returned", "uniqueness", "canonicalValues",
    "referenceTypes", "subAttributes",
}
TYPES = {"string", "boolean", "decimal", "integer", "dateTime", "reference",
         "binary", "complex"}
MUTABILITY = {"readOnly", "readWrite", "immutable", "writeOnly"}
RETURNED = {"always", "never", "default", "request"}
UNIQUENESS = {"none", "server", "global"}
SCHEMA_KEYS = {"schemas", "id", "name", "description", "attributes", "meta"}

errors = []


def err(msg):
    errors.append(msg)


def load(path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except Exception as e:  # noqa: BLE001
        err(f"{path}: invalid JSON: {e}")
        return None


def check_attr(a, where, depth, builtin):
    if not isinstance(a, dict):
        err(f"{where}: attribute is not an object")
        return
    name = a.get("name", "?")
    here = f"{where}.{name}"
    for k in ("name", "type", "multiValued"):
        if k not in a:
            err(f"{here}: missing '{k}'")
    for k in a:
        if k not in CHARACTERISTICS:
            err(f"{here}: unknown characteristic '{k}'")
    t = a.get("type")
    if t not in TYPES:
        err(f"{here}: unknown type {t!r}")
    if not isinstance(a.get("multiValued"), bool):
        err(f"{here}: multiValued must be a boolean")
    for k in ("required", "caseExact"):
        if k in a and not isinstance(a[k], bool):
            err(f"{here}: {k} must be a boolean")
    if "mutability" in a and a["mutability"] not in MUTABILITY:
        err(f"{here}: bad mutability {a['mutability']!r}")
    if "returned" in a and a["returned"] not in RETURNED:
        err(f"{here}: bad returned {a['returned']!r}")
    if "uniqueness" in a and a["uniqueness"] not in UNIQUENESS:
        err(f"{here}: bad uniqueness {a['uniqueness']!r}")
    for k in ("canonicalValues", "referenceTypes"):
        if k in a and not (isinstance(a[k], list)
                           and all(isinstance(v, str) for v in a[k])):
            err(f"{here}: {k} must be an array of strings")
    if "referenceTypes" in a and t != "reference":
        err(f"{here}: referenceTypes on non-reference type {t!r}")
    if "subAttributes" in a:
        if t != "complex":
            err(f"{here}: subAttributes on non-complex type {t!r}")
        if not isinstance(a["subAttributes"], list) or not a["subAttributes"]:
            err(f"{here}: subAttributes must be a non-empty array")
        else:
            for s in a["subAttributes"]:
                check_attr(s, here, depth + 1, builtin)
    elif t == "complex":
        err(f"{here}: complex attribute without subAttributes")
    # Erratum 6004: complex attributes carry no "uniqueness".
    if builtin and t == "complex" and "uniqueness" in a:
        err(f"{here}: complex attribute has 'uniqueness' (erratum 6004)")
    # Sub-attributes cannot themselves be complex (RFC 7643 section 2.3.8),
    # except inside the Schema schema where "subAttributes" describes itself.
    if depth > 0 and t == "complex" and name != "subAttributes":
        err(f"{here}: complex sub-attribute")


def check_schema(s, where, builtin):
    if not isinstance(s, dict):
        err(f"{where}: schema is not an object")
        return
    for k in ("id", "name", "attributes"):
        if k not in s:
            err(f"{where}: schema missing '{k}'")
    for k in s:
        if k not in SCHEMA_KEYS:
            err(f"{where}: unexpected schema key '{k}'")
    for a in s.get("attributes", []):
        check_attr(a, f"{where}<{s.get('name')}>", 0, builtin)


def find(attrs, *path):
    cur = {"subAttributes": attrs}
    for p in path:
        matches = [a for a in cur["subAttributes"] if a["name"] == p]
        if len(matches) != 1:
            raise KeyError("/".join(path))
        cur = matches[0]
    return cur


def main():
    docs = {}
    for p in sorted(list(HERE.glob("*.json")) + list(BUILTIN.glob("*.json"))):
        docs[p] = load(p)

    # Structural checks on every Schema representation.
    for name in ("8.7.1-schemas.json", "8.7.2-schemas.json"):
        arr = docs.get(HERE / name)
        if not isinstance(arr, list) or len(arr) != 3:
            err(f"{name}: expected a JSON array of 3 schemas")
            continue
        for i, s in enumerate(arr):
            check_schema(s, f"{name}[{i}]", builtin=False)

    schema_files = {
        "user.json": "urn:ietf:params:scim:schemas:core:2.0:User",
        "group.json": "urn:ietf:params:scim:schemas:core:2.0:Group",
        "enterprise_user.json":
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "service_provider_config_schema.json":
            "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig",
        "resource_type_schema.json":
            "urn:ietf:params:scim:schemas:core:2.0:ResourceType",
        "schema_schema.json": "urn:ietf:params:scim:schemas:core:2.0:Schema",
    }
    for fname, urn in schema_files.items():
        s = docs.get(BUILTIN / fname)
        if s is None:
            err(f"{fname}: missing")
            continue
        if s.get("id") != urn:
            err(f"{fname}: id {s.get('id')!r} != {urn!r}")
        check_schema(s, fname, builtin=True)

    for fname, rid in (("user_resource_type.json", "User"),
                       ("group_resource_type.json", "Group")):
        r = docs.get(BUILTIN / fname)
        if not r or r.get("id") != rid or r.get("schemas") != [
                "urn:ietf:params:scim:schemas:core:2.0:ResourceType"]:
            err(f"{fname}: not the {rid} ResourceType")

    rts = docs.get(HERE / "8.6-resource-types.json")
    if isinstance(rts, list) and len(rts) == 2:
        if rts[0] != docs.get(BUILTIN / "user_resource_type.json") or \
                rts[1] != docs.get(BUILTIN / "group_resource_type.json"):
            err("built-in ResourceTypes differ from RFC 8.6")
    else:
        err("8.6-resource-types.json: expected an array of 2 objects")

    # The errata, spelled out: applying them to the RFC text must give the
    # built-in files exactly.
    try:
        check_errata(docs)
    except KeyError as e:
        err(f"errata check: attribute path not found: {e}")

    if errors:
        print("\n".join(errors))
        print(f"FAILED: {len(errors)} problem(s)")
        return 1
    print(f"OK: {len(docs)} JSON files checked")
    return 0


def check_errata(docs):
    import copy
    user, group, ent = copy.deepcopy(docs[HERE / "8.7.1-schemas.json"])
    spc, rt, sch = copy.deepcopy(docs[HERE / "8.7.2-schemas.json"])

    find(group["attributes"], "displayName")["required"] = True          # 5368
    find(user["attributes"], "groups", "$ref")["referenceTypes"] = ["Group"]  # 8471
    find(ent["attributes"], "manager", "value")["caseExact"] = True      # 8472
    find(rt["attributes"], "schemaExtensions")["multiValued"] = True     # 7522
    a = find(rt["attributes"], "name")                                   # 8475
    a["caseExact"] = True
    a["uniqueness"] = "server"
    find(rt["attributes"], "endpoint")["uniqueness"] = "server"          # 8475
    a = find(sch["attributes"], "attributes", "type")                    # 5606
    a["description"] = ("The attribute's data type. Valid values include "
                        "'string', 'complex', 'boolean', 'decimal', 'integer', "
                        "'dateTime', 'reference', 'binary'.")
    a["canonicalValues"].append("binary")
    find(sch["attributes"], "attributes", "subAttributes",
         "referenceTypes")["multiValued"] = True                         # 5607
    a = find(sch["attributes"], "attributes", "subAttributes", "type")   # 8415
    a["description"] = ("The attribute's data type. Valid values include "
                        "'string', 'boolean', 'decimal', 'integer', "
                        "'dateTime', 'reference', 'binary'.")
    a["canonicalValues"] = ["string", "boolean", "decimal", "integer",
                            "dateTime", "reference", "binary"]

    def strip(attrs):                                                    # 6004
        for x in attrs:
            if x["type"] == "complex":
                x.pop("uniqueness", None)
            strip(x.get("subAttributes", []))
    for s in (user, group, ent, spc, rt, sch):
        strip(s["attributes"])

    def with_schemas_meta(s):                                            # 8417
        out = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
               "id": s["id"],
               "meta": {"resourceType": "Schema",
                        "location": "/v2/Schemas/" + s["id"]}}
        out.update({k: v for k, v in s.items() if k != "id"})
        return out
    spc, rt, sch = (with_schemas_meta(s) for s in (spc, rt, sch))

    expected = {
        "user.json": user, "group.json": group, "enterprise_user.json": ent,
        "service_provider_config_schema.json": spc,
        "resource_type_schema.json": rt, "schema_schema.json": sch,
    }
    for fname, exp in expected.items():
        got = docs.get(BUILTIN / fname)
        if got != exp:
            err(f"{fname}: differs from RFC 8.7 text + listed errata")
        elif list(got) != list(exp):
            err(f"{fname}: key order differs from RFC 8.7 text + errata")


if __name__ == "__main__":
    sys.exit(main())
