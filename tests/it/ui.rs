//! The real window (egui_kittest, no display needed) over real net threads
//! on loopback: two apps chat, the certificate view shows the real
//! certificate, a disconnect keeps the draft, the start screen checks input,
//! an untrusted host gets a warning instead of a room, a newcomer sees the
//! backlog above a divider, and a window whose connection drops (a relay
//! cut in the test) shows a banner, reconnects and marks what it missed.

use crate::common;
use crate::common::window;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{DEADLINE, Issued, Pki, join_config};
use egui_kittest::kittest::Queryable;
use tlschat::net::HostConfig;
use tlschat::ui::Launch;
use tlschat::ui::state::{Delivery, Status};
use window::{App, Kept, app, app_in, connected, has_text, host_window, listening, pump};

/// A host window named hana with this certificate, on `bind`.
fn host_app(cert: &Issued, bind: SocketAddr) -> App<'static> {
    host_window(HostConfig {
        bind,
        ..common::host_config(cert, "hana")
    })
}

/// A host window ("hana") and a member window ("ana") joined to it, both
/// in the room; with the host's certificate and address.
fn in_the_room() -> (Issued, SocketAddr, App<'static>, App<'static>) {
    let pki = Pki::new();
    let cert = pki.server();
    let mut h = host_app(&cert, "127.0.0.1:0".parse().unwrap());
    let addr = listening(&mut h);
    let mut m = app(Launch::Join(join_config(addr, "ana", &pki.ca_pem)));
    connected(&mut [&mut h, &mut m], 1);
    (cert, addr, h, m)
}

fn type_message(a: &mut App<'static>, text: &str) {
    a.get_by_label("Message").focus();
    a.step();
    a.get_by_label("Message").type_text(text);
    a.step();
}

#[test]
fn two_windows_chat_and_show_each_other() {
    let (_, _, mut h, mut m) = in_the_room();

    // Both member lists show both people, the host marked.
    pump(&mut [&mut h, &mut m], "member lists", |a| {
        has_text(a[0], "ana") && has_text(a[1], "hana (host)") && has_text(a[1], "ana (you)")
    });
    // The address bar tells the truth.
    assert!(has_text(&m, "Secure · TLS 1.3 · verified by Test Root CA"));

    // Enter sends from the member; the host sees it, the member sees it delivered.
    type_message(&mut m, "hello host 你好");
    m.key_press(egui::Key::Enter);
    pump(&mut [&mut h, &mut m], "message at the host", |a| {
        has_text(a[0], "hello host 你好")
    });
    pump(&mut [&mut h, &mut m], "delivered", |a| {
        a[1].state()
            .room()
            .unwrap()
            .lines
            .iter()
            .any(|l| l.is_own() && l.delivery == Some(Delivery::Delivered))
    });
    assert!(has_text(&m, "delivered"));
    assert!(m.state().room().unwrap().draft.is_empty());

    // The Send button works from the host; Shift+Enter makes a new line.
    type_message(&mut h, "first line");
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::Enter);
    h.step();
    h.get_by_label("Message").type_text("second line");
    h.step();
    assert_eq!(h.state().room().unwrap().draft, "first line\nsecond line");
    h.get_by_label("Send").click();
    pump(
        &mut [&mut h, &mut m],
        "two-line message at the member",
        |a| {
            a[1].state()
                .room()
                .unwrap()
                .lines
                .iter()
                .any(|l| l.text == "first line\nsecond line" && l.nick == "hana")
        },
    );
}

#[test]
fn the_composer_renames_through_the_room_and_says_actions() {
    let (_, _, mut h, mut m) = in_the_room();
    // `/nick` is a request to the room, not a message: the room's answer
    // renames her in both windows, and nobody sees the text "/nick".
    type_message(&mut m, "/nick bob");
    m.key_press(egui::Key::Enter);
    pump(&mut [&mut h, &mut m], "the room's answer", |a| {
        has_text(a[1], "bob (you)") && has_text(a[0], "ana is now known as bob")
    });
    assert!(!has_text(&h, "/nick bob"));
    // A taken name is the room's refusal, shown to her.
    type_message(&mut m, "/nick hana");
    m.key_press(egui::Key::Enter);
    pump(&mut [&mut h, &mut m], "the refusal", |a| {
        line_texts(a[1]).iter().any(|l| l.contains("taken"))
    });
    // `/me` is an action, delivered like a message.
    type_message(&mut m, "/me waves");
    m.key_press(egui::Key::Enter);
    pump(&mut [&mut h, &mut m], "the action at the host", |a| {
        line_texts(a[0]).iter().any(|l| l == "/me waves") && has_text(a[0], "waves")
    });
    // `/help` answers here.
    type_message(&mut m, "/help");
    m.key_press(egui::Key::Enter);
    m.run_steps(2);
    assert!(
        line_texts(&m)
            .iter()
            .any(|l| l.starts_with("Commands: /nick NAME"))
    );
    // `/who` lists the room as the window knows it, with her new name.
    type_message(&mut m, "/who");
    m.key_press(egui::Key::Enter);
    m.run_steps(2);
    assert!(
        line_texts(&m)
            .iter()
            .any(|l| l.starts_with("In the room (2): ")
                && l.contains("hana (host)")
                && l.contains("bob")),
        "{:?}",
        line_texts(&m)
    );
    // `//` sends one literal slash: the host gets "/who", not a command.
    type_message(&mut m, "//who is there");
    m.key_press(egui::Key::Enter);
    pump(
        &mut [&mut h, &mut m],
        "the literal slash at the host",
        |a| line_texts(a[0]).iter().any(|l| l == "/who is there"),
    );
}

