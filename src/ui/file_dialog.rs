//! A file dialog drawn by egui inside the window (no system toolkit or
//! portal needed): choose a file to open, or a name to save under.
//!
//! Every field has an accessible name, saving over an existing file asks
//! first, and what goes wrong (a folder that cannot be read, a file that
//! cannot be written) is shown in the dialog as one line naming the file,
//! never a panic. The dialog only chooses a path; the caller writes, and
//! shows its own error here ([`FileDialog::failed`]) to keep it open.
//!
//! Why not the `egui_file` crate (0.29 depends on egui 0.37): its
//! folder and file name fields have no accessible name (a screen reader
//! cannot tell them apart, and the window tests' accessibility check
//! would refuse them), it saves over an existing file without asking, and it
//! reports errors by printing to stdout. This dialog is small, and does
//! those three things.

use std::path::{Path, PathBuf};

use crate::tr;

/// Open an existing file, or choose where to save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogKind {
    /// Choose an existing file.
    Open,
    /// Choose a file name to write (asking before replacing a file).
    Save,
}

/// What came of the dialog this frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The user chose this file (for saving: and agreed to replace it).
    Chosen(PathBuf),
    /// The user closed the dialog.
    Cancelled,
}

/// One entry of the folder shown.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    name: String,
    is_dir: bool,
}

/// A file type the save dialog offers: choosing it changes the name's
/// extension.
#[derive(Debug, Clone, Copy)]
pub struct FileType {
    /// What the user reads ("Plain text"), in the current language.
    pub label: fn() -> String,
    /// The extension, without the dot: "txt".
    pub extension: &'static str,
}

/// The dialog's state; [`FileDialog::show`] draws it each frame.
#[derive(Debug)]
pub struct FileDialog {
    kind: DialogKind,
    title: String,
    /// The folder shown.
    dir: PathBuf,
    /// The folder field as typed.
    dir_text: String,
    /// The file name field.
    name: String,
    entries: Vec<Entry>,
    /// Why the folder could not be listed, or why a choice was refused.
    error: Option<String>,
    /// Open: only files with these extensions are listed (unless `all`).
    extensions: &'static [&'static str],
    all: bool,
    hidden: bool,
    /// Save: the file types offered.
    types: &'static [FileType],
    /// Save: the existing file the user is asked about replacing.
    confirm: Option<PathBuf>,
    focus_name: bool,
}

/// A folder to start in: `dir` if it is one, else the user's home (or the
/// current directory).
fn start_dir(dir: Option<&Path>) -> PathBuf {
    dir.filter(|d| d.is_dir())
        .map(Path::to_path_buf)
        .or_else(dirs::home_dir)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."))
}

