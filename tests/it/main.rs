//! tlschat's integration tests in one binary (one link of eframe instead of
//! one per file): real TLS over loopback, real certificates made at test
//! time, the real program as a child process, and real windows driven by
//! egui_kittest. Each module is one area; `common` is the shared harness.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod abuse;
mod bound;
mod chat;
mod cli;
mod demo_relay;
mod desktop;
mod door;
mod door_cli;
mod fuzz_framing;
mod history;
mod hostile;
mod hostile_print;
mod i18n;
mod invite;
mod keys;
mod moderation;
mod refusal;
mod trust;
mod ui;
mod ui_door;
mod ui_invite;
mod ui_zh;
mod window_smoke;
mod wire;
mod wire_app;
mod wire_ui;
