//! "On the wire": every record of the connection's handshake in order,
//! then the last records after it as they come (each opened: sequence
//! number, nonce, ciphertext, tag, and the plaintext it carried), each
//! message's fields as an expandable tree, and beside it a hex pane in
//! which the selected field's bytes are highlighted. The two panes share
//! the window's height and scroll each on its own. The tree is
//! [`crate::net::wire`]'s; this view only draws it and remembers the
//! selection (in egui's memory, per window).

use egui::text::LayoutJob;
use egui::{FontId, RichText, TextFormat, Ui};

use crate::net::safe_text::visible_line;
use crate::net::wire::live::{KEEP, Live};
use crate::net::wire::{Direction, Field, Handshake, Layer, Span, Step};

/// Bytes per row of the hex pane.
const ROW: usize = 16;
/// The width the hex pane asks for: a row of 16 bytes with its offset.
const HEX_WIDTH: f32 = 440.0;
/// The least width left to the tree.
const TREE_MIN_WIDTH: f32 = 260.0;
/// How many highlighted bytes the "highlighted" line spells out.
const SPELLED: usize = 48;

/// Which field is selected: the record (its direction and place among
/// the records that went that way, which stay as records come and go),
/// then the path of child indexes (0 the record header, 1.. the messages).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Selected {
    direction: Direction,
    index: u64,
    path: Vec<usize>,
}

/// Every record shown: the handshake's, then those kept after it.
struct Records<'a> {
    handshake: &'a Handshake,
    after: Vec<std::sync::Arc<Step>>,
}

impl Records<'_> {
    fn all(&self) -> impl Iterator<Item = &Step> {
        self.handshake
            .steps
            .iter()
            .chain(self.after.iter().map(|s| &**s))
    }
}

fn resolve<'h>(records: &'h Records<'_>, s: &Selected) -> Option<(&'h Step, &'h Field)> {
    let step = records
        .all()
        .find(|r| r.direction == s.direction && r.index == s.index)?;
    let (first, rest) = s.path.split_first()?;
    let mut field = match first {
        0 => &step.header,
        n => step.messages.get(n - 1)?,
    };
    for i in rest {
        field = field.children.get(*i)?;
    }
    Some((step, field))
}

fn field_text(f: &Field) -> String {
    let name = crate::net::wire::label(&f.name);
    if f.value.is_empty() {
        visible_line(&name).into_owned()
    } else {
        crate::tr!(
            "wire-field",
            name = visible_line(&name).into_owned(),
            value = visible_line(&f.shown_value()).into_owned()
        )
    }
}

/// The view: the tree on the left, the selected field with its bytes on
/// the right, both as tall as the space left. `live`: the records after
/// the handshake, when they are followed.
pub fn wire_ui(ui: &mut Ui, h: &Handshake, live: Option<&Live>) {
    let id = ui.make_persistent_id("wire-selection");
    let mut selected: Option<Selected> = ui.data(|d| d.get_temp(id)).flatten();
    let before = selected.clone();
    let records = Records {
        handshake: h,
        after: live.map(Live::records).unwrap_or_default(),
    };
    let intro = if live.is_some() {
        crate::tr!("wire-intro-live", keep = KEEP)
    } else {
        crate::tr!("wire-intro-handshake")
    };
    ui.add(egui::Label::new(intro).wrap());
    ui.add_space(4.0);
    let size = ui.available_size();
    let gap = 2.0 * ui.spacing().item_spacing.x + 6.0;
    let hex_width = HEX_WIDTH.min((size.x - TREE_MIN_WIDTH - gap).max(size.x / 2.0));
    let tree_width = (size.x - hex_width - gap).max(0.0);
    ui.horizontal_top(|ui| {
        pane(ui, egui::vec2(tree_width, size.y), |ui| {
            // Vertical only: the tree's lines wrap at the pane's width.
            egui::ScrollArea::vertical()
                .id_salt("wire-tree")
                .auto_shrink([false, false])
                .stick_to_bottom(true)
                .show(ui, |ui| tree_ui(ui, &records, live, &mut selected));
        });
        ui.separator();
        pane(ui, egui::vec2(hex_width, size.y), |ui| {
            selected_ui(ui, &records, selected.as_ref(), before == selected);
        });
    });
    ui.data_mut(|d| d.insert_temp(id, selected));
}

