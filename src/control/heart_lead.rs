//! The heart lead: in sleep and relax, the music meets an aroused listener, then leads them
//! down (the iso principle), for tempo, density and brightness as the breath lead does for
//! the swell.
//!
//! Music therapy's oldest rule is to meet the listener's state first and then move it
//! gradually toward the goal (Altshuler 1948); music at the listener's own heart rate keeps
//! it up, and only clear cuts in tempo lower it (Van Dyck et al. 2017). So the lead decides
//! how much of the listener's arousal the music expresses — the arousal the controller is
//! given in place of the heart's own (`hr_rel`, in the contract's units: 0 at the resting
//! heart rate, 1 at the maximum):
//!
//! 1. **Resting.** A listener within [`AROUSED`] of their resting heart rate is expressed as
//!    they are (as before the lead existed).
//! 2. **Matching.** Once they are above it, the music expresses their arousal in full
//!    (faster, busier, brighter) for [`MATCH_S`].
//! 3. **Leading.** It then glides toward calm (arousal 0) by [`GLIDE_PER_MIN`] a minute, as
//!    long as the listener follows: their arousal stays within [`FOLLOW_GAP`] of the
//!    music's. A listener who calms faster than the glide takes the music down with them.
//! 4. **Holding.** A listener who lags more than that is waited for: the music holds until
//!    they are within reach again, then leads on.
//! 5. A listener who rises [`RISE`] above their lowest since the lead began is met again
//!    (matching, from their new level).
//!
//! The listener's arousal is followed over [`LISTEN_S`] before it is judged, and every
//! threshold has hysteresis, so a heart wandering near one does not flip the phase.
//! Without a heart rate, or in a mode without the lead, it is off and passes the heart's
//! arousal through unchanged (so a render without a sensor is what it was).

/// Above the resting heart rate by this much (in `hr_rel` units, ~10 bpm for a 60–190 bpm
/// listener) a listener is aroused: the lead starts matching.
pub const AROUSED: f32 = 0.08;
/// Seconds the music meets an aroused listener before it leads (2.5 minutes).
pub const MATCH_S: f64 = 150.0;
/// The fastest the lead takes the music toward calm, `hr_rel` a minute (~6.5 bpm a minute
/// for a 60–190 bpm listener: a heart 40 bpm up is led back to rest in about six minutes).
pub const GLIDE_PER_MIN: f32 = 0.05;
/// A listener more than this above the music's arousal is not following: the lead holds.
pub const FOLLOW_GAP: f32 = 0.1;
/// A listener this far above their lowest since the lead began has risen: met again.
pub const RISE: f32 = 0.1;
/// The listener's arousal is followed over this time constant (s): a heart rate wanders
/// by several beats a minute from breath to breath and minute to minute (a real ECG's
/// minute means wander ±5 bpm at rest), and the lead answers the listener, not that.
pub const LISTEN_S: f64 = 20.0;
/// Hysteresis, as a share of each threshold: back to resting only below `AROUSED` by this
/// share of it, leading again only within this share of `FOLLOW_GAP`.
const HYSTERESIS: f32 = 0.5;

/// What the lead is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeartPhase {
    /// No heart rate, or a mode without the lead.
    Off,
    /// The listener is near rest: expressed as they are.
    Resting,
    /// Meeting an aroused listener.
    Matching,
    /// Gliding toward calm while the listener follows.
    Leading,
    /// Waiting for a listener who has not followed.
    Holding,
}

impl HeartPhase {
    pub fn name(self) -> &'static str {
        match self {
            HeartPhase::Off => "off",
            HeartPhase::Resting => "resting",
            HeartPhase::Matching => "matching",
            HeartPhase::Leading => "leading",
            HeartPhase::Holding => "holding",
        }
    }

    /// The phase's number in traces (`--trace`, the form CSV): its place in this order.
    pub fn index(self) -> u8 {
        self as u8
    }
}

/// The lead's state after a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeartLeadState {
    pub phase: HeartPhase,
    /// The listener's arousal (`hr_rel`), 0 when off.
    pub listener: f32,
    /// The arousal the music expresses: what the controller is given as `hr_rel`.
    pub expressed: f32,
}

impl HeartLeadState {
    pub const OFF: HeartLeadState = HeartLeadState {
        phase: HeartPhase::Off,
        listener: 0.0,
        expressed: 0.0,
    };

    /// The lead has taken the music below the listener (leading or holding).
    pub fn leads(&self) -> bool {
        matches!(self.phase, HeartPhase::Leading | HeartPhase::Holding)
    }

