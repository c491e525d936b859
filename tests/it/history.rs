//! History and resume, end to end over real TLS on 127.0.0.1 with real
//! SQLite files: a host killed in the middle of a stream, a member's
//! connection cut (also with messages in flight), newcomers' backlog,
//! retention, damaged, busy and full history files, refused resumes, and
//! resends that are acknowledged again but said once.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;

use common::{
    Command, DEADLINE, Issued, Node, Pki, PlainClient, Proc, Relay, host_config, host_from, join,
    join_config, tlschat_command,
};
use serde_json::{Value, json};
use tlschat::net::{HistoryConfig, HistoryPlace, NetEvent};

/// Joins with reconnecting on and waits until in the room.
fn join_reconnecting(addr: SocketAddr, nick: &str, ca: &Path) -> Node {
    let mut node = Node::start();
    let mut config = join_config(addr, nick, ca);
    config.reconnect = true;
    node.send(Command::Join(config));
    node.wait_for("joined", |e| match e {
        NetEvent::Joined { .. } => Some(()),
        NetEvent::Disconnected { reason, .. } => panic!("join failed: {reason}"),
        _ => None,
    });
    node
}

/// Waits until every id in `ids` was delivered (counting what was seen
/// before); panics on a message not delivered.
fn await_delivered(node: &mut Node, ids: impl IntoIterator<Item = u64>) {
    let mut left: BTreeSet<u64> = ids.into_iter().collect();
    for e in &node.seen {
        match e {
            NetEvent::Delivered { id } => {
                left.remove(id);
            }
            NetEvent::NotDelivered { id, reason } => {
                panic!("message {id} not delivered: {reason}")
            }
            _ => {}
        }
    }
    if left.is_empty() {
        return;
    }
    let what = format!("delivery of {} messages", left.len());
    node.wait_for(&what, |e| match e {
        NetEvent::Delivered { id } => {
            left.remove(id);
            left.is_empty().then_some(())
        }
        NetEvent::NotDelivered { id, reason } => panic!("message {id} not delivered: {reason}"),
        _ => None,
    });
}

/// Waits until others' messages with each of `texts` arrived (counting
/// what was seen before).
fn await_texts(node: &mut Node, texts: impl IntoIterator<Item = String>) {
    let mut left: BTreeSet<String> = texts.into_iter().collect();
    for e in &node.seen {
        if let NetEvent::Message(m) = e
            && !m.own
        {
            left.remove(&m.text);
        }
    }
    if left.is_empty() {
        return;
    }
    let what = format!("{} messages, the first {:?}", left.len(), left.first());
    node.wait_for(&what, |e| match e {
        NetEvent::Message(m) if !m.own => {
            left.remove(&m.text);
            left.is_empty().then_some(())
        }
        _ => None,
    });
}

/// How many times each id was delivered, and what was not delivered.
fn deliveries(seen: &[NetEvent]) -> (BTreeMap<u64, usize>, Vec<(u64, String)>) {
    let mut delivered = BTreeMap::new();
    let mut refused = Vec::new();
    for e in seen {
        match e {
            NetEvent::Delivered { id } => *delivered.entry(*id).or_insert(0) += 1,
            NetEvent::NotDelivered { id, reason } => refused.push((*id, common::english(reason))),
            _ => {}
        }
    }
    (delivered, refused)
}

/// Others' messages whose text starts with `prefix`: (seq, text, history).
fn received(seen: &[NetEvent], prefix: &str) -> Vec<(u64, String, bool)> {
    seen.iter()
        .filter_map(|e| match e {
            NetEvent::Message(m) if !m.own && m.text.starts_with(prefix) => {
                Some((m.seq, m.text.clone(), m.history))
            }
            _ => None,
        })
        .collect()
}

/// The `HistoryEnd` events seen: (count, missed, resumed).
fn history_ends(seen: &[NetEvent]) -> Vec<(u64, u64, bool)> {
    seen.iter()
        .filter_map(|e| match e {
            NetEvent::HistoryEnd {
                count,
                missed,
                resumed,
            } => Some((*count, *missed, *resumed)),
            _ => None,
        })
        .collect()
}

/// Waits for the next `HistoryEnd`.
fn await_history_end(node: &mut Node) -> (u64, u64, bool) {
    node.wait_for("the end of history", |e| match e {
        NetEvent::HistoryEnd {
            count,
            missed,
            resumed,
        } => Some((*count, *missed, *resumed)),
        _ => None,
    })
}

fn await_reconnecting(node: &mut Node) {
    node.wait_for("reconnecting", |e| match e {
        NetEvent::Reconnecting { .. } => Some(()),
        NetEvent::Disconnected { reason, .. } => panic!("gave up instead: {reason}"),
        _ => None,
    });
}

