//! The warning shown instead of the room when the host's certificate is
//! not trusted: like a browser's, with "Back to safety" as the easy way out,
//! and no way through at all when the host's identity has changed.

use egui::{RichText, Ui};

use crate::i18n::utc;
use crate::net::certinfo::{CertInfo, fingerprint};
use crate::net::safe_text::visible_line;
use crate::net::safety::safety_code;
use crate::net::trust::Problem;
use crate::net::{JoinConfig, Untrusted};
use crate::tr;

fn cert_column(ui: &mut Ui, title: &str, cert: &CertInfo) {
    ui.vertical(|ui| {
        ui.label(RichText::new(title).strong());
        egui::Grid::new(("side", title))
            .num_columns(2)
            .spacing([8.0, 3.0])
            .show(ui, |ui| {
                for (name, value) in [
                    (tr!("warning-subject"), cert.subject.clone()),
                    (tr!("warning-issuer"), cert.issuer.clone()),
                    (tr!("warning-valid-from"), utc(cert.not_before)),
                    (tr!("warning-valid-until"), utc(cert.not_after)),
                    ("SHA-256".to_owned(), fingerprint(&cert.sha256)),
                    (tr!("warning-safety-code"), safety_code(&cert.sha256)),
                    (tr!("warning-key-sha256"), cert.key_fingerprint()),
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
                    .button(
                        RichText::new(tr!("warning-back-to-safety"))
                            .strong()
                            .size(16.0),
                    )
                    .clicked()
                {
                    choice = Some(Choice::BackToSafety);
                }
                if ui
                    .button(if self.advanced {
                        tr!("warning-hide-advanced")
                    } else {
                        tr!("warning-advanced")
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
            tr!("warning-changed-title", target = &*target)
        } else {
            tr!("warning-not-private-title", target = &*target)
        };
        // Wrapped: the demo's member window is about 600 px wide.
        ui.add(egui::Label::new(RichText::new(headline).heading().size(24.0)).wrap());
    });
    ui.add_space(12.0);
    if changed {
        ui.label(tr!("warning-changed-body", target = &*target));
    } else {
        ui.label(tr!("warning-not-private-body", target = &*target));
    }
    ui.add_space(6.0);
    let reason = visible_line(&u.problem.reason().text()).into_owned();
    ui.label(RichText::new(tr!("warning-why", reason = reason)).strong());
    ui.label(RichText::new(u.problem.code()).monospace().weak());
    match (&u.previous, u.chain.first()) {
        (Some(previous), Some(leaf)) => {
            ui.add_space(10.0);
            ui.columns(2, |cols| {
                cert_column(
                    &mut cols[0],
                    &tr!("warning-known-since", date = utc(previous.added)),
                    &previous.cert,
                );
                cert_column(&mut cols[1], &tr!("warning-presented-now"), leaf);
            });
        }
        (None, Some(leaf)) => {
            ui.add_space(6.0);
            // The fingerprint goes under its label when the window is
            // too narrow for both on one line.
            ui.horizontal_wrapped(|ui| {
                ui.label(tr!("warning-fingerprint"));
                let fp = RichText::new(fingerprint(&leaf.sha256)).monospace();
                ui.add(egui::Label::new(fp).wrap());
            });
            ui.horizontal_wrapped(|ui| {
                ui.label(tr!("warning-safety-code-label"));
                crate::ui::invite_panel::safety_code_ui(ui, leaf);
            });
        }
        _ => {}
    }
}

/// The "Advanced" part: the certificate, and the ways through (if any).
fn advanced_ui(ui: &mut Ui, u: &Untrusted, join: Option<&JoinConfig>) -> Option<Choice> {
    let mut choice = None;
    if ui.button(tr!("warning-view-certificate")).clicked() {
        choice = Some(Choice::ViewCertificate);
    }
    ui.add_space(6.0);
    let target = visible_line(&u.target);
    if !u.can_proceed {
        let why = if matches!(u.problem, Problem::IdentityChanged { .. }) {
            tr!("warning-no-way-changed", target = &*target)
        } else {
            tr!("warning-no-way-verified", target = &*target)
        };
        ui.label(why);
        return choice;
    }
    ui.label(tr!("warning-only-continue"));
    let red = ui.visuals().error_fg_color;
    ui.horizontal(|ui| {
        let (Some(leaf), Some(join)) = (u.chain.first(), join) else {
            return;
        };
        let once = egui::Button::new(RichText::new(tr!("warning-proceed")).color(red));
        if ui
            .add(once)
            .on_hover_text(tr!("warning-proceed-hint"))
            .clicked()
        {
            choice = Some(proceed(join, leaf, Exception::Once));
        }
        let always = egui::Button::new(RichText::new(tr!("warning-always")).color(red));
        if ui
            .add(always)
            .on_hover_text(tr!("warning-always-hint"))
            .clicked()
        {
            choice = Some(proceed(join, leaf, Exception::Always));
        }
    });
    choice
}
