//! RFC 7644 §3.4.2.2 filters translated into a SQL condition with the semantics of
//! [`CompiledFilter::matches`](scimkit_filter::CompiledFilter::matches), through the
//! [`Fold`] visitor (which walks with a heap stack, so no filter depth can overflow ours).
//!
//! The filter is first compiled against the schema with the caller's options, so every error is
//! the compiler's own and everything below may assume a valid filter. Each leaf resolves its
//! attribute to a place (a mapped column, a relation's rows, or a path in the JSON document) and
//! becomes a two-valued condition: the value has the literal's JSON type, and compares as the
//! evaluator compares. Multi-valued attributes become `EXISTS` over their elements, and a value
//! filter `attr[...]` one `EXISTS` around all its conditions, so they hold for the same element.

use scimkit_filter::{AttrPath, CompValue, CompareOp, Filter, Fold, Interop, Options};
use scimkit_schema::{datetime, Attribute, AttributeType, ResourceSchema};

use crate::error::Error;
use crate::shape::{Mapping, Place, ResolvedRelation};
use crate::sql::{truth, Kind, Params, Slot};
use crate::text::{fold, instant_key};
use crate::Dialect;

/// Translates `filter` into a condition; `aliases` numbers the subquery aliases.
pub(crate) fn translate(
    filter: &Filter,
    schema: &ResourceSchema,
    map: &Mapping<'_>,
    options: &Options,
    params: &mut Params,
) -> Result<String, Error> {
    // The compiler decides what is valid, with the same messages and positions.
    filter.compile_with(schema, options)?;
    let mut t = Translator {
        dialect: params.dialect,
        schema,
        map,
        interop: options.interop,
        params,
        aliases: 0,
        scope: None,
    };
    filter.fold(&mut t)
}

/// The kind of value an attribute of `type_` holds.
pub(crate) fn kind_of(type_: AttributeType) -> Kind {
    match type_ {
        AttributeType::Boolean => Kind::Bool,
        AttributeType::Integer | AttributeType::Decimal => Kind::Number,
        _ => Kind::Text,
    }
}

struct Translator<'a, 's> {
    dialect: Dialect,
    schema: &'s ResourceSchema,
    map: &'a Mapping<'s>,
    interop: Interop,
    params: &'a mut Params,
    aliases: usize,
    /// Inside `attr[...]`: the element every path names a sub-attribute of.
    scope: Option<Scope<'a, 's>>,
}

/// The element a value filter looks into.
struct Scope<'a, 's> {
    attribute: &'s Attribute,
    element: Element<'a, 's>,
}

enum Element<'a, 's> {
    /// A row of a relation.
    Row(&'a ResolvedRelation<'s>),
    /// An element of a JSON array, iterated as `from`.
    Each { element: Slot, from: String },
    /// The one value of a single-valued complex attribute.
    Single(Slot),
}

/// A comparison literal, read as the compiler reads it for the attribute's type.
enum Lit<'f> {
    Bool(bool),
    Int(i64),
    Decimal(f64),
    Str(&'f str, Option<String>),
}

