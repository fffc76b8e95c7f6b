//! What a setting may be, checked in one place for the config file, D-Bus and `attunectl`:
//! volume, the workout targets, the sleep timer. Each check returns the value to use or a
//! message that says what is allowed.

use std::ops::RangeInclusive;

/// Master volume.
pub const VOLUME: RangeInclusive<f64> = 0.0..=1.0;
/// Workout target cadence, steps per minute.
pub const TARGET_CADENCE: RangeInclusive<f64> = 60.0..=220.0;
/// Workout heart-rate ceiling, bpm.
pub const HR_CEILING: RangeInclusive<f64> = 80.0..=230.0;
/// Bounds of a workout heart-rate zone, bpm.
pub const HR_ZONE: RangeInclusive<f64> = 60.0..=230.0;
/// Narrowest heart-rate zone, bpm.
pub const HR_ZONE_MIN_WIDTH: f64 = 5.0;
/// Longest sleep timer (and fade), seconds.
pub const TIMER_MAX_S: f64 = 7.0 * 86_400.0;
/// Shortest sleep timer, seconds.
pub const TIMER_MIN_S: f64 = 1.0;

/// A volume within 0..1 (−0 reads back as 0).
pub fn volume(v: f64) -> Result<f64, String> {
    if v.is_finite() && VOLUME.contains(&v) {
        // −0.0 is within the range but would read back as "-0".
        Ok(v + 0.0)
    } else {
        Err(format!("volume {v} is outside 0..1"))
    }
}

/// The focus modulation's depth (the envelope's modulation index).
pub fn modulation_depth(d: f64) -> Result<f64, String> {
    if d.is_finite() && (0.0..=1.0).contains(&d) {
        Ok(d + 0.0)
    } else {
        Err(format!("modulation depth {d} is outside 0..1"))
    }
}

/// `value` within `range`, or 0 for none.
fn optional(
    value: f64,
    range: &RangeInclusive<f64>,
    what: &str,
    unit: &str,
) -> Result<Option<f32>, String> {
    if value == 0.0 {
        return Ok(None);
    }
    if value.is_finite() && range.contains(&value) {
        return Ok(Some(value as f32));
    }
    Err(format!(
        "{what} {value}: use {}..{} {unit}, or 0 for none",
        range.start(),
        range.end()
    ))
}

/// A workout target cadence (0: none).
pub fn target_cadence(spm: f64) -> Result<Option<f32>, String> {
    optional(spm, &TARGET_CADENCE, "target cadence", "steps per minute")
}

/// A workout heart-rate ceiling (0: none).
pub fn hr_ceiling(bpm: f64) -> Result<Option<f32>, String> {
    optional(bpm, &HR_CEILING, "heart-rate ceiling", "bpm")
}

/// A workout heart-rate zone (both 0: none).
pub fn hr_zone(low: f64, high: f64) -> Result<Option<(f32, f32)>, String> {
    if low == 0.0 && high == 0.0 {
        return Ok(None);
    }
    if low.is_finite()
        && high.is_finite()
        && HR_ZONE.contains(&low)
        && HR_ZONE.contains(&high)
        && high >= low + HR_ZONE_MIN_WIDTH
    {
        return Ok(Some((low as f32, high as f32)));
    }
    Err(format!(
        "heart-rate zone {low}..{high}: use two bpm within {}..{}, at least {} apart, or 0 0 for none",
        HR_ZONE.start(),
        HR_ZONE.end(),
        HR_ZONE_MIN_WIDTH
    ))
}

/// What the sleep timer does when it runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimerAction {
    Pause,
    /// Pause and let the sensors rest until the next Play.
    Stop,
    /// Pause, then ask logind to suspend the machine.
    Suspend,
}

