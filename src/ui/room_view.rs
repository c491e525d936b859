//! The room: an address bar that tells the truth about the connection, the
//! members, the conversation and the message box.

use std::time::Instant;

use egui::{Color32, RichText, Ui};

use crate::net::{DisconnectKind, DoorCommand, JoinConfig, MemberInfo, SessionCommand};
use crate::tr;
use crate::ui::cert_view::{Details, DetailsAction};
use crate::ui::conversation::{HeightCache, Marks, Scroll, conversation_ui};
use crate::ui::door_view::DoorPanel;
use crate::ui::galleys::Galleys;
use crate::ui::interstitial::{Choice, Warning};
use crate::ui::search::{MatchCount, Search};
use crate::ui::state::{Role, RoomModel, Status};

/// What the room view asked the app to do.
#[derive(Debug, Clone)]
pub enum RoomAction {
    /// Send this command (a message).
    Send(SessionCommand),
    /// Leave (member) or close (host).
    Disconnect,
    /// While reconnecting after a drop: try now rather than after the wait.
    ReconnectNow,
    /// Join again with this configuration.
    Reconnect(Box<JoinConfig>),
    /// Leave and go back to the start screen.
    BackToStart,
    /// Ask where to save the conversation (Ctrl+S).
    SaveConversation,
    /// Ask where to save the peer's certificate chain.
    SaveChain,
    /// Ask the room's door for this (host).
    Door(DoorCommand),
}

/// One open room and the view's own state.
pub struct RoomView {
    /// The room.
    pub state: RoomModel,
    /// How we joined (to reconnect, or proceed with an exception).
    pub join: Option<JoinConfig>,
    /// Which of the room's windows are open.
    open: Open,
    /// The connection and certificate details' own state.
    pub details: Details,
    /// The warning's own state (shown when the host is not trusted).
    warning: Warning,
    /// Finding text in the conversation (Ctrl+F).
    pub search: Search,
    /// The message box's own state.
    composer: Composer,
    /// The conversation's own state.
    conversation: ConversationView,
    /// The door's own state (host): the "New invite" form, a kick or ban
    /// being confirmed.
    pub door: DoorPanel,
    /// The galleys of the member list's names in view, by member id.
    names: Galleys<u64>,
}

/// What a part of the room view drew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    /// A screen of its own, in place of the room.
    Screen,
    /// The room goes on below it.
    Room,
}

/// What the app tells the room view each frame.
#[derive(Debug, Clone, Copy)]
pub struct Surroundings {
    /// A dialog of the app's is open over the room: its shortcuts wait.
    pub modal: bool,
    /// Whether desktop notifications reach a service (for the settings).
    pub notify_service: crate::notify::Service,
}

/// The windows the room opens over itself.
#[derive(Debug, Default)]
struct Open {
    /// The connection and certificate window.
    details: bool,
    /// The list of keyboard shortcuts (F1).
    shortcuts: bool,
}

/// The message box's state beyond the draft (which is the room's).
#[derive(Debug, Default)]
struct Composer {
    /// The outcome of the last save of the conversation, shown above the
    /// message box until the next message.
    status: Option<String>,
    /// Whether it took the keyboard once since it was enabled.
    focused_once: bool,
    /// Set when Esc closed something: the message box takes the keyboard
    /// again (Esc took it from wherever it was).
    refocus: bool,
}

/// How the conversation is laid out and where it scrolls next.
#[derive(Debug, Default)]
struct ConversationView {
    /// The lines' heights.
    heights: HeightCache,
    /// A search's jump to its current match is made again one frame later,
    /// once the lines around it are measured rather than estimated.
    scroll_again: bool,
    /// Set when we sent something: the conversation scrolls to the end.
    scroll_to_end: bool,
}

const COMPOSER_ID: &str = "composer";
const SEARCH_ID: &str = "search_field";

/// What the F1 list says: the keys (named as on the keyboard) and what
/// they do.
fn shortcuts() -> Vec<(String, String)> {
    let key = str::to_string;
    vec![
        (key("Enter"), tr!("room-shortcut-send")),
        (key("Shift+Enter"), tr!("room-shortcut-new-line")),
        (tr!("room-key-up"), tr!("room-shortcut-up")),
        (key("Page Up / Page Down"), tr!("room-shortcut-page")),
        (key("Ctrl+F"), tr!("room-shortcut-find")),
        (key("Enter / F3"), tr!("room-shortcut-next")),
        (key("Shift+Enter / Shift+F3"), tr!("room-shortcut-previous")),
        (key("Ctrl+S"), tr!("room-shortcut-save")),
        (key("Esc"), tr!("room-shortcut-escape")),
        (key("F1"), tr!("room-shortcut-help")),
        (tr!("room-key-nick"), tr!("room-shortcut-nick")),
        (tr!("room-key-me"), tr!("room-shortcut-me")),
        (key("/who"), tr!("room-shortcut-who")),
        (key("/help"), tr!("room-shortcut-commands")),
        (key("/invite /kick /ban /mute …"), tr!("room-shortcut-door")),
        (tr!("room-key-slash"), tr!("room-shortcut-slash")),
    ]
}

/// Which Enter press [`take_enter`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Enter {
    /// Enter without any modifier.
    Plain,
    /// Shift+Enter.
    Shift,
}

