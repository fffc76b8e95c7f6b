//! The control loop's body, shared by live playback and offline renders: readings in,
//! features, the controller, and a slow smoother out, stepped at a fixed control rate on
//! the caller's clock (render time offline, wall time live).

use super::Controller;
use super::contract::{INPUTS, OUTPUTS};
use crate::controls::ControlValues;
use crate::features::{Clock, FeatureExtractor, ListenerProfile, Reading};
use crate::synth::preset::Mode;

/// Time constant (seconds) of the smoothing after the controller: the music follows the
/// listener over seconds, and a glitch in a sensor never jolts it.
pub const SMOOTHING_S: f64 = 4.0;

/// One control step's inputs and outputs, for plots and explanations.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Seconds since the start.
    pub t: f64,
    pub features: [f32; INPUTS],
    /// Smoothed controls, in `Control::ALL` order.
    pub controls: [f32; OUTPUTS],
    /// The last heart rate and cadence taken (for display), if fresh.
    pub hr: Option<f32>,
    pub cadence: Option<f32>,
}

/// Features → controller → smoothing, fed with readings as their time comes.
pub struct Pipeline {
    extractor: FeatureExtractor,
    controller: Controller,
    mode: Mode,
    start: Clock,
    smoothed: Option<[f32; OUTPUTS]>,
    last_t: f64,
    hr: Option<(f64, f32)>,
    cadence: Option<(f64, f32)>,
}

impl Pipeline {
    pub fn new(profile: ListenerProfile, controller: Controller, mode: Mode, start: Clock) -> Self {
        Pipeline {
            extractor: FeatureExtractor::new(profile),
            controller,
            mode,
            start,
            smoothed: None,
            last_t: 0.0,
            hr: None,
            cadence: None,
        }
    }

    /// The controller in use.
    pub fn controller(&self) -> &Controller {
        &self.controller
    }

    /// Change the mode (the session time counts on).
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }

    /// Take a reading.
    pub fn push(&mut self, r: &Reading) {
        self.extractor.push(r);
        if let Some(hr) = r.hr {
            self.hr = Some((r.at, hr));
        }
        if let Some(c) = r.cadence {
            self.cadence = Some((r.at, c));
        }
    }

    /// The controls at `t` seconds after the start.
    pub fn step(&mut self, t: f64) -> Step {
        let clock = self.start.advanced(t);
        let features = self.extractor.features(&clock, self.mode);
        let target = self.controller.step(&features);
        let dt = (t - self.last_t).max(0.0);
        self.last_t = t;
        let a = (1.0 - (-dt / SMOOTHING_S).exp()) as f32;
        let controls = match self.smoothed {
            None => target,
            Some(prev) => std::array::from_fn(|i| prev[i] + a * (target[i] - prev[i])),
        };
        self.smoothed = Some(controls);
        let fresh = |v: Option<(f64, f32)>| {
            v.filter(|&(at, _)| t - at <= crate::features::STALE_S)
                .map(|(_, x)| x)
        };
        Step {
            t,
            features,
            controls,
            hr: fresh(self.hr).filter(|_| features[super::contract::HR_PRESENT] > 0.5),
            cadence: fresh(self.cadence),
        }
    }

    /// The smoothed controls as named values.
    pub fn values(step: &Step) -> ControlValues {
        ControlValues(step.controls)
    }
}
