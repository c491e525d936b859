//! The warning shown instead of the room when the host's certificate is
//! not trusted: like a browser's, with "Back to safety" as the easy way out.

use egui::{RichText, Ui};

use crate::net::Untrusted;
use crate::net::certinfo::fingerprint;
use crate::ui::room_view::{RoomAction, RoomView};

/// Draws the warning; returns what the user chose.
pub fn interstitial_ui(ui: &mut Ui, u: &Untrusted, view: &mut RoomView) -> Option<RoomAction> {
    let mut action = None;
    ui.add_space(30.0);
    ui.vertical_centered(|ui| {
        ui.label(
            RichText::new("⚠")
                .size(48.0)
                .color(ui.visuals().error_fg_color),
        );
        ui.heading(
            RichText::new(format!("Your connection to {} is not private", u.target)).size(24.0),
        );
    });
    ui.add_space(12.0);
    ui.label(format!(
        "Someone could be pretending to be {} to read what you write. Nothing has been sent.",
        u.target
    ));
    ui.add_space(6.0);
    ui.label(RichText::new(format!("Why: {}.", u.problem.explain())).strong());
    ui.label(RichText::new(u.problem.code()).monospace().weak());
    if let Some(leaf) = u.chain.first() {
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            ui.label("Certificate fingerprint:");
            ui.label(RichText::new(fingerprint(&leaf.sha256)).monospace());
        });
    }
    ui.add_space(16.0);
    ui.horizontal(|ui| {
        let back = ui.add(egui::Button::new(
            RichText::new("Back to safety").strong().size(16.0),
        ));
        if back.clicked() {
            action = Some(RoomAction::BackToStart);
        }
        if ui
            .button(if view.advanced {
                "Hide advanced"
            } else {
                "Advanced"
            })
            .clicked()
        {
            view.advanced = !view.advanced;
        }
    });
    if view.advanced {
        ui.add_space(10.0);
        egui::Frame::group(ui.style()).inner_margin(10.0).show(ui, |ui| {
            ui.label(
                "Only continue if you have checked the fingerprint above with the host's owner \
                 (in person, by phone). An exception accepts exactly this certificate, for this connection.",
            );
            ui.horizontal(|ui| {
                if ui.button("View certificate").clicked() {
                    view.details_open = true;
                }
                let can_pin = !u.chain.is_empty() && view.join.is_some();
                if ui
                    .add_enabled(can_pin, egui::Button::new(RichText::new("Proceed anyway (unsafe)").color(ui.visuals().error_fg_color)))
                    .clicked()
                    && let (Some(leaf), Some(join)) = (u.chain.first(), view.join.as_mut()) {
                        join.pins = vec![leaf.sha256];
                        action = Some(RoomAction::Reconnect(Box::new(join.clone())));
                    }
            });
        });
    }
    action
}
