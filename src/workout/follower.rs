//! The follower: cadence and heart rate in, the beat the workout preset should play out.
//!
//! Stepped at the control rate (10 Hz) on the caller's clock. It picks the beats-per-step
//! ratio that keeps the tempo in the preset's range (1:1 first, then half or double time),
//! glides the tempo (no jolt at a red light), adds the steering nudge, and, while the pod's
//! notifications are step-synchronous and no nudge is applied, hands out an anchor: the
//! time of a predicted footfall where a beat must land.

use super::cadence::{Cadence, CadenceTracker};
use super::phase::PhaseTracker;
use crate::sensor::Reading;

/// Largest steering nudge: below the ~4 % people notice (Van Dyck et al. 2015).
pub const MAX_STEER: f32 = 0.03;
/// How fast the nudge may change, per second.
const STEER_RATE: f32 = 0.01;
/// Tempo glide: one-pole time constant (s) and a cap on the change per second (bpm).
const GLIDE_S: f64 = 1.0;
const GLIDE_MAX_BPM_S: f64 = 20.0;
/// The brake engages over this many seconds and releases over `BRAKE_RELEASE_S`.
const BRAKE_ATTACK_S: f32 = 3.0;
const BRAKE_RELEASE_S: f32 = 10.0;
/// Heart rate must fall this far under the ceiling to release the brake (bpm).
const BRAKE_HYSTERESIS: f32 = 3.0;
/// Energy at full brake, as a fraction of what the controller asked for.
const BRAKE_ENERGY: f32 = 0.6;
/// Heart-rate readings older than this (s) are not used for steering or braking.
const HR_STALE_S: f64 = 5.0;

/// The listener's workout settings (config and D-Bus).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WorkoutSettings {
    /// Steps per minute to steer toward; also the tempo source when no cadence sensor is
    /// paired (a heart-rate strap alone).
    pub target_cadence: Option<f32>,
    /// Heart-rate zone to steer into (bpm, low and high).
    pub hr_zone: Option<(f32, f32)>,
    /// Above this heart rate the music eases off (bpm).
    pub hr_ceiling: Option<f32>,
    /// How long after a footfall the pod's notification arrives (s), subtracted from
    /// arrival times.
    pub sensor_latency_s: f64,
}

/// What the beat should do, for the audio side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BeatPlan {
    pub bpm: f64,
    /// A beat must land at this time (seconds on the caller's clock); `None` leaves the
    /// phase free.
    pub anchor: Option<f64>,
}

/// Where the tempo comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TempoSource {
    /// A cadence sensor.
    Sensor,
    /// The configured target cadence (no cadence sensor).
    Target,
    /// The preset's own groove: stopped, or no cadence at all.
    Idle,
}

impl TempoSource {
    pub fn name(self) -> &'static str {
        match self {
            TempoSource::Sensor => "sensor",
            TempoSource::Target => "target",
            TempoSource::Idle => "idle",
        }
    }
}

/// The follower's state, for D-Bus, `attunectl watch` and tests.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkoutStatus {
    /// The cadence followed (steps per minute), if moving.
    pub cadence: Option<f32>,
    pub source: TempoSource,
    /// Beats per step (0.5, 1 or 2).
    pub ratio: f32,
    pub bpm: f64,
    /// Whether the beat is being aligned to predicted footfalls.
    pub phase_locked: bool,
    /// The nudge applied to the tempo (fraction; +0.03 is 3 % faster than the cadence).
    pub steer: f32,
    /// Why the tempo is nudged, in words.
    pub steering: String,
    /// How hard the heart-rate brake is on (0..1).
    pub brake: f32,
    /// Cadence readings refused as implausible.
    pub rejected: u64,
}

/// Cadence + heart rate → the workout beat.
#[derive(Debug, Clone)]
pub struct Follower {
    settings: WorkoutSettings,
    range: (f32, f32),
    cadence: CadenceTracker,
    phase: PhaseTracker,
    hr: Option<(f64, f32)>,
    bpm: Option<f64>,
    ratio: f32,
    steer: f32,
    brake: f32,
    braking: bool,
    last_t: f64,
}

