//! Connection and certificate details: the live connection's parameters and
//! every field of each certificate in the chain, as Firefox's viewer shows them.

use egui::{RichText, Ui};

use crate::net::certinfo::{CertInfo, fingerprint, hex};
use crate::net::safe_text::{visible, visible_line};
use crate::net::trust::utc;
use crate::net::{CipherSuite, ConnectionInfo, NamedGroup, PinMatch, TrustBasis};
use crate::ui::state::{Role, RoomModel, Status};

/// A named value; the value may come from a certificate or the peer, so it
/// is shown through [`visible`].
fn row(ui: &mut Ui, name: &str, value: impl Into<String>) {
    ui.label(RichText::new(name).strong());
    ui.add(egui::Label::new(visible(&value.into()).into_owned()).wrap());
    ui.end_row();
}

fn mono_row(ui: &mut Ui, name: &str, value: &str, copy_label: &str) {
    ui.label(RichText::new(name).strong());
    ui.horizontal(|ui| {
        ui.add(egui::Label::new(RichText::new(value).monospace()).wrap());
        if ui.small_button(copy_label).clicked() {
            ui.ctx().copy_text(value.to_string());
        }
    });
    ui.end_row();
}

/// "expires in N days" / "expired N days ago" / "not valid for N more days".
#[must_use]
pub fn validity_note(cert: &CertInfo, now: i64) -> String {
    let days = |s: i64| s.unsigned_abs() / 86_400;
    if now < cert.not_before {
        format!("not valid for {} more days", days(cert.not_before - now))
    } else if now > cert.not_after {
        format!("expired {} days ago", days(now - cert.not_after))
    } else {
        format!("expires in {} days", days(cert.not_after - now))
    }
}

fn connection_ui(ui: &mut Ui, c: &ConnectionInfo) {
    egui::Grid::new("connection_grid").num_columns(2).striped(true).spacing([12.0, 4.0]).show(ui, |ui| {
        row(ui, "Connected to", format!("{} ({})", c.target, c.peer_addr));
        row(ui, "Protocol", c.protocol.to_string());
        row(ui, "Cipher suite", c.cipher_suite_name());
        row(ui, "Key exchange", c.key_exchange_name());
        row(ui, "ALPN", c.alpn.clone().unwrap_or_else(|| "none: plain-text room".into()));
        row(ui, "Server name (SNI)", c.sni.clone().unwrap_or_else(|| "none sent (connected by IP address)".into()));
        row(
            ui,
            "Handshake",
            format!("{}, {:.1} ms", c.handshake_kind, c.handshake_us as f64 / 1000.0),
        );
        let trust = match &c.trust {
            TrustBasis::Verified { anchor } => format!("Verified: the chain leads to the trusted root {anchor}"),
            TrustBasis::Pinned { problem, matched: PinMatch::ExactCertificate } => format!(
                "Not verified ({}); accepted because it is exactly the certificate you made an exception for",
                problem.explain()
            ),
            TrustBasis::Pinned { problem, matched: PinMatch::SameKey } => format!(
                "Not verified ({}); accepted because it has the same key as the certificate you made an \
                 exception for (a renewal), which your exception now covers",
                problem.explain()
            ),
        };
        row(ui, "Trust", trust);
    });
}

fn cert_ui(ui: &mut Ui, cert: &CertInfo) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if let Some(e) = &cert.parse_error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
    egui::Grid::new(("cert_grid", cert.sha256))
        .num_columns(2)
        .striped(true)
        .spacing([12.0, 4.0])
        .show(ui, |ui| {
            names_rows(ui, cert, now);
            fingerprint_rows(ui, cert);
            extension_rows(ui, cert);
        });
}

/// Who the certificate is for, who issued it, when it is valid, its key.
fn names_rows(ui: &mut Ui, cert: &CertInfo, now: i64) {
    row(ui, "Subject", &cert.subject);
    row(ui, "Issuer", &cert.issuer);
    row(ui, "Not before", utc(cert.not_before));
    row(
        ui,
        "Not after",
        format!("{} ({})", utc(cert.not_after), validity_note(cert, now)),
    );
    row(
        ui,
        "Subject alt names",
        if cert.sans.is_empty() {
            "none".to_string()
        } else {
            cert.sans.join("\n")
        },
    );
    row(ui, "Public key", &cert.public_key);
    row(ui, "Signature algorithm", &cert.signature_algorithm);
    row(ui, "Serial number", &cert.serial);
    row(ui, "Version", cert.version.to_string());
}

