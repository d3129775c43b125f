//! Authentication: fixed credentials (basic, bearer, API keys), HTTP
//! Digest (RFC 7616), and pluggable token providers with a shared cache,
//! including OAuth2 client credentials. Secrets live in [`Secret`], which
//! never prints.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use http::HeaderMap;
use http::header::{self, HeaderName, HeaderValue};
use tokio::time::Instant;

use crate::policy::digest::DigestAuth;
use crate::policy::oauth::AuthHttp;
use crate::response::error::{Error, ErrorKind, Result};
use crate::response::scrub::{RecentSecrets, Scrubber};

/// A credential: a password, token or API key. Its `Debug` and `Display`
/// print `[redacted]`; [`expose`](Secret::expose) is the only way to read
/// it.
///
/// ```
/// use api_client::Secret;
/// let key = Secret::new("sk_live_123");
/// assert_eq!(format!("{key} {key:?}"), "[redacted] [redacted]");
/// assert_eq!(key.expose(), "sk_live_123");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Arc::from(value.into()))
    }

    /// The secret value itself: handle with care.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

/// A bearer token from an [`AuthProvider`], with its lifetime when known.
#[derive(Clone, Debug)]
pub struct Token {
    value: Secret,
    expires_in: Option<Duration>,
}

impl Token {
    /// A token that is valid until the server refuses it.
    pub fn new(value: impl Into<Secret>) -> Self {
        Token {
            value: value.into(),
            expires_in: None,
        }
    }

    /// The token is refreshed shortly before `lifetime` has passed.
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.expires_in = Some(lifetime);
        self
    }
}

/// The future an [`AuthProvider`] returns.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<Token>> + Send + 'a>>;

/// A source of bearer tokens that expire: OAuth2, a vault, a CLI login…
///
/// The client fetches a token lazily on the first call, caches it, shares it
/// between concurrent calls (one fetch at a time: no stampede), refreshes it
/// shortly before it expires, and on a `401 Unauthorized` fetches a new one
/// and replays the request once.
///
/// ```
/// use api_client::{AuthProvider, Token, TokenFuture};
/// use std::time::Duration;
///
/// struct FromVault;
///
/// impl AuthProvider for FromVault {
///     fn token(&self) -> TokenFuture<'_> {
///         Box::pin(async {
///             let value = String::from("t0k3n"); // ask the vault here
///             Ok(Token::new(value).expires_in(Duration::from_secs(3600)))
///         })
///     }
/// }
/// ```
pub trait AuthProvider: Send + Sync + 'static {
    /// Fetches a fresh token.
    fn token(&self) -> TokenFuture<'_>;

    /// Fetches a fresh token, with `http` to make the requests that takes
    /// on the engine of the client that needs it (its proxy, TLS roots,
    /// client certificate, time limits). The client calls this; the
    /// default calls [`token`](AuthProvider::token), for providers that
    /// need no HTTP or bring their own.
    fn token_with<'a>(&'a self, http: AuthHttp<'a>) -> TokenFuture<'a> {
        let _ = http;
        self.token()
    }

    /// The secrets the provider uses to get tokens (a client secret, a
    /// refresh token), so that the client scrubs them from every error
    /// and log it prints, should a server echo them. The tokens it
    /// returns are scrubbed without being listed here. Default: none.
    fn secrets(&self) -> Vec<Secret> {
        Vec::new()
    }
}

/// How a client authenticates each request.
#[derive(Clone)]
pub(crate) enum Auth {
    /// A fixed header (basic, bearer, API key); the value is sensitive.
    Header(HeaderName, HeaderValue),
    /// An API key in the query string.
    Query {
        name: String,
        value: Secret,
    },
    Digest(Arc<DigestAuth>),
    Provider(Arc<TokenCache>),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Header(name, _) => write!(f, "Header({name}: [redacted])"),
            Auth::Query { name, .. } => write!(f, "Query({name}=[redacted])"),
            Auth::Digest(_) => f.write_str("Digest"),
            Auth::Provider(_) => f.write_str("Provider"),
        }
    }
}

/// What was sent, so that a 401 can be answered.
pub(crate) enum Sent {
    Nothing,
    Token(HeaderValue),
    Digest,
}

impl Auth {
    pub(crate) fn basic(user: &str, password: &Secret) -> Result<Auth> {
        let mut value = basic_value(user, password)?;
        value.set_sensitive(true);
        Ok(Auth::Header(header::AUTHORIZATION, value))
    }

    pub(crate) fn bearer(token: &Secret) -> Result<Auth> {
        Auth::header(header::AUTHORIZATION, &format!("Bearer {}", token.expose()))
    }

    pub(crate) fn header(name: HeaderName, value: &str) -> Result<Auth> {
        let mut value = HeaderValue::from_str(value).map_err(|_| {
            Error::builder(format!(
                "the credential for `{name}` holds characters a header cannot carry"
            ))
        })?;
        value.set_sensitive(true);
        Ok(Auth::Header(name, value))
    }

