//! An optional log of frame intervals, to measure the real window (the
//! software renderer included): with `TLSCHAT_FRAME_LOG=FILE` the window
//! draws continuously, without waiting for vsync, and writes one line per
//! frame: the microseconds since the previous frame and how many lines the
//! conversation holds. `bench/window.sh` reads it.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::time::Instant;

/// The environment variable that names the log file.
pub const FRAME_LOG_ENV: &str = "TLSCHAT_FRAME_LOG";

/// The open log.
pub(crate) struct FrameLog {
    out: BufWriter<File>,
    last: Option<Instant>,
}

impl FrameLog {
    /// The log named by [`FRAME_LOG_ENV`], if any. A file that cannot be
    /// made is reported once and the window runs without a log.
    pub(crate) fn from_env() -> Option<Self> {
        let path = std::env::var_os(FRAME_LOG_ENV)?;
        match Self::create(std::path::Path::new(&path)) {
            Ok(log) => Some(log),
            Err(e) => {
                eprintln!(
                    "tlschat: cannot write the frame log {}: {e}",
                    std::path::Path::new(&path).display()
                );
                None
            }
        }
    }

    /// A log written to `path`.
    pub(crate) fn create(path: &std::path::Path) -> std::io::Result<Self> {
        Ok(Self {
            out: BufWriter::new(File::create(path)?),
            last: None,
        })
    }

    /// Records one frame and asks for the next one at once.
    pub(crate) fn frame(&mut self, ctx: &egui::Context, lines: usize) {
        let now = Instant::now();
        if let Some(last) = self.last {
            // A log that cannot be written only loses measurements.
            let _ = writeln!(self.out, "{} {lines}", (now - last).as_micros());
            let _ = self.out.flush();
        }
        self.last = Some(now);
        ctx.request_repaint();
    }
}

/// Whether the window runs with a frame log (then without vsync).
#[must_use]
pub fn enabled() -> bool {
    std::env::var_os(FRAME_LOG_ENV).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_frame_after_the_first_is_one_line_and_asks_for_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("frames.log");
        let mut log = FrameLog::create(&path).unwrap();
        let ctx = egui::Context::default();
        log.frame(&ctx, 0);
        assert!(ctx.has_requested_repaint());
        log.frame(&ctx, 7);
        log.frame(&ctx, 9);
        let text = std::fs::read_to_string(&path).unwrap();
        let rows: Vec<Vec<u64>> = text
            .lines()
            .map(|l| l.split(' ').map(|n| n.parse().unwrap()).collect())
            .collect();
        assert_eq!(rows.len(), 2, "{text}");
        assert_eq!((rows[0][1], rows[1][1]), (7, 9));
    }
}
