//! The conversation: a virtualized list of messages of varying height. Only
//! the lines in view are laid out each frame; the heights of all lines are
//! measured once (again only when the width changes), so a history of
//! 100,000 messages scrolls as smoothly as one of ten.
//!
//! The lines in view keep their galleys from frame to frame
//! ([`crate::ui::galleys`]):
//! a line is laid out again only when it changes, or the width, its search
//! marks, the colours or the fonts do.
//!
//! Where stored history ends (a newcomer's backlog, what a resume brought
//! back) a divider runs across the conversation, and the history above it
//! is drawn dimmed.

use std::hash::{Hash as _, Hasher as _};
use std::sync::Arc;

use egui::text::{LayoutJob, TextFormat};
use egui::{Color32, FontId, Galley, Sense, Stroke, Ui};

use crate::ui::galleys::Galleys;
use crate::ui::search::Found;
use crate::ui::state::{ChatLine, Delivery, LineId};

pub use crate::transcript::init_local_offset;

/// `HH:MM` in local time.
#[must_use]
pub fn clock(time_ms: u64) -> String {
    let offset = crate::transcript::local_offset();
    let secs = i64::try_from(time_ms / 1000).unwrap_or(0);
    time::OffsetDateTime::from_unix_timestamp(secs)
        .map(|t| t.to_offset(offset))
        .map(|t| format!("{:02}:{:02}", t.hour(), t.minute()))
        .unwrap_or_default()
}

/// A colour for a nickname that stays the same across runs.
fn nick_color(nick: &str, visuals: &egui::Visuals) -> Color32 {
    let h = nick
        .bytes()
        .fold(5381u32, |h, b| h.wrapping_mul(33) ^ u32::from(b));
    let palette_dark = [
        Color32::from_rgb(240, 150, 90),
        Color32::from_rgb(120, 200, 120),
        Color32::from_rgb(220, 130, 220),
        Color32::from_rgb(100, 200, 220),
        Color32::from_rgb(230, 200, 90),
        Color32::from_rgb(240, 120, 140),
    ];
    let palette_light = [
        Color32::from_rgb(170, 80, 20),
        Color32::from_rgb(30, 120, 40),
        Color32::from_rgb(140, 40, 140),
        Color32::from_rgb(20, 110, 140),
        Color32::from_rgb(130, 100, 0),
        Color32::from_rgb(170, 30, 60),
    ];
    let palette = if visuals.dark_mode {
        palette_dark
    } else {
        palette_light
    };
    palette[(h as usize) % palette.len()]
}

fn delivery_text(d: &Delivery) -> (&'static str, String) {
    match d {
        Delivery::Sending => ("⏳", crate::tr!("chat-sending")),
        Delivery::Delivered => ("✔", crate::tr!("chat-delivered")),
        Delivery::Sent => ("➡", crate::tr!("chat-sent")),
        Delivery::NotDelivered(why) => ("✖", crate::tr!("chat-not-delivered", why = why.as_str())),
    }
}

/// How much of its colour a message from stored history keeps.
const HISTORY_DIM: f32 = 0.6;
/// Space above and below a divider's text.
const DIVIDER_PAD: f32 = 8.0;
/// The least length of rule on either side of a divider's text.
const DIVIDER_RULE: f32 = 40.0;

fn divider_color(visuals: &egui::Visuals) -> Color32 {
    visuals.hyperlink_color
}

/// What the conversation marks (the matches of a search) and where it
/// scrolls, this frame.
#[derive(Debug, Clone, Copy, Default)]
pub struct Marks<'a> {
    /// Every match, top to bottom (see [`crate::ui::search`]).
    pub found: &'a [Found],
    /// The current match's index in `found`.
    pub current: Option<usize>,
}

