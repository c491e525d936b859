//! The listener: forwards one connection's bytes to the host and back,
//! untouched, and reports the TLS records it sees pass.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::records::{RecordScanner, Scanned};
use super::{Direction, Ending, PHASE_TIMEOUT, RelayEvent, RelaySink};

/// Relays `member` to `upstream` until either side closes.
pub(super) async fn relay(conn: u32, member: TcpStream, upstream: SocketAddr, sink: RelaySink) {
    let host = match tokio::time::timeout(PHASE_TIMEOUT, TcpStream::connect(upstream)).await {
        Ok(Ok(host)) => host,
        Ok(Err(e)) => {
            let why = Ending::HostUnreachable(e.to_string());
            return sink.emit(RelayEvent::Ended { conn, why });
        }
        Err(_) => {
            let why = Ending::HostUnreachable("no answer in time".into());
            return sink.emit(RelayEvent::Ended { conn, why });
        }
    };
    let (member_read, member_write) = member.into_split();
    let (host_read, host_write) = host.into_split();
    let up = pump(
        conn,
        Direction::ToHost,
        member_read,
        host_write,
        sink.clone(),
    );
    let down = pump(
        conn,
        Direction::ToMember,
        host_read,
        member_write,
        sink.clone(),
    );
    // Each direction ends when its sender closes (passing the close on);
    // the connection when both have.
    let (up, down) = tokio::join!(up, down);
    let why = if up == Ending::Closed { down } else { up };
    sink.emit(RelayEvent::Ended { conn, why });
}

/// Copies one direction, reporting its records; returns how it ended.
async fn pump(
    conn: u32,
    dir: Direction,
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    sink: RelaySink,
) -> Ending {
    let mut scanner = RecordScanner::new();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) => {
                let _ = to.shutdown().await;
                return Ending::Closed;
            }
            Ok(n) => n,
            Err(e) => return Ending::Failed(e.to_string()),
        };
        // Forwarded first, untouched: the listener only looks.
        let chunk = buf.get(..n).unwrap_or_default();
        if let Err(e) = to.write_all(chunk).await {
            return Ending::Failed(e.to_string());
        }
        for found in scanner.feed(chunk) {
            sink.emit(match found {
                Scanned::Record(record) => RelayEvent::Record { conn, dir, record },
                Scanned::NotTls(head) => RelayEvent::NotTls { conn, dir, head },
            });
        }
    }
}
