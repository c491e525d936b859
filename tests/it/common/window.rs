//! Shared helpers for the window tests (egui_kittest): a real app over a
//! real net thread, stepped until something holds or the deadline passes.
//! Used by the window tests (ui, ui_invite, wire_ui).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tlschat::i18n::Lang;
use tlschat::net::HostConfig;
use tlschat::ui::settings::Language;
use tlschat::ui::{Launch, TlsChatApp};

use crate::common::DEADLINE;
/// Whether some widget's label contains a text (one helper for every window).
pub use crate::common::lang::has_text;

/// The window under test.
pub type App<'a> = Harness<'a, TlsChatApp>;

/// An app whose configuration directory (known hosts, certificates) is `dir`,
/// in English whatever the locale of the test's process.
pub fn app_in(launch: Launch, dir: std::path::PathBuf) -> App<'static> {
    app_in_lang(launch, dir, Lang::En)
}

/// An app as [`app_in`] whose language setting is `lang`.
pub fn app_in_lang(launch: Launch, dir: std::path::PathBuf, lang: Lang) -> App<'static> {
    Harness::builder()
        .with_size(egui::vec2(1000.0, 700.0))
        .with_context_setup(move |ctx| Language::Chosen(lang).set(ctx))
        // The system fonts as the real window finds them: CJK text must be
        // drawable (a missing glyph fails the test).
        .build_eframe(move |cc| {
            TlsChatApp::new(cc, launch, dir)
                .unwrap()
                .with_system_fonts(&cc.egui_ctx)
        })
}

/// An app with a configuration directory of its own (a new temporary one).
pub fn app(launch: Launch) -> App<'static> {
    app_in(launch, tempfile::tempdir().unwrap().keep())
}

/// A host window for `config`, whose configuration directory is the
/// host's own (where it keeps a certificate it makes).
pub fn host_window(config: HostConfig) -> App<'static> {
    let dir = config.config_dir.clone();
    app_in(Launch::Host(config), dir)
}

/// Waits until the host window listens; returns where.
pub fn listening(h: &mut App<'static>) -> SocketAddr {
    let mut addr = None;
    pump(&mut [h], "host listening", |a| {
        addr = a[0].state().room().and_then(|r| r.listening);
        addr.is_some()
    });
    addr.unwrap()
}

/// Steps the apps until the one at `who` is connected to its room.
pub fn connected(apps: &mut [&mut App<'static>], who: usize) {
    pump(apps, "member connected", |a| {
        a[who].state().room().is_some_and(|r| r.is_connected())
    });
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
        // Between frames, as a real window would be (net events come in
        // on other threads).
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Opens "Advanced" on the identity-changed alarm and checks it offers no
/// way through: neither exception, and the words that say so.
pub fn no_way_through(m: &mut App<'static>) {
    m.get_by_label("Advanced").click();
    m.run_steps(2);
    assert!(m.query_by_label("Proceed anyway (unsafe)").is_none());
    assert!(
        m.query_by_label("Always trust this certificate (unsafe)")
            .is_none()
    );
    assert!(has_text(m, "no way to continue"));
}

/// What the window put on the clipboard in its last frame.
pub fn copied(a: &App<'static>) -> Vec<String> {
    a.output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            egui::OutputCommand::CopyText(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

/// What the window keeps between runs, held in memory for the test.
#[derive(Default)]
pub struct Kept(pub std::collections::HashMap<String, String>);

impl eframe::Storage for Kept {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_string(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}
