//! What the benches that drive real sessions share.

use std::time::{Duration, Instant};

use tlschat::net::{Events, NetEvent};

/// The first event of `events` that `f` picks, within `within`; panics
/// naming `what` when it does not come or the session ends first.
pub fn wait_for<T>(
    events: &Events,
    what: &str,
    within: Duration,
    mut f: impl FnMut(&NetEvent) -> Option<T>,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let e = events
            .recv_timeout(left)
            .unwrap_or_else(|| panic!("no {what} in time"));
        if let NetEvent::Disconnected { reason, .. } = &e.event {
            panic!("waiting for {what}: {reason}");
        }
        if let Some(t) = f(&e.event) {
            return t;
        }
    }
}
