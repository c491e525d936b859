//! Headless mode: the same host or member driven by stdin and stdout.
//! Each stdin line is a message or a command ([`input`]: `/nick NAME`
//! renames, `/who` lists the members with their keys' fingerprints,
//! `/help` lists the commands, `/quit` leaves, and a host keeps its door
//! with `/invite`, `/kick`, `/ban` … ); what the room says is printed one
//! line each, notices marked with `* `, the door as [`door`] words it. With
//! `--transcript FILE` the conversation, our own lines included, is also
//! appended to FILE (see [`crate::transcript`]).
//!
//! Every string that came from the network or a certificate is printed
//! through [`crate::net::safe_text`], even though the net layer already
//! made every event safe ([`crate::net::safe_event`]; a second pass changes
//! nothing): a terminal is where an escape would do harm, so no peer can
//! send it an escape sequence, or reorder or hide what is printed, whatever
//! path the text took.

use std::collections::HashMap;
use std::io::{BufRead as _, Write as _};
use std::sync::Arc;

use crate::i18n::utc;
use crate::net::certinfo::{CertInfo, fingerprint};
use crate::net::event::DoorView;
use crate::net::safe_text::visible_line as shown;
use crate::net::safety::safety_code;
use crate::net::trust::Problem;
use crate::net::wording;
use crate::net::{
    ConnectionInfo, DisconnectKind, LeaveReason, MemberInfo, NetEvent, NetThread, PinMatch,
    SessionCommand, SessionEvent, SessionId, Start, TrustBasis, Untrusted,
};
use crate::tr;

mod door;
pub mod input;
mod records;

use input::Input;

/// How many names the greeting line spells out.
const ROSTER_NAMES: usize = 20;

/// How many members `/who` lists, one a line.
const WHO_NAMES: usize = 200;

/// Exit code when the session failed.
pub const EXIT_ERROR: i32 = 1;
/// Exit code when the host's certificate was not trusted.
pub const EXIT_UNTRUSTED: i32 = 3;
/// Exit code when the room's door stayed shut (not invited, banned, or
/// the host said no).
pub const EXIT_REFUSED: i32 = 4;
/// Exit code when the host put us out (kick or ban).
pub const EXIT_REMOVED: i32 = 5;

/// Which side of the room this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Hosting: stdin ending leaves the room open until a signal.
    Host,
    /// A member: stdin ending leaves once everything is delivered.
    Member,
}

fn cert_line(cert: &CertInfo) -> String {
    tr!(
        "headless-cert-line",
        subject = shown(&cert.subject),
        issuer = shown(&cert.issuer),
        from = utc(cert.not_before),
        until = utc(cert.not_after)
    )
}

fn connected_lines(info: &ConnectionInfo) -> Vec<String> {
    let alpn = info
        .alpn
        .as_deref()
        .map_or_else(|| tr!("headless-alpn-none"), |a| shown(a).into_owned());
    let mut lines = vec![format!(
        "* {}",
        tr!(
            "headless-connected",
            target = shown(&info.target),
            addr = info.peer_addr.to_string(),
            protocol = info.protocol.to_string(),
            suite = info.cipher_suite_name(),
            kx = info.key_exchange_name(),
            alpn = alpn,
            kind = info.handshake_kind.to_string(),
            ms = format!("{:.1}", info.handshake_us as f64 / 1000.0)
        )
    )];
    if let Some(leaf) = info.chain.first() {
        lines.push(format!(
            "* {}",
            tr!("headless-certificate", line = cert_line(leaf))
        ));
        let fp = fingerprint(&leaf.sha256);
        lines.push(format!("* {}", tr!("headless-fingerprint", fp = fp)));
        let code = safety_code(&leaf.sha256);
        lines.push(format!("* {}", tr!("headless-safety-code", code = code)));
    }
    lines.push(format!(
        "* {}",
        match &info.trust {
            TrustBasis::Verified { anchor } => tr!("headless-verified-by", anchor = shown(anchor)),
            TrustBasis::Pinned { problem, matched } => {
                let reason = shown(&problem.reason().text()).into_owned();
                match matched {
                    PinMatch::ExactCertificate => tr!("headless-pinned-exact", reason = reason),
                    PinMatch::SameKey => tr!("headless-pinned-same-key", reason = reason),
                }
            }
        }
    ));
    lines
}

