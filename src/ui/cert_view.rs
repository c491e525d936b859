//! Connection and certificate details: the live connection's parameters and
//! every field of each certificate in the chain, as Firefox's viewer shows them.
//! Every word is in the window's language ([`crate::tr!`]); names, hex,
//! protocol and suite names stay as they are.

use egui::{RichText, Ui};

use crate::net::certinfo::{CertInfo, KeyPurpose, KeyUse, PublicKeyInfo, fingerprint, hex};
use crate::net::safe_text::{visible, visible_line};
use crate::net::{CipherSuite, ConnectionInfo, HandshakeKind, NamedGroup, PinMatch, TrustBasis};
use crate::tr;
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
        tr!("cert-valid-not-yet", days = days(cert.not_before - now))
    } else if now > cert.not_after {
        tr!("cert-valid-expired", days = days(now - cert.not_after))
    } else {
        tr!("cert-valid-expires", days = days(cert.not_after - now))
    }
}

/// How the handshake went, in words: "full", "resumed".
fn handshake_words(kind: HandshakeKind) -> String {
    kind.msg().text()
}

/// How long the handshake took, in milliseconds with one decimal.
fn millis(c: &ConnectionInfo) -> String {
    format!("{:.1}", c.handshake_us as f64 / 1000.0)
}

/// Why a pinned connection's certificate failed verification, on one
/// line with nothing hidden (as the warning page shows it): its words may
/// quote the certificate's names and the TLS library's error text.
fn shown_reason(problem: &crate::net::trust::Problem) -> String {
    crate::net::safe_text::visible_line(&problem.reason().text()).into_owned()
}

/// Why the connection is trusted, in the connection's rows.
fn trust_words(trust: &TrustBasis) -> String {
    match trust {
        TrustBasis::Verified { anchor } => tr!("cert-trust-verified", anchor = anchor.as_str()),
        TrustBasis::Pinned {
            problem,
            matched: PinMatch::ExactCertificate,
        } => tr!("cert-trust-pinned-exact", problem = shown_reason(problem)),
        TrustBasis::Pinned {
            problem,
            matched: PinMatch::SameKey,
        } => tr!("cert-trust-pinned-key", problem = shown_reason(problem)),
    }
}

fn connection_ui(ui: &mut Ui, c: &ConnectionInfo) {
    egui::Grid::new("connection_grid")
        .num_columns(2)
        .striped(true)
        .spacing([12.0, 4.0])
        .show(ui, |ui| {
            row(
                ui,
                &tr!("cert-connected-to"),
                format!("{} ({})", c.target, c.peer_addr),
            );
            row(ui, &tr!("cert-protocol"), c.protocol.to_string());
            row(ui, &tr!("cert-cipher-suite"), c.cipher_suite_name());
            row(ui, &tr!("cert-key-exchange"), c.key_exchange_name());
            row(
                ui,
                &tr!("cert-alpn"),
                c.alpn.clone().unwrap_or_else(|| tr!("cert-alpn-none")),
            );
            row(
                ui,
                &tr!("cert-sni"),
                c.sni.clone().unwrap_or_else(|| tr!("cert-sni-none")),
            );
            let handshake = tr!(
                "cert-handshake-value",
                kind = handshake_words(c.handshake_kind),
                ms = millis(c)
            );
            row(ui, &tr!("cert-handshake"), handshake);
            row(ui, &tr!("cert-trust"), trust_words(&c.trust));
        });
}

