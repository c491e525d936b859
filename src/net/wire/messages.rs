//! Handshake messages and their extensions as fields, parsed with
//! `tls-parser` (and, where it has no TLS 1.3 structure — Certificate,
//! CertificateVerify, key shares, supported_versions —, with a small
//! bounds-checked reader). Each field keeps where its bytes are.

use tls_parser::TlsExtension;

use super::{Direction, Field, Layer, Span, Value, Walk, finished, start_decrypting, version_name};
use crate::net::safe_text::{Newlines, visible_bytes};
use crate::net::tlsopts::TlsVersion;

/// The bytes being parsed: `buf` starts at `base` in its layer.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    buf: &'a [u8],
    base: usize,
    layer: Layer,
}

impl Ctx<'_> {
    /// Where `part` (a slice of `buf`, as `tls-parser` hands them out) is,
    /// if it is one: compared by address, no pointer is dereferenced.
    fn span(&self, part: &[u8]) -> Option<Span> {
        let b = self.buf.as_ptr() as usize;
        let p = part.as_ptr() as usize;
        let start = p.checked_sub(b)?;
        (start.checked_add(part.len())? <= self.buf.len()).then_some(Span {
            layer: self.layer,
            start: self.base + start,
            len: part.len(),
        })
    }
}

/// The first two bytes, big-endian (0 if there are fewer).
fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([
        b.first().copied().unwrap_or(0),
        b.get(1).copied().unwrap_or(0),
    ])
}

/// The most entries of one list (cipher suites, groups …) shown one by
/// one; a hostile hello may carry thousands.
const MAX_LIST: usize = 256;

/// A bounds-checked reader over a slice.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, tail) = (self.rest.get(..n)?, self.rest.get(n..)?);
        self.rest = tail;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }
    fn u16(&mut self) -> Option<u16> {
        let b = self.take(2)?;
        Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
    }
    fn u24(&mut self) -> Option<usize> {
        let b = self.take(3)?;
        Some(
            usize::from(*b.first()?) << 16 | usize::from(*b.get(1)?) << 8 | usize::from(*b.get(2)?),
        )
    }
    fn vec8(&mut self) -> Option<&'a [u8]> {
        let n = self.u8()?;
        self.take(usize::from(n))
    }
    fn vec16(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }
    fn vec24(&mut self) -> Option<&'a [u8]> {
        let n = self.u24()?;
        self.take(n)
    }
}

fn suite_name(code: u16) -> String {
    rustls::CipherSuite::from(code)
        .as_str()
        .map_or_else(|| grease_or_hex(code), str::to_string)
}

fn group_name(code: u16) -> String {
    rustls::NamedGroup::from(code)
        .as_str()
        .map_or_else(|| grease_or_hex(code), str::to_string)
}

fn scheme_name(code: u16) -> String {
    rustls::SignatureScheme::from(code)
        .as_str()
        .map_or_else(|| grease_or_hex(code), str::to_string)
}

fn grease_or_hex(code: u16) -> String {
    if code & 0x0f0f == 0x0a0a {
        format!("GREASE (0x{code:04x})")
    } else {
        format!("0x{code:04x}")
    }
}

fn extension_name(code: u16) -> String {
    match code {
        0 => "server_name".into(),
        1 => "max_fragment_length".into(),
        5 => "status_request".into(),
        10 => "supported_groups".into(),
        11 => "ec_point_formats".into(),
        13 => "signature_algorithms".into(),
        16 => "application_layer_protocol_negotiation".into(),
        18 => "signed_certificate_timestamp".into(),
        21 => "padding".into(),
        22 => "encrypt_then_mac".into(),
        23 => "extended_master_secret".into(),
        27 => "compress_certificate".into(),
        28 => "record_size_limit".into(),
        35 => "session_ticket".into(),
        41 => "pre_shared_key".into(),
        42 => "early_data".into(),
        43 => "supported_versions".into(),
        44 => "cookie".into(),
        45 => "psk_key_exchange_modes".into(),
        47 => "certificate_authorities".into(),
        49 => "post_handshake_auth".into(),
        50 => "signature_algorithms_cert".into(),
        51 => "key_share".into(),
        0xfe0d => "encrypted_client_hello".into(),
        0xff01 => "renegotiation_info".into(),
        c => grease_or_hex(c),
    }
}

