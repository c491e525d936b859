//! The host: a TLS listener, one task per member connection, and the room.
//! Each member's connection speaks the dialect its ALPN chose (see
//! [`crate::net::protocol`]); the task reads frames, hands messages to the
//! room and writes what the room says. Admission is fair under floods:
//! handshakes in progress and members are capped in total and per address
//! ([`HostLimits`]).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::net::certinfo::CertInfo;
use crate::net::command::{HostConfig, HostLimits, SessionCommand};
use crate::net::event::{DisconnectKind, NetEvent};
use crate::net::feed::Next;
use crate::net::frame::{ClientFrame, ErrorCode, LeaveReason, Resume, ServerFrame};
use crate::net::keylog::{Captured, KeyLogFile, Secrets};
use crate::net::protocol::{
    Connection, Dialect, FrameError, FrameReader, FrameWriter, HostSide, MAX_ID, check_message,
    clip, encode_server,
};
use crate::net::recorder::Recorder;
use crate::net::room::{Batch, HOST_ID, ItemKind, Replay, Returning, Room, Saying, Welcome};
use crate::net::store::{Store, history_file};
use crate::net::thread::{EventSink, ended};
use crate::net::{ALPN, HANDSHAKE_TIMEOUT};

/// Lines a member may send per second, sustained.
pub(crate) const RATE_PER_SEC: f64 = 200.0;
/// Lines a member may send in a burst above the sustained rate.
pub(crate) const RATE_BURST: f64 = 400.0;
/// What a roster page costs in lines of the rate limit: a page is up to
/// 32 KiB that the room builds, so a member cannot ask for many a second.
const WHO_COST: usize = 8;
/// What a rename costs in lines of the rate limit: each one is a notice
/// to every member.
const NICK_COST: usize = 20;
/// How long one write to a member may stall before it is dropped as too slow.
const WRITE_STALL: Duration = Duration::from_secs(20);
/// How long a `tlschat/1` member has to say hello after the handshake.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// Flush to a member once this much is queued, even if more is waiting.
const WRITE_BATCH: usize = 64 * 1024;
/// The write buffer a member keeps between bursts.
const IDLE_BUFFER: usize = 1024;
/// The read buffer of a member's connection (rustls buffers decrypted data
/// already; a small reader on top keeps idle members cheap).
const READ_BUFFER: usize = 1024;
/// At most this many lines that one read brought in go to the room as one
/// request and reach every member as one item.
const READ_BATCH: usize = 64;
/// Answers to one member (errors, roster pages) that may wait to be
/// written; each is at most a line.
const DIRECT_QUEUE: usize = 8;
/// Stored messages read for a replay at a time (and at most this many
/// bytes): what a returning member costs the host at once.
const REPLAY_PAGE: usize = 512;
const REPLAY_PAGE_BYTES: usize = 256 * 1024;

/// The host's TLS configuration and chain, and where the handshake
/// secrets of recorded handshakes are kept.
type ServerSetup = (
    Arc<rustls::ServerConfig>,
    Vec<CertInfo>,
    Option<Arc<Captured>>,
);

/// A generated certificate names `addresses` (those the room's invites are for).
fn server_config(
    config: &HostConfig,
    addresses: &[std::net::IpAddr],
) -> Result<ServerSetup, String> {
    let (cert, key) = match &config.identity {
        Some(pair) => pair.clone(),
        None => crate::net::certgen::host_identity(&config.config_dir, addresses)
            .map_err(|e| e.to_string())?,
    };
    let provider = config.tls.provider()?;
    let identity =
        crate::net::pem::load_identity(&cert, &key, &provider).map_err(|e| e.to_string())?;
    let chain = identity
        .cert
        .iter()
        .map(|c| CertInfo::from_der(c))
        .collect();
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(config.tls.versions())
        .map_err(|e| format!("cannot configure TLS: {e}"))?;
    let builder = match &config.client_ca {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in crate::net::pem::load_certs(path).map_err(|e| e.to_string())? {
                roots.add(cert).map_err(|e| {
                    format!(
                        "{}: a certificate in it cannot be a client CA: {e}",
                        path.display()
                    )
                })?;
            }
            // Members may come without a certificate; those who present one
            // must have it verified by this CA.
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .allow_unauthenticated()
            .build()
            .map_err(|e| format!("{}: cannot verify clients with it: {e}", path.display()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut tls =
        builder.with_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(identity)));
    tls.alpn_protocols = vec![ALPN.to_vec()];
    let file = match &config.tls.keylog {
        Some(path) => Some(Arc::new(KeyLogFile::open(path)?)),
        None => None,
    };
    let capture = config.tls.record_handshakes.then(Arc::<Captured>::default);
    if file.is_some() || capture.is_some() {
        tls.key_log = Arc::new(Secrets {
            file,
            capture: capture.clone(),
        });
    }
    Ok((Arc::new(tls), chain, capture))
}

fn listen_error(addr: SocketAddr, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => {
            format!(
                "cannot listen on {addr}: the address is already in use (is another host running there?)"
            )
        }
        std::io::ErrorKind::PermissionDenied => {
            format!("cannot listen on {addr}: permission denied (ports below 1024 need privileges)")
        }
        std::io::ErrorKind::AddrNotAvailable => {
            format!("cannot listen on {addr}: that address does not belong to this machine")
        }
        _ => format!("cannot listen on {addr}: {e}"),
    }
}

