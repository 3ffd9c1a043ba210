//! A seeded corpus of users and groups, the storage shapes it is kept in, and a generator of
//! filters over it: shared by the differential test and the proptest.
#![allow(dead_code)]

use scimkit_schema::{Attribute, AttributeType, ResourceSchema, Schema};
use scimkit_sql::{Column, Relation, Shape};
use serde_json::{json, Map, Value};

pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const TEST_EXT: &str = "urn:example:params:scim:schemas:extension:test:2.0:User";

/// The RFC User with the enterprise extension and an extension holding one attribute of each
/// type the core schemas lack (integer, decimal, binary, a case-exact string, a multi-valued
/// string, a plain dateTime).
pub fn user_schema() -> ResourceSchema {
    let user = ResourceSchema::user();
    let test = Schema::new(TEST_EXT, "TestUser")
        .with_attribute(Attribute::new("level", AttributeType::Integer))
        .with_attribute(Attribute::new("score", AttributeType::Decimal))
        .with_attribute(Attribute::new("badge", AttributeType::Binary))
        .with_attribute(Attribute::new("code", AttributeType::String).case_exact())
        .with_attribute(Attribute::new("tags", AttributeType::String).multi_valued())
        .with_attribute(Attribute::new("hired", AttributeType::DateTime))
        .with_attribute(Attribute::new("home", AttributeType::Reference));
    ResourceSchema::builder("User", "/Users", user.core().clone())
        .extension(user.extension(ENTERPRISE).unwrap().schema.clone(), false)
        .extension(test, false)
        .build()
        .unwrap()
}

/// A small deterministic generator (SplitMix64), so the corpus is the same on every run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Text with the case-folding traps: German, Greek, Turkish dotted I, a combining dot, the
/// Kelvin sign, LIKE wildcards and quotes.
pub const WORDS: &[&str] = &[
    "ümlaut",
    "ÜMLAUT",
    "Ümlaut",
    "straße",
    "STRASSE",
    "Straße",
    "σοφία",
    "ΣΟΦΊΑ",
    "Σοφίας",
    "İstanbul",
    "istanbul",
    "i\u{307}stanbul",
    "\u{307}dot",
    "\u{212A}elvin",
    "kelvin",
    "bjensen",
    "BJensen",
    "Barbara",
    "Zoë",
    "ZOË",
    "100%_sure",
    "a_b",
    "a%b",
    "o'brien",
    "quote\"d",
    "",
    "Jensen",
    "jensen",
    "smith",
    "Smith",
    "ß",
    "ẞ",
    "émile",
    "Émile",
    "zed",
];

const DATES: &[&str] = &[
    "2011-05-13T04:42:34Z",
    "2011-05-13T06:42:34+02:00",
    "2011-05-13T04:42:34.5Z",
    "2011-05-13T04:42:34.123456789Z",
    "2011-05-13T04:42:34.1234567891-01:30",
    "2011-05-13t04:42:34z",
    "2011-05-13T04:42:34",
    "1999-12-31T23:59:60Z",
    "2000-01-01T00:00:00Z",
    "2024-02-29T12:00:00.000+14:00",
    "2024-02-29T12:00:00.000-12:00",
    "2030-01-01T00:00:00.1Z",
    "not a date",
    "2011-05-13",
    "2011-02-30T00:00:00Z",
];

fn word(rng: &mut Rng) -> String {
    let mut w = rng.pick(WORDS).to_string();
    if rng.chance(40) {
        w.push_str(&rng.below(50).to_string());
    }
    w
}

/// Sets `key` to a value, `null` or nothing.
fn maybe(
    rng: &mut Rng,
    o: &mut Map<String, Value>,
    key: &str,
    value: impl FnOnce(&mut Rng) -> Value,
) {
    let value = value(rng);
    match rng.below(10) {
        0 => {}
        1 => {
            o.insert(key.into(), Value::Null);
        }
        _ => {
            o.insert(key.into(), value);
        }
    }
}

