//! The layers a listener mixes (Blanket's and myNoise's per-sound sliders): every preset
//! names the layers it plays, and the listener sets each one's level, 0 (off) to 2 (twice
//! the preset's own balance). The levels reach the audio thread through atomics and are
//! smoothed there; [`crate::synth::layer_mix`] keeps the overall loudness where the preset put it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

macro_rules! layers {
    ($( $variant:ident => $id:literal, $what:literal; )*) => {
        /// One mixable layer of a preset.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Layer { $( #[doc = $what] $variant, )* }

        impl Layer {
            /// Every layer, in mix order.
            pub const ALL: &'static [Layer] = &[ $( Layer::$variant, )* ];
            /// The name on D-Bus, on the command line and in the state file.
            pub fn id(self) -> &'static str { match self { $( Layer::$variant => $id, )* } }
        }
    };
}

layers! {
    Pad => "pad", "The chords (pad or string section).";
    Melody => "melody", "The melody (bells, plucks, mallets, piano).";
    Bass => "bass", "The bass line.";
    Beat => "beat", "The pulse (kick or tick).";
    Noise => "noise", "The masking noise bed (pink or brown).";
    Grains => "grains", "A granular haze that smears the chords.";
    Wind => "wind", "Wind in gusts.";
    Rain => "rain", "Rain on a surface.";
    Ocean => "ocean", "Ocean waves.";
    Stream => "stream", "A stream over stones.";
    Fire => "fire", "A crackling fire.";
    Insects => "insects", "Night insects.";
    Birds => "birds", "Birdsong, following the sun.";
}

/// Number of layers.
pub const LAYER_COUNT: usize = Layer::ALL.len();

/// The highest level a layer takes: twice the preset's own balance.
pub const MAX_LEVEL: f64 = 2.0;

impl Layer {
    /// Look a layer up by name.
    pub fn from_id(id: &str) -> Option<Layer> {
        Layer::ALL.iter().copied().find(|l| l.id() == id)
    }
}

impl std::fmt::Display for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// A mix request that cannot be taken.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MixError {
    #[error("{} is not a layer of {preset}; its layers are: {}", crate::quoted::Quoted(name), valid.join(", "))]
    UnknownLayer {
        name: String,
        preset: String,
        valid: Vec<String>,
    },
    #[error("level {} for {} is outside 0..=2 (1 is the preset's own balance)", .0, crate::quoted::Quoted(.1))]
    BadLevel(f64, String),
    #[error("{}: write the mix as LAYER=LEVEL,… (e.g. rain=0.8,beat=0)", crate::quoted::Quoted(.0))]
    Syntax(String),
}

/// Check one request against the layers a preset plays.
pub fn check(
    name: &str,
    level: f64,
    preset: &str,
    layers: &[Layer],
) -> Result<(Layer, f32), MixError> {
    let layer = Layer::from_id(name)
        .filter(|l| layers.contains(l))
        .ok_or_else(|| MixError::UnknownLayer {
            name: name.to_owned(),
            preset: preset.to_owned(),
            valid: layers.iter().map(|l| l.id().to_owned()).collect(),
        })?;
    if !(level.is_finite() && (0.0..=MAX_LEVEL).contains(&level)) {
        return Err(MixError::BadLevel(level, name.to_owned()));
    }
    Ok((layer, level as f32))
}

/// Parse `rain=0.8,beat=0` (the `--mix` option) into name/level pairs, not yet checked
/// against a preset.
pub fn parse_list(text: &str) -> Result<Vec<(String, f64)>, MixError> {
    text.split(',')
        .filter(|part| !part.trim().is_empty())
        .map(|part| {
            let (name, level) = part
                .split_once('=')
                .ok_or_else(|| MixError::Syntax(part.to_owned()))?;
            let level: f64 = level
                .trim()
                .parse()
                .map_err(|_| MixError::Syntax(part.to_owned()))?;
            Ok((name.trim().to_owned(), level))
        })
        .collect()
}

/// The listener's levels of one preset, by layer name (the wire and state-file form):
/// layers not named are at 1.
pub type MixLevels = BTreeMap<String, f64>;

/// The levels every preset graph reads, lock-free (f32 bits in atomics); clones share them.
#[derive(Clone, Debug)]
pub struct SharedMix(Arc<[AtomicU32; LAYER_COUNT]>);

impl Default for SharedMix {
    fn default() -> Self {
        SharedMix(Arc::new(std::array::from_fn(|_| {
            AtomicU32::new(1.0f32.to_bits())
        })))
    }
}

impl SharedMix {
    /// Set one layer's level (clamped to 0..=2; not a number is the balance, 1).
    pub fn set(&self, layer: Layer, level: f32) {
        let level = if level.is_nan() {
            1.0
        } else {
            level.clamp(0.0, MAX_LEVEL as f32)
        };
        self.0[layer as usize].store(level.to_bits(), Ordering::Relaxed);
    }

    /// One layer's level.
    pub fn get(&self, layer: Layer) -> f32 {
        f32::from_bits(self.0[layer as usize].load(Ordering::Relaxed))
    }

    /// Every layer to the levels given, the rest to 1 (a preset's saved mix).
    pub fn set_all(&self, levels: &MixLevels) {
        for &layer in Layer::ALL {
            let level = levels.get(layer.id()).copied().unwrap_or(1.0);
            self.set(layer, level as f32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_requests_are_checked() {
        for &l in Layer::ALL {
            assert_eq!(Layer::from_id(l.id()), Some(l));
        }
        let layers = [Layer::Pad, Layer::Rain];
        assert_eq!(check("rain", 0.5, "rain", &layers), Ok((Layer::Rain, 0.5)));
        let e = check("birds", 0.5, "rain", &layers).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`birds` is not a layer of rain; its layers are: pad, rain"
        );
        assert!(matches!(
            check("rain", 2.5, "rain", &layers),
            Err(MixError::BadLevel(..))
        ));
        assert!(matches!(
            check("rain", f64::NAN, "rain", &layers),
            Err(MixError::BadLevel(..))
        ));
    }

    #[test]
    fn mix_lists_parse() {
        assert_eq!(
            parse_list("rain=0.8, beat=0").unwrap(),
            vec![("rain".to_owned(), 0.8), ("beat".to_owned(), 0.0)]
        );
        assert!(matches!(parse_list("rain"), Err(MixError::Syntax(_))));
        assert!(matches!(parse_list("rain=x"), Err(MixError::Syntax(_))));
    }

    #[test]
    fn shared_levels_default_to_one_and_load_a_saved_mix() {
        let mix = SharedMix::default();
        assert_eq!(mix.get(Layer::Birds), 1.0);
        mix.set(Layer::Birds, 0.0);
        let saved = MixLevels::from([("rain".to_owned(), 0.25)]);
        mix.set_all(&saved);
        assert_eq!(mix.get(Layer::Birds), 1.0);
        assert_eq!(mix.get(Layer::Rain), 0.25);
    }
}