#[test]
fn an_unfocused_window_counts_unread_messages_and_mentions_in_its_title() {
    let (_, _, mut h, mut m) = in_the_room();
    // The member's window loses the focus; the host speaks twice, once
    // to her by name.
    m.input_mut().focused = false;
    m.run_steps(2);
    for text in ["hello room", "Ana, look at this"] {
        type_message(&mut h, text);
        h.key_press(egui::Key::Enter);
    }
    pump(&mut [&mut h, &mut m], "two unread, one for her", |a| {
        a[1].state().room().unwrap().unread() == (2, 1)
    });
    let title = m.state().room().unwrap().window_title();
    assert!(
        title.starts_with("(2, 1 for you) tlschat — ana — "),
        "{title}"
    );
    // Her own words while away do not count; coming back reads them all.
    m.input_mut().focused = true;
    m.run_steps(2);
    assert_eq!(m.state().room().unwrap().unread(), (0, 0));
    assert!(
        m.state()
            .room()
            .unwrap()
            .window_title()
            .starts_with("tlschat — ana")
    );
}

#[test]
fn f1_lists_the_shortcuts_and_escape_closes_the_window_on_top() {
    let (_, _, _h, mut m) = in_the_room();
    m.get_by_label_contains("verified by").click();
    m.run_steps(3);
    assert!(has_text(&m, "Connection and certificate"));
    m.key_press(egui::Key::F1);
    m.run_steps(3);
    assert!(has_text(&m, "Keyboard shortcuts"));
    assert!(has_text(&m, "show or hide these shortcuts"));
    // Esc closes the one on top first, then the next.
    m.key_press(egui::Key::Escape);
    m.run_steps(3);
    assert!(!has_text(&m, "Keyboard shortcuts"));
    assert!(has_text(&m, "Connection and certificate"));
    m.key_press(egui::Key::Escape);
    m.run_steps(3);
    assert!(!has_text(&m, "Connection and certificate"));
}

#[test]
fn certificate_view_shows_the_real_certificate() {
    let (cert, _, h, mut m) = in_the_room();
    m.get_by_label_contains("verified by").click();
    m.run_steps(3);
    // In the format the warning, the host and the terminal show it in.
    let sha = tlschat::net::certinfo::fingerprint(&tlschat::net::certinfo::sha256(&cert.der));
    assert!(has_text(&m, &sha), "the SHA-256 fingerprint is shown");
    assert!(has_text(&m, "CN=localhost"), "subject");
    assert!(has_text(&m, "CN=Test Root CA"), "issuer");
    assert!(has_text(&m, "X25519MLKEM768"), "key exchange");
    assert!(has_text(&m, "DNS:localhost"), "subject alternative names");
    assert!(has_text(&m, "EC P-256 (256 bits)"), "public key");
    assert!(has_text(&m, "expires in 29 days") || has_text(&m, "expires in 30 days"));
    // The walk through the handshake that happened, with its real values.
    assert!(has_text(&m, "How this connection was secured"));
    assert!(has_text(&m, "hybrid post-quantum"));
    assert!(has_text(&m, "CertificateVerify"));
    assert!(
        has_text(&m, "ECDSA_NISTP256_SHA256"),
        "the signature scheme the host really used"
    );
    assert!(has_text(&m, "does not encrypt any secret"));
    // The host shows its own fingerprint prominently.
    let fp = tlschat::net::certinfo::fingerprint(&tlschat::net::certinfo::sha256(&cert.der));
    assert!(has_text(&h, &fp));
}

#[test]
fn a_disconnect_keeps_the_draft_and_reconnect_is_one_click() {
    let pki = Pki::new();
    let cert = pki.server();
    // Both hosts on one address, held for the whole test.
    let held = common::reserve("127.0.0.1");
    let mut h = host_app(&cert, held.addr);
    let addr = listening(&mut h);
    let mut m = app(Launch::Join(join_config(addr, "ana", &pki.ca_pem)));
    connected(&mut [&mut h, &mut m], 1);

    type_message(&mut m, "a draft I care about");
    h.get_by_label("Close room").click();
    pump(&mut [&mut h, &mut m], "member disconnected", |a| {
        matches!(
            a[1].state().room().unwrap().status,
            Status::Disconnected { .. }
        )
    });
    assert_eq!(m.state().room().unwrap().draft, "a draft I care about");
    assert!(has_text(&m, "Disconnected: the host closed the room"));
    drop(h);

    // The host comes back on the same address; one click reconnects.
    let mut h2 = host_app(&cert, addr);
    listening(&mut h2);
    m.get_by_label("Reconnect").click();
    connected(&mut [&mut h2, &mut m], 1);
    assert_eq!(m.state().room().unwrap().draft, "a draft I care about");
    m.get_by_label("Send").click();
    pump(
        &mut [&mut h2, &mut m],
        "draft delivered after reconnect",
        |a| has_text(a[0], "a draft I care about"),
    );
}

#[test]
fn the_theme_setting_changes_the_window_and_is_kept() {
    let mut s = app(Launch::Start);
    s.run();
    s.get_by_label("Light").click();
    s.run();
    assert_eq!(
        s.ctx.options(|o| o.theme_preference),
        egui::ThemePreference::Light
    );
    assert_eq!(s.ctx.theme(), egui::Theme::Light);
    let mut kept = Kept::default();
    eframe::App::save(s.state_mut(), &mut kept);
    assert_eq!(kept.0.get("theme").map(String::as_str), Some("light"));
    s.get_by_label("Dark").click();
    s.run();
    assert_eq!(s.ctx.theme(), egui::Theme::Dark);
    eframe::App::save(s.state_mut(), &mut kept);
    assert_eq!(kept.0.get("theme").map(String::as_str), Some("dark"));
    // What is kept is what comes back.
    for theme in [
        egui::ThemePreference::System,
        egui::ThemePreference::Light,
        egui::ThemePreference::Dark,
    ] {
        let name = tlschat::ui::theme_name(theme);
        assert_eq!(tlschat::ui::theme_from_name(name), theme);
    }
}

