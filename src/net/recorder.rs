//! A recording wrapper around the TCP stream, under TLS: it keeps the raw
//! bytes of the handshake in both directions, with when they went, up to
//! [`MAX_RECORDED`] bytes each way. [`Recorder::finish`] hands the tape
//! over once the handshake is done; from then on the wrapper is a
//! pass-through (one branch per read or write, nothing copied), unless it
//! is told to [`Recorder::follow`] the connection: then every later byte
//! is handed, as it passes, to a [`Follow`] (which keeps what it keeps),
//! for as long as whoever shows it holds it: the recorder holds it only
//! weakly, so a host with thousands of members recorded follows only those
//! its window still shows, and a follower nobody holds costs nothing.

use std::io::IoSlice;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The most bytes recorded in each direction (a handshake with a long
/// certificate chain and post-quantum key shares is under 16 KiB).
pub const MAX_RECORDED: usize = 64 * 1024;

/// The most reads or writes whose time is kept in each direction (a
/// handshake takes a few dozen; a peer sending one byte per segment would
/// otherwise make 16 bytes of marks for each byte recorded).
pub const MAX_MARKS: usize = 1024;

/// Bytes that went one way, and when each piece of them went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flow {
    /// The bytes, in order.
    pub bytes: Vec<u8>,
    /// `(offset, microseconds since the recording began)` for each read or
    /// write: the byte at `offset` and those after it went at that time.
    pub marks: Vec<(usize, u64)>,
    /// Whether more went than was recorded: more than [`MAX_RECORDED`]
    /// bytes, or in more than [`MAX_MARKS`] pieces (the rest is not here).
    pub truncated: bool,
}

impl Flow {
    fn add(&mut self, data: &[u8], at_us: u64) {
        if self.truncated || data.is_empty() {
            return;
        }
        // Bytes that went at the same time as the last ones share its mark.
        let same_time = self.marks.last().is_some_and(|(_, t)| *t == at_us);
        if !same_time && self.marks.len() >= MAX_MARKS {
            self.truncated = true;
            return;
        }
        let room = MAX_RECORDED.saturating_sub(self.bytes.len());
        if data.len() > room {
            self.truncated = true;
        }
        let kept = &data[..data.len().min(room)];
        if !kept.is_empty() {
            if !same_time {
                self.marks.push((self.bytes.len(), at_us));
            }
            self.bytes.extend_from_slice(kept);
        }
    }

    /// When the byte at `offset` went (microseconds since the start).
    #[must_use]
    pub fn time_of(&self, offset: usize) -> u64 {
        let i = self.marks.partition_point(|(o, _)| *o <= offset);
        self.marks.get(i.wrapping_sub(1)).map_or(0, |(_, t)| *t)
    }
}

/// What a recording holds: both directions of a connection's start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tape {
    /// What we sent.
    pub sent: Flow,
    /// What we received.
    pub received: Flow,
}

/// What is told the bytes of a connection after its handshake, as they
/// pass ([`Recorder::follow`]).
pub trait Follow: Send + Sync + std::fmt::Debug {
    /// `data` went out (`sent`) or came in, `at_us` microseconds after the
    /// recording began.
    fn bytes(&self, sent: bool, data: &[u8], at_us: u64);

    /// The connection is gone: nothing more will pass (a follower lets go
    /// of the keys it opened records with).
    fn ended(&self) {}
}

/// A stream that records what passes until [`Recorder::finish`], and
/// after it, when told to, hands what passes to a [`Follow`]. Not
/// recording, it adds one pointer to the stream (every member's
/// connection has one).
#[derive(Debug)]
pub struct Recorder<S> {
    inner: S,
    recording: Option<Box<Recording>>,
}

/// What a recorder holds while it records.
#[derive(Debug)]
struct Recording {
    /// The handshake's bytes; `None` once handed over.
    tape: Option<Tape>,
    /// Who is told every byte after the handshake, while someone else
    /// holds it.
    follow: Option<std::sync::Weak<dyn Follow>>,
    started: Instant,
}

impl Recording {
    fn now_us(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    fn add(&mut self, sent: bool, data: &[u8]) {
        if self.tape.is_none() && self.follow.is_none() {
            // Finished and not following: nothing to do, not even the time.
            return;
        }
        let now = self.now_us();
        match (&mut self.tape, &self.follow) {
            (Some(tape), _) if sent => tape.sent.add(data, now),
            (Some(tape), _) => tape.received.add(data, now),
            (None, Some(follow)) => match follow.upgrade() {
                Some(follow) => follow.bytes(sent, data, now),
                // Nobody shows it any more: let it go for good.
                None => self.follow = None,
            },
            (None, None) => {}
        }
    }
}

impl<S> Recorder<S> {
    /// Wraps `inner`; records only when `record` (otherwise it is a
    /// pass-through from the start).
    pub fn new(inner: S, record: bool) -> Self {
        Self {
            inner,
            recording: record.then(|| {
                Box::new(Recording {
                    tape: Some(Tape::default()),
                    follow: None,
                    started: Instant::now(),
                })
            }),
        }
    }