impl TimerAction {
    /// `pause`, `stop` or `suspend` (nothing else: an empty action is a client's mistake).
    pub fn parse(s: &str) -> Result<TimerAction, String> {
        match s {
            "pause" => Ok(TimerAction::Pause),
            "stop" => Ok(TimerAction::Stop),
            "suspend" => Ok(TimerAction::Suspend),
            other => Err(format!(
                "timer action {}: use \"pause\", \"stop\" or \"suspend\"",
                crate::quoted::Quoted(other)
            )),
        }
    }
}

/// A sleep timer's fade on its own (the config's default fade): 0 s to 7 days.
pub fn timer_fade(seconds: f64) -> Result<f64, String> {
    if seconds.is_finite() && (0.0..=TIMER_MAX_S).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(format!("a fade of {seconds} s: use 0 s to 7 days"))
    }
}

/// A sleep timer of `seconds` with a `fade`: the fade is cut to the timer's length.
pub fn sleep_timer(seconds: f64, fade: f64) -> Result<(f64, f64), String> {
    let ok = |v: f64| v.is_finite() && (0.0..=TIMER_MAX_S).contains(&v);
    if ok(seconds) && ok(fade) && seconds >= TIMER_MIN_S {
        Ok((seconds, fade.min(seconds)))
    } else {
        Err(format!(
            "timer of {seconds} s with a {fade} s fade: use 1 s to 7 days"
        ))
    }
}

/// Longest output device name taken (PipeWire and PulseAudio names run to ~100 bytes).
pub const DEVICE_NAME_MAX: usize = 512;

/// An output device name as given (config, D-Bus): trimmed; "" is the default device.
/// Control characters and over-long names are refused, not cut.
pub fn device_name(name: &str) -> Result<String, String> {
    if !name.is_empty() && name.trim().is_empty() {
        // Blank is not "": a client that sent spaces meant some device, not the default.
        return Err("an output device name of only spaces: give \"\" for the default".into());
    }
    let name = name.trim();
    if name.len() > DEVICE_NAME_MAX {
        return Err(format!(
            "output device name of {} bytes: at most {DEVICE_NAME_MAX}",
            name.len()
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(format!(
            "output device name {name:?} holds control characters"
        ));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names_are_trimmed_and_bad_ones_refused() {
        assert_eq!(device_name("  sinkB ").unwrap(), "sinkB");
        assert_eq!(device_name("").unwrap(), "");
        assert!(device_name(" ").is_err(), "spaces are not the default");
        assert!(device_name("a\nb").is_err());
        assert!(device_name(&"x".repeat(DEVICE_NAME_MAX + 1)).is_err());
    }

    #[test]
    fn volume_refuses_what_is_out_and_reads_minus_zero_as_zero() {
        assert_eq!(volume(-0.0).unwrap().to_string(), "0");
        assert_eq!(volume(1.0), Ok(1.0));
        for bad in [1.5, -0.1, f64::NAN, f64::INFINITY] {
            assert!(volume(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn workout_targets() {
        assert_eq!(target_cadence(0.0), Ok(None));
        assert_eq!(target_cadence(180.0), Ok(Some(180.0)));
        assert!(
            target_cadence(400.0)
                .unwrap_err()
                .contains("target cadence 400")
        );
        assert_eq!(hr_zone(0.0, 0.0), Ok(None));
        assert_eq!(hr_zone(140.0, 160.0), Ok(Some((140.0, 160.0))));
        assert!(hr_zone(160.0, 150.0).is_err());
        assert!(hr_zone(140.0, 142.0).is_err());
        assert!(hr_ceiling(f64::NAN).is_err());
    }

    #[test]
    fn timer_action_and_length() {
        assert_eq!(TimerAction::parse("stop"), Ok(TimerAction::Stop));
        assert_eq!(TimerAction::parse("suspend"), Ok(TimerAction::Suspend));
        assert!(TimerAction::parse("").is_err());
        assert!(TimerAction::parse("Pause").is_err());
        assert_eq!(sleep_timer(2.0, 5.0), Ok((2.0, 2.0)));
        assert!(sleep_timer(0.5, 0.0).is_err());
        assert!(sleep_timer(f64::INFINITY, 0.0).is_err());
    }
}
