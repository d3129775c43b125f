//! Authentication: fixed credentials (basic, bearer, API keys), HTTP
//! Digest (RFC 7616), and pluggable token providers with a shared cache,
//! including OAuth2 client credentials. Secrets live in [`Secret`], which
//! never prints.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use http::header::{self, HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use serde::Deserialize;
use tokio::time::Instant;

use crate::error::{Error, ErrorKind, Result};
use crate::scrub::{RecentSecrets, Scrubber};

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
        let encoded = base64::engine::general_purpose::STANDARD
            .encode(format!("{user}:{}", password.expose()));
        Auth::header(header::AUTHORIZATION, &format!("Basic {encoded}"))
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
    pub(crate) async fn apply(&self, request: &mut crate::transport::Outgoing) -> Result<Sent> {
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
                let value = cache
                    .header()
                    .await
                    .map_err(|e| Error::new(ErrorKind::Auth).with_source(e))?;
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
    async fn header(&self) -> Result<HeaderValue> {
        let mut current = self.current.lock().await;
        if let Some((value, expires)) = current.as_ref() {
            if expires.is_none_or(|at| Instant::now() + REFRESH_MARGIN < at) {
                return Ok(value.clone());
            }
        }
        let token = self.provider.token().await?;
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

/// OAuth2 client credentials (RFC 6749 §4.4): a ready [`AuthProvider`] that
/// posts to the token endpoint with HTTP Basic client authentication.
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
    /// `None` when no TLS provider could be had: fetching says so.
    http: Option<reqwest::Client>,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_url", &crate::redact::mask_text_url(&self.token_url))
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
            http: crate::ensure_tls_provider().ok().and_then(|()| {
                reqwest::Client::builder()
                    .referer(false)
                    .connect_timeout(crate::DEFAULT_CONNECT_TIMEOUT)
                    .read_timeout(crate::DEFAULT_READ_TIMEOUT)
                    .build()
                    .ok()
            }),
        }
    }

    /// Asks for `scope` too.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    async fn fetch(&self) -> Result<Token> {
        #[derive(Deserialize)]
        struct TokenResponse {
            access_token: String,
            expires_in: Option<u64>,
        }
        let form = {
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.append_pair("grant_type", "client_credentials");
            if !self.scopes.is_empty() {
                form.append_pair("scope", &self.scopes.join(" "));
            }
            form.finish()
        };
        let shown = crate::redact::mask_text_url(&self.token_url);
        let url = url::Url::parse(&self.token_url)
            .map_err(|e| Error::builder(format!("invalid token URL `{shown}`: {e}")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::builder(format!(
                "the token URL `{shown}` holds credentials: pass the client id and secret to `ClientCredentials::new` instead"
            )));
        }
        let http = self.http.as_ref().ok_or_else(|| {
            Error::builder("the OAuth2 token client could not be built: no TLS crypto provider")
        })?;
        let response = http
            .post(url.clone())
            .basic_auth(&self.client_id, Some(self.client_secret.expose()))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(form)
            .send()
            .await
            .map_err(|e| {
                let kind = if e.is_connect() {
                    ErrorKind::Connect
                } else {
                    ErrorKind::Transport
                };
                Error::with_message(kind, "the token request failed")
                    .with_source(e.without_url())
                    .at(&Method::POST, &url)
            })?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_capped(response, status.is_success())
            .await
            .map_err(|e| e.at(&Method::POST, &url))?;
        if !status.is_success() {
            let scrubber = self.scrubber();
            return Err(Error::status_error(status, headers, body)
                .at(&Method::POST, &url)
                .scrubbed_by(Some(&scrubber)));
        }
        let parsed: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
            Error::with_message(
                ErrorKind::Decode,
                format!("the token response is not an OAuth2 token: {e}"),
            )
            .with_status(StatusCode::OK)
            .at(&Method::POST, &url)
        })?;
        let token = Token::new(parsed.access_token);
        Ok(match parsed.expires_in {
            Some(seconds) => token.expires_in(Duration::from_secs(seconds)),
            None => token,
        })
    }
}

impl ClientCredentials {
    /// The provider's own secret, scrubbed from its errors.
    fn scrubber(&self) -> Arc<Scrubber> {
        let mut scrubber = Scrubber::default();
        scrubber.add(self.client_secret.expose());
        Arc::new(scrubber)
    }
}

/// The most bytes of a token response (or of its error document) read: a
/// token is a few KiB at most, and a hostile endpoint must not fill memory.
pub(crate) const TOKEN_BODY_LIMIT: usize = 64 * 1024;

