//! The room's feed: what the room said, in order, for every member to write
//! out — bounded in bytes. It is a broadcast channel that counts bytes
//! instead of slots: one copy of each batch is shared by every member, and
//! the most recent batches are kept, up to [`MAX_FEED_BYTES`] (whether or
//! not everyone has read them; the oldest go first). A member that falls
//! behind what is kept, or whose next batch is more than [`MAX_LAG`] old,
//! is told so and disconnected as too slow.
//!
//! Each reader has a [`Cutoff`]: the point in the feed where its member
//! left the room (or was replaced, or dropped). A reader gets exactly the
//! batches published before its cutoff and nothing after, whatever it was
//! doing when the cutoff was set: the room sets it, under the feed's lock,
//! in the same step that takes the member out of its list. The feed counts
//! the readers not yet cut off ([`Feed::open_readers`]), so the room can
//! check that nobody hears it without being in its member list.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
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

/// Why a reader was cut off from the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CutReason {
    /// Its member left the room (or its connection ended).
    Left,
    /// Another connection of the same member took its place.
    Replaced,
    /// The host's budget for queued output is spent, and this member was
    /// the furthest behind.
    OverBudget,
    /// The host put its member out (kick or ban); what it is told.
    Removed(Arc<str>),
}

impl CutReason {
    /// Whether a write under way to the reader's member is finished before
    /// it is told why it was cut off (a line of its own): yes when it was
    /// replaced or removed, no when the point is to free memory at once.
    #[must_use]
    pub fn finishes_write(&self) -> bool {
        matches!(self, Self::Replaced | Self::Removed(_))
    }
}

/// Where one reader's feed ends; shared by the reader and whoever may cut
/// it off (the room, the output budget).
#[derive(Debug)]
pub struct Cutoff {
    /// The index of the first batch the reader does not get; `u64::MAX`
    /// while it is open. Set once, under the feed's lock.
    at: AtomicU64,
    /// The index of the next batch the reader will take: how far behind it
    /// is (for the output budget, which drops the furthest behind first).
    next: AtomicU64,
    /// Why it was cut off.
    reason: OnceLock<CutReason>,
    /// Wakes the reader's owner when it is cut off.
    notify: Notify,
}

impl Cutoff {
    /// Why the reader was cut off, once it has been.
    pub fn reason(&self) -> Option<CutReason> {
        self.reason.get().cloned()
    }

    /// Whether the reader was cut off.
    pub fn is_cut(&self) -> bool {
        self.at.load(Ordering::Acquire) != u64::MAX
    }

    /// The index of the next batch its reader takes (lower is further
    /// behind).
    pub fn position(&self) -> u64 {
        self.next.load(Ordering::Relaxed)
    }

    /// Waits until the reader is cut off; returns why. Cancel-safe.
    pub async fn cut_off(&self) -> CutReason {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(reason) = self.reason() {
                return reason;
            }
            notified.await;
        }
    }
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
    /// Readers not cut off yet.
    open: AtomicUsize,
    /// `Inner::bytes`, readable without the lock.
    bytes: AtomicUsize,
}

/// What a reader gets.
#[derive(Debug)]
pub enum Next<T> {
    /// The next batch.
    Batch(Arc<T>),
    /// The reader fell behind: this many batches were dropped before it
    /// read them, or its next batch is older than [`MAX_LAG`].
    Lagged(u64),
    /// The reader was cut off, and has read everything before its cutoff.
    Cut(CutReason),
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
            open: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
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
            self.bytes.store(inner.bytes, Ordering::Relaxed);
        }
        self.notify.notify_waiters();
    }

    /// Drops everything kept (nobody is left to read it).
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.first += inner.batches.len() as u64;
        inner.batches.clear();
        inner.bytes = 0;
        self.bytes.store(0, Ordering::Relaxed);
    }

    /// Ends the feed: readers get what is left, then [`Next::Closed`].
    pub fn close(&self) {
        self.lock().closed = true;
        self.notify.notify_waiters();
    }

    /// The bytes kept now.
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    /// A reader that starts with the next batch published, and gets every
    /// batch until it is cut off ([`Feed::cut`]) or dropped.
    pub fn subscribe(self: &Arc<Self>) -> Reader<T> {
        let inner = self.lock();
        let next = inner.first + inner.batches.len() as u64;
        self.open.fetch_add(1, Ordering::AcqRel);
        Reader {
            feed: self.clone(),
            next,
            cutoff: Arc::new(Cutoff {
                at: AtomicU64::new(u64::MAX),
                next: AtomicU64::new(next),
                reason: OnceLock::new(),
                notify: Notify::new(),
            }),
        }
    }

    /// Cuts a reader off: it gets the batches published so far and nothing
    /// after. The first cut counts; later ones change nothing. Returns
    /// whether this call cut it off.
    pub fn cut(&self, cutoff: &Cutoff, reason: CutReason) -> bool {
        {
            let inner = self.lock();
            let head = inner.first + inner.batches.len() as u64;
            if cutoff
                .at
                .compare_exchange(u64::MAX, head, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                return false;
            }
            // Set while the lock is held: a reader that sees the cutoff
            // sees its reason.
            let _ = cutoff.reason.set(reason);
        }
        self.open.fetch_sub(1, Ordering::AcqRel);
        cutoff.notify.notify_waiters();
        // A reader waiting for the next batch learns it will not come.
        self.notify.notify_waiters();
        true
    }

    /// How many readers are not cut off (nor dropped).
    pub fn open_readers(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }
}