/// The random a HelloRetryRequest carries instead of a random (RFC 8446 §4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// The most bytes of a handshake message carried over to the next
/// record (a long certificate chain fits; a hostile length does not).
const MAX_CARRY: usize = 64 * 1024;

/// Every handshake message in `buf` (a record's payload or decrypted
/// content starting at `base` in `layer`). A message that the records
/// before began is put together with its start first (then the spans are
/// in [`Layer::Joined`]); one that goes on in the next record is carried
/// over to it.
pub(super) fn parse_all(
    walk: &mut Walk,
    direction: Direction,
    buf: &[u8],
    base: usize,
    layer: Layer,
) -> Vec<Field> {
    let carry = std::mem::take(&mut walk.side(direction).carry);
    if carry.is_empty() {
        return parse_in(walk, direction, Ctx { buf, base, layer });
    }
    let mut joined = carry;
    joined.extend_from_slice(buf);
    if !first_message_ends(&joined) {
        // The whole record goes on with the message: it is carried on,
        // and only the record that ends it keeps it put together (one
        // copy in all, not one more for every record of a message cut in
        // thousands).
        return vec![carry_on(walk, direction, joined, Ctx { buf, base, layer })];
    }
    let ctx = Ctx {
        buf: &joined,
        base: 0,
        layer: Layer::Joined,
    };
    let fields = parse_in(walk, direction, ctx);
    walk.joined = Some(joined);
    fields
}

/// The most handshake messages of one record (or of messages put
/// together) shown one by one: a hostile record of 16 KiB may hold 4,096
/// empty ones, each a field of some 300 bytes. The rest are still walked
/// (a Finished or a KeyUpdate among them changes the keys) and counted.
pub(super) const MAX_MESSAGES: usize = 64;

/// Whether a message of this type changes what the walk knows (the
/// hellos' randoms and suite, a Finished, a KeyUpdate).
fn changes_the_walk(typ: u8) -> bool {
    matches!(typ, 1 | 2 | 20 | 24)
}

/// Whether the handshake message `bytes` start with is whole in them.
fn first_message_ends(bytes: &[u8]) -> bool {
    let mut r = Reader { rest: bytes };
    r.u8().zip(r.vec24()).is_some()
}

/// A record (`ctx`) that neither ends the message carried into it nor
/// starts another: `joined` (what was carried, then the record) is
/// carried on to the next record, if it is not too long.
fn carry_on(walk: &mut Walk, direction: Direction, joined: Vec<u8>, ctx: Ctx<'_>) -> Field {
    let count = ctx.buf.len();
    let value = if joined.len() <= MAX_CARRY {
        walk.side(direction).carry = joined;
        crate::msg!("wire-value-fragment", count = count)
    } else {
        crate::msg!("wire-value-fragment-too-long", count = count)
    };
    Field::new("fragment", value, ctx.span(ctx.buf))
}

fn parse_in(walk: &mut Walk, direction: Direction, ctx: Ctx<'_>) -> Vec<Field> {
    let mut out = Vec::new();
    let mut r = Reader { rest: ctx.buf };
    let mut not_shown = 0usize;
    while !r.rest.is_empty() {
        let start = r.rest;
        let Some((typ, body)) = r.u8().zip(r.vec24()) else {
            let (value, carried) = if start.len() <= MAX_CARRY {
                (
                    crate::msg!("wire-value-fragment", count = start.len()),
                    start.to_vec(),
                )
            } else {
                (
                    crate::msg!("wire-value-fragment-too-long", count = start.len()),
                    Vec::new(),
                )
            };
            walk.side(direction).carry = carried;
            out.push(Field::new("fragment", value, ctx.span(start)));
            break;
        };
        let whole = start.get(..4 + body.len()).unwrap_or(start);
        if out.len() < MAX_MESSAGES {
            out.push(message(walk, direction, typ, whole, body, ctx));
        } else {
            if changes_the_walk(typ) {
                message(walk, direction, typ, whole, body, ctx);
            }
            not_shown = not_shown.saturating_add(1);
        }
    }
    if not_shown > 0 {
        out.push(Field::new(
            "more messages",
            crate::msg!("wire-value-more-messages", count = not_shown),
            None,
        ));
    }
    out
}

