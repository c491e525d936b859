//! Where a session's tasks put their events: an [`EventSink`] queues each
//! [`SessionEvent`] on a crossbeam channel and wakes the consumer, whose end
//! is [`Events`]. Others' messages that the consumer has not taken in are
//! bounded ([`MAX_QUEUED_MESSAGE_BYTES`]); past it they are counted, not
//! queued, and the count is told once there is room again.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use crate::net::command::SessionId;
use crate::net::event::{DisconnectKind, NetEvent, SessionEvent};
use crate::net::safe_event;

/// Called after every event is queued (a UI passes its repaint request).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// The most bytes of others' messages that may wait for the consumer (a
/// window that is not drawn, say minimized, takes nothing in). Past it,
/// messages are not queued, and the consumer is told how many it missed.
pub const MAX_QUEUED_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// What the consumer has not taken in yet, shared by both ends.
#[derive(Debug, Default)]
struct Backlog {
    /// Bytes of others' messages queued.
    bytes: AtomicUsize,
    /// Messages not queued since the consumer was last told.
    dropped: AtomicU64,
}

/// What a queued message costs.
fn queued_size(event: &NetEvent) -> Option<usize> {
    match event {
        NetEvent::Message(m) if !m.own => Some(m.text.len() + m.nick.len() + 64),
        _ => None,
    }
}

/// Where one session's tasks put their events.
#[derive(Clone)]
pub(crate) struct EventSink {
    tx: crossbeam_channel::Sender<SessionEvent>,
    wake: Waker,
    session: SessionId,
    backlog: Arc<Backlog>,
}

impl EventSink {
    /// Queues an event, made safe to show ([`safe_event`]: the one place
    /// that does it), and wakes the consumer. A consumer that has gone
    /// away is not an error: the event has nobody left to tell. Others'
    /// messages past [`MAX_QUEUED_MESSAGE_BYTES`] are counted instead of
    /// queued; the count is told as a notice once there is room again.
    pub fn emit(&self, event: NetEvent) {
        let event = safe_event::made_safe(event);
        if let Some(size) = queued_size(&event) {
            let queued = self.backlog.bytes.load(Ordering::Relaxed);
            if queued + size > MAX_QUEUED_MESSAGE_BYTES {
                self.backlog.dropped.fetch_add(1, Ordering::Relaxed);
                return;
            }
            self.backlog.bytes.fetch_add(size, Ordering::Relaxed);
        }
        if self.backlog.dropped.load(Ordering::Relaxed) > 0
            && self.backlog.bytes.load(Ordering::Relaxed) < MAX_QUEUED_MESSAGE_BYTES / 2
        {
            let missed = self.backlog.dropped.swap(0, Ordering::Relaxed);
            if missed > 0 {
                let _ = self.tx.send(SessionEvent {
                    session: self.session,
                    event: NetEvent::Notice(crate::msg!("net-view-behind", count = missed)),
                });
            }
        }
        let _ = self.tx.send(SessionEvent {
            session: self.session,
            event,
        });
        (self.wake)();
    }

    /// What wakes the consumer (for what changes without an event, as
    /// the records a wire view follows).
    pub(crate) fn waker(&self) -> Waker {
        self.wake.clone()
    }

    /// The same sink, for another session's events.
    pub(crate) fn for_session(&self, session: SessionId) -> Self {
        Self {
            tx: self.tx.clone(),
            wake: self.wake.clone(),
            session,
            backlog: self.backlog.clone(),
        }
    }
}

/// A new channel: the sink the net thread's sessions emit into (as
/// session 0 until [`EventSink::for_session`]) and the consumer's end.
pub(crate) fn channel(wake: Waker) -> (EventSink, Events) {
    let (tx, rx) = crossbeam_channel::unbounded();
    let backlog = Arc::new(Backlog::default());
    let sink = EventSink {
        tx,
        wake,
        session: SessionId(0),
        backlog: backlog.clone(),
    };
    (sink, Events { rx, backlog })
}

/// The consumer's end: the net thread's events, in order.
#[derive(Debug)]
pub struct Events {
    rx: crossbeam_channel::Receiver<SessionEvent>,
    backlog: Arc<Backlog>,
}

impl Events {
    fn took(&self, event: SessionEvent) -> SessionEvent {
        if let Some(size) = queued_size(&event.event) {
            self.backlog.bytes.fetch_sub(size, Ordering::Relaxed);
        }
        event
    }

    /// The next event if one is waiting.
    pub fn try_recv(&self) -> Option<SessionEvent> {
        self.rx.try_recv().ok().map(|e| self.took(e))
    }

    /// The next event; `None` once the net thread has ended.
    pub fn recv(&self) -> Option<SessionEvent> {
        self.rx.recv().ok().map(|e| self.took(e))
    }

    /// The next event within `timeout`.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<SessionEvent> {
        self.rx.recv_timeout(timeout).ok().map(|e| self.took(e))
    }

    /// Whether no event is waiting.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }
}

#[cfg(test)]
impl EventSink {
    /// A sink whose events queue up on the returned receiver.
    pub(crate) fn for_tests() -> (Self, crossbeam_channel::Receiver<SessionEvent>) {
        let (tx, rx) = crossbeam_channel::unbounded();
        let wake: Waker = Arc::new(|| {});
        (
            Self {
                tx,
                wake,
                session: SessionId(0),
                backlog: Arc::default(),
            },
            rx,
        )
    }
}

/// Emits the end of a session.
pub(crate) fn ended(sink: &EventSink, kind: DisconnectKind, reason: crate::i18n::Msg) {
    sink.emit(NetEvent::Disconnected { reason, kind });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::event::MessageEvent;

    fn message(text: &str) -> NetEvent {
        NetEvent::Message(MessageEvent {
            seq: 1,
            from: Some(1),
            nick: "ana".into(),
            text: text.into(),
            time_ms: 0,
            own: false,
            history: false,
        })
    }

    #[test]
    fn a_consumer_that_takes_nothing_in_holds_a_bounded_queue_and_is_told_what_it_missed() {
        let (tx, rx) = crossbeam_channel::unbounded();
        let backlog = Arc::new(Backlog::default());
        let wake: Waker = Arc::new(|| {});
        let sink = EventSink {
            tx,
            wake,
            session: SessionId(1),
            backlog: backlog.clone(),
        };
        let events = Events { rx, backlog };
        let mib = "x".repeat(1024 * 1024);
        for _ in 0..100 {
            sink.emit(message(&mib));
        }
        // Nothing else is ever dropped.
        sink.emit(NetEvent::Notice(crate::net::wording::said_msg("kept")));
        let queued = events.rx.len();
        assert!(queued < 66, "{queued} events queued");
        let mut texts = Vec::new();
        while let Some(e) = events.try_recv() {
            texts.push(e.event);
        }
        assert_eq!(
            texts.last(),
            Some(&NetEvent::Notice(crate::net::wording::said_msg("kept")))
        );
        assert_eq!(events.backlog.bytes.load(Ordering::Relaxed), 0);
        // Once there is room, the next event comes after the count.
        sink.emit(message("again"));
        let first = events.try_recv().unwrap().event;
        let NetEvent::Notice(said) = first else {
            panic!("{first:?}")
        };
        let text = said.text_in(crate::i18n::Lang::En);
        let missed = 100 - (queued - 1);
        assert!(
            text.starts_with(&format!("{missed} messages are not shown")),
            "{text}"
        );
        assert_eq!(events.try_recv().unwrap().event, message("again"));
    }
}