impl<'a, 's> Translator<'a, 's> {
    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("se{}", self.aliases)
    }

    fn doc(&self, extension: Option<&str>, keys: &[&str]) -> Result<Slot, Error> {
        let mut all = Vec::new();
        for k in extension.into_iter().chain(keys.iter().copied()) {
            crate::sql::check_key(k)?;
            all.push(k.to_owned());
        }
        Ok(Slot::Json {
            base: self.map.doc.clone(),
            keys: all,
        })
    }

    /// `cond` for some row of `relation`.
    fn in_relation(&self, relation: &ResolvedRelation<'_>, cond: &str) -> String {
        relation_exists(relation.relation, cond)
    }

    /// The condition `f` for some value of the place the filter path `attr` names, with `sub`
    /// standing in for a missing sub-attribute (a complex attribute compared as a whole compares
    /// its `value`).
    fn each_value(
        &mut self,
        attr: &AttrPath,
        complex_as_value: bool,
        f: &mut dyn FnMut(&mut Params, &Slot, &Attribute) -> String,
    ) -> Result<String, Error> {
        if let Some(scope) = &self.scope {
            let sub = scope
                .attribute
                .sub_attribute(attr.name())
                .unwrap_or_else(|| unreachable!("the compiler resolved `{attr}`"));
            let slot = match &scope.element {
                Element::Row(relation) => {
                    let column = relation
                        .column(sub)
                        .ok_or_else(|| not_mapped(scope.attribute, Some(sub), false))?;
                    Slot::Column {
                        column: column.clone(),
                        json: None,
                    }
                }
                Element::Each { element, .. } | Element::Single(element) => {
                    crate::sql::check_key(&sub.name)?;
                    element.member(self.dialect, &sub.name)
                }
            };
            return Ok(self.any(slot, sub.multi_valued, sub, f));
        }
        let r = self
            .schema
            .resolve(attr.urn(), attr.name(), attr.sub_attr())
            .unwrap_or_else(|| unreachable!("the compiler resolved `{attr}`"));
        let extension = r.extension_urn();
        let attribute = r.attribute;
        let sub = match r.sub_attribute {
            None if complex_as_value && attribute.is_complex() => attribute.sub_attribute("value"),
            sub => sub,
        };
        let target = sub.unwrap_or(attribute);
        if let Some(relation) = self.map.relation(extension, attribute) {
            let cond = match sub {
                // Every row is a value that is present.
                None => truth(self.dialect, true).to_owned(),
                Some(sub) => {
                    let column = relation
                        .column(sub)
                        .ok_or_else(|| not_mapped(attribute, Some(sub), false))?;
                    let slot = Slot::Column {
                        column: column.clone(),
                        json: None,
                    };
                    f(self.params, &slot, sub)
                }
            };
            return Ok(self.in_relation(relation, &cond));
        }
        let place = Place {
            extension,
            attribute,
            sub,
        };
        if let Some(column) = self.map.column(&place) {
            let json = self.doc(extension, &keys(attribute, sub))?;
            let slot = Slot::Column {
                column: column.clone(),
                json: Some(Box::new(json)),
            };
            return Ok(f(self.params, &slot, target));
        }
        if attribute.multi_valued {
            let slot = self.doc(extension, &[&attribute.name])?;
            let alias = self.alias();
            let from = slot.elements(self.dialect, &alias);
            let element = Slot::Element { alias };
            let cond = match sub {
                None => f(self.params, &element, attribute),
                Some(sub) => {
                    crate::sql::check_key(&sub.name)?;
                    let slot = element.member(self.dialect, &sub.name);
                    self.any(slot, sub.multi_valued, sub, f)
                }
            };
            return Ok(exists(&from, &cond));
        }
        let slot = self.doc(extension, &keys(attribute, sub))?;
        Ok(self.any(slot, target.multi_valued, target, f))
    }

    /// `f` for the value in `slot`, or for some element of it when it is multi-valued.
    fn any(
        &mut self,
        slot: Slot,
        multi_valued: bool,
        definition: &Attribute,
        f: &mut dyn FnMut(&mut Params, &Slot, &Attribute) -> String,
    ) -> String {
        if !multi_valued {
            return f(self.params, &slot, definition);
        }
        let alias = self.alias();
        let from = slot.elements(self.dialect, &alias);
        let cond = f(self.params, &Slot::Element { alias }, definition);
        exists(&from, &cond)
    }
}

/// The literal as the compiler reads it for an attribute of `type_`.
fn literal(interop: Interop, value: &CompValue, type_: AttributeType) -> Option<Lit<'_>> {
    Some(match value {
        CompValue::Null => return None,
        CompValue::Bool(b) => Lit::Bool(*b),
        CompValue::Int(n) => Lit::Int(*n),
        CompValue::Decimal(n) => Lit::Decimal(*n),
        // Interop: `active eq "True"` compares a boolean attribute with true.
        CompValue::String(s)
            if type_ == AttributeType::Boolean
                && interop.string_scalars
                && scimkit_schema::text::parse_bool(s).is_some() =>
        {
            Lit::Bool(scimkit_schema::text::parse_bool(s) == Some(true))
        }
        CompValue::String(s) if type_ == AttributeType::DateTime => {
            Lit::Str(s, datetime::parse(s).map(|t| instant_key(&t)))
        }
        CompValue::String(s) => Lit::Str(s, None),
    })
}

fn keys<'s>(attribute: &'s Attribute, sub: Option<&'s Attribute>) -> Vec<&'s str> {
    let mut keys = vec![attribute.name.as_str()];
    keys.extend(sub.map(|s| s.name.as_str()));
    keys
}