/// Reads a token endpoint's (decompressed) body, at most
/// [`TOKEN_BODY_LIMIT`] bytes: a larger success body is an error, a larger
/// error body is cut. The call's deadline and the provider's read timeout
/// bound the time.
async fn read_capped(mut response: reqwest::Response, success: bool) -> Result<bytes::Bytes> {
    let mut body = bytes::BytesMut::new();
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            // An error document keeps what arrived.
            Err(_) if !success => break,
            Err(e) => return Err(Error::new(ErrorKind::Body).with_source(e.without_url())),
        };
        if body.len() + chunk.len() > TOKEN_BODY_LIMIT {
            if !success {
                body.extend_from_slice(&chunk[..TOKEN_BODY_LIMIT - body.len()]);
                break;
            }
            return Err(Error::with_message(
                ErrorKind::Body,
                format!("the token response exceeds {TOKEN_BODY_LIMIT} bytes"),
            )
            .permanent());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

impl AuthProvider for ClientCredentials {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(self.fetch())
    }

    fn secrets(&self) -> Vec<Secret> {
        vec![self.client_secret.clone()]
    }
}

/// HTTP Digest authentication (RFC 7616): MD5 and SHA-256 (and their
/// `-sess` forms), `qop=auth`. The first 401 challenge is answered; later
/// requests reuse the nonce with an incremented `nc` until the server
/// declares it stale.
pub(crate) struct DigestAuth {
    user: String,
    password: Secret,
    challenge: Mutex<Option<Challenge>>,
}

#[derive(Clone, Debug)]
struct Challenge {
    realm: String,
    nonce: String,
    opaque: Option<String>,
    algorithm: Algorithm,
    qop_auth: bool,
    nc: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Algorithm {
    Md5,
    Md5Sess,
    Sha256,
    Sha256Sess,
}

impl Algorithm {
    fn parse(name: &str) -> Option<Algorithm> {
        match name.to_ascii_uppercase().as_str() {
            "MD5" => Some(Algorithm::Md5),
            "MD5-SESS" => Some(Algorithm::Md5Sess),
            "SHA-256" => Some(Algorithm::Sha256),
            "SHA-256-SESS" => Some(Algorithm::Sha256Sess),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
        }
    }

    fn hash(self, data: &str) -> String {
        use sha2::Digest as _;
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => hex(&md5::Md5::digest(data.as_bytes())),
            Algorithm::Sha256 | Algorithm::Sha256Sess => {
                hex(&sha2::Sha256::digest(data.as_bytes()))
            }
        }
    }

    fn is_session(self) -> bool {
        matches!(self, Algorithm::Md5Sess | Algorithm::Sha256Sess)
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xF)]));
    }
    out
}

/// The `key=value` pairs of a `Digest` challenge (values quoted or not).
fn parse_params(text: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let after = after.trim_start();
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            value.push(escaped);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => value.push(c),
                }
            }
            (value, &quoted[end.min(quoted.len())..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_owned(), &after[end..])
        };
        params.push((key, value));
        rest = remaining.trim_start().trim_start_matches(',').trim_start();
    }
    params
}

