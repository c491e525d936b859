//! The member: connect, verify the host, then chat over a [`Connection`] in
//! the dialect the host chose: `tlschat/1` JSON lines or, when the host does
//! not speak it, plain text lines. One session loop serves both.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_rustls::TlsConnector;

use crate::net::certinfo::CertInfo;
use crate::net::command::{JoinConfig, SessionCommand};
use crate::net::event::{
    ConnectionInfo, DisconnectKind, HandshakeKind, MemberInfo, MessageEvent, NetEvent, TlsVersion,
    TrustBasis, Untrusted,
};
use crate::net::frame::{ClientFrame, ErrorCode, Resume, ServerFrame, WireMember};
use crate::net::lines::sanitize_str;
use crate::net::pins::PinStore;
use crate::net::protocol::{
    Connection, Dialect, MAX_LINE, MemberSide, check_message, encode_client,
};
use crate::net::recorder::Recorder;
use crate::net::resume::CurrentVerifier;
use crate::net::safe_text::Newlines;
use crate::net::thread::{EventSink, ended};
use crate::net::trust::{Decision, MemberVerifier, Outcome, root_store};
use crate::net::{ALPN, HANDSHAKE_TIMEOUT};

/// How long connecting (resolving included) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `Finish` waits for outstanding acknowledgements.
const FINISH_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the session failed, as one line, and what kind of ending it is.
/// How a session ended: what kind of ending, one line naming the cause,
/// and whether it was a drop that reconnecting may cure.
#[derive(Debug, PartialEq, Eq)]
struct Failure {
    kind: DisconnectKind,
    reason: String,
    retry: bool,
}

/// An error that trying again will not cure.
fn fail(reason: String) -> Failure {
    over(DisconnectKind::Error, reason)
}

/// The connection (or the network) failed: worth trying again.
fn dropped(reason: String) -> Failure {
    Failure {
        kind: DisconnectKind::Error,
        reason,
        retry: true,
    }
}

/// A final ending.
fn over(kind: DisconnectKind, reason: impl Into<String>) -> Failure {
    Failure {
        kind,
        reason: reason.into(),
        retry: false,
    }
}

async fn connect_tcp(config: &JoinConfig) -> Result<TcpStream, Failure> {
    let target = config.canonical_target().map_err(|e| fail(e.to_string()))?;
    let addrs: Vec<_> = tokio::time::timeout(
        CONNECT_TIMEOUT,
        tokio::net::lookup_host((config.host.as_str(), config.port)),
    )
    .await
    .map_err(|_| {
        dropped(format!(
            "cannot resolve {}: the lookup timed out",
            config.host
        ))
    })?
    .map_err(|e| dropped(format!("cannot resolve {}: {e}", config.host)))?
    .collect();
    if addrs.is_empty() {
        return Err(dropped(format!(
            "cannot resolve {}: no addresses",
            config.host
        )));
    }
    let mut last = None;
    for addr in addrs {
        tracing::debug!(%addr, "connecting");
        match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
            Ok(Ok(tcp)) => {
                let _ = tcp.set_nodelay(true);
                return Ok(tcp);
            }
            Ok(Err(e)) => last = Some(e),
            Err(_) => last = Some(std::io::Error::from(std::io::ErrorKind::TimedOut)),
        }
    }
    let reason = match last {
        Some(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            format!("cannot connect to {target}: connection refused (is a host running there?)")
        }
        Some(e) if e.kind() == std::io::ErrorKind::TimedOut => {
            format!(
                "cannot connect to {target}: no answer within {} s",
                CONNECT_TIMEOUT.as_secs()
            )
        }
        Some(e) => format!("cannot connect to {target}: {e}"),
        None => format!("cannot connect to {target}"),
    };
    Err(dropped(reason))
}

fn handshake_error(target: &str, e: &std::io::Error) -> String {
    let tls = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    match tls {
        Some(rustls::Error::InvalidMessage(_)) => {
            format!("{target} does not speak TLS (its answer is not a TLS handshake)")
        }
        Some(rustls::Error::AlertReceived(
            alert @ (rustls::AlertDescription::HandshakeFailure
            | rustls::AlertDescription::ProtocolVersion),
        )) => {
            format!(
                "the TLS handshake with {target} failed: the host sent the alert {alert:?} (no TLS version, cipher suite or key-exchange group in common? compare --tls-version and --groups)"
            )
        }
        Some(rustls::Error::AlertReceived(alert)) => {
            format!("the TLS handshake with {target} failed: the host sent the alert {alert:?}")
        }
        Some(rustls::Error::PeerIncompatible(why)) => {
            format!(
                "the TLS handshake with {target} failed: the host has nothing in common with what we offered ({why:?}; compare --tls-version and --groups)"
            )
        }
        Some(other) => format!("the TLS handshake with {target} failed: {other}"),
        None if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            format!("{target} closed the connection during the TLS handshake (is it a TLS server?)")
        }
        None => format!("the TLS handshake with {target} failed: {e}"),
    }
}

