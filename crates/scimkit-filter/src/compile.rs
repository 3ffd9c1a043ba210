//! A [`Filter`] resolved against a [`ResourceSchema`]: names, types and case rules decided once,
//! so that [`CompiledFilter::matches`] only walks the resource.

use scimkit_schema::{datetime, Attribute, AttributeType, ResourceSchema};
use serde_json::Value;

use crate::ast::{AttrPath, CompValue, CompareOp, Filter};
use crate::error::{Context, Error, ErrorKind};
use crate::eval::{self, Lit, Scope, TextRule};
use crate::limits::{Interop, Options};
use crate::visit::Fold;

/// A filter compiled against a resource type's schemas: what a server keeps to match many
/// resources against one query.
///
/// Compiling resolves every attribute path once (in any case, to the schema's definition),
/// applies each attribute's type and `caseExact` (RFC 7643 §2.2; `id` and `externalId` are
/// case-exact, `userName` is not), parses dateTime literals once, and rejects what RFC 7644
/// §3.4.2.2 calls an invalid filter:
///
/// - an attribute, sub-attribute or schema the resource type does not have;
/// - a sub-attribute of an attribute that is not complex, or a value filter `[...]` on one;
/// - `gt`, `ge`, `lt`, `le` on a boolean or binary attribute, and `co`, `sw`, `ew` on anything
///   that is not text (string, reference, binary, dateTime);
/// - a comparison on a complex attribute that has no `value` sub-attribute to stand for it.
///
/// Otherwise the rules are those of [`Filter::matches`], with the schema's `caseExact` instead
/// of the default; strings compare as instants only for `dateTime` attributes. Matching
/// allocates nothing.
///
/// ```
/// use scimkit_filter::Filter;
/// use scimkit_schema::ResourceSchema;
/// use serde_json::json;
///
/// let schema = ResourceSchema::user();
/// let user = json!({"id": "2819c223", "userName": "bjensen", "active": true});
///
/// let by_name = Filter::parse(r#"USERNAME eq "BJENSEN""#)?.compile(&schema)?;
/// assert!(by_name.matches(&user)); // userName is caseExact false
/// let by_id = Filter::parse(r#"id eq "2819C223""#)?.compile(&schema)?;
/// assert!(!by_id.matches(&user)); // id is caseExact true
///
/// let err = Filter::parse("active gt true")?.compile(&schema).unwrap_err();
/// assert_eq!(err.to_string(), "`gt` cannot be used on `active`, a boolean attribute at byte 0");
/// let err = Filter::parse(r#"nickName eq "x" or titel pr"#)?.compile(&schema).unwrap_err();
/// assert_eq!(err.to_string(), "unknown attribute `titel` at byte 19");
/// # Ok::<(), scimkit_filter::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct CompiledFilter {
    root: Node,
}

#[derive(Debug, Clone)]
enum Node {
    All(Vec<Node>),
    Any(Vec<Node>),
    Not(Box<Node>),
    Present(Target),
    Compare {
        target: Target,
        op: CompareOp,
        lit: OwnedLit,
        rule: TextRule,
    },
    /// A value filter: `filter` holds for some value of `target`.
    Elements {
        target: Target,
        filter: Box<Node>,
    },
}

/// An attribute resolved to its canonical names and place in the JSON.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The extension URN whose member holds the attribute; `None` for the top level.
    extension: Option<Box<str>>,
    name: Box<str>,
    sub: Option<Box<str>>,
}

impl Target {
    pub(crate) fn scope(&self) -> Scope<'_> {
        self.extension
            .as_deref()
            .map_or(Scope::Top, Scope::Extension)
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn sub(&self) -> Option<&str> {
        self.sub.as_deref()
    }
}

#[derive(Debug, Clone)]
enum OwnedLit {
    Bool(bool),
    Int(i64),
    Decimal(f64),
    Str(Box<str>, Option<chrono::DateTime<chrono::FixedOffset>>),
}

impl OwnedLit {
    fn as_lit(&self) -> Lit<'_> {
        match self {
            OwnedLit::Bool(b) => Lit::Bool(*b),
            OwnedLit::Int(n) => Lit::Int(*n),
            OwnedLit::Decimal(n) => Lit::Decimal(*n),
            OwnedLit::Str(s, t) => Lit::Str(s, *t),
        }
    }
}

