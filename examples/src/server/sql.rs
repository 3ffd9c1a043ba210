//! Filters to SQL: RFC 7644 §3.4.2.2 filters translated through scimkit-filter's [`Fold`] into a
//! parameterised `WHERE` clause over the indexed columns. Values are always bound parameters.
//!
//! A translation is either *exact* (SQL selects precisely what the filter matches, so SQL can count,
//! sort and page) or a *superset* (SQL narrows the candidates and the compiled filter decides in
//! memory, on a bounded set). Anything SQL cannot express with SCIM's semantics (`not`, `ne`,
//! orderings, dates, attributes without a column, non-ASCII case folding) yields no clause for
//! that part: inside an `and` the other parts still narrow; inside an `or` nothing can.

use rusqlite::types::Value as SqlValue;
use scimkit::filter::{AttrPath, CompValue, CompareOp, Filter, Fold};
use scimkit::schema::ResourceSchema;

use super::store::Kind;

/// A translated (part of a) filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    /// SQL over `resources r`.
    pub sql: String,
    /// The bound parameters, in order.
    pub params: Vec<SqlValue>,
    /// Whether the clause selects exactly what the filter matches.
    pub exact: bool,
}

/// Translates `filter`; `None` when no part of it can narrow the search.
pub fn translate(filter: &Filter, kind: Kind, schema: &ResourceSchema) -> Option<Clause> {
    let mut t = Translator {
        kind,
        schema,
        in_emails: false,
    };
    filter.fold(&mut t).ok().flatten()
}

/// The column an attribute is stored in, for `ORDER BY` (RFC 7644 §3.4.2.3); `None` sorts in memory.
pub fn sort_column(attr: &AttrPath, kind: Kind, schema: &ResourceSchema) -> Option<&'static str> {
    let (name, sub) = canonical(attr, schema)?;
    match (kind, name, sub) {
        (_, "id", None) => Some("r.id"),
        (_, "externalId", None) => Some("r.external_id"),
        (_, "displayName", None) => Some("r.display_name"),
        (Kind::User, "userName", None) => Some("r.user_name"),
        (_, "meta", Some("created")) => Some("r.created"),
        (_, "meta", Some("lastModified")) => Some("r.last_modified"),
        _ => None,
    }
}

/// Resolves a path against the schema to its canonical (attribute, sub-attribute) names; extension
/// attributes have no column.
fn canonical<'s>(
    attr: &AttrPath,
    schema: &'s ResourceSchema,
) -> Option<(&'s str, Option<&'s str>)> {
    let r = schema.resolve(attr.urn(), attr.name(), attr.sub_attr())?;
    if r.is_extension {
        return None;
    }
    Some((
        r.attribute.name.as_str(),
        r.sub_attribute.map(|s| s.name.as_str()),
    ))
}

struct Translator<'s> {
    kind: Kind,
    schema: &'s ResourceSchema,
    /// Inside `emails[...]`, names are columns of the `emails` table.
    in_emails: bool,
}

/// How a column compares text.
#[derive(Clone, Copy, PartialEq)]
enum Text {
    /// `COLLATE NOCASE`: ASCII case-insensitive, as caseExact=false needs for ASCII values.
    NoCase,
    /// Binary: caseExact=true.
    Exact,
    /// Not text (booleans).
    Bool,
}