/// Takes an Enter press (plain, or with Shift only) out of this frame's
/// input, so the text box does not also insert a newline. (egui's
/// `consume_key` matches "logically" and would take Shift+Enter for Enter.)
fn take_enter(ui: &Ui, which: Enter) -> bool {
    let shift = which == Enter::Shift;
    ui.input_mut(|i| {
        let at = i.events.iter().position(|e| {
            matches!(e, egui::Event::Key { key: egui::Key::Enter, pressed: true, modifiers, .. }
                if modifiers.shift == shift && !modifiers.alt && !modifiers.ctrl && !modifiers.command)
        });
        at.map(|at| i.events.remove(at)).is_some()
    })
}

/// The room's keyboard shortcuts pressed this frame.
#[derive(Debug, Default)]
struct Keys {
    escape: bool,
    help: bool,
    find: bool,
    save: bool,
    /// F3 (+1: older) or Shift+F3 (-1: newer).
    next: i8,
    /// Page Down (+1) or Page Up (-1).
    page: i8,
}

impl Keys {
    /// Reads (and takes, but Esc and F1) this frame's shortcuts.
    fn take(ui: &Ui) -> Self {
        use egui::{Key, Modifiers};
        ui.input_mut(|i| {
            // Shift first: a shortcut without it matches with it too.
            let newer = i.consume_key(Modifiers::SHIFT, Key::F3);
            let older = i.consume_key(Modifiers::NONE, Key::F3);
            Keys {
                escape: i.key_pressed(Key::Escape),
                help: i.key_pressed(Key::F1),
                find: i.consume_key(Modifiers::COMMAND, Key::F),
                save: i.consume_key(Modifiers::COMMAND, Key::S),
                next: i8::from(older) - i8::from(newer),
                page: i8::from(i.consume_key(Modifiers::NONE, Key::PageDown))
                    - i8::from(i.consume_key(Modifiers::NONE, Key::PageUp)),
            }
        })
    }
}

impl RoomView {
    /// A view over a new room.
    #[must_use]
    pub fn new(state: RoomModel, join: Option<JoinConfig>) -> Self {
        Self {
            state,
            join,
            open: Open::default(),
            details: Details::default(),
            warning: Warning::default(),
            search: Search::default(),
            composer: Composer::default(),
            conversation: ConversationView::default(),
            door: DoorPanel::default(),
            names: Galleys::default(),
        }
    }

    /// Shows the outcome of a save of the conversation above the message
    /// box, until the next message.
    pub fn set_status(&mut self, status: String) {
        self.composer.status = Some(status);
    }

    /// Handles this frame's shortcuts; returns the action one asked for
    /// and the scroll one made.
    fn keys(&mut self, ui: &Ui, around: Surroundings) -> (Option<RoomAction>, Option<Scroll>) {
        if around.modal || self.door.confirming() {
            return (None, None);
        }
        let keys = Keys::take(ui);
        // Esc takes the focus away before the frame starts: "was focused".
        let search_id = egui::Id::unique(SEARCH_ID);
        let search_focused =
            ui.memory(|m| m.has_focus(search_id) || m.had_focus_last_frame(search_id));
        // F1 shows the shortcuts; Esc closes what is on top.
        if keys.help {
            self.open.shortcuts = !self.open.shortcuts;
        } else if keys.escape {
            self.composer.refocus = true;
            if self.search.open && search_focused {
                self.search.close();
            } else if self.open.shortcuts {
                self.open.shortcuts = false;
            } else if self.open.details {
                self.open.details = false;
            } else if self.search.open {
                self.search.close();
            } else {
                self.composer.refocus = false;
            }
        }
        // Not over the warning about an untrusted host: no conversation.
        let untrusted = matches!(self.state.status, Status::Untrusted(_));
        if keys.find && !untrusted {
            self.search.open();
        }
        if self.search.open {
            match keys.next {
                1 => self.search.older(),
                -1 => self.search.newer(),
                _ => {}
            }
        }
        let action = (keys.save && !untrusted).then_some(RoomAction::SaveConversation);
        (
            action,
            (keys.page != 0).then(|| Scroll::Pages(f32::from(keys.page))),
        )
    }

    /// The search bar, under the address bar while a search is open.
    fn search_ui(&mut self, ui: &mut Ui) {
        let id = egui::Id::unique(SEARCH_ID);
        let focused = ui.memory(|m| m.has_focus(id));
        // Enter and Shift+Enter move between matches; the field keeps
        // the focus.
        if focused && take_enter(ui, Enter::Shift) {
            self.search.newer();
        } else if focused && take_enter(ui, Enter::Plain) {
            self.search.older();
        }
        ui.horizontal(|ui| {
            let label = ui.label(tr!("room-find"));
            let r = ui
                .add(
                    egui::TextEdit::singleline(&mut self.search.query)
                        .id(id)
                        .hint_text(tr!("room-find-hint"))
                        .desired_width(260.0),
                )
                .labelled_by(label.id);
            if std::mem::take(&mut self.search.focus_pending) {
                r.request_focus();
                // Ctrl+F again selects what is there, to type over it.
                if let Some(mut state) = egui::TextEdit::load_state(ui.ctx(), id) {
                    let all = egui::text::CCursorRange::two(
                        egui::text::CCursor::new(0),
                        egui::text::CCursor::new(self.search.query.chars().count()),
                    );
                    state.cursor.set_char_range(Some(all));
                    egui::TextEdit::store_state(ui.ctx(), id, state);
                }
            }
            self.search.update(&self.state.lines, self.state.revision());
            let count = self.search.count();
            let text = RichText::new(count.to_string());
            let text = if count == MatchCount::NoMatches {
                text.color(ui.visuals().warn_fg_color)
            } else {
                text
            };
            ui.label(text);
            let any = !self.search.found().is_empty();
            if ui
                .add_enabled(any, egui::Button::new(tr!("room-older")))
                .on_hover_text(tr!("room-older-hover"))
                .clicked()
            {
                self.search.older();
            }
            if ui
                .add_enabled(any, egui::Button::new(tr!("room-newer")))
                .on_hover_text(tr!("room-newer-hover"))
                .clicked()
            {
                self.search.newer();
            }
            if ui
                .button(tr!("room-close-search"))
                .on_hover_text("Esc")
                .clicked()
            {
                self.search.close();
            }
        });
    }

