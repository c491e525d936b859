//! The host: a TLS listener, one task per member connection, and the room.
//! Members that negotiated ALPN `tlschat/1` speak JSON lines; anything else
//! (openssl s_client, ncat --ssl, Python's ssl) is a plain-text member.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncWrite, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, broadcast, mpsc};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::net::certinfo::CertInfo;
use crate::net::command::{Command, HostConfig};
use crate::net::event::{DisconnectKind, NetEvent};
use crate::net::frame::{ClientFrame, ServerFrame};
use crate::net::lines::{Buffered, Line, LineReader, sanitize};
use crate::net::room::{Batch, HOST_ID, ItemKind, Room, Saying, Welcome};
use crate::net::thread::{EventSink, ended};
use crate::net::{ALPN, HANDSHAKE_TIMEOUT, MAX_LINE};

/// How many handshakes may be in progress at once; a connection beyond
/// that is closed at once rather than queued (each pending one holds a
/// socket, and all of them end within the handshake timeout).
const MAX_HANDSHAKES: usize = 1024;
/// Lines a member may send per second, sustained.
pub(crate) const RATE_PER_SEC: f64 = 200.0;
/// Lines a member may send in a burst above the sustained rate.
pub(crate) const RATE_BURST: f64 = 400.0;
/// How long one write to a member may stall before it is dropped as too slow.
const WRITE_STALL: Duration = Duration::from_secs(20);
/// How long a `tlschat/1` member has to say hello after the handshake.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// Flush to a member once this much is queued, even if more is waiting.
const WRITE_BATCH: usize = 64 * 1024;
/// The write buffer a member keeps between bursts.
const IDLE_BUFFER: usize = 1024;
/// At most this many lines that one read brought in go to the room as one
/// request and reach every member as one item.
const READ_BATCH: usize = 64;

fn server_config(
    config: &HostConfig,
) -> Result<(Arc<rustls::ServerConfig>, Vec<CertInfo>), String> {
    let (cert, key) = match &config.identity {
        Some(pair) => pair.clone(),
        None => {
            crate::net::certgen::host_identity(&config.config_dir).map_err(|e| e.to_string())?
        }
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let identity =
        crate::net::pem::load_identity(&cert, &key, &provider).map_err(|e| e.to_string())?;
    let chain = identity
        .cert
        .iter()
        .map(|c| CertInfo::from_der(c))
        .collect();
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
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
    Ok((Arc::new(tls), chain))
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

/// Runs a hosted room until told to stop.
pub(crate) async fn run(
    config: HostConfig,
    sink: EventSink,
    mut commands: mpsc::UnboundedReceiver<Command>,
) {
    sink.emit(NetEvent::Connecting {
        target: config.bind.to_string(),
    });
    let setup = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || server_config(&config)).await
    };
    let (tls, chain) = match setup {
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
    let listener = match TcpListener::bind(config.bind).await {
        Ok(l) => l,
        Err(e) => return ended(&sink, DisconnectKind::Error, listen_error(config.bind, &e)),
    };
    let addr = listener.local_addr().unwrap_or(config.bind);
    sink.emit(NetEvent::Listening { addr, chain });
    let room = Room::start(config.nick.clone(), sink.clone());
    let acceptor = TlsAcceptor::from(tls);
    let handshakes = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    let mut connections = JoinSet::new();
    let reason = loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    connections.spawn(serve(tcp, peer, acceptor.clone(), room.clone(), handshakes.clone()));
                }
                // Running out of file descriptors and the like: wait a
                // little rather than spin, and keep serving.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            command = commands.recv() => match command {
                Some(Command::Send { id, text }) => {
                    let text = crate::net::lines::sanitize_str(&text, true);
                    let saying = Saying { text, client_id: Some(id.to_string()) };
                    if !room.say(HOST_ID, vec![saying]).await {
                        sink.emit(NetEvent::NotDelivered { id, reason: "the room has closed".into() });
                    }
                }
                Some(Command::Nick(nick)) => {
                    if let Err(e) = room.nick(HOST_ID, nick).await {
                        sink.emit(NetEvent::Notice(e));
                    }
                }
                Some(Command::Disconnect | Command::Finish | Command::Shutdown) | None => {
                    break "you closed the room";
                }
                Some(Command::Host(_) | Command::Join(_)) => {}
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
    ended(&sink, DisconnectKind::ByUser, reason);
}