fn cert_lines(label: &str, cert: &CertInfo) -> Vec<String> {
    let names = cert.host_names();
    let valid_for = if names.is_empty() {
        tr!("headless-cert-no-names")
    } else {
        names
            .iter()
            .map(|n| shown(n))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let from = utc(cert.not_before);
    let until = utc(cert.not_after);
    vec![
        format!("  {label}"),
        format!(
            "    {}",
            tr!("headless-cert-subject", value = shown(&cert.subject))
        ),
        format!(
            "    {}",
            tr!("headless-cert-issuer", value = shown(&cert.issuer))
        ),
        format!("    {}", tr!("headless-cert-valid-for", value = valid_for)),
        format!(
            "    {}",
            tr!("headless-cert-validity", from = from, until = until)
        ),
        format!(
            "    {}",
            tr!(
                "headless-cert-fingerprint",
                value = fingerprint(&cert.sha256)
            )
        ),
        format!(
            "    {}",
            tr!(
                "headless-cert-safety-code",
                value = safety_code(&cert.sha256)
            )
        ),
        format!(
            "    {}",
            tr!("headless-cert-key", value = cert.key_fingerprint())
        ),
    ]
}

/// The lines (for stderr) that explain a refused certificate.
#[must_use]
pub fn untrusted_lines(u: &Untrusted) -> Vec<String> {
    let mut lines = Vec::new();
    let target = shown(&u.target);
    let explain = shown(&u.problem.reason().text()).into_owned();
    let code = u.problem.code();
    if matches!(u.problem, Problem::IdentityChanged { .. }) {
        let warning = tr!("headless-identity-changed", target = &*target, code = code);
        lines.push(format!("tlschat: {warning}"));
        let why = tr!(
            "headless-impersonating",
            target = &*target,
            reason = explain
        );
        lines.push(format!("  {why}"));
    } else {
        let why = tr!(
            "headless-not-trusted",
            target = &*target,
            reason = explain,
            code = code
        );
        lines.push(format!("tlschat: {why}"));
    }
    if let Some(leaf) = u.chain.first() {
        lines.extend(cert_lines(&tr!("headless-presented-now"), leaf));
    }
    if let Some(previous) = &u.previous {
        let label = tr!("headless-known-since", date = utc(previous.added));
        lines.extend(cert_lines(&label, &previous.cert));
    }
    lines.push(tr!("headless-nothing-sent"));
    match (&u.previous, u.chain.first()) {
        (Some(_), _) => lines.push(tr!("headless-cannot-bypass", target = &*target)),
        (None, Some(leaf)) if u.can_proceed => lines.push(tr!(
            "headless-join-with-pin",
            code = safety_code(&leaf.sha256),
            fp = fingerprint(&leaf.sha256)
        )),
        _ => {}
    }
    lines
}

/// The host's first lines: where it listens, its certificate, the links.
fn listening_lines(
    addr: std::net::SocketAddr,
    chain: &[CertInfo],
    invites: &[crate::net::invite::Invite],
) -> Vec<String> {
    let mut lines = vec![format!(
        "* {}",
        tr!("headless-hosting", addr = addr.to_string())
    )];
    if let Some(leaf) = chain.first() {
        lines.push(format!(
            "* {}",
            tr!("headless-certificate", line = cert_line(leaf))
        ));
        let fp = fingerprint(&leaf.sha256);
        lines.push(format!("* {}", tr!("headless-host-fingerprint", fp = fp)));
        let code = safety_code(&leaf.sha256);
        lines.push(format!(
            "* {}",
            tr!("headless-host-safety-code", code = code)
        ));
    }
    lines.extend(invites.iter().map(|i| {
        let local = i
            .host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
        let link = i.to_string();
        if local {
            format!("* {}", tr!("headless-invite-local", link = link))
        } else {
            format!("* {}", tr!("headless-invite", link = link))
        }
    }));
    lines
}

/// A member's line while it waits in the room's lobby: the host's words
/// (`waiting for the host to let you in`), or those if it said none.
fn waiting_line(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        format!("* {}", tr!("headless-waiting"))
    } else {
        format!("* {}", shown(text))
    }
}

/// A member's name as the terminal lists it: `nick`, or `nick (host)` in
/// the terminal's language ([`MemberInfo::roster_name`] is the English
/// one, what plain-text members read).
fn roster_name(m: &MemberInfo) -> String {
    if m.is_host {
        tr!("headless-roster-host", nick = m.nick.as_str())
    } else {
        m.nick.clone()
    }
}

/// What to print on stdout for an event (own messages are not echoed).
#[must_use]
pub fn event_lines(event: &NetEvent) -> Vec<String> {
    match event {
        NetEvent::Listening {
            addr,
            chain,
            invites,
        } => listening_lines(*addr, chain, invites),
        NetEvent::Connecting { .. } => Vec::new(),
        NetEvent::Connected(info) => connected_lines(info),
        NetEvent::Untrusted(_)
        | NetEvent::Delivered { .. }
        | NetEvent::Sent { .. }
        | NetEvent::NotDelivered { .. }
        | NetEvent::Disconnected { .. } => Vec::new(),
        NetEvent::Joined {
            nick,
            members,
            total,
            ..
        } => {
            let names: Vec<String> = members.iter().take(ROSTER_NAMES).map(roster_name).collect();
            let names =
                wording::some_names_msg(names.iter().map(String::as_str), *total, ROSTER_NAMES)
                    .text();
            vec![format!(
                "* {}",
                tr!(
                    "headless-you-are",
                    nick = shown(nick),
                    names = shown(&names)
                )
            )]
        }
        NetEvent::Roster { .. }
        | NetEvent::MemberHandshake { .. }
        | NetEvent::RecordedMemberJoined { .. } => Vec::new(),
        // Our own live messages are not echoed; our own from history are
        // shown like everyone's (we have not seen them in this terminal).
        NetEvent::Message(m) if m.own && !m.history => Vec::new(),
        NetEvent::Message(m) => m
            .text
            .split('\n')
            .map(|l| format!("<{}> {}", shown(&m.nick), shown(l)))
            .collect(),
        NetEvent::Notice(text) => vec![format!("* {}", shown(text))],
        NetEvent::Waiting { text } => vec![waiting_line(text)],
        // The terminal prints these with what it remembers of the door
        // (see `Terminal::door_event`): who began knocking, an
        // invitation's terms.
        NetEvent::InviteMade { .. } | NetEvent::Door(_) => Vec::new(),
        NetEvent::HistoryEnd {
            count,
            missed,
            resumed,
        } => history_end_line(*count, *missed, *resumed)
            .into_iter()
            .collect(),
        NetEvent::Reconnecting {
            reason,
            in_ms,
            attempt,
        } => vec![format!(
            "* {}",
            tr!(
                "headless-reconnecting",
                reason = shown(reason),
                seconds = format!("{:.1}", *in_ms as f64 / 1000.0),
                attempt = *attempt
            )
        )],
        NetEvent::MemberJoined(m) => {
            vec![format!("* {}", wording::joined_msg(&shown(&m.nick)))]
        }
        // The room's notice says who removed it and why.
        NetEvent::MemberLeft {
            reason: LeaveReason::Removed,
            ..
        } => Vec::new(),
        NetEvent::MemberLeft { member, reason } => {
            vec![format!(
                "* {}",
                shown(&wording::left_msg(&member.nick, *reason).text())
            )]
        }
        NetEvent::Renamed { old, new, .. } => {
            vec![format!(
                "* {}",
                wording::renamed_msg(&shown(old), &shown(new))
            )]
        }
    }
}

