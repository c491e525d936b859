//! The decoded handshake, and each record after it, as indented text
//! lines (headless `--show-handshake`) in the current language, as the
//! window's "On the wire" words them; every value made visible again on
//! the way out.

use super::{Field, Handshake, Step};
use crate::net::safe_text::visible_line as shown;

/// How deep the tree is printed at most (it is at most four deep).
const MAX_DEPTH: usize = 6;

/// The tree, one line per field, notes as `# …` lines under the messages.
#[must_use]
pub fn lines(h: &Handshake, with_notes: bool) -> Vec<String> {
    let mut out = Vec::new();
    for step in &h.steps {
        out.extend(step_lines(step, with_notes));
    }
    for note in &h.notes {
        out.push(format!("note: {}", shown(&note.text())));
    }
    out
}

/// One record: its title (when, which way, what, its size), then its
/// messages' fields (an opened record's: its sequence number, nonce,
/// sizes, and the plaintext it carried).
#[must_use]
pub fn step_lines(step: &Step, with_notes: bool) -> Vec<String> {
    let mut out = vec![crate::tr!(
        "wire-step-title",
        ms = format!("{:>9.3}", step.time_us as f64 / 1000.0),
        dir = step.direction.arrow(),
        title = shown(&step.shown_title()).into_owned(),
        bytes = step.record.len()
    )];
    for m in &step.messages {
        field(&mut out, m, 1, with_notes);
    }
    out
}

fn field(out: &mut Vec<String>, f: &Field, depth: usize, with_notes: bool) {
    let indent = "  ".repeat(depth);
    let name = super::label(&f.name);
    if f.value.is_empty() {
        out.push(format!("{indent}{}", shown(&name)));
    } else {
        let line = crate::tr!(
            "wire-field",
            name = shown(&name).into_owned(),
            value = shown(&f.shown_value()).into_owned()
        );
        out.push(format!("{indent}{line}"));
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
