//! `tlschat`: parse the command line, then run the window or the headless loop.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser as _;
use tlschat::cli::{Cli, Mode};
use tlschat::headless::{self, Role};
use tlschat::net::{Start, TlsOptions};
use tlschat::setup::{HostBuilder, JoinBuilder, JoinTarget, default_nick};
use tlschat::ui::{Launch, TlsChatApp};

fn main() -> ExitCode {
    // Before any thread exists: the local time zone can only be read then.
    tlschat::ui::init_local_offset();
    let cli = Cli::parse();
    if let (Some(link), Some(_)) = (&cli.link, &cli.command) {
        // `tlschat LINK join …`: one or the other.
        eprintln!(
            "tlschat: {} before a subcommand: give a link alone, or to `join`",
            tlschat::net::safe_text::quoted(link)
        );
        return ExitCode::from(2);
    }
    tlschat::logging::init(cli.verbose);
    let code = match cli.command {
        Some(Mode::Host(args)) => host(&args),
        Some(Mode::Join(args)) => join(&args),
        Some(Mode::GenCert(args)) => gen_cert(&args),
        Some(Mode::Demo(args)) => {
            warn_keylog(&tlschat::net::TlsOptions::from_env());
            demo(&args)
        }
        Some(Mode::DemoRelay(args)) => demo_relay(&args),
        Some(Mode::Trust(command)) => trust(&command),
        Some(Mode::Identity(args)) => identity(&args),
        None => no_subcommand(cli.link),
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// `tlschat host`: the window, or the terminal with `--headless`.
fn host(args: &tlschat::cli::HostArgs) -> i32 {
    let config = HostBuilder::new(
        args.bind,
        args.name.clone().unwrap_or_else(|| default_nick("host")),
        tlschat::config::config_dir(),
    )
    .identity(args.cert.clone().zip(args.key.clone()))
    .client_ca(args.client_ca.clone())
    .limits(args.limits())
    .history(args.history())
    .door(args.door())
    .tls(TlsOptions {
        record_handshakes: args.show_handshake,
        ..args.tls.options()
    })
    .build();
    warn_keylog(&config.tls);
    if args.headless {
        headless::run(
            Start::Host(config),
            Role::Host,
            args.transcript.as_deref(),
            args.show_handshake,
        )
    } else {
        run_window(Launch::Host(config), None, None)
    }
}

/// `tlschat join`: the window, or the terminal with `--headless`; exit
/// code 2 when the arguments are wrong (said on stderr).
fn join(args: &tlschat::cli::JoinArgs) -> i32 {
    let nick = args.name.clone().unwrap_or_else(|| default_nick("member"));
    let built = JoinTarget::parse(&args.target).and_then(|target| {
        JoinBuilder::new(target, nick, tlschat::config::config_dir()).pin(args.pin)
    });
    let mut builder = match built {
        Ok(builder) => builder
            .ca_files(args.ca.clone())
            .identity(args.cert.clone().zip(args.key.clone()))
            .tls(TlsOptions {
                // Headless, the records after the handshake are printed too.
                record_handshakes: args.show_handshake,
                ..args.tls.options()
            }),
        Err(e) => {
            eprintln!("tlschat: {e}");
            return 2;
        }
    };
    if args.no_reconnect {
        builder = builder.no_reconnect();
    }
    let config = builder.build();
    warn_keylog(&config.tls);
    if args.headless {
        headless::run(
            Start::Join(config),
            Role::Member,
            args.transcript.as_deref(),
            args.show_handshake,
        )
    } else {
        run_window(Launch::Join(config), None, None)
    }
}

/// `tlschat` alone (the start screen) or with an invite link.
fn no_subcommand(link: Option<String>) -> i32 {
    match link {
        None => {
            warn_keylog(&tlschat::net::TlsOptions::from_env());
            run_window(Launch::Start, None, None)
        }
        // What the desktop's URL handler runs: the link waits on the
        // start screen for one click (a malformed one with its problem).
        Some(link) if tlschat::net::invite::is_link(&link) => {
            warn_keylog(&tlschat::net::TlsOptions::from_env());
            run_window(Launch::Invite(link), None, None)
        }
        Some(other) => {
            eprintln!(
                "tlschat: {} is neither a subcommand nor an invite link (tlschat://…); see tlschat --help",
                tlschat::net::safe_text::quoted(&other)
            );
            2
        }
    }
}

/// Says on stderr, before anything connects, that secrets will be written.
fn warn_keylog(tls: &tlschat::net::TlsOptions) {
    if let Some(warning) = tls.keylog_warning() {
        eprintln!("tlschat: warning: {warning}");
    }
}

/// Where the demo puts its windows, side by side: the host's on the left,
/// the member's right of it (on a 1280-pixel screen), and a relay's, if
/// any, right of that.
const DEMO_SIZE: [f32; 2] = [630.0, 680.0];
const DEMO_HOST_POS: [f32; 2] = [0.0, 0.0];
const DEMO_MEMBER_POS: &str = "640,0";
/// The relay's window (`demo --listener | --impostor`), right of the member's.
const DEMO_RELAY_POS: &str = "1280,0";

/// `X,Y` (or `W,H`) from an environment variable.
fn pair_from_env(name: &str) -> Option<[f32; 2]> {
    let value = std::env::var(name).ok()?;
    let (a, b) = value.split_once(',')?;
    Some([a.trim().parse().ok()?, b.trim().parse().ok()?])
}

/// Opens the window; returns the exit code. `place` (position, size), or
/// `TLSCHAT_WINDOW_POS` / `TLSCHAT_WINDOW_SIZE`, put it somewhere other
/// than where it was last time.
fn run_window(
    launch: Launch,
    on_listening: Option<tlschat::ui::OnListening>,
    place: Option<([f32; 2], [f32; 2])>,
) -> i32 {
    let config_dir = tlschat::config::config_dir();
    let mut options = placed(tlschat::ui::native_options(&config_dir), place);
    // The window finds its own system fonts, in its language's forms.
    options.system_font_fallback = false;
    open_window(
        options,
        Box::new(move |cc| {
            let mut app = TlsChatApp::new(cc, launch, config_dir)?.with_system_fonts(&cc.egui_ctx);
            if let Some(f) = on_listening {
                app = app.with_on_listening(f);
            }
            Ok(Box::new(app))
        }),
    )
}

/// The window options with `place` (or the environment's) applied.
fn placed(
    mut options: eframe::NativeOptions,
    place: Option<([f32; 2], [f32; 2])>,
) -> eframe::NativeOptions {
    let pos = place
        .map(|p| p.0)
        .or_else(|| pair_from_env("TLSCHAT_WINDOW_POS"));
    let size = place
        .map(|p| p.1)
        .or_else(|| pair_from_env("TLSCHAT_WINDOW_SIZE"));
    if let Some(pos) = pos {
        options.viewport = options.viewport.with_position(pos);
        // A place asked for wins over the one remembered.
        options.persist_window = false;
    }
    if let Some(size) = size {
        options.viewport = options.viewport.with_inner_size(size);
        options.persist_window = false;
    }
    options
}

/// Runs a window until it closes; returns the exit code.
fn open_window(options: eframe::NativeOptions, app: eframe::AppCreator<'_>) -> i32 {
    match eframe::run_native("tlschat", options, app) {
        Ok(()) => 0,
        Err(e) => {
            let hint = if std::env::var_os("DISPLAY").is_none()
                && std::env::var_os("WAYLAND_DISPLAY").is_none()
            {
                " (no display found: run with --headless, or set DISPLAY)"
            } else {
                ""
            };
            eprintln!("tlschat: cannot open the window: {e}{hint}");
            1
        }
    }
}

/// A child process of the demo (a window), stopped when the demo ends.
type DemoChild = std::sync::Arc<std::sync::Mutex<Option<std::process::Child>>>;

/// Starts `tlschat ARGS…` as the demo's window at `pos` (`X,Y`) and keeps
/// it in `slot`. It speaks the language of the window that starts it: a
/// language chosen in that window's settings becomes the child's locale.
/// With `pipe` its stdin is a pipe whose end the demo holds: a relay
/// (`--parent-pipe`) ends with its member when that end closes, however
/// the demo ends. With `own_dir` the child keeps its state there (its
/// configuration directory), not in the user's.
fn spawn_demo_window(
    args: &[std::ffi::OsString],
    pos: &str,
    slot: &DemoChild,
    pipe: bool,
    own_dir: Option<&std::path::Path>,
) {
    use tlschat::i18n::Lang;
    let lang = tlschat::i18n::current();
    let spawned = std::env::current_exe().and_then(|exe| {
        let mut command = std::process::Command::new(exe);
        if let Some(dir) = own_dir {
            command.env(tlschat::config::CONFIG_DIR_ENV, dir);
        }
        if lang != tlschat::i18n::global() {
            command.env(
                "LC_ALL",
                match lang {
                    Lang::En => "C.UTF-8",
                    Lang::ZhCn => "zh_CN.UTF-8",
                },
            );
        }
        if pipe {
            command.stdin(std::process::Stdio::piped());
        }
        command
            .args(args)
            .env("TLSCHAT_WINDOW_POS", pos)
            .env(
                "TLSCHAT_WINDOW_SIZE",
                format!("{},{}", DEMO_SIZE[0], DEMO_SIZE[1]),
            )
            .spawn()
    });
    match spawned {
        Ok(c) => {
            if let Ok(mut s) = slot.lock() {
                *s = Some(c);
            }
        }
        Err(e) => eprintln!("tlschat: cannot start the demo's next window: {e}"),
    }
}

/// How long a relay may take to end with its member once its pipe closed.
const RELAY_END: std::time::Duration = std::time::Duration::from_secs(3);

/// Stops the demo's child window, if it is still there. One with a pipe
/// (a relay) is asked first, by closing it: killed outright, it could not
/// stop the member it started.
fn stop_demo_window(slot: &DemoChild) {
    if let Ok(mut s) = slot.lock()
        && let Some(mut c) = s.take()
    {
        if let Some(pipe) = c.stdin.take() {
            drop(pipe);
            let end = std::time::Instant::now() + RELAY_END;
            while matches!(c.try_wait(), Ok(None)) && std::time::Instant::now() < end {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
        let _ = c.kill();
        let _ = c.wait();
    }
}

/// Ends this process, and the member in `member`, once stdin closes (the
/// demo that started this relay ended, or closed its end).
fn end_with_stdin(member: DemoChild) {
    let watch = std::thread::Builder::new()
        .name("tlschat-demo-pipe".into())
        .spawn(move || {
            use std::io::Read as _;
            let mut buf = [0u8; 64];
            let mut stdin = std::io::stdin().lock();
            while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
            stop_demo_window(&member);
            std::process::exit(0);
        });
    if let Err(e) = watch {
        eprintln!("tlschat: cannot watch the demo: {e}");
    }
}

/// Starts the demo's member window, kept in `slot`: it joins `target`
/// trusting the demo's CA, with a configuration directory of its own
/// ([`tlschat::config::demo_member_dir`]), so what it accepts (a pin past
/// the impostor's warning), its settings and its key never touch the
/// user's. The window state an earlier member kept there is dropped first:
/// a language chosen in it would win over the one the demo passes on.
fn start_demo_member(target: String, ca: &std::path::Path, slot: &DemoChild) {
    let dir = tlschat::config::demo_member_dir(&tlschat::config::config_dir());
    match std::fs::remove_file(dir.join(tlschat::ui::WINDOW_STATE_FILE)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            eprintln!("tlschat: cannot reset the demo member's window state: {e}");
        }
        _ => {}
    }
    let args: Vec<std::ffi::OsString> = vec![
        "join".into(),
        target.into(),
        "--ca".into(),
        ca.into(),
        "--name".into(),
        "member".into(),
    ];
    spawn_demo_window(&args, DEMO_MEMBER_POS, slot, false, Some(&dir));
}

/// `tlschat demo`: a host window here and a member window in a second
/// process, on a free loopback port, with a CA made for the occasion.
/// With `--listener` or `--impostor` a third process stands between them
/// (see [`demo_relay`]) and starts the member itself.
fn demo(args: &tlschat::cli::DemoArgs) -> i32 {
    let dir = tlschat::config::config_dir().join("demo");
    let hosts = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    let generated = match tlschat::net::certgen::gen_cert(&dir, &hosts, true) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("tlschat: cannot make the demo certificates: {e}");
            return 1;
        }
    };
    let port = match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(a) => a.port(),
        Err(e) => {
            eprintln!("tlschat: cannot find a free port on 127.0.0.1: {e}");
            return 1;
        }
    };
    let config = HostBuilder::new(
        std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        "host".into(),
        tlschat::config::config_dir(),
    )
    .identity(Some((
        generated.files[2].clone(),
        generated.files[3].clone(),
    )))
    // A room on a port picked for the occasion keeps no file.
    .history(tlschat::net::HistoryConfig {
        place: tlschat::net::HistoryPlace::Memory,
        ..tlschat::net::HistoryConfig::default()
    })
    .build();
    let child = DemoChild::default();
    let slot = child.clone();
    let ca = generated.files[0].clone();
    let relay = args.listener || args.impostor;
    let impostor = args.impostor;
    // The member comes in with the room's invite link, as a guest would
    // (through the relay's window, which starts it, if there is one).
    let start_next = Box::new(move |addr: std::net::SocketAddr, link: Option<String>| {
        if relay {
            let mut relay_args: Vec<std::ffi::OsString> = vec![
                "demo-relay".into(),
                "--upstream".into(),
                addr.to_string().into(),
                "--ca".into(),
                ca.clone().into(),
            ];
            if let Some(link) = link {
                relay_args.extend(["--link".into(), link.into()]);
            }
            if impostor {
                relay_args.push("--impostor".into());
            }
            relay_args.push("--parent-pipe".into());
            spawn_demo_window(&relay_args, DEMO_RELAY_POS, &slot, true, None);
        } else {
            start_demo_member(link.unwrap_or_else(|| addr.to_string()), &ca, &slot);
        }
    });
    let code = run_window(
        Launch::Host(config),
        Some(start_next),
        Some((DEMO_HOST_POS, DEMO_SIZE)),
    );
    stop_demo_window(&child);
    code
}

