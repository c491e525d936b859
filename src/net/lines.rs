//! Line framing with a hard length cap, and the text hygiene every message
//! goes through (invalid UTF-8 replaced, control characters escaped).

use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncBufRead, AsyncBufReadExt as _, AsyncRead, ReadBuf};

use crate::net::safe_text::Newlines;

/// One result of [`LineReader::next_line`].
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A complete line (without `\n` or a trailing `\r`). The last line of a
    /// stream counts even without its newline.
    Text(Vec<u8>),
    /// A line longer than the cap; it was read and thrown away.
    TooLong,
}

/// Reads newline-delimited lines of at most `max` bytes. Cancel-safe: a
/// partial line is kept across calls, so it can sit in a `select!`.
#[derive(Debug)]
pub struct LineReader<R> {
    reader: R,
    partial: Vec<u8>,
    discarding: bool,
    max: usize,
    /// An error held back until the partial line before it was handed out.
    failed: Option<std::io::Error>,
}

impl<R: AsyncBufRead + Unpin> LineReader<R> {
    /// Wraps a buffered reader.
    pub fn new(reader: R, max: usize) -> Self {
        Self {
            reader,
            partial: Vec::new(),
            discarding: false,
            failed: None,
            max,
        }
    }

    /// The next line, or `None` at the end of the stream.
    pub async fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        loop {
            let buf = match self.reader.fill_buf().await {
                Ok(buf) => buf,
                // A TLS peer that closes without close_notify (many tools
                // do): what it sent is still its last words.
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => &[],
                // A connection that breaks (a reset, say) after an
                // unterminated line: deliver the line, then the error.
                Err(e) if !self.partial.is_empty() && !self.discarding => {
                    self.failed = Some(e);
                    return Ok(Some(Line::Text(finish(std::mem::take(&mut self.partial)))));
                }
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                if self.discarding {
                    self.discarding = false;
                    return Ok(Some(Line::TooLong));
                }
                if self.partial.is_empty() {
                    return Ok(None);
                }
                return Ok(Some(Line::Text(finish(std::mem::take(&mut self.partial)))));
            }
            let newline = buf.iter().position(|b| *b == b'\n');
            let take = newline.map_or(buf.len(), |i| i + 1);
            let body = newline.map_or(buf.len(), |i| i);
            if !self.discarding {
                if self.partial.len() + body > self.max {
                    self.discarding = true;
                    self.partial = Vec::new();
                } else {
                    self.partial.extend_from_slice(&buf[..body]);
                }
            }
            self.reader.consume(take);
            if newline.is_some() {
                if self.discarding {
                    self.discarding = false;
                    return Ok(Some(Line::TooLong));
                }
                return Ok(Some(Line::Text(finish(std::mem::take(&mut self.partial)))));
            }
        }
    }
}

/// A reader whose buffered bytes can be looked at without reading more.
pub trait Buffered {
    /// The bytes read but not yet consumed.
    fn buffered(&self) -> &[u8];
}

impl<R: tokio::io::AsyncRead> Buffered for tokio::io::BufReader<R> {
    fn buffered(&self) -> &[u8] {
        self.buffer()
    }
}

impl<R: AsyncBufRead + Buffered + Unpin> LineReader<R> {
    /// The next line if it is already complete in the buffer. Never reads
    /// and never waits: it lets a caller take every line that one read
    /// brought in at once.
    pub fn buffered_line(&mut self) -> Option<Line> {
        if self.failed.is_some() {
            return None;
        }
        let buf = self.reader.buffered();
        let newline = buf.iter().position(|b| *b == b'\n')?;
        let line = if self.discarding || self.partial.len() + newline > self.max {
            self.discarding = false;
            self.partial = Vec::new();
            Line::TooLong
        } else {
            self.partial.extend_from_slice(&buf[..newline]);
            Line::Text(finish(std::mem::take(&mut self.partial)))
        };
        self.reader.consume(newline + 1);
        Some(line)
    }
}

/// The most one read of a [`ReadBuffer`] takes: it reads into a buffer of
/// this size on the stack of the poll, not the connection's.
const READ_CHUNK: usize = 8 * 1024;

/// A buffered reader that holds a buffer only while it holds bytes: a
/// read goes into a buffer on the stack, what it brought is copied into a
/// buffer of exactly that size, and that buffer is freed as soon as the
/// last of it is consumed. A connection waiting for its peer (an idle
/// member: almost all of them) holds no read buffer at all, where
/// `tokio::io::BufReader` keeps its whole capacity for the connection's
/// life. The copy is of what the peer sent, once.
#[derive(Debug)]
pub struct ReadBuffer<R> {
    inner: R,
    /// Bytes read and not yet consumed: `buf[pos..]`.
    buf: Vec<u8>,
    pos: usize,
    /// The most one read takes (at most [`READ_CHUNK`]).
    chunk: usize,
}