/// The rows of a history file: (seq, text, client, cid), in seq order.
/// The file must not be in use.
type Row = (u64, String, Option<String>, Option<String>);
fn rows(file: &Path) -> Vec<Row> {
    let db =
        rusqlite::Connection::open_with_flags(file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut stmt = db
        .prepare("SELECT seq, text, client, cid FROM messages ORDER BY seq")
        .unwrap();
    stmt.query_map([], |r| {
        let seq: i64 = r.get(0)?;
        Ok((u64::try_from(seq).unwrap(), r.get(1)?, r.get(2)?, r.get(3)?))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// `tlschat host --headless` on `addr` with this certificate and extra
/// arguments; waits until it listens.
fn start_host(config_dir: &Path, addr: SocketAddr, server: &Issued, extra: &[&str]) -> Proc {
    let mut host = spawn_host(config_dir, addr, server, extra);
    host.expect("listening", |l| l.starts_with("* hosting on"));
    host
}

/// [`start_host`] on a port the system picks; returns the host and where
/// it listens.
fn start_host_anywhere(config_dir: &Path, server: &Issued, extra: &[&str]) -> (Proc, SocketAddr) {
    let mut host = spawn_host(config_dir, "127.0.0.1:0".parse().unwrap(), server, extra);
    let addr = host.expect_hosting();
    (host, addr)
}

fn spawn_host(config_dir: &Path, addr: SocketAddr, server: &Issued, extra: &[&str]) -> Proc {
    let bind = addr.to_string();
    Proc::spawn(common::headless_host_command(config_dir, &bind, "hana", Some(server)).args(extra))
}

/// Stops a headless host as a service manager would, and checks it ended
/// cleanly.
fn stop_host(host: &mut Proc) {
    host.signal("TERM");
    let (code, stderr) = host.wait_exit();
    assert_eq!(code, Some(0), "the host did not end cleanly: {stderr}");
}

fn path_arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

// ---------------------------------------------------------------------
// 1. The host killed in the middle of a stream.

#[test]
fn a_host_killed_mid_stream_loses_nothing_it_acknowledged_and_says_nothing_twice() {
    let pki = Pki::new();
    let server = pki.server();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("h.sqlite3");
    // The host comes back on this address, held for the whole test.
    let held = common::reserve("127.0.0.1");
    let addr = held.addr;
    let args = ["--history", path_arg(&file)];
    let mut host = start_host(dir.path(), addr, &server, &args);
    let mut bea = join_reconnecting(addr, "bea", &pki.ca_pem);
    let mut ana = join_reconnecting(addr, "ana", &pki.ca_pem);
    let text = |i: u64| format!("m-{i:04}");
    const TOTAL: u64 = 300;

    // A first hundred, acknowledged while the host is up.
    for i in 1..=100 {
        ana.send(Command::Send {
            id: i,
            text: text(i),
        });
    }
    await_delivered(&mut ana, 1..=100);
    // Then a stream, and the host is killed in the middle of it: some of
    // it is acknowledged, some stored with the acknowledgement lost, some
    // on the way, some written into a connection that is already dead.
    for i in 101..=200 {
        ana.send(Command::Send {
            id: i,
            text: text(i),
        });
        if i == 150 {
            host.kill();
        }
        // Part of the scenario, not a wait: the stream is spread over time
        // so that the kill lands in the middle of it.
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    await_reconnecting(&mut ana);
    await_reconnecting(&mut bea);
    let (acked_before_restart, _) = deliveries(&ana.seen);
    // While it is down, the rest waits for the connection to come back.
    for i in 201..=TOTAL {
        ana.send(Command::Send {
            id: i,
            text: text(i),
        });
    }
    let mut host = start_host(dir.path(), addr, &server, &args);
    host.expect("the history notice", |l| {
        l.starts_with("* history: ") && l.contains("h.sqlite3")
    });
    for node in [&mut ana, &mut bea] {
        node.wait_for("joined again", |e| match e {
            NetEvent::Joined { .. } => Some(()),
            NetEvent::Disconnected { reason, .. } => panic!("gave up: {reason}"),
            _ => None,
        });
    }
    await_delivered(&mut ana, 1..=TOTAL);
    await_texts(&mut bea, (1..=TOTAL).map(text));
    // One more message after everything: anything said twice would have
    // come before it.
    ana.send(Command::Send {
        id: TOTAL + 1,
        text: "m-last".into(),
    });
    await_delivered(&mut ana, [TOTAL + 1]);
    await_texts(&mut bea, ["m-last".to_string()]);
    stop_host(&mut host);

    // Every message the sender sent ended delivered, exactly once.
    let (delivered, refused) = deliveries(&ana.seen);
    assert!(refused.is_empty(), "not delivered: {refused:?}");
    assert_eq!(delivered.len() as u64, TOTAL + 1);
    assert!(
        delivered.values().all(|n| *n == 1),
        "delivered twice: {:?}",
        delivered
            .iter()
            .filter(|(_, n)| **n > 1)
            .collect::<Vec<_>>()
    );
    let own: Vec<u64> = ana
        .seen
        .iter()
        .filter_map(|e| match e {
            NetEvent::Message(m) if m.own => Some(m.seq),
            _ => None,
        })
        .collect();
    assert_eq!(
        own.len() as u64,
        TOTAL + 1,
        "the sender's view shows each once"
    );

    // The file holds each of them once, in the order they were sent, with
    // numbers that have no gaps; what was acknowledged before the kill is
    // there too (it is all of them).
    let stored = rows(&file);
    let seqs: Vec<u64> = stored.iter().map(|r| r.0).collect();
    assert_eq!(seqs, (1..=TOTAL + 1).collect::<Vec<_>>());
    let texts: Vec<&str> = stored.iter().map(|r| r.1.as_str()).collect();
    let want: Vec<String> = (1..=TOTAL).map(text).chain(["m-last".into()]).collect();
    assert_eq!(texts, want);
    let ids: Vec<u64> = stored
        .iter()
        .map(|r| r.3.as_deref().unwrap().parse().unwrap())
        .collect();
    assert_eq!(ids, (1..=TOTAL + 1).collect::<Vec<_>>());

    // The receiver saw every stored message once, in order, no gaps,
    // across the restart; and it was told it was back.
    let seen = received(&bea.seen, "m-");
    let seen_seqs: Vec<u64> = seen.iter().map(|m| m.0).collect();
    assert_eq!(seen_seqs, seqs, "the receiver's numbers");
    let seen_texts: Vec<&str> = seen.iter().map(|m| m.1.as_str()).collect();
    assert_eq!(seen_texts, texts);
    assert!(
        history_ends(&bea.seen).iter().any(|h| h.2),
        "the receiver resumed: {:?}",
        history_ends(&bea.seen)
    );
    assert!(history_ends(&ana.seen).iter().any(|h| h.2));
    eprintln!(
        "kill: {} of 200 acknowledged before the restart, {} came to the receiver as history",
        acked_before_restart.len(),
        seen.iter().filter(|m| m.2).count()
    );
}

// ---------------------------------------------------------------------
// 2. A member's connection cut, then restored.

#[test]
fn a_member_cut_off_gets_what_it_missed_once_and_its_messages_go_once() {
    let pki = Pki::new();
    let server = pki.server();
    let (_host, addr) = host_from(host_config(&server, "hana"));
    let relay = Relay::start(addr);
    let mut ana = join_reconnecting(relay.addr(), "ana", &pki.ca_pem);
    let mut bea = join_reconnecting(addr, "bea", &pki.ca_pem);
    assert_eq!(await_history_end(&mut ana), (0, 0, false));

    // A clean cut: while it lasts, bea says 5 and ana's user sends 5.
    relay.sever();
    await_reconnecting(&mut ana);
    for j in 1..=5 {
        bea.send(Command::Send {
            id: j,
            text: format!("b-{j}"),
        });
    }
    await_delivered(&mut bea, 1..=5);
    for i in 1..=5 {
        ana.send(Command::Send {
            id: i,
            text: format!("a-{i}"),
        });
    }
    relay.restore();
    assert_eq!(
        await_history_end(&mut ana),
        (5, 0, true),
        "what bea said while ana was away, replayed"
    );
    await_delivered(&mut ana, 1..=5);
    await_texts(&mut bea, (1..=5).map(|i| format!("a-{i}")));

    // A cut with messages in flight. First the host's answers are held:
    // ana's next 5 reach the room (bea gets them) but not their acks.
    relay.hold_to_members(true);
    for i in 6..=10 {
        ana.send(Command::Send {
            id: i,
            text: format!("a-{i}"),
        });
    }
    await_texts(&mut bea, (6..=10).map(|i| format!("a-{i}")));
    // Then what ana sends is held too: 3 more never reach the host.
    relay.hold_to_host(true);
    for i in 11..=13 {
        ana.send(Command::Send {
            id: i,
            text: format!("a-{i}"),
        });
    }
    let end = Instant::now() + DEADLINE;
    while relay.held_to_host() == 0 {
        assert!(
            Instant::now() < end,
            "ana's messages never reached the relay"
        );
        // A poll of the relay's count (it has no event to wait on).
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let (delivered, _) = deliveries(&ana.seen);
    assert!(
        (6..=13).all(|i| !delivered.contains_key(&i)),
        "acknowledged through a held relay: {delivered:?}"
    );
    relay.sever();
    await_reconnecting(&mut ana);
    for j in 6..=8 {
        bea.send(Command::Send {
            id: j,
            text: format!("b-{j}"),
        });
    }
    await_delivered(&mut bea, 6..=8);
    relay.restore();
    // Ana's own 5 that the room stored (as acknowledgements) and bea's 3.
    assert_eq!(await_history_end(&mut ana), (8, 0, true));
    await_delivered(&mut ana, 1..=13);
    await_texts(&mut bea, (1..=13).map(|i| format!("a-{i}")));
    // A last one each way: whatever came twice would have come before.
    ana.send(Command::Send {
        id: 99,
        text: "a-end".into(),
    });
    bea.send(Command::Send {
        id: 99,
        text: "b-end".into(),
    });
    await_delivered(&mut ana, [99]);
    await_delivered(&mut bea, [99]);
    await_texts(&mut ana, ["b-end".to_string()]);
    await_texts(&mut bea, ["a-end".to_string()]);

    let (delivered, refused) = deliveries(&ana.seen);
    assert!(refused.is_empty(), "{refused:?}");
    let want: BTreeMap<u64, usize> = (1..=13).chain([99]).map(|i| (i, 1)).collect();
    assert_eq!(delivered, want, "each of ana's messages delivered once");
    let bea_got: Vec<String> = received(&bea.seen, "a-").into_iter().map(|m| m.1).collect();
    let want: Vec<String> = (1..=13)
        .map(|i| format!("a-{i}"))
        .chain(["a-end".into()])
        .collect();
    assert_eq!(
        bea_got, want,
        "bea got each of ana's messages once, in order"
    );
    let ana_got = received(&ana.seen, "b-");
    let texts: Vec<&str> = ana_got.iter().map(|m| m.1.as_str()).collect();
    assert_eq!(
        texts,
        [
            "b-1", "b-2", "b-3", "b-4", "b-5", "b-6", "b-7", "b-8", "b-end"
        ],
        "ana got each of bea's messages once, in order"
    );
    assert!(
        ana_got[..8].iter().all(|m| m.2) && !ana_got[8].2,
        "what was said while away came as history: {ana_got:?}"
    );
    let seqs: Vec<u64> = ana_got.iter().map(|m| m.0).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert!(relay.accepted() >= 3, "ana came back through the relay");
}

// ---------------------------------------------------------------------
// 3. Backlog and retention.

#[test]
fn newcomers_get_the_backlog_and_plain_ones_at_most_twenty() {
    let pki = Pki::new();
    let server = pki.server();
    let mut config = host_config(&server, "hana");
    config.history.backlog = 5;
    let (mut host, addr) = host_from(config);

    // Nothing said yet: a plain newcomer is told nothing about history.
    let mut early = PlainClient::connect(addr, &pki.ca_pem);
    early.until(|l| l.starts_with("* in the room: "));
    host.send(Command::Send {
        id: 100,
        text: "first".into(),
    });
    let before = early.until(|l| l == "<hana> first");
    assert!(
        before
            .iter()
            .all(|l| !l.contains("history") && !l.contains("last ")),
        "{before:?}"
    );
    early.close();

    for i in 1..=12 {
        host.send(Command::Send {
            id: i,
            text: format!("m-{i}"),
        });
    }
    await_delivered(&mut host, 1..=12);

    let (mut newcomer, _) = join(addr, "neo", &pki.ca_pem);
    assert_eq!(await_history_end(&mut newcomer), (5, 0, false));
    let got = received(&newcomer.seen, "");
    let want: Vec<(String, bool)> = (8..=12).map(|i| (format!("m-{i}"), true)).collect();
    assert_eq!(
        got.iter().map(|m| (m.1.clone(), m.2)).collect::<Vec<_>>(),
        want
    );
    assert_eq!(
        got.iter().map(|m| m.0).collect::<Vec<_>>(),
        (9..=13).collect::<Vec<_>>(),
        "their room numbers (\"first\" was 1)"
    );

    let mut plain = PlainClient::connect(addr, &pki.ca_pem);
    let head = plain.until(|l| l == "* last 5 messages");
    assert!(
        head.iter()
            .any(|l| l.starts_with("* welcome, you are guest-")),
        "{head:?}"
    );
    let lines = plain.until(|l| l == "* end of history");
    let want: Vec<String> = (8..=12).map(|i| format!("<hana> m-{i}")).collect();
    assert_eq!(lines, want);
    plain.close();

    // A bigger backlog: tlschat/1 newcomers get it all, plain ones 20.
    let mut config = host_config(&server, "hana");
    config.history.backlog = 30;
    let (mut host, addr) = host_from(config);
    for i in 1..=40 {
        host.send(Command::Send {
            id: i,
            text: format!("n-{i}"),
        });
    }
    await_delivered(&mut host, 1..=40);
    let (mut newcomer, _) = join(addr, "neo", &pki.ca_pem);
    assert_eq!(await_history_end(&mut newcomer), (30, 0, false));
    let got: Vec<String> = received(&newcomer.seen, "")
        .into_iter()
        .map(|m| m.1)
        .collect();
    assert_eq!(got, (11..=40).map(|i| format!("n-{i}")).collect::<Vec<_>>());

    // openssl s_client, as a user would type it.
    let mut openssl = Proc::spawn(
        std::process::Command::new("openssl")
            .args(["s_client", "-quiet", "-connect"])
            .arg(addr.to_string())
            .arg("-CAfile")
            .arg(&pki.ca_pem),
    );
    openssl.expect("the history notice", |l| l == "* last 20 messages");
    let start = openssl.seen.len();
    openssl.expect("the end of history", |l| l == "* end of history");
    let lines = &openssl.seen[start..openssl.seen.len() - 1];
    let want: Vec<String> = (21..=40).map(|i| format!("<hana> n-{i}")).collect();
    assert_eq!(lines, want.as_slice());
}

#[test]
fn keep_bounds_the_file_and_what_newcomers_get() {
    let pki = Pki::new();
    let server = pki.server();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("h.sqlite3");
    // The host comes back on this address, held for the whole test.
    let held = common::reserve("127.0.0.1");
    let addr = held.addr;
    let args = ["--history", path_arg(&file), "--keep", "3"];
    let mut host = start_host(dir.path(), addr, &server, &args);
    let notice = host.expect("the history notice", |l| l.starts_with("* history: "));
    assert!(
        notice.contains(path_arg(&file)) && notice.contains("(0 messages kept, at most 3)"),
        "{notice}"
    );
    let (mut watcher, _) = join(addr, "wat", &pki.ca_pem);
    for i in 1..=7 {
        host.say(&format!("k-{i}"));
    }
    await_texts(&mut watcher, (1..=7).map(|i| format!("k-{i}")));
    let (mut newcomer, _) = join(addr, "neo", &pki.ca_pem);
    assert_eq!(await_history_end(&mut newcomer), (3, 0, false));
    let got: Vec<(u64, String)> = received(&newcomer.seen, "")
        .into_iter()
        .map(|m| (m.0, m.1))
        .collect();
    assert_eq!(
        got,
        [(5, "k-5".into()), (6, "k-6".into()), (7, "k-7".into())]
    );
    stop_host(&mut host);
    let stored: Vec<(u64, String)> = rows(&file).into_iter().map(|r| (r.0, r.1)).collect();
    assert_eq!(stored, got, "the file holds the last 3");

    // Started again, it says what it kept.
    let mut host = start_host(dir.path(), addr, &server, &args);
    host.expect("the history notice", |l| {
        l.starts_with("* history: ") && l.contains("(3 messages kept, at most 3)")
    });
    stop_host(&mut host);
}

/// The files in `dir` whose names start with `history-`.
fn history_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("history-"))
        })
        .collect()
}

/// Joins `addr`, has one message delivered, and leaves.
fn say_one(addr: SocketAddr, ca: &Path) {
    let (mut node, _) = join(addr, "one", ca);
    node.send(Command::Send {
        id: 1,
        text: "stored?".into(),
    });
    await_delivered(&mut node, [1]);
}

#[test]
fn no_history_and_port_zero_leave_no_file_and_a_fixed_port_does() {
    let pki = Pki::new();
    let server = pki.server();

    // By default, a fixed port keeps history-PORT.sqlite3 in the config dir.
    let config = tempfile::tempdir().unwrap();
    // A fixed port, held for the whole test.
    let held = common::reserve("127.0.0.1");
    let addr = held.addr;
    let mut host = start_host(config.path(), addr, &server, &[]);
    let want = config
        .path()
        .join(format!("history-{}.sqlite3", addr.port()));
    let notice = host.expect("the history notice", |l| l.starts_with("* history: "));
    assert!(notice.contains(path_arg(&want)), "{notice}");
    say_one(addr, &pki.ca_pem);
    stop_host(&mut host);
    assert_eq!(history_files(config.path()), vec![want.clone()]);
    assert_eq!(rows(&want).len(), 1);

    // --no-history on a fixed port: nothing.
    let config = tempfile::tempdir().unwrap();
    // A fixed port, held for the whole test.
    let held = common::reserve("127.0.0.1");
    let addr = held.addr;
    let mut host = start_host(config.path(), addr, &server, &["--no-history"]);
    say_one(addr, &pki.ca_pem);
    stop_host(&mut host);
    assert!(host.seen.iter().all(|l| !l.starts_with("* history: ")));
    assert_eq!(history_files(config.path()), Vec::<PathBuf>::new());

    // Port 0 (a port picked at random cannot be found again): nothing.
    let config = tempfile::tempdir().unwrap();
    let mut host = spawn_host(config.path(), "127.0.0.1:0".parse().unwrap(), &server, &[]);
    let addr = host.expect_hosting();
    say_one(addr, &pki.ca_pem);
    stop_host(&mut host);
    assert!(host.seen.iter().all(|l| !l.starts_with("* history: ")));
    assert_eq!(history_files(config.path()), Vec::<PathBuf>::new());
}

// ---------------------------------------------------------------------
// 4. Faults: damaged, busy and full history files.

/// Starts a headless host on `file` that must refuse it: a non-zero exit
/// within the deadline and one line on stderr naming the file.
fn refused(config_dir: &Path, file: &Path, server: &Issued) -> String {
    let beside = || -> BTreeSet<String> {
        let name = file.file_name().unwrap().to_str().unwrap();
        std::fs::read_dir(file.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(name) && n != name)
            .collect()
    };
    let before = beside();
    let started = Instant::now();
    let mut host = spawn_host(
        config_dir,
        "127.0.0.1:0".parse().unwrap(),
        server,
        &["--history", path_arg(file)],
    );
    let (code, stderr) = host.wait_exit();
    assert!(
        matches!(code, Some(c) if c != 0),
        "exit {code:?}; stderr: {stderr}"
    );
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {stderr:?}");
    assert!(lines[0].starts_with("tlschat: "), "{stderr}");
    assert!(
        lines[0].contains(path_arg(file)),
        "names the file: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(started.elapsed() < DEADLINE);
    // Nothing new beside it either (no journal, no WAL left behind).
    assert_eq!(beside(), before, "files beside the history");
    lines[0].to_string()
}

/// Bytes that look random (and are the same every run).
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[3]
        })
        .collect()
}