    /// Whether applying the credentials changes the URL (a query
    /// parameter, added again by each attempt: each needs its own copy).
    pub(crate) fn changes_url(&self) -> bool {
        matches!(self, Auth::Query { .. })
    }

    /// Adds the credentials to one attempt. Credentials in a header
    /// replace those of a previous attempt.
    /// Adds the credentials to one attempt; a provider that must fetch a
    /// token does it through `http`.
    pub(crate) async fn apply(
        &self,
        request: &mut crate::engine::outgoing::Outgoing,
        http: AuthHttp<'_>,
    ) -> Result<Sent> {
        match self {
            Auth::Header(name, value) => {
                request.headers_mut().insert(name.clone(), value.clone());
                Ok(Sent::Nothing)
            }
            Auth::Query { name, value } => {
                request
                    .url_mut()
                    .query_pairs_mut()
                    .append_pair(name, value.expose());
                Ok(Sent::Nothing)
            }
            Auth::Digest(digest) => {
                let sent = digest.authorize(request);
                Ok(if sent { Sent::Digest } else { Sent::Nothing })
            }
            Auth::Provider(cache) => {
                let value = cache.header(http).await.map_err(|e| {
                    // The call's deadline, run out while getting a token, is
                    // the call's time-out, not a failure of the provider.
                    if e.timeout_phase() == Some(crate::TimeoutPhase::Deadline) {
                        e
                    } else {
                        Error::new(ErrorKind::Auth).with_source(e)
                    }
                })?;
                request
                    .headers_mut()
                    .insert(header::AUTHORIZATION, value.clone());
                Ok(Sent::Token(value))
            }
        }
    }

    /// After a 401: whether new credentials were obtained, so that the
    /// request is worth replaying once.
    pub(crate) async fn renew(&self, sent: &Sent, headers: &HeaderMap) -> bool {
        match (self, sent) {
            (Auth::Digest(digest), sent) => digest.challenge(headers, matches!(sent, Sent::Digest)),
            (Auth::Provider(cache), Sent::Token(used)) => {
                cache.invalidate(used).await;
                true
            }
            _ => false,
        }
    }
}

/// The `Authorization: Basic` value of `user` and `password`.
pub(crate) fn basic_value(user: &str, password: &Secret) -> Result<HeaderValue> {
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", password.expose()));
    HeaderValue::from_str(&format!("Basic {encoded}"))
        .map_err(|_| Error::builder("the basic credentials hold characters a header cannot carry"))
}

/// A token provider's cache, shared by the clones of a client.
pub(crate) struct TokenCache {
    provider: Box<dyn AuthProvider>,
    current: tokio::sync::Mutex<Option<(HeaderValue, Option<Instant>)>>,
    /// The last tokens fetched, scrubbed from what the client prints.
    recent: Arc<RecentSecrets>,
}

/// How long before its expiry a token is refreshed.
const REFRESH_MARGIN: Duration = Duration::from_secs(30);

impl TokenCache {
    pub(crate) fn new(provider: impl AuthProvider) -> Self {
        TokenCache {
            provider: Box::new(provider),
            current: tokio::sync::Mutex::new(None),
            recent: Arc::default(),
        }
    }

    /// Hands the provider's secrets, and the tokens it will fetch, to
    /// `scrubber`.
    pub(crate) fn add_secrets(&self, scrubber: &mut Scrubber) {
        for secret in self.provider.secrets() {
            scrubber.add(secret.expose());
        }
        scrubber.add_source(self.recent.clone());
    }

    /// The `Authorization` value, fetching a token when there is none or
    /// it is about to expire. The lock is held while fetching, so
    /// concurrent calls wait for one fetch instead of starting their own.
    async fn header(&self, http: AuthHttp<'_>) -> Result<HeaderValue> {
        let mut current = self.current.lock().await;
        if let Some((value, expires)) = current.as_ref() {
            if expires.is_none_or(|at| Instant::now() + REFRESH_MARGIN < at) {
                return Ok(value.clone());
            }
        }
        let token = self.provider.token_with(http).await?;
        self.recent.remember(token.value.expose());
        let mut value = HeaderValue::from_str(&format!("Bearer {}", token.value.expose()))
            .map_err(|_| {
                Error::with_message(
                    ErrorKind::InvalidRequest,
                    "the auth provider's token holds characters a header cannot carry",
                )
            })?;
        value.set_sensitive(true);
        let expires = token.expires_in.map(|lifetime| Instant::now() + lifetime);
        *current = Some((value.clone(), expires));
        Ok(value)
    }

    /// Forgets `used` after the server refused it (unless another call
    /// already replaced it).
    async fn invalidate(&self, used: &HeaderValue) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|(value, _)| value == used) {
            *current = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2");
        assert!(
            !format!(
                "{s} {s:?} {:?}",
                Auth::Query {
                    name: "k".into(),
                    value: s.clone()
                }
            )
            .contains("hunter2")
        );
    }
}
