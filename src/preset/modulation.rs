//! `[amplitude_modulation]` in a preset file: the focus modulation's rate and depth
//! (the modulator itself is `synth::focus_am`).

use serde::Deserialize;
use std::ops::Range;
use toml::Spanned;

/// The rates offered, Hz.
pub const RATES: std::ops::RangeInclusive<f32> = 12.0..=20.0;
/// The default rate, Hz.
pub const DEFAULT_RATE: f32 = 16.0;

/// A preset's modulation: rate in Hz and depth (the envelope's modulation index, 0..1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AmSetting {
    pub rate_hz: f32,
    pub depth: f32,
}

/// `[amplitude_modulation]` in a preset file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmFile {
    rate_hz: Option<Spanned<f32>>,
    depth: Spanned<f32>,
}

impl AmFile {
    /// The setting, or where and why it is wrong.
    pub fn check(&self) -> Result<AmSetting, (Range<usize>, String)> {
        let rate_hz = match &self.rate_hz {
            Some(r) if !RATES.contains(r.get_ref()) => {
                return Err((
                    r.span(),
                    format!("rate_hz {} is outside 12..=20", r.get_ref()),
                ));
            }
            Some(r) => *r.get_ref(),
            None => DEFAULT_RATE,
        };
        let depth = *self.depth.get_ref();
        if !(0.0..=1.0).contains(&depth) {
            return Err((self.depth.span(), format!("depth {depth} is outside 0..=1")));
        }
        Ok(AmSetting { rate_hz, depth })
    }
}
