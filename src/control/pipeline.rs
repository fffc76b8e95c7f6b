//! The control loop's body, shared by live playback and offline renders: readings in,
//! features, the controller, and a slow smoother out, stepped at a fixed control rate on
//! the caller's clock (render time offline, wall time live).

use super::Controller;
use super::breath_lead::{BreathLead, LeadState};
use super::contract::{
    BREATHING_CONFIDENCE, BREATHING_RATE, HR_PRESENT, HR_REL, HR_TREND, INPUTS, OUTPUTS, RMSSD,
};
use super::heart_lead::{HeartLead, HeartLeadState};
use crate::controls::ControlValues;
use crate::features::{Clock, FeatureExtractor, ListenerProfile, Reading};
use crate::preset::params::ParamSpec;
use crate::preset::{Mode, Preset};
use crate::workout::{BeatPlan, Follower, WorkoutSettings, WorkoutStatus};

/// Time constant (seconds) of the smoothing after the controller: the music follows the
/// listener over seconds, and a glitch in a sensor never jolts it.
pub const SMOOTHING_S: f64 = 4.0;

/// One control step's inputs and outputs, for plots and explanations.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Seconds since the start.
    pub t: f64,
    /// The listener's features (what the sensors and the clock say).
    pub features: [f32; INPUTS],
    /// Smoothed controls, in `Control::ALL` order.
    pub controls: [f32; OUTPUTS],
    /// The last heart rate and cadence taken (for display), if fresh.
    pub hr: Option<f32>,
    pub cadence: Option<f32>,
    /// The workout beat, when the preset follows cadence.
    pub workout: Option<(BeatPlan, WorkoutStatus)>,
    /// The breathing rate read from the heart, when it can be told.
    pub breathing: Option<crate::features::breathing::Breathing>,
    /// The breath lead: the swell's rate and what it is doing.
    pub lead: LeadState,
    /// The heart lead: the arousal the music expresses and what it is doing.
    pub heart: HeartLeadState,
    /// What the body adds to the controls: the smoothed controls minus those the clock
    /// alone would give (the same controller with the heart's inputs absent). Exactly 0
    /// without a heart-rate sensor. The form reads it (`Planner::set_body`).
    pub body: [f32; OUTPUTS],
}

impl Step {
    /// What the controller was given: the listener's features with the heart's arousal
    /// replaced by the arousal the heart lead has the music express.
    pub fn controller_inputs(&self) -> [f32; INPUTS] {
        controller_inputs(&self.features, &self.heart)
    }
}

/// `features` as the clock alone would have them: the heart's inputs as without a sensor.
pub fn clock_inputs(features: &[f32; INPUTS]) -> [f32; INPUTS] {
    let mut x = *features;
    for i in [
        HR_REL,
        HR_TREND,
        RMSSD,
        HR_PRESENT,
        BREATHING_RATE,
        BREATHING_CONFIDENCE,
    ] {
        x[i] = 0.0;
    }
    x
}

/// The modes where the heart lead meets and leads the listener and the form follows the
/// body (sleep, relax).
fn follows_the_body(mode: Mode) -> bool {
    matches!(mode, Mode::Sleep | Mode::Relax)
}

/// How much the body drives the music now, from [`Step::body`]: the mean of what it adds to
/// density and energy (positive: busier than the clock asks; 0 without a heart).
pub fn body_drive(body: &[f32; OUTPUTS]) -> f32 {
    use crate::controls::Control;
    0.5 * (body[Control::Density.index()] + body[Control::Energy.index()])
}

/// `features` as the controller sees them under the heart lead `heart`: `hr_rel` is the
/// arousal the music expresses; while it leads, the heart's own trend is not followed
/// either. Off, the features are untouched.
pub fn controller_inputs(features: &[f32; INPUTS], heart: &HeartLeadState) -> [f32; INPUTS] {
    let mut x = *features;
    if heart.phase != super::heart_lead::HeartPhase::Off {
        x[HR_REL] = heart.expressed;
        if heart.leads() {
            x[HR_TREND] = 0.0;
        }
    }
    x
}

/// What a cadence-following preset needs from the pipeline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FollowSpec {
    /// The tempo range the beat stays in (bpm).
    pub range: (f32, f32),
    /// The preset's own tempo mapping, for when nobody moves.
    pub tempo: ParamSpec,
}

impl FollowSpec {
    /// What following cadence needs for `preset`, if it follows cadence.
    pub fn of(preset: &Preset) -> Option<FollowSpec> {
        preset.follow_bpm.map(|range| FollowSpec {
            range,
            tempo: preset.params.spec(crate::preset::params::Param::TempoBpm),
        })
    }
}

/// Features → controller → smoothing, fed with readings as their time comes.
pub struct Pipeline {
    extractor: FeatureExtractor,
    controller: Controller,
    mode: Mode,
    start: Clock,
    smoothed: Option<[f32; OUTPUTS]>,
    smoothed_clock: Option<[f32; OUTPUTS]>,
    last_t: f64,
    hr: Option<(f64, f32)>,
    cadence: Option<(f64, f32)>,
    follow: Option<(FollowSpec, Follower)>,
    settings: WorkoutSettings,
    lead: BreathLead,
    lead_enabled: bool,
    heart: HeartLead,
}