impl Marks<'_> {
    /// Line `i`'s matches: a slice of the sorted list, and which of them
    /// is the current one.
    fn of_line(&self, i: usize) -> LineMarks<'_> {
        let from = self.found.partition_point(|f| f.line < i);
        let to = self.found.partition_point(|f| f.line <= i);
        LineMarks {
            found: &self.found[from..to],
            current: self
                .current
                .and_then(|c| (from..to).contains(&c).then(|| c - from)),
        }
    }
}

/// A scroll the conversation makes this frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scroll {
    /// Bring the line with this index to the middle of the view.
    ToLine(usize),
    /// By this many pages (negative: up).
    Pages(f32),
    /// To the newest line (and stay there as lines come).
    End,
}

/// How much of the view a page (Page Up, Page Down) is: a little is kept.
const PAGE: f32 = 0.9;

/// The background of a match, and of the current match.
fn mark_colors(visuals: &egui::Visuals) -> (Color32, Color32) {
    if visuals.dark_mode {
        (
            Color32::from_rgb(100, 85, 20),
            Color32::from_rgb(190, 105, 10),
        )
    } else {
        (
            Color32::from_rgb(255, 235, 130),
            Color32::from_rgb(255, 165, 60),
        )
    }
}

/// Appends `text` with the ranges in `marks` (sorted, of `text`) on a
/// highlighted background, the `current` one (an index in `marks`) stronger.
fn append_marked(
    job: &mut LayoutJob,
    text: &str,
    leading: f32,
    format: &TextFormat,
    marks: &[Found],
    current: Option<usize>,
    colors: (Color32, Color32),
) {
    let mut at = 0;
    let mut leading = leading;
    for (k, found) in marks.iter().enumerate() {
        let (start, end) = (found.range.start.max(at), found.range.end.min(text.len()));
        if start >= end || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            continue;
        }
        if start > at {
            job.append(&text[at..start], leading, format.clone());
            leading = 0.0;
        }
        let mut marked = format.clone();
        marked.background = if Some(k) == current {
            colors.1
        } else {
            colors.0
        };
        job.append(&text[start..end], leading, marked);
        leading = 0.0;
        at = end;
    }
    if at < text.len() || at == 0 {
        job.append(&text[at..], leading, format.clone());
    }
}

/// Lays out one line as it is drawn, the search's matches in it marked.
fn layout(
    ui: &Ui,
    line: &ChatLine,
    width: f32,
    marks: &[Found],
    current: Option<usize>,
) -> Arc<Galley> {
    let colors = mark_colors(ui.visuals());
    if line.is_divider() {
        let color = divider_color(ui.visuals());
        let mut job = LayoutJob::default();
        let format = TextFormat::simple(FontId::proportional(13.0), color);
        append_marked(&mut job, &line.text, 0.0, &format, marks, current, colors);
        job.wrap.max_width = (width - 2.0 * DIVIDER_RULE).max(60.0);
        return ui.fonts_mut(|f| f.layout_job(job));
    }
    let style = ui.style();
    let dark = style.visuals.dark_mode;
    let body = FontId::proportional(14.0);
    let small = FontId::proportional(11.5);
    let weak = style.visuals.weak_text_color();
    // What the room said before we came (or while we were away): dimmed.
    let dim = |c: Color32| {
        if line.is_history() {
            c.gamma_multiply(HISTORY_DIM)
        } else {
            c
        }
    };
    let text = dim(style.visuals.text_color());
    let mut job = LayoutJob::default();
    job.wrap.max_width = width;
    let fmt = |font: &FontId, color: Color32| TextFormat::simple(font.clone(), color);
    job.append(&clock(line.time_ms), 0.0, fmt(&small, weak));
    if line.is_notice() {
        let mut f = fmt(&body, weak);
        f.italics = true;
        job.append("• ", 8.0, f.clone());
        append_marked(&mut job, &line.text, 0.0, &f, marks, current, colors);
    } else {
        let color = if line.is_own() {
            if dark {
                Color32::from_rgb(110, 170, 255)
            } else {
                Color32::from_rgb(20, 90, 200)
            }
        } else {
            nick_color(&line.nick, &style.visuals)
        };
        let who = if line.is_own() {
            crate::tr!("chat-you", nick = line.nick.as_str())
        } else {
            line.nick.clone()
        };
        // An action (`/me waves`) reads as one: the name, then the action
        // in italics. Never a `•` or `*` line: those are the room's own
        // notices, which nobody may pass for.
        if let Some(act) = crate::ui::state::action(&line.text) {
            job.append(&who, 8.0, fmt(&FontId::proportional(14.0), dim(color)));
            let mut f = fmt(&body, text);
            f.italics = true;
            append_marked(&mut job, act, 6.0, &f, marks, current, colors);
        } else {
            job.append(&who, 8.0, fmt(&FontId::proportional(14.0), dim(color)));
            let f = fmt(&body, text);
            append_marked(&mut job, &line.text, 8.0, &f, marks, current, colors);
        }
        if let Some(d) = &line.delivery {
            let (icon, words) = delivery_text(d);
            let color = match d {
                Delivery::NotDelivered(_) => style.visuals.error_fg_color,
                _ => weak,
            };
            job.append(&format!("{icon} {words}"), 8.0, fmt(&small, color));
        }
    }
    ui.fonts_mut(|f| f.layout_job(job))
}

