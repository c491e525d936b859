//! `tlschat demo --listener | --impostor`: the relay between the demo's
//! member and host (src/net/relay) with its real window (egui_kittest),
//! a real member window, and a real host, over TLS on loopback.
//! - The listener forwards the bytes: the member's line reaches the host,
//!   and the listener shows it only as encrypted records.
//! - The impostor gets nothing from a member that goes back to safety (no
//!   line reaches it or the host), and reads every line in plain text
//!   once the member proceeds anyway.
//! - A member that had pinned the host gets the identity-changed alarm,
//!   with no way through.
//! - The windows in Chinese, and the command line (`demo --listener |
//!   --impostor`, one at a time; the relay only in front of loopback).

use crate::common;
use crate::common::window;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{DEADLINE, Node, Pki, join_config};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tlschat::i18n::Lang;
use tlschat::net::relay::{ContentType, Direction, Ending, RelayConfig, RelayMode, RelayThread};
use tlschat::net::{DoorConfig, NetEvent};
use tlschat::ui::Launch;
use tlschat::ui::relay_view::{ConnNote, RelayApp, RelayKind, RelayModel};
use tlschat::ui::settings::Language;
use window::{App, app, app_in, has_text, host_window, listening};

type RelayWindow = Harness<'static, RelayApp>;

/// The relay's window, over a relay in front of `upstream`.
fn relay_window(upstream: SocketAddr, mode: RelayMode) -> (RelayWindow, SocketAddr) {
    relay_window_in(upstream, mode, Lang::En)
}

/// [`relay_window`] whose language setting is `lang`.
fn relay_window_in(upstream: SocketAddr, mode: RelayMode, lang: Lang) -> (RelayWindow, SocketAddr) {
    let kind = match mode {
        RelayMode::Listener => RelayKind::Listener,
        RelayMode::Impostor { .. } => RelayKind::Impostor,
    };
    let (relay, events) = RelayThread::start(&RelayConfig { upstream, mode }).unwrap();
    let addr = relay.addr();
    let window = Harness::builder()
        .with_size(egui::vec2(700.0, 800.0))
        // The window finds its system fonts itself, in its language's forms.
        .with_context_setup(move |ctx| {
            Language::Chosen(lang).set(ctx);
        })
        .build_eframe(move |cc| RelayApp::new(cc, kind, relay, events));
    (window, addr)
}

