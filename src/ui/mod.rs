//! The window: plain state ([`state`]) and view functions over it. It never
//! touches a socket: it sends [`crate::net::Start`] and [`crate::net::SessionCommand`]s to the net thread and
//! applies the [`crate::net::NetEvent`]s it gets back, once per frame.

mod app;
mod backdrop;
mod cert_view;
pub mod conversation;
pub mod door;
pub mod door_view;
pub mod file_dialog;
pub mod fonts;
pub mod frame_log;
pub mod galleys;
mod interstitial;
mod invite_panel;
pub mod relay_view;
mod room_view;
pub mod search;
pub mod settings;
pub mod start;
pub mod state;
mod wire_view;

pub use crate::APP_ID;
pub use app::{Launch, OnListening, TlsChatApp, WINDOW_STATE_FILE, native_options};
pub use conversation::init_local_offset;
pub use settings::{Notify, theme_from_name, theme_name};
