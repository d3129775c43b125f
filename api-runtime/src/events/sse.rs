//! Server-sent events as the WHATWG HTML standard parses them ("Server-sent
//! events", §9.2.6): lines ended by CRLF, LF or CR, split across chunks
//! anywhere; a leading BOM dropped; `data`, `event`, `id` and `retry`
//! fields, comments, and an event dispatched at each blank line. Every
//! buffer is bounded: a line or an event's data past `limit` bytes is an
//! error, however the server sends it.

use std::collections::VecDeque;

/// One event as the stream said it, before its data is decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawEvent {
    /// The `event:` name; `None` for the default, `message`.
    pub(crate) name: Option<String>,
    /// The data lines, joined with `\n`.
    pub(crate) data: String,
    /// The last event id, as of this event (it persists across events).
    pub(crate) id: Option<String>,
    /// The `retry:` the event carried, in milliseconds.
    pub(crate) retry: Option<u64>,
    /// The data was not UTF-8 (JSON lines: an error; server-sent events
    /// replace such bytes, as the standard says).
    pub(crate) not_utf8: bool,
}

/// A line or an event larger than the limit.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct TooLarge;

/// The parser's state between chunks.
pub(crate) struct SseParser {
    /// The line being read (bytes: a chunk may end inside a character).
    line: Vec<u8>,
    /// A CR ended the last line: an LF right after it belongs to it.
    after_cr: bool,
    /// Whether the stream's first bytes were looked at for a BOM.
    started: bool,
    data: String,
    name: String,
    /// The last event id buffer (kept across events).
    id: Option<String>,
    /// The reconnection time the stream set last (kept across events).
    reconnect: Option<u64>,
    /// A `retry:` of the event being read.
    retry: Option<u64>,
    limit: usize,
}

impl SseParser {
    /// A parser whose lines and events hold at most `limit` bytes.
    pub(crate) fn new(limit: usize) -> SseParser {
        SseParser {
            line: Vec::new(),
            after_cr: false,
            started: false,
            data: String::new(),
            name: String::new(),
            id: None,
            reconnect: None,
            retry: None,
            limit,
        }
    }

    /// Reads `chunk`, adding every event it completes to `out`.
    pub(crate) fn feed(
        &mut self,
        mut chunk: &[u8],
        out: &mut VecDeque<RawEvent>,
    ) -> Result<(), TooLarge> {
        if !self.started {
            // The BOM may itself be split across chunks.
            const BOM: &[u8] = b"\xEF\xBB\xBF";
            let have = self.line.len() + chunk.len();
            if have < BOM.len() && BOM.starts_with(&[&self.line[..], chunk].concat()) {
                self.line.extend_from_slice(chunk);
                return Ok(());
            }
            self.started = true;
            let mut head = std::mem::take(&mut self.line);
            head.extend_from_slice(chunk);
            let rest = head.strip_prefix(BOM).unwrap_or(&head).to_vec();
            return self.feed(&rest, out);
        }
        while !chunk.is_empty() {
            if self.after_cr && chunk[0] == b'\n' {
                chunk = &chunk[1..];
            }
            self.after_cr = false;
            match chunk.iter().position(|b| *b == b'\n' || *b == b'\r') {
                Some(end) => {
                    self.extend(&chunk[..end])?;
                    self.after_cr = chunk[end] == b'\r';
                    chunk = &chunk[end + 1..];
                    let line = std::mem::take(&mut self.line);
                    self.line(&line, out)?;
                    self.line = line;
                    self.line.clear();
                }
                None => {
                    self.extend(chunk)?;
                    chunk = &[];
                }
            }
        }
        Ok(())
    }

    fn extend(&mut self, bytes: &[u8]) -> Result<(), TooLarge> {
        if self.line.len() + bytes.len() > self.limit {
            return Err(TooLarge);
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    /// The id the next connection resumes from (`Last-Event-ID`).
    pub(crate) fn last_id(&self) -> Option<&str> {
        self.id.as_deref().filter(|id| !id.is_empty())
    }

    /// Forgets a half-read line and event, as a new connection starts
    /// (the last event id is kept).
    pub(crate) fn reset(&mut self) {
        self.line.clear();
        self.after_cr = false;
        self.started = false;
        self.data.clear();
        self.name.clear();
        self.retry = None;
    }

    /// One whole line.
    fn line(&mut self, line: &[u8], out: &mut VecDeque<RawEvent>) -> Result<(), TooLarge> {
        if line.is_empty() {
            self.dispatch(out);
            return Ok(());
        }
        if line[0] == b':' {
            return Ok(());
        }
        let line = String::from_utf8_lossy(line);
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (&*line, ""),
        };
        match field {
            "event" => value.clone_into(&mut self.name),
            "data" => {
                if self.data.len() + value.len() + 1 > self.limit {
                    return Err(TooLarge);
                }
                self.data.push_str(value);
                self.data.push('\n');
            }
            "id" if !value.contains('\0') => self.id = Some(value.to_owned()),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                // Digits only; one too long for a u64 is no time at all.
                self.retry = value.parse().ok();
                self.reconnect = self.retry.or(self.reconnect);
            }
            _ => {}
        }
        Ok(())
    }

    /// A blank line: the event read so far, unless it has no data.
    fn dispatch(&mut self, out: &mut VecDeque<RawEvent>) {
        let retry = self.retry.take();
        if self.data.is_empty() {
            self.name.clear();
            return;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop();
        let name = std::mem::take(&mut self.name);
        out.push_back(RawEvent {
            name: (!name.is_empty()).then_some(name),
            data,
            id: self.id.clone().filter(|id| !id.is_empty()),
            retry,
            not_utf8: false,
        });
    }

    /// The reconnection time the stream set last (`retry:`), in
    /// milliseconds.
    pub(crate) fn reconnect_ms(&self) -> Option<u64> {
        self.reconnect
    }
}

#[cfg(test)]
#[path = "sse_tests.rs"]
mod tests;