impl Follower {
    /// A follower keeping the beat within `range` (bpm).
    pub fn new(settings: WorkoutSettings, range: (f32, f32)) -> Self {
        Follower {
            settings,
            range,
            cadence: CadenceTracker::default(),
            phase: PhaseTracker::default(),
            hr: None,
            bpm: None,
            ratio: 1.0,
            steer: 0.0,
            brake: 0.0,
            braking: false,
            last_t: 0.0,
        }
    }

    /// Change the settings (steering targets take effect gradually).
    pub fn set_settings(&mut self, settings: WorkoutSettings) {
        self.settings = settings;
    }

    /// Take a reading (cadence already in steps or pedal strokes per minute).
    pub fn push(&mut self, r: &Reading) {
        if let Some(hr) = r.hr
            && r.contact != Some(false)
            && hr.is_finite()
        {
            self.hr = Some((r.at, hr));
        }
        if let Some(c) = r.cadence
            && self.cadence.push(r.at, c)
        {
            if c >= super::cadence::STOPPED_BELOW {
                self.phase.notify(r.at - self.settings.sensor_latency_s, c);
            } else {
                self.phase.reset();
            }
        }
    }

    /// Energy scale from the brake (1 = untouched).
    pub fn energy_scale(&self) -> f32 {
        1.0 - (1.0 - BRAKE_ENERGY) * self.brake
    }

    fn fresh_hr(&self, t: f64) -> Option<f32> {
        self.hr
            .filter(|&(at, _)| t - at <= HR_STALE_S)
            .map(|(_, hr)| hr)
    }

    fn choose_ratio(&self, per_minute: f32) -> f32 {
        let (lo, hi) = self.range;
        let within = |r: f32, slack: f32| {
            let b = per_minute * r;
            b >= lo * (1.0 - slack) && b <= hi * (1.0 + slack)
        };
        // Keep the current ratio a little past the range edge, so a cadence hovering at the
        // edge does not flip between half and full time.
        if within(self.ratio, 0.03) {
            return self.ratio;
        }
        let candidates = [1.0, 0.5, 2.0];
        if let Some(&r) = candidates.iter().find(|&&r| within(r, 0.0)) {
            return r;
        }
        let miss = |r: f32| {
            let b = per_minute * r;
            (lo - b).max(b - hi).max(0.0)
        };
        candidates
            .into_iter()
            .min_by(|a, b| miss(*a).total_cmp(&miss(*b)))
            .unwrap_or(1.0)
    }