fn not_mapped(attribute: &Attribute, sub: Option<&Attribute>, sort: bool) -> Error {
    let attr = match sub {
        Some(sub) => format!("{}.{}", attribute.name, sub.name),
        None => attribute.name.clone(),
    };
    Error::NotMapped { attr, sort }
}

pub(crate) fn exists(from: &str, cond: &str) -> String {
    format!("EXISTS (SELECT 1 FROM {from} WHERE {cond})")
}

/// `cond` holds for some row of `relation`. The keyed form keeps `NULL` out of the `IN` list, so
/// that the result is never `NULL`.
pub(crate) fn relation_exists(relation: &crate::Relation, cond: &str) -> String {
    let on = relation
        .on
        .as_deref()
        .map(|on| format!("({on}) AND "))
        .unwrap_or_default();
    match &relation.keyed {
        Some((outer, inner)) => format!(
            "{outer} IN (SELECT {inner} FROM {} WHERE {on}{inner} IS NOT NULL AND ({cond}))",
            relation.from
        ),
        None => format!(
            "EXISTS (SELECT 1 FROM {} WHERE {on}({cond}))",
            relation.from
        ),
    }
}

/// `a OP b` for SQL, `None` for the substring operators.
fn sql_op(op: CompareOp) -> Option<&'static str> {
    Some(match op {
        CompareOp::Eq => "=",
        CompareOp::Ne => "<>",
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => return None,
    })
}

/// Text in code point order: SQLite's BINARY collation is; PostgreSQL's default is the
/// database's locale, so it is overridden.
pub(crate) fn binary(dialect: Dialect, expr: &str) -> String {
    match dialect {
        Dialect::Sqlite => expr.to_owned(),
        Dialect::Postgres => format!("({expr} COLLATE \"C\")"),
    }
}

/// One comparison of the value in `slot` (of definition `def`) with `lit`.
fn compare(
    dialect: Dialect,
    params: &mut Params,
    slot: &Slot,
    def: &Attribute,
    op: CompareOp,
    lit: &Lit<'_>,
) -> String {
    let false_ = truth(dialect, false).to_owned();
    let column_kind = kind_of(def.type_);
    // The value must have the literal's type; a column of another type never has. Parameters
    // are bound only for conditions that use them: a driver counts them.
    let kind = match lit {
        Lit::Bool(_) => Kind::Bool,
        Lit::Int(_) | Lit::Decimal(_) => Kind::Number,
        Lit::Str(..) => Kind::Text,
    };
    let Some(guard) = slot.is(dialect, kind, column_kind) else {
        return false_;
    };
    let cond = match lit {
        Lit::Bool(b) => {
            let Some(sql_op) = sql_op(op).filter(|_| matches!(op, CompareOp::Eq | CompareOp::Ne))
            else {
                return false_;
            };
            let v = slot.value(dialect, Kind::Bool);
            let p = params.bind(crate::SqlValue::Bool(*b));
            format!("{v} {sql_op} {p}")
        }
        Lit::Int(n) => {
            let Some(sql_op) = sql_op(op) else {
                return false_;
            };
            let v = slot.value(dialect, Kind::Number);
            let p = params.bind(crate::SqlValue::Integer(*n));
            // The evaluator compares integers exactly and other numbers as f64 with the literal
            // converted to f64.
            match slot.is_integer(dialect) {
                Some(is_int) => format!(
                    "CASE WHEN {is_int} THEN {v} {sql_op} {p} ELSE {v} {sql_op} CAST({p} AS REAL) END"
                ),
                None => format!("{v} {sql_op} {p}"),
            }
        }
        Lit::Decimal(x) => {
            let Some(sql_op) = sql_op(op) else {
                return false_;
            };
            let v = slot.value(dialect, Kind::Number);
            let p = params.bind(crate::SqlValue::Real(*x));
            let v = match dialect {
                Dialect::Sqlite => format!("CAST({v} AS REAL)"),
                Dialect::Postgres => format!("({v})::float8"),
            };
            format!("{v} {sql_op} {p}")
        }
        Lit::Str(s, instant) => compare_text(dialect, params, slot, def, op, s, instant.as_deref()),
    };
    match (dialect, kind) {
        // PostgreSQL does not promise to evaluate AND left to right, and a cast of a jsonb value
        // of another type fails, so the cast waits behind CASE. (Text needs no cast: `->>` reads
        // any value, and the plain AND lets an index on the text serve the comparison.)
        (Dialect::Postgres, Kind::Number | Kind::Bool) => {
            format!("(CASE WHEN {guard} THEN {cond} ELSE FALSE END)")
        }
        _ => format!("({guard} AND {cond})"),
    }
}