/// The set of rows a column lives in.
enum Column {
    /// A column of `resources r`.
    Resource(&'static str, Text),
    /// A column of `emails e`, reached through `EXISTS`.
    Email(&'static str, Text),
    /// A group's member ids.
    MemberValue,
    /// The ids of the groups a user is in.
    GroupValue,
}

impl Column {
    /// The SQL column and how it compares text.
    fn sql(&self) -> (&'static str, Text) {
        match *self {
            Column::Resource(c, t) | Column::Email(c, t) => (c, t),
            Column::MemberValue => ("m.member_id", Text::Exact),
            Column::GroupValue => ("g.id", Text::Exact),
        }
    }
}

impl Translator<'_> {
    /// A condition on `column`, reached through its related table. Inside `emails[...]` the
    /// subquery is added once, by `value_path`, around all the conditions of the brackets.
    fn related(&self, column: &Column, condition: String) -> String {
        if self.in_emails {
            condition
        } else {
            exists(column, &condition)
        }
    }

    fn column(&self, attr: &AttrPath) -> Option<Column> {
        if self.in_emails {
            // Relative to an email element: value, type, primary.
            return match attr.name() {
                n if n.eq_ignore_ascii_case("value") => {
                    Some(Column::Email("e.value", Text::NoCase))
                }
                n if n.eq_ignore_ascii_case("type") => Some(Column::Email("e.type", Text::NoCase)),
                n if n.eq_ignore_ascii_case("primary") => {
                    Some(Column::Email("e.is_primary", Text::Bool))
                }
                _ => None,
            };
        }
        let (name, sub) = canonical(attr, self.schema)?;
        Some(match (self.kind, name, sub) {
            (_, "id", None) => Column::Resource("r.id", Text::Exact),
            (_, "externalId", None) => Column::Resource("r.external_id", Text::Exact),
            (_, "displayName", None) => Column::Resource("r.display_name", Text::NoCase),
            (Kind::User, "userName", None) => Column::Resource("r.user_name", Text::NoCase),
            (Kind::User, "active", None) => Column::Resource("r.active", Text::Bool),
            // RFC 7644 §3.4.2.2: a multi-valued complex attribute without a sub-attribute compares
            // its `value` (Ping P1 `emails eq "a@b.com"`).
            (Kind::User, "emails", None | Some("value")) => Column::Email("e.value", Text::NoCase),
            (Kind::User, "emails", Some("type")) => Column::Email("e.type", Text::NoCase),
            (Kind::Group, "members", None | Some("value")) => Column::MemberValue,
            (Kind::User, "groups", None | Some("value")) => Column::GroupValue,
            _ => return None,
        })
    }
}

fn clause(sql: String, params: Vec<SqlValue>, exact: bool) -> Option<Clause> {
    Some(Clause { sql, params, exact })
}

/// `%`, `_` and `\` are LIKE wildcards or its escape; a SCIM value matches them literally.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Wraps a condition on a related table so that every condition holds on the same row.
///
/// Written as `r.seq IN (SELECT … WHERE condition)` rather than a correlated `EXISTS`: SQLite then
/// looks the value up in the related table's index and fetches the few matching resources by
/// rowid, instead of probing the related table once per resource of the tenant.
fn exists(column: &Column, condition: &str) -> String {
    match column {
        Column::Email(..) => {
            format!("r.seq IN (SELECT e.resource FROM emails e WHERE {condition})")
        }
        Column::MemberValue => {
            format!("r.seq IN (SELECT m.group_seq FROM members m WHERE {condition})")
        }
        Column::GroupValue => format!(
            "r.id IN (SELECT m.member_id FROM members m JOIN resources g ON g.seq = m.group_seq \
             WHERE m.tenant = r.tenant AND {condition})"
        ),
        Column::Resource(..) => condition.to_owned(),
    }
}

impl Fold for Translator<'_> {
    type Output = Option<Clause>;
    type Error = std::convert::Infallible;

    fn present(&mut self, attr: &AttrPath) -> Result<Option<Clause>, Self::Error> {
        let Some(column) = self.column(attr) else {
            return Ok(None);
        };
        let (name, text) = column.sql();
        // RFC 7644 §3.4.2.2: `pr` is false for null and for an empty string.
        let condition = if text == Text::Bool {
            format!("{name} IS NOT NULL")
        } else {
            format!("{name} <> ''")
        };
        let sql = self.related(&column, condition);
        Ok(clause(sql, Vec::new(), true))
    }

    fn compare(
        &mut self,
        attr: &AttrPath,
        op: CompareOp,
        value: &CompValue,
    ) -> Result<Option<Clause>, Self::Error> {
        let Some(column) = self.column(attr) else {
            return Ok(None);
        };
        let (name, text) = column.sql();
        let (condition, param, exact) = match (text, op, value) {
            (Text::Bool, CompareOp::Eq, CompValue::Bool(b)) => (
                format!("{name} = ?"),
                SqlValue::Integer(i64::from(*b)),
                true,
            ),
            (Text::Bool, ..) => return Ok(None),
            // SQLite folds only ASCII case; a non-ASCII value must be compared in memory.
            (Text::NoCase, _, CompValue::String(s)) if !s.is_ascii() => return Ok(None),
            (_, CompareOp::Eq, CompValue::String(s)) => {
                (format!("{name} = ?"), SqlValue::Text(s.clone()), true)
            }
            (_, CompareOp::Co | CompareOp::Sw | CompareOp::Ew, CompValue::String(s)) => {
                let pattern = match op {
                    CompareOp::Co => format!("%{}%", like_escape(s)),
                    CompareOp::Sw => format!("{}%", like_escape(s)),
                    _ => format!("%{}", like_escape(s)),
                };
                // LIKE ignores ASCII case: exact for caseExact=false columns, a superset otherwise.
                (
                    format!("{name} LIKE ? ESCAPE '\\'"),
                    SqlValue::Text(pattern),
                    text == Text::NoCase,
                )
            }
            _ => return Ok(None),
        };
        let sql = self.related(&column, condition);
        Ok(clause(sql, vec![param], exact))
    }

