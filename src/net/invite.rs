//! Invite links (`tlschat://HOST:PORT/#pin=SHA256:HEX&invite=CODE`): one
//! text that carries where the room is, exactly which certificate to trust
//! there and, for an invite-only room, the secret that opens its door
//! ([`crate::net::door`]); and the addresses a host lists them for.
//!
//! A link is untrusted input (it may come from a chat or a web page), so
//! [`Invite::parse`] is strict: at most [`MAX_LINK`] bytes of printable
//! ASCII, the `tlschat` scheme, no user name or password, a host name or
//! IP address (IPv6 in brackets, no zone id), a port from 1 to 65535, no
//! path, no query, and in the fragment only `pin=SHA256:` followed by
//! exactly 64 hex digits and `invite=` followed by exactly 32 hex digits
//! (a code of 128 bits), each at most once. A link never weakens trust: its pin
//! is an exact certificate pin for that one host and port, used exactly as
//! `--pin` is (see [`crate::net::trust::decide`]), so it never passes an
//! "identity changed" alarm nor replaces a CA's verification of a host.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::net::DEFAULT_PORT;
use crate::net::certinfo::hex;
use crate::net::safe_text::{clipped, quoted};

/// The URL scheme of invite links.
pub const SCHEME: &str = "tlschat";

/// The longest link accepted, in bytes. The longest valid link (a 253
/// character host name, a port and a pin) is about 350 bytes.
pub const MAX_LINK: usize = 512;

/// Why a text is not an invite link. Each message is one line that names
/// what is wrong; it never repeats the (untrusted) link whole, and the
/// parts it quotes have passed the printable-ASCII check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InviteError {
    /// Longer than [`MAX_LINK`].
    #[error("the link is {0} bytes long; an invite is at most {MAX_LINK}")]
    TooLong(usize),
    /// A character that is not printable ASCII (control, space, non-ASCII).
    #[error(
        "the link contains {0}, which no invite contains (host names are written in ASCII, xn--…)"
    )]
    BadCharacter(String),
    /// Not `tlschat://`.
    #[error("it is not a tlschat:// link")]
    NotTlschat,
    /// `user@` or `user:password@` before the host.
    #[error("the link has a user name or password (…@host), which invites never have")]
    UserInfo,
    /// `%` escapes (and with them IPv6 zone ids, `%25eth0`).
    #[error(
        "the link contains a %-escape; invites have none (IPv6 link-local addresses with a zone id cannot be invited to)"
    )]
    Escape,
    /// The host part is not a host name or IP address.
    #[error("bad host: {0}")]
    BadHost(String),
    /// The port is not a number from 1 to 65535.
    #[error("bad port '{0}': expected a number from 1 to 65535")]
    BadPort(String),
    /// Something after the host and port other than `/`.
    #[error("the link has a path ('{0}'); an invite has none")]
    Path(String),
    /// A `?query`.
    #[error("the link has a query ('?…'); an invite carries its pin after '#'")]
    Query,
    /// A parameter other than `pin`, or one without `=`.
    #[error("unknown parameter '{0}' (an invite has only pin=SHA256:… and invite=…)")]
    UnknownParameter(String),
    /// The same parameter twice.
    #[error("the parameter '{0}' is given twice")]
    DuplicateParameter(String),
    /// A pin that is not `SHA256:` and 64 hex digits.
    #[error("the pin is not SHA256: followed by 64 hex digits")]
    BadPin,
    /// An invitation code that is not 32 hex digits.
    #[error("the invitation code is not 32 hex digits")]
    BadCode,
}

