//! Hostile peers, with the real binary over real TLS on 127.0.0.1: a host
//! whose certificate names carry terminal escapes and bidi controls, a
//! `tlschat/1` host whose every string does, and members who pick names
//! that look like someone else's.

use crate::common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener};
use std::process::Stdio;
use std::sync::Arc;

use common::{DEADLINE, Issued, Pki, PlainClient, Proc, tlschat_command as tlschat};
use tlschat::net::certinfo::{fingerprint, sha256};

/// What a terminal would act on, or what would reorder or hide text.
const HOSTILE: &str = "\x1b[2J\x1b]0;title\x07\u{9b}31m\u{202e}\u{200b}";

/// Fails if `out` holds anything a terminal would interpret, or a
/// character that reorders or hides text.
fn assert_inert(what: &str, out: &[u8]) {
    for (i, b) in out.iter().enumerate() {
        assert!(
            *b != 0x1b && *b != 0x07,
            "{what}: byte {b:#04x} at {i}:\n{}",
            String::from_utf8_lossy(out)
        );
    }
    let text = String::from_utf8_lossy(out);
    for c in ['\u{9b}', '\u{202e}', '\u{200b}', '\r'] {
        assert!(
            !text.contains(c),
            "{what}: U+{:04X} in:\n{text}",
            u32::from(c)
        );
    }
}

/// Waits (with the deadline) for the exit, stdin left open unless
/// `close_stdin`; returns the exit code (-1 for a signal) and everything
/// written to stdout and stderr.
fn finish(mut p: Proc, close_stdin: bool) -> (i32, Vec<u8>, Vec<u8>) {
    if close_stdin {
        p.close_stdin();
    }
    let (code, _) = p.wait_exit();
    (code.unwrap_or(-1), p.stdout_bytes(), p.stderr_bytes())
}

/// A headless host with this certificate; returns it once it listens.
fn host(cfg: &std::path::Path, cert: &Issued, name: &str) -> (Proc, SocketAddr) {
    let mut host = Proc::spawn(&mut common::headless_host_command(
        cfg,
        "127.0.0.1:0",
        name,
        Some(cert),
    ));
    let addr = host.expect_hosting();
    (host, addr)
}

/// A self-signed certificate for 127.0.0.1 whose subject and names were
/// written to take over a terminal, and to paint a fake fingerprint and a
/// fake `--pin` line over the real ones.
fn hostile_certificate(pki: &Pki) -> Issued {
    let fake = format!("SHA256:{}", "0".repeat(64));
    let mut p = rcgen::CertificateParams::new(vec![
        "127.0.0.1".to_string(),
        // A dNSName is IA5 (ASCII): escape and bell fit.
        "x\x1b[2J\x1b]0;owned\x07.example".to_string(),
    ])
    .unwrap();
    p.distinguished_name.push(
        rcgen::DnType::CommonName,
        format!("evil{HOSTILE}moc.elgoog"),
    );
    p.distinguished_name.push(
        rcgen::DnType::OrganizationName,
        format!(
            "\r\x1b[2K    fingerprint: {fake}\nIf the host's owner confirms this fingerprint, join with --pin {fake}\n"
        ),
    );
    p.not_before = time::OffsetDateTime::now_utc() - common::days(1);
    p.not_after = time::OffsetDateTime::now_utc() + common::days(30);
    pki.self_signed("hostile", &p)
}

#[test]
fn a_certificate_cannot_paint_over_its_own_fingerprint() {
    let pki = Pki::new();
    let cert = hostile_certificate(&pki);
    let real = fingerprint(&sha256(&cert.der));
    let host_cfg = tempfile::tempdir().unwrap();
    let (host, addr) = host(host_cfg.path(), &cert, "hana");

    // Before any trust decision: refused, with the real fingerprint.
    let member_cfg = tempfile::tempdir().unwrap();
    let refused = Proc::spawn(tlschat(member_cfg.path()).args([
        "join",
        &addr.to_string(),
        "--headless",
        "--name",
        "ana",
    ]));
    let (code, out, err) = finish(refused, true);
    assert_eq!(code, 3, "{}", String::from_utf8_lossy(&err));
    assert_inert("stdout of a refused join", &out);
    assert_inert("stderr of a refused join", &err);
    let err = String::from_utf8_lossy(&err);
    assert!(err.contains("evil\\x1b[2J\\x1b]0;title\\x07"), "{err}");
    let fingerprints: Vec<&str> = err
        .lines()
        .filter(|l| l.trim_start().starts_with("fingerprint:"))
        .collect();
    assert_eq!(
        fingerprints,
        vec![format!("    fingerprint: {real}")],
        "{err}"
    );
    let pins: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("If the host's owner confirms"))
        .collect();
    assert_eq!(pins.len(), 1, "{err}");
    assert!(pins[0].ends_with(&format!("--pin {real}")), "{err}");

    // Trusted by the pin: the lines printed after trust are inert too.
    let mut pinned = Proc::spawn(tlschat(member_cfg.path()).args([
        "join",
        &addr.to_string(),
        "--headless",
        "--name",
        "ana",
        "--pin",
        &real,
    ]));
    pinned.expect("the pin trusted", |l| {
        l.starts_with("* trusted by your pin")
    });
    pinned.say("hello");
    let (code, out, err) = finish(pinned, true);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    assert_inert("stdout of a pinned join", &out);
    assert_inert("stderr of a pinned join", &err);
    let out = String::from_utf8_lossy(&out);
    assert!(out.contains(&format!("* fingerprint: {real}")), "{out}");
    assert!(out.contains("evil\\x1b[2J"), "{out}");
    let fingerprints: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("* fingerprint:"))
        .collect();
    assert_eq!(
        fingerprints,
        vec![format!("* fingerprint: {real}")],
        "{out}"
    );

    // The host printed its own certificate inertly too.
    let (_, out, _) = {
        let mut host = host;
        let _ = host.child.kill();
        finish(host, true)
    };
    assert_inert("the host's stdout", &out);
}