    fn enter_value_path(&mut self, attr: &AttrPath) -> Result<(), Self::Error> {
        self.in_emails = self.kind == Kind::User
            && attr.urn().is_none()
            && attr.sub_attr().is_none()
            && attr.name().eq_ignore_ascii_case("emails");
        Ok(())
    }

    fn value_path(
        &mut self,
        _attr: &AttrPath,
        filter: Option<Clause>,
    ) -> Result<Option<Clause>, Self::Error> {
        let was_emails = std::mem::replace(&mut self.in_emails, false);
        Ok(match (was_emails, filter) {
            (true, Some(c)) => clause(
                exists(&Column::Email("", Text::NoCase), &c.sql),
                c.params,
                c.exact,
            ),
            _ => None,
        })
    }

    fn not(&mut self, _operand: Option<Clause>) -> Result<Option<Clause>, Self::Error> {
        // SQL's NULL makes `NOT (x = ?)` false where SCIM's `not` is true: evaluate in memory.
        Ok(None)
    }

    fn and(&mut self, operands: Vec<Option<Clause>>) -> Result<Option<Clause>, Self::Error> {
        let exact = operands.iter().all(|o| o.as_ref().is_some_and(|c| c.exact));
        let parts: Vec<Clause> = operands.into_iter().flatten().collect();
        if parts.is_empty() {
            return Ok(None);
        }
        Ok(join(parts, " AND ", exact))
    }

    fn or(&mut self, operands: Vec<Option<Clause>>) -> Result<Option<Clause>, Self::Error> {
        let Some(parts) = operands.into_iter().collect::<Option<Vec<Clause>>>() else {
            return Ok(None);
        };
        let exact = parts.iter().all(|c| c.exact);
        Ok(join(parts, " OR ", exact))
    }
}

fn join(parts: Vec<Clause>, op: &str, exact: bool) -> Option<Clause> {
    let mut sql = String::from("(");
    let mut params = Vec::new();
    for (i, p) in parts.into_iter().enumerate() {
        if i > 0 {
            sql.push_str(op);
        }
        sql.push_str(&p.sql);
        params.extend(p.params);
    }
    sql.push(')');
    clause(sql, params, exact)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(text: &str, kind: Kind) -> Option<Clause> {
        let options = scimkit::filter::Options::new().interop(scimkit::filter::Interop::lenient());
        let schema = if kind == Kind::User {
            ResourceSchema::user()
        } else {
            ResourceSchema::group()
        };
        translate(&Filter::parse_with(text, &options).unwrap(), kind, &schema)
    }

    #[test]
    fn idp_filters_are_exact_index_lookups() {
        let c = sql(r#"userName eq "test.user@okta.local""#, Kind::User).unwrap();
        assert_eq!(c.sql, "r.user_name = ?");
        assert_eq!(
            c.params,
            vec![SqlValue::Text("test.user@okta.local".into())]
        );
        assert!(c.exact);
        let c = sql(r#"EXTERNALID eq "0a21f0f2""#, Kind::User).unwrap();
        assert_eq!((c.sql.as_str(), c.exact), ("r.external_id = ?", true));
        // Entra E8, read under the interop profile as emails[type eq "work" and value eq "..."].
        let c = sql(
            r#"emails[type eq "work"].value eq "user@contoso.com""#,
            Kind::User,
        )
        .unwrap();
        assert_eq!(
            c.sql,
            "r.seq IN (SELECT e.resource FROM emails e WHERE (e.type = ? AND e.value = ?))"
        );
        assert!(c.exact);
        let c = sql(r#"displayName eq "Admins""#, Kind::Group).unwrap();
        assert_eq!(c.sql, "r.display_name = ?");
    }

    #[test]
    fn untranslatable_parts_only_narrow() {
        let c = sql(r#"userName sw "j" and title eq "Tour Guide""#, Kind::User).unwrap();
        assert_eq!(c.sql, "(r.user_name LIKE ? ESCAPE '\\')");
        assert!(!c.exact);
        assert!(sql(r#"userName eq "a" or title eq "b""#, Kind::User).is_none());
        assert!(sql(r#"not (userName eq "a")"#, Kind::User).is_none());
        // Non-ASCII needs Unicode case folding.
        assert!(sql(r#"userName eq "BÁRBARA""#, Kind::User).is_none());
        // Wildcards in values are literal.
        assert_eq!(
            sql(r#"userName co "100%_""#, Kind::User).unwrap().params,
            vec![SqlValue::Text(r"%100\%\_%".into())]
        );
    }
}
