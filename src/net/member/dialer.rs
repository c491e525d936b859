//! Making one connection to the host: [`Dialer`]. What stays the same from
//! one attempt to the next is built once (the TLS configuration with its
//! verifier, client-certificate resolver, ticket store and key log; the
//! server name); [`Dialer::connect`] then dials, shakes hands and decides
//! on the host's certificate, once per attempt.
//!
//! The certificate the member presents when the host asks for one (every
//! tlschat host does) is `--cert`/`--key` if given, else the member's own
//! identity ([`crate::net::identity`]), made on first use in the
//! configuration directory: the key the host knows it by.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::end::End;
use super::info::{Facts, Negotiated, connection_info};
use super::{LOG, SetupError};
use crate::i18n::Msg;
use crate::msg;
use crate::net::certinfo::CertInfo;
use crate::net::command::JoinConfig;
use crate::net::event::{ConnectionInfo, Untrusted};
use crate::net::keylog::{Captured, KeyLogFile, Secrets};
use crate::net::pins::{PinEntry, PinError, PinStore};
use crate::net::protocol::Dialect;
use crate::net::recorder::Recorder;
use crate::net::resume::CurrentVerifier;
use crate::net::trust::{Decision, MemberVerifier, Outcome, TrustBasis, root_store};
use crate::net::wire::live::Wake;
use crate::net::wording::said_msg;
use crate::net::{ALPN, HANDSHAKE_TIMEOUT};

/// How long connecting (resolving included) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How many session tickets a member keeps (rustls' default).
const TICKETS: usize = 256;

/// Presents our certificate, if we have one, and notes whether the host
/// asked for it (only then is it sent).
#[derive(Debug)]
struct AskedResolver {
    /// Our certificate and key, if we have one.
    inner: Option<rustls::sign::SingleCertAndKey>,
    /// Whether the host asked for it on this connection.
    asked: AtomicBool,
}

impl rustls::client::ResolvesClientCert for AskedResolver {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        let key = self.inner.as_ref()?.resolve(root_hint_subjects, sigschemes);
        self.asked.store(key.is_some(), Ordering::Relaxed);
        key
    }

    fn has_certs(&self) -> bool {
        self.inner.is_some()
    }
}

/// The certificate and key (PEM files) we present when the host asks:
/// `--cert`/`--key` if given, else our own identity in the configuration
/// directory (made on first use); none without a configuration directory.
async fn own_certificate(config: &JoinConfig) -> Result<Option<(PathBuf, PathBuf)>, SetupError> {
    if let Some(pair) = &config.identity {
        return Ok(Some(pair.clone()));
    }
    let Some(dir) = config.config_dir.clone() else {
        return Ok(None);
    };
    let own = tokio::task::spawn_blocking(move || {
        crate::net::identity::member_identity(&dir, crate::net::identity::KeyChoice::Keep)
    })
    .await
    .map_err(SetupError::IdentityLost)??;
    Ok(Some((own.cert_path, own.key_path)))
}

/// Why the host of one connection is trusted.
struct Trusted {
    /// The basis: verified, or pinned.
    basis: TrustBasis,
    /// The chain it was shown (for a resumed session, the one before).
    chain: Vec<CertInfo>,
    /// An entry to write to the known hosts.
    store: Option<PinEntry>,
    /// Something the user should be told.
    notice: Option<crate::i18n::Msg>,
}

/// An established, trusted connection, and what to do about it.
pub(super) struct Connected {
    /// The TLS stream (its recorder is a pass-through from now on).
    pub tls: TlsStream<Recorder<TcpStream>>,
    /// How the connection speaks, from its ALPN.
    pub dialect: Dialect,
    /// What it is, for the user.
    pub info: ConnectionInfo,
    /// An entry to write to the known hosts (a new exception, a renewal).
    pub store: Option<PinEntry>,
    /// Something the user should be told about the trust decision.
    pub notice: Option<crate::i18n::Msg>,
}

