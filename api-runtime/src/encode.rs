//! Percent-encoding of path arguments, written straight into the URL buffer.

use std::fmt::{self, Display, Write};

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// RFC 3986 unreserved bytes: the only ones a path argument keeps as is.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// A `fmt::Write` that percent-encodes what `Display` writes into it, so a
/// path argument is encoded without an intermediate `String`.
struct Encoder<'a> {
    out: &'a mut String,
    keep_slash: bool,
}

impl Write for Encoder<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for b in s.bytes() {
            if is_unreserved(b) || (self.keep_slash && b == b'/') {
                self.out.push(char::from(b));
            } else {
                self.out.push('%');
                self.out.push(char::from(HEX[usize::from(b >> 4)]));
                self.out.push(char::from(HEX[usize::from(b & 0xF)]));
            }
        }
        Ok(())
    }
}

/// Appends `value` to `out` percent-encoded: every byte but the unreserved
/// ones (and `/` when `keep_slash`) becomes `%XX`.
///
/// # Errors
/// Only when `value`'s `Display` implementation fails.
pub(crate) fn write_encoded<T: Display + ?Sized>(
    out: &mut String,
    value: &T,
    keep_slash: bool,
) -> fmt::Result {
    write!(Encoder { out, keep_slash }, "{value}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: &str, keep_slash: bool) -> String {
        let mut s = String::new();
        write_encoded(&mut s, v, keep_slash).unwrap();
        s
    }

    #[test]
    fn encodes_every_reserved_byte() {
        assert_eq!(enc("a/b", false), "a%2Fb");
        assert_eq!(enc("../x", false), "..%2Fx");
        assert_eq!(enc("100%", false), "100%25");
        assert_eq!(enc("é", false), "%C3%A9");
        assert_eq!(enc("a b", false), "a%20b");
        assert_eq!(enc("?#&=", false), "%3F%23%26%3D");
        assert_eq!(enc("AZaz09-._~", false), "AZaz09-._~");
    }

    #[test]
    fn keeps_slashes_for_multi_segment_arguments() {
        assert_eq!(enc("dir/sub dir/f?.txt", true), "dir/sub%20dir/f%3F.txt");
    }

    #[test]
    fn encodes_display_types() {
        let mut s = String::new();
        write_encoded(&mut s, &-42i64, false).unwrap();
        assert_eq!(s, "-42");
    }
}