/// The key an address is counted under: IPv4 addresses as they are, IPv6
/// addresses by their /64 network (one machine usually has a whole one).
fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The wider network an address is also counted under: an IPv6 /48 (what
/// one site is usually given, so one holder cannot fill the room from many
/// /64s); an IPv4 address is its own network.
fn network_key(ip: IpAddr) -> IpAddr {
    match address_key(ip) {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// A network's caps are this many times an address's.
const NETWORK_FACTOR: usize = 4;

#[derive(Debug, Default)]
struct Counts {
    handshakes: usize,
    members: usize,
}

#[derive(Debug, Default)]
struct Tally {
    total: Counts,
    by_address: HashMap<IpAddr, Counts>,
    by_network: HashMap<IpAddr, Counts>,
}

/// Who may come in: counts handshakes in progress and members, in total,
/// per address and per network, against the room's [`HostLimits`].
#[derive(Debug)]
struct Admission {
    limits: HostLimits,
    tally: Mutex<Tally>,
}

/// A place taken (a handshake slot or a member slot), given back on drop.
#[derive(Debug)]
struct Slot {
    admission: Arc<Admission>,
    key: IpAddr,
    network: IpAddr,
    member: bool,
}

impl Slot {
    /// Its count in `c`.
    fn count<'c>(&self, c: &'c mut Counts) -> &'c mut usize {
        if self.member {
            &mut c.members
        } else {
            &mut c.handshakes
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut guard = self.admission.lock();
        let tally = &mut *guard;
        let total = self.count(&mut tally.total);
        *total = total.saturating_sub(1);
        for (map, key) in [
            (&mut tally.by_address, self.key),
            (&mut tally.by_network, self.network),
        ] {
            if let Some(c) = map.get_mut(&key) {
                let n = self.count(c);
                *n = n.saturating_sub(1);
                if c.members == 0 && c.handshakes == 0 {
                    map.remove(&key);
                }
            }
        }
    }
}

impl Admission {
    fn lock(&self) -> std::sync::MutexGuard<'_, Tally> {
        // Counting is a few additions: a panic cannot leave it half done.
        self.tally.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes a slot of kind `member` for `ip` if `fits` says the counts
    /// (total, address, network) leave room; otherwise returns `fits`'s
    /// refusal.
    fn take<E>(
        self: &Arc<Self>,
        ip: IpAddr,
        member: bool,
        fits: impl FnOnce(&Counts, &Counts, &Counts) -> Result<(), E>,
    ) -> Result<Slot, E> {
        let (key, network) = (address_key(ip), network_key(ip));
        let mut guard = self.lock();
        let tally = &mut *guard;
        let none = Counts::default();
        fits(
            &tally.total,
            tally.by_address.get(&key).unwrap_or(&none),
            tally.by_network.get(&network).unwrap_or(&none),
        )?;
        // Made only once counted: dropping it gives back what it took.
        let slot = Slot {
            admission: self.clone(),
            key,
            network,
            member,
        };
        *slot.count(&mut tally.total) += 1;
        *slot.count(tally.by_address.entry(slot.key).or_default()) += 1;
        *slot.count(tally.by_network.entry(slot.network).or_default()) += 1;
        drop(guard);
        Ok(slot)
    }

    /// A handshake slot for a connection from `ip`, if one is free.
    fn handshake(self: &Arc<Self>, ip: IpAddr) -> Option<Slot> {
        let l = self.limits;
        self.take(ip, false, |total, here, network| {
            let full = total.handshakes >= l.max_handshakes
                || here.handshakes >= l.max_handshakes_per_address
                || network.handshakes >= NETWORK_FACTOR * l.max_handshakes_per_address;
            if full { Err(()) } else { Ok(()) }
        })
        .ok()
    }

    /// A member slot for `ip`, or why there is none (one line).
    fn member(self: &Arc<Self>, ip: IpAddr) -> Result<Slot, String> {
        let l = self.limits;
        self.take(ip, true, |total, here, network| {
            if total.members >= l.max_members {
                return Err(format!(
                    "the room is full ({} members); try again later",
                    l.max_members
                ));
            }
            if here.members >= l.max_members_per_address {
                return Err(format!(
                    "too many members from your address ({}); close one of them first",
                    l.max_members_per_address
                ));
            }
            if network.members >= NETWORK_FACTOR * l.max_members_per_address {
                return Err(format!(
                    "too many members from your network ({}); close some of them first",
                    NETWORK_FACTOR * l.max_members_per_address
                ));
            }
            Ok(())
        })
    }
}

/// Runs a hosted room until told to stop.
pub(crate) async fn run(
    config: HostConfig,
    sink: EventSink,
    mut commands: mpsc::UnboundedReceiver<SessionCommand>,
) {
    sink.emit(NetEvent::Connecting {
        target: config.bind.to_string(),
    });
    // The address first: a second host on the same port is told the port
    // is in use, not that its history file is.
    let listener = match TcpListener::bind(config.bind).await {
        Ok(l) => l,
        Err(e) => return ended(&sink, DisconnectKind::Error, listen_error(config.bind, &e)),
    };
    let setup = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || {
            // Where members on other machines can reach this room.
            let addresses = crate::net::invite::invite_addresses(
                config.bind.ip(),
                &crate::net::invite::local_addresses(),
            );
            let (tls, chain, captured) = server_config(&config, &addresses)?;
            let file = history_file(&config);
            let store = Store::open(
                file.as_deref(),
                config.history.keep,
                config.history.keep_bytes,
                config.history.max_bytes,
            )?;
            Ok::<_, String>((tls, chain, captured, store, file, addresses))
        })
        .await
    };
    let (tls, chain, captured, store, file, addresses) = match setup {
        Ok(Ok(ok)) => ok,
        Ok(Err(reason)) => return ended(&sink, DisconnectKind::Error, reason),
        Err(e) => {
            return ended(
                &sink,
                DisconnectKind::Error,
                format!("cannot load the certificate: {e}"),
            );
        }
    };
    let addr = listener.local_addr().unwrap_or(config.bind);
    tracing::info!(%addr, history = ?file, "listening");
    let pin = chain.first().map(|leaf| leaf.sha256);
    let invites = crate::net::invite::invites_for(addr, &addresses, pin);
    sink.emit(NetEvent::Listening {
        addr,
        chain,
        invites,
    });
    if let Some(file) = &file {
        let kept = store.last_seq() + 1 - store.first_kept();
        sink.emit(NetEvent::Notice(format!(
            "history: {} ({kept} messages kept, at most {})",
            file.display(),
            config.history.keep
        )));
    }
    let (room, room_task) = Room::start(config.nick.clone(), sink.clone(), store, &config.history);
    let acceptor = TlsAcceptor::from(tls);
    let admission = Arc::new(Admission {
        limits: config.limits,
        tally: Mutex::new(Tally::default()),
    });
    let mut connections = JoinSet::new();
    let reason = loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    // Over the handshake caps a connection is closed at
                    // once rather than queued: before TLS there is no way
                    // to tell it why.
                    if let Some(slot) = admission.handshake(peer.ip()) {
                        tracing::debug!(%peer, "connection accepted");
                        let recording = captured.clone().map(|c| (c, sink.clone()));
                        connections.spawn(serve(tcp, peer, acceptor.clone(), room.clone(), admission.clone(), slot, recording));
                    } else {
                        tracing::info!(%peer, "connection closed: too many handshakes in progress");
                    }
                }
                // Running out of file descriptors and the like: wait a
                // little rather than spin, and keep serving.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            command = commands.recv() => match command {
                Some(SessionCommand::Send { id, text }) => {
                    let text = crate::net::lines::sanitize_str(&text, true);
                    if let Err(e) = check_message(&text) {
                        sink.emit(NetEvent::NotDelivered { id, reason: e.message });
                        continue;
                    }
                    let saying = Saying { text, client_id: Some(id.to_string()), client: None };
                    if !room.say(HOST_ID, vec![saying]).await {
                        sink.emit(NetEvent::NotDelivered { id, reason: "the room has closed".into() });
                    }
                }
                Some(SessionCommand::Nick(nick)) => {
                    if let Err(e) = room.nick(HOST_ID, nick).await {
                        sink.emit(NetEvent::Notice(e));
                    }
                }
                Some(SessionCommand::ReconnectNow) => {}
                Some(SessionCommand::Disconnect | SessionCommand::Finish) | None => {
                    break "you closed the room";
                }
            },
        }
    };
    drop(listener);
    room.close("the host closed the room".into()).await;
    // Give every member a moment to receive the closing notice and
    // close_notify, then stop whatever is left.
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(3), drain)
        .await
        .is_err()
    {
        connections.shutdown().await;
    }
    // The room task closes the history when it ends: a process that exits
    // right after the host says it ended leaves everything in the file,
    // nothing in a WAL file beside it.
    let _ = tokio::time::timeout(Duration::from_secs(5), room_task).await;
    ended(&sink, DisconnectKind::ByUser, reason);
}

