//! Redirects, as reqwest and browsers follow them: which method and body
//! the next request has, and what it must no longer carry (the payload
//! after a change to GET; every credential once the redirect leaves the
//! origin or goes from https to http).

use http::header::{self, HeaderMap};
use http::{Method, StatusCode};
use url::Url;

use crate::engine::outgoing::SendBody;

/// The request a redirect leads to.
pub(crate) struct Hop {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) body: SendBody,
    /// The method changed to GET: no body, no `Content-*` headers.
    pub(crate) drop_payload: bool,
    /// The redirect left the origin: credentials stay behind.
    pub(crate) drop_credentials: bool,
    /// Redirects followed so far.
    pub(crate) redirects: usize,
}

impl Hop {
    pub(crate) fn strip(&self, headers: &mut HeaderMap) {
        if self.drop_payload {
            for name in [
                header::CONTENT_TYPE,
                header::CONTENT_LENGTH,
                header::CONTENT_ENCODING,
                header::TRANSFER_ENCODING,
            ] {
                headers.remove(name);
            }
        }
        if self.drop_credentials {
            strip_credentials(headers);
        }
    }
}

/// Removes every credential from `headers`: `Authorization`, cookies,
/// proxy credentials, and every value marked sensitive (API keys in
/// headers, and whatever the builder or an argument marked so).
pub(crate) fn strip_credentials(headers: &mut HeaderMap) {
    for name in [
        header::AUTHORIZATION,
        header::COOKIE,
        header::PROXY_AUTHORIZATION,
        header::WWW_AUTHENTICATE,
    ] {
        headers.remove(name);
    }
    headers.remove("cookie2");
    let sensitive: Vec<_> = headers
        .iter()
        .filter(|(_, value)| value.is_sensitive())
        .map(|(name, _)| name.clone())
        .collect();
    for name in sensitive {
        headers.remove(name);
    }
}

/// The request a redirect asks for, as reqwest makes it: `None` when the
/// response is not one to follow (no usable `Location`, or a body that
/// was streamed and cannot be sent again).
pub(crate) fn redirect(
    status: StatusCode,
    method: &Method,
    url: &Url,
    headers: &HeaderMap,
    body: Option<&SendBody>,
) -> Option<Hop> {
    let location = headers.get(header::LOCATION)?.to_str().ok()?;
    let next = url.join(location).ok()?;
    let (next_method, next_body) = match status {
        StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND if *method == Method::POST => {
            (Method::GET, None)
        }
        StatusCode::SEE_OTHER if *method == Method::HEAD => (Method::HEAD, None),
        StatusCode::SEE_OTHER => (Method::GET, None),
        StatusCode::MOVED_PERMANENTLY
        | StatusCode::FOUND
        | StatusCode::TEMPORARY_REDIRECT
        | StatusCode::PERMANENT_REDIRECT => (method.clone(), Some(body?.try_clone()?)),
        _ => return None,
    };
    // Credentials go to the origin they were meant for, never further.
    let drop_credentials = next.scheme() != url.scheme()
        || next.host_str() != url.host_str()
        || next.port_or_known_default() != url.port_or_known_default();
    Some(Hop {
        method: next_method,
        url: next,
        drop_payload: next_body.is_none(),
        body: next_body.unwrap_or(SendBody::Empty),
        drop_credentials,
        redirects: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http::header::HeaderValue;

    fn follow(status: u16, method: Method, from: &str, location: &str) -> Option<(Hop, HeaderMap)> {
        let mut response = HeaderMap::new();
        response.insert(header::LOCATION, HeaderValue::from_str(location).unwrap());
        let hop = redirect(
            StatusCode::from_u16(status).unwrap(),
            &method,
            &Url::parse(from).unwrap(),
            &response,
            Some(&SendBody::Bytes(Bytes::from_static(b"x"))),
        )?;
        let mut sent = HeaderMap::new();
        sent.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer t"));
        sent.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        hop.strip(&mut sent);
        Some((hop, sent))
    }

    #[test]
    fn redirects_change_the_method_as_browsers_and_reqwest_do() {
        let cases = [
            (301, Method::POST, Method::GET, false),
            (302, Method::POST, Method::GET, false),
            (302, Method::PUT, Method::PUT, true),
            (303, Method::PUT, Method::GET, false),
            (303, Method::HEAD, Method::HEAD, false),
            (307, Method::POST, Method::POST, true),
            (308, Method::DELETE, Method::DELETE, true),
        ];
        for (status, method, expected, keeps_body) in cases {
            let (hop, headers) = follow(status, method.clone(), "http://h/a/b", "c?d=1").unwrap();
            assert_eq!(hop.method, expected, "{status} {method}");
            assert_eq!(hop.url.as_str(), "http://h/a/c?d=1");
            assert_eq!(
                matches!(hop.body, SendBody::Bytes(_)),
                keeps_body,
                "{status}"
            );
            assert_eq!(headers.contains_key(header::CONTENT_TYPE), keeps_body);
            assert!(headers.contains_key(header::AUTHORIZATION), "same origin");
        }
        assert!(follow(300, Method::GET, "http://h/", "/x").is_none());
        assert!(follow(301, Method::GET, "http://h/", "http://[bad").is_none());
    }

    #[test]
    fn credentials_stay_with_their_origin() {
        for to in ["http://other/x", "https://h/x", "http://h:8080/x"] {
            let (_, headers) = follow(302, Method::GET, "http://h/", to).unwrap();
            assert!(!headers.contains_key(header::AUTHORIZATION), "{to}");
        }
        let (_, headers) = follow(302, Method::GET, "http://h:80/", "http://h/x").unwrap();
        assert!(headers.contains_key(header::AUTHORIZATION));
    }

    #[test]
    fn a_streamed_body_is_not_sent_to_a_307() {
        let mut response = HeaderMap::new();
        response.insert(header::LOCATION, HeaderValue::from_static("/y"));
        let url = Url::parse("http://h/x").unwrap();
        for status in [
            StatusCode::TEMPORARY_REDIRECT,
            StatusCode::PERMANENT_REDIRECT,
        ] {
            assert!(redirect(status, &Method::POST, &url, &response, None).is_none());
        }
        // A GET needs no body: that redirect is followed.
        let see_other = redirect(StatusCode::SEE_OTHER, &Method::POST, &url, &response, None);
        assert!(see_other.is_some_and(|hop| hop.method == Method::GET));
    }
}
