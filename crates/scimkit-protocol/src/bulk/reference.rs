//! `bulkId` references (RFC 7644 §3.7.2): finding `bulkId:<id>` in paths and data, and
//! replacing them with the ids of created resources. Shared by the service provider's processing
//! and the client's chunking.

use std::collections::HashMap;

use serde_json::Value;

/// The prefix of a reference to another operation's resource.
pub(super) const BULK_PREFIX: &str = "bulkId:";

/// `s` cut to at most 64 bytes for an error detail.
pub(super) fn short(s: &str) -> &str {
    scimkit_schema::text::excerpt(s, 64)
}

/// Where in a string each `bulkId:` reference is: the whole string when it starts with the
/// prefix, otherwise occurrences after `/` or `"` (a URI segment, a quoted filter value) that run
/// to the next `/ ? # " ] ) ,` or whitespace.
pub(super) fn ref_spans(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if let Some(rest) = s.strip_prefix(BULK_PREFIX) {
        if !rest.is_empty() {
            out.push((0, s.len()));
        }
        return out;
    }
    let mut from = 0;
    while let Some(pos) = s[from..].find(BULK_PREFIX) {
        let at = from + pos;
        let id_start = at + BULK_PREFIX.len();
        let before = s[..at].chars().next_back();
        let end = s[id_start..]
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '"' | ']' | ')' | ',') || c.is_whitespace()
            })
            .map_or(s.len(), |e| id_start + e);
        if matches!(before, Some('/') | Some('"')) && end > id_start {
            out.push((at, end));
        }
        from = id_start;
    }
    out
}

pub(super) fn collect_refs_in_str(s: &str, out: &mut Vec<String>) {
    for (a, b) in ref_spans(s) {
        let id = &s[a + BULK_PREFIX.len()..b];
        if !out.iter().any(|x| x == id) {
            out.push(id.to_owned());
        }
    }
}

/// Every bulkId referenced in the strings of `v`, walked with an explicit stack.
pub(super) fn collect_refs(v: &Value, out: &mut Vec<String>) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => collect_refs_in_str(s, out),
            Value::Array(a) => stack.extend(a.iter()),
            Value::Object(o) => stack.extend(o.values()),
            _ => {}
        }
    }
}

pub(super) fn contains_ref_to(v: &Value, names: &[String]) -> bool {
    let mut found = Vec::new();
    collect_refs(v, &mut found);
    found.iter().any(|f| names.contains(f))
}

/// `s` with resolved references replaced; `None` when nothing changed.
pub(super) fn replace_refs_in_str(s: &str, ids: &HashMap<&str, &str>) -> Option<String> {
    let spans = ref_spans(s);
    if spans.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut changed = false;
    for (a, b) in spans {
        let name = &s[a + BULK_PREFIX.len()..b];
        if let Some(id) = ids.get(name) {
            out.push_str(&s[last..a]);
            out.push_str(id);
            last = b;
            changed = true;
        }
    }
    out.push_str(&s[last..]);
    changed.then_some(out)
}

pub(super) fn replace_refs(v: &mut Value, ids: &HashMap<&str, &str>) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => {
                if let Some(new) = replace_refs_in_str(s, ids) {
                    *s = new;
                }
            }
            Value::Array(a) => stack.extend(a.iter_mut()),
            Value::Object(o) => stack.extend(o.values_mut()),
            _ => {}
        }
    }
}

/// The id of the resource a successful POST created: the `id` its executor or response reported,
/// else the last segment of its `location` (RFC 7644 §3.7.3 reports `location` for each
/// operation).
pub(super) fn created_id(
    id: Option<&str>,
    location: Option<&str>,
    response: Option<&Value>,
) -> Option<String> {
    id.map(str::to_owned)
        .or_else(|| {
            response
                .and_then(|r| r.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .or_else(|| {
            location.and_then(|l| {
                l.trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_spans_find_values_uris_and_filters() {
        let mut out = Vec::new();
        collect_refs_in_str("bulkId:qwerty", &mut out);
        collect_refs_in_str("/Groups/bulkId:ytrewq", &mut out);
        collect_refs_in_str("members[value eq \"bulkId:abc\"]", &mut out);
        collect_refs_in_str("https://x/v2/Users/bulkId:u1?x=1", &mut out);
        collect_refs_in_str("not a bulkId:ref", &mut out);
        collect_refs_in_str("bulkId:", &mut out);
        assert_eq!(out, ["qwerty", "ytrewq", "abc", "u1"]);
        let ids: HashMap<&str, &str> = [("abc", "ID1"), ("u1", "ID2")].into_iter().collect();
        assert_eq!(
            replace_refs_in_str("members[value eq \"bulkId:abc\"]", &ids).unwrap(),
            "members[value eq \"ID1\"]"
        );
        assert_eq!(
            replace_refs_in_str("https://x/Users/bulkId:u1", &ids).unwrap(),
            "https://x/Users/ID2"
        );
        assert_eq!(replace_refs_in_str("bulkId:zzz", &ids), None);
    }
}
