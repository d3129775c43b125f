//! Typed mocks, generated from the same trait as the client (cargo feature
//! `mock`): a test speaks in endpoints and Rust values, and the expected
//! request is encoded by the same code the client uses to build requests.

use std::fmt::{self, Display};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde::Serialize;
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::request::body::FormSink;
use crate::request::encode::write_encoded;
use crate::request::params::{HeaderValues, QuerySink, serialize_pairs};

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

#[derive(Clone, Debug)]
enum PathPiece {
    Literal(String),
    AnySegment,
    AnyRest,
}

#[derive(Clone, Debug)]
enum BodyMatch {
    Json(serde_json::Value),
    Form(Vec<(String, String)>),
}

/// The request an endpoint's mock expects, recorded through the client's
/// own encoders. Generated code fills it like a `Call`.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct MockRequest {
    endpoint: &'static str,
    route: &'static str,
    method: Method,
    path: Vec<PathPiece>,
    /// The raw query as the client writes it (its literal part included).
    query: String,
    has_query: bool,
    any_query: Vec<String>,
    headers: HeaderMap,
    any_headers: Vec<HeaderName>,
    body: Option<BodyMatch>,
    any_body: bool,
    form: Option<FormSink>,
    problems: Vec<String>,
}

impl MockRequest {
    /// An expectation for `endpoint`.
    pub fn new(endpoint: &'static crate::request::call::Endpoint) -> Self {
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
            body: None,
            any_body: false,
            form: None,
            problems: Vec::new(),
        }
    }

    fn literal(&mut self, text: &str) {
        if let Some(PathPiece::Literal(last)) = self.path.last_mut() {
            last.push_str(text);
        } else {
            self.path.push(PathPiece::Literal(text.to_owned()));
        }
    }

    /// A literal part of the route.
    pub fn path(&mut self, literal: &'static str) {
        self.literal(literal);
    }

    /// A one-segment path argument.
    pub fn segment<T: Display>(&mut self, _name: &'static str, value: &Arg<T>, _whole: bool) {
        self.path_argument(value, false);
    }

    /// A multi-segment path argument.
    pub fn segments<T: Display>(&mut self, _name: &'static str, value: &Arg<T>, _whole: bool) {
        self.path_argument(value, true);
    }

    fn path_argument<T: Display>(&mut self, value: &Arg<T>, keep_slash: bool) {
        match value {
            Arg::Exact(v) => {
                let mut encoded = String::new();
                if write_encoded(&mut encoded, v, keep_slash).is_err() {
                    self.problems
                        .push("a path argument could not be formatted".into());
                }
                self.literal(&encoded);
            }
            Arg::Any if keep_slash => self.path.push(PathPiece::AnyRest),
            Arg::Any => self.path.push(PathPiece::AnySegment),
        }
    }

    /// The route's literal query.
    pub fn query_literal(&mut self, query: &'static str) {
        self.query.push(if self.has_query { '&' } else { '?' });
        self.query.push_str(query);
        self.has_query = true;
    }

    /// A `#[query]` argument.
    pub fn query<T: Serialize>(&mut self, key: &'static str, value: &Arg<T>) {
        match value {
            Arg::Exact(v) => {
                let mut sink = QuerySink {
                    url: &mut self.query,
                    has_query: self.has_query,
                };
                if let Err(e) = serialize_pairs(&mut sink, key, v, true) {
                    self.problems.push(format!("query argument {e}"));
                }
                self.has_query = sink.has_query;
            }
            Arg::Any => self.any_query.push(form_key(key)),
        }
    }

    /// A fixed header of the trait or method.
    pub fn static_header(&mut self, name: HeaderName, value: HeaderValue) {
        self.headers.insert(name, value);
    }

    /// A `#[header("Name")]` argument.
    pub fn header<T: Serialize>(&mut self, name: HeaderName, value: &Arg<T>) {
        match value {
            Arg::Exact(v) => {
                let mut values = HeaderValues(Vec::new());
                if let Err(e) = serialize_pairs(&mut values, name.as_str(), v, false) {
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
            Arg::Any => {
                self.headers.remove(&name);
                self.any_headers.push(name);
            }
        }
    }

    /// A JSON `#[body]` argument.
    pub fn json<T: Serialize>(&mut self, value: &Arg<T>) {
        match value {
            Arg::Exact(v) => match serde_json::to_value(v) {
                Ok(json) => self.body = Some(BodyMatch::Json(json)),
                Err(e) => self
                    .problems
                    .push(format!("the body could not be serialized: {e}")),
            },
            Arg::Any => self.any_body = true,
        }
    }

    /// A `#[body(omit_none)]` argument: matched as the client sends it,
    /// its `None` fields left out.
    pub fn json_omitting_none<T: Serialize>(&mut self, value: &Arg<T>) {
        match value {
            Arg::Exact(v) => match serde_json::to_value(crate::request::omit::OmitNone(v)) {
                Ok(json) => self.body = Some(BodyMatch::Json(json)),
                Err(e) => self
                    .problems
                    .push(format!("the body could not be serialized: {e}")),
            },
            Arg::Any => self.any_body = true,
        }
    }

    /// A `#[form]` argument.
    pub fn form<T: Serialize>(&mut self, name: &'static str, value: &Arg<T>) {
        self.form_pairs(name, value, true);
    }

    /// A `#[field("name")]` argument.
    pub fn field<T: Serialize>(&mut self, name: &'static str, value: &Arg<T>) {
        self.form_pairs(name, value, false);
    }

    fn form_pairs<T: Serialize>(&mut self, name: &'static str, value: &Arg<T>, structs: bool) {
        match value {
            Arg::Exact(v) => {
                let sink = self.form.get_or_insert_with(FormSink::default);
                if let Err(e) = serialize_pairs(sink, name, v, structs) {
                    self.problems.push(format!("form argument {e}"));
                }
            }
            Arg::Any => self.any_body = true,
        }
    }

    /// A streamed or multipart argument: not matched.
    pub fn any_body(&mut self, _: AnyBody) {
        self.any_body = true;
    }

    fn finish(mut self) -> EndpointMatcher {
        if let Some(form) = self.form.take() {
            if !self.any_body {
                self.body = Some(BodyMatch::Form(sorted_pairs(&form.body)));
            }
        }
        EndpointMatcher {
            expected: Arc::new(self),
        }
    }
}

/// A query key as the client writes it.
fn form_key(key: &str) -> String {
    form_urlencoded::byte_serialize(key.as_bytes()).collect()
}

fn sorted_pairs(form: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(form.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    pairs
}

/// Matches a request against a [`MockRequest`], and explains a mismatch.
#[derive(Clone, Debug)]
struct EndpointMatcher {
    expected: Arc<MockRequest>,
}

impl EndpointMatcher {
    /// Every difference between `request` and the expectation.
    fn differences(&self, request: &Request) -> Vec<String> {
        let e = &self.expected;
        let mut out = Vec::new();
        if request.method.as_str() != e.method.as_str() {
            out.push(format!(
                "method: expected {}, got {}",
                e.method, request.method
            ));
        }
        if !path_matches(&e.path, request.url.path()) {
            out.push(format!(
                "path: expected {}, got {}",
                describe_path(&e.path),
                request.url.path()
            ));
        }
        let strip = |query: &str| -> Vec<String> {
            query
                .trim_start_matches('?')
                .split('&')
                .filter(|p| !p.is_empty())
                .filter(|p| {
                    !e.any_query
                        .iter()
                        .any(|k| p.split('=').next() == Some(k.as_str()))
                })
                .map(str::to_owned)
                .collect()
        };
        let want = strip(&e.query);
        let got = strip(request.url.query().unwrap_or(""));
        if want != got {
            out.push(format!(
                "query: expected `{}`, got `{}`",
                want.join("&"),
                got.join("&")
            ));
        }
        for (name, value) in &e.headers {
            let got: Vec<&HeaderValue> = request.headers.get_all(name).iter().collect();
            if !got.contains(&value) {
                out.push(format!(
                    "header `{name}`: expected `{}`, got {:?}",
                    value.to_str().unwrap_or("?"),
                    got
                ));
            }
        }
        match &e.body {
            Some(BodyMatch::Json(want)) => {
                match serde_json::from_slice::<serde_json::Value>(&request.body) {
                    Ok(got) if &got == want => {}
                    Ok(got) => out.push(format!("JSON body: expected {want}, got {got}")),
                    Err(_) => out.push(format!("JSON body: expected {want}, got a non-JSON body")),
                }
            }
            Some(BodyMatch::Form(want)) => {
                let got = sorted_pairs(&String::from_utf8_lossy(&request.body));
                if &got != want {
                    out.push(format!("form body: expected {want:?}, got {got:?}"));
                }
            }
            None => {}
        }
        out.extend(
            e.problems
                .iter()
                .map(|p| format!("the mock itself is invalid: {p}")),
        );
        out
    }
}

impl Match for EndpointMatcher {
    fn matches(&self, request: &Request) -> bool {
        self.differences(request).is_empty()
    }
}

fn path_matches(pattern: &[PathPiece], path: &str) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((PathPiece::Literal(text), rest)) => path
            .strip_prefix(text.as_str())
            .is_some_and(|tail| path_matches(rest, tail)),
        Some((PathPiece::AnySegment, rest)) => {
            let end = path.find('/').unwrap_or(path.len());
            (1..=end).rev().any(|i| path_matches(rest, &path[i..]))
        }
        Some((PathPiece::AnyRest, rest)) => (1..=path.len())
            .rev()
            .any(|i| path_matches(rest, &path[i..])),
    }
}

