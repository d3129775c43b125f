//! Redirects, as reqwest and browsers follow them: which method and body
//! the next request has, and what it must no longer carry (the payload
//! after a change to GET; once the redirect leaves the origin or goes
//! from https to http, every header but those that may cross, see
//! `origin.rs`).

use http::header::{self, HeaderMap, HeaderName};
use http::{Method, StatusCode};
use url::Url;

use crate::request::origin::{PAYLOAD, retain_crossing, same_origin, without_userinfo};
use crate::request::outgoing::SendBody;

/// The request a redirect leads to.
pub(crate) struct Hop {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) body: SendBody,
    /// The method changed to GET: no body, no `Content-*` headers.
    pub(crate) drop_payload: bool,
    /// The redirect left the origin (or an earlier one did): only the
    /// headers that may cross go along.
    pub(crate) crossed: bool,
    /// Redirects followed so far.
    pub(crate) redirects: usize,
}

impl Hop {
    /// Takes out of `headers` what this hop no longer carries: the
    /// payload's headers after a change to GET, and, once the origin was
    /// left, every header but the allowlist's and the `marked` ones.
    pub(crate) fn strip(&self, headers: &mut HeaderMap, marked: &[HeaderName]) {
        if self.drop_payload {
            for name in PAYLOAD {
                headers.remove(name);
            }
        }
        if self.crossed {
            retain_crossing(headers, marked, !self.drop_payload);
        }
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
    let next = without_userinfo(url.join(location).ok()?);
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
    let crossed = !same_origin(&next, url);
    Some(Hop {
        method: next_method,
        url: next,
        drop_payload: next_body.is_none(),
        body: next_body.unwrap_or(SendBody::Empty),
        crossed,
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
        sent.insert("x-partner-key", HeaderValue::from_static("k"));
        hop.strip(&mut sent, &[]);
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
            assert!(!headers.contains_key("x-partner-key"), "{to}");
        }
        let (_, headers) = follow(302, Method::GET, "http://h:80/", "http://h/x").unwrap();
        assert!(headers.contains_key(header::AUTHORIZATION));
        assert!(headers.contains_key("x-partner-key"));
    }

    #[test]
    fn a_location_loses_its_user_info() {
        let (hop, _) = follow(302, Method::GET, "http://h/", "http://u:SECRET@h/x").unwrap();
        assert_eq!(hop.url.as_str(), "http://h/x");
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
