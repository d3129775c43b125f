//! The builder's credentials: how each is given (`AuthSpec`), read from
//! the environment at `build()`, and handed to the scrubber.

use std::sync::Arc;

use http::header::HeaderName;

use super::ClientBuilder;
use crate::client::FromCore;
use crate::policy::auth::Auth;
use crate::policy::digest::DigestAuth;
use crate::policy::provider::{AuthProvider, TokenCache};
use crate::policy::secret::Secret;
use crate::response::error::{Error, Result};
use crate::response::scrub::Scrubber;

/// Credentials as given to the builder; `_env` variants are read at
/// `build()`.
pub(super) enum AuthSpec {
    Basic(String, Secret),
    Bearer(Secret),
    BearerEnv(String),
    Header(String, Secret),
    HeaderEnv(String, String),
    Query(String, Secret),
    QueryEnv(String, String),
    Digest(String, Secret),
    Provider(Arc<TokenCache>),
}

fn from_env(var: &str) -> Result<Secret> {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => Ok(Secret::new(value)),
        Ok(_) => Err(Error::builder(format!(
            "the environment variable `{var}` is empty"
        ))),
        Err(std::env::VarError::NotPresent) => Err(Error::builder(format!(
            "the environment variable `{var}` is not set: it should hold the API credential"
        ))),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::builder(format!(
            "the environment variable `{var}` is not valid UTF-8"
        ))),
    }
}

impl AuthSpec {
    /// The credentials, each secret also handed to `scrubber`.
    pub(super) fn resolve(self, scrubber: &mut Scrubber) -> Result<Auth> {
        let mut secret = |s: Secret| {
            scrubber.add(s.expose());
            s
        };
        let auth = match self {
            AuthSpec::Basic(user, password) => {
                let password = secret(password);
                secret(Secret::new(format!("{user}:{}", password.expose())));
                Auth::basic(&user, &password)?
            }
            AuthSpec::Bearer(token) => Auth::bearer(&secret(token))?,
            AuthSpec::BearerEnv(var) => Auth::bearer(&secret(from_env(&var)?))?,
            AuthSpec::Header(name, key) => header_auth(&name, &secret(key))?,
            AuthSpec::HeaderEnv(name, var) => header_auth(&name, &secret(from_env(&var)?))?,
            AuthSpec::Query(name, value) => Auth::Query {
                name,
                value: secret(value),
            },
            AuthSpec::QueryEnv(name, var) => Auth::Query {
                value: secret(from_env(&var)?),
                name,
            },
            AuthSpec::Digest(user, password) => {
                Auth::Digest(Arc::new(DigestAuth::new(user, secret(password))))
            }
            AuthSpec::Provider(cache) => {
                cache.add_secrets(scrubber);
                Auth::Provider(cache)
            }
        };
        if let Auth::Header(_, value) = &auth {
            if let Ok(text) = value.to_str() {
                scrubber.add(text);
            }
        }
        Ok(auth)
    }
}

fn header_auth(name: &str, key: &Secret) -> Result<Auth> {
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| Error::builder(format!("invalid header name `{name}` for the API key")))?;
    Auth::header(name, key.expose())
}

impl<C: FromCore> ClientBuilder<C> {
    /// HTTP Basic authentication on every call.
    pub fn basic_auth(mut self, user: impl Into<String>, password: impl Into<Secret>) -> Self {
        self.auth = Some(AuthSpec::Basic(user.into(), password.into()));
        self
    }

    /// `Authorization: Bearer <token>` on every call.
    pub fn bearer_auth(mut self, token: impl Into<Secret>) -> Self {
        self.auth = Some(AuthSpec::Bearer(token.into()));
        self
    }

    /// `Authorization: Bearer` with the token read from the environment
    /// variable `var` when the client is built, so the key stays out of the
    /// source.
    ///
    /// # Errors
    /// [`build`](ClientBuilder::build) fails, naming the variable, when it
    /// is unset or empty.
    pub fn bearer_auth_env(mut self, var: impl Into<String>) -> Self {
        self.auth = Some(AuthSpec::BearerEnv(var.into()));
        self
    }

    /// An API key in a header, e.g. `.api_key_header("X-API-Key", key)`.
    pub fn api_key_header(mut self, name: impl Into<String>, key: impl Into<Secret>) -> Self {
        self.auth = Some(AuthSpec::Header(name.into(), key.into()));
        self
    }

    /// An API key in a header, read from the environment variable `var`
    /// at `build()` (which fails, naming it, when it is unset).
    pub fn api_key_header_env(mut self, name: impl Into<String>, var: impl Into<String>) -> Self {
        self.auth = Some(AuthSpec::HeaderEnv(name.into(), var.into()));
        self
    }

    /// An API key as a query parameter, e.g. `?api_key=…`. It is masked in
    /// errors, removed from [`Response::url`](crate::Response::url), and no
    /// `Referer` header is ever sent, so it cannot leak through a redirect.
    pub fn api_key_query(mut self, name: impl Into<String>, key: impl Into<Secret>) -> Self {
        self.auth = Some(AuthSpec::Query(name.into(), key.into()));
        self
    }

    /// An API key as a query parameter, read from the environment variable
    /// `var` at `build()` (which fails, naming it, when it is unset).
    pub fn api_key_query_env(mut self, name: impl Into<String>, var: impl Into<String>) -> Self {
        self.auth = Some(AuthSpec::QueryEnv(name.into(), var.into()));
        self
    }

    /// HTTP Digest authentication (RFC 7616: MD5, SHA-256, `qop=auth`). The
    /// first call's 401 challenge is answered and the call replayed; later
    /// calls reuse the nonce with an incremented count.
    pub fn digest_auth(mut self, user: impl Into<String>, password: impl Into<Secret>) -> Self {
        self.auth = Some(AuthSpec::Digest(user.into(), password.into()));
        self
    }

    /// Bearer tokens from `provider`, fetched lazily, cached and shared by
    /// every clone (one fetch at a time), refreshed before they expire, and
    /// renewed once on a 401 (the call is then replayed once). See
    /// [`AuthProvider`] and the ready-made
    /// [`ClientCredentials`](crate::ClientCredentials).
    pub fn auth_provider(mut self, provider: impl AuthProvider) -> Self {
        self.auth = Some(AuthSpec::Provider(Arc::new(TokenCache::new(provider))));
        self
    }
}