/// Steps the member windows and the relay's until `done` holds.
fn pump(
    apps: &mut [&mut App<'static>],
    relay: &mut RelayWindow,
    what: &str,
    mut done: impl FnMut(&[&mut App<'static>], &RelayWindow) -> bool,
) {
    let end = Instant::now() + DEADLINE;
    loop {
        for a in apps.iter_mut() {
            a.step();
        }
        relay.step();
        if done(apps, relay) {
            for a in apps.iter_mut() {
                a.run_steps(3);
            }
            relay.run_steps(2);
            return;
        }
        assert!(Instant::now() < end, "timed out waiting for {what}");
        // Between frames, as a real window would be.
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Fails if the relay's Chinese window shows English words (but names:
/// a TLS message or record type, the impostor CA's name, which may wrap
/// over two lines, and the demo).
fn no_english(r: &RelayWindow) {
    common::lang::assert_no_english(r, "the Chinese relay window", &["Impostor", "demo"]);
}

fn no_chinese(r: &RelayWindow) {
    common::lang::assert_no_chinese(r, "the English relay window");
}

fn model(r: &RelayWindow) -> &RelayModel {
    r.state().model()
}

fn type_line(a: &mut App<'static>, text: &str) {
    a.get_by_label("Message").focus();
    a.step();
    a.get_by_label("Message").type_text(text);
    a.step();
    a.key_press(egui::Key::Enter);
}

/// A host window, the listener's window in `lang` in front of it, and a
/// member window in the room through the listener.
fn through_the_listener(lang: Lang) -> (Pki, App<'static>, App<'static>, RelayWindow) {
    let pki = Pki::new();
    let mut h = host_window(common::host_config(&pki.server(), "hana"));
    let addr = listening(&mut h);
    let (mut r, relay) = relay_window_in(addr, RelayMode::Listener, lang);
    let mut m = app(Launch::Join(join_config(relay, "ana", &pki.ca_pem)));
    pump(
        &mut [&mut h, &mut m],
        &mut r,
        "member in the room",
        |a, _| a[1].state().room().is_some_and(|r| r.is_connected()),
    );
    (pki, h, m, r)
}

#[test]
fn the_listener_passes_the_line_on_and_shows_it_only_as_ciphertext() {
    let (_, mut h, mut m, mut r) = through_the_listener(Lang::En);
    // The handshake passed by the listener, its hello in the clear.
    assert!(
        common::lang::has_text(&r, "ClientHello"),
        "the ClientHello is seen"
    );
    let before = model(&r).totals[0].0;

    let secret = "the eagle lands at dawn, bring 42 apples";
    type_line(&mut m, secret);
    pump(
        &mut [&mut h, &mut m],
        &mut r,
        "the line at the host",
        |a, r| has_text(a[0], secret) && model(r).totals[0].0 > before,
    );
    let records = &model(&r).records;
    let sent: Vec<_> = records
        .iter()
        .filter(|row| {
            row.dir == Direction::ToHost
                && row.record.content_type == ContentType::ApplicationData
                && usize::from(row.record.length) > secret.len()
        })
        .collect();
    assert!(!sent.is_empty(), "the line went by as application data");
    // What the listener has and shows is not the line, nor any piece of it.
    for row in records {
        assert!(
            !row.record
                .head
                .windows(5)
                .any(|w| secret.as_bytes().windows(5).any(|s| s == w)),
            "plaintext in a record the listener kept: {row:?}"
        );
    }
    for piece in ["eagle", "dawn", "42 apples"] {
        assert!(
            !common::lang::has_text(&r, piece),
            "{piece:?} is shown by the listener"
        );
    }
    assert!(common::lang::has_text(&r, "ApplicationData: encrypted"));
    assert!(common::lang::has_text(&r, "cannot read a word"));
    no_chinese(&r);
}

/// A host whose door wants an invitation, as the demo's; with the code of
/// its start invitation.
fn invite_only_host(pki: &Pki) -> (Node, SocketAddr, String) {
    let mut node = Node::start();
    let config = tlschat::net::HostConfig {
        door: DoorConfig::default(),
        ..common::host_config(&pki.server(), "hana")
    };
    node.send(common::Command::Host(config));
    let (addr, code) = node.wait_for("listening", |e| match e {
        NetEvent::Listening { addr, invites, .. } => {
            Some((*addr, invites.last().and_then(|i| i.code.clone())))
        }
        _ => None,
    });
    (node, addr, code.expect("the start invitation"))
}

/// The demo's member behind the impostor: the invitation, no pin.
fn impostor_member(
    relay: SocketAddr,
    pki: &Pki,
    code: &str,
    dir: std::path::PathBuf,
) -> App<'static> {
    let mut config = join_config(relay, "ana", &pki.ca_pem);
    config.invite = Some(code.to_string());
    config.config_dir = Some(dir.clone());
    app_in(Launch::Join(config), dir)
}

fn refused(r: &RelayWindow, conn: u32) -> bool {
    model(r)
        .notes
        .iter()
        .any(|(c, n)| *c == conn && matches!(n, ConnNote::Ended(Ending::MemberRefused { .. })))
}

#[test]
fn the_impostor_gets_nothing_before_proceed_and_every_line_after() {
    let pki = Pki::new();
    let (mut host, addr, code) = invite_only_host(&pki);
    let ca_files = vec![pki.ca_pem.clone()];
    let (mut r, relay) = relay_window(addr, RelayMode::Impostor { ca_files });

    // A member that goes back to safety.
    let dir = tempfile::tempdir().unwrap().keep();
    let mut m = impostor_member(relay, &pki, &code, dir.clone());
    pump(
        &mut [&mut m],
        &mut r,
        "the warning, and the refusal",
        |a, r| has_text(a[0], "is not private") && refused(r, 1),
    );
    assert!(
        has_text(&m, "CERT_UNKNOWN_ISSUER"),
        "the real verifier's verdict"
    );
    assert!(has_text(&m, "not trust"));
    assert!(
        common::lang::has_text(&r, "with the TLS alert unknown_ca (48)"),
        "the member's alert, as the impostor got it: {:?}",
        common::lang::texts(&r)
    );
    m.get_by_label("Back to safety").click();
    m.run_steps(2);
    assert!(m.state().room().is_none());

    // The same member tries again and proceeds anyway.
    let mut m = impostor_member(relay, &pki, &code, dir);
    pump(&mut [&mut m], &mut r, "the warning again", |a, _| {
        has_text(a[0], "is not private")
    });
    m.get_by_label("Advanced").click();
    m.run_steps(2);
    m.get_by_label("Proceed anyway (unsafe)").click();
    pump(&mut [&mut m], &mut r, "member in the room", |a, _| {
        a[0].state().room().is_some_and(|r| r.is_connected())
    });
    let secret = "meet me at the old mill at nine";
    type_line(&mut m, secret);
    pump(
        &mut [&mut m],
        &mut r,
        "the line read by the impostor",
        |_, r| common::lang::has_text(r, secret),
    );
    assert_eq!(
        host.wait_message(secret),
        "ana",
        "forwarded to the real host"
    );

    let seen = model(&r);
    // The refused connection gave the impostor nothing: no line, no
    // connection of its own to the host.
    assert!(
        seen.lines.iter().all(|l| l.conn != 1),
        "a line before Proceed"
    );
    assert!(
        !seen
            .notes
            .iter()
            .any(|(c, n)| *c == 1
                && matches!(n, ConnNote::MemberAccepted | ConnNote::HostVerified(_)))
    );
    // The host saw one member come in: the one that proceeded.
    let joins = host
        .seen
        .iter()
        .filter(|e| matches!(e, NetEvent::MemberJoined(_)))
        .count();
    assert_eq!(joins, 1, "{:#?}", host.seen);
    assert!(
        seen.lines
            .iter()
            .any(|l| l.dir == Direction::ToHost && l.text.contains(secret))
    );
    assert!(
        common::lang::has_text(&r, "verified"),
        "the impostor verified the real host"
    );
}

#[test]
fn a_member_that_pinned_the_host_gets_the_alarm_and_no_way_through() {
    let pki = Pki::new();
    let real = pki.server();
    let (_host, addr, code) = invite_only_host(&pki);
    let ca_files = vec![pki.ca_pem.clone()];
    let (mut r, relay) = relay_window(addr, RelayMode::Impostor { ca_files });
    // The member had pinned the real host's certificate at this address.
    let dir = tempfile::tempdir().unwrap().keep();
    tlschat::net::pins::PinStore::update(&dir, |s| {
        s.set(tlschat::net::pins::PinEntry::new(
            &relay.to_string(),
            tlschat::net::pins::PinKind::Pinned,
            tlschat::net::CertInfo::from_der(&real.der),
        ));
    })
    .unwrap();
    let mut m = impostor_member(relay, &pki, &code, dir);
    pump(&mut [&mut m], &mut r, "the alarm", |a, r| {
        has_text(a[0], "has changed") && refused(r, 1)
    });
    assert!(has_text(&m, "HOST_IDENTITY_CHANGED"));
    window::no_way_through(&mut m);
    assert!(model(&r).lines.is_empty());
}

#[test]
fn the_relay_windows_speak_chinese() {
    // The listener, after a line went by.
    let (pki, mut h, mut m, mut r) = through_the_listener(Lang::ZhCn);
    type_line(&mut m, "你好");
    pump(
        &mut [&mut h, &mut m],
        &mut r,
        "the line at the host",
        |a, _| has_text(a[0], "你好"),
    );
    r.run_steps(2);
    assert!(common::lang::has_text(&r, "网络上的监听者"));
    assert!(common::lang::has_text(&r, "ApplicationData：已加密"));
    assert!(common::lang::has_text(&r, "握手：ClientHello，明文"));
    no_english(&r);

    // The impostor, refused.
    let (_host, addr, code) = invite_only_host(&pki);
    let ca_files = vec![pki.ca_pem.clone()];
    let (mut r, relay) = relay_window_in(addr, RelayMode::Impostor { ca_files }, Lang::ZhCn);
    let mut m = impostor_member(relay, &pki, &code, tempfile::tempdir().unwrap().keep());
    pump(&mut [&mut m], &mut r, "the refusal", |_, r| refused(r, 1));
    assert!(common::lang::has_text(&r, "中间的冒充者"));
    // The member's alert reached the impostor (it used to see only the
    // end of the connection: "没有接受冒充者的证书就结束了握手").
    assert!(common::lang::has_text(
        &r,
        "以 TLS 警报 unknown_ca (48) 拒绝了冒充者的证书"
    ));
    no_english(&r);
}

#[test]
fn the_command_line_offers_one_relay_and_keeps_it_on_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        common::tlschat_command(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    // One or the other.
    let both = run(&["demo", "--listener", "--impostor"]);
    assert_eq!(both.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&both.stderr).contains("cannot be used with"));
    // Both are documented; the relay's own subcommand is not for users.
    let help = String::from_utf8_lossy(&run(&["demo", "--help"]).stdout).into_owned();
    assert!(
        help.contains("--listener") && help.contains("--impostor"),
        "{help}"
    );
    let help = String::from_utf8_lossy(&run(&["--help"]).stdout).into_owned();
    assert!(!help.contains("demo-relay"), "{help}");
    // The relay refuses to stand in front of anything but loopback, before
    // any window or member starts.
    let ca = dir.path().join("ca.pem");
    let away = run(&[
        "demo-relay",
        "--upstream",
        "192.0.2.1:7443",
        "--ca",
        ca.to_str().unwrap(),
    ]);
    assert_eq!(away.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&away.stderr).contains("loopback"));
}

/// The member refuses the impostor's certificate with the real verifier:
/// its TLS alert reaches the impostor (unknown_ca), as a browser's does.
#[test]
fn the_impostor_hears_the_members_alert() {
    let pki = Pki::new();
    let (_host, addr, _code) = invite_only_host(&pki);
    let ca_files = vec![pki.ca_pem.clone()];
    let config = RelayConfig {
        upstream: addr,
        mode: RelayMode::Impostor { ca_files },
    };
    let (relay, events) = RelayThread::start(&config).unwrap();
    let mut member = Node::start();
    member.send(common::Command::Join(join_config(
        relay.addr(),
        "ana",
        &pki.ca_pem,
    )));
    member.wait_for("the refusal", |e| match e {
        NetEvent::Untrusted(_) => Some(()),
        _ => None,
    });
    let end = Instant::now() + DEADLINE;
    let why = loop {
        let left = end.saturating_duration_since(Instant::now());
        let event = events.recv_timeout(left).expect("the impostor's ending");
        if let tlschat::net::relay::RelayEvent::Ended { why, .. } = event {
            break why;
        }
    };
    assert_eq!(
        why,
        Ending::MemberRefused {
            alert: Some(rustls::AlertDescription::UnknownCA)
        }
    );
}

/// The children of process `parent`, with their command lines (from /proc).
fn children(parent: u32) -> Vec<(u32, String)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            // `pid (comm) state ppid …`: the fields after the last ')'.
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                    == Some(parent)
            })
        })
        .map(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            (pid, String::from_utf8_lossy(&cmdline).replace('\0', " "))
        })
        .collect()
}