/// The fingerprints and the safety code, each with a copy button.
fn fingerprint_rows(ui: &mut Ui, cert: &CertInfo) {
    mono_row(
        ui,
        "SHA-256 fingerprint",
        // The one format of a fingerprint everywhere: the warning,
        // the host's own, the terminal, `--pin`, known hosts.
        &fingerprint(&cert.sha256),
        "Copy SHA-256",
    );
    row(
        ui,
        "Safety code",
        crate::net::safety::safety_code(&cert.sha256),
    );
    mono_row(
        ui,
        "SHA-1 fingerprint",
        &format!("SHA1:{}", hex(&cert.sha1)),
        "Copy SHA-1",
    );
    mono_row(
        ui,
        "Public key SHA-256",
        &cert.key_fingerprint(),
        "Copy key SHA-256",
    );
}

/// What the certificate may be used for, and its extensions.
fn extension_rows(ui: &mut Ui, cert: &CertInfo) {
    row(
        ui,
        "Basic constraints",
        match (cert.is_ca, cert.path_len) {
            (Some(true), Some(n)) => format!("CA, path length {n}"),
            (Some(true), None) => "CA".into(),
            (Some(false), _) => "not a CA".into(),
            (None, _) => "absent".into(),
        },
    );
    row(
        ui,
        "Key usage",
        if cert.key_usage.is_empty() {
            "absent".into()
        } else {
            cert.key_usage.join(", ")
        },
    );
    row(
        ui,
        "Extended key usage",
        if cert.extended_key_usage.is_empty() {
            "absent".into()
        } else {
            cert.extended_key_usage.join(", ")
        },
    );
    row(
        ui,
        "Subject key ID",
        cert.subject_key_id
            .clone()
            .unwrap_or_else(|| "absent".into()),
    );
    row(
        ui,
        "Authority key ID",
        cert.authority_key_id
            .clone()
            .unwrap_or_else(|| "absent".into()),
    );
    let exts: Vec<String> = cert
        .extensions
        .iter()
        .map(|e| {
            format!(
                "{} ({}){}",
                e.name,
                e.oid,
                if e.critical { " — critical" } else { "" }
            )
        })
        .collect();
    row(
        ui,
        "Extensions",
        if exts.is_empty() {
            "none".into()
        } else {
            exts.join("\n")
        },
    );
}

/// The cipher suite's encryption and hash, e.g. ("AES-256-GCM", "SHA-384").
#[must_use]
pub fn suite_parts(c: &ConnectionInfo) -> (String, String) {
    use CipherSuite as S;
    let aead = match c.cipher_suite {
        S::TLS13_CHACHA20_POLY1305_SHA256
        | S::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
        | S::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => "ChaCha20-Poly1305".to_string(),
        S::TLS13_AES_256_GCM_SHA384
        | S::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        | S::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => "AES-256-GCM".to_string(),
        S::TLS13_AES_128_GCM_SHA256
        | S::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        | S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => "AES-128-GCM".to_string(),
        _ => c.cipher_suite_name(),
    };
    let hash = match c.cipher_suite {
        S::TLS13_AES_256_GCM_SHA384
        | S::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        | S::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => "SHA-384",
        _ => "SHA-256",
    };
    (aead, hash.to_string())
}

/// Whether a group includes ML-KEM (alone or in a hybrid).
fn has_mlkem(group: Option<NamedGroup>) -> bool {
    use NamedGroup as G;
    matches!(
        group,
        Some(G::MLKEM512 | G::MLKEM768 | G::MLKEM1024 | G::X25519MLKEM768 | G::secp256r1MLKEM768)
    )
}

/// The classical half of a hybrid group, e.g. "X25519" of `X25519MLKEM768`.
fn classical_part(group: Option<NamedGroup>) -> Option<&'static str> {
    match group? {
        NamedGroup::X25519 | NamedGroup::X25519MLKEM768 => Some("X25519"),
        NamedGroup::secp256r1 | NamedGroup::secp256r1MLKEM768 => Some("P-256"),
        NamedGroup::secp384r1 => Some("P-384"),
        _ => None,
    }
}

/// What step 3 says about where the shared secret came from.
fn key_agreement(c: &ConnectionInfo) -> String {
    if has_mlkem(c.key_exchange) {
        let kem = "ML-KEM-768 is key encapsulation: your hello carried an ML-KEM public key, \
                   the host used it to encapsulate a fresh random secret and sent back only the \
                   ciphertext, which only your private key could open.";
        match classical_part(c.key_exchange) {
            Some(ec) => format!(
                "Two secrets, neither of which crossed the network. {ec} is Diffie-Hellman: each \
                 side combined its own ephemeral private key with the other's public key share into \
                 the same secret. {kem} The two secrets, concatenated, are the shared secret."
            ),
            None => format!("The shared secret never crossed the network. {kem}"),
        }
    } else {
        format!(
            "Each side combined its own ephemeral private key with the other's public key share \
             (elliptic-curve Diffie-Hellman, {}) into the same secret, which never crossed the \
             network.",
            c.key_exchange_name()
        )
    }
}

