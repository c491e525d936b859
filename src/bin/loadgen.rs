//! `loadgen`: a load generator for tlschat's host and for other line-based
//! TLS chat brokers such as `ncat --chat --ssl`.
//!
//! It connects N plain-text members (TLS without ALPN; with `--plain`, no
//! TLS at all, for a plaintext relay such as `ncat --chat`) to a host on the
//! loopback interface, lets K of them talk, and reports what every member
//! received: deliveries expected and received, order violations, delivery
//! latency, members that were disconnected, and the server's CPU time and
//! resident memory (read from `/proc/PID`). Talkers send lines of the form
//! `T<talker>-<seq> <send_time_ns>`; receivers find that payload anywhere in
//! the line, so the nick prefixes of any broker (`<guest-3> `, `<user5> `)
//! do not matter. A sender is never expected to receive its own lines.
//!
//! Every phase is bounded in time and the tool stops by itself.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsConnector;

/// The command line.
#[derive(Parser, Debug)]
#[command(
    name = "loadgen",
    about = "Drive a TLS chat host (tlschat host, ncat --chat --ssl) with plain-text members on 127.0.0.1 and measure it (--plain: a relay without TLS, ncat --chat)"
)]
struct Args {
    /// The host to drive; must be a loopback address.
    #[arg(long)]
    addr: SocketAddr,
    /// PEM file with the CA (or the self-signed certificate) to trust
    /// (needed unless --plain).
    #[arg(long)]
    ca: Option<PathBuf>,
    /// Connect over plain TCP, without TLS (a plaintext relay such as
    /// `ncat --chat`, to compare with).
    #[arg(long)]
    plain: bool,
    /// The name to verify the host's certificate against (default: the IP of --addr).
    #[arg(long)]
    server_name: Option<String>,
    /// How many members to connect (talkers included).
    #[arg(long, default_value_t = 100)]
    members: usize,
    /// How many of the members talk.
    #[arg(long, default_value_t = 5)]
    talkers: usize,
    /// Lines per second per talker; 0 means as fast as the connection takes them.
    #[arg(long, default_value_t = 20.0)]
    rate: f64,
    /// Length of the measured window, in seconds.
    #[arg(long, default_value_t = 20.0)]
    duration: f64,
    /// Seconds of talking before the measured window starts.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Seconds to wait after the window for deliveries still in flight.
    #[arg(long, default_value_t = 3.0)]
    settle: f64,
    /// The server's process id, to read its CPU time and memory from /proc.
    #[arg(long)]
    server_pid: Option<u32>,
    /// How many connections (TCP + TLS handshake) may be in progress at once.
    #[arg(long, default_value_t = 64)]
    connect_concurrency: usize,
    /// Seconds one connection (TCP + TLS handshake) may take.
    #[arg(long, default_value_t = 10.0)]
    connect_timeout: f64,
    /// Seconds the whole connection phase may take; later ones are abandoned.
    #[arg(long, default_value_t = 300.0)]
    connect_deadline: f64,
    /// At most this many seconds to wait, after connecting, for the join
    /// notices to stop flowing (the room is quiet for one second).
    #[arg(long, default_value_t = 60.0)]
    join_wait: f64,
    /// With --rate 0: how many lines a talker may have in flight (sent but
    /// not yet seen by the observing member, the last one to connect), so
    /// that "as fast as possible" is as fast as the server delivers rather
    /// than as fast as the kernel's socket buffers fill.
    #[arg(long, default_value_t = 256)]
    window: u64,
    /// Worker threads of loadgen's own runtime.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// A label for the run, copied into the report.
    #[arg(long, default_value = "")]
    label: String,
    /// Also print the report as one JSON line (prefixed with nothing, last line).
    #[arg(long)]
    json: bool,
}

impl Args {
    fn check(&self) -> Result<(), String> {
        if !self.addr.ip().is_loopback() {
            return Err(format!(
                "--addr {} is not a loopback address; loadgen only drives hosts on this machine",
                self.addr
            ));
        }
        if self.ca.is_none() && !self.plain {
            return Err("--ca is needed (or --plain for a relay without TLS)".into());
        }
        if self.members == 0 || self.members > 100_000 {
            return Err("--members must be between 1 and 100000".into());
        }
        if self.talkers > self.members {
            return Err("--talkers cannot exceed --members".into());
        }
        if !self.rate.is_finite() || self.rate < 0.0 || self.rate > 1_000_000.0 {
            return Err("--rate must be between 0 and 1000000".into());
        }
        let seconds = [
            ("--duration", self.duration, 0.1, 3600.0),
            ("--warmup", self.warmup, 0.0, 600.0),
            ("--settle", self.settle, 0.0, 600.0),
            ("--connect-timeout", self.connect_timeout, 0.1, 600.0),
            ("--connect-deadline", self.connect_deadline, 1.0, 3600.0),
            ("--join-wait", self.join_wait, 0.0, 3600.0),
        ];
        for (name, value, low, high) in seconds {
            if !value.is_finite() || value < low || value > high {
                return Err(format!("{name} must be between {low} and {high} seconds"));
            }
        }
        if self.connect_concurrency == 0 || self.connect_concurrency > 10_000 {
            return Err("--connect-concurrency must be between 1 and 10000".into());
        }
        if self.window == 0 || self.window > 1_000_000 {
            return Err("--window must be between 1 and 1000000".into());
        }
        if self.threads == 0 || self.threads > 64 {
            return Err("--threads must be between 1 and 64".into());
        }
        Ok(())
    }
}