/// One member connection, from TCP accept to close.
async fn serve(
    tcp: TcpStream,
    _peer: SocketAddr,
    acceptor: TlsAcceptor,
    room: Room,
    handshakes: Arc<Semaphore>,
) {
    let _ = tcp.set_nodelay(true);
    let tls = {
        let Ok(_permit) = handshakes.try_acquire() else {
            return;
        };
        // A peer that is not TLS, or that never finishes, is dropped here
        // without touching the room.
        match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
            Ok(Ok(tls)) => tls,
            Ok(Err(_)) | Err(_) => return,
        }
    };
    let plain = tls.get_ref().1.alpn_protocol() != Some(ALPN);
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
    let (read_half, mut write_half) = tokio::io::split(tls);
    // rustls buffers decrypted data already; a small reader on top keeps
    // idle members cheap.
    let mut lines = LineReader::new(BufReader::with_capacity(1024, read_half), MAX_LINE);

    let wanted = if plain {
        None
    } else {
        match tokio::time::timeout(HELLO_TIMEOUT, lines.next_line()).await {
            Ok(Ok(Some(Line::Text(bytes)))) => {
                match serde_json::from_slice::<ClientFrame>(&bytes) {
                    Ok(ClientFrame::Hello { nick }) => Some(nick),
                    _ => {
                        let _ = refuse(&mut write_half, "expected a hello frame first").await;
                        return;
                    }
                }
            }
            _ => return,
        }
    };
    let Some(welcome) = room.join(wanted, plain, identity).await else {
        return;
    };
    let Welcome {
        id,
        greeting,
        items,
    } = welcome;
    let (direct_tx, direct_rx) = mpsc::channel::<Vec<u8>>(16);
    let mut room_closed = false;
    let reason = tokio::select! {
        reason = read_loop(&mut lines, &room, id, plain, &direct_tx) => reason,
        end = write_loop(&mut write_half, greeting, items, direct_rx, id, plain) => {
            room_closed = matches!(end, WriteEnd::RoomClosed);
            end.reason()
        }
    };
    if !room_closed {
        room.leave(id, reason).await;
    }
    // close_notify, so the peer knows nothing was cut off.
    let _ = tokio::time::timeout(Duration::from_secs(2), write_half.shutdown()).await;
}

async fn refuse<W: AsyncWrite + Unpin>(w: &mut W, message: &str) -> std::io::Result<()> {
    w.write_all(&error_line(false, "protocol", message)).await?;
    w.shutdown().await
}

fn error_line(plain: bool, code: &str, message: &str) -> Vec<u8> {
    if plain {
        format!("* error: {message}\n").into_bytes()
    } else {
        ServerFrame::Error {
            code: code.into(),
            message: message.into(),
        }
        .to_line()
    }
}