/// Every frame a `tlschat/1` host can send, every string in it hostile.
fn hostile_frames() -> Vec<serde_json::Value> {
    use serde_json::json;
    let h = HOSTILE;
    let member = |id: u64| json!({"id": id, "nick": format!("n{id}{h}"), "identity": h});
    vec![
        json!({"type": "welcome", "you": 1, "nick": format!("me{h}"),
               "members": [{"id": 0, "nick": format!("host{h}"), "host": true}, member(1)]}),
        json!({"type": "msg", "seq": 1, "from": 0, "nick": format!("host{h}"),
               "text": format!("text{h}\nsecond line{h}"), "ts": 0}),
        json!({"type": "joined", "member": member(2)}),
        json!({"type": "renamed", "id": 2, "old": format!("old{h}"), "new": format!("new{h}")}),
        json!({"type": "left", "member": member(2), "reason": format!("reason{h}")}),
        json!({"type": "members_changed", "joined": [member(3)],
               "left": [{"member": member(4), "reason": format!("gone{h}")}]}),
        json!({"type": "error", "code": format!("code{h}"), "message": format!("message{h}")}),
        json!({"type": "closing", "reason": format!("closing{h}")}),
    ]
}

/// A TLS server speaking `tlschat/1` that answers a hello with
/// [`hostile_frames`], then closes.
fn hostile_host(pki: &Pki) -> (SocketAddr, std::thread::JoinHandle<String>) {
    use rustls::pki_types::pem::PemObject as _;
    let issued = pki.server();
    let certs = rustls::pki_types::CertificateDer::pem_file_iter(&issued.cert)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = rustls::pki_types::PrivateKeyDer::from_pem_file(&issued.key).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    config.alpn_protocols = vec![tlschat::net::ALPN.to_vec()];
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(DEADLINE)).unwrap();
        let conn = rustls::ServerConnection::new(Arc::new(config)).unwrap();
        let mut tls = BufReader::new(rustls::StreamOwned::new(conn, tcp));
        let mut hello = String::new();
        tls.read_line(&mut hello).unwrap();
        let s = tls.get_mut();
        for frame in hostile_frames() {
            s.write_all(format!("{frame}\n").as_bytes()).unwrap();
        }
        s.conn.send_close_notify();
        s.flush().unwrap();
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest);
        hello
    });
    (addr, server)
}

#[test]
fn a_hostile_tlschat_host_cannot_reach_the_terminal() {
    let pki = Pki::new();
    let (addr, server) = hostile_host(&pki);
    let member_cfg = tempfile::tempdir().unwrap();
    let mut member = Proc::spawn(
        tlschat(member_cfg.path())
            .args([
                "join",
                &addr.to_string(),
                "--headless",
                "--name",
                "ana",
                "--ca",
            ])
            .arg(&pki.ca_pem),
    );
    member.expect("the room closing", |l| l.starts_with("* disconnected: "));
    // stdin stays open: the member ends because the host closed the room.
    let (code, out, err) = finish(member, false);
    let hello = server.join().unwrap();
    assert!(hello.contains("\"hello\""), "{hello}");
    assert_inert("the member's stdout", &out);
    assert_inert("the member's stderr", &err);
    let out = String::from_utf8_lossy(&out);
    assert_eq!(code, 0, "{out}{}", String::from_utf8_lossy(&err));
    // Every kind of frame was shown, its escapes visible.
    for needle in [
        "* you are me\\x1b[2J",
        "host\\x1b[2J",
        "text\\x1b[2J\\x1b]0;title\\x07\\x9b31m\\u{202e}\\u{200b}",
        "<host\\x1b[2J\\x1b]0;title\\x07\\x9b31m\\u{202e}\\u{200b}> second line",
        "n2\\x1b[2J",
        "old\\x1b[2J",
        "new\\x1b[2J",
        // A leave reason is a code now: a hostile one reads as "another".
        "left (for another reason)",
        "message\\x1b[2J",
        "* disconnected: closing\\x1b[2J",
    ] {
        assert!(out.contains(needle), "{needle:?} not in:\n{out}");
    }
}

