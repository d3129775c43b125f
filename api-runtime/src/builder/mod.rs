//! The builder of generated clients: every setting, checked, then one
//! pooled session on the engine. Credentials are set in `auth.rs`, the
//! engine's settings in `engine.rs`, the base URL checked in
//! `base_url.rs`.

mod auth;
mod base_url;
mod engine;
mod features;
mod limits;

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use http::header::{self, HeaderMap, HeaderName, HeaderValue};

use crate::client::{DEFAULT_MAX_BODY_SIZE, DEFAULT_USER_AGENT, FromCore, Session, Shared};
use crate::engine::exchange::Engine;
use crate::engine::limits::Timeouts;
use crate::error::redact::Visible;
use crate::error::scrub::Scrubber;
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::policy::hooks::{AttemptInfo, FnHook, Hook, RequestContext};
use crate::policy::retry::{Bucket, RetryBudget, RetryPolicy};
use crate::policy::{Overrides, Policies};
use crate::request::base::CallBase;

use auth::{AuthSpec, AuthSpecs, BASE_URL_USERINFO};
use base_url::check_base_url;
use engine::{EngineSettings, PoolSettings};
pub use features::{CookiesFeature, RateLimitFeature};

/// How a given transport is made, from the headers marked safe to send to
/// another origin.
type GivenTransport =
    Box<dyn FnOnce(Vec<HeaderName>) -> Box<dyn crate::engine::transport::Given> + Send + Sync>;

/// Builds a generated client: `GitHubClient::builder()...build()?`.
///
/// Every setter takes and returns the builder by value; a setter whose input
/// is invalid records the error and [`build`](ClientBuilder::build) returns
/// it, so a chain never panics.
///
/// ```
/// # use api_client::{api, Result};
/// #[api(base = "https://api.example.com")]
/// pub trait Example {
///     #[get("/ping")]
///     async fn ping(&self) -> Result<()>;
/// }
///
/// # fn main() -> Result<()> {
/// let client = ExampleClient::builder()
///     .base_url("http://127.0.0.1:8080/v2")
///     .header("X-Team", "payments")
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
#[must_use = "a builder does nothing until `.build()` is called"]
pub struct ClientBuilder<C> {
    base: Option<String>,
    headers: HeaderMap,
    user_agent: HeaderValue,
    max_body_size: usize,
    timeouts: Timeouts,
    retry: RetryPolicy,
    budget: Option<RetryBudget>,
    pool: PoolSettings,
    /// A transport of its own (a client given with `with_reqwest_client`),
    /// made with the headers marked safe to send to another origin.
    given: Option<GivenTransport>,
    auth: AuthSpecs,
    /// Headers marked safe to send to another origin.
    cross_origin: Vec<HeaderName>,
    engine: EngineSettings,
    hooks: Vec<Arc<dyn Hook>>,
    signer: Option<Arc<dyn crate::policy::sign::Signer>>,
    record_metrics: bool,
    limits: limits::LimitSettings,
    request_id_header: Option<HeaderName>,
    /// Settings of the engine set explicitly: refused next to a given
    /// reqwest client, which would ignore them.
    transport_settings: Vec<&'static str>,
    error: Option<Error>,
    client: PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl<C: FromCore> ClientBuilder<C> {
    /// A builder with the base URL declared on the trait, if any.
    #[doc(hidden)]
    pub fn __new(declared_base: Option<&'static str>) -> Self {
        ClientBuilder {
            base: declared_base.map(str::to_owned),
            headers: HeaderMap::new(),
            user_agent: HeaderValue::from_static(DEFAULT_USER_AGENT),
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            budget: Some(RetryBudget::default()),
            pool: PoolSettings::default(),
            given: None,
            auth: AuthSpecs::default(),
            cross_origin: Vec::new(),
            engine: EngineSettings::default(),
            hooks: Vec::new(),
            signer: None,
            record_metrics: false,
            limits: limits::LimitSettings::default(),
            request_id_header: Some(HeaderName::from_static("x-request-id")),
            transport_settings: Vec::new(),
            error: None,
            client: PhantomData,
        }
    }

    fn fail(mut self, error: Error) -> Self {
        self.error.get_or_insert(error);
        self
    }

    /// Sends every call to `url` instead of the base declared on the trait:
    /// another environment, or a mock server in tests. A path in it is kept
    /// and routes are appended to it (`http://host/v2` + `/users` →
    /// `http://host/v2/users`).
    ///
    /// # Errors
    /// [`build`](ClientBuilder::build) fails unless `url` is an absolute
    /// `http` or `https` URL without a query or fragment.
    pub fn base_url(mut self, url: impl AsRef<str>) -> Self {
        self.base = Some(url.as_ref().to_owned());
        self
    }

    /// Sends this header with every call, unless an endpoint sets the same
    /// header itself. Unless it is one that may go to another origin
    /// (`Accept*`, `User-Agent`, …, see
    /// [`cross_origin_header`](Self::cross_origin_header)), its value is
    /// treated as a credential: never sent to another origin, marked
    /// sensitive, and scrubbed from what the client prints (from 8 bytes
    /// on).
    ///
    /// # Errors
    /// [`build`](ClientBuilder::build) fails if the name is not a valid
    /// header name or the value holds control characters (CR, LF, …).
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let name_str = name.as_ref();
        let Ok(name) = HeaderName::from_bytes(name_str.as_bytes()) else {
            return self.fail(Error::builder(format!("invalid header name `{name_str}`")));
        };
        let Ok(mut value) = HeaderValue::from_str(value.as_ref()) else {
            return self.fail(Error::builder(format!(
                "invalid value for header `{name}`: it must be visible ASCII, without CR or LF"
            )));
        };
        value.set_sensitive(!crate::request::origin::may_cross(&name, true));
        if name == header::USER_AGENT {
            self.user_agent = value;
        } else {
            self.headers.append(name, value);
        }
        self.transport_settings.push("header");
        self
    }