/// `tlschat demo-relay` (hidden; what `demo --listener | --impostor`
/// starts): the relay on loopback, the member joining through it, and the
/// relay's window, where the walk-through's story is told from the middle.
fn demo_relay(args: &tlschat::cli::DemoRelayArgs) -> i32 {
    use tlschat::net::relay::{RelayConfig, RelayMode, RelayThread, relayed_link};
    use tlschat::ui::relay_view::{RelayApp, RelayKind};
    let (mode, kind) = if args.impostor {
        let ca_files = vec![args.ca.clone()];
        (RelayMode::Impostor { ca_files }, RelayKind::Impostor)
    } else {
        (RelayMode::Listener, RelayKind::Listener)
    };
    let config = RelayConfig {
        upstream: args.upstream,
        mode,
    };
    let (relay, events) = match RelayThread::start(&config) {
        Ok(started) => started,
        Err(e) => {
            eprintln!("tlschat: {e}");
            return 1;
        }
    };
    let target = match relayed_link(args.link.as_deref(), relay.addr(), !args.impostor) {
        Ok(target) => target,
        Err(e) => {
            eprintln!("tlschat: the demo's invite link: {e}");
            return 2;
        }
    };
    let member = DemoChild::default();
    start_demo_member(target, &args.ca, &member);
    if args.parent_pipe {
        end_with_stdin(member.clone());
    }
    let mut options = placed(
        tlschat::ui::native_options(&tlschat::config::config_dir()),
        None,
    );
    // Its own title, and no state kept: the host's window keeps its own.
    options.viewport = options
        .viewport
        .with_title(tlschat::ui::relay_view::window_title(kind));
    options.persistence_path = None;
    // The window finds its own system fonts, in its language's forms.
    options.system_font_fallback = false;
    let code = open_window(
        options,
        Box::new(move |cc| Ok(Box::new(RelayApp::new(cc, kind, relay, events)))),
    );
    stop_demo_window(&member);
    code
}