impl Filter {
    /// Compiles this filter against `schema` with the default [`Options`].
    ///
    /// # Errors
    /// `invalidFilter` for what [`CompiledFilter`] lists, with the byte offset of the attribute
    /// path when the filter was parsed from text.
    pub fn compile(&self, schema: &ResourceSchema) -> Result<CompiledFilter, Error> {
        self.compile_with(schema, &Options::new())
    }

    /// Compiles this filter against `schema` with the given options: the nesting limit applies to
    /// filters built in code, and [`Interop::string_scalars`](Interop::string_scalars())
    /// applies here.
    ///
    /// ```
    /// use scimkit_filter::{Filter, Interop, Options};
    /// use scimkit_schema::ResourceSchema;
    /// use serde_json::json;
    ///
    /// let schema = ResourceSchema::user();
    /// let f = Filter::parse(r#"addresses[primary EQ "True"]"#)?;
    /// let user = json!({"addresses": [{"type": "work", "primary": true}]});
    /// assert!(!f.compile(&schema)?.matches(&user));
    /// let lenient = Options::new().interop(Interop::new().string_scalars(true));
    /// assert!(f.compile_with(&schema, &lenient)?.matches(&user));
    /// # Ok::<(), scimkit_filter::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Filter::compile`], and `NestLimitExceeded` for a hand-built filter deeper than
    /// [`Limits::max_depth`](crate::Limits::max_depth()).
    pub fn compile_with(
        &self,
        schema: &ResourceSchema,
        options: &Options,
    ) -> Result<CompiledFilter, Error> {
        self.compile_in(Some(schema), None, options)
    }

    /// Compiles at the top of `schema`, or inside a value filter of `parent`.
    fn compile_in(
        &self,
        schema: Option<&ResourceSchema>,
        parent: Option<&Attribute>,
        options: &Options,
    ) -> Result<CompiledFilter, Error> {
        let max = options.limits.depth();
        // Compiling and matching recurse once per level. A parsed filter is within the limit
        // already: each bracket level adds at most three (`not`, `or`, `and`, or value path,
        // `or`, `and`), plus the top `or` and `and`. A hand-built one is checked here without
        // recursing.
        if self.depth() > 3 * max as usize + 3 {
            return Err(Error::new(
                ErrorKind::NestLimitExceeded { max },
                None,
                Context::Filter,
            ));
        }
        let compiler = Compiler {
            schema,
            interop: options.interop,
            datetime_literals: options.datetime_literals,
        };
        Ok(CompiledFilter {
            root: compiler.node(self, parent)?,
        })
    }
}

impl CompiledFilter {
    /// Whether `resource` matches. Allocates nothing.
    pub fn matches(&self, resource: &Value) -> bool {
        eval_node(&self.root, resource)
    }
}

fn eval_node(node: &Node, resource: &Value) -> bool {
    match node {
        // The lookup every IdP sends (`userName eq "…"`, `externalId eq "…"`): a top-level
        // single-valued string compared for equality, decided without the general walk. A value
        // of any other shape (a multi-valued or complex attribute) takes the general path.
        Node::Compare {
            target:
                Target {
                    extension: None,
                    name,
                    sub: None,
                },
            op: CompareOp::Eq,
            lit: OwnedLit::Str(l, None),
            rule,
        } if !rule.datetime => match resource
            .as_object()
            .and_then(|o| scimkit_schema::name::value(o, name))
        {
            Some(Value::String(s)) => {
                if rule.case_exact {
                    s.as_str() == &**l
                } else {
                    crate::text::eq(s, l)
                }
            }
            None => false,
            Some(_) => eval_general(node, resource),
        },
        _ => eval_general(node, resource),
    }
}

fn eval_general(node: &Node, resource: &Value) -> bool {
    match node {
        Node::All(nodes) => nodes.iter().all(|n| eval_node(n, resource)),
        Node::Any(nodes) => nodes.iter().any(|n| eval_node(n, resource)),
        Node::Not(n) => !eval_node(n, resource),
        Node::Present(t) => eval::present(resource, t.scope(), t.name(), t.sub()),
        Node::Compare {
            target: t,
            op,
            lit,
            rule,
        } => {
            let lit = lit.as_lit();
            eval::any_leaf(resource, t.scope(), t.name(), t.sub(), |v| {
                eval::compare(v, *op, &lit, *rule)
            })
        }
        Node::Elements { target: t, filter } => {
            eval::any_leaf(resource, t.scope(), t.name(), t.sub(), |e| {
                eval_node(filter, e)
            })
        }
    }
}