pub struct Corpus {
    /// `(id, document as stored)`.
    pub users: Vec<(String, Value)>,
    pub groups: Vec<(String, Value)>,
    /// `(group index, member id, type, display)`, in order within each group.
    pub members: Vec<(usize, String, String, String)>,
}

impl Corpus {
    pub fn generate(users: usize, groups: usize, seed: u64) -> Corpus {
        let mut rng = Rng::new(seed);
        let mut out = Corpus {
            users: Vec::new(),
            groups: Vec::new(),
            members: Vec::new(),
        };
        for i in 0..users {
            let id = format!("u{i:05}");
            out.users.push((id.clone(), user(&mut rng, &id)));
        }
        for g in 0..groups {
            let id = format!("g{g:04}");
            let mut doc = Map::new();
            doc.insert(
                "schemas".into(),
                json!(["urn:ietf:params:scim:schemas:core:2.0:Group"]),
            );
            doc.insert("id".into(), json!(id));
            maybe(&mut rng, &mut doc, "displayName", |r| json!(word(r)));
            let mut members = Vec::new();
            for _ in 0..rng.below(12) {
                let u = rng.below(users.max(1));
                let (uid, udoc) = &out.users[u];
                let display = udoc
                    .get("displayName")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                let ty = if rng.chance(90) { "User" } else { "Group" };
                members.push(json!({"value": uid, "type": ty, "display": display}));
                out.members.push((g, uid.clone(), ty.into(), display));
            }
            if !members.is_empty() || rng.chance(50) {
                doc.insert("members".into(), Value::Array(members));
            }
            out.groups.push((id, Value::Object(doc)));
        }
        // A user's `groups` as the server derives them from memberships.
        let mut groups_of: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
        for (g, uid, _, _) in &out.members {
            let (gid, gdoc) = &out.groups[*g];
            let mut entry = Map::new();
            entry.insert("value".into(), json!(gid));
            if let Some(d) = gdoc.get("displayName").filter(|d| !d.is_null()) {
                entry.insert("display".into(), d.clone());
            }
            entry.insert("type".into(), json!("direct"));
            let list = groups_of.entry(uid.clone()).or_default();
            if !list.iter().any(|e| e["value"] == json!(gid)) {
                list.push(Value::Object(entry));
            }
        }
        for (uid, doc) in &mut out.users {
            if let Some(list) = groups_of.remove(uid.as_str()) {
                doc["groups"] = Value::Array(list);
            }
        }
        out
    }
}

