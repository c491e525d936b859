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
//!
//! The feed also counts takers, so that the room can let its next batch
//! grow while the last one is being taken (the LMAX way, without a timer):
//! the readers waiting in [`Reader::next`] when a batch is published are
//! the ones it is for at once, and [`Feed::all_taken`] says whether each
//! of them has taken it ([`Feed::taken`] waits for that). Only readers
//! that were waiting count — not one behind, nor one busy writing — and a
//! waiting reader takes the batch as soon as its task runs (whatever its
//! connection does) or stops counting when it stops waiting (its wait is
//! dropped, it is cut off or it is gone), so no member can hold the room.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
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
    /// The index of the batch the reader waits for in [`Reader::next`],
    /// counted in [`Inner::parked`] or [`Inner::untaken`]; `u64::MAX`
    /// while it is not counted. Changed only under the feed's lock.
    parked_for: AtomicU64,
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
    /// Readers waiting for the next batch to be published.
    parked: usize,
    /// Of the readers that were waiting when the last batch was published,
    /// how many have not taken it yet.
    untaken: usize,
}

impl<T> Inner<T> {
    /// The index of the next batch to be published.
    fn head(&self) -> u64 {
        self.first + self.batches.len() as u64
    }

    /// Stops counting the reader of `cutoff` as waiting; returns whether
    /// that made the last batch taken by all it was for.
    fn unpark(&mut self, cutoff: &Cutoff) -> bool {
        let at = cutoff.parked_for.swap(u64::MAX, Ordering::Relaxed);
        if at == u64::MAX {
            return false;
        }
        let head = self.head();
        if at == head {
            self.parked = self.parked.saturating_sub(1);
        } else if at + 1 == head && self.untaken > 0 {
            self.untaken -= 1;
            return self.untaken == 0;
        }
        false
    }

    /// Counts the reader of `cutoff` as waiting for the next batch.
    fn park(&mut self, cutoff: &Cutoff) {
        let head = self.head();
        if cutoff.parked_for.swap(head, Ordering::Relaxed) != head {
            self.parked += 1;
        }
    }
}