impl InviteError {
    /// The error as a message, for the window and the terminal to put
    /// into their language (its display form is the English).
    #[must_use]
    pub fn msg(&self) -> crate::i18n::Msg {
        use crate::msg;
        match self {
            Self::TooLong(n) => msg!("net-invite-too-long", bytes = *n, max = MAX_LINK),
            Self::BadCharacter(c) => msg!("net-invite-bad-character", what = c),
            Self::NotTlschat => msg!("net-invite-not-tlschat"),
            Self::UserInfo => msg!("net-invite-user-info"),
            Self::Escape => msg!("net-invite-escape"),
            Self::BadHost(why) => msg!("net-invite-bad-host", why = why),
            Self::BadPort(port) => msg!("net-invite-bad-port", port = port),
            Self::Path(path) => msg!("net-invite-path", path = path),
            Self::Query => msg!("net-invite-query"),
            Self::UnknownParameter(p) => msg!("net-invite-unknown-parameter", name = p),
            Self::DuplicateParameter(p) => msg!("net-invite-duplicate-parameter", name = p),
            Self::BadPin => msg!("net-invite-bad-pin"),
            Self::BadCode => msg!("net-invite-bad-code"),
        }
    }
}

/// A parsed invite: where to connect, and the exact certificate to trust
/// there when it is not otherwise trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    /// The host name or IP address, in canonical form without brackets
    /// (lower-case name, compressed IPv6): what a member dials.
    pub host: String,
    /// The port.
    pub port: u16,
    /// SHA-256 of the host's certificate; `None` for a host that a CA
    /// verifies.
    pub pin: Option<[u8; 32]>,
    /// The invitation code (32 lower-case hex digits) for an invite-only
    /// room; `None` for a room the member may enter without one.
    pub code: Option<String>,
}

/// Whether `text` looks like it was meant as a link (it starts with
/// `tlschat:` or has a `://`), so that errors can speak of links rather
/// than of addresses.
#[must_use]
pub fn is_link(text: &str) -> bool {
    let t = text.trim();
    t.contains("://")
        || t.get(..SCHEME.len() + 1)
            .is_some_and(|s| s.eq_ignore_ascii_case("tlschat:"))
}

fn describe_char(c: char) -> String {
    if c == ' ' {
        "a space".into()
    } else if c.is_ascii_control() {
        format!("a control character (U+{:04X})", u32::from(c))
    } else {
        format!("the non-ASCII character U+{:04X}", u32::from(c))
    }
}

fn parse_port(text: &str) -> Result<u16, InviteError> {
    let bad = || InviteError::BadPort(clipped(text));
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match text.parse::<u16>() {
        Ok(0) | Err(_) => Err(bad()),
        Ok(p) => Ok(p),
    }
}

fn parse_pin(value: &str) -> Result<[u8; 32], InviteError> {
    let digits = value
        .strip_prefix("SHA256:")
        .or_else(|| value.strip_prefix("sha256:"))
        .ok_or(InviteError::BadPin)?;
    if digits.len() != 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(InviteError::BadPin);
    }
    crate::net::certinfo::parse_fingerprint(digits).map_err(|_| InviteError::BadPin)
}

/// Splits `HOST[:PORT]` (`[IPv6][:PORT]`) and checks the host.
fn parse_authority(authority: &str) -> Result<(String, u16), InviteError> {
    if authority.contains('@') {
        return Err(InviteError::UserInfo);
    }
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (inside, after) = rest
            .split_once(']')
            .ok_or_else(|| InviteError::BadHost("missing ']' after an IPv6 address".into()))?;
        if inside.parse::<Ipv6Addr>().is_err() {
            return Err(InviteError::BadHost(format!(
                "{} in brackets is not an IPv6 address",
                quoted(inside)
            )));
        }
        let port = match after.strip_prefix(':') {
            Some(p) => parse_port(p)?,
            None if after.is_empty() => DEFAULT_PORT,
            None => {
                return Err(InviteError::BadHost(format!("{} after ']'", quoted(after))));
            }
        };
        (inside, port)
    } else {
        match authority.split_once(':') {
            Some((_, port)) if port.contains(':') => {
                return Err(InviteError::BadHost(
                    "IPv6 addresses are written in brackets, [ADDRESS]:PORT".into(),
                ));
            }
            Some((host, port)) => (host, parse_port(port)?),
            None => (authority, DEFAULT_PORT),
        }
    };
    if host.is_empty() {
        return Err(InviteError::BadHost("the host is empty".into()));
    }
    let canonical =
        crate::net::pins::canonical_host(host).map_err(|e| InviteError::BadHost(e.to_string()))?;
    let bare = canonical
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(&canonical);
    Ok((bare.to_string(), port))
}

