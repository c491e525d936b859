//! Connection and certificate details: the live connection's parameters and
//! every field of each certificate in the chain, as Firefox's viewer shows them.

use egui::{RichText, Ui};

use crate::net::certinfo::{CertInfo, colon_hex};
use crate::net::trust::utc;
use crate::net::{ConnectionInfo, TrustBasis};
use crate::ui::room_view::RoomView;
use crate::ui::state::{Role, Status};

fn row(ui: &mut Ui, name: &str, value: impl Into<String>) {
    ui.label(RichText::new(name).strong());
    ui.add(egui::Label::new(value.into()).wrap());
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
        row(ui, "Cipher suite", &c.cipher_suite);
        row(ui, "Key exchange", &c.key_exchange);
        row(ui, "ALPN", c.alpn.clone().unwrap_or_else(|| "none: plain-text room".into()));
        row(ui, "Server name (SNI)", c.sni.clone().unwrap_or_else(|| "none sent (connected by IP address)".into()));
        row(
            ui,
            "Handshake",
            format!("{}, {:.1} ms", c.handshake_kind, c.handshake_us as f64 / 1000.0),
        );
        let trust = match &c.trust {
            TrustBasis::Verified { anchor } => format!("Verified: the chain leads to the trusted root {anchor}"),
            TrustBasis::Pinned { problem } => format!(
                "Not verified ({}); accepted because it is exactly the certificate you made an exception for",
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
            mono_row(
                ui,
                "SHA-256 fingerprint",
                &colon_hex(&cert.sha256),
                "Copy SHA-256",
            );
            mono_row(
                ui,
                "SHA-1 fingerprint",
                &colon_hex(&cert.sha1),
                "Copy SHA-1",
            );
            mono_row(
                ui,
                "Public key SHA-256",
                &cert.key_colon_hex(),
                "Copy key SHA-256",
            );
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
        });
}

/// The cipher suite's encryption and hash, e.g. ("AES-256-GCM", "SHA-384").
#[must_use]
pub fn suite_parts(suite: &str) -> (String, String) {
    let aead = if suite.contains("CHACHA20_POLY1305") {
        "ChaCha20-Poly1305".to_string()
    } else if suite.contains("AES_256_GCM") {
        "AES-256-GCM".to_string()
    } else if suite.contains("AES_128_GCM") {
        "AES-128-GCM".to_string()
    } else {
        suite.to_string()
    };
    let hash = if suite.ends_with("SHA384") {
        "SHA-384"
    } else {
        "SHA-256"
    };
    (aead, hash.to_string())
}

/// The handshake that actually happened, step by step, in plain words.
#[must_use]
pub fn walkthrough(c: &ConnectionInfo) -> Vec<(String, String)> {
    let tls13 = c.protocol == crate::net::TlsVersion::Tls13;
    let (aead, hash) = suite_parts(&c.cipher_suite);
    let host = c
        .target
        .rsplit_once(':')
        .map_or(c.target.as_str(), |(h, _)| h);
    let mut steps = Vec::new();
    steps.push((
        "1. You said hello (ClientHello)".to_string(),
        format!(
            "tlschat offered TLS 1.3 and 1.2, the key-exchange groups {} (key shares for the preferred ones \
             sent right away), ALPN {}, and {}.",
            c.offered_groups.join(", "),
            c.offered_alpn.join(", "),
            match &c.sni {
                Some(name) => format!("the server name {name} (SNI, sent unencrypted)"),
                None => "no server name (SNI), because you connected by IP address".to_string(),
            }
        ),
    ));
    let pq = if c.key_exchange.contains("MLKEM") {
        " This is a hybrid post-quantum exchange: X25519 elliptic-curve Diffie-Hellman combined with \
         ML-KEM-768, so the secret stays safe unless both are broken."
    } else {
        ""
    };
    steps.push((
        "2. The host chose (ServerHello)".to_string(),
        format!(
            "{}, cipher suite {}, key exchange {}{}.{}",
            c.protocol,
            c.cipher_suite,
            c.key_exchange,
            if c.handshake_kind == crate::net::HandshakeKind::FullWithHelloRetryRequest {
                " — after asking for a key share for that group (HelloRetryRequest)"
            } else {
                ""
            },
            pq
        ),
    ));
    steps.push((
        "3. A shared secret, never sent".to_string(),
        if tls13 {
            format!(
                "Each side combined its own ephemeral key share with the other's into the same secret, which \
                 never crossed the network. TLS 1.3's key schedule (HKDF with {hash}) turned it into the keys \
                 that encrypt everything after ServerHello — the host's certificate included. The ephemeral \
                 keys are discarded, so stealing the host's certificate key later cannot decrypt this \
                 conversation (forward secrecy)."
            )
        } else {
            format!(
                "Each side combined its own ephemeral key share with the other's (ECDHE) into the same \
                 pre-master secret, which never crossed the network; TLS 1.2's PRF with {hash} derived the \
                 session keys from it and both hello randoms. The ephemeral keys are discarded (forward \
                 secrecy). In TLS 1.2 the certificate itself travels unencrypted."
            )
        },
    ));
    let leaf = c.chain.first();
    steps.push((
        "4. The host's certificate".to_string(),
        format!(
            "The host sent {} certificate{}{}. {}",
            c.chain.len(),
            if c.chain.len() == 1 { "" } else { "s" },
            leaf.map_or(String::new(), |l| format!(", for {}", l.display_name())),
            match &c.trust {
                TrustBasis::Verified { anchor } => format!(
                    "tlschat checked that the chain leads to a root you trust ({anchor}), that every \
                     certificate in it is valid today, and that it is valid for {host}."
                ),
                TrustBasis::Pinned { problem } => format!(
                    "It did not verify ({}); it was accepted only because it is exactly the certificate \
                     (or has exactly the key) you made an exception for.",
                    problem.explain()
                ),
            }
        ),
    ));
    steps.push((
        "5. The host proved it holds the key".to_string(),
        format!(
            "{} with the certificate's private key ({}); tlschat checked the signature with the public key in \
             the certificate{}. The certificate's key only signs: it does not encrypt any secret — the keys \
             came from step 3.",
            if tls13 {
                "The host signed a hash of the whole handshake so far (CertificateVerify)"
            } else {
                "The host signed its key share and both hello randoms (ServerKeyExchange)"
            },
            c.signature_scheme,
            leaf.map_or(String::new(), |l| format!(" ({})", l.public_key))
        ),
    ));
    if let Some(me) = &c.client_certificate {
        steps.push((
            "6. You proved who you are".to_string(),
            format!(
                "The host asked for a certificate; you sent yours ({}) and signed the handshake with its key.",
                me.display_name()
            ),
        ));
    }
    steps.push((
        format!("{}. Finished", if c.client_certificate.is_some() { 7 } else { 6 }),
        "Both sides sent a MAC over the whole handshake, keyed from the shared secret: had anyone altered a \
         single message above, the connection would have failed here."
            .to_string(),
    ));
    steps.push((
        format!(
            "{}. Your messages",
            if c.client_certificate.is_some() { 8 } else { 7 }
        ),
        format!(
            "travel as {aead} encrypted records, {}. The handshake was {} and took {:.1} ms.",
            if c.plain_text {
                "as plain text lines (the host does not speak tlschat/1)".to_string()
            } else {
                format!("as {} JSON lines", c.alpn.as_deref().unwrap_or("tlschat/1"))
            },
            c.handshake_kind,
            c.handshake_us as f64 / 1000.0
        ),
    ));
    steps
}

