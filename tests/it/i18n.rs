//! The window and the terminal in Chinese (and in English, without
//! Chinese): real windows (egui_kittest) and the real binary under a
//! Chinese locale.
//!
//! What counts as English left in a Chinese screen, and Chinese in an
//! English one: tests/it/common/lang.rs (one check for every window test).

use egui_kittest::kittest::Queryable;
use tlschat::i18n::Lang;
use tlschat::ui::Launch;

use crate::common::lang::{assert_no_chinese, assert_no_english};
use crate::common::window::{App, Kept, app_in_lang, has_text, host_window, listening, pump};
use crate::common::{Pki, finish, headless_host_command, join_config, tlschat_command};

fn start_screen(lang: Lang) -> App<'static> {
    let mut s = app_in_lang(Launch::Start, tempfile::tempdir().unwrap().keep(), lang);
    s.run();
    s
}

#[test]
fn the_start_screen_in_chinese_has_no_english_left() {
    let mut s = start_screen(Lang::ZhCn);
    assert!(has_text(&s, "创建聊天室"));
    assert!(has_text(&s, "加入聊天室"));
    // The advanced part and the known hosts, opened.
    s.get_by_label("高级：TLS 版本和密钥交换").click();
    s.run();
    s.get_by_label_contains("已知主持人（").click();
    s.run();
    assert!(has_text(&s, "密钥交换："));
    assert!(has_text(&s, "暂时没有。"));
    assert_no_english(&s, "the start screen", &[]);
}

#[test]
fn the_start_screen_in_english_has_no_chinese() {
    let mut s = start_screen(Lang::En);
    s.get_by_label("Advanced: TLS version and key exchange")
        .click();
    s.run();
    assert!(has_text(&s, "Host a room"));
    assert_no_chinese(&s, "the start screen");
}

#[test]
fn the_language_setting_applies_at_once_and_is_kept() {
    let mut s = start_screen(Lang::ZhCn);
    assert!(has_text(&s, "创建聊天室"));
    s.get_by_label("English").click();
    s.run();
    assert!(has_text(&s, "Host a room"), "English at once");
    assert!(!has_text(&s, "创建聊天室"));
    let mut kept = Kept::default();
    eframe::App::save(s.state_mut(), &mut kept);
    assert_eq!(kept.0.get("language").map(String::as_str), Some("en"));
    s.get_by_label("简体中文").click();
    s.run();
    assert!(has_text(&s, "创建聊天室"));
    eframe::App::save(s.state_mut(), &mut kept);
    assert_eq!(kept.0.get("language").map(String::as_str), Some("zh-CN"));
    // Follow the system: kept as such.
    s.get_by_label_contains("跟随系统（").click();
    s.run();
    eframe::App::save(s.state_mut(), &mut kept);
    assert_eq!(kept.0.get("language").map(String::as_str), Some("system"));
}

/// A host window with this certificate, listening; and where.
fn host(cert: &crate::common::Issued) -> (App<'static>, std::net::SocketAddr) {
    let mut h = host_window(tlschat::net::HostConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        ..crate::common::host_config(cert, "hana")
    });
    let addr = listening(&mut h);
    (h, addr)
}

/// A member window in `lang` on the warning about a self-signed host.
fn warning(lang: Lang) -> (App<'static>, App<'static>) {
    let pki = Pki::new();
    let cert = pki.self_signed("self", &Pki::leaf_params(&["localhost", "127.0.0.1"]));
    let (mut h, addr) = host(&cert);
    let dir = tempfile::tempdir().unwrap().keep();
    let join = Launch::Join(join_config(addr, "ana", &pki.ca_pem));
    let mut m = app_in_lang(join, dir, lang);
    pump(&mut [&mut h, &mut m], "the warning", |a| {
        has_text(a[1], "CERT_SELF_SIGNED")
    });
    (h, m)
}