struct Compiler<'s> {
    /// `None` inside [`Filter::compile_for`], where every path is a sub-attribute's.
    schema: Option<&'s ResourceSchema>,
    interop: Interop,
    /// [`Options::datetime_literals`].
    datetime_literals: bool,
}

impl<'s> Compiler<'s> {
    /// Compiles `filter`; `parent` is the complex attribute of an enclosing value filter, whose
    /// sub-attributes the paths inside name.
    fn node(&self, filter: &Filter, parent: Option<&'s Attribute>) -> Result<Node, Error> {
        Ok(match filter {
            Filter::And(fs) => Node::All(
                fs.iter()
                    .map(|f| self.node(f, parent))
                    .collect::<Result<_, _>>()?,
            ),
            Filter::Or(fs) => Node::Any(
                fs.iter()
                    .map(|f| self.node(f, parent))
                    .collect::<Result<_, _>>()?,
            ),
            Filter::Not(f) => Node::Not(Box::new(self.node(f, parent)?)),
            Filter::Present { attr } => Node::Present(self.resolve(attr, parent)?.0),
            Filter::Compare { attr, op, value } => self.compare(attr, *op, value, parent)?,
            Filter::ValuePath { attr, filter } => {
                if parent.is_some() {
                    return Err(error(ErrorKind::ValuePathNested, attr));
                }
                let (target, complex) = self.resolve(attr, None)?;
                if !complex.is_complex() {
                    return Err(error(
                        ErrorKind::ValuePathNotComplex {
                            attr: complex.name.clone(),
                        },
                        attr,
                    ));
                }
                Node::Elements {
                    target,
                    filter: Box::new(self.node(filter, Some(complex))?),
                }
            }
        })
    }

    fn compare(
        &self,
        attr: &AttrPath,
        op: CompareOp,
        value: &CompValue,
        parent: Option<&'s Attribute>,
    ) -> Result<Node, Error> {
        let (target, definition) = self.resolve(attr, parent)?;
        if *value == CompValue::Null {
            // `eq null` / `ne null` test presence, whatever the type (see `Filter::matches`).
            let present = Node::Present(target);
            return Ok(match op {
                CompareOp::Eq => Node::Not(Box::new(present)),
                CompareOp::Ne => present,
                _ => Node::Any(Vec::new()),
            });
        }
        // RFC 7644 §3.4.2.2: a complex attribute compared as a whole stands for its `value`
        // (`emails co "@example.com"`); one without `value` needs a sub-attribute.
        let definition = if definition.is_complex() {
            definition
                .sub_attribute("value")
                .filter(|v| !v.is_complex())
                .ok_or_else(|| {
                    let example = definition
                        .sub_attributes
                        .first()
                        .map_or("value", |a| a.name.as_str());
                    let kind = ErrorKind::ComplexNeedsSubAttr {
                        attr: definition.name.clone(),
                        example: example.to_owned(),
                    };
                    error(kind, attr)
                })?
        } else {
            definition
        };
        let type_ = definition.type_;
        let allowed = match type_ {
            AttributeType::Boolean => matches!(op, CompareOp::Eq | CompareOp::Ne),
            AttributeType::Binary => !op.is_ordering(),
            AttributeType::Integer | AttributeType::Decimal => !op.is_substring(),
            AttributeType::String | AttributeType::Reference | AttributeType::DateTime => true,
            AttributeType::Complex => false,
        };
        if !allowed {
            let kind = ErrorKind::OperatorNotAllowed {
                op,
                attr: canonical(&target),
                type_,
            };
            return Err(error(kind, attr));
        }
        let lit = match value {
            CompValue::Bool(b) => OwnedLit::Bool(*b),
            CompValue::Int(n) => OwnedLit::Int(*n),
            CompValue::Decimal(n) => OwnedLit::Decimal(*n),
            // Entra ID's validator sends `active eq "True"` (docs/idp-compatibility.md).
            CompValue::String(s)
                if type_ == AttributeType::Boolean && self.interop.string_scalars =>
            {
                match scimkit_schema::text::parse_bool(s) {
                    Some(b) => OwnedLit::Bool(b),
                    // A string that spells no boolean never equals one (RFC 7643 §2.3 types).
                    None => OwnedLit::Str(s.as_str().into(), None),
                }
            }
            CompValue::String(s) if type_ == AttributeType::DateTime => {
                let instant = datetime::parse(s);
                if instant.is_none() && self.datetime_literals && !op.is_substring() {
                    let kind = ErrorKind::NotADateTime {
                        attr: canonical(&target),
                        value: s.clone(),
                    };
                    return Err(error(kind, attr));
                }
                OwnedLit::Str(s.as_str().into(), instant)
            }
            CompValue::String(s) => OwnedLit::Str(s.as_str().into(), None),
            CompValue::Null => unreachable!("handled above"),
        };
        let rule = TextRule {
            case_exact: definition.case_exact,
            datetime: type_ == AttributeType::DateTime,
        };
        Ok(Node::Compare {
            target,
            op,
            lit,
            rule,
        })
    }

