//! The breath lead: the music's slow swell follows the listener's breathing, then leads it
//! slower.
//!
//! Music whose loudness swells at ~75 % of a listener's breathing rate slowed their
//! breathing (Leslie, Ghandeharioun, Zhou & Picard 2019); slow phrases near 0.1 Hz, six a
//! minute, entrain the cardiovascular rhythms (Bernardi et al. 2009). So, matching first and
//! leading after (the ISO principle):
//!
//! 1. **Matching.** With a confident breathing estimate the swell locks to 75 % of the
//!    measured rate, and stays locked for [`MATCH_S`].
//! 2. **Leading.** The swell then glides down toward six a minute by at most
//!    [`GLIDE_PER_MIN`] breaths a minute per minute, as long as the listener follows (their
//!    rate stays within reach: swell ≥ [`FOLLOW_RATIO`] × breathing). When they lag, the
//!    swell holds; when they slow on their own, it keeps its 75 % below them.
//! 3. **Giving up.** If breathing does not follow for [`GIVE_UP_S`], the lead stops and
//!    matches again (75 % of the current rate), and waits twice as long before it tries
//!    again.
//!
//! Without a confident estimate for [`LOST_S`] the swell goes back to its default six a
//! minute: no estimate, today's behaviour.

use crate::features::breathing::Breathing;
use crate::synth::swell::DEFAULT_PER_MIN;

/// The swell's rate as a share of the breathing rate while matching.
pub const LEAD_RATIO: f32 = 0.75;
/// Where the lead goes: six a minute (0.1 Hz).
pub const GOAL_PER_MIN: f32 = 6.0;
/// The fastest the lead slows the swell, breaths a minute per minute.
pub const GLIDE_PER_MIN: f32 = 0.5;
/// Below this swell-to-breathing ratio the listener is not following: the glide holds.
pub const FOLLOW_RATIO: f32 = 0.68;
/// Least confidence of an estimate to lock to.
pub const MIN_CONFIDENCE: f32 = 0.3;
/// Seconds locked before leading.
pub const MATCH_S: f64 = 180.0;
/// Seconds of not following before the lead gives up.
pub const GIVE_UP_S: f64 = 180.0;
/// Seconds without a confident estimate before the lock is let go.
pub const LOST_S: f64 = 30.0;
/// The least swell depth while locked, so the listener can hear what to follow.
pub const LOCKED_DEPTH: f32 = 0.5;

/// What the lead is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadPhase {
    /// Not leading: disabled by the preset, or no confident estimate.
    Off,
    /// Locked to 75 % of the breathing rate.
    Matching,
    /// Gliding toward six a minute.
    Leading,
}

impl LeadPhase {
    pub fn name(self) -> &'static str {
        match self {
            LeadPhase::Off => "off",
            LeadPhase::Matching => "matching",
            LeadPhase::Leading => "leading",
        }
    }
}

/// The lead's state after a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeadState {
    pub phase: LeadPhase,
    /// The swell's rate, cycles a minute (six when off).
    pub swell_per_min: f32,
    /// The breathing rate the music invites now (the swell ÷ 0.75), breaths a minute; 0
    /// when off.
    pub target_per_min: f32,
    /// The breathing estimate's confidence (0 when unknown).
    pub confidence: f32,
}

impl LeadState {
    const OFF: LeadState = LeadState {
        phase: LeadPhase::Off,
        swell_per_min: DEFAULT_PER_MIN,
        target_per_min: 0.0,
        confidence: 0.0,
    };

    /// The swell rate to set on the engine (`None`: the default) and its least depth.
    pub fn swell(&self) -> (Option<f32>, f32) {
        match self.phase {
            LeadPhase::Off => (None, 0.0),
            _ => (Some(self.swell_per_min), LOCKED_DEPTH),
        }
    }
}

/// The lead's memory between steps.
#[derive(Debug, Clone)]
pub struct BreathLead {
    phase: LeadPhase,
    swell: f32,
    /// When the current phase began, and when it may lead (matching).
    since: f64,
    match_s: f64,
    /// Since when breathing has not followed (leading).
    lagging_since: Option<f64>,
    last_confident: f64,
    last_t: f64,
    confidence: f32,
    /// The last confident breathing rate (held through short gaps in the estimate).
    held: Option<f32>,
}

impl Default for BreathLead {
    fn default() -> Self {
        BreathLead {
            phase: LeadPhase::Off,
            swell: DEFAULT_PER_MIN,
            since: 0.0,
            match_s: MATCH_S,
            lagging_since: None,
            last_confident: f64::NEG_INFINITY,
            last_t: 0.0,
            confidence: 0.0,
            held: None,
        }
    }
}

impl BreathLead {
    /// One step at `t` seconds with the latest estimate; `enabled` is the preset's choice.
    pub fn step(&mut self, t: f64, estimate: Option<Breathing>, enabled: bool) -> LeadState {
        let dt = (t - self.last_t).max(0.0);
        self.last_t = t;
        let confident = estimate.filter(|b| b.confidence >= MIN_CONFIDENCE && enabled);
        if let Some(b) = confident {
            self.last_confident = t;
            self.confidence = b.confidence;
        }
        if !enabled || t - self.last_confident > LOST_S {
            *self = BreathLead {
                last_confident: self.last_confident,
                last_t: t,
                ..BreathLead::default()
            };
            return LeadState::OFF;
        }
        // Within LOST_S of the last confident estimate the lock holds on that estimate.
        let Some(breathing) = confident.map(|b| b.per_minute).or(self.held) else {
            return LeadState::OFF;
        };
        let matched = LEAD_RATIO * breathing;
        match self.phase {
            LeadPhase::Off => self.enter(LeadPhase::Matching, t, matched, MATCH_S),
            LeadPhase::Matching => {
                self.swell = matched;
                if t - self.since >= self.match_s {
                    self.enter(LeadPhase::Leading, t, matched, MATCH_S);
                }
            }
            LeadPhase::Leading => {
                if self.swell / breathing >= FOLLOW_RATIO {
                    self.lagging_since = None;
                    let glided = self.swell - GLIDE_PER_MIN * dt as f32 / 60.0;
                    // Never more than 75 % of the rate they have reached by themselves.
                    self.swell = glided.max(GOAL_PER_MIN).min(matched.max(GOAL_PER_MIN));
                } else if t - *self.lagging_since.get_or_insert(t) >= GIVE_UP_S {
                    let wait = 2.0 * self.match_s;
                    self.enter(LeadPhase::Matching, t, matched, wait);
                }
            }
        }
        self.held = Some(breathing);
        LeadState {
            phase: self.phase,
            swell_per_min: self.swell,
            target_per_min: self.swell / LEAD_RATIO,
            confidence: self.confidence,
        }
    }

    fn enter(&mut self, phase: LeadPhase, t: f64, swell: f32, match_s: f64) {
        self.phase = phase;
        self.since = t;
        self.swell = swell;
        self.match_s = match_s;
        self.lagging_since = None;
    }
}
