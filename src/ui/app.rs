//! The eframe app: owns the net thread, drains its events once per frame,
//! and shows the start screen or a room.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::net::pins::PinStore;
use crate::net::{
    Events, HostConfig, JoinConfig, NetEvent, NetThread, SessionCommand, SessionEvent, SessionId,
    Start,
};
use crate::ui::frame_log::FrameLog;
use crate::ui::room_view::{RoomAction, RoomView};
use crate::ui::start::{KnownHosts, Problems, StartAction, StartForm};
use crate::ui::state::{Role, RoomState};

const FORM_KEY: &str = "tlschat.start_form";
/// Where the window keeps the theme the user chose.
const THEME_KEY: &str = "theme";

/// The theme preference as kept: `system`, `light` or `dark`.
#[must_use]
pub fn theme_name(theme: egui::ThemePreference) -> &'static str {
    match theme {
        egui::ThemePreference::System => "system",
        egui::ThemePreference::Light => "light",
        egui::ThemePreference::Dark => "dark",
    }
}

/// A kept theme preference; anything else follows the system.
#[must_use]
pub fn theme_from_name(name: &str) -> egui::ThemePreference {
    match name {
        "light" => egui::ThemePreference::Light,
        "dark" => egui::ThemePreference::Dark,
        _ => egui::ThemePreference::System,
    }
}

/// The theme setting: follow the system, light or dark.
fn theme_ui(ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        ui.label("Theme:");
        let mut theme = ui.options(|o| o.theme_preference);
        for (value, name) in [
            (egui::ThemePreference::System, "Follow system"),
            (egui::ThemePreference::Light, "Light"),
            (egui::ThemePreference::Dark, "Dark"),
        ] {
            ui.selectable_value(&mut theme, value, name);
        }
        if theme != ui.options(|o| o.theme_preference) {
            ui.ctx().set_theme(theme);
        }
    });
}

/// The most net events the window takes in one frame. A flood (a join
/// storm, a busy room after a stall) is taken in over several frames, each
/// of them short, instead of freezing one frame until it is all in.
pub const EVENTS_PER_FRAME: usize = 1_000;

/// Applies at most `max` items that `next` gives; returns whether more
/// are waiting.
fn drain<T>(
    mut next: impl FnMut() -> Option<T>,
    waiting: impl Fn() -> bool,
    max: usize,
    mut apply: impl FnMut(T),
) -> bool {
    for _ in 0..max {
        match next() {
            Some(item) => apply(item),
            None => return false,
        }
    }
    waiting()
}

/// How the window starts.
#[derive(Debug, Clone)]
pub enum Launch {
    /// On the start screen.
    Start,
    /// Straight into hosting.
    Host(HostConfig),
    /// Straight into joining.
    Join(JoinConfig),
    /// On the start screen with this invite link in the join field,
    /// waiting for a click on Join (a link the desktop opened).
    Invite(String),
}

/// Called once with the host's address when it is listening (the demo
/// starts its member window then).
pub type OnListening = Box<dyn FnOnce(SocketAddr) + Send>;

enum Screen {
    Start,
    Room(Box<RoomView>),
}

/// The whole application.
pub struct TlsChatApp {
    net: NetThread,
    events: Events,
    /// The session the screen shows; events of any other are stale.
    session: Option<SessionId>,
    config_dir: PathBuf,
    form: StartForm,
    host_problems: Problems,
    join_problems: Problems,
    start_error: Option<String>,
    screen: Screen,
    on_listening: Option<OnListening>,
    title: String,
    /// The theme the user chose, kept with the window's state.
    theme: egui::ThemePreference,
    /// Unread messages, and those naming us, as of the last frame.
    unread: (u64, u64),
    known: KnownHosts,
    frame_log: Option<FrameLog>,
}

/// The application's id: the window's (Wayland app id, X11 class), the
/// desktop file's and the AppStream metainfo's (`assets/`).
pub const APP_ID: &str = "org.tlschat.TlsChat";