/// Prints lines on stdout; returns the exit code. A reader that went away
/// (`tlschat trust list | head -1`) is not an error: what it did not read
/// it did not want.
fn print_lines(lines: &[String]) -> i32 {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let written = lines
        .iter()
        .try_for_each(|l| writeln!(out, "{l}"))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("tlschat: cannot write to stdout: {e}");
            1
        }
    }
}

/// `tlschat trust list|remove`.
fn trust(command: &tlschat::cli::TrustCommand) -> i32 {
    use tlschat::net::pins::{PinKind, PinStore};
    let dir = tlschat::config::config_dir();
    let result = match command {
        tlschat::cli::TrustCommand::List => PinStore::load(&dir).map(|store| {
            let mut lines = Vec::new();
            if store.entries().is_empty() {
                lines.push(format!(
                    "no known hosts ({})",
                    dir.join(tlschat::net::pins::PINS_FILE).display()
                ));
            }
            for e in store.entries() {
                let kind = match e.kind {
                    PinKind::Pinned => "exception",
                    PinKind::Verified => "verified",
                };
                lines.push(format!(
                    "{}  {kind}  {}  safety code {}  since {}  {}",
                    e.target,
                    tlschat::net::certinfo::fingerprint(&e.cert.sha256),
                    tlschat::net::safety::safety_code(&e.cert.sha256),
                    tlschat::net::trust::utc(e.added),
                    e.cert.subject
                ));
            }
            print_lines(&lines)
        }),
        tlschat::cli::TrustCommand::Remove { target } => {
            // Any spelling of the host names its one (canonical) entry.
            let key = match tlschat::setup::parse_target(target)
                .map_err(|e| e.to_string())
                .and_then(|(host, port)| {
                    tlschat::net::pins::canonical_target(&host, port)
                        .map_err(tlschat::setup::reason)
                }) {
                Ok(key) => key,
                Err(e) => {
                    eprintln!(
                        "tlschat: cannot remove {}: {e}",
                        tlschat::net::safe_text::quoted(target)
                    );
                    return 2;
                }
            };
            PinStore::update(&dir, |s| s.remove(&key)).map(|removed| {
                if removed {
                    println!("removed {key}");
                    0
                } else {
                    eprintln!("tlschat: nothing is known of {key} (see `tlschat trust list`)");
                    1
                }
            })
        }
    };
    result.unwrap_or_else(|e| {
        eprintln!("tlschat: {e}");
        1
    })
}