/// Sub-buckets per power of two in the latency histogram (2^6 = 64: about
/// 1.5 % resolution).
const SUB_BITS: u32 = 6;
const SUB: u64 = 1 << SUB_BITS;
const BUCKETS: usize = (SUB as usize) * (64 - SUB_BITS as usize + 1);

/// A lock-free log-linear histogram of latencies in microseconds.
struct Histogram {
    counts: Vec<AtomicU64>,
}

impl Histogram {
    fn new() -> Self {
        Self {
            counts: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    fn index(us: u64) -> usize {
        if us < SUB {
            return us as usize;
        }
        let e = 63 - us.leading_zeros(); // >= SUB_BITS
        let sub = (us >> (e - SUB_BITS)) & (SUB - 1);
        ((e - SUB_BITS + 1) as usize) * (SUB as usize) + sub as usize
    }

    /// The smallest value that falls in bucket `i`.
    fn low(i: usize) -> u64 {
        let i = i as u64;
        if i < SUB {
            return i;
        }
        let e = i / SUB - 1 + u64::from(SUB_BITS);
        let sub = i % SUB;
        (SUB + sub) << (e - u64::from(SUB_BITS))
    }

    fn record(&self, us: u64) {
        if let Some(c) = self.counts.get(Self::index(us)) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The value at quantile `q` (0..=1), as the upper edge of its bucket, in µs.
    fn quantile(&self, q: f64) -> Option<u64> {
        let counts: Vec<u64> = self
            .counts
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return None;
        }
        let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (i, c) in counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(Self::low(i + 1).saturating_sub(1).max(Self::low(i)));
            }
        }
        None
    }
}

/// What the members and talkers share.
struct Shared {
    base: Instant,
    /// Start of the measured window, ns since `base` (`u64::MAX` until set).
    t0: AtomicU64,
    /// End of the measured window, ns since `base`.
    t1: AtomicU64,
    /// Every line received by any member, for "is the room quiet yet".
    lines_total: AtomicU64,
    /// Latency of deliveries of lines sent within the window.
    latency: Histogram,
    latency_max_ns: AtomicU64,
    talkers: usize,
    /// Lines in flight per talker when the rate is 0.
    window: u64,
    /// The member whose receipts pace talkers when the rate is 0.
    observer: AtomicUsize,
    /// Per talker: one more than the highest sequence number the observer saw.
    observed: Vec<AtomicU64>,
    /// Per talker: woken when the observer sees one of its lines.
    progress: Vec<tokio::sync::Notify>,
}