/// Window options: size, title, icon, and persistence in the config directory.
#[must_use]
pub fn native_options(config_dir: &std::path::Path) -> eframe::NativeOptions {
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("tlschat")
        .with_app_id(APP_ID)
        .with_inner_size([980.0, 680.0])
        .with_min_inner_size([560.0, 380.0]);
    if let Ok(icon) = eframe::icon_data::from_png_bytes(include_bytes!(
        "../../assets/icons/org.tlschat.TlsChat-64.png"
    )) {
        viewport = viewport.with_icon(Arc::new(icon));
    }
    eframe::NativeOptions {
        viewport,
        persistence_path: Some(config_dir.join("window.ron")),
        renderer: eframe::Renderer::Glow,
        // Measuring frames: draw as fast as they can be drawn.
        glow_options: eframe::egui_glow::GlowConfiguration {
            vsync: !crate::ui::frame_log::enabled(),
            ..Default::default()
        },
        ..Default::default()
    }
}

impl TlsChatApp {
    /// Builds the app and starts its net thread, which wakes this window.
    pub fn new(
        cc: &eframe::CreationContext<'_>,
        launch: Launch,
        config_dir: PathBuf,
    ) -> std::io::Result<Self> {
        let ctx = cc.egui_ctx.clone();
        let (net, events) = NetThread::spawn(Arc::new(move || ctx.request_repaint()))?;
        let form = cc
            .storage
            .and_then(|s| s.get_string(FORM_KEY))
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        if let Some(theme) = cc.storage.and_then(|s| s.get_string(THEME_KEY)) {
            cc.egui_ctx.set_theme(theme_from_name(&theme));
        }
        let mut app = Self {
            net,
            events,
            session: None,
            config_dir,
            form,
            host_problems: Problems::default(),
            join_problems: Problems::default(),
            start_error: None,
            screen: Screen::Start,
            on_listening: None,
            title: "tlschat".into(),
            theme: cc.egui_ctx.options(|o| o.theme_preference),
            unread: (0, 0),
            known: KnownHosts {
                entries: Ok(Vec::new()),
            },
            frame_log: FrameLog::from_env(),
        };
        app.refresh_known();
        match launch {
            Launch::Start => {}
            Launch::Host(config) => app.host(config),
            Launch::Join(config) => app.join(config),
            Launch::Invite(link) => {
                app.form.target = link;
                // A malformed link shows its problem at once.
                if let Err(p) = app.form.join_config(&app.config_dir) {
                    app.join_problems = p;
                }
            }
        }
        Ok(app)
    }

    /// Runs `f` once the host is listening.
    #[must_use]
    pub fn with_on_listening(mut self, f: OnListening) -> Self {
        self.on_listening = Some(f);
        self
    }

    /// The room's state, when a room is open.
    #[must_use]
    pub fn room(&self) -> Option<&RoomState> {
        match &self.screen {
            Screen::Room(r) => Some(&r.state),
            Screen::Start => None,
        }
    }

    fn host(&mut self, config: HostConfig) {
        let state = RoomState::new(Role::Host, config.bind.to_string(), config.nick.clone());
        self.screen = Screen::Room(Box::new(RoomView::new(state, None)));
        self.session = self.net.start(Start::Host(config));
    }

    fn join(&mut self, config: JoinConfig) {
        let state = RoomState::new(Role::Member, config.target(), config.nick.clone());
        self.screen = Screen::Room(Box::new(RoomView::new(state, Some(config.clone()))));
        self.session = self.net.start(Start::Join(config));
    }

    /// Reads the known hosts again (on the start screen, after changes).
    fn refresh_known(&mut self) {
        self.known = KnownHosts {
            entries: PinStore::load(&self.config_dir)
                .map(|s| s.entries().to_vec())
                .map_err(|e| e.to_string()),
        };
    }

    fn start_ui(&mut self, ui: &mut egui::Ui) {
        egui::Panel::bottom("theme_panel").show(ui, |ui| {
            ui.add_space(2.0);
            theme_ui(ui);
        });
        let action = crate::ui::start::start_screen_ui(
            ui,
            &mut self.form,
            &self.host_problems,
            &self.join_problems,
            self.start_error.as_deref(),
            &self.known,
        );
        match action {
            Some(StartAction::Forget(target)) => {
                if let Err(e) = PinStore::update(&self.config_dir, |s| {
                    s.remove(&target);
                }) {
                    self.start_error = Some(e.to_string());
                }
                self.refresh_known();
            }
            Some(StartAction::Host) => match self.form.host_config(&self.config_dir) {
                Ok(config) => {
                    self.host_problems = Problems::default();
                    self.host(config);
                }
                Err(p) => self.host_problems = p,
            },
            Some(StartAction::Join) => match self.form.join_config(&self.config_dir) {
                Ok(config) => {
                    self.join_problems = Problems::default();
                    self.join(config);
                }
                Err(p) => self.join_problems = p,
            },
            None => {}
        }
    }
}

