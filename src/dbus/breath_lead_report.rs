//! The `BreathLead` property (`a{sd}`): what the breath lead is doing. Empty when the preset
//! does not lead; otherwise `phase` (0 off: no confident estimate, 1 matching, 2 leading),
//! `target` (the breathing rate the music invites, breaths/min; 0 when off), `swell_rate`
//! (the swell's cycles a minute) and `confidence` (the breathing estimate's, 0..1).

use crate::control::breath_lead::{LeadPhase, LeadState};
use std::collections::HashMap;

/// The breath lead as the daemon reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreathLeadReport {
    pub phase: LeadPhase,
    pub target: f64,
    pub swell_rate: f64,
    pub confidence: f64,
}

const PHASE: &str = "phase";
const TARGET: &str = "target";
const SWELL_RATE: &str = "swell_rate";
const CONFIDENCE: &str = "confidence";

impl From<LeadState> for BreathLeadReport {
    fn from(s: LeadState) -> Self {
        BreathLeadReport {
            phase: s.phase,
            target: s.target_per_min as f64,
            swell_rate: s.swell_per_min as f64,
            confidence: s.confidence as f64,
        }
    }
}

impl BreathLeadReport {
    /// The property's map (empty for `None`: the preset does not lead).
    pub fn to_map(report: Option<&BreathLeadReport>) -> HashMap<String, f64> {
        let Some(r) = report else {
            return HashMap::new();
        };
        let phase = match r.phase {
            LeadPhase::Off => 0.0,
            LeadPhase::Matching => 1.0,
            LeadPhase::Leading => 2.0,
        };
        [
            (PHASE, phase),
            (TARGET, r.target),
            (SWELL_RATE, r.swell_rate),
            (CONFIDENCE, r.confidence),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Read the property's map; `None` when it is empty (the preset does not lead).
    pub fn from_map(m: &HashMap<String, f64>) -> Option<BreathLeadReport> {
        let get = |k: &str| m.get(k).copied().unwrap_or(0.0);
        let phase = match m.get(PHASE)?.round() as i64 {
            1 => LeadPhase::Matching,
            2 => LeadPhase::Leading,
            _ => LeadPhase::Off,
        };
        Some(BreathLeadReport {
            phase,
            target: get(TARGET),
            swell_rate: get(SWELL_RATE),
            confidence: get(CONFIDENCE),
        })
    }

    /// "leading: swell 7.4/min, inviting 9.9 breaths/min" (the watch line's and the tray's).
    pub fn line(&self) -> String {
        match self.phase {
            LeadPhase::Off => format!(
                "breath lead waiting for a clear breathing rhythm · swell {:.1}/min",
                self.swell_rate
            ),
            phase => format!(
                "breath lead {}: swell {:.1}/min, inviting {:.1} breaths/min",
                phase.name(),
                self.swell_rate,
                self.target
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_round_trips_and_empty_means_no_lead() {
        let r = BreathLeadReport {
            phase: LeadPhase::Leading,
            target: 9.5,
            swell_rate: 7.125,
            confidence: 0.7,
        };
        let m = BreathLeadReport::to_map(Some(&r));
        assert_eq!(BreathLeadReport::from_map(&m), Some(r));
        assert!(BreathLeadReport::to_map(None).is_empty());
        assert_eq!(BreathLeadReport::from_map(&HashMap::new()), None);
        assert_eq!(
            r.line(),
            "breath lead leading: swell 7.1/min, inviting 9.5 breaths/min"
        );
    }
}
