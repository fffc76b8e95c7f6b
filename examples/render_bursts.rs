//! What a preset's synthesis costs the audio thread, the way the daemon renders: 200 ms
//! of audio at a time (the buffer it asks for) in 480-frame calls, then a sleep, so each
//! burst starts with caches another program may have used; and, with a sleep of 0, back
//! to back (caches warm). Prints the thread's CPU time per second of audio, the median
//! and lower quartile over the bursts (a VM's neighbours move the mean), and the whole
//! loop's time with planning included.
//!
//! `cargo run --release --example render_bursts -- [PRESET] [SECONDS] [SLEEP_MS]`
//! (defaults: focus, 40, 200). For a count that does not move with the machine's load,
//! run it under `valgrind --tool=callgrind` (instructions by function).

use attuned::controls::SharedControls;
use attuned::engine::{Engine, SAMPLE_RATE};
use attuned::preset::Preset;
use std::time::Duration;

/// Frames the daemon's callback is asked for at a time (200 ms) and the calls they come
/// in.
const BURST: usize = 9600;
const CALL: usize = 480;

/// This thread's CPU time, seconds.
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the call to write.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let name = args.get(1).map(String::as_str).unwrap_or("focus");
    let seconds: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(40);
    let sleep_ms: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(200);
    let preset = match Preset::builtin(name) {
        Ok(preset) => preset,
        Err(e) => {
            eprintln!("{name}: {e}");
            std::process::exit(2);
        }
    };
    let controls = SharedControls::new(preset.controls);
    let mut engine = Engine::new(&preset, controls, 1, SAMPLE_RATE);
    let (mut l, mut r) = (vec![0.0f32; BURST], vec![0.0f32; BURST]);
    let mut burst = |engine: &mut Engine| {
        engine.plan_ahead();
        attuned::cpu::clear_upper_simd_state();
        let start = thread_cpu();
        for (l, r) in l.chunks_mut(CALL).zip(r.chunks_mut(CALL)) {
            engine.render(l, r);
        }
        thread_cpu() - start
    };
    // Ten seconds in: pads sounding, reverb full, meters settled.
    for _ in 0..50 {
        burst(&mut engine);
    }
    let bursts_per_second = SAMPLE_RATE as usize / BURST;
    let loop_start = thread_cpu();
    let mut each: Vec<f64> = (0..seconds * bursts_per_second)
        .map(|_| {
            let cost = burst(&mut engine);
            std::thread::sleep(Duration::from_millis(sleep_ms));
            cost
        })
        .collect();
    let whole = (thread_cpu() - loop_start) / seconds as f64;
    each.sort_by(f64::total_cmp);
    let per_second = |cost: f64| cost * bursts_per_second as f64 * 1000.0;
    println!(
        "{name}, {sleep_ms} ms between bursts: render median {:.3} ms per second of audio, \
         lower quartile {:.3}; with planning {:.3}",
        per_second(each[each.len() / 2]),
        per_second(each[each.len() / 4]),
        whole * 1000.0
    );
}