/// The line that closes a replay of stored messages, if it says anything.
#[must_use]
pub fn history_end_line(count: u64, missed: u64, resumed: bool) -> Option<String> {
    let line = match (resumed, count, missed) {
        (false, 0, _) => return None,
        (false, n, 0) => tr!("headless-history-end", count = n),
        (false, n, missed) => tr!("headless-history-end-missed", count = n, missed = missed),
        (true, 0, 0) => tr!("headless-back-nothing"),
        (true, n, 0) => tr!("headless-back", count = n),
        (true, n, missed) => tr!("headless-back-missed", count = n, missed = missed),
    };
    Some(format!("* {line}"))
}

/// How long a session has to close cleanly after Ctrl-C or SIGTERM (a
/// host gives its members 3 s to hear it is closing and its history 5 s to
/// close) before the process ends anyway.
pub const SIGNAL_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Sends Disconnect to the net thread on Ctrl-C or SIGTERM; the process
/// ends whatever it is waiting on (a file that does not open, a peer that
/// does not answer) at a second signal or [`SIGNAL_GRACE`] after the first.
/// The handlers are in place when this returns: a signal that comes at
/// once (a service manager stopping a host that just started) closes the
/// session cleanly too, rather than kill the process.
fn on_signal(commands: crate::net::CommandSender, session: SessionId) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        eprintln!("tlschat: {}", tr!("headless-ctrl-c-warning"));
        return;
    };
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        let _in_runtime = rt.enter();
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(term), Ok(int)) => (term, int),
            _ => {
                eprintln!("tlschat: {}", tr!("headless-ctrl-c-warning"));
                return;
            }
        }
    };
    let spawned = std::thread::Builder::new()
        .name("tlschat-signals".into())
        .spawn(move || {
            rt.block_on(async {
                #[cfg(unix)]
                {
                    let (mut term, mut int) = signals;
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                    commands.send(session, SessionCommand::Disconnect);
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                        () = tokio::time::sleep(SIGNAL_GRACE) => {}
                    }
                }
                #[cfg(not(unix))]
                {
                    let _ = tokio::signal::ctrl_c().await;
                    commands.send(session, SessionCommand::Disconnect);
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        () = tokio::time::sleep(SIGNAL_GRACE) => {}
                    }
                }
                eprintln!("tlschat: {}", tr!("headless-signalled"));
                std::process::exit(EXIT_ERROR);
            });
        });
    if let Err(e) = spawned {
        eprintln!(
            "tlschat: {}",
            tr!("headless-ctrl-c-warning-why", error = e.to_string())
        );
    }
}

/// What the stdin thread needs: where commands go, and what the terminal
/// has heard (the room's members, the door) to answer `/who`, `/invites` …
struct Keyboard {
    /// The net thread.
    commands: crate::net::CommandSender,
    /// Our session.
    session: SessionId,
    /// Host or member.
    role: Role,
    /// Our messages on their way, by id (shared with the terminal).
    sent: Arc<std::sync::Mutex<HashMap<u64, String>>>,
    /// Who is in the room (shared with the terminal).
    roster: Arc<std::sync::Mutex<Roster>>,
    /// The door as last shown (shared with the terminal).
    door: Arc<std::sync::Mutex<DoorView>>,
    /// The id of our next message.
    next_id: u64,
}

/// What to do after a typed line.
enum Next {
    /// Read the next line.
    Read,
    /// `/quit`: stop reading and leave.
    Quit,
    /// The session is gone: stop reading.
    Gone,
}