/// One member connection, from TCP accept to close.
async fn serve(
    tcp: TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    room: Room,
    admission: Arc<Admission>,
    handshake_slot: Slot,
    recording: Option<(Arc<Captured>, EventSink)>,
) {
    let _ = tcp.set_nodelay(true);
    let tcp = Recorder::new(tcp, recording.is_some());
    // A peer that is not TLS, or that never finishes, is dropped here
    // without touching the room.
    let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => {
            tracing::info!(%peer, "handshake failed: {e}");
            return;
        }
        Err(_) => {
            tracing::info!(%peer, "handshake not finished in {HANDSHAKE_TIMEOUT:?}");
            return;
        }
    };
    drop(handshake_slot);
    let mut tls = tls;
    // From here on the recorder is a pass-through.
    if let (Some(tape), Some((captured, sink))) = (tls.get_mut().0.finish(), recording) {
        let secrets =
            crate::net::wire::client_random(&tape.received).and_then(|r| captured.take(&r));
        let wire = crate::net::wire::decode(&tape, false, secrets.as_ref());
        sink.emit(NetEvent::MemberHandshake {
            peer,
            wire: Arc::new(wire),
        });
    }
    let dialect = Dialect::from_alpn(tls.get_ref().1.alpn_protocol());
    {
        let c = tls.get_ref().1;
        tracing::debug!(
            %peer,
            version = ?c.protocol_version(),
            suite = ?c.negotiated_cipher_suite().map(|s| s.suite()),
            group = ?c.negotiated_key_exchange_group().map(|g| g.name()),
            ?dialect,
            "handshake done"
        );
    }
    // A client certificate was verified by the client CA during the
    // handshake; its subject and fingerprint are the member's identity.
    let identity = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|c| c.first())
        .map(|der| {
            let cert = CertInfo::from_der(der);
            let fp = crate::net::certinfo::fingerprint(&cert.sha256);
            format!("{} · {}…", cert.display_name(), &fp[..fp.len().min(7 + 16)])
        });
    let Connection {
        reader: mut frames,
        mut writer,
    } = Connection::<_, HostSide>::new(tls, dialect, READ_BUFFER);
    let member_slot = match admission.member(peer.ip()) {
        Ok(slot) => slot,
        Err(why) => {
            tracing::info!(%peer, "refused: {why}");
            let _ = refuse(&mut writer, FrameError::new(ErrorCode::RoomFull, why)).await;
            return;
        }
    };
    let (wanted, returning) = match dialect {
        Dialect::Plain => (None, Returning::default()),
        Dialect::Json => match tokio::time::timeout(HELLO_TIMEOUT, frames.read_frame()).await {
            Ok(Ok(Some(Ok(ClientFrame::Hello {
                nick,
                client,
                resume,
            })))) => {
                if client
                    .as_ref()
                    .is_some_and(|c| c.is_empty() || c.len() > MAX_ID)
                {
                    let _ = refuse(
                        &mut writer,
                        FrameError::new(
                            ErrorCode::BadId,
                            format!("a client token must be 1 to {MAX_ID} bytes long"),
                        ),
                    )
                    .await;
                    return;
                }
                let returning = Returning {
                    client: client.map(Arc::from),
                    resume: resume.map(|r| Resume {
                        room: clip(&r.room, MAX_ID).to_string(),
                        after: r.after,
                    }),
                };
                (Some(nick), returning)
            }
            Ok(Ok(Some(_))) => {
                let _ = refuse(
                    &mut writer,
                    FrameError::new(ErrorCode::Protocol, "expected a hello frame first"),
                )
                .await;
                return;
            }
            _ => return,
        },
    };
    let client = returning.client.clone();
    let Some(welcome) = room.join(wanted, dialect, identity, returning).await else {
        return;
    };
    let Welcome {
        id,
        greeting,
        replay,
        items,
    } = welcome;
    let replayed = Replayed {
        replay,
        room: room.clone(),
        client: client.as_deref().map(|c| room.token_hash(c)),
    };
    let (direct_tx, direct_rx) = mpsc::channel::<ServerFrame>(DIRECT_QUEUE);
    let mut room_closed = false;
    let reason = tokio::select! {
        reason = read_loop(&mut frames, &room, id, client, &direct_tx) => reason,
        end = write_loop(&mut writer, greeting, replayed, items, direct_rx, id) => {
            room_closed = matches!(end, WriteEnd::RoomClosed);
            end.reason()
        }
    };
    tracing::debug!(%peer, member = id, ?reason, "member connection ended");
    // The place is free by the time the room says this member left.
    drop(member_slot);
    if !room_closed {
        room.leave(id, reason).await;
    }
    // close_notify, so the peer knows nothing was cut off.
    let _ = tokio::time::timeout(Duration::from_secs(2), writer.shutdown()).await;
}

