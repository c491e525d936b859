//! The room: an address bar that tells the truth about the connection, the
//! members, the conversation and the message box.

use std::time::Instant;

use egui::{Color32, RichText, Ui};

use crate::net::{JoinConfig, SessionCommand};
use crate::ui::conversation::{HeightCache, conversation_ui};
use crate::ui::state::{Role, RoomState, Status};

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
}

/// One open room and the view's own state.
pub struct RoomView {
    /// The room.
    pub state: RoomState,
    /// How we joined (to reconnect, or proceed with an exception).
    pub join: Option<JoinConfig>,
    /// Whether the connection and certificate window is open.
    pub details_open: bool,
    /// Whether the list of keyboard shortcuts (F1) is open.
    pub shortcuts_open: bool,
    /// Which certificate of the chain is shown.
    pub selected_cert: usize,
    /// Whether the interstitial's "Advanced" part is open.
    pub advanced: bool,
    /// Where "Save chain" writes.
    pub export_path: String,
    /// The last export's outcome.
    pub export_result: Option<String>,
    heights: HeightCache,
    focused_once: bool,
}

const COMPOSER_ID: &str = "composer";

/// What the F1 list says.
const SHORTCUTS: &[(&str, &str)] = &[
    ("Enter", "send the message"),
    ("Shift+Enter", "start a new line"),
    (
        "Esc",
        "close the window on top (these shortcuts, the connection details)",
    ),
    ("F1", "show or hide these shortcuts"),
    ("/nick NAME", "ask the room for a new name"),
    ("/me TEXT", "say an action"),
    ("/who", "list who is here"),
    ("/help", "list the commands"),
    ("//text", "send a message that starts with /"),
];

/// Takes an Enter press without modifiers out of this frame's input, so the
/// text box does not also insert a newline. (egui's `consume_key` matches
/// "logically" and would take Shift+Enter too.)
fn take_plain_enter(ui: &Ui) -> bool {
    ui.input_mut(|i| {
        let at = i.events.iter().position(|e| {
            matches!(e, egui::Event::Key { key: egui::Key::Enter, pressed: true, modifiers, .. }
                if !modifiers.shift && !modifiers.alt && !modifiers.ctrl && !modifiers.command)
        });
        at.map(|at| i.events.remove(at)).is_some()
    })
}

impl RoomView {
    /// A view over a new room.
    #[must_use]
    pub fn new(state: RoomState, join: Option<JoinConfig>) -> Self {
        Self {
            state,
            join,
            details_open: false,
            shortcuts_open: false,
            selected_cert: 0,
            advanced: false,
            export_path: String::new(),
            export_result: None,
            heights: HeightCache::default(),
            focused_once: false,
        }
    }

