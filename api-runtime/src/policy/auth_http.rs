//! The HTTP an auth provider may use ([`AuthHttp`]): token requests on
//! the engine and time limits of the client that needs the token.

use std::fmt;

use bytes::Bytes;
use http::Method;
use http::header::{self, HeaderValue};
use tokio::time::Instant;
use url::Url;

use crate::engine::exchange::{Engine, Outcome, Received};
use crate::engine::limits::{AttemptLimits, Timeouts};
use crate::error::{Error, Result};
use crate::request::outgoing::{Outgoing, SendBody};
use crate::secret::Secret;

/// The most bytes of a token response (or of its error document) read: a
/// token is a few KiB at most, and a hostile endpoint must not fill memory.
pub const TOKEN_BODY_LIMIT: usize = 64 * 1024;

/// The HTTP an [`AuthProvider`](crate::auth::AuthProvider) may use to get its tokens: the requests go
/// out on the engine of the client that needs the token, with its proxy,
/// TLS roots, client certificate, connect and read timeouts, within the
/// deadline of the call that asked for the token, and bodies read up to
/// [`TOKEN_BODY_LIMIT`] bytes. Given to
/// [`AuthProvider::token_with`](crate::auth::AuthProvider::token_with).
#[derive(Clone)]
pub struct AuthHttp<'a> {
    engine: &'a Engine,
    timeouts: &'a Timeouts,
    deadline: Instant,
}

impl fmt::Debug for AuthHttp<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthHttp").finish_non_exhaustive()
    }
}

impl<'a> AuthHttp<'a> {
    pub(crate) fn new(engine: &'a Engine, timeouts: &'a Timeouts, deadline: Instant) -> Self {
        AuthHttp {
            engine,
            timeouts,
            deadline,
        }
    }

    /// Posts `form` (`application/x-www-form-urlencoded`) to `url`, with
    /// HTTP Basic credentials when `basic` is given (`Accept:
    /// application/json`), and returns the body of a 2xx response.
    ///
    /// # Errors
    /// An invalid URL (or one with credentials in it), any failure of the
    /// exchange, a non-2xx status ([`ErrorKind::Status`](crate::ErrorKind::Status), with the start of
    /// the error document), a body over [`TOKEN_BODY_LIMIT`].
    pub async fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
        basic: Option<(&str, &Secret)>,
    ) -> Result<Bytes> {
        let shown = crate::error::redact::mask_text_url(url);
        let parsed =
            Url::parse(url).map_err(|e| Error::builder(format!("invalid URL `{shown}`: {e}")))?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Error::builder(format!(
                "the URL `{shown}` holds credentials: pass them as `basic` instead"
            )));
        }
        let mut request = Outgoing::new(Method::POST, parsed.clone());
        let headers = request.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        if let Some((user, password)) = basic {
            let mut value = crate::secret::basic_value(user, password)?;
            value.set_sensitive(true);
            headers.insert(header::AUTHORIZATION, value);
        }
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        request.set_body(SendBody::Bytes(Bytes::from(body)));
        let now = Instant::now();
        let remaining = self.deadline.saturating_duration_since(now);
        let timeouts = self.timeouts;
        let limits = AttemptLimits {
            connect: timeouts.connect,
            read: timeouts.read,
            request: remaining,
            total: remaining,
            deadline: self.deadline,
            call_started: now,
            max_body: TOKEN_BODY_LIMIT,
        };
        let at = |e: Error| e.at(&Method::POST, &parsed);
        match self
            .engine
            .execute(&mut request, &limits, true, false)
            .await
        {
            Outcome::Success(Received::Buffered(response)) => Ok(response.body),
            Outcome::Success(Received::Streaming(_)) => Err(at(Error::invalid_request(
                "a token request is read whole, never streamed",
            ))),
            failed => Err(at(failed.into_error().unwrap_or_else(|| {
                Error::invalid_request("a success response ended the token request")
            }))),
        }
    }
}
