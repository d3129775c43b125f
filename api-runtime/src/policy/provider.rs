//! Token providers ([`AuthProvider`]): bearer tokens that expire, fetched
//! lazily, shared by concurrent calls and refreshed before they expire
//! (`TokenCache`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use http::header::HeaderValue;
use tokio::time::Instant;

use crate::error::scrub::{RecentSecrets, Scrubber};
use crate::error::{Error, ErrorKind, Result};
use crate::policy::auth_http::AuthHttp;
use crate::secret::Secret;

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
/// use api_client::{auth::AuthProvider, auth::Token, auth::TokenFuture};
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
    pub(crate) async fn header(&self, http: AuthHttp<'_>) -> Result<HeaderValue> {
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
    pub(crate) async fn invalidate(&self, used: &HeaderValue) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|(value, _)| value == used) {
            *current = None;
        }
    }
}
