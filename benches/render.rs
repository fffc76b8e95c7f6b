//! Render speed of each built-in preset (one second of 48 kHz stereo per iteration,
//! with the bar planning it needs).
//! Criterion reports time per second of audio; × real time = 1 s / that time.

use attuned::controls::SharedControls;
use attuned::engine::{Engine, SAMPLE_RATE};
use attuned::preset::{BUILTIN, Preset};
use attuned::synth::beat::BeatCommand;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// An engine for `name` and one second of audio per call of the returned closure, after
/// `before` has been given the engine.
fn one_second(name: &str, before: impl Fn(&Engine)) -> impl FnMut() {
    one_second_of(Preset::builtin(name).expect("built-in preset"), before)
}

fn one_second_of(preset: Preset, before: impl Fn(&Engine)) -> impl FnMut() {
    let mut engine = Engine::new(
        &preset,
        SharedControls::new(preset.controls),
        1,
        SAMPLE_RATE,
    );
    let (mut l, mut r) = (
        vec![0.0; SAMPLE_RATE as usize],
        vec![0.0; SAMPLE_RATE as usize],
    );
    let mut events = Vec::new();
    move || {
        before(&engine);
        // Planning included: bars ahead for the second, then the audio.
        engine.plan_ahead();
        engine.render(&mut l, &mut r);
        events.clear();
        engine.drain_events(&mut events);
    }
}

fn presets(c: &mut Criterion) {
    let mut group = c.benchmark_group("render_1s");
    group.throughput(Throughput::Elements(SAMPLE_RATE as u64));
    for (name, _) in BUILTIN {
        let mut second = one_second(name, |_| {});
        group.bench_function(*name, |b| b.iter(&mut second));
    }
    // The workout preset with its beat following a runner (anchored every second) at the
    // preset's own tempo (140 bpm at default controls), against the plain `workout` line
    // above: the cost of the phase lock.
    let mut following = one_second("workout", |engine| {
        engine.beat().set(Some(BeatCommand {
            bpm: 140.0,
            anchor: Some(engine.samples() + 12_345),
        }))
    });
    group.bench_function("workout_following", |b| b.iter(&mut following));
    // The presets above write their melodies with the learned composer (the default, model
    // steps included); here with the rules instead, for the ratio.
    for (name, _) in BUILTIN {
        let mut preset = Preset::builtin(name).expect("built-in preset");
        preset.composer = attuned::preset::Composer::Rules;
        let mut second = one_second_of(preset, |_| {});
        group.bench_function(format!("{name}_rules"), |b| b.iter(&mut second));
    }
    // And with the phrase composer (whole phrases from the recurrent model, a step a note).
    for (name, _) in BUILTIN {
        let mut preset = Preset::builtin(name).expect("built-in preset");
        preset.composer = attuned::preset::Composer::Phrases;
        let mut second = one_second_of(preset, |_| {});
        group.bench_function(format!("{name}_phrases"), |b| b.iter(&mut second));
    }
    group.finish();
}

/// The workout kit alone at its busiest (a peak bar at 140 bpm: kick on every beat, snare
/// and clap on 2 and 4, closed hats on the sixteenths, open hats on the off-beats, the
/// shaker on every sixteenth), one second per iteration: its cost against a whole preset's.
fn kit(c: &mut Criterion) {
    use attuned::music::drums::*;
    use attuned::synth::voices::{Bus, MAX_BLOCK, kit::Kit};
    let mut group = c.benchmark_group("render_1s");
    group.throughput(Throughput::Elements(SAMPLE_RATE as u64));
    let mut kit = Kit::new(1, SAMPLE_RATE);
    let sixteenth = (SAMPLE_RATE as f64 * 60.0 / 140.0 / 4.0) as usize;
    let mut bus = Bus::default();
    let mut sample = 0usize;
    group.bench_function("kit_peak", |b| {
        b.iter(|| {
            for _ in 0..SAMPLE_RATE as usize / MAX_BLOCK {
                let s = sample / sixteenth;
                if sample % sixteenth < MAX_BLOCK {
                    let hits: &[i32] = match s % 4 {
                        0 => &[KICK, CLOSED_HAT, SHAKER],
                        2 => &[OPEN_HAT, SHAKER],
                        _ => &[CLOSED_HAT, SHAKER],
                    };
                    for &k in hits {
                        kit.strike(k, 0.8, 0);
                    }
                    if s % 8 == 4 {
                        kit.strike(SNARE, 0.9, 0);
                        kit.strike(CLAP, 0.6, 0);
                    }
                }
                bus.clear();
                kit.render(0.5, &mut bus, 0, MAX_BLOCK);
                sample += MAX_BLOCK;
            }
            bus.l[0]
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = presets, kit
}
criterion_main!(benches);
