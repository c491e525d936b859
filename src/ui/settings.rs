//! The window's settings, kept with its state: the language, the theme
//! and desktop notifications. Each can be changed on the start screen and
//! in a room (its Menu).

use crate::i18n::Lang;
use crate::notify::Service;
use crate::tr;

/// Where the window keeps the theme the user chose.
pub(crate) const THEME_KEY: &str = "theme";
/// Where the window keeps the notification setting.
pub(crate) const NOTIFY_KEY: &str = "notifications";
/// Where the window keeps the language the user chose.
pub(crate) const LANGUAGE_KEY: &str = "language";

/// The window's language: the system's (the locale's) or one chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    /// The locale's (`LC_ALL`/`LC_MESSAGES`/`LANG`), the default.
    #[default]
    System,
    /// One language, whatever the locale says.
    Chosen(Lang),
}

impl Language {
    /// The setting as kept: `system` or the language's tag.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::Chosen(lang) => lang.tag(),
        }
    }

    /// A kept setting; anything else follows the system.
    #[must_use]
    pub fn from_name(name: &str) -> Self {
        Lang::ALL
            .into_iter()
            .find(|l| l.tag() == name)
            .map_or(Self::System, Self::Chosen)
    }

    /// The language the window speaks with this setting.
    #[must_use]
    pub fn lang(self) -> Lang {
        match self {
            Self::System => crate::i18n::global(),
            Self::Chosen(lang) => lang,
        }
    }

    /// The setting as the window holds it.
    #[must_use]
    pub fn get(ctx: &egui::Context) -> Self {
        ctx.data(|d| d.get_temp(language_id())).unwrap_or_default()
    }

    /// Changes the setting the window holds (kept when the window saves),
    /// and the language of this (the window's) thread at once.
    pub fn set(self, ctx: &egui::Context) {
        ctx.data_mut(|d| d.insert_temp(language_id(), self));
        crate::i18n::set_thread(self.lang());
    }
}

fn language_id() -> egui::Id {
    egui::Id::unique("tlschat.language")
}

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

/// The language setting: follow the system, or one language, each named
/// in its own language.
pub fn language_ui(ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        ui.label(tr!("settings-language"));
        let mut language = Language::get(ui.ctx());
        let system = crate::i18n::global().native_name();
        ui.selectable_value(
            &mut language,
            Language::System,
            tr!("settings-language-system", lang = system),
        );
        for lang in Lang::ALL {
            ui.selectable_value(&mut language, Language::Chosen(lang), lang.native_name());
        }
        if language != Language::get(ui.ctx()) {
            language.set(ui.ctx());
        }
    });
}

/// The theme setting: follow the system, light or dark.
pub fn theme_ui(ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        ui.label(tr!("settings-theme"));
        let mut theme = ui.options(|o| o.theme_preference);
        for (value, name) in [
            (egui::ThemePreference::System, tr!("settings-theme-system")),
            (egui::ThemePreference::Light, tr!("settings-theme-light")),
            (egui::ThemePreference::Dark, tr!("settings-theme-dark")),
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
        ui.label(tr!("settings-notify"));
        let mut notify = Notify::get(ui.ctx());
        for (value, name) in [
            (Notify::Off, tr!("settings-notify-off")),
            (Notify::Mentions, tr!("settings-notify-mentions")),
            (Notify::All, tr!("settings-notify-all")),
        ] {
            ui.selectable_value(&mut notify, value, name);
        }
        if notify != Notify::get(ui.ctx()) {
            notify.set(ui.ctx());
        }
        if notify != Notify::Off && service == Service::Unavailable {
            ui.weak(tr!("settings-notify-unavailable"));
        }
    });
}

/// Every setting, one per line.
pub fn settings_ui(ui: &mut egui::Ui, service: Service) {
    language_ui(ui);
    theme_ui(ui);
    notify_ui(ui, service);
}

/// Whether the fonts can draw Chinese, asked once the window first speaks
/// it: the fonts come from the system (as for any script the built-in
/// fonts lack), and where none has Chinese characters the window says so
/// once, in English (Chinese would not draw), naming the package to
/// install.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CjkFonts {
    /// Not asked yet (the window has not spoken Chinese).
    #[default]
    Unknown,
    /// A font draws Chinese.
    Found,
    /// None does: the notice shows.
    Missing,
    /// None does, and the notice was closed.
    Told,
}

/// The text the notice shows (in English, whatever the language).
pub const CJK_FONTS_MISSING: &str = "No font on this system draws Chinese characters, so the \
     Chinese text shows as empty boxes. Install the package fonts-noto-cjk (for example \
     `sudo apt install fonts-noto-cjk`) and start tlschat again.";

impl CjkFonts {
    /// Asks the fonts (once) when the window speaks Chinese, and shows the
    /// notice while it is due: a bar at the top with a button to close it.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        if *self == Self::Unknown && crate::i18n::current() == Lang::ZhCn {
            let drawn =
                ui.fonts_mut(|f| f.has_glyphs(&egui::FontId::proportional(14.0), "中文证书握手"));
            *self = if drawn { Self::Found } else { Self::Missing };
            if !drawn {
                tracing::info!("no font draws Chinese: install fonts-noto-cjk");
            }
        }
        if *self != Self::Missing {
            return;
        }
        egui::Panel::top("cjk_fonts_missing").show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.colored_label(ui.visuals().warn_fg_color, CJK_FONTS_MISSING);
                if ui.button("OK").clicked() {
                    *self = Self::Told;
                }
            });
        });
    }
}
