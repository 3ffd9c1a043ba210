//! Translating a filter into another query language: a bottom-up [`Fold`] over the AST.

use crate::ast::{AttrPath, CompValue, CompareOp, Filter};

/// A bottom-up translation of a [`Filter`] into another query language: one method per kind of
/// node, each given the results of the node's operands.
///
/// A server that keeps its resources in a database does not want to load every row and call
/// [`Filter::matches`]; it wants a `WHERE` clause. [`Filter::fold`] calls the [`Fold`]'s method
/// for each leaf, then for each `and`, `or`, `not` and value filter with the results of its
/// operands, and returns what the root's call returned. It walks the tree with a heap stack, so
/// any depth is safe.
///
/// # Example: a parameterised SQL `WHERE` clause
///
/// Users live in a `users` table with a few mapped columns; emails in an `emails` table. Values
/// go into the parameter list and never into the SQL text, so a filter cannot inject SQL.
///
/// ```
/// use scimkit_filter::{AttrPath, CompValue, CompareOp, Filter, Fold};
///
/// /// A bound parameter.
/// #[derive(Debug, PartialEq)]
/// enum Param {
///     Text(String),
///     Int(i64),
///     Bool(bool),
/// }
///
/// #[derive(Default)]
/// struct Sql {
///     params: Vec<Param>,
///     /// Inside `emails[...]`, names are columns of the `emails` table.
///     in_emails: bool,
/// }
///
/// /// SCIM attribute -> (column, whether it is text compared case-insensitively).
/// const USERS: &[(&str, &str, bool)] = &[
///     ("userName", "u.user_name", true),
///     ("name.familyName", "u.family_name", true),
///     ("externalId", "u.external_id", false), // caseExact
///     ("active", "u.active", false),
///     ("meta.lastModified", "u.last_modified", false),
/// ];
/// const EMAILS: &[(&str, &str, bool)] = &[("value", "e.address", true), ("type", "e.kind", true)];
///
/// impl Sql {
///     fn column(&self, attr: &AttrPath) -> Result<(&'static str, bool), String> {
///         let table = if self.in_emails { EMAILS } else { USERS };
///         table
///             .iter()
///             .find(|(scim, _, _)| attr.is(scim))
///             .map(|&(_, column, text)| (column, text))
///             .ok_or_else(|| format!("cannot filter on `{attr}`"))
///     }
/// }
///
/// /// `%`, `_` and `\` are wildcards or the escape in LIKE; the pattern must match them literally.
/// fn like_escape(s: &str) -> String {
///     s.replace('\\', r"\\").replace('%', r"\%").replace('_', r"\_")
/// }
///
/// impl Fold for Sql {
///     type Output = String;
///     type Error = String;
///
///     fn present(&mut self, attr: &AttrPath) -> Result<String, String> {
///         let (column, _) = self.column(attr)?;
///         Ok(format!("{column} IS NOT NULL"))
///     }
///
///     fn compare(&mut self, attr: &AttrPath, op: CompareOp, value: &CompValue) -> Result<String, String> {
///         let (column, text) = self.column(attr)?;
///         let (sql_op, param) = match (op, value) {
///             (CompareOp::Eq, CompValue::Null) => return Ok(format!("{column} IS NULL")),
///             (CompareOp::Ne, CompValue::Null) => return Ok(format!("{column} IS NOT NULL")),
///             (CompareOp::Co, CompValue::String(s)) => ("LIKE", Param::Text(format!("%{}%", like_escape(s)))),
///             (CompareOp::Sw, CompValue::String(s)) => ("LIKE", Param::Text(format!("{}%", like_escape(s)))),
///             (CompareOp::Ew, CompValue::String(s)) => ("LIKE", Param::Text(format!("%{}", like_escape(s)))),
///             (op, value) => {
///                 let sql_op = match op {
///                     CompareOp::Eq => "=",
///                     CompareOp::Ne => "<>",
///                     CompareOp::Gt => ">",
///                     CompareOp::Ge => ">=",
///                     CompareOp::Lt => "<",
///                     CompareOp::Le => "<=",
///                     _ => return Err(format!("`{op}` needs a string")),
///                 };
///                 let param = match value {
///                     CompValue::String(s) => Param::Text(s.clone()),
///                     CompValue::Int(n) => Param::Int(*n),
///                     CompValue::Bool(b) => Param::Bool(*b),
///                     other => return Err(format!("cannot compare with {other}")),
///                 };
///                 (sql_op, param)
///             }
///         };
///         let text = text && matches!(param, Param::Text(_));
///         self.params.push(param);
///         let escape = if sql_op == "LIKE" { r" ESCAPE '\'" } else { "" };
///         Ok(if text {
///             // caseExact false (RFC 7643 §2.2): compare lower-cased.
///             format!("LOWER({column}) {sql_op} LOWER(?){escape}")
///         } else {
///             format!("{column} {sql_op} ?{escape}")
///         })
///     }
///
///     fn enter_value_path(&mut self, attr: &AttrPath) -> Result<(), String> {
///         if !attr.is("emails") {
///             return Err(format!("cannot filter on values of `{attr}`"));
///         }
///         self.in_emails = true;
///         Ok(())
///     }
///
///     fn value_path(&mut self, _attr: &AttrPath, filter: String) -> Result<String, String> {
///         self.in_emails = false;
///         // Every condition on the same email row (RFC 7644 §3.4.2.2).
///         Ok(format!("EXISTS (SELECT 1 FROM emails e WHERE e.user_id = u.id AND {filter})"))
///     }
///
///     fn not(&mut self, operand: String) -> Result<String, String> {
///         Ok(format!("NOT ({operand})"))
///     }
///
///     fn and(&mut self, operands: Vec<String>) -> Result<String, String> {
///         Ok(format!("({})", operands.join(" AND ")))
///     }
///
///     fn or(&mut self, operands: Vec<String>) -> Result<String, String> {
///         Ok(format!("({})", operands.join(" OR ")))
///     }
/// }
///
/// let filter = Filter::parse(
///     r#"userName sw "J" and (emails[type eq "work" and value co "100%_sure"] or not (active eq false))"#,
/// )?;
/// let mut sql = Sql::default();
/// let clause = filter.fold(&mut sql)?;
/// assert_eq!(
///     clause,
///     "(LOWER(u.user_name) LIKE LOWER(?) ESCAPE '\\' AND \
///      (EXISTS (SELECT 1 FROM emails e WHERE e.user_id = u.id AND \
///      (LOWER(e.kind) = LOWER(?) AND LOWER(e.address) LIKE LOWER(?) ESCAPE '\\')) \
///      OR NOT (u.active = ?)))"
/// );
/// assert_eq!(
///     sql.params,
///     [
///         Param::Text("J%".into()),
///         Param::Text("work".into()),
///         Param::Text(r"%100\%\_sure%".into()),
///         Param::Bool(false),
///     ]
/// );
///
/// // A value is a parameter, whatever it holds.
/// let mut sql = Sql::default();
/// let clause = Filter::parse(r#"userName eq "x' OR '1'='1""#)?.fold(&mut sql)?;
/// assert_eq!(clause, "LOWER(u.user_name) = LOWER(?)");
/// assert_eq!(sql.params, [Param::Text("x' OR '1'='1".into())]);
///
/// // An attribute without a column is the caller's error to report (as invalidFilter).
/// assert!(Filter::parse("title pr")?.fold(&mut Sql::default()).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Operands are folded left to right, so side effects such as pushing bound parameters happen in
/// the order the values appear in the filter text.
pub trait Fold {
    /// What each node translates to, e.g. a SQL fragment.
    type Output;
    /// Why a node cannot be translated, e.g. an attribute with no column.
    type Error;

