//! Putting someone out (issue 20): kick, ban and mute, from the host only.
//! Work in progress.

use crate::net::command::DoorCommand;
use crate::net::event::MutedView;
use crate::net::store::DoorState;

use super::RoomState;

impl RoomState {
    /// Takes the mutes the store kept.
    pub(super) fn restore_moderation(&mut self, _state: &DoorState) {}

    /// `/kick`, `/ban`, `/unban`, `/mute`, `/unmute`.
    pub(super) fn moderate(&mut self, command: DoorCommand) {
        tracing::debug!(?command, "not yet");
    }

    /// The muted members.
    pub(super) fn muted_view(&self) -> Vec<MutedView> {
        Vec::new()
    }
}
