//! The decoded handshake as indented text lines (headless
//! `--show-handshake`), every value made visible again on the way out.

use super::{Field, Handshake};
use crate::net::safe_text::visible_line as shown;

/// How deep the tree is printed at most (it is at most four deep).
const MAX_DEPTH: usize = 6;

/// The tree, one line per field, notes as `# …` lines under the messages.
#[must_use]
pub fn lines(h: &Handshake, with_notes: bool) -> Vec<String> {
    let mut out = Vec::new();
    for step in &h.steps {
        out.push(format!(
            "{:>9.3} ms  {}  {} ({} bytes)",
            step.time_us as f64 / 1000.0,
            step.direction.arrow(),
            shown(&step.shown_title()),
            step.record.len()
        ));
        for m in &step.messages {
            field(&mut out, m, 1, with_notes);
        }
    }
    for note in &h.notes {
        out.push(format!("note: {}", shown(&note.text())));
    }
    out
}

fn field(out: &mut Vec<String>, f: &Field, depth: usize, with_notes: bool) {
    let indent = "  ".repeat(depth);
    let name = super::label(&f.name);
    if f.value.is_empty() {
        out.push(format!("{indent}{}", shown(&name)));
    } else {
        out.push(format!(
            "{indent}{}: {}",
            shown(&name),
            shown(&f.shown_value())
        ));
    }
    if with_notes && !f.note.is_empty() {
        out.push(format!("{indent}  # {}", shown(&f.note.text())));
    }
    if depth < MAX_DEPTH {
        for c in &f.children {
            field(out, c, depth + 1, with_notes);
        }
    }
}
