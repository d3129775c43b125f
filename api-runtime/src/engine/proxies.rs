//! Which proxy, if any, each destination goes through: the builder's
//! `.proxy(url)` for all, or the environment as curl reads it
//! (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`, either case).
//! hyper-util's `Matcher` picks the proxy; `NO_PROXY` is ours, with
//! curl's rules: `*` means no proxy at all, a name matches itself and its
//! subdomains (a leading or trailing dot aside), an IP address or a CIDR
//! range matches the addresses it covers. A value that names no usable
//! proxy is an error at `build()`, naming the variable (never its value:
//! it may hold credentials). The credentials in a proxy URL are handed to
//! the client's scrubber.

use std::net::IpAddr;

use http::{HeaderValue, Uri};
use hyper_util::client::proxy::matcher::{Intercept, Matcher};
use url::Url;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// Which proxy, if any, each destination goes through.
pub(crate) struct Proxies {
    matcher: Matcher,
    no_proxy: NoProxy,
    /// The credentials in the proxy URLs, in the forms they are sent.
    secrets: Vec<Secret>,
}

impl std::fmt::Debug for Proxies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The matcher's Debug would show credentials.
        f.write_str("Proxies")
    }
}

/// The variables that name a proxy, for http, https and all destinations
/// (upper case first, as curl and hyper-util read them).
const PROXY_VARS: [[&str; 2]; 3] = [
    ["HTTP_PROXY", "http_proxy"],
    ["HTTPS_PROXY", "https_proxy"],
    ["ALL_PROXY", "all_proxy"],
];

impl Proxies {
    /// The proxies the environment names, with its `NO_PROXY`; `None`
    /// when it names none (no cost per connection then). Under CGI
    /// (`REQUEST_METHOD` set), where `HTTP_PROXY` may come from a request
    /// header ("httpoxy"), the environment names none.
    ///
    /// # Errors
    /// A variable whose value is not a proxy URL this client can use.
    pub(crate) fn from_env() -> Result<Option<Proxies>> {
        if std::env::var_os("REQUEST_METHOD").is_some() {
            return Ok(None);
        }
        let mut values: [String; 3] = Default::default();
        let mut secrets = Vec::new();
        for (value, names) in values.iter_mut().zip(PROXY_VARS) {
            let Some((name, text)) = names
                .iter()
                .find_map(|n| std::env::var(n).ok().map(|v| (*n, v)))
            else {
                continue;
            };
            if text.trim().is_empty() {
                continue;
            }
            secrets.extend(check(&text).map_err(|why| {
                Error::builder(format!(
                    "the environment variable `{name}` does not name a usable proxy ({why}; its value is not shown: it may hold credentials): fix or unset it, or call `.no_proxy()`"
                ))
            })?);
            *value = text;
        }
        if values.iter().all(String::is_empty) {
            return Ok(None);
        }
        let [http, https, all] = values;
        let no = ["NO_PROXY", "no_proxy"]
            .iter()
            .find_map(|n| std::env::var(n).ok())
            .unwrap_or_default();
        Ok(Some(Proxies {
            matcher: Matcher::builder().http(http).https(https).all(all).build(),
            no_proxy: NoProxy::parse(&no),
            secrets,
        }))
    }

    /// Every destination through the proxy at `url` (`http://`,
    /// `https://`, `socks5://`, `socks5h://`, credentials allowed).
    ///
    /// # Errors
    /// A URL that is not one of those (its text is not shown: it may hold
    /// credentials).
    pub(crate) fn all(url: &str) -> Result<Proxies> {
        let parsed = Url::parse(url).ok().filter(|u| {
            matches!(u.scheme(), "http" | "https" | "socks5" | "socks5h") && u.has_host()
        });
        let Some(mut parsed) = parsed else {
            return Err(Error::builder(
                "invalid proxy URL: expected http://, https://, socks5:// or socks5h:// with a host (the URL is not shown: it may hold credentials)",
            ));
        };
        if parsed.port_or_known_default().is_none() {
            // SOCKS's port, which `url` does not know.
            let _ = parsed.set_port(Some(1080));
        }
        let secrets = check(parsed.as_str()).unwrap_or_default();
        Ok(Proxies {
            matcher: Matcher::builder().all(parsed.to_string()).build(),
            no_proxy: NoProxy::default(),
            secrets,
        })
    }

    /// The credentials of the proxies: each password, and each
    /// `user:password` pair (its base64 is what `Proxy-Authorization:
    /// Basic` sends).
    pub(crate) fn secrets(&self) -> &[Secret] {
        &self.secrets
    }

    /// The proxy `dst` goes through, if any.
    pub(crate) fn intercept(&self, dst: &Uri) -> Option<Intercept> {
        if self.no_proxy.covers(dst.host()?) {
            return None;
        }
        self.matcher.intercept(dst)
    }

