//! Features: what the daemon knows about the listener and the hour, as the fixed-order
//! vector of [`vector`] (which the control model's contract pins).
//!
//! Readings arrive as they come (heart rate with RR intervals and skin contact, cadence);
//! implausible values, readings without skin contact and RR artifacts are dropped and
//! counted, never averaged in. Data older than [`STALE_S`] counts as absent, so a sensor
//! that goes quiet degrades the features to clock-only rather than freezing them.

pub mod breathing;
pub mod heart;
pub mod session_summary;
pub mod sun;
pub mod vector;

use crate::preset::Mode;
use heart::RrFilter;
use std::collections::VecDeque;
use vector::INPUTS;

/// Readings older than this (seconds) are absent.
pub const STALE_S: f64 = 5.0;
/// Window for HR trend and RMSSD (seconds).
pub const WINDOW_S: f64 = 60.0;
/// Plausible heart rate, bpm.
pub const HR_RANGE: (f32, f32) = (30.0, 230.0);
/// Plausible cadence, steps per minute.
pub const CADENCE_RANGE: (f32, f32) = (0.0, 260.0);

pub use crate::sensor::Reading;

/// Who is listening and where (from the config).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ListenerProfile {
    pub resting_hr: f32,
    pub max_hr: f32,
    pub latitude: f64,
    pub longitude: f64,
}

impl Default for ListenerProfile {
    fn default() -> Self {
        ListenerProfile {
            resting_hr: 60.0,
            max_hr: 190.0,
            latitude: 48.0,
            longitude: 10.0,
        }
    }
}

/// The wall clock as the features see it: session time, local time of day and date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    /// Seconds since the session (or the current mode) started.
    pub session_s: f64,
    /// Local time of day in hours, `0..24`.
    pub local_hours: f64,
    /// Day of the year, 1..=366.
    pub day_of_year: u32,
    /// Local time minus UTC, hours.
    pub utc_offset_h: f64,
}

impl Clock {
    /// The clock `seconds` later (time of day and date roll over).
    pub fn advanced(&self, seconds: f64) -> Clock {
        let hours = self.local_hours + seconds / 3600.0;
        let days = (hours / 24.0).floor();
        Clock {
            session_s: self.session_s + seconds,
            local_hours: hours - days * 24.0,
            day_of_year: ((self.day_of_year as i64 - 1 + days as i64).rem_euclid(365) + 1) as u32,
            utc_offset_h: self.utc_offset_h,
        }
    }
}

/// Why a reading (or part of it) was dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dropped {
    pub implausible_hr: u64,
    pub no_contact: u64,
    pub rr_artifacts: u64,
    pub implausible_cadence: u64,
    pub out_of_order: u64,
}

/// Turns readings and a clock into feature vectors.
#[derive(Debug, Clone)]
pub struct FeatureExtractor {
    profile: ListenerProfile,
    hr: VecDeque<(f64, f32)>,
    rr: VecDeque<(f64, f32, bool)>,
    rr_filter: RrFilter,
    cadence: Option<(f64, f32)>,
    last_at: f64,
    /// The current minute's HR sum and count, and the lowest complete minute mean so far.
    minute: (i64, f64, u32),
    lowest_minute: Option<f32>,
    minutes: u32,
    dropped: Dropped,
    breathing: breathing::BreathingEstimator,
    /// The last breathing estimate and when it was made.
    breath: (f64, Option<breathing::Breathing>),
}

/// Seconds between breathing estimates (each looks at the last minute).
pub const BREATHING_UPDATE_S: f64 = 5.0;

impl FeatureExtractor {
    pub fn new(profile: ListenerProfile) -> Self {
        FeatureExtractor {
            profile,
            hr: VecDeque::new(),
            rr: VecDeque::new(),
            rr_filter: RrFilter::default(),
            cadence: None,
            last_at: f64::NEG_INFINITY,
            minute: (i64::MIN, 0.0, 0),
            lowest_minute: None,
            minutes: 0,
            dropped: Dropped::default(),
            breathing: breathing::BreathingEstimator::new(),
            breath: (f64::NEG_INFINITY, None),
        }
    }

    /// What has been dropped so far.
    pub fn dropped(&self) -> Dropped {
        Dropped {
            rr_artifacts: self.rr_filter.rejected,
            ..self.dropped
        }
    }

    /// Resting heart rate in use: the configured one, lowered to the lowest one-minute
    /// mean seen once five minutes of data exist (people at rest in bed go below it).
    pub fn resting_hr(&self) -> f32 {
        match self.lowest_minute {
            Some(low) if self.minutes >= 5 => self.profile.resting_hr.min(low).max(35.0),
            _ => self.profile.resting_hr,
        }
    }

