//! Scrubbing the secrets a client knows (its tokens, passwords, API keys)
//! out of everything it prints: a server that echoes the request in an
//! error body, or a decoder that quotes the value it could not read, must
//! not put a credential into a log.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use base64::Engine as _;

use crate::response::redact::MASK;

/// Secrets shorter than this are not scrubbed: masking every `abc` in a
/// message would garble it while protecting a credential that weak.
const MIN_SECRET_LEN: usize = 4;

/// Where secrets that change (tokens from a provider) are read from at the
/// time something is printed.
pub(crate) trait SecretSource: Send + Sync {
    /// Appends the secrets in force now (and recently) to `out`.
    fn secrets(&self, out: &mut Vec<String>);
}

/// The secrets of one client, in every form they may be printed in: as
/// given, percent-encoded, JSON-escaped and base64-encoded.
#[derive(Default)]
pub(crate) struct Scrubber {
    needles: Vec<String>,
    dynamic: Vec<Arc<dyn SecretSource>>,
}

impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the needles themselves.
        write!(f, "Scrubber({} secrets)", self.needles.len())
    }
}

impl Scrubber {
    /// Scrubs `secret` (and its encoded forms) from now on.
    pub(crate) fn add(&mut self, secret: &str) {
        forms(secret, &mut self.needles);
        self.needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        self.needles.dedup();
    }

    /// Scrubs whatever `source` holds at the time of printing.
    pub(crate) fn add_source(&mut self, source: Arc<dyn SecretSource>) {
        self.dynamic.push(source);
    }

    /// Whether there is nothing to scrub.
    pub(crate) fn is_empty(&self) -> bool {
        self.needles.is_empty() && self.dynamic.is_empty()
    }

    /// `text` with every known secret replaced by `***`.
    pub(crate) fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut dynamic = Vec::new();
        if !self.dynamic.is_empty() {
            let mut raw = Vec::new();
            for source in &self.dynamic {
                source.secrets(&mut raw);
            }
            for secret in &raw {
                forms(secret, &mut dynamic);
            }
        }
        let mut out = Cow::Borrowed(text);
        // Longest first: a secret that contains another is masked whole.
        dynamic.sort_by_key(|n| std::cmp::Reverse(n.len()));
        for needle in self.needles.iter().chain(&dynamic) {
            if out.contains(needle.as_str()) {
                out = Cow::Owned(out.replace(needle.as_str(), MASK));
            }
        }
        out
    }
}

/// The forms of `secret` a message may hold, appended to `out`.
fn forms(secret: &str, out: &mut Vec<String>) {
    if secret.len() < MIN_SECRET_LEN {
        return;
    }
    let mut push = |form: String| {
        if form.len() >= MIN_SECRET_LEN && !out.contains(&form) {
            out.push(form);
        }
    };
    push(secret.to_owned());
    push(form_urlencoded::byte_serialize(secret.as_bytes()).collect());
    let mut encoded = String::new();
    if crate::encode::write_encoded(&mut encoded, secret, false).is_ok() {
        push(encoded);
    }
    if let Ok(json) = serde_json::to_string(secret) {
        push(json[1..json.len() - 1].to_owned());
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(secret);
    push(b64.trim_end_matches('=').to_owned());
    push(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret));
}

/// The last few tokens a provider issued: a token may be echoed in an
/// error after it was replaced.
#[derive(Default)]
pub(crate) struct RecentSecrets(Mutex<Vec<String>>);

/// How many recent tokens are remembered for scrubbing.
const RECENT: usize = 4;

impl RecentSecrets {
    pub(crate) fn remember(&self, secret: &str) {
        let mut recent = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if !recent.iter().any(|s| s == secret) {
            if recent.len() == RECENT {
                recent.remove(0);
            }
            recent.push(secret.to_owned());
        }
    }
}

impl SecretSource for RecentSecrets {
    fn secrets(&self, out: &mut Vec<String>) {
        let recent = self.0.lock().unwrap_or_else(|p| p.into_inner());
        out.extend(recent.iter().cloned());
    }
}

/// At most `limit` bytes of `text` (cut on a char boundary), with a note
/// of how long it was when cut.
pub(crate) fn bounded(text: &str, limit: usize) -> Cow<'_, str> {
    if text.len() <= limit {
        return Cow::Borrowed(text);
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!(
        "{}…(cut: {} bytes in all)",
        &text[..end],
        text.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_printed_form_is_scrubbed() {
        let mut scrubber = Scrubber::default();
        scrubber.add("s3cr3t/+key");
        scrubber.add("ab"); // too short to scrub
        let b64 = base64::engine::general_purpose::STANDARD.encode("s3cr3t/+key");
        let text = format!("raw s3cr3t/+key form s3cr3t%2F%2Bkey b64 {b64} ab");
        let out = scrubber.scrub(&text);
        assert!(
            !out.contains("s3cr3t") && !out.contains(b64.trim_end_matches('=')),
            "{out}"
        );
        assert!(out.ends_with(" ab"), "{out}");
        assert_eq!(
            format!("{scrubber:?}"),
            format!("Scrubber({} secrets)", scrubber.needles.len())
        );
    }

    #[test]
    fn recent_tokens_are_scrubbed_as_they_change() {
        let recent = Arc::new(RecentSecrets::default());
        let mut scrubber = Scrubber::default();
        scrubber.add_source(recent.clone());
        assert_eq!(scrubber.scrub("tok-1 tok-2"), "tok-1 tok-2");
        for i in 1..=5 {
            recent.remember(&format!("tok-{i}"));
        }
        // The oldest is forgotten after four newer ones.
        assert_eq!(scrubber.scrub("tok-1 tok-2 tok-5"), "tok-1 *** ***");
    }

    #[test]
    fn bounded_cuts_on_a_char_boundary() {
        assert_eq!(bounded("short", 10), "short");
        let long = "é".repeat(100);
        let cut = bounded(&long, 11);
        assert!(cut.starts_with(&"é".repeat(5)) && cut.ends_with("(cut: 200 bytes in all)"));
    }
}