#[test]
fn a_damaged_history_file_is_refused_and_left_as_it_was() {
    let pki = Pki::new();
    let server = pki.server();
    let dir = tempfile::tempdir().unwrap();

    let random = dir.path().join("random.sqlite3");
    std::fs::write(&random, noise(64 * 1024, 7)).unwrap();
    // Private, as a history must be: what is refused is the content.
    #[cfg(unix)]
    chmod(&random, 0o600);
    let before = std::fs::read(&random).unwrap();
    let line = refused(dir.path(), &random, &server);
    assert!(line.contains("not a database"), "{line}");
    assert!(std::fs::read(&random).unwrap() == before, "changed");

    // A real history, damaged in the middle.
    let damaged = dir.path().join("damaged.sqlite3");
    {
        let mut store =
            tlschat::net::store::Store::open(Some(&damaged), 10_000, u64::MAX, None).unwrap();
        for i in 0..300u64 {
            let m = tlschat::net::store::NewMessage {
                sender: 1,
                nick: "ana".into(),
                text: format!("{i} {}", "y".repeat(300)),
                ts: 1,
                client: Some("tok".into()),
                cid: Some(i.to_string()),
            };
            store.append(&[m], 2).pop().unwrap().unwrap();
        }
    }
    assert!(
        !dir.path().join("damaged.sqlite3-wal").exists(),
        "a history closed cleanly is all in its file"
    );
    let mut bytes = std::fs::read(&damaged).unwrap();
    assert!(bytes.len() > 64 * 1024, "{} bytes", bytes.len());
    let middle = bytes.len() / 2 / 4096 * 4096;
    bytes[middle..middle + 8192].copy_from_slice(&noise(8192, 11));
    std::fs::write(&damaged, &bytes).unwrap();
    let line = refused(dir.path(), &damaged, &server);
    assert!(
        line.contains("damaged") || line.contains("malformed"),
        "{line}"
    );
    assert!(std::fs::read(&damaged).unwrap() == bytes, "changed");

    // An SQLite file of something else.
    let other = dir.path().join("other.sqlite3");
    {
        let db = rusqlite::Connection::open(&other).unwrap();
        db.execute_batch("CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('mine');")
            .unwrap();
    }
    #[cfg(unix)]
    chmod(&other, 0o600);
    let before = std::fs::read(&other).unwrap();
    let line = refused(dir.path(), &other, &server);
    assert!(line.contains("not a tlschat history"), "{line}");
    assert!(std::fs::read(&other).unwrap() == before, "changed");
}

