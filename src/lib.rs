//! tlschat: a chat over TLS that shows exactly how the connection is secured.
//!
//! # Layout
//!
//! - [`net`]: everything that touches sockets, TLS, certificates and trust.
//!   It runs on its own thread (a tokio runtime) and talks to the rest of the
//!   program through two plain-data enums: [`net::Command`] in and
//!   [`net::NetEvent`] out. It never imports a UI toolkit.
//! - [`ui`]: the window's plain state; it never touches a socket.
//! - [`cli`]: the command line (clap), the contract users and scripts rely on.
//! - [`headless`]: the same host or member driven by stdin/stdout instead of
//!   a window.
//! - [`config`]: where settings, pins and the generated host certificate live.
#![forbid(unsafe_code)]

pub mod cli;
pub mod config;
pub mod headless;
pub mod net;
pub mod ui;