/// The sending side; cheap to share.
pub struct Feed<T> {
    inner: Mutex<Inner<T>>,
    notify: Notify,
    /// Readers not cut off yet.
    open: AtomicUsize,
    /// `Inner::bytes`, readable without the lock.
    bytes: AtomicUsize,
    /// Wakes [`Feed::taken`] when the last batch was taken by every reader
    /// that waited for it.
    taken: Notify,
    /// The publisher holds the next batch until the last one is taken
    /// ([`Feed::hold`]); cleared when it is published.
    holding: AtomicBool,
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
                parked: 0,
                untaken: 0,
            }),
            notify: Notify::new(),
            open: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
            taken: Notify::new(),
            holding: AtomicBool::new(false),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<T>> {
        // A panic while holding the lock cannot leave the queue half
        // changed (every change is one push or pop), so go on.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Publishes a batch; drops the oldest ones past the byte budget. It is
    /// for the readers waiting now ([`Feed::all_taken`]).
    pub fn push(&self, batch: T) {
        {
            let mut inner = self.lock();
            // Readers still counted for the batch before are not waited for
            // any more: they take both at once.
            inner.untaken = std::mem::take(&mut inner.parked);
            self.holding.store(false, Ordering::Release);
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
        self.holding.store(false, Ordering::Release);
        self.notify.notify_waiters();
    }

    /// Whether every reader that was waiting when the last batch was
    /// published has taken it (or stopped waiting).
    pub fn all_taken(&self) -> bool {
        self.lock().untaken == 0
    }

    /// Waits until [`Feed::all_taken`]. Cancel-safe.
    pub async fn taken(&self) {
        loop {
            let notified = self.taken.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.all_taken() {
                return;
            }
            notified.await;
        }
    }

    /// Says that the publisher holds a next batch until the last one is
    /// taken ([`Feed::taken`]): a reader that took the last one may wait
    /// for it rather than write twice ([`Reader::next_is_held`]).
    pub fn hold(&self) {
        self.holding.store(true, Ordering::Release);
    }

    /// Stops counting the reader of `cutoff` as waiting.
    fn unpark(&self, cutoff: &Cutoff) {
        if self.lock().unpark(cutoff) {
            self.taken.notify_waiters();
        }
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
                parked_for: AtomicU64::new(u64::MAX),
            }),
        }
    }

    /// Cuts a reader off: it gets the batches published so far and nothing
    /// after. The first cut counts; later ones change nothing. Returns
    /// whether this call cut it off.
    pub fn cut(&self, cutoff: &Cutoff, reason: CutReason) -> bool {
        let all_taken = {
            let mut inner = self.lock();
            let head = inner.head();
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
            // The room does not wait for it to take anything more.
            inner.unpark(cutoff)
        };
        if all_taken {
            self.taken.notify_waiters();
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
        self.poll_next(Wait::No)
    }

    /// The next batch if there is one now; if not, with [`Wait::Yes`], the
    /// reader is counted as waiting for it (in the same look, under the
    /// lock). Taking a batch, or learning that none will come, stops the
    /// count.
    fn poll_next(&mut self, wait: Wait) -> Option<Next<T>> {
        let mut inner = self.feed.lock();
        let next = look(&mut self.next, &self.cutoff, &inner);
        let all_taken = match &next {
            None if wait == Wait::Yes => {
                inner.park(&self.cutoff);
                false
            }
            None => false,
            Some(_) => inner.unpark(&self.cutoff),
        };
        drop(inner);
        if all_taken {
            self.feed.taken.notify_waiters();
        }
        next
    }

    /// Whether the publisher holds the next batch until the last one is
    /// taken ([`Feed::hold`]): it comes as soon as the readers that waited
    /// for the last one have taken it, whatever anyone's connection does.
    pub fn next_is_held(&self) -> bool {
        self.feed.holding.load(Ordering::Acquire)
    }

    /// Waits until [`Reader::try_next`] has something (a batch, or the
    /// news that none will come), counted as waiting meanwhile like
    /// [`Reader::next`]. Cancel-safe.
    pub async fn ready(&mut self) {
        let feed = self.feed.clone();
        let _waiting = Waiting {
            feed: &feed,
            cutoff: self.cutoff.clone(),
        };
        loop {
            let notified = feed.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut inner = feed.lock();
                let mut next = self.next;
                if look(&mut next, &self.cutoff, &inner).is_some() {
                    // Put back what a look at a batch moved on.
                    self.cutoff.next.store(self.next, Ordering::Relaxed);
                    return;
                }
                inner.park(&self.cutoff);
            }
            notified.await;
        }
    }

    /// The next batch, waiting for it. Cancel-safe.
    pub async fn next(&mut self) -> Next<T> {
        // A busy room has the next batch ready: no need to register a wake-up.
        if let Some(next) = self.try_next() {
            return next;
        }
        let feed = self.feed.clone();
        // Counted as waiting from here: uncounted when the wait is
        // dropped, whatever happens (a no-op once a batch was taken).
        let _waiting = Waiting {
            feed: &feed,
            cutoff: self.cutoff.clone(),
        };
        loop {
            let notified = feed.notify.notified();
            tokio::pin!(notified);
            // Registered before looking, so a push (or a cut) in between is
            // not missed.
            notified.as_mut().enable();
            if let Some(next) = self.poll_next(Wait::Yes) {
                return next;
            }
            notified.await;
        }
    }
}

/// What a reader whose next batch is `next` finds, under the feed's lock
/// (see [`Reader::poll_next`]).
fn look<T>(next: &mut u64, cutoff: &Cutoff, inner: &Inner<T>) -> Option<Next<T>> {
    // Read under the lock that `cut` sets it under: exact.
    let cut_at = cutoff.at.load(Ordering::Acquire);
    let cut = || Some(Next::Cut(cutoff.reason().unwrap_or(CutReason::Left)));
    if *next >= cut_at {
        return cut();
    }
    // A reader cut off while behind is told why it was cut off rather
    // than that it fell behind: that is what ends it.
    if *next < inner.first {
        if cut_at != u64::MAX {
            return cut();
        }
        return Some(Next::Lagged(inner.first - *next));
    }
    let at = usize::try_from(*next - inner.first).unwrap_or(usize::MAX);
    match inner.batches.get(at) {
        Some((when, batch)) => {
            if when.elapsed() > MAX_LAG {
                if cut_at != u64::MAX {
                    return cut();
                }
                return Some(Next::Lagged(inner.head() - *next));
            }
            *next += 1;
            cutoff.next.store(*next, Ordering::Relaxed);
            Some(Next::Batch(batch.clone()))
        }
        None if inner.closed => Some(Next::Closed),
        None => None,
    }
}

/// Whether [`Reader::poll_next`] counts the reader as waiting when there is
/// nothing to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    Yes,
    No,
}