/// A column of exactly `size`.
fn pane(ui: &mut Ui, size: egui::Vec2, add: impl FnOnce(&mut Ui)) {
    ui.allocate_ui_with_layout(size, egui::Layout::top_down(egui::Align::Min), |ui| {
        ui.set_min_size(size);
        ui.set_max_size(size);
        add(ui);
    });
}

/// Every step, its fields as a tree, then the recorder's notes.
fn tree_ui(
    ui: &mut Ui,
    records: &Records<'_>,
    live: Option<&Live>,
    selected: &mut Option<Selected>,
) {
    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Wrap);
    for step in &records.handshake.steps {
        step_ui(ui, step, selected);
    }
    for note in &records.handshake.notes {
        ui.label(RichText::new(visible_line(&note.text())).italics());
    }
    let Some(live) = live else {
        return;
    };
    ui.separator();
    ui.label(
        RichText::new(crate::tr!(
            "wire-after-handshake",
            to_host = live.count(Direction::ToHost),
            to_member = live.count(Direction::ToMember),
            keep = KEEP
        ))
        .strong(),
    );
    if records.after.is_empty() {
        ui.label(RichText::new(crate::tr!("wire-nothing-yet")).italics());
    }
    for step in &records.after {
        step_ui(ui, step, selected);
    }
    for note in live.notes() {
        ui.label(RichText::new(visible_line(&note.text())).italics());
    }
}

/// One record: its title, opening to its header and messages.
fn step_ui(ui: &mut Ui, step: &Step, selected: &mut Option<Selected>) {
    let title = crate::tr!(
        "wire-step-title",
        ms = format!("{:.3}", step.time_us as f64 / 1000.0),
        dir = step.direction.arrow(),
        title = visible_line(&step.shown_title()).into_owned(),
        bytes = step.record.len()
    );
    let at = Selected {
        direction: step.direction,
        index: step.index,
        path: vec![0],
    };
    egui::CollapsingHeader::new(wrapped(ui, title))
        .id_salt(("wire-step", step.direction == Direction::ToHost, step.index))
        .show(ui, |ui| {
            let mut at = at;
            field_ui(ui, &step.header, &mut at, selected);
            for (m, message) in step.messages.iter().enumerate() {
                at.path[0] = m + 1;
                field_ui(ui, message, &mut at, selected);
            }
        });
}

/// The selected field, what it means, and its bytes (`same`: the same
/// selection as last frame).
fn selected_ui(ui: &mut Ui, records: &Records<'_>, selected: Option<&Selected>, same: bool) {
    match selected.and_then(|s| resolve(records, s)) {
        Some((step, field)) => {
            ui.add(egui::Label::new(RichText::new(field_text(field)).strong()).wrap());
            if !field.note.is_empty() {
                ui.add(egui::Label::new(visible_line(&field.note.text()).into_owned()).wrap());
            }
            // A new selection brings its first byte into view.
            let reveal = if same { Reveal::Stay } else { Reveal::ScrollTo };
            hex_ui(ui, step, field.span, reveal);
        }
        None => {
            ui.label(crate::tr!("wire-select-a-field"));
        }
    }
}

/// A field: a selectable line, or (with parts) a header that opens its
/// parts and selects it.
fn field_ui(ui: &mut Ui, f: &Field, at: &mut Selected, selected: &mut Option<Selected>) {
    let text = field_text(f);
    let is_selected = selected.as_ref() == Some(&*at);
    let picked = if f.children.is_empty() {
        ui.selectable_label(is_selected, text).clicked()
    } else {
        let title = if is_selected {
            RichText::new(text)
                .color(ui.visuals().selection.stroke.color)
                .strong()
        } else {
            RichText::new(text)
        };
        let shown = egui::CollapsingHeader::new(wrapped(ui, title))
            .id_salt((
                "wire-field",
                at.direction == Direction::ToHost,
                at.index,
                at.path.clone(),
            ))
            .show(ui, |ui| {
                for (i, c) in f.children.iter().enumerate() {
                    at.path.push(i);
                    field_ui(ui, c, at, selected);
                    at.path.pop();
                }
            });
        shown.header_response.clicked()
    };
    if picked {
        *selected = Some(at.clone());
    }
}

