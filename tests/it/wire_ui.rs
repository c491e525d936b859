//! The window's "On the wire" view (egui_kittest, over a real
//! connection on loopback): it opens in the details, a field can be
//! selected, and its bytes are the ones highlighted.

use crate::common;
use crate::common::window;

use common::{Pki, host_config, host_from, join_config};
use egui_kittest::kittest::{NodeT, Queryable};
use tlschat::ui::Launch;
use window::{app_in, pump};

#[test]
fn the_view_opens_a_field_is_selected_and_its_bytes_are_highlighted() {
    let pki = Pki::new();
    let (_host, addr) = host_from(host_config(&pki.server(), "hana"));
    let dir = tempfile::tempdir().unwrap().keep();
    let mut config = join_config(addr, "ana", &pki.ca_pem);
    let keylog = tempfile::tempdir().unwrap();
    config.tls.keylog = Some(keylog.path().join("keys.log"));
    let mut m = app_in(Launch::Join(config), dir);
    pump(&mut [&mut m], "connected", |a| {
        a[0].state().room().is_some_and(|r| r.is_connected())
    });
    let random = m
        .state()
        .room()
        .and_then(|r| r.connection.as_ref())
        .and_then(|c| c.wire.clone())
        .and_then(|w| {
            w.message("ClientHello")
                .and_then(|(_, h)| h.child("random"))
                .map(|f| f.value.clone())
        })
        .expect("the member recorded its ClientHello");

    m.get_by_label_contains("verified by").click();
    m.run_steps(3);
    // The key log is on: the details say so.
    assert!(
        m.query_by_label_contains("anyone who reads it can decrypt this session")
            .is_some()
    );
    // The walk-through is open above it: close it, so the view is in sight.
    m.get_by_label("How this connection was secured").click();
    m.run_steps(3);
    m.get_by_label("On the wire").click();
    m.run_steps(3);
    assert!(
        m.query_by_label("Select a field to see its bytes.")
            .is_some()
    );
    m.get_by_label_contains("member → host  Handshake: ClientHello")
        .click();
    m.run_steps(3);
    // The ClientHello message is a tree: open it (which selects it too),
    // then pick its random.
    m.get_by_label("ClientHello: 1455 bytes").click();
    m.run_steps(3);
    assert!(
        m.query_by_label_contains("the field is bytes 5–1463 (1459 bytes)")
            .is_some(),
        "the whole message after the record header"
    );
    let field = format!("random: {random}");
    m.get_by_label(&field).scroll_to_me();
    m.run_steps(10);
    m.get_by_label(&field).click();
    m.run_steps(3);
    let spaced: Vec<String> = (0..random.len() / 2)
        .map(|i| random[2 * i..2 * i + 2].to_string())
        .collect();
    let expected = format!("highlighted: {}", spaced.join(" "));
    assert!(
        m.query_by_label(&expected).is_some(),
        "the random's 32 bytes are the ones highlighted"
    );
    assert!(
        m.query_by_label_contains(
            "the record as it went over the wire, 1464 bytes; the field is bytes 11–42 (32 bytes)"
        )
        .is_some()
    );
}

/// Types `text` into the start screen's field labelled `label`.
fn fill(m: &mut window::App<'static>, label: &str, text: &str) {
    m.get_by_label(label).focus();
    m.step();
    m.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    m.step();
    m.get_by_label(label).type_text(text);
    m.step();
}

#[test]
fn the_start_screens_advanced_options_choose_the_tls_version_and_groups() {
    let pki = Pki::new();
    let (_host, addr) = host_from(host_config(&pki.server(), "hana"));
    let mut m = app_in(Launch::Start, tempfile::tempdir().unwrap().keep());
    m.run();
    fill(&mut m, "Host address", &addr.to_string());
    fill(
        &mut m,
        "CA certificate (optional)",
        pki.ca_pem.to_str().unwrap(),
    );
    // TLS 1.2 with X25519 only: the post-quantum hybrid is TLS 1.3 only,
    // and P-256 / P-384 are not offered.
    m.get_by_label("Advanced: TLS version and key exchange")
        .click();
    m.run_steps(2);
    m.get_by_label("1.2 only").click();
    for group in ["X25519MLKEM768", "secp256r1", "secp384r1"] {
        m.get_by_label(group).click();
        m.run_steps(1);
    }
    m.run_steps(2);
    let form = &m.state().start_form();
    assert_eq!(form.tls_version, "1.2");
    assert_eq!(form.groups, vec!["X25519".to_string()]);
    m.get_by_label("Join").click();
    pump(&mut [&mut m], "connected", |a| {
        a[0].state().room().is_some_and(|r| r.is_connected())
    });
    let info = m.state().room().unwrap().connection.clone().unwrap();
    assert_eq!(info.protocol, tlschat::net::TlsVersion::Tls12, "{info:?}");
    assert_eq!(
        info.key_exchange,
        Some(tlschat::net::NamedGroup::X25519),
        "{info:?}"
    );
}