fn message(
    walk: &mut Walk,
    direction: Direction,
    typ: u8,
    whole: &[u8],
    body: &[u8],
    ctx: Ctx<'_>,
) -> Field {
    let span = ctx.span(whole);
    let size = crate::msg!("wire-value-bytes", count = body.len());
    let tls13 = walk.version == Some(TlsVersion::Tls13);
    let random = || body.get(2..34).and_then(|r| r.try_into().ok());
    let parsed = match typ {
        1 => {
            walk.client_random = random();
            client_hello(body, ctx)
        }
        2 => {
            walk.server_random = random();
            server_hello(walk, body, ctx)
        }
        4 => Some(new_session_ticket(body, ctx, tls13)),
        8 => Some(
            Field::new("EncryptedExtensions", size.clone(), None)
                .with_children(extensions(body.get(2..).unwrap_or(&[]), ctx, false))
                .with_note(crate::msg!("wire-note-encrypted-extensions")),
        ),
        11 => Some(certificate(body, ctx, tls13)),
        12 => server_key_exchange(body, ctx),
        13 => Some(
            Field::new("CertificateRequest", size.clone(), None)
                .with_note(crate::msg!("wire-note-certificate-request")),
        ),
        14 => Some(Field::new("ServerHelloDone", "", None)),
        15 => certificate_verify(body, ctx),
        16 => Some(client_key_exchange(body, ctx)),
        24 => Some(key_update(walk, direction, body, ctx)),
        20 => {
            finished(walk, direction);
            Some(
                Field::new("Finished", size.clone(), None)
                    .with_children(vec![Field::new(
                        "verify_data",
                        crate::msg!("wire-value-verify-data", count = body.len()),
                        ctx.span(body),
                    )])
                    .with_note(crate::msg!("wire-note-finished")),
            )
        }
        t => Some(Field::new(
            format!("handshake message type {t}"),
            size.clone(),
            None,
        )),
    };
    let mut field = parsed.unwrap_or_else(|| {
        Field::new(
            format!("malformed handshake message type {typ}"),
            size.clone(),
            None,
        )
    });
    if field.value.is_empty() {
        field.set_value(size);
    }
    field.span = span;
    field
}

fn client_hello(body: &[u8], ctx: Ctx<'_>) -> Option<Field> {
    let (_, ch) = tls_parser::parse_tls_handshake_client_hello(body).ok()?;
    let mut fields = vec![
        Field::new(
            "legacy version",
            version_name(ch.version.0),
            body.get(..2).and_then(|b| ctx.span(b)),
        ),
        Field::new(
            "random",
            crate::net::certinfo::hex(ch.random),
            ctx.span(ch.random),
        )
        .with_note(crate::msg!("wire-note-client-random")),
    ];
    let sid = ch.session_id.unwrap_or(&[]);
    fields.push(Field::new(
        "session id",
        crate::msg!("wire-value-bytes", count = sid.len()),
        ctx.span(sid),
    ));
    // Layout (RFC 8446 §4.1.2): the suites follow the session id.
    let after_sid = 2 + 32 + 1 + sid.len();
    let mut r = Reader {
        rest: body.get(after_sid..)?,
    };
    let suites = r.vec16()?;
    let suite_fields: Vec<Field> = suites
        .chunks_exact(2)
        .take(MAX_LIST)
        .map(|c| {
            let code = be16(c);
            Field::new("cipher suite", suite_name(code), ctx.span(c))
        })
        .collect();
    fields.push(
        Field::new(
            "cipher suites",
            crate::msg!("wire-value-offered", count = suites.len() / 2),
            ctx.span(suites),
        )
        .with_children(suite_fields),
    );
    fields.push(Field::new(
        "compression methods",
        crate::msg!("wire-value-compression", count = ch.comp.len()),
        None,
    ));
    if let Some(ext) = ch.ext {
        let exts = extensions(ext, ctx, true);
        fields.push(
            Field::new(
                "extensions",
                crate::msg!("wire-value-extensions", count = exts.len()),
                ctx.span(ext),
            )
            .with_children(exts),
        );
    }
    Some(
        Field::new("ClientHello", "", None)
            .with_children(fields)
            .with_note(crate::msg!("wire-note-client-hello")),
    )
}