    /// Draws the room; returns what the user asked for this frame, in
    /// the order asked (every one of them: a shortcut and Enter in the
    /// same frame are two actions).
    pub fn ui(&mut self, ui: &mut Ui, around: Surroundings) -> Vec<RoomAction> {
        // What tlschat said in the conversation, in the window's language
        // (it may have just changed): the lines are laid out again.
        if self.state.relabel(crate::i18n::current()) {
            self.conversation.heights.invalidate();
        }
        let (action, scroll) = self.keys(ui, around);
        let mut actions: Vec<RoomAction> = action.into_iter().collect();
        actions.extend(self.top_ui(ui, around.notify_service));
        let (shown, action) = self.ended_ui(ui);
        actions.extend(action);
        if shown == Shown::Screen {
            return actions;
        }
        if let Status::Untrusted(u) = &self.state.status {
            let u = u.clone();
            let frame = crate::ui::backdrop::central_panel(ui.style());
            egui::CentralPanel::default().frame(frame).show(ui, |ui| {
                // A readable column, like a browser's warning page.
                let side = ((ui.available_width() - 720.0) / 2.0).max(0.0);
                ui.horizontal_top(|ui| {
                    ui.add_space(side);
                    ui.vertical(|ui| {
                        // No wider than the window (the demo's is ~600 px).
                        ui.set_max_width(ui.available_width().min(720.0));
                        match self.warning.ui(ui, &u, self.join.as_ref()) {
                            Some(Choice::BackToSafety) => actions.push(RoomAction::BackToStart),
                            Some(Choice::ViewCertificate) => self.open.details = true,
                            Some(Choice::Proceed(join)) => {
                                actions.push(RoomAction::Reconnect(join));
                            }
                            None => {}
                        }
                    });
                });
            });
            actions.extend(self.details_window(ui));
            return actions;
        }
        actions.extend(self.lobby_ui(ui).map(RoomAction::Door));
        if self.state.is_reconnecting() {
            egui::Panel::top("reconnect_banner")
                .frame(
                    egui::Frame::side_top_panel(ui.style())
                        .fill(banner_fill(ui.visuals()))
                        .inner_margin(egui::Margin::symmetric(10, 8)),
                )
                .show(ui, |ui| {
                    actions.extend(self.banner_ui(ui));
                });
        }
        egui::Panel::right("members")
            .frame(crate::ui::backdrop::side_panel(ui.style()))
            .resizable(true)
            .default_size(190.0)
            .show(ui, |ui| {
                actions.extend(self.members_ui(ui).map(RoomAction::Door));
            });
        if self.search.open {
            egui::Panel::top("search_bar")
                .frame(crate::ui::backdrop::side_panel(ui.style()))
                .show(ui, |ui| {
                    ui.add_space(3.0);
                    self.search_ui(ui);
                    ui.add_space(3.0);
                });
        }
        egui::Panel::bottom("composer_panel")
            .frame(crate::ui::backdrop::side_panel(ui.style()))
            .show(ui, |ui| {
                actions.extend(self.composer_ui(ui, around));
            });
        actions.extend(self.conversation_panel_ui(ui, scroll));
        actions.extend(self.details_window(ui));
        actions.extend(self.door.confirm_ui(ui.ctx()).map(RoomAction::Door));
        actions
    }

    /// The conversation, in the space the panels leave, making `scroll`
    /// (or the scroll a send or a search asks for); a "Resend" clicked.
    fn conversation_panel_ui(
        &mut self,
        ui: &mut Ui,
        mut scroll: Option<Scroll>,
    ) -> Option<RoomAction> {
        if std::mem::take(&mut self.conversation.scroll_to_end) {
            scroll = Some(Scroll::End);
        }
        // Jump to the current match (again, one frame later: see `scroll_again`).
        if self.search.open && (self.search.scroll_pending || self.conversation.scroll_again) {
            self.conversation.scroll_again = std::mem::take(&mut self.search.scroll_pending);
            if let Some(found) = self.search.current_found() {
                scroll = Some(Scroll::ToLine(found.line));
            }
        }
        let marks = if self.search.open {
            Marks {
                found: self.search.found(),
                current: self.search.current_index(),
            }
        } else {
            Marks::default()
        };
        let frame = crate::ui::backdrop::central_panel(ui.style());
        let mut resend = None;
        egui::CentralPanel::default().frame(frame).show(ui, |ui| {
            if let Some(i) = conversation_ui(
                ui,
                &self.state.lines,
                &mut self.conversation.heights,
                &self.state.nick,
                marks,
                scroll,
            ) && let Some(c) = self.state.resend(i)
            {
                self.conversation.heights.invalidate();
                resend = Some(RoomAction::Send(c));
            }
        });
        resend
    }

