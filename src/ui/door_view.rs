//! The room's door in the window (issue 20). The host's side: who may come
//! in, "New invite" (uses, expiry) with the new links shown once, the open
//! invitations to revoke, the bans to lift, each knocking member with
//! **Let in** / **Refuse**, and the member list's Kick…, Ban… and
//! Mute/Unmute with a confirmation. The member's side: the screen that says
//! the host refused it or put it out (and that nothing retries by itself).
//!
//! Views return [`DoorCommand`]s for the app to send; they never send
//! anything themselves. Nicknames come safe to show from the net layer and
//! are drawn as text.

use egui::{Color32, RichText, Ui};

use crate::net::door::Access;
use crate::net::{DisconnectKind, DoorCommand, DoorView, MemberInfo};
use crate::tr;
use crate::ui::door::{
    DoorModel, ban_target_words, expiry_words, key_details, key_words, uses_words,
};

/// How many members a new invitation admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uses {
    /// One.
    Single,
    /// As many as [`NewInvite::count`].
    Count,
    /// Any number, until it expires or is revoked.
    Any,
}

/// How long a new invitation works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// One hour.
    Hour,
    /// A day.
    Day,
    /// A week.
    Week,
    /// Until revoked.
    Never,
}

impl Expiry {
    /// The hours it stands for (`None`: never).
    #[must_use]
    pub fn hours(self) -> Option<u32> {
        match self {
            Self::Hour => Some(1),
            Self::Day => Some(24),
            Self::Week => Some(7 * 24),
            Self::Never => None,
        }
    }

    fn label(self) -> String {
        match self {
            Self::Hour => tr!("door-expiry-hour"),
            Self::Day => tr!("door-expiry-day"),
            Self::Week => tr!("door-expiry-week"),
            Self::Never => tr!("door-expiry-never"),
        }
    }
}

/// The "New invite" form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewInvite {
    /// How many it admits.
    pub uses: Uses,
    /// The number for [`Uses::Count`].
    pub count: u32,
    /// How long it works.
    pub expiry: Expiry,
}

impl Default for NewInvite {
    fn default() -> Self {
        Self {
            uses: Uses::Single,
            count: 5,
            expiry: Expiry::Day,
        }
    }
}

impl NewInvite {
    /// The command that makes it.
    #[must_use]
    pub fn command(&self) -> DoorCommand {
        DoorCommand::Invite {
            uses: match self.uses {
                Uses::Single => Some(1),
                Uses::Count => Some(self.count.max(1)),
                Uses::Any => None,
            },
            hours: self.expiry.hours(),
        }
    }
}

/// Putting a member out, as the host asked for it from the member list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// It may come back.
    Kick,
    /// Its key (or address) is banned.
    Ban,
}

/// A kick or ban waiting for the host's confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Confirm {
    what: Removal,
    nick: String,
    reason: String,
    /// Whether the reason field took the keyboard once.
    focused: bool,
}

/// The door's view state (the host's window).
#[derive(Debug, Default)]
pub struct DoorPanel {
    /// The "New invite" form.
    pub form: NewInvite,
    /// A kick or ban being confirmed.
    confirm: Option<Confirm>,
}

/// What each kind of room says about its door.
fn access_words(access: Access) -> (String, String) {
    match access {
        Access::Open => (tr!("door-open"), tr!("door-open-hover")),
        Access::Knock => (tr!("door-knock"), tr!("door-knock-hover")),
        Access::Invite => (tr!("door-invite-only"), tr!("door-invite-only-hover")),
    }
}

impl DoorPanel {
    /// The host's door under its invite panel: the room's access, "New
    /// invite", the new links (once), the open invitations and the bans.
    pub fn ui(&mut self, ui: &mut Ui, door: &mut DoorModel) -> Vec<DoorCommand> {
        let mut asked = Vec::new();
        if let Some(access) = door.access() {
            let (line, hover) = access_words(access);
            let text = RichText::new(line).strong();
            let text = if access == Access::Open {
                text.color(ui.visuals().warn_fg_color)
            } else {
                text
            };
            ui.label(text).on_hover_text(hover);
        }
        asked.extend(self.new_invite_ui(ui));
        let done = made_ui(ui, door);
        // The lists are shown once the door is; the form works before.
        if let Some(view) = &door.view {
            ui.horizontal_wrapped(|ui| {
                asked.extend(invitations_ui(ui, door));
                asked.extend(bans_ui(ui, view));
            });
        }
        if done {
            door.dismiss_made();
        }
        asked
    }