/// The whole details window's content.
pub fn details_ui(ui: &mut Ui, view: &mut RoomView) {
    let (chain, heading): (Vec<CertInfo>, &str) = match (&view.state.status, &view.state.role) {
        (Status::Untrusted(u), _) => (u.chain.clone(), "The certificate that was refused"),
        (_, Role::Host) => (
            view.state.own_chain.clone(),
            "Your certificate (what members are shown)",
        ),
        _ => (
            view.state
                .connection
                .as_ref()
                .map(|c| c.chain.clone())
                .unwrap_or_default(),
            "The host's certificate",
        ),
    };
    if let Some(c) = &view.state.connection {
        ui.heading("Connection");
        connection_ui(ui, c);
        ui.add_space(6.0);
        egui::CollapsingHeader::new("How this connection was secured")
            .id_salt("walkthrough")
            .default_open(true)
            .show(ui, |ui| {
                for (title, text) in walkthrough(c) {
                    ui.label(RichText::new(title).strong());
                    ui.add(egui::Label::new(text).wrap());
                    ui.add_space(4.0);
                }
            });
        ui.add_space(10.0);
    }
    ui.heading(heading);
    if chain.is_empty() {
        ui.label("No certificate yet.");
        return;
    }
    view.selected_cert = view.selected_cert.min(chain.len() - 1);
    ui.horizontal_wrapped(|ui| {
        for (i, c) in chain.iter().enumerate() {
            let role = if i == 0 { "server" } else { "issuer" };
            ui.selectable_value(
                &mut view.selected_cert,
                i,
                format!("{} ({role})", c.display_name()),
            );
        }
    });
    ui.separator();
    cert_ui(ui, &chain[view.selected_cert]);
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        if ui.button("Copy certificate PEM").clicked() {
            ui.ctx().copy_text(chain[view.selected_cert].to_pem());
        }
        if ui.button("Copy chain PEM").clicked() {
            ui.ctx()
                .copy_text(chain.iter().map(CertInfo::to_pem).collect());
        }
    });
    ui.horizontal(|ui| {
        if view.export_path.is_empty() {
            view.export_path = default_export_path(&chain[0]);
        }
        let l = ui.label("Save chain as");
        ui.add(egui::TextEdit::singleline(&mut view.export_path).desired_width(320.0))
            .labelled_by(l.id);
        if ui.button("Save").clicked() {
            let pem: String = chain.iter().map(CertInfo::to_pem).collect();
            view.export_result = Some(
                match crate::config::write_atomic(
                    std::path::Path::new(&view.export_path),
                    pem.as_bytes(),
                    false,
                ) {
                    Ok(()) => format!(
                        "Saved {} certificate(s) to {}",
                        chain.len(),
                        view.export_path
                    ),
                    Err(e) => format!("Could not save to {}: {e}", view.export_path),
                },
            );
        }
    });
    if let Some(r) = &view.export_result {
        ui.label(r);
    }
}

fn default_export_path(leaf: &CertInfo) -> String {
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
    let dir = dirs::download_dir()
        .or_else(dirs::home_dir)
        .unwrap_or_else(|| ".".into());
    dir.join(format!("{name}-chain.pem")).display().to_string()
}
