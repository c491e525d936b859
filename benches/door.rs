//! The room's door, timed: what a member pays to come in. Real TLS over
//! 127.0.0.1, a real history file, the real member and host sessions.
//!
//! Measures, in one run:
//! - the host's start on a history that remembers MEMBERS keys (default
//!   99,999: the store keeps 100,000), to listening;
//! - a member's join (start of the session to the welcome) in an open
//!   room, the baseline;
//! - the same in an invite-only room: the first time, with the start
//!   link's invitation, and then again and again with its key remembered
//!   and no invitation.
//!
//! Each join is a new session of its own (TCP, a full TLS 1.3 handshake
//! with the member's certificate, hello, the door, welcome). The median and
//! the 90th percentile of ROUNDS joins are printed.
//!
//! Run with `cargo bench --bench door [-- MEMBERS [ROUNDS]]`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    missing_docs
)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tlschat::net::store::{DoorChange, Store};
use tlschat::net::{
    DoorConfig, HistoryConfig, HistoryPlace, HostConfig, JoinConfig, NetEvent, NetThread, Start,
};

mod common;

use common::wait_for;

/// How long any one step may take.
const WAIT: Duration = Duration::from_secs(120);

/// A host on `history` with `door`; its address, its certificate's
/// SHA-256, the start link's invitation code, and how long it took until
/// its door was ready.
fn host(
    history: &Path,
    config_dir: &Path,
    door: DoorConfig,
) -> (NetThread, u16, [u8; 32], Option<String>, Duration) {
    let (net, events) = NetThread::spawn(Arc::new(|| {})).unwrap();
    let started = Instant::now();
    net.start(Start::Host(HostConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        nick: "host".into(),
        identity: None,
        client_ca: None,
        config_dir: config_dir.to_path_buf(),
        limits: tlschat::net::HostLimits::default(),
        history: HistoryConfig {
            place: HistoryPlace::File(history.to_path_buf()),
            ..HistoryConfig::default()
        },
        tls: tlschat::net::TlsOptions::default(),
        door,
    }))
    .unwrap();
    let (port, pin, code) = wait_for(&events, "listening", WAIT, |e| match e {
        NetEvent::Listening {
            addr,
            chain,
            invites,
        } => Some((
            addr.port(),
            chain[0].sha256,
            invites.first().and_then(|i| i.code.clone()),
        )),
        _ => None,
    });
    // Listening comes first; the room then reads its door back (every
    // remembered key, its name checked again) and shows it to the host.
    wait_for(&events, "the door", WAIT, |e| {
        matches!(e, NetEvent::Door(_)).then_some(())
    });
    let took = started.elapsed();
    std::thread::spawn(move || while events.recv().is_some() {});
    (net, port, pin, code, took)
}

/// One member session from start to welcome; its time.
fn join(port: u16, pin: [u8; 32], member_dir: &Path, invite: Option<String>) -> Duration {
    let (net, events) = NetThread::spawn(Arc::new(|| {})).unwrap();
    let started = Instant::now();
    net.start(Start::Join(JoinConfig {
        host: "127.0.0.1".into(),
        port,
        nick: "newcomer".into(),
        ca_files: Vec::new(),
        pins: vec![pin],
        remember_pin: false,
        identity: None,
        config_dir: Some(member_dir.to_path_buf()),
        reconnect: false,
        tls: tlschat::net::TlsOptions::default(),
        invite,
    }))
    .unwrap();
    wait_for(&events, "the welcome", WAIT, |e| {
        matches!(e, NetEvent::Joined { .. }).then_some(())
    });
    started.elapsed()
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{what}: median {:.2} ms, p90 {:.2} ms ({} joins)",
        ms(times[times.len() / 2]),
        ms(times[times.len() * 9 / 10]),
        times.len()
    );
}

fn main() {
    let mut args = std::env::args().skip(1).filter_map(|a| a.parse().ok());
    let members: u64 = args.next().unwrap_or(99_999);
    let rounds: usize = args.next().unwrap_or(50) as usize;
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history.sqlite3");
    let config = dir.path().join("host");
    let member_dir = dir.path().join("member");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::create_dir_all(&member_dir).unwrap();
    // The member's key, made before anything is timed.
    tlschat::net::identity::member_identity(&member_dir, tlschat::net::identity::KeyChoice::Keep)
        .unwrap();

    // A door that remembers `members` keys.
    let mut store = Store::open(Some(&history), 10_000, u64::MAX, None).unwrap();
    let started = Instant::now();
    let nick = "member";
    for chunk in (0..members).collect::<Vec<_>>().chunks(1000) {
        let keys: Vec<[u8; 32]> = chunk
            .iter()
            .map(|i| tlschat::net::certinfo::sha256(&i.to_le_bytes()))
            .collect();
        let changes: Vec<DoorChange<'_>> = keys
            .iter()
            .map(|key| DoorChange::Admitted {
                key: *key,
                nick,
                now_ms: 1_780_000_000_000,
            })
            .collect();
        store.record(&changes).unwrap();
    }
    drop(store);
    let log = std::fs::metadata(dir.path().join("history.sqlite3-wal")).map_or(0, |m| m.len());
    println!(
        "write-ahead log left by the fill: {:.1} MiB",
        log as f64 / 1048576.0
    );
    println!(
        "members remembered: {members} (stored in {:.1} s)",
        started.elapsed().as_secs_f64()
    );

    // The process's first session pays for what every later one reuses
    // (threads, the crypto provider, the first TLS configurations): an
    // open room's first join, timed on its own.
    let open_history = dir.path().join("open.sqlite3");
    let open_config = dir.path().join("open-host");
    std::fs::create_dir_all(&open_config).unwrap();
    let (_open_host, open_port, open_pin, _, _) =
        host(&open_history, &open_config, DoorConfig::open());
    let cold = join(open_port, open_pin, &member_dir, None);
    println!(
        "first join of the process, open room: {:.2} ms",
        cold.as_secs_f64() * 1e3
    );

    let (_invite_host, port, pin, code, took) = host(&history, &config, DoorConfig::default());
    println!(
        "host start on that history (invite-only), until its door is read back: {:.0} ms",
        took.as_secs_f64() * 1e3
    );
    let code = code.expect("an invite-only host's start link carries an invitation");
    let first = join(port, pin, &member_dir, Some(code.clone()));
    println!(
        "first join with the start link's invitation: {:.2} ms",
        first.as_secs_f64() * 1e3
    );
    // New keys, each admitted with the (reusable) start invitation: what
    // a first admission costs once the store is warm.
    let newcomers = (0..rounds.min(20))
        .map(|i| {
            let dir = dir.path().join(format!("newcomer-{i}"));
            std::fs::create_dir_all(&dir).unwrap();
            tlschat::net::identity::member_identity(&dir, tlschat::net::identity::KeyChoice::Keep)
                .unwrap();
            join(port, pin, &dir, Some(code.clone()))
        })
        .collect();
    report(
        "first join of a new key with an invitation (stored with a synced commit)",
        newcomers,
    );
    let remembered = (0..rounds)
        .map(|_| join(port, pin, &member_dir, None))
        .collect();
    report("join with the key remembered, no invitation", remembered);

    let open = (0..rounds)
        .map(|_| join(open_port, open_pin, &member_dir, None))
        .collect();
    report("join in an open room (baseline)", open);
}