    fn new_invite_ui(&mut self, ui: &mut Ui) -> Option<DoorCommand> {
        let form = &mut self.form;
        let mut asked = None;
        ui.horizontal_wrapped(|ui| {
            ui.label(tr!("door-new-invite-for"));
            ui.selectable_value(&mut form.uses, Uses::Single, tr!("door-one-member"));
            ui.selectable_value(&mut form.uses, Uses::Count, tr!("door-several"));
            let drag = ui.add(egui::DragValue::new(&mut form.count).range(2..=1000));
            let members = ui.label(tr!("door-members"));
            drag.clone().labelled_by(members.id);
            if drag.changed() {
                form.uses = Uses::Count;
            }
            ui.selectable_value(&mut form.uses, Uses::Any, tr!("door-anyone"));
            ui.separator();
            ui.label(tr!("door-expires-after"));
            for e in [Expiry::Hour, Expiry::Day, Expiry::Week, Expiry::Never] {
                ui.selectable_value(&mut form.expiry, e, e.label());
            }
            if ui
                .button(tr!("door-new-invite"))
                .on_hover_text(tr!("door-new-invite-hover"))
                .clicked()
            {
                asked = Some(form.command());
            }
        });
        asked
    }

    /// Kick…, Ban… and Mute/Unmute in a member's context menu (never the
    /// host's own row).
    pub fn member_menu_ui(
        &mut self,
        ui: &mut Ui,
        member: &MemberInfo,
        door: &DoorModel,
    ) -> Option<DoorCommand> {
        let mut asked = None;
        ui.label(RichText::new(&member.nick).strong());
        ui.separator();
        for (what, label) in [
            (Removal::Kick, tr!("door-kick-menu")),
            (Removal::Ban, tr!("door-ban-menu")),
        ] {
            if ui.button(label).clicked() {
                self.confirm = Some(Confirm {
                    what,
                    nick: member.nick.clone(),
                    reason: String::new(),
                    focused: false,
                });
                ui.close();
            }
        }
        if door.is_muted(member) {
            if ui.button(tr!("door-unmute")).clicked() {
                asked = Some(DoorCommand::Unmute(member.nick.clone()));
                ui.close();
            }
        } else if ui
            .button(tr!("door-mute"))
            .on_hover_text(tr!("door-mute-hover"))
            .clicked()
        {
            asked = Some(DoorCommand::Mute(member.nick.clone()));
            ui.close();
        }
        asked
    }

    /// The kick or ban being confirmed, over the room, with a reason to
    /// give; Esc or Cancel drops it.
    pub fn confirm_ui(&mut self, ctx: &egui::Context) -> Option<DoorCommand> {
        let confirm = self.confirm.as_mut()?;
        let mut asked = None;
        let mut close = false;
        let nick = confirm.nick.as_str();
        let (question, button, says) = match confirm.what {
            Removal::Kick => (
                tr!("door-kick-question", nick = nick),
                tr!("door-kick-button", nick = nick),
                tr!("door-kick-says"),
            ),
            Removal::Ban => (
                tr!("door-ban-question", nick = nick),
                tr!("door-ban-button", nick = nick),
                tr!("door-ban-says"),
            ),
        };
        let modal = egui::Modal::new(egui::Id::unique("door_confirm")).show(ctx, |ui| {
            ui.set_max_width(420.0);
            ui.heading(question);
            ui.label(says);
            ui.add_space(6.0);
            let label = ui.label(tr!("door-reason"));
            let r = ui
                .add(egui::TextEdit::singleline(&mut confirm.reason).desired_width(400.0))
                .labelled_by(label.id);
            if !std::mem::replace(&mut confirm.focused, true) {
                r.request_focus();
            }
            if r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                asked = Some(confirm.command());
            }
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                if ui.button(button).clicked() {
                    asked = Some(confirm.command());
                }
                if ui.button(tr!("door-cancel")).clicked() {
                    close = true;
                }
            });
        });
        if close || asked.is_some() || modal.should_close() {
            self.confirm = None;
        }
        asked
    }

    /// Whether a kick or ban is being confirmed (the room's shortcuts wait).
    #[must_use]
    pub fn confirming(&self) -> bool {
        self.confirm.is_some()
    }
}

impl Confirm {
    fn command(&self) -> DoorCommand {
        let nick = self.nick.clone();
        let reason = self.reason.trim().to_string();
        match self.what {
            Removal::Kick => DoorCommand::Kick { nick, reason },
            Removal::Ban => DoorCommand::Ban { nick, reason },
        }
    }
}

