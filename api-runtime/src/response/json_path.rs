//! The JSON path of a decoding failure (`$.items[3].id`), found from where
//! serde_json stopped in the text.
//!
//! serde_json says at which line and column a value did not fit; this walks
//! the text up to there and names the value being read. Nothing here is
//! generic, so it is compiled once, not again for every decoded type: a
//! path-tracking deserializer (`serde_path_to_error`) would instantiate
//! each model's `Deserialize` a second time, which for a large generated
//! client is a large share of its build. The paths are the ones such a
//! deserializer reports; a test compares the two over many broken
//! documents.

use serde_json::error::Category;

/// Where a value sits in its document: a key of an object or an index of
/// an array.
enum Segment {
    Key(String),
    Index(usize),
}

/// What the walk expects next inside an object.
#[derive(Clone, Copy, PartialEq)]
enum Phase {
    /// After `{` or `,`: a key or the end.
    Key,
    /// Inside a key's string.
    InKey,
    /// After a key: the colon.
    Colon,
    /// After the colon (object) or after `[` or `,` (array): a value.
    Value,
    /// Inside a scalar value, or a container value is open.
    InValue,
    /// After a value: `,` or the end.
    After,
}

/// An open object or array, with the key or index it is reading.
struct Frame {
    array: bool,
    phase: Phase,
    /// The current key (objects) or the number of commas (arrays).
    key: Option<String>,
    index: usize,
    /// Where the current key's string started.
    key_start: usize,
}

impl Frame {
    fn segment(&self) -> Option<Segment> {
        if self.array {
            Some(Segment::Index(self.index))
        } else {
            self.key.clone().map(Segment::Key)
        }
    }
}

/// The walk's state: the open containers under a root value.
#[derive(Default)]
struct Walk {
    frames: Vec<Frame>,
    /// The root value's phase (`Value`, `InValue` or `After`).
    root: Option<Phase>,
    in_string: bool,
    escaped: bool,
}

impl Walk {
    fn phase(&self) -> Phase {
        self.frames
            .last()
            .map_or(self.root.unwrap_or(Phase::Value), |f| f.phase)
    }

    fn set_phase(&mut self, phase: Phase) {
        match self.frames.last_mut() {
            Some(frame) => frame.phase = phase,
            None => self.root = Some(phase),
        }
    }

    /// Takes one byte of the text at `at`.
    fn step(&mut self, text: &[u8], at: usize) {
        let byte = text[at];
        if self.in_string {
            match (self.escaped, byte) {
                (true, _) => self.escaped = false,
                (false, b'\\') => self.escaped = true,
                (false, b'"') => self.end_string(text, at),
                _ => {}
            }
            return;
        }
        let phase = self.phase();
        if phase == Phase::InValue && !is_scalar_byte(byte) {
            // A number or literal ends at the first byte not its own.
            self.set_phase(Phase::After);
        }
        match (self.phase(), byte) {
            (_, b' ' | b'\t' | b'\n' | b'\r') => {}
            (Phase::Key, b'"') => {
                self.in_string = true;
                if let Some(frame) = self.frames.last_mut() {
                    frame.phase = Phase::InKey;
                    frame.key_start = at;
                }
            }
            (Phase::Colon, b':') => self.set_phase(Phase::Value),
            (Phase::Value, b'{' | b'[') => {
                self.set_phase(Phase::InValue);
                let array = byte == b'[';
                self.frames.push(Frame {
                    array,
                    phase: if array { Phase::Value } else { Phase::Key },
                    key: None,
                    index: 0,
                    key_start: 0,
                });
            }
            (Phase::Value, b'"') => {
                self.set_phase(Phase::InValue);
                self.in_string = true;
            }
            (Phase::After | Phase::Key | Phase::Value, b'}' | b']') => {
                self.frames.pop();
                self.set_phase(Phase::After);
            }
            (Phase::Value, _) => self.set_phase(Phase::InValue),
            (Phase::After, b',') => {
                if let Some(frame) = self.frames.last_mut() {
                    if frame.array {
                        frame.index += 1;
                        frame.phase = Phase::Value;
                    } else {
                        frame.key = None;
                        frame.phase = Phase::Key;
                    }
                }
            }
            _ => {}
        }
    }

    fn end_string(&mut self, text: &[u8], at: usize) {
        self.in_string = false;
        match self.frames.last_mut() {
            Some(frame) if frame.phase == Phase::InKey => {
                let raw = &text[frame.key_start..=at];
                let key = serde_json::from_slice::<String>(raw)
                    .unwrap_or_else(|_| String::from_utf8_lossy(&raw[1..raw.len() - 1]).into());
                frame.key = Some(key);
                frame.phase = Phase::Colon;
            }
            _ => self.set_phase(Phase::After),
        }
    }

