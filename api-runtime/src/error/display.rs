//! How an [`Error`] prints: `Display` is one line (and one more per
//! validation error) of at most 4 KiB, `Debug` its fields; both with the
//! client's secrets scrubbed.

use std::error::Error as StdError;
use std::fmt;

use super::{Error, ErrorKind, Human, TimeoutPhase};
use crate::error::redact;
use crate::error::scrub::bounded;

/// The longest `Display` of an error, in bytes: whatever a server sent or
/// an argument held, a message stays fit for a log line.
pub(crate) const DISPLAY_LIMIT: usize = 4 * 1024;

impl fmt::Display for Error {
    /// One line (and one more per validation error), at most
    /// 4 KiB, with the client's secrets scrubbed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        self.render(&mut text)?;
        f.write_str(&self.printable(&text, DISPLAY_LIMIT))
    }
}

impl Error {
    /// `text` as this error may print it: the client's secrets scrubbed,
    /// at most `limit` bytes.
    fn printable(&self, text: &str, limit: usize) -> String {
        let scrubbed = match &self.inner.scrub {
            Some(scrubber) => scrubber.scrub(text),
            None => std::borrow::Cow::Borrowed(text),
        };
        bounded(&scrubbed, limit).into_owned()
    }

    /// The method, the URL and what went wrong.
    fn render(&self, f: &mut String) -> fmt::Result {
        use std::fmt::Write as _;
        let inner = &*self.inner;
        if let (Some(method), Some(url)) = (&inner.method, &inner.url) {
            write!(f, "{method} {url}: ")?;
        }
        match (inner.kind, inner.status, &inner.timeout) {
            (ErrorKind::Status, Some(status), _) => {
                write!(f, "HTTP {status}")?;
            }
            (ErrorKind::Envelope, Some(status), _) => {
                write!(f, "HTTP {status} but the response reports an error")?;
            }
            (ErrorKind::Timeout, _, Some(t)) => {
                write!(f, "timed out {} after {}", t.phase, Human(t.elapsed))?;
                if let Some(limit) = t.limit {
                    write!(f, " (limit {})", Human(limit))?;
                }
                let whole_call = t.phase == TimeoutPhase::Deadline;
                if let Some(call) = inner.call_elapsed.filter(|_| !whole_call) {
                    write!(f, "; the call took {}", Human(call))?;
                }
            }
            (ErrorKind::Validation, _, _) => {}
            (kind, _, _) => f.write_str(kind.describe())?,
        }
        self.render_context(f)
    }

    /// What the error says after its kind: the message, the cause, the
    /// attempts, the request id, a body excerpt and the violations.
    fn render_context(&self, f: &mut String) -> fmt::Result {
        use std::fmt::Write as _;
        let inner = &*self.inner;
        match &inner.message {
            Some(message) if inner.kind == ErrorKind::Validation => f.write_str(message)?,
            Some(message) => write!(f, ": {message}")?,
            None => {}
        }
        if let Some(source) = inner.source.as_deref() {
            // An auth provider's error is a whole error of its own.
            let cause = if inner.kind == ErrorKind::Auth {
                Some(source.to_string())
            } else {
                root_cause(Some(source))
            };
            if let Some(cause) = cause {
                write!(f, ": {cause}")?;
            }
        }
        if inner.attempts > 1 {
            write!(f, " (after {} attempts)", inner.attempts)?;
        }
        // The client's own limit says its wait in the message.
        if let Some(after) = inner.retry_after.filter(|_| !inner.own_limit) {
            write!(f, " (the server asked to retry after {})", Human(after))?;
        }
        if let Some(id) = &inner.request_id {
            write!(f, " (request id {id})")?;
        }
        if matches!(inner.kind, ErrorKind::Status | ErrorKind::Envelope) {
            if let Some(body) = inner.body.as_ref().filter(|b| !b.is_empty()) {
                // Scrubbed before it is cut: a secret split by the cut
                // would escape the scrubber.
                let scrub = |text: &str| self.printable(text, usize::MAX);
                write!(
                    f,
                    ": {}",
                    redact::snippet(body, redact::SNIPPET_LIMIT, scrub)
                )?;
            }
        }
        // One violation per entry, like pydantic: the path, then the
        // problem; the first few, then how many more.
        const SHOWN: usize = 20;
        for violation in inner.violations.iter().take(SHOWN) {
            write!(f, "\n{violation}")?;
        }
        let rest = inner.violations.len().saturating_sub(SHOWN) + inner.violations_more;
        if rest > 0 {
            write!(f, "\n… and {rest} more")?;
        }
        Ok(())
    }
}

/// The innermost cause, whose message is the most specific.
fn root_cause(source: Option<&(dyn StdError + Send + Sync + 'static)>) -> Option<String> {
    let mut current: &dyn StdError = source?;
    while let Some(next) = current.source() {
        current = next;
    }
    Some(current.to_string())
}

impl fmt::Debug for Error {
    /// The error's parts, with the client's secrets scrubbed (and the
    /// whole bounded, as `Display`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = format!("{:?}", DebugParts(self));
        f.write_str(&self.printable(&text, 4 * DISPLAY_LIMIT))
    }
}

/// The fields of an error's `Debug`, before scrubbing.
struct DebugParts<'a>(&'a Error);

impl fmt::Debug for DebugParts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.0.inner;
        let mut d = f.debug_struct("Error");
        d.field("kind", &inner.kind);
        if let Some(message) = &inner.message {
            d.field("message", message);
        }
        if let Some(method) = &inner.method {
            d.field("method", method);
        }
        if let Some(url) = &inner.url {
            d.field("url", &url.as_str());
        }
        if let Some(status) = inner.status {
            d.field("status", &status);
        }
        if let Some(t) = &inner.timeout {
            d.field("timeout", t);
        }
        if let Some(decode) = &inner.decode {
            d.field("decode", decode);
        }
        if let Some(api_error) = &inner.api_error {
            d.field("api_error", &api_error.type_name);
        }
        if inner.attempts > 0 {
            d.field("attempts", &inner.attempts);
        }
        if let Some(after) = inner.retry_after {
            d.field("retry_after", &after);
        }
        if !inner.violations.is_empty() {
            d.field("violations", &inner.violations);
        }
        if let Some(id) = &inner.request_id {
            d.field("request_id", id);
        }
        if let Some(source) = &inner.source {
            d.field("source", source);
        }
        d.finish_non_exhaustive()
    }
}
