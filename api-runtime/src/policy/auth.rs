//! How a client authenticates each request ([`Auth`]): fixed credentials
//! (basic, bearer, API keys), HTTP Digest (RFC 7616), or a token provider
//! (`provider.rs`, with OAuth2 client credentials in `oauth.rs`). Secrets
//! live in a `Secret` (`secret.rs`), which never prints.

use std::fmt;
use std::sync::Arc;

use http::HeaderMap;
use http::header::{self, HeaderName, HeaderValue};

use crate::error::{Error, ErrorKind, Result};
use crate::policy::auth_http::AuthHttp;
use crate::policy::digest::DigestAuth;
use crate::policy::provider::TokenCache;
use crate::secret::{Secret, basic_value};

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

/// Every credential of a client, each in its own place (the builder
/// refuses two for one place): all are added to each attempt. At most one
/// of them can be renewed after a 401 (a digest or a token provider, both
/// `Authorization`).
pub(crate) struct Credentials(Box<[Auth]>);

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            [one] => one.fmt(f),
            all => f.debug_list().entries(all).finish(),
        }
    }
}

impl Credentials {
    /// `None` when `list` is empty.
    pub(crate) fn new(list: Vec<Auth>) -> Option<Credentials> {
        (!list.is_empty()).then(|| Credentials(list.into_boxed_slice()))
    }

    /// Whether applying them changes the URL (a query key).
    pub(crate) fn changes_url(&self) -> bool {
        self.0.iter().any(Auth::changes_url)
    }

    /// Adds every credential to one attempt; what was sent of the one
    /// that can be renewed.
    pub(crate) async fn apply(
        &self,
        request: &mut crate::request::outgoing::Outgoing,
        http: AuthHttp<'_>,
    ) -> Result<Sent> {
        let mut sent = Sent::Nothing;
        for auth in &*self.0 {
            match auth.apply(request, http.clone()).await? {
                Sent::Nothing => {}
                renewable => sent = renewable,
            }
        }
        Ok(sent)
    }

    /// After a 401: whether new credentials were obtained.
    pub(crate) async fn renew(&self, sent: &Sent, headers: &HeaderMap) -> bool {
        for auth in &*self.0 {
            if matches!(auth, Auth::Digest(_) | Auth::Provider(_)) {
                return auth.renew(sent, headers).await;
            }
        }
        false
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

    /// Adds the credentials to one attempt (in a header, they replace
    /// those of a previous attempt); a provider that must fetch a token
    /// does it through `http`.
    pub(crate) async fn apply(
        &self,
        request: &mut crate::request::outgoing::Outgoing,
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
                    if e.timeout_phase() == Some(crate::error::TimeoutPhase::Deadline) {
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
