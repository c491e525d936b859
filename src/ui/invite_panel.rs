//! The host's invitation panel: its certificate's fingerprint and safety
//! code, and invite links to copy, one per address the room listens on.

use egui::{RichText, Ui};

use crate::net::certinfo::{CertInfo, fingerprint};
use crate::net::invite::Invite;
use crate::net::safety::safety_code;
use crate::tr;

/// What an invite does, for the hover text of its copy button.
fn invite_hint() -> String {
    tr!("invite-hint")
}

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
        ui.label(tr!("invite-fingerprint"));
        ui.label(RichText::new(&fp).monospace().strong());
        if ui.small_button(tr!("invite-copy-fingerprint")).clicked() {
            ui.ctx().copy_text(fp.clone());
        }
    });
    ui.horizontal_wrapped(|ui| {
        ui.label(tr!("invite-safety-code"))
            .on_hover_text(tr!("invite-safety-code-hint"));
        safety_code_ui(ui, leaf);
    });
    let Some((first, others)) = invites.split_first() else {
        return;
    };
    ui.horizontal_wrapped(|ui| {
        if first.code.is_some() {
            let days = crate::net::door::START_INVITE_DAYS;
            ui.label(tr!("invite-start", days = days))
                .on_hover_text(tr!("invite-start-hint"));
        } else {
            ui.label(tr!("invite-label"));
        }
        ui.label(RichText::new(first.link()).monospace());
        if ui
            .button(tr!("invite-copy"))
            .on_hover_text(invite_hint())
            .clicked()
        {
            ui.ctx().copy_text(first.link());
        }
    });
    if others.is_empty() {
        return;
    }
    egui::CollapsingHeader::new(tr!("invite-others", count = others.len()))
        .id_salt("other_invites")
        .show(ui, |ui| {
            for invite in others {
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new(invite.link()).monospace());
                    let label = tr!("invite-copy-for", host = invite.host.as_str());
                    if ui
                        .small_button(label)
                        .on_hover_text(invite_hint())
                        .clicked()
                    {
                        ui.ctx().copy_text(invite.link());
                    }
                });
            }
        });
}