fn cert_ui(ui: &mut Ui, cert: &CertInfo) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if let Some(e) = &cert.parse_error {
        let e = tr!("cert-parse-error", error = e.as_str());
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

/// A public key in words: `EC P-256 (256 bits)`.
fn public_key_words(key: &PublicKeyInfo) -> String {
    match key.bits {
        Some(bits) => tr!(
            "cert-key-size",
            algorithm = key.algorithm.as_str(),
            bits = bits
        ),
        None => key.algorithm.clone(),
    }
}

/// Who the certificate is for, who issued it, when it is valid, its key.
fn names_rows(ui: &mut Ui, cert: &CertInfo, now: i64) {
    row(ui, &tr!("cert-subject"), &cert.subject);
    row(ui, &tr!("cert-issuer"), &cert.issuer);
    row(
        ui,
        &tr!("cert-not-before"),
        crate::i18n::utc(cert.not_before),
    );
    let (date, note) = (crate::i18n::utc(cert.not_after), validity_note(cert, now));
    let until = tr!("cert-not-after-value", date = date, note = note);
    row(ui, &tr!("cert-not-after"), until);
    row(
        ui,
        &tr!("cert-sans"),
        if cert.sans.is_empty() {
            tr!("cert-none")
        } else {
            cert.sans.join("\n")
        },
    );
    row(
        ui,
        &tr!("cert-public-key"),
        public_key_words(&cert.public_key),
    );
    row(
        ui,
        &tr!("cert-signature-algorithm"),
        &cert.signature_algorithm,
    );
    row(ui, &tr!("cert-serial"), &cert.serial);
    row(ui, &tr!("cert-version"), cert.version.to_string());
}

/// The fingerprints and the safety code, each with a copy button.
fn fingerprint_rows(ui: &mut Ui, cert: &CertInfo) {
    mono_row(
        ui,
        &tr!("cert-sha256"),
        // The one format of a fingerprint everywhere: the warning,
        // the host's own, the terminal, `--pin`, known hosts.
        &fingerprint(&cert.sha256),
        &tr!("cert-copy-sha256"),
    );
    row(
        ui,
        &tr!("cert-safety-code"),
        crate::net::safety::safety_code(&cert.sha256),
    );
    mono_row(
        ui,
        &tr!("cert-sha1"),
        &format!("SHA1:{}", hex(&cert.sha1)),
        &tr!("cert-copy-sha1"),
    );
    let key = cert.key_fingerprint();
    mono_row(
        ui,
        &tr!("cert-key-sha256"),
        &key,
        &tr!("cert-copy-key-sha256"),
    );
}

/// A key usage in words.
fn key_use_words(usage: KeyUse) -> String {
    match usage {
        KeyUse::DigitalSignature => tr!("cert-use-digital-signature"),
        KeyUse::NonRepudiation => tr!("cert-use-non-repudiation"),
        KeyUse::KeyEncipherment => tr!("cert-use-key-encipherment"),
        KeyUse::DataEncipherment => tr!("cert-use-data-encipherment"),
        KeyUse::KeyAgreement => tr!("cert-use-key-agreement"),
        KeyUse::KeyCertSign => tr!("cert-use-key-cert-sign"),
        KeyUse::CrlSign => tr!("cert-use-crl-sign"),
        KeyUse::EncipherOnly => tr!("cert-use-encipher-only"),
        KeyUse::DecipherOnly => tr!("cert-use-decipher-only"),
    }
}

/// An extended key usage in words (another purpose by its OID's name).
fn purpose_words(purpose: &KeyPurpose) -> String {
    match purpose {
        KeyPurpose::Any => tr!("cert-purpose-any"),
        KeyPurpose::ServerAuth => tr!("cert-purpose-server-auth"),
        KeyPurpose::ClientAuth => tr!("cert-purpose-client-auth"),
        KeyPurpose::CodeSigning => tr!("cert-purpose-code-signing"),
        KeyPurpose::EmailProtection => tr!("cert-purpose-email"),
        KeyPurpose::TimeStamping => tr!("cert-purpose-time-stamping"),
        KeyPurpose::OcspSigning => tr!("cert-purpose-ocsp"),
        KeyPurpose::Other(name) => name.clone(),
    }
}

/// What the certificate may be used for, and its extensions.
fn extension_rows(ui: &mut Ui, cert: &CertInfo) {
    let absent = || tr!("cert-absent");
    let constraints = match (cert.is_ca, cert.path_len) {
        (Some(true), Some(n)) => tr!("cert-ca-path", length = n),
        (Some(true), None) => tr!("cert-ca"),
        (Some(false), _) => tr!("cert-not-ca"),
        (None, _) => absent(),
    };
    row(ui, &tr!("cert-basic-constraints"), constraints);
    let separator = tr!("cert-list-separator");
    let listed = |items: Vec<String>| {
        if items.is_empty() {
            absent()
        } else {
            items.join(&separator)
        }
    };
    let uses = cert.key_usage.iter().map(|u| key_use_words(*u)).collect();
    row(ui, &tr!("cert-key-usage"), listed(uses));
    let purposes = cert.extended_key_usage.iter().map(purpose_words).collect();
    row(ui, &tr!("cert-extended-key-usage"), listed(purposes));
    let id = |id: &Option<String>| id.clone().unwrap_or_else(absent);
    row(ui, &tr!("cert-subject-key-id"), id(&cert.subject_key_id));
    row(
        ui,
        &tr!("cert-authority-key-id"),
        id(&cert.authority_key_id),
    );
    let exts: Vec<String> = cert
        .extensions
        .iter()
        .map(|e| {
            let (name, oid) = (e.name.as_str(), e.oid.as_str());
            if e.critical {
                tr!("cert-extension-critical", name = name, oid = oid)
            } else {
                tr!("cert-extension", name = name, oid = oid)
            }
        })
        .collect();
    row(
        ui,
        &tr!("cert-extensions"),
        if exts.is_empty() {
            tr!("cert-none")
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
        let kem = tr!("cert-walk-kem");
        match classical_part(c.key_exchange) {
            Some(ec) => tr!("cert-walk-secret-hybrid", classical = ec, kem = kem),
            None => tr!("cert-walk-secret-kem", kem = kem),
        }
    } else {
        tr!("cert-walk-secret-ecdh", group = c.key_exchange_name())
    }
}

/// What step 3 says about TLS 1.2's master secret. rustls always asks for
/// the extended master secret (RFC 7627) and a rustls server always agrees,
/// but a rustls client does not insist on it outside FIPS mode, nor reports
/// whether the server agreed.
fn master_secret_12(c: &ConnectionInfo, hash: &str) -> String {
    let ems = tr!("cert-walk-ems", hash = hash);
    if c.alpn.as_deref() == Some("tlschat/1") {
        tr!("cert-walk-ems-tlschat", ems = ems)
    } else {
        tr!("cert-walk-ems-other", ems = ems)
    }
}

/// What step 4 says about why the certificate was trusted.
fn trust_sentence(trust: &TrustBasis, host: &str) -> String {
    match trust {
        TrustBasis::Verified { anchor } => {
            tr!(
                "cert-walk-trust-verified",
                anchor = anchor.as_str(),
                host = host
            )
        }
        TrustBasis::Pinned {
            problem,
            matched: PinMatch::ExactCertificate,
        } => tr!("cert-walk-trust-exact", problem = shown_reason(problem)),
        TrustBasis::Pinned {
            problem,
            matched: PinMatch::SameKey,
        } => tr!("cert-walk-trust-key", problem = shown_reason(problem)),
    }
}

/// The handshake that actually happened, step by step, in plain words, in
/// the order its messages went: each step's numbered title and its text.
#[must_use]
pub fn walkthrough(c: &ConnectionInfo) -> Vec<(String, String)> {
    let (aead, hash) = suite_parts(c);
    let mut steps: Vec<(String, String)> = vec![
        (tr!("cert-walk-hello-title"), client_hello(c)),
        (tr!("cert-walk-chose-title"), server_hello(c)),
        (tr!("cert-walk-secret-title"), shared_secret(c, &hash)),
        (tr!("cert-walk-cert-title"), host_certificate(c)),
        (tr!("cert-walk-proof-title"), host_proof(c)),
    ];
    steps.extend(finished_steps(c));
    steps.push((tr!("cert-walk-messages-title"), messages(c, &aead)));
    steps
        .into_iter()
        .enumerate()
        .map(|(i, (title, text))| (tr!("cert-walk-step", number = i + 1, title = title), text))
        .collect()
}

fn is_tls13(c: &ConnectionInfo) -> bool {
    c.protocol == crate::net::TlsVersion::Tls13
}

/// Step 1: what our ClientHello offered.
fn client_hello(c: &ConnectionInfo) -> String {
    let separator = tr!("cert-list-separator");
    let groups = c.offered_group_names().join(&separator);
    let alpn = c.offered_alpn.join(&separator);
    match &c.sni {
        Some(name) => tr!(
            "cert-walk-hello-sni",
            groups = groups,
            alpn = alpn,
            name = name.as_str()
        ),
        None => tr!("cert-walk-hello-no-sni", groups = groups, alpn = alpn),
    }
}

/// What step 2 adds about a hybrid post-quantum group, if it was one.
fn hybrid_note(c: &ConnectionInfo) -> Option<String> {
    match classical_part(c.key_exchange) {
        Some(ec) if has_mlkem(c.key_exchange) => Some(tr!("cert-walk-hybrid", classical = ec)),
        _ => None,
    }
}

/// Step 2: what the host chose (ServerHello).
fn server_hello(c: &ConnectionInfo) -> String {
    let (protocol, suite, group) = (
        c.protocol.to_string(),
        c.cipher_suite_name(),
        c.key_exchange_name(),
    );
    let chose = if c.handshake_kind == HandshakeKind::FullWithHelloRetryRequest {
        tr!(
            "cert-walk-chose-retry",
            protocol = protocol,
            suite = suite,
            group = group
        )
    } else {
        tr!(
            "cert-walk-chose",
            protocol = protocol,
            suite = suite,
            group = group
        )
    };
    match hybrid_note(c) {
        Some(note) => format!("{chose}{}{note}", tr!("cert-walk-gap")),
        None => chose,
    }
}

/// Step 3: the shared secret, and the keys made from it.
fn shared_secret(c: &ConnectionInfo, hash: &str) -> String {
    let agreement = key_agreement(c);
    if is_tls13(c) {
        tr!("cert-walk-secret-13", agreement = agreement, hash = hash)
    } else {
        let master = master_secret_12(c, hash);
        tr!(
            "cert-walk-secret-12",
            agreement = agreement,
            master = master
        )
    }
}

/// Step 4: the host's certificate, and why it was trusted.
fn host_certificate(c: &ConnectionInfo) -> String {
    let host = c
        .target
        .rsplit_once(':')
        .map_or(c.target.as_str(), |(h, _)| h);
    let trust = trust_sentence(&c.trust, host);
    let count = c.chain.len();
    match c.chain.first() {
        Some(leaf) => {
            let name = leaf.display_name();
            tr!(
                "cert-walk-host-sent-for",
                count = count,
                name = name,
                trust = trust
            )
        }
        None => tr!("cert-walk-host-sent", count = count, trust = trust),
    }
}

/// Step 5: the host's signature with its certificate's key.
fn host_proof(c: &ConnectionInfo) -> String {
    let scheme = c.signature_scheme_name();
    let key = c.chain.first().map_or(String::new(), |l| {
        tr!("cert-walk-key", key = public_key_words(&l.public_key))
    });
    if is_tls13(c) {
        tr!("cert-walk-proof-13", scheme = scheme, key = key)
    } else {
        tr!("cert-walk-proof-12", scheme = scheme, key = key)
    }
}

/// Our certificate, if the host asked for one, and the Finished messages,
/// in the order the version sends them.
fn finished_steps(c: &ConnectionInfo) -> Vec<(String, String)> {
    let tls13 = is_tls13(c);
    let you_proved = c.client_certificate.as_ref().map(|me| {
        // Our own identity names no one: the key is what the host knows.
        let name = match me.spki_sha256 {
            Some(key) if me.display_name() == crate::net::identity::COMMON_NAME => {
                let code = crate::net::safety::safety_code(&key);
                tr!("cert-walk-own-key", code = code)
            }
            _ => me.display_name().to_string(),
        };
        let text = if tls13 {
            tr!("cert-walk-you-13", name = name)
        } else {
            tr!("cert-walk-you-12", name = name)
        };
        (tr!("cert-walk-you-title"), text)
    });
    let mut steps = Vec::new();
    if tls13 {
        // TLS 1.3: the host finishes first; a client certificate follows it.
        steps.push((
            tr!("cert-walk-host-finished-title"),
            tr!("cert-walk-host-finished"),
        ));
        steps.extend(you_proved);
        steps.push((
            tr!("cert-walk-your-finished-title"),
            tr!("cert-walk-your-finished"),
        ));
    } else {
        // TLS 1.2: the client's certificate comes before either Finished.
        steps.extend(you_proved);
        steps.push((
            tr!("cert-walk-finished-title"),
            tr!("cert-walk-finished-12"),
        ));
    }
    steps
}

/// The last step: how messages travel.
fn messages(c: &ConnectionInfo, aead: &str) -> String {
    let (kind, ms) = (handshake_words(c.handshake_kind), millis(c));
    if c.plain_text {
        tr!(
            "cert-walk-messages-plain",
            aead = aead,
            kind = kind,
            ms = ms
        )
    } else {
        let alpn = c.alpn.as_deref().unwrap_or("tlschat/1");
        tr!(
            "cert-walk-messages-json",
            aead = aead,
            alpn = alpn,
            kind = kind,
            ms = ms
        )
    }
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

/// The details window's title, in English: what its id is made of (its
/// title in the window's language is `cert-title`).
pub const TITLE: &str = "Connection and certificate";

/// The details window's id (egui keeps its place and size under it, in
/// any language).
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
        egui::Window::new(tr!("cert-title"))
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
                ui.selectable_value(&mut self.page, Page::Overview, tr!("cert-page-overview"));
                ui.selectable_value(&mut self.page, Page::Wire, tr!("wire-page"));
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
            (Status::Untrusted(_), _) => tr!("cert-heading-refused"),
            (_, Role::Host) => tr!("cert-heading-own"),
            _ => tr!("cert-heading-host"),
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
            ui.label(tr!("cert-none-yet"));
            return None;
        }
        self.selected_cert = self.selected_cert.min(chain.len() - 1);
        ui.horizontal_wrapped(|ui| {
            for (i, c) in chain.iter().enumerate() {
                let name = visible_line(c.display_name()).into_owned();
                let tab = if i == 0 {
                    tr!("cert-tab-server", name = name)
                } else {
                    tr!("cert-tab-issuer", name = name)
                };
                ui.selectable_value(&mut self.selected_cert, i, tab);
            }
        });
        ui.separator();
        cert_ui(ui, &chain[self.selected_cert]);
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button(tr!("cert-copy-pem")).clicked() {
                ui.ctx().copy_text(chain[self.selected_cert].to_pem());
            }
            if ui.button(tr!("cert-copy-chain")).clicked() {
                ui.ctx()
                    .copy_text(chain.iter().map(CertInfo::to_pem).collect());
            }
        });
        let save = ui
            .button(tr!("cert-save-chain"))
            .on_hover_text(tr!("cert-save-chain-hover"))
            .clicked();
        if let Some(r) = &self.export_result {
            ui.label(r);
        }
        save.then_some(DetailsAction::SaveChain)
    }
}

/// The live connection: its parameters and how it was secured.
fn connection_section_ui(ui: &mut Ui, c: &ConnectionInfo) {
    ui.heading(tr!("cert-heading-connection"));
    if let Some(path) = &c.keylog {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            tr!("cert-keylog", path = path.display().to_string()),
        );
    }
    connection_ui(ui, c);
    ui.add_space(6.0);
    egui::CollapsingHeader::new(tr!("cert-how-secured"))
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

    #[test]
    fn a_pinned_connections_reason_is_shown_on_one_line_with_nothing_hidden() {
        // The TLS library's words, or a name the certificate gave, may hold
        // what a terminal or a layout would act on.
        let problem = Problem::Other("bad\u{1b}[2J\nname\u{202e}".into());
        for matched in [PinMatch::ExactCertificate, PinMatch::SameKey] {
            let words = trust_words(&TrustBasis::Pinned {
                problem: problem.clone(),
                matched,
            });
            assert!(
                !words.chars().any(|c| c.is_control() || c == '\u{202e}'),
                "{words:?}"
            );
            assert!(words.contains("\\x1b[2J\\nname\\u{202e}"), "{words:?}");
        }
    }

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