    /// What the lead is doing, in a sentence for Explain (none at rest or off).
    pub fn sentence(&self, profile: &crate::features::ListenerProfile) -> Option<String> {
        let bpm = |a: f32| (a * (profile.max_hr - profile.resting_hr)).round().max(0.0);
        let (heart, music) = (bpm(self.listener), bpm(self.expressed));
        match self.phase {
            HeartPhase::Off | HeartPhase::Resting => None,
            HeartPhase::Matching => Some(format!(
                "Your heart is up, {heart:.0} bpm over rest: the music meets it for now, then slows"
            )),
            HeartPhase::Leading => Some(format!(
                "Your heart is {heart:.0} bpm over rest: the music is slowing toward calm ahead of \
                 it (it plays as for {music:.0})"
            )),
            HeartPhase::Holding => Some(format!(
                "Your heart has not come down ({heart:.0} bpm over rest): the music holds as for \
                 {music:.0} and waits for it"
            )),
        }
    }
}

/// The lead's memory between steps.
#[derive(Debug, Clone)]
pub struct HeartLead {
    phase: HeartPhase,
    /// The arousal the music expresses while leading or holding.
    expressed: f32,
    /// When matching began.
    since: f64,
    /// The listener's lowest arousal since the lead began.
    lowest: f32,
    /// The listener's arousal, followed over `LISTEN_S`.
    heard: Option<f32>,
    last_t: f64,
}

impl Default for HeartLead {
    fn default() -> Self {
        HeartLead {
            phase: HeartPhase::Off,
            expressed: 0.0,
            since: 0.0,
            lowest: 0.0,
            heard: None,
            last_t: 0.0,
        }
    }
}

impl HeartLead {
    /// One step at `t` seconds with the listener's arousal (`hr_rel`, `None` without a
    /// fresh heart rate); `enabled` is whether the mode leads (sleep, relax).
    pub fn step(&mut self, t: f64, listener: Option<f32>, enabled: bool) -> HeartLeadState {
        let dt = (t - self.last_t).max(0.0);
        self.last_t = t;
        let Some(now) = listener.filter(|a| a.is_finite() && enabled) else {
            *self = HeartLead {
                last_t: t,
                ..HeartLead::default()
            };
            return HeartLeadState::OFF;
        };
        let k = (1.0 - (-dt / LISTEN_S).exp()) as f32;
        let a = match self.heard {
            Some(heard) => heard + k * (now - heard),
            None => now,
        };
        self.heard = Some(a);
        match self.phase {
            HeartPhase::Off | HeartPhase::Resting => {
                if a > AROUSED {
                    self.match_from(t);
                } else {
                    self.phase = HeartPhase::Resting;
                }
            }
            HeartPhase::Matching => {
                if a <= AROUSED * (1.0 - HYSTERESIS) {
                    self.phase = HeartPhase::Resting;
                } else if t - self.since >= MATCH_S {
                    self.phase = HeartPhase::Leading;
                    self.expressed = a;
                    self.lowest = a;
                }
            }
            HeartPhase::Leading | HeartPhase::Holding => {
                self.lowest = self.lowest.min(a);
                if a > self.lowest + RISE {
                    self.match_from(t);
                } else if a > self.expressed + FOLLOW_GAP
                    || (self.phase == HeartPhase::Holding
                        && a > self.expressed + FOLLOW_GAP * (1.0 - HYSTERESIS))
                {
                    self.phase = HeartPhase::Holding;
                } else {
                    self.phase = HeartPhase::Leading;
                    let glided = self.expressed - GLIDE_PER_MIN * dt as f32 / 60.0;
                    // Never above a listener who calmed faster than the glide.
                    self.expressed = glided.max(0.0).min(a);
                    // Resting again once the listener is calm and the music no lower
                    // than them (it then follows them as they are, without a step up).
                    if a <= AROUSED * (1.0 - HYSTERESIS) && a <= self.expressed + 0.005 {
                        self.phase = HeartPhase::Resting;
                    }
                }
            }
        }
        let expressed = match self.phase {
            HeartPhase::Leading | HeartPhase::Holding => self.expressed,
            _ => a,
        };
        HeartLeadState {
            phase: self.phase,
            listener: a,
            expressed,
        }
    }