#[test]
fn look_alike_names_are_refused_or_renamed() {
    let pki = Pki::new();
    let cert = pki.server();
    let host_cfg = tempfile::tempdir().unwrap();
    let (mut host, addr) = host(host_cfg.path(), &cert, "hana");
    let target = addr.to_string();
    let join = |name: &str| {
        let cfg = tempfile::tempdir().unwrap().keep();
        Proc::spawn(
            tlschat(&cfg)
                .args(["join", &target, "--headless", "--name", name, "--ca"])
                .arg(&pki.ca_pem),
        )
    };

    let mut ana = join("ana");
    ana.expect("ana in the room", |l| l.starts_with("* you are ana;"));

    // A tlschat/1 member asking for ana with a Cyrillic а is renamed.
    let mut cyrillic = join("\u{430}na");
    cyrillic.expect("a unique name", |l| l.starts_with("* you are \u{430}na-2;"));
    host.expect("the join", |l| l == "* \u{430}na-2 joined");

    // A plain-text member (no ALPN) asking with /nick is refused, and told why.
    let mut plain = PlainClient::connect(addr, &pki.ca_pem);
    plain.until(|l| l.starts_with("* in the room:"));
    for (wanted, why) in [
        ("\u{430}na", "looks like ana"),
        ("ANA", "looks like ana"),
        ("\u{ff41}\u{ff4e}\u{ff41}", "the nickname ana is taken"),
        ("HAN\u{410}", "looks like hana"),
        ("hana\u{3164}(host)", "not a valid nickname"),
        ("hana(host)", "parentheses"),
        // Names that draw as nothing, or as the plain dialect's syntax.
        (
            "<hana>",
            "it contains '<': plain-text rooms show who speaks as <name>",
        ),
        ("hana>", "it contains '>'"),
        ("*", "it contains '*'"),
        ("bo,ana", "it contains ','"),
        ("\u{2039}hana\u{203a}", "which looks like '<'"),
        (
            "hana\u{1d159}",
            "'hana\\u{1d159}' is not a valid nickname: it contains a character that draws as nothing, U+1D159",
        ),
        ("the\u{1d159}room\u{1d159}is\u{1d159}closing", "U+1D159"),
        ("\u{fffc}", "U+FFFC (object replacement character)"),
        ("hana\u{2800}", "U+2800 (braille pattern blank)"),
        ("/who", "it starts with '/'"),
        (
            &format!("x{}", "\u{301}".repeat(30)),
            "'x' with 30 combining accents; a letter carries at most 2",
        ),
    ] {
        plain.send(&format!("/nick {wanted}"));
        let answer = loop {
            let l = plain.line();
            if l.starts_with("* error:") || l.starts_with("* you are now") {
                break l;
            }
        };
        assert!(
            answer.starts_with("* error:"),
            "{wanted:?} was accepted: {answer}"
        );
        assert!(answer.contains(why), "{wanted:?}: {answer}");
    }
    plain.send("/nick bo");
    let _ = plain.until(|l| l == "* you are now bo");
    host.expect("the rename", |l| l.ends_with("is now known as bo"));

    // A tlschat/1 hello with such a name is refused with the reason (not
    // renamed to a guest), and the connection is closed.
    for (wanted, why) in [
        ("<hana>", "it contains '<'"),
        ("hana\u{1d159}", "U+1D159 (musical symbol null notehead)"),
        ("*", "it contains '*'"),
    ] {
        let mut c = PlainClient::connect_json(addr, &pki.ca_pem);
        let hello = serde_json::json!({"type": "hello", "nick": wanted});
        c.send(&hello.to_string());
        let answer: serde_json::Value = serde_json::from_str(&c.line()).unwrap();
        assert_eq!(answer["type"], "error", "{wanted:?}: {answer}");
        assert_eq!(answer["code"], "nick", "{wanted:?}: {answer}");
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains(why), "{wanted:?}: {message}");
        let mut rest = String::new();
        assert_eq!(c.reader.read_line(&mut rest).unwrap_or(0), 0, "{rest}");
    }

    // An invisible character never gets as far as the host; the command
    // line names it, and shows it as an escape.
    let out = tlschat(tempfile::tempdir().unwrap().path())
        .args(["join", &target, "--headless", "--name", "ana\u{200b}"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("U+200B (zero width space)"), "{err}");
    assert!(err.contains("'ana\\u{200b}'"), "{err}");
    assert!(!err.contains('\u{200b}'), "{err:?}");
    plain.close();
}
