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

/// A headless member with its own configuration directory (so its own
/// key), joining `target` (an address or a link) with `extra` arguments.
fn joining(config: &std::path::Path, target: &str, nick: &str, extra: &[&str]) -> Proc {
    Proc::spawn(
        tlschat(config)
            .args(["join", target, "--headless", "--name", nick])
            .args(extra),
    )
}

/// `tlschat identity`'s safety code for this configuration directory.
fn safety_code_of(config: &std::path::Path) -> String {
    let out = tlschat(config).arg("identity").output().unwrap();
    let out = String::from_utf8_lossy(&out.stdout).into_owned();
    out.lines()
        .find_map(|l| l.trim().strip_prefix("safety code"))
        .unwrap_or_else(|| panic!("no safety code in {out}"))
        .trim()
        .to_string()
}

/// Waits for a refused or removed member's end: its exit code and stderr,
/// and what it printed. The refusal or removal is one line on stderr.
fn ended(mut p: Proc) -> (i32, String, Vec<String>) {
    let (code, err) = p.wait_exit();
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("tlschat: "), "{err}");
    (code.unwrap_or(-1), err, std::mem::take(&mut p.seen))
}

/// The host's `/invite …` answer: the invitation's id, its link and the
/// whole line.
fn invite(host: &mut Proc, command: &str) -> (u32, String, String) {
    host.say(command);
    let line = host.expect("the new invitation", |l| {
        l.starts_with("* invite ") && !l.starts_with("* invite: ")
    });
    let id = line["* invite ".len()..]
        .split([' ', ':'])
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|e| panic!("{e}: {line}"));
    let link = line
        .split(' ')
        .find(|w| w.starts_with("tlschat://"))
        .unwrap()
        .to_string();
    (id, link, line)
}

