//! The request a mock expects ([`MockRequest`]), filled by the same
//! generated function that fills the client's call.

use std::fmt::Display;

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde::Serialize;

use crate::encode::write_encoded;
use crate::error::Checks;
use crate::request::body::{FormSink, Upload};
use crate::request::build::{
    Argument, BodyArgument, BuildRequest, CookieArgument, FormArgument, HeaderArgument,
    PathArgument, QueryArgument,
};
use crate::request::cookie::cookie_value;
use crate::request::endpoint::Endpoint;
use crate::request::multipart::IntoPart;
use crate::request::params::{HeaderValues, QuerySink, serialize_pairs};
use crate::request::query_style::{QueryStyle, serialize_query};

#[derive(Clone, Debug)]
pub(super) enum PathPiece {
    Literal(String),
    AnySegment,
    AnyRest,
}

#[derive(Clone, Debug)]
pub(super) enum BodyMatch {
    Json(serde_json::Value),
    Form(Vec<(String, String)>),
}

/// The request an endpoint's mock expects, recorded through the client's
/// own encoders.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct MockRequest {
    pub(super) endpoint: &'static str,
    pub(super) route: &'static str,
    pub(super) method: Method,
    pub(super) path: Vec<PathPiece>,
    /// The raw query as the client writes it (its literal part included).
    pub(super) query: String,
    pub(super) has_query: bool,
    pub(super) any_query: Vec<String>,
    pub(super) headers: HeaderMap,
    pub(super) any_headers: Vec<HeaderName>,
    /// `#[cookie]` arguments: each pair must be in the `Cookie` header.
    pub(super) cookies: Vec<(String, String)>,
    pub(super) body: Option<BodyMatch>,
    pub(super) any_body: bool,
    pub(super) form: Option<FormSink>,
    pub(super) problems: Vec<String>,
}

impl MockRequest {
    fn literal(&mut self, text: &str) {
        if let Some(PathPiece::Literal(last)) = self.path.last_mut() {
            last.push_str(text);
        } else {
            self.path.push(PathPiece::Literal(text.to_owned()));
        }
    }

    fn path_argument<T: Display + ?Sized>(&mut self, value: Option<&T>, keep_slash: bool) {
        match value {
            Some(v) => {
                let mut encoded = String::new();
                if write_encoded(&mut encoded, v, keep_slash).is_err() {
                    self.problems
                        .push("a path argument could not be formatted".into());
                }
                self.literal(&encoded);
            }
            None if keep_slash => self.path.push(PathPiece::AnyRest),
            None => self.path.push(PathPiece::AnySegment),
        }
    }

    fn form_pairs<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: Option<&T>,
        structs: bool,
    ) {
        match value {
            Some(v) => {
                let sink = self.form.get_or_insert_with(FormSink::default);
                if let Err(e) = serialize_pairs(sink, name, v, structs) {
                    self.problems.push(format!("form argument {e}"));
                }
            }
            None => self.any_body = true,
        }
    }

    fn header_values<T: Serialize + ?Sized>(&mut self, name: HeaderName, value: &T) {
        let mut values = HeaderValues(Vec::new());
        if let Err(e) = serialize_pairs(&mut values, name.as_str(), value, false) {
            self.problems.push(format!("header argument {e}"));
        }
        self.headers.remove(&name);
        for text in values.0 {
            match HeaderValue::from_str(&text) {
                Ok(value) => {
                    self.headers.append(name.clone(), value);
                }
                Err(_) => self
                    .problems
                    .push(format!("the value of header `{name}` is invalid")),
            }
        }
    }

    /// The expectation complete: a form body recorded as its sorted pairs.
    pub(super) fn finish(mut self) -> MockRequest {
        if let Some(form) = self.form.take() {
            if !self.any_body {
                self.body = Some(BodyMatch::Form(sorted_pairs(&form.body)));
            }
        }
        self
    }
}

/// The expectation is filled by the same generated function as the
/// client's call: `None` arguments (`any()`) match any value.
impl BuildRequest for MockRequest {
    type Context<'a> = ();

