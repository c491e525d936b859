//! The room's door in the real window (egui_kittest, no display needed)
//! over real net threads on loopback: the host window says who may come in
//! from the start (an open room warned as such); its "New invite" reaches
//! its room, whose door comes back and is shown.
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

/// The host window says who may come in from the start; it asks its room
/// for a new invite, and the door it gets back says the same.
fn ask_for_an_invite_then_see(door: DoorConfig, says: &str) {
    let mut h = host_app(door);
    listening(&mut h);
    h.run_steps(3);
    assert!(has_text(&h, says), "said from the start");
    assert!(
        h.state().room().unwrap().door.view.is_none(),
        "the door not heard yet"
    );
    h.get_by_label("New invite").click();
    pump(&mut [&mut h], "the door shown", |a| {
        a[0].state().room().unwrap().door.view.is_some()
    });
    assert!(has_text(&h, says));
    assert!(has_text(&h, "Open invitations ("), "its lists shown");
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