impl Shared {
    fn now_ns(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn at(&self, ns: u64) -> tokio::time::Instant {
        tokio::time::Instant::from_std(self.base + Duration::from_nanos(ns))
    }
}

/// What one member saw.
#[derive(Debug, Default)]
struct MemberReport {
    index: usize,
    /// Payload lines sent within the window that this member received.
    received_window: u64,
    /// Payload lines this member received while the window was open.
    received_during_window: u64,
    /// All payload lines received.
    payload_lines: u64,
    /// All other lines (notices, join announcements …).
    other_lines: u64,
    /// A talker's sequence number that was not larger than the one before.
    order_violations: u64,
    /// Why the connection ended before loadgen stopped it.
    disconnected: Option<String>,
    /// The last notice that looked like an error or a disconnection.
    notice: Option<String>,
}

/// What one talker did.
#[derive(Debug, Default)]
struct TalkerReport {
    index: usize,
    sent_total: u64,
    sent_window: u64,
    error: Option<String>,
}

/// Finds `T<talker>-<seq> <ns>` anywhere in a line.
fn parse_payload(line: &[u8]) -> Option<(usize, u64, u64)> {
    let mut from = 0;
    while let Some(p) = line.get(from..)?.iter().position(|&b| b == b'T') {
        let at = from + p;
        let boundary = at == 0 || line.get(at - 1) == Some(&b' ');
        if boundary && let Some(found) = parse_at(line.get(at + 1..)?) {
            return Some(found);
        }
        from = at + 1;
    }
    None
}

fn digits(s: &[u8]) -> Option<(u64, &[u8])> {
    let n = s.iter().take_while(|b| b.is_ascii_digit()).count();
    if n == 0 || n > 19 {
        return None;
    }
    let value = s
        .get(..n)?
        .iter()
        .fold(0u64, |v, b| v * 10 + u64::from(b - b'0'));
    Some((value, s.get(n..)?))
}

fn parse_at(s: &[u8]) -> Option<(usize, u64, u64)> {
    let (talker, rest) = digits(s)?;
    let rest = rest.strip_prefix(b"-")?;
    let (seq, rest) = digits(rest)?;
    let rest = rest.strip_prefix(b" ")?;
    let (ts, _) = digits(rest)?;
    Some((usize::try_from(talker).ok()?, seq, ts))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Longest line a member keeps; longer ones are dropped (counted as other).
const MAX_LINE: usize = 1 << 20;

/// Reads one member's connection until told to stop or the server closes it.
async fn read_member<R: AsyncRead + Unpin>(
    mut reader: R,
    index: usize,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> MemberReport {
    let mut report = MemberReport {
        index,
        ..MemberReport::default()
    };
    let mut last: Vec<Option<u64>> = vec![None; shared.talkers];
    let mut buf: Vec<u8> = Vec::with_capacity(2048);
    loop {
        if buf.capacity() - buf.len() < 512 {
            buf.reserve(2048);
        }
        let read = tokio::select! {
            biased;
            _ = stop.changed() => break,
            r = reader.read_buf(&mut buf) => r,
        };
        match read {
            Ok(0) => {
                report.disconnected = Some("closed by the server".into());
                break;
            }
            Ok(_) => {}
            Err(e) => {
                report.disconnected = Some(format!("connection error: {e}"));
                break;
            }
        }
        let now = shared.now_ns();
        let t0 = shared.t0.load(Ordering::Relaxed);
        let t1 = shared.t1.load(Ordering::Relaxed);
        let open = now >= t0 && now < t1;
        let mut start = 0;
        let mut lines = 0;
        while let Some(p) = buf
            .get(start..)
            .and_then(|b| b.iter().position(|&c| c == b'\n'))
        {
            let line = buf.get(start..start + p).unwrap_or_default();
            start += p + 1;
            lines += 1;
            let Some((talker, seq, ts)) = parse_payload(line) else {
                report.other_lines += 1;
                if line.starts_with(b"* ")
                    && (contains(line, b"slow")
                        || contains(line, b"disconnect")
                        || contains(line, b"error")
                        || contains(line, b"closing"))
                {
                    let text = String::from_utf8_lossy(line);
                    report.notice = Some(text.chars().take(200).collect());
                }
                continue;
            };
            report.payload_lines += 1;
            if index == shared.observer.load(Ordering::Relaxed)
                && let (Some(o), Some(n)) =
                    (shared.observed.get(talker), shared.progress.get(talker))
            {
                o.fetch_max(seq + 1, Ordering::Relaxed);
                n.notify_one();
            }
            if let Some(slot) = last.get_mut(talker) {
                if slot.is_some_and(|prev| seq <= prev) {
                    report.order_violations += 1;
                }
                *slot = Some(seq);
            }
            if ts >= t0 && ts < t1 {
                report.received_window += 1;
                let latency = now.saturating_sub(ts);
                shared.latency.record(latency / 1000);
                shared.latency_max_ns.fetch_max(latency, Ordering::Relaxed);
            }
            if open {
                report.received_during_window += 1;
            }
        }
        if lines > 0 {
            shared.lines_total.fetch_add(lines, Ordering::Relaxed);
        }
        buf.drain(..start);
        if buf.len() > MAX_LINE {
            buf.clear();
            report.other_lines += 1;
        }
    }
    report
}

/// Sends lines until the window closes.
async fn talk<W: AsyncWrite + Unpin>(
    mut writer: W,
    index: usize,
    rate: f64,
    shared: Arc<Shared>,
) -> TalkerReport {
    let mut report = TalkerReport {
        index,
        ..TalkerReport::default()
    };
    let start = shared.now_ns();
    let t0 = shared.t0.load(Ordering::Relaxed);
    let t1 = shared.t1.load(Ordering::Relaxed);
    // A write that is still blocked this long after the window is given up.
    let give_up = shared.at(t1.saturating_add(2_000_000_000));
    let period_ns = if rate > 0.0 { 1e9 / rate } else { 0.0 };
    let batch = if rate > 0.0 { 1 } else { 16 };
    let window = shared.window.max(batch as u64);
    let mut seq: u64 = 0;
    let mut out = Vec::with_capacity(64 * batch);
    loop {
        if period_ns > 0.0 {
            let due = start.saturating_add((seq as f64 * period_ns) as u64);
            if due >= t1 {
                break;
            }
            tokio::time::sleep_until(shared.at(due)).await;
        }
        if period_ns == 0.0 && index != shared.observer.load(Ordering::Relaxed) {
            // Closed loop: wait until the observer has seen enough.
            let (Some(seen), Some(progress)) =
                (shared.observed.get(index), shared.progress.get(index))
            else {
                break;
            };
            while seq + batch as u64 > seen.load(Ordering::Relaxed) + window {
                if shared.now_ns() >= t1 {
                    break;
                }
                let _ = tokio::time::timeout(Duration::from_millis(50), progress.notified()).await;
            }
        }
        let ts = shared.now_ns();
        if ts >= t1 {
            break;
        }
        out.clear();
        for i in 0..batch {
            out.extend_from_slice(format!("T{index}-{} {ts}\n", seq + i as u64).as_bytes());
        }
        let write = async {
            writer.write_all(&out).await?;
            writer.flush().await
        };
        match tokio::time::timeout_at(give_up, write).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                report.error = Some(format!("write failed: {e}"));
                break;
            }
            Err(_) => {
                report.error = Some("write stalled: the server stopped reading".into());
                break;
            }
        }
        seq += batch as u64;
        report.sent_total += batch as u64;
        if ts >= t0 {
            report.sent_window += batch as u64;
        }
    }
    report
}

/// A member's connection: TLS over TCP, or TCP alone (`--plain`).
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A member's connection, whichever it is.
type Stream = Box<dyn Io>;

/// A talker's end for writing.
type TalkerWriter = tokio::io::WriteHalf<Stream>;

/// A connection attempt's result.
enum Conn {
    Talker {
        index: usize,
        writer: TalkerWriter,
        reader: JoinHandle<MemberReport>,
    },
    Member(JoinHandle<MemberReport>),
    Failed(String),
}

struct Connecting {
    /// `None`: plain TCP (`--plain`).
    connector: Option<TlsConnector>,
    addr: SocketAddr,
    name: ServerName<'static>,
    timeout: Duration,
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
    next: AtomicUsize,
}

async fn connect(c: Arc<Connecting>, permits: Arc<Semaphore>) -> Conn {
    let Ok(_permit) = permits.acquire().await else {
        return Conn::Failed("cancelled".into());
    };
    let attempt = async {
        let tcp = TcpStream::connect(c.addr)
            .await
            .map_err(|e| format!("TCP connect: {e}"))?;
        let _ = tcp.set_nodelay(true);
        let Some(connector) = &c.connector else {
            return Ok(Box::new(tcp) as Stream);
        };
        connector
            .connect(c.name.clone(), tcp)
            .await
            .map(|tls| Box::new(tls) as Stream)
            .map_err(|e| format!("TLS handshake: {e}"))
    };
    let stream = match tokio::time::timeout(c.timeout, attempt).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => return Conn::Failed(e),
        Err(_) => return Conn::Failed("connection timed out".into()),
    };
    let index = c.next.fetch_add(1, Ordering::Relaxed);
    if index < c.shared.talkers {
        let (read_half, writer) = tokio::io::split(stream);
        let reader = tokio::spawn(read_member(
            read_half,
            index,
            c.shared.clone(),
            c.stop.clone(),
        ));
        Conn::Talker {
            index,
            writer,
            reader,
        }
    } else {
        Conn::Member(tokio::spawn(read_member(
            stream,
            index,
            c.shared.clone(),
            c.stop.clone(),
        )))
    }
}

