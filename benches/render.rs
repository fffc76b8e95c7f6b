//! Render speed of each built-in preset (one second of 48 kHz stereo per iteration).
//! Criterion reports time per second of audio; × real time = 1 s / that time.

use attuned::controls::SharedControls;
use attuned::synth::beat::BeatCommand;
use attuned::synth::engine::{Engine, SAMPLE_RATE};
use attuned::synth::preset::{BUILTIN, Preset};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn presets(c: &mut Criterion) {
    let mut group = c.benchmark_group("render_1s");
    group.throughput(Throughput::Elements(SAMPLE_RATE as u64));
    for (name, _) in BUILTIN {
        let preset = Preset::builtin(name).expect("built-in preset");
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
        group.bench_function(*name, |b| {
            b.iter(|| {
                engine.render(&mut l, &mut r);
                events.clear();
                engine.drain_events(&mut events);
            })
        });
    }
    // The workout preset with its beat following a runner (anchored every second) at the
    // preset's own tempo (140 bpm at default controls), against the plain `workout` line
    // above: the cost of the phase lock.
    let preset = Preset::builtin("workout").expect("built-in preset");
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
    group.bench_function("workout_following", |b| {
        b.iter(|| {
            let next = engine.samples() + 12_345;
            engine.beat().set(Some(BeatCommand {
                bpm: 140.0,
                anchor: Some(next),
            }));
            engine.render(&mut l, &mut r);
            events.clear();
            engine.drain_events(&mut events);
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = presets
}
criterion_main!(benches);