    /// Stops recording and hands over what was recorded (`None` if it was
    /// not recording). The recorder keeps when it began, for
    /// [`Recorder::follow`].
    pub fn finish(&mut self) -> Option<Tape> {
        self.recording.as_mut()?.tape.take()
    }

    /// After [`Recorder::finish`]: tells `follow` every byte that passes
    /// from now on, timed from when the recording began, as long as
    /// someone else holds it (the recorder keeps only a weak handle, and
    /// lets go at the first byte after the last holder dropped it). Does
    /// nothing on a recorder that never recorded.
    pub fn follow(&mut self, follow: &std::sync::Arc<dyn Follow>) {
        if let Some(r) = self.recording.as_mut() {
            r.follow = Some(std::sync::Arc::downgrade(follow));
        }
    }

    /// Whether it still records (the handshake, or bytes to follow).
    pub fn is_recording(&self) -> bool {
        self.recording
            .as_ref()
            .is_some_and(|r| r.tape.is_some() || r.follow.is_some())
    }

    /// The stream inside.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

/// A connection that ends tells its follower, if someone still holds it.
impl<S> Drop for Recorder<S> {
    fn drop(&mut self) {
        if let Some(follow) = self
            .recording
            .as_ref()
            .and_then(|r| r.follow.as_ref())
            .and_then(std::sync::Weak::upgrade)
        {
            follow.ended();
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Recorder<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let (Some(r), Poll::Ready(Ok(()))) = (this.recording.as_mut(), &polled)
            && let Some(new) = buf.filled().get(before..)
        {
            r.add(false, new);
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Recorder<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let (Some(r), Poll::Ready(Ok(n))) = (this.recording.as_mut(), &polled)
            && let Some(written) = buf.get(..*n)
        {
            r.add(true, written);
        }
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        // While recording: what was written is the first `n` bytes of the
        // slices, in order. All of them go in one write, as they would
        // without the recorder: a TLS library's last write before it
        // gives up (its fatal alert after what was queued before it) is
        // one call, and must not lose its end.
        if let (Some(r), Poll::Ready(Ok(n))) = (this.recording.as_mut(), &polled) {
            let mut left = *n;
            for b in bufs {
                if left == 0 {
                    break;
                }
                let written = b.get(..left.min(b.len())).unwrap_or(&[]);
                left -= written.len();
                r.add(true, written);
            }
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    #[tokio::test]
    async fn records_both_ways_until_finished_then_passes_through() {
        let (a, mut b) = tokio::io::duplex(1024);
        let mut r = Recorder::new(a, true);
        r.write_all(b"hello").await.unwrap();
        b.write_all(b"world").await.unwrap();
        let mut got = [0u8; 5];
        r.read_exact(&mut got).await.unwrap();
        let tape = r.finish().unwrap();
        assert_eq!(tape.sent.bytes, b"hello");
        assert_eq!(tape.received.bytes, b"world");
        assert!(!r.is_recording());
        // After the handshake: nothing is kept, both ways still work.
        r.write_all(b"after").await.unwrap();
        b.write_all(b"later").await.unwrap();
        r.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"later");
        let mut back = [0u8; 10];
        b.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"helloafter");
        assert!(r.finish().is_none());
    }

    /// A stream that takes at most `cap` bytes a write, across slices.
    #[derive(Debug, Default)]
    struct Takes {
        cap: usize,
        got: Vec<u8>,
    }

    impl AsyncWrite for Takes {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<std::io::Result<usize>> {
            self.poll_write_vectored(cx, &[IoSlice::new(buf)])
        }

        fn poll_write_vectored(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<std::io::Result<usize>> {
            let this = self.get_mut();
            let all: Vec<u8> = bufs.iter().flat_map(|b| b.iter().copied()).collect();
            let n = all.len().min(this.cap);
            this.got.extend_from_slice(&all[..n]);
            Poll::Ready(Ok(n))
        }

        fn is_write_vectored(&self) -> bool {
            true
        }

        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn one_vectored_write_while_recording_writes_every_slice_and_records_what_went() {
        // rustls' last write before it gives up on a handshake (what was
        // queued, then its fatal alert) is one vectored write: all of it
        // must go, as it does without the recorder.
        let mut r = Recorder::new(
            Takes {
                cap: 64,
                ..Takes::default()
            },
            true,
        );
        let bufs = [
            IoSlice::new(b"ccs"),
            IoSlice::new(b""),
            IoSlice::new(b"alert"),
        ];
        assert_eq!(r.write_vectored(&bufs).await.unwrap(), 8);
        assert_eq!(r.get_ref().got, b"ccsalert");
        assert_eq!(r.finish().unwrap().sent.bytes, b"ccsalert");
        // A write the stream takes only part of records only that part.
        let mut r = Recorder::new(
            Takes {
                cap: 5,
                ..Takes::default()
            },
            true,
        );
        assert_eq!(r.write_vectored(&bufs).await.unwrap(), 5);
        assert_eq!(r.finish().unwrap().sent.bytes, b"ccsal");
    }

    #[derive(Debug, Default)]
    struct Told(std::sync::Mutex<Vec<(bool, Vec<u8>)>>);

    impl Follow for Told {
        fn bytes(&self, sent: bool, data: &[u8], _at_us: u64) {
            self.0.lock().unwrap().push((sent, data.to_vec()));
        }
    }

    #[tokio::test]
    async fn told_to_follow_it_hands_on_every_later_byte_and_keeps_none() {
        let (a, mut b) = tokio::io::duplex(1024);
        let mut r = Recorder::new(a, true);
        r.write_all(b"hs").await.unwrap();
        assert_eq!(r.finish().unwrap().sent.bytes, b"hs");
        let told = std::sync::Arc::new(Told::default());
        let follower: std::sync::Arc<dyn Follow> = told.clone();
        r.follow(&follower);
        assert!(r.is_recording());
        r.write_all(b"out").await.unwrap();
        b.write_all(b"in").await.unwrap();
        let mut got = [0u8; 2];
        r.read_exact(&mut got).await.unwrap();
        assert_eq!(
            *told.0.lock().unwrap(),
            vec![(true, b"out".to_vec()), (false, b"in".to_vec())]
        );
        assert!(r.finish().is_none(), "no tape after the handshake");
        // One that never recorded cannot be made to follow.
        let (c, _d) = tokio::io::duplex(8);
        let mut quiet = Recorder::new(c, false);
        quiet.follow(&follower);
        assert!(!quiet.is_recording());
    }

    #[tokio::test]
    async fn a_follower_nobody_holds_is_let_go() {
        let (a, mut b) = tokio::io::duplex(1024);
        let mut r = Recorder::new(a, true);
        r.write_all(b"hs").await.unwrap();
        r.finish().unwrap();
        let told = std::sync::Arc::new(Told::default());
        let follower: std::sync::Arc<dyn Follow> = told.clone();
        r.follow(&follower);
        drop(follower);
        r.write_all(b"seen").await.unwrap();
        assert_eq!(told.0.lock().unwrap().len(), 1, "followed while held");
        let weak = std::sync::Arc::downgrade(&told);
        drop(told);
        assert!(weak.upgrade().is_none(), "the recorder does not hold it");
        r.write_all(b"gone").await.unwrap();
        assert!(!r.is_recording(), "let go at the next byte");
        let mut back = [0u8; 10];
        b.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"hsseengone");
    }

    #[test]
    fn a_flow_is_bounded_and_says_so() {
        let mut f = Flow::default();
        f.add(&vec![1u8; MAX_RECORDED - 2], 5);
        f.add(&[2u8; 10], 9);
        assert_eq!(f.bytes.len(), MAX_RECORDED);
        assert!(f.truncated);
        assert_eq!(f.time_of(0), 5);
        assert_eq!(f.time_of(MAX_RECORDED - 1), 9);
        f.add(&[3u8; 10], 11);
        assert_eq!(f.marks.len(), 2, "nothing past the cap, not even a mark");
    }

    #[test]
    fn a_peer_sending_a_byte_at_a_time_cannot_grow_the_marks() {
        let mut f = Flow::default();
        for t in 0..u64::try_from(MAX_MARKS).unwrap() * 4 {
            f.add(&[7], t);
        }
        assert_eq!(f.marks.len(), MAX_MARKS);
        assert_eq!(f.bytes.len(), MAX_MARKS, "nothing past the last mark");
        assert!(f.truncated, "and it says so");
        // Pieces that went at the same moment share one mark.
        let mut g = Flow::default();
        g.add(b"ab", 3);
        g.add(b"cd", 3);
        g.add(b"e", 4);
        assert_eq!(g.marks, vec![(0, 3), (4, 4)]);
        assert_eq!((g.time_of(3), g.time_of(4)), (3, 4));
    }

    #[test]
    fn a_recorder_made_not_to_record_never_does() {
        let (a, _b) = tokio::io::duplex(8);
        // It costs one pointer beside the stream.
        assert_eq!(
            std::mem::size_of::<Recorder<tokio::io::DuplexStream>>(),
            std::mem::size_of::<tokio::io::DuplexStream>() + std::mem::size_of::<usize>()
        );
        let mut r = Recorder::new(a, false);
        assert!(!r.is_recording());
        assert!(r.finish().is_none());
    }
}
