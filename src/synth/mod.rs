//! The synthesis engine: presets, the player, voices and the fundsp graph.

pub mod beat;
pub mod dsp;
pub mod dsp_x4;
pub mod focus_am;
pub mod graph;
pub mod layer_mix;
pub mod limiter;
pub mod links;
pub mod live_keys;
pub mod master;
pub mod meter_bank;
pub mod nature;
pub mod player;
pub mod rings;
pub mod swell;
pub mod voices;