    /// The beat at `t` seconds; `idle_bpm` is the preset's own tempo for when nobody moves.
    pub fn step(&mut self, t: f64, idle_bpm: f64) -> (BeatPlan, WorkoutStatus) {
        let dt = (t - self.last_t).clamp(0.0, 1.0) as f32;
        self.last_t = t;
        let hr = self.fresh_hr(t);

        // The brake: engage fast, release slowly, with hysteresis.
        if let (Some(ceiling), Some(hr)) = (self.settings.hr_ceiling, hr) {
            if hr > ceiling {
                self.braking = true;
            } else if hr < ceiling - BRAKE_HYSTERESIS {
                self.braking = false;
            }
        } else {
            self.braking = false;
        }
        self.brake = if self.braking {
            (self.brake + dt / BRAKE_ATTACK_S).min(1.0)
        } else {
            (self.brake - dt / BRAKE_RELEASE_S).max(0.0)
        };

        let cadence = self.cadence.at(t);
        if !matches!(cadence, Cadence::Moving(_)) {
            self.phase.reset();
        }
        let (followed, source) = match cadence {
            Cadence::Moving(c) => (Some(c), TempoSource::Sensor),
            // The target sets the tempo only without a cadence sensor: a pod that went quiet
            // (a runner standing at a light) brings the preset's own groove, not the target.
            Cadence::Absent => match self.settings.target_cadence {
                Some(c) if !self.cadence.heard() => (Some(c), TempoSource::Target),
                _ => (None, TempoSource::Idle),
            },
            Cadence::Stopped => (None, TempoSource::Idle),
        };

        // Steering: toward the target cadence, into the HR zone, and down under the brake.
        let (want, mut steering) = match (followed, source) {
            (Some(c), TempoSource::Sensor) => self.steering_target(c, hr),
            _ => (0.0, String::from("off")),
        };
        let want = if self.brake > 0.0 {
            steering = match (self.braking, hr, self.settings.hr_ceiling) {
                (true, Some(hr), Some(ceiling)) => {
                    format!("brake: heart rate {hr:.0} over the ceiling {ceiling:.0}")
                }
                _ => format!("brake easing off ({:.0} %)", self.brake * 100.0),
            };
            (want - self.brake * 2.0 * MAX_STEER).max(-MAX_STEER)
        } else {
            want
        };
        let step = STEER_RATE * dt;
        self.steer =
            (self.steer + (want - self.steer).clamp(-step, step)).clamp(-MAX_STEER, MAX_STEER);

        let (target, plan_anchor) = match followed {
            Some(c) => {
                self.ratio = self.choose_ratio(c);
                // The pod's step timing refines its integer cadence.
                let steps_per_minute = match source {
                    TempoSource::Sensor => self.phase.steps_per_minute().unwrap_or(c as f64),
                    _ => c as f64,
                };
                let base = steps_per_minute * self.ratio as f64;
                (base * (1.0 + self.steer as f64), Some(base))
            }
            None => {
                self.steer = 0.0;
                (idle_bpm, None)
            }
        };
        let bpm = match self.bpm {
            None => target,
            Some(prev) => {
                let a = 1.0 - (-(dt as f64) / GLIDE_S).exp();
                let cap = GLIDE_MAX_BPM_S * dt as f64;
                prev + (a * (target - prev)).clamp(-cap, cap)
            }
        };
        let bpm = bpm.clamp(30.0, 240.0);
        self.bpm = Some(bpm);

        // Phase: only while the pod is step-synchronous, the tempo has settled on the
        // cadence, and no nudge is pulling the beat away from the feet.
        let anchor = plan_anchor
            .filter(|&base| {
                source == TempoSource::Sensor
                    && self.phase.locked()
                    && self.steer.abs() < 1e-3
                    && (bpm / base - 1.0).abs() < 0.01
            })
            .and_then(|_| {
                let every = if self.ratio < 0.75 { 2 } else { 1 };
                self.phase.next_footfall(t, every)
            });
        // While anchored, play exactly the footfall rate the anchors imply (the glide is
        // within 1 % of it), so the audio side's phase loop has no rate offset to fight.
        let bpm = match (anchor, plan_anchor) {
            (Some(_), Some(base)) => base,
            _ => bpm,
        };
        if self.steer.abs() >= 1e-3 && steering == "off" {
            steering = format!("easing back ({:+.1} %)", self.steer * 100.0);
        }
        let status = WorkoutStatus {
            cadence: followed.filter(|_| source == TempoSource::Sensor),
            source,
            ratio: self.ratio,
            bpm,
            phase_locked: anchor.is_some(),
            steer: self.steer,
            steering,
            brake: self.brake,
            rejected: self.cadence.rejected,
        };
        (BeatPlan { bpm, anchor }, status)
    }

