//! OAuth2 client credentials: a token provider whose token requests go out
//! through the client's own engine (`AuthHttp`).

use std::fmt;
use std::time::Duration;

use http::StatusCode;
use serde::Deserialize;

use crate::error::{Error, ErrorKind, Result};
use crate::policy::auth_http::AuthHttp;
use crate::policy::provider::{AuthProvider, Token, TokenFuture};
use crate::secret::Secret;

/// OAuth2 client credentials (RFC 6749 §4.4): a ready [`AuthProvider`] that
/// posts to the token endpoint with HTTP Basic client authentication,
/// through the engine of the client it authenticates (its proxy, roots and
/// time limits), reading at most [`TOKEN_BODY_LIMIT`](crate::auth::TOKEN_BODY_LIMIT) bytes.
///
/// ```
/// use api_client::{auth::ClientCredentials, Secret};
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
                &crate::error::redact::mask_text_url(&self.token_url),
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

    /// The provider's own secrets, scrubbed from its errors.
    fn scrubber(&self) -> std::sync::Arc<crate::error::scrub::Scrubber> {
        let mut scrubber = crate::error::scrub::Scrubber::default();
        for secret in self.secrets() {
            scrubber.add(secret.expose());
        }
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

    /// The client secret, and the `client_id:client_secret` pair whose
    /// base64 the token request sends as `Authorization: Basic`: a token
    /// endpoint that echoes the request must not print either.
    fn secrets(&self) -> Vec<Secret> {
        let pair = format!("{}:{}", self.client_id, self.client_secret.expose());
        vec![self.client_secret.clone(), Secret::new(pair)]
    }
}
