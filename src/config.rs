//! The daemon's configuration: `$XDG_CONFIG_HOME/attuned/config.toml`.
//!
//! Every key is optional (defaults below, documented in `attuned.example.toml`); unknown keys
//! and bad values are errors naming `file:line:column`. The config holds what the user sets
//! by hand; what the daemon changes as it runs (preset, volume, timer) lives in the state.

use crate::duration::parse_duration;
use crate::features::ListenerProfile;
use crate::preset::valid_name;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// A config file that cannot be used: `file:line:column: message`, as a preset says it.
pub type ConfigError = crate::preset::FileError;

/// Which audio host to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioHost {
    /// PipeWire's native host where a PipeWire server runs, else PulseAudio's (pipewire-pulse
    /// serves it too), ALSA as the last resort.
    #[default]
    Auto,
    PipeWire,
    PulseAudio,
    Alsa,
}

/// Audio output settings.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioConfig {
    pub host: AudioHost,
    /// Device buffer in milliseconds: large means few wake-ups (battery), small means a
    /// quicker response to commands. Controls are smoothed, so large is fine.
    pub buffer_ms: u32,
    /// The output device to play on (the host's device name; `None`: the default). Until the
    /// listener picks one over D-Bus, which the state then remembers.
    pub device: Option<String>,
}

