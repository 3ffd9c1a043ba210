//! Limits on hostile input, and the options that carry them with the interop profile.

pub use scimkit_schema::Interop;

/// Limits on the text a parser accepts. Going over one is an ordinary [`Error`](crate::Error),
/// never a panic or a stack overflow.
///
/// ```
/// use scimkit_filter::{Filter, Limits, Options};
///
/// let deep = format!("{}title pr{}", "(".repeat(60), ")".repeat(60));
/// assert!(Filter::parse(&deep).is_err()); // deeper than the default 50
/// let options = Options::new().limits(Limits::new().max_depth(64));
/// assert!(Filter::parse_with(&deep, &options).is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub struct Limits {
    /// The longest text, in bytes; see [`Limits::max_len`](Limits::max_len()).
    pub max_len: usize,
    /// How deeply `(` and `[` may nest; see [`Limits::max_depth`](Limits::max_depth()).
    pub max_depth: u32,
}

impl Limits {
    /// The highest [`max_depth`](Limits::max_depth) that can be set. Parsing, evaluating,
    /// compiling and printing recurse once per level; this cap keeps them within a 2 MiB thread
    /// stack (the default for spawned threads, and so for tests) even in a debug build.
    pub const MAX_DEPTH_CAP: u32 = 128;

    /// The defaults: 8 KiB of text and 50 levels of brackets.
    pub const fn new() -> Limits {
        Limits {
            max_len: 8 * 1024,
            max_depth: 50,
        }
    }

    /// The longest text, in bytes, that is parsed. Default 8192.
    ///
    /// Parsing takes time and memory proportional to the length, so this bounds both. A filter
    /// in a URL is rarely above 2 KiB; raise it for `POST /.search` bodies with long `or` lists.
    pub const fn max_len(mut self, bytes: usize) -> Limits {
        self.max_len = bytes;
        self
    }

    /// How deeply `(` and `[` may nest. Default 50; values above [`Limits::MAX_DEPTH_CAP`] are
    /// lowered to it.
    ///
    /// A long flat `a or b or c ...` does not nest and is bounded by the length alone.
    pub const fn max_depth(mut self, depth: u32) -> Limits {
        self.max_depth = depth;
        self
    }

    /// The nesting limit in force: [`max_depth`](Limits::max_depth) capped at
    /// [`Limits::MAX_DEPTH_CAP`].
    pub(crate) const fn depth(&self) -> u32 {
        if self.max_depth > Limits::MAX_DEPTH_CAP {
            Limits::MAX_DEPTH_CAP
        } else {
            self.max_depth
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::new()
    }
}

/// Everything that configures parsing and compiling: [`Limits`] and the interop profile
/// ([`Interop`], the same value that configures PATCH and validation).
///
/// The filter tolerances are [`Interop::value_path_sub_attr`](Interop::value_path_sub_attr())
/// (parsing) and [`Interop::string_scalars`](Interop::string_scalars()) (compiling).
///
/// ```
/// use scimkit_filter::{Filter, Interop, Limits, Options};
///
/// let entra = r#"emails[type eq "work"].value eq "user@contoso.com""#;
/// assert!(Filter::parse(entra).is_err());
/// let options = Options::new()
///     .limits(Limits::new().max_len(64 * 1024))
///     .interop(Interop::idp_compatible());
/// let f = Filter::parse_with(entra, &options)?;
/// assert_eq!(f.to_string(), r#"emails[type eq "work" and value eq "user@contoso.com"]"#);
/// # Ok::<(), scimkit_filter::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[must_use]
#[non_exhaustive]
pub struct Options {
    /// The limits.
    pub limits: Limits,
    /// The interop profile.
    pub interop: Interop,
    /// Whether compiling refuses a comparison of a dateTime attribute with text that is no
    /// dateTime; see [`Options::datetime_literals`].
    pub datetime_literals: bool,
}

impl Options {
    /// Default limits, strict RFC 7644.
    pub const fn new() -> Options {
        Options {
            limits: Limits::new(),
            interop: Interop::strict(),
            datetime_literals: false,
        }
    }

    /// With `true`, [`Filter::compile_with`](crate::Filter::compile_with) refuses `eq`, `ne`,
    /// `gt`, `ge`, `lt` and `le` between a `dateTime` attribute and a string that is no RFC 3339
    /// date-time (`meta.created gt "not-a-date"`) as an invalid filter, instead of comparing it as
    /// text. A service answering clients wants this: the client's filter is wrong, and an empty
    /// result would hide it. `co`, `sw` and `ew` take any text (`meta.created sw "2024-"`). Off by
    /// default, when such a comparison follows [`Filter::matches`](crate::Filter::matches).
    ///
    /// ```
    /// use scimkit_filter::{Filter, Options};
    /// use scimkit_schema::ResourceSchema;
    ///
    /// let schema = ResourceSchema::user();
    /// let checked = Options::new().datetime_literals(true);
    /// let bad = Filter::parse(r#"meta.created gt "not-a-date""#)?;
    /// assert!(bad.compile_with(&schema, &checked).is_err());
    /// assert!(bad.compile_with(&schema, &Options::new()).is_ok());
    /// let good = Filter::parse(r#"meta.created gt "2024-01-01T00:00:00Z""#)?;
    /// assert!(good.compile_with(&schema, &checked).is_ok());
    /// # Ok::<(), scimkit_filter::Error>(())
    /// ```
    pub const fn datetime_literals(mut self, on: bool) -> Options {
        self.datetime_literals = on;
        self
    }

    /// Sets the limits.
    pub const fn limits(mut self, limits: Limits) -> Options {
        self.limits = limits;
        self
    }

    /// Sets the interop profile; default [`Interop::strict`].
    pub const fn interop(mut self, interop: Interop) -> Options {
        self.interop = interop;
        self
    }
}
