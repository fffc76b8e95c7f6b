//! The session summary: how a sleep or relax session went, in the numbers a listener would
//! want to see the morning after: breathing rate, heart rate and RMSSD at its start and its
//! end (each the mean of two minutes of data), and how long breathing took to fall below
//! eight a minute.

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};

/// Seconds averaged for the start and end values.
pub const SPAN_S: f64 = 120.0;
/// The breathing rate whose crossing is timed, breaths/min.
pub const SLOW_BREATHING: f32 = 8.0;
/// Least confidence of a breathing estimate to count.
pub const MIN_CONFIDENCE: f32 = 0.3;
/// Sessions shorter than this (seconds) are not summarised.
pub const MIN_SESSION_S: f64 = 60.0;

/// One observation (any value may be missing).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Observation {
    pub breathing: Option<f32>,
    pub heart_rate: Option<f32>,
    pub rmssd_ms: Option<f32>,
}

/// A finished session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionSummary {
    pub preset: String,
    /// Why it ended: "timer", "paused", "preset change", "shutdown".
    pub ended_by: String,
    /// When it ended, seconds since the Unix epoch.
    pub ended_unix_s: f64,
    pub minutes: f64,
    pub start_breathing: Option<f64>,
    pub end_breathing: Option<f64>,
    pub start_heart_rate: Option<f64>,
    pub end_heart_rate: Option<f64>,
    pub start_rmssd_ms: Option<f64>,
    pub end_rmssd_ms: Option<f64>,
    /// Minutes from the start until breathing first fell below eight a minute.
    pub minutes_to_slow_breathing: Option<f64>,
}

/// Keys of the `LastSession` D-Bus property (`a{sd}`); a value not known is left out.
pub const KEYS: [&str; 9] = [
    "minutes",
    "start_breathing",
    "end_breathing",
    "start_heart_rate",
    "end_heart_rate",
    "start_rmssd",
    "end_rmssd",
    "minutes_to_slow_breathing",
    "ended_unix",
];

impl SessionSummary {
    /// The property's map.
    pub fn to_map(&self) -> HashMap<String, f64> {
        let values = [
            Some(self.minutes),
            self.start_breathing,
            self.end_breathing,
            self.start_heart_rate,
            self.end_heart_rate,
            self.start_rmssd_ms,
            self.end_rmssd_ms,
            self.minutes_to_slow_breathing,
            Some(self.ended_unix_s),
        ];
        KEYS.iter()
            .zip(values)
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
            .collect()
    }

    /// The summary in lines, for the log and `attunectl session`.
    pub fn lines_from_map(m: &HashMap<String, f64>) -> Vec<String> {
        let get = |k: &str| m.get(k).copied();
        let pair = |what: &str, a: &str, b: &str, unit: &str, digits: usize| {
            let show = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.digits$}"));
            format!("{what}: {} → {} {unit}", show(get(a)), show(get(b)))
        };
        let Some(minutes) = get("minutes") else {
            return vec!["No sleep or relax session has ended yet".into()];
        };
        vec![
            format!("Last session: {minutes:.0} min"),
            pair("Breathing", "start_breathing", "end_breathing", "/min", 1),
            pair("Heart rate", "start_heart_rate", "end_heart_rate", "bpm", 0),
            pair("RMSSD", "start_rmssd", "end_rmssd", "ms", 0),
            match get("minutes_to_slow_breathing") {
                Some(m) => format!("Breathing fell below 8/min after {m:.0} min"),
                None => "Breathing did not fall below 8/min".into(),
            },
        ]
    }
}

/// Mean of one quantity over the first and the last [`SPAN_S`] it was known.
#[derive(Debug, Clone, Default)]
struct Spans {
    first: Option<(f64, f64, u32)>,
    recent: VecDeque<(f64, f32)>,
}

impl Spans {
    fn push(&mut self, t: f64, v: Option<f32>) {
        let Some(v) = v.filter(|v| v.is_finite()) else {
            return;
        };
        match &mut self.first {
            None => self.first = Some((t, v as f64, 1)),
            Some((from, sum, n)) if t - *from <= SPAN_S => {
                *sum += v as f64;
                *n += 1;
            }
            Some(_) => {}
        }
        self.recent.push_back((t, v));
        while self.recent.front().is_some_and(|&(at, _)| t - at > SPAN_S) {
            self.recent.pop_front();
        }
    }

    fn start(&self) -> Option<f64> {
        self.first.map(|(_, sum, n)| sum / n as f64)
    }

    fn end(&self) -> Option<f64> {
        let n = self.recent.len();
        (n > 0).then(|| self.recent.iter().map(|&(_, v)| v as f64).sum::<f64>() / n as f64)
    }
}