    /// Take one reading.
    pub fn push(&mut self, r: &Reading) {
        if !r.at.is_finite() || r.at < self.last_at {
            self.dropped.out_of_order += 1;
            return;
        }
        self.last_at = r.at;
        let contact = r.contact != Some(false);
        if let Some(hr) = r.hr {
            if !contact {
                self.dropped.no_contact += 1;
            } else if hr.is_finite() && (HR_RANGE.0..=HR_RANGE.1).contains(&hr) {
                self.hr.push_back((r.at, hr));
                self.track_minute(r.at, hr);
            } else {
                self.dropped.implausible_hr += 1;
            }
        }
        if contact {
            // The notification's intervals end one after another, the last at its time.
            let mut end = r.at - r.rr_ms.iter().map(|&rr| rr as f64 / 1000.0).sum::<f64>();
            for &rr in &r.rr_ms {
                end += rr as f64 / 1000.0;
                let accepted = self.rr_filter.accept(rr);
                if let Some(successive) = accepted {
                    self.rr.push_back((r.at, rr, successive));
                }
                self.breathing.push(end, rr, accepted.is_some());
            }
        }
        if let Some(c) = r.cadence {
            if c.is_finite() && (CADENCE_RANGE.0..=CADENCE_RANGE.1).contains(&c) {
                self.cadence = Some((r.at, c));
            } else {
                self.dropped.implausible_cadence += 1;
            }
        }
        let horizon = r.at - WINDOW_S;
        while self.hr.front().is_some_and(|&(t, _)| t < horizon) {
            self.hr.pop_front();
        }
        while self.rr.front().is_some_and(|&(t, _, _)| t < horizon) {
            self.rr.pop_front();
        }
    }

    fn track_minute(&mut self, at: f64, hr: f32) {
        let minute = (at / 60.0).floor() as i64;
        if minute != self.minute.0 {
            if self.minute.2 >= 10 {
                let mean = (self.minute.1 / self.minute.2 as f64) as f32;
                self.lowest_minute = Some(self.lowest_minute.map_or(mean, |l| l.min(mean)));
                self.minutes += 1;
            }
            self.minute = (minute, 0.0, 0);
        }
        self.minute.1 += hr as f64;
        self.minute.2 += 1;
    }

    /// The breathing rate read from the RR intervals (see [`breathing`]), re-estimated at
    /// most every [`BREATHING_UPDATE_S`]; `None` when it cannot be told.
    pub fn breathing(&mut self, now: f64) -> Option<breathing::Breathing> {
        if !(now - self.breath.0 < BREATHING_UPDATE_S && now >= self.breath.0) {
            self.breath = (now, self.breathing.estimate(now));
        }
        self.breath.1
    }

    /// The feature vector at `clock` in `mode` (clamped to the contract's ranges). The
    /// breathing inputs come from the last [`FeatureExtractor::breathing`] call.
    pub fn features(&self, clock: &Clock, mode: Mode) -> [f32; INPUTS] {
        use vector::*;
        let now = clock.session_s;
        let mut x = [0.0f32; INPUTS];
        let fresh_from = now - STALE_S;
        let (sum, n) = self
            .hr
            .iter()
            .filter(|&&(t, _)| t >= fresh_from && t <= now)
            .fold((0.0f32, 0u32), |(s, n), &(_, hr)| (s + hr, n + 1));
        if n > 0 {
            let hr = sum / n as f32;
            let rest = self.resting_hr();
            x[HR_REL] = (hr - rest) / (self.profile.max_hr - rest).max(10.0);
            x[HR_PRESENT] = 1.0;
            let window = self.hr.iter().copied().filter(|&(t, _)| t <= now);
            x[HR_TREND] = heart::trend_bpm_per_min(window, 20.0).unwrap_or(0.0) / 20.0;
            let rr = self
                .rr
                .iter()
                .filter(|&&(t, _, _)| t <= now)
                .map(|&(_, rr, s)| (rr, s));
            x[RMSSD] = heart::rmssd(rr, 5).map_or(INPUT_SPECS[RMSSD].neutral, |v| v / 100.0);
        }
        if let Some((t, c)) = self.cadence
            && t >= fresh_from
            && t <= now
        {
            x[CADENCE] = c / 200.0;
            x[CADENCE_PRESENT] = 1.0;
        }
        let angle = clock.local_hours / 24.0 * std::f64::consts::TAU;
        x[TOD_SIN] = angle.sin() as f32;
        x[TOD_COS] = angle.cos() as f32;
        let utc = (clock.local_hours - clock.utc_offset_h).rem_euclid(24.0);
        let elevation = sun::elevation_deg(
            self.profile.latitude,
            self.profile.longitude,
            clock.day_of_year,
            utc,
        );
        x[SUN] = (elevation / 90.0) as f32;
        x[SESSION] = (now / 3600.0) as f32;
        // The last breathing estimate (see `breathing`), while it is recent and the strap
        // still has contact; otherwise both inputs say "unknown" (0).
        if let (at, Some(b)) = self.breath
            && n > 0
            && at <= now
            && now - at <= 2.0 * BREATHING_UPDATE_S
        {
            x[BREATHING_RATE] = b.per_minute / 30.0;
            x[BREATHING_CONFIDENCE] = b.confidence;
        }
        x[mode_input(mode)] = 1.0;
        clamp_inputs(&mut x);
        x
    }
}

