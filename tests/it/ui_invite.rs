//! Invites in the real window (egui_kittest, no display needed) over real
//! net threads on loopback: the host's panel shows the safety code and a
//! "Copy invite" button that puts the link on the clipboard; an invite
//! pasted into the start screen joins without the warning page; a link the
//! desktop opened waits on the start screen for one click.

use crate::common;
use crate::common::window;

use egui_kittest::kittest::Queryable;
use tlschat::net::{PinMatch, TrustBasis};
use tlschat::ui::Launch;
use tlschat::ui::state::Status;
use window::{App, app_in, copied, has_text, host_window, pump};

/// A host window with the self-signed certificate kept in its own
/// configuration directory, on a free loopback port.
fn host_app() -> App<'static> {
    let mut config = common::self_signed_host_config("hana");
    config.history.place = tlschat::net::HistoryPlace::Memory;
    host_window(config)
}

/// Waits for the host to listen; returns its first invite link and the
/// safety code of its certificate.
fn invite_of(h: &mut App<'static>) -> (String, String) {
    pump(&mut [h], "host listening", |a| {
        a[0].state().room().is_some_and(|r| !r.invites.is_empty())
    });
    let room = h.state().room().unwrap();
    let leaf = &room.own_chain[0];
    assert_eq!(room.invites.len(), 1, "one address, one invite");
    assert_eq!(room.invites[0].pin, Some(leaf.sha256));
    (
        room.invites[0].link(),
        tlschat::net::safety::safety_code(&leaf.sha256),
    )
}

/// Waits until the member is in the room, failing at once on the warning page.
fn in_the_room(h: &mut App<'static>, m: &mut App<'static>) {
    pump(&mut [h, m], "member connected", |a| {
        let room = a[1].state().room();
        if let Some(Status::Untrusted(u)) = room.map(|r| &r.status) {
            panic!("the warning page was shown: {u:?}");
        }
        room.is_some_and(|r| r.is_connected())
    });
    assert!(!has_text(m, "is not private"));
    let connection = m.state().room().unwrap().connection.clone().unwrap();
    assert!(
        matches!(
            connection.trust,
            TrustBasis::Pinned {
                matched: PinMatch::ExactCertificate,
                ..
            }
        ),
        "{:?}",
        connection.trust
    );
}

#[test]
fn copy_invite_puts_the_link_on_the_clipboard_beside_the_safety_code() {
    let mut h = host_app();
    let (link, code) = invite_of(&mut h);
    h.run_steps(3);
    assert!(has_text(&h, &code), "the host panel shows the safety code");
    assert!(has_text(&h, &link), "and the invite");
    h.get_by_label("Copy invite").click();
    h.step();
    assert_eq!(copied(&h), vec![link]);
}

#[test]
fn an_invite_pasted_into_the_start_screen_joins_without_the_warning_page() {
    let mut h = host_app();
    let (link, code) = invite_of(&mut h);
    let member_dir = tempfile::tempdir().unwrap().keep();
    let mut m = app_in(Launch::Start, member_dir.clone());
    m.run();
    m.get_by_label("Host address").focus();
    m.step();
    m.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    m.step();
    m.event(egui::Event::Paste(format!("{link}\n")));
    m.step();
    m.run_steps(2);
    // A one-line field turns the pasted newline into a space; Join trims it.
    let value = m.get_by_label("Host address").value().unwrap();
    assert_eq!(value.trim(), link);
    // The certificate the link trusts, as a code to compare with the host's.
    assert!(
        has_text(&m, &code),
        "the start screen shows the safety code"
    );
    m.get_by_label("Join").click();
    in_the_room(&mut h, &mut m);
    // Remembered like --pin.
    let store = tlschat::net::pins::PinStore::load(&member_dir).unwrap();
    assert_eq!(store.entries().len(), 1);
    assert_eq!(store.entries()[0].kind, tlschat::net::pins::PinKind::Pinned);
}

#[test]
fn a_link_the_desktop_opened_waits_on_the_start_screen_for_one_click() {
    let mut h = host_app();
    let (link, _) = invite_of(&mut h);
    let mut m = app_in(
        Launch::Invite(link.clone()),
        tempfile::tempdir().unwrap().keep(),
    );
    m.run();
    assert!(
        m.state().room().is_none(),
        "nothing happens before the click"
    );
    assert_eq!(
        m.get_by_label("Host address").value().as_deref(),
        Some(link.as_str())
    );
    m.get_by_label("Join").click();
    in_the_room(&mut h, &mut m);

    // A malformed link waits there too, with what is wrong with it.
    let mut bad = app_in(
        Launch::Invite("tlschat://127.0.0.1:0/#pin=SHA256:00".into()),
        tempfile::tempdir().unwrap().keep(),
    );
    bad.run();
    assert!(has_text(&bad, "bad port '0'"));
}
