//! The eframe app: owns the net thread, drains its events once per frame,
//! and shows the start screen or a room.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::APP_ID;
use crate::net::certinfo::CertInfo;
use crate::net::pins::PinStore;
use crate::net::{
    Events, HostConfig, JoinConfig, NetEvent, NetThread, SessionCommand, SessionEvent, SessionId,
    Start,
};
use crate::notify::{Note, Notifier};
use crate::tr;
use crate::transcript::Format;
use crate::ui::file_dialog::{FileDialog, FileType, Outcome};
use crate::ui::frame_log::FrameLog;
use crate::ui::room_view::{RoomAction, RoomView, Surroundings};
use crate::ui::settings::{
    CjkFonts, LANGUAGE_KEY, Language, NOTIFY_KEY, Notify, THEME_KEY, theme_from_name, theme_name,
};
use crate::ui::start::{KnownHosts, OwnKey, PemField, Problems, StartAction, StartForm};
use crate::ui::state::{Role, RoomModel};

const FORM_KEY: &str = "tlschat.start_form";
/// The desktop notification for what came since the last frame, if the
/// setting asks for one: the last message that named us, or (every
/// message) the last one.
fn note_for(
    notify: Notify,
    before: (u64, u64),
    after: (u64, u64),
    room: &RoomModel,
) -> Option<Note> {
    let named = after.1 > before.1;
    let (last, mention) = room.last_unread();
    let (who, text) = match notify {
        Notify::Off => return None,
        _ if named => mention?,
        Notify::All if after.0 > before.0 => last?,
        Notify::Mentions | Notify::All => return None,
    };
    let text =
        crate::ui::state::action(text).map_or_else(|| text.clone(), |a| format!("{who} {a}"));
    Some(Note {
        summary: if named {
            tr!(
                "app-note-named",
                who = who.as_str(),
                room = room.target.as_str()
            )
        } else {
            tr!(
                "app-note-message",
                who = who.as_str(),
                room = room.target.as_str()
            )
        },
        body: text,
    })
}

/// The desktop notification for a member who began knocking (the last of
/// them), unless notifications are off: the host must answer within the
/// room's `--knock-wait`.
fn knock_note(notify: Notify, room: &RoomModel) -> Option<Note> {
    let k = room.door.view.as_ref()?.knocking.last()?;
    (notify != Notify::Off).then(|| Note {
        summary: tr!(
            "app-note-knock",
            nick = k.nick.as_str(),
            room = room.target.as_str()
        ),
        body: tr!(
            "app-note-knock-body",
            key = crate::ui::door::key_words(k.key.as_ref())
        ),
    })
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

/// Called once with the host's address and its loopback invite link when
/// it is listening (the demo starts its member window then).
pub type OnListening = Box<dyn FnOnce(SocketAddr, Option<String>) + Send>;

enum Screen {
    Start,
    Room(Box<RoomView>),
}

/// What the open file dialog is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// A PEM file for this field of the start screen.
    Pem(PemField),
    /// Where to save the certificate chain the details show.
    SaveChain,
    /// Where to save the conversation.
    SaveConversation,
}

/// The file types "Save conversation…" offers.
const CONVERSATION_TYPES: &[FileType] = &[
    FileType {
        label: || tr!("app-type-plain"),
        extension: "txt",
    },
    FileType {
        label: || tr!("app-type-jsonl"),
        extension: "jsonl",
    },
];

/// The extensions the PEM file dialogs list.
const PEM_EXTENSIONS: &[&str] = &["pem", "crt", "cer", "key"];

/// Why writing a file failed, without the name of the temporary file it
/// was written to first (which the user never chose).
fn cause(e: &std::io::Error) -> String {
    // The tempfile crate says "{cause} at path \"{temporary file}\"".
    let text = e.to_string();
    match text.rfind(" at path \"") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
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
    /// How many knocks the host's window has seen (see
    /// [`crate::ui::door::DoorModel::knocked`]).
    knocked: u64,
    notifier: Notifier,
    /// The notification setting, kept with the window's state.
    notify: Notify,
    /// The language setting, kept with the window's state.
    language: Language,
    /// Whether Chinese draws (the notice when it does not).
    cjk_fonts: CjkFonts,
    /// The system fonts, following the language (none in a test window
    /// made without them).
    system_fonts: Option<crate::ui::fonts::SystemFonts>,
    known: KnownHosts,
    /// Our own key, shown on the start screen.
    own: OwnKey,
    frame_log: Option<FrameLog>,
    /// The file dialog, when one is open, and what for.
    dialog: Option<(FileDialog, Purpose)>,
    /// The folder the last file dialog was in.
    last_dir: Option<PathBuf>,
}