fn describe_path(pattern: &[PathPiece]) -> String {
    pattern
        .iter()
        .map(|p| match p {
            PathPiece::Literal(text) => text.as_str(),
            PathPiece::AnySegment => "<any>",
            PathPiece::AnyRest => "<any..>",
        })
        .collect()
}

/// One response of a mock, built step by step.
#[derive(Clone, Debug)]
struct Stage {
    template: ResponseTemplate,
    times: Option<usize>,
}

/// Serves the stages in order: each for its number of times, the last
/// forever.
struct Sequence {
    stages: Vec<Stage>,
    served: AtomicUsize,
}

impl Respond for Sequence {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.served.fetch_add(1, Ordering::SeqCst);
        let mut seen = 0;
        for stage in &self.stages {
            match stage.times {
                Some(times) if n < seen + times => return stage.template.clone(),
                Some(times) => seen += times,
                None => return stage.template.clone(),
            }
        }
        self.stages
            .last()
            .map_or_else(|| ResponseTemplate::new(200), |s| s.template.clone())
    }
}

/// The shared state of one mock kit: the server, and what is mounted on
/// it, to explain the requests that match nothing.
#[doc(hidden)]
#[derive(Clone)]
pub struct MockKit<'a> {
    server: &'a MockServer,
    api: &'static str,
    endpoints: &'static [(&'static str, &'static str, &'static str)],
    mounted: Arc<Mutex<Vec<EndpointMatcher>>>,
    reporting: Arc<std::sync::atomic::AtomicBool>,
}

