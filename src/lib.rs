//! attuned — an adaptive generative soundscape engine.
//!
//! Module map (see `DESIGN.md` for the whole picture):
//!
//! - [`controls`] — the eight named controls in `0..=1`, the only way anything steers sound,
//!   and their lock-free shared form for the audio thread.
//! - [`compose`] — composition on the control side: the form planner (sections,
//!   arrangement, keys that travel, a harmonic grammar per mode, a developing motif) writes
//!   bars ahead into a fixed-capacity queue ([`engine::feed`]); [`compose::trace`] is the
//!   form as heard, one row per second.
//! - [`synth`] — the engine: [`music::scale`] (scales and tunings), [`preset`]
//!   (TOML presets with `file:line:column` errors), [`synth::player`] (the planned bars
//!   fired on their samples, on a sample-accurate beat clock), [`synth::voices`] (pad, bells,
//!   bass, pulse, noise, reverb),
//!   [`synth::graph`] (one preset as a fundsp unit), [`engine`] (the fundsp `Net` with
//!   crossfaded preset switching and the master chain), [`synth::beat`] (tempo and footfall
//!   anchors to the audio thread, and the phase lock there), [`engine::play_clock`] (when an
//!   engine sample is heard).
//! - [`features`] — readings (heart rate, RR, contact, cadence) and the clock → the model's
//!   fixed-order feature vector; [`features::sun`] for solar elevation.
//! - [`control`] — the control model: contract, rule-based teacher, tract-run ONNX model,
//!   explanations, and the [`control::Controller`] that falls back to the teacher;
//!   [`tract_session`] runs a model's plan keeping its state between runs.
//! - [`render`] — offline rendering to WAV (and MIDI, and the form trace), the same engine
//!   as live playback; [`analysis`] — measures of a long render (keys, chords, repetition,
//!   voices over time, loudness, spectral centroid).
//! - [`daemon`] — the long-running service: one owner task holds the state and takes
//!   commands (from D-Bus, MPRIS, the timer, the schedule, the sensors) and publishes a view
//!   properties are read from; [`audio`] output that rebuilds itself; [`config`]
//!   (`config.toml`) and [`state`] (atomically written state file, debounced saves).
//! - [`dbus`] — the D-Bus contract once: names, the client proxy, the structured property
//!   types, shared by the daemon, `attunectl` and the tray.
//! - [`limits`] — what a setting may be (volume, workout targets, sleep timer), checked the
//!   same way by the config file, D-Bus and `attunectl`.
//! - [`logging`] — `RUST_LOG` to stderr, without dependencies' routine noise.
//! - [`sensor`] — body sensors: [`sensor::gatt`] parsers for standard BLE straps and pods,
//!   [`sensor::ble`] (btleplug: scan, pair, connect, reconnect), [`sensor::replay`] (recorded
//!   sessions, and recording), [`sensor::feed`] (the latest-value channel to the control loop).
//! - [`ctl`] — `attunectl`, the command-line client; [`tray`] — `attunectl tray`, the desktop
//!   panel item (StatusNotifierItem).
//! - [`midi`] — live MIDI input: played notes heard at once through the soft keys, a phrase
//!   and a pause become the motif, ports followed as they come and go.
//! - [`workout`] — the beat follows cadence and lands on predicted footfalls, is steered
//!   toward a target cadence or heart-rate zone, and brakes above a heart-rate ceiling.
//! - [`duration`] — human durations such as `90s`, `10m`, `8h`; [`cpu`] — clearing AVX
//!   state that would slow the SSE render code down.

pub mod analysis;
pub mod audio;
pub mod compose;
pub mod config;
pub mod control;
pub mod controls;
pub mod cpu;
pub mod ctl;
pub mod daemon;
pub mod dbus;
pub mod duration;
pub mod engine;
pub mod fast_math;
pub mod features;
pub mod limits;
pub mod logging;
pub mod midi;
pub mod music;
pub mod plot;
pub mod preset;
pub mod render;
pub mod sensor;
pub mod state;
pub mod synth;
pub mod tract_session;
pub mod tray;
pub mod workout;
