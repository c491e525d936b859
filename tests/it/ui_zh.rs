//! The room, the connection details and the door in Simplified Chinese
//! (issue 22, part 3): a real host and member over TLS on loopback, their
//! windows set to Chinese, show no English but names (people, hosts, TLS
//! messages, algorithms, suites), hex, commands and keys; set to English,
//! no Chinese. The door's views (lobby, invitations, bans, a kick) are drawn
//! in Chinese on their own.

use crate::common::{self, Pki, join_config, window};
use common::lang::{assert_no_chinese, assert_no_english, has_text, texts};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tlschat::i18n::Lang;
use tlschat::net::door::{Access, BanTarget};
use tlschat::net::{
    BanView, DoorView, HostConfig, InvitationView, KnockView, MemberInfo, NetEvent,
};
use tlschat::ui::Launch;
use tlschat::ui::door::DoorModel;
use tlschat::ui::door_view::{self, DoorPanel};
use tlschat::ui::state::{Role, RoomModel, Status};
use window::{App, app_in_lang, connected, listening, pump};

/// A host window ("hana") and a member window ("ana") in the room, both in
/// `lang`.
fn in_the_room(lang: Lang) -> (App<'static>, App<'static>) {
    let pki = Pki::new();
    let cert = pki.server();
    let config = HostConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        ..common::host_config(&cert, "hana")
    };
    let dir = config.config_dir.clone();
    let mut h = app_in_lang(Launch::Host(config), dir, lang);
    let addr = listening(&mut h);
    let join = Launch::Join(join_config(addr, "ana", &pki.ca_pem));
    let mut m = app_in_lang(join, tempfile::tempdir().unwrap().keep(), lang);
    connected(&mut [&mut h, &mut m], 1);
    (h, m)
}

/// Opens the member's connection details from its address bar.
fn open_details(m: &mut App<'static>, verified_by: &str) {
    m.get_by_label_contains(verified_by).click();
    m.run_steps(3);
}

#[test]
fn a_room_and_its_connection_details_in_chinese_have_no_english_left() {
    let (mut h, mut m) = in_the_room(Lang::ZhCn);
    // The host says something; the member's room shows it.
    h.get_by_label("消息").focus();
    h.step();
    h.get_by_label("消息").type_text("大家好");
    h.key_press(egui::Key::Enter);
    pump(&mut [&mut h, &mut m], "the message at the member", |a| {
        has_text(a[1], "大家好")
    });
    assert!(
        has_text(&m, "安全 · TLS 1.3 · 由 Test Root CA 验证"),
        "the address bar"
    );
    assert!(has_text(&m, "成员（2）"));
    assert!(has_text(&m, "hana（主持人）") && has_text(&m, "ana（你）"));
    assert!(has_text(
        &m,
        "你已进入聊天室，名字是 ana（这里还有另外 1 人）"
    ));
    assert_no_english(&m, "the member's room", &[]);

    // The details: the connection, the walk-through, the certificate.
    open_details(&mut m, "由 Test Root CA 验证");
    for zh in [
        "连接与证书",
        "加密套件",
        "这条连接是如何受到保护的",
        "1. 你先打招呼（ClientHello）",
        "混合后量子密钥交换",
        "ML-KEM-768 是密钥封装",
        "TLS 1.3 的密钥调度",
        "张证书，颁发给 localhost。",
        "ECDSA_NISTP256_SHA256",
        "不加密任何秘密",
        "EC P-256（256 位）",
        "天后到期",
        "主体备用名称",
        "复制 SHA-256",
    ] {
        assert!(has_text(&m, zh), "{zh:?} is not shown");
    }
    // Dates as Chinese writes them: 2026年12月7日 14:05:09 UTC.
    let year = time::OffsetDateTime::now_utc().year();
    assert!(
        texts(&m)
            .iter()
            .any(|t| t.starts_with(&format!("{}年", year - 1))
                || t.starts_with(&format!("{year}年"))),
        "no date in Chinese"
    );
    assert_no_english(&m, "the connection details", &[]);

    // The keyboard shortcuts.
    m.key_press(egui::Key::F1);
    m.run_steps(3);
    assert!(has_text(&m, "键盘快捷键"));
    assert_no_english(&m, "the keyboard shortcuts", &[]);
}