impl fmt::Debug for MockKit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockKit")
            .field("api", &self.api)
            .field("server", &self.server.uri())
            .finish_non_exhaustive()
    }
}

impl<'a> MockKit<'a> {
    /// A kit for the API `api` (its endpoints as name, method, route) on
    /// `server`.
    pub fn new(
        server: &'a MockServer,
        api: &'static str,
        endpoints: &'static [(&'static str, &'static str, &'static str)],
    ) -> MockKit<'a> {
        MockKit {
            server,
            api,
            endpoints,
            mounted: Arc::new(Mutex::new(Vec::new())),
            reporting: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        }
    }

    /// Starts a builder for an endpoint's expectation.
    pub fn for_endpoint<R>(&self, request: MockRequest) -> MockBuilder<'a, R> {
        MockBuilder {
            kit: self.clone(),
            matcher: request.finish(),
            stages: vec![Stage {
                template: ResponseTemplate::new(200),
                times: None,
            }],
            expect: None,
            response: PhantomData,
        }
    }

    /// Mounts, once, the lowest-priority mock that explains unmatched
    /// requests.
    async fn report_unmatched(&self) {
        if self.reporting.swap(true, Ordering::SeqCst) {
            return;
        }
        Mock::given(wiremock::matchers::any())
            .respond_with(Report {
                explainer: Explainer {
                    api: self.api,
                    endpoints: self.endpoints,
                    mounted: self.mounted.clone(),
                },
            })
            .with_priority(u8::MAX)
            .named(format!("{}: unmatched requests", self.api))
            .mount(self.server)
            .await;
    }
}