#[test]
fn a_history_file_in_use_by_another_host_is_refused() {
    let pki = Pki::new();
    let server = pki.server();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("h.sqlite3");
    let (mut first, addr) =
        start_host_anywhere(dir.path(), &server, &["--history", path_arg(&file)]);
    let line = refused(dir.path(), &file, &server);
    assert!(line.contains("in use"), "{line}");
    // The first one goes on, with its history.
    assert!(first.child.try_wait().unwrap().is_none());
    say_one(addr, &pki.ca_pem);
    stop_host(&mut first);
    assert_eq!(rows(&file).len(), 1);
}

#[test]
fn a_full_history_refuses_messages_to_their_sender_and_the_room_stays_up() {
    let pki = Pki::new();
    let server = pki.server();
    let dir = tempfile::tempdir().unwrap();
    let mut config = host_config(&server, "hana");
    config.history = HistoryConfig {
        place: HistoryPlace::File(dir.path().join("h.sqlite3")),
        max_bytes: Some(65_536),
        ..HistoryConfig::default()
    };
    let (mut host, addr) = host_from(config);
    let (mut ana, _) = join(addr, "ana", &pki.ca_pem);
    let (mut bea, _) = join(addr, "bea", &pki.ca_pem);
    let mut plain = PlainClient::connect(addr, &pki.ca_pem);
    plain.until(|l| l.starts_with("* in the room: "));
    bea.wait_for("the plain member", |e| {
        matches!(e, NetEvent::MemberJoined(m) if m.plain_text).then_some(())
    });

    let big = |i: u64| format!("big-{i:02} {}", "x".repeat(8000));
    let mut full = None;
    for i in 1..=40 {
        ana.send(Command::Send {
            id: i,
            text: big(i),
        });
        let refusal = ana.wait_for("delivered or not", |e| match e {
            NetEvent::Delivered { id } if *id == i => Some(None),
            NetEvent::NotDelivered { id, reason } if *id == i => {
                Some(Some(common::english(reason)))
            }
            _ => None,
        });
        if let Some(reason) = refusal {
            full = Some((i, reason));
            break;
        }
    }
    let (first_refused, reason) = full.expect("the history never filled up");
    assert!(first_refused > 1, "some fit before: {reason}");
    assert!(
        reason.contains("history") && reason.contains("full"),
        "{reason}"
    );
    // The member is not told where the host keeps its files; the host is.
    assert!(
        !reason.contains(&*dir.path().to_string_lossy()) && !reason.contains("sqlite3"),
        "{reason}"
    );
    host.wait_for("the host's notice", |e| match e {
        NetEvent::Notice(n) if common::english(n).contains("is full") => {
            let n = common::english(n);
            assert!(n.contains(&*dir.path().to_string_lossy()), "{n}");
            Some(())
        }
        _ => None,
    });
    // It stays full: the next big one is refused too.
    let next = first_refused + 1;
    ana.send(Command::Send {
        id: next,
        text: big(next),
    });
    let reason = ana.wait_for("refused again", |e| match e {
        NetEvent::Delivered { id } if *id == next => panic!("stored past the limit"),
        NetEvent::NotDelivered { id, reason } if *id == next => Some(common::english(reason)),
        _ => None,
    });
    assert!(reason.contains("full"), "{reason}");

    // The room is up: someone joins, and both members are told so; what
    // was refused reached neither of them before that notice.
    let (_cy, _) = join(addr, "cy", &pki.ca_pem);
    bea.wait_for("cy joined", |e| {
        matches!(e, NetEvent::MemberJoined(m) if m.nick == "cy").then_some(())
    });
    let lines = plain.until(|l| l == "* cy joined");
    let plain_got: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("<ana> big-"))
        .collect();
    let bea_got: Vec<String> = received(&bea.seen, "big-")
        .into_iter()
        .map(|m| m.1[..6].to_string())
        .collect();
    let want: Vec<String> = (1..first_refused).map(|i| format!("big-{i:02}")).collect();
    assert_eq!(bea_got, want, "bea got what was stored, nothing else");
    assert_eq!(plain_got.len() as u64, first_refused - 1);
    // The host saw cy join too, and had not stopped before.
    host.wait_for("cy joined", |e| {
        matches!(e, NetEvent::MemberJoined(m) if m.nick == "cy").then_some(())
    });
    assert!(
        !host
            .seen
            .iter()
            .any(|e| matches!(e, NetEvent::Disconnected { .. })),
        "the host stopped"
    );
}