    fn match_from(&mut self, t: f64) {
        self.phase = HeartPhase::Matching;
        self.since = t;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Steps of 0.1 s from `from` to `to` seconds, the listener's arousal given by `a`.
    fn run(
        lead: &mut HeartLead,
        from: f64,
        to: f64,
        a: impl Fn(f64) -> Option<f32>,
    ) -> Vec<(f64, HeartLeadState)> {
        let mut out = Vec::new();
        let mut t = from;
        while t < to {
            out.push((t, lead.step(t, a(t), true)));
            t += 0.1;
        }
        out
    }

    #[test]
    fn an_aroused_listener_is_met_then_led_down_as_they_follow() {
        let mut lead = HeartLead::default();
        // At rest for a minute, then 0.31 up (40 bpm for a 60–190 listener); after the
        // match they follow the music down, a little behind it.
        let steps = run(&mut lead, 0.0, 900.0, |t| {
            Some(if t < 60.0 {
                0.05
            } else if t < 60.0 + MATCH_S {
                0.36
            } else {
                (0.36 - 0.045 * (t - 60.0 - MATCH_S) as f32 / 60.0).max(0.02)
            })
        });
        let at = |s: f64| steps.iter().find(|(t, _)| *t >= s).unwrap().1;
        assert_eq!(at(30.0).phase, HeartPhase::Resting);
        assert_eq!(at(30.0).expressed, 0.05);
        assert_eq!(at(120.0).phase, HeartPhase::Matching);
        let met = at(120.0);
        assert_eq!(met.expressed, met.listener, "met in full");
        assert!(met.listener > 0.34, "heard within a minute: {met:?}");
        let led = at(60.0 + MATCH_S + 120.0);
        assert_eq!(led.phase, HeartPhase::Leading);
        assert!(
            (led.expressed - (0.36 - 2.0 * GLIDE_PER_MIN)).abs() < 0.005,
            "{led:?}"
        );
        assert!(led.expressed < led.listener);
        // Led all the way to calm, under a listener now near rest; the lead never held.
        let end = at(895.0);
        assert_eq!(
            (end.phase, end.expressed),
            (HeartPhase::Leading, 0.0),
            "{end:?}"
        );
        assert!(steps.iter().all(|(_, s)| s.phase != HeartPhase::Holding));
    }

    #[test]
    fn a_listener_who_does_not_follow_is_waited_for_and_met_again_when_they_rise() {
        let mut lead = HeartLead::default();
        let steps = run(&mut lead, 0.0, 900.0, |t| {
            Some(if t < 600.0 { 0.36 } else { 0.5 })
        });
        let at = |s: f64| steps.iter().find(|(t, _)| *t >= s).unwrap().1;
        assert_eq!(at(100.0).phase, HeartPhase::Matching);
        assert_eq!(at(MATCH_S + 60.0).phase, HeartPhase::Leading);
        // The glide reaches FOLLOW_GAP under them after two minutes, then holds there.
        let held = at(MATCH_S + 240.0);
        assert_eq!(held.phase, HeartPhase::Holding);
        assert!(
            (held.expressed - (0.36 - FOLLOW_GAP)).abs() < 0.01,
            "{held:?}"
        );
        assert_eq!(at(590.0).expressed, held.expressed, "held, not led further");
        // Rising 0.14 over their lowest: met again, in full, once heard (20 s).
        assert_eq!(at(605.0).phase, HeartPhase::Holding);
        let again = at(640.0);
        assert_eq!(again.phase, HeartPhase::Matching);
        assert_eq!(again.expressed, again.listener);
        assert!(again.listener > 0.46, "{again:?}");
    }

    #[test]
    fn resting_again_only_when_the_listener_is_calm_and_no_higher_than_the_music() {
        let mut lead = HeartLead::default();
        // Up for a while, then all the way down to rest (0.0), slowly.
        let steps = run(&mut lead, 0.0, 1500.0, |t| {
            Some((0.3 - 0.03 * ((t - 300.0).max(0.0) / 60.0) as f32).max(0.0))
        });
        let rested = steps
            .iter()
            .find(|(_, s)| s.phase == HeartPhase::Resting)
            .expect("rests again");
        assert!(rested.0 > 900.0, "{rested:?}");
        // No step up in what the music expresses anywhere (resting takes the listener as
        // they are once within 0.005, under a beat a minute).
        for w in steps.windows(2) {
            assert!(
                w[1].1.expressed <= w[0].1.expressed + 0.0051 || w[1].0 < 300.0,
                "{w:?}"
            );
        }
    }

    #[test]
    fn off_without_a_heart_or_outside_sleep_and_relax_passes_arousal_through() {
        let mut lead = HeartLead::default();
        assert_eq!(lead.step(0.0, None, true), HeartLeadState::OFF);
        let s = lead.step(0.1, Some(0.6), false);
        assert_eq!(s, HeartLeadState::OFF);
        // A heart that comes back starts from the beginning, heard as it is at first.
        let s = lead.step(0.2, Some(0.6), true);
        assert_eq!((s.phase, s.expressed), (HeartPhase::Matching, 0.6));
        assert_eq!(lead.step(0.3, Some(f32::NAN), true).phase, HeartPhase::Off);
    }
}