    fn steering_target(&self, cadence: f32, hr: Option<f32>) -> (f32, String) {
        if let Some(target) = self.settings.target_cadence {
            let want = ((target - cadence) / cadence).clamp(-MAX_STEER, MAX_STEER);
            if want.abs() < 0.002 {
                return (0.0, format!("at the target cadence {target:.0}"));
            }
            return (want, format!("toward cadence {target:.0}"));
        }
        if let (Some((lo, hi)), Some(hr)) = (self.settings.hr_zone, hr) {
            if hr < lo {
                return (MAX_STEER, format!("up into the zone {lo:.0}–{hi:.0} bpm"));
            }
            if hr > hi {
                return (
                    -MAX_STEER,
                    format!("down into the zone {lo:.0}–{hi:.0} bpm"),
                );
            }
            return (0.0, format!("in the zone {lo:.0}–{hi:.0} bpm"));
        }
        (0.0, String::from("off"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cadence(at: f64, c: f32) -> Reading {
        Reading {
            at,
            cadence: Some(c),
            ..Reading::default()
        }
    }

    #[test]
    fn ratio_keeps_the_beat_in_range() {
        let f = Follower::new(WorkoutSettings::default(), (80.0, 190.0));
        assert_eq!(f.choose_ratio(170.0), 1.0);
        assert_eq!(f.choose_ratio(210.0), 0.5);
        assert_eq!(f.choose_ratio(60.0), 2.0);
        assert_eq!(f.choose_ratio(500.0), 0.5, "nothing fits: the nearest");
    }

    #[test]
    fn steering_is_capped_and_gradual() {
        let settings = WorkoutSettings {
            target_cadence: Some(180.0),
            ..WorkoutSettings::default()
        };
        let mut f = Follower::new(settings, (80.0, 190.0));
        // The first reading waits for a second to confirm it.
        f.push(&cadence(-0.5, 160.0));
        let mut t = 0.0;
        let mut last = None;
        while t < 20.0 {
            f.push(&cadence(t, 160.0));
            let (plan, status) = f.step(t, 135.0);
            assert!(status.steer <= MAX_STEER + 1e-6);
            assert!(
                plan.bpm <= 160.0 * (1.0 + MAX_STEER as f64) + 1e-6,
                "{}",
                plan.bpm
            );
            if let Some(prev) = last {
                assert!(status.steer - prev <= STEER_RATE * 0.1 + 1e-6);
            }
            last = Some(status.steer);
            t += 0.1;
        }
        assert!((last.unwrap() - MAX_STEER).abs() < 1e-6);
    }

    #[test]
    fn a_heart_rate_zone_steers_up_below_and_down_above() {
        let settings = WorkoutSettings {
            hr_zone: Some((140.0, 160.0)),
            ..WorkoutSettings::default()
        };
        let mut f = Follower::new(settings, (80.0, 190.0));
        let steer = |hr: f32, f: &mut Follower, from: f64| {
            let mut last = 0.0;
            for k in 0..100 {
                let t = from + k as f64 * 0.1;
                f.push(&Reading {
                    at: t,
                    hr: Some(hr),
                    cadence: Some(165.0),
                    ..Reading::default()
                });
                last = f.step(t, 135.0).1.steer;
            }
            last
        };
        assert!(
            (steer(125.0, &mut f, 0.0) - MAX_STEER).abs() < 1e-6,
            "below the zone"
        );
        assert!(steer(150.0, &mut f, 10.0).abs() < 1e-6, "in the zone");
        assert!(
            (steer(170.0, &mut f, 20.0) + MAX_STEER).abs() < 1e-6,
            "above the zone"
        );
    }

    #[test]
    fn without_a_cadence_sensor_the_target_sets_the_tempo() {
        let settings = WorkoutSettings {
            target_cadence: Some(165.0),
            ..WorkoutSettings::default()
        };
        let mut f = Follower::new(settings, (80.0, 190.0));
        let (plan, status) = f.step(0.0, 135.0);
        assert_eq!(status.source, TempoSource::Target);
        assert_eq!(plan.bpm, 165.0);
        assert!(plan.anchor.is_none());
        // Once a pod has been heard, its going quiet means standing still: the idle groove.
        f.push(&cadence(1.0, 170.0));
        f.push(&cadence(1.7, 170.0));
        let (_, status) = f.step(2.0, 135.0);
        assert_eq!(status.source, TempoSource::Sensor);
        let (_, status) = f.step(10.0, 135.0);
        assert_eq!(status.source, TempoSource::Idle);
    }
}