fn server_hello(walk: &mut Walk, body: &[u8], ctx: Ctx<'_>) -> Option<Field> {
    let (_, sh) = tls_parser::parse_tls_handshake_server_hello(body).ok()?;
    let hrr = sh.random == HRR_RANDOM;
    let mut fields = vec![
        Field::new(
            "legacy version",
            version_name(sh.version.0),
            body.get(..2).and_then(|b| ctx.span(b)),
        ),
        Field::new(
            "random",
            if hrr {
                crate::msg!("wire-value-hrr-random").into()
            } else {
                Value::from(crate::net::certinfo::hex(sh.random))
            },
            ctx.span(sh.random),
        ),
        Field::new(
            "session id",
            crate::msg!(
                "wire-value-bytes-echoed",
                count = sh.session_id.map_or(0, <[u8]>::len)
            ),
            sh.session_id.and_then(|s| ctx.span(s)),
        ),
    ];
    let sid_len = sh.session_id.map_or(0, <[u8]>::len);
    let suite_bytes = body.get(2 + 32 + 1 + sid_len..2 + 32 + 1 + sid_len + 2);
    fields.push(Field::new(
        "cipher suite",
        suite_name(sh.cipher.0),
        suite_bytes.and_then(|b| ctx.span(b)),
    ));
    let exts = sh
        .ext
        .map(|e| extensions(e, ctx, false))
        .unwrap_or_default();
    let tls13 = exts
        .iter()
        .any(|e| e.name == "supported_versions" && e.value.starts_with("TLS 1.3"));
    if let Some(e) = sh.ext {
        fields.push(
            Field::new(
                "extensions",
                crate::msg!("wire-value-extensions", count = exts.len()),
                ctx.span(e),
            )
            .with_children(exts),
        );
    }
    walk.version = Some(if tls13 {
        TlsVersion::Tls13
    } else {
        TlsVersion::Tls12
    });
    walk.suite = Some(sh.cipher.0);
    let name = if hrr {
        "HelloRetryRequest"
    } else {
        "ServerHello"
    };
    let note = if hrr {
        crate::msg!("wire-note-hello-retry")
    } else if tls13 {
        crate::msg!("wire-note-server-hello-tls13")
    } else {
        crate::msg!("wire-note-server-hello-tls12")
    };
    if tls13 && !hrr {
        start_decrypting(walk);
    }
    Some(
        Field::new(name, "", None)
            .with_children(fields)
            .with_note(note),
    )
}

/// Extensions in a block (without its length prefix).
fn extensions(block: &[u8], ctx: Ctx<'_>, client: bool) -> Vec<Field> {
    let mut out = Vec::new();
    let mut rest = block;
    while !rest.is_empty() && out.len() < MAX_LIST {
        let parsed = if client {
            tls_parser::parse_tls_client_hello_extension(rest)
        } else {
            tls_parser::parse_tls_server_hello_extension(rest)
        };
        let mut r = Reader { rest };
        let (Some(code), Some(data)) = (r.u16(), r.vec16()) else {
            out.push(Field::new(
                "malformed extension",
                crate::msg!("wire-value-bytes", count = rest.len()),
                ctx.span(rest),
            ));
            break;
        };
        let whole = rest.get(..4 + data.len()).unwrap_or(rest);
        let ext = parsed.ok().map(|(_, e)| e);
        out.push(extension(code, data, ext.as_ref(), ctx, client).with_span(ctx.span(whole)));
        rest = r.rest;
    }
    out
}