/// Tells a peer why it is sent away, then closes.
async fn refuse<W: AsyncWrite + Unpin>(
    w: &mut FrameWriter<W, HostSide>,
    error: FrameError,
) -> std::io::Result<()> {
    let write = async {
        w.write_frame(&error.frame()).await?;
        w.shutdown().await
    };
    tokio::time::timeout(Duration::from_secs(2), write)
        .await
        .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()))
}

/// Reads what a member says until it leaves; returns why it left.
async fn read_loop<R: AsyncRead + Unpin>(
    frames: &mut FrameReader<R, HostSide>,
    room: &Room,
    id: u64,
    client: Option<Arc<str>>,
    direct: &mpsc::Sender<ServerFrame>,
) -> LeaveReason {
    let mut bucket = TokenBucket::new(RATE_PER_SEC, RATE_BURST);
    let mut batch = Vec::new();
    let mut says = Vec::new();
    let plain = frames.dialect() == Dialect::Plain;
    loop {
        let frame = match frames.read_frame().await {
            Ok(Some(frame)) => frame,
            Ok(None) => return LeaveReason::Left,
            Err(_) => return LeaveReason::ConnectionLost,
        };
        // Every further frame this read brought in goes with it.
        batch.push(frame);
        while batch.len() < READ_BATCH
            && let Some(frame) = frames.buffered_frame()
        {
            batch.push(frame);
        }
        // A flood is slowed down, never dropped: while this member waits for
        // tokens its socket is not read, and TCP pushes back on it.
        let cost = batch
            .iter()
            .map(|f| match f {
                Ok(ClientFrame::Who { .. }) => WHO_COST,
                Ok(ClientFrame::Nick { .. }) => NICK_COST,
                _ => 1,
            })
            .sum();
        if let Some(wait) = bucket.take(cost, tokio::time::Instant::now()) {
            if !bucket.warned {
                bucket.warned = true;
                let notice = FrameError::new(
                    ErrorCode::RateLimited,
                    format!(
                        "you are sending more than {RATE_PER_SEC} lines a second; your lines are being slowed down"
                    ),
                );
                if direct.send(notice.frame()).await.is_err() {
                    return LeaveReason::ConnectionLost;
                }
            }
            tokio::time::sleep(wait).await;
        }
        for frame in batch.drain(..) {
            let reply = match frame {
                Err(e) => Some(e.frame()),
                Ok(ClientFrame::Msg {
                    id: client_id,
                    text,
                }) => match check_message(&text) {
                    Ok(()) => {
                        says.push(Saying {
                            text,
                            client_id,
                            client: client.clone(),
                        });
                        None
                    }
                    Err(mut e) => {
                        e.id =
                            client_id.map(|c| crate::net::protocol::clip(&c, MAX_ID).to_string());
                        Some(e.frame())
                    }
                },
                Ok(ClientFrame::Nick { nick }) => {
                    // A command comes after the messages before it.
                    room.say(id, std::mem::take(&mut says)).await;
                    match room.nick(id, nick).await {
                        Ok(nick) if plain => Some(ServerFrame::Notice {
                            text: format!("you are now {nick}"),
                        }),
                        Ok(_) => None,
                        Err(e) => Some(FrameError::new(ErrorCode::Nick, e).frame()),
                    }
                }
                Ok(ClientFrame::Who { after }) => {
                    room.say(id, std::mem::take(&mut says)).await;
                    room.roster(after).await
                }
                Ok(ClientFrame::Hello { .. }) => {
                    Some(FrameError::new(ErrorCode::Protocol, "hello was already said").frame())
                }
            };
            if let Some(reply) = reply
                && direct.send(reply).await.is_err()
            {
                return LeaveReason::ConnectionLost;
            }
        }
        // The messages of one read reach the room, and every member, as one.
        room.say(id, std::mem::take(&mut says)).await;
    }
}