#[test]
fn start_screen_checks_input_before_starting() {
    let mut s = app(Launch::Start);
    s.run();
    let field = s.get_by_label("Listen on");
    field.focus();
    s.step();
    s.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    s.get_by_label("Listen on").type_text("127.0.0.1:99999");
    s.step();
    s.get_by_label("Host").click();
    s.run();
    assert!(s.state().room().is_none(), "nothing started");
    assert!(has_text(&s, "port must be a number"));

    s.get_by_label("CA certificate (optional)").focus();
    s.step();
    s.get_by_label("CA certificate (optional)")
        .type_text("/no/such/ca.pem");
    s.step();
    s.get_by_label("Join").click();
    s.run();
    assert!(s.state().room().is_none());
    assert!(has_text(&s, "/no/such/ca.pem"));
}

#[test]
fn untrusted_host_gets_a_warning_back_to_safety_or_proceed_once() {
    let pki = Pki::new();
    let cert = pki.self_signed("self", &Pki::leaf_params(&["localhost", "127.0.0.1"]));
    let mut h = host_app(&cert, "127.0.0.1:0".parse().unwrap());
    let addr = listening(&mut h);
    let mut m = app(Launch::Join(join_config(addr, "ana", &pki.ca_pem)));
    pump(&mut [&mut h, &mut m], "interstitial", |a| {
        has_text(a[1], "is not private")
    });
    assert!(has_text(&m, "CERT_SELF_SIGNED"));
    let fp = tlschat::net::certinfo::fingerprint(&tlschat::net::certinfo::sha256(&cert.der));
    assert!(has_text(&m, &fp));
    // No proceed without opening Advanced first.
    assert!(m.query_by_label("Proceed anyway (unsafe)").is_none());
    m.get_by_label("Advanced").click();
    m.run_steps(2);
    m.get_by_label("Proceed anyway (unsafe)").click();
    connected(&mut [&mut h, &mut m], 1);
    assert!(
        has_text(&m, "Not verified"),
        "an exception is never shown as secure"
    );

    // And "Back to safety" leaves without connecting.
    let mut m2 = app(Launch::Join(join_config(addr, "bo", &pki.ca_pem)));
    pump(&mut [&mut h, &mut m2], "interstitial", |a| {
        has_text(a[1], "is not private")
    });
    m2.get_by_label("Back to safety").click();
    m2.run_steps(2);
    assert!(m2.state().room().is_none());
    assert!(has_text(&m2, "Join a room"));
}

#[test]
fn always_trust_is_remembered_across_restarts_and_removable() {
    let pki = Pki::new();
    let cert = pki.self_signed("self", &Pki::leaf_params(&["localhost", "127.0.0.1"]));
    let mut h = host_app(&cert, "127.0.0.1:0".parse().unwrap());
    let addr = listening(&mut h);
    let dir = tempfile::tempdir().unwrap().keep();
    let config = || {
        let mut c = join_config(addr, "ana", &pki.ca_pem);
        c.config_dir = Some(dir.clone());
        c
    };
    let mut m = app_in(Launch::Join(config()), dir.clone());
    pump(&mut [&mut h, &mut m], "interstitial", |a| {
        has_text(a[1], "is not private")
    });
    m.get_by_label("Advanced").click();
    m.run_steps(2);
    m.get_by_label("Always trust this certificate (unsafe)")
        .click();
    connected(&mut [&mut h, &mut m], 1);
    assert!(has_text(&m, "Not verified"));
    drop(m);

    // A new app with the same configuration: straight in, no warning.
    let mut m2 = app_in(Launch::Join(config()), dir.clone());
    connected(&mut [&mut h, &mut m2], 1);
    assert!(has_text(&m2, "trusted by your exception"));
    drop(m2);

    // The start screen lists it, and removes it.
    let mut s = app_in(Launch::Start, dir.clone());
    s.run();
    s.get_by_label_contains("Known hosts (1)").click();
    s.run();
    s.get_by_label(&format!("Remove {addr}")).click();
    s.run();
    assert!(has_text(&s, "Known hosts (0)"));
    let store = tlschat::net::pins::PinStore::load(&dir).unwrap();
    assert!(store.entries().is_empty());
}

#[test]
fn a_changed_identity_shows_both_certificates_and_no_way_through() {
    let pki = Pki::new();
    let cert = pki.self_signed("now", &Pki::leaf_params(&["localhost", "127.0.0.1"]));
    let before = pki.self_signed("before", &Pki::leaf_params(&["localhost", "127.0.0.1"]));
    let mut h = host_app(&cert, "127.0.0.1:0".parse().unwrap());
    let addr = listening(&mut h);
    let dir = tempfile::tempdir().unwrap().keep();
    let old = tlschat::net::CertInfo::from_der(&before.der);
    tlschat::net::pins::PinStore::update(&dir, |s| {
        s.set(tlschat::net::pins::PinEntry::new(
            &addr.to_string(),
            tlschat::net::pins::PinKind::Pinned,
            old.clone(),
        ));
    })
    .unwrap();
    let mut config = join_config(addr, "ana", &pki.ca_pem);
    config.config_dir = Some(dir.clone());
    let mut m = app_in(Launch::Join(config), dir);
    pump(&mut [&mut h, &mut m], "alarm", |a| {
        has_text(a[1], "has changed")
    });
    let fp = |der: &[u8]| tlschat::net::certinfo::fingerprint(&tlschat::net::certinfo::sha256(der));
    assert!(has_text(&m, &fp(&cert.der)), "the new fingerprint");
    assert!(has_text(&m, &fp(&before.der)), "the old fingerprint");
    assert!(has_text(&m, "HOST_IDENTITY_CHANGED"));
    window::no_way_through(&mut m);
}