/// One entry of the time-of-day schedule: switch to `preset` at `minute` after midnight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleEntry {
    pub minute: u32,
    pub preset: String,
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Preset at first start (afterwards the state remembers the last one).
    pub preset: String,
    /// Volume at first start, 0..1.
    pub volume: f64,
    /// A control model of the user's; `None` uses the built-in one.
    pub model: Option<PathBuf>,
    pub audio: AudioConfig,
    pub listener: ListenerProfile,
    /// Default fade of the sleep timer.
    pub sleep_fade: Duration,
    /// Keep the machine from idling (screen blank, idle suspend) while music plays, with a
    /// logind idle inhibitor. Off unless asked for: never a sleep inhibitor.
    pub inhibit_idle: bool,
    pub schedule: Vec<ScheduleEntry>,
    /// Workout steering, heart-rate ceiling and pod latency.
    pub workout: crate::workout::WorkoutSettings,
    /// Which MIDI input port to play along from.
    pub midi: crate::midi::PortChoice,
    /// The depth of the focus modulation in the presets that have it (`[focus]
    /// modulation_depth`); `None`: each preset's own.
    pub modulation_depth: Option<f64>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            preset: "focus".into(),
            volume: 0.8,
            model: None,
            audio: AudioConfig {
                host: AudioHost::Auto,
                buffer_ms: 200,
                device: None,
            },
            listener: ListenerProfile::default(),
            sleep_fade: Duration::from_secs(600),
            inhibit_idle: false,
            schedule: Vec::new(),
            workout: crate::workout::WorkoutSettings {
                sensor_latency_s: DEFAULT_SENSOR_LATENCY_MS as f64 / 1000.0,
                ..Default::default()
            },
            midi: crate::midi::PortChoice::Auto,
            modulation_depth: None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    preset: Option<Spanned<String>>,
    volume: Option<Spanned<f32>>,
    model: Option<PathBuf>,
    #[serde(default)]
    audio: RawAudio,
    #[serde(default)]
    listener: RawListener,
    sleep_fade: Option<Spanned<String>>,
    inhibit_idle: Option<bool>,
    #[serde(default)]
    schedule: Vec<Spanned<String>>,
    #[serde(default)]
    workout: RawWorkout,
    #[serde(default)]
    midi: RawMidi,
    #[serde(default)]
    focus: RawFocus,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFocus {
    modulation_depth: Option<Spanned<f64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawMidi {
    input: Option<Spanned<String>>,
}

/// A foot pod's notification arrives about half a BLE connection interval after the
/// footfall it follows (intervals of 15–30 ms are usual for pods).
pub const DEFAULT_SENSOR_LATENCY_MS: f32 = 10.0;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawWorkout {
    target_cadence: Option<Spanned<f32>>,
    hr_zone: Option<Spanned<[f32; 2]>>,
    hr_ceiling: Option<Spanned<f32>>,
    sensor_latency_ms: Option<Spanned<f32>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAudio {
    host: Option<AudioHost>,
    buffer_ms: Option<Spanned<u32>>,
    device: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawListener {
    resting_hr: Option<Spanned<f32>>,
    max_hr: Option<Spanned<f32>>,
    latitude: Option<Spanned<f64>>,
    longitude: Option<Spanned<f64>>,
}

impl Config {
    /// The default location: `$XDG_CONFIG_HOME/attuned/config.toml`.
    pub fn default_path() -> Option<PathBuf> {
        directories::BaseDirs::new().map(|d| d.config_dir().join("attuned/config.toml"))
    }

    /// Load `path`; a missing file gives the defaults.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        match crate::input_file::read_to_string(path, crate::input_file::TEXT_LIMIT) {
            Ok(text) => Config::parse(&path.display().to_string(), &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(ConfigError::Io {
                file: path.display().to_string(),
                source,
            }),
        }
    }

    /// Parse config text; `file` names it in errors.
    pub fn parse(file: &str, src: &str) -> Result<Config, ConfigError> {
        let invalid = |span: std::ops::Range<usize>, message: String| {
            ConfigError::at(file, src, span, message)
        };
        let raw: RawConfig = toml::from_str(src)
            .map_err(|e| invalid(e.span().unwrap_or(0..0), e.message().to_string()))?;
        let mut c = Config::default();
        if let Some(p) = raw.preset {
            if !valid_name(p.get_ref()) {
                return Err(invalid(
                    p.span(),
                    format!("invalid preset name {}", crate::quoted::Quoted(p.get_ref())),
                ));
            }
            c.preset = p.into_inner();
        }
        let ranged = |v: &Spanned<f32>, lo: f32, hi: f32, what: &str| {
            let x = *v.get_ref();
            if x.is_finite() && (lo..=hi).contains(&x) {
                Ok(x)
            } else {
                Err(invalid(
                    v.span(),
                    format!("{what} {x} is outside {lo}..={hi}"),
                ))
            }
        };
        if let Some(v) = &raw.volume {
            c.volume =
                crate::limits::volume(*v.get_ref() as f64).map_err(|e| invalid(v.span(), e))?;
        }
        if let Some(v) = &raw.focus.modulation_depth {
            c.modulation_depth = Some(
                crate::limits::modulation_depth(*v.get_ref()).map_err(|e| invalid(v.span(), e))?,
            );
        }
        c.model = raw.model;
        if let Some(h) = raw.audio.host {
            c.audio.host = h;
        }
        if let Some(b) = &raw.audio.buffer_ms {
            let ms = *b.get_ref();
            if !(10..=2000).contains(&ms) {
                return Err(invalid(
                    b.span(),
                    format!("buffer_ms {ms} is outside 10..=2000"),
                ));
            }
            c.audio.buffer_ms = ms;
        }
        if let Some(d) = &raw.audio.device {
            let name = crate::limits::device_name(d.get_ref()).map_err(|e| invalid(d.span(), e))?;
            c.audio.device = (!name.is_empty()).then_some(name);
        }
        if let Some(v) = &raw.listener.resting_hr {
            c.listener.resting_hr = ranged(v, 30.0, 120.0, "resting_hr")?;
        }
        if let Some(v) = &raw.listener.max_hr {
            c.listener.max_hr = ranged(v, 100.0, 230.0, "max_hr")?;
        }
        if c.listener.max_hr <= c.listener.resting_hr + 20.0 {
            let span = raw.listener.max_hr.as_ref().map_or(0..0, |v| v.span());
            return Err(invalid(span, "max_hr must be well above resting_hr".into()));
        }
        let degrees = |v: &Spanned<f64>, limit: f64, what: &str| {
            let x = *v.get_ref();
            if x.is_finite() && x.abs() <= limit {
                Ok(x)
            } else {
                Err(invalid(v.span(), format!("{what} {x} is outside ±{limit}")))
            }
        };
        if let Some(v) = &raw.listener.latitude {
            c.listener.latitude = degrees(v, 90.0, "latitude")?;
        }
        if let Some(v) = &raw.listener.longitude {
            c.listener.longitude = degrees(v, 180.0, "longitude")?;
        }
        if let Some(f) = &raw.sleep_fade {
            // Through the timer's own gate: a fade of 9999 h was taken here and then broke
            // every timer set over the bus ("timer of 2700 s with a 35996400 s fade").
            let fade = parse_duration(f.get_ref()).map_err(|e| invalid(f.span(), e.to_string()))?;
            crate::limits::timer_fade(fade.as_secs_f64())
                .map_err(|e| invalid(f.span(), format!("sleep_fade: {e}")))?;
            c.sleep_fade = fade;
        }
        if let Some(on) = raw.inhibit_idle {
            c.inhibit_idle = on;
        }
        for entry in &raw.schedule {
            c.schedule
                .push(parse_schedule_entry(entry.get_ref()).map_err(|e| invalid(entry.span(), e))?);
        }
        c.schedule.sort_by_key(|e| e.minute);
        if let Some(v) = &raw.midi.input {
            if v.get_ref().trim().is_empty() {
                return Err(invalid(
                    v.span(),
                    "midi input: \"auto\", \"off\" or (part of) a port's name".into(),
                ));
            }
            c.midi = crate::midi::PortChoice::parse(v.get_ref());
        }
        let w = &raw.workout;
        // 0 is "none" on D-Bus and the command line; in the file, leave the key out.
        let nonzero = |v: &Spanned<f32>, what: &str| {
            if *v.get_ref() == 0.0 {
                Err(invalid(
                    v.span(),
                    format!("{what} 0: leave it out for none"),
                ))
            } else {
                Ok(*v.get_ref() as f64)
            }
        };
        if let Some(v) = &w.target_cadence {
            c.workout.target_cadence = crate::limits::target_cadence(nonzero(v, "target_cadence")?)
                .map_err(|e| invalid(v.span(), format!("target_cadence: {e}")))?;
        }
        if let Some(v) = &w.hr_ceiling {
            c.workout.hr_ceiling = crate::limits::hr_ceiling(nonzero(v, "hr_ceiling")?)
                .map_err(|e| invalid(v.span(), format!("hr_ceiling: {e}")))?;
        }
        if let Some(v) = &w.sensor_latency_ms {
            c.workout.sensor_latency_s =
                ranged(v, 0.0, 500.0, "sensor_latency_ms")? as f64 / 1000.0;
        }
        if let Some(z) = &w.hr_zone {
            let [lo, hi] = *z.get_ref();
            if lo == 0.0 && hi == 0.0 {
                return Err(invalid(
                    z.span(),
                    "hr_zone [0, 0]: leave it out for none".into(),
                ));
            }
            c.workout.hr_zone = crate::limits::hr_zone(lo as f64, hi as f64)
                .map_err(|e| invalid(z.span(), format!("hr_zone: {e}")))?;
        }
        Ok(c)
    }
}

/// The schedule entry to apply when the clock moved from minute `last` to `now` (minutes after
/// midnight): the latest entry in `(last, now]`, wrapping past midnight, so a minute missed
/// while the machine slept is caught up. `None` on the first look (`last` unknown: the
/// restored state rules at start) and when the minute has not changed.
pub fn schedule_due(
    schedule: &[ScheduleEntry],
    last: Option<u32>,
    now: u32,
) -> Option<&ScheduleEntry> {
    let last = last?;
    if last == now {
        return None;
    }
    // Minutes since `last`, 1..=1440, for each entry; the due one is the largest within reach.
    let after_last = |m: u32| (m + 1440 - last - 1) % 1440 + 1;
    let reach = after_last(now);
    schedule
        .iter()
        .filter(|e| after_last(e.minute) <= reach)
        .max_by_key(|e| after_last(e.minute))
}

/// Parse `"HH:MM preset"`.
pub fn parse_schedule_entry(s: &str) -> Result<ScheduleEntry, String> {
    let usage = || format!("schedule entry `{s}`: use \"HH:MM preset\"");
    let (time, preset) = s.trim().split_once(char::is_whitespace).ok_or_else(usage)?;
    let (h, m) = time.split_once(':').ok_or_else(usage)?;
    let (h, m): (u32, u32) = (
        h.parse().map_err(|_| usage())?,
        m.parse().map_err(|_| usage())?,
    );
    let preset = preset.trim();
    if h > 23 || m > 59 || !valid_name(preset) {
        return Err(usage());
    }
    Ok(ScheduleEntry {
        minute: h * 60 + m,
        preset: preset.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audio_host_and_device() {
        let c = Config::parse(
            "c.toml",
            "[audio]\nhost = \"pipewire\"\ndevice = \" sinkB \"\n",
        )
        .unwrap();
        assert_eq!(c.audio.host, AudioHost::PipeWire);
        assert_eq!(c.audio.device.as_deref(), Some("sinkB"));
        let c = Config::parse("c.toml", "[audio]\ndevice = \"\"\n").unwrap();
        assert_eq!(c.audio.device, None);
        let e = Config::parse("c.toml", "[audio]\ndevice = \"a\\u0007b\"\n").unwrap_err();
        assert!(e.to_string().contains("c.toml:2:"), "{e}");
        let e = Config::parse("c.toml", "[audio]\nhost = \"jack\"\n").unwrap_err();
        assert!(e.to_string().contains("c.toml:2:"), "{e}");
    }

    #[test]
    fn defaults_and_values() {
        let c = Config::parse("c.toml", "").unwrap();
        assert_eq!(c, Config::default());
        let c = Config::parse(
            "c.toml",
            "preset = \"sleep\"\nvolume = 0.5\nschedule = [\"22:30 sleep\", \"07:00 focus\"]\n[audio]\nbuffer_ms = 120\n",
        )
        .unwrap();
        assert_eq!(c.preset, "sleep");
        assert_eq!(c.audio.buffer_ms, 120);
        assert_eq!(
            c.schedule[0],
            ScheduleEntry {
                minute: 420,
                preset: "focus".into()
            }
        );
    }

    #[test]
    fn schedule_is_followed_across_minutes_gaps_and_midnight() {
        let s: Vec<ScheduleEntry> = ["07:00 focus", "18:30 relax", "22:30 sleep"]
            .iter()
            .map(|e| parse_schedule_entry(e).unwrap())
            .collect();
        let at = |h: u32, m: u32| h * 60 + m;
        let due =
            |last: Option<u32>, now: u32| schedule_due(&s, last, now).map(|e| e.preset.as_str());
        assert_eq!(due(None, at(7, 0)), None, "not at start");
        assert_eq!(due(Some(at(6, 59)), at(7, 0)), Some("focus"));
        assert_eq!(due(Some(at(7, 0)), at(7, 0)), None);
        assert_eq!(due(Some(at(7, 0)), at(7, 1)), None);
        // Asleep from 17:00 to 23:10: the latest entry passed is the one to apply.
        assert_eq!(due(Some(at(17, 0)), at(23, 10)), Some("sleep"));
        // Across midnight: 23:50 → 07:05 passes only 07:00.
        assert_eq!(due(Some(at(23, 50)), at(7, 5)), Some("focus"));
        assert_eq!(due(Some(at(23, 50)), at(0, 5)), None);
    }

    #[test]
    fn errors_name_file_line_column() {
        let e = Config::parse("c.toml", "volume = 0.5\ncolour = 1\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("c.toml:2:1: unknown field `colour`"),
            "{e}"
        );
        let e = Config::parse("c.toml", "volume = 1.5\n").unwrap_err();
        assert_eq!(e.to_string(), "c.toml:1:10: volume 1.5 is outside 0..1");
        // The fade passes the timer's own gate (9999 h was taken, then broke every timer).
        let e = Config::parse("c.toml", "sleep_fade = \"9999h\"\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.toml:1:14: sleep_fade: a fade of 35996400 s: use 0 s to 7 days"
        );
        assert!(Config::parse("c.toml", "sleep_fade = \"168h\"\n").is_ok());
        let e = Config::parse("c.toml", "schedule = [\"25:00 sleep\"]\n").unwrap_err();
        assert!(
            e.to_string().starts_with("c.toml:1:13: schedule entry"),
            "{e}"
        );
        let e = Config::parse("c.toml", "preset = \"../etc\"\n").unwrap_err();
        assert!(e.to_string().contains("invalid preset name"), "{e}");
        let e = Config::parse("c.toml", "[workout]\nhr_zone = [160, 140]\n").unwrap_err();
        assert!(e.to_string().starts_with("c.toml:2:11: hr_zone"), "{e}");
        let e = Config::parse("c.toml", "[focus]\nmodulation_depth = 1.5\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("c.toml:2:20: modulation depth 1.5 is outside 0..1"),
            "{e}"
        );
        let c = Config::parse("c.toml", "[focus]\nmodulation_depth = 0.25\n").unwrap();
        assert_eq!(c.modulation_depth, Some(0.25));
        let e = Config::parse("c.toml", "[workout]\ntarget_cadence = 400\n").unwrap_err();
        assert!(
            e.to_string().starts_with("c.toml:2:18: target_cadence"),
            "{e}"
        );
    }

    #[test]
    fn workout_settings() {
        let c = Config::parse(
            "c.toml",
            "[workout]\ntarget_cadence = 175\nhr_zone = [140, 160]\nhr_ceiling = 178\nsensor_latency_ms = 20\n",
        )
        .unwrap();
        let w = c.workout;
        assert_eq!(w.target_cadence, Some(175.0));
        assert_eq!(w.hr_zone, Some((140.0, 160.0)));
        assert_eq!(w.hr_ceiling, Some(178.0));
        assert!((w.sensor_latency_s - 0.020).abs() < 1e-9);
        let d = Config::default().workout;
        assert_eq!((d.target_cadence, d.hr_ceiling), (None, None));
        assert!((d.sensor_latency_s - 0.010).abs() < 1e-9);
    }

    #[test]
    fn midi_input_choices_and_errors() {
        use crate::midi::PortChoice;
        let parse = |t: &str| super::Config::parse("c.toml", t);
        assert_eq!(parse("").unwrap().midi, PortChoice::Auto);
        assert_eq!(
            parse("[midi]\ninput = \"off\"").unwrap().midi,
            PortChoice::Off
        );
        assert_eq!(
            parse("[midi]\ninput = \"Keystation\"").unwrap().midi,
            PortChoice::Named("Keystation".into())
        );
        let e = parse("[midi]\ninput = \" \"").unwrap_err().to_string();
        assert!(e.starts_with("c.toml:2:9: midi input"), "{e}");
        let e = parse("[midi]\nport = 1").unwrap_err().to_string();
        assert!(e.starts_with("c.toml:2:1:") && e.contains("port"), "{e}");
    }
}

#[cfg(test)]
mod shipped {
    #[test]
    fn the_example_config_parses() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/attuned.example.toml");
        let c = super::Config::load(std::path::Path::new(path)).unwrap();
        assert_eq!(c.schedule.len(), 3);
        assert_eq!(c.listener.latitude, 48.1);
        assert_eq!(c.midi, crate::midi::PortChoice::Auto);
    }
}
