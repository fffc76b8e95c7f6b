//! attuned — an adaptive generative soundscape engine.
//!
//! Module map (see `DESIGN.md` for the whole picture):
//!
//! The rooms, in the order the data flows (`tests/layering.rs` keeps them free of import
//! circles): [`sensor`] → [`features`] → [`control`] (and [`workout`]) → [`engine`] →
//! [`compose`] and [`synth`] → [`audio`]; below them all the vocabulary: [`music`],
//! [`preset`], [`controls`].
//!
//! - [`controls`] — the eight named controls in `0..=1`, the only way anything steers sound,
//!   and their lock-free shared form for the audio thread.
//! - [`music`] — what composition and synthesis share: scales and tunings, notes, the
//!   planned bar ([`music::bar::BarPlan`]).
//! - [`preset`] — TOML presets with `file:line:column` errors ([`preset::FileError`], which
//!   the config uses too): schema, parameters, layers, instruments, nature, harmonic
//!   character, the library.
//! - [`engine`] — above composition and synthesis: the [`engine::Engine`] (the fundsp `Net`
//!   with crossfaded preset switching, the planners, the master chain), the bar feed, the
//!   play clock, and the [`engine::conductor::Conductor`], the one code path that applies a
//!   control step (controls, sun, swell, beat anchor), plans ahead, collects notes and
//!   switches presets, for the daemon and for `render` alike.
//! - [`compose`] — composition on the control side: the form planner (sections,
//!   arrangement, keys that travel, a harmonic grammar per mode, a developing motif) writes
//!   bars ahead; [`compose::trace`] is the form as heard, one row per second.
//! - [`synth`] — DSP only: [`synth::player`] (the planned bars fired on their samples, on a
//!   sample-accurate beat clock), [`synth::voices`] (the 16 voices), [`synth::nature`] (7
//!   layers), [`synth::graph`] (one preset as a fundsp unit), reverb, master, limiter,
//!   meters, and the links the audio thread reads ([`synth::links`]: beat, swell, live
//!   keys, mix, sun).
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
//! - [`input_file`] — every file a user names or a disk holds is read through one check: a
//!   regular file within a size set per kind, opened without blocking.
//! - [`quoted`] — a bad input in a message: escaped, and cut to a short prefix and its length.
//! - [`limits`] — what a setting may be (volume, workout targets, sleep timer), checked the
//!   same way by the config file, D-Bus and `attunectl`.
//! - [`logging`] — `RUST_LOG` to stderr, without dependencies' routine noise.
//! - [`sensor`] — body sensors: [`sensor::gatt`] parsers for standard BLE straps and pods,
//!   [`sensor::ble`] (btleplug: scan, pair, connect, reconnect), [`sensor::replay`] (recorded
//!   sessions, and recording), [`sensor::feed`] (the latest-value channel to the control loop).
//! - [`cli`] — the `attuned` command line (daemon, `render`, `presets`,
//!   `teacher-dataset`); `main.rs` only parses and calls it.
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
pub mod cli;
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
pub mod input_file;
pub mod limits;
pub mod logging;
pub mod midi;
pub mod music;
pub mod plot;
pub mod preset;
pub mod quoted;
pub mod render;
pub mod sensor;
pub mod state;
pub mod synth;
pub mod tract_session;
pub mod tray;
pub mod workout;