impl Field {
    fn with_span(mut self, span: Option<Span>) -> Self {
        self.span = span;
        self
    }
}

fn list_of_u16(data: &[u8], ctx: Ctx<'_>, name: &str, naming: fn(u16) -> String) -> Vec<Field> {
    data.chunks_exact(2)
        .take(MAX_LIST)
        .map(|c| Field::new(name, naming(be16(c)), ctx.span(c)))
        .collect()
}

fn extension(
    code: u16,
    data: &[u8],
    ext: Option<&TlsExtension<'_>>,
    ctx: Ctx<'_>,
    client: bool,
) -> Field {
    let name = extension_name(code);
    let mut value: Value = crate::msg!("wire-value-bytes", count = data.len()).into();
    let mut children = Vec::new();
    let mut note = super::Note::default();
    match (code, ext) {
        (0, Some(TlsExtension::SNI(names))) => {
            for (_, n) in names {
                children.push(Field::new(
                    "host name",
                    visible_bytes(n, Newlines::Escape),
                    ctx.span(n),
                ));
            }
            value = values_of(&children, ", ").into();
            note = crate::msg!("wire-note-sni").into();
        }
        (10, _) => {
            children = list_of_u16(data.get(2..).unwrap_or(&[]), ctx, "group", group_name);
            value = values_of(&children, ", ").into();
            note = crate::msg!("wire-note-groups").into();
        }
        (13, _) => {
            children = list_of_u16(data.get(2..).unwrap_or(&[]), ctx, "scheme", scheme_name);
            value = crate::msg!("wire-value-schemes", count = children.len()).into();
            note = crate::msg!("wire-note-signature-algorithms").into();
        }
        (16, Some(TlsExtension::ALPN(protocols))) => {
            for p in protocols {
                children.push(Field::new(
                    "protocol",
                    visible_bytes(p, Newlines::Escape),
                    ctx.span(p),
                ));
            }
            value = values_of(&children, ", ").into();
            note = crate::msg!("wire-note-alpn").into();
        }
        (43, _) => {
            let list = if client {
                data.get(1..).unwrap_or(&[])
            } else {
                data
            };
            children = list
                .chunks_exact(2)
                .map(|c| Field::new("version", version_name(be16(c)), ctx.span(c)))
                .collect();
            value = values_of(&children, ", ").into();
            note = crate::msg!("wire-note-supported-versions").into();
        }
        (51, _) => {
            children = key_shares(data, ctx, client);
            value = values_of(&children, "; ").into();
            note = crate::msg!("wire-note-key-share").into();
        }
        (45, Some(TlsExtension::PskExchangeModes(modes))) => {
            value = modes
                .iter()
                .map(|m| match m {
                    0 => "psk_ke".to_string(),
                    1 => "psk_dhe_ke".to_string(),
                    m => format!("{m}"),
                })
                .collect::<Vec<_>>()
                .join(", ")
                .into();
            note = crate::msg!("wire-note-psk-modes").into();
        }
        (41, _) => {
            note = if client {
                crate::msg!("wire-note-psk-offered")
            } else {
                crate::msg!("wire-note-psk-accepted")
            }
            .into();
        }
        (23, _) => {
            value = crate::msg!("wire-value-on").into();
            note = crate::msg!("wire-note-ems").into();
        }
        _ => {}
    }
    Field::new(name, value, None)
        .with_children(children)
        .with_note(note)
}

