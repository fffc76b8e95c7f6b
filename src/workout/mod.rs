//! Workout: the beat follows the runner's (or cyclist's) cadence, lands on predicted
//! footfalls, is nudged toward a target cadence or heart-rate zone, and eases off when the
//! heart rate passes its ceiling.
//!
//! - [`cadence`] — which cadence readings to believe (jumps held until confirmed, stops
//!   taken at once).
//! - [`phase`] — footfall timing estimated from notification times, and the honest test of
//!   whether the pod's notifications carry any.
//! - [`follower`] — tempo ratio, glide, steering and the brake, stepped at the control rate;
//!   its [`follower::BeatPlan`] goes to the audio side through [`crate::synth::beat`].

pub mod cadence;
pub mod follower;
pub mod phase;

pub use follower::{BeatPlan, Follower, TempoSource, WorkoutSettings, WorkoutStatus};
