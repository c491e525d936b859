//! The warning shown instead of the room when the host's certificate is
//! not trusted: like a browser's, with "Back to safety" as the easy way out,
//! and no way through at all when the host's identity has changed.

use egui::{RichText, Ui};

use crate::net::certinfo::{CertInfo, fingerprint};
use crate::net::safe_text::visible_line;
use crate::net::safety::safety_code;
use crate::net::trust::{Problem, utc};
use crate::net::{JoinConfig, Untrusted};
use crate::ui::room_view::{RoomAction, RoomView};

fn cert_column(ui: &mut Ui, title: &str, cert: &CertInfo) {
    ui.vertical(|ui| {
        ui.label(RichText::new(title).strong());
        egui::Grid::new(("side", title))
            .num_columns(2)
            .spacing([8.0, 3.0])
            .show(ui, |ui| {
                for (name, value) in [
                    ("Subject", cert.subject.clone()),
                    ("Issuer", cert.issuer.clone()),
                    ("Valid from", utc(cert.not_before)),
                    ("Valid until", utc(cert.not_after)),
                    ("SHA-256", fingerprint(&cert.sha256)),
                    ("Safety code", safety_code(&cert.sha256)),
                    ("Key SHA-256", cert.key_fingerprint()),
                ] {
                    ui.label(name);
                    let value = visible_line(&value).into_owned();
                    ui.add(egui::Label::new(RichText::new(value).monospace().size(11.5)).wrap());
                    ui.end_row();
                }
            });
    });
}

fn proceed(join: &JoinConfig, leaf: &CertInfo, remember: bool) -> RoomAction {
    let mut join = join.clone();
    join.pins = vec![leaf.sha256];
    join.remember_pin = remember;
    RoomAction::Reconnect(Box::new(join))
}

/// Draws the warning; returns what the user chose.
pub fn interstitial_ui(ui: &mut Ui, u: &Untrusted, view: &mut RoomView) -> Option<RoomAction> {
    let mut action = None;
    let changed = matches!(u.problem, Problem::IdentityChanged { .. });
    let red = ui.visuals().error_fg_color;
    let target = visible_line(&u.target);
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.add_space(24.0);
        ui.vertical_centered(|ui| {
            ui.label(RichText::new("⚠").size(48.0).color(red));
            let headline = if changed {
                format!("The identity of {target} has changed")
            } else {
                format!("Your connection to {target} is not private")
            };
            ui.heading(RichText::new(headline).size(24.0));
        });
        ui.add_space(12.0);
        if changed {
            ui.label(format!(
                "{target} now presents a different certificate, with a different key, from the one you accepted. \
                 Someone may be impersonating it — or its owner replaced its key. Nothing has been sent."
            ));
        } else {
            ui.label(format!(
                "Someone could be pretending to be {target} to read what you write. Nothing has been sent."
            ));
        }
        ui.add_space(6.0);
        ui.label(RichText::new(format!("Why: {}.", visible_line(&u.problem.explain()))).strong());
        ui.label(RichText::new(u.problem.code()).monospace().weak());
        match (&u.previous, u.chain.first()) {
            (Some(previous), Some(leaf)) => {
                ui.add_space(10.0);
                ui.columns(2, |cols| {
                    cert_column(&mut cols[0], &format!("Known since {}", utc(previous.added)), &previous.cert);
                    cert_column(&mut cols[1], "Presented now", leaf);
                });
            }
            (None, Some(leaf)) => {
                ui.add_space(6.0);
                ui.horizontal(|ui| {
                    ui.label("Certificate fingerprint:");
                    ui.label(RichText::new(fingerprint(&leaf.sha256)).monospace());
                });
                ui.horizontal(|ui| {
                    ui.label("Safety code:");
                    crate::ui::invite_panel::safety_code_ui(ui, leaf);
                });
            }
            _ => {}
        }
        ui.add_space(16.0);
        ui.horizontal(|ui| {
            if ui.button(RichText::new("Back to safety").strong().size(16.0)).clicked() {
                action = Some(RoomAction::BackToStart);
            }
            if ui.button(if view.advanced { "Hide advanced" } else { "Advanced" }).clicked() {
                view.advanced = !view.advanced;
            }
        });
        if !view.advanced {
            return;
        }
        ui.add_space(10.0);
        egui::Frame::group(ui.style()).inner_margin(10.0).show(ui, |ui| {
            if ui.button("View certificate").clicked() {
                view.details_open = true;
            }
            ui.add_space(6.0);
            if !u.can_proceed {
                let why = if changed {
                    "There is no way to continue from here. Only if you know why the key changed (ask the host's owner \
                     and compare the new fingerprint), remove the old entry under \"Known hosts\" on the start screen \
                     (or run `tlschat trust remove {}`), then join again."
                } else {
                    "This host had a certificate verified by a trusted authority before, so this cannot be bypassed \
                     with one click. If you know why it changed, remove it under \"Known hosts\" on the start screen \
                     (or run `tlschat trust remove {}`), then join again."
                };
                ui.label(why.replace("{}", &target));
                return;
            }
            ui.label(
                "Only continue if you have checked the fingerprint or the safety code above with the host's owner \
                 (in person, by phone), or better, ask them for an invite link. An exception accepts exactly this certificate, and later ones with the same key.",
            );
            ui.horizontal(|ui| {
                let (Some(leaf), Some(join)) = (u.chain.first(), view.join.as_ref()) else {
                    return;
                };
                let once = egui::Button::new(RichText::new("Proceed anyway (unsafe)").color(red));
                if ui.add(once).on_hover_text("This connection only").clicked() {
                    action = Some(proceed(join, leaf, false));
                }
                let always = egui::Button::new(RichText::new("Always trust this certificate (unsafe)").color(red));
                if ui.add(always).on_hover_text("Remember it under Known hosts").clicked() {
                    action = Some(proceed(join, leaf, true));
                }
            });
        });
    });
    action
}
