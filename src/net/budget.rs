//! The host's budget for queued output: one limit on the bytes waiting to
//! be sent to members, all of them together — the room's feed plus what
//! each member's connection holds while its write is under way (its write
//! buffer and the TLS buffer under it). Members that never read make the
//! host hold a buffer each; past the budget the members furthest behind in
//! the feed are cut off first, until what is left fits again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use crate::net::feed::{ByteSize, CutReason, Cutoff, Feed};

/// What rustls may hold for one connection while a write waits on a slow
/// peer: its default buffer limit, and a record's overhead.
pub(crate) const TLS_SEND_BUFFER: usize = 64 * 1024 + 1024;

/// One member's share of the budget.
#[derive(Debug)]
struct Account {
    /// Where the member's feed ends (the budget may cut it off).
    cutoff: Arc<Cutoff>,
    /// The bytes it holds now.
    charged: AtomicUsize,
    /// Since when it holds them (microseconds since the budget began): the
    /// member whose write has waited longest for its peer goes first.
    since: AtomicU64,
}

/// The budget: shared by every member connection of one host.
pub(crate) struct OutputBudget<T> {
    /// At most this many bytes queued, the feed included.
    limit: usize,
    /// What the members' connections hold, in total.
    used: AtomicUsize,
    /// The room's feed (its bytes count too; the budget cuts readers off it).
    feed: Arc<Feed<T>>,
    /// Every member's account, by member id.
    accounts: Mutex<HashMap<u64, Arc<Account>>>,
    /// When the budget began.
    epoch: Instant,
}

/// A member's charge on the budget, given back when dropped.
pub(crate) struct Charge<T: ByteSize> {
    budget: Arc<OutputBudget<T>>,
    id: u64,
    account: Arc<Account>,
}

