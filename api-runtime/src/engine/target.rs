//! Where an HTTP/1 request goes on a connection: its target (origin
//! form, absolute form through a forward proxy, authority form for
//! `CONNECT`) and its `Host` header, as hyper-util wrote them, and the
//! origin (scheme and authority) a pooled connection is chosen by.

use http::header::{self, HeaderValue};
use http::uri::{Authority, Scheme};
use http::{Method, Request, Uri};

use crate::engine::failure::TransportError;
use crate::request::outgoing::SendBody;

/// The request target and `Host` of an HTTP/1 request, as hyper-util set
/// them: origin form (`/path?query`), absolute form through a forward
/// proxy, authority form for `CONNECT`; `host`, the origin's `Host`,
/// unless the request has its own.
pub(super) fn http1_target(
    request: &mut Request<SendBody>,
    proxied: bool,
    host: Option<HeaderValue>,
) {
    if let Some(host) = host {
        request.headers_mut().entry(header::HOST).or_insert(host);
    }
    if proxied && request.method() != Method::CONNECT {
        return;
    }
    // Taken apart, not copied: the target is made of its own pieces.
    let parts = std::mem::take(request.uri_mut()).into_parts();
    let mut target = http::uri::Parts::default();
    if request.method() == Method::CONNECT {
        target.authority = parts.authority;
    } else {
        target.path_and_query = parts.path_and_query.filter(|p| p.as_str() != "/");
    }
    if target.authority.is_some() || target.path_and_query.is_some() {
        *request.uri_mut() = Uri::from_parts(target).unwrap_or_default();
    }
}

/// The `Host` header of a request to this origin: `host[:port]`, the port
/// only when it is not the scheme's default.
pub(super) fn host_header(https: bool, authority: &Authority) -> Option<HeaderValue> {
    let host = authority.host();
    let default = if https { 443 } else { 80 };
    match authority.port_u16() {
        Some(port) if port != default => HeaderValue::from_str(&format!("{host}:{port}")).ok(),
        _ => HeaderValue::from_str(host).ok(),
    }
}

/// The origin a request goes to: whether it is https, and its authority.
pub(super) fn origin(uri: &Uri) -> Result<(bool, Authority), TransportError> {
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err(invalid_url("the URL is not http or https")),
    };
    let authority = uri
        .authority()
        .cloned()
        .ok_or_else(|| invalid_url("the URL has no host"))?;
    Ok((https, authority))
}

/// `scheme://authority/`, what the connector connects to.
pub(super) fn origin_uri(https: bool, authority: &Authority) -> Result<Uri, TransportError> {
    absolute_uri(https, authority, http::uri::PathAndQuery::from_static("/"))
}

/// `request` with its absolute URI again (after `http1_target`).
pub(super) fn absolute(
    mut request: Request<SendBody>,
    https: bool,
    authority: &Authority,
) -> Result<Request<SendBody>, TransportError> {
    let path = request
        .uri()
        .path_and_query()
        .cloned()
        .unwrap_or_else(|| http::uri::PathAndQuery::from_static("/"));
    *request.uri_mut() = absolute_uri(https, authority, path)?;
    Ok(request)
}

pub(super) fn absolute_uri(
    https: bool,
    authority: &Authority,
    path: http::uri::PathAndQuery,
) -> Result<Uri, TransportError> {
    let mut parts = http::uri::Parts::default();
    parts.scheme = Some(if https { Scheme::HTTPS } else { Scheme::HTTP });
    parts.authority = Some(authority.clone());
    parts.path_and_query = Some(path);
    Uri::from_parts(parts).map_err(|e| TransportError::InvalidUrl(e.into()))
}

pub(super) fn invalid_url(why: &'static str) -> TransportError {
    TransportError::InvalidUrl(why.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, uri: &str) -> Request<SendBody> {
        let mut request = Request::new(SendBody::Empty);
        *request.method_mut() = method;
        *request.uri_mut() = uri.parse().unwrap();
        request
    }

    #[test]
    fn http1_targets_are_origin_form_with_a_host_unless_proxied() {
        // (method, URI, proxied, Host given, target sent, Host sent)
        let cases = [
            (
                Method::GET,
                "http://example.com:8080/a/b?q=1",
                false,
                None,
                "/a/b?q=1",
                "example.com:8080",
            ),
            (
                Method::GET,
                "https://example.com:443",
                false,
                None,
                "/",
                "example.com",
            ),
            (
                Method::GET,
                "http://example.com/x",
                true,
                Some("given"),
                "http://example.com/x",
                "given",
            ),
            (
                Method::CONNECT,
                "http://example.com:8443/",
                false,
                None,
                "example.com:8443",
                "example.com:8443",
            ),
        ];
        for (method, uri, proxied, given, target, host) in cases {
            let mut sent = request(method, uri);
            if let Some(given) = given {
                sent.headers_mut()
                    .insert(header::HOST, HeaderValue::from_static(given));
            }
            let (https, authority) = origin(sent.uri()).unwrap();
            http1_target(&mut sent, proxied, host_header(https, &authority));
            assert_eq!(sent.uri().to_string(), target, "{uri}");
            assert_eq!(sent.headers()[header::HOST], host, "{uri}");
        }
    }

    #[test]
    fn only_absolute_http_urls_have_an_origin() {
        let (https, authority) = origin(&"https://Example.com:9/x".parse().unwrap()).unwrap();
        assert!(https);
        assert_eq!(authority, "example.com:9");
        for bad in ["/relative", "ftp://example.com/"] {
            let err = origin(&bad.parse().unwrap()).unwrap_err();
            assert!(matches!(err, TransportError::InvalidUrl(_)), "{bad}");
        }
        let authority: Authority = "h:1".parse().unwrap();
        assert_eq!(
            origin_uri(false, &authority).unwrap().to_string(),
            "http://h:1/"
        );
        let mut sent = request(Method::GET, "https://h:1/p?q");
        http1_target(&mut sent, false, None);
        let again = absolute(sent, true, &authority).unwrap();
        assert_eq!(again.uri().to_string(), "https://h:1/p?q");
    }
}
