//! The window's settings, kept with its state: the theme and desktop
//! notifications. Both can be changed on the start screen and in a room
//! (its Menu).

use crate::notify::Service;

/// Where the window keeps the theme the user chose.
pub(crate) const THEME_KEY: &str = "theme";
/// Where the window keeps the notification setting.
pub(crate) const NOTIFY_KEY: &str = "notifications";

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

/// When the window shows a desktop notification (only ever while it is
/// not focused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Notify {
    /// Never (the default: the title's count and the taskbar's attention
    /// request still say that something came).
    #[default]
    Off,
    /// For messages that name you.
    Mentions,
    /// For every message from someone else.
    All,
}

impl Notify {
    /// The setting as kept.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Mentions => "mentions",
            Self::All => "all",
        }
    }

    /// A kept setting; anything else is off.
    #[must_use]
    pub fn from_name(name: &str) -> Self {
        match name {
            "mentions" => Self::Mentions,
            "all" => Self::All,
            _ => Self::Off,
        }
    }

    /// The setting as the window holds it.
    #[must_use]
    pub fn get(ctx: &egui::Context) -> Self {
        ctx.data(|d| d.get_temp(notify_id())).unwrap_or_default()
    }

    /// Changes the setting the window holds (kept when the window saves).
    pub fn set(self, ctx: &egui::Context) {
        ctx.data_mut(|d| d.insert_temp(notify_id(), self));
    }
}

fn notify_id() -> egui::Id {
    egui::Id::unique("tlschat.notifications")
}

/// The theme setting: follow the system, light or dark.
pub fn theme_ui(ui: &mut egui::Ui) {
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

/// The notification setting, and whether a notification service answered.
pub fn notify_ui(ui: &mut egui::Ui, service: Service) {
    ui.horizontal(|ui| {
        ui.label("Desktop notifications:");
        let mut notify = Notify::get(ui.ctx());
        for (value, name) in [
            (Notify::Off, "Off"),
            (Notify::Mentions, "When I am named"),
            (Notify::All, "Every message"),
        ] {
            ui.selectable_value(&mut notify, value, name);
        }
        if notify != Notify::get(ui.ctx()) {
            notify.set(ui.ctx());
        }
        if notify != Notify::Off && service == Service::Unavailable {
            ui.weak("(no notification service answered; the title still counts)");
        }
    });
}

/// Every setting, one per line.
pub fn settings_ui(ui: &mut egui::Ui, service: Service) {
    theme_ui(ui);
    notify_ui(ui, service);
}
