//! The session's commands ([`Inbox`]): those that arrive while a
//! connection is being made wait, in order, for the room to open.

use std::collections::VecDeque;

use tokio::sync::mpsc;

use crate::net::command::SessionCommand;

/// The user's commands to the session, with those that came while
/// connecting kept for later.
pub(super) struct Inbox {
    /// Commands that came while connecting, oldest first.
    early: VecDeque<SessionCommand>,
    /// Where the commands come from.
    rx: mpsc::UnboundedReceiver<SessionCommand>,
}

impl Inbox {
    /// An inbox over the session's command channel.
    pub(super) fn new(rx: mpsc::UnboundedReceiver<SessionCommand>) -> Self {
        Self {
            early: VecDeque::new(),
            rx,
        }
    }

    /// The next command (cancel-safe); `None` once the channel closed.
    pub(super) async fn recv(&mut self) -> Option<SessionCommand> {
        match self.early.pop_front() {
            Some(c) => Some(c),
            None => self.rx.recv().await,
        }
    }

    /// Resolves when the user asks to stop (or the command channel closes);
    /// keeps every other command for later (cancel-safe).
    pub(super) async fn wait_for_stop(&mut self) {
        while let Some(c) = self.rx.recv().await {
            if matches!(c, SessionCommand::Disconnect) {
                return;
            }
            self.early.push_back(c);
        }
    }
}