fn parse_challenge(headers: &HeaderMap) -> Option<(Challenge, bool)> {
    for value in headers.get_all(header::WWW_AUTHENTICATE) {
        let Ok(text) = value.to_str() else { continue };
        let Some(rest) = text
            .trim()
            .strip_prefix("Digest ")
            .or_else(|| text.trim().strip_prefix("digest "))
        else {
            continue;
        };
        let params = parse_params(rest);
        let get = |k: &str| {
            params
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        let algorithm = match get("algorithm") {
            Some(name) => match Algorithm::parse(&name) {
                Some(a) => a,
                None => continue,
            },
            None => Algorithm::Md5,
        };
        let qop = get("qop");
        if qop
            .as_deref()
            .is_some_and(|q| !q.split(',').any(|o| o.trim().eq_ignore_ascii_case("auth")))
        {
            continue;
        }
        let challenge = Challenge {
            realm: get("realm").unwrap_or_default(),
            nonce: get("nonce")?,
            opaque: get("opaque"),
            algorithm,
            qop_auth: qop.is_some(),
            nc: 0,
        };
        let stale = get("stale").is_some_and(|s| s.eq_ignore_ascii_case("true"));
        return Some((challenge, stale));
    }
    None
}

fn cnonce() -> String {
    use std::hash::{BuildHasher, Hasher};
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    format!("{bits:016x}")
}

impl DigestAuth {
    pub(crate) fn new(user: String, password: Secret) -> Self {
        DigestAuth {
            user,
            password,
            challenge: Mutex::new(None),
        }
    }

    /// Adds an `Authorization` header when a challenge is known; false
    /// when none is (the first request goes out without, to get one).
    fn authorize(&self, request: &mut crate::transport::Outgoing) -> bool {
        let mut guard = self
            .challenge
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(challenge) = guard.as_mut() else {
            return false;
        };
        challenge.nc += 1;
        let url = request.url();
        let uri = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let value = self.header_value(challenge, request.method(), &uri, &cnonce());
        if let Ok(mut value) = HeaderValue::from_str(&value) {
            value.set_sensitive(true);
            request.headers_mut().insert(header::AUTHORIZATION, value);
            true
        } else {
            false
        }
    }

    fn header_value(&self, c: &Challenge, method: &Method, uri: &str, cnonce: &str) -> String {
        let a = c.algorithm;
        let mut ha1 = a.hash(&format!(
            "{}:{}:{}",
            self.user,
            c.realm,
            self.password.expose()
        ));
        if a.is_session() {
            ha1 = a.hash(&format!("{ha1}:{}:{cnonce}", c.nonce));
        }
        let ha2 = a.hash(&format!("{method}:{uri}"));
        let nc = format!("{:08x}", c.nc);
        let response = if c.qop_auth {
            a.hash(&format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", c.nonce))
        } else {
            a.hash(&format!("{ha1}:{}:{ha2}", c.nonce))
        };
        let quote = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let mut value = format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{}\", algorithm={}, response=\"{response}\"",
            quote(&self.user),
            quote(&c.realm),
            quote(&c.nonce),
            quote(uri),
            a.name(),
        );
        if c.qop_auth {
            value.push_str(&format!(", qop=auth, nc={nc}, cnonce=\"{cnonce}\""));
        }
        if let Some(opaque) = &c.opaque {
            value.push_str(&format!(", opaque=\"{}\"", quote(opaque)));
        }
        value
    }

    /// Takes a 401's challenge. A replay is worth it when no credentials
    /// were sent, or the server says the nonce was merely stale.
    fn challenge(&self, headers: &HeaderMap, sent_credentials: bool) -> bool {
        let Some((challenge, stale)) = parse_challenge(headers) else {
            return false;
        };
        let mut guard = self
            .challenge
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *guard = Some(challenge);
        !sent_credentials || stale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7616 §3.9.1: user Mufasa, password "Circle of Life".
    fn rfc_challenge(algorithm: Algorithm) -> Challenge {
        Challenge {
            realm: "http-auth@example.org".into(),
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v".into(),
            opaque: Some("FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS".into()),
            algorithm,
            qop_auth: true,
            nc: 1,
        }
    }

    #[test]
    fn rfc_7616_test_vectors() {
        let auth = DigestAuth::new("Mufasa".into(), Secret::new("Circle of Life"));
        let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
        let md5 = auth.header_value(
            &rfc_challenge(Algorithm::Md5),
            &Method::GET,
            "/dir/index.html",
            cnonce,
        );
        assert!(
            md5.contains("response=\"8ca523f5e9506fed4657c9700eebdbec\""),
            "{md5}"
        );
        let sha = auth.header_value(
            &rfc_challenge(Algorithm::Sha256),
            &Method::GET,
            "/dir/index.html",
            cnonce,
        );
        assert!(
            sha.contains(
                "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\""
            ),
            "{sha}"
        );
        assert!(
            sha.contains("nc=00000001")
                && sha.contains("qop=auth")
                && sha.contains("algorithm=SHA-256")
        );
    }

    #[test]
    fn challenges_are_parsed() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"x\""),
        );
        headers.append(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(
                "Digest realm=\"a, b\", qop=\"auth,auth-int\", algorithm=SHA-256, nonce=\"n\\\"1\", opaque=\"o\", stale=TRUE",
            ),
        );
        let (c, stale) = parse_challenge(&headers).unwrap();
        assert_eq!(
            (c.realm.as_str(), c.nonce.as_str(), c.opaque.as_deref()),
            ("a, b", "n\"1", Some("o"))
        );
        assert_eq!(c.algorithm, Algorithm::Sha256);
        assert!(c.qop_auth && stale);
    }

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