impl Keyboard {
    /// Reads stdin lines into commands on a thread of its own.
    fn spawn(mut self) {
        let spawned = std::thread::Builder::new()
            .name("tlschat-stdin".into())
            .spawn(move || {
                let stdin = std::io::stdin();
                let mut input = stdin.lock();
                let mut buf = Vec::new();
                let mut quit = false;
                loop {
                    buf.clear();
                    match input.read_until(b'\n', &mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                    let line = String::from_utf8_lossy(&buf);
                    let line = line.trim_end_matches(['\n', '\r']);
                    if line.trim().is_empty() {
                        continue;
                    }
                    match self.typed(line) {
                        Next::Read => {}
                        Next::Quit => {
                            quit = true;
                            break;
                        }
                        Next::Gone => return,
                    }
                }
                // A member leaves when its input ends; a host keeps its room
                // open (it may run with no input at all) until /quit or a signal.
                if self.role == Role::Member || quit {
                    self.commands.send(self.session, SessionCommand::Finish);
                }
            });
        if let Err(e) = spawned {
            eprintln!(
                "tlschat: {}",
                tr!("headless-cannot-read-stdin", error = e.to_string())
            );
        }
    }

    /// Does what a typed line asks.
    fn typed(&mut self, line: &str) -> Next {
        let input = match input::parse(line) {
            Ok(input) => input,
            Err(e) => return local_error(&e.text()),
        };
        if input.host_only() && self.role != Role::Host {
            let command = line.split_whitespace().next().unwrap_or_default();
            return local_error(&tr!("headless-host-only", command = command));
        }
        let command = match input {
            Input::Say(text) => {
                let id = self.next_id;
                self.next_id += 1;
                if let Ok(mut s) = self.sent.lock() {
                    s.insert(id, text.clone());
                }
                SessionCommand::Send { id, text }
            }
            Input::Nick(nick) => SessionCommand::Nick(nick),
            Input::Quit => return Next::Quit,
            Input::Who => {
                return local_lines(&self.roster.lock().map(|r| r.lines()).unwrap_or_default());
            }
            Input::Help => return local_lines(&input::help_lines(self.role)),
            Input::Invites => {
                let now = crate::net::now_ms();
                return local_lines(&self.with_door(|d| door::invitations_lines(d, now)));
            }
            Input::Bans => return local_lines(&self.with_door(door::bans_lines)),
            Input::Lobby { verdict, nick } => match self.with_door(|d| door::lobby_id(d, &nick)) {
                Ok(id) => SessionCommand::Door(verdict.command(id)),
                Err(e) => return local_error(&e.text()),
            },
            Input::Door(command) => SessionCommand::Door(command),
        };
        if self.commands.send(self.session, command) {
            Next::Read
        } else {
            Next::Gone
        }
    }

    /// Something computed from the door as last shown.
    fn with_door<T>(&self, f: impl FnOnce(&DoorView) -> T) -> T {
        match self.door.lock() {
            Ok(d) => f(&d),
            Err(poisoned) => f(&poisoned.into_inner()),
        }
    }
}

/// Prints lines answering a local command on stdout.
fn local_lines(lines: &[String]) -> Next {
    let mut out = std::io::stdout().lock();
    for l in lines {
        let _ = writeln!(out, "{l}");
    }
    let _ = out.flush();
    Next::Read
}

/// Says on stderr why a typed command was not sent.
fn local_error(text: &str) -> Next {
    eprintln!("tlschat: {text}");
    Next::Read
}

/// Who is in the room, as the terminal last heard it (for `/who`).
#[derive(Debug, Default)]
struct Roster {
    members: std::collections::BTreeMap<u64, MemberInfo>,
}

impl Roster {
    /// Follows the room's member list.
    fn apply(&mut self, event: &NetEvent) {
        match event {
            NetEvent::Joined { members, .. } => {
                self.members = members.iter().map(|m| (m.id, m.clone())).collect();
            }
            NetEvent::Roster { members } => {
                for m in members {
                    self.members.entry(m.id).or_insert_with(|| m.clone());
                }
            }
            NetEvent::MemberJoined(m) => {
                self.members.insert(m.id, m.clone());
            }
            NetEvent::MemberLeft { member, .. } => {
                self.members.remove(&member.id);
            }
            NetEvent::Renamed { id, new, .. } => {
                if let Some(m) = self.members.get_mut(id) {
                    m.nick.clone_from(new);
                }
            }
            _ => {}
        }
    }

    /// What `/who` prints: a line per member (up to [`WHO_NAMES`]), with
    /// its key's fingerprint and safety code, or its client CA identity.
    fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "* {}",
            tr!("headless-who", count = self.members.len())
        )];
        lines.extend(self.members.values().take(WHO_NAMES).map(|m| {
            let name = roster_name(m);
            let name = shown(&name);
            let key = match (&m.key, m.is_host) {
                (Some(key), _) => {
                    let code = tr!("headless-who-key", code = safety_code(key));
                    format!("  {}  {code}", fingerprint(key))
                }
                (None, true) => String::new(),
                (None, false) => format!("  {}", tr!("headless-who-no-key")),
            };
            let identity = m
                .identity
                .as_deref()
                .map(|i| format!("  {}", tr!("headless-who-client-ca", identity = shown(i))))
                .unwrap_or_default();
            format!("*   {name}{key}{identity}")
        }));
        if self.members.len() > WHO_NAMES {
            let more = self.members.len() - WHO_NAMES;
            lines.push(format!("*   {}", tr!("headless-who-more", count = more)));
        }
        lines
    }
}

/// The `--transcript` file: what the room says, our own lines included,
/// appended in the plain-text format of [`crate::transcript`].
struct Transcript {
    file: crate::transcript::Appender,
    path: std::path::PathBuf,
    /// Until the room's replay of what was said before we joined has
    /// ended: that backlog is not appended (the file would get it again at
    /// every run), but what a resume after a drop brings back is.
    in_backlog: bool,
    /// Set after the first write error (said once; the chat goes on).
    failed: bool,
    /// Our member id and name, for our own lines in a plain-text room
    /// (which does not send them back to us).
    you: Option<u64>,
    nick: String,
}