/// A token bucket: `rate` lines a second, bursts of up to `burst`.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Option<tokio::time::Instant>,
    /// Whether the member was told it is being slowed down.
    pub warned: bool,
}

impl TokenBucket {
    pub(crate) fn new(rate: f64, burst: f64) -> Self {
        Self {
            rate,
            burst,
            tokens: burst,
            last: None,
            warned: false,
        }
    }

    /// Takes `n` tokens; returns how long to wait first when there are not
    /// enough.
    pub(crate) fn take(&mut self, n: usize, now: tokio::time::Instant) -> Option<Duration> {
        let elapsed = self
            .last
            .map_or(0.0, |t| now.saturating_duration_since(t).as_secs_f64());
        self.last = Some(now);
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.tokens -= n as f64;
        if self.tokens >= 0.0 {
            if self.tokens > self.burst / 2.0 {
                self.warned = false;
            }
            None
        } else {
            Some(Duration::from_secs_f64(-self.tokens / self.rate))
        }
    }
}

enum WriteEnd {
    RoomClosed,
    TooSlow,
    Failed,
}

impl WriteEnd {
    fn reason(self) -> LeaveReason {
        match self {
            Self::RoomClosed => LeaveReason::RoomClosed,
            Self::TooSlow => LeaveReason::TooSlow,
            Self::Failed => LeaveReason::ConnectionLost,
        }
    }
}