#[test]
fn the_member_list_shows_verified_client_identities() {
    let pki = Pki::new();
    let members = Pki::named("Member CA");
    let cert = pki.server();
    let alice = members.issue("alice", &Pki::leaf_params(&["alice.example"]));
    let mut h = host_window(HostConfig {
        client_ca: Some(members.ca_pem),
        ..common::host_config(&cert, "hana")
    });
    let addr = listening(&mut h);
    let mut config = join_config(addr, "alice", &pki.ca_pem);
    config.identity = Some((alice.cert.clone(), alice.key));
    let mut a = app(Launch::Join(config));
    let mut b = app(Launch::Join(join_config(addr, "bob", &pki.ca_pem)));
    // Cy has a configuration directory, so a key of her own: the list
    // shows its short safety code.
    let cy_dir = tempfile::tempdir().unwrap().keep();
    let mut config = join_config(addr, "cy", &pki.ca_pem);
    config.config_dir = Some(cy_dir.clone());
    let mut c = app_in(Launch::Join(config), cy_dir.clone());
    let cy = tlschat::net::identity::existing_identity(&cy_dir)
        .unwrap()
        .unwrap();
    let short = format!("🔑 {}", tlschat::net::safety::short_safety_code(&cy.key));
    pump(&mut [&mut h, &mut a, &mut b, &mut c], "identities", |x| {
        has_text(x[0], "🔑 alice.example") && has_text(x[0], "no key") && has_text(x[0], &short)
    });
    // Bob sees the same, from the room's member list.
    pump(&mut [&mut h, &mut a, &mut b, &mut c], "keys at bob", |x| {
        has_text(x[2], &short)
    });
}

#[test]
fn the_start_screen_shows_your_key() {
    let dir = tempfile::tempdir().unwrap().keep();
    let mut s = app_in(Launch::Start, dir.clone());
    s.run_steps(2);
    // Made on first use: the window made it, and shows what `tlschat
    // identity` shows.
    let me = tlschat::net::identity::existing_identity(&dir)
        .unwrap()
        .unwrap();
    assert!(has_text(&s, &me.fingerprint()));
    assert!(has_text(&s, &me.safety_code()));
}

/// Says `texts` as `node` and waits until the room has acknowledged them.
fn say(node: &mut common::Node, first_id: u64, texts: &[&str]) {
    for (i, text) in texts.iter().enumerate() {
        let id = first_id + i as u64;
        node.send(common::Command::Send {
            id,
            text: (*text).to_string(),
        });
        node.wait_for(&format!("{text:?} delivered"), |e| match e {
            tlschat::net::NetEvent::Delivered { id: got } if *got == id => Some(()),
            _ => None,
        });
    }
}

fn line_texts(a: &App<'static>) -> Vec<String> {
    a.state()
        .room()
        .unwrap()
        .lines
        .iter()
        .map(|l| l.text.clone())
        .collect()
}

#[test]
fn a_newcomer_window_shows_the_backlog_above_a_divider() {
    let pki = Pki::new();
    let cert = pki.server();
    let (mut host, addr) = common::host(&cert, "hana");
    say(&mut host, 1, &["first said", "second said", "third said"]);

    let mut m = app(Launch::Join(join_config(addr, "ana", &pki.ca_pem)));
    connected(&mut [&mut m], 0);
    pump(&mut [&mut m], "the backlog divider", |a| {
        a[0].query_by_label("3 earlier messages").is_some()
    });
    // The backlog is above the divider, as history; nothing else is.
    let room = m.state().room().unwrap();
    let divider = room.lines.iter().position(|l| l.is_divider()).unwrap();
    assert_eq!(room.lines[divider].text, "3 earlier messages");
    let history: Vec<&str> = room
        .lines
        .iter()
        .filter(|l| l.is_history())
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(history, ["first said", "second said", "third said"]);
    assert!(
        room.lines[..divider]
            .iter()
            .filter(|l| l.is_history())
            .count()
            == 3
    );
    assert!(has_text(&m, "third said"));
    // Live messages come below it, not as history.
    say(&mut host, 10, &["said live"]);
    pump(&mut [&mut m], "a live message", |a| {
        has_text(a[0], "said live")
    });
    let room = m.state().room().unwrap();
    let live = room
        .lines
        .iter()
        .position(|l| l.text == "said live")
        .unwrap();
    assert!(live > divider && !room.lines[live].is_history());
    assert_eq!(room.lines.iter().filter(|l| l.is_divider()).count(), 1);
}

/// A host (with its history in memory), a member `bo` who stays, and a
/// member window `ana` that reaches the host through a relay that can be cut.
struct Dropping {
    pki: Pki,
    host: common::Node,
    bo: common::Node,
    relay: common::Relay,
    window: App<'static>,
}

fn dropping_room() -> Dropping {
    let pki = Pki::new();
    let cert = pki.server();
    let (host, addr) = common::host(&cert, "hana");
    let (bo, _) = common::join(addr, "bo", &pki.ca_pem);
    let relay = common::Relay::start(addr);
    let mut config = join_config(relay.addr(), "ana", &pki.ca_pem);
    config.reconnect = true;
    let mut window = app(Launch::Join(config));
    connected(&mut [&mut window], 0);
    Dropping {
        pki,
        host,
        bo,
        relay,
        window,
    }
}

fn reconnect_attempt(a: &App<'static>) -> Option<u32> {
    match a.state().room()?.status {
        Status::Reconnecting { attempt, .. } => Some(attempt),
        _ => None,
    }
}