/// CPU time (user + system) and memory of a process, from /proc.
#[derive(Debug, Clone, Copy, Default)]
struct ProcSample {
    cpu_s: f64,
    rss_kib: u64,
    hwm_kib: u64,
}

fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
}

fn proc_sample(pid: u32, ticks: f64) -> Option<ProcSample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start at field 3.
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Some(ProcSample {
        cpu_s: (utime + stime) / ticks,
        rss_kib: kib("VmRSS:"),
        hwm_kib: kib("VmHWM:"),
    })
}

fn self_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn tls_connector(ca: &Path) -> Result<TlsConnector, String> {
    let certs = tlschat::net::pem::load_certs(ca).map_err(|e| e.to_string())?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in certs {
        roots
            .add(cert)
            .map_err(|e| format!("cannot trust the certificate in {}: {e}", ca.display()))?;
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot configure TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // No ALPN: every member is a plain-text member.
    Ok(TlsConnector::from(Arc::new(config)))
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn ms(us: Option<u64>) -> Option<f64> {
    us.map(|u| u as f64 / 1000.0)
}

fn fmt_opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.digits$}"))
}

/// Reads the server's CPU time and memory from /proc, when its pid is known.
struct Probe {
    pid: Option<u32>,
    ticks: f64,
}

impl Probe {
    /// A probe of `pid`; an error when it is given and cannot be read.
    fn new(pid: Option<u32>) -> Result<Self, String> {
        let probe = Self {
            pid,
            ticks: clock_ticks(),
        };
        if let Some(pid) = pid
            && probe.sample().is_none()
        {
            return Err(format!(
                "cannot read /proc/{pid}/stat: is the server running?"
            ));
        }
        Ok(probe)
    }

    fn sample(&self) -> Option<ProcSample> {
        self.pid.and_then(|p| proc_sample(p, self.ticks))
    }
}

/// The server sampled at each phase boundary.
#[derive(Default)]
struct ServerSamples {
    before: Option<ProcSample>,
    after_connect: Option<ProcSample>,
    window_start: Option<ProcSample>,
    window_end: Option<ProcSample>,
    end: Option<ProcSample>,
}

impl ServerSamples {
    /// CPU seconds the server spent in the measured window.
    fn cpu_window(&self) -> Option<f64> {
        match (self.window_start, self.window_end) {
            (Some(a), Some(b)) => Some(b.cpu_s - a.cpu_s),
            _ => None,
        }
    }

    /// Resident memory the server grew by per member alive after the joins.
    fn rss_per_member(&self, alive: usize) -> Option<f64> {
        match (self.before, self.after_connect) {
            (Some(b), Some(a)) if alive > 0 => {
                Some((a.rss_kib as f64 - b.rss_kib as f64) / alive as f64)
            }
            _ => None,
        }
    }
}