#[test]
fn an_invite_made_in_the_terminal_admits_once_and_a_revoked_one_refuses() {
    let pki = Pki::new();
    let cert = pki.server();
    let ca = pki.ca_pem.to_str().unwrap();
    let cfg = tempfile::tempdir().unwrap();
    let (mut host, addr) = host_with_access(cfg.path(), None, &cert);
    host.say("hana's secret before anyone came");

    // A stranger without an invitation: one line, nothing of the room.
    let stranger = tempfile::tempdir().unwrap();
    let (code, err, out) = ended(joining(
        stranger.path(),
        &addr.to_string(),
        "zed",
        &["--ca", ca],
    ));
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("invite-only"), "{err}");
    assert!(
        !out.iter()
            .any(|l| l.contains("secret") || l.contains("hana")),
        "{out:#?}"
    );

    let (id, link, line) = invite(&mut host, "/invite");
    assert!(link.contains("&invite="), "{link}");
    assert!(
        line.starts_with(&format!("* invite {id} (single use, expires ")),
        "{line}"
    );
    let ana_cfg = tempfile::tempdir().unwrap();
    let mut ana = joining(ana_cfg.path(), &link, "ana", &[]);
    ana.expect("the room", |l| l.contains("in the room:"));
    host.expect("ana", |l| l.contains("ana") && l.contains("joined"));

    // Single use: another key with the same link is refused.
    let bo_cfg = tempfile::tempdir().unwrap();
    let (code, err, _) = ended(joining(bo_cfg.path(), &link, "bo", &[]));
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("used up"), "{err}");

    // /invites lists what is open; /revoke shuts one.
    let (two, link2, _) = invite(&mut host, "/invite 2 never");
    host.say("/invites");
    let listed = host.expect("the open one", |l| l.starts_with(&format!("*   {two}  ")));
    assert_eq!(listed, format!("*   {two}  2 uses left, never expires"));
    host.say(&format!("/revoke {two}"));
    host.expect("the revocation", |l| {
        l == format!("* invite {two} no longer works (revoked)")
    });
    host.say("/invites");
    host.say("/who");
    host.expect("the list", |l| l.starts_with("* invitations ("));
    let before = host.seen.len();
    host.expect("the end of the list", |l| l.starts_with("* in the room"));
    let listed = &host.seen[before..];
    assert!(
        !listed
            .iter()
            .any(|l| l.starts_with(&format!("*   {two}  "))),
        "revoked, still listed: {listed:#?}"
    );
    let (code, err, _) = ended(joining(bo_cfg.path(), &link2, "bo", &[]));
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("not valid here"), "{err}");

    let (code, _, err) = finish(ana);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn kick_ban_and_unban_from_the_terminal() {
    let pki = Pki::new();
    let cert = pki.server();
    let ca = pki.ca_pem.to_str().unwrap();
    let cfg = tempfile::tempdir().unwrap();
    let (mut host, addr) = host_with_access(cfg.path(), Some("open"), &cert);
    let target = addr.to_string();
    let ana_cfg = tempfile::tempdir().unwrap();

    // Kick: the member is told why and does not come back by itself.
    let mut ana = joining(ana_cfg.path(), &target, "ana", &["--ca", ca]);
    ana.expect("the room", |l| l.contains("in the room:"));
    host.say("/kick ana calm down");
    let (code, err, _) = ended(ana);
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("calm down"), "{err}");
    host.expect("the room is told", |l| {
        l.contains("ana was removed by the host (calm down)")
    });

    // Ban: by key, listed with the key's safety code, refused at the door.
    let mut ana = joining(ana_cfg.path(), &target, "ana", &["--ca", ca]);
    ana.expect("the room again", |l| l.contains("in the room:"));
    host.say("/ban ana spam");
    let (code, err, _) = ended(ana);
    assert_eq!(code, 5, "{err}");
    host.expect("the ban made", |l| {
        l.starts_with("* ban ") && l.contains("may not come in")
    });
    host.say("/bans");
    let line = host.expect("the ban", |l| {
        l.starts_with("*   ") && l.contains("reason: spam")
    });
    let code_of_ana = safety_code_of(ana_cfg.path());
    assert!(
        line.contains(&format!("ana  key with safety code {code_of_ana}")),
        "{line}"
    );
    let id: u32 = line["*   ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (code, err, _) = ended(joining(ana_cfg.path(), &target, "ana", &["--ca", ca]));
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("banned"), "{err}");

    // Unban: the key may come in again.
    host.say(&format!("/unban {id}"));
    host.expect("the ban lifted", |l| {
        l == format!("* ban {id} lifted: ana may come in again")
    });
    host.say("/bans");
    host.expect("no ban", |l| l == "* nobody is banned");
    let mut ana = joining(ana_cfg.path(), &target, "ana", &["--ca", ca]);
    ana.expect("the room once more", |l| l.contains("in the room:"));
    let (code, _, err) = finish(ana);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_knock_is_shown_with_the_members_safety_code_and_answered_by_name() {
    let pki = Pki::new();
    let cert = pki.server();
    let ca = pki.ca_pem.to_str().unwrap();
    let cfg = tempfile::tempdir().unwrap();
    let (mut host, addr) = host_with_access(cfg.path(), Some("knock"), &cert);
    let target = addr.to_string();

    let ana_cfg = tempfile::tempdir().unwrap();
    let code_of_ana = safety_code_of(ana_cfg.path());
    let short: String = code_of_ana.split(' ').take(2).collect::<Vec<_>>().join(" ");
    let mut ana = joining(ana_cfg.path(), &target, "ana", &["--ca", ca]);
    ana.expect("the lobby", |l| l == "* waiting for the host to let you in");
    let knock = host.expect("the knock", |l| l.contains("asks to come in"));
    assert_eq!(
        knock,
        format!("* ana (safety code {short}…) asks to come in: /admit ana or /refuse ana")
    );
    host.say("/admit ana");
    ana.expect("the room", |l| l.contains("in the room:"));

    let bo_cfg = tempfile::tempdir().unwrap();
    let bo = joining(bo_cfg.path(), &target, "bo", &["--ca", ca]);
    host.expect("bo's knock", |l| l.starts_with("* bo (safety code "));
    host.say("/refuse bo");
    let (code, err, out) = ended(bo);
    assert_eq!(code, 4, "{err}");
    assert!(!out.iter().any(|l| l.contains("ana")), "{out:#?}");
    let (code, _, err) = finish(ana);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_plain_tool_comes_in_with_the_code_of_an_invite_made_in_the_terminal() {
    if std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_err()
    {
        eprintln!("openssl is not installed; .ci/run installs it");
        return;
    }
    let pki = Pki::new();
    let cert = pki.server();
    let cfg = tempfile::tempdir().unwrap();
    let (mut host, addr) = host_with_access(cfg.path(), None, &cert);
    host.say("hana's secret before anyone came");
    let (_, link, _) = invite(&mut host, "/invite 1");
    let code = link.rsplit("invite=").next().unwrap().to_string();
    let s_client = || {
        let mut cmd = std::process::Command::new("openssl");
        cmd.args(["s_client", "-quiet", "-verify_return_error", "-CAfile"])
            .arg(&pki.ca_pem)
            .args(["-connect", &addr.to_string()]);
        Proc::spawn(&mut cmd)
    };
    let mut ossl = s_client();
    ossl.say(&format!("/invite {code}"));
    ossl.expect("welcome", |l| l.starts_with("* welcome, you are guest-"));
    ossl.say("hello from openssl");
    host.expect("its line", |l| l.ends_with("> hello from openssl"));

    // The code was for one use: the next plain tool gets one line, and
    // nothing of the room.
    let mut again = s_client();
    again.say(&format!("/invite {code}"));
    let (_, err) = again.wait_exit();
    let out = again.seen.join("\n");
    assert!(out.contains("used up"), "{out}\n{err}");
    assert!(!out.contains("secret") && !out.contains("hana"), "{out}");
}

#[test]
fn mute_and_unmute_from_the_terminal() {
    let pki = Pki::new();
    let cert = pki.server();
    let ca = pki.ca_pem.to_str().unwrap();
    let cfg = tempfile::tempdir().unwrap();
    let (mut host, addr) = host_with_access(cfg.path(), Some("open"), &cert);
    let ana_cfg = tempfile::tempdir().unwrap();
    let mut ana = joining(ana_cfg.path(), &addr.to_string(), "ana", &["--ca", ca]);
    ana.expect("the room", |l| l.contains("in the room:"));

    host.say("/mute ana");
    host.expect("the mute", |l| {
        l == "* ana is muted: it reads but cannot speak"
    });
    ana.say("may I?");
    stderr_with(&ana, "tlschat: not delivered: \"may I?\"");
    host.say("still read by ana");
    ana.expect("the host's line", |l| l == "<hana> still read by ana");

    host.say("/unmute ana");
    host.expect("the unmute", |l| l == "* ana may speak again");
    ana.say("thank you");
    host.expect("ana's line", |l| l == "<ana> thank you");
    assert!(
        !host.seen.iter().any(|l| l.contains("may I?")),
        "{:#?}",
        host.seen
    );
    let (code, _, err) = finish(ana);
    assert_eq!(code, 0, "{err}");
}
