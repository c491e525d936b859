//! The net thread: a named std thread that owns a tokio runtime, takes
//! [`Start`]s and [`SessionCommand`]s and reports [`SessionEvent`]s on a
//! crossbeam channel, calling a wake-up callback after each so a UI can
//! repaint without polling. Every event names its session, so a consumer
//! knows which room it is about.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::net::command::{SessionCommand, SessionId, Start};
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
                    event: NetEvent::Notice(format!(
                        "{missed} messages are not shown here: this view fell too far behind the room"
                    )),
                });
            }
        }
        let _ = self.tx.send(SessionEvent {
            session: self.session,
            event,
        });
        (self.wake)();
    }

    fn for_session(&self, session: SessionId) -> Self {
        Self {
            tx: self.tx.clone(),
            wake: self.wake.clone(),
            session,
            backlog: self.backlog.clone(),
        }
    }
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

/// What the thread is asked to do.
#[derive(Debug)]
enum Request {
    Start(SessionId, Box<Start>),
    Session(SessionId, SessionCommand),
    Shutdown,
}

/// A handle to send commands to the net thread from any thread.
#[derive(Clone, Debug)]
pub struct CommandSender {
    tx: mpsc::UnboundedSender<Request>,
    next: Arc<AtomicU64>,
}

impl CommandSender {
    /// Starts a session (ending the one before, if any, first); its events
    /// carry the returned id. `None` when the net thread has ended.
    pub fn start(&self, start: Start) -> Option<SessionId> {
        let id = SessionId(self.next.fetch_add(1, Ordering::Relaxed));
        self.tx.send(Request::Start(id, Box::new(start))).ok()?;
        Some(id)
    }

    /// Sends a command to a session; returns false when the net thread has
    /// ended. A command for a session that is over is answered as such
    /// (a message gets [`NetEvent::NotDelivered`]).
    pub fn send(&self, session: SessionId, command: SessionCommand) -> bool {
        self.tx.send(Request::Session(session, command)).is_ok()
    }
}

/// The running net thread. Dropping it shuts the thread down cleanly
/// (peers get close_notify) and waits for it.
#[derive(Debug)]
pub struct NetThread {
    commands: CommandSender,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl NetThread {
    /// Starts the thread. Events arrive on the returned receiver.
    pub fn spawn(wake: Waker) -> std::io::Result<(Self, Events)> {
        let (event_tx, event_rx) = crossbeam_channel::unbounded();
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(std::thread::available_parallelism().map_or(2, |n| n.get().max(2)))
            .thread_name("tlschat-net-worker")
            .enable_all()
            .build()?;
        let backlog = Arc::new(Backlog::default());
        let sink = EventSink {
            tx: event_tx,
            wake,
            session: SessionId(0),
            backlog: backlog.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("tlschat-net".into())
            .spawn(move || {
                runtime.block_on(dispatch(cmd_rx, sink));
                runtime.shutdown_timeout(Duration::from_secs(2));
            })?;
        Ok((
            Self {
                commands: CommandSender {
                    tx: cmd_tx,
                    next: Arc::new(AtomicU64::new(1)),
                },
                thread: Some(thread),
            },
            Events {
                rx: event_rx,
                backlog,
            },
        ))
    }

    /// Starts a session; see [`CommandSender::start`].
    pub fn start(&self, start: Start) -> Option<SessionId> {
        self.commands.start(start)
    }

    /// Sends a command to a session; see [`CommandSender::send`].
    pub fn send(&self, session: SessionId, command: SessionCommand) -> bool {
        self.commands.send(session, command)
    }

    /// A sender that other threads can keep.
    #[must_use]
    pub fn sender(&self) -> CommandSender {
        self.commands.clone()
    }

    /// Shuts down and waits for the thread to end.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.commands.tx.send(Request::Shutdown);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for NetThread {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Session {
    id: SessionId,
    commands: mpsc::UnboundedSender<SessionCommand>,
    task: tokio::task::JoinHandle<()>,
}

impl Session {
    /// Ends the session and waits (a little) for it to say so.
    async fn end(self) {
        let _ = self.commands.send(SessionCommand::Disconnect);
        let abort = self.task.abort_handle();
        if tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .is_err()
        {
            // It did not stop in time: it must not outlive its session.
            abort.abort();
        }
    }
}

async fn dispatch(mut requests: mpsc::UnboundedReceiver<Request>, sink: EventSink) {
    let mut session: Option<Session> = None;
    while let Some(request) = requests.recv().await {
        match request {
            Request::Start(id, start) => {
                // One room at a time: the old session ends (and says so)
                // before the new one starts.
                if let Some(s) = session.take() {
                    s.end().await;
                }
                let sink = sink.for_session(id);
                let (tx, rx) = mpsc::unbounded_channel();
                let task = match *start {
                    Start::Host(config) => tokio::spawn(crate::net::host::run(config, sink, rx)),
                    Start::Join(config) => tokio::spawn(crate::net::member::run(config, sink, rx)),
                };
                session = Some(Session {
                    id,
                    commands: tx,
                    task,
                });
            }
            Request::Session(id, command) => {
                let live = session
                    .as_ref()
                    .filter(|s| s.id == id && !s.task.is_finished());
                match (live, command) {
                    (Some(s), command) => {
                        let _ = s.commands.send(command);
                    }
                    (None, SessionCommand::Send { id: msg, .. }) => {
                        sink.for_session(id).emit(NetEvent::NotDelivered {
                            id: msg,
                            reason: "not connected to a room".into(),
                        });
                    }
                    (None, _) => {}
                }
            }
            Request::Shutdown => break,
        }
    }
    if let Some(s) = session.take() {
        s.end().await;
    }
}

/// Emits the end of a session.
pub(crate) fn ended(sink: &EventSink, kind: DisconnectKind, reason: impl Into<String>) {
    sink.emit(NetEvent::Disconnected {
        reason: reason.into(),
        kind,
    });
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
        sink.emit(NetEvent::Notice("kept".into()));
        let queued = events.rx.len();
        assert!(queued < 66, "{queued} events queued");
        let mut texts = Vec::new();
        while let Some(e) = events.try_recv() {
            texts.push(e.event);
        }
        assert_eq!(texts.last(), Some(&NetEvent::Notice("kept".into())));
        assert_eq!(events.backlog.bytes.load(Ordering::Relaxed), 0);
        // Once there is room, the next event comes after the count.
        sink.emit(message("again"));
        let first = events.try_recv().unwrap().event;
        let NetEvent::Notice(text) = first else {
            panic!("{first:?}")
        };
        let missed = 100 - (queued - 1);
        assert!(
            text.starts_with(&format!("{missed} messages are not shown")),
            "{text}"
        );
        assert_eq!(events.try_recv().unwrap().event, message("again"));
    }
}
