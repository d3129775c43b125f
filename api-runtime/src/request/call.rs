//! One call of an endpoint: generated code fills a [`Call`] from the
//! arguments (path, query, headers, body) and sends it.

use std::fmt::Display;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;

use crate::request::outgoing::{Outgoing, SendBody};

use crate::encode::write_encoded;
use crate::error::Checks;
use crate::error::Error;
use crate::request::base::CallBase;
use crate::request::body::{FormSink, Upload};
use crate::request::build::{
    Argument, BodyArgument, BuildRequest, CookieArgument, FormArgument, HeaderArgument,
    PathArgument, QueryArgument,
};
use crate::request::cookie::{append_cookie, cookie_value};
use crate::request::endpoint::Endpoint;
use crate::request::multipart::{IntoPart, Part};
use crate::request::params::{HeaderValues, QuerySink, serialize_pairs};
use crate::request::query_style::{QueryStyle, serialize_query};

/// A request being assembled from one call's arguments.
///
/// The first problem found (an argument that cannot be encoded) is kept and
/// returned when the call is sent, without sending anything.
#[doc(hidden)]
pub struct Call {
    pub(crate) endpoint: &'static Endpoint,
    url: String,
    has_query: bool,
    headers: HeaderMap,
    body: Option<Body>,
    error: Option<Error>,
}