    /// `attr pr`.
    ///
    /// # Errors
    /// Whatever the translation cannot express.
    fn present(&mut self, attr: &AttrPath) -> Result<Self::Output, Self::Error>;

    /// `attr op value`.
    ///
    /// # Errors
    /// Whatever the translation cannot express.
    fn compare(
        &mut self,
        attr: &AttrPath,
        op: CompareOp,
        value: &CompValue,
    ) -> Result<Self::Output, Self::Error>;

    /// Called before the filter inside `attr[...]` is folded, so that the folder can switch to
    /// the sub-attributes' context (a joined table, an `$elemMatch`). Does nothing by default.
    ///
    /// # Errors
    /// Whatever the translation cannot express.
    fn enter_value_path(&mut self, attr: &AttrPath) -> Result<(), Self::Error> {
        let _ = attr;
        Ok(())
    }

    /// `attr[filter]`, with `filter` already folded.
    ///
    /// # Errors
    /// Whatever the translation cannot express.
    fn value_path(
        &mut self,
        attr: &AttrPath,
        filter: Self::Output,
    ) -> Result<Self::Output, Self::Error>;

    /// `not (operand)`.
    ///
    /// # Errors
    /// Whatever the translation cannot express.
    fn not(&mut self, operand: Self::Output) -> Result<Self::Output, Self::Error>;