fn parse_code(value: &str) -> Result<String, InviteError> {
    if value.len() != 2 * crate::net::door::INVITE_CODE_BYTES
        || !value.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(InviteError::BadCode);
    }
    Ok(value.to_ascii_lowercase())
}

/// The pin and the invitation code of a link's fragment.
type Fragment = (Option<[u8; 32]>, Option<String>);

fn parse_fragment(fragment: &str) -> Result<Fragment, InviteError> {
    let (mut pin, mut code) = (None, None);
    if fragment.is_empty() {
        return Ok((None, None));
    }
    for param in fragment.split('&') {
        match param.split_once('=') {
            Some(("pin", value)) => {
                if pin.is_some() {
                    return Err(InviteError::DuplicateParameter("pin".into()));
                }
                pin = Some(parse_pin(value)?);
            }
            Some(("invite", value)) => {
                if code.is_some() {
                    return Err(InviteError::DuplicateParameter("invite".into()));
                }
                code = Some(parse_code(value)?);
            }
            Some((name, _)) => return Err(InviteError::UnknownParameter(clipped(name))),
            None => return Err(InviteError::UnknownParameter(clipped(param))),
        }
    }
    Ok((pin, code))
}

impl Invite {
    /// Parses an invite link (surrounding whitespace is ignored, as a
    /// pasted link often has some).
    pub fn parse(text: &str) -> Result<Self, InviteError> {
        let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
        if text.len() > MAX_LINK {
            return Err(InviteError::TooLong(text.len()));
        }
        if let Some(c) = text.chars().find(|c| !c.is_ascii_graphic()) {
            return Err(InviteError::BadCharacter(describe_char(c)));
        }
        let (scheme, rest) = text.split_once("://").ok_or(InviteError::NotTlschat)?;
        if !scheme.eq_ignore_ascii_case(SCHEME) {
            return Err(InviteError::NotTlschat);
        }
        if rest.contains('%') {
            return Err(InviteError::Escape);
        }
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, rest) = rest.split_at(end);
        let (host, port) = parse_authority(authority)?;
        let (before_fragment, fragment) = match rest.split_once('#') {
            Some((b, f)) => (b, Some(f)),
            None => (rest, None),
        };
        if before_fragment.contains('?') {
            return Err(InviteError::Query);
        }
        if !before_fragment.is_empty() && before_fragment != "/" {
            return Err(InviteError::Path(clipped(before_fragment)));
        }
        let (pin, code) = parse_fragment(fragment.unwrap_or(""))?;
        Ok(Self {
            host,
            port,
            pin,
            code,
        })
    }

    /// An invite to `host:port` trusting the certificate with this SHA-256.
    #[must_use]
    pub fn new(ip: IpAddr, port: u16, pin: Option<[u8; 32]>) -> Self {
        Self {
            host: ip.to_canonical().to_string(),
            port,
            pin,
            code: None,
        }
    }

    /// The same invite carrying an invitation code.
    #[must_use]
    pub fn with_code(mut self, code: &str) -> Self {
        self.code = Some(code.to_ascii_lowercase());
        self
    }

    /// The link, as hosts print it and members paste it.
    #[must_use]
    pub fn link(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Invite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}://")?;
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            write!(f, "{}", self.host)?;
        }
        write!(f, ":{}/", self.port)?;
        let mut sep = '#';
        if let Some(pin) = &self.pin {
            write!(f, "{sep}pin=SHA256:{}", hex(pin))?;
            sep = '&';
        }
        if let Some(code) = &self.code {
            write!(f, "{sep}invite={code}")?;
        }
        Ok(())
    }
}

/// Whether an address is worth inviting someone on another machine to:
/// not loopback, unspecified or multicast, and not an IPv6 link-local
/// address (those need a zone id, `fe80::1%eth0`, that names an interface
/// of the *member's* machine, and cannot be named in a certificate).
#[must_use]
pub fn is_invitable(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => !(v4.is_loopback() || v4.is_unspecified() || v4.is_multicast()),
        IpAddr::V6(v6) => {
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || v6.is_unicast_link_local())
        }
    }
}

