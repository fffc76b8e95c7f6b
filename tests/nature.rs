//! Generated nature, each layer's defining property: the waves' swell period, the birds
//! following the sun (unit counts and a whole render's `--trace`), the insects singing in
//! the dark, the rain's surfaces sounding different; and none of it repeating.

mod common;

use attuned::preset::layers::{LAYER_COUNT, Layer};
use attuned::preset::nature::Surface;
use attuned::render::{RenderOptions, render};
use attuned::synth::nature::birds::song_activity;
use attuned::synth::nature::insects::night_chorus;
use attuned::synth::nature::ocean::Ocean;
use attuned::synth::nature::{Nature, NatureMix, NatureParams, NatureReport};
use attuned::synth::voices::{Bus, MAX_BLOCK};
use common::preset;
use std::time::Duration;

const SR: f32 = 48_000.0;

fn params(elevation: f32, rising: bool) -> NatureParams {
    NatureParams {
        texture: 0.5,
        motion: 0.5,
        space: 0.5,
        sun_elevation: elevation,
        sun_rising: rising,
    }
}

/// One layer alone for `seconds` (left + right).
fn layer_alone(
    mix: NatureMix,
    layer: Layer,
    p: NatureParams,
    seconds: f32,
    seed: u64,
) -> (Vec<f32>, NatureReport) {
    let report = NatureReport::default();
    let mut nature = Nature::new(mix, seed, SR, report.clone());
    let mut buses: [Bus; LAYER_COUNT] = std::array::from_fn(|_| Bus::default());
    let mut out = Vec::new();
    for _ in 0..(seconds * SR) as usize / MAX_BLOCK {
        for b in buses.iter_mut() {
            b.clear();
        }
        nature.render(&p, &mut buses, 0, MAX_BLOCK);
        let b = &buses[layer as usize];
        out.extend(b.l.iter().zip(&b.r).map(|(l, r)| l + r));
    }
    (out, report)
}

/// RMS per `hop` samples.
fn envelope(x: &[f32], hop: usize) -> Vec<f32> {
    x.chunks(hop)
        .map(|c| (c.iter().map(|v| v * v).sum::<f32>() / c.len() as f32).sqrt())
        .collect()
}

#[test]
fn the_waves_swell_at_their_period() {
    let p = params(30.0, true);
    let (x, _) = layer_alone(
        NatureMix::default().with(Layer::Ocean, 1.0),
        Layer::Ocean,
        p,
        240.0,
        3,
    );
    // The envelope at 4 Hz; its autocorrelation's highest peak between 4 and 20 s.
    let env = envelope(&x, 12_000);
    let mean = env.iter().sum::<f32>() / env.len() as f32;
    let e: Vec<f32> = env.iter().map(|v| v - mean).collect();
    let corr = |lag: usize| e.iter().zip(&e[lag..]).map(|(a, b)| a * b).sum::<f32>();
    let best = (16..80)
        .max_by(|&a, &b| corr(a).total_cmp(&corr(b)))
        .unwrap();
    let period = best as f32 / 4.0;
    let expected = Ocean::mean_period_s(p.motion);
    eprintln!("swell period {period} s (mean wave interval {expected} s)");
    assert!(
        (period - expected).abs() <= 0.2 * expected,
        "{period} vs {expected}"
    );
    // Never a loop: two minutes apart, the envelope is not the same.
    let half = env.len() / 2;
    let diff: f32 = env[..half]
        .iter()
        .zip(&env[half..])
        .map(|(a, b)| (a - b).abs())
        .sum();
    assert!(diff > 0.1 * env[..half].iter().sum::<f32>());
}

#[test]
fn birds_sing_with_the_sun_and_insects_in_the_dark() {
    let count = |elevation, rising| {
        let mix = NatureMix::default().with(Layer::Birds, 1.0);
        layer_alone(mix, Layer::Birds, params(elevation, rising), 300.0, 8)
            .1
            .bird_phrases()
    };
    let (night, dawn, day, dusk) = (
        count(-20.0, true),
        count(2.0, true),
        count(45.0, false),
        count(1.0, false),
    );
    eprintln!("phrases in 5 min: night {night}, dawn {dawn}, day {day}, dusk {dusk}");
    assert_eq!(night, 0);
    assert!(dawn > 2 * day && day > 0, "dawn {dawn}, day {day}");
    assert!(dusk > day && dusk < dawn, "dusk {dusk}");
    assert!(song_activity(-20.0, true) == 0.0);
    // Crickets: loud in the dark, a few by day.
    assert!(night_chorus(-20.0) > 0.99 && night_chorus(30.0) < 0.2);
    let loud = |elevation| {
        let mix = NatureMix::default().with(Layer::Insects, 1.0);
        let (x, _) = layer_alone(mix, Layer::Insects, params(elevation, false), 20.0, 2);
        (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt()
    };
    assert!(loud(-20.0) > 4.0 * loud(40.0));
}

#[test]
fn a_forest_render_has_its_dawn_chorus_in_the_trace() {
    // 21 June at 48° N, 10° E, clock at UTC: the sun is 18° down at 22:30 and rising
    // through the horizon at 03:40.
    let phrases = |hour: f64| {
        let mut o = RenderOptions::new(preset("forest"));
        o.duration = Duration::from_secs(120);
        o.start_of_day = hour * 3600.0;
        let dir =
            std::env::temp_dir().join(format!("attuned-forest-{}-{hour}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        o.trace = Some(dir.join("trace.csv"));
        render(&o, true).unwrap();
        let csv = std::fs::read_to_string(dir.join("trace.csv")).unwrap();
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        let col = header.iter().position(|h| *h == "bird_phrases").unwrap();
        let sun = header.iter().position(|h| *h == "sun_elevation").unwrap();
        let last: Vec<String> = csv
            .lines()
            .last()
            .unwrap()
            .split(',')
            .map(String::from)
            .collect();
        std::fs::remove_dir_all(dir).unwrap();
        (
            last[col].parse::<u64>().unwrap(),
            last[sun].parse::<f32>().unwrap(),
        )
    };
    let (night, night_sun) = phrases(22.5);
    let (dawn, dawn_sun) = phrases(3.67);
    eprintln!("forest, 2 min: {night} phrases at {night_sun}°, {dawn} at {dawn_sun}°");
    assert!(night_sun < -10.0 && dawn_sun.abs() < 4.0);
    assert_eq!(night, 0);
    assert!(dawn >= 20, "{dawn}");
}

#[test]
fn rain_surfaces_sound_different() {
    // Spectral centroid from zero crossings (a rough one, enough to order them).
    let centroid = |surface| {
        let mix = NatureMix::default().on(surface).with(Layer::Rain, 1.0);
        let (x, _) = layer_alone(mix, Layer::Rain, params(30.0, true), 20.0, 5);
        let crossings = x
            .windows(2)
            .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
            .count();
        crossings as f32 / 2.0 / 20.0
    };
    let (roof, leaves, window) = (
        centroid(Surface::Roof),
        centroid(Surface::Leaves),
        centroid(Surface::Window),
    );
    eprintln!("zero-crossing rate /2: roof {roof} Hz, leaves {leaves} Hz, window {window} Hz");
    assert!(
        roof < 0.8 * leaves && leaves < window,
        "{roof} {leaves} {window}"
    );
}