fn key_shares(data: &[u8], ctx: Ctx<'_>, client: bool) -> Vec<Field> {
    let mut out = Vec::new();
    // ClientHello: a list; ServerHello: one entry; HelloRetryRequest: a group.
    let mut r = Reader {
        rest: if client {
            data.get(2..).unwrap_or(&[])
        } else {
            data
        },
    };
    if !client && data.len() == 2 {
        let code = be16(data);
        out.push(Field::new(
            "key share",
            crate::msg!("wire-value-asks-for", group = group_name(code)),
            ctx.span(data),
        ));
        return out;
    }
    while !r.rest.is_empty() && out.len() < MAX_LIST {
        let start = r.rest;
        let (Some(code), Some(key)) = (r.u16(), r.vec16()) else {
            break;
        };
        let group = group_name(code);
        let whole = start.get(..4 + key.len()).unwrap_or(start);
        out.push(
            Field::new(
                "key share",
                crate::msg!(
                    "wire-value-named-bytes",
                    name = group.clone(),
                    count = key.len()
                ),
                ctx.span(whole),
            )
            .with_children(vec![
                Field::new("group", group, whole.get(..2).and_then(|g| ctx.span(g))),
                Field::new(
                    "key_exchange",
                    crate::msg!("wire-value-bytes", count = key.len()),
                    ctx.span(key),
                ),
            ]),
        );
    }
    out
}

fn certificate(body: &[u8], ctx: Ctx<'_>, tls13: bool) -> Field {
    let mut r = Reader { rest: body };
    let mut certs = Vec::new();
    if tls13 {
        let _context = r.vec8();
    }
    let mut list = Reader {
        rest: r.vec24().unwrap_or(&[]),
    };
    while !list.rest.is_empty() {
        let Some(der) = list.vec24() else { break };
        if tls13 && list.vec16().is_none() {
            break;
        }
        let info = crate::net::CertInfo::from_der(der);
        certs.push(
            Field::new(
                format!("certificate {}", certs.len() + 1),
                format!(
                    "{}, {} bytes",
                    crate::net::safe_text::visible_line(info.display_name()),
                    der.len()
                ),
                ctx.span(der),
            )
            .with_children(vec![
                Field::new(
                    "subject",
                    crate::net::safe_text::visible_line(&info.subject).into_owned(),
                    None,
                ),
                Field::new(
                    "issuer",
                    crate::net::safe_text::visible_line(&info.issuer).into_owned(),
                    None,
                ),
            ]),
        );
    }
    Field::new(
        "Certificate",
        crate::msg!("wire-value-certificates", count = certs.len()),
        None,
    )
    .with_children(certs)
    .with_note(crate::msg!("wire-note-certificate"))
}

fn certificate_verify(body: &[u8], ctx: Ctx<'_>) -> Option<Field> {
    let mut r = Reader { rest: body };
    let scheme_bytes = body.get(..2)?;
    let scheme = r.u16()?;
    let sig = r.vec16()?;
    Some(
        Field::new(
            "CertificateVerify",
            crate::msg!(
                "wire-value-named-bytes",
                name = scheme_name(scheme),
                count = sig.len()
            ),
            None,
        )
        .with_children(vec![
            Field::new(
                "signature scheme",
                scheme_name(scheme),
                ctx.span(scheme_bytes),
            ),
            Field::new(
                "signature",
                crate::msg!("wire-value-bytes", count = sig.len()),
                ctx.span(sig),
            ),
        ])
        .with_note(crate::msg!("wire-note-certificate-verify")),
    )
}

