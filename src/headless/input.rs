//! What a line typed into the headless terminal means: a message, or one
//! of the slash commands (`/nick`, `/who`, `/quit`, `/help`, and the
//! host's door: `/invite`, `/invites`, `/revoke`, `/admit`, `/refuse`,
//! `/kick`, `/ban`, `/unban`, `/bans`, `/mute`, `/unmute`).
//!
//! [`parse`] is pure: it reads one line and either says what it asks for
//! or, for a known command with bad arguments, names the problem in one
//! line (nothing is sent then). A line starting with `/` that is no
//! command here is a message, as it always was (a room may know it).

use crate::net::DoorCommand;
use crate::net::safe_text::quoted;
use crate::tr;

use super::Role;

/// Default number of members a `/invite` without arguments admits.
pub const INVITE_USES: u32 = 1;
/// Default hours a `/invite` without a second argument works for.
pub const INVITE_HOURS: u32 = 24;
/// The word for "any number of uses" in `/invite USES`.
pub const ANY_USES: &str = "any";
/// The word for "until revoked" in `/invite USES HOURS`.
pub const NO_EXPIRY: &str = "never";

/// What a typed line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Say this in the room.
    Say(String),
    /// `/nick NAME`: take another name.
    Nick(String),
    /// `/who`: list the members.
    Who,
    /// `/help`: list the commands.
    Help,
    /// `/quit`: leave (a host closes its room).
    Quit,
    /// `/invites`: list the invitations (host).
    Invites,
    /// `/bans`: list the bans (host).
    Bans,
    /// `/admit NICK` or `/refuse NICK`: answer a knocking member, named
    /// as the lobby shows it (host).
    Lobby {
        /// Let in or send away.
        verdict: Verdict,
        /// Its name in the lobby, or `#ID` for its lobby id.
        nick: String,
    },
    /// A door command that needs nothing more (host).
    Door(DoorCommand),
}

impl Input {
    /// Whether only the host of a room may do this.
    #[must_use]
    pub fn host_only(&self) -> bool {
        matches!(
            self,
            Self::Invites | Self::Bans | Self::Lobby { .. } | Self::Door(_)
        )
    }
}

/// What the host answers a knocking member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// `/admit`: let it in.
    Admit,
    /// `/refuse`: send it away.
    Refuse,
}

impl Verdict {
    /// The door command for the member with this lobby id.
    #[must_use]
    pub fn command(self, id: u64) -> DoorCommand {
        match self {
            Self::Admit => DoorCommand::Admit(id),
            Self::Refuse => DoorCommand::Refuse(id),
        }
    }
}

/// Why a command line was not understood (one line; nothing was sent).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// An argument is missing.
    #[error("{command} needs {what} (usage: {usage})")]
    Missing {
        /// The command, `/revoke`.
        command: &'static str,
        /// What is missing, "an invitation id".
        what: &'static str,
        /// How the command is written.
        usage: &'static str,
    },
    /// An argument that is not what the command takes.
    #[error("{command}: {what} must be {expected}, not {given} (usage: {usage})")]
    BadValue {
        /// The command.
        command: &'static str,
        /// Which argument.
        what: &'static str,
        /// What it may be.
        expected: &'static str,
        /// What was typed (quoted and made visible).
        given: String,
        /// How the command is written.
        usage: &'static str,
    },
    /// More arguments than the command takes.
    #[error("{command} takes {takes}; {extra} is too much (usage: {usage})")]
    Extra {
        /// The command.
        command: &'static str,
        /// What it takes, "one id".
        takes: &'static str,
        /// What was left over (quoted and made visible).
        extra: String,
        /// How the command is written.
        usage: &'static str,
    },
}

impl InputError {
    /// The error in the terminal's language (the display form is English).
    #[must_use]
    pub fn text(&self) -> String {
        match self {
            Self::Missing {
                command,
                what,
                usage,
            } => tr!(
                "headless-input-missing",
                command = *command,
                what = phrase(what),
                usage = *usage
            ),
            Self::BadValue {
                command,
                what,
                expected,
                given,
                usage,
            } => tr!(
                "headless-input-bad",
                command = *command,
                what = phrase(what),
                expected = phrase(expected),
                given = given.as_str(),
                usage = *usage
            ),
            Self::Extra {
                command,
                takes,
                extra,
                usage,
            } => tr!(
                "headless-input-extra",
                command = *command,
                takes = phrase(takes),
                extra = extra.as_str(),
                usage = *usage
            ),
        }
    }
}

