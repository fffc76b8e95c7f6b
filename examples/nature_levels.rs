//! Loudness of each nature layer alone at level 1 (no reverb, no preset gain), at midday
//! and at night, with neutral controls: `cargo run --release --example nature_levels`.
//! The presets' `[nature]` levels and `level_db` are set against these figures.

use attuned::preset::layers::{LAYER_COUNT, Layer};
use attuned::synth::nature::{Nature, NatureMix, NatureParams, NatureReport};
use attuned::synth::voices::{Bus, MAX_BLOCK};

fn main() {
    let sr = 48_000.0;
    for &layer in &Layer::ALL[5..] {
        for (when, elevation) in [("day", 40.0), ("dawn", 2.0), ("night", -30.0)] {
            let mix = NatureMix::default().with(layer, 1.0);
            let mut nature = Nature::new(mix, 7, sr, NatureReport::default());
            let p = NatureParams {
                texture: 0.5,
                motion: 0.5,
                space: 0.5,
                sun_elevation: elevation,
                sun_rising: true,
            };
            let mut meter =
                ebur128::EbuR128::new(2, sr as u32, ebur128::Mode::I | ebur128::Mode::TRUE_PEAK)
                    .unwrap();
            let mut buses: [Bus; LAYER_COUNT] = std::array::from_fn(|_| Bus::default());
            for _ in 0..(60.0 * sr) as usize / MAX_BLOCK {
                for b in buses.iter_mut() {
                    b.clear();
                }
                nature.render(&p, &mut buses, 0, MAX_BLOCK);
                let b = &buses[layer as usize];
                meter.add_frames_planar_f32(&[&b.l, &b.r]).unwrap();
            }
            let lufs = meter.loudness_global().unwrap();
            let peak = meter.true_peak(0).unwrap().max(meter.true_peak(1).unwrap());
            println!(
                "{:8} {:6} {:7.2} LUFS  peak {:6.2} dBTP",
                layer.id(),
                when,
                lufs,
                20.0 * peak.log10()
            );
        }
    }
}
