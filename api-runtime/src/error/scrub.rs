//! Scrubbing the secrets a client knows (its tokens, passwords, API keys)
//! out of everything it prints: a server that echoes the request in an
//! error body, or a decoder that quotes the value it could not read, must
//! not put a credential into a log.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use base64::Engine as _;

use crate::error::redact::MASK;

/// Secrets shorter than this are not scrubbed: masking every `abc` in a
/// message would garble it while protecting a credential that weak.
const MIN_SECRET_LEN: usize = 4;

/// The values of headers that may not cross origins but were not given as
/// credentials (a default header, an argument, a hook's or a signer's) are
/// scrubbed from this length on: an `X-Subscription-Key` is a credential
/// whatever its name, while a `2022-11-28` version or a `1` flag stays
/// readable in messages.
pub(crate) const MIN_HEADER_VALUE_LEN: usize = 8;

/// Where secrets that change (tokens from a provider) are read from at the
/// time something is printed.
pub(crate) trait SecretSource: Send + Sync {
    /// Appends the secrets in force now (and recently) to `out`.
    fn secrets(&self, out: &mut Vec<String>);
}

/// The secrets of one client, in every form they may be printed in: as
/// given, percent-encoded, JSON-escaped and base64-encoded; a call's own
/// (its header values) extend the client's (`extended`).
#[derive(Default)]
pub(crate) struct Scrubber {
    needles: Vec<String>,
    dynamic: Vec<Arc<dyn SecretSource>>,
    /// The client's, under a call's own.
    parent: Option<Arc<Scrubber>>,
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

    /// Scrubs the value of a header that may not cross origins (see
    /// [`MIN_HEADER_VALUE_LEN`]), and the credential after its scheme
    /// (`Token abc…`).
    pub(crate) fn add_header_value(&mut self, value: &str) {
        if value.len() < MIN_HEADER_VALUE_LEN {
            return;
        }
        self.add(value);
        if let Some((_scheme, credential)) = value.split_once(' ') {
            if credential.trim().len() >= MIN_HEADER_VALUE_LEN {
                self.add(credential.trim());
            }
        }
    }

    /// Scrubs whatever `source` holds at the time of printing.
    pub(crate) fn add_source(&mut self, source: Arc<dyn SecretSource>) {
        self.dynamic.push(source);
    }

    /// Whether there is nothing to scrub.
    pub(crate) fn is_empty(&self) -> bool {
        self.needles.is_empty()
            && self.dynamic.is_empty()
            && self.parent.as_ref().is_none_or(|p| p.is_empty())
    }

    /// Whether `value` is scrubbed already.
    fn knows(&self, value: &str) -> bool {
        self.needles.iter().any(|n| n == value)
            || self.parent.as_ref().is_some_and(|p| p.knows(value))
    }

    /// This scrubber with the header `values` of one call added (see
    /// [`add_header_value`](Self::add_header_value)); itself, shared,
    /// when they add nothing.
    pub(crate) fn extended<'v>(
        self: &Arc<Self>,
        values: impl Iterator<Item = &'v str>,
    ) -> Arc<Self> {
        let mut call = Scrubber::default();
        for value in values.filter(|v| !self.knows(v)) {
            call.add_header_value(value);
        }
        if call.needles.is_empty() {
            return self.clone();
        }
        call.parent = Some(self.clone());
        Arc::new(call)
    }

    /// Every needle of this scrubber and its parents, the dynamic ones
    /// read now.
    fn all_needles<'s>(&'s self, out: &mut Vec<Cow<'s, str>>) {
        out.extend(self.needles.iter().map(|n| Cow::Borrowed(n.as_str())));
        if !self.dynamic.is_empty() {
            let mut raw = Vec::new();
            for source in &self.dynamic {
                source.secrets(&mut raw);
            }
            let mut dynamic = Vec::new();
            for secret in &raw {
                forms(secret, &mut dynamic);
            }
            out.extend(dynamic.into_iter().map(Cow::Owned));
        }
        if let Some(parent) = &self.parent {
            parent.all_needles(out);
        }
    }

    /// `text` with every known secret replaced by `***`.
    pub(crate) fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut needles = Vec::new();
        self.all_needles(&mut needles);
        // Longest first: a secret that contains another is masked whole.
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        let mut out = Cow::Borrowed(text);
        for needle in &needles {
            if out.contains(needle.as_ref()) {
                out = Cow::Owned(out.replace(needle.as_ref(), MASK));
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
    fn a_call_extends_the_client_and_short_values_stay() {
        let mut client = Scrubber::default();
        client.add("client-secret");
        let client = Arc::new(client);
        let same = client.extended(["client-secret", "short"].into_iter());
        assert!(Arc::ptr_eq(&client, &same), "nothing new: shared");
        let call = client.extended(["partner-key-9", "2022-11", "Token call-tok-77"].into_iter());
        assert_eq!(
            call.scrub("client-secret partner-key-9 call-tok-77 2022-11"),
            "*** *** *** 2022-11"
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