#[test]
fn a_dropped_window_reconnects_by_itself_and_marks_what_it_missed() {
    let Dropping {
        pki: _pki,
        host: _host,
        mut bo,
        relay,
        mut window,
    } = dropping_room();
    say(&mut bo, 1, &["before the cut"]);
    pump(&mut [&mut window], "the message before the cut", |a| {
        has_text(a[0], "before the cut")
    });

    relay.sever();
    pump(&mut [&mut window], "the reconnecting banner", |a| {
        has_text(a[0], "— reconnecting")
    });
    assert!(window.query_by_label("Reconnect now").is_some());
    assert!(
        !has_text(&window, "Secure"),
        "no padlock while the connection is down"
    );
    // The composer stays usable: a message written now waits, pending.
    type_message(&mut window, "written while away");
    window.key_press(egui::Key::Enter);
    window.step();
    let room = window.state().room().unwrap();
    let pending = room
        .lines
        .iter()
        .find(|l| l.text == "written while away")
        .unwrap();
    assert_eq!(pending.delivery, Some(Delivery::Sending));
    type_message(&mut window, "half a thought");

    say(&mut bo, 2, &["said while away", "said while away, again"]);
    relay.restore();
    pump(&mut [&mut window], "the resume divider", |a| {
        a[0].query_by_label("2 new messages while you were away")
            .is_some()
    });
    pump(&mut [&mut window], "the banner gone", |a| {
        a[0].query_by_label("Reconnect now").is_none()
            && a[0].state().room().unwrap().is_connected()
    });
    assert!(has_text(&window, "Secure"));
    assert!(relay.accepted() >= 2, "it came back through the relay");

    // The conversation, the pending message and the draft were kept; the
    // message that waited went out once.
    bo.wait_message("written while away");
    pump(&mut [&mut window], "the waiting message delivered", |a| {
        a[0].state()
            .room()
            .unwrap()
            .lines
            .iter()
            .any(|l| l.text == "written while away" && l.delivery == Some(Delivery::Delivered))
    });
    let texts = line_texts(&window);
    let at = |t: &str| texts.iter().position(|x| x == t).unwrap();
    assert_eq!(
        texts.iter().filter(|t| *t == "written while away").count(),
        1
    );
    assert!(at("before the cut") < at("said while away"));
    assert!(at("said while away, again") < at("2 new messages while you were away"));
    let back = texts
        .iter()
        .position(|t| t.starts_with("Back in the room as ana"))
        .unwrap();
    assert!(at("2 new messages while you were away") < back);
    assert_eq!(window.state().room().unwrap().draft, "half a thought");
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.starts_with("Connection lost"))
            .count(),
        1
    );
}

#[test]
fn reconnect_now_skips_the_wait() {
    let Dropping {
        pki: _pki,
        host: _host,
        mut bo,
        relay,
        mut window,
    } = dropping_room();
    relay.sever();
    // Let the backoff grow to a wait of seconds (attempt 4: 3 to 4 s).
    pump(&mut [&mut window], "a long wait", |a| {
        reconnect_attempt(a[0]).is_some_and(|n| n >= 4)
    });
    say(&mut bo, 1, &["said while away"]);
    relay.restore();
    let until = match window.state().room().unwrap().status {
        Status::Reconnecting { until, .. } => until,
        _ => unreachable!(),
    };
    assert!(
        until > Instant::now() + Duration::from_millis(2500),
        "the wait is still long"
    );
    // While it counts down the window redraws once a second, not more.
    let delay = window.output().viewport_output[&egui::ViewportId::ROOT].repaint_delay;
    assert!(
        delay > Duration::ZERO && delay <= Duration::from_secs(1),
        "{delay:?}"
    );
    window.get_by_label("Reconnect now").click();
    pump(&mut [&mut window], "back in the room", |a| {
        a[0].state().room().unwrap().is_connected()
    });
    // Well before the wait was over (an attempt at its end would come
    // milliseconds after it, and the window sees events a frame late).
    assert!(
        until.saturating_duration_since(Instant::now()) > Duration::from_secs(1),
        "it waited for the backoff"
    );
    assert!(Instant::now() < until, "it did not wait for the backoff");
    pump(&mut [&mut window], "the resume divider", |a| {
        a[0].query_by_label("1 new message while you were away")
            .is_some()
    });
    assert!(window.query_by_label("Reconnect now").is_none());
    // Once connected the window is idle again.
    window.run();
    let delay = window.output().viewport_output[&egui::ViewportId::ROOT].repaint_delay;
    assert!(delay > Duration::from_secs(60), "{delay:?}");
}

/// A notification service (org.freedesktop.Notifications) on the session
/// bus the test runs with, recording every notification it is given.
#[derive(Clone, Default)]
struct NotificationService {
    shown: std::sync::Arc<std::sync::Mutex<Vec<Shown>>>,
}