    /// The `Proxy-Authorization` of a plain-http request to `url` that goes
    /// through an HTTP proxy with credentials (sent in absolute form, the
    /// proxy reads the header).
    pub(crate) fn forward_auth(&self, url: &Url) -> Option<HeaderValue> {
        if url.scheme() != "http" {
            return None;
        }
        let uri = Uri::try_from(url.as_str()).ok()?;
        let intercept = self.intercept(&uri)?;
        if !matches!(intercept.uri().scheme_str(), Some("http" | "https")) {
            return None;
        }
        let mut value = intercept.basic_auth()?.clone();
        value.set_sensitive(true);
        Some(value)
    }
}

/// Checks a proxy URL as hyper-util's matcher reads it (no scheme means
/// http) against what this client can connect through; returns its
/// credentials.
fn check(text: &str) -> std::result::Result<Vec<Secret>, &'static str> {
    let uri: Uri = text.trim().parse().map_err(|_| "not a URL")?;
    match uri.scheme_str() {
        None | Some("http" | "https" | "socks5" | "socks5h") => {}
        Some("socks4" | "socks4a") => return Err("SOCKS4 is not supported: use socks5://"),
        Some(_) => return Err("the scheme is not http, https, socks5 or socks5h"),
    }
    let authority = uri.authority().ok_or("no host")?;
    let mut secrets = Vec::new();
    if let Some((userinfo, _)) = authority.as_str().rsplit_once('@') {
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
        let (user, password) = (decode(user), decode(password));
        if !password.is_empty() {
            secrets.push(Secret::new(password.clone()));
        }
        secrets.push(Secret::new(format!("{user}:{password}")));
    }
    Ok(secrets)
}

/// `NO_PROXY` as curl reads it.
#[derive(Default, Debug)]
struct NoProxy {
    /// `*`: no destination goes through a proxy.
    all: bool,
    /// Names, lower case, without leading or trailing dots.
    names: Vec<String>,
    /// Addresses and ranges: an address and the bits of its prefix.
    ranges: Vec<(IpAddr, u8)>,
}

impl NoProxy {
    fn parse(list: &str) -> NoProxy {
        let mut out = NoProxy::default();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if entry == "*" {
                out.all = true;
                continue;
            }
            let (address, bits) = match entry.split_once('/') {
                Some((address, bits)) => (address, bits.parse::<u8>().ok()),
                None => (entry, None),
            };
            let address = address.trim_start_matches('[').trim_end_matches(']');
            match address.parse::<IpAddr>() {
                Ok(ip) => {
                    let max = if ip.is_ipv4() { 32 } else { 128 };
                    out.ranges.push((ip, bits.unwrap_or(max).min(max)));
                }
                Err(_) => {
                    let name = entry.trim_matches('.').to_ascii_lowercase();
                    if !name.is_empty() {
                        out.names.push(name);
                    }
                }
            }
        }
        out
    }

    /// Whether a request to `host` goes direct.
    fn covers(&self, host: &str) -> bool {
        if self.all {
            return true;
        }
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = host.parse::<IpAddr>() {
            return self
                .ranges
                .iter()
                .any(|(net, bits)| in_range(ip, *net, *bits));
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.names.iter().any(|name| {
            host == *name
                || host
                    .strip_suffix(name.as_str())
                    .is_some_and(|rest| rest.ends_with('.'))
        })
    }
}

/// Whether `ip` is in `net/bits`.
fn in_range(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    let (ip, net, width) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a) as u128, u32::from(b) as u128, 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    let shift = width - u32::from(bits);
    if shift >= width {
        return true;
    }
    (ip >> shift) == (net >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_as_curl_reads_it() {
        let list = NoProxy::parse(" localhost. , .example.com,10.0.0.0/8, ::1 ,[fd00::]/8");
        for direct in [
            "localhost",
            "localhost.",
            "LOCALHOST",
            "example.com",
            "api.example.com",
            "10.1.2.3",
            "[::1]",
            "[fd12::1]",
        ] {
            assert!(list.covers(direct), "{direct}");
        }
        for proxied in [
            "notexample.com",
            "example.org",
            "11.0.0.1",
            "127.0.0.1",
            "[::2]",
        ] {
            assert!(!list.covers(proxied), "{proxied}");
        }
        let star = NoProxy::parse("*");
        assert!(star.covers("127.0.0.1") && star.covers("[::1]") && star.covers("h"));
        assert!(NoProxy::parse("0.0.0.0/0").covers("192.0.2.1"));
    }

    #[test]
    fn proxy_values_are_checked_and_their_credentials_kept() {
        for good in [
            "http://p:3128",
            "p:3128",
            "socks5h://p",
            "https://u:p%40ss@p",
        ] {
            assert!(check(good).is_ok(), "{good}");
        }
        for bad in ["socks4://p", "ftp://p", "::bad::", "http://"] {
            assert!(check(bad).is_err(), "{bad}");
        }
        let secrets = check("http://alice:p%40ss@p:3128").unwrap();
        let exposed: Vec<&str> = secrets.iter().map(Secret::expose).collect();
        assert_eq!(exposed, ["p@ss", "alice:p@ss"]);
    }
}