/// What step 3 says about TLS 1.2's master secret. rustls always asks for
/// the extended master secret (RFC 7627) and a rustls server always agrees,
/// but a rustls client does not insist on it outside FIPS mode, nor reports
/// whether the server agreed.
fn master_secret_12(c: &ConnectionInfo, hash: &str) -> String {
    let ems = format!(
        "TLS 1.2's PRF with {hash} derived the master secret from the pre-master secret and the \
         session hash — a hash of every handshake message up to your key exchange — so the keys \
         belong to this one handshake and cannot be carried into another (the extended master \
         secret, RFC 7627). The session keys come from the master secret and both hello randoms."
    );
    if c.alpn.as_deref() == Some("tlschat/1") {
        format!(
            "tlschat asks for the extended master secret and a tlschat host always agrees: {ems}"
        )
    } else {
        format!(
            "tlschat asks for the extended master secret, and current servers agree; then {ems} \
             (rustls does not report whether this host agreed, and does not insist: a server too \
             old to know it gets the older derivation of the master secret from the pre-master \
             secret and both hello randoms.)"
        )
    }
}

/// What step 4 says about why the certificate was trusted.
fn trust_sentence(trust: &TrustBasis, host: &str) -> String {
    match trust {
        TrustBasis::Verified { anchor } => format!(
            "tlschat checked that the chain leads to a root you trust ({anchor}), that every \
             certificate in it is valid today, and that it is valid for {host}."
        ),
        TrustBasis::Pinned {
            problem,
            matched: PinMatch::ExactCertificate,
        } => format!(
            "It did not verify ({}); it was accepted only because it is exactly the certificate \
             you made an exception for.",
            problem.explain()
        ),
        TrustBasis::Pinned {
            problem,
            matched: PinMatch::SameKey,
        } => format!(
            "It did not verify ({}); it was accepted because it has the same key as the \
             certificate you made an exception for: a renewal, which your exception now covers.",
            problem.explain()
        ),
    }
}

/// The handshake that actually happened, step by step, in plain words, in
/// the order its messages went.
#[must_use]
pub fn walkthrough(c: &ConnectionInfo) -> Vec<(String, String)> {
    let (aead, hash) = suite_parts(c);
    let mut steps: Vec<(&str, String)> = vec![
        ("You said hello (ClientHello)", client_hello(c)),
        ("The host chose (ServerHello)", server_hello(c)),
        ("A shared secret, never sent", shared_secret(c, &hash)),
        ("The host's certificate", host_certificate(c)),
        ("The host proved it holds the key", host_proof(c)),
    ];
    steps.extend(finished_steps(c));
    steps.push(("Your messages", messages(c, &aead)));
    steps
        .into_iter()
        .enumerate()
        .map(|(i, (title, text))| (format!("{}. {title}", i + 1), text))
        .collect()
}

fn is_tls13(c: &ConnectionInfo) -> bool {
    c.protocol == crate::net::TlsVersion::Tls13
}

/// Step 1: what our ClientHello offered.
fn client_hello(c: &ConnectionInfo) -> String {
    format!(
        "tlschat offered TLS 1.3 and 1.2, the key-exchange groups {} (key shares for the preferred ones \
         sent right away), ALPN {}, and {}.",
        c.offered_group_names().join(", "),
        c.offered_alpn.join(", "),
        match &c.sni {
            Some(name) => format!("the server name {name} (SNI, sent unencrypted)"),
            None => "no server name (SNI), because you connected by IP address".to_string(),
        }
    )
}

/// What step 2 adds about a hybrid post-quantum group, if it was one.
fn hybrid_note(c: &ConnectionInfo) -> String {
    match classical_part(c.key_exchange) {
        Some(ec) if has_mlkem(c.key_exchange) => format!(
            " This is a hybrid post-quantum exchange: {ec} Diffie-Hellman together with ML-KEM-768 \
             key encapsulation, so the secret stays safe unless both are broken."
        ),
        _ => String::new(),
    }
}

/// Step 2: what the host chose (ServerHello).
fn server_hello(c: &ConnectionInfo) -> String {
    format!(
        "{}, cipher suite {}, key exchange {}{}.{}",
        c.protocol,
        c.cipher_suite_name(),
        c.key_exchange_name(),
        if c.handshake_kind == crate::net::HandshakeKind::FullWithHelloRetryRequest {
            " — after asking for a key share for that group (HelloRetryRequest)"
        } else {
            ""
        },
        hybrid_note(c)
    )
}

/// Step 3: the shared secret, and the keys made from it.
fn shared_secret(c: &ConnectionInfo, hash: &str) -> String {
    if is_tls13(c) {
        format!(
            "{} TLS 1.3's key schedule (HKDF with {hash}) turned it into the keys that encrypt \
             everything after ServerHello — the host's certificate included. The ephemeral keys \
             are discarded, so stealing the host's certificate key later cannot decrypt this \
             conversation (forward secrecy).",
            key_agreement(c)
        )
    } else {
        format!(
            "{} It is the pre-master secret. {} The ephemeral keys are discarded (forward \
             secrecy). In TLS 1.2 the certificate itself travels unencrypted.",
            key_agreement(c),
            master_secret_12(c, hash)
        )
    }
}