/// The file in the configuration directory where the window keeps its
/// state (its settings, the start form, where it was).
pub const WINDOW_STATE_FILE: &str = "window.ron";

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
        persistence_path: Some(config_dir.join(WINDOW_STATE_FILE)),
        renderer: eframe::Renderer::Glow,
        // Measuring frames: draw as fast as they can be drawn.
        glow_options: eframe::egui_glow::GlowConfiguration {
            vsync: !crate::ui::frame_log::enabled(),
            ..Default::default()
        },
        // Flat colours only: dithering would shade every pixel for nothing
        // (a software renderer feels it).
        dithering: false,
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
        if let Some(notify) = cc.storage.and_then(|s| s.get_string(NOTIFY_KEY)) {
            Notify::from_name(&notify).set(&cc.egui_ctx);
        }
        if let Some(language) = cc.storage.and_then(|s| s.get_string(LANGUAGE_KEY)) {
            Language::from_name(&language).set(&cc.egui_ctx);
        }
        let own = OwnKey::load(&config_dir);
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
            knocked: 0,
            notifier: Notifier::new(),
            notify: Notify::get(&cc.egui_ctx),
            language: Language::get(&cc.egui_ctx),
            cjk_fonts: CjkFonts::default(),
            system_fonts: None,
            known: KnownHosts {
                entries: Ok(Vec::new()),
            },
            own,
            frame_log: FrameLog::from_env(),
            dialog: None,
            last_dir: None,
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

    /// Draws CJK characters with the system's fonts, in the forms of the
    /// window's language (see [`crate::ui::fonts`]); `ctx` is the window's.
    /// The window's own choice replaces eframe's fallback, which follows
    /// the desktop's locale only.
    #[must_use]
    pub fn with_system_fonts(mut self, ctx: &egui::Context) -> Self {
        let mut fonts = crate::ui::fonts::SystemFonts::default();
        fonts.follow(ctx, Language::get(ctx).lang());
        self.system_fonts = Some(fonts);
        self
    }

    /// Runs `f` once the host is listening.
    #[must_use]
    pub fn with_on_listening(mut self, f: OnListening) -> Self {
        self.on_listening = Some(f);
        self
    }

    /// What the start screen's fields hold.
    #[must_use]
    pub fn start_form(&self) -> &StartForm {
        &self.form
    }

    /// The room's state, when a room is open.
    #[must_use]
    pub fn room(&self) -> Option<&RoomModel> {
        match &self.screen {
            Screen::Room(r) => Some(&r.state),
            Screen::Start => None,
        }
    }

    fn host(&mut self, config: HostConfig) {
        let mut state = RoomModel::new(Role::Host, config.bind.to_string(), config.nick.clone());
        state.door.started_as = Some(config.door.access);
        self.screen = Screen::Room(Box::new(RoomView::new(state, None)));
        self.session = self.net.start(Start::Host(config));
    }

    fn join(&mut self, mut config: JoinConfig) {
        // The window follows its own connection's records after the
        // handshake for the wire view (the last few, bounded).
        config.tls.record_handshakes = true;
        let state = RoomModel::new(Role::Member, config.target(), config.nick.clone());
        self.screen = Screen::Room(Box::new(RoomView::new(state, Some(config.clone()))));
        self.session = self.net.start(Start::Join(config));
    }

    /// Reads the known hosts again (on the start screen, after changes).
    fn refresh_known(&mut self) {
        self.known = KnownHosts {
            entries: PinStore::load(&self.config_dir).map(|s| s.entries().to_vec()),
        };
    }

    fn close_dialog(&mut self) {
        if let Some((dialog, _)) = self.dialog.take() {
            self.last_dir = Some(dialog.dir().to_path_buf());
        }
    }

    /// Draws the file dialog if one is open, and does what it was for once
    /// a file is chosen. A file that cannot be written keeps the dialog
    /// open with the reason.
    fn dialog_ui(&mut self, ctx: &egui::Context) {
        let Some((dialog, purpose)) = &mut self.dialog else {
            return;
        };
        let path = match dialog.show(ctx) {
            None => return,
            Some(Outcome::Cancelled) => {
                self.close_dialog();
                return;
            }
            Some(Outcome::Chosen(path)) => path,
        };
        let shown = path.display().to_string();
        let result = match (*purpose, &mut self.screen) {
            (Purpose::Pem(field), _) => {
                *self.form.pem_field(field) = shown;
                Ok(())
            }
            (Purpose::SaveConversation, Screen::Room(room)) => {
                let format = Format::for_path(&path);
                let text = room.state.transcript(format);
                crate::config::write_atomic(&path, text.as_bytes(), true)
                    .map(|()| {
                        let what = match format {
                            Format::Plain => tr!("app-format-plain"),
                            Format::JsonLines => tr!("app-format-jsonl"),
                        };
                        room.set_status(tr!(
                            "app-saved-conversation",
                            lines = room.state.lines.len(),
                            format = what,
                            path = shown.as_str()
                        ));
                    })
                    .map_err(|e| {
                        tr!(
                            "app-save-conversation-failed",
                            path = shown.as_str(),
                            error = cause(&e)
                        )
                    })
            }
            (Purpose::SaveChain, Screen::Room(room)) => {
                let chain = crate::ui::cert_view::shown_chain(&room.state);
                let pem: String = chain.iter().map(CertInfo::to_pem).collect();
                let count = chain.len();
                crate::config::write_atomic(&path, pem.as_bytes(), false)
                    .map(|()| {
                        room.details.export_result =
                            Some(tr!("app-saved-chain", count = count, path = shown.as_str()));
                    })
                    .map_err(|e| {
                        tr!(
                            "app-save-chain-failed",
                            path = shown.as_str(),
                            error = cause(&e)
                        )
                    })
            }
            // The room it was for is gone.
            (_, Screen::Start) => Ok(()),
        };
        match result {
            Ok(()) => {
                // The next dialog opens where this file is.
                if let Some(dir) = path.parent() {
                    dialog.set_dir(dir);
                }
                self.close_dialog();
            }
            Err(e) => dialog.failed(e),
        }
    }

    fn start_ui(&mut self, ui: &mut egui::Ui) {
        let service = self.notifier.service();
        egui::Panel::bottom("theme_panel")
            .frame(crate::ui::backdrop::side_panel(ui.style()))
            .show(ui, |ui| {
                ui.add_space(2.0);
                crate::ui::settings::settings_ui(ui, service);
            });
        let action = crate::ui::start::start_screen_ui(
            ui,
            &mut self.form,
            &self.host_problems,
            &self.join_problems,
            self.start_error.as_deref(),
            &self.known,
            &self.own,
        );
        match action {
            Some(StartAction::Browse(field)) => {
                let current = PathBuf::from(self.form.pem_field(field).trim());
                let dir = current
                    .parent()
                    .filter(|d| d.is_dir())
                    .map(std::path::Path::to_path_buf)
                    .or_else(|| self.last_dir.clone());
                let dialog =
                    FileDialog::open(&tr!("app-choose-pem"), dir.as_deref(), PEM_EXTENSIONS);
                self.dialog = Some((dialog, Purpose::Pem(field)));
            }
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

impl TlsChatApp {
    /// Does what the room view asked for.
    fn room_action(&mut self, action: RoomAction) {
        let Screen::Room(room) = &mut self.screen else {
            // The room it was for is gone (an earlier action left it).
            return;
        };
        match action {
            RoomAction::SaveConversation => {
                let date = time::OffsetDateTime::now_utc()
                    .to_offset(crate::transcript::local_offset())
                    .date();
                let dir = self
                    .last_dir
                    .clone()
                    .or_else(dirs::document_dir)
                    .or_else(dirs::home_dir);
                let dialog = FileDialog::save(
                    &tr!("app-save-conversation"),
                    dir.as_deref(),
                    &format!("tlschat-{date}.txt"),
                    CONVERSATION_TYPES,
                );
                self.dialog = Some((dialog, Purpose::SaveConversation));
            }
            RoomAction::SaveChain => {
                let name = crate::ui::cert_view::shown_chain(&room.state)
                    .first()
                    .map_or_else(|| "chain.pem".into(), crate::ui::cert_view::chain_file_name);
                let dir = self.last_dir.clone().or_else(dirs::download_dir);
                let dialog = FileDialog::save(&tr!("app-save-chain"), dir.as_deref(), &name, &[]);
                self.dialog = Some((dialog, Purpose::SaveChain));
            }
            RoomAction::Send(command) => {
                if let Some(session) = self.session {
                    self.net.send(session, command);
                }
            }
            RoomAction::Door(command) => {
                if let Some(session) = self.session {
                    self.net.send(session, SessionCommand::Door(command));
                }
            }
            RoomAction::Disconnect => {
                if let Some(session) = self.session {
                    self.net.send(session, SessionCommand::Disconnect);
                }
            }
            RoomAction::ReconnectNow => {
                if let Some(session) = self.session {
                    self.net.send(session, SessionCommand::ReconnectNow);
                }
            }
            RoomAction::Reconnect(config) => {
                room.state.reconnecting();
                self.session = self.net.start(Start::Join(*config));
            }
            RoomAction::BackToStart => {
                self.refresh_known();
                if let Some(session) = self.session.take() {
                    self.net.send(session, SessionCommand::Disconnect);
                }
                self.screen = Screen::Start;
            }
        }
    }
}

impl eframe::App for TlsChatApp {
    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        crate::ui::backdrop::clear_color(visuals)
    }

    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        // Before this frame's messages: those that come in the frame the
        // window loses the focus are unread.
        let focused = ctx.input(|i| i.focused);
        if let Screen::Room(r) = &mut self.screen {
            r.state.set_focused(focused);
        }
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
                if let NetEvent::Listening { addr, invites, .. } = &event
                    && let Some(f) = self.on_listening.take()
                {
                    // Loopback comes last.
                    f(*addr, invites.last().map(crate::net::invite::Invite::link));
                }
                match &mut self.screen {
                    Screen::Room(room) => room.state.apply(event),
                    Screen::Start => {
                        if let NetEvent::Notice(said) = event {
                            self.start_error = Some(
                                crate::net::safe_text::visible_line(&said.text()).into_owned(),
                            );
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
        self.notify = Notify::get(ctx);
        self.language = Language::get(ctx);
        let title = match &mut self.screen {
            Screen::Room(r) => {
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
                if let Some(note) = note_for(self.notify, before, after, &r.state) {
                    self.notifier.notify(note);
                }
                let knocked = std::mem::replace(&mut self.knocked, r.state.door.knocked);
                if r.state.door.knocked > knocked {
                    ctx.send_viewport_cmd(egui::ViewportCommand::RequestUserAttention(
                        egui::UserAttentionType::Critical,
                    ));
                    if let Some(note) = knock_note(self.notify, &r.state) {
                        self.notifier.notify(note);
                    }
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
        // This frame's words in the language the settings hold.
        let lang = Language::get(ui.ctx()).lang();
        crate::i18n::set_thread(lang);
        if let Some(fonts) = &mut self.system_fonts {
            fonts.follow(ui.ctx(), lang);
        }
        self.cjk_fonts.ui(ui);
        // Esc belongs to the file dialog while one is open (it closes its
        // question first, then itself), not to what is under it.
        if let Some((dialog, _)) = &mut self.dialog
            && ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape))
            && dialog.escape()
        {
            self.close_dialog();
        }
        let modal = self.dialog.is_some();
        let actions = match &mut self.screen {
            Screen::Start => {
                self.start_ui(ui);
                self.dialog_ui(ui.ctx());
                return;
            }
            Screen::Room(room) => room.ui(
                ui,
                Surroundings {
                    modal,
                    notify_service: self.notifier.service(),
                },
            ),
        };
        self.dialog_ui(ui.ctx());
        // Every action asked for this frame, in order.
        for action in actions {
            self.room_action(action);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if let Ok(text) = serde_json::to_string(&self.form) {
            storage.set_string(FORM_KEY, text);
        }
        storage.set_string(THEME_KEY, theme_name(self.theme).to_string());
        storage.set_string(NOTIFY_KEY, self.notify.name().to_string());
        storage.set_string(LANGUAGE_KEY, self.language.name().to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_knock_is_notified_unless_notifications_are_off() {
        crate::i18n::set_thread(crate::i18n::Lang::En);
        let mut room = RoomModel::new(Role::Host, "127.0.0.1:7463".into(), "hana".into());
        room.apply(NetEvent::Door(Box::new(crate::net::DoorView {
            knocking: vec![crate::net::KnockView {
                id: 1,
                nick: "ana".into(),
                key: None,
                addr: "127.0.0.1:1".parse().unwrap(),
            }],
            ..crate::net::DoorView::default()
        })));
        assert_eq!(room.door.knocked, 1);
        assert!(knock_note(Notify::Off, &room).is_none());
        let note = knock_note(Notify::Mentions, &room).unwrap();
        assert_eq!(note.summary, "ana asks to come in (127.0.0.1:7463)");
        assert!(note.body.starts_with("no key: "), "{}", note.body);
    }

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
