//! The room's door inside the room task: the [`Door`](crate::net::door::Door)
//! restored from the store when the room starts, the host's
//! [`DoorCommand`]s routed to [`entry`](super::entry) (invitations and the
//! lobby) and [`moderation`](super::moderation) (kick, ban, mute), every
//! change stored with the history, and the door's state shown to the host
//! after each one.

use crate::msg;
use crate::net::command::DoorCommand;
use crate::net::event::{BanView, DoorView, InvitationView, NetEvent};
use crate::net::store::DoorChange;

use super::RoomState;

impl RoomState {
    /// Hands what the store kept of the door (members' keys, invitations,
    /// bans, mutes) to the room.
    pub(super) fn restore_door(&mut self) {
        match self.store.door() {
            Ok(state) => {
                state.restore(&mut self.door);
                self.restore_entry(&state);
                self.restore_moderation(&state);
            }
            Err(e) => self.tell_host(msg!("net-door-unreadable", error = e.to_string())),
        }
    }

    /// Does what the host asks of the door, then shows it the door.
    pub(super) fn door_command(&mut self, command: DoorCommand) {
        match command {
            DoorCommand::Invite { .. }
            | DoorCommand::Revoke(_)
            | DoorCommand::Admit(_)
            | DoorCommand::Refuse(_) => self.entry_command(&command),
            DoorCommand::Kick { .. }
            | DoorCommand::Ban { .. }
            | DoorCommand::Unban(_)
            | DoorCommand::Mute(_)
            | DoorCommand::Unmute(_) => self.moderate(command),
        }
        self.show_door();
    }

    /// Stores changes to the door; trouble is shown to the host. Whether
    /// they were stored.
    pub(super) fn record_door(&mut self, changes: &[DoorChange<'_>]) -> bool {
        match self.store.record(changes) {
            Ok(()) => true,
            Err(e) => {
                self.tell_host(msg!("net-door-not-stored", error = e.to_string()));
                false
            }
        }
    }

    /// Shows the host the door as it is now.
    pub(super) fn show_door(&self) {
        let view = DoorView {
            access: self.door.access,
            invitations: self
                .door
                .invitations()
                .iter()
                .map(|i| InvitationView {
                    id: i.id,
                    uses_left: i.uses_left,
                    expires_ms: i.expires_ms,
                })
                .collect(),
            knocking: self.knocking_view(),
            bans: self
                .door
                .bans()
                .iter()
                .map(|b| BanView {
                    id: b.id,
                    nick: b.nick.clone(),
                    target: b.target,
                    reason: b.reason.clone(),
                })
                .collect(),
            muted: self.muted_view(),
        };
        self.events.emit(NetEvent::Door(Box::new(view)));
    }
}