/// Whether process `pid` still runs (a zombie does not).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z")
    })
}

/// `tlschat ARGS…` (a demo) with configuration directory `dir` on X
/// display `display`, stopped when dropped.
fn demo_on(dir: &std::path::Path, display: &str, args: &[&str]) -> crate::window_smoke::Kill {
    crate::window_smoke::Kill(
        common::tlschat_command(dir)
            .args(args)
            .env("DISPLAY", display)
            .env_remove("WAYLAND_DISPLAY")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    )
}

/// The real binary under Xvfb: `demo --listener` starts the relay's
/// process, which starts the member's. However the demo ends (here killed
/// outright, as a crash would), the relay and the member it started end
/// with it: no window is left behind talking to a host that is gone.
#[test]
fn the_relay_and_its_member_end_when_the_demo_ends() {
    use crate::window_smoke::xvfb;
    let Some((_xvfb, display)) = xvfb() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut demo = demo_on(dir.path(), &display, &["demo", "--listener"]);
    let end = Instant::now() + Duration::from_secs(60);
    let (relay, member) = loop {
        let relay = children(demo.0.id())
            .into_iter()
            .find(|(_, c)| c.contains("demo-relay"));
        let member = relay
            .as_ref()
            .and_then(|(r, _)| children(*r).into_iter().find(|(_, c)| c.contains(" join ")));
        if let (Some((relay, _)), Some((member, _))) = (relay, member) {
            break (relay, member);
        }
        assert!(demo.0.try_wait().unwrap().is_none(), "the demo ended");
        assert!(
            Instant::now() < end,
            "the relay and its member did not start"
        );
        // Polls: processes tell no one outside when they start.
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(demo);
    let end = Instant::now() + Duration::from_secs(20);
    while running(relay) || running(member) {
        if Instant::now() > end {
            for pid in [relay, member] {
                let _ = std::process::Command::new("kill")
                    .args(["-9", &pid.to_string()])
                    .status();
            }
            panic!("the demo ended but its relay or member did not");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `xdotool ARGS…` on `display`: its output, trimmed.
fn xdotool(display: &str, args: &[&str]) -> String {
    let out = std::process::Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Whether the area `w`x`h`+`x`+`y` of window `id` shows red text (the
/// unsafe choices under the warning's "Advanced").
fn shows_red(display: &str, id: &str, (w, h, x, y): (u32, u32, u32, u32)) -> bool {
    let out = std::process::Command::new("import")
        .args(["-window", id, "-crop", &format!("{w}x{h}+{x}+{y}"), "txt:-"])
        .env("DISPLAY", display)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).lines().any(|l| {
        // `X,Y: (R,G,B…)  …`
        let rgb: Vec<f64> = l
            .split_once(": (")
            .and_then(|(_, rest)| rest.split_once(')'))
            .map(|(c, _)| c.split(',').filter_map(|v| v.trim().parse().ok()).collect())
            .unwrap_or_default();
        matches!(rgb[..], [r, g, b, ..] if r > 150.0 && g < 110.0 && b < 110.0)
    })
}

/// The real binary under Xvfb: `demo --impostor`, and the member window
/// clicked through the warning (Advanced → Always trust this certificate,
/// the choice that keeps an exception). The exception for the relay's
/// random port lands in the demo member's own directory
/// (`demo/member` in the configuration directory), and the user's known
/// hosts stay as they were: the demo leaves no junk in the trust store.
#[test]
fn the_demo_member_keeps_its_exception_in_its_own_dir() {
    use crate::window_smoke::xvfb;
    use tlschat::net::pins::PinStore;
    let Some((_xvfb, display)) = xvfb() else {
        return;
    };
    if xdotool(&display, &["version"]).is_empty() {
        eprintln!("skipped: xdotool is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let member_dir = tlschat::config::demo_member_dir(dir.path());
    let _demo = demo_on(dir.path(), &display, &["demo", "--impostor"]);
    // The member's window (its title names the relay it joins).
    let end = Instant::now() + Duration::from_secs(60);
    let (id, title) = loop {
        let id = xdotool(&display, &["search", "--name", "member"]);
        if let Some(id) = id.lines().next() {
            let title = xdotool(&display, &["getwindowname", id]);
            if title.contains("127.0.0.1:") {
                break (id.to_string(), title);
            }
        }
        assert!(Instant::now() < end, "no member window");
        // Polls: X tells no one outside when a window comes.
        std::thread::sleep(Duration::from_millis(100));
    };
    let relay = title.rsplit(" — ").next().unwrap().to_string();
    // Onto the screen, in front of the others.
    xdotool(&display, &["windowmove", &id, "0", "0"]);
    xdotool(&display, &["windowraise", &id]);
    // Advanced (once the warning is there), then the red "Always trust".
    let always = (200, 12, 190, 445);
    let end = Instant::now() + Duration::from_secs(60);
    'warning: loop {
        xdotool(
            &display,
            &["mousemove", "--window", &id, "168", "329", "click", "1"],
        );
        let open = Instant::now() + Duration::from_secs(2);
        while Instant::now() < open {
            if shows_red(&display, &id, always) {
                break 'warning;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(Instant::now() < end, "no warning with Advanced");
    }
    xdotool(
        &display,
        &["mousemove", "--window", &id, "296", "451", "click", "1"],
    );
    // The exception is kept somewhere: wait for it, in either place.
    let pinned = |d: &std::path::Path| {
        PinStore::load(d)
            .ok()
            .and_then(|s| s.get(&relay).cloned())
            .is_some()
    };
    let end = Instant::now() + DEADLINE;
    while !pinned(&member_dir) && !pinned(dir.path()) {
        assert!(Instant::now() < end, "no exception for {relay} kept");
        std::thread::sleep(Duration::from_millis(100));
    }
    // In the demo member's own directory; the user's known hosts have
    // nothing from the demo.
    let own = PinStore::load(dir.path()).unwrap();
    assert!(
        own.entries().is_empty(),
        "the demo wrote into the user's known hosts: {:?}",
        own.entries().iter().map(|e| &e.target).collect::<Vec<_>>()
    );
    assert!(pinned(&member_dir), "the demo member's known hosts");
    assert!(!dir.path().join(tlschat::net::pins::PINS_FILE).exists());
}

/// The environment of process `pid` (from /proc).
fn environ(pid: u32) -> Vec<(String, String)> {
    let raw = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    String::from_utf8_lossy(&raw)
        .split('\0')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The real binary under Xvfb: `demo` whose host window speaks Chinese
/// (chosen in the user's settings) starts its member in the demo's own
/// directory, in Chinese: the locale the host passes on wins, not a
/// language an earlier demo member kept there.
#[test]
fn the_demo_member_has_its_own_dir_and_the_hosts_language() {
    use crate::window_smoke::xvfb;
    let Some((_xvfb, display)) = xvfb() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let member_dir = tlschat::config::demo_member_dir(dir.path());
    let state = tlschat::ui::WINDOW_STATE_FILE;
    std::fs::write(dir.path().join(state), r#"{"language":"zh-CN"}"#).unwrap();
    std::fs::create_dir_all(&member_dir).unwrap();
    std::fs::write(member_dir.join(state), r#"{"language":"en"}"#).unwrap();
    let demo = demo_on(dir.path(), &display, &["demo"]);
    let end = Instant::now() + Duration::from_secs(60);
    let member = loop {
        if let Some((pid, _)) = children(demo.0.id())
            .into_iter()
            .find(|(_, c)| c.contains(" join "))
        {
            break pid;
        }
        assert!(Instant::now() < end, "the member did not start");
        // Polls: processes tell no one outside when they start.
        std::thread::sleep(Duration::from_millis(100));
    };
    let env = environ(member);
    let var = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    assert_eq!(
        var("TLSCHAT_CONFIG_DIR"),
        member_dir.to_str(),
        "the member's configuration directory"
    );
    assert_eq!(var("LC_ALL"), Some("zh_CN.UTF-8"), "the host's language");
    // The language the earlier member kept is gone before it starts.
    assert!(
        std::fs::read_to_string(member_dir.join(state)).map_or(true, |s| !s.contains("\"en\"")),
        "a kept language would win over the host's"
    );
}
