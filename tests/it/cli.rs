//! The real binary, as a user runs it: gen-cert, headless host and member,
//! and every error a user can cause, each a one-line message and an exit code.

use crate::common;

use std::io::Write as _;
use std::process::{Command, Output, Stdio};
use std::time::Instant;

use common::{DEADLINE, Pki, Proc, finish, tlschat_command as tlschat};

/// Checks the contract for a user error: non-zero exit, one line on stderr
/// that starts with `tlschat:` and contains every `needle`, no panic.
fn assert_one_line_error(out: &Output, code: i32, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "expected one line, got: {stderr}"
    );
    assert!(stderr.starts_with("tlschat: "), "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{stderr:?} should mention {n:?}");
    }
    assert!(!stderr.contains("panicked"));
}

/// A headless host (see [`common::headless_host`]) and its address.
fn start_host(config: &std::path::Path, extra: &[&str]) -> (Proc, String) {
    let (p, addr) = common::headless_host(config, extra);
    (p, addr.to_string())
}

/// A headless host with this certificate and key.
fn start_host_with(config: &std::path::Path, cert: &common::Issued) -> (Proc, String) {
    let (p, addr) = common::headless_host_with(config, cert);
    (p, addr.to_string())
}

fn fingerprint_of(p: &Proc) -> String {
    let line = p
        .seen
        .iter()
        .find(|l| l.starts_with("* fingerprint: "))
        .unwrap();
    line["* fingerprint: ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn gen_cert_writes_a_ca_and_server_pair_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("certs");
    let out = tlschat(dir.path())
        .args(["gen-cert", "--out"])
        .arg(&out_dir)
        .args(["--host", "chat.example", "--host", "192.0.2.7"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for f in ["ca.pem", "ca.key", "server.pem", "server.key"] {
        assert!(out_dir.join(f).exists(), "{f} missing");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        for key in ["ca.key", "server.key"] {
            let mode = std::fs::metadata(out_dir.join(key))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{key} is readable by others: {mode:o}");
        }
    }
    let server = tlschat::net::pem::load_certs(&out_dir.join("server.pem")).unwrap();
    let info = tlschat::net::CertInfo::from_der(&server[0]);
    assert_eq!(info.host_names(), vec!["chat.example", "192.0.2.7"]);
    assert!(
        stdout.contains(&tlschat::net::certinfo::fingerprint(&info.sha256)),
        "{stdout}"
    );
    let ca = tlschat::net::pem::load_certs(&out_dir.join("ca.pem")).unwrap();
    let ca = tlschat::net::CertInfo::from_der(&ca[0]);
    assert_eq!(ca.is_ca, Some(true));
    assert_eq!(info.issuer, ca.subject);

    let again = tlschat(dir.path())
        .args(["gen-cert", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_one_line_error(&again, 1, &["ca.pem", "already exists", "--force"]);
}

#[test]
fn host_reports_bad_certificate_files_in_one_line() {
    let pki = Pki::new();
    let cert = pki.server();
    let other = pki.server();
    let cfg = tempfile::tempdir().unwrap();
    let missing = pki.dir.path().join("nope.pem");
    let host = |c: &std::path::Path, k: &std::path::Path| {
        tlschat(cfg.path())
            .args(["host", "--headless"])
            .args(common::OPEN_DOOR)
            .args(["--bind", "127.0.0.1:0", "--cert"])
            .arg(c)
            .arg("--key")
            .arg(k)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    assert_one_line_error(&host(&missing, &cert.key), 1, &["nope.pem", "No such file"]);
    assert_one_line_error(
        &host(&cert.key, &cert.key),
        1,
        &["server.key", "contains no certificate"],
    );
    assert_one_line_error(
        &host(&cert.cert, &cert.cert),
        1,
        &["server.pem", "contains no private key"],
    );
    let garbage = pki.dir.path().join("garbage.pem");
    std::fs::write(
        &garbage,
        "-----BEGIN CERTIFICATE-----\nnot base64!!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    assert_one_line_error(
        &host(&garbage, &cert.key),
        1,
        &["garbage.pem", "not valid PEM"],
    );
    // `other` has a different key: the pair does not match.
    let _ = other;
    let mismatched = pki.issue("mismatch", &Pki::leaf_params(&["localhost"]));
    assert_one_line_error(
        &host(&cert.cert, &mismatched.key),
        1,
        &["does not match", "mismatch.key"],
    );
}

#[test]
fn host_reports_an_address_in_use() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let cfg = tempfile::tempdir().unwrap();
    let out = tlschat(cfg.path())
        .args(["host", "--headless", "--bind", &addr])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_one_line_error(&out, 1, &[&addr, "already in use"]);
}

#[test]
fn join_reports_refused_not_tls_and_bad_arguments() {
    let cfg = tempfile::tempdir().unwrap();
    let nothing = common::reserve("127.0.0.1");
    let refusing = nothing.addr.to_string();
    let out = tlschat(cfg.path())
        .args(["join", &refusing, "--headless"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_one_line_error(&out, 1, &[&refusing, "connection refused"]);

    // A server that answers in plain HTTP.
    let http = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let http_addr = http.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = http.accept() {
            let mut buf = [0u8; 512];
            let _ = std::io::Read::read(&mut s, &mut buf);
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let out = tlschat(cfg.path())
        .args(["join", &http_addr, "--headless"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_one_line_error(&out, 1, &[&http_addr, "does not speak TLS"]);

    let pki = Pki::new();
    let out = tlschat(cfg.path())
        .args(["join", "127.0.0.1:7443", "--headless", "--ca"])
        .arg(pki.dir.path().join("missing-ca.pem"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_one_line_error(&out, 1, &["missing-ca.pem", "No such file"]);

    // Malformed arguments are usage errors (exit 2), not panics.
    let out = tlschat(cfg.path())
        .args(["join", "host:99999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("port must be a number"));
    let out = tlschat(cfg.path())
        .args(["join", "h:1", "--pin", "SHA256:12"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_long_bad_argument_is_quoted_clipped_and_visible() {
    let cfg = tempfile::tempdir().unwrap();
    let host = "h".repeat(5000);
    let escapes = format!("{}\u{1b}[2J\u{202e}{}", "e".repeat(20), "e".repeat(5000));
    // (arguments, exit code, what the one line says)
    let cases: Vec<(Vec<String>, i32, &str)> = vec![
        (
            vec!["join".into(), format!("{host}:7443"), "--headless".into()],
            2,
            "is not a valid host name: it is longer than 253 characters",
        ),
        (
            vec!["join".into(), format!("{host}:99999")],
            2,
            "is not HOST:PORT: the port must be a number from 1 to 65535",
        ),
        (
            vec!["join".into(), format!("[{host}]:1")],
            2,
            "is not a valid host name",
        ),
        (
            vec!["join".into(), format!("{escapes}:1")],
            2,
            "'eeeeeeeeeeeeeeeeeeee\\x1b[2J\\u{202e}eee",
        ),
        (
            vec!["host".into(), "--bind".into(), format!("{host}:99999")],
            2,
            "is not HOST:PORT",
        ),
        (
            vec!["join".into(), "h:1".into(), "--pin".into(), host.clone()],
            2,
            "is not a SHA-256 fingerprint",
        ),
        (
            vec!["trust".into(), "remove".into(), format!("{host}:1")],
            2,
            "is not a valid host name",
        ),
    ];
    for (args, code, needle) in cases {
        let out = tlschat(cfg.path())
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let what = &args[..args.len() - 1];
        assert_eq!(out.status.code(), Some(code), "{what:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{what:?}: {stderr}");
        assert!(stderr.contains(needle), "{what:?}: {stderr}");
        // The argument is quoted, cut after 64 characters, with its length.
        assert!(stderr.len() < 400, "{what:?} echoed {} bytes", stderr.len());
        assert!(stderr.contains("…' ("), "{what:?}: {stderr}");
        assert!(stderr.contains(" bytes)"), "{what:?}: {stderr}");
        assert!(
            !stderr.contains(['\u{1b}', '\u{202e}']),
            "{what:?}: {stderr:?}"
        );
    }
}

#[test]
fn headless_host_and_member_chat_and_exit_cleanly() {
    let pki = Pki::new();
    let cert = pki.server();
    let cfg = tempfile::tempdir().unwrap();
    let (mut host, addr) = start_host_with(cfg.path(), &cert);
    let mut cmd = tlschat(cfg.path());
    cmd.args([
        "join",
        &addr,
        "--headless",
        "--name",
        "ana",
        "--ca",
        pki.ca_pem.to_str().unwrap(),
    ]);
    let mut member = Proc::spawn(&mut cmd);
    member.expect("connection facts", |l| {
        l.contains("TLS 1.3") && l.contains("ALPN tlschat/1")
    });
    member.expect("trust", |l| {
        l.starts_with("* trusted: verified by") && l.contains("Test Root CA")
    });
    member.expect("roster", |l| l.contains("in the room: hana (host), ana"));
    host.expect("join notice", |l| l == "* ana joined");
    host.say("hello ana, 你好");
    member.expect("host message", |l| l == "<hana> hello ana, 你好");
    member.say("hi hana");
    member.say("bye now");
    // stdin ends: the member leaves after its last line is delivered.
    let (code, out, err) = finish(member);
    assert_eq!(code, 0, "stdout {out:?} stderr {err}");
    assert!(
        out.iter().any(|l| l == "* disconnected: you left the room"),
        "{out:?}"
    );
    host.expect("first line", |l| l == "<ana> hi hana");
    host.expect("last line", |l| l == "<ana> bye now");
    host.expect("leave", |l| l == "* ana left");
    // Ctrl-C closes the room cleanly.
    host.signal("INT");
    let (code, out, _) = finish(host);
    assert_eq!(code, 0);
    assert!(
        out.iter()
            .any(|l| l.contains("disconnected: you closed the room")),
        "{out:?}"
    );
}

#[test]
fn default_self_signed_host_is_refused_then_accepted_by_pin() {
    let cfg = tempfile::tempdir().unwrap();
    let (mut host, addr) = start_host(cfg.path(), &[]);
    host.expect("fingerprint", |l| l.starts_with("* fingerprint: SHA256:"));
    let fp = fingerprint_of(&host);
    // The generated certificate is kept in the configuration directory.
    assert!(cfg.path().join("host-cert.pem").exists());

    let member_cfg = tempfile::tempdir().unwrap();
    let out = tlschat(member_cfg.path())
        .args(["join", &addr, "--headless"])
        .stdin(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("not trusted") && stderr.contains("self-signed"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&fp),
        "the refusal must show the fingerprint: {stderr}"
    );
    assert!(
        stderr.contains("valid for:") && stderr.contains("127.0.0.1"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));

    let mut cmd = tlschat(member_cfg.path());
    cmd.args(["join", &addr, "--headless", "--name", "pinny", "--pin", &fp]);
    let mut member = Proc::spawn(&mut cmd);
    member.expect("pinned trust", |l| l.starts_with("* trusted by your pin"));
    member.say("pinned hello");
    let (code, _, err) = finish(member);
    assert_eq!(code, 0, "{err}");
    host.expect("pinned message", |l| l == "<pinny> pinned hello");
    // The refused attempt never joined.
    assert!(
        !host.seen.iter().any(|l| l.contains("guest-")),
        "{:?}",
        host.seen
    );
    // A second host run keeps the same certificate.
    host.signal("INT");
    let _ = finish(host);
    let (host2, _) = start_host(cfg.path(), &[]);
    let mut host2 = host2;
    host2.expect("fingerprint", |l| l.starts_with("* fingerprint: "));
    assert_eq!(fingerprint_of(&host2), fp);
}

#[test]
fn openssl_s_client_joins_as_a_plain_text_member() {
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("openssl is not installed; .ci/run installs it");
        return;
    }
    let pki = Pki::new();
    let cert = pki.server();
    let cfg = tempfile::tempdir().unwrap();
    let (mut host, addr) = start_host_with(cfg.path(), &cert);
    let mut cmd = Command::new("openssl");
    cmd.args(["s_client", "-quiet", "-verify_return_error", "-CAfile"])
        .arg(&pki.ca_pem)
        .args(["-connect", &addr]);
    let mut client = Proc::spawn(&mut cmd);
    client.expect("welcome", |l| l.starts_with("* welcome, you are guest-"));
    host.expect("guest joined", |l| {
        l.starts_with("* guest-") && l.ends_with(" joined")
    });
    client.say("/nick ossl");
    client.expect("renamed", |l| l == "* you are now ossl");
    client.say("hello from openssl");
    host.expect("openssl line", |l| l == "<ossl> hello from openssl");
    host.say("hello openssl");
    client.expect("host line", |l| l == "<hana> hello openssl");
}

#[test]
fn an_openssl_req_x509_certificate_served_by_s_server_is_refused_then_pinned() {
    // Certificates and a server this project did not make: `openssl req
    // -x509` (CA:TRUE, RSA) served by `openssl s_server`.
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("openssl is not installed; .ci/run installs it");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("self.pem"), dir.path().join("self.key"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-days",
            "2",
        ])
        .args([
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let fp = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(&cert)
        .output()
        .unwrap();
    let fp = String::from_utf8_lossy(&fp.stdout)
        .trim()
        .split('=')
        .nth(1)
        .unwrap()
        .to_string();
    let mut server = Command::new("openssl");
    server
        .args(["s_server", "-naccept", "3", "-accept", "127.0.0.1:0"])
        .arg("-cert")
        .arg(&cert)
        .arg("-key")
        .arg(&key);
    let mut server = Proc::spawn(&mut server);
    let addr = common::s_server_accepting(&mut server).to_string();
    let cfg = tempfile::tempdir().unwrap();
    let out = tlschat(cfg.path())
        .args(["join", &addr, "--headless"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("CERT_SELF_SIGNED"), "{err}");
    let mut member = Proc::spawn(tlschat(cfg.path()).args([
        "join",
        &addr,
        "--headless",
        "--pin",
        &format!("SHA256:{fp}"),
    ]));
    member.expect("plain text mode", |l| {
        l.contains("does not speak tlschat/1")
    });
    member.say("hello s_server");
    server.expect("the line at s_server", |l| l == "hello s_server");
    server.say("hello tlschat");
    member.expect("the server's line", |l| l.ends_with("hello tlschat"));
}

/// `join` as a user runs it with `extra` arguments and environment, one
/// line said; returns its exit code and stderr.
fn join_once(
    cfg: &std::path::Path,
    addr: &str,
    ca: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (i32, String) {
    let mut cmd = tlschat(cfg);
    cmd.args(["join", addr, "--headless", "--ca", ca])
        .args(extra);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut member = Proc::spawn(&mut cmd);
    member.expect("room", |l| l.contains("in the room:"));
    member.say("logged hello");
    let (code, _, err) = finish(member);
    (code, err)
}

#[test]
fn v_logs_rustls_handshake_steps_on_stderr_and_nothing_is_logged_by_default() {
    let pki = Pki::new();
    let cert = pki.server();
    let cfg = tempfile::tempdir().unwrap();
    let (c, k) = (cert.cert.to_str().unwrap(), cert.key.to_str().unwrap());
    let (host, addr) = start_host(cfg.path(), &["--cert", c, "--key", k, "-v"]);
    let ca = pki.ca_pem.to_str().unwrap();

    // Default: the same session prints nothing on stderr.
    let (code, err) = join_once(cfg.path(), &addr, ca, &[], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "", "nothing is logged by default");

    // -v: rustls' own account of the handshake, then ours.
    let (code, err) = join_once(cfg.path(), &addr, ca, &["-v"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("rustls::client::hs: Using ciphersuite TLS13_"),
        "{err}"
    );
    assert!(
        err.contains("tlschat::net::member: handshake done")
            && err.contains("version=Some(TLSv1_3)"),
        "{err}"
    );
    // -v before the subcommand works too, and RUST_LOG says exactly what.
    let mut cmd = tlschat(cfg.path());
    cmd.args(["-v", "gen-cert", "--out"])
        .arg(cfg.path().join("c"));
    assert!(cmd.output().unwrap().status.success());
    // A link and a subcommand together: one or the other.
    let out = tlschat(cfg.path())
        .args(["tlschat://127.0.0.1:1/", "gen-cert"])
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, &["before a subcommand"]);
    let (code, err) = join_once(cfg.path(), &addr, ca, &[], &[("RUST_LOG", "rustls=trace")]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("TRACE rustls::"), "{err}");
    assert!(
        !err.contains("tlschat::net"),
        "RUST_LOG=rustls=trace is rustls only: {err}"
    );
    // A RUST_LOG that does not parse: one line says so; the session goes on.
    let (code, err) = join_once(cfg.path(), &addr, ca, &[], &[("RUST_LOG", "rustls=loud")]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.starts_with("tlschat: RUST_LOG ignored: \"rustls=loud\""),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    // The host's -v: each member's connection and handshake.
    host.signal("INT");
    let (code, _, err) = finish(host);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("tlschat::net::host: listening"), "{err}");
    assert!(
        err.matches("tlschat::net::host: handshake done").count() >= 4,
        "{err}"
    );
    assert!(
        err.contains("rustls::server::hs: decided upon suite"),
        "{err}"
    );
}

/// A transcript's lines without their `YYYY-MM-DD HH:MM:SS ` times (each
/// checked), and only what people said (`-- ` notices left out).
fn said_in(path: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.ends_with('\n'), "{text:?}");
    text.lines()
        .map(|l| {
            let (stamp, rest) = l.split_at(20);
            let b = stamp.as_bytes();
            assert!(
                b[4] == b'-' && b[7] == b'-' && b[10] == b' ' && b[13] == b':' && b[19] == b' ',
                "no time in {l:?}"
            );
            rest.to_string()
        })
        .filter(|l| !l.starts_with("-- "))
        .collect()
}

#[test]
fn headless_transcripts_hold_what_was_said_own_lines_included_in_order() {
    let pki = Pki::new();
    let cert = pki.server();
    let cfg = tempfile::tempdir().unwrap();
    let host_file = cfg.path().join("host.txt");
    let member_file = cfg.path().join("member.txt");
    let (c, k) = (cert.cert.to_str().unwrap(), cert.key.to_str().unwrap());
    let (mut host, addr) = common::headless_host(
        cfg.path(),
        &[
            "--cert",
            c,
            "--key",
            k,
            "--transcript",
            host_file.to_str().unwrap(),
        ],
    );
    let mut cmd = tlschat(cfg.path());
    cmd.args(["join", &addr.to_string(), "--headless", "--name", "ana"])
        .args(["--ca", pki.ca_pem.to_str().unwrap()])
        .arg("--transcript")
        .arg(&member_file);
    let mut member = Proc::spawn(&mut cmd);
    member.expect("roster", |l| l.contains("in the room: hana (host), ana"));
    host.expect("join notice", |l| l == "* ana joined");
    // Each line waits for the other side, so the order is the room's.
    host.say("hello ana");
    member.expect("host message", |l| l == "<hana> hello ana");
    member.say("hi hana");
    host.expect("member line", |l| l == "<ana> hi hana");
    member.say("/me waves");
    host.expect("action", |l| l == "<ana> /me waves");
    member.say("red \x1b[31m text");
    host.expect("escaped line", |l| l == "<ana> red \\x1b[31m text");
    host.say("bye");
    member.expect("last host line", |l| l == "<hana> bye");
    let (code, out, err) = finish(member);
    assert_eq!(code, 0, "stdout {out:?} stderr {err}");
    host.expect("leave", |l| l == "* ana left");

    let said = [
        "<hana> hello ana",
        "<ana> hi hana",
        "* ana waves",
        "<ana> red \\x1b[31m text",
        "<hana> bye",
    ];
    assert_eq!(said_in(&member_file), said, "the member's transcript");
    // The host's own lines are there too; the file is flushed by now (the
    // leave notice came in a later batch than the lines).
    assert_eq!(said_in(&host_file), said, "the host's transcript");
    let host_text = std::fs::read_to_string(&host_file).unwrap();
    assert!(host_text.contains(" -- ana joined\n"), "{host_text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&member_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "a new transcript is private");
    }
    host.say("/quit");
    let (code, _, err) = finish(host);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_transcript_that_cannot_be_opened_stops_before_connecting() {
    let cfg = tempfile::tempdir().unwrap();
    let file = cfg.path().join("no-such-dir").join("chat.txt");
    // Nothing listens there: had it connected first, the error would be
    // another one.
    let nothing = common::reserve("127.0.0.1");
    let out = tlschat(cfg.path())
        .args([
            "join",
            &nothing.addr.to_string(),
            "--headless",
            "--transcript",
        ])
        .arg(&file)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_one_line_error(&out, 1, &["no-such-dir/chat.txt", "No such file"]);
    assert!(
        out.stdout.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The ways a file tlschat writes to can be someone else's to read, point
/// or change; each makes `path` one (`None` when it cannot be made here:
/// only root can give a file away).
#[cfg(unix)]
fn hostile_files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, &'static str)> {
    use std::os::unix::fs::PermissionsExt as _;
    let mut out = Vec::new();
    for mode in [0o644, 0o666] {
        let path = dir.join(format!("mode-{mode:o}"));
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        out.push((path, "chmod 600 "));
    }
    let dangling = dir.join("dangling");
    std::os::unix::fs::symlink(dir.join("nowhere"), &dangling).unwrap();
    out.push((dangling, "symbolic link"));
    let real = dir.join("real");
    std::fs::write(&real, "").unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
    let link = dir.join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    out.push((link, "symbolic link"));
    let fifo = dir.join("fifo");
    common::mkfifo(&fifo);
    out.push((fifo, "FIFO"));
    let theirs = dir.join("theirs");
    std::fs::write(&theirs, "").unwrap();
    std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o600)).unwrap();
    if std::os::unix::fs::chown(&theirs, Some(65534), None).is_ok() {
        out.push((theirs, "belongs to another user"));
    }
    out
}

/// How a test hands a file to a command.
#[cfg(unix)]
type Give = fn(&mut Command, &std::path::Path);

#[cfg(unix)]
#[test]
fn key_logs_and_transcripts_others_could_read_point_or_own_are_refused_at_once() {
    let pki = Pki::new();
    let server = pki.server();
    let cfg = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = hostile_files(dir.path());
    let snapshot = || {
        let mut all: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                let meta = std::fs::symlink_metadata(&p).unwrap();
                (p, meta.len())
            })
            .collect();
        all.sort();
        all
    };
    let before = snapshot();
    // How each file reaches tlschat.
    let ways: [(&str, Give); 3] = [
        ("--keylog", |c, p| {
            c.arg("--keylog").arg(p);
        }),
        ("SSLKEYLOGFILE", |c, p| {
            c.env("SSLKEYLOGFILE", p);
        }),
        ("--transcript", |c, p| {
            c.arg("--transcript").arg(p);
        }),
    ];
    // A member: nothing listens there, so any other error would be about
    // connecting.
    let nothing = common::reserve("127.0.0.1");
    let target = nothing.addr.to_string();
    for (way, give) in ways {
        for (file, why) in &files {
            let mut cmd = tlschat(cfg.path());
            cmd.env_remove("SSLKEYLOGFILE")
                .args(["join", &target, "--headless"]);
            give(&mut cmd, file);
            let started = Instant::now();
            let mut p = Proc::spawn(&mut cmd);
            let (code, stderr) = p.wait_exit();
            let lines: Vec<&str> = stderr
                .lines()
                .filter(|l| !l.starts_with("tlschat: warning: "))
                .collect();
            assert_eq!(code, Some(1), "{way} {}: {stderr}", file.display());
            assert_eq!(lines.len(), 1, "{way}: {stderr}");
            assert!(
                lines[0].contains(&file.display().to_string()) && lines[0].contains(why),
                "{way}: {stderr}"
            );
            assert!(started.elapsed() < DEADLINE / 2, "{way} {}", file.display());
        }
    }
    // The host refuses a FIFO as its key log at once too.
    let fifo = &files.iter().find(|f| f.1 == "FIFO").unwrap().0;
    let mut host = Proc::spawn(
        tlschat(cfg.path())
            .args(["host", "--headless"])
            .args(common::OPEN_DOOR)
            .args(["--bind", "127.0.0.1:0", "--cert"])
            .arg(&server.cert)
            .arg("--key")
            .arg(&server.key)
            .arg("--keylog")
            .arg(fifo),
    );
    let (code, stderr) = host.wait_exit();
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("FIFO"), "{stderr}");
    // Nothing was written anywhere, nothing made.
    assert_eq!(snapshot(), before);
}

#[cfg(unix)]
#[test]
fn sigterm_ends_a_host_whatever_it_is_waiting_on() {
    use std::os::unix::fs::OpenOptionsExt as _;
    let pki = Pki::new();
    let server = pki.server();
    let cfg = tempfile::tempdir().unwrap();
    // A certificate "file" that never ends: the host reads it forever.
    let cert = cfg.path().join("cert.pem");
    common::mkfifo(&cert);
    let mut host = Proc::spawn(
        tlschat(cfg.path())
            .args(["host", "--headless"])
            .args(common::OPEN_DOOR)
            .args(["--bind", "127.0.0.1:0", "--cert"])
            .arg(&cert)
            .arg("--key")
            .arg(&server.key),
    );
    // Opening the write end without blocking works once the host has the
    // read end open: then it waits in read() for what never comes.
    let end = Instant::now() + DEADLINE;
    let _writer = loop {
        let flags = i32::try_from(rustix::fs::OFlags::NONBLOCK.bits()).unwrap();
        match std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(flags)
            .open(&cert)
        {
            Ok(f) => break f,
            Err(_) if Instant::now() < end => {
                // A poll: nothing tells when the host opens its end.
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => panic!("the host never opened its certificate: {e}"),
        }
    };
    let signalled = Instant::now();
    host.signal("TERM");
    let (code, stderr) = host.wait_exit();
    let took = signalled.elapsed();
    assert!(
        took <= tlschat::headless::SIGNAL_GRACE + std::time::Duration::from_secs(3),
        "{took:?}"
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The fingerprint line of `tlschat identity`'s report.
fn identity_fingerprint(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.trim().strip_prefix("fingerprint  "))
        .unwrap_or_else(|| panic!("no fingerprint in {text:?}"))
        .to_string()
}

#[test]
fn identity_is_made_once_shown_the_same_and_replaced_only_when_confirmed() {
    let config = tempfile::tempdir().unwrap();
    let show = || {
        tlschat(config.path())
            .arg("identity")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let first = show();
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    let fp = identity_fingerprint(&first);
    assert!(fp.starts_with("SHA256:") && fp.len() == 7 + 64, "{fp}");
    let text = String::from_utf8_lossy(&first.stdout);
    let code = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("safety code  "))
        .unwrap();
    assert_eq!(code.split(' ').count(), 5, "{code}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let key = config.path().join(tlschat::net::identity::KEY_FILE);
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert_eq!(identity_fingerprint(&show()), fp);

    // --new away from a terminal, unconfirmed: refused, the key kept.
    let unconfirmed = tlschat(config.path())
        .args(["identity", "--new"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_one_line_error(&unconfirmed, 2, &["--yes", &fp]);
    assert_eq!(identity_fingerprint(&show()), fp);
    // Without its certificate the key is still someone: still asked.
    std::fs::remove_file(config.path().join(tlschat::net::identity::CERT_FILE)).unwrap();
    let unconfirmed = tlschat(config.path())
        .args(["identity", "--new"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_one_line_error(&unconfirmed, 2, &["--yes", &fp]);
    assert_eq!(identity_fingerprint(&show()), fp);

    let replaced = tlschat(config.path())
        .args(["identity", "--new", "--yes"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(replaced.status.code(), Some(0), "{replaced:?}");
    let new = identity_fingerprint(&replaced);
    assert_ne!(new, fp);
    assert_eq!(identity_fingerprint(&show()), new);

    // --yes means nothing without --new.
    let stray = tlschat(config.path())
        .args(["identity", "--yes"])
        .output()
        .unwrap();
    assert_eq!(stray.status.code(), Some(2));
}
