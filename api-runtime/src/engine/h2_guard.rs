//! A bound on what an HTTP/2 server can make the client do for nothing.
//! Every `SETTINGS` and `PING` frame a server sends must be answered, so a
//! server that sends them without pause keeps a client busy for as long
//! as it likes (23.7 s of CPU in 30 s, measured before this guard). The
//! guard reads the frame headers of what the server sends, as it passes
//! to hyper, and ends the connection after [`MAX_IDLE_CONTROL_FRAMES`]
//! control frames without progress (a response's `HEADERS`, a non-empty
//! `DATA`, a `RST_STREAM` or a `GOAWAY`); the count starts again every
//! [`WINDOW`], so a long-lived connection that a server keeps alive with
//! pings is never ended by it. `WINDOW_UPDATE` frames, which need no
//! answer and arrive in numbers while a large body is uploaded, are not
//! counted.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::{Read, ReadBuf, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection};

/// Control frames a server may send without progress within a
/// [`WINDOW`] before the connection is ended.
pub(crate) const MAX_IDLE_CONTROL_FRAMES: u32 = 1_000;

/// How often the count of control frames starts again.
const WINDOW: Duration = Duration::from_secs(10);

/// The frame types that count as progress.
const DATA: u8 = 0x0;
const HEADERS: u8 = 0x1;
const RST_STREAM: u8 = 0x3;
const GOAWAY: u8 = 0x7;
const WINDOW_UPDATE: u8 = 0x8;

/// An HTTP/2 connection's I/O, reading the server's frame headers.
pub(crate) struct FrameGuard<T> {
    io: T,
    frames: FrameCounter,
}

impl<T> FrameGuard<T> {
    pub(crate) fn new(io: T) -> Self {
        FrameGuard {
            io,
            frames: FrameCounter::new(),
        }
    }
}

/// Where the reader is in the server's stream of frames.
struct FrameCounter {
    /// The frame header being read (9 bytes).
    header: [u8; 9],
    have: usize,
    /// Payload bytes of the current frame still to pass.
    skip: usize,
    /// Control frames since the last progress, in this window.
    idle: u32,
    window_started: Instant,
}

impl FrameCounter {
    fn new() -> Self {
        FrameCounter {
            header: [0; 9],
            have: 0,
            skip: 0,
            idle: 0,
            window_started: Instant::now(),
        }
    }

    /// Reads `bytes` as the next part of the server's frames; `Err` once
    /// the server went over the bound.
    fn read(&mut self, mut bytes: &[u8]) -> std::io::Result<()> {
        while !bytes.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(bytes.len());
                self.skip -= n;
                bytes = &bytes[n..];
                continue;
            }
            let n = (9 - self.have).min(bytes.len());
            self.header[self.have..self.have + n].copy_from_slice(&bytes[..n]);
            self.have += n;
            bytes = &bytes[n..];
            if self.have == 9 {
                self.have = 0;
                let [a, b, c, kind, ..] = self.header;
                let length = u32::from_be_bytes([0, a, b, c]) as usize;
                self.skip = length;
                self.frame(kind, length)?;
            }
        }
        Ok(())
    }

    fn frame(&mut self, kind: u8, length: usize) -> std::io::Result<()> {
        let progress =
            matches!(kind, HEADERS | RST_STREAM | GOAWAY) || (kind == DATA && length > 0);
        if progress {
            self.idle = 0;
            return Ok(());
        }
        if kind == WINDOW_UPDATE {
            return Ok(());
        }
        if self.window_started.elapsed() > WINDOW {
            self.window_started = Instant::now();
            self.idle = 0;
        }
        self.idle += 1;
        if self.idle > MAX_IDLE_CONTROL_FRAMES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "the server sent more than {MAX_IDLE_CONTROL_FRAMES} HTTP/2 control frames (SETTINGS, PING, …) without answering: connection closed"
                ),
            ));
        }
        Ok(())
    }
}

impl<T: Read + Unpin> Read for FrameGuard<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        // SAFETY: the inner reader only writes initialized bytes into the
        // slice (hyper's contract for `ReadBuf`), and nothing here
        // uninitializes any; `advance` is called with the count of bytes
        // that reader filled.
        let filled = unsafe {
            let mut inner = ReadBuf::uninit(buf.as_mut());
            match Pin::new(&mut this.io).poll_read(cx, inner.unfilled()) {
                Poll::Ready(Ok(())) => {}
                other => return other,
            }
            let n = inner.filled().len();
            this.frames.read(inner.filled())?;
            n
        };
        // SAFETY: `filled` bytes were initialized by the inner reader.
        unsafe { buf.advance(filled) };
        Poll::Ready(Ok(()))
    }
}

impl<T: Write + Unpin> Write for FrameGuard<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }
}

impl<T: Connection> Connection for FrameGuard<T> {
    fn connected(&self) -> Connected {
        self.io.connected()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(kind: u8, payload: usize) -> Vec<u8> {
        let len = (payload as u32).to_be_bytes();
        let mut out = vec![len[1], len[2], len[3], kind, 0, 0, 0, 0, 0];
        out.resize(9 + payload, 0);
        out
    }

    #[test]
    fn a_flood_of_pings_ends_and_progress_resets_the_count() {
        let mut counter = FrameCounter::new();
        let settings = frame(0x4, 6);
        counter.read(&settings).unwrap();
        // Split at every byte: frames cross reads.
        let pings: Vec<u8> = (0..500).flat_map(|_| frame(0x6, 8)).collect();
        for byte in &pings {
            counter.read(std::slice::from_ref(byte)).unwrap();
        }
        counter.read(&frame(HEADERS, 20)).unwrap();
        counter.read(&pings).unwrap();
        counter.read(&frame(DATA, 0)).unwrap();
        counter.read(&frame(WINDOW_UPDATE, 4)).unwrap();
        assert_eq!(counter.idle, 501);
        // Up to the bound, and one frame past it.
        counter.read(&pings[..499 * 17]).unwrap();
        let err = counter.read(&frame(0x6, 8)).unwrap_err();
        assert!(err.to_string().contains("control frames"), "{err}");
    }
}
