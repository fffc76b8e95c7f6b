//! `[nature]` in a preset file: which nature layers a preset plays and how loud, and
//! what the rain falls on (the layers themselves are `synth::nature`).

use super::layers::{LAYER_COUNT, Layer};
use serde::Deserialize;
use toml::Spanned;

/// What the rain falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Surface {
    #[default]
    Leaves,
    Roof,
    Window,
}

/// `[nature]` in a preset file: each layer's level (0..=2), and the rain's surface.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatureFile {
    wind: Option<Spanned<f32>>,
    rain: Option<Spanned<f32>>,
    ocean: Option<Spanned<f32>>,
    stream: Option<Spanned<f32>>,
    fire: Option<Spanned<f32>>,
    insects: Option<Spanned<f32>>,
    birds: Option<Spanned<f32>>,
    #[serde(default)]
    rain_surface: Surface,
}

/// A preset's nature layers and their levels.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NatureMix {
    /// Levels by layer, for the nature layers only (0 = absent).
    levels: [f32; LAYER_COUNT],
    pub rain_surface: Surface,
}

impl NatureMix {
    /// The nature layers a preset plays, with their levels.
    pub fn layers(&self) -> impl Iterator<Item = (Layer, f32)> + '_ {
        Layer::ALL
            .iter()
            .map(|&l| (l, self.levels[l as usize]))
            .filter(|&(_, v)| v > 0.0)
    }

    /// One layer's level (0 when the preset has none of it).
    pub fn level(&self, layer: Layer) -> f32 {
        self.levels[layer as usize]
    }

    /// The same layers with the rain on `surface`.
    pub fn on(mut self, surface: Surface) -> Self {
        self.rain_surface = surface;
        self
    }

    /// Add a layer (the old `[noise] rain = true`).
    pub fn with(mut self, layer: Layer, level: f32) -> Self {
        self.levels[layer as usize] = level;
        self
    }
}

impl NatureFile {
    /// Check the levels; `invalid` makes a `file:line:column` error from a span.
    pub fn validate<E>(
        &self,
        invalid: &impl Fn(std::ops::Range<usize>, String) -> E,
    ) -> Result<NatureMix, E> {
        let mut mix = NatureMix {
            rain_surface: self.rain_surface,
            ..NatureMix::default()
        };
        for (layer, level) in [
            (Layer::Wind, &self.wind),
            (Layer::Rain, &self.rain),
            (Layer::Ocean, &self.ocean),
            (Layer::Stream, &self.stream),
            (Layer::Fire, &self.fire),
            (Layer::Insects, &self.insects),
            (Layer::Birds, &self.birds),
        ] {
            if let Some(v) = level {
                let x = *v.get_ref();
                if !(x.is_finite() && (0.0..=2.0).contains(&x)) {
                    return Err(invalid(
                        v.span(),
                        format!("nature.{layer} = {x} is outside 0..=2"),
                    ));
                }
                mix.levels[layer as usize] = x;
            }
        }
        Ok(mix)
    }
}