    /// Resolves a path to its place in the JSON and the definition it names (the sub-attribute's
    /// when there is one).
    fn resolve(
        &self,
        attr: &AttrPath,
        parent: Option<&'s Attribute>,
    ) -> Result<(Target, &'s Attribute), Error> {
        match parent {
            None => match self.schema {
                Some(schema) => resolve(schema, attr, Context::Filter),
                // Not reached (`compile_for` always has a parent); an unknown name if it were.
                None => Err(error(
                    ErrorKind::AttrUnknown {
                        attr: attr.to_string(),
                    },
                    attr,
                )),
            },
            Some(parent) => {
                // Inside `emails[...]` a name is a sub-attribute of `emails`, and sub-attributes
                // have no sub-attributes of their own (RFC 7643 §2.3.8).
                let unknown = || {
                    let kind = ErrorKind::SubAttrUnknown {
                        attr: parent.name.clone(),
                        sub: attr.to_string(),
                    };
                    error(kind, attr)
                };
                if attr.urn().is_some() {
                    return Err(unknown());
                }
                let sub = parent.sub_attribute(attr.name()).ok_or_else(unknown)?;
                if let Some(subsub) = attr.sub_attr() {
                    let kind = ErrorKind::SubAttrOfSimple {
                        attr: sub.name.clone(),
                        sub: subsub.to_owned(),
                    };
                    return Err(error(kind, attr));
                }
                Ok((
                    Target {
                        extension: None,
                        name: sub.name.as_str().into(),
                        sub: None,
                    },
                    sub,
                ))
            }
        }
    }
}

/// Resolves a top-level attribute path against `schema`, explaining a failure.
pub(crate) fn resolve<'s>(
    schema: &'s ResourceSchema,
    attr: &AttrPath,
    cx: Context,
) -> Result<(Target, &'s Attribute), Error> {
    let err = |kind| error(kind, attr).in_context(cx);
    let Some(r) = schema.resolve(attr.urn(), attr.name(), attr.sub_attr()) else {
        if let Some(urn) = attr.urn() {
            if schema.schema(urn).is_none() {
                return Err(err(ErrorKind::SchemaUnknown {
                    urn: urn.to_owned(),
                }));
            }
        }
        return Err(
            match (
                schema.resolve(attr.urn(), attr.name(), None),
                attr.sub_attr(),
            ) {
                (Some(r), Some(sub)) if !r.attribute.is_complex() => {
                    err(ErrorKind::SubAttrOfSimple {
                        attr: r.attribute.name.clone(),
                        sub: sub.to_owned(),
                    })
                }
                (Some(r), Some(sub)) => err(ErrorKind::SubAttrUnknown {
                    attr: r.attribute.name.clone(),
                    sub: sub.to_owned(),
                }),
                _ => err(ErrorKind::AttrUnknown {
                    attr: attr.to_string(),
                }),
            },
        );
    };
    let target = Target {
        extension: r.extension_urn().map(Into::into),
        name: r.attribute.name.as_str().into(),
        sub: r.sub_attribute.map(|s| s.name.as_str().into()),
    };
    Ok((target, r.target()))
}

/// The canonical text of a resolved path, for messages.
fn canonical(target: &Target) -> String {
    match target.sub() {
        Some(sub) => format!("{}.{sub}", target.name()),
        None => target.name().to_owned(),
    }
}

fn error(kind: ErrorKind, attr: &AttrPath) -> Error {
    Error::new(kind, attr.span(), Context::Filter)
}

