//! The member: connect, verify the host, then chat in `tlschat/1` JSON lines
//! or, when the host does not speak it, in plain text lines.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use tokio::io::{AsyncWrite, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_rustls::TlsConnector;

use crate::net::certinfo::CertInfo;
use crate::net::command::{Command, JoinConfig};
use crate::net::event::{
    ConnectionInfo, DisconnectKind, MemberInfo, MessageEvent, NetEvent, Untrusted,
};
use crate::net::frame::{ClientFrame, ServerFrame, WireMember};
use crate::net::lines::{Line, LineReader, sanitize};
use crate::net::pins::PinStore;
use crate::net::thread::{EventSink, ended};
use crate::net::trust::{Decision, MemberVerifier, Outcome, root_store};
use crate::net::{ALPN, HANDSHAKE_TIMEOUT, MAX_LINE};

/// How long connecting (resolving included) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `Finish` waits for outstanding acknowledgements.
const FINISH_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the session failed, as one line, and what kind of ending it is.
type Failure = (DisconnectKind, String);

fn fail(reason: String) -> Failure {
    (DisconnectKind::Error, reason)
}

async fn connect_tcp(config: &JoinConfig) -> Result<TcpStream, Failure> {
    let target = config.target();
    let addrs: Vec<_> = tokio::time::timeout(
        CONNECT_TIMEOUT,
        tokio::net::lookup_host((config.host.as_str(), config.port)),
    )
    .await
    .map_err(|_| {
        fail(format!(
            "cannot resolve {}: the lookup timed out",
            config.host
        ))
    })?
    .map_err(|e| fail(format!("cannot resolve {}: {e}", config.host)))?
    .collect();
    if addrs.is_empty() {
        return Err(fail(format!(
            "cannot resolve {}: no addresses",
            config.host
        )));
    }
    let mut last = None;
    for addr in addrs {
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
    Err(fail(reason))
}

fn handshake_error(target: &str, e: &std::io::Error) -> String {
    let tls = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    match tls {
        Some(rustls::Error::InvalidMessage(_)) => {
            format!("{target} does not speak TLS (its answer is not a TLS handshake)")
        }
        Some(rustls::Error::AlertReceived(alert)) => {
            format!("the TLS handshake with {target} failed: the host sent the alert {alert:?}")
        }
        Some(other) => format!("the TLS handshake with {target} failed: {other}"),
        None if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            format!("{target} closed the connection during the TLS handshake (is it a TLS server?)")
        }
        None => format!("the TLS handshake with {target} failed: {e}"),
    }
}

