//! The session's cookie jar: RFC 6265 storage (cookie_store) with what a
//! client facing hostile servers needs on top: no cookie for a public
//! suffix (`Domain=com`), no `Secure` cookie set over plain http, and caps
//! on what one host and the whole jar may hold, so that a server cannot
//! make every later request carry a megabyte `Cookie` header.

use std::sync::RwLock;

use cookie_store::{CookieStore, RawCookie};
use http::HeaderValue;
use url::Url;

/// The largest cookie kept (name, value and attributes), as RFC 6265
/// §6.1 asks a client to support at least.
pub(crate) const MAX_COOKIE_BYTES: usize = 4096;
/// The most cookies kept for one domain.
pub(crate) const MAX_COOKIES_PER_DOMAIN: usize = 50;
/// The most bytes of names and values kept for one domain: the bound on
/// the `Cookie` header a request to it carries.
pub(crate) const MAX_BYTES_PER_DOMAIN: usize = 16 * 1024;
/// The most cookies kept in all.
pub(crate) const MAX_COOKIES: usize = 3000;

/// Cookies set by servers, sent back where they belong.
#[derive(Default)]
pub(crate) struct CookieJar {
    store: RwLock<CookieStore>,
}

/// Why a cookie was not kept (for the debug log).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    Unparsable,
    TooLarge,
    PublicSuffix,
    SecureOverHttp,
    DomainFull,
    JarFull,
    Store(String),
}

impl CookieJar {
    /// An empty jar.
    pub(crate) fn new() -> crate::error::Result<CookieJar> {
        Ok(CookieJar::default())
    }

    /// The `Cookie` header for a request to `url`, if any cookie applies.
    pub(crate) fn header_for(&self, url: &Url) -> Option<HeaderValue> {
        let store = self.store.read().unwrap_or_else(|p| p.into_inner());
        let mut header = String::new();
        for (name, value) in store.get_request_values(url) {
            if !header.is_empty() {
                header.push_str("; ");
            }
            header.push_str(name);
            header.push('=');
            header.push_str(value);
        }
        if header.is_empty() {
            return None;
        }
        let mut value = HeaderValue::from_str(&header).ok()?;
        value.set_sensitive(true);
        Some(value)
    }

    /// The `(name, value)` pairs that a request to `url` would carry.
    pub(crate) fn pairs(&self, url: &Url) -> Vec<(String, String)> {
        let store = self.store.read().unwrap_or_else(|p| p.into_inner());
        store
            .get_request_values(url)
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    /// Keeps the cookies of a response from `url` (its `Set-Cookie`
    /// values), refusing those that break the rules above.
    pub(crate) fn store_response<'a>(
        &self,
        set_cookie: impl Iterator<Item = &'a HeaderValue>,
        url: &Url,
    ) {
        for value in set_cookie {
            let Ok(text) = std::str::from_utf8(value.as_bytes()) else {
                continue;
            };
            if let Err(why) = self.add(text, url) {
                // The value may be a session secret: never printed.
                tracing::debug!(reason = ?why, "a cookie from the server was not kept");
            }
        }
    }