impl<T: ByteSize> OutputBudget<T> {
    /// A budget of `limit` bytes for what is queued in `feed` and for its
    /// readers.
    pub(crate) fn new(limit: usize, feed: Arc<Feed<T>>) -> Arc<Self> {
        Arc::new(Self {
            limit,
            used: AtomicUsize::new(0),
            feed,
            accounts: Mutex::new(HashMap::new()),
            epoch: Instant::now(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Account>>> {
        // Each change is one insert or remove: a panic cannot leave the
        // map half changed.
        self.accounts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens member `id`'s account, for the reader cut off by `cutoff`.
    pub(crate) fn open(self: &Arc<Self>, id: u64, cutoff: Arc<Cutoff>) -> Charge<T> {
        let account = Arc::new(Account {
            cutoff,
            charged: AtomicUsize::new(0),
            since: AtomicU64::new(0),
        });
        self.lock().insert(id, account.clone());
        Charge {
            budget: self.clone(),
            id,
            account,
        }
    }

    /// The bytes the members' connections hold now.
    #[cfg(test)]
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// Over the budget: cuts off the members furthest behind — those whose
    /// write has waited longest for their peer to read (and of those since
    /// the same moment, the one furthest back in the feed) — among those
    /// holding bytes, until what the others hold fits with an
    /// eighth of the budget to spare (so that the next write does not cut
    /// again at once). What members already cut off still hold is on its
    /// way out and not counted.
    fn evict(&self) {
        let accounts = self.lock();
        let mut holding: Vec<&Arc<Account>> = Vec::new();
        let mut leaving = 0usize;
        for account in accounts.values() {
            let charged = account.charged.load(Ordering::Relaxed);
            if account.cutoff.is_cut() {
                leaving += charged;
            } else if charged > 0 {
                holding.push(account);
            }
        }
        let used = self
            .used
            .load(Ordering::Relaxed)
            .saturating_sub(leaving)
            .saturating_add(self.feed.bytes());
        let target = self.limit - self.limit / 8;
        if used <= self.limit {
            return;
        }
        let mut excess = used - target;
        holding.sort_by_key(|a| (a.since.load(Ordering::Relaxed), a.cutoff.position()));
        let mut cut = 0usize;
        for account in holding {
            if excess == 0 {
                break;
            }
            if self.feed.cut(&account.cutoff, CutReason::OverBudget) {
                cut += 1;
                excess = excess.saturating_sub(account.charged.load(Ordering::Relaxed));
            }
        }
        tracing::info!(
            used,
            limit = self.limit,
            cut,
            "queued output over budget: the members furthest behind were disconnected"
        );
        if excess > 0 {
            tracing::warn!(
                excess,
                "queued output over budget with nobody left to cut off"
            );
        }
    }
}

impl<T: ByteSize> Charge<T> {
    /// Says how many bytes this member holds now. Growing past the budget
    /// cuts off the members furthest behind (perhaps this one: see
    /// [`Cutoff::is_cut`]).
    pub(crate) fn set(&self, bytes: usize) {
        let old = self.account.charged.swap(bytes, Ordering::Relaxed);
        let budget = &self.budget;
        if old == 0 && bytes > 0 {
            let now = u64::try_from(budget.epoch.elapsed().as_micros()).unwrap_or(u64::MAX);
            self.account.since.store(now, Ordering::Relaxed);
        }
        if bytes > old {
            let used = budget.used.fetch_add(bytes - old, Ordering::Relaxed) + (bytes - old);
            if used.saturating_add(budget.feed.bytes()) > budget.limit {
                budget.evict();
            }
        } else if bytes < old {
            budget.used.fetch_sub(old - bytes, Ordering::Relaxed);
        }
    }
}

impl<T: ByteSize> Drop for Charge<T> {
    fn drop(&mut self) {
        self.set(0);
        self.budget.lock().remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batch of this many bytes.
    struct Bytes(usize);

    impl ByteSize for Bytes {
        fn bytes(&self) -> usize {
            self.0
        }
    }

    #[test]
    fn past_the_budget_the_longest_waiting_go_first() {
        let feed: Arc<Feed<Bytes>> = Feed::new();
        let budget = OutputBudget::new(1000, feed.clone());
        let readers: Vec<_> = (0..4).map(|_| feed.subscribe()).collect();
        let charges: Vec<_> = readers
            .iter()
            .enumerate()
            .map(|(i, r)| budget.open(i as u64, r.cutoff().clone()))
            .collect();
        let tick = || std::thread::sleep(std::time::Duration::from_millis(2));
        // 3 and then 2 start writes their peers do not take; 0 and 1 come
        // later.
        charges[3].set(200);
        tick();
        charges[2].set(300);
        tick();
        charges[0].set(300);
        assert!(
            readers.iter().all(|r| !r.cutoff().is_cut()),
            "within budget"
        );
        tick();
        // 1 takes it over: 3 goes (it waited longest), and so does 2,
        // since cutting 3 alone does not leave an eighth to spare.
        charges[1].set(300);
        let cut: Vec<bool> = readers.iter().map(|r| r.cutoff().is_cut()).collect();
        assert_eq!(cut, [false, false, true, true]);
        assert_eq!(readers[3].cutoff().reason(), Some(CutReason::OverBudget));
        // A write that finished and starts again waits from then on.
        charges[0].set(0);
        tick();
        charges[0].set(300);
        // What they held goes back when they end.
        drop(charges);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn of_members_equally_behind_the_longest_waiting_goes_first() {
        let feed: Arc<Feed<Bytes>> = Feed::new();
        let budget = OutputBudget::new(1000, feed.clone());
        let stuck = feed.subscribe();
        let busy = feed.subscribe();
        let c_stuck = budget.open(1, stuck.cutoff().clone());
        let c_busy = budget.open(2, busy.cutoff().clone());
        c_stuck.set(600);
        std::thread::sleep(std::time::Duration::from_millis(2));
        c_busy.set(600);
        assert!(stuck.cutoff().is_cut());
        assert!(!busy.cutoff().is_cut());
    }

    #[test]
    fn the_feed_counts_against_the_budget() {
        let feed: Arc<Feed<Bytes>> = Feed::new();
        let budget = OutputBudget::new(1000, feed.clone());
        let r = feed.subscribe();
        let c = budget.open(1, r.cutoff().clone());
        feed.push(Bytes(900));
        c.set(50);
        assert!(!r.cutoff().is_cut());
        c.set(200);
        assert!(r.cutoff().is_cut());
    }
}