/// The invitation made last: its links with Copy, shown this once.
/// Whether the host put it away.
fn made_ui(ui: &mut Ui, door: &DoorModel) -> bool {
    let Some(made) = &door.made else {
        return false;
    };
    let mut done = false;
    egui::Frame::group(ui.style())
        .fill(ui.visuals().extreme_bg_color)
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(tr!("door-made", id = made.id)).strong());
                // Its terms, once the door lists it.
                let listed = door
                    .view
                    .as_ref()
                    .and_then(|v| v.invitations.iter().find(|i| i.id == made.id));
                if let Some(i) = listed {
                    let uses = uses_words(i.uses_left);
                    let expiry = expiry_words(i.expires_ms, crate::net::now_ms());
                    ui.label(tr!("door-made-terms", uses = uses, expiry = expiry));
                }
                ui.label(RichText::new(tr!("door-made-once")).color(ui.visuals().warn_fg_color));
                if ui
                    .small_button(tr!("door-done"))
                    .on_hover_text(tr!("door-done-hover"))
                    .clicked()
                {
                    done = true;
                }
            });
            for (i, invite) in made.invites.iter().enumerate() {
                ui.horizontal_wrapped(|ui| {
                    let link = invite.link();
                    ui.label(RichText::new(&link).monospace());
                    let label = if i == 0 {
                        tr!("door-copy-invite")
                    } else {
                        tr!("door-copy-invite-for", host = invite.host.as_str())
                    };
                    if ui.button(label).clicked() {
                        ui.ctx().copy_text(link);
                    }
                });
            }
        });
    done
}

/// At most this high, a list scrolls (and lays out only the rows in view:
/// a room keeps up to 10,000 bans).
const LIST_HEIGHT: f32 = 180.0;

/// A list's rows in a grid that scrolls, only those in view laid out.
fn rows_ui<T>(ui: &mut Ui, id: &str, items: &[T], mut row: impl FnMut(&mut Ui, &T)) {
    let height = ui.spacing().interact_size.y;
    egui::ScrollArea::vertical()
        .id_salt(id)
        .max_height(LIST_HEIGHT)
        .show_rows(ui, height, items.len(), |ui, range| {
            egui::Grid::new(id).striped(true).show(ui, |ui| {
                for item in &items[range] {
                    row(ui, item);
                    ui.end_row();
                }
            });
        });
}

/// The open invitations, each with Revoke.
fn invitations_ui(ui: &mut Ui, door: &DoorModel) -> Option<DoorCommand> {
    let mut asked = None;
    let now = crate::net::now_ms();
    let open = door.open_invitations(now);
    egui::CollapsingHeader::new(tr!("door-open-invitations", count = open.len()))
        .id_salt("door_invitations")
        .show(ui, |ui| {
            if open.is_empty() {
                ui.label(RichText::new(tr!("door-none")).weak());
            }
            rows_ui(ui, "door_invitations_grid", &open, |ui, inv| {
                ui.label(format!("#{}", inv.id));
                ui.label(uses_words(inv.uses_left));
                ui.label(expiry_words(inv.expires_ms, now));
                if ui
                    .button(tr!("door-revoke", id = inv.id))
                    .on_hover_text(tr!("door-revoke-hover"))
                    .clicked()
                {
                    asked = Some(DoorCommand::Revoke(inv.id));
                }
            });
        });
    asked
}

/// The bans, each with Unban.
fn bans_ui(ui: &mut Ui, view: &DoorView) -> Option<DoorCommand> {
    let mut asked = None;
    egui::CollapsingHeader::new(tr!("door-bans", count = view.bans.len()))
        .id_salt("door_bans")
        .show(ui, |ui| {
            if view.bans.is_empty() {
                ui.label(RichText::new(tr!("door-none")).weak());
            }
            rows_ui(ui, "door_bans_grid", &view.bans, |ui, ban| {
                ui.label(format!("#{}", ban.id));
                ui.label(&ban.nick);
                ui.label(ban_target_words(&ban.target));
                let reason = if ban.reason.is_empty() {
                    RichText::new(tr!("door-no-reason")).weak()
                } else {
                    RichText::new(&ban.reason)
                };
                ui.label(reason);
                if ui.button(tr!("door-unban", id = ban.id)).clicked() {
                    asked = Some(DoorCommand::Unban(ban.id));
                }
            });
        });
    asked
}