/// The evaluator's `compare_text` on a slot known to hold text.
fn compare_text(
    dialect: Dialect,
    params: &mut Params,
    slot: &Slot,
    def: &Attribute,
    op: CompareOp,
    lit: &str,
    instant: Option<&str>,
) -> String {
    let raw = |slot: &Slot| slot.value(dialect, Kind::Text);
    let text = text_cmp(dialect, params, slot, def.case_exact, op, lit);
    match (instant, sql_op(op)) {
        // A dateTime literal: values that are dateTimes compare as instants, others as text.
        (Some(key), Some(sql_op)) if def.type_ == AttributeType::DateTime => {
            let p = params.text(key);
            let value = format!("scim_instant({})", raw(slot));
            format!(
                "(CASE WHEN {value} IS NOT NULL THEN {} {sql_op} {p} ELSE {text} END)",
                binary(dialect, &value)
            )
        }
        _ => text,
    }
}

/// Text comparison, case-folded unless `case_exact`.
fn text_cmp(
    dialect: Dialect,
    params: &mut Params,
    slot: &Slot,
    case_exact: bool,
    op: CompareOp,
    lit: &str,
) -> String {
    let value = match slot {
        Slot::Column { column, .. } if column.folded => column.expr.clone(),
        _ if case_exact => slot.value(dialect, Kind::Text),
        _ => format!("scim_fold({})", slot.value(dialect, Kind::Text)),
    };
    let lit = if case_exact {
        lit.to_owned()
    } else {
        fold(lit).into_owned()
    };
    if op.is_substring() && lit.is_empty() {
        return truth(dialect, true).to_owned();
    }
    // PostgreSQL text (and jsonb) cannot hold U+0000, so no value equals or contains a literal
    // with one, and a value orders after it exactly when it orders after the part before it.
    if let (Dialect::Postgres, Some(nul)) = (dialect, lit.find('\0')) {
        let before = lit[..nul].to_owned();
        let (sql_op, lit) = match op {
            CompareOp::Ne => return truth(dialect, true).to_owned(),
            CompareOp::Gt | CompareOp::Ge => (">", before),
            CompareOp::Lt | CompareOp::Le => ("<=", before),
            _ => return truth(dialect, false).to_owned(),
        };
        let p = params.text(lit);
        return format!("{} {sql_op} {p}", binary(dialect, &value));
    }
    if let Some(sql_op) = sql_op(op) {
        let p = params.text(lit);
        return if matches!(op, CompareOp::Eq | CompareOp::Ne) {
            format!("{value} {sql_op} {p}")
        } else {
            format!("{} {sql_op} {p}", binary(dialect, &value))
        };
    }
    // `co` ignoring case tries each character boundary of the original value (text.rs in the
    // filter crate); on the folded text that differs only where the folded literal starts with
    // U+0307, which `İ` folds into the middle of: then the boundaries are walked in SQL.
    if op == CompareOp::Co && !case_exact && lit.starts_with('\u{307}') {
        if let Some(json) = slot.json() {
            let raw = json.value(dialect, Kind::Text);
            let p = params.text(lit);
            return contains_at_boundary(dialect, &raw, &p);
        }
    }
    let p = params.text(lit);
    match (op, dialect) {
        (CompareOp::Co, Dialect::Sqlite) => format!("instr({value}, {p}) > 0"),
        (CompareOp::Co, Dialect::Postgres) => format!("strpos({value}, {p}) > 0"),
        (CompareOp::Sw, Dialect::Sqlite) => format!("substr({value}, 1, length({p})) = {p}"),
        (CompareOp::Sw, Dialect::Postgres) => format!("starts_with({value}, {p})"),
        (CompareOp::Ew, Dialect::Sqlite) => format!("substr({value}, -length({p})) = {p}"),
        (CompareOp::Ew, Dialect::Postgres) => format!("right({value}, length({p})) = {p}"),
        _ => unreachable!("ordering operators handled above"),
    }
}