fn protocol_name(v: Option<rustls::ProtocolVersion>) -> String {
    match v {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3".into(),
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2".into(),
        Some(other) => format!("{other:?}"),
        None => "unknown".into(),
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
    commands: mpsc::UnboundedReceiver<Command>,
) {
    let (kind, reason) = match session(&config, &sink, commands).await {
        Ok(end) | Err(end) => end,
    };
    ended(&sink, kind, reason);
}

async fn session(
    config: &JoinConfig,
    sink: &EventSink,
    commands: mpsc::UnboundedReceiver<Command>,
) -> Result<Failure, Failure> {
    let mut commands = Inbox {
        early: std::collections::VecDeque::new(),
        rx: commands,
    };
    let target = config.target();
    sink.emit(NetEvent::Connecting {
        target: target.clone(),
    });
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
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let offered_groups: Vec<String> = provider
        .kx_groups
        .iter()
        .map(|g| {
            g.name()
                .as_str()
                .map_or_else(|| format!("{:?}", g.name()), str::to_string)
        })
        .collect();
    let client_identity = match &config.identity {
        Some((cert, key)) => Some(
            crate::net::pem::load_identity(cert, key, &provider)
                .map_err(|e| fail(e.to_string()))?,
        ),
        None => None,
    };
    let verifier = Arc::new(MemberVerifier::new(
        roots,
        provider.clone(),
        target.clone(),
        known,
        config.pins.clone(),
        config.remember_pin,
    ));
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| fail(format!("cannot configure TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone());
    let client_certificate = client_identity
        .as_ref()
        .and_then(|id| id.cert.first())
        .map(|c| CertInfo::from_der(c));
    let asked = Arc::new(AskedResolver {
        inner: client_identity.map(rustls::sign::SingleCertAndKey::from),
        asked: std::sync::atomic::AtomicBool::new(false),
    });
    let mut tls_config = builder.with_client_cert_resolver(asked.clone());
    tls_config.alpn_protocols = vec![ALPN.to_vec()];
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
        () = commands.wait_for_stop() => return Ok((DisconnectKind::ByUser, "you cancelled the connection".into())),
    };
    let peer_addr = tcp
        .peer_addr()
        .map_err(|e| fail(format!("cannot connect to {target}: {e}")))?;
    let started = Instant::now();
    let connector = TlsConnector::from(Arc::new(tls_config));
    let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, connector.connect(server_name, tcp));
    let tls = match handshake.await {
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
                sink.emit(NetEvent::Untrusted(Box::new(Untrusted {
                    target,
                    problem,
                    chain,
                    previous: previous.map(Box::new),
                    can_proceed,
                })));
                return Err((DisconnectKind::Untrusted, reason));
            }
            return Err(fail(handshake_error(&target, &e)));
        }
        Err(_) => {
            return Err(fail(format!(
                "the TLS handshake with {target} did not finish within {} s",
                HANDSHAKE_TIMEOUT.as_secs()
            )));
        }
    };
    let handshake_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let Some(Outcome {
        decision:
            Decision::Accept {
                basis: trust,
                store,
                notice,
            },
        chain,
    }) = verifier.outcome()
    else {
        return Err(fail(
            "the TLS library finished a handshake that was not verified".into(),
        ));
    };
    let conn = tls.get_ref().1;
    let alpn = conn
        .alpn_protocol()
        .map(|a| String::from_utf8_lossy(a).into_owned());
    let plain = alpn.as_deref().map(str::as_bytes) != Some(ALPN);
    let info = ConnectionInfo {
        target: target.clone(),
        peer_addr,
        protocol: protocol_name(conn.protocol_version()),
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
            Some(rustls::HandshakeKind::Resumed) => "resumed",
            Some(rustls::HandshakeKind::FullWithHelloRetryRequest) => {
                "full, after a HelloRetryRequest"
            }
            _ => "full",
        }
        .to_string(),
        handshake_us,
        chain,
        trust,
        plain_text: plain,
        offered_groups,
        offered_alpn: vec![String::from_utf8_lossy(ALPN).into_owned()],
        signature_scheme: verifier.signature_scheme().map_or_else(
            || "unknown".to_string(),
            |s| s.as_str().map_or_else(|| format!("{s:?}"), str::to_string),
        ),
        client_certificate: client_certificate.filter(|_| asked.asked()),
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

    let (read_half, mut write_half) = tokio::io::split(tls);
    let mut lines = LineReader::new(BufReader::new(read_half), MAX_LINE);
    let end = if plain {
        plain_session(&target, &mut lines, &mut write_half, sink, &mut commands).await
    } else {
        json_session(config, &mut lines, &mut write_half, sink, &mut commands).await
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), write_half.shutdown()).await;
    Ok(end)
}

/// The session's commands, with those that arrived while connecting kept
/// in order for when the room is open.
struct Inbox {
    early: std::collections::VecDeque<Command>,
    rx: mpsc::UnboundedReceiver<Command>,
}

impl Inbox {
    /// The next command (cancel-safe).
    async fn recv(&mut self) -> Option<Command> {
        match self.early.pop_front() {
            Some(c) => Some(c),
            None => self.rx.recv().await,
        }
    }

