//! tlschat: a chat over TLS that shows exactly how the connection is secured.
//!
//! # Layout
//!
//! - [`net`]: everything that touches sockets, TLS, certificates and trust.
//!   It runs on its own thread (a tokio runtime) and talks to the rest of the
//!   program through plain data: [`net::Start`] and [`net::SessionCommand`]
//!   in, [`net::SessionEvent`]s (a [`net::NetEvent`] and its session) out.
//!   [`net::protocol`] owns both wire dialects and every conversion between
//!   bytes and frames; [`net::wire`] decodes (and, for TLS 1.3, decrypts)
//!   the handshake [`net::recorder`] recorded, and [`net::tlsopts`] holds
//!   the TLS experiments (`--tls-version`, `--groups`, `--keylog`);
//!   [`net::relay`] is the demo's listener and impostor in the middle
//!   (`demo --listener | --impostor`). It never imports a UI toolkit.
//! - [`ui`]: the window's plain state; it never touches a socket.
//! - [`cli`]: the command line (clap), the contract users and scripts rely on.
//! - [`setup`]: what both front ends (command line, start screen) share:
//!   parsing addresses, hosts to join and invite links, and one builder each
//!   for the host's and the member's configuration.
//! - [`headless`]: the same host or member driven by stdin/stdout instead of
//!   a window.
//! - [`config`]: where settings, pins and the generated host certificate live.
//! - [`notify`]: desktop notifications over D-Bus, on a thread of their own.
//! - [`i18n`]: the words the window and the terminal show, in English or
//!   Chinese (Fluent resources in `i18n/`), and the language to use.
//! - [`logging`]: `-v`/`RUST_LOG` diagnostics on stderr (off by default).
//! - [`transcript`]: the conversation as a file (plain text or JSON lines),
//!   one format for the window's "Save conversation…" and headless
//!   `--transcript`.
#![forbid(unsafe_code)]

/// The application's id: the window's (Wayland app id, X11 class), the
/// desktop notifications', the desktop file's and the AppStream
/// metainfo's (`assets/`).
pub const APP_ID: &str = "org.tlschat.TlsChat";

pub mod cli;
pub mod config;
pub mod headless;
pub mod i18n;
pub mod logging;
pub mod net;
pub mod notify;
pub mod setup;
pub mod transcript;
pub mod ui;