/// Step 4: the host's certificate, and why it was trusted.
fn host_certificate(c: &ConnectionInfo) -> String {
    let host = c
        .target
        .rsplit_once(':')
        .map_or(c.target.as_str(), |(h, _)| h);
    format!(
        "The host sent {} certificate{}{}. {}",
        c.chain.len(),
        if c.chain.len() == 1 { "" } else { "s" },
        c.chain
            .first()
            .map_or(String::new(), |l| format!(", for {}", l.display_name())),
        trust_sentence(&c.trust, host)
    )
}

/// Step 5: the host's signature with its certificate's key.
fn host_proof(c: &ConnectionInfo) -> String {
    format!(
        "{} with the certificate's private key ({}); tlschat checked the signature with the public key in \
         the certificate{}. The certificate's key only signs: it does not encrypt any secret — the keys \
         came from step 3.",
        if is_tls13(c) {
            "The host signed a hash of the whole handshake so far (CertificateVerify)"
        } else {
            "The host signed its key share and both hello randoms (ServerKeyExchange)"
        },
        c.signature_scheme_name(),
        c.chain
            .first()
            .map_or(String::new(), |l| format!(" ({})", l.public_key))
    )
}

/// Our certificate, if the host asked for one, and the Finished messages,
/// in the order the version sends them.
fn finished_steps(c: &ConnectionInfo) -> Vec<(&'static str, String)> {
    let tls13 = is_tls13(c);
    let you_proved = c.client_certificate.as_ref().map(|me| {
        // Our own identity names no one: the key is what the host knows.
        let name = match me.spki_sha256 {
            Some(key) if me.display_name() == crate::net::identity::COMMON_NAME => format!(
                "your own key, safety code {}",
                crate::net::safety::safety_code(&key)
            ),
            _ => me.display_name().to_string(),
        };
        (
            "You proved who you are",
            if tls13 {
                format!(
                    "The host had asked for a certificate. After its Finished, you sent yours ({name}), \
                     encrypted, and signed a hash of the whole handshake with its key (CertificateVerify)."
                )
            } else {
                format!(
                    "The host had asked for a certificate. After its hello was done, you sent yours ({name}) \
                     and then signed the handshake so far with its key (CertificateVerify)."
                )
            },
        )
    });
    let finished = "a MAC over the whole handshake, keyed from the shared secret: had anyone altered a \
                    single message above, the connection would have failed here.";
    let mut steps = Vec::new();
    if tls13 {
        // TLS 1.3: the host finishes first; a client certificate follows it.
        steps.push(("The host's Finished", format!("The host sent {finished}")));
        steps.extend(you_proved);
        steps.push((
            "Your Finished",
            "You sent the same kind of MAC over the whole handshake, your part included; the host \
             checks it before it takes a message from you."
                .to_string(),
        ));
    } else {
        // TLS 1.2: the client's certificate comes before either Finished.
        steps.extend(you_proved);
        steps.push(("Finished", format!("You, then the host, sent {finished}")));
    }
    steps
}

/// The last step: how messages travel.
fn messages(c: &ConnectionInfo, aead: &str) -> String {
    format!(
        "travel as {aead} encrypted records, {}. The handshake was {} and took {:.1} ms.",
        if c.plain_text {
            "as plain text lines (the host does not speak tlschat/1)".to_string()
        } else {
            format!("as {} JSON lines", c.alpn.as_deref().unwrap_or("tlschat/1"))
        },
        c.handshake_kind,
        c.handshake_us as f64 / 1000.0
    )
}

/// A recorded member as the host's picker names it: its nickname (made
/// visible) and address, or its address alone before it is in the room.
fn recorded_name(r: &crate::ui::state::RecordedMember) -> String {
    match &r.member {
        Some((_, nick)) => crate::tr!(
            "wire-member-named",
            nick = visible_line(nick).into_owned(),
            addr = r.peer.to_string()
        ),
        None => r.peer.to_string(),
    }
}

/// The chain the details show: the refused one, ours (host), or the host's.
#[must_use]
pub fn shown_chain(state: &RoomModel) -> &[CertInfo] {
    match (&state.status, &state.role) {
        (Status::Untrusted(u), _) => &u.chain,
        (_, Role::Host) => &state.own_chain,
        _ => state.connection.as_ref().map_or(&[], |c| &c.chain),
    }
}

/// The details window's pages: what the connection and its certificate
/// are, and (when it was recorded) the handshake on the wire, which takes
/// the whole window: its tree beside the bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Page {
    /// The connection, how it was secured, and the certificate chain.
    #[default]
    Overview,
    /// "On the wire".
    Wire,
}

