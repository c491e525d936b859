//! How fast a member may send: a token bucket per connection, and what
//! each kind of line costs. A flood is slowed down, never dropped.

use std::time::Duration;

use crate::net::frame::ClientFrame;
use crate::net::protocol::Read;

/// Lines a member may send per second, sustained.
pub(crate) const RATE_PER_SEC: f64 = 200.0;
/// Lines a member may send in a burst above the sustained rate.
pub(crate) const RATE_BURST: f64 = 400.0;
/// What a roster page costs in lines of the rate limit: a page is up to
/// 32 KiB that the room builds, so a member cannot ask for many a second.
const WHO_COST: usize = 8;
/// What a rename costs in lines of the rate limit: each one is a notice
/// to every member.
const NICK_COST: usize = 20;

/// What a batch of lines costs in lines of the rate limit.
pub(super) fn cost(batch: &[Read<ClientFrame>]) -> usize {
    batch
        .iter()
        .map(|f| match f {
            Ok(ClientFrame::Who { .. }) => WHO_COST,
            Ok(ClientFrame::Nick { .. }) => NICK_COST,
            _ => 1,
        })
        .sum()
}

/// A token bucket: `rate` lines a second, bursts of up to `burst`.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Option<tokio::time::Instant>,
    /// Whether the member was told it is being slowed down.
    pub warned: bool,
}

impl TokenBucket {
    pub(crate) fn new(rate: f64, burst: f64) -> Self {
        Self {
            rate,
            burst,
            tokens: burst,
            last: None,
            warned: false,
        }
    }

    /// Takes `n` tokens; returns how long to wait first when there are not
    /// enough.
    pub(crate) fn take(&mut self, n: usize, now: tokio::time::Instant) -> Option<Duration> {
        let elapsed = self
            .last
            .map_or(0.0, |t| now.saturating_duration_since(t).as_secs_f64());
        self.last = Some(now);
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.tokens -= n as f64;
        if self.tokens >= 0.0 {
            if self.tokens > self.burst / 2.0 {
                self.warned = false;
            }
            None
        } else {
            Some(Duration::from_secs_f64(-self.tokens / self.rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_allows_bursts_then_the_rate() {
        let start = tokio::time::Instant::now();
        let mut b = TokenBucket::new(10.0, 5.0);
        for _ in 0..5 {
            assert_eq!(b.take(1, start), None);
        }
        let wait = b.take(1, start).unwrap();
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-6, "{wait:?}");
        // After waiting, the debt is paid and the rate holds.
        let later = start + Duration::from_millis(100);
        assert_eq!(b.take(1, later + Duration::from_millis(100)), None);
        // A batch takes as many tokens as it has lines.
        let mut b = TokenBucket::new(10.0, 5.0);
        assert_eq!(b.take(4, start), None);
        let wait = b.take(3, start).unwrap();
        assert!((wait.as_secs_f64() - 0.2).abs() < 1e-6, "{wait:?}");
    }
}