    /// Marks the header `name` safe to send to another origin. A request
    /// that leaves the client's origin (a redirect to another host, port
    /// or scheme, https to http included; a next-page link allowed with
    /// [`allow_other_origins`](crate::Pages::allow_other_origins)) carries
    /// only the headers of an allowlist (`Accept`, `Accept-Encoding`,
    /// `Accept-Language`, `User-Agent`, `Range`, and the `Content-*`
    /// headers of a body that is still sent) and the ones marked here:
    /// every other header is dropped, whatever set it (this builder, an
    /// argument, a hook, a signer, the credentials). Mark what identifies
    /// a trace, never what identifies the caller.
    ///
    /// ```
    /// # use api_client::{api, Result};
    /// # #[api(base = "https://api.example.com")]
    /// # pub trait Example { #[get("/ping")] async fn ping(&self) -> Result<()>; }
    /// # fn main() -> Result<()> {
    /// let client = ExampleClient::builder()
    ///     .cross_origin_header("traceparent")
    ///     .build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`build`](ClientBuilder::build) fails if `name` is not a valid
    /// header name.
    pub fn cross_origin_header(mut self, name: impl AsRef<str>) -> Self {
        match HeaderName::from_bytes(name.as_ref().as_bytes()) {
            Ok(name) => {
                self.cross_origin.push(name);
                self
            }
            Err(_) => {
                let message = format!("invalid header name `{}`", name.as_ref());
                self.fail(Error::builder(message))
            }
        }
    }

    /// Sets the `User-Agent` header (default: `api-client/<version>`).
    ///
    /// # Errors
    /// [`build`](ClientBuilder::build) fails if `value` holds control
    /// characters.
    pub fn user_agent(self, value: impl AsRef<str>) -> Self {
        self.header(header::USER_AGENT.as_str(), value)
    }

    /// The largest response body read into memory, in bytes (default
    /// 64 MiB). A larger body fails the call with
    /// [`ErrorKind::Body`](crate::ErrorKind::Body) instead of exhausting
    /// memory.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// The limit on connecting: DNS, TCP and TLS (default 10 s). Connect
    /// failures are retried for every method, since nothing was sent.
    pub fn connect_timeout(mut self, limit: Duration) -> Self {
        self.timeouts.connect = limit;
        self.transport_settings.push("connect_timeout");
        self
    }