/// A phrase of an [`InputError`] in the current language (an argument's
/// name, `ID`, stays as typed).
fn phrase(english: &str) -> String {
    match english {
        "a name" => tr!("headless-phrase-a-name"),
        "the name of a knocking member" => tr!("headless-phrase-knocking"),
        "a member's name" => tr!("headless-phrase-member"),
        "nothing" => tr!("headless-phrase-nothing"),
        "one name (names have no spaces)" => tr!("headless-phrase-one-name"),
        "an id (see /invites or /bans)" => tr!("headless-phrase-an-id"),
        "one id" => tr!("headless-phrase-one-id"),
        "a number" => tr!("headless-phrase-number"),
        "a number from 1 up, or any" => tr!("headless-phrase-uses"),
        "a number from 1 up, or never" => tr!("headless-phrase-hours"),
        "at most USES and HOURS" => tr!("headless-phrase-uses-hours"),
        other => other.to_owned(),
    }
}

/// One command, for `/help` and the usage in errors.
struct Spec {
    /// The command and its arguments, `/revoke ID`.
    usage: &'static str,
    /// What it does, in the current language.
    about: fn() -> String,
    /// Only a host may use it.
    host_only: bool,
}

const fn spec(usage: &'static str, about: fn() -> String, host_only: bool) -> Spec {
    Spec {
        usage,
        about,
        host_only,
    }
}

const NICK: &str = "/nick NAME";
const INVITE: &str = "/invite [USES] [HOURS]";
const REVOKE: &str = "/revoke ID";
const ADMIT: &str = "/admit NICK";
const REFUSE: &str = "/refuse NICK";
const KICK: &str = "/kick NICK [REASON]";
const BAN: &str = "/ban NICK [REASON]";
const UNBAN: &str = "/unban ID";
const MUTE: &str = "/mute NICK";
const UNMUTE: &str = "/unmute NICK";

/// Every command, in the order `/help` lists them.
const COMMANDS: &[Spec] = &[
    spec(NICK, || tr!("headless-help-nick"), false),
    spec("/who", || tr!("headless-help-who"), false),
    spec("/help", || tr!("headless-help-help"), false),
    spec("/quit", || tr!("headless-help-quit"), false),
    spec(INVITE, || tr!("headless-help-invite"), true),
    spec("/invites", || tr!("headless-help-invites"), true),
    spec(REVOKE, || tr!("headless-help-revoke"), true),
    spec(ADMIT, || tr!("headless-help-admit"), true),
    spec(REFUSE, || tr!("headless-help-refuse"), true),
    spec(KICK, || tr!("headless-help-kick"), true),
    spec(BAN, || tr!("headless-help-ban"), true),
    spec(UNBAN, || tr!("headless-help-unban"), true),
    spec("/bans", || tr!("headless-help-bans"), true),
    spec(MUTE, || tr!("headless-help-mute"), true),
    spec(UNMUTE, || tr!("headless-help-unmute"), true),
];

/// What `/help` prints for this side of the room.
#[must_use]
pub fn help_lines(role: Role) -> Vec<String> {
    let mut lines = vec![format!("* {}", tr!("headless-help-title"))];
    let shown = COMMANDS
        .iter()
        .filter(|c| role == Role::Host || !c.host_only);
    lines.extend(shown.map(|c| format!("*   {:<24} {}", c.usage, (c.about)())));
    if role == Role::Member {
        lines.push(format!("* {}", tr!("headless-help-host-also")));
    }
    lines
}