impl Transcript {
    fn open(path: &std::path::Path) -> std::io::Result<Self> {
        Ok(Self {
            file: crate::transcript::Appender::open(path)?,
            path: path.to_path_buf(),
            in_backlog: true,
            failed: false,
            you: None,
            nick: String::new(),
        })
    }

    fn record(&mut self, event: &NetEvent) {
        use crate::transcript::Entry;
        let result = match event {
            NetEvent::Message(m) if m.history && self.in_backlog => Ok(()),
            NetEvent::Message(m) => {
                self.in_backlog = false;
                self.file.append(&Entry::said(
                    m.time_ms,
                    Some(m.seq),
                    &m.nick,
                    &m.text,
                    m.own,
                ))
            }
            NetEvent::HistoryEnd { .. } => {
                self.in_backlog = false;
                Ok(())
            }
            NetEvent::Joined { you, nick, .. } => {
                self.you = Some(*you);
                self.nick.clone_from(nick);
                Ok(())
            }
            NetEvent::Renamed { id, new, .. } if Some(*id) == self.you => {
                self.nick.clone_from(new);
                self.notice(event)
            }
            NetEvent::MemberJoined(_)
            | NetEvent::MemberLeft { .. }
            | NetEvent::Renamed { .. }
            | NetEvent::Notice(_) => self.notice(event),
            _ => Ok(()),
        };
        self.check(result);
    }

    /// A notice, in the words the terminal shows it in.
    fn notice(&mut self, event: &NetEvent) -> std::io::Result<()> {
        event_lines(event).iter().try_for_each(|line| {
            let text = line.strip_prefix("* ").unwrap_or(line);
            self.file.append(&crate::transcript::Entry::notice(
                crate::net::now_ms(),
                text,
            ))
        })
    }

    /// Our own line, written to a plain-text room (which does not echo it).
    fn sent(&mut self, text: &str) {
        let entry =
            crate::transcript::Entry::said(crate::net::now_ms(), None, &self.nick, text, true);
        let result = self.file.append(&entry);
        self.check(result);
    }

    fn flush(&mut self) {
        let result = self.file.flush();
        self.check(result);
    }

    fn check(&mut self, result: std::io::Result<()>) {
        if let Err(e) = result
            && !self.failed
        {
            self.failed = true;
            let path = self.path.display().to_string();
            let error = e.to_string();
            eprintln!(
                "tlschat: {}",
                tr!(
                    "headless-cannot-write-transcript",
                    path = path,
                    error = error
                )
            );
        }
    }
}

/// Prints a decoded handshake on stderr, between two marker lines.
fn print_handshake(what: &str, wire: &crate::net::wire::Handshake) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "--- {what}, as it went over the wire ---");
    for line in crate::net::wire::render::lines(wire, true) {
        let _ = writeln!(err, "{line}");
    }
    let _ = writeln!(err, "--- end of the handshake ---");
}

/// What the terminal keeps while a session runs: where it prints, the
/// transcript, and our messages on their way.
struct Terminal {
    /// Standard output. A busy room prints many lines per write: flushed
    /// when no event is waiting, and before anything goes to stderr.
    out: std::io::BufWriter<std::io::Stdout>,
    /// The `--transcript` file, if any.
    transcript: Option<Transcript>,
    /// Our messages not yet delivered, by id, as typed (shared with the
    /// stdin thread).
    sent: Arc<std::sync::Mutex<HashMap<u64, String>>>,
    /// Whether handshakes are printed (`--show-handshake`).
    show_handshake: bool,
    /// With `--show-handshake`: prints the records after the handshake.
    records: Option<Arc<records::Records>>,
    /// Who is in the room (shared with the stdin thread, for `/who`).
    roster: Arc<std::sync::Mutex<Roster>>,
    /// The door as last shown (shared with the stdin thread, for
    /// `/invites`, `/bans`, `/admit NICK`).
    door: Arc<std::sync::Mutex<DoorView>>,
    /// Who may come in, for a host (said after "hosting on …").
    access: Option<crate::net::Access>,
    /// New invitations whose terms the door has not shown yet: printed
    /// with the next door view (which follows each command).
    invites_made: Vec<(u32, Vec<crate::net::invite::Invite>)>,
}

impl Terminal {
    /// Prints an event's lines on stdout and appends it to the
    /// transcript; flushes both unless it is routine and more is waiting.
    fn print(&mut self, event: &NetEvent, role: Role, events: &crate::net::Events) {
        if let (NetEvent::Connecting { target }, Role::Member) = (event, role) {
            let _ = writeln!(
                self.out,
                "* {}",
                tr!("headless-connecting", target = shown(target))
            );
        }
        for line in event_lines(event) {
            let _ = writeln!(self.out, "{line}");
        }
        for line in self.door_event(event) {
            let _ = writeln!(self.out, "{line}");
        }
        if let Ok(mut roster) = self.roster.lock() {
            roster.apply(event);
        }
        if let Some(t) = &mut self.transcript {
            t.record(event);
            if let NetEvent::Sent { id } = event
                && let Some(text) = self.sent.lock().ok().and_then(|s| s.get(id).cloned())
            {
                t.sent(&text);
            }
        }
        let routine = matches!(
            event,
            NetEvent::Message(_) | NetEvent::Delivered { .. } | NetEvent::Sent { .. }
        );
        // The transcript too (first: once a line is on stdout, it is in
        // the file); a crash loses at most this batch.
        if !routine || events.is_empty() {
            if let Some(t) = &mut self.transcript {
                t.flush();
            }
            let _ = self.out.flush();
        }
    }

