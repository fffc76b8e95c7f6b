//! The synthesis engine: presets, composer, voices and the fundsp graph.

pub mod beat;
pub mod composer;
pub mod dsp;
pub mod engine;
pub mod graph;
pub mod limiter;
pub mod params;
pub mod play_clock;
pub mod preset;
pub mod scale;
pub mod voices;