/// A call turned into a request: each attempt sends a copy of it.
pub(crate) struct Built {
    pub(crate) request: Outgoing,
    /// A multipart body, assembled (files opened) when the call starts.
    pub(crate) multipart: Option<Vec<(&'static str, Part)>>,
}

/// A call's body, as the arguments gave it.
enum Body {
    Bytes(Bytes),
    Form(FormSink),
    Upload(Upload),
    Multipart(Vec<(&'static str, Part)>),
}

impl BuildRequest for Call {
    type Context<'a> = &'a CallBase;

    fn start(base: &CallBase, endpoint: &'static Endpoint) -> Self {
        let base = base.text();
        let mut url = String::with_capacity(base.len() + endpoint.route.len() + 32);
        url.push_str(base);
        Call {
            endpoint,
            url,
            has_query: false,
            headers: HeaderMap::new(),
            body: None,
            error: None,
        }
    }

    fn path(&mut self, literal: &'static str) {
        self.url.push_str(literal);
    }

    /// Every byte but the RFC 3986 unreserved ones is percent-encoded, `/`
    /// included. When the argument is the whole segment, an empty value,
    /// `.` or `..` is refused, since it would change which resource the
    /// path names.
    fn segment<A: Argument>(&mut self, name: &'static str, value: &A, whole: bool)
    where
        A::Value: PathArgument,
    {
        if let Some(value) = value.get() {
            self.path_argument(name, value, whole, false);
        }
    }

    /// `/` is kept, everything else encoded; `.` and `..` segments are
    /// refused.
    fn segments<A: Argument>(&mut self, name: &'static str, value: &A, whole: bool)
    where
        A::Value: PathArgument,
    {
        if let Some(value) = value.get() {
            self.path_argument(name, value, whole, true);
        }
    }

    fn query_literal(&mut self, query: &'static str) {
        self.url.push(if self.has_query { '&' } else { '?' });
        self.url.push_str(query);
        self.has_query = true;
    }

    /// A scalar as `name=value`, `None` as nothing, a sequence as repeated
    /// keys, a struct as one pair per field (in `Form` style).
    fn query_styled<A: Argument>(&mut self, name: &'static str, value: &A, style: QueryStyle)
    where
        A::Value: QueryArgument,
    {
        let Some(value) = value.get() else { return };
        let mut sink = QuerySink {
            url: &mut self.url,
            has_query: self.has_query,
        };
        let result = serialize_query(&mut sink, name, value, style);
        self.has_query = sink.has_query;
        if let Err(e) = result {
            self.fail(format!("query argument {e}"));
        }
    }

    fn static_header(&mut self, name: HeaderName, value: HeaderValue) {
        self.headers.insert(name, value);
    }

    fn idempotency_key(&mut self, name: HeaderName) {
        if !self.headers.contains_key(&name) {
            let key = crate::request::key::new_key();
            if let Ok(value) = HeaderValue::from_str(&key) {
                self.headers.insert(name, value);
            }
        }
    }

    /// `name=value` in the `Cookie` header; `None` sends nothing. The
    /// value is never echoed in errors: it may be a session.
    fn cookie<A: Argument>(&mut self, name: &'static str, value: &A)
    where
        A::Value: CookieArgument,
    {
        let Some(value) = value.get() else { return };
        match cookie_value(name, value) {
            Ok(Some(text)) => append_cookie(&mut self.headers, name, &text),
            Ok(None) => {}
            Err(e) => self.fail(format!("cookie argument {e}")),
        }
    }

    /// `None` sends nothing, a sequence sends the header once per element.
    /// The value is never echoed in errors: it may be a secret.
    fn header<A: Argument>(&mut self, name: HeaderName, value: &A)
    where
        A::Value: HeaderArgument,
    {
        if let Some(value) = value.get() {
            self.header_values(name, value);
        }
    }

    /// With `Content-Type: application/json` unless the endpoint declares
    /// another. With a checks (the type derives `garde::Validate`), an
    /// invalid value is an error and nothing is sent. `omit_none` leaves
    /// out every field that is `None` (`#[body(omit_none)]`); an
    /// `Option<Option<T>>` field that is `Some(None)` is sent as `null`.
    fn json<A: Argument>(
        &mut self,
        name: &'static str,
        value: &A,
        checks: Checks<A::Value>,
        omit_none: bool,
    ) where
        A::Value: BodyArgument,
    {
        let Some(value) = value.get() else { return };
        if !self.valid_body(name, value, checks) {
            return;
        }
        let serialized = if omit_none {
            serde_json::to_vec(&crate::request::omit::OmitNone(value))
        } else {
            serde_json::to_vec(value)
        };
        self.json_body(name, serialized);
    }

    /// Validated like a JSON body.
    fn form<A: Argument>(&mut self, name: &'static str, value: &A, checks: Checks<A::Value>)
    where
        A::Value: FormArgument,
    {
        let Some(value) = value.get() else { return };
        if self.valid_body(name, value, checks) {
            self.form_pairs(name, value, true);
        }
    }

    /// `None` adds nothing, a sequence repeats the field.
    fn field<A: Argument>(&mut self, name: &'static str, value: &A)
    where
        A::Value: FormArgument,
    {
        if let Some(value) = value.get() {
            self.form_pairs(name, value, false);
        }
    }

    fn part<P: IntoPart>(&mut self, name: &'static str, part: Option<P>) {
        if !matches!(self.body, Some(Body::Multipart(_))) {
            self.body = Some(Body::Multipart(Vec::new()));
        }
        let part = part.and_then(IntoPart::into_part);
        if let (Some(Body::Multipart(parts)), Some(part)) = (self.body.as_mut(), part) {
            parts.push((name, part));
        }
    }

    fn upload(&mut self, upload: Option<Upload>) {
        let Some(upload) = upload else { return };
        match upload.headers() {
            Ok(headers) => {
                for (name, value) in headers {
                    self.headers.entry(name).or_insert(value);
                }
                self.body = Some(Body::Upload(upload));
            }
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
    }
}

impl Call {
    fn fail(&mut self, message: String) {
        if self.error.is_none() {
            self.error = Some(Error::invalid_request(format!(
                "in `{}`: {message}",
                self.endpoint.name
            )));
        }
    }

    fn path_argument<T: Display + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
        whole: bool,
        keep_slash: bool,
    ) {
        let start = self.url.len();
        if write_encoded(&mut self.url, value, keep_slash).is_err() {
            self.fail(format!("path argument `{name}` could not be formatted"));
            return;
        }
        let written = &self.url[start..];
        let problem = if whole && written.is_empty() {
            Some("is empty")
        } else if (whole || keep_slash) && written.split('/').any(|s| s == "." || s == "..") {
            Some("is or contains the segment `.` or `..`")
        } else {
            None
        };
        if let Some(problem) = problem {
            self.fail(format!(
                "path argument `{name}` {problem}, which would change the request's path"
            ));
        }
    }

    fn header_values<T: Serialize + ?Sized>(&mut self, name: HeaderName, value: &T) {
        let mut values = HeaderValues(Vec::new());
        if let Err(e) = serialize_pairs(&mut values, name.as_str(), value, false) {
            self.fail(format!("header argument {e}"));
            return;
        }
        let mut first = true;
        // A value that may not cross origins is a credential, whatever the
        // header's name: marked sensitive, it is never logged.
        let sensitive = !crate::request::origin::may_cross(&name, true);
        for text in values.0 {
            let Ok(mut value) = HeaderValue::from_str(&text) else {
                self.fail(format!(
                    "the value of header `{name}` holds a character a header cannot carry (CR, LF or another control character)"
                ));
                return;
            };
            value.set_sensitive(sensitive);
            if std::mem::take(&mut first) {
                self.headers.insert(name.clone(), value);
            } else {
                self.headers.append(name.clone(), value);
            }
        }
    }

    /// Sets a serialized JSON body, with `Content-Type: application/json`
    /// unless the endpoint declares another.
    fn json_body(&mut self, name: &str, serialized: serde_json::Result<Vec<u8>>) {
        match serialized {
            Ok(bytes) => {
                self.body = Some(Body::Bytes(Bytes::from(bytes)));
                self.headers
                    .entry(header::CONTENT_TYPE)
                    .or_insert(HeaderValue::from_static("application/json"));
            }
            Err(e) => self.fail(format!(
                "body argument `{name}` could not be serialized: {e}"
            )),
        }
    }

    fn form_pairs<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T, structs: bool) {
        if !matches!(self.body, Some(Body::Form(_))) {
            self.body = Some(Body::Form(FormSink::default()));
        }
        let Some(Body::Form(sink)) = self.body.as_mut() else {
            return;
        };
        if let Err(e) = serialize_pairs(sink, name, value, structs) {
            self.fail(format!("form argument {e}"));
        }
    }

    /// Runs a body's checks; false (the error recorded) when it fails.
    fn valid_body<T: ?Sized>(&mut self, name: &str, value: &T, checks: Checks<T>) -> bool {
        match checks.validate(value) {
            Err(violations) => {
                self.invalid_body(name, std::any::type_name::<T>(), violations);
                false
            }
            Ok(()) => true,
        }
    }

    fn invalid_body(
        &mut self,
        name: &str,
        type_name: &str,
        violations: Vec<crate::error::Violation>,
    ) {
        if self.error.is_none() {
            let type_name = crate::error::short_type_name(type_name);
            let err = Error::validation(&type_name, violations);
            self.error = Some(
                Error::with_message(
                    crate::error::ErrorKind::Validation,
                    format!(
                        "in `{}`: the body argument `{name}` is invalid, nothing was sent",
                        self.endpoint.name
                    ),
                )
                .merge_violations(err),
            );
        }
    }

    /// The request, built once from `base` (the one the call started
    /// from): each attempt sends a copy of it. A multipart body is kept
    /// apart, to be assembled (files opened) asynchronously. `Err` when an
    /// argument could not be encoded: nothing is sent.
    pub(crate) fn build(self, base: &CallBase) -> std::result::Result<Built, Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let endpoint = self.endpoint;
        let url = base.join(&self.url).map_err(|e| {
            Error::invalid_request(format!("in `{}`: the URL is invalid: {e}", endpoint.name))
        })?;
        let mut request = Outgoing::new(endpoint.method.clone(), url);
        let mut headers = self.headers;
        let mut multipart = None;
        let body = match self.body {
            None => SendBody::Empty,
            Some(Body::Bytes(bytes)) => SendBody::Bytes(bytes),
            Some(Body::Form(form)) => {
                headers
                    .entry(http::header::CONTENT_TYPE)
                    .or_insert(HeaderValue::from_static(
                        "application/x-www-form-urlencoded",
                    ));
                SendBody::Bytes(form.body.into())
            }
            Some(Body::Upload(upload)) => SendBody::Stream(upload.body),
            Some(Body::Multipart(parts)) => {
                multipart = Some(parts);
                SendBody::Empty
            }
        };
        request.set_body(body);
        request.set_headers(headers);
        Ok(Built { request, multipart })
    }
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("endpoint", &self.endpoint.name)
            .finish_non_exhaustive()
    }
}
