//! Positions in parsed text: where a path was, or where an error is.

/// A byte range in the text that was parsed. Offsets start at 0 and count bytes, not characters.
///
/// ```
/// let err = scimkit_filter::Filter::parse("userName xx \"a\"").unwrap_err();
/// assert_eq!(err.span().unwrap().start, 9);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// The first byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub const fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The span as a range, for slicing the parsed text.
    pub const fn range(self) -> std::ops::Range<usize> {
        self.start..self.end
    }
}
