//! The window. Plain state and view functions; it never touches a socket.
//! The egui window itself is not built yet: `tlschat` runs headless
//! (`--headless`) until it is.
