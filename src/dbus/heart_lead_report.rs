//! The `HeartLead` property (`a{sd}`): what the heart lead is doing in sleep and relax.
//! Empty without a heart rate or outside those modes; otherwise `phase` (1 resting,
//! 2 matching, 3 leading, 4 holding), `heart` (the listener's heart rate over their resting
//! rate, bpm) and `music` (the heart rate over rest the music plays for, bpm).

use crate::control::heart_lead::{HeartLeadState, HeartPhase};
use crate::features::ListenerProfile;
use std::collections::HashMap;

/// The heart lead as the daemon reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeartLeadReport {
    pub phase: HeartPhase,
    /// The listener's heart over their resting rate, bpm.
    pub heart: f64,
    /// The heart over rest the music plays for, bpm.
    pub music: f64,
}

const PHASE: &str = "phase";
const HEART: &str = "heart";
const MUSIC: &str = "music";
const PHASES: [HeartPhase; 5] = [
    HeartPhase::Off,
    HeartPhase::Resting,
    HeartPhase::Matching,
    HeartPhase::Leading,
    HeartPhase::Holding,
];

impl HeartLeadReport {
    /// The report of `state` for `profile` (`None` when the lead is off).
    pub fn of(state: &HeartLeadState, profile: &ListenerProfile) -> Option<HeartLeadReport> {
        let bpm = |a: f32| f64::from(a * (profile.max_hr - profile.resting_hr));
        (state.phase != HeartPhase::Off).then(|| HeartLeadReport {
            phase: state.phase,
            heart: bpm(state.listener),
            music: bpm(state.expressed),
        })
    }

    /// The property's map (empty for `None`).
    pub fn to_map(report: Option<&HeartLeadReport>) -> HashMap<String, f64> {
        let Some(r) = report else {
            return HashMap::new();
        };
        [
            (PHASE, f64::from(r.phase.index())),
            (HEART, r.heart),
            (MUSIC, r.music),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Read the property's map; `None` when it is empty or its phase is unknown.
    pub fn from_map(m: &HashMap<String, f64>) -> Option<HeartLeadReport> {
        let phase = *PHASES.get(m.get(PHASE)?.round() as usize)?;
        let get = |k: &str| m.get(k).copied().unwrap_or(0.0);
        (phase != HeartPhase::Off).then(|| HeartLeadReport {
            phase,
            heart: get(HEART),
            music: get(MUSIC),
        })
    }

    /// "heart lead leading: your heart +38 bpm over rest, the music plays for +27".
    pub fn line(&self) -> String {
        format!(
            "heart lead {}: your heart {:+.0} bpm over rest, the music plays for {:+.0}",
            self.phase.name(),
            self.heart,
            self.music
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_round_trips_and_off_is_empty() {
        for phase in PHASES {
            assert_eq!(
                phase.index() as usize,
                PHASES.iter().position(|p| *p == phase).unwrap()
            );
        }
        let state = HeartLeadState {
            phase: HeartPhase::Leading,
            listener: 0.3,
            expressed: 0.2,
        };
        let r = HeartLeadReport::of(&state, &ListenerProfile::default()).unwrap();
        assert_eq!((r.heart.round(), r.music.round()), (39.0, 26.0));
        let m = HeartLeadReport::to_map(Some(&r));
        assert_eq!(HeartLeadReport::from_map(&m), Some(r));
        assert_eq!(
            r.line(),
            "heart lead leading: your heart +39 bpm over rest, the music plays for +26"
        );
        assert_eq!(
            HeartLeadReport::of(&HeartLeadState::OFF, &ListenerProfile::default()),
            None
        );
        assert!(HeartLeadReport::to_map(None).is_empty());
        assert_eq!(HeartLeadReport::from_map(&HashMap::new()), None);
    }
}