/// Explains why a request matched no mock.
struct Explainer {
    api: &'static str,
    endpoints: &'static [(&'static str, &'static str, &'static str)],
    mounted: Arc<Mutex<Vec<EndpointMatcher>>>,
}

impl Explainer {
    fn explain(&self, request: &Request) -> String {
        let head = format!(
            "no mock of `{}` matched {} {}",
            self.api,
            request.method,
            request.url.path()
        );
        let mounted = self.mounted.lock().unwrap_or_else(|p| p.into_inner());
        // The endpoints whose method and route the request fits.
        let fits: Vec<&(&str, &str, &str)> = self
            .endpoints
            .iter()
            .filter(|(_, method, route)| {
                *method == request.method.as_str() && route_matches(route, request.url.path())
            })
            .collect();
        fn nearest<'m>(
            candidates: Vec<&'m EndpointMatcher>,
            request: &Request,
        ) -> Option<(Vec<String>, &'m EndpointMatcher)> {
            candidates
                .into_iter()
                .map(|m| (m.differences(request), m))
                .min_by_key(|(d, _)| d.len())
        }
        let of_fitting: Vec<&EndpointMatcher> = mounted
            .iter()
            .filter(|m| fits.iter().any(|(name, _, _)| *name == m.expected.endpoint))
            .collect();
        let candidates = if fits.is_empty() {
            mounted.iter().collect()
        } else {
            of_fitting
        };
        match nearest(candidates, request) {
            Some((differences, m)) => format!(
                "{head}; nearest mocked endpoint: `{}` ({} {}): {}",
                m.expected.endpoint,
                m.expected.method,
                m.expected.route,
                differences.join("; ")
            ),
            None if fits.is_empty() => format!("{head}; it is no endpoint of `{}`", self.api),
            None => {
                let names: Vec<String> = fits
                    .iter()
                    .map(|(name, method, route)| format!("`{name}` ({method} {route})"))
                    .collect();
                format!(
                    "{head}; it is {}, which has no mock mounted",
                    names.join(" or ")
                )
            }
        }
    }
}

/// Whether `path` fits a route template (placeholders match anything).
fn route_matches(route: &str, path: &str) -> bool {
    let route = route.split('?').next().unwrap_or("");
    let mut pattern = Vec::new();
    let mut rest = route;
    while let Some(start) = rest.find('<') {
        pattern.push(PathPiece::Literal(rest[..start].to_owned()));
        let end = rest[start..].find('>').map_or(rest.len(), |e| start + e);
        let multi = rest[start..end].ends_with("..");
        pattern.push(if multi {
            PathPiece::AnyRest
        } else {
            PathPiece::AnySegment
        });
        rest = &rest[(end + 1).min(rest.len())..];
    }
    pattern.push(PathPiece::Literal(rest.to_owned()));
    path_matches(&pattern, path)
}

/// The catch-all responder: a 404 whose body says what went wrong.
struct Report {
    explainer: Explainer,
}

impl Respond for Report {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        ResponseTemplate::new(404).set_body_string(self.explainer.explain(request))
    }
}

