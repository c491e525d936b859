//! The member: connect, verify the host, then chat over a [`Connection`] in
//! the dialect the host chose: `tlschat/1` JSON lines or, when the host does
//! not speak it, plain text lines. One session loop serves both.

use std::collections::BTreeSet;
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
    Untrusted,
};
use crate::net::frame::{ClientFrame, ServerFrame, WireMember};
use crate::net::lines::sanitize_str;
use crate::net::pins::PinStore;
use crate::net::protocol::{
    Connection, Dialect, MAX_LINE, MemberSide, check_message, encode_client,
};
use crate::net::thread::{EventSink, ended};
use crate::net::trust::{Decision, MemberVerifier, Outcome, root_store};
use crate::net::{ALPN, HANDSHAKE_TIMEOUT};

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
    let target = config.canonical_target().map_err(fail)?;
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
    let (kind, reason) = match session(&config, &sink, commands).await {
        Ok(end) | Err(end) => end,
    };
    ended(&sink, kind, reason);
}

async fn session(
    config: &JoinConfig,
    sink: &EventSink,
    commands: mpsc::UnboundedReceiver<SessionCommand>,
) -> Result<Failure, Failure> {
    let mut commands = Inbox {
        early: std::collections::VecDeque::new(),
        rx: commands,
    };
    let target = config.canonical_target().map_err(fail)?;
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

    let mut connection = Connection::<_, MemberSide>::new(tls, dialect, 8 * 1024);
    let end = chat(config, &target, &mut connection, sink, &mut commands).await;
    let _ = tokio::time::timeout(Duration::from_secs(2), connection.writer.shutdown()).await;
    Ok(end)
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
    /// Our member id, once welcomed (a plain-text room has none).
    me: Option<u64>,
    my_nick: String,
    /// Messages sent and not yet acknowledged (`tlschat/1` only).
    pending: BTreeSet<u64>,
    /// A local count for a plain-text room, whose lines carry no order.
    plain_seq: u64,
    /// While the member list comes in pages: the id the next page follows.
    paging: Option<u64>,
    /// Members that left while the pages came (a page may predate it).
    gone: std::collections::HashSet<u64>,
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

    fn not_delivered(&mut self, why: &str) {
        for id in std::mem::take(&mut self.pending) {
            self.sink.emit(NetEvent::NotDelivered {
                id,
                reason: why.into(),
            });
        }
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
            } => {
                self.me = Some(you);
                self.my_nick.clone_from(&nick);
                sink.emit(NetEvent::Joined {
                    you,
                    nick,
                    members: members.into_iter().map(member).collect(),
                    total,
                });
                return Ok(self.page_after(next));
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
            } => sink.emit(NetEvent::Message(MessageEvent {
                seq,
                from: Some(from),
                nick,
                text,
                time_ms: ts,
                own: false,
            })),
            ServerFrame::Ack { id, seq, ts, text } => {
                if let Some(id) = id.and_then(|id| id.parse::<u64>().ok())
                    && self.pending.remove(&id)
                {
                    sink.emit(NetEvent::Message(MessageEvent {
                        seq,
                        from: self.me,
                        nick: self.my_nick.clone(),
                        text,
                        time_ms: ts,
                        own: true,
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
                    self.my_nick.clone_from(&new);
                }
                sink.emit(NetEvent::Renamed { id, old, new });
            }
            ServerFrame::Error { id, message, .. } => {
                match id.and_then(|id| id.parse::<u64>().ok()) {
                    Some(id) if self.pending.remove(&id) => sink.emit(NetEvent::NotDelivered {
                        id,
                        reason: format!("the host refused it: {message}"),
                    }),
                    _ => sink.emit(NetEvent::Notice(format!("the host says: {message}"))),
                }
            }
            ServerFrame::Notice { text } => sink.emit(NetEvent::Notice(text)),
            ServerFrame::Closing { reason } => {
                self.not_delivered("the room closed before it was delivered");
                return Err((DisconnectKind::ByPeer, reason));
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
                }));
            }
        }
        Ok(None)
    }
}

