//! What `-> Result<Response<T>>` returns ([`Response<T>`]): the head the
//! engine made, and the decoded body.

use std::time::Duration;

use http::{HeaderMap, StatusCode};
use url::Url;

use crate::engine::head::{Head, Redirect};

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
    pub(crate) head: Head,
    pub(crate) body: T,
}

impl<T> Response<T> {
    /// The redirects the call followed to get this response, in order
    /// (empty when it followed none). With a client given by
    /// `with_reqwest_client`, reqwest follows them and does not say.
    pub fn history(&self) -> &[Redirect] {
        &self.head.history
    }

    /// The response status.
    pub fn status(&self) -> StatusCode {
        self.head.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.head.headers
    }

    /// The URL of the response, after any redirects.
    pub fn url(&self) -> &Url {
        self.head.url()
    }

    /// How long the call took, from sending to the end of the body,
    /// retries included.
    pub fn elapsed(&self) -> Duration {
        self.head.elapsed
    }

    /// The server's request id (the `x-request-id` header by default; see
    /// [`ClientBuilder::request_id_header`](crate::ClientBuilder::request_id_header)).
    pub fn request_id(&self) -> Option<&str> {
        self.head.request_id.as_deref()
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
            head: self.head,
            body: f(self.body),
        }
    }
}