#[test]
fn a_choice_that_cannot_work_is_refused_on_the_start_screen() {
    let mut m = app_in(Launch::Start, tempfile::tempdir().unwrap().keep());
    m.run();
    fill(&mut m, "Host address", "127.0.0.1:9");
    m.get_by_label("Advanced: TLS version and key exchange")
        .click();
    m.run_steps(2);
    m.get_by_label("1.2 only").click();
    for group in ["X25519", "secp256r1", "secp384r1"] {
        m.get_by_label(group).click();
        m.run_steps(1);
    }
    m.get_by_label("Join").click();
    m.run_steps(3);
    // Still on the start screen, with the reason.
    assert!(m.state().room().is_none());
    assert!(
        m.query_all_by_label_contains("TLS 1.3 only")
            .next()
            .is_some()
    );
}

/// A host window asked to record its members (`--show-handshake`),
/// listening; and where.
fn recording_host(pki: &Pki) -> (window::App<'static>, std::net::SocketAddr) {
    let mut config = host_config(&pki.server(), "hana");
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.tls.record_handshakes = true;
    let mut h = window::host_window(config);
    let addr = window::listening(&mut h);
    (h, addr)
}

/// A member `nick` in the room at `addr`.
fn member_in(addr: std::net::SocketAddr, nick: &str, pki: &Pki) -> common::Node {
    use tlschat::net::NetEvent;
    let mut member = common::Node::start();
    member.send(common::Command::Join(join_config(addr, nick, &pki.ca_pem)));
    member.wait_for("joined", |e| {
        matches!(e, NetEvent::Joined { .. }).then_some(())
    });
    member
}

#[test]
fn a_host_asked_to_record_shows_a_members_chat_line_decrypted() {
    use common::Command;
    let pki = Pki::new();
    let (mut h, addr) = recording_host(&pki);
    let member = member_in(addr, "ana", &pki);
    let line = "recorded by the host: plover";
    member.send(Command::Send {
        id: 1,
        text: line.into(),
    });
    pump(&mut [&mut h], "the member's line, followed", |a| {
        a[0].state().room().is_some_and(|r| {
            r.recorded.iter().any(|m| {
                m.live
                    .as_ref()
                    .is_some_and(|l| l.records().iter().any(|s| s.title.contains(line)))
            })
        })
    });
    h.get_by_label_contains("Hosting · your certificate")
        .click();
    h.run_steps(3);
    h.get_by_label("On the wire").click();
    h.run_steps(3);
    assert!(h.query_by_label_contains("Member:").is_some());
    // The record's title: its direction, number and the line decrypted.
    let wanted = format!("\"text\":\"{line}\"");
    let titles: Vec<String> = h
        .query_all_by_label_contains(&wanted)
        .map(|n| format!("{n:?}"))
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t.contains("member → host  ApplicationData #")),
        "{titles:?}"
    );
}

/// Types `line` into the field labelled `field` and sends it; waits until
/// a record whose title holds `titled` is followed.
fn say_and_see_its_record(m: &mut window::App<'static>, field: &str, line: &str, titled: &str) {
    m.get_by_label(field).focus();
    m.step();
    m.get_by_label(field).type_text(line);
    m.step();
    m.key_press(egui::Key::Enter);
    pump(&mut [m], "the line's record", |a| {
        a[0].state()
            .room()
            .and_then(|r| r.connection.as_ref()?.live.clone())
            .is_some_and(|l| l.records().iter().any(|s| s.title.contains(titled)))
    });
}