#[test]
fn in_english_the_room_and_the_details_have_no_chinese() {
    let (mut h, mut m) = in_the_room(Lang::En);
    pump(&mut [&mut h, &mut m], "member lists", |a| {
        has_text(a[1], "hana (host)")
    });
    open_details(&mut m, "verified by Test Root CA");
    m.key_press(egui::Key::F1);
    m.run_steps(3);
    assert!(has_text(&m, "How this connection was secured"));
    assert!(has_text(&m, "The host sent 1 certificate, for localhost."));
    assert!(has_text(&m, "show or hide these shortcuts"));
    assert_no_chinese(&m, "the English window");
}

/// The host's door, what it asks of a member it puts out, and the
/// member's side of the lobby: what the window shows of them.
struct Door {
    panel: DoorPanel,
    door: DoorModel,
    member: RoomModel,
}

/// A harness drawing the door's views on this thread in Chinese, with the
/// system's fonts (as the window draws them).
fn chinese_door(door: DoorModel, member: RoomModel) -> Harness<'static, Door> {
    tlschat::i18n::set_thread(Lang::ZhCn);
    let ana = MemberInfo {
        id: 1,
        nick: "ana".into(),
        is_host: false,
        plain_text: false,
        identity: None,
        key: Some([7; 32]),
    };
    let mut h = Harness::builder()
        .with_size(egui::vec2(1100.0, 800.0))
        .with_context_setup(|ctx| {
            tlschat::ui::fonts::SystemFonts::default().follow(ctx, Lang::ZhCn);
        })
        .build_ui_state(
            move |ui, d: &mut Door| {
                d.panel.ui(ui, &mut d.door);
                if let Some(view) = &d.door.view {
                    door_view::lobby_ui(ui, view);
                }
                d.panel.member_menu_ui(ui, &ana, &d.door);
                d.panel.confirm_ui(ui.ctx());
                if let Status::Waiting { text } = &d.member.status {
                    door_view::waiting_ui(ui, text, &d.member);
                }
            },
            Door {
                panel: DoorPanel::default(),
                door,
                member,
            },
        );
    h.run_steps(3);
    h
}

#[test]
fn the_door_in_chinese_has_no_english_left() {
    let mut door = DoorModel::default();
    let in_a_day = tlschat::net::now_ms() + 24 * 3_600_000;
    door.apply(NetEvent::Door(Box::new(DoorView {
        access: Access::Knock,
        knocking: vec![
            KnockView {
                id: 11,
                nick: "cy".into(),
                key: Some([9; 32]),
                addr: "127.0.0.1:50000".parse().unwrap(),
            },
            KnockView {
                id: 12,
                nick: "dee".into(),
                key: None,
                addr: "127.0.0.2:50001".parse().unwrap(),
            },
        ],
        invitations: vec![InvitationView {
            id: 1,
            uses_left: Some(3),
            expires_ms: Some(in_a_day),
        }],
        bans: vec![BanView {
            id: 4,
            nick: "eve".into(),
            target: BanTarget::Address("10.1.2.3".parse().unwrap()),
            reason: String::new(),
        }],
        ..DoorView::default()
    })));
    // A member in the lobby, and what its host says on the wire (English).
    let mut member = RoomModel::new(Role::Member, "127.0.0.1:7463".into(), "ana".into());
    member.apply(NetEvent::Waiting {
        text: "waiting for the host to let you in".into(),
    });
    let mut h = chinese_door(door, member);
    h.get_by_label("有效的邀请（1）").click();
    h.run_steps(3);
    h.get_by_label("封禁（1）").click();
    h.run_steps(3);
    let code = tlschat::net::safety::short_safety_code(&[9; 32]);
    for zh in [
        "🚪 新来的人要先敲门：由你逐个让其进入或拒绝".to_string(),
        format!("cy（安全码 {code}，来自 127.0.0.1）请求进入"),
        "dee（没有密钥，来自 127.0.0.2）请求进入".to_string(),
        "让 cy 进入".to_string(),
        "拒绝 dee".to_string(),
        "还能使用 3 次".to_string(),
        "24 小时后过期（".to_string(),
        "地址 10.1.2.3".to_string(),
        "没有给出原因".to_string(),
        "正在等待主持人让你进入…".to_string(),
        "主持人看到的你是 ana，没有密钥。".to_string(),
    ] {
        assert!(has_text(&h, &zh), "{zh:?} is not shown");
    }
    assert_no_english(&h, "the door", &[]);
    // A kick, confirmed.
    h.get_by_label("踢出…").click();
    h.run_steps(3);
    assert!(has_text(&h, "踢出 ana？"));
    assert!(has_text(&h, "原因（可选，所有人都能看到）"));
    assert_no_english(&h, "the kick's confirmation", &[]);
    tlschat::i18n::set_thread(None);
}
