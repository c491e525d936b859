//! Frame time of the conversation view with a long history (100,000
//! messages by default): the first frame (every line measured once), idle
//! frames, and frames while scrolling. Run with
//! `cargo bench --bench history [-- MESSAGES]`.
//!
//! It drives the real view function through egui_kittest, so it measures
//! what the app does per frame on the CPU (layout of the visible lines,
//! tessellation); the GPU's rasterisation of the resulting triangles is not
//! included.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    missing_docs
)]

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use tlschat::ui::conversation::{HeightCache, Marks, conversation_ui};
use tlschat::ui::state::{Author, ChatLine, Delivery, LineKind, Source};

fn history(n: usize) -> Vec<ChatLine> {
    let words = [
        "hello",
        "你好",
        "こんにちは",
        "안녕하세요",
        "the certificate",
        "is",
        "pinned",
        "TLS 1.3",
        "👋",
        "a somewhat longer piece of text that wraps when the window is narrow enough",
    ];
    (0..n)
        .map(|i| {
            let len = 3 + i % 17;
            let text: Vec<&str> = (0..len)
                .map(|k| words[(i * 7 + k * 3) % words.len()])
                .collect();
            ChatLine {
                id: i as u64 + 1,
                seq: None,
                time_ms: 1_780_000_000_000 + i as u64 * 1000,
                nick: format!("member-{}", i % 23),
                text: text.join(" "),
                kind: if i % 97 == 0 {
                    LineKind::Notice
                } else {
                    LineKind::Message {
                        author: if i % 5 == 0 {
                            Author::Us
                        } else {
                            Author::Other
                        },
                        source: if i < n / 2 {
                            Source::History
                        } else {
                            Source::Live
                        },
                    }
                },
                delivery: (i % 5 == 0).then_some(Delivery::Delivered),
            }
        })
        .collect()
}

fn stats(label: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p = |q: f64| ms(times[((times.len() - 1) as f64 * q) as usize]);
    println!(
        "{label:<28} frames {:>4}  median {:>7.3} ms  p95 {:>7.3} ms  max {:>7.3} ms",
        times.len(),
        p(0.5),
        p(0.95),
        ms(*times.last().unwrap())
    );
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let lines = history(n);
    let mut cache = HeightCache::default();
    // Building the harness runs the first frame, which measures every line.
    let t = Instant::now();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(980.0, 680.0))
        .with_context_setup(|ctx| {
            ctx.add_font_provider(std::sync::Arc::new(
                egui_system_font_provider::SystemFontProvider::new(),
            ));
        })
        .build_ui(move |ui| {
            conversation_ui(ui, &lines, &mut cache, "member-0", Marks::default(), None);
        });
    let first = t.elapsed();
    println!("history of {n} messages, 980x680 window");
    stats("first frame (measures all)", vec![first]);
    let mut idle = Vec::new();
    for _ in 0..60 {
        let t = Instant::now();
        harness.step();
        idle.push(t.elapsed());
    }
    stats("idle frames", idle);
    let mut scrolling = Vec::new();
    harness.hover_at(egui::pos2(400.0, 300.0));
    for i in 0..240 {
        // Scroll up through the history, then jump back down.
        let delta = if i < 200 { 600.0 } else { -40_000.0 };
        harness.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, delta),
            phase: egui::TouchPhase::Move,
            modifiers: egui::Modifiers::NONE,
            source: egui::MouseWheelSource::Wheel,
        });
        let t = Instant::now();
        harness.step();
        scrolling.push(t.elapsed());
    }
    stats("scrolling frames", scrolling);
}