#[test]
fn the_warning_page_in_chinese_has_no_english_left() {
    let (_h, mut m) = warning(Lang::ZhCn);
    assert!(has_text(&m, "不是私密连接"));
    assert!(has_text(&m, "自签名"), "the reason, in Chinese");
    m.get_by_label("高级").click();
    m.run_steps(2);
    assert!(m.query_by_label("仍然继续（不安全）").is_some());
    assert_no_english(&m, "the warning page", &[]);
}

#[test]
fn the_warning_page_in_english_has_no_chinese() {
    let (_h, mut m) = warning(Lang::En);
    assert!(has_text(&m, "is not private"));
    m.get_by_label("Advanced").click();
    m.run_steps(2);
    assert_no_chinese(&m, "the warning page");
}

/// A member window in `lang` on the alarm: the host it had pinned now
/// presents another certificate with another key.
fn alarm(lang: Lang) -> (App<'static>, App<'static>) {
    let pki = Pki::new();
    let cert = pki.self_signed("now", &Pki::leaf_params(&["localhost", "127.0.0.1"]));
    let before = pki.self_signed("before", &Pki::leaf_params(&["localhost", "127.0.0.1"]));
    let (mut h, addr) = host(&cert);
    let dir = tempfile::tempdir().unwrap().keep();
    tlschat::net::pins::PinStore::update(&dir, |s| {
        s.set(tlschat::net::pins::PinEntry::new(
            &addr.to_string(),
            tlschat::net::pins::PinKind::Pinned,
            tlschat::net::CertInfo::from_der(&before.der),
        ));
    })
    .unwrap();
    let mut config = join_config(addr, "ana", &pki.ca_pem);
    config.config_dir = Some(dir.clone());
    let mut m = app_in_lang(Launch::Join(config), dir, lang);
    pump(&mut [&mut h, &mut m], "the alarm", |a| {
        has_text(a[1], "HOST_IDENTITY_CHANGED")
    });
    (h, m)
}

#[test]
fn the_identity_changed_alarm_in_chinese_has_no_english_left() {
    let (_h, mut m) = alarm(Lang::ZhCn);
    assert!(has_text(&m, "的身份已变更"));
    m.get_by_label("高级").click();
    m.run_steps(2);
    assert!(has_text(&m, "无法从这里继续"));
    assert!(m.query_by_label("仍然继续（不安全）").is_none());
    assert_no_english(&m, "the identity-changed alarm", &[]);
}

#[test]
fn the_identity_changed_alarm_in_english_has_no_chinese() {
    let (_h, mut m) = alarm(Lang::En);
    m.get_by_label("Advanced").click();
    m.run_steps(2);
    assert!(has_text(&m, "no way to continue"));
    assert_no_chinese(&m, "the identity-changed alarm");
}

#[test]
fn without_a_chinese_font_the_window_says_so_once_in_english() {
    let dir = tempfile::tempdir().unwrap().keep();
    // No system fonts: only egui's own, which have no Chinese.
    let mut s = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1000.0, 700.0))
        .allow_missing_glyphs()
        .with_context_setup(|ctx| {
            tlschat::ui::settings::Language::Chosen(Lang::ZhCn).set(ctx);
        })
        .build_eframe(move |cc| tlschat::ui::TlsChatApp::new(cc, Launch::Start, dir).unwrap());
    s.run();
    assert!(has_text(&s, "fonts-noto-cjk"));
    assert!(has_text(&s, "No font on this system draws Chinese"));
    s.get_by_label("OK").click();
    s.run();
    assert!(!has_text(&s, "fonts-noto-cjk"), "said once");

    // With the system's fonts (fonts-noto-cjk here): nothing to say.
    let s = start_screen(Lang::ZhCn);
    assert!(!has_text(&s, "fonts-noto-cjk"));
}