    /// `a and b and ...`, with every operand folded.
    ///
    /// # Errors
    /// Whatever the translation cannot express.
    fn and(&mut self, operands: Vec<Self::Output>) -> Result<Self::Output, Self::Error>;

    /// `a or b or ...`, with every operand folded.
    ///
    /// # Errors
    /// Whatever the translation cannot express.
    fn or(&mut self, operands: Vec<Self::Output>) -> Result<Self::Output, Self::Error>;
}

/// Where the walk is in a node: about to look at it, or done with its operands.
enum Frame<'f> {
    Enter(&'f Filter),
    Exit(&'f Filter),
}

impl Filter {
    /// Translates this filter bottom-up with `folder`; see [`Fold`].
    ///
    /// # Errors
    /// The first error `folder` returns.
    pub fn fold<F: Fold + ?Sized>(&self, folder: &mut F) -> Result<F::Output, F::Error> {
        let mut stack = vec![Frame::Enter(self)];
        // The outputs of finished nodes; a node's operands are the last `n` when it exits.
        let mut done: Vec<F::Output> = Vec::new();
        while let Some(frame) = stack.pop() {
            match frame {
                Frame::Enter(node) => match node {
                    Filter::Present { attr } => done.push(folder.present(attr)?),
                    Filter::Compare { attr, op, value } => {
                        done.push(folder.compare(attr, *op, value)?)
                    }
                    Filter::ValuePath { attr, filter } => {
                        folder.enter_value_path(attr)?;
                        stack.push(Frame::Exit(node));
                        stack.push(Frame::Enter(filter));
                    }
                    Filter::Not(inner) => {
                        stack.push(Frame::Exit(node));
                        stack.push(Frame::Enter(inner));
                    }
                    Filter::And(operands) | Filter::Or(operands) => {
                        stack.push(Frame::Exit(node));
                        stack.extend(operands.iter().rev().map(Frame::Enter));
                    }
                },
                Frame::Exit(node) => {
                    let output = match node {
                        Filter::ValuePath { attr, .. } => {
                            folder.value_path(attr, pop(&mut done))?
                        }
                        Filter::Not(_) => folder.not(pop(&mut done))?,
                        Filter::And(operands) => {
                            folder.and(done.split_off(done.len() - operands.len()))?
                        }
                        Filter::Or(operands) => {
                            folder.or(done.split_off(done.len() - operands.len()))?
                        }
                        Filter::Present { .. } | Filter::Compare { .. } => {
                            unreachable!("leaves never exit")
                        }
                    };
                    done.push(output);
                }
            }
        }
        Ok(pop(&mut done))
    }
}

/// The last finished output. Each node pushes exactly one, so its parent finds it.
fn pop<T>(done: &mut Vec<T>) -> T {
    done.pop()
        .unwrap_or_else(|| unreachable!("fold: every node leaves one output"))
}