#[derive(Clone, Debug)]
struct Shown {
    app_name: String,
    replaces_id: u32,
    summary: String,
    body: String,
    desktop_entry: Option<String>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl NotificationService {
    // The specification's signature, as D-Bus delivers it.
    #[allow(clippy::too_many_arguments, clippy::needless_pass_by_value)]
    fn notify(
        &self,
        app_name: String,
        replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        _actions: Vec<String>,
        hints: std::collections::HashMap<String, zbus::zvariant::OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let desktop_entry = hints
            .get("desktop-entry")
            .and_then(|v| String::try_from(v.clone()).ok());
        let mut shown = self.shown.lock().unwrap();
        shown.push(Shown {
            app_name,
            replaces_id,
            summary,
            body,
            desktop_entry,
        });
        if replaces_id == 0 {
            u32::try_from(shown.len()).unwrap()
        } else {
            replaces_id
        }
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into(), "body-markup".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        ("test".into(), "tlschat".into(), "1".into(), "1.2".into())
    }

    fn close_notification(&self, _id: u32) {}
}

/// Runs the ignored test `name` of this binary in a child process whose
/// session bus is `bus`: the notification library reads the bus address
/// from the environment, which a test cannot change in its own process.
fn run_with_session_bus(name: &str, bus: &str) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact"])
        .arg(crate::common::test_name(module_path!(), name))
        .arg("--nocapture")
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("1 passed"),
        "{name}: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A private session bus (a real dbus-daemon), ended on drop.
struct SessionBus {
    daemon: std::process::Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl SessionBus {
    fn start() -> Self {
        use std::io::BufRead as _;
        let dir = tempfile::tempdir().unwrap();
        let mut daemon = std::process::Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address"])
            .arg(format!(
                "--address=unix:path={}",
                dir.path().join("bus").display()
            ))
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("dbus-daemon (apt-get install dbus) runs the notification tests");
        let mut address = String::new();
        std::io::BufReader::new(daemon.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        Self {
            daemon,
            address: address.trim().to_string(),
            _dir: dir,
        }
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

#[test]
fn desktop_notifications_go_to_the_notification_service_escaped_and_gathered() {
    let bus = SessionBus::start();
    run_with_session_bus("notifications_with_a_service", &bus.address);
}

#[test]
fn without_a_notification_service_notifications_are_silently_off() {
    let dir = tempfile::tempdir().unwrap();
    let nowhere = format!("unix:path={}", dir.path().join("no-bus").display());
    run_with_session_bus("notifications_without_a_service", &nowhere);
}

/// Opens the member window's menu and picks a notification setting.
fn choose_notifications(m: &mut App<'static>, choice: &str) {
    m.get_by_label("Menu").click();
    m.run_steps(2);
    m.get_by_label(choice).click();
    m.run_steps(2);
    // Close the menu.
    m.key_press(egui::Key::Escape);
    m.run_steps(2);
}

#[test]
#[ignore = "run by desktop_notifications_go_to_the_notification_service_escaped_and_gathered, on a private bus"]
fn notifications_with_a_service() {
    let service = NotificationService::default();
    let shown = service.shown.clone();
    let address = std::env::var("DBUS_SESSION_BUS_ADDRESS").unwrap();
    let _connection = zbus::block_on(async {
        zbus::connection::Builder::address(address.as_str())
            .unwrap()
            .name("org.freedesktop.Notifications")
            .unwrap()
            .serve_at("/org/freedesktop/Notifications", service)
            .unwrap()
            .build()
            .await
            .unwrap()
    });
    let (_, addr, mut h, mut m) = in_the_room();
    choose_notifications(&mut m, "When I am named");
    m.input_mut().focused = false;
    m.run_steps(2);

    // Not named: counted in the title, no notification.
    type_message(&mut h, "hello room");
    h.key_press(egui::Key::Enter);
    pump(&mut [&mut h, &mut m], "one unread", |a| {
        a[1].state().room().unwrap().unread() == (1, 0)
    });
    // Named, with markup and an escape sequence.
    type_message(
        &mut h,
        "ana: <a href=\"https://evil\">click</a> & \u{1b}[31mred",
    );
    h.key_press(egui::Key::Enter);
    pump(&mut [&mut h, &mut m], "a notification", |_| {
        !shown.lock().unwrap().is_empty()
    });
    let first = shown.lock().unwrap()[0].clone();
    assert_eq!(first.app_name, "tlschat");
    assert_eq!(first.replaces_id, 0);
    assert_eq!(first.summary, format!("hana named you ({addr})"));
    assert_eq!(
        first.body,
        "ana: &lt;a href=&quot;https://evil&quot;&gt;click&lt;/a&gt; &amp; \\x1b[31mred"
    );
    assert_eq!(first.desktop_entry.as_deref(), Some(tlschat::ui::APP_ID));

    // Every message: a burst becomes a notification that replaces the
    // first one and says how many more came, not one each.
    choose_notifications(&mut m, "Every message");
    m.input_mut().focused = false;
    for i in 0..30 {
        type_message(&mut h, &format!("burst {i}"));
        h.key_press(egui::Key::Enter);
        m.step();
    }
    pump(&mut [&mut h, &mut m], "the burst's notification", |_| {
        let shown = shown.lock().unwrap();
        shown.last().is_some_and(|s| s.body.starts_with("burst 29"))
    });
    let shown = shown.lock().unwrap();
    assert!(
        shown.len() < 30,
        "{} notifications for 30 messages",
        shown.len()
    );
    assert!(shown[1..].iter().all(|s| s.replaces_id == 1), "{shown:?}");
    assert!(shown.iter().any(|s| s.body.contains("more)")), "{shown:?}");
}

#[test]
#[ignore = "run by without_a_notification_service_notifications_are_silently_off, on no bus"]
fn notifications_without_a_service() {
    let (_, _, mut h, mut m) = in_the_room();
    choose_notifications(&mut m, "Every message");
    m.input_mut().focused = false;
    type_message(&mut h, "anyone there?");
    h.key_press(egui::Key::Enter);
    // The settings say so, and the room goes on.
    pump(&mut [&mut h, &mut m], "notifications off", |a| {
        a[1].state().room().unwrap().unread() == (1, 0)
    });
    let end = Instant::now() + DEADLINE;
    loop {
        m.get_by_label("Menu").click();
        m.run_steps(2);
        let off = has_text(&m, "no notification service answered");
        m.key_press(egui::Key::Escape);
        m.run_steps(2);
        if off {
            break;
        }
        assert!(
            Instant::now() < end,
            "the window never said notifications are off"
        );
        // A poll: the menu is opened afresh each time to read it.
        std::thread::sleep(Duration::from_millis(20));
    }
    type_message(&mut h, "still here");
    h.key_press(egui::Key::Enter);
    pump(&mut [&mut h, &mut m], "the room goes on", |a| {
        has_text(a[1], "still here")
    });
}

/// Says `text` from the window `from` and waits until `to` shows it.
fn say_to(from: &mut App<'static>, to: &mut App<'static>, text: &str) {
    type_message(from, text);
    from.key_press(egui::Key::Enter);
    // As the other window shows it (made visible).
    let shown = tlschat::net::safe_text::visible(text).into_owned();
    pump(&mut [from, to], "the line at the other window", |a| {
        line_texts(a[1]).iter().any(|l| l.ends_with(shown.as_str()))
    });
}

#[test]
fn ctrl_s_and_enter_in_one_frame_both_happen() {
    let (_, _, mut h, mut m) = in_the_room();
    type_message(&mut m, "sent with a save");
    // Both keys in the same frame (kittest's key_press would give each
    // its own frame): the save asks where, and the message goes.
    let key = |key, modifiers| egui::Event::Key {
        key,
        pressed: true,
        modifiers,
        repeat: false,
        physical_key: None,
    };
    m.input_mut().events.extend([
        key(egui::Key::S, egui::Modifiers::COMMAND),
        key(egui::Key::Enter, egui::Modifiers::NONE),
    ]);
    m.step();
    pump(&mut [&mut m, &mut h], "the message at the host", |a| {
        line_texts(a[1]).iter().any(|l| l == "sent with a save")
    });
    assert!(
        has_text(&m, "Save the conversation"),
        "the save dialog is open"
    );
}

#[test]
fn ctrl_f_counts_matches_moves_between_them_and_esc_closes_the_search() {
    let (_, _, mut h, mut m) = in_the_room();
    for text in [
        "an apple",
        "a pear",
        "APPLE pie",
        "no fruit",
        "Apples and apples",
    ] {
        say_to(&mut h, &mut m, text);
    }
    m.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    m.run_steps(3);
    assert!(
        m.get_by_label("Find").is_focused(),
        "Ctrl+F focuses the field"
    );
    m.get_by_label("Find").type_text("apple");
    m.run_steps(3);
    // Case does not matter; two matches in one line count twice.
    assert!(has_text(&m, "1 of 4"), "the newest match first");
    // Enter goes back in time, Shift+Enter forward; the field keeps the focus.
    m.key_press(egui::Key::Enter);
    m.run_steps(2);
    assert!(has_text(&m, "2 of 4"));
    assert!(m.get_by_label("Find").is_focused());
    m.key_press(egui::Key::Enter);
    m.run_steps(2);
    assert!(has_text(&m, "3 of 4"));
    m.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::Enter);
    m.run_steps(2);
    assert!(has_text(&m, "2 of 4"));
    m.key_press(egui::Key::F3);
    m.run_steps(2);
    assert!(has_text(&m, "3 of 4"));
    m.get_by_label("⬆ Older").click();
    m.run_steps(2);
    assert!(has_text(&m, "4 of 4"));
    m.get_by_label("⬆ Older").click();
    m.run_steps(2);
    assert!(has_text(&m, "1 of 4"), "wraps around");
    m.get_by_label("⬇ Newer").click();
    m.run_steps(2);
    assert!(has_text(&m, "4 of 4"), "wraps around the other way");
    // A new line that matches is counted as it comes.
    say_to(&mut h, &mut m, "one more apple");
    m.run_steps(2);
    assert!(has_text(&m, " of 5"), "{:?}", line_texts(&m));
    m.get_by_label("Find").focus();
    m.step();
    m.get_by_label("Find").type_text("zebra");
    m.run_steps(2);
    assert!(has_text(&m, "No matches"));

    // Esc in the search field closes the search, even with the details open.
    m.get_by_label_contains("verified by").click();
    m.run_steps(3);
    assert!(has_text(&m, "Connection and certificate"));
    m.get_by_label("Find").focus();
    m.step();
    m.key_press(egui::Key::Escape);
    m.run_steps(3);
    assert!(
        m.query_by_label("Close search").is_none(),
        "the search closed"
    );
    assert!(has_text(&m, "Connection and certificate"));
    assert!(
        m.get_by_label("Message").is_focused(),
        "back to writing after Esc"
    );
    // Elsewhere, Esc closes what is on top: the details, then the search.
    m.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    m.run_steps(3);
    m.get_by_label("Message").focus();
    m.run_steps(2);
    m.key_press(egui::Key::Escape);
    m.run_steps(3);
    assert!(!has_text(&m, "Connection and certificate"));
    assert!(m.query_by_label("Close search").is_some());
    m.key_press(egui::Key::Escape);
    m.run_steps(3);
    assert!(m.query_by_label("Close search").is_none());
}

#[test]
fn f1_lists_the_new_shortcuts() {
    let (_, _, _h, mut m) = in_the_room();
    m.key_press(egui::Key::F1);
    m.run_steps(3);
    for keys in [
        "Ctrl+F",
        "Ctrl+S",
        "Page Up / Page Down",
        "Enter / F3",
        "Up",
    ] {
        assert!(m.query_by_label(keys).is_some(), "{keys} is listed");
    }
}

#[test]
fn up_in_an_empty_composer_recalls_the_last_line() {
    let (_, _, mut h, mut m) = in_the_room();
    say_to(&mut m, &mut h, "a line with a typo");
    assert!(m.state().room().unwrap().draft.is_empty());
    m.get_by_label("Message").focus();
    m.step();
    m.key_press(egui::Key::ArrowUp);
    m.run_steps(2);
    assert_eq!(m.state().room().unwrap().draft, "a line with a typo");
    // The cursor is at the end: typing goes on after the text.
    m.get_by_label("Message").type_text(", fixed");
    m.run_steps(2);
    assert_eq!(m.state().room().unwrap().draft, "a line with a typo, fixed");
    // Up in a box that has text moves in it; it does not recall.
    m.key_press(egui::Key::ArrowUp);
    m.run_steps(2);
    assert_eq!(m.state().room().unwrap().draft, "a line with a typo, fixed");
}

/// Opens "Save conversation…" in `m`, replaces the file name with `path`
/// and presses Save.
fn save_conversation_as(m: &mut App<'static>, path: &std::path::Path) {
    m.get_by_label("Menu").click();
    m.run_steps(2);
    m.get_by_label("Save conversation…  (Ctrl+S)").click();
    m.run_steps(3);
    assert!(has_text(m, "Save the conversation"));
    assert!(m.get_by_label("File name").is_focused());
    m.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    m.get_by_label("File name")
        .type_text(path.to_str().unwrap());
    m.run_steps(2);
    m.get_by_label("Save").click();
    m.run_steps(3);
}

#[test]
fn the_file_dialog_saves_the_conversation_as_shown_in_both_formats() {
    let (_, _, mut h, mut m) = in_the_room();
    say_to(&mut h, &mut m, "hello ana");
    say_to(&mut m, &mut h, "hi hana \u{202e}evil");
    say_to(&mut m, &mut h, "/me waves");
    // Two lines in one message, from the host.
    type_message(&mut h, "first line");
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::Enter);
    h.step();
    h.get_by_label("Message").type_text("second line");
    h.key_press(egui::Key::Enter);
    pump(&mut [&mut h, &mut m], "two lines at the member", |a| {
        line_texts(a[1])
            .iter()
            .any(|l| l == "first line\nsecond line")
    });
    let dir = tempfile::tempdir().unwrap();

    // Plain text: one line per line said, as the conversation shows it.
    let txt = dir.path().join("chat.txt");
    save_conversation_as(&mut m, &txt);
    assert!(!has_text(&m, "Save the conversation"), "the dialog closed");
    assert!(has_text(&m, "Saved the conversation"));
    let text = std::fs::read_to_string(&txt).unwrap();
    let said: Vec<&str> = text
        .lines()
        .map(|l| &l[20..])
        .filter(|l| !l.starts_with("-- "))
        .collect();
    assert_eq!(
        said,
        [
            "<hana> hello ana",
            "<ana> hi hana \\u{202e}evil",
            "* ana waves",
            "<hana> first line",
            "<hana> second line",
        ],
        "{text}"
    );
    assert!(text.contains(" -- You are in the room as ana"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&txt).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "a conversation is private");
    }

    // JSON lines: the same lines, the text exact.
    let jsonl = dir.path().join("chat.jsonl");
    save_conversation_as(&mut m, &jsonl);
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let said: Vec<(String, String, String, bool)> = rows
        .iter()
        .filter(|r| r["kind"] != "notice")
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_string(),
                r["nick"].as_str().unwrap().to_string(),
                r["text"].as_str().unwrap().to_string(),
                r["own"].as_bool().unwrap(),
            )
        })
        .collect();
    let row = |k: &str, n: &str, t: &str, own| (k.into(), n.into(), t.into(), own);
    assert_eq!(
        said,
        [
            row("message", "hana", "hello ana", false),
            row("message", "ana", "hi hana \u{202e}evil", true),
            row("action", "ana", "waves", true),
            row("message", "hana", "first line\nsecond line", false),
        ]
    );
    assert_eq!(rows.len(), m.state().room().unwrap().lines.len());

    // Saving over a file asks first; "Don't replace" keeps it.
    let before = std::fs::read_to_string(&txt).unwrap();
    say_to(&mut h, &mut m, "said after the first save");
    save_conversation_as(&mut m, &txt);
    assert!(has_text(&m, "already exists. Replace it?"));
    m.get_by_label("Don't replace").click();
    m.run_steps(2);
    assert_eq!(std::fs::read_to_string(&txt).unwrap(), before);
    m.get_by_label("Save").click();
    m.run_steps(2);
    m.get_by_label("Replace").click();
    m.run_steps(3);
    assert!(!has_text(&m, "Save the conversation"));
    assert!(
        std::fs::read_to_string(&txt)
            .unwrap()
            .contains("said after the first save")
    );

    // A folder that is not there is one line in the dialog, which stays.
    let nowhere = dir.path().join("no-such-folder").join("chat.txt");
    save_conversation_as(&mut m, &nowhere);
    assert!(has_text(&m, "Save the conversation"));
    assert!(has_text(&m, "no-such-folder/chat.txt"));
    assert!(has_text(&m, "does not exist"));
    // A file that cannot be written (in /proc, not even by root): the
    // reason in the dialog, which stays.
    #[cfg(target_os = "linux")]
    {
        m.get_by_label("File name").focus();
        m.step();
        m.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        m.get_by_label("File name")
            .type_text("/proc/tlschat-cannot-be-here.txt");
        m.run_steps(2);
        m.get_by_label("Save").click();
        m.run_steps(3);
        assert!(has_text(
            &m,
            "Could not save the conversation to /proc/tlschat-cannot-be-here.txt: "
        ));
        assert!(!has_text(&m, "at path"), "no temporary file's name");
    }
    // Esc closes the dialog (and nothing under it).
    m.key_press(egui::Key::Escape);
    m.run_steps(3);
    assert!(!has_text(&m, "Save the conversation"));
    assert!(!nowhere.exists());
}

