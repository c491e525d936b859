//! The room's door in the real window (egui_kittest, no display needed)
//! over real net threads on loopback, end to end with the real host's door:
//! the host window says who may come in (an open room warned as such); its
//! "New invite" makes a single-use link, shown once with Copy, that admits
//! one member window and then nobody, and Revoke shuts another; a knock is
//! shown to the host with the member's safety code (the one the waiting
//! member's window shows), Let in admits and Refuse ends the other's window;
//! the member menu mutes, kicks (the kicked window says why and stays out),
//! bans (refused at the door after) and the Bans list unbans. The views
//! over events alone are tested in `src/ui/door_view.rs`.

use crate::common;
use crate::common::window;

use egui_kittest::kittest::Queryable;
use tlschat::net::{Access, DisconnectKind, DoorConfig};
use tlschat::ui::Launch;
use tlschat::ui::state::Status;
use window::{App, app_in, copied, has_text, host_window, listening, pump};

/// A host window ("hana") with this door, its history in memory.
fn host_app(door: DoorConfig) -> App<'static> {
    let mut config = common::self_signed_host_config("hana");
    config.history.place = tlschat::net::HistoryPlace::Memory;
    config.door = door;
    host_window(config)
}

/// The host window says who may come in from the start; it asks its room
/// for a new invite, and the door it gets back lists it and says the same.
fn ask_for_an_invite_then_see(door: DoorConfig, says: &str) {
    let mut h = host_app(door);
    listening(&mut h);
    h.run_steps(3);
    assert!(has_text(&h, says), "said from the start");
    h.get_by_label("New invite").click();
    pump(&mut [&mut h], "the new invitation listed", |a| {
        a[0].state()
            .room()
            .unwrap()
            .door
            .view
            .as_ref()
            .is_some_and(|v| !v.invitations.is_empty())
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

/// The host's start invite link (loopback, the only address here).
fn start_link(h: &mut App<'static>) -> String {
    pump(&mut [h], "host listening", |a| {
        a[0].state().room().is_some_and(|r| !r.invites.is_empty())
    });
    h.state().room().unwrap().invites[0].link()
}

/// A member window with a configuration directory (and key) of its own,
/// joining with `link` as a user would: pasted, then Join.
fn member_with(link: &str, nick: &str) -> App<'static> {
    member_in(link, nick, tempfile::tempdir().unwrap().keep())
}

/// A member window joining with `link`, its configuration (and key) in `dir`.
fn member_in(link: &str, nick: &str, dir: std::path::PathBuf) -> App<'static> {
    let mut m = app_in(Launch::Invite(link.to_string()), dir);
    m.run();
    m.get_by_label("Your nickname").focus();
    m.step();
    m.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    m.get_by_label("Your nickname").type_text(nick);
    m.step();
    m.get_by_label("Join").click();
    m.step();
    m
}

/// How the member's session ended, once it has.
fn ended(m: &App<'static>) -> Option<DisconnectKind> {
    match m.state().room().map(|r| &r.status) {
        Some(Status::Disconnected { kind, .. }) => Some(*kind),
        _ => None,
    }
}

/// The links of the invitation the host window made last.
fn made_link(h: &App<'static>) -> Option<String> {
    let made = h.state().room()?.door.made.as_ref()?;
    made.invites.first().map(tlschat::net::invite::Invite::link)
}

/// How many invitations the host window lists as open.
fn open_invitations(h: &App<'static>) -> usize {
    h.state()
        .room()
        .map_or(0, |r| r.door.open_invitations(tlschat::net::now_ms()).len())
}

#[test]
fn a_new_single_use_invite_admits_once_and_a_revoked_one_none() {
    let mut h = host_app(DoorConfig::default());
    start_link(&mut h);
    // The start link's reusable invitation is open already, once the
    // door's first view has come in (under load it may come after the link).
    pump(&mut [&mut h], "the start invitation listed", |a| {
        open_invitations(a[0]) >= 1
    });
    let before = open_invitations(&h);
    h.get_by_label("New invite").click();
    pump(&mut [&mut h], "the new link", |a| made_link(a[0]).is_some());
    let link = made_link(&h).unwrap();
    assert!(link.contains("invite="), "{link}");
    assert!(has_text(&h, &link), "the link is shown");
    assert!(has_text(&h, "shown only this once"));
    h.get_by_label("Copy new invite").click();
    h.step();
    assert_eq!(copied(&h), vec![link.clone()]);
    pump(&mut [&mut h], "listed", |a| {
        open_invitations(a[0]) == before + 1
    });
    h.get_by_label(&format!("Open invitations ({})", before + 1))
        .click();
    h.run_steps(3);
    assert!(has_text(&h, "1 use left"));

    // It admits ana, and is used up.
    let mut ana = member_with(&link, "ana");
    pump(&mut [&mut h, &mut ana], "ana in the room", |a| {
        a[1].state().room().is_some_and(|r| r.is_connected())
    });
    // Used twice, it admits nobody: bo is refused, and told so.
    let mut bo = member_with(&link, "bo");
    pump(&mut [&mut h, &mut bo], "bo refused", |a| {
        ended(a[1]).is_some()
    });
    assert_eq!(ended(&bo), Some(DisconnectKind::Refused));
    assert!(has_text(&bo, "You were not let in"));
    assert!(bo.query_by_label("Reconnect").is_none());

    // A revoked one admits nobody either.
    h.get_by_label("Done").click();
    h.get_by_label("anyone with the link").click();
    h.run_steps(2);
    h.get_by_label("New invite").click();
    pump(&mut [&mut h], "another link", |a| {
        made_link(a[0]).is_some_and(|l| l != link)
    });
    let second = made_link(&h).unwrap();
    // Listed with the door's next change: the used-up one gone, this one in.
    pump(&mut [&mut h], "listed", |a| {
        open_invitations(a[0]) == before + 1
    });
    let id = h.state().room().unwrap().door.made.as_ref().unwrap().id;
    h.get_by_label(&format!("Revoke #{id}")).click();
    pump(&mut [&mut h], "revoked", |a| {
        open_invitations(a[0]) == before
    });
    let mut cy = member_with(&second, "cy");
    pump(&mut [&mut h, &mut cy], "cy refused", |a| {
        ended(a[1]).is_some()
    });
    assert_eq!(ended(&cy), Some(DisconnectKind::Refused));
}

/// The end of a row of the host's lobby (a loopback member).
const LOBBY_ROW: &str = ", from 127.0.0.1) asks to come in";

#[test]
fn a_knock_is_shown_to_the_host_who_lets_one_in_and_refuses_another() {
    let mut h = host_app(DoorConfig {
        access: Access::Knock,
        ..DoorConfig::default()
    });
    let link = start_link(&mut h);
    let mut ana = member_with(&link, "ana");
    pump(&mut [&mut h, &mut ana], "ana knocking", |a| {
        has_text(a[0], LOBBY_ROW)
            && matches!(
                a[1].state().room().map(|r| &r.status),
                Some(Status::Waiting { .. })
            )
    });
    assert!(has_text(&ana, "Waiting for the host to let you in…"));
    assert!(!has_text(&ana, "You are in the room"));
    let key = h
        .state()
        .room()
        .unwrap()
        .door
        .view
        .as_ref()
        .unwrap()
        .knocking[0]
        .key;
    let code = tlschat::net::safety::short_safety_code(&key.expect("ana has a key"));
    assert!(
        has_text(
            &h,
            &format!("ana (safety code {code}, from 127.0.0.1) asks to come in")
        ),
        "who, by the code ana's own window shows"
    );
    assert!(has_text(
        &ana,
        &format!("with the safety code {code} of your key")
    ));
    h.get_by_label("Let ana in").click();
    pump(&mut [&mut h, &mut ana], "ana let in", |a| {
        a[1].state().room().is_some_and(|r| r.is_connected()) && !has_text(a[0], LOBBY_ROW)
    });
    assert!(!has_text(&ana, "Waiting for the host"));

    let mut bo = member_with(&link, "bo");
    pump(&mut [&mut h, &mut bo], "bo knocking", |a| {
        has_text(a[0], "bo (") && has_text(a[0], LOBBY_ROW)
    });
    h.get_by_label("Refuse bo").click();
    pump(&mut [&mut h, &mut bo], "bo refused", |a| {
        ended(a[1]).is_some()
    });
    assert_eq!(ended(&bo), Some(DisconnectKind::Refused));
    assert!(has_text(&bo, "You were not let in"));
    assert!(bo.query_by_label("Reconnect").is_none());
    assert!(!has_text(&h, LOBBY_ROW), "the lobby is empty again");
    assert!(
        has_text(&h, "asks to come in: Let in or Refuse above"),
        "each knock stays said in the conversation"
    );
}

/// Right-click on `nick` in the host's member list, then `item`.
fn member_menu(h: &mut App<'static>, nick: &str, item: &str) {
    h.get_by_label(nick).click_secondary();
    h.run_steps(2);
    h.get_by_label(item).click();
    h.run_steps(2);
}

#[test]
fn the_member_menu_mutes_kicks_and_bans_and_the_kicked_window_stays_out() {
    let mut h = host_app(DoorConfig::open());
    let link = start_link(&mut h);
    let dir = tempfile::tempdir().unwrap().keep();
    let mut ana = member_in(&link, "ana", dir.clone());
    pump(&mut [&mut h, &mut ana], "ana in", |a| {
        a[1].state().room().is_some_and(|r| r.is_connected()) && has_text(a[0], "ana")
    });
    pump(&mut [&mut h, &mut ana], "ana listed", |a| {
        a[0].query_by_label("ana").is_some()
    });

    // Mute, then unmute.
    member_menu(&mut h, "ana", "Mute");
    pump(&mut [&mut h, &mut ana], "ana muted", |a| {
        a[0].query_by_label("ana · muted").is_some()
    });
    member_menu(&mut h, "ana · muted", "Unmute");
    pump(&mut [&mut h, &mut ana], "ana unmuted", |a| {
        a[0].query_by_label("ana").is_some()
    });

    // Kick, with a reason: ana's window says so and stays out.
    member_menu(&mut h, "ana", "Kick…");
    h.get_by_label("Reason (optional, everyone sees it)")
        .type_text("too loud");
    h.step();
    h.get_by_label("Kick ana").click();
    pump(&mut [&mut h, &mut ana], "ana removed", |a| {
        ended(a[1]).is_some()
    });
    assert_eq!(ended(&ana), Some(DisconnectKind::Removed));
    ana.run_steps(3);
    assert!(has_text(&ana, "You were removed by the host"));
    assert!(has_text(&ana, "too loud"), "the host's reason");
    assert!(ana.query_by_label("Reconnect").is_none());
    pump(&mut [&mut h], "the room told", |a| {
        has_text(a[0], "ana was removed by the host (too loud)")
    });

    // She may come back (a kick is no ban); then a ban keeps her out.
    let mut ana2 = member_in(&link, "ana", dir.clone());
    pump(&mut [&mut h, &mut ana2], "ana back", |a| {
        a[1].state().room().is_some_and(|r| r.is_connected())
    });
    pump(&mut [&mut h], "ana listed again", |a| {
        a[0].query_by_label("ana").is_some()
    });
    member_menu(&mut h, "ana", "Ban…");
    h.get_by_label("Ban ana").click();
    pump(&mut [&mut h, &mut ana2], "ana banned", |a| {
        ended(a[1]).is_some()
    });
    assert_eq!(ended(&ana2), Some(DisconnectKind::Removed));
    pump(&mut [&mut h], "the ban listed", |a| {
        has_text(a[0], "Bans (1)")
    });
    // Back with the same key (the same configuration directory): refused
    // at the door.
    let mut ana3 = member_in(&link, "ana", dir);
    pump(&mut [&mut h, &mut ana3], "ana refused", |a| {
        ended(a[1]).is_some()
    });
    assert_eq!(ended(&ana3), Some(DisconnectKind::Refused));
    assert!(has_text(&ana3, "You were not let in"));

    // Unban from the list.
    h.get_by_label("Bans (1)").click();
    h.run_steps(2);
    h.get_by_label("Unban #1").click();
    pump(&mut [&mut h], "unbanned", |a| has_text(a[0], "Bans (0)"));
}
