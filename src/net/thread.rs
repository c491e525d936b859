//! The net thread: a named std thread that owns a tokio runtime, takes
//! [`Start`]s and [`SessionCommand`]s, and runs one session at a time (a
//! host or a member), each reporting through its own [`EventSink`]. Every
//! event names its session, so a consumer knows which room it is about.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::net::command::{SessionCommand, SessionId, Start};
use crate::net::event::NetEvent;
use crate::net::sink::{EventSink, Events, Waker, channel};

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
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(std::thread::available_parallelism().map_or(2, |n| n.get().max(2)))
            .thread_name("tlschat-net-worker")
            .enable_all()
            .build()?;
        let (sink, events) = channel(wake);
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
            events,
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
                            reason: crate::msg!("net-unsent-not-connected"),
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
