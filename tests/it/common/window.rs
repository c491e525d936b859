//! Shared helpers for the window tests (egui_kittest): a real app over a
//! real net thread, stepped until something holds or the deadline passes.
//! Used by the window tests (ui, ui_invite, wire_ui).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tlschat::ui::{Launch, TlsChatApp};

use crate::common::DEADLINE;

/// The window under test.
pub type App<'a> = Harness<'a, TlsChatApp>;

/// An app whose configuration directory (known hosts, certificates) is `dir`.
pub fn app_in(launch: Launch, dir: std::path::PathBuf) -> App<'static> {
    Harness::builder()
        .with_size(egui::vec2(1000.0, 700.0))
        // The same fallback to system fonts as the real window: CJK text
        // must be drawable (a missing glyph fails the test).
        .with_context_setup(|ctx| {
            ctx.add_font_provider(std::sync::Arc::new(
                egui_system_font_provider::SystemFontProvider::new(),
            ));
        })
        .build_eframe(move |cc| TlsChatApp::new(cc, launch, dir).unwrap())
}

/// Steps the apps until `done` holds, failing after the deadline.
pub fn pump(
    apps: &mut [&mut App<'static>],
    what: &str,
    mut done: impl FnMut(&[&mut App<'static>]) -> bool,
) {
    let end = Instant::now() + DEADLINE;
    loop {
        for a in apps.iter_mut() {
            a.step();
        }
        if done(apps) {
            // A few more frames, so that layout changes (panels resizing)
            // have settled before the test clicks anything.
            for a in apps.iter_mut() {
                a.run_steps(3);
            }
            return;
        }
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether some widget's label contains `text`.
pub fn has_text(a: &App<'static>, text: &str) -> bool {
    a.query_all_by_label_contains(text).next().is_some()
}
