//! Requests an auth provider makes (a token request) through the client's
//! own engine, and OAuth2 client credentials on top of it.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, StatusCode};
use serde::Deserialize;
use tokio::time::Instant;
use url::Url;

use crate::client::Session;
use crate::engine::exchange::{AttemptLimits, Outcome, Received};
use crate::engine::outgoing::{Outgoing, SendBody};
use crate::policy::auth::{AuthProvider, Secret, Token, TokenFuture};
use crate::response::error::{Error, ErrorKind, Result};

/// The most bytes of a token response (or of its error document) read: a
/// token is a few KiB at most, and a hostile endpoint must not fill memory.
pub const TOKEN_BODY_LIMIT: usize = 64 * 1024;

/// The HTTP an [`AuthProvider`] may use to get its tokens: the requests go
/// out on the engine of the client that needs the token, with its proxy,
/// TLS roots, client certificate, connect and read timeouts, within the
/// deadline of the call that asked for the token, and bodies read up to
/// [`TOKEN_BODY_LIMIT`] bytes. Given to
/// [`AuthProvider::token_with`].
pub struct AuthHttp<'a> {
    session: &'a Session,
    deadline: Instant,
}

impl fmt::Debug for AuthHttp<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthHttp").finish_non_exhaustive()
    }
}

impl<'a> AuthHttp<'a> {
    pub(crate) fn new(session: &'a Session, deadline: Instant) -> Self {
        AuthHttp { session, deadline }
    }

    /// Posts `form` (`application/x-www-form-urlencoded`) to `url`, with
    /// HTTP Basic credentials when `basic` is given (`Accept:
    /// application/json`), and returns the body of a 2xx response.
    ///
    /// # Errors
    /// An invalid URL (or one with credentials in it), any failure of the
    /// exchange, a non-2xx status ([`ErrorKind::Status`], with the start of
    /// the error document), a body over [`TOKEN_BODY_LIMIT`].
    pub async fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
        basic: Option<(&str, &Secret)>,
    ) -> Result<Bytes> {
        let shown = crate::response::redact::mask_text_url(url);
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
            let mut value = crate::policy::auth::basic_value(user, password)?;
            value.set_sensitive(true);
            headers.insert(header::AUTHORIZATION, value);
        }
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        request.set_body(SendBody::Bytes(Bytes::from(body)));
        let now = Instant::now();
        let remaining = self.deadline.saturating_duration_since(now);
        let timeouts = &self.session.shared.timeouts;
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
            .session
            .execute(&mut request, &limits, true, false)
            .await
        {
            Outcome::Success(Received::Buffered(raw)) => Ok(raw.body),
            Outcome::Success(Received::Streaming(_)) => Err(at(Error::invalid_request(
                "a token request is read whole, never streamed",
            ))),
            failed => Err(at(failed.into_error().unwrap_or_else(|| {
                Error::invalid_request("a success response ended the token request")
            }))),
        }
    }
}

/// OAuth2 client credentials (RFC 6749 §4.4): a ready [`AuthProvider`] that
/// posts to the token endpoint with HTTP Basic client authentication,
/// through the engine of the client it authenticates (its proxy, roots and
/// time limits), reading at most [`TOKEN_BODY_LIMIT`] bytes.
///
/// ```
/// use api_client::{ClientCredentials, Secret};
/// let provider = ClientCredentials::new(
///     "https://auth.example.com/oauth/token",
///     "my-client-id",
///     Secret::new(std::env::var("CLIENT_SECRET").unwrap_or_default()),
/// )
/// .scope("read:users");
/// ```
pub struct ClientCredentials {
    token_url: String,
    client_id: String,
    client_secret: Secret,
    scopes: Vec<String>,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field(
                "token_url",
                &crate::response::redact::mask_text_url(&self.token_url),
            )
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl ClientCredentials {
    /// A provider for `client_id` at `token_url`.
    pub fn new(
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        ClientCredentials {
            token_url: token_url.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scopes: Vec::new(),
        }
    }

    /// Asks for `scope` too.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    async fn fetch(&self, http: AuthHttp<'_>) -> Result<Token> {
        #[derive(Deserialize)]
        struct TokenResponse {
            access_token: String,
            expires_in: Option<u64>,
        }
        let scope = self.scopes.join(" ");
        let mut form = vec![("grant_type", "client_credentials")];
        if !scope.is_empty() {
            form.push(("scope", &scope));
        }
        let body = http
            .post_form(
                &self.token_url,
                &form,
                Some((&self.client_id, &self.client_secret)),
            )
            .await
            .map_err(|e| e.scrubbed_by(Some(&self.scrubber())))?;
        let parsed: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
            Error::with_message(
                ErrorKind::Decode,
                format!("the token response is not an OAuth2 token: {e}"),
            )
            .with_status(StatusCode::OK)
            .scrubbed_by(Some(&self.scrubber()))
        })?;
        let token = Token::new(parsed.access_token);
        Ok(match parsed.expires_in {
            Some(seconds) => token.expires_in(Duration::from_secs(seconds)),
            None => token,
        })
    }

    /// The provider's own secret, scrubbed from its errors.
    fn scrubber(&self) -> std::sync::Arc<crate::response::scrub::Scrubber> {
        let mut scrubber = crate::response::scrub::Scrubber::default();
        scrubber.add(self.client_secret.expose());
        std::sync::Arc::new(scrubber)
    }
}

impl AuthProvider for ClientCredentials {
    /// Without a client there is no engine to send the token request on:
    /// an error. The client calls [`token_with`](AuthProvider::token_with).
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async {
            Err(Error::builder(
                "ClientCredentials fetches its tokens through a client: give it to `.auth_provider(…)`",
            ))
        })
    }

    fn token_with<'a>(&'a self, http: AuthHttp<'a>) -> TokenFuture<'a> {
        Box::pin(self.fetch(http))
    }

    fn secrets(&self) -> Vec<Secret> {
        vec![self.client_secret.clone()]
    }
}
