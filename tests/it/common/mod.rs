//! Shared helpers for the integration tests: certificates made at test time
//! with rcgen, net threads with a deadline-based event wait, and a blocking
//! plain-text TLS client (no ALPN), like `openssl s_client`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod lang;
pub mod window;

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
    Send {
        id: u64,
        text: String,
    },
    Nick(String),
    Finish,
    Disconnect,
    /// The host's door (issue 20).
    Door(tlschat::net::DoorCommand),
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

    /// A key of a member's own: a self-signed certificate, which a host
    /// takes as a key to recognise (not a CA-verified identity).
    pub fn member_key(&self, name: &str) -> Issued {
        self.self_signed(name, &Pki::leaf_params(&[name]))
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
            Command::Door(d) => SessionCommand::Door(d),
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
}

/// A port held for the whole test, for scenarios that must name it before
/// a host binds it: a host that comes back on the same address, the
/// `history-PORT.sqlite3` a fixed port keeps, an address where nothing
/// listens. Everything else binds port 0 in the process under test and
/// reads the address back.
///
/// The socket is bound with `SO_REUSEADDR` and never listens: connecting
/// to it is refused, and no one else's `bind` or `connect` can take its
/// port, yet a host (tokio binds with `SO_REUSEADDR`) can listen on it, and
/// again after a restart, with no moment when the port is free.
pub struct Reserved {
    _socket: tokio::net::TcpSocket,
    /// The address held.
    pub addr: SocketAddr,
}

/// Holds a port of `ip` (`127.0.0.1`, `::1`) until the result is dropped.
pub fn reserve(ip: &str) -> Reserved {
    let ip: std::net::IpAddr = ip.parse().unwrap();
    let socket = if ip.is_ipv4() {
        tokio::net::TcpSocket::new_v4()
    } else {
        tokio::net::TcpSocket::new_v6()
    }
    .unwrap();
    socket.set_reuseaddr(true).unwrap();
    socket.bind(SocketAddr::new(ip, 0)).unwrap();
    let addr = socket.local_addr().unwrap();
    Reserved {
        _socket: socket,
        addr,
    }
}

/// `openssl s_server … -accept 127.0.0.1:0` (without `-quiet`): waits for
/// its `ACCEPT ADDR` line and returns the address it listens on.
pub fn s_server_accepting(s_server: &mut Proc) -> SocketAddr {
    let line = s_server.expect("ACCEPT", |l| l.starts_with("ACCEPT "));
    line["ACCEPT ".len()..]
        .parse()
        .unwrap_or_else(|e| panic!("{e}: no address in {line:?}"))
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
        tls: tlschat::net::TlsOptions::default(),
        invite: None,
    }
}

