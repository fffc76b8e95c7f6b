//! The listener's mix of each preset: levels by layer, kept per preset (the rain quieter
//! in `rain` says nothing about `forest`), saved with the state, and loaded into the
//! engine's shared levels whenever a preset starts playing.

use super::command::CommandError;
use crate::preset::Preset;
use crate::preset::layers::{self, MixLevels, SharedMix};
use std::collections::BTreeMap;

/// Every preset's saved mix.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mixes(BTreeMap<String, MixLevels>);

impl Mixes {
    /// The mixes as saved (levels at 1 are not kept: they are the preset's own balance).
    pub fn restored(saved: &BTreeMap<String, MixLevels>) -> Mixes {
        Mixes(saved.clone())
    }

    /// What to save.
    pub fn saved(&self) -> BTreeMap<String, MixLevels> {
        self.0.clone()
    }

    /// Load `preset`'s mix into the levels the graphs read.
    pub fn apply(&self, preset: &Preset, levels: &SharedMix) {
        levels.set_all(self.0.get(&preset.name).unwrap_or(&MixLevels::new()));
    }

    /// Set one layer of the playing `preset`; unknown layers and levels outside 0..=2
    /// are refused, naming the preset's layers.
    pub fn set(
        &mut self,
        preset: &Preset,
        levels: &SharedMix,
        layer: &str,
        level: f64,
    ) -> Result<(), CommandError> {
        let (layer, gain) = layers::check(layer, level, &preset.name, &preset.layers())
            .map_err(|e| CommandError::InvalidArgs(e.to_string()))?;
        levels.set(layer, gain);
        let mix = self.0.entry(preset.name.clone()).or_default();
        if level == 1.0 {
            mix.remove(layer.id());
        } else {
            mix.insert(layer.id().to_owned(), level);
        }
        if mix.is_empty() {
            self.0.remove(&preset.name);
        }
        Ok(())
    }

    /// `preset`'s layers and their levels, in mix order.
    pub fn levels(&self, preset: &Preset) -> Vec<(String, f64)> {
        let mix = self.0.get(&preset.name);
        preset
            .layers()
            .iter()
            .map(|l| {
                let level = mix.and_then(|m| m.get(l.id())).copied().unwrap_or(1.0);
                (l.id().to_owned(), level)
            })
            .collect()
    }
}
