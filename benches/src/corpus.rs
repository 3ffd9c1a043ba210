//! The benchmark corpora, shared by the criterion benches, the peer comparison
//! (`benches/peers`) and the cross-language inputs (`benches/cross-language`):
//!
//! - [`users`]: deterministic generated users with realistic shapes (name, emails, phone
//!   numbers, the enterprise extension, meta), and [`group`]s of any size;
//! - [`filters`]: identity-provider-shaped and complex filters, each with a hand-written
//!   baseline that does the same comparisons directly on `serde_json::Value`;
//! - [`patches`]: PATCH requests in Okta and Entra shapes, each with a hand-written baseline
//!   that makes the same mutation directly on `serde_json::Value`;
//! - [`diff_baseline`]: a hand-written diff for the same comparison.
//!
//! The baselines are the floor an engine competes with: they know the attribute names, their
//! exact spelling in the generated data and the shape of every value in advance, and they
//! handle nothing else (no other spelling, no schema, no errors, no atomicity). They do apply
//! the RFC's comparison rules where those rules decide the answer (case-insensitive strings,
//! dateTimes compared as instants), so that their answers are the engines' answers.

use std::collections::HashSet;

use chrono::{DateTime, FixedOffset};
use serde_json::{json, Map, Value};

/// RFC 7643 core User schema URN.
pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// RFC 7643 enterprise User extension URN.
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// RFC 7643 core Group schema URN.
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// RFC 7644 PatchOp message URN.
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The user the IdP-shaped lookups look for (present, active, with a work email).
pub const TARGET: usize = 77_777;

/// The number of users in the evaluation corpus.
pub const USERS: usize = 100_000;

/// splitmix64: a tiny deterministic generator, so that the corpus is the same on every run and
/// in every language it is exported to.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for one seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// (display spelling, ASCII spelling for addresses). A few are not ASCII, as real directories are.
const GIVEN: &[(&str, &str)] = &[
    ("Barbara", "barbara"),
    ("Bárbara", "barbara"),
    ("James", "james"),
    ("Mary", "mary"),
    ("John", "john"),
    ("Patricia", "patricia"),
    ("Robert", "robert"),
    ("Jennifer", "jennifer"),
    ("Michael", "michael"),
    ("Linda", "linda"),
    ("David", "david"),
    ("Elizabeth", "elizabeth"),
    ("William", "william"),
    ("Susan", "susan"),
    ("Zoë", "zoe"),
    ("Søren", "soren"),
    ("Aisha", "aisha"),
    ("Wei", "wei"),
    ("Priya", "priya"),
    ("Kenji", "kenji"),
    ("Olga", "olga"),
    ("Mateo", "mateo"),
    ("Fatima", "fatima"),
    ("Noah", "noah"),
];

const FAMILY: &[(&str, &str)] = &[
    ("Jensen", "jensen"),
    ("Smith", "smith"),
    ("Johnson", "johnson"),
    ("Williams", "williams"),
    ("Brown", "brown"),
    ("Jones", "jones"),
    ("Garcia", "garcia"),
    ("Miller", "miller"),
    ("Davis", "davis"),
    ("Rodríguez", "rodriguez"),
    ("Martínez", "martinez"),
    ("Müller", "mueller"),
    ("O'Brien", "obrien"),
    ("Nguyen", "nguyen"),
    ("Kim", "kim"),
    ("Patel", "patel"),
    ("Ivanova", "ivanova"),
    ("Tanaka", "tanaka"),
    ("Andersson", "andersson"),
    ("Nuñez", "nunez"),
];

const DEPARTMENTS: &[&str] = &[
    "Engineering",
    "Sales",
    "Marketing",
    "Finance",
    "Support",
    "Legal",
    "People",
    "Operations",
];

const TITLES: &[&str] = &[
    "Software Engineer",
    "Senior Software Engineer",
    "Account Executive",
    "Support Engineer",
    "Product Manager",
    "Designer",
    "Accountant",
    "Tour Guide",
    "Director",
];