/// Dials the host, one connection per attempt, with one TLS configuration
/// for the whole session (rustls resumes only with the same verifier and
/// resolver objects).
pub(super) struct Dialer {
    /// The user's options: host, port, pins, where the known hosts are.
    config: JoinConfig,
    /// `host:port`, canonical: how pins are stored.
    target: String,
    /// The name sent in SNI and checked in the certificate.
    server_name: ServerName<'static>,
    /// The TLS configuration, built once.
    connector: TlsConnector,
    /// The verifier object rustls sees, in front of each attempt's own.
    current: Arc<CurrentVerifier>,
    /// The verifier built with the dialer, until the first attempt takes it.
    first: Option<Arc<MemberVerifier>>,
    /// The trust anchors: system roots and `--ca` files.
    roots: RootCertStore,
    /// The crypto provider with the user's key-exchange groups.
    provider: Arc<CryptoProvider>,
    /// Our client certificate's resolver.
    resolver: Arc<AskedResolver>,
    /// Our client certificate, if we have one.
    client_certificate: Option<CertInfo>,
    /// Secrets, kept until the connection's handshake is decoded (and,
    /// when its records are followed, the application secrets).
    captured: Arc<Captured>,
    /// Wakes whoever shows the records that are followed.
    wake: Wake,
    /// How the host was trusted on the last full handshake: a resumed one
    /// (no certificate sent) is the same host, proven by the ticket.
    trusted: Option<(TrustBasis, Vec<CertInfo>)>,
}

impl Dialer {
    /// Builds what every attempt shares, for the canonical `target`;
    /// `keylog` is the key log file, already open; `wake` is called as
    /// records after the handshake are followed.
    pub(super) async fn new(
        config: &JoinConfig,
        target: String,
        keylog: Option<Arc<KeyLogFile>>,
        wake: Wake,
    ) -> Result<Self, SetupError> {
        let files = config.ca_files.clone();
        let roots = tokio::task::spawn_blocking(move || root_store(&files)).await??;
        let known = known(config.config_dir.as_deref(), &target)?;
        let provider = config.tls.provider()?;
        let identity = match own_certificate(config).await? {
            Some((cert, key)) => Some(crate::net::pem::load_identity(&cert, &key, &provider)?),
            None => None,
        };
        let client_certificate = identity
            .as_ref()
            .and_then(|id| id.cert.first())
            .map(|c| CertInfo::from_der(c));
        let resolver = Arc::new(AskedResolver {
            inner: identity.map(rustls::sign::SingleCertAndKey::from),
            asked: AtomicBool::new(false),
        });
        let first = Arc::new(MemberVerifier::new(
            roots.clone(),
            provider.clone(),
            target.clone(),
            known,
            config.pins.clone(),
            config.remember_pin,
        ));
        let current = Arc::new(CurrentVerifier::new(first.clone()));
        let captured = Arc::new(if config.tls.record_handshakes {
            Captured::following()
        } else {
            Captured::default()
        });
        let mut tls = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(config.tls.versions())?
            .dangerous()
            .with_custom_certificate_verifier(current.clone())
            .with_client_cert_resolver(resolver.clone());
        tls.alpn_protocols = vec![ALPN.to_vec()];
        tls.key_log = Arc::new(Secrets {
            file: keylog,
            capture: Some(captured.clone()),
        });
        let tickets = Arc::new(rustls::client::ClientSessionMemoryCache::new(TICKETS));
        tls.resumption = rustls::client::Resumption::store(tickets);
        let server_name = ServerName::try_from(config.host.clone())
            .map_err(|_| SetupError::HostName(config.host.clone()))?;
        Ok(Self {
            config: config.clone(),
            target,
            server_name,
            connector: TlsConnector::from(Arc::new(tls)),
            current,
            first: Some(first),
            roots,
            provider,
            resolver,
            client_certificate,
            captured,
            wake,
            trusted: None,
        })
    }