    /// A member the door refused: a screen that says so (there is no
    /// room to show). One the host put out: a banner above what was said.
    /// Nothing retries by itself. Whether the screen took the window, and
    /// what the user asked for.
    fn ended_ui(&mut self, ui: &mut Ui) -> (Shown, Option<RoomAction>) {
        let Status::Disconnected { reason, kind } = &self.state.status else {
            return (Shown::Room, None);
        };
        let Some((heading, detail)) = crate::ui::door_view::ended_words(*kind, reason) else {
            return (Shown::Room, None);
        };
        if self.state.role != Role::Member {
            return (Shown::Room, None);
        }
        let mut back = false;
        if *kind == DisconnectKind::Removed {
            egui::Panel::top("removed_banner")
                .frame(
                    egui::Frame::side_top_panel(ui.style())
                        .fill(banner_fill(ui.visuals()))
                        .inner_margin(egui::Margin::symmetric(10, 8)),
                )
                .show(ui, |ui| {
                    back = crate::ui::door_view::ended_ui(ui, &heading, detail.as_deref());
                });
            return (Shown::Room, back.then_some(RoomAction::BackToStart));
        }
        let frame = crate::ui::backdrop::central_panel(ui.style());
        egui::CentralPanel::default().frame(frame).show(ui, |ui| {
            ui.vertical_centered(|ui| {
                ui.set_max_width(640.0);
                ui.add_space(40.0);
                back = crate::ui::door_view::ended_ui(ui, &heading, detail.as_deref());
            });
        });
        (Shown::Screen, back.then_some(RoomAction::BackToStart))
    }

    /// The host's lobby, above the conversation: each knocking member with
    /// Let in and Refuse. A member waiting in a lobby: a banner that says so.
    fn lobby_ui(&mut self, ui: &mut Ui) -> Option<DoorCommand> {
        let mut asked = None;
        let fill = crate::ui::door_view::lobby_fill(ui.visuals());
        let frame = egui::Frame::side_top_panel(ui.style())
            .fill(fill)
            .inner_margin(egui::Margin::symmetric(10, 8));
        if let Status::Waiting { text } = &self.state.status {
            egui::Panel::top("waiting_banner")
                .frame(frame)
                .show(ui, |ui| {
                    crate::ui::door_view::waiting_ui(ui, text, &self.state);
                });
        }
        let view = self.state.door.view.as_ref()?;
        if self.state.role != Role::Host || view.knocking.is_empty() {
            return None;
        }
        egui::Panel::top("lobby").frame(frame).show(ui, |ui| {
            asked = crate::ui::door_view::lobby_ui(ui, view);
        });
        asked
    }

