//! The room, the connection details and the door in Simplified Chinese
//! (issue 22, part 3): a real host and member over TLS on loopback, their
//! windows set to Chinese, show no English but names (people, hosts, TLS
//! messages, algorithms, suites), hex, commands and keys; set to English,
//! no Chinese. The door's views (lobby, invitations, bans, a kick) are drawn
//! in Chinese on their own.

use crate::common::{self, Pki, join_config, window};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
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

/// Every text the window shows now: each node's label and value.
fn texts<S>(a: &Harness<'_, S>) -> Vec<String> {
    a.query_all_by(|_| true)
        .flat_map(|n| {
            let n = n.accesskit_node();
            [n.label(), n.value()]
        })
        .flatten()
        .filter(|t| !t.trim().is_empty())
        .collect()
}

/// Names that are made of plain words: the test CA's.
const NAMES: &[&str] = &["Test Root CA"];

/// Single words that are names: the program, people and hosts, a TLS
/// message, and keys as the keyboard names them.
const WORDS: &[&str] = &[
    "tlschat",
    "ana",
    "hana",
    "bo",
    "cy",
    "dee",
    "eve",
    "localhost",
    "Finished",
    "Enter",
    "Shift",
    "Ctrl",
    "Esc",
    "Page",
    "Up",
    "Down",
];

/// The words of `text` that read as English: runs of at least two ASCII
/// letters that are not a name above, a command (`/nick`), an acronym or
/// a name in CamelCase (`TLS`, `ClientHello`, `Diffie-Hellman`,
/// `subjectAltName`), nor hold a digit or `_`, `=`, `.`, `:` (hex,
/// addresses, `X25519`, `AES-256-GCM`, `CN=…`, `ECDSA_NISTP256_SHA256`).
fn english_words(text: &str) -> Vec<String> {
    let mut text = text.to_string();
    for name in NAMES {
        text = text.replace(name, " ");
    }
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "_-=/.:".contains(c)))
        .filter(|w| {
            w.chars().filter(char::is_ascii_alphabetic).count() >= 2
                && !w.starts_with('/')
                && !w.chars().any(|c| c.is_ascii_digit() || "_=.:".contains(c))
                && !w.chars().skip(1).any(|c| c.is_ascii_uppercase())
                && !WORDS.contains(w)
        })
        .map(str::to_string)
        .collect()
}

/// What egui itself names for screen readers, never drawn: a window's
/// collapse and close buttons, and the edges of resizable windows and
/// panels.
fn egui_own(text: &str) -> bool {
    ["Hide", "Show", "Close window"].contains(&text) || text.starts_with("Resize ")
}

/// Fails with every text of the window that has English words left.
fn assert_no_english<S>(a: &Harness<'_, S>, what: &str) {
    let left: Vec<(String, Vec<String>)> = texts(a)
        .into_iter()
        .filter(|t| !egui_own(t))
        .filter_map(|t| {
            let words = english_words(&t);
            (!words.is_empty()).then_some((t, words))
        })
        .collect();
    assert!(left.is_empty(), "English left in {what}: {left:#?}");
}

/// Whether a text has a Chinese character (CJK Unified Ideographs, or the
/// ideographic punctuation and full-width forms).
fn is_chinese(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c, '\u{3000}'..='\u{303f}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
    })
}

/// Whether some widget's label contains `text`.
fn has_text<S>(a: &Harness<'_, S>, text: &str) -> bool {
    a.query_all_by_label_contains(text).next().is_some()
}

/// Opens the member's connection details from its address bar.
fn open_details(m: &mut App<'static>, verified_by: &str) {
    m.get_by_label_contains(verified_by).click();
    m.run_steps(3);
}

#[test]
fn the_english_words_are_found_and_names_are_not() {
    assert_eq!(
        english_words("安全 · TLS 1.3 · 由 Test Root CA 验证, the ClientHello"),
        ["the"]
    );
    assert!(
        english_words(
            "ecdsa-with-SHA256 X25519MLKEM768 Diffie-Hellman subjectAltName (2.5.29.17) \
             /nick 名字 SHA256:ab12 CN=localhost Shift+Enter tlschat/1"
        )
        .is_empty()
    );
    assert_eq!(
        english_words("Secure · expires in 29 days"),
        ["Secure", "expires", "in", "days"]
    );
    assert!(is_chinese("连接") && is_chinese("（") && !is_chinese("a · b — c…"));
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
    assert!(has_text(&m, "hana（主机）") && has_text(&m, "ana（你）"));
    assert!(has_text(
        &m,
        "你已进入聊天室，名字是 ana（这里还有另外 1 人）"
    ));
    assert_no_english(&m, "the member's room");

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
    assert_no_english(&m, "the connection details");

    // The keyboard shortcuts.
    m.key_press(egui::Key::F1);
    m.run_steps(3);
    assert!(has_text(&m, "键盘快捷键"));
    assert_no_english(&m, "the keyboard shortcuts");
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
    let chinese: Vec<String> = texts(&m).into_iter().filter(|t| is_chinese(t)).collect();
    assert!(
        chinese.is_empty(),
        "Chinese in the English window: {chinese:#?}"
    );
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
            ctx.add_font_provider(std::sync::Arc::new(
                egui_system_font_provider::SystemFontProvider::new(),
            ));
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
        "正在等待主机让你进入…".to_string(),
        "主机看到的你是 ana，没有密钥。".to_string(),
    ] {
        assert!(has_text(&h, &zh), "{zh:?} is not shown");
    }
    assert_no_english(&h, "the door");
    // A kick, confirmed.
    h.get_by_label("踢出…").click();
    h.run_steps(3);
    assert!(has_text(&h, "踢出 ana？"));
    assert!(has_text(&h, "原因（可选，所有人都能看到）"));
    assert_no_english(&h, "the kick's confirmation");
    tlschat::i18n::set_thread(None);
}