/// Heights of the lines at one width: estimated from the text for lines
/// never shown, measured exactly for lines that were drawn. Drawing only
/// lays out the lines in view, so the cost of a frame does not grow with the
/// history; positions are prefix sums, recomputed (a cheap pass over the
/// heights) only when a measurement corrects an estimate.
#[derive(Debug, Default)]
pub struct HeightCache {
    width: f32,
    /// The id of the last line measured: when lines before it were
    /// removed (trimmed, or resent), it is no longer at its index and
    /// every height is taken again.
    last_id: Option<LineId>,
    heights: Vec<f32>,
    /// Top of each line, and the total at the end.
    tops: Vec<f32>,
    dirty: bool,
    /// How far the view was scrolled down, as of the last frame.
    offset: f32,
    /// The galleys of the lines in view.
    galleys: Galleys<LineId>,
}

const GAP: f32 = 6.0;
const RESEND_ROW: f32 = 24.0;
/// Height of one row of 14-point text.
const ROW: f32 = 18.0;

/// A cheap guess at a line's height: its width in average glyphs (wide
/// scripts count double), wrapped at `width`.
fn estimate(line: &ChatLine, width: f32) -> f32 {
    let glyphs: f32 = line
        .text
        .chars()
        .map(|c| if u32::from(c) >= 0x1100 { 2.0 } else { 1.0 })
        .sum::<f32>()
        + line.nick.len() as f32
        + 14.0;
    let per_row = (width / 7.0).max(1.0);
    let rows = line
        .text
        .split('\n')
        .count()
        .max((glyphs / per_row).ceil() as usize)
        .max(1);
    rows as f32 * ROW + extra(line) + GAP
}

impl HeightCache {
    fn sync(&mut self, lines: &[ChatLine], width: f32) {
        let moved = self
            .heights
            .len()
            .checked_sub(1)
            .is_some_and(|last| lines.get(last).map(|l| l.id) != self.last_id);
        if (self.width - width).abs() > 0.5 || self.heights.len() > lines.len() || moved {
            self.width = width;
            self.heights.clear();
        }
        self.last_id = lines.last().map(|l| l.id);
        if self.heights.len() < lines.len() {
            let start = self.heights.len();
            self.heights
                .extend(lines[start..].iter().map(|l| estimate(l, width)));
            self.dirty = true;
        }
        if self.dirty || self.tops.len() != self.heights.len() + 1 {
            self.tops.clear();
            self.tops.reserve(self.heights.len() + 1);
            let mut top = 0.0;
            self.tops.push(top);
            for h in &self.heights {
                top += h;
                self.tops.push(top);
            }
            self.dirty = false;
        }
    }

