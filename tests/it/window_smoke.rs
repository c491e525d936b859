//! The real binary opens a real window under Xvfb, draws something that is
//! not blank, and stays up. Needs Xvfb, xwininfo and ImageMagick's `import`
//! (`.ci/run` installs them); skipped with a message where they are missing.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed (and waited for) when dropped.
pub(crate) struct Kill(pub(crate) Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// An Xvfb server on a free display, and the display's name; `None`
/// (with a message) where Xvfb, xwininfo or ImageMagick is missing.
pub(crate) fn xvfb() -> Option<(Kill, String)> {
    if !["Xvfb", "xwininfo", "import"].iter().all(|t| have(t)) {
        eprintln!(
            "skipped: Xvfb, xwininfo or ImageMagick is not installed (.ci/run installs them)"
        );
        return None;
    }
    // Xvfb picks a free display itself (tests in parallel, and other
    // processes, each get their own) and says which once it is ready.
    let mut xvfb = Kill(
        Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", "1100x760x24"])
            .args(["-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(xvfb.0.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let number: u32 = line.trim().parse().expect("Xvfb did not start");
    let display = format!(":{number}");
    let ready = |cmd: &mut Command| {
        cmd.env("DISPLAY", &display)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let end = Instant::now() + Duration::from_secs(20);
    while !ready(Command::new("xwininfo").arg("-root")) {
        assert!(Instant::now() < end, "Xvfb did not start");
        // Polls (here and below): X tells no one outside when it is ready.
        std::thread::sleep(Duration::from_millis(50));
    }
    Some((xvfb, display))
}

#[test]
fn the_window_renders_and_stays_up_under_xvfb() {
    let Some((_xvfb, display)) = xvfb() else {
        return;
    };
    let config = tempfile::tempdir().unwrap();
    let bin = std::env::var("TLSCHAT_SMOKE_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_tlschat").to_string());
    let mut app = Kill(
        Command::new(bin)
            .env("DISPLAY", &display)
            .env_remove("WAYLAND_DISPLAY")
            .env("TLSCHAT_CONFIG_DIR", config.path())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    // Wait for a window titled tlschat to be mapped.
    let end = Instant::now() + Duration::from_secs(60);
    loop {
        let tree = Command::new("xwininfo")
            .args(["-root", "-tree"])
            .env("DISPLAY", &display)
            .output()
            .unwrap();
        if String::from_utf8_lossy(&tree.stdout).contains("\"tlschat\"") {
            break;
        }
        if let Some(status) = app.0.try_wait().unwrap() {
            let mut err = String::new();
            let _ = std::io::Read::read_to_string(app.0.stderr.as_mut().unwrap(), &mut err);
            panic!("tlschat exited ({status}) before showing a window: {err}");
        }
        assert!(Instant::now() < end, "no tlschat window appeared");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Let it draw, then check the screen is not blank: a rendered start
    // screen has text, frames and buttons, so many distinct colours.
    let end = Instant::now() + Duration::from_secs(30);
    let colours = loop {
        let shot = Command::new("import")
            .args(["-window", "root", "-format", "%k", "info:"])
            .env("DISPLAY", &display)
            .output()
            .unwrap();
        let n: u32 = String::from_utf8_lossy(&shot.stdout)
            .trim()
            .parse()
            .unwrap_or(0);
        if n > 20 || Instant::now() > end {
            break n;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        colours > 20,
        "the window looks blank ({colours} distinct colours)"
    );
    assert!(
        app.0.try_wait().unwrap().is_none(),
        "the window closed by itself"
    );
}
