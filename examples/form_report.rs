//! The form figures of every built-in preset over a long render: keys held, chord
//! vocabulary, repetition, which voices play when, loudness and brightness over time.
//!
//!     cargo run --release --example form_report -- [MINUTES] [SEED] [PRESET,…]
//!
//! (default 60 minutes, seed 5, every preset)

use attuned::analysis::{self, AudioStats};
use attuned::preset::{BUILTIN, Preset};
use attuned::render::{RenderOptions, render_with_form};
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let minutes: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(60);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let only: Option<Vec<String>> = args
        .next()
        .map(|list| list.split(',').map(str::to_owned).collect());
    let chosen = |name: &str| only.as_ref().is_none_or(|o| o.iter().any(|n| n == name));
    for (name, _) in BUILTIN.iter().filter(|(name, _)| chosen(name)) {
        let preset = Preset::builtin(name).expect("built-in preset");
        let kind = preset.scale.kind;
        let mut o = RenderOptions::new(preset);
        o.duration = Duration::from_secs(minutes as u64 * 60);
        o.seed = seed;
        let mut audio = AudioStats::new(600.0);
        let started = Instant::now();
        let (events, _, form) = render_with_form(&o, |l, r| {
            audio.push(l, r);
            Ok(())
        })
        .expect("render");
        let took = started.elapsed().as_secs_f64();
        let f = analysis::figures(&events, &form, &audio, kind, minutes);
        println!(
            "{name} ({minutes} min, seed {seed}, {:.0}x real time with the analysis):\n{f}",
            minutes as f64 * 60.0 / took
        );
    }
}