/// One member's place in the feed.
pub struct Reader<T: ByteSize> {
    feed: Arc<Feed<T>>,
    next: u64,
    cutoff: Arc<Cutoff>,
}

impl<T: ByteSize> Drop for Reader<T> {
    fn drop(&mut self) {
        // A reader that is gone is no longer open.
        self.feed.cut(&self.cutoff, CutReason::Left);
    }
}

impl<T: ByteSize> Reader<T> {
    /// Where this reader's feed ends (shared with whoever may cut it off).
    pub fn cutoff(&self) -> &Arc<Cutoff> {
        &self.cutoff
    }

    /// The next batch if there is one now.
    pub fn try_next(&mut self) -> Option<Next<T>> {
        let inner = self.feed.lock();
        // Read under the lock that `cut` sets it under: exact.
        let cut_at = self.cutoff.at.load(Ordering::Acquire);
        let cut = || Some(Next::Cut(self.cutoff.reason().unwrap_or(CutReason::Left)));
        if self.next >= cut_at {
            return cut();
        }
        // A reader cut off while behind is told why it was cut off rather
        // than that it fell behind: that is what ends it.
        if self.next < inner.first {
            if cut_at != u64::MAX {
                return cut();
            }
            return Some(Next::Lagged(inner.first - self.next));
        }
        let at = usize::try_from(self.next - inner.first).unwrap_or(usize::MAX);
        match inner.batches.get(at) {
            Some((when, batch)) => {
                if when.elapsed() > MAX_LAG {
                    if cut_at != u64::MAX {
                        return cut();
                    }
                    let behind = inner.first + inner.batches.len() as u64 - self.next;
                    return Some(Next::Lagged(behind));
                }
                self.next += 1;
                self.cutoff.next.store(self.next, Ordering::Relaxed);
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
            // Registered before looking, so a push (or a cut) in between is
            // not missed.
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

    #[tokio::test]
    async fn a_cut_off_reader_gets_what_came_before_and_nothing_after() {
        let feed: Arc<Feed<Vec<u8>>> = Feed::new();
        let mut r = feed.subscribe();
        let mut other = feed.subscribe();
        assert_eq!(feed.open_readers(), 2);
        feed.push(vec![1]);
        let cutoff = r.cutoff().clone();
        assert!(feed.cut(&cutoff, CutReason::Replaced));
        assert!(!feed.cut(&cutoff, CutReason::Left), "the first cut counts");
        assert_eq!(feed.open_readers(), 1);
        feed.push(vec![2]);
        assert!(matches!(r.next().await, Next::Batch(b) if *b == vec![1]));
        assert!(matches!(r.next().await, Next::Cut(CutReason::Replaced)));
        assert!(matches!(r.try_next(), Some(Next::Cut(CutReason::Replaced))));
        assert_eq!(cutoff.cut_off().await, CutReason::Replaced);
        // The others go on.
        assert!(matches!(other.next().await, Next::Batch(b) if *b == vec![1]));
        assert!(matches!(other.next().await, Next::Batch(b) if *b == vec![2]));
        assert_eq!(other.cutoff().position(), 2);
        // A reader dropped is no longer open, and dropping a cut one does
        // not count it twice.
        drop(r);
        assert_eq!(feed.open_readers(), 1);
        drop(other);
        assert_eq!(feed.open_readers(), 0);
    }

    #[tokio::test]
    async fn a_waiting_reader_wakes_for_its_cutoff() {
        let feed: Arc<Feed<Vec<u8>>> = Feed::new();
        let mut r = feed.subscribe();
        let cutoff = r.cutoff().clone();
        let f = feed.clone();
        let cutter = tokio::spawn(async move {
            tokio::task::yield_now().await;
            f.cut(&cutoff, CutReason::OverBudget);
        });
        assert!(matches!(r.next().await, Next::Cut(CutReason::OverBudget)));
        cutter.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_reader_too_far_behind_in_time_lags() {
        let feed: Arc<Feed<Vec<u8>>> = Feed::new();
        let mut r = feed.subscribe();
        feed.push(vec![1]);
        tokio::time::advance(MAX_LAG + Duration::from_secs(1)).await;
        assert!(matches!(r.next().await, Next::Lagged(1)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_reader_cut_off_while_behind_is_told_its_cut_not_its_lag() {
        let feed: Arc<Feed<Vec<u8>>> = Feed::new();
        let removed = CutReason::Removed(Arc::from("you were removed by the host"));
        // Too old...
        let mut r = feed.subscribe();
        feed.push(vec![1]);
        feed.cut(&r.cutoff().clone(), removed.clone());
        tokio::time::advance(MAX_LAG + Duration::from_secs(1)).await;
        assert!(matches!(r.next().await, Next::Cut(c) if c == removed));
        // ...or gone (the room cleared the feed when its last member left).
        let mut r = feed.subscribe();
        feed.push(vec![2]);
        feed.cut(&r.cutoff().clone(), removed.clone());
        feed.clear();
        assert!(matches!(r.next().await, Next::Cut(c) if c == removed));
        // Not cut off, it lags.
        let mut r = feed.subscribe();
        feed.push(vec![3]);
        feed.clear();
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