fn server_key_exchange(body: &[u8], ctx: Ctx<'_>) -> Option<Field> {
    let (rest, params) = tls_parser::parse_ecdh_params(body).ok()?;
    let group = match params.curve_params.params_content {
        tls_parser::ECParametersContent::NamedGroup(g) => group_name(g.0),
        tls_parser::ECParametersContent::ExplicitPrime(_) => "explicit curve".into(),
    };
    let point = params.public.point;
    let mut r = Reader { rest };
    let scheme_bytes = rest.get(..2);
    let scheme = r.u16();
    let sig = r.vec16();
    let mut children = vec![
        Field::new(
            "group",
            group.clone(),
            body.get(1..3).and_then(|b| ctx.span(b)),
        ),
        Field::new(
            "public key",
            crate::msg!("wire-value-bytes", count = point.len()),
            ctx.span(point),
        ),
    ];
    if let (Some(b), Some(s), Some(sig)) = (scheme_bytes, scheme, sig) {
        children.push(Field::new("signature scheme", scheme_name(s), ctx.span(b)));
        children.push(Field::new(
            "signature",
            crate::msg!("wire-value-bytes", count = sig.len()),
            ctx.span(sig),
        ));
    }
    Some(
        Field::new(
            "ServerKeyExchange",
            crate::msg!("wire-value-named-bytes", name = group, count = point.len()),
            None,
        )
        .with_children(children)
        .with_note(crate::msg!("wire-note-server-key-exchange")),
    )
}

fn client_key_exchange(body: &[u8], ctx: Ctx<'_>) -> Field {
    let mut r = Reader { rest: body };
    let point = r.vec8().unwrap_or(&[]);
    Field::new(
        "ClientKeyExchange",
        crate::msg!("wire-value-public-key", count = point.len()),
        None,
    )
    .with_children(vec![Field::new(
        "public key",
        crate::msg!("wire-value-bytes", count = point.len()),
        ctx.span(point),
    )])
    .with_note(crate::msg!("wire-note-client-key-exchange"))
}

/// A NewSessionTicket: how long the ticket may be used, and its size.
fn new_session_ticket(body: &[u8], ctx: Ctx<'_>, tls13: bool) -> Field {
    let mut r = Reader { rest: body };
    let lifetime = r.take(4);
    let mut children = Vec::new();
    if let Some(l) = lifetime
        && let Ok(secs) = <[u8; 4]>::try_from(l).map(u32::from_be_bytes)
    {
        children.push(Field::new(
            "ticket lifetime",
            crate::msg!("wire-value-seconds", count = secs),
            ctx.span(l),
        ));
    }
    if tls13 {
        let _age_add = r.take(4);
        let _nonce = r.vec8();
    }
    if let Some(ticket) = r.vec16() {
        children.push(Field::new(
            "ticket",
            crate::msg!("wire-value-ticket", count = ticket.len()),
            ctx.span(ticket),
        ));
    }
    Field::new(
        "NewSessionTicket",
        crate::msg!("wire-value-bytes", count = body.len()),
        None,
    )
    .with_children(children)
    .with_note(crate::msg!("wire-note-new-session-ticket"))
}

/// A KeyUpdate (TLS 1.3): from the next record on, the sender encrypts
/// with its next traffic secret, and its sequence numbers start again at 0.
fn key_update(walk: &mut Walk, direction: Direction, body: &[u8], ctx: Ctx<'_>) -> Field {
    let request = body.first().copied();
    let updated = walk
        .side(direction)
        .opener
        .as_mut()
        .is_some_and(super::decrypt::Keys::key_update);
    let value: Value = match request {
        Some(0) => "update_not_requested".into(),
        Some(1) => crate::msg!("wire-value-update-requested").into(),
        _ => crate::msg!("wire-value-malformed").into(),
    };
    let note = if updated {
        crate::msg!("wire-note-key-update")
    } else {
        crate::msg!("wire-note-key-update-closed")
    };
    Field::new("KeyUpdate", value, None)
        .with_children(vec![Field::new(
            "request_update",
            request.map_or_else(String::new, |b| b.to_string()),
            body.get(..1).and_then(|b| ctx.span(b)),
        )])
        .with_note(note)
}

/// The values of `fields`, joined by `separator` (a list's one-line summary).
fn values_of(fields: &[Field], separator: &str) -> String {
    fields
        .iter()
        .map(|f| f.value.as_str())
        .collect::<Vec<_>>()
        .join(separator)
}
