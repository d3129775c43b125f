//! Request signing: a step of yours that sees each attempt as it goes out
//! (method, URL with its query, headers, body bytes) and adds headers, for
//! HMAC schemes such as AWS Signature V4 or an exchange's `X-Signature`
//! over a timestamp and the body.

use std::fmt;
use std::sync::Arc;

use http::Method;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::request::outgoing::{Outgoing, SendBody};

/// Why a [`Signer`] refused to sign an attempt (the call then fails with
/// [`ErrorKind::Auth`], nothing sent).
pub type SignError = Box<dyn std::error::Error + Send + Sync>;

/// Signs every attempt of every call, after the hooks and the client's
/// credentials, just before it is sent: a retried attempt is signed
/// afresh, and so is each redirect the attempt follows on the same origin
/// (the signature covers the request it is on: its method, path and
/// body). A redirect to another origin carries no signature: what a
/// signer sets is a credential, and stays home. Closures `Fn(&mut SignRequest) -> Result<(), SignError>` are
/// signers too.
///
/// The transport adds `Host`, the default `User-Agent`, `Accept` and
/// `Accept-Encoding` headers and the session's cookies after signing: a
/// scheme that signs the host reads it from [`SignRequest::url`].
///
/// ```
/// use api_client::{auth::SignError, auth::SignRequest};
///
/// // An exchange-style signature: a digest of timestamp, method, path and
/// // query, and body (a real one is an HMAC with your secret).
/// fn sign(request: &mut SignRequest<'_>) -> Result<(), SignError> {
///     let body = request.body().ok_or("streamed bodies cannot be signed")?;
///     let timestamp = "1700000000";
///     let mut text = format!("{timestamp}{}{}", request.method(), request.url().path());
///     if let Some(query) = request.url().query() {
///         text.push('?');
///         text.push_str(query);
///     }
///     text.push_str(&String::from_utf8_lossy(body));
///     let signature = format!("{:x}", text.len()); // your HMAC here
///     request.set_header("x-timestamp", timestamp)?;
///     request.set_header("x-signature", &signature)?;
///     Ok(())
/// }
///
/// # #[api_client::api(base = "https://api.example.com")]
/// # pub trait Example { #[get("/ping")] async fn ping(&self) -> api_client::Result<()>; }
/// # fn main() -> api_client::Result<()> {
/// let client = ExampleClient::builder().signer(sign).build()?;
/// # let _ = client; Ok(()) }
/// ```
pub trait Signer: Send + Sync + 'static {
    /// Signs one attempt: reads it and adds headers.
    ///
    /// # Errors
    /// Refuses the attempt (a body that cannot be signed, a key that is
    /// missing): the call fails with [`ErrorKind::Auth`], nothing sent.
    fn sign(&self, request: &mut SignRequest<'_>) -> std::result::Result<(), SignError>;
}

impl<F> Signer for F
where
    F: Fn(&mut SignRequest<'_>) -> std::result::Result<(), SignError> + Send + Sync + 'static,
{
    fn sign(&self, request: &mut SignRequest<'_>) -> std::result::Result<(), SignError> {
        self(request)
    }
}

/// One attempt as a [`Signer`] sees it.
pub struct SignRequest<'a> {
    endpoint: &'static str,
    attempt: u32,
    method: &'a Method,
    url: &'a Url,
    headers: &'a mut HeaderMap,
    body: Option<&'a [u8]>,
    /// The names of the headers set, taken out again before a redirect
    /// is signed anew.
    set: Vec<HeaderName>,
}

impl fmt::Debug for SignRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignRequest")
            .field("endpoint", &self.endpoint)
            .field("attempt", &self.attempt)
            .field("method", self.method)
            .finish_non_exhaustive()
    }
}

impl SignRequest<'_> {
    /// The trait method's name.
    pub fn endpoint(&self) -> &'static str {
        self.endpoint
    }

    /// The attempt number, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        self.method
    }

    /// The URL as it is sent: path and query encoded, the client's query
    /// API key included.
    pub fn url(&self) -> &Url {
        self.url
    }

    /// The headers as they are sent, the client's credentials included
    /// (not the transport's defaults: see [`Signer`]).
    pub fn headers(&self) -> &HeaderMap {
        self.headers
    }

    /// The body's bytes (empty when there is none); `None` for a streamed
    /// body (an `Upload` or a multipart form), which is read as it is
    /// sent: sign it as an unsigned payload, or refuse it.
    pub fn body(&self) -> Option<&[u8]> {
        self.body
    }

    /// Sets a header. Its value is marked sensitive: never logged, and
    /// dropped by a redirect to another origin.
    ///
    /// # Errors
    /// When `name` or `value` cannot be a header.
    pub fn set_header(&mut self, name: &str, value: &str) -> std::result::Result<(), SignError> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("`{name}` is not a valid header name"))?;
        let mut value = HeaderValue::from_str(value)
            .map_err(|_| format!("the value of `{name}` is not a valid header value"))?;
        value.set_sensitive(true);
        if !self.set.contains(&name) {
            self.set.push(name.clone());
        }
        self.headers.insert(name, value);
        Ok(())
    }
}

/// Runs `signer` on attempt `attempt` of `endpoint`, and gives the
/// request what it takes to sign each redirect it follows on its origin.
pub(crate) fn sign(
    signer: &Arc<dyn Signer>,
    endpoint: &'static str,
    attempt: u32,
    request: &mut Outgoing,
) -> Result<()> {
    let mut hops = HopSigner {
        signer: signer.clone(),
        endpoint,
        attempt,
        set: Vec::new(),
    };
    let (method, url, headers, body) = request.parts_mut();
    hops.sign(method, url, headers, body).map_err(|e| {
        Error::with_message(
            ErrorKind::Auth,
            format!(
                "in `{endpoint}`: the request signer refused the request ({e}): nothing was sent"
            ),
        )
        .permanent()
    })?;
    request.set_resign(Box::new(hops));
    Ok(())
}

/// Signs one attempt and the redirects it follows on its origin.
struct HopSigner {
    signer: Arc<dyn Signer>,
    endpoint: &'static str,
    attempt: u32,
    /// The headers the last signing set.
    set: Vec<HeaderName>,
}

impl HopSigner {
    fn sign(
        &mut self,
        method: &Method,
        url: &Url,
        headers: &mut HeaderMap,
        body: &SendBody,
    ) -> std::result::Result<(), SignError> {
        let body = match body {
            SendBody::Empty => Some(&[][..]),
            SendBody::Bytes(bytes) => Some(&bytes[..]),
            SendBody::Stream(_) => None,
        };
        let mut view = SignRequest {
            endpoint: self.endpoint,
            attempt: self.attempt,
            method,
            url,
            headers,
            body,
            set: Vec::new(),
        };
        let signed = self.signer.sign(&mut view);
        self.set = view.set;
        signed
    }
}

impl crate::request::outgoing::Resign for HopSigner {
    fn resign(
        &mut self,
        method: &Method,
        url: &Url,
        headers: &mut HeaderMap,
        body: &SendBody,
    ) -> std::result::Result<(), SignError> {
        for name in &self.set {
            headers.remove(name);
        }
        self.sign(method, url, headers, body)
    }
}