    /// Resolves when the user asks to stop (or the command channel closes);
    /// keeps every other command for later.
    async fn wait_for_stop(&mut self) {
        while let Some(c) = self.rx.recv().await {
            if matches!(c, Command::Disconnect | Command::Shutdown) {
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

async fn send_line<W: AsyncWrite + Unpin>(w: &mut W, line: &[u8]) -> std::io::Result<()> {
    w.write_all(line).await?;
    w.flush().await
}

async fn json_session<R, W>(
    config: &JoinConfig,
    lines: &mut LineReader<R>,
    w: &mut W,
    sink: &EventSink,
    commands: &mut Inbox,
) -> Failure
where
    R: tokio::io::AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let lost =
        |e: &dyn std::fmt::Display| fail(format!("the connection to the host was lost: {e}"));
    if let Err(e) = send_line(
        w,
        &ClientFrame::Hello {
            nick: config.nick.clone(),
        }
        .to_line(),
    )
    .await
    {
        return lost(&e);
    }
    let mut pending: BTreeSet<u64> = BTreeSet::new();
    let mut me = u64::MAX;
    let mut my_nick = config.nick.clone();
    let mut finishing: Option<tokio::time::Instant> = None;
    let not_delivered = |pending: &mut BTreeSet<u64>, why: &str| {
        for id in std::mem::take(pending) {
            sink.emit(NetEvent::NotDelivered {
                id,
                reason: why.into(),
            });
        }
    };
    loop {
        if finishing.is_some() && pending.is_empty() {
            return (DisconnectKind::ByUser, "you left the room".into());
        }
        let deadline =
            finishing.unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            line = lines.next_line() => {
                let frame = match line {
                    Ok(Some(Line::Text(bytes))) => match serde_json::from_slice::<ServerFrame>(&bytes) {
                        Ok(frame) => frame,
                        Err(e) => {
                            sink.emit(NetEvent::Notice(format!("ignored a frame the host sent that this version does not understand: {e}")));
                            continue;
                        }
                    },
                    Ok(Some(Line::TooLong)) => {
                        sink.emit(NetEvent::Notice("ignored an over-long line from the host".into()));
                        continue;
                    }
                    Ok(None) => {
                        not_delivered(&mut pending, "the connection closed before the host acknowledged it");
                        return fail("the host closed the connection without a word".into());
                    }
                    Err(e) => {
                        not_delivered(&mut pending, "the connection was lost before the host acknowledged it");
                        return lost(&e);
                    }
                };
                match frame {
                    ServerFrame::Welcome { you, nick, members } => {
                        me = you;
                        my_nick.clone_from(&nick);
                        sink.emit(NetEvent::Joined { you, nick, members: members.into_iter().map(member).collect() });
                    }
                    ServerFrame::Msg { seq, from, nick, text, ts } => sink.emit(NetEvent::Message(MessageEvent {
                        seq, from, nick, text, time_ms: ts, own: false,
                    })),
                    ServerFrame::Ack { id, seq, ts, text } => {
                        if let Ok(id) = id.parse::<u64>()
                            && pending.remove(&id) {
                                sink.emit(NetEvent::Message(MessageEvent {
                                    seq, from: me, nick: my_nick.clone(), text, time_ms: ts, own: true,
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
                            sink.emit(NetEvent::MemberLeft { member: member(l.member), reason: l.reason });
                        }
                    }
                    ServerFrame::Left { member: m, reason } => sink.emit(NetEvent::MemberLeft { member: member(m), reason }),
                    ServerFrame::Renamed { id, old, new } => {
                        if id == me {
                            my_nick.clone_from(&new);
                        }
                        sink.emit(NetEvent::Renamed { id, old, new });
                    }
                    ServerFrame::Error { code: _, message } => sink.emit(NetEvent::Notice(format!("the host says: {message}"))),
                    ServerFrame::Closing { reason } => {
                        not_delivered(&mut pending, "the room closed before it was delivered");
                        return (DisconnectKind::ByPeer, reason);
                    }
                }
            }
            command = commands.recv() => match command {
                Some(Command::Send { id, text }) => {
                    let line = ClientFrame::Msg { id: id.to_string(), text }.to_line();
                    if line.len() > MAX_LINE {
                        sink.emit(NetEvent::NotDelivered {
                            id,
                            reason: format!("the message is too long ({} bytes encoded; the limit is {MAX_LINE})", line.len() - 1),
                        });
                    } else if let Err(e) = send_line(w, &line).await {
                        sink.emit(NetEvent::NotDelivered { id, reason: format!("the connection was lost: {e}") });
                        not_delivered(&mut pending, "the connection was lost before the host acknowledged it");
                        return lost(&e);
                    } else {
                        pending.insert(id);
                    }
                }
                Some(Command::Nick(nick)) => {
                    if let Err(e) = send_line(w, &ClientFrame::Nick { nick }.to_line()).await {
                        return lost(&e);
                    }
                }
                Some(Command::Finish) => finishing = Some(tokio::time::Instant::now() + FINISH_TIMEOUT),
                Some(Command::Disconnect | Command::Shutdown) | None => {
                    not_delivered(&mut pending, "you left before the host acknowledged it");
                    return (DisconnectKind::ByUser, "you left the room".into());
                }
                Some(Command::Host(_) | Command::Join(_)) => {}
            },
            () = tokio::time::sleep_until(deadline), if finishing.is_some() => {
                not_delivered(&mut pending, "the host did not acknowledge it in time");
                return (DisconnectKind::ByUser, "you left the room".into());
            }
        }
    }
}

async fn plain_session<R, W>(
    target: &str,
    lines: &mut LineReader<R>,
    w: &mut W,
    sink: &EventSink,
    commands: &mut Inbox,
) -> Failure
where
    R: tokio::io::AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    sink.emit(NetEvent::Notice(format!(
        "{target} does not speak tlschat/1: plain text mode, lines go as they are and delivery cannot be confirmed"
    )));
    let mut seq = 0;
    loop {
        tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(Line::Text(bytes))) => {
                    let text = sanitize(&bytes, false);
                    if let Some(notice) = text.strip_prefix("* ") {
                        sink.emit(NetEvent::Notice(notice.to_string()));
                        continue;
                    }
                    let (nick, body) = match text.strip_prefix('<').and_then(|t| t.split_once("> ")) {
                        Some((nick, body)) if !nick.contains(' ') => (nick.to_string(), body.to_string()),
                        _ => (target.to_string(), text),
                    };
                    seq += 1;
                    sink.emit(NetEvent::Message(MessageEvent { seq, from: u64::MAX, nick, text: body, time_ms: crate::net::now_ms(), own: false }));
                }
                Ok(Some(Line::TooLong)) => sink.emit(NetEvent::Notice("ignored an over-long line from the host".into())),
                Ok(None) => return (DisconnectKind::ByPeer, format!("{target} closed the connection")),
                Err(e) => return fail(format!("the connection to {target} was lost: {e}")),
            },
            command = commands.recv() => match command {
                Some(Command::Send { id, text }) => {
                    let mut line = text.replace('\r', "");
                    line.push('\n');
                    if line.len() > MAX_LINE {
                        sink.emit(NetEvent::NotDelivered { id, reason: format!("the message is too long ({} bytes; the limit is {MAX_LINE})", line.len() - 1) });
                        continue;
                    }
                    if let Err(e) = send_line(w, line.as_bytes()).await {
                        sink.emit(NetEvent::NotDelivered { id, reason: format!("the connection was lost: {e}") });
                        return fail(format!("the connection to {target} was lost: {e}"));
                    }
                    seq += 1;
                    sink.emit(NetEvent::Message(MessageEvent { seq, from: u64::MAX, nick: String::new(), text, time_ms: crate::net::now_ms(), own: true }));
                    sink.emit(NetEvent::Sent { id });
                }
                Some(Command::Nick(nick)) => {
                    if let Err(e) = send_line(w, format!("/nick {nick}\n").as_bytes()).await {
                        return fail(format!("the connection to {target} was lost: {e}"));
                    }
                }
                Some(Command::Finish | Command::Disconnect | Command::Shutdown) | None => {
                    return (DisconnectKind::ByUser, "you left".into());
                }
                Some(Command::Host(_) | Command::Join(_)) => {}
            },
        }
    }
}