    /// The limit on waiting for the next bytes of a response, the first
    /// ones included (default 30 s): the time-out that catches a stalled
    /// server, however long the body. It applies to a client given with
    /// `with_reqwest_client` (feature `reqwest`) too.
    pub fn read_timeout(mut self, limit: Duration) -> Self {
        self.timeouts.read = limit;
        self
    }

    /// A limit on each attempt, from sending to the end of the body
    /// (default: none; the deadline still applies).
    pub fn attempt_timeout(mut self, limit: Duration) -> Self {
        self.timeouts.attempt = Some(limit);
        self
    }

    /// The deadline of a whole call, every attempt and backoff sleep
    /// included (default 60 s). No call outlives it.
    pub fn timeout(mut self, total: Duration) -> Self {
        self.timeouts.total = total;
        self
    }

    /// A limit on reading a streamed body (`Result<ByteStream>`) from its
    /// first chunk to its last (default: none, so that a download of any
    /// size can finish; the read timeout still ends a stream that stalls).
    /// Set it to bound a server that drips bytes just fast enough to
    /// never trip the read timeout. When it runs out, the stream yields
    /// an [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) error in the
    /// body phase, and ends.
    pub fn stream_timeout(mut self, limit: Duration) -> Self {
        self.timeouts.stream = Some(limit);
        self
    }

    /// The retry policy of every endpoint that does not declare its own
    /// (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Never retries: every call makes one attempt.
    pub fn no_retry(self) -> Self {
        self.retry(RetryPolicy::none())
    }

    /// The client-wide retry budget shared by every clone (default:
    /// [`RetryBudget::default`]); `None` removes the limit.
    pub fn retry_budget(mut self, budget: Option<RetryBudget>) -> Self {
        self.budget = budget;
        self
    }

    /// The response header that carries the server's request id (default
    /// `x-request-id`): it is kept on [`Response`](crate::Response) and on
    /// errors, and printed in an error's `Display`, so a failed call can be
    /// quoted in a support ticket.
    pub fn request_id_header(mut self, name: impl AsRef<str>) -> Self {
        match HeaderName::from_bytes(name.as_ref().as_bytes()) {
            Ok(name) => {
                self.request_id_header = Some(name);
                self
            }
            Err(_) => {
                let message = format!("invalid request id header name `{}`", name.as_ref());
                self.fail(Error::builder(message))
            }
        }
    }

    /// Adds a [`Hook`] that runs around every attempt of every call.
    pub fn hook(mut self, hook: impl Hook) -> Self {
        self.hooks.push(Arc::new(hook));
        self
    }

    /// Signs every attempt, after the hooks and the credentials, with what
    /// is sent: method, URL with its query, headers and body bytes (see
    /// [`Signer`](crate::auth::Signer)). A retried attempt is signed afresh. One
    /// signer per client; a second replaces the first.
    pub fn signer(mut self, signer: impl crate::policy::sign::Signer) -> Self {
        self.signer = Some(Arc::new(signer));
        self
    }