/// Reads what a member says until it leaves; returns why it left.
async fn read_loop<R>(
    lines: &mut LineReader<R>,
    room: &Room,
    id: u64,
    plain: bool,
    direct: &mpsc::Sender<Vec<u8>>,
) -> String
where
    R: tokio::io::AsyncBufRead + Buffered + Unpin,
{
    let mut bucket = TokenBucket::new(RATE_PER_SEC, RATE_BURST);
    let mut batch = Vec::new();
    let mut says = Vec::new();
    loop {
        let line = match lines.next_line().await {
            Ok(Some(line)) => line,
            Ok(None) => return "left".into(),
            Err(e) => return format!("connection lost: {e}"),
        };
        // Every further line this read brought in goes with it.
        batch.push(line);
        while batch.len() < READ_BATCH
            && let Some(line) = lines.buffered_line()
        {
            batch.push(line);
        }
        // A flood is slowed down, never dropped: while this member waits for
        // tokens its socket is not read, and TCP pushes back on it.
        if let Some(wait) = bucket.take(batch.len(), tokio::time::Instant::now()) {
            if !bucket.warned {
                bucket.warned = true;
                let notice = error_line(
                    plain,
                    "rate_limited",
                    &format!(
                        "you are sending more than {RATE_PER_SEC} lines a second; your lines are being slowed down"
                    ),
                );
                if direct.send(notice).await.is_err() {
                    return "connection lost".into();
                }
            }
            tokio::time::sleep(wait).await;
        }
        for line in batch.drain(..) {
            let reply = match line {
                Line::TooLong => Some(error_line(
                    plain,
                    "line_too_long",
                    &format!("that line was longer than {MAX_LINE} bytes and was not delivered"),
                )),
                Line::Text(bytes) if plain => plain_line(&bytes, room, id, &mut says).await,
                Line::Text(bytes) => json_line(&bytes, room, id, &mut says).await,
            };
            if let Some(reply) = reply
                && direct.send(reply).await.is_err()
            {
                return "connection lost".into();
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

/// Handles one line of a plain member: a message joins `says`, a command is
/// carried out (after the messages before it) and answered.
async fn plain_line(bytes: &[u8], room: &Room, id: u64, says: &mut Vec<Saying>) -> Option<Vec<u8>> {
    let text = sanitize(bytes, false);
    if let Some(command) = text.strip_prefix('/').filter(|c| !c.starts_with('/')) {
        room.say(id, std::mem::take(says)).await;
        let (name, arg) = command.split_once(' ').unwrap_or((command, ""));
        return Some(match name {
            "nick" => match room.nick(id, arg.to_string()).await {
                Ok(nick) => format!("* you are now {nick}\n").into_bytes(),
                Err(e) => format!("* error: {e}\n").into_bytes(),
            },
            "who" | "names" => {
                format!("* in the room: {}\n", crate::net::event::roster_line(&room.who().await)).into_bytes()
            }
            _ => format!("* unknown command /{name}: try /nick NAME or /who (start a message with // to send a leading /)\n")
                .into_bytes(),
        });
    }
    let text = text.strip_prefix('/').map_or(text.clone(), str::to_string);
    if !text.trim().is_empty() {
        says.push(Saying {
            text,
            client_id: None,
        });
    }
    None
}

/// Handles one frame of a `tlschat/1` member, like [`plain_line`].
async fn json_line(bytes: &[u8], room: &Room, id: u64, says: &mut Vec<Saying>) -> Option<Vec<u8>> {
    match serde_json::from_slice::<ClientFrame>(bytes) {
        Ok(ClientFrame::Msg {
            id: client_id,
            text,
        }) => {
            if client_id.len() > 64 {
                return Some(error_line(
                    false,
                    "bad_id",
                    "message ids are at most 64 bytes",
                ));
            }
            says.push(Saying {
                text: crate::net::lines::sanitize_str(&text, true),
                client_id: Some(client_id),
            });
            None
        }
        Ok(ClientFrame::Nick { nick }) => {
            room.say(id, std::mem::take(says)).await;
            match room.nick(id, nick).await {
                Ok(_) => None,
                Err(e) => Some(error_line(false, "nick", &e)),
            }
        }
        Ok(ClientFrame::Hello { .. }) => {
            Some(error_line(false, "protocol", "hello was already said"))
        }
        Err(e) => Some(error_line(
            false,
            "bad_frame",
            &format!("that line is not a tlschat/1 frame: {e}"),
        )),
    }
}

enum WriteEnd {
    RoomClosed,
    TooSlow(String),
    Failed(String),
}

impl WriteEnd {
    fn reason(self) -> String {
        match self {
            Self::RoomClosed => "the room closed".into(),
            Self::TooSlow(why) | Self::Failed(why) => why,
        }
    }
}

/// Writes the room to a member, batching what is queued into few TLS records.
async fn write_loop<W: AsyncWrite + Unpin>(
    w: &mut W,
    greeting: Vec<u8>,
    mut items: broadcast::Receiver<Batch>,
    mut direct: mpsc::Receiver<Vec<u8>>,
    me: u64,
    plain: bool,
) -> WriteEnd {
    let mut buf = greeting;
    let mut closing = false;
    loop {
        if buf.is_empty() {
            tokio::select! {
                biased;
                Some(bytes) = direct.recv() => buf.extend_from_slice(&bytes),
                batch = items.recv() => match batch {
                    Ok(batch) => closing |= render(&batch, me, plain, &mut buf),
                    Err(broadcast::error::RecvError::Lagged(n)) => return too_slow(w, plain, n).await,
                    Err(broadcast::error::RecvError::Closed) => return WriteEnd::RoomClosed,
                },
            }
        }
        if let Err(behind) = take_queued(&mut items, me, plain, &mut buf, &mut closing) {
            return too_slow(w, plain, behind).await;
        }
        if !buf.is_empty() {
            let write = async {
                w.write_all(&buf).await?;
                w.flush().await
            };
            match tokio::time::timeout(WRITE_STALL, write).await {
                Ok(Ok(())) => {
                    buf.clear();
                    // Do not keep a burst's buffer for the connection's life.
                    if buf.capacity() > IDLE_BUFFER {
                        buf = Vec::with_capacity(IDLE_BUFFER);
                    }
                }
                Ok(Err(e)) => return WriteEnd::Failed(format!("connection lost: {e}")),
                Err(_) => return WriteEnd::TooSlow("too slow: stopped reading".into()),
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
    items: &mut broadcast::Receiver<Batch>,
    me: u64,
    plain: bool,
    buf: &mut Vec<u8>,
    closing: &mut bool,
) -> Result<(), u64> {
    while !*closing && buf.len() < WRITE_BATCH {
        match items.try_recv() {
            Ok(batch) => *closing |= render(&batch, me, plain, buf),
            Err(broadcast::error::TryRecvError::Lagged(n)) => return Err(n),
            Err(_) => break,
        }
    }
    Ok(())
}

/// Renders a batch for member `me`; true when the room is closing.
fn render(batch: &Batch, me: u64, plain: bool, buf: &mut Vec<u8>) -> bool {
    let mut closing = false;
    for item in batch.iter() {
        closing |= matches!(item.kind, ItemKind::Closing);
        item.render_for(me, plain, buf);
    }
    closing
}

async fn too_slow<W: AsyncWrite + Unpin>(w: &mut W, plain: bool, behind: u64) -> WriteEnd {
    let message = format!("you fell {behind} messages behind the room and were disconnected");
    let _ = tokio::time::timeout(
        Duration::from_secs(1),
        w.write_all(&error_line(plain, "too_slow", &message)),
    )
    .await;
    WriteEnd::TooSlow("too slow to keep up".into())
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
}
