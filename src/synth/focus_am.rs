//! Amplitude modulation for focus: the music's level rises and falls 12–20 times a second
//! (16 by default). Woods et al. (2024, Communications Biology 7:1376) found music with
//! 16 Hz beta-range modulation helped sustained attention, most for listeners with more
//! ADHD symptoms; its limits are in the README. Presets that want it say so
//! (`[amplitude_modulation]`); elsewhere it is off.
//!
//! The gain is `(1 + depth·cos φ) / √(1 + depth²/2)`: the envelope's modulation index is
//! `depth`, and the mean power is unchanged, so the preset's loudness calibration holds.

pub use crate::preset::modulation::{AmFile, AmSetting, DEFAULT_RATE, RATES};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// The listener's depth for presets that modulate (config `[focus] modulation_depth`,
/// D-Bus `SetModulationDepth`, `render --modulation-depth`), or none: the preset's own.
/// Lock-free; clones share it. Presets without `[amplitude_modulation]` never modulate.
#[derive(Debug, Clone)]
pub struct SharedAmDepth(Arc<AtomicU32>);

impl Default for SharedAmDepth {
    fn default() -> Self {
        SharedAmDepth(Arc::new(AtomicU32::new(f32::NAN.to_bits())))
    }
}

impl SharedAmDepth {
    /// Set the depth (clamped to 0..=1), or `None` for each preset's own.
    pub fn set(&self, depth: Option<f32>) {
        let bits = depth.map_or(f32::NAN, |d| d.clamp(0.0, 1.0)).to_bits();
        self.0.store(bits, Ordering::Relaxed);
    }

    /// The listener's depth, if set.
    pub fn get(&self) -> Option<f32> {
        let d = f32::from_bits(self.0.load(Ordering::Relaxed));
        (!d.is_nan()).then_some(d)
    }
}

/// The modulator in a preset graph.
#[derive(Debug, Clone)]
pub struct FocusAm {
    phase: f64,
    step: f64,
    /// The preset's depth; the depth now, gliding (~0.2 s) to the listener's or the
    /// preset's, so a change never clicks.
    own_depth: f32,
    depth: f32,
    glide: f32,
    norm: f32,
}

impl FocusAm {
    pub fn new(setting: AmSetting, sample_rate: f32) -> Self {
        FocusAm {
            phase: 0.0,
            step: setting.rate_hz as f64 / sample_rate as f64,
            own_depth: setting.depth,
            depth: setting.depth,
            glide: 1.0 - (-1.0 / (0.2 * sample_rate / super::voices::MAX_BLOCK as f32)).exp(),
            norm: 1.0 / (1.0 + setting.depth * setting.depth / 2.0).sqrt(),
        }
    }

    /// Once a block: move toward the listener's depth (`Some`) or the preset's own.
    pub fn follow(&mut self, listener: Option<f32>) {
        let target = listener.unwrap_or(self.own_depth);
        self.depth += self.glide * (target - self.depth);
        self.norm = 1.0 / (1.0 + self.depth * self.depth / 2.0).sqrt();
    }

    /// The depth now.
    pub fn depth(&self) -> f32 {
        self.depth
    }

    /// The next sample's gain.
    #[inline]
    pub fn gain(&mut self) -> f32 {
        let g =
            (1.0 + self.depth * crate::synth::dsp::sin_turns(self.phase as f32 + 0.25)) * self.norm;
        self.phase += self.step;
        if self.phase >= 1.0 {
            self.phase -= 1.0;
        }
        g
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gain_swings_at_the_rate_and_keeps_the_power() {
        let mut am = FocusAm::new(
            AmSetting {
                rate_hz: 16.0,
                depth: 0.5,
            },
            48_000.0,
        );
        let g: Vec<f32> = (0..48_000).map(|_| am.gain()).collect();
        let power = g.iter().map(|x| x * x).sum::<f32>() / g.len() as f32;
        assert!((power - 1.0).abs() < 1e-3, "{power}");
        let (hi, lo) = g
            .iter()
            .fold((f32::MIN, f32::MAX), |(h, l), &x| (h.max(x), l.min(x)));
        assert!(
            ((hi - lo) / (hi + lo) - 0.5).abs() < 1e-3,
            "index {}",
            (hi - lo) / (hi + lo)
        );
        // Sixteen crests a second; the first is the very first sample (cos 0).
        let peaks = g.windows(3).filter(|w| w[1] > w[0] && w[1] >= w[2]).count();
        assert_eq!(peaks + 1, 16);
    }

    #[test]
    fn the_listeners_depth_glides_in_and_back_to_the_presets() {
        let shared = SharedAmDepth::default();
        let mut am = FocusAm::new(
            AmSetting {
                rate_hz: 16.0,
                depth: 0.5,
            },
            48_000.0,
        );
        let blocks = |am: &mut FocusAm, n: usize, to: Option<f32>| {
            for _ in 0..n {
                am.follow(to);
            }
        };
        shared.set(Some(0.2));
        blocks(&mut am, 10, shared.get());
        assert!(
            am.depth() > 0.2 && am.depth() < 0.5,
            "glides: {}",
            am.depth()
        );
        blocks(&mut am, 2_000, shared.get());
        assert!((am.depth() - 0.2).abs() < 1e-3, "{}", am.depth());
        shared.set(Some(7.0));
        assert_eq!(shared.get(), Some(1.0), "clamped");
        shared.set(None);
        blocks(&mut am, 2_000, shared.get());
        assert!((am.depth() - 0.5).abs() < 1e-3, "{}", am.depth());
    }

    #[test]
    fn rates_and_depths_are_checked() {
        let parse = |t: &str| toml::from_str::<AmFile>(t).unwrap().check();
        assert_eq!(parse("depth = 0.4").unwrap().rate_hz, DEFAULT_RATE);
        assert!(
            parse("rate_hz = 40.0\ndepth = 0.4")
                .unwrap_err()
                .1
                .contains("12..=20")
        );
        assert!(parse("depth = 1.5").unwrap_err().1.contains("0..=1"));
    }
}