    fn start((): (), endpoint: &'static Endpoint) -> Self {
        MockRequest {
            endpoint: endpoint.name,
            route: endpoint.route,
            method: endpoint.method.clone(),
            path: Vec::new(),
            query: String::new(),
            has_query: false,
            any_query: Vec::new(),
            headers: HeaderMap::new(),
            any_headers: Vec::new(),
            cookies: Vec::new(),
            body: None,
            any_body: false,
            form: None,
            problems: Vec::new(),
        }
    }

    fn path(&mut self, literal: &'static str) {
        self.literal(literal);
    }

    fn segment<A: Argument>(&mut self, _name: &'static str, value: &A, _whole: bool)
    where
        A::Value: PathArgument,
    {
        self.path_argument(value.get(), false);
    }

    fn segments<A: Argument>(&mut self, _name: &'static str, value: &A, _whole: bool)
    where
        A::Value: PathArgument,
    {
        self.path_argument(value.get(), true);
    }

    fn query_literal(&mut self, query: &'static str) {
        self.query.push(if self.has_query { '&' } else { '?' });
        self.query.push_str(query);
        self.has_query = true;
    }

    fn query_styled<A: Argument>(&mut self, key: &'static str, value: &A, style: QueryStyle)
    where
        A::Value: QueryArgument,
    {
        match value.get() {
            Some(v) => {
                let mut sink = QuerySink {
                    url: &mut self.query,
                    has_query: self.has_query,
                };
                if let Err(e) = serialize_query(&mut sink, key, v, style) {
                    self.problems.push(format!("query argument {e}"));
                }
                self.has_query = sink.has_query;
            }
            None => self.any_query.push(form_key(key)),
        }
    }

    fn cookie<A: Argument>(&mut self, name: &'static str, value: &A)
    where
        A::Value: CookieArgument,
    {
        let Some(value) = value.get() else { return };
        match cookie_value(name, value) {
            Ok(Some(text)) => self.cookies.push((name.to_owned(), text)),
            Ok(None) => {}
            Err(e) => self.problems.push(format!("cookie argument {e}")),
        }
    }

    fn static_header(&mut self, name: HeaderName, value: HeaderValue) {
        self.headers.insert(name, value);
    }

    fn header<A: Argument>(&mut self, name: HeaderName, value: &A)
    where
        A::Value: HeaderArgument,
    {
        match value.get() {
            Some(v) => self.header_values(name, v),
            None => {
                self.headers.remove(&name);
                self.any_headers.push(name);
            }
        }
    }

    /// Matched as the client sends it (its `None` fields left out with
    /// `omit_none`); not validated: a mock may expect an invalid body.
    fn json<A: Argument>(
        &mut self,
        _name: &'static str,
        value: &A,
        _checks: Checks<A::Value>,
        omit_none: bool,
    ) where
        A::Value: BodyArgument,
    {
        let Some(v) = value.get() else {
            self.any_body = true;
            return;
        };
        let json = if omit_none {
            serde_json::to_value(crate::request::omit::OmitNone(v))
        } else {
            serde_json::to_value(v)
        };
        match json {
            Ok(json) => self.body = Some(BodyMatch::Json(json)),
            Err(e) => self
                .problems
                .push(format!("the body could not be serialized: {e}")),
        }
    }

    fn form<A: Argument>(&mut self, name: &'static str, value: &A, _checks: Checks<A::Value>)
    where
        A::Value: FormArgument,
    {
        self.form_pairs(name, value.get(), true);
    }

    fn field<A: Argument>(&mut self, name: &'static str, value: &A)
    where
        A::Value: FormArgument,
    {
        self.form_pairs(name, value.get(), false);
    }

    /// A multipart part: not matched.
    fn part<P: IntoPart>(&mut self, _name: &'static str, _part: Option<P>) {
        self.any_body = true;
    }

    /// A streamed body: not matched.
    fn upload(&mut self, _upload: Option<Upload>) {
        self.any_body = true;
    }
}

/// A query key as the client writes it.
fn form_key(key: &str) -> String {
    form_urlencoded::byte_serialize(key.as_bytes()).collect()
}

pub(super) fn sorted_pairs(form: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(form.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    pairs
}
