//! Shared helpers for the integration tests: certificates made at test time
//! with rcgen, net threads with a deadline-based event wait, and a blocking
//! plain-text TLS client (no ALPN), like `openssl s_client`, and a TCP
//! [`Relay`] a test can cut and mend.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use tlschat::net::{
    HostConfig, HostLimits, JoinConfig, NetEvent, NetThread, SessionCommand, SessionId, Start,
};

/// What a test asks of a node: start a session, or tell the current one.
#[derive(Debug, Clone)]
pub enum Command {
    Host(HostConfig),
    Join(JoinConfig),
    Send { id: u64, text: String },
    Nick(String),
    Finish,
    Disconnect,
}

/// How long any single expected thing may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// A CA, and files for certificates it issued, in a temporary directory.
pub struct Pki {
    pub dir: tempfile::TempDir,
    pub ca: CertifiedIssuer<'static, KeyPair>,
    pub ca_pem: PathBuf,
}

/// A certificate and key written to files.
pub struct Issued {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub der: Vec<u8>,
}

pub fn days(n: i64) -> time::Duration {
    time::Duration::days(n)
}

impl Pki {
    pub fn new() -> Self {
        Self::named("Test Root CA")
    }

    /// A PKI whose CA has this common name.
    pub fn named(ca_name: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(DnType::CommonName, ca_name);
        p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        p.not_before = time::OffsetDateTime::now_utc() - days(1);
        p.not_after = time::OffsetDateTime::now_utc() + days(30);
        let ca = CertifiedIssuer::self_signed(p, KeyPair::generate().unwrap()).unwrap();
        let ca_pem = dir.path().join("ca.pem");
        std::fs::write(&ca_pem, ca.pem()).unwrap();
        Self { dir, ca, ca_pem }
    }

    /// Parameters for a leaf valid now for these names.
    pub fn leaf_params(names: &[&str]) -> CertificateParams {
        let names: Vec<String> = names.iter().map(|s| (*s).to_string()).collect();
        let mut p = CertificateParams::new(names.clone()).unwrap();
        p.distinguished_name.push(
            DnType::CommonName,
            names.first().cloned().unwrap_or_default(),
        );
        p.not_before = time::OffsetDateTime::now_utc() - days(1);
        p.not_after = time::OffsetDateTime::now_utc() + days(30);
        p
    }

    /// A leaf signed by this CA.
    pub fn issue(&self, name: &str, params: &CertificateParams) -> Issued {
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.ca).unwrap();
        self.write(name, &cert.pem(), &key.serialize_pem(), cert.der().to_vec())
    }

    /// A self-signed leaf.
    pub fn self_signed(&self, name: &str, params: &CertificateParams) -> Issued {
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        self.write(name, &cert.pem(), &key.serialize_pem(), cert.der().to_vec())
    }

    fn write(&self, name: &str, cert: &str, key: &str, der: Vec<u8>) -> Issued {
        let c = self.dir.path().join(format!("{name}.pem"));
        let k = self.dir.path().join(format!("{name}.key"));
        std::fs::write(&c, cert).unwrap();
        std::fs::write(&k, key).unwrap();
        Issued {
            cert: c,
            key: k,
            der,
        }
    }

    /// The usual server certificate: localhost and 127.0.0.1.
    pub fn server(&self) -> Issued {
        self.issue("server", &Self::leaf_params(&["localhost", "127.0.0.1"]))
    }
}

/// A net thread and its events, with everything seen kept for later checks.
/// Only the current session's events are kept: the rest are stale.
pub struct Node {
    pub net: NetThread,
    pub events: tlschat::net::Events,
    pub seen: Vec<NetEvent>,
    pub session: std::cell::Cell<Option<SessionId>>,
}

impl Node {
    pub fn start() -> Self {
        let (net, events) = NetThread::spawn(Arc::new(|| {})).unwrap();
        Self {
            net,
            events,
            seen: Vec::new(),
            session: std::cell::Cell::new(None),
        }
    }

    pub fn send(&self, c: Command) {
        let command = match c {
            Command::Host(config) => {
                self.session
                    .set(Some(self.net.start(Start::Host(config)).unwrap()));
                return;
            }
            Command::Join(config) => {
                self.session
                    .set(Some(self.net.start(Start::Join(config)).unwrap()));
                return;
            }
            Command::Send { id, text } => SessionCommand::Send { id, text },
            Command::Nick(n) => SessionCommand::Nick(n),
            Command::Finish => SessionCommand::Finish,
            Command::Disconnect => SessionCommand::Disconnect,
        };
        assert!(
            self.net
                .send(self.session.get().expect("no session started"), command)
        );
    }