impl<R> ReadBuffer<R> {
    /// Reads `inner`, up to `chunk` bytes at a time (at most 8 KiB, what
    /// a member app asks for).
    pub fn new(chunk: usize, inner: R) -> Self {
        Self {
            inner,
            buf: Vec::new(),
            pos: 0,
            chunk: chunk.clamp(1, READ_CHUNK),
        }
    }

    /// The bytes the buffer holds now (its capacity; 0 when it holds
    /// nothing).
    pub fn held(&self) -> usize {
        self.buf.capacity()
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for ReadBuffer<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.pos >= self.buf.len() {
            return Pin::new(&mut self.inner).poll_read(cx, out);
        }
        let n = {
            let held = &self.buf[self.pos..];
            let n = held.len().min(out.remaining());
            out.put_slice(&held[..n]);
            n
        };
        self.consume(n);
        Poll::Ready(Ok(()))
    }
}

impl<R: AsyncRead + Unpin> AsyncBufRead for ReadBuffer<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<&[u8]>> {
        let this = self.get_mut();
        if this.pos >= this.buf.len() {
            let mut chunk = [MaybeUninit::<u8>::uninit(); READ_CHUNK];
            let mut read = ReadBuf::uninit(&mut chunk[..this.chunk]);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read))?;
            this.buf = read.filled().to_vec();
            this.pos = 0;
        }
        Poll::Ready(Ok(&this.buf[this.pos..]))
    }

    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        self.pos = (self.pos + amt).min(self.buf.len());
        if self.pos == self.buf.len() {
            self.buf = Vec::new();
            self.pos = 0;
        }
    }
}

impl<R: AsyncRead + Unpin> Buffered for ReadBuffer<R> {
    fn buffered(&self) -> &[u8] {
        &self.buf[self.pos..]
    }
}

fn finish(mut line: Vec<u8>) -> Vec<u8> {
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    line
}

/// Makes message text safe to show: invalid UTF-8 becomes U+FFFD, dangerous
/// characters become visible escapes (`\x1b`, `\u{202e}`), and newlines
/// are kept or escaped as `\n`. See [`crate::net::safe_text`].
#[must_use]
pub fn sanitize(bytes: &[u8], newlines: Newlines) -> String {
    crate::net::safe_text::visible_bytes(bytes, newlines)
}

