//! A response with its head: the raw response of one attempt
//! ([`RawResponse`]) and what `-> Result<Response<T>>` returns
//! ([`Response<T>`]).

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use url::Url;

/// A response as it came off the wire, body read to its end.
#[doc(hidden)]
#[derive(Debug)]
pub struct RawResponse {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    /// The final URL, kept only for `Response<T>` (see `Decode::META`).
    pub(crate) url: Option<Url>,
    pub(crate) body: Bytes,
    pub(crate) elapsed: Duration,
    /// The redirects followed, kept only for `Response<T>`.
    pub(crate) history: Vec<Redirect>,
}

/// One redirect a call followed: the status that redirected, and the URL
/// that answered with it (query values of the client's API key removed,
/// as in [`Response::url`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    pub(crate) status: StatusCode,
    pub(crate) url: Url,
}

impl Redirect {
    /// The redirecting status (301, 302, 303, 307 or 308).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The URL that answered with the redirect.
    pub fn url(&self) -> &Url {
        &self.url
    }
}

impl RawResponse {
    pub(crate) fn new(
        status: StatusCode,
        headers: HeaderMap,
        url: Option<Url>,
        body: Bytes,
        elapsed: Duration,
    ) -> Self {
        RawResponse {
            status,
            headers,
            url,
            body,
            elapsed,
            history: Vec::new(),
        }
    }

    /// With the redirects that led to it.
    pub(crate) fn with_history(mut self, history: Vec<Redirect>) -> Self {
        self.history = history;
        self
    }
}

/// A decoded response with its status, headers, final URL and the time the
/// call took: declare `-> Result<Response<T>>` to get it.
///
/// ```
/// # use api_client::{api, Response, Result};
/// # #[derive(serde::Deserialize)] struct User { login: String }
/// #[api(base = "https://api.example.com")]
/// pub trait Users {
///     #[get("/users/<login>")]
///     async fn user(&self, login: &str) -> Result<Response<User>>;
/// }
///
/// # async fn demo(client: UsersClient) -> Result<()> {
/// let response = client.user("octocat").await?;
/// println!("{} in {:?}", response.status(), response.elapsed());
/// let user: User = response.into_body();
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Response<T> {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) url: Url,
    pub(crate) elapsed: Duration,
    pub(crate) request_id: Option<String>,
    pub(crate) history: Vec<Redirect>,
    pub(crate) body: T,
}

impl<T> Response<T> {
    /// The redirects the call followed to get this response, in order
    /// (empty when it followed none). With a client given by
    /// `with_reqwest_client`, reqwest follows them and does not say.
    pub fn history(&self) -> &[Redirect] {
        &self.history
    }

    /// The response status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The URL of the response, after any redirects.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// How long the call took, from sending to the end of the body,
    /// retries included.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The server's request id (the `x-request-id` header by default; see
    /// [`ClientBuilder::request_id_header`](crate::ClientBuilder::request_id_header)).
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The decoded body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// The decoded body, consuming the response.
    pub fn into_body(self) -> T {
        self.body
    }

    /// The response with its body transformed by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            status: self.status,
            headers: self.headers,
            url: self.url,
            elapsed: self.elapsed,
            request_id: self.request_id,
            history: self.history,
            body: f(self.body),
        }
    }
}