/// The stored messages a member gets after its welcome.
struct Replayed {
    replay: Replay,
    room: Room,
    /// What the history holds for the member's client token: its own
    /// stored messages come back to it as acknowledgements.
    client: Option<String>,
}

/// Writes a member's replay after its greeting (in `buf`), page by page:
/// a `history` frame, the stored messages, `history_end`. A plain member
/// gets them only when there are some.
async fn write_replay<W: AsyncWrite + Unpin>(
    w: &mut FrameWriter<W, HostSide>,
    buf: &mut Vec<u8>,
    r: &Replayed,
) -> Result<(), WriteEnd> {
    let dialect = w.dialect();
    let replay = r.replay;
    if dialect == Dialect::Plain && replay.count() == 0 {
        return Ok(());
    }
    let header = ServerFrame::History {
        count: replay.count(),
        missed: replay.missed,
        resumed: replay.resumed,
    };
    encode_server(&header, dialect, buf);
    let mut from = replay.after;
    while from < replay.upto {
        let page = match r
            .room
            .read_history(from, replay.upto, REPLAY_PAGE, REPLAY_PAGE_BYTES)
            .await
        {
            Some(Ok(page)) if !page.is_empty() => page,
            Some(Ok(_)) | None => break,
            // The room told the host why (it names the host's file).
            Some(Err(_)) => {
                let notice = ServerFrame::Notice {
                    text: "the host could not read its history: the rest of it is not shown"
                        .to_string(),
                };
                encode_server(&notice, dialect, buf);
                break;
            }
        };
        for m in page {
            from = m.seq;
            let own = dialect == Dialect::Json
                && m.cid.is_some()
                && m.client
                    .as_deref()
                    .is_some_and(|c| r.client.as_deref() == Some(c));
            let frame = if own {
                ServerFrame::Ack {
                    id: m.cid,
                    seq: m.seq,
                    ts: m.ts,
                    text: m.text,
                    history: true,
                }
            } else {
                ServerFrame::Msg {
                    seq: m.seq,
                    from: m.sender,
                    nick: m.nick,
                    text: m.text,
                    ts: m.ts,
                    history: true,
                }
            };
            encode_server(&frame, dialect, buf);
        }
        match tokio::time::timeout(WRITE_STALL, w.write_encoded(buf)).await {
            Ok(Ok(())) => buf.clear(),
            Ok(Err(_)) => return Err(WriteEnd::Failed),
            Err(_) => return Err(WriteEnd::TooSlow),
        }
    }
    encode_server(&ServerFrame::HistoryEnd, dialect, buf);
    Ok(())
}