/// What the connect phase made.
struct Joined {
    /// One reader per connected member.
    readers: Vec<JoinHandle<MemberReport>>,
    /// The talkers' write halves, with their index.
    writers: Vec<(usize, TalkerWriter)>,
    /// Failed connections, by reason.
    failures: BTreeMap<String, u64>,
    /// Connections still in progress at the connect deadline.
    abandoned: u64,
    /// How long the phase took.
    secs: f64,
}

impl Joined {
    fn connected(&self) -> usize {
        self.readers.len()
    }

    fn failed(&self) -> u64 {
        self.failures.values().sum::<u64>() + self.abandoned
    }
}

/// The connect phase: every member, with bounded concurrency and an
/// overall deadline.
async fn connect_all(
    args: &Args,
    shared: &Arc<Shared>,
    stop: watch::Receiver<bool>,
    connector: Option<TlsConnector>,
    name: ServerName<'static>,
) -> Joined {
    let connecting = Arc::new(Connecting {
        connector,
        addr: args.addr,
        name,
        timeout: secs(args.connect_timeout),
        shared: shared.clone(),
        stop,
        next: AtomicUsize::new(0),
    });
    let permits = Arc::new(Semaphore::new(args.connect_concurrency));
    let connect_start = Instant::now();
    let deadline = tokio::time::Instant::now() + secs(args.connect_deadline);
    let mut attempts = JoinSet::new();
    for _ in 0..args.members {
        attempts.spawn(connect(connecting.clone(), permits.clone()));
    }
    let mut joined = Joined {
        readers: Vec::with_capacity(args.members),
        writers: Vec::new(),
        failures: BTreeMap::new(),
        abandoned: 0,
        secs: 0.0,
    };
    loop {
        match tokio::time::timeout_at(deadline, attempts.join_next()).await {
            Ok(None) => break,
            Ok(Some(Ok(Conn::Member(reader)))) => joined.readers.push(reader),
            Ok(Some(Ok(Conn::Talker {
                index,
                writer,
                reader,
            }))) => {
                joined.readers.push(reader);
                joined.writers.push((index, writer));
            }
            Ok(Some(Ok(Conn::Failed(why)))) => *joined.failures.entry(why).or_default() += 1,
            Ok(Some(Err(e))) => *joined.failures.entry(format!("task: {e}")).or_default() += 1,
            Err(_) => {
                joined.abandoned = attempts.len() as u64;
                attempts.abort_all();
                break;
            }
        }
    }
    joined.secs = connect_start.elapsed().as_secs_f64();
    joined
}

/// Waits (at most `limit`) until the join announcements die down: no line
/// for four checks in a row. Returns how long that took, in seconds.
async fn wait_for_quiet(shared: &Shared, limit: Duration) -> f64 {
    let quiet_start = Instant::now();
    let mut last_total = shared.lines_total.load(Ordering::Relaxed);
    let mut quiet_ticks = 0;
    while quiet_start.elapsed() < limit && quiet_ticks < 4 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let total = shared.lines_total.load(Ordering::Relaxed);
        if total == last_total {
            quiet_ticks += 1;
        } else {
            quiet_ticks = 0;
            last_total = total;
        }
    }
    quiet_start.elapsed().as_secs_f64()
}

/// The talk phase: warmup, then the measured window, then the settle time;
/// the server is sampled at the window's start and end and after settling.
async fn talk_all(
    args: &Args,
    shared: &Arc<Shared>,
    writers: Vec<(usize, TalkerWriter)>,
    probe: &Probe,
    samples: &mut ServerSamples,
) -> JoinSet<TalkerReport> {
    let talk_start = shared.now_ns();
    let t0 = talk_start.saturating_add(secs(args.warmup).as_nanos() as u64);
    let t1 = t0.saturating_add(secs(args.duration).as_nanos() as u64);
    shared.t0.store(t0, Ordering::Relaxed);
    shared.t1.store(t1, Ordering::Relaxed);
    let mut talkers = JoinSet::new();
    for (index, writer) in writers {
        talkers.spawn(talk(writer, index, args.rate, shared.clone()));
    }
    tokio::time::sleep_until(shared.at(t0)).await;
    samples.window_start = probe.sample();
    tokio::time::sleep_until(shared.at(t1)).await;
    samples.window_end = probe.sample();
    tokio::time::sleep(secs(args.settle)).await;
    samples.end = probe.sample();
    talkers
}

/// Collects every talker's and member's report (within 10 s; a reader that
/// does not stop is reported as such).
async fn collect(
    mut talkers: JoinSet<TalkerReport>,
    readers: Vec<JoinHandle<MemberReport>>,
) -> (Vec<TalkerReport>, Vec<MemberReport>) {
    let mut talker_reports = Vec::new();
    let collect_deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while let Ok(Some(r)) = tokio::time::timeout_at(collect_deadline, talkers.join_next()).await {
        if let Ok(r) = r {
            talker_reports.push(r);
        }
    }
    talkers.abort_all();
    let mut member_reports = Vec::with_capacity(readers.len());
    for reader in readers {
        match tokio::time::timeout_at(collect_deadline, reader).await {
            Ok(Ok(r)) => member_reports.push(r),
            Ok(Err(_)) | Err(_) => member_reports.push(MemberReport {
                index: usize::MAX,
                disconnected: Some("reader did not stop".into()),
                ..MemberReport::default()
            }),
        }
    }
    talker_reports.sort_by_key(|t| t.index);
    (talker_reports, member_reports)
}

