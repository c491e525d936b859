//! The room's feed: what the room said, in order, for every member to write
//! out — bounded in bytes. It is a broadcast channel that counts bytes
//! instead of slots: one copy of each batch is shared by every member, and
//! the most recent batches are kept, up to [`MAX_FEED_BYTES`] (whether or
//! not everyone has read them; the oldest go first). A member that falls
//! behind what is kept, or whose next batch is more than [`MAX_LAG`] old,
//! is told so and disconnected as too slow.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// The most the feed keeps for slow members, in bytes (all batches, both
/// dialects, shared by every member).
pub const MAX_FEED_BYTES: usize = 32 * 1024 * 1024;

/// A member whose next unread batch is older than this is too slow.
pub const MAX_LAG: Duration = Duration::from_secs(30);

/// Something with a size in bytes.
pub trait ByteSize {
    /// How many bytes it holds.
    fn bytes(&self) -> usize;
}

struct Inner<T> {
    /// Batches with when they were published, oldest first.
    batches: VecDeque<(Instant, Arc<T>)>,
    /// The index of `batches[0]` in the feed's whole history.
    first: u64,
    /// The bytes `batches` hold.
    bytes: usize,
    closed: bool,
}

/// The sending side; cheap to share.
pub struct Feed<T> {
    inner: Mutex<Inner<T>>,
    notify: Notify,
}

/// What a reader gets.
#[derive(Debug)]
pub enum Next<T> {
    /// The next batch.
    Batch(Arc<T>),
    /// The reader fell behind: this many batches were dropped before it
    /// read them, or its next batch is older than [`MAX_LAG`].
    Lagged(u64),
    /// The feed is closed and everything was read.
    Closed,
}

impl<T: ByteSize> Feed<T> {
    /// An empty feed.
    #[must_use]
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::new(Inner {
                batches: VecDeque::new(),
                first: 0,
                bytes: 0,
                closed: false,
            }),
            notify: Notify::new(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<T>> {
        // A panic while holding the lock cannot leave the queue half
        // changed (every change is one push or pop), so go on.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Publishes a batch; drops the oldest ones past the byte budget.
    pub fn push(&self, batch: T) {
        {
            let mut inner = self.lock();
            inner.bytes += batch.bytes();
            inner.batches.push_back((Instant::now(), Arc::new(batch)));
            while inner.bytes > MAX_FEED_BYTES && inner.batches.len() > 1 {
                if let Some((_, old)) = inner.batches.pop_front() {
                    inner.bytes -= old.bytes();
                    inner.first += 1;
                }
            }
        }
        self.notify.notify_waiters();
    }

    /// Drops everything kept (nobody is left to read it).
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.first += inner.batches.len() as u64;
        inner.batches.clear();
        inner.bytes = 0;
    }

    /// Ends the feed: readers get what is left, then [`Next::Closed`].
    pub fn close(&self) {
        self.lock().closed = true;
        self.notify.notify_waiters();
    }

    /// The bytes kept now.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// A reader that starts with the next batch published.
    pub fn subscribe(self: &Arc<Self>) -> Reader<T> {
        let inner = self.lock();
        Reader {
            feed: self.clone(),
            next: inner.first + inner.batches.len() as u64,
        }
    }
}

/// One member's place in the feed.
pub struct Reader<T> {
    feed: Arc<Feed<T>>,
    next: u64,
}

impl<T: ByteSize> Reader<T> {
    /// The next batch if there is one now.
    pub fn try_next(&mut self) -> Option<Next<T>> {
        let inner = self.feed.lock();
        if self.next < inner.first {
            return Some(Next::Lagged(inner.first - self.next));
        }
        let at = usize::try_from(self.next - inner.first).unwrap_or(usize::MAX);
        match inner.batches.get(at) {
            Some((when, batch)) => {
                if when.elapsed() > MAX_LAG {
                    let behind = inner.first + inner.batches.len() as u64 - self.next;
                    return Some(Next::Lagged(behind));
                }
                self.next += 1;
                Some(Next::Batch(batch.clone()))
            }
            None if inner.closed => Some(Next::Closed),
            None => None,
        }
    }

    /// The next batch, waiting for it. Cancel-safe.
    pub async fn next(&mut self) -> Next<T> {
        // A busy room has the next batch ready: no need to register a wake-up.
        if let Some(next) = self.try_next() {
            return next;
        }
        loop {
            let feed = self.feed.clone();
            let notified = feed.notify.notified();
            tokio::pin!(notified);
            // Registered before looking, so a push in between is not missed.
            notified.as_mut().enable();
            if let Some(next) = self.try_next() {
                return next;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl ByteSize for Vec<u8> {
        fn bytes(&self) -> usize {
            self.len()
        }
    }

    #[tokio::test]
    async fn readers_see_everything_in_order_and_laggards_are_told() {
        let feed: Arc<Feed<Vec<u8>>> = Feed::new();
        let mut early = feed.subscribe();
        feed.push(vec![1]);
        let mut late = feed.subscribe();
        feed.push(vec![2]);
        assert!(matches!(early.next().await, Next::Batch(b) if *b == vec![1]));
        assert!(matches!(early.next().await, Next::Batch(b) if *b == vec![2]));
        assert!(matches!(late.next().await, Next::Batch(b) if *b == vec![2]));
        assert!(early.try_next().is_none());

        // Past the byte budget the oldest batches go.
        let mut slow = feed.subscribe();
        for _ in 0..20 {
            feed.push(vec![0; MAX_FEED_BYTES / 10]);
        }
        assert!(feed.bytes() <= MAX_FEED_BYTES);
        assert!(matches!(slow.next().await, Next::Lagged(n) if n >= 10));

        feed.close();
        let mut last = feed.subscribe();
        assert!(matches!(last.next().await, Next::Closed));
    }

    #[tokio::test(start_paused = true)]
    async fn a_reader_too_far_behind_in_time_lags() {
        let feed: Arc<Feed<Vec<u8>>> = Feed::new();
        let mut r = feed.subscribe();
        feed.push(vec![1]);
        tokio::time::advance(MAX_LAG + Duration::from_secs(1)).await;
        assert!(matches!(r.next().await, Next::Lagged(1)));
    }

    #[tokio::test]
    async fn a_waiting_reader_wakes_for_a_push() {
        let feed: Arc<Feed<Vec<u8>>> = Feed::new();
        let mut r = feed.subscribe();
        let f = feed.clone();
        let pusher = tokio::spawn(async move {
            tokio::task::yield_now().await;
            f.push(vec![7]);
        });
        assert!(matches!(r.next().await, Next::Batch(b) if *b == vec![7]));
        pusher.await.unwrap();
    }
}