/// Writes the room to a member, batching what is queued into few TLS
/// records: first its greeting and replay, then what the room says. What
/// it holds is bounded: at most [`WRITE_BATCH`] plus one batch of the
/// room's feed and [`DIRECT_QUEUE`] answers (a replay page at first).
async fn write_loop<W: AsyncWrite + Unpin>(
    w: &mut FrameWriter<W, HostSide>,
    greeting: Vec<u8>,
    replayed: Replayed,
    mut items: crate::net::feed::Reader<Batch>,
    mut direct: mpsc::Receiver<ServerFrame>,
    me: u64,
) -> WriteEnd {
    let dialect = w.dialect();
    let mut buf = greeting;
    if let Err(end) = write_replay(w, &mut buf, &replayed).await {
        return end;
    }
    drop(replayed);
    let mut closing = false;
    loop {
        if buf.is_empty() {
            tokio::select! {
                biased;
                Some(frame) = direct.recv() => encode_server(&frame, dialect, &mut buf),
                next = items.next() => match next {
                    Next::Batch(batch) => closing |= render(&batch, me, dialect, &mut buf),
                    Next::Lagged(n) => return too_slow(w, n).await,
                    Next::Closed => return WriteEnd::RoomClosed,
                },
            }
        }
        while let Ok(frame) = direct.try_recv() {
            encode_server(&frame, dialect, &mut buf);
        }
        if let Err(behind) = take_queued(&mut items, me, dialect, &mut buf, &mut closing) {
            return too_slow(w, behind).await;
        }
        if !buf.is_empty() {
            match tokio::time::timeout(WRITE_STALL, w.write_encoded(&buf)).await {
                Ok(Ok(())) => {
                    buf.clear();
                    // Do not keep a burst's buffer for the connection's life.
                    if buf.capacity() > IDLE_BUFFER {
                        buf = Vec::with_capacity(IDLE_BUFFER);
                    }
                }
                Ok(Err(_)) => return WriteEnd::Failed,
                Err(_) => return WriteEnd::TooSlow,
            }
        }
        if closing {
            return WriteEnd::RoomClosed;
        }
    }
}

/// Renders what is already queued for a member into `buf`, up to a batch;
/// `Err` says how far behind a member fell.
fn take_queued(
    items: &mut crate::net::feed::Reader<Batch>,
    me: u64,
    dialect: Dialect,
    buf: &mut Vec<u8>,
    closing: &mut bool,
) -> Result<(), u64> {
    while !*closing && buf.len() < WRITE_BATCH {
        match items.try_next() {
            Some(Next::Batch(batch)) => *closing |= render(&batch, me, dialect, buf),
            Some(Next::Lagged(n)) => return Err(n),
            Some(Next::Closed) => {
                *closing = true;
            }
            None => break,
        }
    }
    Ok(())
}

/// Renders a batch for member `me`; true when the room is closing.
fn render(batch: &Batch, me: u64, dialect: Dialect, buf: &mut Vec<u8>) -> bool {
    let mut closing = false;
    for item in &batch.0 {
        closing |= matches!(item.kind, ItemKind::Closing);
        item.render_for(me, dialect, buf);
    }
    closing
}

