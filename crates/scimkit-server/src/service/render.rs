//! From a stored document to the representation a client reads: `meta.location` and
//! `meta.version` added from the configured base URL and the version (never stored, so a changed
//! base URL or a hostile `Host` header cannot leak into data), relations as `members` and
//! `groups` with `$ref`s, and the `attributes`/`excludedAttributes` projection.

use scimkit_filter::AttrPath;
use scimkit_protocol::{ETag, Query, ScimError};
use scimkit_schema::{Projection, Projector, ResourceSchema};
use serde_json::{json, Map, Value};

use crate::store::{Member, Stored, Version};

/// The ETag of a version.
pub(crate) fn etag(version: Version) -> ETag {
    ETag::from_counter(version)
}

/// `{base}/{endpoint}/{id}`.
pub(crate) fn location(base: &str, endpoint: &str, id: &str) -> String {
    format!("{base}/{endpoint}/{id}")
}

/// A member as JSON, with a `$ref` derived from what the member is.
pub(crate) fn member_json(base: &str, m: &Member) -> Value {
    let mut o = Map::with_capacity(4);
    o.insert("value".into(), m.value.clone().into());
    o.insert(
        "$ref".into(),
        location(base, m.kind.endpoint(), &m.value).into(),
    );
    o.insert("type".into(), m.kind.as_str().into());
    if let Some(d) = &m.display {
        o.insert("display".into(), d.clone().into());
    }
    Value::Object(o)
}

/// The full representation of a stored resource (before projection).
pub(crate) fn representation(base: &str, schema: &ResourceSchema, stored: Stored) -> Value {
    let endpoint = schema.resource_type().endpoint.trim_start_matches('/');
    let mut doc = stored.doc;
    let Some(o) = doc.as_object_mut() else {
        return doc;
    };
    let meta = o.entry("meta").or_insert_with(|| json!({}));
    if let Some(meta) = meta.as_object_mut() {
        meta.insert(
            "location".into(),
            location(base, endpoint, &stored.id).into(),
        );
        meta.insert("version".into(), etag(stored.version).to_string().into());
    }
    if let Some(members) = stored.members {
        if !members.is_empty() {
            let list = members.iter().map(|m| member_json(base, m)).collect();
            o.insert("members".into(), Value::Array(list));
        }
    }
    if let Some(groups) = stored.groups {
        if !groups.is_empty() && schema.resolve_path("groups").is_ok() {
            let list = groups
                .into_iter()
                .map(|g| {
                    let mut v = Map::with_capacity(4);
                    v.insert("value".into(), g.id.clone().into());
                    v.insert("$ref".into(), location(base, "Groups", &g.id).into());
                    if let Some(d) = g.display {
                        v.insert("display".into(), d.into());
                    }
                    v.insert("type".into(), "direct".into());
                    Value::Object(v)
                })
                .collect();
            o.insert("groups".into(), Value::Array(list));
        }
    }
    doc
}

/// The request's projection, compiled once and applied to each resource in place.
pub(crate) fn projector<'s>(
    schema: &'s ResourceSchema,
    query: &Query,
) -> Result<Projector<'s>, ScimError> {
    let projection = if !query.attributes.is_empty() {
        Projection::attributes(query.attributes.iter().map(ToString::to_string))
    } else {
        Projection::excluded_attributes(query.excluded_attributes.iter().map(ToString::to_string))
    };
    // Unknown names are ignored rather than refused: identity providers ask for attributes a
    // given application may not have.
    Ok(projection.ignore_unknown(true).compile(schema)?)
}

/// Whether the response needs the resource's relations: not when the client excluded them (Entra
/// reads groups with `excludedAttributes=members`) or asked only for other attributes.
pub(crate) fn wants_relations(query: &Query) -> bool {
    let names = |list: &[AttrPath]| {
        list.iter().any(|p| {
            p.urn().is_none()
                && (p.name().eq_ignore_ascii_case("members")
                    || p.name().eq_ignore_ascii_case("groups"))
        })
    };
    if !query.attributes.is_empty() {
        return names(&query.attributes);
    }
    // Excluding `members` keeps a user's `groups`, but `groups` is cheap beside `members`.
    !names(&query.excluded_attributes)
}
