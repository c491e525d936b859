//! The warning shown instead of the room when the host's certificate is
//! not trusted: like a browser's, with "Back to safety" as the easy way out,
//! and no way through at all when the host's identity has changed.

use egui::{RichText, Ui};

use crate::net::certinfo::{CertInfo, fingerprint};
use crate::net::safe_text::visible_line;
use crate::net::safety::safety_code;
use crate::net::trust::{Problem, utc};
use crate::net::{JoinConfig, Untrusted};

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

/// What the user chose on the warning.
#[derive(Debug, Clone)]
pub enum Choice {
    /// "Back to safety": leave for the start screen.
    BackToSafety,
    /// "View certificate": open the details.
    ViewCertificate,
    /// Join again, trusting exactly the refused certificate.
    Proceed(Box<JoinConfig>),
}

/// How long an exception made from the warning lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exception {
    /// This connection only.
    Once,
    /// Remembered under Known hosts.
    Always,
}

fn proceed(join: &JoinConfig, leaf: &CertInfo, exception: Exception) -> Choice {
    let mut join = join.clone();
    join.pins = vec![leaf.sha256];
    join.remember_pin = exception == Exception::Always;
    Choice::Proceed(Box::new(join))
}

/// The warning's own state.
#[derive(Debug, Default)]
pub struct Warning {
    /// Whether the "Advanced" part is open.
    advanced: bool,
}

impl Warning {
    /// Draws the warning about `u`; `join` is how we joined (to proceed
    /// with an exception). Returns what the user chose.
    pub fn ui(&mut self, ui: &mut Ui, u: &Untrusted, join: Option<&JoinConfig>) -> Option<Choice> {
        let mut choice = None;
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.add_space(24.0);
            explanation_ui(ui, u);
            ui.add_space(16.0);
            ui.horizontal(|ui| {
                if ui
                    .button(RichText::new("Back to safety").strong().size(16.0))
                    .clicked()
                {
                    choice = Some(Choice::BackToSafety);
                }
                if ui
                    .button(if self.advanced {
                        "Hide advanced"
                    } else {
                        "Advanced"
                    })
                    .clicked()
                {
                    self.advanced = !self.advanced;
                }
            });
            if self.advanced {
                ui.add_space(10.0);
                egui::Frame::group(ui.style())
                    .inner_margin(10.0)
                    .show(ui, |ui| {
                        choice = advanced_ui(ui, u, join).or(choice.take());
                    });
            }
        });
        choice
    }
}

/// The headline, what it means, why, and the certificates concerned.
fn explanation_ui(ui: &mut Ui, u: &Untrusted) {
    let changed = matches!(u.problem, Problem::IdentityChanged { .. });
    let red = ui.visuals().error_fg_color;
    let target = visible_line(&u.target);
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
                cert_column(
                    &mut cols[0],
                    &format!("Known since {}", utc(previous.added)),
                    &previous.cert,
                );
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
}

/// The "Advanced" part: the certificate, and the ways through (if any).
fn advanced_ui(ui: &mut Ui, u: &Untrusted, join: Option<&JoinConfig>) -> Option<Choice> {
    let mut choice = None;
    if ui.button("View certificate").clicked() {
        choice = Some(Choice::ViewCertificate);
    }
    ui.add_space(6.0);
    let target = visible_line(&u.target);
    if !u.can_proceed {
        let why = if matches!(u.problem, Problem::IdentityChanged { .. }) {
            "There is no way to continue from here. Only if you know why the key changed (ask the host's owner \
             and compare the new fingerprint), remove the old entry under \"Known hosts\" on the start screen \
             (or run `tlschat trust remove {}`), then join again."
        } else {
            "This host had a certificate verified by a trusted authority before, so this cannot be bypassed \
             with one click. If you know why it changed, remove it under \"Known hosts\" on the start screen \
             (or run `tlschat trust remove {}`), then join again."
        };
        ui.label(why.replace("{}", &target));
        return choice;
    }
    ui.label(
        "Only continue if you have checked the fingerprint or the safety code above with the host's owner \
         (in person, by phone), or better, ask them for an invite link. An exception accepts exactly this certificate, and later ones with the same key.",
    );
    let red = ui.visuals().error_fg_color;
    ui.horizontal(|ui| {
        let (Some(leaf), Some(join)) = (u.chain.first(), join) else {
            return;
        };
        let once = egui::Button::new(RichText::new("Proceed anyway (unsafe)").color(red));
        if ui.add(once).on_hover_text("This connection only").clicked() {
            choice = Some(proceed(join, leaf, Exception::Once));
        }
        let always =
            egui::Button::new(RichText::new("Always trust this certificate (unsafe)").color(red));
        if ui
            .add(always)
            .on_hover_text("Remember it under Known hosts")
            .clicked()
        {
            choice = Some(proceed(join, leaf, Exception::Always));
        }
    });
    choice
}
