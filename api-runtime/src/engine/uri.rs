//! The URI hyper is given for a request's URL, made from the URL's pieces:
//! parsing the URL's whole text again (as `Uri::try_from` does) copied
//! and checked its authority on every call, though a client nearly always
//! sends to one origin.

use std::sync::OnceLock;

use http::Uri;
use http::uri::{Authority, Parts, PathAndQuery, Scheme};
use url::{Position, Url};

use crate::engine::failure::TransportError;

/// The authority of the first origin a transport sends to, parsed once;
/// later requests to it share it.
#[derive(Default)]
pub(crate) struct KnownAuthority(OnceLock<(Box<str>, Authority)>);

impl KnownAuthority {
    /// The URI of `url`, the same as parsing its text (its fragment, which
    /// is never sent, left out).
    pub(crate) fn uri(&self, url: &Url) -> Result<Uri, TransportError> {
        let invalid = |e: http::Error| TransportError::InvalidUrl(e.into());
        let scheme = match url.scheme() {
            "http" => Scheme::HTTP,
            "https" => Scheme::HTTPS,
            _ => return Uri::try_from(url.as_str()).map_err(|e| invalid(e.into())),
        };
        let authority = self
            .authority(&url[Position::BeforeUsername..Position::AfterPort])
            .map_err(|e| invalid(e.into()))?;
        let path = PathAndQuery::try_from(&url[Position::BeforePath..Position::AfterQuery])
            .map_err(|e| invalid(e.into()))?;
        let mut parts = Parts::default();
        parts.scheme = Some(scheme);
        parts.authority = Some(authority);
        parts.path_and_query = Some(path);
        Uri::from_parts(parts).map_err(|e| invalid(e.into()))
    }

    /// `text` as an authority: the known one when it is that one.
    fn authority(&self, text: &str) -> Result<Authority, http::uri::InvalidUri> {
        if let Some((known, authority)) = self.0.get() {
            if **known == *text {
                return Ok(authority.clone());
            }
            return Authority::try_from(text);
        }
        let authority = Authority::try_from(text)?;
        // Another thread may have set it first: either is right.
        let _ = self.0.set((text.into(), authority.clone()));
        Ok(authority)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uri_is_the_same_as_parsing_the_url_text() {
        let known = KnownAuthority::default();
        let urls = [
            "http://127.0.0.1:8080/users/42",
            "http://127.0.0.1:8080/users/43?q=1&r=%20",
            "https://User:Pa%20ss@Example.com:8443/a/b?c#fragment",
            "http://[::1]:9/x",
            "https://xn--bcher-kva.example/%C3%BC?%C3%A4=%C3%B6",
            "http://h/",
            "http://127.0.0.1:8080/again",
        ];
        for text in urls {
            let url = Url::parse(text).unwrap();
            let whole = Uri::try_from(&url[..Position::AfterQuery]).unwrap();
            let made = known.uri(&url).unwrap();
            assert_eq!(made, whole, "{text}");
            assert_eq!(made.to_string(), whole.to_string(), "{text}");
        }
        // The first origin is the one kept.
        assert_eq!(known.0.get().unwrap().1, "127.0.0.1:8080");
    }

    #[test]
    fn other_schemes_are_parsed_whole() {
        let known = KnownAuthority::default();
        let url = Url::parse("ftp://example.com/file").unwrap();
        assert_eq!(known.uri(&url).unwrap(), "ftp://example.com/file");
        assert!(known.0.get().is_none());
    }
}