    /// Draws the room; returns what the user asked for.
    pub fn ui(&mut self, ui: &mut Ui) -> Option<RoomAction> {
        let mut action = None;
        // F1 shows the shortcuts; Esc closes the window on top (the
        // shortcuts, else the details).
        let (escape, help) = ui.input(|i| {
            (
                i.key_pressed(egui::Key::Escape),
                i.key_pressed(egui::Key::F1),
            )
        });
        if help {
            self.shortcuts_open = !self.shortcuts_open;
        } else if escape && self.shortcuts_open {
            self.shortcuts_open = false;
        } else if escape {
            self.details_open = false;
        }
        egui::Panel::top("address_bar").show(ui, |ui| {
            action = action.take().or(self.address_bar_ui(ui));
        });
        if let Status::Untrusted(u) = &self.state.status {
            let u = u.clone();
            egui::CentralPanel::default().show(ui, |ui| {
                // A readable column, like a browser's warning page.
                let side = ((ui.available_width() - 720.0) / 2.0).max(0.0);
                ui.horizontal_top(|ui| {
                    ui.add_space(side);
                    ui.vertical(|ui| {
                        ui.set_max_width(720.0);
                        action = crate::ui::interstitial::interstitial_ui(ui, &u, self);
                    });
                });
            });
            self.details_window(ui);
            return action;
        }
        if self.state.is_reconnecting() {
            egui::Panel::top("reconnect_banner")
                .frame(
                    egui::Frame::side_top_panel(ui.style())
                        .fill(banner_fill(ui.visuals()))
                        .inner_margin(egui::Margin::symmetric(10, 8)),
                )
                .show(ui, |ui| {
                    action = action.take().or(self.banner_ui(ui));
                });
        }
        egui::Panel::right("members")
            .resizable(true)
            .default_size(190.0)
            .show(ui, |ui| {
                self.members_ui(ui);
            });
        egui::Panel::bottom("composer_panel").show(ui, |ui| {
            action = action.take().or(self.composer_ui(ui));
        });
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(i) =
                conversation_ui(ui, &self.state.lines, &mut self.heights, &self.state.nick)
                && let Some(c) = self.state.resend(i)
            {
                self.heights.invalidate();
                action = Some(RoomAction::Send(c));
            }
        });
        self.details_window(ui);
        action
    }

    fn shortcuts_window(&mut self, ui: &Ui) {
        if !self.shortcuts_open {
            return;
        }
        let mut open = true;
        egui::Window::new("Keyboard shortcuts")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ui.ctx(), |ui| {
                egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
                    for (keys, what) in SHORTCUTS {
                        ui.label(egui::RichText::new(*keys).monospace());
                        ui.label(*what);
                        ui.end_row();
                    }
                });
            });
        self.shortcuts_open = open;
    }

    fn details_window(&mut self, ui: &Ui) {
        self.shortcuts_window(ui);
        if self.details_open {
            let mut open = true;
            egui::Window::new("Connection and certificate")
                .open(&mut open)
                .default_width(620.0)
                .default_height(520.0)
                .vscroll(true)
                .show(ui.ctx(), |ui| crate::ui::cert_view::details_ui(ui, self));
            self.details_open = open;
        }
    }

    /// While the connection is down: why, when the next attempt is, and a
    /// way to try at once. Redraws once a second for the countdown, and
    /// not otherwise.
    fn banner_ui(&mut self, ui: &mut Ui) -> Option<RoomAction> {
        let mut action = None;
        let countdown = self.state.reconnect_countdown(Instant::now())?;
        let when = match countdown.seconds() {
            0 => "reconnecting now…".to_string(),
            n => format!("reconnecting in {n} s"),
        };
        // After the drop, why it dropped; after a failed attempt, why that failed.
        let text = if countdown.attempt > 1 {
            format!(
                "Still not connected: {} — {when} (attempt {})",
                countdown.reason, countdown.attempt
            )
        } else {
            format!("Connection lost: {} — {when}", countdown.reason)
        };
        if let Some(tick) = countdown.next_tick() {
            ui.ctx().request_repaint_after(tick);
        }
        ui.horizontal(|ui| {
            if ui.button("Reconnect now").clicked() {
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
        ui.label(
            RichText::new(
                "You can keep writing: messages you send now wait, and go out once the \
                 connection is back.",
            )
            .weak(),
        );
        action
    }

    fn address_bar_ui(&mut self, ui: &mut Ui) -> Option<RoomAction> {
        let mut action = None;
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            let (icon, color) = match &self.state.status {
                _ if self.state.is_verified() => ("🔒", Color32::from_rgb(40, 160, 80)),
                Status::Connected => ("⚠", Color32::from_rgb(220, 150, 20)),
                Status::Untrusted(_) => ("⚠", ui.visuals().error_fg_color),
                Status::Connecting => ("⏳", ui.visuals().weak_text_color()),
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
            let width = (ui.available_width() - 170.0).max(120.0);
            if ui
                .add_sized([width, 26.0], bar)
                .on_hover_text("Connection and certificate details")
                .clicked()
            {
                self.details_open = !self.details_open;
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .button("Leave")
                    .on_hover_text("Back to the start screen")
                    .clicked()
                {
                    action = Some(RoomAction::BackToStart);
                }
                // Reconnect after a disconnect; nothing to do after a refusal
                // (the warning has its own ways out) but leave.
                let disconnected = matches!(self.state.status, Status::Disconnected { .. });
                let session_over =
                    disconnected || matches!(self.state.status, Status::Untrusted(_));
                match (&self.state.role, session_over, &self.join) {
                    (Role::Member, true, Some(join))
                        if disconnected && ui.button("Reconnect").clicked() =>
                    {
                        action = Some(RoomAction::Reconnect(Box::new(join.clone())));
                    }
                    (Role::Host, false, _) if ui.button("Close room").clicked() => {
                        action = Some(RoomAction::Disconnect);
                    }
                    (Role::Member, false, _) if ui.button("Disconnect").clicked() => {
                        action = Some(RoomAction::Disconnect);
                    }
                    _ => {}
                }
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

    fn members_ui(&self, ui: &mut Ui) {
        ui.heading(format!("Members ({})", self.state.members.len()));
        if self.state.is_reconnecting() {
            ui.label(RichText::new("as they were when the connection dropped").weak());
        }
        ui.separator();
        // Identities matter in rooms that use client certificates; where
        // nobody has one, "no certificate" under every name is just noise.
        let identities = self.state.members.iter().any(|m| m.identity.is_some());
        // One line per name (and one per identity), so that only the rows in
        // view are laid out: a room of 10,000 costs what a room of 30 does.
        let mut row_height = ui.text_style_height(&egui::TextStyle::Body);
        if identities {
            row_height +=
                ui.spacing().item_spacing.y + ui.text_style_height(&egui::TextStyle::Small);
        }
        egui::ScrollArea::vertical()
            .id_salt("members_list")
            .show_rows(ui, row_height, self.state.members.len(), |ui, rows| {
                for m in &self.state.members[rows] {
                    let mut text = m.nick.clone();
                    if m.is_host {
                        text.push_str(" (host)");
                    }
                    if Some(m.id) == self.state.me {
                        text.push_str(" (you)");
                    }
                    if m.plain_text {
                        text.push_str(" · plain text");
                    }
                    let rich = if m.is_host {
                        RichText::new(text).strong()
                    } else {
                        RichText::new(text)
                    };
                    ui.add(egui::Label::new(rich).truncate());
                    if identities {
                        let identity = match (&m.identity, m.is_host) {
                            (_, true) => RichText::new(" ").small(),
                            (Some(id), false) => RichText::new(format!("🔑 {id}")).small(),
                            (None, false) => RichText::new("no certificate").small().weak(),
                        };
                        ui.add(egui::Label::new(identity).truncate());
                    }
                }
            });
    }

    fn composer_ui(&mut self, ui: &mut Ui) -> Option<RoomAction> {
        let mut action = None;
        ui.add_space(6.0);
        let blocked = self.state.send_blocked_reason();
        if let Some(reason) = &blocked {
            ui.colored_label(ui.visuals().warn_fg_color, reason);
        }
        let id = egui::Id::unique(COMPOSER_ID);
        let connected = blocked.is_none();
        // Enter sends; Shift+Enter is left to the text box as a new line.
        let enter = connected && ui.memory(|m| m.has_focus(id)) && take_plain_enter(ui);
        let mut send = enter;
        ui.horizontal(|ui| {
            let label = ui.label("Message");
            let edit = egui::TextEdit::multiline(&mut self.state.draft)
                .id(id)
                .desired_rows(2)
                .hint_text("Write a message — Enter sends, Shift+Enter starts a new line")
                .desired_width(ui.available_width() - 70.0);
            let response = ui.add(edit).labelled_by(label.id);
            if connected && !self.focused_once {
                response.request_focus();
                self.focused_once = true;
            }
            if !connected {
                self.focused_once = false;
            }
            if ui
                .add_enabled(connected, egui::Button::new("Send"))
                .clicked()
            {
                send = true;
                response.request_focus();
            }
        });
        if send && let Some(command) = self.state.compose() {
            action = Some(RoomAction::Send(command));
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::MemberInfo;
    use egui_kittest::{Harness, kittest::Queryable as _};

    #[test]
    fn a_big_member_list_lays_out_only_the_names_in_view() {
        let mut state = RoomState::new(Role::Host, "127.0.0.1:7463".into(), "hana".into());
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
            })
            .collect();
        let view = RoomView::new(state, None);
        let mut h = Harness::builder()
            .with_size(egui::vec2(900.0, 600.0))
            .build_ui_state(
                |ui, view: &mut RoomView| {
                    view.ui(ui);
                },
                view,
            );
        h.run();
        assert!(h.query_by_label("Members (5000)").is_some());
        assert!(h.query_by_label("guest-1 · plain text").is_some());
        assert!(
            h.query_by_label("guest-4000 · plain text").is_none(),
            "a name far out of view was laid out"
        );
    }

    #[test]
    fn a_replay_of_ten_thousand_messages_comes_in_without_a_long_frame() {
        use crate::net::{MessageEvent, NetEvent};
        use crate::ui::app::EVENTS_PER_FRAME;
        let mut state = RoomState::new(Role::Host, "127.0.0.1:7463".into(), "hana".into());
        state.apply(NetEvent::Listening {
            addr: "127.0.0.1:7463".parse().unwrap(),
            chain: vec![],
            invites: vec![],
        });
        let mut h = Harness::builder()
            .with_size(egui::vec2(900.0, 600.0))
            .build_ui_state(
                |ui, view: &mut RoomView| {
                    view.ui(ui);
                },
                RoomView::new(state, None),
            );
        h.run();
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
