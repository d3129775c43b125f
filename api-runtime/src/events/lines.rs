//! JSON lines (`application/x-ndjson`, `application/jsonl`) and JSON text
//! sequences (`application/json-seq`, RFC 7464): one value per line, its
//! record separator dropped, blank lines skipped, the last line taken even
//! without its newline. A line past `limit` bytes is an error.

use std::collections::VecDeque;

use crate::events::sse::{RawEvent, TooLarge};

/// The splitter's state between chunks.
pub(crate) struct LineSplitter {
    line: Vec<u8>,
    limit: usize,
}

impl LineSplitter {
    /// A splitter whose lines hold at most `limit` bytes.
    pub(crate) fn new(limit: usize) -> LineSplitter {
        LineSplitter {
            line: Vec::new(),
            limit,
        }
    }

    /// Reads `chunk`, adding each line it completes to `out`.
    pub(crate) fn feed(
        &mut self,
        mut chunk: &[u8],
        out: &mut VecDeque<RawEvent>,
    ) -> Result<(), TooLarge> {
        while let Some(end) = chunk.iter().position(|b| *b == b'\n') {
            self.extend(&chunk[..end])?;
            chunk = &chunk[end + 1..];
            self.emit(out);
        }
        self.extend(chunk)
    }

    /// The end of the body: its last line, if it had no newline.
    pub(crate) fn finish(&mut self, out: &mut VecDeque<RawEvent>) {
        self.emit(out);
    }

    /// Forgets a half-read line, as a new connection starts.
    pub(crate) fn reset(&mut self) {
        self.line.clear();
    }

    fn extend(&mut self, bytes: &[u8]) -> Result<(), TooLarge> {
        if self.line.len() + bytes.len() > self.limit {
            return Err(TooLarge);
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    fn emit(&mut self, out: &mut VecDeque<RawEvent>) {
        let mut line = &self.line[..];
        line = line.strip_suffix(b"\r").unwrap_or(line);
        line = line.strip_prefix(b"\x1e").unwrap_or(line);
        if !line.iter().all(u8::is_ascii_whitespace) {
            let (data, not_utf8) = match std::str::from_utf8(line) {
                Ok(text) => (text.to_owned(), false),
                Err(_) => (String::from_utf8_lossy(line).into_owned(), true),
            };
            out.push_back(RawEvent {
                name: None,
                data,
                id: None,
                retry: None,
                not_utf8,
            });
        }
        self.line.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[u8], split: usize) -> Vec<String> {
        let mut splitter = LineSplitter::new(64);
        let mut out = VecDeque::new();
        for piece in text.chunks(split) {
            splitter.feed(piece, &mut out).unwrap();
        }
        splitter.finish(&mut out);
        out.into_iter().map(|e| e.data).collect()
    }

    #[test]
    fn lines_records_and_a_last_line_without_newline() {
        let text = b"{\"a\":1}\r\n\n  \n\x1e{\"b\":2}\n{\"c\":3}";
        for split in 1..text.len() {
            assert_eq!(lines(text, split), ["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"]);
        }
    }

    #[test]
    fn a_line_over_the_limit_and_bytes_that_are_not_utf8() {
        let mut splitter = LineSplitter::new(8);
        let mut out = VecDeque::new();
        assert_eq!(splitter.feed(b"0123456789", &mut out), Err(TooLarge));
        let mut splitter = LineSplitter::new(8);
        splitter.feed(b"\"\xff\"\n", &mut out).unwrap();
        assert!(out[0].not_utf8);
    }
}
