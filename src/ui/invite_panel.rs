//! The host's invitation panel: its certificate's fingerprint and safety
//! code, and invite links to copy, one per address the room listens on.

use egui::{RichText, Ui};

use crate::net::certinfo::{CertInfo, fingerprint};
use crate::net::invite::Invite;
use crate::net::safety::safety_code;

/// What an invite does, for the hover text of its copy button.
const INVITE_HINT: &str = "A link that joins this room and trusts exactly this certificate: \
                           send it to whoever you invite";

/// The safety code of a certificate, large enough to read out.
pub fn safety_code_ui(ui: &mut Ui, cert: &CertInfo) {
    ui.label(
        RichText::new(safety_code(&cert.sha256))
            .monospace()
            .strong()
            .size(15.0),
    );
}

/// Draws the host's fingerprint, safety code and invites.
pub fn invite_panel_ui(ui: &mut Ui, leaf: &CertInfo, invites: &[Invite]) {
    let fp = fingerprint(&leaf.sha256);
    ui.horizontal_wrapped(|ui| {
        ui.label("Your certificate's fingerprint — members should see the same:");
        ui.label(RichText::new(&fp).monospace().strong());
        if ui.small_button("Copy fingerprint").clicked() {
            ui.ctx().copy_text(fp.clone());
        }
    });
    ui.horizontal_wrapped(|ui| {
        ui.label("Safety code (members see the same):")
            .on_hover_text("Read it to each other, by phone or in person: the same code means the same certificate");
        safety_code_ui(ui, leaf);
    });
    let Some((first, others)) = invites.split_first() else {
        return;
    };
    ui.horizontal_wrapped(|ui| {
        if first.code.is_some() {
            let days = crate::net::door::START_INVITE_DAYS;
            ui.label(format!("Invite (anyone with it may come in, for {days} days):"))
                .on_hover_text("The room's start invitation: it works for whoever has the link until it expires or you revoke it. New invite below makes links for one member");
        } else {
            ui.label("Invite:");
        }
        ui.label(RichText::new(first.link()).monospace());
        if ui
            .button("Copy invite")
            .on_hover_text(INVITE_HINT)
            .clicked()
        {
            ui.ctx().copy_text(first.link());
        }
    });
    if others.is_empty() {
        return;
    }
    egui::CollapsingHeader::new(format!(
        "Invites for the other addresses ({})",
        others.len()
    ))
    .id_salt("other_invites")
    .show(ui, |ui| {
        for invite in others {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(invite.link()).monospace());
                let label = format!("Copy invite for {}", invite.host);
                if ui.small_button(label).on_hover_text(INVITE_HINT).clicked() {
                    ui.ctx().copy_text(invite.link());
                }
            });
        }
    });
}