    fn shortcuts_window(&mut self, ui: &Ui) {
        if !self.open.shortcuts {
            return;
        }
        let mut open = true;
        egui::Window::new(tr!("room-shortcuts-title"))
            .id(egui::Id::unique("keyboard_shortcuts"))
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ui.ctx(), |ui| {
                egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
                    for (keys, what) in shortcuts() {
                        ui.label(egui::RichText::new(keys).monospace());
                        ui.label(what);
                        ui.end_row();
                    }
                });
            });
        self.open.shortcuts = open;
    }

    /// The windows over the room (shortcuts, details); returns what the
    /// details asked for.
    fn details_window(&mut self, ui: &Ui) -> Option<RoomAction> {
        self.shortcuts_window(ui);
        if !self.open.details {
            return None;
        }
        let mut open = true;
        let asked = self.details.window(ui.ctx(), &self.state, &mut open);
        self.open.details = open;
        asked.map(|DetailsAction::SaveChain| RoomAction::SaveChain)
    }

    /// While the connection is down: why, when the next attempt is, and a
    /// way to try at once. Redraws once a second for the countdown, and
    /// not otherwise.
    fn banner_ui(&mut self, ui: &mut Ui) -> Option<RoomAction> {
        let mut action = None;
        let countdown = self.state.reconnect_countdown(Instant::now())?;
        let when = match countdown.seconds() {
            0 => tr!("room-reconnecting-now"),
            n => tr!("room-reconnecting-in", seconds = n),
        };
        // After the drop, why it dropped; after a failed attempt, why that failed.
        let (reason, attempt) = (countdown.reason, countdown.attempt);
        let text = if attempt > 1 {
            let when = when.as_str();
            tr!(
                "room-still-not-connected",
                reason = reason,
                when = when,
                attempt = attempt
            )
        } else {
            tr!("room-lost-banner", reason = reason, when = when)
        };
        if let Some(tick) = countdown.next_tick() {
            ui.ctx().request_repaint_after(tick);
        }
        ui.horizontal(|ui| {
            if ui.button(tr!("room-reconnect-now")).clicked() {
                self.state.reconnect_now();
                action = Some(RoomAction::ReconnectNow);
            }
            ui.add(
                egui::Label::new(
                    RichText::new(text)
                        .strong()
                        .color(ui.visuals().warn_fg_color),
                )
                .wrap(),
            );
        });
        ui.label(RichText::new(tr!("room-keep-writing")).weak());
        action
    }

    fn address_bar_ui(
        &mut self,
        ui: &mut Ui,
        service: crate::notify::Service,
    ) -> Option<RoomAction> {
        let mut action = None;
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            let (icon, color) = match &self.state.status {
                _ if self.state.is_verified() => ("🔒", Color32::from_rgb(40, 160, 80)),
                Status::Connected => ("⚠", Color32::from_rgb(220, 150, 20)),
                Status::Untrusted(_) => ("⚠", ui.visuals().error_fg_color),
                Status::Connecting | Status::Waiting { .. } => {
                    ("⏳", ui.visuals().weak_text_color())
                }
                Status::Reconnecting { .. } => ("⏳", ui.visuals().warn_fg_color),
                Status::Disconnected { .. } => ("⛔", ui.visuals().weak_text_color()),
            };
            let text = format!(
                "{icon} {}   {}",
                self.state.target,
                self.state.status_text()
            );
            // The bar takes what the buttons leave, and cuts its text short
            // in a narrow window rather than run under them.
            let bar = egui::Button::new(RichText::new(text).color(color).size(15.0)).truncate();
            let width = (ui.available_width() - 230.0).max(120.0);
            if ui
                .add_sized([width, 26.0], bar)
                .on_hover_text(tr!("room-details-hover"))
                .clicked()
            {
                self.open.details = !self.open.details;
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                // What is used now and then goes in one menu, so that the
                // address bar keeps its room in a narrow window.
                ui.menu_button(tr!("room-menu"), |ui| {
                    if ui.button(tr!("room-menu-find")).clicked() {
                        self.search.open();
                        ui.close();
                    }
                    if ui
                        .button(tr!("room-menu-save"))
                        .on_hover_text(tr!("room-menu-save-hover"))
                        .clicked()
                    {
                        action = Some(RoomAction::SaveConversation);
                        ui.close();
                    }
                    if ui.button(tr!("room-menu-shortcuts")).clicked() {
                        self.open.shortcuts = true;
                        ui.close();
                    }
                    ui.separator();
                    crate::ui::settings::settings_ui(ui, service);
                })
                .response
                .on_hover_text(tr!("room-menu-hover"));
                if ui
                    .button(tr!("room-leave"))
                    .on_hover_text(tr!("room-leave-hover"))
                    .clicked()
                {
                    action = Some(RoomAction::BackToStart);
                }
                let asked = self.session_button_ui(ui);
                action = action.take().or(asked);
            });
        });
        if self.state.role == Role::Host
            && let Some(leaf) = self.state.own_chain.first()
        {
            crate::ui::invite_panel::invite_panel_ui(ui, leaf, &self.state.invites);
        }
        ui.add_space(4.0);
        action
    }

    /// The member list; the host's right-click on a member opens Kick…,
    /// Ban… and Mute/Unmute (never on its own row).
    /// Reconnect after a disconnect; nothing to do after a refusal (the
    /// warning has its own ways out) but leave, nor after the door stayed
    /// shut or the host put us out. Close room or Disconnect while it runs.
    fn session_button_ui(&self, ui: &mut Ui) -> Option<RoomAction> {
        let disconnected = matches!(self.state.status, Status::Disconnected { .. });
        let retry = disconnected
            && !matches!(
                self.state.status,
                Status::Disconnected {
                    kind: DisconnectKind::Refused | DisconnectKind::Removed,
                    ..
                }
            );
        let session_over = disconnected || matches!(self.state.status, Status::Untrusted(_));
        match (&self.state.role, session_over, &self.join) {
            (Role::Member, true, Some(join))
                if retry && ui.button(tr!("room-reconnect")).clicked() =>
            {
                Some(RoomAction::Reconnect(Box::new(join.clone())))
            }
            (Role::Host, false, _) if ui.button(tr!("room-close-room")).clicked() => {
                Some(RoomAction::Disconnect)
            }
            (Role::Member, false, _) if ui.button(tr!("room-disconnect")).clicked() => {
                Some(RoomAction::Disconnect)
            }
            _ => None,
        }
    }

    /// The top of the room: the address bar and (host) the invite panel
    /// and the door.
    fn top_ui(&mut self, ui: &mut Ui, service: crate::notify::Service) -> Vec<RoomAction> {
        let mut actions: Vec<RoomAction> = Vec::new();
        egui::Panel::top("address_bar")
            .frame(crate::ui::backdrop::side_panel(ui.style()))
            .show(ui, |ui| {
                actions.extend(self.address_bar_ui(ui, service));
                if self.state.role == Role::Host {
                    let asked = self.door.ui(ui, &mut self.state.door);
                    actions.extend(asked.into_iter().map(RoomAction::Door));
                    ui.add_space(4.0);
                }
            });
        actions
    }

    fn members_ui(&mut self, ui: &mut Ui) -> Option<DoorCommand> {
        ui.heading(tr!("room-members", count = self.state.members.len()));
        if self.state.is_reconnecting() {
            ui.label(RichText::new(tr!("room-members-as-dropped")).weak());
        }
        if self.state.role == Role::Host && self.state.members.len() > 1 {
            ui.label(
                RichText::new(tr!("room-members-right-click"))
                    .weak()
                    .small(),
            );
        }
        ui.separator();
        // Keys and identities matter once members have them; where nobody
        // has one, "no key" under every name is just noise.
        let identities = self
            .state
            .members
            .iter()
            .any(|m| m.identity.is_some() || m.key.is_some());
        // One line per name (and one per identity), so that only the rows in
        // view are laid out: a room of 10,000 costs what a room of 30 does.
        let mut row_height = ui.text_style_height(&egui::TextStyle::Body);
        if identities {
            row_height +=
                ui.spacing().item_spacing.y + ui.text_style_height(&egui::TextStyle::Small);
        }
        let mut asked = None;
        let state = &self.state;
        let door = &mut self.door;
        let names = &mut self.names;
        names.begin(ui);
        let colors = crate::ui::galleys::colors_key(ui.visuals());
        egui::ScrollArea::vertical()
            .id_salt("members_list")
            .show_rows(ui, row_height, state.members.len(), |ui, rows| {
                let width = ui.available_width();
                for m in &state.members[rows] {
                    let muted = state.door.is_muted(m);
                    let text = member_words(m, Some(m.id) == state.me, muted);
                    // Laid out (cut short with "…" to the list's width)
                    // only when the name, the width or the colours change.
                    let key =
                        crate::ui::galleys::key_of(&(&text, m.is_host, width.to_bits(), colors));
                    let galley = names.get(m.id, key, || {
                        let rich = if m.is_host {
                            RichText::new(text).strong()
                        } else {
                            RichText::new(text)
                        };
                        let wrap = Some(egui::TextWrapMode::Truncate);
                        let galley = egui::WidgetText::from(rich).into_galley(
                            ui,
                            wrap,
                            width,
                            egui::TextStyle::Body,
                        );
                        (galley, false)
                    });
                    let label = egui::Label::new(galley.galley.clone());
                    let others = state.role == Role::Host && !m.is_host && Some(m.id) != state.me;
                    if others {
                        let r = ui.add(label.sense(egui::Sense::click()));
                        r.context_menu(|ui| {
                            asked = door.member_menu_ui(ui, m, &state.door).or(asked.take());
                        });
                    } else {
                        ui.add(label);
                    }
                    if identities {
                        key_line_ui(ui, m);
                    }
                }
            });
        asked
    }

    fn composer_ui(&mut self, ui: &mut Ui, around: Surroundings) -> Option<RoomAction> {
        let mut action = None;
        ui.add_space(6.0);
        let blocked = self.state.send_blocked_reason();
        if let Some(reason) = &blocked {
            ui.colored_label(ui.visuals().warn_fg_color, reason);
        }
        if let Some(status) = &self.composer.status {
            ui.label(RichText::new(status).weak());
        }
        let id = egui::Id::unique(COMPOSER_ID);
        let connected = blocked.is_none();
        // Up in an empty message box puts back the last line we wrote.
        let up = !around.modal
            && ui.memory(|m| m.has_focus(id))
            && self.state.draft.is_empty()
            && ui.input(|i| i.key_pressed(egui::Key::ArrowUp) && i.modifiers.is_none());
        if up && self.state.recall() {
            ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowUp));
            if let Some(mut state) = egui::TextEdit::load_state(ui.ctx(), id) {
                let end = egui::text::CCursor::new(self.state.draft.chars().count());
                state
                    .cursor
                    .set_char_range(Some(egui::text::CCursorRange::one(end)));
                egui::TextEdit::store_state(ui.ctx(), id, state);
            }
        }
        // Enter sends; Shift+Enter is left to the text box as a new line.
        let enter = connected && ui.memory(|m| m.has_focus(id)) && take_enter(ui, Enter::Plain);
        let mut send = enter;
        ui.horizontal(|ui| {
            let label = ui.label(tr!("room-message"));
            let edit = egui::TextEdit::multiline(&mut self.state.draft)
                .id(id)
                .desired_rows(2)
                .hint_text(tr!("room-message-hint"))
                .desired_width(ui.available_width() - 70.0);
            let response = ui.add(edit).labelled_by(label.id);
            let refocus = std::mem::take(&mut self.composer.refocus);
            if connected && (!self.composer.focused_once || refocus) {
                response.request_focus();
                self.composer.focused_once = true;
            }
            if !connected {
                self.composer.focused_once = false;
            }
            if ui
                .add_enabled(connected, egui::Button::new(tr!("room-send")))
                .clicked()
            {
                send = true;
                response.request_focus();
            }
        });
        if send && let Some(command) = self.state.compose() {
            self.composer.status = None;
            action = Some(RoomAction::Send(command));
        }
        // What we write is read at the bottom, however far up we were.
        self.conversation.scroll_to_end |= send;
        ui.add_space(6.0);
        action
    }
}