    /// One attempt: connects (unless `cancel` resolves first), shakes
    /// hands and decides on the host's certificate.
    pub(super) async fn connect(
        &mut self,
        cancel: impl Future<Output = ()>,
    ) -> Result<Connected, End> {
        let verifier = self.verifier()?;
        let tcp = tokio::select! {
            tcp = connect_tcp(&self.config.host, self.config.port, &self.target) => tcp?,
            () = cancel => return Err(End::ByUser(msg!("net-end-cancelled"))),
        };
        let peer_addr = tcp.peer_addr().map_err(|e| {
            End::Dropped(msg!(
                "net-end-cannot-connect",
                target = self.target.as_str(),
                error = e.to_string()
            ))
        })?;
        self.resolver.asked.store(false, Ordering::Relaxed);
        let started = Instant::now();
        let mut tls = self.handshake(tcp, &verifier).await?;
        let handshake_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        // From here on the recorder is a pass-through, or follows the
        // records when asked to.
        let recorded = crate::net::wire::live::start(
            tls.get_mut().0,
            true,
            &self.captured,
            Some(self.wake.clone()),
            None,
        );
        let (wire, live) = match recorded {
            Some(r) => (Some(Arc::new(r.handshake)), r.live),
            None => (None, None),
        };
        let negotiated = Negotiated::of(tls.get_ref().1, verifier.signature_scheme());
        tracing::debug!(
            target: LOG,
            peer = %peer_addr,
            version = ?negotiated.version,
            suite = ?negotiated.suite,
            group = ?negotiated.group,
            alpn = ?negotiated.alpn.as_deref().map(String::from_utf8_lossy),
            handshake_us,
            "handshake done"
        );
        let resumed = negotiated.kind == Some(rustls::HandshakeKind::Resumed);
        let trusted = self.trust(&verifier, resumed)?;
        let dialect = Dialect::from_alpn(negotiated.alpn.as_deref());
        let info = connection_info(Facts {
            target: self.target.clone(),
            peer_addr,
            sni: match &self.server_name {
                ServerName::DnsName(d) => Some(d.as_ref().to_string()),
                _ => None,
            },
            negotiated,
            handshake_us,
            trust: trusted.basis,
            chain: trusted.chain,
            offered_groups: self.provider.kx_groups.iter().map(|g| g.name()).collect(),
            client_certificate: self
                .client_certificate
                .clone()
                .filter(|_| self.resolver.asked.load(Ordering::Relaxed)),
            wire,
            live,
            keylog: self.config.tls.keylog.clone(),
        })?;
        Ok(Connected {
            tls,
            dialect,
            info,
            store: trusted.store,
            notice: trusted.notice,
        })
    }

    /// This attempt's verifier: the first one, then a fresh one each time
    /// with the known hosts as they are now, behind the one object rustls
    /// sees.
    fn verifier(&mut self) -> Result<Arc<MemberVerifier>, End> {
        if let Some(first) = self.first.take() {
            return Ok(first);
        }
        let known = known(self.config.config_dir.as_deref(), &self.target)
            .map_err(|e| End::Fatal(said_msg(e.to_string())))?;
        let verifier = Arc::new(MemberVerifier::new(
            self.roots.clone(),
            self.provider.clone(),
            self.target.clone(),
            known,
            self.config.pins.clone(),
            self.config.remember_pin,
        ));
        self.current.set(verifier.clone());
        Ok(verifier)
    }

