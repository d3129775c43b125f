//! The one contract between generated code and the runtime: for each
//! endpoint, the macro emits one function that fills a [`BuildRequest`]
//! from the arguments. The client's `Call` (a request to send) and the
//! mock's `MockRequest` (a request to expect) both implement it, so the
//! request a mock expects is built by the very code that builds the
//! request the client sends.
//!
//! The bounds on arguments are our own traits, each saying in the user's
//! terms what an argument of that role needs (`#[diagnostic::
//! on_unimplemented]`): a type error names the user's type and the fix.

use std::fmt::Display;

use http::header::{HeaderName, HeaderValue};
use serde::Serialize;

use crate::error::Checks;
use crate::request::body::Upload;
use crate::request::endpoint::Endpoint;
use crate::request::multipart::IntoPart;
use crate::request::query_style::QueryStyle;

/// An argument as generated code hands it over: a value (a client's
/// call), or a value or "any value" (a mock's expectation).
#[doc(hidden)]
pub trait Argument {
    /// The declared type of the argument (the referent of a `&T` body).
    type Value: ?Sized;
    /// The value, or `None` when any value matches (mocks).
    fn get(&self) -> Option<&Self::Value>;
}

/// A client's argument: always a value.
#[doc(hidden)]
#[derive(Debug)]
pub struct Given<'a, T: ?Sized>(pub &'a T);

impl<T: ?Sized> Argument for Given<'_, T> {
    type Value = T;

    #[inline]
    fn get(&self) -> Option<&T> {
        Some(self.0)
    }
}

/// What generated code fills from an endpoint's arguments. Not part of the
/// public API.
#[doc(hidden)]
pub trait BuildRequest: Sized {
    /// What starting a request needs: the client's session, or nothing.
    type Context<'a>;

    /// A request of `endpoint`.
    fn start(context: Self::Context<'_>, endpoint: &'static Endpoint) -> Self;

    /// Appends a literal part of the route, checked at expansion time.
    fn path(&mut self, literal: &'static str);

    /// Appends a `<name>` path argument as (part of) one segment.
    fn segment<A: Argument>(&mut self, name: &'static str, value: &A, whole: bool)
    where
        A::Value: PathArgument;

    /// Appends a `<name..>` path argument: one or more segments.
    fn segments<A: Argument>(&mut self, name: &'static str, value: &A, whole: bool)
    where
        A::Value: PathArgument;

    /// Appends the literal query of the route (`/search?type=repo`).
    fn query_literal(&mut self, query: &'static str);

    /// Appends a `#[query]` argument, one pair per value.
    fn query<A: Argument>(&mut self, name: &'static str, value: &A)
    where
        A::Value: QueryArgument,
    {
        self.query_styled(name, value, QueryStyle::Form);
    }

    /// Appends a `#[query(style = …, explode = …)]` argument.
    fn query_styled<A: Argument>(&mut self, name: &'static str, value: &A, style: QueryStyle)
    where
        A::Value: QueryArgument;

    /// Sets a header declared with a fixed value on the trait or method.
    fn static_header(&mut self, name: HeaderName, value: HeaderValue);

    /// Adds a `#[cookie("name")]` argument to the `Cookie` header.
    fn cookie<A: Argument>(&mut self, name: &'static str, value: &A)
    where
        A::Value: CookieArgument;

    /// Sets a `#[header("Name")]` argument.
    fn header<A: Argument>(&mut self, name: HeaderName, value: &A)
    where
        A::Value: HeaderArgument;

    /// Sets a `#[body]` argument as JSON (without its `None` fields when
    /// `omit_none`), validated first when `checks` is given.
    fn json<A: Argument>(
        &mut self,
        name: &'static str,
        value: &A,
        checks: Checks<A::Value>,
        omit_none: bool,
    ) where
        A::Value: BodyArgument;

    /// Adds a `#[form]` argument (a struct or map) to the form body.
    fn form<A: Argument>(&mut self, name: &'static str, value: &A, checks: Checks<A::Value>)
    where
        A::Value: FormArgument;

    /// Adds a `#[field("name")]` argument to the form body.
    fn field<A: Argument>(&mut self, name: &'static str, value: &A)
    where
        A::Value: FormArgument;

    /// Adds a `#[part("name")]` argument; `None`: any part (mocks).
    fn part<P: IntoPart>(&mut self, name: &'static str, part: Option<P>);

    /// Sets a streamed body; `None`: any body (mocks).
    fn upload(&mut self, upload: Option<Upload>);

    /// `#[idempotency_key]`: a new key in the `name` header, unless an
    /// argument set it; every retry of the call sends the same. A mock
    /// expects any key.
    fn idempotency_key(&mut self, name: HeaderName) {
        let _ = name;
    }
}

/// What a path argument needs.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a path argument: it must implement `std::fmt::Display`",
    label = "a path argument is written into the URL with `Display`",
    note = "implement `Display` for `{Self}`, or pass a `String`, `&str` or a number"
)]
pub trait PathArgument: Display {}

impl<T: Display + ?Sized> PathArgument for T {}

/// What a query argument needs.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a `#[query]` argument: it must implement `serde::Serialize`",
    label = "a query argument is written with serde",
    note = "derive `serde::Serialize` for `{Self}` (a struct becomes one pair per field)"
)]
pub trait QueryArgument: Serialize {}

impl<T: Serialize + ?Sized> QueryArgument for T {}

/// What a header argument needs.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a `#[header]` argument: it must implement `serde::Serialize`",
    label = "a header argument is written with serde",
    note = "pass a `&str`, a `String`, a number, or a type that derives `serde::Serialize`"
)]
pub trait HeaderArgument: Serialize {}

impl<T: Serialize + ?Sized> HeaderArgument for T {}

/// What a cookie argument needs.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a `#[cookie]` argument: it must implement `serde::Serialize`",
    label = "a cookie value is written with serde",
    note = "pass a `&str`, a `String`, a number, or a type that derives `serde::Serialize`"
)]
pub trait CookieArgument: Serialize {}

impl<T: Serialize + ?Sized> CookieArgument for T {}

/// What a JSON body argument needs.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a `#[body]` argument: it must implement `serde::Serialize`",
    label = "the body is sent as JSON",
    note = "derive `serde::Serialize` for `{Self}`"
)]
pub trait BodyArgument: Serialize {}

impl<T: Serialize + ?Sized> BodyArgument for T {}

/// What a form argument needs.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a `#[form]` or `#[field]` argument: it must implement `serde::Serialize`",
    label = "the form body is written with serde",
    note = "derive `serde::Serialize` for `{Self}`"
)]
pub trait FormArgument: Serialize {}

impl<T: Serialize + ?Sized> FormArgument for T {}