/// What `line` asks for; an error names what is wrong with a command's
/// arguments.
///
/// # Errors
/// A known command with a missing, bad or extra argument.
pub fn parse(line: &str) -> Result<Input, InputError> {
    let trimmed = line.trim();
    let (command, rest) = match trimmed.split_once(char::is_whitespace) {
        Some((c, rest)) => (c, rest.trim()),
        None => (trimmed, ""),
    };
    Ok(match command {
        "/nick" => Input::Nick(one_word(rest, "/nick", "a name", NICK)?),
        "/who" => no_arguments(rest, "/who", Input::Who)?,
        "/help" => no_arguments(rest, "/help", Input::Help)?,
        "/quit" => no_arguments(rest, "/quit", Input::Quit)?,
        "/invites" => no_arguments(rest, "/invites", Input::Invites)?,
        "/bans" => no_arguments(rest, "/bans", Input::Bans)?,
        "/invite" => Input::Door(invite(rest)?),
        "/revoke" => Input::Door(DoorCommand::Revoke(id(rest, "/revoke", REVOKE)?)),
        "/unban" => Input::Door(DoorCommand::Unban(id(rest, "/unban", UNBAN)?)),
        "/admit" | "/refuse" => {
            let (verdict, usage, name) = if command == "/admit" {
                (Verdict::Admit, ADMIT, "/admit")
            } else {
                (Verdict::Refuse, REFUSE, "/refuse")
            };
            Input::Lobby {
                verdict,
                nick: one_word(rest, name, "the name of a knocking member", usage)?,
            }
        }
        "/kick" => {
            let (nick, reason) = nick_and_reason(rest, "/kick", KICK)?;
            Input::Door(DoorCommand::Kick { nick, reason })
        }
        "/ban" => {
            let (nick, reason) = nick_and_reason(rest, "/ban", BAN)?;
            Input::Door(DoorCommand::Ban { nick, reason })
        }
        "/mute" => Input::Door(DoorCommand::Mute(one_word(
            rest,
            "/mute",
            "a member's name",
            MUTE,
        )?)),
        "/unmute" => Input::Door(DoorCommand::Unmute(one_word(
            rest,
            "/unmute",
            "a member's name",
            UNMUTE,
        )?)),
        _ => Input::Say(line.to_string()),
    })
}

fn no_arguments(rest: &str, command: &'static str, input: Input) -> Result<Input, InputError> {
    if rest.is_empty() {
        Ok(input)
    } else {
        Err(InputError::Extra {
            command,
            takes: "nothing",
            extra: quoted(rest),
            usage: command,
        })
    }
}

/// Exactly one word (a name: names have no spaces).
fn one_word(
    rest: &str,
    command: &'static str,
    what: &'static str,
    usage: &'static str,
) -> Result<String, InputError> {
    let mut words = rest.split_whitespace();
    let Some(word) = words.next() else {
        return Err(InputError::Missing {
            command,
            what,
            usage,
        });
    };
    if let Some(extra) = words.next() {
        return Err(InputError::Extra {
            command,
            takes: "one name (names have no spaces)",
            extra: quoted(extra),
            usage,
        });
    }
    Ok(word.to_string())
}

