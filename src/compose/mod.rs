//! Composition, on the control side: the form planner and the note writer.
//!
//! [`planner::Planner`] writes the piece a bar at a time: sections with their arrangement
//! and energy ([`form`]), keys that travel round the circle of fifths ([`key`],
//! [`journey`]), chords from a per-mode grammar with cadences and pivots ([`harmony`]), and
//! a developing motif ([`melody`]), whose new phrases come from the rules or from a model
//! trained on real melodies ([`learned`]); or a motif handed in ([`given`]), developed
//! through the piece ([`development`]). Each bar goes to the audio thread as a [`crate::music::bar::BarPlan`]
//! through a fixed-capacity queue; `synth::player` only fires its notes on their samples.
//! A preset declares the harmonic character (`preset::character`), not a loop.

pub mod arrangement;
pub mod continuation;
pub mod development;
pub mod form;
pub mod given;
pub mod harmony;
pub mod harmony_model;
pub mod journey;
pub mod key;
pub mod learned;
pub mod melody;
pub mod phrase_line;
pub mod phrase_model;
pub mod planner;
pub mod signature;
pub mod trace;
