//! `tlschat`: parse the command line, then run the window or the headless loop.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser as _;
use tlschat::cli::{Cli, Mode, default_nick};
use tlschat::headless::{self, Role};
use tlschat::net::{Command, HostConfig, JoinConfig};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Some(Mode::Host(args)) => {
            let config = HostConfig {
                bind: args.bind,
                nick: args.name.unwrap_or_else(|| default_nick("host")),
                identity: args.cert.zip(args.key),
                config_dir: tlschat::config::config_dir(),
            };
            if args.headless {
                headless::run(Command::Host(config), Role::Host)
            } else {
                no_window()
            }
        }
        Some(Mode::Join(args)) => {
            let (host, port) = args.target;
            let config = JoinConfig {
                host,
                port,
                nick: args.name.unwrap_or_else(|| default_nick("member")),
                ca_files: args.ca,
                pins: args.pin.into_iter().collect(),
            };
            if args.headless {
                headless::run(Command::Join(config), Role::Member)
            } else {
                no_window()
            }
        }
        Some(Mode::GenCert(args)) => gen_cert(&args),
        Some(Mode::Demo) | None => no_window(),
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn no_window() -> i32 {
    eprintln!(
        "tlschat: the window is not part of this build yet; use `tlschat host --headless` or `tlschat join HOST:PORT --headless`"
    );
    2
}

fn gen_cert(args: &tlschat::cli::GenCertArgs) -> i32 {
    let hosts = if args.hosts.is_empty() {
        vec!["localhost".to_string(), "127.0.0.1".to_string()]
    } else {
        args.hosts.clone()
    };
    match tlschat::net::certgen::gen_cert(&args.out, &hosts, args.force) {
        Ok(generated) => {
            for file in &generated.files {
                println!("wrote {}", file.display());
            }
            println!("{}", tlschat::net::certgen::describe("CA    ", &generated.ca));
            println!("{}", tlschat::net::certgen::describe("server", &generated.server));
            println!("server certificate valid for: {}", generated.server.host_names().join(", "));
            0
        }
        Err(e) => {
            eprintln!("tlschat: {e}");
            1
        }
    }
}