fn user(rng: &mut Rng, id: &str) -> Value {
    let mut o = Map::new();
    o.insert(
        "schemas".into(),
        json!(["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE]),
    );
    o.insert("id".into(), json!(id));
    maybe(rng, &mut o, "userName", |r| json!(word(r)));
    maybe(rng, &mut o, "externalId", |r| json!(word(r)));
    if rng.chance(80) {
        let mut name = Map::new();
        maybe(rng, &mut name, "givenName", |r| json!(word(r)));
        maybe(rng, &mut name, "familyName", |r| json!(word(r)));
        if rng.chance(10) {
            name.clear();
        }
        o.insert("name".into(), Value::Object(name));
    }
    maybe(rng, &mut o, "displayName", |r| json!(word(r)));
    maybe(rng, &mut o, "title", |r| json!(word(r)));
    if rng.chance(70) {
        maybe(rng, &mut o, "active", |r| json!(r.chance(60)));
    }
    if rng.chance(15) {
        // What Entra's validator sends, kept as text: not a boolean.
        o.insert(
            "active".into(),
            json!(if rng.chance(50) { "True" } else { "false" }),
        );
    }
    if rng.chance(85) {
        let mut emails = Vec::new();
        for _ in 0..rng.below(4) {
            let mut e = Map::new();
            maybe(rng, &mut e, "value", |r| {
                json!(format!(
                    "{}@{}",
                    word(r),
                    r.pick(&["example.com", "EXAMPLE.org", "x.io"])
                ))
            });
            maybe(rng, &mut e, "type", |r| {
                json!(r.pick(&["work", "home", "Work", "other"]))
            });
            if rng.chance(40) {
                maybe(rng, &mut e, "primary", |r| json!(r.chance(50)));
            }
            if rng.chance(5) {
                e.clear();
            }
            emails.push(Value::Object(e));
        }
        if rng.chance(5) {
            emails.push(Value::Null);
        }
        o.insert("emails".into(), Value::Array(emails));
    } else if rng.chance(30) {
        o.insert("emails".into(), Value::Null);
    }
    if rng.chance(90) {
        let mut meta = Map::new();
        meta.insert("resourceType".into(), json!("User"));
        maybe(rng, &mut meta, "created", |r| json!(r.pick(DATES)));
        maybe(rng, &mut meta, "lastModified", |r| json!(r.pick(DATES)));
        o.insert("meta".into(), Value::Object(meta));
    }
    if rng.chance(70) {
        let mut ent = Map::new();
        maybe(rng, &mut ent, "employeeNumber", |r| {
            json!(r.below(1000).to_string())
        });
        maybe(rng, &mut ent, "department", |r| json!(word(r)));
        if rng.chance(70) {
            let mut m = Map::new();
            maybe(rng, &mut m, "value", |r| {
                json!(format!("u{:05}", r.below(3000)))
            });
            maybe(rng, &mut m, "displayName", |r| json!(word(r)));
            ent.insert("manager".into(), Value::Object(m));
        }
        o.insert(ENTERPRISE.into(), Value::Object(ent));
    }
    if rng.chance(80) {
        let mut t = Map::new();
        let level = match rng.below(6) {
            0 => json!(i64::MAX),
            1 => json!(-(rng.below(100) as i64)),
            2 => json!(2.0),
            3 => json!(2.5),
            _ => json!(rng.below(10)),
        };
        maybe(rng, &mut t, "level", |_| level);
        let score = match rng.below(4) {
            0 => json!(rng.below(10)),
            1 => json!(0.1 + rng.below(5) as f64),
            2 => json!(-1.5e300),
            _ => json!(rng.below(100) as f64 / 8.0),
        };
        maybe(rng, &mut t, "score", |_| score);
        maybe(rng, &mut t, "badge", |r| {
            json!(r.pick(&["AAEC", "aaec", "SGVsbG8=", ""]))
        });
        maybe(rng, &mut t, "code", |r| json!(word(r)));
        if rng.chance(70) {
            let tags: Vec<Value> = (0..rng.below(4)).map(|_| json!(word(rng))).collect();
            t.insert("tags".into(), Value::Array(tags));
        }
        maybe(rng, &mut t, "hired", |r| json!(r.pick(DATES)));
        maybe(rng, &mut t, "home", |r| {
            json!(format!("https://x.io/{}", word(r)))
        });
        o.insert(TEST_EXT.into(), Value::Object(t));
    }
    Value::Object(o)
}

/// The storage shapes a corpus is tested in: `doc` keeps everything in the document; `mapped`
/// adds columns and keeps memberships in relations (`groups` of users through an `EXISTS`,
/// `members` of groups keyed).
pub struct Shapes {
    pub users_doc: Shape,
    pub users_mapped: Shape,
    pub groups_doc: Shape,
    pub groups_mapped: Shape,
}

impl Shapes {
    pub fn new(postgres: bool) -> Shapes {
        let display = if postgres {
            "g.doc ->> 'displayName'"
        } else {
            "json_extract(g.doc, '$.displayName')"
        };
        Shapes {
            users_doc: Shape::new("r.doc", "r.seq"),
            users_mapped: Shape::new("r.doc", "r.seq")
                .column("userName", Column::new("r.user_name_fold").folded())
                .column("externalId", Column::new("r.external_id"))
                .column("name.familyName", Column::new("r.family_name"))
                .relation(
                    "groups",
                    Relation::new(
                        "members m JOIN resources g ON g.seq = m.group_seq",
                        "m.member_id = r.id",
                    )
                    .sub("value", "g.id")
                    .sub("display", display)
                    .sub("type", "'direct'"),
                ),
            groups_doc: Shape::new("r.doc", "r.seq"),
            groups_mapped: Shape::new("r.doc", "r.seq")
                .column("displayName", Column::new("r.display_name"))
                .relation(
                    "members",
                    Relation::keyed("members m", "r.seq", "m.group_seq")
                        .sub("value", "m.member_id")
                        .sub("type", "m.member_type")
                        .sub("display", "m.display")
                        .order("m.position"),
                ),
        }
    }
}

/// The mapped columns of a user document: fold(userName), externalId, name.familyName, each
/// when it is a string.
pub fn user_columns(doc: &Value) -> (Option<String>, Option<String>, Option<String>) {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    (
        s(doc.get("userName")).map(|u| scimkit_sql::fold(&u).into_owned()),
        s(doc.get("externalId")),
        s(doc.get("name").and_then(|n| n.get("familyName"))),
    )
}

/// Attribute paths of the user schema with how to write literals for them.
pub const USER_PATHS: &[&str] = &[
    "userName",
    "externalId",
    "id",
    "displayName",
    "title",
    "name.givenName",
    "name.familyName",
    "name",
    "active",
    "emails",
    "emails.value",
    "emails.type",
    "emails.primary",
    "meta.created",
    "meta.lastModified",
    "meta.resourceType",
    "groups",
    "groups.value",
    "groups.display",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "employeeNumber",
    "manager.displayName",
    "urn:example:params:scim:schemas:extension:test:2.0:User:level",
    "score",
    "badge",
    "code",
    "tags",
    "hired",
    "home",
];

pub const GROUP_PATHS: &[&str] = &[
    "displayName",
    "id",
    "members",
    "members.value",
    "members.type",
    "members.display",
];

const OPS: &[&str] = &["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"];

/// Writes `s` as a filter string literal.
pub fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// Randomly re-cases an attribute path (names match in any case).
fn recase(rng: &mut Rng, path: &str) -> String {
    if !rng.chance(30) {
        return path.to_owned();
    }
    path.chars()
        .map(|c| {
            if rng.chance(50) {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// A literal for an attribute: mostly a value of the corpus (re-cased, cut to a prefix or
/// suffix), sometimes one of another type.
fn literal(rng: &mut Rng, samples: &[Value]) -> String {
    let sample = if samples.is_empty() {
        Value::Null
    } else {
        rng.pick(samples).clone()
    };
    match rng.below(12) {
        0 => rng
            .pick(&["true", "false", "\"True\"", "\"FALSE\"", "null"])
            .to_string(),
        1 => rng
            .pick(&[
                "0",
                "2",
                "-3",
                "2.0",
                "2.5",
                "9223372036854775807",
                "1e3",
                "0.125",
            ])
            .to_string(),
        2 => quote(rng.pick::<&str>(DATES)),
        3 => quote(&word(rng)),
        _ => match sample {
            Value::String(s) => {
                let chars: Vec<char> = s.chars().collect();
                let cut = |rng: &mut Rng| rng.below(chars.len() + 1);
                let t: String = match rng.below(6) {
                    0 => s.to_uppercase(),
                    1 => s.to_lowercase(),
                    2 => chars[..cut(rng)].iter().collect(),
                    3 => chars[cut(rng)..].iter().collect(),
                    4 => {
                        let (a, b) = (cut(rng), cut(rng));
                        chars[a.min(b)..a.max(b)].iter().collect()
                    }
                    _ => s.clone(),
                };
                quote(&t)
            }
            Value::Null => "null".into(),
            other => other.to_string(),
        },
    }
}

/// Sample values of each path, from the corpus documents.
pub fn samples(docs: &[&Value], path: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let parts: Vec<&str> = match path.rfind(':') {
        Some(i) => {
            let (urn, rest) = path.split_at(i);
            std::iter::once(urn).chain(rest[1..].split('.')).collect()
        }
        None => path.split('.').collect(),
    };
    for doc in docs.iter().take(400) {
        collect(doc, &parts, &mut out);
    }
    out
}

fn collect(v: &Value, parts: &[&str], out: &mut Vec<Value>) {
    match (v, parts.split_first()) {
        (Value::Array(items), _) => items.iter().for_each(|i| collect(i, parts, out)),
        (Value::Object(o), Some((first, rest))) => {
            let found = o.get(*first).or_else(|| {
                // An unqualified extension attribute.
                o.iter()
                    .filter(|(k, _)| k.starts_with("urn:"))
                    .find_map(|(_, ext)| ext.get(*first))
            });
            if let Some(x) = found {
                collect(x, rest, out);
            }
        }
        (Value::Object(o), None) => {
            if let Some(x) = o.get("value") {
                out.push(x.clone());
            }
        }
        (v, None) => out.push(v.clone()),
        _ => {}
    }
}

/// A random filter over `paths`, `depth` levels of `and`/`or`/`not`/value paths at most.
pub fn filter(rng: &mut Rng, paths: &[&str], docs: &[&Value], depth: usize) -> String {
    let choice = if depth == 0 { 0 } else { rng.below(10) };
    match choice {
        0..=4 => leaf(rng, paths, docs),
        5 => format!("not ({})", filter(rng, paths, docs, depth - 1)),
        6 | 7 => {
            let n = 2 + rng.below(2);
            let op = if choice == 6 { " and " } else { " or " };
            let parts: Vec<String> = (0..n)
                .map(|_| {
                    let f = filter(rng, paths, docs, depth - 1);
                    if rng.chance(50) {
                        format!("({f})")
                    } else {
                        f
                    }
                })
                .collect();
            parts.join(op)
        }
        _ => value_path(rng, paths, docs),
    }
}

fn leaf(rng: &mut Rng, paths: &[&str], docs: &[&Value]) -> String {
    let path = *rng.pick(paths);
    let written = recase(rng, path);
    if rng.chance(12) {
        return format!("{written} pr");
    }
    let op = rng.pick(OPS);
    let lit = literal(rng, &samples(docs, path));
    format!("{written} {op} {lit}")
}

/// A value filter on a multi-valued complex attribute (or `name`, `manager`), with conditions on
/// the same element; sometimes in Entra's form `attr[...].sub op value`.
fn value_path(rng: &mut Rng, paths: &[&str], docs: &[&Value]) -> String {
    let complex: Vec<&str> = paths
        .iter()
        .copied()
        .filter(|p| matches!(*p, "emails" | "name" | "groups" | "members"))
        .chain(
            paths
                .iter()
                .copied()
                .filter(|p| p.ends_with("User:manager")),
        )
        .collect();
    if complex.is_empty() {
        return leaf(rng, paths, docs);
    }
    let attr = *rng.pick(&complex);
    let subs: Vec<String> = paths
        .iter()
        .filter_map(|p| p.strip_prefix(attr).and_then(|r| r.strip_prefix('.')))
        .map(str::to_owned)
        .chain(match attr {
            "name" => vec!["familyName".to_owned(), "givenName".to_owned()],
            a if a.ends_with("manager") => vec!["value".to_owned(), "displayName".to_owned()],
            _ => vec![],
        })
        .collect();
    let inner_leaf = |rng: &mut Rng| {
        let sub = rng.pick(&subs).clone();
        let full = format!("{attr}.{sub}");
        if rng.chance(12) {
            return format!("{sub} pr");
        }
        let op = rng.pick(OPS);
        let lit = literal(rng, &samples(docs, &full));
        format!("{} {op} {lit}", recase(rng, &sub))
    };
    let n = 1 + rng.below(3);
    let mut parts: Vec<String> = (0..n).map(|_| inner_leaf(rng)).collect();
    if rng.chance(30) {
        parts[0] = format!("not ({})", parts[0]);
    }
    let joined = parts.join(if rng.chance(60) { " and " } else { " or " });
    let written = recase(rng, attr);
    if rng.chance(20) && !attr.ends_with("manager") && attr != "name" {
        // Entra: emails[type eq "work"].value eq "x" (interop).
        let sub = rng.pick(&subs).clone();
        let op = rng.pick(&["eq", "co", "sw"]);
        let lit = literal(rng, &samples(docs, &format!("{attr}.{sub}")));
        return format!("{written}[{}].{sub} {op} {lit}", inner_leaf(rng));
    }
    format!("{written}[{joined}]")
}