    /// The next event of the current session, within `left`.
    pub fn recv(&mut self, left: Duration) -> Option<NetEvent> {
        let end = Instant::now() + left;
        loop {
            let e = self
                .events
                .recv_timeout(end.saturating_duration_since(Instant::now()))?;
            if Some(e.session) == self.session.get() {
                return Some(e.event);
            }
        }
    }

    /// Waits (with [`DEADLINE`]) for the first event for which `f` returns Some.
    pub fn wait_for<T>(&mut self, what: &str, mut f: impl FnMut(&NetEvent) -> Option<T>) -> T {
        let end = Instant::now() + DEADLINE;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.recv(left).ok_or(()) {
                Ok(e) => {
                    let hit = f(&e);
                    self.seen.push(e);
                    if let Some(v) = hit {
                        return v;
                    }
                }
                Err(_) => panic!(
                    "timed out waiting for {what}; events so far: {:#?}",
                    self.seen
                ),
            }
        }
    }

    /// Waits for a message with this text from someone else; returns its sender's nick.
    pub fn wait_message(&mut self, text: &str) -> String {
        self.wait_for(&format!("message {text:?}"), |e| match e {
            NetEvent::Message(m) if m.text == text && !m.own => Some(m.nick.clone()),
            _ => None,
        })
    }

    /// Takes every event that arrives until `quiet` passes without one.
    pub fn drain(&mut self, quiet: Duration) {
        while let Some(e) = self.recv(quiet) {
            self.seen.push(e);
        }
    }
}

/// A loopback address with a port that was free a moment ago (for tests
/// that must name the port before a server binds it).
pub fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// Starts a host on a free loopback port; returns it and the address.
pub fn host(cert: &Issued, nick: &str) -> (Node, SocketAddr) {
    host_with(cert, nick, HostLimits::default())
}

pub fn join_config(addr: SocketAddr, nick: &str, ca: &Path) -> JoinConfig {
    JoinConfig {
        host: addr.ip().to_string(),
        port: addr.port(),
        nick: nick.into(),
        ca_files: vec![ca.to_path_buf()],
        pins: Vec::new(),
        remember_pin: false,
        identity: None,
        config_dir: None,
        // The tests of history and resume turn it on; elsewhere a drop ends
        // the session, as these tests expect.
        reconnect: false,
    }
}

/// Joins and waits until in the room; returns the node and its member id.
pub fn join(addr: SocketAddr, nick: &str, ca: &Path) -> (Node, u64) {
    let mut node = Node::start();
    node.send(Command::Join(join_config(addr, nick, ca)));
    let you = node.wait_for("joined", |e| match e {
        NetEvent::Joined { you, .. } => Some(*you),
        NetEvent::Disconnected { reason, .. } => panic!("join failed: {reason}"),
        _ => None,
    });
    (node, you)
}

/// A blocking TLS client without ALPN, as `openssl s_client` would be.
pub struct PlainClient {
    pub reader: BufReader<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>,
}

impl PlainClient {
    pub fn connect(addr: SocketAddr, ca: &Path) -> Self {
        Self::connect_with(addr, ca, None)
    }

    /// A client offering `alpn` (e.g. `tlschat/1`, to speak JSON by hand).
    pub fn connect_with(addr: SocketAddr, ca: &Path, alpn: Option<&[u8]>) -> Self {
        Self::over(TcpStream::connect(addr).unwrap(), addr, ca, alpn)
    }

