//! Synthesis, DSP only: it reads the planned bars ([`crate::music`]) and the preset
//! ([`crate::preset`]), never the composer, and runs on the audio thread.
//!
//! - [`graph`] — one preset as a fundsp unit: the [`player`] firing planned notes on a
//!   sample-accurate beat clock, the voices, the nature layers, the layer mix and reverb.
//! - [`voices`] — pad, string section, choir; bells, plucked strings, mallets, piano; bass,
//!   pulse, noise bed, grains, soft keys; the reverb ([`voices::choice`] picks a preset's).
//! - [`nature`] — wind, rain, ocean, stream, fire, insects, birds.
//! - [`layer_mix`] and [`meter_bank`] — the listener's layer levels, loudness-compensated.
//! - [`master`] and [`limiter`] — DC blockers, volume and the look-ahead limiter.
//! - [`links`] — what the audio thread reads from the control side, lock-free: the beat
//!   ([`beat`]), the swell ([`swell`]), the keys a musician holds ([`live_keys`]), the mix,
//!   the sun and the focus modulation's depth ([`focus_am`]). They live here, not in
//!   `engine`, because the graph reads them: the engine writes them.
//! - [`dsp`], [`dsp_x4`], [`rings`] — the building blocks (filters, noise, mode banks).

pub mod beat;
pub mod dsp;
pub mod dsp_x4;
pub mod focus_am;
pub mod graph;
pub mod layer_mix;
pub mod limiter;
pub mod links;
pub mod live_keys;
pub mod loudness_rider;
pub mod master;
pub mod meter_bank;
pub mod nature;
pub mod player;
pub mod rings;
pub mod swell;
pub mod voices;