// ---------------------------------------------------------------------
// 5. and 6. The protocol by hand.

/// A raw `tlschat/1` connection.
fn raw(addr: SocketAddr, ca: &Path) -> PlainClient {
    PlainClient::connect_json(addr, ca)
}

fn frame(c: &mut PlainClient) -> Value {
    let line = c.line();
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line}: {e}"))
}

/// Reads frames up to `history_end`; returns them (the end not included).
fn frames_to_history_end(c: &mut PlainClient) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let f = frame(c);
        if f["type"] == "history_end" {
            return out;
        }
        out.push(f);
    }
}

/// Says hello and reads the welcome; returns it.
fn hello(c: &mut PlainClient, hello: &Value) -> Value {
    c.send(&hello.to_string());
    let welcome = frame(c);
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    welcome
}

#[test]
fn a_resume_naming_another_room_or_the_future_is_refused_and_treated_as_new() {
    let pki = Pki::new();
    let server = pki.server();
    let (mut host, addr) = host_from(host_config(&server, "hana"));
    for i in 1..=3 {
        host.send(Command::Send {
            id: i,
            text: format!("m-{i}"),
        });
    }
    await_delivered(&mut host, 1..=3);

    let mut first = raw(addr, &pki.ca_pem);
    let welcome = hello(
        &mut first,
        &json!({"type": "hello", "nick": "x0", "client": "c0"}),
    );
    let room = welcome["room"].as_str().unwrap().to_string();
    assert_eq!(room.len(), 32, "{welcome}");
    assert_eq!(welcome["seq"], 3);
    let replay = frames_to_history_end(&mut first);
    assert_eq!(replay[0]["type"], "history");
    assert_eq!(replay[0]["count"], 3);
    assert_eq!(replay[0]["resumed"], false);

    let newcomer_replay = |replay: &[Value]| {
        assert_eq!(replay.len(), 5, "{replay:?}");
        assert_eq!(replay[0]["type"], "error", "{replay:?}");
        assert_eq!(replay[0]["code"], "bad_resume");
        assert_eq!(replay[1]["type"], "history");
        assert_eq!(replay[1]["count"], 3);
        assert_eq!(replay[1]["resumed"], false);
        for (i, m) in replay[2..].iter().enumerate() {
            assert_eq!(m["type"], "msg");
            assert_eq!(m["history"], true);
            assert_eq!(m["text"], format!("m-{}", i + 1));
        }
    };
    // Another room.
    let mut other = raw(addr, &pki.ca_pem);
    hello(
        &mut other,
        &json!({"type": "hello", "nick": "x", "client": "c1",
                "resume": {"room": "not-this-room", "after": 3}}),
    );
    newcomer_replay(&frames_to_history_end(&mut other));
    // This room, but a message it has not reached.
    let mut future = raw(addr, &pki.ca_pem);
    hello(
        &mut future,
        &json!({"type": "hello", "nick": "x", "client": "c2",
                "resume": {"room": room, "after": 1_000_000}}),
    );
    newcomer_replay(&frames_to_history_end(&mut future));
    // This room, where it left off: what came after, nothing else.
    let mut back = raw(addr, &pki.ca_pem);
    hello(
        &mut back,
        &json!({"type": "hello", "nick": "x", "client": "c3",
                "resume": {"room": room, "after": 1}}),
    );
    let replay = frames_to_history_end(&mut back);
    assert_eq!(replay[0]["type"], "history", "{replay:?}");
    assert_eq!(replay[0]["count"], 2);
    assert_eq!(replay[0]["resumed"], true);
    let seqs: Vec<&Value> = replay[1..].iter().map(|m| &m["seq"]).collect();
    assert_eq!(seqs, [&json!(2), &json!(3)]);

    // A client token of 65 bytes is refused and the connection closed;
    // 64 bytes is fine.
    let mut long = raw(addr, &pki.ca_pem);
    long.send(&json!({"type": "hello", "nick": "x", "client": "t".repeat(65)}).to_string());
    let error = frame(&mut long);
    assert_eq!(error["type"], "error", "{error}");
    assert_eq!(error["code"], "bad_id", "{error}");
    let mut rest = Vec::new();
    let n = std::io::BufRead::read_until(&mut long.reader, b'\n', &mut rest).unwrap_or(0);
    assert_eq!(
        n,
        0,
        "the connection goes on: {:?}",
        String::from_utf8_lossy(&rest)
    );
    let mut fits = raw(addr, &pki.ca_pem);
    hello(
        &mut fits,
        &json!({"type": "hello", "nick": "x", "client": "t".repeat(64)}),
    );
}