/// The lobby: one row per knocking member, "NICK (safety code …) asks to
/// come in" with **Let in** and **Refuse**.
pub fn lobby_ui(ui: &mut Ui, view: &DoorView) -> Option<DoorCommand> {
    let mut asked = None;
    for knock in &view.knocking {
        ui.horizontal_wrapped(|ui| {
            let (nick, key) = (knock.nick.as_str(), key_words(knock.key.as_ref()));
            let address = knock.addr.ip().to_string();
            let who = tr!("door-asks", nick = nick, key = key, address = address);
            let r = ui.label(RichText::new(who).strong());
            if let Some(key) = &knock.key {
                r.on_hover_text(tr!("door-key-hover", key = key_details(key)));
            }
            if ui
                .button(tr!("door-let-in", nick = knock.nick.as_str()))
                .on_hover_text(tr!("door-let-in-hover"))
                .clicked()
            {
                asked = Some(DoorCommand::Admit(knock.id));
            }
            if ui
                .button(tr!("door-refuse", nick = knock.nick.as_str()))
                .on_hover_text(tr!("door-refuse-hover"))
                .clicked()
            {
                asked = Some(DoorCommand::Refuse(knock.id));
            }
        });
    }
    asked
}

/// A member in the lobby: that it waits, what the host said (when it says
/// more than that), and how the host sees it: its name and the safety code
/// of its key, to compare if the host asks.
pub fn waiting_ui(ui: &mut Ui, text: &str, state: &crate::ui::state::RoomModel) {
    let waiting = crate::ui::state::waiting();
    ui.horizontal(|ui| {
        ui.spinner();
        ui.label(RichText::new(&waiting).strong().size(15.0));
    });
    let words = |t: &str| -> String {
        t.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    // The host's words (English on the wire) when they say more than that.
    let english = crate::i18n::text_in(crate::i18n::Lang::En, "room-waiting", None);
    if words(text) != words(&waiting) && words(text) != words(&english) {
        ui.label(text);
    }
    let key = state
        .connection
        .as_ref()
        .and_then(|c| c.client_certificate.as_ref())
        .and_then(|c| c.spki_sha256);
    let nick = state.nick.as_str();
    let seen = match key {
        Some(key) => {
            let code = crate::net::safety::short_safety_code(&key);
            tr!("door-seen-with-key", nick = nick, code = code)
        }
        None => tr!("door-seen-no-key", nick = nick),
    };
    ui.label(RichText::new(seen).weak());
}

/// The lobby banner's background: a faint blue over the panel.
#[must_use]
pub fn lobby_fill(visuals: &egui::Visuals) -> Color32 {
    let base = visuals.panel_fill;
    let tint = Color32::from_rgb(60, 130, 230);
    let mix = |a: u8, b: u8| ((u16::from(a) * 3 + u16::from(b)) / 4) as u8;
    Color32::from_rgb(
        mix(base.r(), tint.r()),
        mix(base.g(), tint.g()),
        mix(base.b(), tint.b()),
    )
}

/// What the member's window says when the door stayed shut or the host
/// put it out: a heading, and why (as the host said it) when the heading
/// does not say it already. `None` for other endings.
#[must_use]
pub fn ended_words(kind: DisconnectKind, reason: &str) -> Option<(String, Option<String>)> {
    match kind {
        DisconnectKind::Refused => Some((tr!("door-not-let-in"), Some(capitalized(reason)))),
        DisconnectKind::Removed => Some(match removed_why(reason) {
            Some(Some(why)) => (tr!("door-removed-why", why = why), None),
            Some(None) => (tr!("door-removed"), None),
            // Another ending the host put into words.
            None if reason.to_lowercase().starts_with(REMOVED) => (capitalized(reason), None),
            None => (tr!("door-removed"), Some(capitalized(reason))),
        }),
        _ => None,
    }
}

/// How a host says it put a member out (its words on the wire, in English).
const REMOVED: &str = "you were removed by the host";

/// The host's reason in "you were removed by the host (REASON)": `Some(None)`
/// without one, `None` when the words are not those.
fn removed_why(reason: &str) -> Option<Option<&str>> {
    let head = reason.get(..REMOVED.len())?;
    let rest = reason.get(REMOVED.len()..)?;
    if !head.eq_ignore_ascii_case(REMOVED) {
        return None;
    }
    if rest.is_empty() {
        return Some(None);
    }
    rest.strip_prefix(" (")
        .and_then(|r| r.strip_suffix(')'))
        .map(Some)
}

/// `text` with its first letter in upper case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Why the session ended (the door's words), that nothing retries by
/// itself, and the way back. Returns whether the user asked to go back to
/// the start screen.
pub fn ended_ui(ui: &mut Ui, heading: &str, detail: Option<&str>) -> bool {
    ui.heading(RichText::new(heading).color(ui.visuals().warn_fg_color));
    if let Some(detail) = detail {
        ui.add_space(4.0);
        ui.label(RichText::new(detail).size(15.0).strong());
    }
    ui.add_space(4.0);
    ui.label(RichText::new(tr!("door-no-retry")).weak());
    ui.add_space(8.0);
    ui.button(tr!("door-back")).clicked()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::door::BanTarget;
    use crate::net::invite::Invite;
    use crate::net::{BanView, InvitationView, KnockView, MutedView, NetEvent};
    use crate::ui::room_view::{RoomAction, RoomView, Surroundings};
    use crate::ui::state::{Role, RoomModel};
    use egui_kittest::{Harness, kittest::Queryable as _};

    /// A room view and what it asked for so far.
    type Window = Harness<'static, (RoomView, Vec<RoomAction>)>;

    fn member(id: u64, nick: &str, key: Option<[u8; 32]>) -> MemberInfo {
        MemberInfo {
            id,
            nick: nick.into(),
            is_host: id == 0,
            plain_text: key.is_none() && id != 0,
            identity: None,
            key,
        }
    }

    /// A host's room with ana (a key) and bo (plain text, no key) in it.
    fn host_room() -> RoomModel {
        let mut s = RoomModel::new(Role::Host, "127.0.0.1:7463".into(), "hana".into());
        s.apply(NetEvent::Listening {
            addr: "127.0.0.1:7463".parse().unwrap(),
            chain: vec![],
            invites: vec![],
        });
        s.apply(NetEvent::Joined {
            you: 0,
            nick: "hana".into(),
            members: vec![
                member(0, "hana", None),
                member(1, "ana", Some([7; 32])),
                member(2, "bo", None),
            ],
            total: 3,
        });
        s
    }

    fn window(state: RoomModel, join: Option<crate::net::JoinConfig>) -> Window {
        let mut h = Harness::builder()
            .with_size(egui::vec2(1000.0, 700.0))
            .build_ui_state(
                |ui, (view, asked): &mut (RoomView, Vec<RoomAction>)| {
                    asked.extend(view.ui(
                        ui,
                        Surroundings {
                            modal: false,
                            notify_service: crate::notify::Service::Unknown,
                        },
                    ));
                },
                (RoomView::new(state, join), Vec::new()),
            );
        // A member in the lobby sees a spinner, which never settles.
        h.run_steps(4);
        h
    }

    fn door(h: &mut Window, view: DoorView) {
        h.state_mut().0.state.apply(NetEvent::Door(Box::new(view)));
        h.run();
    }

    /// The door commands asked for since the last call.
    fn asked(h: &mut Window) -> Vec<DoorCommand> {
        std::mem::take(&mut h.state_mut().1)
            .into_iter()
            .filter_map(|a| match a {
                RoomAction::Door(c) => Some(c),
                _ => None,
            })
            .collect()
    }

    fn copied(h: &Window) -> Vec<String> {
        h.output()
            .platform_output
            .commands
            .iter()
            .filter_map(|c| match c {
                egui::OutputCommand::CopyText(t) => Some(t.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn new_invite_asks_with_the_chosen_uses_and_expiry_and_shows_its_link_once() {
        let mut h = window(host_room(), None);
        h.get_by_label("New invite").click();
        h.run();
        assert_eq!(
            asked(&mut h),
            vec![DoorCommand::Invite {
                uses: Some(1),
                hours: Some(24)
            }]
        );
        h.get_by_label("anyone with the link").click();
        h.get_by_label("never").click();
        h.run();
        h.get_by_label("New invite").click();
        h.run();
        h.get_by_label("7 days").click();
        h.get_by_label("several:").click();
        h.run();
        h.get_by_label("New invite").click();
        h.run();
        assert_eq!(
            asked(&mut h),
            vec![
                DoorCommand::Invite {
                    uses: None,
                    hours: None
                },
                DoorCommand::Invite {
                    uses: Some(5),
                    hours: Some(168)
                }
            ]
        );
        let invite = Invite {
            host: "127.0.0.1".into(),
            port: 7463,
            pin: Some([3; 32]),
            code: Some("0123456789abcdef0123456789abcdef".into()),
        };
        let link = invite.link();
        h.state_mut().0.state.apply(NetEvent::InviteMade {
            id: 3,
            invites: vec![invite],
        });
        door(
            &mut h,
            DoorView {
                invitations: vec![InvitationView {
                    id: 3,
                    uses_left: Some(1),
                    expires_ms: None,
                }],
                ..DoorView::default()
            },
        );
        assert!(
            h.query_by_label("(1 use left, never expires)").is_some(),
            "its terms"
        );
        assert!(h.query_by_label(&link).is_some(), "the new link is shown");
        assert!(h.query_by_label("New invite #3").is_some());
        assert!(h.query_by_label_contains("shown only this once").is_some());
        h.get_by_label("Copy new invite").click();
        h.step();
        assert_eq!(copied(&h), vec![link.clone()]);
        h.run();
        h.get_by_label("Done").click();
        h.run();
        assert!(h.query_by_label(&link).is_none(), "and then put away");
    }

    #[test]
    fn open_invitations_are_listed_in_words_each_with_revoke() {
        let mut h = window(host_room(), None);
        let in_a_day = crate::net::now_ms() + 24 * 3_600_000;
        door(
            &mut h,
            DoorView {
                invitations: vec![
                    InvitationView {
                        id: 1,
                        uses_left: Some(1),
                        expires_ms: Some(in_a_day),
                    },
                    InvitationView {
                        id: 2,
                        uses_left: None,
                        expires_ms: None,
                    },
                ],
                ..DoorView::default()
            },
        );
        h.get_by_label("Open invitations (2)").click();
        h.run();
        assert!(h.query_by_label("1 use left").is_some());
        assert!(h.query_by_label_contains("expires in 24 h (").is_some());
        assert!(h.query_by_label("any number of uses").is_some());
        assert!(h.query_by_label("never expires").is_some());
        h.get_by_label("Revoke #2").click();
        h.run();
        assert_eq!(asked(&mut h), vec![DoorCommand::Revoke(2)]);
    }

    fn knocking() -> DoorView {
        DoorView {
            access: Access::Knock,
            knocking: vec![
                KnockView {
                    id: 11,
                    nick: "ana".into(),
                    key: Some([7; 32]),
                    addr: "127.0.0.1:50000".parse().unwrap(),
                },
                KnockView {
                    id: 12,
                    nick: "bo".into(),
                    key: None,
                    addr: "127.0.0.2:50001".parse().unwrap(),
                },
            ],
            ..DoorView::default()
        }
    }

    #[test]
    fn a_knock_shows_who_asks_with_let_in_and_refuse() {
        let mut h = window(host_room(), None);
        assert!(h.query_by_label_contains("asks to come in").is_none());
        door(&mut h, knocking());
        let code = crate::net::safety::short_safety_code(&[7; 32]);
        assert!(
            h.query_by_label(&format!(
                "ana (safety code {code}, from 127.0.0.1) asks to come in"
            ))
            .is_some()
        );
        assert!(
            h.query_by_label("bo (no key, from 127.0.0.2) asks to come in")
                .is_some()
        );
        assert!(h.query_by_label_contains("Newcomers knock").is_some());
        // Said once in the conversation too, and in the window's title.
        assert!(
            h.query_by_label_contains(&format!(
                "ana (safety code {code}) asks to come in: Let in or Refuse above"
            ))
            .is_some()
        );
        assert!(
            h.state()
                .0
                .state
                .window_title()
                .starts_with("[2 ask to come in] tlschat")
        );
        h.get_by_label("Let ana in").click();
        h.run();
        h.get_by_label("Refuse bo").click();
        h.run();
        assert_eq!(
            asked(&mut h),
            vec![DoorCommand::Admit(11), DoorCommand::Refuse(12)]
        );
    }

    #[test]
    fn let_in_is_reached_with_the_keyboard() {
        let mut h = window(host_room(), None);
        door(&mut h, knocking());
        let mut tabs = 0;
        while !h.get_by_label("Let ana in").is_focused() {
            tabs += 1;
            assert!(tabs < 60, "Tab never reached Let ana in");
            h.key_press(egui::Key::Tab);
            h.run();
        }
        h.key_press(egui::Key::Enter);
        h.run();
        assert_eq!(asked(&mut h), vec![DoorCommand::Admit(11)]);
    }

    #[test]
    fn the_member_menu_kicks_and_bans_with_a_reason_and_mutes() {
        let mut h = window(host_room(), None);
        door(&mut h, DoorView::default());
        // Never on the host's own row.
        h.get_by_label("hana (host) (you)").click_secondary();
        h.run();
        assert!(h.query_by_label("Kick…").is_none());
        h.key_press(egui::Key::Escape);
        h.run();

        h.get_by_label("ana").click_secondary();
        h.run();
        h.get_by_label("Kick…").click();
        h.run();
        assert!(h.query_by_label("Kick ana?").is_some(), "a confirmation");
        assert!(asked(&mut h).is_empty(), "nothing before it");
        let reason = h.get_by_label("Reason (optional, everyone sees it)");
        assert!(reason.is_focused(), "the reason takes the keyboard");
        reason.type_text("spamming");
        h.run();
        h.get_by_label("Kick ana").click();
        h.run();
        assert_eq!(
            asked(&mut h),
            vec![DoorCommand::Kick {
                nick: "ana".into(),
                reason: "spamming".into()
            }]
        );
        assert!(h.query_by_label("Kick ana?").is_none());

        // Cancel asks nothing.
        h.get_by_label("bo · plain text").click_secondary();
        h.run();
        h.get_by_label("Ban…").click();
        h.run();
        h.get_by_label("Cancel").click();
        h.run();
        assert!(asked(&mut h).is_empty());
        h.get_by_label("bo · plain text").click_secondary();
        h.run();
        h.get_by_label("Ban…").click();
        h.run();
        h.get_by_label("Ban bo").click();
        h.run();
        assert_eq!(
            asked(&mut h),
            vec![DoorCommand::Ban {
                nick: "bo".into(),
                reason: String::new()
            }]
        );

        h.get_by_label("ana").click_secondary();
        h.run();
        h.get_by_label("Mute").click();
        h.run();
        assert_eq!(asked(&mut h), vec![DoorCommand::Mute("ana".into())]);
        door(
            &mut h,
            DoorView {
                muted: vec![MutedView {
                    nick: "ana".into(),
                    target: BanTarget::Key([7; 32]),
                }],
                ..DoorView::default()
            },
        );
        h.get_by_label("ana · muted").click_secondary();
        h.run();
        assert!(h.query_by_label("Mute").is_none());
        h.get_by_label("Unmute").click();
        h.run();
        assert_eq!(asked(&mut h), vec![DoorCommand::Unmute("ana".into())]);
    }

    #[test]
    fn the_host_types_door_commands_in_the_message_box() {
        let mut s = host_room();
        s.draft = "/kick ana too loud".into();
        assert_eq!(
            s.compose(),
            Some(crate::net::SessionCommand::Door(DoorCommand::Kick {
                nick: "ana".into(),
                reason: "too loud".into()
            }))
        );
        assert!(s.draft.is_empty());
        let mut m = member_room();
        m.apply(NetEvent::Joined {
            you: 1,
            nick: "ana".into(),
            members: vec![member(0, "hana", None), member(1, "ana", None)],
            total: 2,
        });
        m.status = crate::ui::state::Status::Connected;
        m.draft = "/kick hana".into();
        assert_eq!(m.compose(), None);
        assert_eq!(
            m.lines.last().map(|l| l.text.as_str()),
            Some("Only the host can /kick")
        );
    }

    #[test]
    fn bans_are_listed_with_what_is_banned_and_unban() {
        let mut h = window(host_room(), None);
        door(
            &mut h,
            DoorView {
                bans: vec![
                    BanView {
                        id: 4,
                        nick: "ana".into(),
                        target: BanTarget::Key([7; 32]),
                        reason: "spamming".into(),
                    },
                    BanView {
                        id: 5,
                        nick: "bo".into(),
                        target: BanTarget::Address("10.1.2.3".parse().unwrap()),
                        reason: String::new(),
                    },
                ],
                ..DoorView::default()
            },
        );
        h.get_by_label("Bans (2)").click();
        h.run();
        let code = crate::net::safety::short_safety_code(&[7; 32]);
        assert!(h.query_by_label(&format!("key {code}")).is_some());
        assert!(h.query_by_label("spamming").is_some());
        assert!(h.query_by_label("address 10.1.2.3").is_some());
        assert!(h.query_by_label("no reason given").is_some());
        h.get_by_label("Unban #5").click();
        h.run();
        assert_eq!(asked(&mut h), vec![DoorCommand::Unban(5)]);
    }

    #[test]
    fn a_long_ban_list_scrolls_and_lays_out_only_the_rows_in_view() {
        let mut h = window(host_room(), None);
        door(
            &mut h,
            DoorView {
                bans: (1..=5000)
                    .map(|id| BanView {
                        id,
                        nick: format!("spammer-{id}"),
                        target: BanTarget::Address("10.1.2.3".parse().unwrap()),
                        reason: String::new(),
                    })
                    .collect(),
                ..DoorView::default()
            },
        );
        h.get_by_label("Bans (5000)").click();
        h.run();
        assert!(h.query_by_label("Unban #1").is_some());
        assert!(
            h.query_by_label("Unban #4000").is_none(),
            "a ban far out of view was laid out"
        );
        assert!(
            h.query_by_label("Message").is_some(),
            "the message box is still on screen"
        );
    }

    #[test]
    fn an_open_room_says_so_and_a_closed_one_does_not() {
        let open = "⚠ This room is open: anyone who can reach it may join";
        let mut h = window(host_room(), None);
        door(
            &mut h,
            DoorView {
                access: Access::Open,
                ..DoorView::default()
            },
        );
        assert!(h.query_by_label(open).is_some());
        door(&mut h, DoorView::default());
        assert!(h.query_by_label(open).is_none());
        assert!(
            h.query_by_label("🔒 Invite-only: a newcomer needs an invite link")
                .is_some()
        );
    }

    fn member_room() -> RoomModel {
        let mut s = RoomModel::new(Role::Member, "127.0.0.1:7463".into(), "ana".into());
        s.apply(NetEvent::Connecting {
            target: "127.0.0.1:7463".into(),
        });
        s
    }

    fn join_config() -> crate::net::JoinConfig {
        crate::net::JoinConfig {
            host: "127.0.0.1".into(),
            port: 7463,
            nick: "ana".into(),
            ca_files: vec![],
            pins: vec![],
            remember_pin: false,
            identity: None,
            config_dir: None,
            reconnect: true,
            tls: crate::net::TlsOptions::default(),
            invite: None,
        }
    }

    #[test]
    fn a_member_in_the_lobby_sees_it_waits_then_the_room() {
        let mut s = member_room();
        s.apply(NetEvent::Waiting {
            text: "hana has been asked to let you in".into(),
        });
        assert!(s.connection.is_none());
        let mut h = window(s, Some(join_config()));
        assert!(
            h.query_all_by_label("Waiting for the host to let you in…")
                .count()
                >= 2,
            "in the banner and the message box's place"
        );
        assert!(
            h.query_all_by_label_contains("hana has been asked")
                .next()
                .is_some()
        );
        assert!(h.state().0.state.send_blocked_reason().is_some());
        assert!(
            h.query_by_label("The host sees you as ana, with no key.")
                .is_some()
        );
        h.state_mut().0.state.apply(NetEvent::Joined {
            you: 1,
            nick: "ana".into(),
            members: vec![member(0, "hana", None), member(1, "ana", None)],
            total: 2,
        });
        h.run_steps(4);
        assert!(
            h.query_by_label("Waiting for the host to let you in…")
                .is_none()
        );
        assert!(h.state().0.state.send_blocked_reason().is_none());
    }

    #[test]
    fn refused_and_removed_say_why_and_offer_no_reconnect() {
        for (kind, reason, heading, detail) in [
            (
                DisconnectKind::Refused,
                "this room is invite-only: ask the host for an invite link",
                "You were not let in",
                Some("This room is invite-only: ask the host for an invite link"),
            ),
            (
                DisconnectKind::Removed,
                "you were removed by the host (spamming)",
                "You were removed by the host (spamming)",
                None,
            ),
            (
                DisconnectKind::Removed,
                "banned",
                "You were removed by the host",
                Some("Banned"),
            ),
        ] {
            let mut s = member_room();
            s.apply(NetEvent::Notice("what was said before".into()));
            s.apply(NetEvent::Disconnected {
                reason: reason.into(),
                kind,
            });
            let mut h = window(s, Some(join_config()));
            assert!(h.query_by_label(heading).is_some(), "{kind:?}");
            if let Some(detail) = detail {
                assert!(h.query_by_label(detail).is_some(), "{kind:?}");
            }
            assert!(h.query_by_label("Reconnect").is_none(), "{kind:?}");
            // Removed from a room: what was said there stays readable.
            assert_eq!(
                h.query_by_label_contains("what was said before").is_some(),
                kind == DisconnectKind::Removed,
                "{kind:?}"
            );
            h.get_by_label("Back to the start screen").click();
            h.run();
            assert!(matches!(h.state().1.as_slice(), [RoomAction::BackToStart]));
        }
        // Any other ending keeps its Reconnect.
        let mut s = member_room();
        s.apply(NetEvent::Disconnected {
            reason: "connection lost".into(),
            kind: DisconnectKind::Error,
        });
        let h = window(s, Some(join_config()));
        assert!(h.query_by_label("Reconnect").is_some());
        assert!(h.query_by_label("You were not let in").is_none());
    }
}