/// `tlschat identity [--new [--yes]]`: shows the member's key, made on
/// first use; `--new` replaces it once the user said yes.
fn identity(args: &tlschat::cli::IdentityArgs) -> i32 {
    use std::io::IsTerminal as _;
    use tlschat::net::certinfo::fingerprint;
    use tlschat::net::identity::{KeyChoice, existing_key, member_identity};
    let dir = tlschat::config::config_dir();
    let mut choice = KeyChoice::Keep;
    if args.new {
        match existing_key(&dir) {
            Ok(Some(old)) if !args.yes => {
                if !std::io::stdin().is_terminal() {
                    eprintln!(
                        "tlschat: --new replaces your key {}; not at a terminal, so confirm with --yes",
                        fingerprint(&old)
                    );
                    return 2;
                }
                eprint!(
                    "Replace your key {}? Hosts that know it will not recognise you, and invite-only rooms will need a new invitation. [y/N] ",
                    fingerprint(&old)
                );
                let mut answer = String::new();
                if std::io::stdin().read_line(&mut answer).is_err()
                    || !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes")
                {
                    eprintln!("tlschat: kept your key");
                    return 1;
                }
                choice = KeyChoice::New;
            }
            Ok(_) => choice = KeyChoice::New,
            Err(e) => {
                eprintln!("tlschat: {e}");
                return 1;
            }
        }
    }
    match member_identity(&dir, choice) {
        Ok(me) => {
            if choice == KeyChoice::New {
                println!("made a new key");
            }
            println!("your identity: the key hosts recognise you by");
            println!("  fingerprint  {}", me.fingerprint());
            println!("  safety code  {}", me.safety_code());
            println!("  certificate  {}", me.cert_path.display());
            println!("  key          {}", me.key_path.display());
            0
        }
        Err(e) => {
            eprintln!("tlschat: {e}");
            1
        }
    }
}

fn gen_cert(args: &tlschat::cli::GenCertArgs) -> i32 {
    let hosts = if args.hosts.is_empty() {
        tlschat::net::certgen::default_gen_cert_hosts()
    } else {
        args.hosts.clone()
    };
    match tlschat::net::certgen::gen_cert(&args.out, &hosts, args.force) {
        Ok(generated) => {
            for file in &generated.files {
                println!("wrote {}", file.display());
            }
            println!(
                "{}",
                tlschat::net::certgen::describe("CA    ", &generated.ca)
            );
            println!(
                "{}",
                tlschat::net::certgen::describe("server", &generated.server)
            );
            println!(
                "server certificate valid for: {}",
                generated.server.host_names().join(", ")
            );
            0
        }
        Err(e) => {
            eprintln!("tlschat: {e}");
            1
        }
    }
}