/// [`join_config`] for `nick` presenting `key` as its own.
pub fn keyed_join_config(addr: SocketAddr, nick: &str, pki: &Pki, key: &Issued) -> JoinConfig {
    let mut config = join_config(addr, nick, &pki.ca_pem);
    config.identity = Some((key.cert.clone(), key.key.clone()));
    config
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

    /// A client offering `tlschat/1`, to speak its JSON frames by hand.
    pub fn connect_json(addr: SocketAddr, ca: &Path) -> Self {
        Self::connect_with(addr, ca, Some(b"tlschat/1"))
    }

    /// A client offering `alpn`.
    pub fn connect_with(addr: SocketAddr, ca: &Path, alpn: Option<&[u8]>) -> Self {
        Self::over(TcpStream::connect(addr).unwrap(), addr, ca, alpn)
    }

    /// A client over a TCP connection made by the caller.
    pub fn over(tcp: TcpStream, addr: SocketAddr, ca: &Path, alpn: Option<&[u8]>) -> Self {
        let conn = client_connection(addr, ca, alpn);
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

    /// The next line, without its newline, or why there is none (the
    /// host closed the connection: `UnexpectedEof`).
    pub fn try_line(&mut self) -> std::io::Result<String> {
        let mut buf = Vec::new();
        if self.reader.read_until(b'\n', &mut buf)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(String::from_utf8_lossy(&buf)
            .trim_end_matches('\n')
            .to_string())
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

/// A TLS client configuration trusting `ca` (and nothing else), offering
/// `alpn`.
pub fn client_config(ca: &Path, alpn: Option<&[u8]>) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for c in tlschat::net::pem::load_certs(ca).unwrap() {
        roots.add(c).unwrap();
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.map(|a| vec![a.to_vec()]).unwrap_or_default();
    Arc::new(config)
}

/// A TLS client connection to `addr` (no I/O yet) trusting `ca`, offering
/// `alpn`.
pub fn client_connection(
    addr: SocketAddr,
    ca: &Path,
    alpn: Option<&[u8]>,
) -> rustls::ClientConnection {
    let name = rustls::pki_types::ServerName::try_from(addr.ip().to_string()).unwrap();
    rustls::ClientConnection::new(client_config(ca, alpn), name).unwrap()
}

/// Makes a FIFO at `path` (for tests that hand one where a file belongs).
#[cfg(unix)]
pub fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}

/// A plain-text member joins `addr` from 127.0.0.1 and is told who is in
/// the room within `limit`; returns how long that took, or what went
/// wrong and when. It leaves again at once.
pub fn join_within(addr: SocketAddr, ca: &Path, limit: Duration) -> Result<Duration, String> {
    let started = Instant::now();
    let failed = |e: &dyn std::fmt::Display| format!("{e} after {:?}", started.elapsed());
    let tcp = TcpStream::connect_timeout(&addr, limit).map_err(|e| failed(&e))?;
    let mut member = PlainClient::over(tcp, addr, ca, None);
    loop {
        let left = limit.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(failed(&"not in the room"));
        }
        let sock = &member.reader.get_ref().sock;
        sock.set_read_timeout(Some(left)).map_err(|e| failed(&e))?;
        if member
            .try_line()
            .map_err(|e| failed(&e))?
            .starts_with("* in the room")
        {
            return Ok(started.elapsed());
        }
    }
}

/// A handshake flood: `per_source` TCP connections to `target` from each
/// of `sources` (loopback addresses) that send `hello` (nothing, or a
/// ClientHello) and then nothing more, each opened
/// again as soon as the host closes it (after a short pause when the host
/// closed it at once, as it does one it refuses). Connections are opened
/// at most one per [`Flood::PACE`], so that the host's accept queue (128)
/// does not overflow: what the flood holds, the host holds. Runs on a
/// runtime of its own until dropped.
pub struct Flood {
    counts: Arc<FloodCounts>,
    rt: Option<tokio::runtime::Runtime>,
}

struct FloodCounts {
    /// When the next connection may be opened.
    next: tokio::sync::Mutex<tokio::time::Instant>,
    /// Connections open for longer than [`Flood::TAKEN`]: the host took them.
    held: std::sync::atomic::AtomicUsize,
    /// Connections the host closed after taking them.
    dropped: std::sync::atomic::AtomicUsize,
}

impl Flood {
    /// A connection still open after this was taken by the host (one it
    /// refuses is closed at once).
    const TAKEN: Duration = Duration::from_millis(200);
    /// Connections are opened at most this often.
    const PACE: Duration = Duration::from_millis(1);

    pub fn start(
        target: SocketAddr,
        sources: &[std::net::IpAddr],
        per_source: usize,
        hello: &[u8],
    ) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let counts = Arc::new(FloodCounts {
            next: tokio::sync::Mutex::new(rt.block_on(async { tokio::time::Instant::now() })),
            held: std::sync::atomic::AtomicUsize::new(0),
            dropped: std::sync::atomic::AtomicUsize::new(0),
        });
        let hello: Arc<[u8]> = hello.into();
        for &source in sources {
            for _ in 0..per_source {
                rt.spawn(flood_one(source, target, hello.clone(), counts.clone()));
            }
        }
        Self {
            counts,
            rt: Some(rt),
        }
    }

    /// Connections the host holds now.
    pub fn held(&self) -> usize {
        self.counts.held.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Connections the host took and closed so far.
    pub fn dropped(&self) -> usize {
        self.counts
            .dropped
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Waits (with [`DEADLINE`]) until the host holds `n` of them.
    pub fn wait_held(&self, n: usize) {
        let end = Instant::now() + DEADLINE;
        while self.held() < n {
            assert!(
                Instant::now() < end,
                "the flood holds {} connections, not {n}",
                self.held()
            );
            // A poll of the flood's count.
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Flood {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

async fn flood_one(
    source: std::net::IpAddr,
    target: SocketAddr,
    hello: Arc<[u8]>,
    counts: Arc<FloodCounts>,
) {
    use std::sync::atomic::Ordering::SeqCst;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    loop {
        let at = {
            let mut next = counts.next.lock().await;
            let at = (*next).max(tokio::time::Instant::now());
            *next = at + Flood::PACE;
            at
        };
        tokio::time::sleep_until(at).await;
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        let connected = match socket.bind(SocketAddr::new(source, 0)) {
            Ok(()) => socket.connect(target).await,
            Err(e) => Err(e),
        };
        // The pauses are the flood's pace, part of the scenario.
        let Ok(mut tcp) = connected else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        if tcp.write_all(&hello).await.is_err() {
            continue;
        }
        // What the host answers is read and dropped, until it closes.
        let closed = async {
            let mut buf = [0u8; 4096];
            while tcp.read(&mut buf).await.is_ok_and(|n| n > 0) {}
        };
        tokio::pin!(closed);
        let taken = tokio::select! {
            () = &mut closed => false,
            () = tokio::time::sleep(Flood::TAKEN) => true,
        };
        if taken {
            counts.held.fetch_add(1, SeqCst);
            closed.await;
            counts.held.fetch_sub(1, SeqCst);
            counts.dropped.fetch_add(1, SeqCst);
        } else {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
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
    let mut config = host_config(cert, nick);
    config.limits = limits;
    host_from(config)
}

/// What [`host_with`] hosts with: this certificate, a port the system
/// picks, default limits, history in memory (the port is 0).
pub fn host_config(cert: &Issued, nick: &str) -> HostConfig {
    HostConfig {
        identity: Some((cert.cert.clone(), cert.key.clone())),
        ..self_signed_host_config(nick)
    }
}

/// [`host_config`] with the self-signed certificate the host makes and
/// keeps in its configuration directory (a new temporary one).
pub fn self_signed_host_config(nick: &str) -> HostConfig {
    HostConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        nick: nick.into(),
        identity: None,
        client_ca: None,
        config_dir: tempfile::tempdir().unwrap().keep(),
        limits: HostLimits::default(),
        history: tlschat::net::HistoryConfig::default(),
        tls: tlschat::net::TlsOptions::default(),
        // The tests of everything but the door itself: anyone comes in and
        // is given the backlog (tests/it/door.rs shuts it).
        door: tlschat::net::DoorConfig::open(),
    }
}

/// Hosts with `config`; returns the host node once it listens, and where.
pub fn host_from(config: HostConfig) -> (Node, SocketAddr) {
    let mut node = Node::start();
    node.send(Command::Host(config));
    let addr = node.wait_for("listening", |e| match e {
        NetEvent::Listening { addr, .. } => Some(*addr),
        NetEvent::Disconnected { reason, .. } => panic!("host failed: {reason}"),
        _ => None,
    });
    (node, addr)
}

/// A TCP relay between members and a host, run by the test on a runtime of
/// its own: it forwards bytes both ways until it is told to cut them, so a
/// test can drop a member's connection (or hold what goes one way) at a
/// moment it chooses.
pub struct Relay {
    addr: SocketAddr,
    shared: Arc<RelayShared>,
    rt: Option<tokio::runtime::Runtime>,
}

struct RelayShared {
    /// Bumped by [`Relay::sever`]: connections of an older epoch end.
    epoch: tokio::sync::watch::Sender<u64>,
    severed: std::sync::atomic::AtomicBool,
    hold_to_host: tokio::sync::watch::Sender<bool>,
    hold_to_members: tokio::sync::watch::Sender<bool>,
    accepted: std::sync::atomic::AtomicUsize,
    held_to_host: std::sync::atomic::AtomicUsize,
}

impl Relay {
    /// Listens on a free loopback port and forwards to `target`.
    pub fn start(target: SocketAddr) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let shared = Arc::new(RelayShared {
            epoch: tokio::sync::watch::Sender::new(0),
            severed: std::sync::atomic::AtomicBool::new(false),
            hold_to_host: tokio::sync::watch::Sender::new(false),
            hold_to_members: tokio::sync::watch::Sender::new(false),
            accepted: std::sync::atomic::AtomicUsize::new(0),
            held_to_host: std::sync::atomic::AtomicUsize::new(0),
        });
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        rt.spawn(relay_accept(listener, target, shared.clone()));
        Self {
            addr,
            shared,
            rt: Some(rt),
        }
    }

    /// Where members connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Closes every live connection (both ends; what was read and not yet
    /// forwarded is lost) and closes new ones as soon as they are accepted.
    pub fn sever(&self) {
        use std::sync::atomic::Ordering::SeqCst;
        self.shared.severed.store(true, SeqCst);
        self.shared.epoch.send_modify(|e| *e += 1);
    }

    /// Forwards new connections again, holding nothing.
    pub fn restore(&self) {
        use std::sync::atomic::Ordering::SeqCst;
        self.shared.hold_to_host.send_replace(false);
        self.shared.hold_to_members.send_replace(false);
        self.shared.held_to_host.store(0, SeqCst);
        self.shared.severed.store(false, SeqCst);
    }

    /// While on, what members send is read but not passed to the host.
    pub fn hold_to_host(&self, on: bool) {
        self.shared.hold_to_host.send_replace(on);
    }

    /// While on, what the host sends is read but not passed to members.
    pub fn hold_to_members(&self, on: bool) {
        self.shared.hold_to_members.send_replace(on);
    }

    /// Bytes read from members and held back from the host so far.
    pub fn held_to_host(&self) -> usize {
        self.shared
            .held_to_host
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Connections forwarded so far (refused ones not counted).
    pub fn accepted(&self) -> usize {
        self.shared
            .accepted
            .load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

async fn relay_accept(
    listener: tokio::net::TcpListener,
    target: SocketAddr,
    shared: Arc<RelayShared>,
) {
    use std::sync::atomic::Ordering::SeqCst;
    loop {
        let Ok((member, _)) = listener.accept().await else {
            continue;
        };
        if shared.severed.load(SeqCst) {
            drop(member);
            continue;
        }
        let epoch = *shared.epoch.borrow();
        shared.accepted.fetch_add(1, SeqCst);
        let shared = shared.clone();
        tokio::spawn(async move {
            let Ok(host) = tokio::net::TcpStream::connect(target).await else {
                return;
            };
            let _ = member.set_nodelay(true);
            let _ = host.set_nodelay(true);
            let (mr, mw) = member.into_split();
            let (hr, hw) = host.into_split();
            tokio::join!(
                relay_pump(mr, hw, &shared, epoch, true),
                relay_pump(hr, mw, &shared, epoch, false),
            );
        });
    }
}

/// Resolves once the relay is severed after `epoch` (or is gone).
async fn relay_severed(cut: &mut tokio::sync::watch::Receiver<u64>, epoch: u64) {
    let _ = cut.wait_for(|e| *e != epoch).await;
}

/// Resolves once nothing is held (or the relay is gone).
async fn relay_released(hold: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = hold.wait_for(|h| !*h).await;
}

/// Forwards one direction until its end, or until the relay is severed.
async fn relay_pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    shared: &RelayShared,
    epoch: u64,
    to_host: bool,
) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut cut = shared.epoch.subscribe();
    let mut hold = if to_host {
        shared.hold_to_host.subscribe()
    } else {
        shared.hold_to_members.subscribe()
    };
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = tokio::select! {
            r = from.read(&mut buf) => match r {
                Ok(0) | Err(_) => {
                    let _ = to.shutdown().await;
                    return;
                }
                Ok(n) => n,
            },
            () = relay_severed(&mut cut, epoch) => return,
        };
        if to_host && *hold.borrow() {
            shared
                .held_to_host
                .fetch_add(n, std::sync::atomic::Ordering::SeqCst);
        }
        tokio::select! {
            () = relay_released(&mut hold) => {}
            () = relay_severed(&mut cut, epoch) => return,
        }
        tokio::select! {
            r = to.write_all(&buf[..n]) => if r.is_err() { return },
            () = relay_severed(&mut cut, epoch) => return,
        }
    }
}

/// The real `tlschat` binary with its configuration directory.
pub fn tlschat_command(config_dir: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_tlschat"));
    // Logs only where a test asks for them.
    c.env("TLSCHAT_CONFIG_DIR", config_dir)
        .env("RUST_BACKTRACE", "1")
        .env_remove("RUST_LOG")
        // In English whatever the test's own locale (tests/it/i18n.rs sets
        // a Chinese one).
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8");
    c
}

/// The host's flags for a room whose door is open to anyone, with the
/// whole backlog for newcomers: rooms as they were before the door, for
/// the tests of everything but the door (tests/it/door.rs shuts it).
pub const OPEN_DOOR: [&str; 4] = ["--access", "open", "--history-visibility", "all"];

/// `tlschat host --headless --bind BIND --name NAME --access open
/// --history-visibility all` in `config_dir` (the door open, as before it
/// had one: tests/it/door.rs shuts it), with `cert` (and its key) or the
/// certificate it makes and keeps there; more arguments may follow.
pub fn headless_host_command(
    config_dir: &Path,
    bind: &str,
    name: &str,
    cert: Option<&Issued>,
) -> std::process::Command {
    let mut c = tlschat_command(config_dir);
    c.args(["host", "--headless", "--bind", bind, "--name", name]);
    c.args(OPEN_DOOR);
    if let Some(cert) = cert {
        c.arg("--cert").arg(&cert.cert).arg("--key").arg(&cert.key);
    }
    c
}

/// `tlschat host --headless` named hana on a port the system picks, with
/// `extra` arguments; returns it once it listens, and where.
pub fn headless_host(config_dir: &Path, extra: &[&str]) -> (Proc, SocketAddr) {
    let mut p =
        Proc::spawn(headless_host_command(config_dir, "127.0.0.1:0", "hana", None).args(extra));
    let addr = p.expect_hosting();
    (p, addr)
}

/// [`headless_host`] with this certificate and key.
pub fn headless_host_with(config_dir: &Path, cert: &Issued) -> (Proc, SocketAddr) {
    let (c, k) = (cert.cert.to_str().unwrap(), cert.key.to_str().unwrap());
    headless_host(config_dir, &["--cert", c, "--key", k])
}

/// Closes its stdin and waits (with [`DEADLINE`]) for the exit; returns
/// the exit code (-1 for a signal), every stdout line and the whole stderr.
pub fn finish(mut p: Proc) -> (i32, Vec<String>, String) {
    p.close_stdin();
    let (code, err) = p.wait_exit();
    (code.unwrap_or(-1), std::mem::take(&mut p.seen), err)
}

/// What `tlschat trust list` prints for this configuration directory.
pub fn trust_list(config_dir: &Path) -> String {
    let out = tlschat_command(config_dir)
        .args(["trust", "list"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A running process (usually `tlschat`, see [`tlschat_command`]): its
/// stdout read line by line and kept whole, its stderr kept whole.
pub struct Proc {
    pub child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    lines: std::sync::mpsc::Receiver<String>,
    stdout: Arc<std::sync::Mutex<Vec<u8>>>,
    stderr: Arc<std::sync::Mutex<Vec<u8>>>,
    /// Every stdout line taken so far, without its line ending.
    pub seen: Vec<String>,
}

impl Proc {
    pub fn spawn(cmd: &mut std::process::Command) -> Self {
        use std::process::Stdio;
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = Arc::new(std::sync::Mutex::new(Vec::new()));
        let stderr = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (tx, lines) = std::sync::mpsc::channel();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let keep = stdout.clone();
        std::thread::spawn(move || {
            let mut line = Vec::new();
            while out.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
                keep.lock().unwrap().extend_from_slice(&line);
                // Only the line ending goes, as with `BufRead::lines`.
                let text = line.strip_suffix(b"\n").unwrap_or(&line);
                let text = text.strip_suffix(b"\r").unwrap_or(text);
                let _ = tx.send(String::from_utf8_lossy(text).into_owned());
                line.clear();
            }
        });
        let mut err = child.stderr.take().unwrap();
        let keep = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                keep.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let stdin = child.stdin.take();
        Self {
            child,
            stdin,
            lines,
            stdout,
            stderr,
            seen: Vec::new(),
        }
    }

    /// What it wrote on stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr_bytes()).into_owned()
    }

    /// The bytes it wrote on stderr so far, as written.
    pub fn stderr_bytes(&self) -> Vec<u8> {
        self.stderr.lock().unwrap().clone()
    }

    /// The bytes it wrote on stdout so far, as written (line endings and
    /// invalid UTF-8 included).
    pub fn stdout_bytes(&self) -> Vec<u8> {
        self.stdout.lock().unwrap().clone()
    }

    /// Waits (with [`DEADLINE`]) for a stdout line satisfying `f`.
    pub fn expect(&mut self, what: &str, f: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + DEADLINE;
        loop {
            match self
                .lines
                .recv_timeout(end.saturating_duration_since(Instant::now()))
            {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if f(&l) {
                        return l;
                    }
                }
                Err(_) => panic!(
                    "no line with {what}; stdout so far: {:#?}\nstderr: {}",
                    self.seen,
                    self.stderr()
                ),
            }
        }
    }

    /// Waits (with [`DEADLINE`]) for a headless host's `* hosting on ADDR: …`
    /// line; returns the address it listens on.
    pub fn expect_hosting(&mut self) -> SocketAddr {
        let line = self.expect("hosting on", |l| l.starts_with("* hosting on "));
        let addr = line["* hosting on ".len()..].split(": ").next().unwrap();
        addr.parse()
            .unwrap_or_else(|e| panic!("{e}: no address in {line:?}"))
    }

    /// Writes a line to its stdin.
    pub fn say(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Closes its stdin (end of input, as Ctrl-D would).
    pub fn close_stdin(&mut self) {
        drop(self.stdin.take());
    }

    /// Sends it a signal (`TERM`, `INT`, …).
    pub fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits (with [`DEADLINE`]) for it to exit; returns its exit code
    /// (`None` when a signal ended it) and its whole stderr. Then every
    /// stdout line is in [`Proc::seen`] and every byte in
    /// [`Proc::stdout_bytes`].
    pub fn wait_exit(&mut self) -> (Option<i32>, String) {
        let end = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // The pipes close with the process: the readers see their
                // end soon after.
                let drained = Instant::now() + DEADLINE;
                loop {
                    let left = drained.saturating_duration_since(Instant::now());
                    match self.lines.recv_timeout(left) {
                        Ok(l) => self.seen.push(l),
                        Err(_) => break,
                    }
                }
                while Arc::strong_count(&self.stderr) > 1 && Instant::now() < drained {
                    // A poll: the stderr reader ends soon after the pipe does.
                    std::thread::sleep(Duration::from_millis(5));
                }
                return (status.code(), self.stderr());
            }
            assert!(
                Instant::now() < end,
                "the process did not exit; stdout: {:#?}\nstderr: {}",
                self.seen,
                self.stderr()
            );
            // A poll: std has no wait with a timeout.
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Kills it with SIGKILL (no chance to clean up) and reaps it.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The full name of test `name` in module `module` (`module_path!()`), as
/// `--exact` wants it when a test runs itself in a child process: the
/// binary's own name (`it::`) is not part of it.
pub fn test_name(module: &str, name: &str) -> String {
    let module = module.split_once("::").map_or("", |(_, rest)| rest);
    if module.is_empty() {
        name.to_string()
    } else {
        format!("{module}::{name}")
    }
}

/// A notice (or any message the net layer made) in English, as the tests
/// read it whatever the locale they run in.
pub fn english(said: &tlschat::i18n::Msg) -> String {
    said.text_in(tlschat::i18n::Lang::En)
}

/// Whether `openssl` can be run (it says why not when it cannot).
pub fn have_openssl() -> bool {
    if std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_err()
    {
        eprintln!("openssl is not installed; .ci/run installs it");
        return false;
    }
    true
}
