//! The mock kit of a trait ([`MockKit`]), and the builder of one
//! endpoint's mock ([`MockBuilder`]): responses in sequence, expectations,
//! and the report of a request no mock matched.

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::matcher::{EndpointMatcher, path_matches};
use super::request::{MockRequest, PathPiece};

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
            matcher: EndpointMatcher::new(request),
            stages: vec![Stage {
                template: ResponseTemplate::new(200),
                times: None,
            }],
            expect: None,
            response: PhantomData,
        }
    }

    /// Mounts `mock`, whose requests `matcher` matches, and the report of
    /// unmatched requests.
    pub(super) async fn mount_mock(&self, matcher: EndpointMatcher, mock: Mock) {
        self.mounted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(matcher);
        self.report_unmatched().await;
        mock.mount(self.server).await;
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
        self.kit.mount_mock(self.matcher, mock).await;
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
