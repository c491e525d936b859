//! The host's listener: it accepts connections, gives each a handshake
//! slot (see [`super::admission`]) or closes it, and hands each one it
//! keeps to its own [`Handler`] task. It never ends by itself: the host
//! drops it and then shuts down the connections it served.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::net::room::Room;

use super::LOG;
use super::handler::{Handler, Shared};

/// The host's listening socket, and the connections it serves.
pub(super) struct Listener {
    /// The bound socket.
    tcp: TcpListener,
    /// What every connection shares; each handler gets a pointer to it.
    shared: Arc<Shared>,
    /// The connections being served, one task each.
    connections: JoinSet<()>,
}

impl Listener {
    /// Binds `addr`, or says why it cannot be.
    pub(super) async fn bind(addr: SocketAddr) -> Result<TcpListener, ListenError> {
        TcpListener::bind(addr)
            .await
            .map_err(|e| ListenError::new(addr, e))
    }

    /// Serves connections on `tcp`.
    pub(super) fn new(tcp: TcpListener, shared: Shared) -> Self {
        Self {
            tcp,
            shared: Arc::new(shared),
            connections: JoinSet::new(),
        }
    }

    /// Accepts connections until dropped: it never ends by itself.
    pub(super) async fn run(&mut self) -> Infallible {
        loop {
            tokio::select! {
                accepted = self.tcp.accept() => match accepted {
                    Ok((tcp, peer)) => self.admit(tcp, peer),
                    // Running out of file descriptors and the like: wait a
                    // little rather than spin, and keep serving.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                },
                Some(_) = self.connections.join_next(), if !self.connections.is_empty() => {}
            }
        }
    }

    /// Gives a new connection a handshake slot and its handler, or closes
    /// it. Over the handshake caps a connection is closed at once rather
    /// than queued: before TLS there is no way to tell it why.
    fn admit(&mut self, tcp: TcpStream, peer: SocketAddr) {
        let Some(admitted) = self.shared.admission.handshake(peer.ip()) else {
            tracing::info!(target: LOG, %peer, "connection closed: too many handshakes in progress");
            return;
        };
        tracing::debug!(target: LOG, %peer, "connection accepted");
        if let Some(from) = admitted.displaced {
            tracing::info!(target: LOG, %peer, "handshakes full: the oldest from {from} (which holds the most) makes room");
        }
        let handler = Handler::new(peer, self.shared.clone());
        self.connections.spawn(handler.run(tcp, admitted));
    }

    /// Stops listening, closes the room, gives every member a moment to
    /// receive the closing notice and close_notify, then stops whatever is
    /// left.
    pub(super) async fn shutdown(self, room: &Room) {
        let Self {
            tcp,
            mut connections,
            ..
        } = self;
        drop(tcp);
        room.close(crate::net::wording::HOST_CLOSED.into()).await;
        let drain = async { while connections.join_next().await.is_some() {} };
        if tokio::time::timeout(Duration::from_secs(3), drain)
            .await
            .is_err()
        {
            connections.shutdown().await;
        }
    }
}

/// Why the host cannot listen on its address (one line).
#[derive(Debug, thiserror::Error)]
pub(super) enum ListenError {
    /// Another program listens there.
    #[error("cannot listen on {0}: the address is already in use (is another host running there?)")]
    InUse(SocketAddr),
    /// The port needs privileges.
    #[error("cannot listen on {0}: permission denied (ports below 1024 need privileges)")]
    Denied(SocketAddr),
    /// The address is not one of this machine's.
    #[error("cannot listen on {0}: that address does not belong to this machine")]
    NotHere(SocketAddr),
    /// Anything else.
    #[error("cannot listen on {addr}: {source}")]
    Other {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

impl ListenError {
    /// Why binding `addr` failed with `e`.
    fn new(addr: SocketAddr, e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::AddrInUse => Self::InUse(addr),
            std::io::ErrorKind::PermissionDenied => Self::Denied(addr),
            std::io::ErrorKind::AddrNotAvailable => Self::NotHere(addr),
            _ => Self::Other { addr, source: e },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn why_an_address_cannot_be_listened_on_is_one_line() {
        let addr: SocketAddr = "127.0.0.1:80".parse().unwrap();
        let kind = |k: std::io::ErrorKind| ListenError::new(addr, k.into()).to_string();
        assert_eq!(
            kind(std::io::ErrorKind::AddrInUse),
            "cannot listen on 127.0.0.1:80: the address is already in use (is another host running there?)"
        );
        assert_eq!(
            kind(std::io::ErrorKind::PermissionDenied),
            "cannot listen on 127.0.0.1:80: permission denied (ports below 1024 need privileges)"
        );
        assert_eq!(
            kind(std::io::ErrorKind::AddrNotAvailable),
            "cannot listen on 127.0.0.1:80: that address does not belong to this machine"
        );
        let other = std::io::Error::other("no");
        assert_eq!(
            ListenError::new(addr, other).to_string(),
            "cannot listen on 127.0.0.1:80: no"
        );
    }
}