/// A session being observed.
#[derive(Debug, Clone)]
pub struct SessionTracker {
    preset: String,
    started: f64,
    last: f64,
    breathing: Spans,
    heart_rate: Spans,
    rmssd: Spans,
    slow_at: Option<f64>,
}

impl SessionTracker {
    /// A session of `preset` starting at `t` seconds.
    pub fn start(preset: &str, t: f64) -> Self {
        SessionTracker {
            preset: preset.to_owned(),
            started: t,
            last: t,
            breathing: Spans::default(),
            heart_rate: Spans::default(),
            rmssd: Spans::default(),
            slow_at: None,
        }
    }

    /// Take what is known at `t` (call about once a second or more often: each call counts).
    pub fn observe(&mut self, t: f64, o: Observation) {
        if t < self.last {
            return;
        }
        self.last = t;
        self.breathing.push(t, o.breathing);
        self.heart_rate.push(t, o.heart_rate);
        self.rmssd.push(t, o.rmssd_ms);
        if self.slow_at.is_none() && o.breathing.is_some_and(|b| b < SLOW_BREATHING) {
            self.slow_at = Some(t);
        }
    }

    /// End at `t`; `None` for a session under a minute.
    pub fn finish(self, t: f64, ended_by: &str, ended_unix_s: f64) -> Option<SessionSummary> {
        let seconds = t - self.started;
        (seconds >= MIN_SESSION_S).then(|| SessionSummary {
            preset: self.preset,
            ended_by: ended_by.to_owned(),
            ended_unix_s,
            minutes: seconds / 60.0,
            start_breathing: self.breathing.start(),
            end_breathing: self.breathing.end(),
            start_heart_rate: self.heart_rate.start(),
            end_heart_rate: self.heart_rate.end(),
            start_rmssd_ms: self.rmssd.start(),
            end_rmssd_ms: self.rmssd.end(),
            minutes_to_slow_breathing: self.slow_at.map(|at| (at - self.started) / 60.0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_settling_session_is_summarised_by_its_first_and_last_two_minutes() {
        let mut s = SessionTracker::start("sleep", 100.0);
        // Twenty minutes: breathing 14 → 6 a minute, heart 70 → 58 bpm, RMSSD 30 → 60 ms;
        // no data for the first minute (the strap settling).
        for i in 60..1200 {
            let f = (i - 60) as f32 / 1140.0;
            s.observe(
                100.0 + i as f64,
                Observation {
                    breathing: Some(14.0 - 8.0 * f),
                    heart_rate: Some(70.0 - 12.0 * f),
                    rmssd_ms: Some(30.0 + 30.0 * f),
                },
            );
        }
        let sum = s.finish(1300.0, "timer", 1.7e9).unwrap();
        assert!((sum.minutes - 20.0).abs() < 1e-9);
        let start = sum.start_breathing.unwrap();
        assert!(
            (start - (14.0 - 8.0 * 60.0 / 1140.0)).abs() < 0.05,
            "{start}"
        );
        let end = sum.end_breathing.unwrap();
        assert!((end - (6.0 + 8.0 * 60.0 / 1140.0)).abs() < 0.05, "{end}");
        assert!((sum.end_heart_rate.unwrap() - 58.6).abs() < 0.2);
        assert!((sum.start_rmssd_ms.unwrap() - 31.6).abs() < 0.2);
        // 8/min is reached at f = 0.75: 60 + 855 s after the start.
        let slow = sum.minutes_to_slow_breathing.unwrap();
        assert!((slow - 915.0 / 60.0).abs() < 0.05, "{slow}");
        let m = sum.to_map();
        assert_eq!(m["minutes"], 20.0);
        let lines = SessionSummary::lines_from_map(&m);
        assert_eq!(lines[0], "Last session: 20 min");
        assert_eq!(lines[1], "Breathing: 13.6 → 6.4 /min");
        assert_eq!(lines[4], "Breathing fell below 8/min after 15 min");
    }

    #[test]
    fn unknown_values_are_left_out_and_short_sessions_are_not_kept() {
        let mut s = SessionTracker::start("relax", 0.0);
        s.observe(10.0, Observation::default());
        let sum = s.clone().finish(300.0, "paused", 0.0).unwrap();
        let m = sum.to_map();
        assert_eq!(m.len(), 2, "{m:?}");
        let lines = SessionSummary::lines_from_map(&m);
        assert_eq!(lines[1], "Breathing: – → – /min");
        assert_eq!(lines[4], "Breathing did not fall below 8/min");
        assert!(s.finish(59.0, "paused", 0.0).is_none());
        assert_eq!(
            SessionSummary::lines_from_map(&HashMap::new()),
            vec!["No sleep or relax session has ended yet".to_string()]
        );
    }
}