/// A headless host started by `c` in a Chinese locale, once it says (in
/// Chinese) where it hosts; and that address.
fn chinese_host(c: &mut std::process::Command) -> (crate::common::Proc, String) {
    let mut host = crate::common::Proc::spawn(c.env("LANG", "zh_CN.UTF-8"));
    let line = host.expect("hosting", |l| l.starts_with("* 正在 "));
    let addr = line["* 正在 ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    assert!(line.contains("上主持"), "{line}");
    (host, addr)
}

/// The real binary in a Chinese locale: a headless host's notices, and a
/// member's refusal of its self-signed certificate, in Chinese.
#[test]
fn the_terminal_speaks_chinese_in_a_chinese_locale() {
    let cfg = tempfile::tempdir().unwrap();
    let mut c = headless_host_command(cfg.path(), "127.0.0.1:0", "hana", None);
    c.arg("--history").arg(cfg.path().join("room.sqlite3"));
    let (mut host, addr) = chinese_host(&mut c);
    host.expect("fingerprint", |l| l.starts_with("* 指纹：SHA256:"));
    host.expect("the open door", |l| l.starts_with("* 聊天室是开放的"));

    let member_cfg = tempfile::tempdir().unwrap();
    let out = tlschat_command(member_cfg.path())
        .env("LANG", "zh_CN.UTF-8")
        .args(["join", &addr, "--headless"])
        .stdin(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("的证书不被信任"), "{stderr}");
    assert!(stderr.contains("自签名"), "{stderr}");
    assert!(stderr.contains("尚未发送任何内容。"), "{stderr}");
    // LC_ALL comes first: English, whatever LANG says.
    let out = tlschat_command(member_cfg.path())
        .env("LANG", "zh_CN.UTF-8")
        .env("LC_ALL", "C")
        .args(["join", &addr, "--headless"])
        .stdin(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not trusted"), "{stderr}");

    host.signal("INT");
    let (code, lines, _) = finish(host);
    assert_eq!(code, 0);
    assert!(
        lines.iter().any(|l| l.starts_with("* 已断开连接：")),
        "{lines:?}"
    );
    // The net layer's notices and reasons too: the history it keeps, and
    // why the room ended.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("* 历史记录：") && l.contains("（已保留 0 条消息，最多保留 ")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l == "* 已断开连接：你关闭了聊天室"),
        "{lines:?}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("history:") || l.contains("closed the room")),
        "{lines:?}"
    );
}

/// The names of the system faces the window draws with: set in its font
/// definitions, or found since (`system:FAMILY:…:FACE`).
fn system_faces(a: &App<'static>) -> Vec<String> {
    a.ctx.fonts(|f| {
        let set = f.definitions().font_data.keys().cloned();
        let found = f.discovered_fonts().iter().map(|f| f.name.clone());
        set.chain(found)
            .filter(|n| n.starts_with("system:"))
            .collect()
    })
}

/// In Chinese, Han characters and the full-width punctuation are drawn
/// with the Simplified Chinese face of the system's CJK collection (Noto
/// Sans CJK SC, not the collection's first face, JP), whatever the
/// desktop's locale; kana and Hangul still draw (from their own faces).
#[test]
fn a_chinese_window_draws_han_in_simplified_chinese_forms() {
    let mut s = start_screen(Lang::ZhCn);
    let font = egui::FontId::proportional(14.0);
    assert!(
        s.ctx.fonts_mut(|f| f.has_glyphs(&font, "（直骨写户）")),
        "no system font draws Chinese (install fonts-noto-cjk)"
    );
    s.run();
    let cjk: Vec<String> = system_faces(&s)
        .into_iter()
        .filter(|n| n.contains("CJK"))
        .collect();
    assert!(!cjk.is_empty(), "no CJK face: {:?}", system_faces(&s));
    assert!(
        cjk.iter().all(|n| n.contains("CJK SC")),
        "Han drawn with another face than Simplified Chinese: {cjk:?}"
    );
    assert!(
        s.ctx
            .fonts_mut(|f| f.has_glyphs(&font, "ひらがな カタカナ 한국어")),
        "Japanese and Korean must draw too"
    );
}

/// Every node of `m` that reaches past `width` (its label or value).
fn past_the_right_edge(m: &App<'static>, width: f32) -> Vec<String> {
    m.query_all_by(|n| n.label().is_some() || n.value().is_some())
        .filter(|n| n.rect().right() > width + 0.5)
        .map(|n| format!("{:?} reaches {}", n, n.rect().right()))
        .collect()
}

/// The warning and the alarm fit a window as narrow as the demo's member
/// window (630 px) and a little narrower, in both languages, Advanced
/// open: the heading and the fingerprints wrap rather than run past the
/// right edge.
#[test]
fn the_warning_and_the_alarm_fit_a_600_px_window_in_both_languages() {
    let size = egui::vec2(600.0, 700.0);
    for lang in Lang::ALL {
        for (page, (_h, mut m)) in [("warning", warning(lang)), ("alarm", alarm(lang))] {
            m.set_size(size);
            m.run_steps(3);
            let advanced = if lang == Lang::En {
                "Advanced"
            } else {
                "高级"
            };
            m.get_by_label(advanced).click();
            m.run_steps(3);
            let past = past_the_right_edge(&m, size.x);
            assert!(past.is_empty(), "the {page} in {lang:?}: {past:#?}");
        }
    }
}

/// `openssl s_client -quiet` to `addr`, trusting `ca`: a plain-text
/// member as a stranger would be one.
fn s_client(addr: &str, ca: &std::path::Path) -> crate::common::Proc {
    crate::common::Proc::spawn(
        std::process::Command::new("openssl")
            .args(["s_client", "-quiet", "-verify_return_error", "-CAfile"])
            .arg(ca)
            .args(["-connect", addr])
            .env("LANG", "zh_CN.UTF-8"),
    )
}

/// A host in a Chinese locale says its own notices in Chinese, but what
/// goes over the wire to plain-text members stays English: the welcome,
/// a join, a rename, a protocol error, the room's closing.
#[test]
fn a_chinese_host_still_speaks_english_on_the_wire() {
    if !crate::common::have_openssl() {
        return;
    }
    let pki = Pki::new();
    let cfg = tempfile::tempdir().unwrap();
    let mut c = headless_host_command(cfg.path(), "127.0.0.1:0", "hana", Some(&pki.server()));
    let (mut host, addr) = chinese_host(&mut c);

    let mut ana = s_client(&addr, &pki.ca_pem);
    ana.expect("the welcome", |l| l.starts_with("* welcome, you are "));
    let mut bo = s_client(&addr, &pki.ca_pem);
    bo.expect("the welcome", |l| l.starts_with("* welcome, you are "));
    ana.expect("bo's join", |l| {
        l.starts_with("* ") && l.ends_with(" joined")
    });
    ana.say("/nick ana");
    ana.expect("the rename", |l| l == "* you are now ana");
    bo.expect("ana's rename", |l| l.ends_with(" is now known as ana"));
    ana.say("/nosuchcommand");
    ana.expect("the error", |l| l.starts_with("* error: "));
    bo.say("hello there");
    ana.expect("bo's line", |l| l.ends_with("> hello there"));
    bo.say("/nick bo");
    ana.expect("bo's rename", |l| l.ends_with(" is now known as bo"));
    // The room's notice of a removal: the host reads it in Chinese, the
    // members in English.
    host.say("/kick bo spam");
    host.expect("the removal, in Chinese", |l| {
        l.contains("bo") && crate::common::lang::is_chinese(l)
    });
    ana.expect("the removal", |l| {
        l == "* bo was removed by the host (spam)"
    });

    host.signal("INT");
    let (code, _, _) = finish(host);
    assert_eq!(code, 0);
    for (who, mut p) in [("ana", ana), ("bo", bo)] {
        p.wait_exit();
        // ana is told the room closed; bo, why it was put out.
        let last = p.seen.last().cloned().unwrap_or_default();
        assert!(
            last.contains(tlschat::net::wording::HOST_CLOSED)
                || last == "* error: you were removed by the host (spam)",
            "{who}: {:?}",
            p.seen
        );
        let chinese: Vec<_> = p
            .seen
            .iter()
            .filter(|l| crate::common::lang::is_chinese(l))
            .collect();
        assert!(chinese.is_empty(), "{who} was sent Chinese: {chinese:?}");
    }
}
