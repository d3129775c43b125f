//! HTTP Digest authentication (RFC 7616): the challenge, the response,
//! the nonce count.

use std::sync::Mutex;

use http::header::{self, HeaderValue};
use http::{HeaderMap, Method};

use crate::secret::Secret;

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
    pub(crate) fn authorize(&self, request: &mut crate::request::outgoing::Outgoing) -> bool {
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
    pub(crate) fn challenge(&self, headers: &HeaderMap, sent_credentials: bool) -> bool {
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
}