/// [`sanitize`] for text that is already UTF-8.
#[must_use]
pub fn sanitize_str(text: &str, newlines: Newlines) -> String {
    crate::net::safe_text::visible_bytes(text.as_bytes(), newlines)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines(input: &[u8], max: usize) -> Vec<Line> {
        let mut r = LineReader::new(tokio::io::BufReader::with_capacity(4, input), max);
        let mut out = Vec::new();
        while let Some(l) = r.next_line().await.unwrap() {
            out.push(l);
        }
        out
    }

    fn t(s: &str) -> Line {
        Line::Text(s.as_bytes().to_vec())
    }

    #[tokio::test]
    async fn splits_lines_and_keeps_an_unterminated_last_line() {
        assert_eq!(
            lines(b"one\ntwo\r\n\nlast", 100).await,
            vec![t("one"), t("two"), t(""), t("last")]
        );
        assert_eq!(lines(b"", 100).await, vec![]);
    }

    #[tokio::test]
    async fn over_long_lines_are_refused_and_reading_goes_on() {
        let got = lines(b"short\n0123456789ABC\nok\n0123456789ABCDEF", 10).await;
        assert_eq!(got, vec![t("short"), Line::TooLong, t("ok"), Line::TooLong]);
        // Exactly the cap is fine.
        assert_eq!(lines(b"0123456789\n", 10).await, vec![t("0123456789")]);
    }

    /// A reader that yields some bytes, then fails.
    struct Breaks(Vec<u8>, bool);

    impl tokio::io::AsyncRead for Breaks {
        fn poll_read(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            if self.1 {
                return std::task::Poll::Ready(Err(std::io::ErrorKind::ConnectionReset.into()));
            }
            self.1 = true;
            buf.put_slice(&self.0);
            std::task::Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn a_reset_after_an_unterminated_line_delivers_the_line_first() {
        let mut r = LineReader::new(
            tokio::io::BufReader::new(Breaks(b"one\nlast words".to_vec(), false)),
            100,
        );
        assert_eq!(r.next_line().await.unwrap(), Some(t("one")));
        assert_eq!(r.next_line().await.unwrap(), Some(t("last words")));
        assert_eq!(
            r.next_line().await.unwrap_err().kind(),
            std::io::ErrorKind::ConnectionReset
        );
    }

    #[tokio::test]
    async fn buffered_lines_come_out_without_reading_and_in_order() {
        let input: &[u8] = b"one\ntwo\n0123456789AB\nthr";
        let mut r = LineReader::new(tokio::io::BufReader::with_capacity(64, input), 10);
        // Nothing is buffered before the first read.
        assert_eq!(r.buffered_line(), None);
        assert_eq!(r.next_line().await.unwrap(), Some(t("one")));
        assert_eq!(r.buffered_line(), Some(t("two")));
        assert_eq!(r.buffered_line(), Some(Line::TooLong));
        // An unterminated tail stays for next_line.
        assert_eq!(r.buffered_line(), None);
        assert_eq!(r.next_line().await.unwrap(), Some(t("thr")));
        assert_eq!(r.next_line().await.unwrap(), None);
    }

    #[tokio::test]
    async fn after_a_line_that_spanned_reads_the_rest_of_the_buffer_is_taken() {
        // A 4-byte buffer: the first line takes three reads, and the last
        // of them also brought in the whole next line.
        let input: &[u8] = b"abcdefgh\nij\n";
        let mut r = LineReader::new(tokio::io::BufReader::with_capacity(4, input), 100);
        assert_eq!(r.next_line().await.unwrap(), Some(t("abcdefgh")));
        assert_eq!(r.buffered_line(), Some(t("ij")));
    }

    #[tokio::test]
    async fn a_read_buffer_frames_lines_as_a_bufreader_does() {
        let input: &[u8] = b"one\ntwo\r\n0123456789AB\nthree\nlast";
        for chunk in [1, 3, 4, 64, 100_000] {
            let mut r = LineReader::new(ReadBuffer::new(chunk, input), 10);
            let mut got = vec![r.next_line().await.unwrap().unwrap()];
            while let Some(line) = r.buffered_line() {
                got.push(line);
            }
            while let Some(line) = r.next_line().await.unwrap() {
                got.push(line);
            }
            assert_eq!(
                got,
                vec![t("one"), t("two"), Line::TooLong, t("three"), t("last")],
                "chunk {chunk}"
            );
        }
    }

    #[tokio::test]
    async fn a_read_buffer_holds_nothing_once_its_bytes_are_taken() {
        let (mut peer, conn) = tokio::io::duplex(64 * 1024);
        let mut r = LineReader::new(ReadBuffer::new(1024, conn), 64 * 1024);
        assert_eq!(r.reader.held(), 0, "nothing before the first read");
        // A burst: many lines in one read, then half a line.
        let burst = "a line of chat\n".repeat(60) + "half";
        tokio::io::AsyncWriteExt::write_all(&mut peer, burst.as_bytes())
            .await
            .unwrap();
        assert_eq!(r.next_line().await.unwrap(), Some(t("a line of chat")));
        assert!(r.reader.held() > 0, "the rest of the read is held");
        let mut lines = 1;
        loop {
            while r.buffered_line().is_some() {
                lines += 1;
            }
            if lines == 60 {
                break;
            }
            assert_eq!(r.next_line().await.unwrap(), Some(t("a line of chat")));
            lines += 1;
        }
        // Every whole line is taken; waiting for the rest of the half line
        // (polled once: it is pending) moves it to the line reader, whose
        // cap bounds it, and the buffer is gone.
        tokio::select! {
            biased;
            line = r.next_line() => panic!("nothing more was sent: {line:?}"),
            () = std::future::ready(()) => {}
        }
        assert_eq!(r.reader.held(), 0);
        tokio::io::AsyncWriteExt::write_all(&mut peer, b" done\n")
            .await
            .unwrap();
        assert_eq!(r.next_line().await.unwrap(), Some(t("half done")));
        assert_eq!(r.reader.held(), 0);
    }

    #[test]
    fn sanitize_escapes_controls_and_replaces_bad_utf8() {
        assert_eq!(
            sanitize(b"hi \x1b[31mred\x07", Newlines::Keep),
            "hi \\x1b[31mred\\x07"
        );
        assert_eq!(
            sanitize(b"caf\xc3\xa9 \xff!", Newlines::Keep),
            "caf\u{e9} \u{fffd}!"
        );
        assert_eq!(
            sanitize("a\u{202e}b".as_bytes(), Newlines::Keep),
            "a\\u{202e}b"
        );
        assert_eq!(
            sanitize(b"two\nlines\ttab", Newlines::Keep),
            "two\nlines\ttab"
        );
        assert_eq!(sanitize(b"two\nlines", Newlines::Escape), "two\\nlines");
        assert_eq!(
            sanitize("你好 こんにちは 안녕 👋".as_bytes(), Newlines::Escape),
            "你好 こんにちは 안녕 👋"
        );
    }
}