impl Filter {
    /// How deeply the filter nests: 1 for a single comparison, plus one for each `not`, value
    /// filter and `and`/`or` level. Computed without recursion, so it is safe on any tree.
    ///
    /// ```
    /// let f = scimkit_filter::Filter::parse(r#"a pr and not (b pr or c[d pr])"#)?;
    /// assert_eq!(f.depth(), 5);
    /// # Ok::<(), scimkit_filter::Error>(())
    /// ```
    pub fn depth(&self) -> usize {
        struct Depth;
        impl Fold for Depth {
            type Output = usize;
            type Error = std::convert::Infallible;
            fn present(&mut self, _: &AttrPath) -> Result<usize, Self::Error> {
                Ok(1)
            }
            fn compare(
                &mut self,
                _: &AttrPath,
                _: CompareOp,
                _: &CompValue,
            ) -> Result<usize, Self::Error> {
                Ok(1)
            }
            fn value_path(&mut self, _: &AttrPath, inner: usize) -> Result<usize, Self::Error> {
                Ok(inner + 1)
            }
            fn not(&mut self, inner: usize) -> Result<usize, Self::Error> {
                Ok(inner + 1)
            }
            fn and(&mut self, operands: Vec<usize>) -> Result<usize, Self::Error> {
                Ok(operands.into_iter().max().unwrap_or(0) + 1)
            }
            fn or(&mut self, operands: Vec<usize>) -> Result<usize, Self::Error> {
                Ok(operands.into_iter().max().unwrap_or(0) + 1)
            }
        }
        match self.fold(&mut Depth) {
            Ok(depth) => depth,
            Err(never) => match never {},
        }
    }
}

impl Filter {
    /// Compiles this filter as the value filter of `attr`, a complex attribute: the `valFilter`
    /// of `attr[valFilter]` (RFC 7644 §3.4.2.2), whose paths name `attr`'s sub-attributes. The
    /// result matches one *value* of `attr` (an element of a multi-valued one), not a resource:
    /// what a PATCH path such as `members[value eq "2819c223"]` (RFC 7644 §3.5.2) needs to pick
    /// elements, compiled once and matched against each.
    ///
    /// Sub-attribute names resolve in any case, and each comparison follows its sub-attribute's
    /// type and `caseExact` (RFC 7643 §2.2), with the rules of [`Filter::compile`]. With
    /// [`Interop::string_scalars`](Interop::string_scalars()), `primary eq "True"`
    /// compares a boolean sub-attribute with `true`.
    ///
    /// ```
    /// use scimkit_filter::{Filter, Options};
    /// use scimkit_schema::{Attribute, AttributeType, ResourceSchema};
    /// use serde_json::json;
    ///
    /// let schema = ResourceSchema::user();
    /// let emails = schema.resolve(None, "emails", None).unwrap().attribute;
    /// let work = Filter::parse(r#"TYPE eq "Work" and value ew "@example.com""#)?
    ///     .compile_for(emails, &Options::new())?;
    /// assert!(work.matches(&json!({"value": "bjensen@EXAMPLE.com", "type": "work"})));
    /// assert!(!work.matches(&json!({"value": "babs@jensen.org", "type": "home"})));
    ///
    /// // A case-exact sub-attribute compares exactly.
    /// let devices = Attribute::complex(
    ///     "devices",
    ///     [Attribute::new("serial", AttributeType::String).case_exact()],
    /// )
    /// .multi_valued();
    /// let serial = Filter::parse(r#"serial eq "ABC""#)?.compile_for(&devices, &Options::new())?;
    /// assert!(serial.matches(&json!({"serial": "ABC"})));
    /// assert!(!serial.matches(&json!({"serial": "abc"})));
    ///
    /// let err = Filter::parse("bogus pr")?.compile_for(emails, &Options::new()).unwrap_err();
    /// assert_eq!(err.to_string(), "unknown sub-attribute `bogus` of `emails` at byte 0");
    /// # Ok::<(), scimkit_filter::Error>(())
    /// ```
    ///
    /// # Errors
    /// `invalidFilter` when `attr` is not complex, and for what [`CompiledFilter`] lists, read
    /// inside the value filter: a name that is not a sub-attribute of `attr` (a URN-qualified
    /// or dotted path included), a nested value filter, an operator the sub-attribute's type
    /// does not allow; `NestLimitExceeded` for a hand-built filter deeper than
    /// [`Limits::max_depth`](crate::Limits::max_depth()).
    pub fn compile_for(
        &self,
        attr: &Attribute,
        options: &Options,
    ) -> Result<CompiledFilter, Error> {
        if !attr.is_complex() {
            return Err(Error::new(
                ErrorKind::ValuePathNotComplex {
                    attr: attr.name.clone(),
                },
                None,
                Context::Filter,
            ));
        }
        // Inside a value filter every path names a sub-attribute of `attr`, and a nested value
        // filter is an error before anything is resolved: no resource schema is consulted.
        self.compile_in(None, Some(attr), options)
    }
}