/// A reader waiting in [`Reader::next`]: it stops being counted as waiting
/// when the wait ends, also when the wait is dropped before a batch came.
struct Waiting<'a, T: ByteSize> {
    feed: &'a Feed<T>,
    cutoff: Arc<Cutoff>,
}

impl<T: ByteSize> Drop for Waiting<'_, T> {
    fn drop(&mut self) {
        // Set and cleared only by this reader (and by a cut, under the
        // lock): when it reads "not counted" here, it is not.
        if self.cutoff.parked_for.load(Ordering::Relaxed) != u64::MAX {
            self.feed.unpark(&self.cutoff);
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

    /// Polls `f` once: its output if it is ready.
    async fn poll_once<F: Future + Unpin>(f: &mut F) -> Option<F::Output> {
        std::future::poll_fn(|cx| {
            std::task::Poll::Ready(match std::pin::Pin::new(&mut *f).poll(cx) {
                std::task::Poll::Ready(v) => Some(v),
                std::task::Poll::Pending => None,
            })
        })
        .await
    }

    #[tokio::test]
    async fn a_batch_is_taken_once_every_reader_that_waited_for_it_took_it() {
        let feed: Arc<Feed<Vec<u8>>> = Feed::new();
        let (mut a, mut b, mut c, mut d) = (
            feed.subscribe(),
            feed.subscribe(),
            feed.subscribe(),
            feed.subscribe(),
        );
        feed.push(vec![0]);
        assert!(feed.all_taken(), "nobody waited for it");
        for r in [&mut a, &mut b, &mut d] {
            assert!(matches!(r.next().await, Next::Batch(_)));
        }
        // a, b and d wait; c is behind (busy elsewhere): not waited for.
        let mut wait_a = Box::pin(a.next());
        let mut wait_b = Box::pin(b.next());
        let mut wait_d = Box::pin(d.next());
        for w in [&mut wait_a, &mut wait_b, &mut wait_d] {
            assert!(poll_once(w).await.is_none());
        }
        feed.push(vec![1]);
        assert!(!feed.all_taken());
        let waiter = feed.clone();
        let mut taken = Box::pin(async move { waiter.taken().await });
        assert!(poll_once(&mut taken).await.is_none());
        assert!(matches!(poll_once(&mut wait_a).await, Some(Next::Batch(b)) if *b == vec![1]));
        assert!(!feed.all_taken(), "b and d have not taken it");
        // A wait given up (the writer had something else to do first) is
        // not waited for.
        drop(wait_d);
        assert!(!feed.all_taken(), "b has not taken it");
        assert!(poll_once(&mut taken).await.is_none());
        assert!(matches!(poll_once(&mut wait_b).await, Some(Next::Batch(b)) if *b == vec![1]));
        assert!(feed.all_taken());
        assert!(poll_once(&mut taken).await.is_some());
        drop((wait_a, wait_b));
        // c and d take it later, when they come to it.
        assert!(matches!(c.try_next(), Some(Next::Batch(b)) if *b == vec![0]));
        assert!(matches!(d.try_next(), Some(Next::Batch(b)) if *b == vec![1]));

        // A reader cut off (or gone) while waiting is not waited for.
        let cut = a.cutoff().clone();
        let mut wait_a = Box::pin(a.next());
        let mut wait_b = Box::pin(b.next());
        assert!(poll_once(&mut wait_a).await.is_none());
        assert!(poll_once(&mut wait_b).await.is_none());
        feed.push(vec![2]);
        assert!(!feed.all_taken());
        feed.cut(&cut, CutReason::OverBudget);
        assert!(!feed.all_taken(), "b has not taken it");
        assert!(matches!(poll_once(&mut wait_b).await, Some(Next::Batch(_))));
        assert!(feed.all_taken());
        assert!(matches!(poll_once(&mut wait_a).await, Some(Next::Batch(_))));
        drop((wait_a, wait_b));

        // A batch published before the last one was taken by all: those
        // still behind take both, and only the newest is waited for.
        let mut wait_b = Box::pin(b.next());
        assert!(poll_once(&mut wait_b).await.is_none());
        feed.push(vec![3]);
        feed.push(vec![4]);
        assert!(feed.all_taken(), "nobody was waiting for 4");
        assert!(matches!(poll_once(&mut wait_b).await, Some(Next::Batch(b)) if *b == vec![3]));
        assert!(feed.all_taken());
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
