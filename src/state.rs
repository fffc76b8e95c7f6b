//! What the daemon remembers between runs (preset, volume, playing, paired sensors), in
//! `$XDG_STATE_HOME/attuned/state.json`.
//!
//! Written atomically (a temporary file in the same directory, synced, then renamed over
//! the old one), so a crash or power cut leaves either the old state or the new one. A
//! missing file gives the defaults; one that is not a JSON object (truncated, corrupt) is
//! reported, set aside as `state.json.corrupt`, and the defaults are used: never a crash.
//! In an object each field stands alone: a bad one (hand-edited, from another version)
//! costs that field, with a log line naming it, not the preset, volume, sensors and mix
//! beside it; a byte-order mark before it is skipped. Restored values pass the same
//! checks as the bus's.

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::sensor::PairedSensor;

/// A running sleep timer, by the wall clock, so it survives a restart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SavedTimer {
    /// When it ends, seconds since the Unix epoch.
    pub ends_unix_s: f64,
    pub fade_s: f64,
    pub action: crate::limits::TimerAction,
}

/// The persistent state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    pub preset: Option<String>,
    pub volume: Option<f64>,
    pub playing: bool,
    pub sensors: Vec<PairedSensor>,
    /// The sleep timer running when this was saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timer: Option<SavedTimer>,
    /// The last sleep or relax session's summary (`attunectl session`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_session: Option<crate::features::session_summary::SessionSummary>,
    /// The listener's mix of each preset (layer levels other than 1).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub mix: std::collections::BTreeMap<String, crate::preset::layers::MixLevels>,
    /// The listener's depth of the focus modulation (none: each preset's own).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modulation_depth: Option<f64>,
    /// The output device picked over D-Bus ("": the default; none: the config's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_device: Option<String>,
}

impl Default for State {
    fn default() -> Self {
        State {
            preset: None,
            volume: None,
            playing: true,
            sensors: Vec::new(),
            timer: None,
            last_session: None,
            mix: Default::default(),
            modulation_depth: None,
            output_device: None,
        }
    }
}

/// How loading went, for the log and the D-Bus status.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded {
    Fresh,
    Restored,
    /// The file was unreadable or corrupt: why, and where it was moved.
    Corrupt(String),
}

impl State {
    /// The default location: `$XDG_STATE_HOME/attuned/state.json`.
    pub fn default_path() -> Option<PathBuf> {
        directories::BaseDirs::new().map(|d| {
            d.state_dir()
                .unwrap_or_else(|| d.data_local_dir())
                .join("attuned/state.json")
        })
    }

    /// Load the state at `path` (see the module docs for what happens to a bad file).
    pub fn load(path: &Path) -> (State, Loaded) {
        let text = match crate::input_file::read(path, crate::input_file::TEXT_LIMIT) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return (State::default(), Loaded::Fresh);
            }
            Err(e) => {
                let why = format!("{}: {e}", path.display());
                tracing::warn!("{why}; starting from defaults");
                return (State::default(), Loaded::Corrupt(why));
            }
        };
        // An editor's UTF-8 byte-order mark is no reason to forget everything.
        let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&text);
        match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(text) {
            Ok(fields) => (
                State::from_fields(fields, path).sanitized(),
                Loaded::Restored,
            ),
            Err(e) => {
                let aside = path.with_extension("json.corrupt");
                let _ = std::fs::rename(path, &aside);
                let why = format!(
                    "{}: corrupt state ({e}); moved to {} and starting from defaults",
                    path.display(),
                    aside.display()
                );
                tracing::warn!("{why}");
                (State::default(), Loaded::Corrupt(why))
            }
        }
    }

    /// The state from a JSON object a field at a time: a field that does not read as its
    /// type is left at its default, and said so once.
    fn from_fields(fields: serde_json::Map<String, serde_json::Value>, path: &Path) -> State {
        let mut object = serde_json::Map::new();
        for (name, value) in fields {
            let mut one = serde_json::Map::new();
            one.insert(name.clone(), value);
            let one = serde_json::Value::Object(one);
            match serde_json::from_value::<State>(one.clone()) {
                Ok(_) => {
                    if let serde_json::Value::Object(m) = one {
                        object.extend(m);
                    }
                }
                Err(e) => tracing::warn!(
                    "{}: `{name}` forgotten, the rest restored ({e})",
                    path.display()
                ),
            }
        }
        serde_json::from_value(serde_json::Value::Object(object)).unwrap_or_default()
    }

    fn sanitized(mut self) -> State {
        self.volume = self
            .volume
            .filter(|v| v.is_finite())
            .map(|v| v.clamp(0.0, 1.0));
        self.preset = self.preset.filter(|p| crate::preset::valid_name(p));
        // The bus's own check (length, control characters).
        self.output_device = self
            .output_device
            .and_then(|d| crate::limits::device_name(&d).ok());
        // A hand-edited depth that is not a number is forgotten; out of range, clamped.
        self.modulation_depth = self
            .modulation_depth
            .filter(|d| d.is_finite())
            .map(|d| d.clamp(0.0, 1.0));
        // A hand-edited level that is not a number, or out of range, is the balance or
        // the nearest level.
        for mix in self.mix.values_mut() {
            for level in mix.values_mut() {
                *level = if level.is_finite() {
                    level.clamp(0.0, 2.0)
                } else {
                    1.0
                };
            }
        }
        self
    }

    /// The temporary file a save by this process writes before renaming it over `path`.
    fn temp_path(path: &Path) -> PathBuf {
        let dir = path.parent().unwrap_or(Path::new("."));
        dir.join(format!(
            ".{}.{}.tmp",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("state"),
            std::process::id()
        ))
    }

    /// Write the state to `path` atomically.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let tmp = State::temp_path(path);
        let result = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?)?;
            f.write_all(b"\n")?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)?;
            // Make the rename itself durable.
            std::fs::File::open(dir)?.sync_all()
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

