//! Who comes in (issue 20): invitations, the lobby of `--access knock`,
//! and what an admitted member is given of the history. Work in progress:
//! the door is not asked yet.

use crate::net::command::DoorCommand;
use crate::net::event::KnockView;
use crate::net::store::DoorState;

use super::RoomState;

impl RoomState {
    /// Takes what the store kept for entry (nicknames kept for keys).
    pub(super) fn restore_entry(&mut self, _state: &DoorState) {}

    /// Invitations and the lobby: `/invite`, `/revoke`, `/admit`, `/refuse`.
    pub(super) fn entry_command(&mut self, command: DoorCommand) {
        tracing::debug!(?command, "not yet");
    }

    /// The members waiting in the lobby.
    pub(super) fn knocking_view(&self) -> Vec<KnockView> {
        Vec::new()
    }
}