    /// The TLS handshake over `tcp`, recorded; a refused certificate ends
    /// the session, anything else is a drop.
    async fn handshake(
        &self,
        tcp: TcpStream,
        verifier: &MemberVerifier,
    ) -> Result<TlsStream<Recorder<TcpStream>>, End> {
        let tcp = Recorder::new(tcp, true);
        let handshake = self.connector.connect(self.server_name.clone(), tcp);
        match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
            Ok(Ok(tls)) => Ok(tls),
            Ok(Err(e)) => Err(match verifier.outcome() {
                Some(Outcome {
                    decision:
                        Decision::Refuse {
                            problem,
                            previous,
                            can_proceed,
                        },
                    chain,
                }) => {
                    let reason = msg!(
                        "net-end-untrusted",
                        target = self.target.as_str(),
                        problem = problem.reason()
                    );
                    tracing::info!(target: LOG, "{}", reason.text_in(crate::i18n::Lang::En));
                    let refusal = Box::new(Untrusted {
                        target: self.target.clone(),
                        problem,
                        chain,
                        previous: previous.map(Box::new),
                        can_proceed,
                    });
                    End::Untrusted { reason, refusal }
                }
                _ => End::Dropped(handshake_error(&self.target, &e)),
            }),
            Err(_) => Err(End::Dropped(msg!(
                "net-end-handshake-timeout",
                target = self.target.as_str(),
                seconds = HANDSHAKE_TIMEOUT.as_secs()
            ))),
        }
    }

    /// Why the host is trusted, with its chain, an entry for the known
    /// hosts and a notice, from the verifier's decision, or for a resumed
    /// session (which sends no certificate) from the full handshake before.
    fn trust(&mut self, verifier: &MemberVerifier, resumed: bool) -> Result<Trusted, End> {
        let earlier = self.trusted.clone().filter(|_| resumed);
        match (verifier.outcome(), earlier) {
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
                self.trusted = Some((basis.clone(), chain.clone()));
                Ok(Trusted {
                    basis,
                    chain,
                    store,
                    notice,
                })
            }
            // The ticket, which only the host we verified before can use,
            // stands for the certificate.
            (None, Some((basis, chain))) => Ok(Trusted {
                basis,
                chain,
                store: None,
                notice: None,
            }),
            _ => Err(End::Fatal(said_msg(
                "the TLS library finished a handshake that was not verified",
            ))),
        }
    }
}

/// What the known hosts say of `target` (nothing without a config folder).
fn known(config_dir: Option<&Path>, target: &str) -> Result<Option<PinEntry>, PinError> {
    match config_dir {
        Some(dir) => Ok(PinStore::load(dir)?.get(target).cloned()),
        None => Ok(None),
    }
}

/// Resolves the host and connects to the first address that answers.
async fn connect_tcp(host: &str, port: u16, target: &str) -> Result<TcpStream, End> {
    let addrs: Vec<_> =
        tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::lookup_host((host, port)))
            .await
            .map_err(|_| End::Dropped(msg!("net-end-resolve-timeout", host = host)))?
            .map_err(|e| End::Dropped(msg!("net-end-resolve", host = host, error = e.to_string())))?
            .collect();
    if addrs.is_empty() {
        return Err(End::Dropped(msg!("net-end-resolve-none", host = host)));
    }
    let mut last = None;
    for addr in addrs {
        tracing::debug!(target: LOG, %addr, "connecting");
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
            msg!("net-end-refused", target = target)
        }
        Some(e) if e.kind() == std::io::ErrorKind::TimedOut => msg!(
            "net-end-no-answer",
            target = target,
            seconds = CONNECT_TIMEOUT.as_secs()
        ),
        Some(e) => msg!(
            "net-end-cannot-connect",
            target = target,
            error = e.to_string()
        ),
        None => msg!("net-end-cannot-connect-at-all", target = target),
    };
    Err(End::Dropped(reason))
}

/// One line for a failed handshake, from the rustls error inside `e`.
fn handshake_error(target: &str, e: &std::io::Error) -> Msg {
    let tls = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    match tls {
        Some(rustls::Error::InvalidMessage(_)) => msg!("net-end-not-tls", target = target),
        Some(rustls::Error::AlertReceived(
            alert @ (rustls::AlertDescription::HandshakeFailure
            | rustls::AlertDescription::ProtocolVersion),
        )) => msg!(
            "net-end-alert-nothing-in-common",
            target = target,
            alert = format!("{alert:?}")
        ),
        Some(rustls::Error::AlertReceived(alert)) => msg!(
            "net-end-alert",
            target = target,
            alert = format!("{alert:?}")
        ),
        Some(rustls::Error::PeerIncompatible(why)) => msg!(
            "net-end-incompatible",
            target = target,
            why = format!("{why:?}")
        ),
        Some(other) => msg!(
            "net-end-handshake-failed",
            target = target,
            error = other.to_string()
        ),
        None if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            msg!("net-end-closed-in-handshake", target = target)
        }
        None => msg!(
            "net-end-handshake-failed",
            target = target,
            error = e.to_string()
        ),
    }
}
