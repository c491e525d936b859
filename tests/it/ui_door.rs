//! The room's door in the real window (egui_kittest, no display needed)
//! over real net threads on loopback: the host's "New invite" reaches its
//! room, whose door comes back and is shown (an open room warned as such).
//! The views themselves (invite links shown once, Revoke, the lobby's Let in
//! and Refuse, the member menu's Kick, Ban and Mute, the refused and removed
//! screens) are tested over events in `src/ui/door_view.rs`.

use crate::common;
use crate::common::window;

use egui_kittest::kittest::Queryable;
use tlschat::net::{Access, DoorConfig};
use window::{App, has_text, host_window, listening, pump};

/// A host window ("hana") with this door, its history in memory.
fn host_app(door: DoorConfig) -> App<'static> {
    let mut config = common::self_signed_host_config("hana");
    config.history.place = tlschat::net::HistoryPlace::Memory;
    config.door = door;
    host_window(config)
}

/// The host asks its room for a new invite; the door it gets back says
/// who may come in.
fn ask_for_an_invite_then_see(door: DoorConfig, says: &str) {
    let mut h = host_app(door);
    listening(&mut h);
    h.run_steps(3);
    assert!(
        !has_text(&h, says),
        "the door is not shown before it is heard"
    );
    h.get_by_label("New invite").click();
    pump(&mut [&mut h], "the door shown", |a| has_text(a[0], says));
}

#[test]
fn an_open_room_says_so_in_the_host_window() {
    ask_for_an_invite_then_see(
        DoorConfig::open(),
        "⚠ This room is open: anyone who can reach it may join",
    );
}

#[test]
fn an_invite_only_room_says_so_in_the_host_window() {
    ask_for_an_invite_then_see(
        DoorConfig::default(),
        "🔒 Invite-only: a newcomer needs an invite link",
    );
    ask_for_an_invite_then_see(
        DoorConfig {
            access: Access::Knock,
            ..DoorConfig::default()
        },
        "🚪 Newcomers knock: you let each one in or refuse",
    );
}