#[test]
fn in_chinese_the_view_and_its_notes_speak_chinese_and_show_the_line_decrypted() {
    use tlschat::i18n::Lang;
    let pki = Pki::new();
    let (_host, addr) = host_from(host_config(&pki.server(), "hana"));
    let dir = tempfile::tempdir().unwrap().keep();
    let mut m = window::app_in_lang(
        Launch::Join(join_config(addr, "ana", &pki.ca_pem)),
        dir,
        Lang::ZhCn,
    );
    window::connected(&mut [&mut m], 0);
    say_and_see_its_record(&mut m, "消息", "你好，线路", "你好，线路");
    // The room is in Chinese too: its address bar says who verified it.
    m.get_by_label_contains("由 Test Root CA 验证").click();
    m.run_steps(3);
    m.get_by_label("线路上").click();
    m.run_steps(3);
    assert!(m.query_by_label_contains("握手之后——到目前为止").is_some());
    assert!(
        m.query_by_label("选择一个字段，即可看到它的字节。")
            .is_some()
    );
    // The record of the line: its title in Chinese, then its fields.
    let title = m
        .query_all_by_label_contains("，已解密：")
        .map(|n| format!("{n:?}"))
        .find(|t| t.contains("你好，线路") && t.contains("成员 → 主持人"))
        .expect("the line's record, titled in Chinese");
    assert!(title.contains("毫秒"), "{title}");
    m.query_all_by_label_contains("\"text\":\"你好，线路\"")
        .find(|n| format!("{n:?}").contains("成员 → 主持人"))
        .expect("the member's own record")
        .click();
    m.run_steps(3);
    m.get_by_label("加密：已用应用流量密钥解开").click();
    m.run_steps(3);
    assert!(m.query_by_label_contains("序列号：").is_some());
    assert!(
        m.query_by_label_contains("认证标签（AEAD tag）：")
            .is_some()
    );
    // The selected field's note, in Chinese; none of the view's English.
    assert!(
        m.query_by_label_contains("在这里用这条连接自己的应用流量密钥")
            .is_some()
    );
    for english in [
        "On the wire",
        "Select a field",
        "After the handshake",
        "decrypted",
        "sequence number",
        "Decrypted here",
    ] {
        assert!(
            m.query_by_label_contains(english).is_none(),
            "English left: {english}"
        );
    }
}

/// The tree's long record titles (the encrypted handshake flight, a
/// chat line decrypted) are read whole beside the bytes: they wrap inside
/// the tree's pane, at the window's first size and on a 1280×800 screen.
#[test]
fn long_record_titles_wrap_inside_the_tree() {
    for size in [egui::vec2(980.0, 680.0), egui::vec2(1280.0, 800.0)] {
        let pki = Pki::new();
        let (_host, addr) = host_from(host_config(&pki.server(), "hana"));
        let dir = tempfile::tempdir().unwrap().keep();
        let mut m = app_in(Launch::Join(join_config(addr, "ana", &pki.ca_pem)), dir);
        m.set_size(size);
        window::connected(&mut [&mut m], 0);
        let line = "a chat line long enough to need more than the tree's width: plover, plover";
        // What the record's title shows of it (the title is cut after 96
        // characters of the record's content).
        let start = "a chat line long enough";
        say_and_see_its_record(&mut m, "Message", line, start);
        m.get_by_label_contains("verified by").click();
        m.run_steps(3);
        m.get_by_label("On the wire").click();
        m.run_steps(3);
        // The bytes' pane begins where the tree's ends.
        let hex_left = m
            .get_by_label("Select a field to see its bytes.")
            .rect()
            .left();
        for part in ["EncryptedExtensions, Certificate", start] {
            let title = m
                .query_all_by_label_contains(part)
                .find(|n| format!("{n:?}").contains(" ms "))
                .unwrap_or_else(|| panic!("a record titled with {part:?}"));
            let label = format!("{title:?}");
            let rect = title.rect();
            assert!(
                rect.right() < hex_left,
                "at {size:?} the title {label} reaches {} past the tree's edge at {hex_left}",
                rect.right()
            );
            assert!(
                rect.height() > 30.0,
                "at {size:?} the title {label} is on one line ({rect:?})"
            );
        }
    }
}

/// The host's "On the wire" picker names each recorded member by its
/// nickname (as it changes) with its address, the newest first.
#[test]
fn the_hosts_picker_names_recorded_members_by_nickname_and_address() {
    let pki = Pki::new();
    let (mut h, addr) = recording_host(&pki);
    let ana = member_in(addr, "ana", &pki);
    let _bo = member_in(addr, "bo", &pki);
    ana.send(common::Command::Nick("anya".into()));
    pump(&mut [&mut h], "both recorded, ana renamed", |a| {
        a[0].state().room().is_some_and(|r| {
            r.recorded.len() == 2
                && r.recorded
                    .iter()
                    .any(|m| m.member.as_ref().is_some_and(|(_, n)| n == "anya"))
        })
    });
    h.get_by_label_contains("Hosting · your certificate")
        .click();
    h.run_steps(3);
    h.get_by_label("On the wire").click();
    h.run_steps(3);
    // The newest is shown: bo.
    let picked = |h: &window::App<'static>| {
        h.get_by(|n| n.role() == egui::accesskit::Role::ComboBox)
            .accesskit_node()
            .value()
            .unwrap_or_default()
    };
    assert!(picked(&h).starts_with("bo (127.0.0.1:"), "{}", picked(&h));
    h.get_by(|n| n.role() == egui::accesskit::Role::ComboBox)
        .click();
    h.run_steps(3);
    // Both, by the names they have now.
    assert!(window::has_text(&h, "bo (127.0.0.1:"));
    h.get_by_label_contains("anya (127.0.0.1:").click();
    h.run_steps(3);
    assert!(picked(&h).starts_with("anya (127.0.0.1:"), "{}", picked(&h));
}