#[test]
fn browse_chooses_a_pem_file_for_the_start_screen() {
    let pki = Pki::new();
    let mut s = app(Launch::Start);
    s.run();
    s.get_by_label("Browse for CA certificate (optional)")
        .click();
    s.run_steps(3);
    assert!(has_text(&s, "Choose a PEM file"));
    s.get_by_label("File name")
        .type_text(pki.ca_pem.to_str().unwrap());
    s.run_steps(2);
    s.get_by_label("Open").click();
    s.run_steps(3);
    assert!(!has_text(&s, "Choose a PEM file"));
    assert_eq!(
        s.get_by_label("CA certificate (optional)")
            .value()
            .as_deref(),
        pki.ca_pem.to_str()
    );
}

#[test]
fn save_chain_as_writes_the_chain_the_details_show() {
    let (cert, _, _h, mut m) = in_the_room();
    m.get_by_label_contains("verified by").click();
    m.run_steps(3);
    // At the end of a long window: scrolled to first.
    m.get_by_label("Save chain as…").scroll_to_me();
    m.run_steps(3);
    m.get_by_label("Save chain as…").click();
    // A frame for the click, one for the dialog's sizing pass, one to show it.
    m.run_steps(5);
    assert!(has_text(&m, "Save the certificate chain"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.pem");
    m.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    m.get_by_label("File name")
        .type_text(path.to_str().unwrap());
    m.run_steps(2);
    m.get_by_label("Save").click();
    m.run_steps(3);
    assert!(
        has_text(&m, "Saved 1 certificate to"),
        "the host sent its leaf"
    );
    use rustls::pki_types::{CertificateDer, pem::PemObject as _};
    let pem = std::fs::read(&path).unwrap();
    let saved: Vec<CertificateDer<'_>> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(
        saved[0].as_ref(),
        cert.der.as_slice(),
        "the host's certificate"
    );
}