/// The details window's own state.
#[derive(Debug, Default)]
pub struct Details {
    /// The page shown.
    pub page: Page,
    /// Which certificate of the chain is shown.
    selected_cert: usize,
    /// The last export's outcome (shown under the chain).
    pub export_result: Option<String>,
    /// Host: whose recorded connection "On the wire" shows.
    member: Option<std::net::SocketAddr>,
}

/// What the details window asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailsAction {
    /// "Save chain as…": ask where to save the chain shown.
    SaveChain,
}

/// The details window's title.
pub const TITLE: &str = "Connection and certificate";

/// The details window's id (egui keeps its place and size under it).
#[must_use]
pub fn window_id() -> egui::Id {
    egui::Id::unique(TITLE)
}

/// The details window's first size on a screen of `screen`: 940×660, less
/// on a smaller screen.
fn first_size(screen: egui::Vec2) -> egui::Vec2 {
    egui::vec2(
        940.0_f32.min(screen.x - 40.0).max(420.0),
        660.0_f32.min(screen.y - 60.0).max(300.0),
    )
}

impl Details {
    /// The details window over `room` (closed by its × into `open`).
    pub fn window(
        &mut self,
        ctx: &egui::Context,
        room: &RoomModel,
        open: &mut bool,
    ) -> Option<DetailsAction> {
        let mut asked = None;
        // As large as a 1280×800 screen comfortably gives (the wire view
        // puts its tree beside the bytes); resizable, and egui remembers
        // the size it was given. Each page scrolls on its own.
        egui::Window::new(TITLE)
            .id(window_id())
            .open(open)
            .default_size(first_size(ctx.content_rect().size()))
            .min_size([420.0, 300.0])
            .resizable(true)
            .show(ctx, |ui| asked = self.ui(ui, room));
        asked
    }

    /// Host: a recorded member's connection on the wire, the member picked
    /// by its nickname and address (the newest at first).
    fn member_wire_ui(&mut self, ui: &mut Ui, room: &RoomModel) {
        let newest = room.recorded.back();
        let picked = self
            .member
            .and_then(|p| room.recorded.iter().find(|r| r.peer == p))
            .or(newest);
        ui.horizontal(|ui| {
            ui.label(crate::tr!("wire-member"));
            egui::ComboBox::from_id_salt("wire-member")
                .selected_text(picked.map(recorded_name).unwrap_or_default())
                .show_ui(ui, |ui| {
                    for r in room.recorded.iter().rev() {
                        ui.selectable_value(&mut self.member, Some(r.peer), recorded_name(r));
                    }
                });
            ui.label(
                RichText::new(crate::tr!(
                    "wire-members-recorded",
                    count = crate::ui::state::MAX_RECORDED_MEMBERS
                ))
                .weak(),
            );
        });
        if let Some(r) = picked {
            ui.push_id(r.peer, |ui| {
                crate::ui::wire_view::wire_ui(ui, &r.wire, r.live.as_deref());
            });
        }
    }

    /// The whole details window's content, for `room`.
    pub fn ui(&mut self, ui: &mut Ui, room: &RoomModel) -> Option<DetailsAction> {
        let wire = room.connection.as_ref().and_then(|c| c.wire.as_ref());
        if wire.is_some() || !room.recorded.is_empty() {
            ui.horizontal(|ui| {
                ui.selectable_value(&mut self.page, Page::Overview, "Overview");
                ui.selectable_value(&mut self.page, Page::Wire, crate::tr!("wire-page"));
            });
            ui.separator();
        }
        match (self.page, wire) {
            (Page::Wire, Some(wire)) => {
                let live = room.connection.as_ref().and_then(|c| c.live.as_deref());
                crate::ui::wire_view::wire_ui(ui, wire, live);
                None
            }
            (Page::Wire, None) if !room.recorded.is_empty() => {
                self.member_wire_ui(ui, room);
                None
            }
            _ => {
                egui::ScrollArea::vertical()
                    .id_salt("details-overview")
                    .auto_shrink([false, false])
                    .show(ui, |ui| self.overview_ui(ui, room))
                    .inner
            }
        }
    }

    /// The connection, how it was secured, and the chain.
    fn overview_ui(&mut self, ui: &mut Ui, room: &RoomModel) -> Option<DetailsAction> {
        let heading = match (&room.status, &room.role) {
            (Status::Untrusted(_), _) => "The certificate that was refused",
            (_, Role::Host) => "Your certificate (what members are shown)",
            _ => "The host's certificate",
        };
        if let Some(c) = &room.connection {
            connection_section_ui(ui, c);
        }
        ui.heading(heading);
        self.chain_ui(ui, shown_chain(room))
    }