async fn too_slow<W: AsyncWrite + Unpin>(
    w: &mut FrameWriter<W, HostSide>,
    behind: u64,
) -> WriteEnd {
    let error = FrameError::new(
        ErrorCode::TooSlow,
        format!("you fell {behind} batches of messages behind the room and were disconnected"),
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), w.write_frame(&error.frame())).await;
    WriteEnd::TooSlow
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_allows_bursts_then_the_rate() {
        let start = tokio::time::Instant::now();
        let mut b = TokenBucket::new(10.0, 5.0);
        for _ in 0..5 {
            assert_eq!(b.take(1, start), None);
        }
        let wait = b.take(1, start).unwrap();
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-6, "{wait:?}");
        // After waiting, the debt is paid and the rate holds.
        let later = start + Duration::from_millis(100);
        assert_eq!(b.take(1, later + Duration::from_millis(100)), None);
        // A batch takes as many tokens as it has lines.
        let mut b = TokenBucket::new(10.0, 5.0);
        assert_eq!(b.take(4, start), None);
        let wait = b.take(3, start).unwrap();
        assert!((wait.as_secs_f64() - 0.2).abs() < 1e-6, "{wait:?}");
    }

    #[test]
    fn addresses_count_per_machine_and_slots_come_back() {
        let v6 = |s: &str| address_key(s.parse().unwrap());
        assert_eq!(v6("2001:db8:1:2:aaaa::1"), v6("2001:db8:1:2:bbbb::2"));
        assert_ne!(v6("2001:db8:1:2::1"), v6("2001:db8:1:3::1"));
        assert_eq!(v6("::ffff:127.0.0.1"), v6("127.0.0.1"));
        let admission = Arc::new(Admission {
            limits: HostLimits {
                max_members: 3,
                max_members_per_address: 2,
                max_handshakes: 3,
                max_handshakes_per_address: 2,
            },
            tally: Mutex::new(Tally::default()),
        });
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let h1 = admission.handshake(a).unwrap();
        let _h2 = admission.handshake(a).unwrap();
        assert!(admission.handshake(a).is_none(), "per address");
        let _h3 = admission.handshake(b).unwrap();
        assert!(admission.handshake(b).is_none(), "in total");
        drop(h1);
        assert!(admission.handshake(b).is_some(), "a slot came back");
        let _m1 = admission.member(a).unwrap();
        let m2 = admission.member(a).unwrap();
        assert!(admission.member(a).unwrap_err().contains("your address"));
        let _m3 = admission.member(b).unwrap();
        assert!(admission.member(b).unwrap_err().contains("full"));
        drop(m2);
        assert!(admission.member(b).is_ok());
    }

    #[test]
    fn an_ipv6_site_cannot_fill_the_room_from_many_64s() {
        let admission = Arc::new(Admission {
            limits: HostLimits {
                max_members: 1000,
                max_members_per_address: 2,
                max_handshakes: 1000,
                max_handshakes_per_address: 1,
            },
            tally: Mutex::new(Tally::default()),
        });
        let ip = |n: u16| IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 7, n, 0, 0, 0, 1));
        // Four /64s of one /48 get two members each, the fifth none.
        let held: Vec<Slot> = (0..4)
            .flat_map(|n| {
                [
                    admission.member(ip(n)).unwrap(),
                    admission.member(ip(n)).unwrap(),
                ]
            })
            .collect();
        assert!(
            admission
                .member(ip(4))
                .unwrap_err()
                .contains("your network")
        );
        // Another /48 is another site.
        let other = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 8, 0, 0, 0, 0, 1));
        assert!(admission.member(other).is_ok());
        // Handshakes likewise: one per /64, four per /48.
        let shakes: Vec<Slot> = (10..14)
            .map(|n| admission.handshake(ip(n)).unwrap())
            .collect();
        assert!(admission.handshake(ip(14)).is_none());
        drop(shakes);
        assert!(admission.handshake(ip(14)).is_some());
        drop(held);
        assert!(admission.member(ip(4)).is_ok(), "places come back");
        // IPv4 addresses are not grouped.
        let v4 = |n: u8| IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, n));
        let _v4: Vec<Slot> = (0..10).map(|n| admission.member(v4(n)).unwrap()).collect();
    }
}