/// A name, then whatever follows as the reason (may be empty).
fn nick_and_reason(
    rest: &str,
    command: &'static str,
    usage: &'static str,
) -> Result<(String, String), InputError> {
    if rest.is_empty() {
        return Err(InputError::Missing {
            command,
            what: "a member's name",
            usage,
        });
    }
    let (nick, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    Ok((nick.to_string(), reason.trim().to_string()))
}

/// One number as printed by `/invites` or `/bans` (`3` or `#3`).
fn id(rest: &str, command: &'static str, usage: &'static str) -> Result<u32, InputError> {
    let mut words = rest.split_whitespace();
    let Some(word) = words.next() else {
        return Err(InputError::Missing {
            command,
            what: "an id (see /invites or /bans)",
            usage,
        });
    };
    if let Some(extra) = words.next() {
        return Err(InputError::Extra {
            command,
            takes: "one id",
            extra: quoted(extra),
            usage,
        });
    }
    let digits = word.strip_prefix('#').unwrap_or(word);
    number(digits).ok_or_else(|| InputError::BadValue {
        command,
        what: "ID",
        expected: "a number",
        given: quoted(word),
        usage,
    })
}

/// A decimal number (digits only: no sign, no spaces).
fn number(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `/invite [USES] [HOURS]`.
fn invite(rest: &str) -> Result<DoorCommand, InputError> {
    let mut words = rest.split_whitespace();
    let bad = |what, expected, given: &str| InputError::BadValue {
        command: "/invite",
        what,
        expected,
        given: quoted(given),
        usage: INVITE,
    };
    let uses = match words.next() {
        None => Some(INVITE_USES),
        Some(w) if w.eq_ignore_ascii_case(ANY_USES) => None,
        Some(w) => Some(
            number(w)
                .filter(|n| *n > 0)
                .ok_or_else(|| bad("USES", "a number from 1 up, or any", w))?,
        ),
    };
    let hours = match words.next() {
        None => Some(INVITE_HOURS),
        Some(w) if w.eq_ignore_ascii_case(NO_EXPIRY) => None,
        Some(w) => Some(
            number(w)
                .filter(|n| *n > 0)
                .ok_or_else(|| bad("HOURS", "a number from 1 up, or never", w))?,
        ),
    };
    if let Some(extra) = words.next() {
        return Err(InputError::Extra {
            command: "/invite",
            takes: "at most USES and HOURS",
            extra: quoted(extra),
            usage: INVITE,
        });
    }
    Ok(DoorCommand::Invite { uses, hours })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn door(line: &str) -> DoorCommand {
        match parse(line) {
            Ok(Input::Door(c)) => c,
            other => panic!("{line}: {other:?}"),
        }
    }

    fn error(line: &str) -> String {
        parse(line).expect_err(line).to_string()
    }

    #[test]
    fn messages_stay_messages() {
        for line in [
            "hello",
            "/me waves",
            "/invitex",
            " /kickme",
            "//kick ana",
            "/KICK ana",
        ] {
            assert_eq!(parse(line), Ok(Input::Say(line.to_string())), "{line}");
        }
    }

    /// Every error's words in English are its display form; in Chinese,
    /// every phrase is translated.
    #[test]
    fn errors_in_both_languages() {
        use crate::i18n::{Lang, set_thread};
        let lines = [
            "/nick",
            "/nick a b",
            "/who x",
            "/kick",
            "/revoke",
            "/revoke 1 2",
            "/revoke x",
            "/invite 0",
            "/invite 1 0",
            "/invite 1 2 3",
            "/admit",
            "/mute",
        ];
        for line in lines {
            let e = parse(line).expect_err(line);
            set_thread(Lang::En);
            assert_eq!(e.text(), e.to_string());
            set_thread(Lang::ZhCn);
            let zh = e.text();
            set_thread(None);
            let english: Vec<&str> = zh
                .split(|c: char| !c.is_ascii_alphabetic())
                // Usage placeholders (NAME, USES) and words typed as they are.
                .filter(|w| w.len() >= 3 && w.chars().any(|c| c.is_ascii_lowercase()))
                .filter(|w| !["any", "never", "invites", "bans"].contains(w))
                .filter(|w| !line.contains(w))
                .collect();
            assert!(english.is_empty(), "{line}: {zh} has {english:?}");
        }
    }

    #[test]
    fn the_old_commands_keep_their_meaning() {
        assert_eq!(parse("/nick  ana "), Ok(Input::Nick("ana".into())));
        assert_eq!(parse("/who"), Ok(Input::Who));
        assert_eq!(parse(" /who "), Ok(Input::Who));
        assert_eq!(parse("/quit"), Ok(Input::Quit));
        assert_eq!(parse("/help"), Ok(Input::Help));
        assert!(error("/nick").contains("needs a name"));
        assert!(error("/nick a b").contains("names have no spaces"));
    }

    #[test]
    fn invite_defaults_to_single_use_for_a_day() {
        let invite = |uses, hours| DoorCommand::Invite { uses, hours };
        assert_eq!(door("/invite"), invite(Some(1), Some(24)));
        assert_eq!(door("/invite 5"), invite(Some(5), Some(24)));
        assert_eq!(door("/invite 5 48"), invite(Some(5), Some(48)));
        assert_eq!(door("/invite any"), invite(None, Some(24)));
        assert_eq!(door("/invite ANY never"), invite(None, None));
        assert_eq!(door("/invite 2 never"), invite(Some(2), None));
    }

    #[test]
    fn bad_invites_name_the_problem() {
        let e = error("/invite 0");
        assert_eq!(
            e,
            "/invite: USES must be a number from 1 up, or any, not '0' (usage: /invite [USES] [HOURS])"
        );
        assert!(error("/invite -1").contains("USES must be"));
        assert!(error("/invite 99999999999").contains("USES must be"));
        assert!(error("/invite 1 0").contains("HOURS must be"));
        assert!(error("/invite 1 1.5").contains("HOURS must be"));
        assert!(error("/invite 1 2 3").contains("'3' is too much"));
    }

    #[test]
    fn ids_are_numbers() {
        assert_eq!(door("/revoke 3"), DoorCommand::Revoke(3));
        assert_eq!(door("/revoke #3"), DoorCommand::Revoke(3));
        assert_eq!(door("/unban 12"), DoorCommand::Unban(12));
        assert_eq!(
            error("/revoke"),
            "/revoke needs an id (see /invites or /bans) (usage: /revoke ID)"
        );
        assert!(error("/revoke x").contains("ID must be a number, not 'x'"));
        assert!(error("/unban +1").contains("not '+1'"));
        assert!(error("/unban 1 2").contains("takes one id"));
    }

    #[test]
    fn kick_and_ban_take_a_name_and_a_reason() {
        assert_eq!(
            door("/kick ana"),
            DoorCommand::Kick {
                nick: "ana".into(),
                reason: String::new()
            }
        );
        assert_eq!(
            door("/ban  ana   spam, again  "),
            DoorCommand::Ban {
                nick: "ana".into(),
                reason: "spam, again".into()
            }
        );
        assert!(error("/kick").contains("/kick needs a member's name"));
        assert!(error("/ban   ").contains("/ban needs"));
    }

    #[test]
    fn mute_and_the_lobby_take_one_name() {
        assert_eq!(door("/mute bo"), DoorCommand::Mute("bo".into()));
        assert_eq!(door("/unmute bo"), DoorCommand::Unmute("bo".into()));
        assert_eq!(
            parse("/admit bo"),
            Ok(Input::Lobby {
                verdict: Verdict::Admit,
                nick: "bo".into()
            })
        );
        assert_eq!(
            parse("/refuse #4"),
            Ok(Input::Lobby {
                verdict: Verdict::Refuse,
                nick: "#4".into()
            })
        );
        assert!(error("/mute").contains("needs a member's name"));
        assert!(error("/admit").contains("needs the name of a knocking member"));
        assert!(error("/refuse a b").contains("'b' is too much"));
    }

    #[test]
    fn listing_commands_take_no_arguments() {
        assert_eq!(parse("/invites"), Ok(Input::Invites));
        assert_eq!(parse("/bans"), Ok(Input::Bans));
        assert!(error("/bans all").contains("/bans takes nothing"));
    }

    #[test]
    fn only_door_commands_are_the_hosts() {
        for line in [
            "/invite",
            "/invites",
            "/revoke 1",
            "/admit a",
            "/kick a",
            "/bans",
        ] {
            assert!(parse(line).unwrap().host_only(), "{line}");
        }
        for line in ["/nick a", "/who", "/help", "/quit", "hi"] {
            assert!(!parse(line).unwrap().host_only(), "{line}");
        }
    }

    #[test]
    fn an_error_shows_what_was_typed_visibly() {
        let e = error("/revoke \x1b[2J");
        assert!(!e.contains('\x1b'), "{e:?}");
        assert!(e.contains("\\x1b[2J"), "{e:?}");
    }

    #[test]
    fn help_lists_the_hosts_commands_for_the_host_only() {
        let host = help_lines(Role::Host).join("\n");
        for c in [
            "/invite [USES] [HOURS]",
            "/revoke ID",
            "/bans",
            "/unmute NICK",
        ] {
            assert!(host.contains(c), "{c}: {host}");
        }
        assert!(host.contains("single use and 24 hours"), "{host}");
        let member = help_lines(Role::Member).join("\n");
        assert!(
            member.contains("/who") && !member.contains("/revoke"),
            "{member}"
        );
    }
}