/// The reconnecting banner's background: the warning colour, faint.
fn banner_fill(visuals: &egui::Visuals) -> Color32 {
    let warn = visuals.warn_fg_color;
    let base = visuals.panel_fill;
    let mix = |a: u8, b: u8| ((u16::from(a) * 3 + u16::from(b)) / 4) as u8;
    Color32::from_rgb(
        mix(base.r(), warn.r()),
        mix(base.g(), warn.g()),
        mix(base.b(), warn.b()),
    )
}

/// A member's row in the list: its name, and whether it is the host, us,
/// a plain-text client, muted.
fn member_words(m: &MemberInfo, us: bool, muted: bool) -> String {
    let mut text = m.nick.clone();
    if m.is_host {
        text = tr!("room-member-host", name = text);
    }
    if us {
        text = tr!("room-member-you", name = text);
    }
    if m.plain_text {
        text = tr!("room-member-plain", name = text);
    }
    if muted {
        text = tr!("room-member-muted", name = text);
    }
    text
}

/// Under a member's name: its client CA identity, or the short safety code
/// of its key (the whole code and fingerprint on hover), or that it has no
/// key. Nothing under the host's (its certificate is the room's).
fn key_line_ui(ui: &mut Ui, m: &MemberInfo) {
    let text = match (&m.identity, &m.key, m.is_host) {
        (_, _, true) => RichText::new(" ").small(),
        (Some(id), _, false) => RichText::new(format!("🔑 {id}")).small(),
        (None, Some(key), false) => {
            RichText::new(format!("🔑 {}", crate::net::safety::short_safety_code(key)))
                .small()
                .monospace()
        }
        (None, None, false) => RichText::new(tr!("room-no-key")).small().weak(),
    };
    let r = ui.add(egui::Label::new(text).truncate());
    if let (Some(key), false) = (&m.key, m.is_host) {
        r.on_hover_text(crate::ui::door::key_details(key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::MemberInfo;
    use egui_kittest::{Harness, kittest::Queryable as _};

    #[test]
    fn a_big_member_list_lays_out_only_the_names_in_view() {
        let mut state = RoomModel::new(Role::Host, "127.0.0.1:7463".into(), "hana".into());
        state.members = (0..5000)
            .map(|i| MemberInfo {
                id: i,
                nick: if i == 0 {
                    "hana".into()
                } else {
                    format!("guest-{i}")
                },
                is_host: i == 0,
                plain_text: i > 0,
                identity: None,
                key: None,
            })
            .collect();
        let h = harness(state);
        assert!(h.query_by_label("Members (5000)").is_some());
        assert!(h.query_by_label("guest-1 · plain text").is_some());
        assert!(
            h.query_by_label("guest-4000 · plain text").is_none(),
            "a name far out of view was laid out"
        );
        // Only the names in view were laid out, and frames that change
        // nothing lay none out again.
        let first = h.state().names.laid_out();
        assert!((10..=60).contains(&first), "{first} names laid out");
        let mut h = h;
        h.run_steps(20);
        assert_eq!(
            h.state().names.laid_out(),
            first,
            "names were laid out again"
        );
        // A member who changes name is laid out again, alone.
        h.state_mut().state.members[1].nick = "ana".into();
        h.run();
        assert!(h.query_by_label("ana · plain text").is_some());
        assert_eq!(h.state().names.laid_out(), first + 1);
    }

    /// A 900×600 window drawing a view over `state`, after its first frame.
    fn harness(state: RoomModel) -> Harness<'static, RoomView> {
        let mut h = Harness::builder()
            .with_size(egui::vec2(900.0, 600.0))
            .build_ui_state(
                |ui, view: &mut RoomView| {
                    view.ui(
                        ui,
                        Surroundings {
                            modal: false,
                            notify_service: crate::notify::Service::Unknown,
                        },
                    );
                },
                RoomView::new(state, None),
            );
        h.run();
        h
    }

    /// A host's room view, in the room, with `n` messages from ana.
    fn busy_room(n: u64) -> Harness<'static, RoomView> {
        use crate::net::{MessageEvent, NetEvent};
        let mut state = RoomModel::new(Role::Host, "127.0.0.1:7463".into(), "hana".into());
        state.apply(NetEvent::Listening {
            addr: "127.0.0.1:7463".parse().unwrap(),
            chain: vec![],
            invites: vec![],
        });
        state.apply(NetEvent::Joined {
            you: 0,
            nick: "hana".into(),
            members: vec![],
            total: 1,
        });
        for seq in 1..=n {
            state.apply(NetEvent::Message(MessageEvent {
                seq,
                from: Some(1),
                nick: "ana".into(),
                text: if seq == 1 {
                    "the very first line".into()
                } else {
                    format!("message number {seq}")
                },
                time_ms: 1_780_000_000_000 + seq * 1000,
                own: false,
                history: false,
            }));
        }
        harness(state)
    }

    #[test]
    fn with_a_hundred_thousand_lines_only_the_lines_in_view_are_laid_out_and_only_once() {
        let mut h = busy_room(100_000);
        let laid_out =
            |h: &Harness<'static, RoomView>| h.state().conversation.heights.galleys().laid_out();
        // A 600-point window shows some twenty lines.
        let first = laid_out(&h);
        assert!((10..=60).contains(&first), "{first} lines laid out");
        // Frames that change nothing lay nothing out again.
        h.run_steps(20);
        assert_eq!(laid_out(&h), first, "lines in view were laid out again");
        // A page up lays out about a page of lines.
        h.get_by_label("Message").focus();
        h.key_press(egui::Key::PageUp);
        h.run();
        let paged = laid_out(&h) - first;
        assert!(
            (5..=60).contains(&paged),
            "{paged} lines laid out for a page"
        );
        // A new width lays out what is in view again, and only that.
        let before = laid_out(&h);
        h.set_size(egui::vec2(700.0, 600.0));
        h.run();
        let resized = laid_out(&h) - before;
        assert!(
            (10..=120).contains(&resized),
            "{resized} lines laid out for a new width"
        );
    }

    #[test]
    fn page_up_and_down_scroll_by_a_page_even_from_the_message_box() {
        let mut h = busy_room(300);
        let bottom = h.state().conversation.heights.offset();
        assert!(bottom > 2000.0, "{bottom}");
        h.get_by_label("Message").focus();
        h.run();
        assert!(h.get_by_label("Message").is_focused());
        h.key_press(egui::Key::PageUp);
        h.run();
        let up = h.state().conversation.heights.offset();
        // A page of a 600-point window, less what the panels take.
        assert!(
            up < bottom - 250.0 && up > bottom - 600.0,
            "{bottom} → {up}"
        );
        h.key_press(egui::Key::PageUp);
        h.run();
        let up2 = h.state().conversation.heights.offset();
        assert!(up2 < up - 250.0, "{up} → {up2}");
        assert!(h.get_by_label("Message").is_focused(), "the focus stays");
        h.key_press(egui::Key::PageDown);
        h.run();
        let down = h.state().conversation.heights.offset();
        assert!(down > up2 + 250.0, "{up2} → {down}");
        assert!(
            h.query_by_label_contains("message number 300").is_none(),
            "not at the bottom yet"
        );
        for _ in 0..2 {
            h.key_press(egui::Key::PageDown);
            h.run();
        }
        assert!(
            h.query_by_label_contains("message number 300").is_some(),
            "back at the bottom: {}",
            h.state().conversation.heights.offset()
        );
    }

    #[test]
    fn sending_scrolls_back_to_the_newest_line() {
        let mut h = busy_room(300);
        h.get_by_label("Message").focus();
        h.run();
        for _ in 0..3 {
            h.key_press(egui::Key::PageUp);
            h.run();
        }
        assert!(h.query_by_label_contains("message number 300").is_none());
        h.get_by_label("Message").type_text("I am back");
        h.key_press(egui::Key::Enter);
        h.run();
        assert!(h.query_by_label_contains("I am back").is_some());
        assert!(h.query_by_label_contains("message number 300").is_some());
    }

    #[test]
    fn a_search_scrolls_to_its_match_and_marks_it() {
        let mut h = busy_room(300);
        assert!(h.query_by_label_contains("the very first line").is_none());
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
        h.run();
        h.get_by_label("Find").type_text("VERY first");
        h.run();
        assert!(h.query_by_label("1 of 1").is_some());
        assert!(
            h.query_by_label_contains("the very first line").is_some(),
            "scrolled to the match"
        );
        assert!(h.state().conversation.heights.offset() < 100.0);
        assert_eq!(h.state().search.current_found().map(|f| f.line), Some(1));
        // Esc closes the search; the marks go with it.
        h.key_press(egui::Key::Escape);
        h.run();
        assert!(!h.state().search.open);
        assert!(h.state().search.found().is_empty());
    }

    #[test]
    fn a_replay_of_ten_thousand_messages_comes_in_without_a_long_frame() {
        use crate::net::{MessageEvent, NetEvent};
        use crate::ui::app::EVENTS_PER_FRAME;
        let mut state = RoomModel::new(Role::Host, "127.0.0.1:7463".into(), "hana".into());
        state.apply(NetEvent::Listening {
            addr: "127.0.0.1:7463".parse().unwrap(),
            chain: vec![],
            invites: vec![],
        });
        let mut h = harness(state);
        // As the app takes them in: at most EVENTS_PER_FRAME, then a frame.
        let n = 10_000u64;
        let mut events = (1..=n).map(|seq| {
            NetEvent::Message(MessageEvent {
                seq,
                from: Some(seq % 7),
                nick: format!("member-{}", seq % 7),
                text: format!("stored message {seq} ").repeat(1 + (seq % 5) as usize),
                time_ms: 1_780_000_000_000 + seq * 1000,
                own: seq % 7 == 0,
                history: true,
            })
        });
        let mut slowest = std::time::Duration::ZERO;
        loop {
            let chunk: Vec<NetEvent> = events.by_ref().take(EVENTS_PER_FRAME).collect();
            if chunk.is_empty() {
                break;
            }
            let started = std::time::Instant::now();
            for e in chunk {
                h.state_mut().state.apply(e);
            }
            h.step();
            slowest = slowest.max(started.elapsed());
        }
        h.state_mut().state.apply(NetEvent::HistoryEnd {
            count: n,
            missed: 0,
            resumed: false,
        });
        // Measured heights correct the estimates over a few frames.
        h.run_steps(10);
        assert_eq!(h.state().state.lines.len(), 10_001);
        assert!(h.query_by_label("10,000 earlier messages").is_some());
        assert!(
            h.query_by_label_contains("stored message 10000").is_some(),
            "the newest is in view"
        );
        assert!(
            h.query_by_label_contains("stored message 5000 ").is_none(),
            "a message far out of view was laid out"
        );
        // Generous for a debug build on a busy machine; a frame that laid
        // out the whole history would take seconds.
        eprintln!("slowest frame taking in {EVENTS_PER_FRAME} events: {slowest:?}");
        assert!(
            slowest < std::time::Duration::from_millis(500),
            "{slowest:?}"
        );
    }
}