/// The one-hot input for `mode`.
pub fn mode_input(mode: Mode) -> usize {
    use vector::*;
    match mode {
        Mode::Sleep => MODE_SLEEP,
        Mode::Focus => MODE_FOCUS,
        Mode::Relax => MODE_RELAX,
        Mode::Workout => MODE_WORKOUT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::vector::*;

    fn clock(at: f64) -> Clock {
        Clock {
            session_s: at,
            local_hours: 12.0,
            day_of_year: 172,
            utc_offset_h: 0.0,
        }
    }

    fn hr(at: f64, bpm: f32) -> Reading {
        Reading {
            at,
            hr: Some(bpm),
            ..Reading::default()
        }
    }

    #[test]
    fn no_sensor_gives_clock_only_features() {
        let fx = FeatureExtractor::new(ListenerProfile::default());
        let x = fx.features(&clock(600.0), Mode::Focus);
        assert_eq!(x[HR_PRESENT], 0.0);
        assert_eq!(x[HR_REL], 0.0);
        assert_eq!(x[CADENCE_PRESENT], 0.0);
        assert_eq!(x[MODE_FOCUS], 1.0);
        assert!((x[TOD_COS] + 1.0).abs() < 1e-6, "noon");
        assert!(x[SUN] > 0.5, "summer noon at 48 N");
        assert!((x[SESSION] - 600.0 / 3600.0).abs() < 1e-6);
    }

    #[test]
    fn implausible_stale_and_contactless_data_is_dropped() {
        let mut fx = FeatureExtractor::new(ListenerProfile::default());
        fx.push(&hr(0.0, 125.0));
        fx.push(&hr(1.0, 400.0)); // implausible
        fx.push(&Reading {
            at: 2.0,
            hr: Some(200.0),
            contact: Some(false),
            ..Reading::default()
        });
        fx.push(&hr(0.5, 80.0)); // out of order
        let x = fx.features(&clock(2.0), Mode::Workout);
        // Only 125 bpm counts: (125 − 60) / (190 − 60) = 0.5.
        assert!((x[HR_REL] - 0.5).abs() < 1e-6, "{}", x[HR_REL]);
        let d = fx.dropped();
        assert_eq!((d.implausible_hr, d.no_contact, d.out_of_order), (1, 1, 1));
        // Ten seconds later the reading is stale: clock-only.
        let x = fx.features(&clock(12.0), Mode::Workout);
        assert_eq!(x[HR_PRESENT], 0.0);
        assert_eq!(x[HR_REL], 0.0);
    }

    #[test]
    fn resting_hr_follows_a_lower_history() {
        let mut fx = FeatureExtractor::new(ListenerProfile::default());
        for s in 0..(8 * 60) {
            fx.push(&hr(s as f64, 52.0));
        }
        assert_eq!(fx.resting_hr(), 52.0);
        let x = fx.features(&clock(8.0 * 60.0 - 1.0), Mode::Sleep);
        assert!(x[HR_REL].abs() < 1e-6);
    }

    #[test]
    fn clock_rolls_over_midnight_and_new_year() {
        let c = Clock {
            session_s: 0.0,
            local_hours: 23.5,
            day_of_year: 365,
            utc_offset_h: 1.0,
        };
        let d = c.advanced(3600.0);
        assert!((d.local_hours - 0.5).abs() < 1e-9);
        assert_eq!(d.day_of_year, 1);
        assert_eq!(d.session_s, 3600.0);
    }
}
