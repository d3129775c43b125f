//! The builder's credentials: how each is given (`AuthSpec`), read from
//! the environment at `build()`, and handed to the scrubber.

use std::sync::Arc;

use http::header::HeaderName;

use super::ClientBuilder;
use crate::client::FromCore;
use crate::error::scrub::Scrubber;
use crate::error::{Error, Result};
use crate::policy::auth::{Auth, Credentials};
use crate::policy::digest::DigestAuth;
use crate::policy::provider::{AuthProvider, TokenCache};
use crate::secret::Secret;

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

/// The credentials given to a builder, each with the setter that gave it
/// (for the messages of `build()`). A setter called again replaces its
/// earlier value; two setters that would write the same place (the
/// `Authorization` header, one header, the query key) are refused at
/// `build()`, so that none is dropped silently.
#[derive(Default)]
pub(super) struct AuthSpecs(Vec<(&'static str, AuthSpec)>);

/// Where a credential goes: what two credentials cannot share.
#[derive(PartialEq)]
enum Slot {
    Header(String),
    Query,
}

impl AuthSpec {
    fn slot(&self) -> Slot {
        match self {
            AuthSpec::Basic(..)
            | AuthSpec::Bearer(_)
            | AuthSpec::BearerEnv(_)
            | AuthSpec::Digest(..)
            | AuthSpec::Provider(_) => Slot::Header("authorization".to_owned()),
            AuthSpec::Header(name, _) | AuthSpec::HeaderEnv(name, _) => {
                Slot::Header(name.to_ascii_lowercase())
            }
            AuthSpec::Query(..) | AuthSpec::QueryEnv(..) => Slot::Query,
        }
    }
}

impl AuthSpecs {
    /// Sets the credential of `setter`, replacing what it set before.
    pub(super) fn set(&mut self, setter: &'static str, spec: AuthSpec) {
        self.0.retain(|(s, _)| *s != setter);
        self.0.push((setter, spec));
    }

    /// The name of the query parameter that carries an API key, if one
    /// does.
    pub(super) fn query_name(&self) -> Option<String> {
        self.0.iter().find_map(|(_, spec)| match spec {
            AuthSpec::Query(name, _) | AuthSpec::QueryEnv(name, _) => Some(name.clone()),
            _ => None,
        })
    }

    /// Every credential, each secret also handed to `scrubber`.
    ///
    /// # Errors
    /// Two credentials for one place; an unset environment variable; a
    /// value a header cannot carry.
    pub(super) fn resolve(self, scrubber: &mut Scrubber) -> Result<Option<Credentials>> {
        for (i, (first, spec)) in self.0.iter().enumerate() {
            let slot = spec.slot();
            if let Some((second, _)) = self.0[i + 1..].iter().find(|(_, s)| s.slot() == slot) {
                let place = match slot {
                    Slot::Header(name) => format!("the `{name}` header"),
                    Slot::Query => "the query's API key".to_owned(),
                };
                return Err(Error::builder(format!(
                    "{} and {} both set {place}: keep one",
                    setter_text(first),
                    setter_text(second)
                )));
            }
        }
        let list = self
            .0
            .into_iter()
            .map(|(_, spec)| spec.resolve(scrubber))
            .collect::<Result<Vec<Auth>>>()?;
        Ok(Credentials::new(list))
    }
}

/// How a setter is named in a message.
fn setter_text(setter: &str) -> String {
    match setter {
        BASE_URL_USERINFO => "the base URL's user info (`user:…@`)".to_owned(),
        setter => format!("`.{setter}(…)`"),
    }
}

/// The setter name of credentials found in the base URL.
pub(super) const BASE_URL_USERINFO: &str = "base_url";

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
    /// The credential, each secret also handed to `scrubber`.
    fn resolve(self, scrubber: &mut Scrubber) -> Result<Auth> {
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
        self.auth
            .set("basic_auth", AuthSpec::Basic(user.into(), password.into()));
        self
    }

    /// `Authorization: Bearer <token>` on every call.
    pub fn bearer_auth(mut self, token: impl Into<Secret>) -> Self {
        self.auth.set("bearer_auth", AuthSpec::Bearer(token.into()));
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
        self.auth
            .set("bearer_auth_env", AuthSpec::BearerEnv(var.into()));
        self
    }

    /// An API key in a header, e.g. `.api_key_header("X-API-Key", key)`.
    ///
    /// Credentials that go to different places are all sent: an API that
    /// wants a subscription key beside a token takes
    /// `.bearer_auth(token).api_key_header("Ocp-Apim-Subscription-Key", key)`.
    /// Two that would write the same place (`.bearer_auth(…)` and
    /// `.basic_auth(…)`, both `Authorization`) make
    /// [`build`](ClientBuilder::build) fail, naming both.
    pub fn api_key_header(mut self, name: impl Into<String>, key: impl Into<Secret>) -> Self {
        self.auth
            .set("api_key_header", AuthSpec::Header(name.into(), key.into()));
        self
    }

    /// An API key in a header, read from the environment variable `var`
    /// at `build()` (which fails, naming it, when it is unset).
    pub fn api_key_header_env(mut self, name: impl Into<String>, var: impl Into<String>) -> Self {
        self.auth.set(
            "api_key_header_env",
            AuthSpec::HeaderEnv(name.into(), var.into()),
        );
        self
    }

    /// An API key as a query parameter, e.g. `?api_key=…`. It is masked in
    /// errors, removed from [`Response::url`](crate::Response::url), and no
    /// `Referer` header is ever sent, so it cannot leak through a redirect.
    pub fn api_key_query(mut self, name: impl Into<String>, key: impl Into<Secret>) -> Self {
        self.auth
            .set("api_key_query", AuthSpec::Query(name.into(), key.into()));
        self
    }

    /// An API key as a query parameter, read from the environment variable
    /// `var` at `build()` (which fails, naming it, when it is unset).
    pub fn api_key_query_env(mut self, name: impl Into<String>, var: impl Into<String>) -> Self {
        self.auth.set(
            "api_key_query_env",
            AuthSpec::QueryEnv(name.into(), var.into()),
        );
        self
    }

    /// HTTP Digest authentication (RFC 7616: MD5, SHA-256, `qop=auth`). The
    /// first call's 401 challenge is answered and the call replayed; later
    /// calls reuse the nonce with an incremented count.
    pub fn digest_auth(mut self, user: impl Into<String>, password: impl Into<Secret>) -> Self {
        self.auth.set(
            "digest_auth",
            AuthSpec::Digest(user.into(), password.into()),
        );
        self
    }

    /// Bearer tokens from `provider`, fetched lazily, cached and shared by
    /// every clone (one fetch at a time), refreshed before they expire, and
    /// renewed once on a 401 (the call is then replayed once). See
    /// [`AuthProvider`] and the ready-made
    /// [`ClientCredentials`](crate::auth::ClientCredentials).
    pub fn auth_provider(mut self, provider: impl AuthProvider) -> Self {
        self.auth.set(
            "auth_provider",
            AuthSpec::Provider(Arc::new(TokenCache::new(provider))),
        );
        self
    }
}