    /// Records a line's measured height; true if the estimate was off.
    fn measured(&mut self, index: usize, height: f32) -> bool {
        match self.heights.get_mut(index) {
            Some(h) if (*h - height).abs() > 0.5 => {
                *h = height;
                self.dirty = true;
                true
            }
            _ => false,
        }
    }

    /// How far the view was scrolled down, as of the last frame, in points.
    #[must_use]
    pub fn offset(&self) -> f32 {
        self.offset
    }

    /// The galleys of the lines in view (and how many lines were laid out).
    #[must_use]
    pub fn galleys(&self) -> &Galleys<LineId> {
        &self.galleys
    }

    /// Forgets every measurement (lines were removed or changed in place).
    pub fn invalidate(&mut self) {
        self.heights.clear();
        self.dirty = true;
    }
}

/// What every line's galley depends on besides the line itself.
struct Look<'a> {
    width: f32,
    me: &'a str,
    /// The colours' fingerprint (a theme change lays everything out again).
    colors: u64,
}

/// One line's search marks.
#[derive(Clone, Copy)]
struct LineMarks<'a> {
    found: &'a [Found],
    current: Option<usize>,
}

impl<'a> Look<'a> {
    fn new(ui: &Ui, width: f32, me: &'a str) -> Self {
        Self {
            width,
            me,
            colors: crate::ui::galleys::colors_key(ui.visuals()),
        }
    }

    fn key(&self, line: &ChatLine, marks: LineMarks<'_>) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.width.to_bits().hash(&mut h);
        self.colors.hash(&mut h);
        self.me.hash(&mut h);
        // A line's words ("(you)", its delivery) are in the language.
        crate::i18n::current().hash(&mut h);
        line.hash(&mut h);
        marks.found.iter().for_each(|f| f.range.hash(&mut h));
        marks.current.hash(&mut h);
        h.finish()
    }
}

/// Lays out `line` and says whether it names us.
fn shape(ui: &Ui, line: &ChatLine, look: &Look<'_>, marks: LineMarks<'_>) -> (Arc<Galley>, bool) {
    let galley = layout(ui, line, look.width, marks.found, marks.current);
    let mentions =
        !line.is_own() && !line.is_notice() && crate::ui::state::mentions(&line.text, look.me);
    (galley, mentions)
}

fn extra(line: &ChatLine) -> f32 {
    if line.is_divider() {
        2.0 * DIVIDER_PAD
    } else if matches!(line.delivery, Some(Delivery::NotDelivered(_))) {
        RESEND_ROW
    } else {
        0.0
    }
}