/// Some suffix of `raw` starting at a character boundary folds to text starting with the folded
/// literal `p`.
fn contains_at_boundary(dialect: Dialect, raw: &str, p: &str) -> String {
    match dialect {
        Dialect::Sqlite => format!(
            "EXISTS (WITH RECURSIVE scim_pos(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM scim_pos \
             WHERE i < length({raw})) SELECT 1 FROM scim_pos \
             WHERE substr(scim_fold(substr({raw}, scim_pos.i)), 1, length({p})) = {p})"
        ),
        Dialect::Postgres => format!(
            "EXISTS (SELECT 1 FROM generate_series(1, length({raw})) AS scim_pos(i) \
             WHERE starts_with(scim_fold(substr({raw}, scim_pos.i)), {p}))"
        ),
    }
}

impl Fold for Translator<'_, '_> {
    type Output = String;
    type Error = Error;

    fn present(&mut self, attr: &AttrPath) -> Result<String, Error> {
        let dialect = self.dialect;
        self.each_value(attr, false, &mut |_, slot, def| {
            slot.assigned(dialect, kind_of(def.type_))
        })
    }

    fn compare(
        &mut self,
        attr: &AttrPath,
        op: CompareOp,
        value: &CompValue,
    ) -> Result<String, Error> {
        let dialect = self.dialect;
        if *value == CompValue::Null {
            // `eq null` is "not present", `ne null` "present"; nothing else holds.
            return match op {
                CompareOp::Eq => Ok(format!("NOT ({})", self.present(attr)?)),
                CompareOp::Ne => self.present(attr),
                _ => Ok(truth(dialect, false).to_owned()),
            };
        }
        let interop = self.interop;
        self.each_value(attr, true, &mut |params, slot, def| match literal(
            interop, value, def.type_,
        ) {
            Some(lit) => compare(dialect, params, slot, def, op, &lit),
            None => truth(dialect, false).to_owned(),
        })
    }

    fn enter_value_path(&mut self, attr: &AttrPath) -> Result<(), Error> {
        let r = self
            .schema
            .resolve(attr.urn(), attr.name(), attr.sub_attr())
            .unwrap_or_else(|| unreachable!("the compiler resolved `{attr}`"));
        let attribute = r.attribute;
        let extension = r.extension_urn();
        let element = if let Some(relation) = self.map.relation(extension, attribute) {
            Element::Row(relation)
        } else if attribute.multi_valued {
            let slot = self.doc(extension, &[&attribute.name])?;
            let alias = self.alias();
            let from = slot.elements(self.dialect, &alias);
            Element::Each {
                element: Slot::Element { alias },
                from,
            }
        } else {
            Element::Single(self.doc(extension, &[&attribute.name])?)
        };
        self.scope = Some(Scope { attribute, element });
        Ok(())
    }

    fn value_path(&mut self, _attr: &AttrPath, inner: String) -> Result<String, Error> {
        let scope = self
            .scope
            .take()
            .unwrap_or_else(|| unreachable!("entered before"));
        Ok(match scope.element {
            Element::Row(relation) => self.in_relation(relation, &inner),
            Element::Each { from, .. } => exists(&from, &inner),
            // The evaluator looks into the value only when the attribute exists.
            Element::Single(slot) => format!("({} AND {inner})", slot.exists(self.dialect)),
        })
    }

    fn not(&mut self, operand: String) -> Result<String, Error> {
        Ok(format!("NOT ({operand})"))
    }

    fn and(&mut self, operands: Vec<String>) -> Result<String, Error> {
        Ok(balanced(operands, "AND", self.dialect))
    }

    fn or(&mut self, operands: Vec<String>) -> Result<String, Error> {
        Ok(balanced(operands, "OR", self.dialect))
    }
}

/// Joins `operands` with `op` as a balanced tree of parentheses: a flat chain of a thousand
/// `or`s would be a thousand levels deep for SQLite's parser, which stops at 1000.
fn balanced(mut operands: Vec<String>, op: &str, dialect: Dialect) -> String {
    if operands.is_empty() {
        return truth(dialect, op == "AND").to_owned();
    }
    while operands.len() > 1 {
        let mut next = Vec::with_capacity(operands.len().div_ceil(2));
        let mut it = operands.into_iter();
        while let Some(a) = it.next() {
            match it.next() {
                Some(b) => next.push(format!("({a} {op} {b})")),
                None => next.push(a),
            }
        }
        operands = next;
    }
    operands.pop().unwrap_or_default()
}
