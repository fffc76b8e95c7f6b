//! The musical vocabulary composition and synthesis share, and nothing else: scales and
//! tunings ([`scale`]), the drum kit's pieces ([`drums`]), the notes a voice plays ([`note`]), where an instrument can play
//! ([`range`]), how close a chord's low tones may sit ([`spacing`]) and the planned bar the composer hands the audio thread
//! ([`bar::BarPlan`]). It depends on nothing of ours, so `compose`, `synth` and `preset`
//! can all read it without reading each other.

pub mod bar;
pub mod drums;
pub mod note;
pub mod range;
pub mod scale;
pub mod spacing;
