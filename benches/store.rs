//! The room's history at scale: a room with 1,000,000 stored messages (by
//! default). Measures, on one machine and in one run: filling the store
//! (group commits of 1,000, and single-message commits), bytes on disk per
//! message, the host's start time on that file (open, integrity check, and
//! listening), a newcomer's join with the backlog (connected to the end of
//! history), and the resume of a member that missed 10,000 messages (its
//! hello to the end of the replay). Real TLS over 127.0.0.1, a real file.
//!
//! Run with `cargo bench --bench store [-- MESSAGES]`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    missing_docs
)]

use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tlschat::net::store::{NewMessage, Store};
use tlschat::net::{
    HistoryConfig, HistoryPlace, HostConfig, JoinConfig, NetEvent, NetThread, Start,
};

mod common;

use common::wait_for;

/// How long any one step may take (filling a big store is slow).
const WAIT: Duration = Duration::from_secs(600);

fn text(i: u64) -> String {
    let words = [
        "hello",
        "你好",
        "the certificate",
        "is",
        "pinned",
        "TLS 1.3",
        "ok",
    ];
    (0..(3 + i % 12))
        .map(|k| words[((i * 7 + k * 3) % words.len() as u64) as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

fn message(i: u64) -> NewMessage {
    // Most messages come from tlschat/1 members (a token and an id), some
    // from plain-text members (neither).
    let member = i % 20;
    let tokened = member < 15;
    NewMessage {
        sender: member + 1,
        nick: format!("member-{member}"),
        text: text(i),
        ts: 1_780_000_000_000 + i,
        client: tokened.then(|| Arc::from(format!("{:032x}", member * 7919))),
        cid: tokened.then(|| i.to_string()),
    }
}

fn main() {
    let n: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("history.sqlite3");
    println!("messages: {n}");

    // Fill: group commits of 1,000.
    let mut store = Store::open(Some(&file), n, u64::MAX, None).unwrap();
    let started = Instant::now();
    let mut i = 0;
    while i < n {
        let batch: Vec<NewMessage> = (i..(i + 1000).min(n)).map(message).collect();
        for r in store.append(&batch, 100) {
            r.unwrap();
        }
        i += batch.len() as u64;
    }
    let fill = started.elapsed();
    println!(
        "fill, commits of 1,000: {:.1} s, {:.0} messages/s",
        fill.as_secs_f64(),
        n as f64 / fill.as_secs_f64()
    );
    // Single-message commits (a quiet room), on top.
    let singles = 10_000u64;
    let started = Instant::now();
    for k in 0..singles {
        store.append(&[message(n + k)], 100).pop().unwrap().unwrap();
    }
    let single = started.elapsed();
    println!(
        "single-message commits: {:.1} µs each ({singles} of them)",
        single.as_secs_f64() * 1e6 / singles as f64
    );
    let room = store.room().to_string();
    let last = store.last_seq();
    drop(store);
    let total = n + singles;
    let bytes: u64 = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "on disk: {:.1} MiB for {total} messages, {:.0} bytes per message (text averages {:.0} bytes)",
        bytes as f64 / 1048576.0,
        bytes as f64 / total as f64,
        (0..1000).map(|i| text(i).len()).sum::<usize>() as f64 / 1000.0
    );

    // The host starts on that file.
    let config = tempfile::tempdir().unwrap();
    let certs = config.path().join("certs");
    let made = tlschat::net::certgen::gen_cert(&certs, &["127.0.0.1".to_string()], true).unwrap();
    let (ca, cert, key) = (
        made.files[0].clone(),
        made.files[2].clone(),
        made.files[3].clone(),
    );
    let (host, host_events) = NetThread::spawn(Arc::new(|| {})).unwrap();
    let started = Instant::now();
    host.start(Start::Host(HostConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        nick: "host".into(),
        identity: Some((cert, key)),
        client_ca: None,
        config_dir: config.path().to_path_buf(),
        limits: tlschat::net::HostLimits::default(),
        door: tlschat::net::DoorConfig::open(),
        history: HistoryConfig {
            place: HistoryPlace::File(file),
            keep: total,
            keep_bytes: u64::MAX,
            ..HistoryConfig::default()
        },
        tls: tlschat::net::TlsOptions::default(),
    }));
    let addr = wait_for(&host_events, "listening", WAIT, |e| match e {
        NetEvent::Listening { addr, .. } => Some(*addr),
        _ => None,
    });
    println!(
        "host start (open, integrity check, listening): {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    // Keep the host's own events drained.
    std::thread::spawn(move || while host_events.recv().is_some() {});

    // A newcomer: from the start of the connection to the end of its
    // backlog (50 messages by default).
    let (member, events) = NetThread::spawn(Arc::new(|| {})).unwrap();
    let started = Instant::now();
    member.start(Start::Join(JoinConfig {
        host: "127.0.0.1".into(),
        port: addr.port(),
        nick: "newcomer".into(),
        ca_files: vec![ca.clone()],
        pins: Vec::new(),
        remember_pin: false,
        identity: None,
        config_dir: None,
        reconnect: false,
        tls: tlschat::net::TlsOptions::default(),
        invite: None,
    }));
    let count = wait_for(&events, "the end of history", WAIT, |e| match e {
        NetEvent::HistoryEnd { count, .. } => Some(*count),
        _ => None,
    });
    println!(
        "newcomer join with its backlog of {count}: {:.1} ms (TCP, TLS handshake, welcome, history)",
        started.elapsed().as_secs_f64() * 1e3
    );

    // A member that missed 10,000 messages resumes (raw tlschat/1 lines).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let missed = 10_000u64;
    let (took, got) = rt.block_on(async {
        let roots = tlschat::net::trust::root_store(&[ca]).unwrap();
        let mut tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        tls.alpn_protocols = vec![b"tlschat/1".to_vec()];
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        let stream = tokio_rustls::TlsConnector::from(Arc::new(tls))
            .connect(name, tcp)
            .await
            .unwrap();
        let (r, mut w) = tokio::io::split(stream);
        let started = Instant::now();
        let hello = serde_json::json!({
            "type": "hello", "nick": "back", "client": "bench",
            "resume": {"room": room, "after": last - missed},
        });
        let mut line = serde_json::to_vec(&hello).unwrap();
        line.push(b'\n');
        tokio::io::AsyncWriteExt::write_all(&mut w, &line)
            .await
            .unwrap();
        let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(r));
        let mut got = 0u64;
        while let Some(l) = lines.next_line().await.unwrap() {
            if l.contains("\"history\":true") {
                got += 1;
            }
            if l.contains("\"type\":\"history_end\"") {
                break;
            }
        }
        (started.elapsed(), got)
    });
    println!(
        "resume of a member that missed {missed}: {got} messages replayed in {:.0} ms",
        took.as_secs_f64() * 1e3
    );
    let _ = std::io::stdout().flush();
    drop(member);
    host.shutdown();
}