/// The addresses a host bound to `bind` lists invites for, given the
/// machine's interface addresses: for a wildcard bind (`0.0.0.0`, `[::]`)
/// every invitable address of that family (`[::]` takes IPv4 too on Linux,
/// where it accepts both by default), in interface order without repeats,
/// then loopback last; for any other bind, that one address.
#[must_use]
pub fn invite_addresses(bind: IpAddr, interfaces: &[IpAddr]) -> Vec<IpAddr> {
    if !bind.is_unspecified() {
        return vec![bind.to_canonical()];
    }
    let v6 = bind.is_ipv6();
    let takes = |ip: &IpAddr| match ip {
        IpAddr::V4(_) => !v6 || cfg!(target_os = "linux"),
        IpAddr::V6(_) => v6,
    };
    let mut out: Vec<IpAddr> = Vec::new();
    for ip in interfaces.iter().map(|ip| ip.to_canonical()) {
        if takes(&ip) && is_invitable(ip) && !out.contains(&ip) {
            out.push(ip);
        }
    }
    // IPv4 first: shorter to read out, and what most networks route.
    out.sort_by_key(IpAddr::is_ipv6);
    if v6 {
        out.push(IpAddr::V6(Ipv6Addr::LOCALHOST));
    }
    if !v6 || cfg!(target_os = "linux") {
        out.push(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    out
}

/// This machine's interface addresses (of interfaces that are not down),
/// or none when they cannot be read.
#[must_use]
pub fn local_addresses() -> Vec<IpAddr> {
    use if_addrs::IfOperStatus;
    if_addrs::get_if_addrs()
        .map(|list| {
            list.into_iter()
                .filter(|i| {
                    !matches!(
                        i.oper_status,
                        IfOperStatus::Down
                            | IfOperStatus::NotPresent
                            | IfOperStatus::LowerLayerDown
                    )
                })
                .map(|i| i.ip())
                .collect()
        })
        .unwrap_or_default()
}

/// This machine's invitable addresses (see [`is_invitable`]): the names a
/// certificate made here should carry besides `localhost` and loopback.
#[must_use]
pub fn machine_addresses() -> Vec<IpAddr> {
    invite_addresses(IpAddr::V6(Ipv6Addr::UNSPECIFIED), &local_addresses())
        .into_iter()
        .filter(|ip| is_invitable(*ip))
        .collect()
}

/// The invites a host listening on `addr` (the real port, possibly a
/// wildcard address) with the certificate `pin` prints: one per address
/// of [`invite_addresses`], loopback last.
#[must_use]
pub fn invites_for(addr: SocketAddr, addresses: &[IpAddr], pin: Option<[u8; 32]>) -> Vec<Invite> {
    addresses
        .iter()
        .map(|ip| Invite::new(*ip, addr.port(), pin))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_says_in_english_what_its_display_says_and_in_chinese_too() {
        use crate::i18n::Lang;
        let pin = format!("pin=SHA256:{}", "ab".repeat(32));
        let links = [
            "x".repeat(600),
            "tlschat://h\u{7}:1".into(),
            "https://h:1".into(),
            "tlschat://u@h:1".into(),
            "tlschat://h%20:1".into(),
            "tlschat://-h-:1".into(),
            "tlschat://h:99999".into(),
            "tlschat://h:1/p".into(),
            "tlschat://h:1?q".into(),
            "tlschat://h:1#x=1".into(),
            format!("tlschat://h:1#{pin}&{pin}"),
            "tlschat://h:1#pin=SHA256:ab".into(),
            "tlschat://h:1#invite=ab".into(),
        ];
        let mut seen = std::collections::HashSet::new();
        for link in &links {
            let e = Invite::parse(link).expect_err(link);
            seen.insert(std::mem::discriminant(&e));
            assert_eq!(e.msg().text_in(Lang::En), e.to_string(), "{link}");
            let zh = e.msg().text_in(Lang::ZhCn);
            // A bad host's reason (the host name's rules) stays English.
            assert!(!zh.contains("the link") && !zh.starts_with("bad"), "{zh}");
        }
        assert_eq!(seen.len(), links.len(), "one link per kind of error");
    }

    const PIN: &str = "SHA256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    fn ok(link: &str) -> Invite {
        Invite::parse(link).unwrap_or_else(|e| panic!("{link}: {e}"))
    }

    fn err(link: &str) -> InviteError {
        Invite::parse(link).expect_err(link)
    }

    #[test]
    fn links_round_trip() {
        let i = ok(&format!("tlschat://127.0.0.1:7443/#pin={PIN}"));
        assert_eq!((i.host.as_str(), i.port), ("127.0.0.1", 7443));
        assert_eq!(i.pin.map(|p| p[1]), Some(0x11));
        assert_eq!(i.link(), format!("tlschat://127.0.0.1:7443/#pin={PIN}"));
        let v6 = ok(&format!("TLSCHAT://[0:0::1]:9000#pin={PIN}\n"));
        assert_eq!(v6.host, "::1");
        assert_eq!(v6.link(), format!("tlschat://[::1]:9000/#pin={PIN}"));
        let ca = ok("tlschat://Chat.Example.org");
        assert_eq!(
            (ca.host.as_str(), ca.port, ca.pin),
            ("chat.example.org", 7443, None)
        );
        assert_eq!(ca.link(), "tlschat://chat.example.org:7443/");
        let upper = ok(&format!("tlschat://h:1/#pin={}", PIN.to_uppercase()));
        assert_eq!(upper.pin, ok(&format!("tlschat://h:1/#pin={PIN}")).pin);
    }

    #[test]
    fn an_invitation_code_rides_along() {
        let code = "00112233445566778899aabbccddeeff";
        let link = format!("tlschat://127.0.0.1:7443/#pin={PIN}&invite={code}");
        let i = ok(&link);
        assert_eq!(i.code.as_deref(), Some(code));
        assert_eq!(i.link(), link);
        // Either order, either case; printed in one form.
        let swapped = ok(&format!(
            "tlschat://127.0.0.1:7443/#invite={}&pin={PIN}",
            code.to_uppercase()
        ));
        assert_eq!(swapped, i);
        let ca = ok(&format!("tlschat://chat.example.org/#invite={code}"));
        assert_eq!(
            ca.link(),
            format!("tlschat://chat.example.org:7443/#invite={code}")
        );
        let made = Invite::new("::1".parse().unwrap(), 9, None).with_code(code);
        assert_eq!(made.link(), format!("tlschat://[::1]:9/#invite={code}"));
        for bad in [
            "",
            "0011",
            "zz112233445566778899aabbccddeeff",
            &format!("{code}00"),
        ] {
            assert_eq!(
                err(&format!("tlschat://h:1/#invite={bad}")),
                InviteError::BadCode,
                "{bad}"
            );
        }
        assert_eq!(
            err(&format!("tlschat://h:1/#invite={code}&invite={code}")),
            InviteError::DuplicateParameter("invite".into())
        );
    }

    #[test]
    fn anything_else_is_refused_with_its_reason() {
        type Check = fn(&InviteError) -> bool;
        let cases: &[(&str, Check)] = &[
            ("https://h:1/", |e| *e == InviteError::NotTlschat),
            ("tlschat:h:1", |e| *e == InviteError::NotTlschat),
            ("tlschat://user@h:1/", |e| *e == InviteError::UserInfo),
            ("tlschat://u:p@h:1/", |e| *e == InviteError::UserInfo),
            ("tlschat://h:0/", |e| matches!(e, InviteError::BadPort(_))),
            ("tlschat://h:65536/", |e| {
                matches!(e, InviteError::BadPort(_))
            }),
            ("tlschat://h:+80/", |e| matches!(e, InviteError::BadPort(_))),
            ("tlschat://h:/", |e| matches!(e, InviteError::BadPort(_))),
            ("tlschat://::1:7443/", |e| {
                matches!(e, InviteError::BadHost(_))
            }),
            ("tlschat://[127.0.0.1]:7443/", |e| {
                matches!(e, InviteError::BadHost(_))
            }),
            ("tlschat://[fe80::1%25eth0]:7443/", |e| {
                *e == InviteError::Escape
            }),
            ("tlschat://ex%61mple:7443/", |e| *e == InviteError::Escape),
            ("tlschat://127.1:7443/", |e| {
                matches!(e, InviteError::BadHost(_))
            }),
            ("tlschat://a..b:7443/", |e| {
                matches!(e, InviteError::BadHost(_))
            }),
            ("tlschat://:7443/", |e| matches!(e, InviteError::BadHost(_))),
            ("tlschat://h:1/room", |e| matches!(e, InviteError::Path(_))),
            ("tlschat://h:1/?pin=x", |e| *e == InviteError::Query),
            ("tlschat://h:1/#pin=SHA256:abc", |e| {
                *e == InviteError::BadPin
            }),
            ("tlschat://h:1/#pin=00112233", |e| *e == InviteError::BadPin),
            (
                "tlschat://h:1/#key=1",
                |e| matches!(e, InviteError::UnknownParameter(n) if n == "key"),
            ),
            ("tlschat://h:1/#pin", |e| {
                matches!(e, InviteError::UnknownParameter(_))
            }),
            ("tlschat://h:1/#pin=x&&", |e| *e == InviteError::BadPin),
            (
                "tlschat://h:1/\u{1b}[2J",
                |e| matches!(e, InviteError::BadCharacter(c) if c.contains("U+001B")),
            ),
            (
                "tlschat://h\u{202e}:1/",
                |e| matches!(e, InviteError::BadCharacter(c) if c.contains("U+202E")),
            ),
            ("tlschat://bücher.example:1/", |e| {
                matches!(e, InviteError::BadCharacter(_))
            }),
            (
                "tlschat://h :1/",
                |e| matches!(e, InviteError::BadCharacter(c) if c == "a space"),
            ),
        ];
        for (link, expected) in cases {
            let e = err(link);
            assert!(expected(&e), "{link:?} gave {e:?}");
            let text = e.to_string();
            assert!(
                !text.contains('\n') && !text.chars().any(char::is_control),
                "{text:?}"
            );
        }
        let twice = format!("tlschat://h:1/#pin={PIN}&pin={PIN}");
        assert_eq!(err(&twice), InviteError::DuplicateParameter("pin".into()));
        let long = format!("tlschat://{}:1/", "a".repeat(600));
        assert_eq!(err(&long), InviteError::TooLong(long.len()));
    }

    #[test]
    fn wildcard_binds_list_invitable_addresses_then_loopback() {
        let ifs: Vec<IpAddr> = [
            "127.0.0.1",
            "::1",
            "192.0.2.2",
            "fd00::2",
            "fe80::fc:ff:fe00:1",
            "198.51.100.7",
            "192.0.2.2",
            "224.0.0.1",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        let v4 = invite_addresses("0.0.0.0".parse().unwrap(), &ifs);
        let v4: Vec<String> = v4.iter().map(ToString::to_string).collect();
        assert_eq!(v4, ["192.0.2.2", "198.51.100.7", "127.0.0.1"]);
        let v6 = invite_addresses("::".parse().unwrap(), &ifs);
        assert_eq!(
            v6.first().map(ToString::to_string).as_deref(),
            Some(if cfg!(target_os = "linux") {
                "192.0.2.2"
            } else {
                "fd00::2"
            })
        );
        assert!(v6.contains(&"fd00::2".parse().unwrap()));
        assert!(
            !v6.contains(&"fe80::fc:ff:fe00:1".parse().unwrap()),
            "no link-local"
        );
        assert!(v6.last().unwrap().is_loopback());
        let one = invite_addresses("127.0.0.2".parse().unwrap(), &ifs);
        assert_eq!(one, vec!["127.0.0.2".parse::<IpAddr>().unwrap()]);
    }
}
