//! The net thread: a named std thread that owns a tokio runtime, takes
//! [`Command`]s and reports [`NetEvent`]s on a crossbeam channel, calling a
//! wake-up callback after each so a UI can repaint without polling.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::net::command::Command;
use crate::net::event::{DisconnectKind, NetEvent};

/// Called after every event is queued (a UI passes its repaint request).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Where the net layer's tasks put their events.
#[derive(Clone)]
pub(crate) struct EventSink {
    tx: crossbeam_channel::Sender<NetEvent>,
    wake: Waker,
}

impl EventSink {
    /// Queues an event and wakes the consumer. A consumer that has gone
    /// away is not an error: the event has nobody left to tell.
    pub fn emit(&self, event: NetEvent) {
        let _ = self.tx.send(event);
        (self.wake)();
    }
}

#[cfg(test)]
impl EventSink {
    /// A sink whose events queue up on the returned receiver.
    pub(crate) fn for_tests() -> (Self, crossbeam_channel::Receiver<NetEvent>) {
        let (tx, rx) = crossbeam_channel::unbounded();
        let wake: Waker = Arc::new(|| {});
        (Self { tx, wake }, rx)
    }
}

/// A handle to send commands to the net thread from any thread.
#[derive(Clone, Debug)]
pub struct CommandSender(mpsc::UnboundedSender<Command>);

impl CommandSender {
    /// Sends a command; returns false when the net thread has ended.
    pub fn send(&self, command: Command) -> bool {
        self.0.send(command).is_ok()
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
    pub fn spawn(wake: Waker) -> std::io::Result<(Self, crossbeam_channel::Receiver<NetEvent>)> {
        let (event_tx, event_rx) = crossbeam_channel::unbounded();
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(std::thread::available_parallelism().map_or(2, |n| n.get().max(2)))
            .thread_name("tlschat-net-worker")
            .enable_all()
            .build()?;
        let sink = EventSink { tx: event_tx, wake };
        let thread = std::thread::Builder::new()
            .name("tlschat-net".into())
            .spawn(move || {
                runtime.block_on(dispatch(cmd_rx, sink));
                runtime.shutdown_timeout(Duration::from_secs(2));
            })?;
        Ok((
            Self {
                commands: CommandSender(cmd_tx),
                thread: Some(thread),
            },
            event_rx,
        ))
    }

    /// Sends a command; returns false when the net thread has ended.
    pub fn send(&self, command: Command) -> bool {
        self.commands.send(command)
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
        let _ = self.commands.send(Command::Shutdown);
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
    commands: mpsc::UnboundedSender<Command>,
    task: tokio::task::JoinHandle<()>,
}

async fn dispatch(mut commands: mpsc::UnboundedReceiver<Command>, sink: EventSink) {
    let mut session: Option<Session> = None;
    while let Some(command) = commands.recv().await {
        if session.as_ref().is_some_and(|s| s.task.is_finished()) {
            session = None;
        }
        match command {
            Command::Host(_) | Command::Join(_) if session.is_some() => {
                // One room at a time: the old session ends (and says so)
                // before the new one starts, so events never interleave.
                if let Some(s) = session.take() {
                    let _ = s.commands.send(Command::Disconnect);
                    let _ = tokio::time::timeout(Duration::from_secs(5), s.task).await;
                }
                session = start(command, &sink);
            }
            Command::Host(_) | Command::Join(_) => session = start(command, &sink),
            Command::Shutdown => {
                if let Some(s) = session.take() {
                    let _ = s.commands.send(Command::Disconnect);
                    let _ = tokio::time::timeout(Duration::from_secs(5), s.task).await;
                }
                break;
            }
            other => match &session {
                Some(s) => {
                    let _ = s.commands.send(other);
                }
                None => {
                    if let Command::Send { id, .. } = other {
                        sink.emit(NetEvent::NotDelivered {
                            id,
                            reason: "not connected to a room".into(),
                        });
                    }
                }
            },
        }
    }
}

/// Starts a session for `Host` or `Join`; any other command starts nothing.
fn start(command: Command, sink: &EventSink) -> Option<Session> {
    let (tx, rx) = mpsc::unbounded_channel();
    let task = match command {
        Command::Host(config) => tokio::spawn(crate::net::host::run(config, sink.clone(), rx)),
        Command::Join(config) => tokio::spawn(crate::net::member::run(config, sink.clone(), rx)),
        _ => return None,
    };
    Some(Session { commands: tx, task })
}

/// Emits the end of a session.
pub(crate) fn ended(sink: &EventSink, kind: DisconnectKind, reason: impl Into<String>) {
    sink.emit(NetEvent::Disconnected {
        reason: reason.into(),
        kind,
    });
}