    /// The lines of an event that depend on what the terminal remembers
    /// of the door: who may come in (after "hosting on …"), who began
    /// knocking, a new invitation's links with its terms.
    fn door_event(&mut self, event: &NetEvent) -> Vec<String> {
        match event {
            NetEvent::Listening { .. } => self.access.map(door::access_lines).unwrap_or_default(),
            NetEvent::InviteMade { id, invites } => {
                let known = self.with_door(|d| d.invitations.iter().find(|i| i.id == *id).cloned());
                match known {
                    Some(terms) => {
                        door::invite_lines(*id, invites, Some(&terms), crate::net::now_ms())
                    }
                    None => {
                        self.invites_made.push((*id, invites.clone()));
                        Vec::new()
                    }
                }
            }
            NetEvent::Door(view) => {
                let old = self.with_door(|d| std::mem::replace(d, (**view).clone()));
                let now = crate::net::now_ms();
                let mut lines: Vec<String> = std::mem::take(&mut self.invites_made)
                    .into_iter()
                    .flat_map(|(id, invites)| {
                        let terms = view.invitations.iter().find(|i| i.id == id);
                        door::invite_lines(id, &invites, terms, now)
                    })
                    .collect();
                lines.extend(door::change_lines(&old, view, now));
                lines
            }
            _ => Vec::new(),
        }
    }