impl eframe::App for TlsChatApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        let current = self.session;
        let events = &self.events;
        let more = drain(
            || events.try_recv(),
            || !events.is_empty(),
            EVENTS_PER_FRAME,
            |SessionEvent { session, event }| {
                // Events of a session that already ended are stale.
                if Some(session) != current {
                    return;
                }
                if let NetEvent::Listening { addr, .. } = &event
                    && let Some(f) = self.on_listening.take()
                {
                    f(*addr);
                }
                match &mut self.screen {
                    Screen::Room(room) => room.state.apply(event),
                    Screen::Start => {
                        if let NetEvent::Notice(text) = event {
                            self.start_error =
                                Some(crate::net::safe_text::visible_line(&text).into_owned());
                        }
                    }
                }
            },
        );
        if more {
            // The rest next frame, which must come even if nothing else wakes us.
            ctx.request_repaint();
        }
        self.theme = ctx.options(|o| o.theme_preference);
        let focused = ctx.input(|i| i.focused);
        let title = match &mut self.screen {
            Screen::Room(r) => {
                r.state.set_focused(focused);
                let (before, after) = (self.unread, r.state.unread());
                self.unread = after;
                // Ask for the user's attention when the first unread
                // message comes, and again when one names them.
                if after.0 > 0 && (before.0 == 0 || after.1 > before.1) {
                    let kind = if after.1 > before.1 {
                        egui::UserAttentionType::Critical
                    } else {
                        egui::UserAttentionType::Informational
                    };
                    ctx.send_viewport_cmd(egui::ViewportCommand::RequestUserAttention(kind));
                }
                r.state.window_title()
            }
            Screen::Start => "tlschat".to_string(),
        };
        // Only on change: every viewport command asks for another frame,
        // and an idle window must not repaint.
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
        let lines = self.room().map_or(0, |r| r.lines.len());
        if let Some(log) = &mut self.frame_log {
            log.frame(ctx, lines);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let action = match &mut self.screen {
            Screen::Start => {
                self.start_ui(ui);
                return;
            }
            Screen::Room(room) => room.ui(ui),
        };
        let Screen::Room(room) = &mut self.screen else {
            return;
        };
        match action {
            None => {}
            Some(RoomAction::Send(command)) => {
                if let Some(session) = self.session {
                    self.net.send(session, command);
                }
            }
            Some(RoomAction::Disconnect) => {
                if let Some(session) = self.session {
                    self.net.send(session, SessionCommand::Disconnect);
                }
            }
            Some(RoomAction::ReconnectNow) => {
                if let Some(session) = self.session {
                    self.net.send(session, SessionCommand::ReconnectNow);
                }
            }
            Some(RoomAction::Reconnect(config)) => {
                room.state.reconnecting();
                self.session = self.net.start(Start::Join(*config));
            }
            Some(RoomAction::BackToStart) => {
                self.refresh_known();
                if let Some(session) = self.session.take() {
                    self.net.send(session, SessionCommand::Disconnect);
                }
                self.screen = Screen::Start;
            }
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if let Ok(text) = serde_json::to_string(&self.form) {
            storage.set_string(FORM_KEY, text);
        }
        storage.set_string(THEME_KEY, theme_name(self.theme).to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_taken_in_over_several_frames() {
        let (tx, rx) = crossbeam_channel::unbounded();
        for i in 0..(EVENTS_PER_FRAME * 2 + 5) {
            tx.send(i).unwrap();
        }
        let mut got = Vec::new();
        let next = || rx.try_recv().ok();
        let waiting = || !rx.is_empty();
        assert!(
            drain(next, waiting, EVENTS_PER_FRAME, |i| got.push(i)),
            "more waiting"
        );
        assert_eq!(got.len(), EVENTS_PER_FRAME);
        assert!(drain(next, waiting, EVENTS_PER_FRAME, |i| got.push(i)));
        assert!(
            !drain(next, waiting, EVENTS_PER_FRAME, |i| got.push(i)),
            "all in"
        );
        assert_eq!(got, (0..EVENTS_PER_FRAME * 2 + 5).collect::<Vec<_>>());
        assert!(!drain(next, waiting, EVENTS_PER_FRAME, |_| panic!(
            "nothing was waiting"
        )));
    }
}