impl FileDialog {
    /// A dialog to open a file, starting in `dir`, listing files with
    /// `extensions` (all files at a click).
    #[must_use]
    pub fn open(title: &str, dir: Option<&Path>, extensions: &'static [&'static str]) -> Self {
        let mut d = Self::new(DialogKind::Open, title, start_dir(dir), String::new());
        d.extensions = extensions;
        d.all = extensions.is_empty();
        d.refresh();
        d
    }

    /// A dialog to save a file, starting in `dir` with `name`, offering
    /// `types` (may be empty).
    #[must_use]
    pub fn save(title: &str, dir: Option<&Path>, name: &str, types: &'static [FileType]) -> Self {
        let mut d = Self::new(DialogKind::Save, title, start_dir(dir), name.to_string());
        d.types = types;
        d.refresh();
        d
    }

    fn new(kind: DialogKind, title: &str, dir: PathBuf, name: String) -> Self {
        Self {
            kind,
            title: title.to_string(),
            dir_text: dir.display().to_string(),
            dir,
            name,
            entries: Vec::new(),
            error: None,
            extensions: &[],
            all: true,
            hidden: false,
            types: &[],
            confirm: None,
            focus_name: true,
        }
    }

    /// Shows why the chosen file could not be used; the dialog stays open.
    pub fn failed(&mut self, message: String) {
        self.error = Some(message);
        self.confirm = None;
    }

    /// Esc: closes the question about replacing a file if it is open;
    /// returns whether the whole dialog should close instead.
    pub fn escape(&mut self) -> bool {
        self.confirm.take().is_none()
    }

    /// Shows this folder (without listing it again: for where the next
    /// dialog starts).
    pub fn set_dir(&mut self, dir: &Path) {
        self.dir = dir.to_path_buf();
    }

    /// The folder shown.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether `entry` is shown: hidden ones only when asked for, files
    /// only of the types offered (or all of them).
    fn listed(&self, entry: &Entry) -> bool {
        if !self.hidden && entry.name.starts_with('.') {
            return false;
        }
        if entry.is_dir || self.all {
            return true;
        }
        Path::new(&entry.name)
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .is_some_and(|e| self.extensions.contains(&e.as_str()))
    }

    /// Lists the folder again.
    fn refresh(&mut self) {
        self.dir_text = self.dir.display().to_string();
        self.entries.clear();
        match std::fs::read_dir(&self.dir) {
            Ok(read) => {
                self.error = None;
                for e in read.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    // Follows links, as opening would.
                    let is_dir = e.path().is_dir();
                    let entry = Entry { name, is_dir };
                    if self.listed(&entry) {
                        self.entries.push(entry);
                    }
                }
                self.entries
                    .sort_by(|a, b| b.is_dir.cmp(&a.is_dir).then(a.name.cmp(&b.name)));
            }
            Err(e) => {
                self.error = Some(tr!(
                    "files-cannot-list",
                    dir = self.dir.display().to_string(),
                    error = e.to_string()
                ));
            }
        }
    }

    fn enter(&mut self, dir: PathBuf) {
        self.dir = dir;
        self.confirm = None;
        self.refresh();
    }

    /// The path the name field names (absolute, or in the folder shown).
    fn target(&self) -> PathBuf {
        self.dir.join(self.name.trim())
    }

    /// The user asked to open or save what the name field names.
    fn choose(&mut self) -> Option<Outcome> {
        if self.name.trim().is_empty() {
            self.error = Some(tr!("files-type-a-name"));
            return None;
        }
        let path = self.target();
        if path.is_dir() {
            self.name.clear();
            self.enter(path);
            return None;
        }
        match self.kind {
            DialogKind::Open if path.is_file() => Some(Outcome::Chosen(path)),
            DialogKind::Open => {
                self.error = Some(tr!(
                    "files-does-not-exist",
                    path = path.display().to_string()
                ));
                None
            }
            DialogKind::Save => {
                let folder = path.parent().unwrap_or(Path::new("/"));
                if !folder.is_dir() {
                    self.error = Some(tr!(
                        "files-no-folder",
                        path = path.display().to_string(),
                        folder = folder.display().to_string()
                    ));
                    None
                } else if path.exists() {
                    self.confirm = Some(path);
                    None
                } else {
                    Some(Outcome::Chosen(path))
                }
            }
        }
    }

    /// Changes the name's extension to the file type's.
    fn set_type(&mut self, t: FileType) {
        let name = Path::new(self.name.trim());
        let stem = name
            .file_stem()
            .map_or_else(|| "conversation".into(), |s| s.to_string_lossy());
        let renamed = name.with_file_name(format!("{stem}.{}", t.extension));
        self.name = renamed.display().to_string();
    }

    /// Draws the dialog (modal: the rest of the window waits); returns what
    /// the user decided, if they did this frame.
    pub fn show(&mut self, ctx: &egui::Context) -> Option<Outcome> {
        let mut outcome = None;
        egui::Modal::new(egui::Id::unique("file_dialog")).show(ctx, |ui| {
            ui.set_width(560.0);
            ui.heading(&self.title);
            ui.add_space(4.0);
            self.folder_ui(ui);
            self.list_ui(ui, &mut outcome);
            ui.add_space(4.0);
            if outcome.is_none() {
                outcome = self.name_ui(ui);
            }
            if let Some(e) = &self.error {
                ui.colored_label(ui.visuals().error_fg_color, format!("⚠ {e}"));
            }
            ui.add_space(4.0);
            if let Some(path) = self.confirm.clone() {
                self.confirm_ui(ui, &path, &mut outcome);
            } else {
                self.buttons_ui(ui, &mut outcome);
            }
        });
        outcome
    }

    fn folder_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let up = self.dir.parent().map(Path::to_path_buf);
            if ui
                .add_enabled(up.is_some(), egui::Button::new(tr!("files-up")))
                .on_hover_text(tr!("files-up-hint"))
                .clicked()
                && let Some(up) = up
            {
                self.enter(up);
            }
            let l = ui.label(tr!("files-folder"));
            let r = ui
                .add(egui::TextEdit::singleline(&mut self.dir_text).desired_width(f32::INFINITY))
                .labelled_by(l.id);
            if r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                let typed = PathBuf::from(self.dir_text.trim());
                if typed.is_dir() {
                    self.enter(typed);
                } else {
                    self.error = Some(tr!(
                        "files-not-a-folder",
                        path = typed.display().to_string()
                    ));
                }
            }
        });
    }

    fn list_ui(&mut self, ui: &mut egui::Ui, outcome: &mut Option<Outcome>) {
        let mut enter = None;
        let mut chosen = false;
        egui::Frame::group(ui.style()).show(ui, |ui| {
            let row = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
            egui::ScrollArea::vertical()
                .id_salt("file_dialog_list")
                .max_height(260.0)
                .min_scrolled_height(260.0)
                .auto_shrink([false, false])
                .show_rows(ui, row, self.entries.len().max(1), |ui, rows| {
                    if self.entries.is_empty() && self.error.is_none() {
                        ui.weak(if self.hidden && self.all {
                            tr!("files-empty")
                        } else {
                            tr!("files-nothing-shown")
                        });
                        return;
                    }
                    let rows = rows.start.min(self.entries.len())..rows.end.min(self.entries.len());
                    for entry in &self.entries[rows] {
                        let text = if entry.is_dir {
                            format!("🗀 {}/", entry.name)
                        } else {
                            format!("🗋 {}", entry.name)
                        };
                        let selected = !entry.is_dir && entry.name == self.name;
                        let r = ui.selectable_label(selected, text);
                        if entry.is_dir && r.clicked() {
                            enter = Some(self.dir.join(&entry.name));
                        } else if !entry.is_dir && r.double_clicked() {
                            self.name.clone_from(&entry.name);
                            chosen = true;
                        } else if !entry.is_dir && r.clicked() {
                            self.name.clone_from(&entry.name);
                        }
                    }
                });
        });
        if let Some(dir) = enter {
            self.enter(dir);
        }
        // A double click chooses like the button does (asking before replacing).
        if chosen {
            *outcome = self.choose();
        }
    }

    fn name_ui(&mut self, ui: &mut egui::Ui) -> Option<Outcome> {
        let mut outcome = None;
        ui.horizontal(|ui| {
            let l = ui.label(tr!("files-name"));
            let r = ui
                .add(egui::TextEdit::singleline(&mut self.name).desired_width(f32::INFINITY))
                .labelled_by(l.id);
            if std::mem::take(&mut self.focus_name) {
                r.request_focus();
            }
            if r.changed() {
                self.error = None;
            }
            if r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                outcome = self.choose();
            }
        });
        ui.horizontal(|ui| {
            match self.kind {
                DialogKind::Save => self.types_ui(ui),
                DialogKind::Open if !self.extensions.is_empty() => {
                    let extensions = self
                        .extensions
                        .iter()
                        .map(|e| format!(".{e}"))
                        .collect::<Vec<_>>()
                        .join(" ");
                    let label = tr!("files-show-all", extensions = extensions);
                    if ui.checkbox(&mut self.all, label).changed() {
                        self.refresh();
                    }
                }
                DialogKind::Open => {}
            }
            if ui
                .checkbox(&mut self.hidden, tr!("files-show-hidden"))
                .changed()
            {
                self.refresh();
            }
        });
        outcome
    }

    /// The file types to save as: choosing one changes the extension.
    fn types_ui(&mut self, ui: &mut egui::Ui) {
        if self.types.is_empty() {
            return;
        }
        ui.label(tr!("files-save-as"));
        let current = Path::new(self.name.trim())
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        for t in self.types {
            let on = current.as_deref() == Some(t.extension);
            if ui
                .selectable_label(on, format!("{} (.{})", (t.label)(), t.extension))
                .clicked()
            {
                self.set_type(*t);
            }
        }
        ui.separator();
    }

    fn confirm_ui(&mut self, ui: &mut egui::Ui, path: &Path, outcome: &mut Option<Outcome>) {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            tr!("files-exists", path = path.display().to_string()),
        );
        ui.horizontal(|ui| {
            if ui.button(tr!("files-replace")).clicked() {
                *outcome = Some(Outcome::Chosen(path.to_path_buf()));
            }
            if ui.button(tr!("files-keep")).clicked() {
                self.confirm = None;
            }
        });
    }

    fn buttons_ui(&mut self, ui: &mut egui::Ui, outcome: &mut Option<Outcome>) {
        ui.horizontal(|ui| {
            let ok = match self.kind {
                DialogKind::Open => tr!("files-open"),
                DialogKind::Save => tr!("files-save"),
            };
            if ui
                .add_enabled(!self.name.trim().is_empty(), egui::Button::new(ok))
                .clicked()
            {
                *outcome = self.choose();
            }
            if ui.button(tr!("files-cancel")).clicked() {
                *outcome = Some(Outcome::Cancelled);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saving_over_a_file_asks_first_and_a_missing_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("old.txt"), "x").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let mut d = FileDialog::save("Save", Some(dir.path()), "new.txt", &[]);
        assert_eq!(
            d.entries
                .iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>(),
            ["sub", "old.txt"],
            "folders first"
        );
        assert_eq!(
            d.choose(),
            Some(Outcome::Chosen(dir.path().join("new.txt")))
        );
        d.name = "old.txt".into();
        assert_eq!(d.choose(), None, "asks first");
        assert_eq!(d.confirm, Some(dir.path().join("old.txt")));
        assert!(!d.escape(), "Esc closes the question, not the dialog");
        assert!(d.escape());
        d.name = "sub".into();
        assert_eq!(d.choose(), None);
        assert_eq!(d.dir(), dir.path().join("sub"), "a folder is entered");
        d.name = "missing/x.txt".into();
        assert_eq!(d.choose(), None);
        let e = d.error.clone().unwrap();
        assert!(e.contains("x.txt") && e.contains("does not exist"), "{e}");
    }

    #[test]
    fn open_lists_the_file_types_asked_for_and_only_existing_files() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["a.pem", "b.KEY", "c.txt", ".hidden.pem"] {
            std::fs::write(dir.path().join(f), "x").unwrap();
        }
        let mut d = FileDialog::open("Open", Some(dir.path()), &["pem", "key"]);
        let names = |d: &FileDialog| d.entries.iter().map(|e| e.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&d), ["a.pem", "b.KEY"]);
        d.all = true;
        d.hidden = true;
        d.refresh();
        assert_eq!(names(&d).len(), 4);
        d.name = "nope.pem".into();
        assert_eq!(d.choose(), None);
        d.name = "a.pem".into();
        assert_eq!(d.choose(), Some(Outcome::Chosen(dir.path().join("a.pem"))));
    }

    #[test]
    fn a_file_type_changes_the_extension() {
        const TYPES: &[FileType] = &[FileType {
            label: || "JSON lines".into(),
            extension: "jsonl",
        }];
        let mut d = FileDialog::save("Save", None, "chat.txt", TYPES);
        d.set_type(TYPES[0]);
        assert_eq!(d.name, "chat.jsonl");
    }
}