const ZONES: &[(&str, &str)] = &[
    ("en-US", "America/Los_Angeles"),
    ("en-US", "America/New_York"),
    ("en-GB", "Europe/London"),
    ("de-DE", "Europe/Berlin"),
    ("ja-JP", "Asia/Tokyo"),
    ("es-MX", "America/Mexico_City"),
];

fn hex(rng: &mut Rng, digits: usize) -> String {
    let mut s = String::with_capacity(digits);
    while s.len() < digits {
        s.push_str(&format!("{:016x}", rng.next_u64()));
    }
    s.truncate(digits);
    s
}

fn uuid(rng: &mut Rng) -> String {
    let h = hex(rng, 32);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// An xsd:dateTime in UTC between 2022-01-01 and 2025-12-31, as servers write them.
fn timestamp(rng: &mut Rng) -> String {
    let secs = 1_640_995_200 + rng.below(4 * 365 * 86_400) as i64;
    let t = DateTime::from_timestamp(secs, 0).expect("in range");
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The id of generated user `i` (the same as `user(i)["id"]`).
pub fn user_id(i: usize) -> String {
    uuid(&mut Rng::new(i as u64 ^ 0x5C1A_5C1A))
}

/// Generated user number `i`: always the same for the same `i`, a valid RFC 7643 User with the
/// enterprise extension, shaped as identity providers send them (Okta and Entra both set
/// `externalId`, a work email that equals `userName`, the enterprise attributes).
pub fn user(i: usize) -> Value {
    let mut rng = Rng::new(i as u64 ^ 0x5C1A_5C1A);
    let id = uuid(&mut rng);
    let (given, given_ascii) = *rng.pick(GIVEN);
    let (family, family_ascii) = *rng.pick(FAMILY);
    let user_name = format!("{given_ascii}.{family_ascii}.{i}@example.com");
    let display = format!("{given} {family}");
    let (locale, zone) = *rng.pick(ZONES);
    // The target user of the lookups is always active.
    let active = i == TARGET || rng.chance(90);
    let contractor = rng.chance(20);

    let mut emails = vec![json!({"value": user_name, "type": "work", "primary": true})];
    if rng.chance(40) {
        emails
            .push(json!({"value": format!("{given_ascii}{}@gmail.com", i % 1000), "type": "home"}));
    }
    let mut phones = vec![json!({
        "value": format!("+1 555 {:03} {:04}", rng.below(1000), rng.below(10_000)),
        "type": "work"
    })];
    if rng.chance(50) {
        phones.push(json!({
            "value": format!("+44 20 {:04} {:04}", rng.below(10_000), rng.below(10_000)),
            "type": "mobile"
        }));
    }
    let manager = (i / 10) * 10;
    let mut created = timestamp(&mut rng);
    let mut modified = timestamp(&mut rng);
    if modified < created {
        std::mem::swap(&mut created, &mut modified);
    }

    let mut u = Map::new();
    u.insert("schemas".into(), json!([USER, ENTERPRISE]));
    u.insert("id".into(), id.clone().into());
    u.insert(
        "externalId".into(),
        format!("00u{}", hex(&mut rng, 17)).into(),
    );
    u.insert("userName".into(), user_name.into());
    u.insert(
        "name".into(),
        json!({"formatted": display, "familyName": family, "givenName": given}),
    );
    u.insert("displayName".into(), display.into());
    if rng.chance(70) {
        u.insert("title".into(), (*rng.pick(TITLES)).into());
    }
    u.insert(
        "userType".into(),
        if contractor { "Contractor" } else { "Employee" }.into(),
    );
    u.insert("preferredLanguage".into(), locale.into());
    u.insert("locale".into(), locale.into());
    u.insert("timezone".into(), zone.into());
    u.insert("active".into(), active.into());
    u.insert("emails".into(), emails.into());
    u.insert("phoneNumbers".into(), phones.into());
    u.insert(
        ENTERPRISE.into(),
        json!({
            "employeeNumber": format!("{}", 100_000 + i),
            "costCenter": format!("CC-{}", rng.below(40)),
            "organization": "Example Corp",
            "division": if rng.chance(50) { "Americas" } else { "EMEA" },
            "department": *rng.pick(DEPARTMENTS),
            "manager": {"value": user_id(manager), "$ref": format!("https://example.com/scim/v2/Users/{}", user_id(manager)),
                        "displayName": format!("User {manager}")}
        }),
    );
    u.insert(
        "meta".into(),
        json!({
            "resourceType": "User",
            "created": created,
            "lastModified": modified,
            "location": format!("https://example.com/scim/v2/Users/{id}"),
            "version": format!("W/\"{}\"", hex(&mut rng, 8))
        }),
    );
    Value::Object(u)
}

/// Users `0..n`.
pub fn users(n: usize) -> Vec<Value> {
    (0..n).map(user).collect()
}

/// A member entry for user `i`, as Okta sends it (`value` and `display`) plus the `$ref`
/// servers store.
pub fn member(i: usize) -> Value {
    let id = user_id(i);
    json!({
        "value": id,
        "$ref": format!("https://example.com/scim/v2/Users/{id}"),
        "display": format!("User {i}")
    })
}

/// A group whose members are users `0..members`.
pub fn group(members: usize) -> Value {
    json!({
        "schemas": [GROUP],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": format!("Group of {members}"),
        "members": (0..members).map(member).collect::<Vec<_>>(),
        "meta": {
            "resourceType": "Group",
            "created": "2023-05-13T04:42:34Z",
            "lastModified": "2024-05-13T04:42:34Z",
            "location": "https://example.com/scim/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a",
            "version": "W/\"3694e05e9dff594\""
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Filters

/// A hand-written predicate on one resource.
pub type Predicate = Box<dyn Fn(&Value) -> bool + Send + Sync>;

/// One filter of the corpus, with its hand-written baseline.
pub struct FilterCase {
    /// A short name for reports.
    pub name: &'static str,
    /// The filter text.
    pub text: String,
    /// Whether it needs `Interop::idp_compatible()` (Entra's non-RFC form, docs/idp-compatibility.md).
    pub lenient: bool,
    /// The same comparisons written directly against the generated users' JSON. It agrees with
    /// the *compiled* (schema-aware) filter; `schema_less_differs` says where schema-less
    /// evaluation (RFC defaults) answers differently by design.
    pub baseline: Predicate,
    /// Schema-less evaluation compares everything case-insensitively (RFC 7643 §2.2 default),
    /// while the schema makes `externalId` caseExact; the counts agree on this corpus anyway.
    pub schema_less_differs: bool,
}

impl std::fmt::Debug for FilterCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilterCase")
            .field("name", &self.name)
            .field("text", &self.text)
            .finish_non_exhaustive()
    }
}

fn str_at<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key)?.as_str()
}

/// Case-insensitive equality, as RFC 7643 §2.2 makes `caseExact` false the default: ASCII case
/// folding when both sides are ASCII, else full lower-casing (what the engines do).
fn eq_ci(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.chars()
            .flat_map(char::to_lowercase)
            .eq(b.chars().flat_map(char::to_lowercase))
    }
}

fn ends_with_ci(a: &str, suffix: &str) -> bool {
    a.len() >= suffix.len()
        && a.is_char_boundary(a.len() - suffix.len())
        && a[a.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

fn starts_with_ci(a: &str, prefix: &str) -> bool {
    a.len() >= prefix.len()
        && a.is_char_boundary(prefix.len())
        && a[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn contains_ci(a: &str, needle: &str) -> bool {
    a.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn time(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s).ok()
}

/// The filters: IdP lookups first (what Okta and Entra send on every provisioning cycle), then
/// complex ones.
pub fn filters() -> Vec<FilterCase> {
    let target = user(TARGET);
    let user_name = target["userName"].as_str().unwrap().to_owned();
    let external_id = target["externalId"].as_str().unwrap().to_owned();
    // Okta looks users up by userName in whatever case the admin typed it.
    let user_name_upper = user_name.to_ascii_uppercase();
    let missing = "8a1c64b2-5e0e-4d60-9e58-1a4e4fb0f0a1".to_owned();
    let since = time("2024-06-01T00:00:00Z").unwrap();
    let until = time("2025-01-01T00:00:00+01:00").unwrap();

    vec![
        FilterCase {
            name: "okta_userName_eq",
            text: format!(r#"userName eq "{user_name_upper}""#),
            lenient: false,
            baseline: Box::new({
                let lit = user_name_upper.clone();
                move |v| str_at(v, "userName").is_some_and(|s| s.eq_ignore_ascii_case(&lit))
            }),
            schema_less_differs: false,
        },
        FilterCase {
            name: "entra_test_connection",
            text: format!(r#"userName eq "{missing}""#),
            lenient: false,
            baseline: Box::new({
                let lit = missing.clone();
                move |v| str_at(v, "userName").is_some_and(|s| s.eq_ignore_ascii_case(&lit))
            }),
            schema_less_differs: false,
        },
        FilterCase {
            name: "externalId_eq",
            text: format!(r#"externalId eq "{external_id}""#),
            lenient: false,
            baseline: Box::new({
                let lit = external_id.clone();
                // externalId is caseExact (RFC 7643 §3.1).
                move |v| str_at(v, "externalId") == Some(lit.as_str())
            }),
            schema_less_differs: true,
        },
        FilterCase {
            name: "entra_emails_work_value_eq",
            text: format!(r#"emails[type eq "work"].value eq "{user_name}""#),
            lenient: true,
            baseline: Box::new({
                let lit = user_name.clone();
                move |v| {
                    v.get("emails")
                        .and_then(Value::as_array)
                        .is_some_and(|emails| {
                            emails.iter().any(|e| {
                                str_at(e, "type").is_some_and(|t| t.eq_ignore_ascii_case("work"))
                                    && str_at(e, "value")
                                        .is_some_and(|s| s.eq_ignore_ascii_case(&lit))
                            })
                        })
                }
            }),
            schema_less_differs: false,
        },
        FilterCase {
            name: "complex_and_or_not_valuepath",
            text: r#"(name.familyName eq "jensen" or name.givenName sw "bár") and not (active eq false) and emails[type eq "work" and value ew "@EXAMPLE.com"]"#.to_owned(),
            lenient: false,
            baseline: Box::new(|v| {
                let name = v.get("name");
                (name.and_then(|n| str_at(n, "familyName")).is_some_and(|s| eq_ci(s, "jensen"))
                    || name.and_then(|n| str_at(n, "givenName")).is_some_and(|s| {
                        s.chars()
                            .flat_map(char::to_lowercase)
                            .take(3)
                            .eq("bár".chars())
                    }))
                    && v.get("active").and_then(Value::as_bool).is_none_or(|a| a)
                    && v.get("emails").and_then(Value::as_array).is_some_and(|emails| {
                        emails.iter().any(|e| {
                            str_at(e, "type").is_some_and(|t| t.eq_ignore_ascii_case("work"))
                                && str_at(e, "value")
                                    .is_some_and(|s| ends_with_ci(s, "@example.com"))
                        })
                    })
            }),
            schema_less_differs: false,
        },
        FilterCase {
            name: "precedence_and_or",
            // RFC 7644 §3.4.2.2: `and` binds tighter than `or`.
            text: r#"userType eq "Contractor" and active eq false or title eq "Director""#.to_owned(),
            lenient: false,
            baseline: Box::new(|v| {
                (str_at(v, "userType").is_some_and(|s| s.eq_ignore_ascii_case("Contractor"))
                    && v.get("active").and_then(Value::as_bool) == Some(false))
                    || str_at(v, "title").is_some_and(|s| s.eq_ignore_ascii_case("Director"))
            }),
            schema_less_differs: false,
        },
        FilterCase {
            name: "dates",
            text: r#"meta.lastModified gt "2024-06-01T00:00:00Z" and meta.lastModified le "2025-01-01T00:00:00+01:00""#.to_owned(),
            lenient: false,
            baseline: Box::new(move |v| {
                v.get("meta")
                    .and_then(|m| str_at(m, "lastModified"))
                    .and_then(time)
                    .is_some_and(|t| t > since && t <= until)
            }),
            schema_less_differs: false,
        },
        FilterCase {
            name: "enterprise_urn",
            text: format!(
                r#"{ENTERPRISE}:department eq "engineering" and (title co "engineer" or phoneNumbers[type eq "mobile" and value sw "+44"])"#
            ),
            lenient: false,
            baseline: Box::new(|v| {
                v.get(ENTERPRISE)
                    .and_then(|e| str_at(e, "department"))
                    .is_some_and(|d| d.eq_ignore_ascii_case("engineering"))
                    && (str_at(v, "title").is_some_and(|t| contains_ci(t, "engineer"))
                        || v.get("phoneNumbers").and_then(Value::as_array).is_some_and(|ps| {
                            ps.iter().any(|p| {
                                str_at(p, "type").is_some_and(|t| t.eq_ignore_ascii_case("mobile"))
                                    && str_at(p, "value").is_some_and(|s| starts_with_ci(s, "+44"))
                            })
                        }))
            }),
            schema_less_differs: false,
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// PATCH

/// A hand-written mutation; returns whether anything changed.
pub type Mutation = Box<dyn Fn(&mut Value) -> bool + Send + Sync>;

/// Which schema a PATCH case's resource has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A User with the enterprise extension.
    User,
    /// A Group.
    Group,
}

/// One PATCH request of the corpus, with the resource it applies to and its hand-written
/// baseline.
pub struct PatchCase {
    /// A short name for reports, e.g. `okta_add_member/1000`.
    pub name: String,
    /// Okta or Entra.
    pub idp: &'static str,
    /// The resource before the request.
    pub resource: Value,
    /// The PatchOp message body.
    pub request: Value,
    /// User or Group.
    pub kind: Kind,
    /// The same change written directly against the resource's JSON.
    pub baseline: Mutation,
}

impl std::fmt::Debug for PatchCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatchCase")
            .field("name", &self.name)
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

fn patch_op(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

fn members_mut(v: &mut Value) -> &mut Vec<Value> {
    v["members"].as_array_mut().expect("a group")
}

/// Appends `new` unless a member with the same `value` is there (RFC 7644 §3.5.2.1: "If the
/// target location already contains the value specified, no changes SHOULD be made").
fn add_member(group: &mut Value, new: &Value) -> bool {
    let members = members_mut(group);
    if members.iter().any(|m| m["value"] == new["value"]) {
        return false;
    }
    members.push(new.clone());
    true
}

/// Removes the members whose `value` is `id`, case-insensitively: `members.value` is
/// `caseExact: false` in the RFC 7643 §8.7.1 Group schema (and schema-less, RFC 7643 §2.2's
/// default is the same).
fn remove_member(group: &mut Value, id: &str) -> bool {
    let members = members_mut(group);
    let before = members.len();
    members.retain(|m| {
        !m["value"]
            .as_str()
            .is_some_and(|v| v.eq_ignore_ascii_case(id))
    });
    members.len() != before
}

/// The group sizes of the membership cases.
pub const GROUP_SIZES: [usize; 3] = [2, 1_000, 10_000];

/// The PATCH requests. Entra's shapes need `Interop::idp_compatible()` (capitalised `op`, string
/// booleans, `remove` with a value list, dotted and URN keys in a no-path value).
pub fn patches() -> Vec<PatchCase> {
    let mut cases = Vec::new();

    // Okta deactivation (docs/idp-compatibility.md): a no-path replace.
    cases.push(PatchCase {
        name: "okta_deactivate".into(),
        idp: "Okta",
        resource: user(TARGET),
        request: patch_op(json!([{"op": "replace", "value": {"active": false}}])),
        kind: Kind::User,
        baseline: Box::new(|u| {
            let changed = u["active"] != Value::Bool(false);
            u["active"] = Value::Bool(false);
            changed
        }),
    });

    for size in GROUP_SIZES {
        let newcomer = json!({"value": user_id(USERS + 1), "display": "New Hire"});
        let leaver = user_id(size / 2);

        // Okta (docs/idp-compatibility.md): add via `members` array, remove via a filtered path.
        cases.push(PatchCase {
            name: format!("okta_add_member/{size}"),
            idp: "Okta",
            resource: group(size),
            request: patch_op(
                json!([{"op": "add", "path": "members", "value": [newcomer.clone()]}]),
            ),
            kind: Kind::Group,
            baseline: Box::new(move |g| add_member(g, &newcomer)),
        });
        cases.push(PatchCase {
            name: format!("okta_remove_member/{size}"),
            idp: "Okta",
            resource: group(size),
            request: patch_op(
                json!([{"op": "remove", "path": format!(r#"members[value eq "{leaver}"]"#)}]),
            ),
            kind: Kind::Group,
            baseline: Box::new({
                let leaver = leaver.clone();
                move |g| remove_member(g, &leaver)
            }),
        });

        // Entra (docs/idp-compatibility.md): capitalised ops, `$ref: null`, remove with a value list.
        let entra_new = json!({"$ref": null, "value": user_id(USERS + 2)});
        cases.push(PatchCase {
            name: format!("entra_add_member/{size}"),
            idp: "Entra",
            resource: group(size),
            request: patch_op(json!([{"op": "Add", "path": "members", "value": [entra_new]}])),
            kind: Kind::Group,
            baseline: Box::new(|g| {
                // RFC 7643 §2.5: a null `$ref` is unassigned, so it is not stored.
                add_member(g, &json!({"value": user_id(USERS + 2)}))
            }),
        });
        cases.push(PatchCase {
            name: format!("entra_remove_member/{size}"),
            idp: "Entra",
            resource: group(size),
            request: patch_op(
                json!([{"op": "Remove", "path": "members", "value": [{"value": leaver}]}]),
            ),
            kind: Kind::Group,
            baseline: Box::new(move |g| remove_member(g, &leaver)),
        });
    }

    // Entra without the flag (docs/idp-compatibility.md): one op per attribute, a value-filtered path, a
    // URN path, and a string boolean.
    cases.push(PatchCase {
        name: "entra_multi_replace".into(),
        idp: "Entra",
        resource: user(TARGET),
        request: patch_op(json!([
            {"op": "Replace", "path": "displayName", "value": "Babs Jensen"},
            {"op": "Replace", "path": "name.givenName", "value": "Babs"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "babs.jensen@example.com"},
            {"op": "Replace", "path": format!("{ENTERPRISE}:department"), "value": "Tour Operations"},
            {"op": "Replace", "path": "active", "value": "False"}
        ])),
        kind: Kind::User,
        baseline: Box::new(multi_replace),
    });

    // Entra with the flag (docs/idp-compatibility.md): the same folded into one no-path op with dotted and
    // URN-prefixed keys.
    cases.push(PatchCase {
        name: "entra_no_path_dotted".into(),
        idp: "Entra",
        resource: user(TARGET),
        request: patch_op(json!([{"op": "replace", "value": {
            "displayName": "Babs Jensen",
            "name.givenName": "Babs",
            format!("{ENTERPRISE}:department"): "Tour Operations",
            "active": false
        }}])),
        kind: Kind::User,
        baseline: Box::new(|u| {
            let mut changed = false;
            for (at, value) in [
                ("/displayName", json!("Babs Jensen")),
                ("/name/givenName", json!("Babs")),
                (
                    "/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/department",
                    json!("Tour Operations"),
                ),
                ("/active", json!(false)),
            ] {
                let slot = u.pointer_mut(at).expect("present");
                changed |= *slot != value;
                *slot = value;
            }
            changed
        }),
    });
    cases
}

fn multi_replace(u: &mut Value) -> bool {
    let mut changed = false;
    let mut set = |slot: &mut Value, value: Value| {
        changed |= *slot != value;
        *slot = value;
    };
    set(&mut u["displayName"], json!("Babs Jensen"));
    set(&mut u["name"]["givenName"], json!("Babs"));
    for e in u["emails"].as_array_mut().expect("emails") {
        if e["type"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("work"))
        {
            set(&mut e["value"], json!("babs.jensen@example.com"));
        }
    }
    set(&mut u[ENTERPRISE]["department"], json!("Tour Operations"));
    set(&mut u["active"], json!(false));
    changed
}

// ---------------------------------------------------------------------------------------------
// Diff

/// One diff of the corpus: two versions of a resource.
#[derive(Debug)]
pub struct DiffCase {
    /// A short name for reports.
    pub name: &'static str,
    /// The old version.
    pub old: Value,
    /// The new version.
    pub new: Value,
}

/// A user after an Entra-style update, and a 1,000-member group after one join and one leave.
pub fn diffs() -> Vec<DiffCase> {
    let old_user = user(TARGET);
    let mut new_user = old_user.clone();
    multi_replace(&mut new_user);
    new_user["phoneNumbers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"value": "+1 555 010 9999", "type": "mobile"}));

    let old_group = group(1_000);
    let mut new_group = old_group.clone();
    remove_member(&mut new_group, &user_id(500));
    add_member(&mut new_group, &member(USERS + 3));
    new_group["displayName"] = json!("Renamed");

    vec![
        DiffCase {
            name: "user_update",
            old: old_user,
            new: new_user,
        },
        DiffCase {
            name: "group_1000_join_leave",
            old: old_group,
            new: new_group,
        },
    ]
}

/// A hand-written diff as an application would write it for these resources: top-level
/// attributes compared with `==`; a multi-valued attribute whose elements carry a `value`
/// (members, emails) becomes per-element `add`/`remove` by `value`, anything else a `replace`.
/// Returns the operations as PatchOp JSON.
pub fn diff_baseline(old: &Value, new: &Value) -> Vec<Value> {
    let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else {
        return vec![json!({"op": "replace", "value": new})];
    };
    let mut ops = Vec::new();
    for (key, new_v) in new {
        match old.get(key) {
            None => ops.push(json!({"op": "add", "path": key, "value": new_v})),
            Some(old_v) if old_v == new_v => {}
            Some(Value::Array(old_a))
                if keyed(old_a) && new_v.as_array().is_some_and(|a| keyed(a)) =>
            {
                let new_a = new_v.as_array().unwrap();
                let old_ids: HashSet<&str> =
                    old_a.iter().filter_map(|e| e["value"].as_str()).collect();
                let new_ids: HashSet<&str> =
                    new_a.iter().filter_map(|e| e["value"].as_str()).collect();
                for e in old_a {
                    let id = e["value"].as_str().unwrap();
                    if !new_ids.contains(id) {
                        ops.push(
                            json!({"op": "remove", "path": format!(r#"{key}[value eq "{id}"]"#)}),
                        );
                    }
                }
                let added: Vec<&Value> = new_a
                    .iter()
                    .filter(|e| !old_ids.contains(e["value"].as_str().unwrap()))
                    .collect();
                if !added.is_empty() {
                    ops.push(json!({"op": "add", "path": key, "value": added}));
                }
                // Elements whose `value` stayed but whose other members changed.
                if old_a.len() == new_a.len()
                    && added.is_empty()
                    && old_a.iter().zip(new_a).any(|(a, b)| a != b)
                {
                    ops.push(json!({"op": "replace", "path": key, "value": new_v}));
                }
            }
            Some(_) => ops.push(json!({"op": "replace", "path": key, "value": new_v})),
        }
    }
    for key in old.keys() {
        if !new.contains_key(key) {
            ops.push(json!({"op": "remove", "path": key}));
        }
    }
    ops
}

fn keyed(items: &[Value]) -> bool {
    items
        .iter()
        .all(|e| e.get("value").and_then(Value::as_str).is_some())
}