/// The expectation and responses of one endpoint's mock; `R` is the
/// endpoint's declared return type, so [`returns`](MockBuilder::returns)
/// takes the same type as the client decodes.
#[must_use = "a mock does nothing until `.mount().await`"]
pub struct MockBuilder<'a, R> {
    kit: MockKit<'a>,
    matcher: EndpointMatcher,
    stages: Vec<Stage>,
    expect: Option<u64>,
    response: PhantomData<fn() -> R>,
}

impl<R> fmt::Debug for MockBuilder<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockBuilder")
            .field("endpoint", &self.matcher.expected.endpoint)
            .field("stages", &self.stages.len())
            .field("expect", &self.expect)
            .finish()
    }
}

impl<R> MockBuilder<'_, R> {
    fn current(&mut self) -> &mut Stage {
        if self.stages.is_empty() {
            self.stages.push(Stage {
                template: ResponseTemplate::new(200),
                times: None,
            });
        }
        let last = self.stages.len() - 1;
        &mut self.stages[last]
    }

    fn map(mut self, f: impl FnOnce(ResponseTemplate) -> ResponseTemplate) -> Self {
        let stage = self.current();
        stage.template = f(stage.template.clone());
        self
    }

    /// Answers with this status (and an empty body so far).
    pub fn responds(mut self, status: u16) -> Self {
        self.current().template = ResponseTemplate::new(status);
        self
    }

    /// Sets a JSON body on the current response (any serializable value:
    /// an error document, or a deliberately wrong shape).
    pub fn body_json<T: Serialize>(self, body: &T) -> Self {
        let json = serde_json::to_value(body).unwrap_or(serde_json::Value::Null);
        self.map(|t| t.set_body_json(json))
    }

    /// Sets a raw body with its content type on the current response (to
    /// test decode errors).
    pub fn body_raw(self, body: impl Into<Vec<u8>>, content_type: &str) -> Self {
        let body = body.into();
        self.map(|t| t.set_body_raw(body, content_type))
    }

    /// Adds a header to the current response (e.g. `Retry-After`).
    pub fn header(self, name: &str, value: &str) -> Self {
        let (name, value) = (name.to_owned(), value.to_owned());
        self.map(|t| t.insert_header(name.as_str(), value.as_str()))
    }

    /// Delays the current response (to test time-outs).
    pub fn delay(self, delay: Duration) -> Self {
        self.map(|t| t.set_delay(delay))
    }

    /// Serves the current response `n` times; what follows (`then_…`)
    /// answers the next requests.
    pub fn times(mut self, n: usize) -> Self {
        self.current().times = Some(n);
        self
    }

    /// Then answers with this status.
    pub fn then_responds(mut self, status: u16) -> Self {
        self.stages.push(Stage {
            template: ResponseTemplate::new(status),
            times: None,
        });
        self
    }

    /// Verifies, when the server is dropped, that the endpoint was called
    /// exactly `n` times.
    pub fn expect(mut self, n: u64) -> Self {
        self.expect = Some(n);
        self
    }

    /// Mounts the mock on the server.
    pub async fn mount(self) {
        let name = format!(
            "{} ({} {})",
            self.matcher.expected.endpoint,
            self.matcher.expected.method,
            self.matcher.expected.route
        );
        let mut mock = Mock::given(self.matcher.clone())
            .respond_with(Sequence {
                stages: self.stages,
                served: AtomicUsize::new(0),
            })
            .named(name);
        if let Some(n) = self.expect {
            mock = mock.expect(n);
        }
        self.kit
            .mounted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(self.matcher);
        self.kit.report_unmatched().await;
        mock.mount(self.kit.server).await;
    }

    /// Mounts the mock from blocking code (for blocking clients' tests).
    pub fn mount_blocking(self) {
        let _ = crate::blocking::block_on_local(async {
            self.mount().await;
            Ok(())
        });
    }
}

impl<R: Serialize> MockBuilder<'_, R> {
    /// Answers 200 with `body` as JSON: the type the endpoint declares.
    pub fn returns(self, body: &R) -> Self {
        self.responds(200).body_json(body)
    }

    /// Then answers 200 with `body` as JSON.
    pub fn then_returns(self, body: &R) -> Self {
        self.then_responds(200).body_json(body)
    }
}