/// What was sent and delivered, summed over talkers and members.
#[derive(Default)]
struct Deliveries {
    sent_window: u64,
    sent_total: u64,
    expected: u64,
    received: u64,
    /// Deliveries received while the window was open.
    during: u64,
    violations: u64,
    /// Members that got everything meant for them.
    complete: u64,
    /// Members still connected that got less.
    short_but_connected: u64,
    disconnected: u64,
    disconnect_reasons: BTreeMap<String, u64>,
    talker_errors: Vec<String>,
}

impl Deliveries {
    fn tally(talkers: &[TalkerReport], members: &[MemberReport]) -> Self {
        let sent_window: u64 = talkers.iter().map(|t| t.sent_window).sum();
        let sent_by: BTreeMap<usize, u64> =
            talkers.iter().map(|t| (t.index, t.sent_window)).collect();
        let expected_for = |m: usize| sent_window - sent_by.get(&m).copied().unwrap_or(0);
        let mut sums = Self {
            sent_window,
            sent_total: talkers.iter().map(|t| t.sent_total).sum(),
            expected: members.iter().map(|m| expected_for(m.index)).sum(),
            received: members.iter().map(|m| m.received_window).sum(),
            during: members.iter().map(|m| m.received_during_window).sum(),
            violations: members.iter().map(|m| m.order_violations).sum(),
            talker_errors: talkers
                .iter()
                .filter_map(|t| t.error.as_ref().map(|e| format!("talker {}: {e}", t.index)))
                .collect(),
            ..Self::default()
        };
        for m in members {
            if let Some(why) = &m.disconnected {
                sums.disconnected += 1;
                let why = match &m.notice {
                    Some(n) => format!("{why}; last notice: {n}"),
                    None => why.clone(),
                };
                *sums.disconnect_reasons.entry(why).or_default() += 1;
            } else if m.received_window < expected_for(m.index) {
                sums.short_but_connected += 1;
            } else {
                sums.complete += 1;
            }
        }
        sums
    }

    fn lost(&self) -> u64 {
        self.expected.saturating_sub(self.received)
    }

    fn extra(&self) -> u64 {
        self.received.saturating_sub(self.expected)
    }
}

/// Delivery latency in milliseconds.
struct Latency {
    p50: Option<f64>,
    p99: Option<f64>,
    max: Option<f64>,
}

impl Latency {
    fn of(shared: &Shared, received: u64) -> Self {
        let max =
            (received > 0).then(|| shared.latency_max_ns.load(Ordering::Relaxed) as f64 / 1e6);
        // A bucket's upper edge can lie above the largest value seen.
        let cap = |q: Option<f64>| match (q, max) {
            (Some(q), Some(m)) => Some(q.min(m)),
            (q, _) => q,
        };
        Self {
            p50: cap(ms(shared.latency.quantile(0.50))),
            p99: cap(ms(shared.latency.quantile(0.99))),
            max,
        }
    }
}

/// Everything a run measured.
struct Report {
    connect_failures: BTreeMap<String, u64>,
    abandoned: u64,
    connected: usize,
    failed: u64,
    connect_secs: f64,
    join_settle_secs: f64,
    alive_after_connect: usize,
    talkers: usize,
    deliveries: Deliveries,
    latency: Latency,
    server: ServerSamples,
    loadgen_rss_connected: u64,
    loadgen_rss_end: u64,
}

impl Report {
    fn deliveries_per_sec(&self, args: &Args) -> f64 {
        self.deliveries.during as f64 / args.duration
    }

    fn cpu_us_per_delivery(&self) -> Option<f64> {
        let during = self.deliveries.during;
        self.server
            .cpu_window()
            .filter(|_| during > 0)
            .map(|c| c * 1e6 / during as f64)
    }