fn tls_version(v: Option<rustls::ProtocolVersion>) -> Result<TlsVersion, Failure> {
    match v {
        Some(rustls::ProtocolVersion::TLSv1_3) => Ok(TlsVersion::Tls13),
        Some(rustls::ProtocolVersion::TLSv1_2) => Ok(TlsVersion::Tls12),
        other => Err(fail(format!(
            "the TLS library negotiated a version this program does not know: {other:?}"
        ))),
    }
}

/// Presents our certificate, if we have one, and notes whether the host
/// asked for it (only then is it sent).
#[derive(Debug)]
struct AskedResolver {
    inner: Option<rustls::sign::SingleCertAndKey>,
    asked: std::sync::atomic::AtomicBool,
}

impl AskedResolver {
    fn asked(&self) -> bool {
        self.asked.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl rustls::client::ResolvesClientCert for AskedResolver {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        let key = self.inner.as_ref()?.resolve(root_hint_subjects, sigschemes);
        self.asked
            .store(key.is_some(), std::sync::atomic::Ordering::Relaxed);
        key
    }

    fn has_certs(&self) -> bool {
        self.inner.is_some()
    }
}

/// Joins a room and runs the session until it ends.
pub(crate) async fn run(
    config: JoinConfig,
    sink: EventSink,
    commands: mpsc::UnboundedReceiver<SessionCommand>,
) {
    let mut commands = Inbox {
        early: std::collections::VecDeque::new(),
        rx: commands,
    };
    let mut carry = match Carry::new(&config) {
        Ok(c) => c,
        Err(e) => return ended(&sink, DisconnectKind::Error, e),
    };
    let mut attempt = 0u32;
    let end = loop {
        let end = match session(&config, &sink, &mut commands, &mut carry, attempt > 0).await {
            Ok(end) | Err(end) => end,
        };
        // Only a drop of a tlschat/1 room we were in is tried again; never
        // a trust failure, a room that closed, or what the user asked for.
        if !(end.retry && config.reconnect && carry.room.is_some()) {
            break end;
        }
        attempt = if carry.welcomed { 1 } else { attempt + 1 };
        carry.welcomed = false;
        let delay = backoff(attempt);
        tracing::info!(attempt, ?delay, "connection lost: {}", end.reason);
        sink.emit(NetEvent::Reconnecting {
            reason: end.reason.clone(),
            in_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            attempt,
        });
        if let Some(end) = wait_to_reconnect(delay, &mut commands, &mut carry, &sink).await {
            break end;
        }
    };
    let why = match end.kind {
        DisconnectKind::ByUser if carry.finishing.is_some() => {
            "the host did not acknowledge it in time".to_string()
        }
        DisconnectKind::ByUser => "you left before the host acknowledged it".to_string(),
        DisconnectKind::ByPeer => "the room closed before it was delivered".to_string(),
        _ => format!("it was not acknowledged: {}", end.reason),
    };
    for id in std::mem::take(&mut carry.pending).into_keys() {
        sink.emit(NetEvent::NotDelivered {
            id,
            reason: why.clone(),
        });
    }
    ended(&sink, end.kind, end.reason);
}

/// The shortest wait before reconnecting; it doubles up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(500);
/// The longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Messages (and their bytes) that may wait for the connection to come back.
const MAX_WAITING: usize = 1000;
const MAX_WAITING_BYTES: usize = 4 * 1024 * 1024;

/// How long to wait before attempt `n` (1, 2, …): 0.5 s doubling to 30 s,
/// with up to a quarter taken off at random so that the members of a room
/// that dropped together do not all come back in the same instant.
fn backoff(n: u32) -> Duration {
    let base = MIN_BACKOFF
        .saturating_mul(1u32 << n.saturating_sub(1).min(16))
        .min(MAX_BACKOFF);
    let mut r = [0u8; 2];
    let _ = rustls::crypto::aws_lc_rs::default_provider()
        .secure_random
        .fill(&mut r);
    let jitter = f64::from(u16::from_le_bytes(r)) / f64::from(u16::MAX) * 0.25;
    base.mul_f64(1.0 - jitter)
}

/// Waits before reconnecting, taking the user's commands meanwhile:
/// messages wait for the connection, Reconnect-now cuts the wait short.
/// `Some` ends the session.
async fn wait_to_reconnect(
    delay: Duration,
    commands: &mut Inbox,
    carry: &mut Carry,
    sink: &EventSink,
) -> Option<Failure> {
    let until = tokio::time::Instant::now() + delay;
    loop {
        let finish = carry.finishing.unwrap_or(until);
        tokio::select! {
            () = tokio::time::sleep_until(until.min(finish)) => {
                if carry.finishing.is_some_and(|f| f <= tokio::time::Instant::now()) {
                    return Some(over(DisconnectKind::ByUser, "you left the room"));
                }
                return None;
            }
            command = commands.recv() => match command {
                Some(SessionCommand::Send { id, text }) => {
                    let text = text.replace('\r', "");
                    let waiting: usize = carry.pending.values().map(String::len).sum();
                    let refused = if carry.pending.len() >= MAX_WAITING || waiting + text.len() > MAX_WAITING_BYTES {
                        Some("too many messages are waiting for the connection to come back".to_string())
                    } else {
                        check_message(&sanitize_str(&text, Newlines::Keep)).err().map(|e| e.message)
                    };
                    match refused {
                        Some(reason) => sink.emit(NetEvent::NotDelivered { id, reason }),
                        None => {
                            carry.pending.insert(id, text);
                        }
                    }
                }
                Some(SessionCommand::Nick(nick)) => {
                    sink.emit(NetEvent::Notice(format!("you will ask to be {nick} when the connection is back")));
                    carry.nick = nick;
                }
                Some(SessionCommand::ReconnectNow) => return None,
                Some(SessionCommand::Finish) => {
                    if carry.pending.is_empty() {
                        return Some(over(DisconnectKind::ByUser, "you left the room"));
                    }
                    carry.finishing.get_or_insert(tokio::time::Instant::now() + FINISH_TIMEOUT);
                }
                Some(SessionCommand::Disconnect) | None => {
                    return Some(over(DisconnectKind::ByUser, "you left the room"));
                }
            },
        }
    }
}

/// How many session tickets a member keeps (rustls' default).
const TICKETS: usize = 256;

/// What a member keeps across reconnects.
struct Carry {
    /// A random token for this session: with a message id, it names a
    /// message once, so the host recognizes a resend.
    client: String,
    /// The room we were welcomed in (`tlschat/1` rooms only).
    room: Option<String>,
    /// The last sequence number seen (a message or an acknowledgement).
    last_seq: u64,
    /// The nickname to ask for.
    nick: String,
    /// Messages not acknowledged yet, by id, as sent.
    pending: std::collections::BTreeMap<u64, String>,
    /// When the user asked to leave once everything is acknowledged: the
    /// deadline.
    finishing: Option<tokio::time::Instant>,
    /// Whether the current connection got as far as a welcome.
    welcomed: bool,
    /// The user's key log file (`--keylog`), opened once for every
    /// connection of the session.
    keylog: Option<Arc<crate::net::keylog::KeyLogFile>>,
    /// Handshake secrets, kept until the connection's handshake is decoded.
    captured: Arc<crate::net::keylog::Captured>,
    /// The tickets the host gave: a reconnect offers one to resume.
    tickets: Arc<rustls::client::ClientSessionMemoryCache>,
    /// How the host was trusted on the last full handshake: a resumed
    /// one (no certificate sent) is the same host, proven by the ticket.
    trusted: Option<(TrustBasis, Vec<CertInfo>)>,
    /// The verifier object rustls sees on every connection of the session.
    verifier: Option<Arc<CurrentVerifier>>,
    /// Our client certificate's resolver, and the certificate.
    resolver: Option<(Arc<AskedResolver>, Option<CertInfo>)>,
}

impl Carry {
    fn new(config: &JoinConfig) -> Result<Self, String> {
        let mut token = [0u8; 16];
        rustls::crypto::aws_lc_rs::default_provider()
            .secure_random
            .fill(&mut token)
            .map_err(|_| "the system has no random numbers".to_string())?;
        Ok(Self {
            client: token.iter().map(|b| format!("{b:02x}")).collect(),
            room: None,
            last_seq: 0,
            nick: config.nick.clone(),
            pending: std::collections::BTreeMap::new(),
            finishing: None,
            welcomed: false,
            keylog: match &config.tls.keylog {
                Some(path) => Some(Arc::new(
                    crate::net::keylog::KeyLogFile::open(path).map_err(|e| e.to_string())?,
                )),
                None => None,
            },
            captured: Arc::default(),
            tickets: Arc::new(rustls::client::ClientSessionMemoryCache::new(TICKETS)),
            trusted: None,
            verifier: None,
            resolver: None,
        })
    }
}

async fn session(
    config: &JoinConfig,
    sink: &EventSink,
    commands: &mut Inbox,
    carry: &mut Carry,
    again: bool,
) -> Result<Failure, Failure> {
    let target = config.canonical_target().map_err(|e| fail(e.to_string()))?;
    if !again {
        sink.emit(NetEvent::Connecting {
            target: target.clone(),
        });
    }
    let roots = {
        let files = config.ca_files.clone();
        tokio::task::spawn_blocking(move || root_store(&files))
            .await
            .map_err(|e| fail(format!("cannot load trusted certificates: {e}")))?
            .map_err(|e| fail(e.to_string()))?
    };
    let known = match &config.config_dir {
        Some(dir) => PinStore::load(dir)
            .map_err(|e| fail(e.to_string()))?
            .get(&target)
            .cloned(),
        None => None,
    };
    let provider = config.tls.provider().map_err(fail)?;
    let offered_groups: Vec<String> = provider
        .kx_groups
        .iter()
        .map(|g| {
            g.name()
                .as_str()
                .map_or_else(|| format!("{:?}", g.name()), str::to_string)
        })
        .collect();
    // One resolver (and one verifier object in front of each connection's
    // verifier) for the whole session, or rustls will not resume.
    let (asked, client_certificate) = match &carry.resolver {
        Some((asked, cert)) => (asked.clone(), cert.clone()),
        None => {
            let client_identity = match &config.identity {
                Some((cert, key)) => Some(
                    crate::net::pem::load_identity(cert, key, &provider)
                        .map_err(|e| fail(e.to_string()))?,
                ),
                None => None,
            };
            let cert = client_identity
                .as_ref()
                .and_then(|id| id.cert.first())
                .map(|c| CertInfo::from_der(c));
            let asked = Arc::new(AskedResolver {
                inner: client_identity.map(rustls::sign::SingleCertAndKey::from),
                asked: std::sync::atomic::AtomicBool::new(false),
            });
            carry.resolver = Some((asked.clone(), cert.clone()));
            (asked, cert)
        }
    };
    asked
        .asked
        .store(false, std::sync::atomic::Ordering::Relaxed);
    let verifier = Arc::new(MemberVerifier::new(
        roots,
        provider.clone(),
        target.clone(),
        known,
        config.pins.clone(),
        config.remember_pin,
    ));
    let current = match &carry.verifier {
        Some(current) => {
            current.set(verifier.clone());
            current.clone()
        }
        None => {
            let current = Arc::new(CurrentVerifier::new(verifier.clone()));
            carry.verifier = Some(current.clone());
            current
        }
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(config.tls.versions())
        .map_err(|e| fail(format!("cannot configure TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(current);
    let mut tls_config = builder.with_client_cert_resolver(asked.clone());
    tls_config.alpn_protocols = vec![ALPN.to_vec()];
    tls_config.key_log = Arc::new(crate::net::keylog::Secrets {
        file: carry.keylog.clone(),
        capture: Some(carry.captured.clone()),
    });
    tls_config.resumption = rustls::client::Resumption::store(carry.tickets.clone());
    let server_name = ServerName::try_from(config.host.clone()).map_err(|_| {
        fail(format!(
            "'{}' is not a valid host name or address",
            config.host
        ))
    })?;
    let sni = match &server_name {
        ServerName::DnsName(d) => Some(d.as_ref().to_string()),
        _ => None,
    };

    let tcp = tokio::select! {
        tcp = connect_tcp(config) => tcp?,
        () = commands.wait_for_stop() => return Ok(over(DisconnectKind::ByUser, "you cancelled the connection")),
    };
    let peer_addr = tcp
        .peer_addr()
        .map_err(|e| dropped(format!("cannot connect to {target}: {e}")))?;
    let started = Instant::now();
    let connector = TlsConnector::from(Arc::new(tls_config));
    let tcp = Recorder::new(tcp, true);
    let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, connector.connect(server_name, tcp));
    let mut tls = match handshake.await {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => {
            if let Some(Outcome {
                decision:
                    Decision::Refuse {
                        problem,
                        previous,
                        can_proceed,
                    },
                chain,
            }) = verifier.outcome()
            {
                let reason = format!(
                    "the certificate of {target} is not trusted: {}",
                    problem.explain()
                );
                tracing::info!("{reason}");
                sink.emit(NetEvent::Untrusted(Box::new(Untrusted {
                    target,
                    problem,
                    chain,
                    previous: previous.map(Box::new),
                    can_proceed,
                })));
                return Err(over(DisconnectKind::Untrusted, reason));
            }
            return Err(dropped(handshake_error(&target, &e)));
        }
        Err(_) => {
            return Err(dropped(format!(
                "the TLS handshake with {target} did not finish within {} s",
                HANDSHAKE_TIMEOUT.as_secs()
            )));
        }
    };
    let handshake_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    // From here on the recorder is a pass-through.
    let wire = tls
        .get_mut()
        .0
        .finish()
        .map(|tape| Arc::new(decode_handshake(&tape, &carry.captured)));
    {
        let c = tls.get_ref().1;
        tracing::debug!(
            peer = %peer_addr,
            version = ?c.protocol_version(),
            suite = ?c.negotiated_cipher_suite().map(|s| s.suite()),
            group = ?c.negotiated_key_exchange_group().map(|g| g.name()),
            alpn = ?c.alpn_protocol().map(String::from_utf8_lossy),
            handshake_us,
            "handshake done"
        );
    }
    let conn = tls.get_ref().1;
    let resumed = conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
    let earlier = carry.trusted.clone().filter(|_| resumed);
    let (trust, store, notice, chain) = match (verifier.outcome(), earlier) {
        (
            Some(Outcome {
                decision:
                    Decision::Accept {
                        basis,
                        store,
                        notice,
                    },
                chain,
            }),
            _,
        ) => {
            carry.trusted = Some((basis.clone(), chain.clone()));
            (basis, store, notice, chain)
        }
        // A resumed session sends no certificate: the ticket, which only
        // the host we verified before can use, stands for it.
        (None, Some((basis, chain))) => (basis, None, None, chain),
        _ => {
            return Err(fail(
                "the TLS library finished a handshake that was not verified".into(),
            ));
        }
    };
    let alpn = conn
        .alpn_protocol()
        .map(|a| String::from_utf8_lossy(a).into_owned());
    let dialect = Dialect::from_alpn(conn.alpn_protocol());
    let info = ConnectionInfo {
        target: target.clone(),
        peer_addr,
        protocol: tls_version(conn.protocol_version())?,
        cipher_suite: conn
            .negotiated_cipher_suite()
            .and_then(|s| s.suite().as_str())
            .unwrap_or("unknown")
            .to_string(),
        key_exchange: conn
            .negotiated_key_exchange_group()
            .and_then(|g| g.name().as_str())
            .unwrap_or("unknown")
            .to_string(),
        alpn,
        sni,
        handshake_kind: match conn.handshake_kind() {
            Some(rustls::HandshakeKind::Resumed) => HandshakeKind::Resumed,
            Some(rustls::HandshakeKind::FullWithHelloRetryRequest) => {
                HandshakeKind::FullWithHelloRetryRequest
            }
            _ => HandshakeKind::Full,
        },
        handshake_us,
        chain,
        trust,
        plain_text: dialect == Dialect::Plain,
        offered_groups,
        offered_alpn: vec![String::from_utf8_lossy(ALPN).into_owned()],
        signature_scheme: verifier.signature_scheme().map_or_else(
            || {
                if resumed {
                    "none (a resumed session: no certificate, no signature)".to_string()
                } else {
                    "unknown".to_string()
                }
            },
            |s| s.as_str().map_or_else(|| format!("{s:?}"), str::to_string),
        ),
        client_certificate: client_certificate.filter(|_| asked.asked()),
        wire,
        keylog: config.tls.keylog.clone(),
    };
    sink.emit(NetEvent::Connected(Box::new(info)));
    if let (Some(entry), Some(dir)) = (store, &config.config_dir) {
        let dir = dir.clone();
        let saved =
            tokio::task::spawn_blocking(move || PinStore::update(&dir, |s| s.set(entry))).await;
        match saved {
            Ok(Ok(())) => {}
            Ok(Err(e)) => sink.emit(NetEvent::Notice(format!(
                "could not update the known hosts: {e}"
            ))),
            Err(e) => sink.emit(NetEvent::Notice(format!(
                "could not update the known hosts: {e}"
            ))),
        }
    }
    if let Some(text) = notice {
        sink.emit(NetEvent::Notice(text));
    }

    let mut connection = Connection::<_, MemberSide>::new(tls, dialect, 8 * 1024);
    let end = chat(&target, &mut connection, sink, commands, carry).await;
    let _ = tokio::time::timeout(Duration::from_secs(2), connection.writer.shutdown()).await;
    Ok(end)
}

/// Decodes a recorded handshake with the secrets rustls gave for it.
fn decode_handshake(
    tape: &crate::net::recorder::Tape,
    captured: &crate::net::keylog::Captured,
) -> crate::net::wire::Handshake {
    let secrets = crate::net::wire::client_random(&tape.sent).and_then(|r| captured.take(&r));
    crate::net::wire::decode(tape, true, secrets.as_ref())
}

/// The session's commands, with those that arrived while connecting kept
/// in order for when the room is open.
struct Inbox {
    early: std::collections::VecDeque<SessionCommand>,
    rx: mpsc::UnboundedReceiver<SessionCommand>,
}

impl Inbox {
    /// The next command (cancel-safe).
    async fn recv(&mut self) -> Option<SessionCommand> {
        match self.early.pop_front() {
            Some(c) => Some(c),
            None => self.rx.recv().await,
        }
    }

    /// Resolves when the user asks to stop (or the command channel closes);
    /// keeps every other command for later.
    async fn wait_for_stop(&mut self) {
        while let Some(c) = self.rx.recv().await {
            if matches!(c, SessionCommand::Disconnect) {
                return;
            }
            self.early.push_back(c);
        }
    }
}

fn member(m: WireMember) -> MemberInfo {
    MemberInfo {
        id: m.id,
        nick: m.nick,
        is_host: m.host,
        plain_text: m.plain,
        identity: m.identity,
    }
}

/// Where the member stands in the room.
struct Chat<'a> {
    sink: &'a EventSink,
    target: &'a str,
    /// What outlives this connection.
    carry: &'a mut Carry,
    /// Our member id, once welcomed (a plain-text room has none).
    me: Option<u64>,
    /// A local count for a plain-text room, whose lines carry no order.
    plain_seq: u64,
    /// While the member list comes in pages: the id the next page follows.
    paging: Option<u64>,
    /// Members that left while the pages came (a page may predate it).
    gone: std::collections::HashSet<u64>,
    /// The room's last sequence number when we were welcomed.
    welcome_seq: u64,
    /// While stored messages come: what the host announced.
    history: Option<(u64, u64, bool)>,
}

impl Chat<'_> {
    /// Asks for the member list after `next`, or ends the paging.
    fn page_after(&mut self, next: Option<u64>) -> Option<ClientFrame> {
        self.paging = next;
        if next.is_none() {
            self.gone.clear();
        }
        next.map(|after| ClientFrame::Who { after: Some(after) })
    }

    fn left_while_paging(&mut self, id: u64) {
        if self.paging.is_some() {
            self.gone.insert(id);
        }
    }

    fn saw(&mut self, seq: u64) {
        self.carry.last_seq = self.carry.last_seq.max(seq);
    }

    /// Handles a frame from the host; returns a frame to send back (the
    /// next roster page) or the end of the session.
    fn on_frame(&mut self, frame: ServerFrame) -> Result<Option<ClientFrame>, Failure> {
        let sink = self.sink;
        match frame {
            ServerFrame::Welcome {
                you,
                nick,
                members,
                total,
                next,
                room,
                seq,
            } => {
                self.me = Some(you);
                self.carry.nick.clone_from(&nick);
                self.carry.welcomed = true;
                if !room.is_empty() {
                    if self.carry.room.as_deref() != Some(room.as_str()) {
                        // Another room (or one restarted without its
                        // history): its numbers start afresh.
                        self.carry.last_seq = 0;
                    }
                    self.carry.room = Some(room);
                }
                self.welcome_seq = seq;
                sink.emit(NetEvent::Joined {
                    you,
                    nick,
                    members: members.into_iter().map(member).collect(),
                    total,
                });
                return Ok(self.page_after(next));
            }
            ServerFrame::History {
                count,
                missed,
                resumed,
            } => self.history = Some((count, missed, resumed)),
            ServerFrame::HistoryEnd => {
                // Whatever the room said up to our welcome is now seen.
                self.saw(self.welcome_seq);
                let (count, missed, resumed) = self.history.take().unwrap_or_default();
                sink.emit(NetEvent::HistoryEnd {
                    count,
                    missed,
                    resumed,
                });
            }
            ServerFrame::Roster { members, next, .. } => {
                // Only the pages we asked for; a member that left since is
                // not brought back by a page made before it left.
                let Some(after) = self.paging else {
                    return Ok(None);
                };
                let members: Vec<MemberInfo> = members
                    .into_iter()
                    .filter(|m| m.id > after && !self.gone.contains(&m.id))
                    .map(member)
                    .collect();
                sink.emit(NetEvent::Roster { members });
                // Each page must move on, or a host could keep us asking.
                return Ok(self.page_after(next.filter(|n| *n > after)));
            }
            ServerFrame::Msg {
                seq,
                from,
                nick,
                text,
                ts,
                history,
            } => {
                self.saw(seq);
                sink.emit(NetEvent::Message(MessageEvent {
                    seq,
                    from: Some(from),
                    nick,
                    text,
                    time_ms: ts,
                    own: false,
                    history,
                }));
            }
            ServerFrame::Ack {
                id,
                seq,
                ts,
                text,
                history,
            } => {
                self.saw(seq);
                // An id acknowledged twice (a resend of a message whose
                // first acknowledgement was lost) is shown once.
                // The view shows our own message since we sent it: this is
                // not history to it, even when it came in a replay.
                let _ = history;
                if let Some(id) = id.and_then(|id| id.parse::<u64>().ok())
                    && self.carry.pending.remove(&id).is_some()
                {
                    sink.emit(NetEvent::Message(MessageEvent {
                        seq,
                        from: self.me,
                        nick: self.carry.nick.clone(),
                        text,
                        time_ms: ts,
                        own: true,
                        history: false,
                    }));
                    sink.emit(NetEvent::Delivered { id });
                }
            }
            ServerFrame::Joined { member: m } => sink.emit(NetEvent::MemberJoined(member(m))),
            ServerFrame::MembersChanged { joined, left } => {
                for m in joined {
                    sink.emit(NetEvent::MemberJoined(member(m)));
                }
                for l in left {
                    self.left_while_paging(l.member.id);
                    sink.emit(NetEvent::MemberLeft {
                        member: member(l.member),
                        reason: l.reason,
                    });
                }
            }
            ServerFrame::Left { member: m, reason } => {
                self.left_while_paging(m.id);
                sink.emit(NetEvent::MemberLeft {
                    member: member(m),
                    reason,
                });
            }
            ServerFrame::Renamed { id, old, new } => {
                if Some(id) == self.me {
                    self.carry.nick.clone_from(&new);
                }
                sink.emit(NetEvent::Renamed { id, old, new });
            }
            ServerFrame::Error {
                code: ErrorCode::Replaced,
                message,
                ..
            } => {
                // Another connection of this session is in the room now:
                // coming back would only take its place in turn.
                return Err(over(
                    DisconnectKind::ByPeer,
                    format!("the host says: {message}"),
                ));
            }
            ServerFrame::Error { id, message, .. } => {
                match id.and_then(|id| id.parse::<u64>().ok()) {
                    Some(id) if self.carry.pending.remove(&id).is_some() => {
                        sink.emit(NetEvent::NotDelivered {
                            id,
                            reason: format!("the host refused it: {message}"),
                        });
                    }
                    _ => sink.emit(NetEvent::Notice(format!("the host says: {message}"))),
                }
            }
            ServerFrame::Notice { text } => sink.emit(NetEvent::Notice(text)),
            ServerFrame::Closing { reason } => {
                return Err(over(DisconnectKind::ByPeer, reason));
            }
            ServerFrame::PlainLine { nick, text } => {
                self.plain_seq += 1;
                sink.emit(NetEvent::Message(MessageEvent {
                    seq: self.plain_seq,
                    from: None,
                    nick: nick.unwrap_or_else(|| self.target.to_string()),
                    text,
                    time_ms: crate::net::now_ms(),
                    own: false,
                    history: false,
                }));
            }
        }
        Ok(None)
    }
}

/// The chat itself, in either dialect, until the session ends. In a
/// `tlschat/1` room the hello names our client token and, coming back,
/// where we left off; what was not acknowledged is sent again (the host
/// recognizes what it already has).
async fn chat<T: AsyncRead + AsyncWrite>(
    target: &str,
    conn: &mut Connection<T, MemberSide>,
    sink: &EventSink,
    commands: &mut Inbox,
    carry: &mut Carry,
) -> Failure {
    let dialect = conn.dialect();
    let lost =
        |e: &dyn std::fmt::Display| dropped(format!("the connection to {target} was lost: {e}"));
    let mut chat = Chat {
        sink,
        target,
        carry,
        me: None,
        plain_seq: 0,
        paging: None,
        gone: std::collections::HashSet::new(),
        welcome_seq: 0,
        history: None,
    };
    match dialect {
        Dialect::Json => {
            let resume = chat.carry.room.clone().map(|room| Resume {
                room,
                after: chat.carry.last_seq,
            });
            let mut out = Vec::new();
            let hello = ClientFrame::Hello {
                nick: chat.carry.nick.clone(),
                client: Some(chat.carry.client.clone()),
                resume,
            };
            encode_client(&hello, dialect, &mut out);
            for (id, text) in &chat.carry.pending {
                let frame = ClientFrame::Msg {
                    id: Some(id.to_string()),
                    text: text.clone(),
                };
                encode_client(&frame, dialect, &mut out);
            }
            if let Err(e) = conn.writer.write_encoded(&out).await {
                return lost(&e);
            }
        }
        Dialect::Plain => sink.emit(NetEvent::Notice(format!(
            "{target} does not speak tlschat/1: plain text mode, lines go as they are and delivery cannot be confirmed"
        ))),
    }
    loop {
        if chat.carry.finishing.is_some() && chat.carry.pending.is_empty() {
            return over(DisconnectKind::ByUser, "you left the room");
        }
        let deadline = chat
            .carry
            .finishing
            .unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            frame = conn.read_frame() => {
                let frame = match frame {
                    Ok(Some(Ok(frame))) => frame,
                    Ok(Some(Err(e))) => {
                        sink.emit(NetEvent::Notice(format!("ignored a line from the host: {}", e.message)));
                        continue;
                    }
                    Ok(None) => {
                        return match dialect {
                            Dialect::Plain => over(DisconnectKind::ByPeer, format!("{target} closed the connection")),
                            Dialect::Json => dropped("the host closed the connection without a word".into()),
                        };
                    }
                    Err(e) => return lost(&e),
                };
                match chat.on_frame(frame) {
                    Ok(Some(reply)) => {
                        if let Err(e) = conn.write_frame(&reply).await {
                            return lost(&e);
                        }
                    }
                    Ok(None) => {}
                    Err(end) => return end,
                }
            }
            command = commands.recv() => match command {
                Some(SessionCommand::Send { id, text }) => {
                    let text = text.replace('\r', "");
                    let frame = ClientFrame::Msg { id: Some(id.to_string()), text };
                    let mut line = Vec::new();
                    encode_client(&frame, dialect, &mut line);
                    let ClientFrame::Msg { text, .. } = frame else { continue };
                    let refused = if line.split(|b| *b == b'\n').any(|l| l.len() > MAX_LINE) {
                        Some(format!("the message is too long ({} bytes encoded; the limit is {MAX_LINE})", line.len() - 1))
                    } else if dialect == Dialect::Json {
                        // The host refuses what could not reach every member;
                        // say so at once rather than after a round trip.
                        check_message(&sanitize_str(&text, Newlines::Keep)).err().map(|e| e.message)
                    } else {
                        None
                    };
                    if let Some(reason) = refused {
                        sink.emit(NetEvent::NotDelivered { id, reason });
                        continue;
                    }
                    // Pending before it is written: a message cut off on
                    // the way goes again after a reconnect.
                    let own_text = match dialect {
                        Dialect::Json => {
                            chat.carry.pending.insert(id, text);
                            None
                        }
                        Dialect::Plain => Some(text),
                    };
                    if let Err(e) = conn.writer.write_encoded(&line).await {
                        if dialect == Dialect::Plain {
                            sink.emit(NetEvent::NotDelivered { id, reason: format!("the connection was lost: {e}") });
                        }
                        return lost(&e);
                    }
                    if let Some(text) = own_text {
                        chat.plain_seq += 1;
                        sink.emit(NetEvent::Message(MessageEvent {
                            seq: chat.plain_seq,
                            from: None,
                            nick: String::new(),
                            text,
                            time_ms: crate::net::now_ms(),
                            own: true,
                            history: false,
                        }));
                        sink.emit(NetEvent::Sent { id });
                    }
                }
                Some(SessionCommand::Nick(nick)) => {
                    if let Err(e) = conn.write_frame(&ClientFrame::Nick { nick }).await {
                        return lost(&e);
                    }
                }
                Some(SessionCommand::Finish) => {
                    if dialect == Dialect::Plain {
                        return over(DisconnectKind::ByUser, "you left");
                    }
                    chat.carry.finishing.get_or_insert(tokio::time::Instant::now() + FINISH_TIMEOUT);
                }
                Some(SessionCommand::ReconnectNow) => {}
                Some(SessionCommand::Disconnect) | None => {
                    return over(DisconnectKind::ByUser, "you left the room");
                }
            },
            () = tokio::time::sleep_until(deadline), if chat.carry.finishing.is_some() => {
                return over(DisconnectKind::ByUser, "you left the room");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::frame::LeaveReason;

    fn wire(id: u64) -> WireMember {
        WireMember {
            id,
            nick: format!("m{id}"),
            host: id == 0,
            plain: false,
            identity: None,
        }
    }

    fn carry() -> Carry {
        Carry::new(&JoinConfig {
            host: "h".into(),
            port: 1,
            nick: "me".into(),
            ca_files: Vec::new(),
            pins: Vec::new(),
            remember_pin: false,
            identity: None,
            config_dir: None,
            reconnect: true,
            tls: crate::net::TlsOptions::default(),
        })
        .unwrap()
    }

    fn chat<'a>(sink: &'a EventSink, carry: &'a mut Carry) -> Chat<'a> {
        Chat {
            sink,
            target: "h:1",
            carry,
            me: None,
            plain_seq: 0,
            paging: None,
            gone: std::collections::HashSet::new(),
            welcome_seq: 0,
            history: None,
        }
    }

    #[test]
    fn an_acknowledgement_that_comes_twice_shows_the_message_once_and_seqs_are_remembered() {
        let (sink, events) = EventSink::for_tests();
        let mut carry = carry();
        carry.pending.insert(7, "hi".into());
        let mut chat = chat(&sink, &mut carry);
        let welcome = ServerFrame::Welcome {
            you: 3,
            nick: "me".into(),
            members: vec![wire(0), wire(3)],
            total: 2,
            next: None,
            room: "room-a".into(),
            seq: 40,
        };
        chat.on_frame(welcome).unwrap();
        chat.on_frame(ServerFrame::History {
            count: 2,
            missed: 0,
            resumed: true,
        })
        .unwrap();
        let ack = |history| ServerFrame::Ack {
            id: Some("7".into()),
            seq: 39,
            ts: 1,
            text: "hi".into(),
            history,
        };
        chat.on_frame(ack(true)).unwrap();
        // Not yet at the welcome's number: the replay may still be cut.
        assert_eq!(chat.carry.last_seq, 39);
        chat.on_frame(ServerFrame::HistoryEnd).unwrap();
        assert_eq!(chat.carry.last_seq, 40);
        chat.on_frame(ack(false)).unwrap();
        assert_eq!(chat.carry.room.as_deref(), Some("room-a"));
        let own: Vec<_> = events
            .try_iter()
            .filter(|e| matches!(&e.event, NetEvent::Message(m) if m.own))
            .collect();
        assert_eq!(own.len(), 1);
        assert!(chat.carry.pending.is_empty());
    }

    #[test]
    fn backoff_doubles_from_half_a_second_to_thirty() {
        let b: Vec<Duration> = (1..=10).map(backoff).collect();
        assert!(b[0] <= Duration::from_millis(500) && b[0] >= Duration::from_millis(375));
        assert!(b[1] <= Duration::from_secs(1) && b[1] >= Duration::from_millis(750));
        assert!(b[9] <= Duration::from_secs(30) && b[9] >= Duration::from_millis(22_500));
    }

    #[test]
    fn roster_pages_are_asked_for_move_on_and_never_bring_back_who_left() {
        let (sink, events) = EventSink::for_tests();
        let mut carry = carry();
        let mut chat = chat(&sink, &mut carry);
        // An unasked-for page is ignored.
        let page = |members: Vec<u64>, next| ServerFrame::Roster {
            members: members.into_iter().map(wire).collect(),
            total: 9,
            next,
        };
        assert_eq!(chat.on_frame(page(vec![1], None)), Ok(None));
        let welcome = ServerFrame::Welcome {
            you: 9,
            nick: "me".into(),
            members: vec![wire(0), wire(1)],
            total: 9,
            next: Some(1),
            room: "r".into(),
            seq: 0,
        };
        assert_eq!(
            chat.on_frame(welcome),
            Ok(Some(ClientFrame::Who { after: Some(1) }))
        );
        // Member 3 leaves before the page that lists it arrives.
        let left = ServerFrame::Left {
            member: wire(3),
            reason: LeaveReason::Left,
        };
        assert_eq!(chat.on_frame(left), Ok(None));
        assert_eq!(
            chat.on_frame(page(vec![2, 3, 4], Some(4))),
            Ok(Some(ClientFrame::Who { after: Some(4) }))
        );
        // A page that does not move on ends the paging.
        assert_eq!(chat.on_frame(page(vec![5], Some(4))), Ok(None));
        assert_eq!(
            chat.on_frame(page(vec![6], None)),
            Ok(None),
            "not asked for"
        );
        let rosters: Vec<Vec<u64>> = events
            .try_iter()
            .filter_map(|e| match e.event {
                NetEvent::Roster { members } => Some(members.iter().map(|m| m.id).collect()),
                _ => None,
            })
            .collect();
        assert_eq!(rosters, vec![vec![2, 4], vec![5]]);
    }
}
