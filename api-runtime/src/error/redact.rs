//! Keeping secrets out of errors and logs: masked URLs and body snippets.

use std::fmt::Write as _;

use url::Url;

/// The most bytes of a body an error's `Display` shows.
pub(crate) const SNIPPET_LIMIT: usize = 512;

/// What replaces a secret.
pub(crate) const MASK: &str = "***";

/// What of a URL a user may read: without the client's query API key
/// (the rest of the query is the user's own). The one source of every URL
/// a user reads: `Response::url` and `ByteStream::url` show
/// [`visible_url`](Visible::visible_url); `Error::url`, `Display` and
/// tracing show [`logged_url`](Visible::logged_url).
#[derive(Clone, Debug, Default)]
pub(crate) struct Visible {
    /// The query parameter that carries the client's API key.
    pub(crate) query_key: Option<String>,
}

impl Visible {
    pub(crate) fn visible_url(&self, url: &Url) -> Url {
        match &self.query_key {
            Some(name) => without_query_param(url, name),
            None => url.clone(),
        }
    }

    /// [`visible_url`](Self::visible_url) with every query value masked
    /// and no user info.
    pub(crate) fn logged_url(&self, url: &Url) -> Url {
        mask_url(&self.visible_url(url))
    }
}

/// The URL with each query value replaced by `***` and any user name or
/// password removed: safe to print.
pub(crate) fn mask_url(url: &Url) -> Url {
    let mut masked = url.clone();
    // Both fail only for URLs that cannot have credentials (no host), which
    // then have none to remove.
    let _ = masked.set_username("");
    let _ = masked.set_password(None);
    if url.query().is_some_and(|q| !q.is_empty()) {
        let keys: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
        let mut pairs = masked.query_pairs_mut();
        pairs.clear();
        for key in &keys {
            pairs.append_pair(key, MASK);
        }
    }
    masked.set_fragment(None);
    masked
}

/// `text` (a URL that may not parse) with the password of any user info
/// masked, for messages about a URL that was refused.
pub(crate) fn mask_text_url(text: &str) -> String {
    if let Ok(url) = Url::parse(text) {
        if url.password().is_some() {
            let mut masked = url.clone();
            let _ = masked.set_password(Some(MASK));
            return masked.to_string();
        }
        return text.to_owned();
    }
    // Unparsable: mask whatever stands between `:` and `@` after `//`.
    match text.split_once("//") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split(':').next().unwrap_or_default();
                format!("{scheme}//{user}:{MASK}@{host}")
            }
            None => text.to_owned(),
        },
        None => text.to_owned(),
    }
}

/// The URL without the query parameter `name` (an API key added by the
/// client), so that what the user reads back holds no credential.
pub(crate) fn without_query_param(url: &Url, name: &str) -> Url {
    if !url.query_pairs().any(|(k, _)| k == name) {
        return url.clone();
    }
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut clean = url.clone();
    if kept.is_empty() {
        clean.set_query(None);
    } else {
        clean.query_pairs_mut().clear().extend_pairs(kept);
    }
    clean
}

/// Whether a JSON object key names something secret.
pub(crate) fn is_secret_key(key: &str) -> bool {
    is_secret_lowercase(&key.to_ascii_lowercase())
}

/// [`is_secret_key`] of a name that is lowercase already (a header name):
/// no allocation.
pub(crate) fn is_secret_lowercase(key: &str) -> bool {
    const NEEDLES: [&str; 9] = [
        "pass",
        "secret",
        "token",
        "apikey",
        "api_key",
        "api-key",
        "authorization",
        "cookie",
        "session",
    ];
    NEEDLES.iter().any(|n| key.contains(n))
}

fn redact_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_secret_key(key) {
                    *v = serde_json::Value::String(MASK.to_owned());
                } else {
                    redact_json(v);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// A one-line excerpt of a body of at most `limit` bytes (cut on a char
/// boundary), with secret-looking JSON fields redacted, `scrub` applied
/// (before the cut, so that no part of a secret survives it) and control
/// characters shown as spaces, followed by `…(N bytes total)` when cut.
pub(crate) fn snippet(body: &[u8], limit: usize, scrub: impl Fn(&str) -> String) -> String {
    let text: String = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut json) => {
            redact_json(&mut json);
            json.to_string()
        }
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let text = scrub(&text);
    let mut out = String::with_capacity(text.len().min(limit) + 24);
    for c in text.chars() {
        if out.len() + c.len_utf8() > limit {
            let _ = write!(out, "…({} bytes total)", body.len());
            return out;
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_query_values_and_credentials() {
        let url = Url::parse("https://user:pw@example.com/a?api_key=s3cret&page=2#frag").unwrap();
        assert_eq!(
            mask_url(&url).as_str(),
            "https://example.com/a?api_key=***&page=***"
        );
        let plain = Url::parse("http://example.com/a").unwrap();
        assert_eq!(mask_url(&plain).as_str(), "http://example.com/a");
    }

    #[test]
    fn snippet_redacts_secrets_at_any_depth() {
        let body =
            br#"{"error":"bad","detail":{"access_token":"abc123","items":[{"Password":"x"}]}}"#;
        let s = snippet(body, SNIPPET_LIMIT, str::to_owned);
        assert!(!s.contains("abc123") && !s.contains("\"x\""), "{s}");
        assert!(s.contains("\"error\":\"bad\""), "{s}");
    }

    #[test]
    fn snippet_is_bounded_and_cut_on_char_boundary() {
        let body = "é".repeat(10_000);
        let s = snippet(body.as_bytes(), SNIPPET_LIMIT, str::to_owned);
        let (head, tail) = s.split_once('…').unwrap();
        assert!(head.len() <= SNIPPET_LIMIT);
        assert_eq!(tail, "(20000 bytes total)");
        assert_eq!(snippet(b"line1\nline2", 512, str::to_owned), "line1 line2");
    }
}