    /// The report for people, on stdout.
    fn print(&self, args: &Args) {
        let d = &self.deliveries;
        let kib = |s: Option<ProcSample>| fmt_opt(s.map(|s| s.rss_kib as f64), 0);
        println!("== loadgen {} ==", args.label);
        println!(
            "target {}  members {} (connected {}, failed {}, alive after joins {})  talkers {}  rate {}  window {} s (warmup {} s, settle {} s)",
            args.addr,
            args.members,
            self.connected,
            self.failed,
            self.alive_after_connect,
            self.talkers,
            if args.rate > 0.0 {
                format!("{} lines/s each", args.rate)
            } else {
                "as fast as possible".into()
            },
            args.duration,
            args.warmup,
            args.settle
        );
        for (why, n) in &self.connect_failures {
            println!("  connect failure x{n}: {why}");
        }
        if self.abandoned > 0 {
            println!(
                "  {} connections abandoned at the connect deadline",
                self.abandoned
            );
        }
        println!(
            "connect phase {:.2} s ({:.0} connections/s), joins settled after {:.1} s",
            self.connect_secs,
            self.connected as f64 / self.connect_secs.max(1e-9),
            self.join_settle_secs
        );
        println!(
            "lines sent in window {} (total {}); deliveries expected {}, received {}, lost {}, unexpected extra {}",
            d.sent_window,
            d.sent_total,
            d.expected,
            d.received,
            d.lost(),
            d.extra()
        );
        println!(
            "deliveries/s {:.0}; latency ms p50 {} p99 {} max {}; order violations {}",
            self.deliveries_per_sec(args),
            fmt_opt(self.latency.p50, 2),
            fmt_opt(self.latency.p99, 2),
            fmt_opt(self.latency.max, 2),
            d.violations
        );
        println!(
            "members complete {}, connected but short {}, disconnected {}",
            d.complete, d.short_but_connected, d.disconnected
        );
        for (why, n) in &d.disconnect_reasons {
            println!("  disconnected x{n}: {why}");
        }
        for e in &d.talker_errors {
            println!("  {e}");
        }
        println!(
            "server CPU in window {} s, {} µs per delivered line; RSS KiB before {} / after connect {} / end {} (peak {}); per idle member {} KiB",
            fmt_opt(self.server.cpu_window(), 2),
            fmt_opt(self.cpu_us_per_delivery(), 2),
            kib(self.server.before),
            kib(self.server.after_connect),
            kib(self.server.end),
            fmt_opt(self.server.end.map(|s| s.hwm_kib as f64), 0),
            fmt_opt(self.server.rss_per_member(self.alive_after_connect), 2)
        );
        println!(
            "loadgen RSS KiB after connect {}, at end {}; {} worker threads",
            self.loadgen_rss_connected, self.loadgen_rss_end, args.threads
        );
    }

    /// The report as one JSON object (for `--json`).
    fn json(&self, args: &Args) -> serde_json::Value {
        let d = &self.deliveries;
        let kib = |s: Option<ProcSample>| s.map(|s| s.rss_kib);
        serde_json::json!({
            "label": args.label,
            "plain": args.plain,
            "addr": args.addr.to_string(),
            "members": args.members,
            "connected": self.connected,
            "connect_failed": self.failed,
            "connect_failures": self.connect_failures,
            "connect_secs": self.connect_secs,
            "join_settle_secs": self.join_settle_secs,
            "alive_after_connect": self.alive_after_connect,
            "talkers": self.talkers,
            "rate": args.rate,
            "duration": args.duration,
            "warmup": args.warmup,
            "lines_sent": d.sent_window,
            "lines_sent_total": d.sent_total,
            "deliveries_expected": d.expected,
            "deliveries_received": d.received,
            "deliveries_lost": d.lost(),
            "deliveries_extra": d.extra(),
            "deliveries_per_sec": self.deliveries_per_sec(args),
            "latency_ms": {
                "p50": self.latency.p50,
                "p99": self.latency.p99,
                "max": self.latency.max,
            },
            "order_violations": d.violations,
            "members_complete": d.complete,
            "members_short": d.short_but_connected,
            "members_disconnected": d.disconnected,
            "disconnect_reasons": d.disconnect_reasons,
            "talker_errors": d.talker_errors,
            "server_cpu_s": self.server.cpu_window(),
            "cpu_us_per_delivery": self.cpu_us_per_delivery(),
            "rss_kib": {
                "before": kib(self.server.before),
                "after_connect": kib(self.server.after_connect),
                "end": kib(self.server.end),
                "peak": self.server.end.map(|s| s.hwm_kib),
            },
            "rss_per_member_kib": self.server.rss_per_member(self.alive_after_connect),
            "loadgen_rss_kib": self.loadgen_rss_end,
            "loadgen_threads": args.threads,
        })
    }
}

impl Shared {
    /// The state shared by the members and talkers of a run of `args`.
    fn new(args: &Args) -> Self {
        Self {
            base: Instant::now(),
            t0: AtomicU64::new(u64::MAX),
            t1: AtomicU64::new(u64::MAX),
            lines_total: AtomicU64::new(0),
            latency: Histogram::new(),
            latency_max_ns: AtomicU64::new(0),
            talkers: args.talkers,
            observer: AtomicUsize::new(args.members - 1),
            observed: (0..args.talkers).map(|_| AtomicU64::new(0)).collect(),
            progress: (0..args.talkers)
                .map(|_| tokio::sync::Notify::new())
                .collect(),
            window: args.window,
        }
    }
}