    /// The chain's certificates, one at a time, and ways to export them.
    fn chain_ui(&mut self, ui: &mut Ui, chain: &[CertInfo]) -> Option<DetailsAction> {
        if chain.is_empty() {
            ui.label("No certificate yet.");
            return None;
        }
        self.selected_cert = self.selected_cert.min(chain.len() - 1);
        ui.horizontal_wrapped(|ui| {
            for (i, c) in chain.iter().enumerate() {
                let role = if i == 0 { "server" } else { "issuer" };
                ui.selectable_value(
                    &mut self.selected_cert,
                    i,
                    format!("{} ({role})", visible_line(c.display_name())),
                );
            }
        });
        ui.separator();
        cert_ui(ui, &chain[self.selected_cert]);
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button("Copy certificate PEM").clicked() {
                ui.ctx().copy_text(chain[self.selected_cert].to_pem());
            }
            if ui.button("Copy chain PEM").clicked() {
                ui.ctx()
                    .copy_text(chain.iter().map(CertInfo::to_pem).collect());
            }
        });
        let save = ui
            .button("Save chain as…")
            .on_hover_text("All the certificates above, as PEM, in a file you choose")
            .clicked();
        if let Some(r) = &self.export_result {
            ui.label(r);
        }
        save.then_some(DetailsAction::SaveChain)
    }
}

/// The live connection: its parameters and how it was secured.
fn connection_section_ui(ui: &mut Ui, c: &ConnectionInfo) {
    ui.heading("Connection");
    if let Some(path) = &c.keylog {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!("⚠ {}", crate::net::tlsopts::keylog_warning(path)),
        );
    }
    connection_ui(ui, c);
    ui.add_space(6.0);
    egui::CollapsingHeader::new("How this connection was secured")
        .id_salt("walkthrough")
        .default_open(true)
        .show(ui, |ui| {
            for (title, text) in walkthrough(c) {
                ui.label(RichText::new(title).strong());
                ui.add(egui::Label::new(visible(&text).into_owned()).wrap());
                ui.add_space(4.0);
            }
        });
    ui.add_space(10.0);
}