    /// Something done with the door as last shown.
    fn with_door<T>(&self, f: impl FnOnce(&mut DoorView) -> T) -> T {
        match self.door.lock() {
            Ok(mut d) => f(&mut d),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// What an event means beyond its lines: a message not delivered, a
    /// refused certificate or a handshake on stderr, and the exit code
    /// once the session has ended.
    fn settle(&mut self, event: NetEvent) -> Option<i32> {
        match event {
            NetEvent::NotDelivered { id, reason } => {
                let text = self
                    .sent
                    .lock()
                    .ok()
                    .and_then(|mut s| s.remove(&id))
                    .unwrap_or_default();
                let (text, reason) = (shown(&text), shown(&reason));
                eprintln!(
                    "tlschat: {}",
                    tr!("headless-not-delivered", text = text, reason = reason)
                );
            }
            NetEvent::Delivered { id } | NetEvent::Sent { id } => {
                if let Ok(mut s) = self.sent.lock() {
                    s.remove(&id);
                }
            }
            NetEvent::Untrusted(u) => {
                for line in untrusted_lines(&u) {
                    eprintln!("{line}");
                }
            }
            NetEvent::Connected(info) if self.show_handshake => {
                let _ = self.out.flush();
                match &info.wire {
                    Some(wire) => print_handshake(
                        &format!("the handshake with {}", shown(&info.target)),
                        wire,
                    ),
                    None => eprintln!("tlschat: the handshake was not recorded"),
                }
                if let (Some(records), Some(live)) = (&self.records, &info.live) {
                    records.follow(live.clone());
                }
            }
            NetEvent::MemberHandshake { peer, wire, .. } => {
                let _ = self.out.flush();
                print_handshake(&format!("the handshake of the member at {peer}"), &wire);
            }
            NetEvent::Disconnected { reason, kind } => {
                // The last records (close_notify's among them), before the end.
                if let Some(records) = &self.records {
                    records.print_new();
                }
                return Some(match kind {
                    DisconnectKind::ByUser | DisconnectKind::ByPeer => {
                        println!(
                            "* {}",
                            tr!("headless-disconnected", reason = shown(&reason))
                        );
                        0
                    }
                    DisconnectKind::Untrusted => EXIT_UNTRUSTED,
                    DisconnectKind::Refused => {
                        eprintln!("tlschat: {}", shown(&reason));
                        EXIT_REFUSED
                    }
                    DisconnectKind::Removed => {
                        eprintln!("tlschat: {}", shown(&reason));
                        EXIT_REMOVED
                    }
                    DisconnectKind::Error => {
                        eprintln!("tlschat: {}", shown(&reason));
                        EXIT_ERROR
                    }
                });
            }
            _ => {}
        }
        None
    }
}

/// Runs a session headless until it ends; returns the process exit code.
/// With `transcript`, the conversation is also appended to that file,
/// which is opened (or created) before anything else happens.
pub fn run(
    first: Start,
    role: Role,
    transcript: Option<&std::path::Path>,
    show_handshake: bool,
) -> i32 {
    let transcript = match transcript.map(Transcript::open).transpose() {
        Ok(t) => t,
        Err(e) => {
            // `transcript` is Some here: only opening a file can fail.
            let path = transcript
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            eprintln!(
                "tlschat: {}",
                tr!(
                    "headless-cannot-open-transcript",
                    path = path.as_str(),
                    error = e.to_string()
                )
            );
            return EXIT_ERROR;
        }
    };
    let records = show_handshake.then(records::Records::start);
    let wake = records.as_ref().map_or_else(
        || -> crate::net::Waker { Arc::new(|| {}) },
        records::Records::waker,
    );
    let (net, events) = match NetThread::spawn(wake) {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("tlschat: cannot start the network thread: {e}");
            return EXIT_ERROR;
        }
    };
    let access = match &first {
        Start::Host(config) => Some(config.door.access),
        Start::Join(_) => None,
    };
    let Some(session) = net.start(first) else {
        eprintln!("tlschat: the network thread ended before the session started");
        return EXIT_ERROR;
    };
    let mut terminal = Terminal {
        out: std::io::BufWriter::new(std::io::stdout()),
        transcript,
        sent: Arc::new(std::sync::Mutex::new(HashMap::new())),
        show_handshake,
        records,
        roster: Arc::default(),
        door: Arc::default(),
        access,
        invites_made: Vec::new(),
    };
    on_signal(net.sender(), session);
    // Lines typed while still connecting are kept by the net layer and sent
    // once the room is open.
    Keyboard {
        commands: net.sender(),
        session,
        role,
        sent: terminal.sent.clone(),
        roster: terminal.roster.clone(),
        door: terminal.door.clone(),
        next_id: 1,
    }
    .spawn();
    while let Some(SessionEvent {
        session: from,
        event,
    }) = events.recv()
    {
        if from != session {
            continue;
        }
        terminal.print(&event, role, &events);
        if let Some(code) = terminal.settle(event) {
            net.shutdown();
            return code;
        }
    }
    EXIT_ERROR
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::pins::{PinEntry, PinKind};
    use crate::net::trust::{Decision, decide};
    use crate::net::{MemberInfo, MessageEvent};

    const HOSTILE: &str = "\x1b[2J\x1b]0;owned\x07\u{202e}\u{200b}\n* fake";

    fn printable(lines: &[String]) {
        for l in lines {
            assert!(
                !l.chars()
                    .any(|c| crate::net::safe_text::is_hidden(c) && c != '\t'),
                "{l:?} would be interpreted by a terminal"
            );
        }
    }

    fn cert(key: &rcgen::KeyPair) -> CertInfo {
        let c = rcgen::CertificateParams::new(vec!["h".to_string()])
            .unwrap()
            .self_signed(key)
            .unwrap();
        CertInfo::from_der(c.der())
    }

    fn connection(chain: Vec<CertInfo>, trust: TrustBasis) -> ConnectionInfo {
        ConnectionInfo {
            target: "h:1".into(),
            peer_addr: "127.0.0.1:1".parse().unwrap(),
            protocol: crate::net::TlsVersion::Tls13,
            cipher_suite: crate::net::CipherSuite::TLS13_AES_128_GCM_SHA256,
            key_exchange: Some(crate::net::NamedGroup::X25519MLKEM768),
            alpn: Some("tlschat/1".into()),
            sni: None,
            handshake_kind: crate::net::HandshakeKind::Full,
            handshake_us: 1000,
            chain,
            trust,
            plain_text: false,
            offered_groups: vec![],
            offered_alpn: vec![],
            signature_scheme: Some(crate::net::SignatureScheme::ECDSA_NISTP256_SHA256),
            client_certificate: None,
            wire: None,
            live: None,
            keylog: None,
        }
    }

    #[test]
    fn every_field_a_peer_chose_is_printed_visibly() {
        let member = MemberInfo {
            id: 1,
            nick: HOSTILE.into(),
            is_host: false,
            plain_text: false,
            identity: Some(HOSTILE.into()),
            key: None,
        };
        let events = [
            NetEvent::Joined {
                you: 1,
                nick: HOSTILE.into(),
                members: vec![member.clone()],
                total: 1,
            },
            NetEvent::Message(MessageEvent {
                seq: 1,
                from: Some(1),
                nick: HOSTILE.into(),
                text: HOSTILE.into(),
                time_ms: 0,
                own: false,
                history: false,
            }),
            NetEvent::Notice(HOSTILE.into()),
            NetEvent::Waiting {
                text: HOSTILE.into(),
            },
            NetEvent::MemberJoined(member.clone()),
            NetEvent::MemberLeft {
                member,
                reason: crate::net::LeaveReason::TooSlow,
            },
            NetEvent::Renamed {
                id: 1,
                old: HOSTILE.into(),
                new: HOSTILE.into(),
            },
            NetEvent::Connected(Box::new(connection(
                vec![],
                TrustBasis::Verified {
                    anchor: HOSTILE.into(),
                },
            ))),
        ];
        for e in &events {
            let lines = event_lines(e);
            assert!(!lines.is_empty(), "{e:?}");
            printable(&lines);
            assert!(
                lines.iter().any(|l| l.contains("\\x1b[2J")),
                "the escape is shown: {lines:?}"
            );
        }
        // A message keeps its lines, but a line of it cannot pass for a notice.
        let lines = event_lines(&events[1]);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].starts_with("<"), "{lines:?}");
    }

    #[test]
    fn a_refused_certificate_is_explained_visibly() {
        let leaf = cert(&rcgen::KeyPair::generate().unwrap());
        let u = Untrusted {
            target: HOSTILE.into(),
            problem: Problem::WrongName {
                expected: HOSTILE.into(),
                valid_for: vec![HOSTILE.into()],
            },
            chain: vec![leaf.clone()],
            previous: None,
            can_proceed: true,
        };
        let lines = untrusted_lines(&u);
        printable(&lines);
        let pin = format!("--pin {}", fingerprint(&leaf.sha256));
        assert!(lines.iter().any(|l| l.ends_with(&pin)), "{lines:?}");
    }

    #[test]
    fn the_pin_line_says_whether_it_matched_the_certificate_or_its_key() {
        let key = rcgen::KeyPair::generate().unwrap();
        let old = cert(&key);
        let renewed = cert(&key);
        assert_ne!(
            old.sha256, renewed.sha256,
            "a renewal is another certificate"
        );
        let entry = PinEntry {
            target: "h:1".into(),
            kind: PinKind::Pinned,
            cert: old.clone(),
            added: 1_700_000_000,
        };
        let trusted_line = |leaf: &CertInfo| {
            let d = decide(
                "h:1",
                leaf,
                Some(Problem::SelfSigned),
                "",
                Some(&entry),
                &[],
                false,
            );
            let Decision::Accept { basis, .. } = d else {
                panic!("refused: {d:?}")
            };
            connected_lines(&connection(vec![leaf.clone()], basis))
                .into_iter()
                .find(|l| l.starts_with("* trusted"))
                .unwrap()
        };
        let exact = trusted_line(&old);
        assert!(exact.contains("this exact certificate"), "{exact}");
        let renewal = trusted_line(&renewed);
        assert!(!renewal.contains("exact"), "{renewal}");
        assert!(renewal.contains("same key"), "{renewal}");
    }

    fn terminal() -> Terminal {
        Terminal {
            out: std::io::BufWriter::new(std::io::stdout()),
            transcript: None,
            sent: Arc::default(),
            show_handshake: false,
            records: None,
            roster: Arc::default(),
            door: Arc::default(),
            access: Some(crate::net::Access::Knock),
            invites_made: Vec::new(),
        }
    }

    #[test]
    fn a_waiting_member_is_told_so_once() {
        assert_eq!(
            waiting_line("waiting for the host to let you in"),
            "* waiting for the host to let you in"
        );
        assert_eq!(waiting_line(" "), "* waiting for the host to let you in");
    }

    #[test]
    fn an_invitation_is_printed_with_its_terms_whichever_comes_first() {
        use crate::net::event::{InvitationView, KnockView};
        let link = crate::net::invite::Invite::new([127, 0, 0, 1].into(), 7443, Some([1; 32]))
            .with_code(&"cd".repeat(16));
        let made = NetEvent::InviteMade {
            id: 2,
            invites: vec![link],
        };
        let view = DoorView {
            invitations: vec![InvitationView {
                id: 2,
                uses_left: Some(3),
                expires_ms: None,
            }],
            knocking: vec![KnockView {
                id: 1,
                nick: "bo".into(),
                key: None,
                addr: "127.0.0.1:9".parse().unwrap(),
            }],
            ..DoorView::default()
        };
        let door = NetEvent::Door(Box::new(view));
        // The links first: held until the door shows the terms.
        let mut t = terminal();
        assert!(t.door_event(&made).is_empty());
        let lines = t.door_event(&door);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].starts_with("* invite 2 (3 uses, never expires): tlschat://127.0.0.1:7443/"),
            "{lines:?}"
        );
        assert!(lines[1].starts_with("* bo (no key, from 127.0.0.1:9) asks"));
        assert!(t.door_event(&door).is_empty(), "each is said once");
        // The door first: the links at once.
        let mut t = terminal();
        assert_eq!(t.door_event(&door).len(), 1);
        let lines = t.door_event(&made);
        assert!(lines[0].starts_with("* invite 2 (3 uses"), "{lines:?}");
        // The start says who may come in.
        let listening = NetEvent::Listening {
            addr: "127.0.0.1:7443".parse().unwrap(),
            chain: vec![],
            invites: vec![],
        };
        assert!(t.door_event(&listening)[0].contains("newcomers knock"));
    }

    #[test]
    fn who_follows_the_room_and_lists_each_key() {
        let m = |id: u64, nick: &str, key: Option<[u8; 32]>| MemberInfo {
            id,
            nick: nick.into(),
            is_host: id == 0,
            plain_text: false,
            identity: None,
            key,
        };
        let mut roster = Roster::default();
        roster.apply(&NetEvent::Joined {
            you: 2,
            nick: "ana".into(),
            members: vec![m(0, "hana", None), m(2, "ana", Some([1; 32]))],
            total: 3,
        });
        roster.apply(&NetEvent::Roster {
            members: vec![m(5, "plain", None)],
        });
        roster.apply(&NetEvent::MemberJoined(m(7, "bo", Some([2; 32]))));
        roster.apply(&NetEvent::Renamed {
            id: 7,
            old: "bo".into(),
            new: "bob".into(),
        });
        roster.apply(&NetEvent::MemberLeft {
            member: m(5, "plain", None),
            reason: crate::net::frame::LeaveReason::Left,
        });
        let lines = roster.lines();
        assert_eq!(
            lines,
            vec![
                "* in the room (3):".to_string(),
                "*   hana (host)".to_string(),
                format!(
                    "*   ana  {}  safety code {}",
                    fingerprint(&[1; 32]),
                    safety_code(&[1; 32])
                ),
                format!(
                    "*   bob  {}  safety code {}",
                    fingerprint(&[2; 32]),
                    safety_code(&[2; 32])
                ),
            ]
        );
        roster.apply(&NetEvent::MemberJoined(m(9, "nokey", None)));
        assert_eq!(roster.lines().last().unwrap(), "*   nokey  (no key)");
        for id in 10..(10 + WHO_NAMES as u64) {
            roster.apply(&NetEvent::MemberJoined(m(id, "x", None)));
        }
        let lines = roster.lines();
        assert_eq!(lines.len(), 1 + WHO_NAMES + 1);
        assert_eq!(lines.last().unwrap(), "*   and 4 others");
    }
}
