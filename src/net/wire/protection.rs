//! How an opened record was protected, as fields: its sequence number,
//! the nonce made from it, the encrypted bytes and the AEAD tag, and
//! (TLS 1.3) the inner content type and padding; and the data it
//! carried, as text.

use super::decrypt::Opened;
use super::{Field, Layer, Span, content_type_name};
use crate::net::certinfo::hex;
use crate::net::safe_text::{Newlines, visible_bytes};

/// The AEAD tag's length (every suite tlschat opens).
const TAG: usize = 16;
/// The most characters of a record's data shown as text.
const MAX_TEXT: usize = 512;

fn record(start: usize, len: usize) -> Option<Span> {
    Some(Span {
        layer: Layer::Record,
        start,
        len,
    })
}

fn plain(start: usize, len: usize) -> Option<Span> {
    Some(Span {
        layer: Layer::Plain,
        start,
        len,
    })
}

/// The "encryption" field of an opened record (`record` is the whole
/// record; `application`: its sender had finished its handshake).
pub(super) fn field(record_bytes: &[u8], o: &Opened, tls13: bool, application: bool) -> Field {
    let payload = record_bytes.len().saturating_sub(5);
    let encrypted = payload.saturating_sub(o.explicit_len + TAG);
    let tag_at = 5 + o.explicit_len + encrypted;
    let mut children = vec![
        Field::new("sequence number", o.seq.to_string(), None)
            .with_note(crate::msg!("wire-note-seq")),
    ];
    if o.generation > 0 {
        children.push(Field::new(
            "traffic secret",
            crate::msg!("wire-value-key-updates", count = o.generation),
            None,
        ));
    }
    let nonce_note = if o.explicit_len > 0 {
        crate::msg!("wire-note-nonce-explicit")
    } else {
        crate::msg!("wire-note-nonce-xor")
    };
    children.push(Field::new("nonce", hex(&o.nonce), None).with_note(nonce_note));
    if o.explicit_len > 0 {
        children.push(Field::new(
            "explicit nonce",
            record_bytes.get(5..13).map(hex).unwrap_or_default(),
            record(5, o.explicit_len),
        ));
    }
    children.push(
        Field::new(
            "encrypted bytes",
            crate::msg!("wire-value-bytes", count = encrypted),
            record(5 + o.explicit_len, encrypted),
        )
        .with_note(crate::msg!("wire-note-ciphertext")),
    );
    children.push(
        Field::new(
            "AEAD tag",
            record_bytes.get(tag_at..).map(hex).unwrap_or_default(),
            record(tag_at, TAG),
        )
        .with_note(crate::msg!("wire-note-tag")),
    );
    if tls13 {
        let n = o.content.len();
        children.push(
            Field::new(
                "inner content type",
                format!("{} ({})", content_type_name(o.content_type), o.content_type),
                plain(n, 1),
            )
            .with_note(crate::msg!("wire-note-inner-type")),
        );
        children.push(
            Field::new(
                "padding",
                crate::msg!("wire-value-bytes", count = o.padding),
                plain(n + 1, o.padding),
            )
            .with_note(crate::msg!("wire-note-padding")),
        );
    }
    let (opened, note) = match (tls13, application) {
        (true, true) => (
            crate::msg!("wire-value-opened-application"),
            crate::msg!("wire-note-opened-application"),
        ),
        (true, false) => (
            crate::msg!("wire-value-opened-handshake"),
            crate::msg!("wire-note-opened-handshake"),
        ),
        (false, _) => (
            crate::msg!("wire-value-opened-master"),
            crate::msg!("wire-note-opened-master"),
        ),
    };
    Field::new("encryption", opened, None)
        .with_children(children)
        .with_note(note)
}

/// The data a record carried as a field, and a preview of at most
/// `preview` characters for its title.
pub(super) fn data_field(content: &[u8], span: Option<Span>, preview: usize) -> (Field, String) {
    let text = visible_bytes(content, Newlines::Escape);
    let shown: String = text.chars().take(MAX_TEXT).collect();
    let more = if text.chars().count() > MAX_TEXT {
        " …"
    } else {
        ""
    };
    let short: String = text.chars().take(preview).collect();
    let short_more = if text.chars().count() > preview {
        "…"
    } else {
        ""
    };
    let field = Field::new(
        "application data",
        crate::msg!(
            "wire-value-data",
            count = content.len(),
            text = format!("{shown}{more}")
        ),
        span,
    )
    .with_note(crate::msg!("wire-note-application-data"));
    (field, format!("{short}{short_more}"))
}
