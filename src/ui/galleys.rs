//! Galleys kept from frame to frame for the rows of a long list that are in
//! view (the conversation's lines, the member list's names): a row is laid
//! out again only when what it was laid out for changes (its text, the
//! width, the colours: the caller's key) or the fonts do. Rows that leave
//! the view are forgotten, so the cache is as small as the view.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use egui::{Galley, Ui};

/// The galleys of the rows drawn last frame, by row id.
#[derive(Debug)]
pub struct Galleys<K> {
    /// Last frame's galleys (taken from as this frame draws).
    kept: HashMap<K, Shaped>,
    /// This frame's galleys (kept for the next).
    drawn: HashMap<K, Shaped>,
    /// What the fonts were last frame: a change (a new scale, or egui
    /// clearing its full glyph atlas) leaves every galley pointing into an
    /// old atlas.
    fonts: (u32, f32),
    /// How many rows were laid out so far.
    laid_out: u64,
}

impl<K> Default for Galleys<K> {
    fn default() -> Self {
        Self {
            kept: HashMap::new(),
            drawn: HashMap::new(),
            fonts: (0, 0.0),
            laid_out: 0,
        }
    }
}

/// One row's galley, what it was made for, and one fact about the row the
/// caller worked out with it (the conversation: whether the line names us).
#[derive(Debug, Clone)]
pub struct Shaped {
    key: u64,
    /// The laid-out text.
    pub galley: Arc<Galley>,
    /// The caller's fact.
    pub flag: bool,
}

impl<K: Hash + Eq> Galleys<K> {
    /// How many rows were laid out since the list was first drawn.
    #[must_use]
    pub fn laid_out(&self) -> u64 {
        self.laid_out
    }

    /// Starts a frame: every galley is dropped if the fonts changed.
    pub fn begin(&mut self, ui: &Ui) {
        let ppp = ui.ctx().pixels_per_point().to_bits();
        let fill = ui.fonts(|f| f.font_atlas_fill_ratio());
        // Last frame's galleys are this frame's to take; those not taken
        // (rows that left the view) are dropped at the next frame.
        self.kept = std::mem::take(&mut self.drawn);
        // The atlas only fills up, until egui clears it.
        if ppp != self.fonts.0 || fill < self.fonts.1 {
            self.kept.clear();
        }
        self.fonts = (ppp, fill);
    }

    /// Row `id`'s galley for this frame: last frame's if it was made for
    /// `key`, else `make`'s.
    pub fn get(&mut self, id: K, key: u64, make: impl FnOnce() -> (Arc<Galley>, bool)) -> &Shaped {
        let shaped = match self.kept.remove(&id) {
            Some(s) if s.key == key => s,
            _ => {
                self.laid_out += 1;
                let (galley, flag) = make();
                Shaped { key, galley, flag }
            }
        };
        self.drawn.entry(id).insert_entry(shaped).into_mut()
    }
}

/// A hash of `value`, for a row's key.
#[must_use]
pub fn key_of(value: &impl Hash) -> u64 {
    use std::hash::Hasher as _;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// A fingerprint of the colours text is drawn in: a theme change lays
/// every row out again.
#[must_use]
pub fn colors_key(v: &egui::Visuals) -> u64 {
    key_of(&(
        v.dark_mode,
        [
            v.text_color(),
            v.strong_text_color(),
            v.weak_text_color(),
            v.hyperlink_color,
            v.error_fg_color,
            v.warn_fg_color,
        ]
        .map(|c| c.to_array()),
    ))
}