/// A collapsing header's title, laid out to wrap at the width the header
/// gives its text (egui lays a header's text out on one line, however
/// long: a record's title would run past the tree's edge).
fn wrapped(ui: &Ui, text: impl Into<egui::WidgetText>) -> egui::WidgetText {
    let width = ui.available_width() - ui.spacing().indent;
    egui::WidgetText::Galley(text.into().into_galley(
        ui,
        Some(egui::TextWrapMode::Wrap),
        width,
        egui::TextStyle::Button,
    ))
}

/// Bytes as hex in groups of two, as a packet dump shows them.
pub(crate) fn spaced_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether the hex view brings the selected field's first byte into view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reveal {
    /// A new selection: scroll to it.
    ScrollTo,
    /// The same selection as last frame: leave the scrolling to the user.
    Stay,
}

/// The bytes of the selected field's layer (the record, or its decrypted
/// content), the field's own highlighted.
fn hex_ui(ui: &mut Ui, step: &Step, span: Option<Span>, reveal: Reveal) {
    let layer = span.map_or(Layer::Record, |s| s.layer);
    let bytes: &[u8] = match layer {
        Layer::Record => &step.record,
        Layer::Plain => step.plain.as_deref().unwrap_or(&[]),
        Layer::Joined => step.joined.as_deref().unwrap_or(&[]),
    };
    let range = span.map(|s| s.start..s.start.saturating_add(s.len));
    let what = match layer {
        Layer::Record => crate::tr!("wire-bytes-record"),
        Layer::Plain => crate::tr!("wire-bytes-plain"),
        Layer::Joined => crate::tr!("wire-bytes-joined"),
    };
    match (&range, range.as_ref().and_then(|r| bytes.get(r.clone()))) {
        (Some(r), Some(hl)) => {
            ui.label(crate::tr!(
                "wire-bytes-field",
                what = what,
                total = bytes.len(),
                first = r.start,
                last = r.end.saturating_sub(1),
                len = hl.len()
            ));
            let more = if hl.len() > SPELLED { " …" } else { "" };
            ui.add(
                egui::Label::new(
                    RichText::new(crate::tr!(
                        "wire-highlighted",
                        hex = format!("{}{more}", spaced_hex(&hl[..hl.len().min(SPELLED)]))
                    ))
                    .monospace(),
                )
                .wrap(),
            );
        }
        _ => {
            ui.label(crate::tr!(
                "wire-bytes-none",
                what = what,
                total = bytes.len()
            ));
        }
    }
    let font = FontId::monospace(12.0);
    let row_height = ui.fonts_mut(|f| f.row_height(&font));
    let rows = bytes.len().div_ceil(ROW);
    let normal = ui.visuals().text_color();
    let (hl_bg, hl_fg) = (
        ui.visuals().selection.bg_fill,
        ui.visuals().selection.stroke.color,
    );
    // The rest of the pane's height, however tall the window is.
    ui.add_space(4.0);
    let mut area = egui::ScrollArea::both()
        .id_salt("wire-hex")
        .max_height(ui.available_height())
        .auto_shrink([false, false]);
    if reveal == Reveal::ScrollTo
        && let Some(r) = &range
    {
        let row = (r.start / ROW).saturating_sub(1);
        area = area.vertical_scroll_offset(row as f32 * (row_height + ui.spacing().item_spacing.y));
    }
    area.show_rows(ui, row_height, rows, |ui, shown| {
        for row in shown {
            let mut job = LayoutJob::default();
            let plain = TextFormat::simple(font.clone(), normal);
            job.append(&format!("{:04x}  ", row * ROW), 0.0, plain.clone());
            let start = row * ROW;
            for (i, b) in bytes.iter().enumerate().skip(start).take(ROW) {
                let lit = range.as_ref().is_some_and(|r| r.contains(&i));
                let format = if lit {
                    TextFormat {
                        background: hl_bg,
                        color: hl_fg,
                        ..TextFormat::simple(font.clone(), hl_fg)
                    }
                } else {
                    plain.clone()
                };
                job.append(&format!("{b:02x}"), 0.0, format);
                job.append(" ", 0.0, plain.clone());
            }
            ui.label(job);
        }
    });
}