/// The chat itself, in either dialect, until the session ends.
async fn chat<T: AsyncRead + AsyncWrite>(
    config: &JoinConfig,
    target: &str,
    conn: &mut Connection<T, MemberSide>,
    sink: &EventSink,
    commands: &mut Inbox,
) -> Failure {
    let dialect = conn.dialect();
    let lost =
        |e: &dyn std::fmt::Display| fail(format!("the connection to {target} was lost: {e}"));
    let mut chat = Chat {
        sink,
        target,
        me: None,
        my_nick: config.nick.clone(),
        pending: BTreeSet::new(),
        plain_seq: 0,
        paging: None,
        gone: std::collections::HashSet::new(),
    };
    match dialect {
        Dialect::Json => {
            let hello = ClientFrame::Hello {
                nick: config.nick.clone(),
            };
            if let Err(e) = conn.write_frame(&hello).await {
                return lost(&e);
            }
        }
        Dialect::Plain => sink.emit(NetEvent::Notice(format!(
            "{target} does not speak tlschat/1: plain text mode, lines go as they are and delivery cannot be confirmed"
        ))),
    }
    let mut finishing: Option<tokio::time::Instant> = None;
    loop {
        if finishing.is_some() && chat.pending.is_empty() {
            return (DisconnectKind::ByUser, "you left the room".into());
        }
        let deadline =
            finishing.unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            frame = conn.read_frame() => {
                let frame = match frame {
                    Ok(Some(Ok(frame))) => frame,
                    Ok(Some(Err(e))) => {
                        sink.emit(NetEvent::Notice(format!("ignored a line from the host: {}", e.message)));
                        continue;
                    }
                    Ok(None) => {
                        chat.not_delivered("the connection closed before the host acknowledged it");
                        return match dialect {
                            Dialect::Plain => (DisconnectKind::ByPeer, format!("{target} closed the connection")),
                            Dialect::Json => fail("the host closed the connection without a word".into()),
                        };
                    }
                    Err(e) => {
                        chat.not_delivered("the connection was lost before the host acknowledged it");
                        return lost(&e);
                    }
                };
                match chat.on_frame(frame) {
                    Ok(Some(reply)) => {
                        if let Err(e) = conn.write_frame(&reply).await {
                            chat.not_delivered("the connection was lost before the host acknowledged it");
                            return lost(&e);
                        }
                    }
                    Ok(None) => {}
                    Err(end) => return end,
                }
            }
            command = commands.recv() => match command {
                Some(SessionCommand::Send { id, text }) => {
                    let frame = ClientFrame::Msg { id: Some(id.to_string()), text: text.replace('\r', "") };
                    let mut line = Vec::new();
                    encode_client(&frame, dialect, &mut line);
                    let refused = if line.split(|b| *b == b'\n').any(|l| l.len() > MAX_LINE) {
                        Some(format!("the message is too long ({} bytes encoded; the limit is {MAX_LINE})", line.len() - 1))
                    } else if dialect == Dialect::Json {
                        // The host refuses what could not reach every member;
                        // say so at once rather than after a round trip.
                        check_message(&sanitize_str(&text, true)).err().map(|e| e.message)
                    } else {
                        None
                    };
                    if let Some(reason) = refused {
                        sink.emit(NetEvent::NotDelivered { id, reason });
                        continue;
                    }
                    if let Err(e) = conn.writer.write_encoded(&line).await {
                        sink.emit(NetEvent::NotDelivered { id, reason: format!("the connection was lost: {e}") });
                        chat.not_delivered("the connection was lost before the host acknowledged it");
                        return lost(&e);
                    }
                    match dialect {
                        Dialect::Json => {
                            chat.pending.insert(id);
                        }
                        Dialect::Plain => {
                            chat.plain_seq += 1;
                            sink.emit(NetEvent::Message(MessageEvent {
                                seq: chat.plain_seq,
                                from: None,
                                nick: String::new(),
                                text,
                                time_ms: crate::net::now_ms(),
                                own: true,
                            }));
                            sink.emit(NetEvent::Sent { id });
                        }
                    }
                }
                Some(SessionCommand::Nick(nick)) => {
                    if let Err(e) = conn.write_frame(&ClientFrame::Nick { nick }).await {
                        return lost(&e);
                    }
                }
                Some(SessionCommand::Finish) => {
                    if dialect == Dialect::Plain {
                        return (DisconnectKind::ByUser, "you left".into());
                    }
                    finishing = Some(tokio::time::Instant::now() + FINISH_TIMEOUT);
                }
                Some(SessionCommand::Disconnect) | None => {
                    chat.not_delivered("you left before the host acknowledged it");
                    return (DisconnectKind::ByUser, "you left the room".into());
                }
            },
            () = tokio::time::sleep_until(deadline), if finishing.is_some() => {
                chat.not_delivered("the host did not acknowledge it in time");
                return (DisconnectKind::ByUser, "you left the room".into());
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

    #[test]
    fn roster_pages_are_asked_for_move_on_and_never_bring_back_who_left() {
        let (sink, events) = EventSink::for_tests();
        let mut chat = Chat {
            sink: &sink,
            target: "h:1",
            me: None,
            my_nick: "me".into(),
            pending: BTreeSet::new(),
            plain_seq: 0,
            paging: None,
            gone: std::collections::HashSet::new(),
        };
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