/// The file name "Save chain as…" suggests: the certificate's name, made
/// safe for a file name.
#[must_use]
pub fn chain_file_name(leaf: &CertInfo) -> String {
    let name: String = leaf
        .display_name()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{name}-chain.pem")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::trust::Problem;
    use crate::ui::state::RoomModel;

    fn cert(cn: &str) -> CertInfo {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut p = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        p.distinguished_name.push(rcgen::DnType::CommonName, cn);
        CertInfo::from_der(p.self_signed(&key).unwrap().der())
    }

    fn connection(
        protocol: &str,
        kx: NamedGroup,
        client: bool,
        trust: TrustBasis,
    ) -> ConnectionInfo {
        ConnectionInfo {
            target: "localhost:7443".into(),
            peer_addr: "127.0.0.1:7443".parse().unwrap(),
            protocol: if protocol == "TLS 1.3" {
                crate::net::TlsVersion::Tls13
            } else {
                crate::net::TlsVersion::Tls12
            },
            cipher_suite: if protocol == "TLS 1.3" {
                CipherSuite::TLS13_AES_256_GCM_SHA384
            } else {
                CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
            },
            key_exchange: Some(kx),
            alpn: Some("tlschat/1".into()),
            sni: Some("localhost".into()),
            handshake_kind: crate::net::HandshakeKind::Full,
            handshake_us: 1500,
            chain: vec![cert("host")],
            trust,
            plain_text: false,
            offered_groups: vec![NamedGroup::X25519MLKEM768, NamedGroup::X25519],
            offered_alpn: vec!["tlschat/1".into()],
            signature_scheme: Some(crate::net::SignatureScheme::ECDSA_NISTP256_SHA256),
            client_certificate: client.then(|| cert("me")),
            wire: None,
            live: None,
            keylog: None,
        }
    }

    fn verified() -> TrustBasis {
        TrustBasis::Verified {
            anchor: "CN=Root".into(),
        }
    }

    fn step(steps: &[(String, String)], title: &str) -> (usize, String) {
        steps
            .iter()
            .position(|(t, _)| t.ends_with(title))
            .map(|i| (i, steps[i].1.clone()))
            .unwrap_or_else(|| panic!("no step {title:?} in {steps:#?}"))
    }

    #[test]
    fn steps_are_numbered_in_order() {
        for (protocol, client) in [("TLS 1.3", false), ("TLS 1.3", true), ("TLS 1.2", true)] {
            let steps = walkthrough(&connection(
                protocol,
                NamedGroup::X25519,
                client,
                verified(),
            ));
            for (i, (title, _)) in steps.iter().enumerate() {
                assert!(title.starts_with(&format!("{}. ", i + 1)), "{title}");
            }
        }
    }

    #[test]
    fn tls13_client_certificate_comes_after_the_hosts_finished() {
        let steps = walkthrough(&connection("TLS 1.3", NamedGroup::X25519, true, verified()));
        let (host_finished, _) = step(&steps, "The host's Finished");
        let (you, text) = step(&steps, "You proved who you are");
        let (yours, _) = step(&steps, "Your Finished");
        assert!(host_finished < you && you < yours, "{steps:#?}");
        assert!(text.contains("After its Finished"), "{text}");
    }

    #[test]
    fn tls12_client_certificate_comes_before_the_finished_messages() {
        let steps = walkthrough(&connection(
            "TLS 1.2",
            NamedGroup::secp256r1,
            true,
            verified(),
        ));
        let (you, _) = step(&steps, "You proved who you are");
        let (finished, _) = step(&steps, "Finished");
        assert!(you < finished, "{steps:#?}");
    }

    #[test]
    fn your_own_key_is_named_by_its_safety_code() {
        let dir = tempfile::tempdir().unwrap();
        let me = crate::net::identity::member_identity(
            dir.path(),
            crate::net::identity::KeyChoice::Keep,
        )
        .unwrap();
        let mut c = connection("TLS 1.3", NamedGroup::X25519, true, verified());
        c.client_certificate = Some(me.cert.clone());
        let steps = walkthrough(&c);
        let (_, text) = step(&steps, "You proved who you are");
        assert!(
            text.contains(&format!("your own key, safety code {}", me.safety_code())),
            "{text}"
        );
    }

    #[test]
    fn ml_kem_is_an_encapsulation_and_x25519_a_diffie_hellman() {
        let steps = walkthrough(&connection(
            "TLS 1.3",
            NamedGroup::X25519MLKEM768,
            false,
            verified(),
        ));
        let (_, secret) = step(&steps, "A shared secret, never sent");
        for needle in [
            "X25519 is Diffie-Hellman",
            "ML-KEM-768 is key encapsulation",
            "your hello carried an ML-KEM public key",
            "encapsulate a fresh random secret",
            "ciphertext",
            "concatenated",
        ] {
            assert!(secret.contains(needle), "{needle:?} missing: {secret}");
        }
        let (_, chose) = step(&steps, "The host chose (ServerHello)");
        assert!(chose.contains("ML-KEM-768 key encapsulation"), "{chose}");
        assert!(!chose.contains("combined with ML-KEM"), "{chose}");
        // A classical group says nothing of ML-KEM.
        let steps = walkthrough(&connection(
            "TLS 1.3",
            NamedGroup::X25519,
            false,
            verified(),
        ));
        assert!(
            !step(&steps, "A shared secret, never sent")
                .1
                .contains("ML-KEM")
        );
    }

    #[test]
    fn tls12_master_secret_comes_from_the_session_hash() {
        let steps = walkthrough(&connection(
            "TLS 1.2",
            NamedGroup::secp256r1,
            false,
            verified(),
        ));
        let (_, secret) = step(&steps, "A shared secret, never sent");
        assert!(secret.contains("session hash"), "{secret}");
        assert!(secret.contains("extended master secret"), "{secret}");
        assert!(secret.contains("a tlschat host always agrees"), "{secret}");
        assert!(
            !secret.contains("derived the session keys from it and both hello randoms"),
            "{secret}"
        );
        // A plain TLS 1.2 server: what rustls cannot tell is not claimed.
        let mut plain = connection("TLS 1.2", NamedGroup::secp256r1, false, verified());
        plain.alpn = None;
        plain.plain_text = true;
        let (_, secret) = step(&walkthrough(&plain), "A shared secret, never sent");
        assert!(
            secret.contains("does not report whether this host agreed"),
            "{secret}"
        );
    }

    #[test]
    fn a_renewal_is_not_called_the_exact_certificate() {
        let pinned = |matched| TrustBasis::Pinned {
            problem: Problem::SelfSigned,
            matched,
        };
        let exact = walkthrough(&connection(
            "TLS 1.3",
            NamedGroup::X25519,
            false,
            pinned(PinMatch::ExactCertificate),
        ));
        let (_, text) = step(&exact, "The host's certificate");
        assert!(
            text.contains("exactly the certificate you made an exception for"),
            "{text}"
        );
        let renewed = walkthrough(&connection(
            "TLS 1.3",
            NamedGroup::X25519,
            false,
            pinned(PinMatch::SameKey),
        ));
        let (_, text) = step(&renewed, "The host's certificate");
        assert!(!text.contains("exactly"), "{text}");
        assert!(text.contains("same key"), "{text}");
    }

    #[test]
    fn the_details_show_hostile_certificate_fields_visibly() {
        use egui_kittest::{Harness, kittest::Queryable as _};
        let hostile = "evil\x1b[2J\u{202e}moc";
        let mut leaf = cert("host");
        // As if a field had escaped sanitizing at parse time: the view
        // makes it visible again.
        leaf.subject = format!("CN={hostile}");
        leaf.subject_cn = Some(hostile.into());
        let mut info = connection(
            "TLS 1.3",
            NamedGroup::X25519,
            false,
            TrustBasis::Verified {
                anchor: hostile.into(),
            },
        );
        info.chain = vec![leaf];
        let mut state = RoomModel::new(crate::ui::state::Role::Member, "h:1".into(), "ana".into());
        state.connection = Some(Box::new(info));
        let mut h = Harness::builder()
            .with_size(egui::vec2(900.0, 1400.0))
            .build_ui_state(
                |ui, (details, state): &mut (Details, RoomModel)| {
                    details.ui(ui, state);
                },
                (Details::default(), state),
            );
        h.run();
        let shown = h
            .query_all_by_label_contains("evil\\x1b[2J\\u{202e}moc")
            .count();
        // The subject row, the chain's tab, the trust row and two steps.
        assert!(shown >= 4, "{shown}");
        assert_eq!(h.query_all_by_label_contains("\x1b").count(), 0);
        assert_eq!(h.query_all_by_label_contains("\u{202e}").count(), 0);
    }

    /// A handshake with a long tree: one record of 1,200 bytes whose
    /// message has 60 fields of 4 bytes each.
    fn long_handshake() -> crate::net::wire::Handshake {
        use crate::net::wire::{Direction, Field, Handshake, Layer, Span, Step};
        let span = |start, len| {
            Some(Span {
                layer: Layer::Record,
                start,
                len,
            })
        };
        let fields = (0..60)
            .map(|i| Field {
                name: format!("extension {i}"),
                value: format!("value {i}"),
                span: span(9 + i * 4, 4),
                ..Field::default()
            })
            .collect();
        Handshake {
            version: None,
            steps: vec![Step {
                direction: Direction::ToHost,
                index: 0,
                seq: None,
                joined: None,
                time_us: 0,
                record: (0..1200u32).map(|i| (i % 251) as u8).collect(),
                plain: None,
                title: "Handshake: ClientHello".into(),
                title_words: crate::net::wire::Note::default(),
                header: Field {
                    name: "record header".into(),
                    span: span(0, 5),
                    ..Field::default()
                },
                messages: vec![Field {
                    name: "ClientHello".into(),
                    value: "1195 bytes".into(),
                    span: span(5, 1195),
                    children: fields,
                    ..Field::default()
                }],
            }],
            notes: vec![],
        }
    }

    #[test]
    fn on_a_1280_by_800_screen_the_wire_views_bytes_are_inside_the_window_beside_a_long_tree() {
        use egui_kittest::{Harness, kittest::Queryable as _};
        let mut info = connection("TLS 1.3", NamedGroup::X25519, false, verified());
        info.wire = Some(std::sync::Arc::new(long_handshake()));
        let mut state = RoomModel::new(crate::ui::state::Role::Member, "h:1".into(), "ana".into());
        state.connection = Some(Box::new(info));
        // The step's arrow is in the system fonts the window loads, not in
        // the test's.
        let mut h = Harness::builder()
            .with_size(egui::vec2(1280.0, 800.0))
            .allow_missing_glyphs()
            .build_ui_state(
                |ui, (details, state): &mut (Details, RoomModel)| {
                    details.window(ui.ctx(), state, &mut true);
                },
                (Details::default(), state),
            );
        h.run();
        h.get_by_label("On the wire").click();
        h.run();
        h.get_by_label_contains("Handshake: ClientHello").click();
        h.run();
        h.get_by_label("ClientHello: 1195 bytes").click();
        h.run();
        // The whole tree is open: far taller than the window.
        h.get_by_label("extension 59: value 59").scroll_to_me();
        h.run();
        h.get_by_label("extension 59: value 59").click();
        h.run();
        let window = h
            .ctx
            .memory(|m| m.area_rect(window_id()))
            .expect("the window is shown");
        let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1280.0, 800.0));
        assert!(screen.contains_rect(window), "{window:?}");
        assert!(
            window.width() >= 900.0 && window.height() >= 600.0,
            "{window:?}"
        );
        // The field's row of bytes is in view, inside the window, and so
        // is a good part of the pane (not a sliver under the tree).
        let field_start = 9 + 59 * 4;
        let row = format!("{:04x}  ", field_start / 16 * 16);
        let shown = h.get_by_label_contains(&row).rect();
        assert!(
            window.contains_rect(shown),
            "{shown:?} not inside {window:?}"
        );
        let rows: Vec<egui::Rect> = (0..1200 / 16)
            .filter_map(|r| {
                h.query_by_label_contains(&format!("{:04x}  ", r * 16))
                    .map(|n| n.rect())
            })
            .filter(|r| window.contains_rect(*r))
            .collect();
        assert!(
            rows.len() >= 15,
            "only {} rows of bytes in the window",
            rows.len()
        );
        assert!(
            h.query_by_label_contains("the field is bytes 245–248 (4 bytes)")
                .is_some_and(|n| window.contains_rect(n.rect())),
            "the selected field's place is told, in the window"
        );
    }
}
