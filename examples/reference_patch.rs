//! The reference patch of `shared/bench/README.md` built from the engine's own DSP
//! blocks, rendered for 600 s at 48 kHz stereo; prints seconds of audio per second of
//! CPU (× real time). `scripts/bench-reference.sh` runs it beside Csound.
//!
//! Differences from the Csound patch, chosen for speed: the 4-pole lowpass is two
//! cascaded SVFs (cutoff updated every 64 samples) instead of a Moog ladder, and the
//! reverb is the engine's 8-line FDN instead of Freeverb.

use attuned::synth::dsp::{BlepSaw, NoiseRng, Pinkish, Svf, sin_turns};
use attuned::synth::voices::MAX_BLOCK;
use attuned::synth::voices::reverb::Reverb;
use std::time::Instant;

fn main() {
    let sr = 48_000.0f32;
    let seconds = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(600.0f32);
    let freqs = [
        110.0 * 0.995,
        110.0 * 0.998,
        110.0,
        110.0 * 1.002,
        110.0 * 1.005,
        165.0,
    ];
    let mut saws: Vec<BlepSaw> = (0..6)
        .map(|i| BlepSaw::with_phase(i as f32 / 6.0))
        .collect();
    let (mut lp1, mut lp2, mut bp) = (Svf::default(), Svf::default(), Svf::default());
    bp.set(1000.0, 1.0, sr);
    let mut rng = NoiseRng::new(1);
    let mut pink = Pinkish::default();
    let mut reverb = Reverb::new(sr);
    reverb.set_decay(3.5); // ≈ Freeverb room 0.8
    let blocks = (seconds * sr) as usize / MAX_BLOCK;
    let (mut dry, mut wet_l, mut wet_r) = (
        [0.0f32; MAX_BLOCK],
        [0.0f32; MAX_BLOCK],
        [0.0f32; MAX_BLOCK],
    );
    let mut checksum = 0.0f64;
    let start = Instant::now();
    for b in 0..blocks {
        let t = (b * MAX_BLOCK) as f32 / sr;
        let cutoff = 800.0 + 400.0 * sin_turns(0.1 * t);
        lp1.set(cutoff, 0.54, sr);
        lp2.set(cutoff, 1.31, sr); // Butterworth-like 4-pole; resonance folded into Q
        for d in dry.iter_mut() {
            let mut s = 0.0;
            for (saw, f) in saws.iter_mut().zip(freqs) {
                s += saw.next(f / sr) * 0.15;
            }
            let lp = lp2.tick(lp1.tick(s).0).0;
            let noise = bp.tick(pink.tick(rng.bipolar()) * 0.1).1;
            *d = lp + noise;
        }
        wet_l.fill(0.0);
        wet_r.fill(0.0);
        reverb.process(&dry, &dry, &mut wet_l, &mut wet_r, 1.0);
        for i in 0..MAX_BLOCK {
            let l = 0.7 * dry[i] + 0.3 * wet_l[i];
            let r = 0.7 * dry[i] + 0.3 * wet_r[i];
            checksum += (l * l + r * r) as f64;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let rms = (checksum / (2.0 * blocks as f64 * MAX_BLOCK as f64)).sqrt();
    println!(
        "engine reference patch: {seconds} s in {elapsed:.3} s = {:.1}x real time (rms {rms:.3})",
        seconds as f64 / elapsed
    );
}
