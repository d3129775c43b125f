//! What may go to another origin. A request that leaves the origin its
//! credentials were meant for (a redirect to another scheme, host or port,
//! https to http included; a next-page link the user allowed; any URL a
//! server supplied) carries only the headers of one allowlist, and those
//! the user marked safe to forward
//! ([`cross_origin_header`](crate::ClientBuilder::cross_origin_header)).
//! Every other header is dropped, whatever its name and whatever set it
//! (the builder, an argument, a hook, a signer, an auth provider): the
//! rule holds for names nobody listed.
//!
//! The allowlist follows the Fetch standard's CORS-safelisted request
//! headers, with what a user agent adds itself (`User-Agent`,
//! `Accept-Encoding`): `Accept`, `Accept-Encoding`, `Accept-Language`,
//! `User-Agent`, `Range`, and the payload's `Content-Type`,
//! `Content-Length`, `Content-Encoding` and `Content-Language` while the
//! body is still sent. `Host` and the cookie jar's cookies are made anew
//! for each destination.

use http::header::{self, HeaderMap, HeaderName};
use url::Url;

/// Headers that may go anywhere: they describe what the client accepts,
/// never who it is.
const ANYWHERE: [HeaderName; 5] = [
    header::ACCEPT,
    header::ACCEPT_ENCODING,
    header::ACCEPT_LANGUAGE,
    header::USER_AGENT,
    header::RANGE,
];

/// Headers that describe a body: they go where the body goes.
pub(crate) const PAYLOAD: [HeaderName; 5] = [
    header::CONTENT_TYPE,
    header::CONTENT_LENGTH,
    header::CONTENT_ENCODING,
    header::CONTENT_LANGUAGE,
    header::TRANSFER_ENCODING,
];

/// Whether a header with this name may go to another origin without the
/// user marking it: on the allowlist (a payload header counts when
/// `payload`, the body going along).
pub(crate) fn may_cross(name: &HeaderName, payload: bool) -> bool {
    ANYWHERE.contains(name) || (payload && PAYLOAD.contains(name))
}

/// Keeps only the headers that may go to another origin: the allowlist's
/// (the payload's while `payload`), and the names in `marked`.
pub(crate) fn retain_crossing(headers: &mut HeaderMap, marked: &[HeaderName], payload: bool) {
    let dropped: Vec<HeaderName> = headers
        .keys()
        .filter(|name| !may_cross(name, payload) && !marked.contains(name))
        .cloned()
        .collect();
    for name in dropped {
        headers.remove(name);
    }
}

/// Whether two URLs are of one origin: scheme, host and port (the scheme's
/// default port when none is written).
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// A URL a server supplied (a `Location`, a next link), as the client may
/// follow, show and send it: without user info, which RFC 9110 forbids in
/// a request target and which would otherwise reach `history()` and a
/// proxy's request line.
pub(crate) fn without_userinfo(mut url: Url) -> Url {
    if !url.username().is_empty() || url.password().is_some() {
        // Fails only for URLs without a host, which have no user info.
        let _ = url.set_username("");
        let _ = url.set_password(None);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::HeaderValue;
    use proptest::prelude::*;

    #[test]
    fn only_the_allowlist_and_marked_names_cross() {
        let mut headers = HeaderMap::new();
        for name in [
            "accept",
            "user-agent",
            "content-type",
            "authorization",
            "ocp-apim-subscription-key",
            "x-functions-key",
            "traceparent",
            "cookie",
        ] {
            headers.insert(HeaderName::from_static(name), HeaderValue::from_static("v"));
        }
        let mut crossing = headers.clone();
        retain_crossing(
            &mut crossing,
            &[HeaderName::from_static("traceparent")],
            false,
        );
        let mut kept: Vec<&str> = crossing.keys().map(HeaderName::as_str).collect();
        kept.sort_unstable();
        assert_eq!(kept, ["accept", "traceparent", "user-agent"]);
        retain_crossing(&mut headers, &[], true);
        assert!(headers.contains_key(header::CONTENT_TYPE));
        assert_eq!(headers.len(), 3);
    }

    #[test]
    fn origins_and_user_info() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert!(same_origin(&url("http://h/a"), &url("http://h:80/b")));
        for other in ["https://h/a", "http://h:81/a", "http://g/a"] {
            assert!(!same_origin(&url("http://h/a"), &url(other)), "{other}");
        }
        let clean = without_userinfo(url("http://u:SECRET@h/x?q=1"));
        assert_eq!(clean.as_str(), "http://h/x?q=1");
    }

    proptest! {
        /// Rule 1 over random names: whatever a header is called, it
        /// reaches another origin only when it is on the allowlist or the
        /// user marked it.
        #[test]
        fn no_unlisted_name_crosses(
            names in proptest::collection::vec("[a-z][a-z0-9-]{0,24}", 0..24),
            marked in proptest::collection::vec("[a-z][a-z0-9-]{0,24}", 0..4),
            payload in any::<bool>(),
        ) {
            let marked: Vec<HeaderName> = marked
                .iter()
                .filter_map(|n| HeaderName::from_bytes(n.as_bytes()).ok())
                .collect();
            let mut headers = HeaderMap::new();
            for name in &names {
                if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
                    headers.append(name, HeaderValue::from_static("secret-value"));
                }
            }
            let before = headers.clone();
            retain_crossing(&mut headers, &marked, payload);
            for name in headers.keys() {
                prop_assert!(may_cross(name, payload) || marked.contains(name), "{name} crossed");
            }
            for name in before.keys() {
                let kept = may_cross(name, payload) || marked.contains(name);
                prop_assert_eq!(headers.contains_key(name), kept, "{}", name);
            }
        }
    }
}
