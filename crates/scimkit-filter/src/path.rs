//! Reading PATCH paths (RFC 7644 §3.5.2) and the attribute paths of `attributes`,
//! `excludedAttributes` and `sortBy` (§3.4.2.3, §3.4.2.5) from text; the types are in `ast.rs`.

use std::str::FromStr;

use crate::ast::{AttrPath, Filter, Path};
use crate::error::Error;
use crate::limits::Options;
use crate::parse;

impl Path {
    /// Parses a path with the default [`Options`].
    ///
    /// # Errors
    /// Any syntax error or limit, with `scimType` `invalidPath`.
    pub fn parse(text: &str) -> Result<Path, Error> {
        Path::parse_with(text, &Options::new())
    }

    /// Parses a path with the given limits.
    ///
    /// # Errors
    /// Any syntax error or limit, with `scimType` `invalidPath`.
    pub fn parse_with(text: &str, options: &Options) -> Result<Path, Error> {
        parse::path(text, options)
    }

    /// A path to the values of `attr` that match `filter`, and optionally to their sub-attribute
    /// `sub_attr`, which must be an attribute name.
    ///
    /// # Errors
    /// `sub_attr` is not an `ATTRNAME`.
    ///
    /// ```
    /// use scimkit_filter::{AttrPath, Filter, Path};
    /// let p = Path::with_filter(AttrPath::parse("emails")?, Filter::eq("type", "work"), Some("value"))?;
    /// assert_eq!(p.to_string(), r#"emails[type eq "work"].value"#);
    /// # Ok::<(), scimkit_filter::Error>(())
    /// ```
    pub fn with_filter(
        attr: AttrPath,
        filter: Filter,
        sub_attr: Option<&str>,
    ) -> Result<Path, Error> {
        let sub_attr = match sub_attr {
            Some(sub) => Some(AttrPath::new(sub)?.name().into()),
            None => None,
        };
        Ok(Path::from_parts(attr, Some(filter), sub_attr))
    }
}

impl FromStr for Path {
    type Err = Error;

    fn from_str(text: &str) -> Result<Path, Error> {
        Path::parse(text)
    }
}

impl AttrPath {
    /// Parses one attribute path, e.g. a `sortBy` value (RFC 7644 §3.4.2.3).
    ///
    /// # Errors
    /// Any syntax error or limit, with `scimType` `invalidPath`.
    ///
    /// ```
    /// let p = scimkit_filter::AttrPath::parse("name.givenName")?;
    /// assert_eq!((p.name(), p.sub_attr()), ("name", Some("givenName")));
    /// # Ok::<(), scimkit_filter::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<AttrPath, Error> {
        parse::attr_path(text, &Options::new())
    }

    /// Parses one attribute path with the given limits.
    ///
    /// # Errors
    /// Any syntax error or limit, with `scimType` `invalidPath`.
    pub fn parse_with(text: &str, options: &Options) -> Result<AttrPath, Error> {
        parse::attr_path(text, options)
    }

    /// Parses a comma-separated list of attribute paths, the value of `attributes` or
    /// `excludedAttributes` (RFC 7644 §3.4.2.5). Spaces around the commas are allowed.
    ///
    /// # Errors
    /// Any syntax error or limit, with `scimType` `invalidPath`.
    ///
    /// ```
    /// let list = scimkit_filter::AttrPath::parse_list(
    ///     "userName, name.givenName,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    /// )?;
    /// assert_eq!(list.len(), 3);
    /// assert_eq!(list[2].name(), "employeeNumber");
    /// # Ok::<(), scimkit_filter::Error>(())
    /// ```
    pub fn parse_list(text: &str) -> Result<Vec<AttrPath>, Error> {
        parse::attr_path_list(text, &Options::new())
    }

    /// Parses a comma-separated list of attribute paths with the given limits.
    ///
    /// # Errors
    /// Any syntax error or limit, with `scimType` `invalidPath`.
    pub fn parse_list_with(text: &str, options: &Options) -> Result<Vec<AttrPath>, Error> {
        parse::attr_path_list(text, options)
    }

    /// A path to the attribute `name` (no schema URI, no sub-attribute).
    ///
    /// # Errors
    /// `name` is not an `ATTRNAME` (`ALPHA *("-" / "_" / DIGIT / ALPHA)`, or `$ref`-style with a
    /// leading `$`).
    ///
    /// ```
    /// use scimkit_filter::AttrPath;
    /// assert!(AttrPath::new("userName").is_ok());
    /// assert!(AttrPath::new("user name").is_err());
    /// assert!(AttrPath::new("name.givenName").is_err()); // use `parse` or `with_sub_attr`
    /// ```
    pub fn new(name: &str) -> Result<AttrPath, Error> {
        let path = AttrPath::parse(name)?;
        if path.urn().is_some() || path.sub_attr().is_some() || path.name().len() != name.len() {
            return Err(Error::new(
                crate::ErrorKind::Unexpected {
                    found: Some(name.to_owned()),
                },
                None,
                crate::error::Context::Path,
            ));
        }
        Ok(path.with_span(None))
    }

    /// This path with the sub-attribute `sub`, replacing any it had.
    ///
    /// # Errors
    /// `sub` is not an `ATTRNAME`.
    ///
    /// ```
    /// let p = scimkit_filter::AttrPath::new("name")?.with_sub_attr("familyName")?;
    /// assert_eq!(p.to_string(), "name.familyName");
    /// # Ok::<(), scimkit_filter::Error>(())
    /// ```
    pub fn with_sub_attr(self, sub: &str) -> Result<AttrPath, Error> {
        let sub = AttrPath::new(sub)?;
        Ok(AttrPath::from_parts(
            self.urn(),
            self.name(),
            Some(sub.name()),
            None,
        ))
    }

    /// This path qualified by the schema URI `urn`, e.g.
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
    ///
    /// # Errors
    /// `urn` is not a URI the grammar accepts before an attribute name.
    ///
    /// ```
    /// let p = scimkit_filter::AttrPath::new("employeeNumber")?
    ///     .urn_qualified("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")?;
    /// assert_eq!(p.to_string(), "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber");
    /// # Ok::<(), scimkit_filter::Error>(())
    /// ```
    pub fn urn_qualified(self, urn: &str) -> Result<AttrPath, Error> {
        // The simplest exact check of the URI syntax is the grammar itself.
        let text = format!("{urn}:{}", self.name());
        let parsed = AttrPath::parse(&text)?;
        if parsed.urn() != Some(urn) {
            return Err(Error::new(
                crate::ErrorKind::Unexpected {
                    found: Some(urn.to_owned()),
                },
                None,
                crate::error::Context::Path,
            ));
        }
        Ok(AttrPath::from_parts(
            Some(urn),
            self.name(),
            self.sub_attr(),
            None,
        ))
    }
}

impl FromStr for AttrPath {
    type Err = Error;

    fn from_str(text: &str) -> Result<AttrPath, Error> {
        AttrPath::parse(text)
    }
}
