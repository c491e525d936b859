//! The door from the terminal (issue 20): the real binary as a headless
//! host typing `/invite`, `/revoke`, `/ban` …, and as a member; what each
//! prints at start, in `/help`, and for a command it must not send.

use crate::common;

use std::time::Instant;

use common::{DEADLINE, Pki, Proc, finish, tlschat_command as tlschat};

/// A headless host named hana with this access (and no other door
/// option), on a port the system picks, with `cert`.
fn host_with_access(
    config: &std::path::Path,
    access: Option<&str>,
    cert: &common::Issued,
) -> (Proc, std::net::SocketAddr) {
    let mut cmd = tlschat(config);
    cmd.args([
        "host",
        "--headless",
        "--bind",
        "127.0.0.1:0",
        "--name",
        "hana",
    ])
    .arg("--cert")
    .arg(&cert.cert)
    .arg("--key")
    .arg(&cert.key);
    if let Some(access) = access {
        cmd.args(["--access", access]);
    }
    let mut p = Proc::spawn(&mut cmd);
    let addr = p.expect_hosting();
    (p, addr)
}

/// A headless member named `nick` of the room at `addr`, trusting `ca`,
/// once it is in the room.
fn member(config: &std::path::Path, addr: std::net::SocketAddr, ca: &Pki, nick: &str) -> Proc {
    let mut p = Proc::spawn(
        tlschat(config)
            .args(["join", &addr.to_string(), "--headless", "--name", nick])
            .arg("--ca")
            .arg(&ca.ca_pem),
    );
    p.expect("the room", |l| l.contains("in the room:"));
    p
}

/// Waits (with [`DEADLINE`]) until its stderr contains `needle`; returns
/// the whole stderr.
fn stderr_with(p: &Proc, needle: &str) -> String {
    let end = Instant::now() + DEADLINE;
    loop {
        let err = p.stderr();
        if err.contains(needle) {
            return err;
        }
        assert!(Instant::now() < end, "no {needle:?} on stderr: {err}");
        // A poll: stderr is read by a thread of its own.
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[test]
fn the_start_says_who_may_come_in() {
    let pki = Pki::new();
    let cert = pki.server();
    for (access, says) in [
        (Some("open"), "anyone who can reach this port"),
        (Some("knock"), "newcomers knock"),
        (
            None,
            "invite-only: the invite links above carry a reusable invitation",
        ),
    ] {
        let cfg = tempfile::tempdir().unwrap();
        let (mut host, _) = host_with_access(cfg.path(), access, &cert);
        let line = host.expect("the door's line", |l| {
            l.starts_with("* the room is") || l.starts_with("* newcomers")
        });
        assert!(line.contains(says), "{access:?}: {line}");
        host.kill();
    }
}

#[test]
fn help_lists_the_hosts_commands_to_the_host_only() {
    let pki = Pki::new();
    let cert = pki.server();
    let cfg = tempfile::tempdir().unwrap();
    let (mut host, addr) = host_with_access(cfg.path(), Some("open"), &cert);
    host.say("/help");
    let line = host.expect("/invite in /help", |l| l.contains("/invite [USES] [HOURS]"));
    assert!(line.contains("single use and 24 hours"), "{line}");
    for usage in [
        "/revoke ID",
        "/admit NICK",
        "/ban NICK [REASON]",
        "/unban ID",
        "/bans",
        "/unmute NICK",
    ] {
        host.expect(usage, |l| l.contains(usage));
    }

    let mcfg = tempfile::tempdir().unwrap();
    let mut ana = member(mcfg.path(), addr, &pki, "ana");
    ana.say("/help");
    ana.expect("/who in /help", |l| l.contains("/who"));
    ana.expect("the end of /help", |l| l.contains("the host also has"));
    assert!(
        !ana.seen.iter().any(|l| l.contains("/revoke")),
        "{:#?}",
        ana.seen
    );
    // /help is answered locally: the room never heard it.
    ana.say("after help");
    host.expect("ana's line", |l| l == "<ana> after help");
    assert!(!host.seen.iter().any(|l| l.contains("<ana> /help")));
    let (code, _, err) = finish(ana);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_bad_host_command_names_the_problem_and_sends_nothing() {
    let pki = Pki::new();
    let cert = pki.server();
    let cfg = tempfile::tempdir().unwrap();
    let (mut host, addr) = host_with_access(cfg.path(), Some("open"), &cert);
    let mcfg = tempfile::tempdir().unwrap();
    let mut ana = member(mcfg.path(), addr, &pki, "ana");
    for (line, says) in [
        (
            "/revoke x",
            "tlschat: /revoke: ID must be a number, not 'x'",
        ),
        (
            "/invite 0",
            "tlschat: /invite: USES must be a number from 1 up, or any, not '0'",
        ),
        (
            "/invite 1 soon",
            "HOURS must be a number from 1 up, or never, not 'soon'",
        ),
        ("/kick", "tlschat: /kick needs a member's name"),
        ("/unban", "tlschat: /unban needs an id"),
        ("/mute a b", "tlschat: /mute takes one name"),
        (
            "/admit bo",
            "tlschat: nobody called bo is waiting to come in (nobody is)",
        ),
    ] {
        host.say(line);
        stderr_with(&host, says);
    }
    host.say("after the mistakes");
    ana.expect("the host's line", |l| l == "<hana> after the mistakes");
    assert!(
        !ana.seen.iter().any(|l| l.starts_with("<hana> /")),
        "a refused command reached the room: {:#?}",
        ana.seen
    );
    // Each mistake is one line.
    let err = host.stderr();
    assert_eq!(err.lines().count(), 7, "{err}");
    let (code, _, err) = finish(ana);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_member_typing_a_hosts_command_is_told_only_the_host_can() {
    let pki = Pki::new();
    let cert = pki.server();
    let cfg = tempfile::tempdir().unwrap();
    let (mut host, addr) = host_with_access(cfg.path(), Some("open"), &cert);
    let mcfg = tempfile::tempdir().unwrap();
    let mut ana = member(mcfg.path(), addr, &pki, "ana");
    for (line, command) in [
        ("/kick hana spam", "/kick"),
        ("/ban hana", "/ban"),
        ("/invite", "/invite"),
        ("/bans", "/bans"),
        ("/admit bo", "/admit"),
    ] {
        ana.say(line);
        stderr_with(
            &ana,
            &format!("tlschat: {command}: only the host can do that"),
        );
    }
    ana.say("after the attempts");
    host.expect("ana's line", |l| l == "<ana> after the attempts");
    assert!(
        !host.seen.iter().any(|l| l.starts_with("<ana> /")),
        "a host-only command was said in the room: {:#?}",
        host.seen
    );
    let (code, _, err) = finish(ana);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.lines().count(), 5, "{err}");
}