/// One run: connect, let the joins settle, talk, stop, report (printed,
/// and returned for `--json`).
async fn run(args: Args) -> Result<serde_json::Value, String> {
    let connector = match &args.ca {
        Some(ca) if !args.plain => Some(tls_connector(ca)?),
        _ => None,
    };
    let name = match &args.server_name {
        Some(n) => {
            ServerName::try_from(n.clone()).map_err(|e| format!("--server-name {n}: {e}"))?
        }
        None => ServerName::IpAddress(args.addr.ip().into()),
    };
    let shared = Arc::new(Shared::new(&args));
    let (stop_tx, stop_rx) = watch::channel(false);
    let probe = Probe::new(args.server_pid)?;
    let mut server = ServerSamples {
        before: probe.sample(),
        ..ServerSamples::default()
    };

    let joined = connect_all(&args, &shared, stop_rx, connector, name).await;
    let (connected, failed) = (joined.connected(), joined.failed());
    shared
        .observer
        .store(connected.saturating_sub(1), Ordering::Relaxed);
    eprintln!(
        "loadgen: {connected} of {} members connected in {:.1} s ({failed} failed)",
        args.members, joined.secs
    );
    let join_settle_secs = wait_for_quiet(&shared, secs(args.join_wait)).await;
    server.after_connect = probe.sample();
    let alive_after_connect = joined.readers.iter().filter(|r| !r.is_finished()).count();
    let loadgen_rss_connected = self_rss_kib();

    let Joined {
        readers,
        writers,
        failures,
        abandoned,
        secs: connect_secs,
    } = joined;
    let talkers = talk_all(&args, &shared, writers, &probe, &mut server).await;
    let _ = stop_tx.send(true);
    let (talker_reports, member_reports) = collect(talkers, readers).await;
    let deliveries = Deliveries::tally(&talker_reports, &member_reports);
    let report = Report {
        connect_failures: failures,
        abandoned,
        connected,
        failed,
        connect_secs,
        join_settle_secs,
        alive_after_connect,
        talkers: talker_reports.len(),
        latency: Latency::of(&shared, deliveries.received),
        deliveries,
        server,
        loadgen_rss_connected,
        loadgen_rss_end: self_rss_kib(),
    };
    report.print(&args);
    Ok(report.json(&args))
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    if let Err(e) = args.check() {
        eprintln!("loadgen: {e}");
        return std::process::ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("loadgen: cannot start the runtime: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let json = args.json;
    match runtime.block_on(run(args)) {
        Ok(report) => {
            if json {
                println!("{report}");
            }
            // Readers that did not stop in time are not waited for.
            runtime.shutdown_timeout(Duration::from_secs(1));
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("loadgen: {e}");
            runtime.shutdown_timeout(Duration::from_secs(1));
            std::process::ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_is_found_behind_any_prefix() {
        assert_eq!(parse_payload(b"T3-17 123456"), Some((3, 17, 123_456)));
        assert_eq!(parse_payload(b"<guest-4> T0-1 99"), Some((0, 1, 99)));
        assert_eq!(parse_payload(b"<user5> T12-0 7\r"), Some((12, 0, 7)));
        assert_eq!(parse_payload(b"* guest-4 joined"), None);
        assert_eq!(parse_payload(b"<T> T1-2"), None);
    }

    /// A plaintext relay like `ncat --chat`: every line a connection sends
    /// goes to every other connection.
    async fn plain_relay(listener: tokio::net::TcpListener) {
        use tokio::io::AsyncBufReadExt as _;
        let (tx, _) = tokio::sync::broadcast::channel::<(usize, String)>(4096);
        for me in 0.. {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let (read, mut write) = socket.into_split();
            let said = tx.clone();
            tokio::spawn(async move {
                let mut lines = tokio::io::BufReader::new(read).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let _ = said.send((me, line));
                }
            });
            let mut heard = tx.subscribe();
            tokio::spawn(async move {
                while let Ok((from, line)) = heard.recv().await {
                    if from != me
                        && write
                            .write_all(format!("{line}\n").as_bytes())
                            .await
                            .is_err()
                    {
                        return;
                    }
                }
            });
        }
    }

    #[tokio::test]
    async fn plain_members_drive_a_relay_without_tls() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        tokio::spawn(plain_relay(listener));
        let args = Args::parse_from([
            "loadgen",
            "--addr",
            &addr,
            "--plain",
            "--members",
            "3",
            "--talkers",
            "1",
            "--rate",
            "40",
            "--duration",
            "0.5",
            "--warmup",
            "0.2",
            "--settle",
            "0.5",
            "--join-wait",
            "2",
        ]);
        args.check().unwrap();
        let report = run(args).await.unwrap();
        let sent = report["lines_sent"].as_u64().unwrap();
        assert!(sent >= 10, "{report}");
        assert_eq!(
            report["deliveries_expected"].as_u64(),
            Some(2 * sent),
            "{report}"
        );
        assert_eq!(
            report["deliveries_received"].as_u64(),
            Some(2 * sent),
            "{report}"
        );
        assert_eq!(report["deliveries_lost"].as_u64(), Some(0), "{report}");
        assert_eq!(report["plain"].as_bool(), Some(true));

        // Without --plain, the CA to trust is needed.
        let tls = Args::parse_from(["loadgen", "--addr", &addr]);
        assert!(tls.check().unwrap_err().contains("--ca"));
    }

    #[test]
    fn histogram_buckets_are_monotonic_and_tight() {
        let mut prev = 0;
        for us in [0u64, 1, 63, 64, 65, 127, 128, 1000, 123_456, 10_000_000] {
            let i = Histogram::index(us);
            assert!(i >= prev);
            prev = i;
            assert!(Histogram::low(i) <= us);
            assert!(Histogram::low(i + 1) > us);
        }
        let h = Histogram::new();
        for us in 1..=1000 {
            h.record(us);
        }
        let p50 = h.quantile(0.5).unwrap_or(0);
        assert!((490..=520).contains(&p50), "{p50}");
    }
}