/// Draws the conversation, with `marks`, making `scroll`; returns the id of
/// a line whose "Resend" was clicked. Lines of others that name `me` are
/// highlighted.
pub fn conversation_ui(
    ui: &mut Ui,
    lines: &[ChatLine],
    cache: &mut HeightCache,
    me: &str,
    marks: Marks<'_>,
    scroll: Option<Scroll>,
) -> Option<LineId> {
    let width = (ui.available_width() - 16.0).max(100.0);
    cache.sync(lines, width);
    cache.galleys.begin(ui);
    let look = Look::new(ui, width, me);
    let total = cache.tops.last().copied().unwrap_or(0.0);
    let mut resend = None;
    let mut corrected = false;
    let output = egui::ScrollArea::vertical()
        .id_salt("conversation")
        .stick_to_bottom(true)
        .auto_shrink([false, false])
        .show_viewport(ui, |ui, viewport| {
            ui.set_height(total);
            ui.set_width(width);
            let origin = ui.min_rect().min;
            let now = egui::style::ScrollAnimation::none();
            match scroll {
                Some(Scroll::Pages(pages)) => {
                    // A positive delta scrolls up.
                    let delta = -pages * PAGE * viewport.height();
                    ui.scroll_with_delta_animation(egui::vec2(0.0, delta), now);
                }
                Some(Scroll::End) => {
                    let delta = -(total + viewport.height());
                    ui.scroll_with_delta_animation(egui::vec2(0.0, delta), now);
                }
                Some(Scroll::ToLine(i)) if i < lines.len() => {
                    let rect = egui::Rect::from_min_size(
                        origin + egui::vec2(0.0, cache.tops[i]),
                        egui::vec2(width, cache.heights[i]),
                    );
                    ui.scroll_to_rect_animation(rect, Some(egui::Align::Center), now);
                }
                _ => {}
            }
            let first = cache
                .tops
                .partition_point(|top| *top < viewport.min.y)
                .saturating_sub(1);
            for (i, line) in lines.iter().enumerate().skip(first) {
                let top = cache.tops[i];
                if top > viewport.max.y {
                    break;
                }
                let marks = marks.of_line(i);
                let shaped = cache.galleys.get(line.id, look.key(line, marks), || {
                    shape(ui, line, &look, marks)
                });
                let (galley, mentions) = (shaped.galley.clone(), shaped.flag);
                let height = galley.size().y + extra(line);
                corrected |= cache.measured(i, height + GAP);
                let rect = egui::Rect::from_min_size(
                    origin + egui::vec2(0.0, top),
                    egui::vec2(width, height),
                );
                if line.is_divider() {
                    divider_ui(ui, rect, galley);
                    continue;
                }
                if mentions {
                    let color = ui.visuals().warn_fg_color.gamma_multiply(0.18);
                    ui.painter().rect_filled(rect.expand(2.0), 3.0, color);
                }
                ui.scope_builder(egui::UiBuilder::new().max_rect(rect), |ui| {
                    ui.add(
                        egui::Label::new(galley)
                            .selectable(true)
                            .sense(Sense::click()),
                    );
                    if matches!(line.delivery, Some(Delivery::NotDelivered(_)))
                        && ui.small_button(crate::tr!("chat-resend")).clicked()
                    {
                        resend = Some(line.id);
                    }
                });
            }
        });
    cache.offset = output.state.clamped_offset().y;
    if corrected {
        // Positions move once the measured heights are in: draw again.
        ui.ctx().request_repaint();
    }
    resend
}

/// A rule across `rect` with the divider's text in the middle.
fn divider_ui(ui: &mut Ui, rect: egui::Rect, galley: Arc<Galley>) {
    let text = egui::Align2::CENTER_CENTER.align_size_within_rect(galley.size(), rect);
    let stroke = Stroke::new(1.0, divider_color(ui.visuals()));
    let y = rect.center().y;
    let gap = 10.0;
    ui.painter()
        .hline(rect.left()..=(text.left() - gap), y, stroke);
    ui.painter()
        .hline((text.right() + gap)..=rect.right(), y, stroke);
    ui.put(text, egui::Label::new(galley).selectable(true));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: LineId, text: &str) -> ChatLine {
        ChatLine::from_ana(id, text)
    }

    #[test]
    fn heights_follow_lines_not_indexes() {
        let short = "hi";
        let long = "long words ".repeat(200);
        let mut lines = vec![line(1, &long), line(2, short)];
        let mut cache = HeightCache::default();
        cache.sync(&lines, 400.0);
        assert!(cache.measured(0, 500.0));
        // Appending keeps what was measured.
        lines.push(line(3, short));
        cache.sync(&lines, 400.0);
        assert!((cache.heights[0] - 500.0).abs() < 0.1);
        // The first line leaves and one comes: same count, other lines.
        lines.remove(0);
        lines.push(line(4, short));
        cache.sync(&lines, 400.0);
        assert!(
            (cache.heights[0] - estimate(&lines[0], 400.0)).abs() < 0.1,
            "a short line took the measured height of the long line before it"
        );
        assert_eq!(cache.heights.len(), lines.len());
        assert_eq!(cache.tops.len(), lines.len() + 1);
    }

    #[test]
    fn clock_formats_hours_and_minutes() {
        // 1970-01-01 01:02 UTC; with no offset initialised, UTC is used.
        assert_eq!(clock(3_720_000), "01:02");
    }
}