    /// Keeps one `Set-Cookie` value received from `url`.
    pub(crate) fn add(&self, set_cookie: &str, url: &Url) -> Result<(), Refused> {
        if set_cookie.len() > MAX_COOKIE_BYTES {
            return Err(Refused::TooLarge);
        }
        let mut raw = RawCookie::parse(set_cookie.to_owned()).map_err(|_| Refused::Unparsable)?;
        if raw.secure() == Some(true) && url.scheme() != "https" {
            return Err(Refused::SecureOverHttp);
        }
        if let Some(domain) = raw
            .domain()
            .map(|d| d.trim_start_matches('.').to_ascii_lowercase())
        {
            if is_public_suffix(&domain) {
                // RFC 6265 §5.3 step 5: a public suffix is only allowed as
                // the very host that set it, and then as a host-only cookie.
                if url.host_str() != Some(domain.as_str()) {
                    return Err(Refused::PublicSuffix);
                }
                raw.unset_domain();
            }
        }
        let mut store = self.store.write().unwrap_or_else(|p| p.into_inner());
        let cookie = cookie_store::Cookie::try_from_raw_cookie(&raw, url)
            .map_err(|e| Refused::Store(e.to_string()))?;
        let domain = String::from(&cookie.domain);
        let replaces = store.contains_any(&domain, &String::from(&cookie.path), cookie.name());
        if !replaces {
            let (mut in_domain, mut bytes, mut total) = (0, 0, 0);
            for kept in store.iter_any() {
                total += 1;
                if String::from(&kept.domain) == domain {
                    in_domain += 1;
                    bytes += kept.name().len() + kept.value().len();
                }
            }
            if total >= MAX_COOKIES {
                return Err(Refused::JarFull);
            }
            let added = cookie.name().len() + cookie.value().len();
            if in_domain >= MAX_COOKIES_PER_DOMAIN || bytes + added > MAX_BYTES_PER_DOMAIN {
                return Err(Refused::DomainFull);
            }
        }
        store
            .insert(cookie.into_owned(), url)
            .map(|_| ())
            .map_err(|e| Refused::Store(e.to_string()))
    }
}

/// Whether `domain` is a public suffix (`com`, `co.uk`, `github.io`), by
/// the Public Suffix List compiled into the `psl` crate.
fn is_public_suffix(domain: &str) -> bool {
    psl::suffix_str(domain).is_some_and(|suffix| suffix.eq_ignore_ascii_case(domain))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn public_suffixes_are_refused() {
        let jar = CookieJar::default();
        let from = url("https://api.example.com/");
        assert_eq!(
            jar.add("a=1; Domain=com", &from),
            Err(Refused::PublicSuffix)
        );
        assert_eq!(
            jar.add("a=1; Domain=.co.uk", &url("https://x.co.uk/")),
            Err(Refused::PublicSuffix)
        );
        assert_eq!(jar.add("b=2; Domain=example.com", &from), Ok(()));
        assert!(jar.header_for(&url("https://other.com/")).is_none());
        assert!(jar.header_for(&url("https://www.example.com/")).is_some());
        // A suffix that is the host itself becomes host-only.
        assert_eq!(
            jar.add("c=3; Domain=github.io", &url("https://github.io/")),
            Ok(())
        );
        assert!(jar.header_for(&url("https://user.github.io/")).is_none());
    }

    #[test]
    fn secure_cookies_need_https() {
        let jar = CookieJar::default();
        assert_eq!(
            jar.add("s=1; Secure", &url("http://h.example/")),
            Err(Refused::SecureOverHttp)
        );
        assert_eq!(jar.add("s=1; Secure", &url("https://h.example/")), Ok(()));
        assert!(jar.header_for(&url("http://h.example/")).is_none());
    }

    #[test]
    fn the_jar_is_capped() {
        let jar = CookieJar::default();
        let from = url("http://h.example/");
        let big = format!("x={}", "v".repeat(MAX_COOKIE_BYTES));
        assert_eq!(jar.add(&big, &from), Err(Refused::TooLarge));
        for i in 0..MAX_COOKIES_PER_DOMAIN {
            assert_eq!(jar.add(&format!("c{i}=1"), &from), Ok(()));
        }
        assert_eq!(jar.add("one_more=1", &from), Err(Refused::DomainFull));
        // Replacing a kept cookie is always allowed.
        assert_eq!(jar.add("c0=2", &from), Ok(()));
        let other = url("http://g.example/");
        let value = "v".repeat(4000);
        for i in 0..4 {
            assert_eq!(jar.add(&format!("b{i}={value}"), &other), Ok(()));
        }
        assert_eq!(
            jar.add(&format!("b5={value}"), &other),
            Err(Refused::DomainFull)
        );
        assert!(jar.header_for(&other).unwrap().len() <= MAX_BYTES_PER_DOMAIN + 64);
    }
}