    /// A client over a TCP connection made by the caller.
    pub fn over(tcp: TcpStream, addr: SocketAddr, ca: &Path, alpn: Option<&[u8]>) -> Self {
        let mut roots = rustls::RootCertStore::empty();
        for c in tlschat::net::pem::load_certs(ca).unwrap() {
            roots.add(c).unwrap();
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut config = config;
        config.alpn_protocols = alpn.map(|a| vec![a.to_vec()]).unwrap_or_default();
        let name = rustls::pki_types::ServerName::try_from(addr.ip().to_string()).unwrap();
        let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
        tcp.set_read_timeout(Some(DEADLINE)).unwrap();
        Self {
            reader: BufReader::new(rustls::StreamOwned::new(conn, tcp)),
        }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        let s = self.reader.get_mut();
        s.write_all(bytes).unwrap();
        s.flush().unwrap();
    }

    pub fn send(&mut self, line: &str) {
        self.send_raw(format!("{line}\n").as_bytes());
    }

    /// The next line, without its newline; panics after [`DEADLINE`].
    pub fn line(&mut self) -> String {
        let mut buf = Vec::new();
        let n = self
            .reader
            .read_until(b'\n', &mut buf)
            .expect("reading a line");
        assert!(n > 0, "the host closed the connection");
        String::from_utf8(buf)
            .unwrap()
            .trim_end_matches('\n')
            .to_string()
    }

    /// Reads lines until one satisfies `f`; returns the lines read before it.
    pub fn until(&mut self, mut f: impl FnMut(&str) -> bool) -> Vec<String> {
        let mut before = Vec::new();
        loop {
            let l = self.line();
            if f(&l) {
                return before;
            }
            before.push(l);
        }
    }

    /// Sends close_notify and closes.
    pub fn close(mut self) {
        let s = self.reader.get_mut();
        s.conn.send_close_notify();
        let _ = s.flush();
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest);
    }
}

/// A TCP connection to `addr` from the loopback address `source` (any of
/// 127.0.0.0/8 works on Linux), so tests can play several machines.
pub fn connect_from(source: std::net::IpAddr, addr: SocketAddr) -> TcpStream {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::new(source, 0)).unwrap();
        let tcp = socket.connect(addr).await.unwrap();
        let tcp = tcp.into_std().unwrap();
        tcp.set_nonblocking(false).unwrap();
        tcp
    })
}

/// A host with these limits on a free loopback port.
pub fn host_with(cert: &Issued, nick: &str, limits: HostLimits) -> (Node, SocketAddr) {
    let node = Node::start();
    node.send(Command::Host(HostConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        nick: nick.into(),
        identity: Some((cert.cert.clone(), cert.key.clone())),
        client_ca: None,
        config_dir: tempfile::tempdir().unwrap().keep(),
        limits,
        history: tlschat::net::HistoryConfig::default(),
    }));
    let mut node = node;
    let addr = node.wait_for("listening", |e| match e {
        NetEvent::Listening { addr, .. } => Some(*addr),
        NetEvent::Disconnected { reason, .. } => panic!("host failed: {reason}"),
        _ => None,
    });
    (node, addr)
}

/// A TCP relay on loopback between a member and a host, that a test can
/// cut and mend: [`Relay::sever`] closes every connection through it and
/// turns new ones away (accepted, then closed at once), [`Relay::restore`]
/// lets them through again. It plays a network that drops, for the tests
/// of reconnecting and resuming.
pub struct Relay {
    /// Where members connect instead of the host.
    pub addr: SocketAddr,
    open: Arc<std::sync::atomic::AtomicBool>,
    /// Bumped on every sever; each connection ends when it changes.
    cut: tokio::sync::watch::Sender<u64>,
    /// How many connections were let through, in all.
    passed: Arc<std::sync::atomic::AtomicUsize>,
    runtime: tokio::runtime::Runtime,
}

impl Relay {
    /// A relay to `target`, open.
    pub fn start(target: SocketAddr) -> Self {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let open = Arc::new(AtomicBool::new(true));
        let passed = Arc::new(AtomicUsize::new(0));
        let (cut, _) = tokio::sync::watch::channel(0u64);
        let (open2, passed2, cut2) = (open.clone(), passed.clone(), cut.clone());
        runtime.spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                // Which cut this connection lives until: read before
                // `open`, so that a sever in between is never missed.
                let mut cuts = cut2.subscribe();
                let generation = *cuts.borrow_and_update();
                if !open2.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                passed2.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cuts.wait_for(|g| *g != generation) => {}
                    }
                    // Dropping both ends closes both connections.
                });
            }
        });
        Self {
            addr,
            open,
            cut,
            passed,
            runtime,
        }
    }

    /// Closes every connection through the relay and turns new ones away.
    pub fn sever(&self) {
        self.open.store(false, std::sync::atomic::Ordering::SeqCst);
        self.cut.send_modify(|g| *g += 1);
    }

    /// Lets connections through again.
    pub fn restore(&self) {
        self.open.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// How many connections it let through so far.
    pub fn passed(&self) -> usize {
        self.passed.load(std::sync::atomic::Ordering::SeqCst)
    }
}
