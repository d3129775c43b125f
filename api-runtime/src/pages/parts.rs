//! What generated code tells a walk: how the pages of an endpoint chain
//! ([`Paging`]) and what one page holds ([`PageParts`]), read from the
//! page's fields through [`CursorValue`], [`FlagValue`] and
//! [`CountValue`].

/// How the pages of an endpoint chain, as `#[paginate(…)]` declares it.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageScheme {
    /// The `Link: <…>; rel="next"` header.
    Link,
    /// A cursor from the page, sent back in this query parameter.
    Cursor(&'static str),
    /// Page numbers in this query parameter (1 when it is not given).
    Page(&'static str),
    /// An item offset in this query parameter (0 when it is not given).
    Offset(&'static str),
}

/// An endpoint's declared pagination.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    pub scheme: PageScheme,
    /// A response header holding the total number of items
    /// (`X-Total-Count`).
    pub total_header: Option<&'static str>,
}

/// What one page holds: its items, and what the declared fields say of
/// the next page. Filled by generated code from the decoded page.
#[doc(hidden)]
#[derive(Debug)]
pub struct PageParts<T> {
    pub items: Vec<T>,
    /// The next cursor (`None`, or empty: no next page).
    pub next: Option<String>,
    /// A `has_more` flag.
    pub has_more: Option<bool>,
    /// The total number of items of the whole list.
    pub total: Option<u64>,
}

impl<T> PageParts<T> {
    /// The parts of a page that is only its items.
    pub fn items(items: Vec<T>) -> PageParts<T> {
        PageParts {
            items,
            next: None,
            has_more: None,
            total: None,
        }
    }
}

/// A field that can be a cursor: a string or an integer, or an `Option`
/// of one. An empty string is no cursor (Slack ends its lists so).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a pagination cursor",
    label = "a cursor is a string or an integer, or an `Option` of one"
)]
pub trait CursorValue {
    /// The cursor, if there is one.
    fn cursor(&self) -> Option<String>;
}

/// A field that can be a `has_more` flag: `bool` or `Option<bool>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a `has_more` flag",
    label = "`has_more` names a `bool` or `Option<bool>` field"
)]
pub trait FlagValue {
    /// The flag, if the page has it.
    fn flag(&self) -> Option<bool>;
}

/// A field that can be a total count: an integer or an `Option` of one.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a total count",
    label = "`total` names an integer field (or an `Option` of one)"
)]
pub trait CountValue {
    /// The count, if the page has it (a negative number is none).
    fn count(&self) -> Option<u64>;
}

impl CursorValue for str {
    fn cursor(&self) -> Option<String> {
        (!self.is_empty()).then(|| self.to_owned())
    }
}

impl CursorValue for String {
    fn cursor(&self) -> Option<String> {
        self.as_str().cursor()
    }
}

impl<T: CursorValue + ?Sized> CursorValue for &T {
    fn cursor(&self) -> Option<String> {
        (**self).cursor()
    }
}

impl<T: CursorValue> CursorValue for Option<T> {
    fn cursor(&self) -> Option<String> {
        self.as_ref().and_then(CursorValue::cursor)
    }
}

impl FlagValue for bool {
    fn flag(&self) -> Option<bool> {
        Some(*self)
    }
}

impl FlagValue for Option<bool> {
    fn flag(&self) -> Option<bool> {
        *self
    }
}

impl<T: CountValue> CountValue for Option<T> {
    fn count(&self) -> Option<u64> {
        self.as_ref().and_then(CountValue::count)
    }
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl CursorValue for $t {
            fn cursor(&self) -> Option<String> {
                Some(self.to_string())
            }
        }

        impl CountValue for $t {
            fn count(&self) -> Option<u64> {
                u64::try_from(*self).ok()
            }
        }
    )*};
}

integers!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_as_cursors_flags_and_counts() {
        assert_eq!(String::new().cursor(), None);
        assert_eq!(Some("abc".to_owned()).cursor().as_deref(), Some("abc"));
        assert_eq!(None::<String>.cursor(), None);
        assert_eq!(42u64.cursor().as_deref(), Some("42"));
        assert_eq!(Some(false).flag(), Some(false));
        assert_eq!((-1i64).count(), None);
        assert_eq!(Some(7u32).count(), Some(7));
    }
}