/// Remove temporary files that saves killed mid-write left next to `path` (call at start,
/// before this process saves anything).
pub fn clean_stale_temps(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{name}.");
    for e in entries.flatten() {
        let file = e.file_name();
        let Some(f) = file.to_str() else { continue };
        let pid = f.strip_prefix(&prefix).and_then(|r| r.strip_suffix(".tmp"));
        if pid.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
            match std::fs::remove_file(e.path()) {
                Ok(()) => tracing::info!("removed {f}, left by a save that was cut short"),
                Err(err) => tracing::warn!("{}: {err}", e.path().display()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("attuned-state-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn round_trip_and_fresh() {
        let d = dir("rt");
        let path = d.join("attuned/state.json");
        assert_eq!(State::load(&path), (State::default(), Loaded::Fresh));
        let s = State {
            preset: Some("sleep".into()),
            volume: Some(0.3),
            playing: false,
            sensors: vec![PairedSensor {
                address: "AA:BB".into(),
                name: "Strap".into(),
            }],
            timer: Some(SavedTimer {
                ends_unix_s: 1.8e9,
                fade_s: 600.0,
                action: crate::limits::TimerAction::Stop,
            }),
            last_session: Some(crate::features::session_summary::SessionSummary {
                preset: "sleep".into(),
                ended_by: "timer".into(),
                ended_unix_s: 1.8e9,
                minutes: 42.5,
                // An f32 estimate widened to f64 (as the daemon stores them): read back bit
                // for bit, or a restart changes the summary (seen in CI with 12.012247…289).
                start_breathing: Some(f64::from(12.012_247_f32)),
                end_breathing: Some(7.4),
                start_heart_rate: Some(66.0),
                end_heart_rate: None,
                start_rmssd_ms: Some(31.0),
                end_rmssd_ms: Some(52.0),
                minutes_to_slow_breathing: Some(27.5),
            }),
            mix: [(
                "rain".to_owned(),
                [("rain".to_owned(), 0.25), ("beat".to_owned(), 0.0)].into(),
            )]
            .into(),
            modulation_depth: Some(0.35),
            output_device: Some("sinkB".into()),
        };
        s.save(&path).unwrap();
        assert_eq!(State::load(&path), (s, Loaded::Restored));
        // No temporary files left behind.
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn stale_temporary_files_are_cleaned() {
        let d = dir("stale");
        let path = d.join("state.json");
        std::fs::create_dir_all(&d).unwrap();
        for f in [
            ".state.json.123.tmp",
            ".state.json.9.tmp",
            "keep.tmp",
            ".state.json.x.tmp",
        ] {
            std::fs::write(d.join(f), "{").unwrap();
        }
        State::default().save(&path).unwrap();
        clean_stale_temps(&path);
        let mut left: Vec<String> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, [".state.json.x.tmp", "keep.tmp", "state.json"]);
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn truncated_or_hostile_state_is_set_aside() {
        let d = dir("bad");
        let path = d.join("state.json");
        std::fs::create_dir_all(&d).unwrap();
        let good = serde_json::to_string(&State::default()).unwrap();
        std::fs::write(&path, &good[..good.len() / 2]).unwrap();
        let (s, how) = State::load(&path);
        assert_eq!(s, State::default());
        assert!(
            matches!(how, Loaded::Corrupt(ref m) if m.contains("corrupt state")),
            "{how:?}"
        );
        assert!(d.join("state.json.corrupt").exists());
        // Parsable but out of range: sanitised, not trusted.
        std::fs::write(
            &path,
            r#"{"preset":"../../etc/passwd","volume":7.0,"modulation_depth":3.0}"#,
        )
        .unwrap();
        let (s, _) = State::load(&path);
        assert_eq!(
            (s.preset, s.volume, s.modulation_depth),
            (None, Some(1.0), Some(1.0))
        );
        // One bad field costs that field (it had cost the whole file), a byte-order mark
        // nothing; a restored output device passes the bus's check.
        std::fs::write(
            &path,
            "\u{feff}{\"preset\":\"relax\",\"volume\":\"loud\",\"playing\":false,\
             \"mix\":{\"rain\":{\"rain\":0.5}},\"output_device\":\"a\\u0007b\"}",
        )
        .unwrap();
        let (s, how) = State::load(&path);
        assert_eq!(how, Loaded::Restored);
        assert_eq!(
            (s.preset.as_deref(), s.volume, s.playing, s.output_device),
            (Some("relax"), None, false, None)
        );
        assert_eq!(s.mix["rain"].get("rain"), Some(&0.5), "{:?}", s.mix);
        std::fs::remove_dir_all(d).unwrap();
    }
}