impl Pipeline {
    pub fn new(profile: ListenerProfile, controller: Controller, mode: Mode, start: Clock) -> Self {
        Pipeline {
            extractor: FeatureExtractor::new(profile),
            controller,
            mode,
            start,
            smoothed: None,
            smoothed_clock: None,
            last_t: 0.0,
            hr: None,
            cadence: None,
            follow: None,
            settings: WorkoutSettings::default(),
            lead: BreathLead::default(),
            lead_enabled: false,
            heart: HeartLead::default(),
        }
    }

    /// Follow cadence for a preset that has a follow range (`None` stops following).
    pub fn set_follow(&mut self, spec: Option<FollowSpec>) {
        match (spec, &mut self.follow) {
            (Some(spec), Some((current, _))) if *current == spec => {}
            (Some(spec), _) => {
                self.follow = Some((spec, Follower::new(self.settings, spec.range)));
            }
            (None, _) => self.follow = None,
        }
    }

    /// Lead the breathing with the swell (presets that want it: see
    /// [`crate::preset::Preset::breath_lead`]).
    pub fn set_breath_lead(&mut self, enabled: bool) {
        self.lead_enabled = enabled;
    }

    /// Follow `preset`: its cadence range, if it follows cadence, and whether it leads the
    /// breathing. (The mode is set apart: a render may run another mode than the preset's.)
    pub fn follow_preset(&mut self, preset: &Preset) {
        self.set_follow(FollowSpec::of(preset));
        self.set_breath_lead(preset.breath_lead);
    }

    /// The workout settings (steering targets, ceiling, sensor latency).
    pub fn workout_settings(&self) -> &WorkoutSettings {
        &self.settings
    }

    /// Change the workout settings.
    pub fn set_workout_settings(&mut self, settings: WorkoutSettings) {
        self.settings = settings;
        if let Some((_, f)) = &mut self.follow {
            f.set_settings(settings);
        }
    }

    /// The controller in use.
    pub fn controller(&self) -> &Controller {
        &self.controller
    }

    /// Change the mode (the session time counts on).
    pub fn set_mode(&mut self, mode: Mode) {
        if mode != self.mode {
            self.heart = HeartLead::default();
        }
        self.mode = mode;
    }

    /// Take a reading.
    pub fn push(&mut self, r: &Reading) {
        self.extractor.push(r);
        if let Some((_, f)) = &mut self.follow {
            f.push(r);
        }
        if let Some(hr) = r.hr {
            self.hr = Some((r.at, hr));
        }
        if let Some(c) = r.cadence {
            self.cadence = Some((r.at, c));
        }
    }

    /// The controls at `t` seconds after the start, the time of day counted on from the
    /// start (offline renders).
    pub fn step(&mut self, t: f64) -> Step {
        let clock = self.start.advanced(t);
        self.step_at(t, clock)
    }

    /// The controls at `t` seconds after the start with the wall clock read now (live: it
    /// follows time-zone and daylight-saving changes and suspends).
    pub fn step_at(&mut self, t: f64, clock: Clock) -> Step {
        let clock = Clock {
            session_s: self.start.session_s + t,
            ..clock
        };
        let breathing = self.extractor.breathing(clock.session_s);
        let features = self.extractor.features(&clock, self.mode);
        let heart = self.heart.step(
            clock.session_s,
            (features[HR_PRESENT] > 0.5).then_some(features[HR_REL]),
            follows_the_body(self.mode),
        );
        let inputs = controller_inputs(&features, &heart);
        // The form follows the body where the heart lead meets and leads it (sleep, relax);
        // the workout's follows the feet (its beat and brake), focus's calming stays in the
        // controls, under what draws attention. There the clock's own answer is asked too
        // (the committed model gives it in the same run); without a sensor it is the answer
        // given (the same inputs).
        let form_follows = follows_the_body(self.mode);
        let (target, clock_target) = if form_follows {
            self.controller
                .step_with_clock(&inputs, &clock_inputs(&features))
        } else {
            let target = self.controller.step(&inputs);
            (target, target)
        };
        let dt = (t - self.last_t).max(0.0);
        self.last_t = t;
        let a = (1.0 - (-dt / SMOOTHING_S).exp()) as f32;
        let smooth = |prev: Option<[f32; OUTPUTS]>, target: [f32; OUTPUTS]| match prev {
            None => target,
            Some(prev) => std::array::from_fn(|i| prev[i] + a * (target[i] - prev[i])),
        };
        let mut controls = smooth(self.smoothed, target);
        self.smoothed = Some(controls);
        let clock_controls = smooth(self.smoothed_clock, clock_target);
        self.smoothed_clock = Some(clock_controls);
        let body = if form_follows {
            std::array::from_fn(|i| controls[i] - clock_controls[i])
        } else {
            [0.0; OUTPUTS]
        };
        let workout = self.follow.as_mut().map(|(spec, f)| {
            let idle = spec.tempo.eval(&ControlValues(controls)) as f64;
            let beat = f.step(t, idle);
            // The brake has its own ramp, so it acts on the smoothed value.
            controls[crate::controls::Control::Energy.index()] *= f.energy_scale();
            beat
        });
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
            workout,
            breathing,
            lead: self
                .lead
                .step(clock.session_s, breathing, self.lead_enabled),
            heart,
            body,
        }
    }

    /// The smoothed controls as named values.
    pub fn values(step: &Step) -> ControlValues {
        ControlValues(step.controls)
    }
}