    /// Runs `f` before every attempt; it may add headers.
    ///
    /// ```
    /// # use api_client::{api, Result};
    /// # #[api(base = "https://api.example.com")]
    /// # pub trait Example { #[get("/ping")] async fn ping(&self) -> Result<()>; }
    /// # fn main() -> Result<()> {
    /// let client = ExampleClient::builder()
    ///     .on_request(|request| request.set_header("x-correlation-id", "abc"))
    ///     .on_response(|attempt| eprintln!("{} took {:?}", attempt.route(), attempt.elapsed()))
    ///     .build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn on_request(self, f: impl Fn(&mut RequestContext<'_>) + Send + Sync + 'static) -> Self {
        self.hook(FnHook {
            request: f,
            response: |_: &AttemptInfo<'_>| {},
        })
    }

    /// Runs `f` after every attempt, with its status and latency.
    pub fn on_response(self, f: impl Fn(&AttemptInfo<'_>) + Send + Sync + 'static) -> Self {
        self.hook(FnHook {
            request: |_: &mut RequestContext<'_>| {},
            response: f,
        })
    }

    /// Records per-endpoint call counts, status classes and latency
    /// percentiles, read with [`Session::metrics`](crate::Session::metrics).
    pub fn record_metrics(mut self, enabled: bool) -> Self {
        self.record_metrics = enabled;
        self
    }

    /// Builds the client: one connection pool, shared by every clone.
    ///
    /// # Errors
    /// [`ErrorKind::Builder`](crate::ErrorKind::Builder) if a setter got an
    /// invalid value, no base URL was declared or set, or the TLS backend
    /// could not be initialised.
    pub fn build(mut self) -> Result<C> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        let Some(base) = self.base.take() else {
            return Err(Error::builder(
                "no base URL: declare `#[api(base = \"https://…\")]` or call `.base_url(…)`",
            ));
        };
        let (base, userinfo) = check_base_url(&base)?;
        let call = CallBase::new(base.clone())
            .map_err(|e| Error::builder(format!("invalid base URL `{base}`: {e}")))?;
        let mut headers = std::mem::take(&mut self.headers);
        headers.insert(header::USER_AGENT, self.user_agent.clone());
        let header_names = headers.keys().cloned().collect();
        let mut scrubber = secret_headers(&headers);
        let cookies = match self.engine.cookies {
            true => Some(Arc::new(crate::engine::cookies::CookieJar::new()?)),
            false => None,
        };
        let query_credential = self.base_url_credentials(userinfo);
        let visible = Visible {
            query_key: query_credential.clone(),
        };
        let transport =
            self.transport(headers, cookies.clone(), query_credential, &mut scrubber)?;
        let policies = self.policies(Engine { transport, visible }, scrubber)?;
        Ok(C::from_core(Session {
            shared: Arc::new(Shared {
                call,
                policies: Arc::new(policies),
                cookies,
                header_names,
            }),
            overrides: Overrides::default(),
        }))
    }
}

impl<C: FromCore> ClientBuilder<C> {
    /// The policy floor's part of the client, driving `engine`; every
    /// credential also handed to `scrubber`.
    fn policies(&mut self, engine: Engine, mut scrubber: Scrubber) -> Result<Policies> {
        let limits = self.limits.build()?;
        let auth = std::mem::take(&mut self.auth).resolve(&mut scrubber)?;
        Ok(Policies {
            engine,
            timeouts: self.timeouts,
            max_body_size: self.max_body_size,
            retry: Arc::new(std::mem::take(&mut self.retry)),
            bucket: self.budget.take().map(Bucket::new),
            auth,
            hooks: std::mem::take(&mut self.hooks),
            signer: self.signer.take(),
            limits,
            request_id_header: self.request_id_header.take(),
            scrubber: Arc::new(scrubber),
            metrics: self.record_metrics.then(Metrics::new),
        })
    }
}

impl<C: FromCore> ClientBuilder<C> {
    /// Credentials in the base URL, used as basic auth (never shown; with
    /// another credential for `Authorization`, `build()` fails); returns
    /// the name of the query parameter that carries the API key, if that
    /// is how the client authenticates.
    fn base_url_credentials(&mut self, userinfo: base_url::UserInfo) -> Option<String> {
        if let Some((user, password)) = userinfo {
            self.auth
                .set(BASE_URL_USERINFO, AuthSpec::Basic(user, password));
        }
        self.auth.query_name()
    }
}

/// A scrubber of the default headers that may not cross origins: whatever
/// their names, they are credentials too.
fn secret_headers(headers: &HeaderMap) -> Scrubber {
    let mut scrubber = Scrubber::default();
    for (name, value) in headers {
        if let (false, Ok(text)) = (
            crate::request::origin::may_cross(name, true),
            value.to_str(),
        ) {
            scrubber.add_header_value(text);
        }
    }
    scrubber
}
