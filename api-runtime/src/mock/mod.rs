//! Typed mocks, generated from the same trait as the client (cargo feature
//! `mock`): a test speaks in endpoints and Rust values, and the expected
//! request is encoded by the same code the client uses to build requests.

mod events;
mod kit;
mod matcher;
mod pages;
mod request;

pub use events::EventsBody;
pub use kit::{MockBuilder, MockKit};
pub use pages::PagesMock;
pub use request::MockRequest;

use crate::request::build::Argument;

/// An argument of a mock: the exact value the client would send, or
/// [`any()`] value.
#[derive(Clone, Debug)]
pub enum Arg<T> {
    /// Matches only what the client sends for this value.
    Exact(T),
    /// Matches whatever the client sends.
    Any,
}

impl<T> From<T> for Arg<T> {
    fn from(value: T) -> Self {
        Arg::Exact(value)
    }
}

/// Matches any value of an argument: `mock.user(any())`.
///
/// ```
/// use api_client::mock::{Arg, any};
/// let exact: Arg<&str> = "octocat".into();
/// let wildcard: Arg<&str> = any();
/// assert!(matches!((exact, wildcard), (Arg::Exact("octocat"), Arg::Any)));
/// ```
pub fn any<T>() -> Arg<T> {
    Arg::Any
}

/// A streamed or multipart argument of a mock: its content is not matched,
/// so the only value is [`any()`].
#[derive(Clone, Copy, Debug)]
pub struct AnyBody;

impl From<Arg<AnyBody>> for AnyBody {
    fn from(_: Arg<AnyBody>) -> Self {
        AnyBody
    }
}

impl<T> Argument for Arg<T> {
    type Value = T;

    fn get(&self) -> Option<&T> {
        match self {
            Arg::Exact(value) => Some(value),
            Arg::Any => None,
        }
    }
}

impl<'a, T: ?Sized> Arg<&'a T> {
    /// The argument as the value it refers to: a `&T` body is matched as
    /// the `T` the client serializes.
    #[doc(hidden)]
    pub fn referent(&self) -> ArgRef<'a, T> {
        ArgRef(match self {
            Arg::Exact(value) => Some(*value),
            Arg::Any => None,
        })
    }
}

/// A `&T` argument of a mock, as the `T` it refers to.
#[doc(hidden)]
#[derive(Debug)]
pub struct ArgRef<'a, T: ?Sized>(Option<&'a T>);

impl<T: ?Sized> Argument for ArgRef<'_, T> {
    type Value = T;

    fn get(&self) -> Option<&T> {
        self.0
    }
}