#[test]
fn a_resent_message_is_acknowledged_again_with_its_number_and_said_once() {
    let pki = Pki::new();
    let server = pki.server();
    let (_host, addr) = host_from(host_config(&server, "hana"));
    let (mut bea, _) = join(addr, "bea", &pki.ca_pem);

    let acks = |c: &mut PlainClient, n: usize| -> Vec<Value> {
        let mut out = Vec::new();
        while out.len() < n {
            let f = frame(c);
            assert_ne!(f["type"], "error", "{f}");
            if f["type"] == "ack" {
                out.push(f);
            }
        }
        out
    };
    let msg = json!({"type": "msg", "id": "1", "text": "a"}).to_string();

    let mut first = raw(addr, &pki.ca_pem);
    let welcome = hello(
        &mut first,
        &json!({"type": "hello", "nick": "r", "client": "tok-1"}),
    );
    let room = welcome["room"].as_str().unwrap().to_string();
    frames_to_history_end(&mut first);
    // Twice in one write (one batch), then once more on its own.
    first.send_raw(format!("{msg}\n{msg}\n").as_bytes());
    let mut got = acks(&mut first, 2);
    first.send(&msg);
    got.extend(acks(&mut first, 1));
    let seq = got[0]["seq"].as_u64().unwrap();
    for ack in &got {
        assert_eq!(ack["id"], "1", "{ack}");
        assert_eq!(ack["seq"], seq, "{got:?}");
        assert_eq!(ack["text"], "a");
    }
    first.close();

    // A new connection with the same token: the stored message comes back
    // as its own acknowledgement, and a resend is acknowledged again.
    let mut second = raw(addr, &pki.ca_pem);
    hello(
        &mut second,
        &json!({"type": "hello", "nick": "r", "client": "tok-1",
                "resume": {"room": room, "after": seq - 1}}),
    );
    let replay = frames_to_history_end(&mut second);
    assert_eq!(replay.len(), 2, "{replay:?}");
    assert_eq!(replay[1]["type"], "ack", "{replay:?}");
    assert_eq!(replay[1]["seq"], seq);
    assert_eq!(replay[1]["history"], true);
    second.send(&msg);
    let again = acks(&mut second, 1);
    assert_eq!(again[0]["seq"], seq, "{again:?}");
    assert_eq!(again[0]["id"], "1");
    assert!(again[0].get("history").is_none(), "{again:?}");
    // A new id is a new message.
    second.send(&json!({"type": "msg", "id": "2", "text": "b"}).to_string());
    let b = acks(&mut second, 1);
    assert_eq!(b[0]["seq"], seq + 1, "{b:?}");

    // The other member saw "a" once, then "b".
    await_texts(&mut bea, ["b".to_string()]);
    let said: Vec<(u64, String)> = bea
        .seen
        .iter()
        .filter_map(|e| match e {
            NetEvent::Message(m) if !m.own => Some((m.seq, m.text.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(said, [(seq, "a".into()), (seq + 1, "b".into())]);
}

// ---------------------------------------------------------------------
// 7. The file as something others could point, read or write.

/// Sets a file's permission bits.
#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

/// A history made by tlschat (one message), closed.
fn made_history(file: &Path) {
    let mut store = tlschat::net::store::Store::open(Some(file), 100, u64::MAX, None).unwrap();
    let m = tlschat::net::store::NewMessage {
        sender: 1,
        nick: "ana".into(),
        text: "before".into(),
        ts: 1,
        client: None,
        cid: None,
    };
    store.append(&[m], 2).pop().unwrap().unwrap();
}

#[cfg(unix)]
#[test]
fn history_files_others_can_read_point_or_own_are_refused_naming_the_fix() {
    let pki = Pki::new();
    let server = pki.server();
    let dir = tempfile::tempdir().unwrap();

    for mode in [0o644, 0o666] {
        let file = dir.path().join(format!("h{mode:o}.sqlite3"));
        made_history(&file);
        chmod(&file, mode);
        let before = std::fs::read(&file).unwrap();
        let line = refused(dir.path(), &file, &server);
        assert!(
            line.contains(&format!("(mode {mode:04o})"))
                && line.ends_with(&format!("`chmod 600 {}`", file.display())),
            "{line}"
        );
        assert!(std::fs::read(&file).unwrap() == before, "changed");
        assert_eq!(mode_of(&file), mode, "its mode changed");
    }

    // A link, dangling or to a real history: nothing is made or written
    // where it points.
    let target = dir.path().join("target.sqlite3");
    let dangling = dir.path().join("dangling.sqlite3");
    std::os::unix::fs::symlink(&target, &dangling).unwrap();
    let line = refused(dir.path(), &dangling, &server);
    assert!(line.contains("symbolic link"), "{line}");
    assert!(!target.exists(), "made through the link");
    let real = dir.path().join("real.sqlite3");
    made_history(&real);
    let before = std::fs::read(&real).unwrap();
    let link = dir.path().join("link.sqlite3");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let line = refused(dir.path(), &link, &server);
    assert!(line.contains("symbolic link"), "{line}");
    assert!(
        std::fs::read(&real).unwrap() == before,
        "written through the link"
    );

    // A FIFO is refused at once (`refused` has a deadline), not opened.
    let fifo = dir.path().join("fifo.sqlite3");
    common::mkfifo(&fifo);
    let line = refused(dir.path(), &fifo, &server);
    assert!(line.contains("FIFO"), "{line}");

    // Another user's file (only root can make one to test with).
    let theirs = dir.path().join("theirs.sqlite3");
    made_history(&theirs);
    if std::os::unix::fs::chown(&theirs, Some(65534), None).is_ok() {
        let line = refused(dir.path(), &theirs, &server);
        assert!(
            line.contains("belongs to another user (uid 65534"),
            "{line}"
        );
    }
}

#[cfg(unix)]
#[test]
fn every_file_the_host_makes_is_private_whatever_the_umask() {
    let pki = Pki::new();
    let server = pki.server();
    let dir = tempfile::tempdir().unwrap();
    // A configuration directory that does not exist yet: the default
    // history goes there.
    let config = dir.path().join("new").join("config");
    let keylog = dir.path().join("keys.log");
    let transcript = dir.path().join("chat.txt");
    // A fixed port (it names the history file), held for the whole test.
    let held = common::reserve("127.0.0.1");
    let addr = held.addr;
    let mut cmd = tlschat_command(&config);
    let mut host = Proc::spawn(
        cmd.program_via_sh_umask_000()
            .args(["host", "--headless"])
            .args(common::OPEN_DOOR)
            .args(["--name", "hana", "--bind"])
            .arg(addr.to_string())
            .arg("--cert")
            .arg(&server.cert)
            .arg("--key")
            .arg(&server.key)
            .arg("--keylog")
            .arg(&keylog)
            .arg("--transcript")
            .arg(&transcript),
    );
    host.expect("listening", |l| l.starts_with("* hosting on"));
    say_one(addr, &pki.ca_pem);
    let history = config.join(format!("history-{}.sqlite3", addr.port()));
    let mut wal = history.clone().into_os_string();
    wal.push("-wal");
    let wal = PathBuf::from(wal);
    assert!(wal.exists(), "a WAL file while the host runs");
    for file in [&history, &wal, &keylog, &transcript] {
        assert_eq!(mode_of(file), 0o600, "{}", file.display());
    }
    for d in [&config, &config.parent().unwrap().to_path_buf()] {
        assert_eq!(mode_of(d), 0o700, "{}", d.display());
    }
    let mut shm = history.into_os_string();
    shm.push("-shm");
    let shm = PathBuf::from(shm);
    assert!(!shm.exists() || mode_of(&shm) == 0o600);
    stop_host(&mut host);
}

/// `std::process::Command` run through `sh` with umask 000, so a file
/// made without an explicit mode would come out 0666.
trait UmaskZero {
    fn program_via_sh_umask_000(&mut self) -> &mut Self;
}

impl UmaskZero for std::process::Command {
    fn program_via_sh_umask_000(&mut self) -> &mut Self {
        // Rebuilt as `sh -c 'umask 000; exec "$0" "$@"' PROGRAM ARGS…`
        // with this command's environment.
        let program = self.get_program().to_owned();
        let envs: Vec<_> = self
            .get_envs()
            .map(|(k, v)| (k.to_owned(), v.map(ToOwned::to_owned)))
            .collect();
        *self = std::process::Command::new("sh");
        self.args(["-c", "umask 000; exec \"$0\" \"$@\""])
            .arg(program);
        for (k, v) in envs {
            match v {
                Some(v) => self.env(k, v),
                None => self.env_remove(k),
            };
        }
        self
    }
}

/// Reads frames until an `ack` (or an error, which fails the test).
fn next_ack(c: &mut PlainClient) -> Value {
    loop {
        let f = frame(c);
        assert_ne!(f["type"], "error", "{f}");
        if f["type"] == "ack" {
            return f;
        }
    }
}

#[test]
fn a_token_read_from_the_history_file_does_not_work_as_a_token() {
    let pki = Pki::new();
    let server = pki.server();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("h.sqlite3");
    // The host comes back on this address, held for the whole test.
    let held = common::reserve("127.0.0.1");
    let addr = held.addr;
    let args = ["--history", path_arg(&file)];
    let token = "9f0c2ab4e1d3a8b7c6d5e4f3a2b1c0d9";
    let mut host = start_host(dir.path(), addr, &server, &args);
    let mut owner = raw(addr, &pki.ca_pem);
    let welcome = hello(
        &mut owner,
        &json!({"type": "hello", "nick": "own", "client": token}),
    );
    let room = welcome["room"].as_str().unwrap().to_string();
    frames_to_history_end(&mut owner);
    owner.send(&json!({"type": "msg", "id": "1", "text": "mine"}).to_string());
    let seq = next_ack(&mut owner)["seq"].as_u64().unwrap();
    owner.close();
    stop_host(&mut host);

    // What the file holds for the token is not the token.
    assert!(
        !std::fs::read(&file)
            .unwrap()
            .windows(token.len())
            .any(|w| w == token.as_bytes()),
        "the token is in the file"
    );
    let stored = rows(&file)[0].2.clone().unwrap();
    assert_ne!(stored, token);

    // Presented as a token, it is someone else: the message is not its
    // own, and its id 1 is a new message.
    let mut host = start_host(dir.path(), addr, &server, &args);
    let mut thief = raw(addr, &pki.ca_pem);
    hello(
        &mut thief,
        &json!({"type": "hello", "nick": "thief", "client": stored,
                "resume": {"room": room, "after": 0}}),
    );
    let replay = frames_to_history_end(&mut thief);
    assert_eq!(replay.len(), 2, "{replay:?}");
    assert_eq!(replay[1]["type"], "msg", "taken as its own: {replay:?}");
    thief.send(&json!({"type": "msg", "id": "1", "text": "stolen?"}).to_string());
    let ack = next_ack(&mut thief);
    assert_ne!(ack["seq"], seq, "{ack}");
    assert_eq!(ack["text"], "stolen?");

    // The token itself still is the owner.
    let mut back = raw(addr, &pki.ca_pem);
    hello(
        &mut back,
        &json!({"type": "hello", "nick": "own", "client": token,
                "resume": {"room": room, "after": 0}}),
    );
    let replay = frames_to_history_end(&mut back);
    assert_eq!(replay[1]["type"], "ack", "{replay:?}");
    assert_eq!(replay[1]["seq"], seq);
    assert_eq!(replay[2]["type"], "msg", "{replay:?}");
    stop_host(&mut host);
}

/// Changes a closed history by hand.
fn craft(file: &Path, sql: &str, rows: &[(i64, rusqlite::types::Value)]) {
    let db = rusqlite::Connection::open(file).unwrap();
    db.execute_batch(sql).unwrap();
    for (seq, text) in rows {
        db.execute(
            "INSERT INTO messages VALUES (?1, 1, 7, 'ana', ?2, NULL, NULL)",
            rusqlite::params![seq, text],
        )
        .unwrap();
    }
}

#[test]
fn a_crafted_history_is_replayed_escaped_without_the_rows_it_cannot_read() {
    let pki = Pki::new();
    let server = pki.server();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crafted.sqlite3");
    made_history(&file);
    craft(
        &file,
        "",
        &[
            (2, b"\x1b[2J blob".to_vec().into()),
            (3, "red \x1b[31malert\x1b]0;owned\x07".to_string().into()),
            (4, "after".to_string().into()),
        ],
    );
    let (mut host, addr) =
        start_host_anywhere(dir.path(), &server, &["--history", path_arg(&file)]);
    host.expect("the skipped rows told to the host", |l| {
        l == "* history: 1 stored messages cannot be read and are not shown to anyone"
    });

    // A plain member: every readable row, escaped, and nothing else.
    let mut plain = PlainClient::connect(addr, &pki.ca_pem);
    plain.until(|l| l == "* last 4 messages");
    let lines = plain.until(|l| l == "* end of history");
    assert_eq!(
        lines,
        [
            "<ana> before",
            "<ana> red \\x1b[31malert\\x1b]0;owned\\x07",
            "<ana> after"
        ]
    );
    // And a tlschat/1 member.
    let (mut neo, _) = join(addr, "neo", &pki.ca_pem);
    await_history_end(&mut neo);
    let texts: Vec<String> = received(&neo.seen, "").into_iter().map(|m| m.1).collect();
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert!(texts.iter().all(|t| !t.contains('\x1b')), "{texts:?}");
    stop_host(&mut host);
}

#[test]
fn numbers_at_the_limits_of_a_crafted_history_are_refused_or_held_and_members_never_see_the_path() {
    let pki = Pki::new();
    let server = pki.server();
    let dir = tempfile::tempdir().unwrap();

    // A next member id that would wrap to 0, the host's: refused.
    let wrap = dir.path().join("wrap.sqlite3");
    made_history(&wrap);
    craft(
        &wrap,
        "UPDATE meta SET value = '18446744073709551615' WHERE key = 'next_member'",
        &[],
    );
    let line = refused(dir.path(), &wrap, &server);
    assert!(line.contains("out of range"), "{line}");

    // The last member id and message number there are.
    let file = dir.path().join("limits.sqlite3");
    made_history(&file);
    let max = tlschat::net::store::MAX_NUMBER;
    craft(
        &file,
        &format!(
            "UPDATE meta SET value = '{}' WHERE key = 'next_member'",
            max - 1
        ),
        &[(
            i64::try_from(max).unwrap(),
            "the last number".to_string().into(),
        )],
    );
    let (mut host, addr) =
        start_host_anywhere(dir.path(), &server, &["--history", path_arg(&file)]);
    let mut last = raw(addr, &pki.ca_pem);
    let welcome = hello(
        &mut last,
        &json!({"type": "hello", "nick": "last", "client": "c-last"}),
    );
    assert_eq!(welcome["you"], max - 1, "{welcome}");
    assert_eq!(welcome["seq"], max, "{welcome}");
    frames_to_history_end(&mut last);
    // No id is left: the next one is not let in (no id 0, no id twice).
    let mut over = raw(addr, &pki.ca_pem);
    over.send(&json!({"type": "hello", "nick": "over"}).to_string());
    let mut rest = Vec::new();
    let n = std::io::BufRead::read_until(&mut over.reader, b'\n', &mut rest).unwrap_or(0);
    assert_eq!(n, 0, "let in: {:?}", String::from_utf8_lossy(&rest));
    // No message number is left: the message is refused, and the member
    // is not told where the host keeps its files; the host is.
    last.send(&json!({"type": "msg", "id": "1", "text": "one more"}).to_string());
    let error = loop {
        let f = frame(&mut last);
        if f["type"] == "error" {
            break f;
        }
        assert_ne!(f["type"], "ack", "{f}");
    };
    assert_eq!(error["code"], "not_stored", "{error}");
    let reason = error["message"].as_str().unwrap();
    assert_eq!(
        reason, "the host could not store the message, so it was not said",
        "{error}"
    );
    let notice = host.expect("the host's notice", |l| l.contains("every message number"));
    assert!(notice.contains(path_arg(&file)), "{notice}");
    stop_host(&mut host);
}