    /// The path of the value the walk is in; whether the innermost
    /// container's current key or index is named depends on the failure.
    fn path(&self, failure: Failure) -> Vec<Segment> {
        let last = self.frames.len().saturating_sub(1);
        let mut out = Vec::with_capacity(self.frames.len());
        for (depth, frame) in self.frames.iter().enumerate() {
            let named = depth < last || failure.names(frame.phase, frame.array);
            if let Some(segment) = frame.segment().filter(|_| named) {
                out.push(segment);
            }
        }
        out
    }
}

/// Bytes of a number or a literal (`true`, `false`, `null`).
fn is_scalar_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'-' | b'.')
}

/// The index of the byte at `line` (1-based) and `column` as serde_json
/// counts them: bytes since the line's start.
pub(crate) fn index_of(text: &[u8], line: usize, column: usize) -> usize {
    let start = match line {
        0 | 1 => 0,
        n => text
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(n - 2)
            .map_or(text.len(), |(i, _)| i + 1),
    };
    (start + column).min(text.len())
}

/// The line (1-based) and column, as serde_json counts them, of the byte
/// at `index`.
pub(crate) fn position_of(text: &[u8], index: usize) -> (usize, usize) {
    let before = &text[..index.min(text.len())];
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = 1 + before[..start].iter().filter(|&&b| b == b'\n').count();
    (line, before.len() - start)
}

/// What kind of failure serde_json reported, for what it names.
#[derive(Clone, Copy, PartialEq)]
enum Failure {
    /// A value that did not fit its type: serde_json points just past it
    /// (or at a container it would not enter).
    Data,
    /// The text ended: inside a value, or between two.
    Eof,
    /// Text that is not JSON inside a value, at the byte serde_json
    /// looked at.
    Syntax,
    /// Text that is not JSON between a container's members (a missing
    /// comma or colon, a trailing comma, a key not a string): the
    /// container is named.
    Structure,
}

impl Failure {
    fn of(err: &serde_json::Error) -> Self {
        const STRUCTURE: [&str; 5] = [
            "expected `:`",
            "expected `,`",
            "trailing comma",
            "key must be a string",
            "trailing characters",
        ];
        match err.classify() {
            Category::Data => Failure::Data,
            Category::Eof => Failure::Eof,
            _ if STRUCTURE.iter().any(|m| err.to_string().starts_with(m)) => Failure::Structure,
            _ => Failure::Syntax,
        }
    }

    /// Whether the innermost container's current key or index is named,
    /// where the walk stopped in `phase`.
    fn names(self, phase: Phase, array: bool) -> bool {
        match (self, phase) {
            (Failure::Structure, _) | (_, Phase::Key | Phase::InKey | Phase::Colon) => false,
            (_, Phase::InValue) => true,
            (Failure::Eof, Phase::Value) => !array,
            (_, Phase::Value) => true,
            (failure, Phase::After) => failure == Failure::Data,
        }
    }
}

/// The path under `root` of the value serde_json failed on in `text`:
/// `$.items[3].id`, or `root` itself when the failure is the whole
/// document's (or says no position).
pub(crate) fn failure_path(text: &[u8], err: &serde_json::Error, root: &str) -> String {
    if err.line() == 0 {
        return root.to_owned();
    }
    let failure = Failure::of(err);
    // serde_json points at the byte it would read next (data), or just
    // past the byte it looked at and refused (syntax).
    let at = index_of(text, err.line(), err.column());
    let end = match failure {
        Failure::Eof => text.len(),
        Failure::Data => at,
        Failure::Syntax | Failure::Structure => at.saturating_sub(1),
    };
    let mut walk = Walk::default();
    for at in 0..end {
        walk.step(text, at);
    }
    if failure == Failure::Eof && walk.phase() == Phase::InValue && !walk.in_string {
        // A number or literal complete at the end of the text was read whole.
        let text = text.trim_ascii_end();
        let complete = text.last().is_some_and(u8::is_ascii_digit)
            || [b"true".as_slice(), b"false", b"null"]
                .iter()
                .any(|literal| text.ends_with(literal));
        if complete {
            walk.set_phase(Phase::After);
        }
    }
    render(root, &walk.path(failure))
}

fn render(root: &str, segments: &[Segment]) -> String {
    let mut out = root.to_owned();
    for segment in segments {
        match segment {
            Segment::Key(key) => {
                out.push('.');
                out.push_str(key);
            }
            Segment::Index(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "json_path_tests.rs"]
mod tests;
