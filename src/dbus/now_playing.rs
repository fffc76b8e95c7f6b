//! The `Now` property (`a{sv}`): what the music is doing in the bar playing.

use std::collections::HashMap;
use zbus::zvariant::{OwnedValue, Value};

/// Section, key, chord and voices of the bar playing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NowPlaying {
    /// "intro", "verse", …
    pub section: String,
    /// Counted from the preset's start.
    pub section_number: u32,
    /// "D dorian"
    pub key: String,
    /// "Am7"
    pub chord: String,
    pub voices: Vec<String>,
    /// Bars counted from the preset's start.
    pub bar: u64,
}

const SECTION: &str = "section";
const SECTION_NUMBER: &str = "section_number";
const KEY: &str = "key";
const CHORD: &str = "chord";
const VOICES: &str = "voices";
const BAR: &str = "bar";

impl NowPlaying {
    /// The property's map (empty for `None`: before the first bar has played).
    pub fn to_map(now: Option<&NowPlaying>) -> HashMap<String, OwnedValue> {
        let Some(n) = now else {
            return HashMap::new();
        };
        let owned = |v: Value<'_>| v.try_to_owned().expect("plain values convert");
        [
            (SECTION, owned(Value::from(n.section.as_str()))),
            (SECTION_NUMBER, owned(Value::from(n.section_number))),
            (KEY, owned(Value::from(n.key.as_str()))),
            (CHORD, owned(Value::from(n.chord.as_str()))),
            (VOICES, owned(Value::from(n.voices.clone()))),
            (BAR, owned(Value::from(n.bar))),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Read the property's map; `None` when it is empty.
    pub fn from_map(map: &HashMap<String, OwnedValue>) -> Option<NowPlaying> {
        if map.is_empty() {
            return None;
        }
        let text = |k: &str| {
            map.get(k)
                .and_then(|v| String::try_from(v.clone()).ok())
                .unwrap_or_default()
        };
        Some(NowPlaying {
            section: text(SECTION),
            section_number: map
                .get(SECTION_NUMBER)
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(0),
            key: text(KEY),
            chord: text(CHORD),
            voices: map
                .get(VOICES)
                .and_then(|v| Vec::<String>::try_from(v.clone()).ok())
                .unwrap_or_default(),
            bar: map
                .get(BAR)
                .and_then(|v| u64::try_from(v).ok())
                .unwrap_or(0),
        })
    }

    /// "verse 2 · D dorian · Am7".
    pub fn line(&self) -> String {
        format!(
            "{} {} · {} · {}",
            self.section, self.section_number, self.key, self.chord
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_map() {
        let n = NowPlaying {
            section: "verse".into(),
            section_number: 3,
            key: "D dorian".into(),
            chord: "Am7".into(),
            voices: vec!["pad".into(), "bass".into()],
            bar: 41,
        };
        let map = NowPlaying::to_map(Some(&n));
        assert_eq!(NowPlaying::from_map(&map), Some(n));
        assert_eq!(NowPlaying::from_map(&NowPlaying::to_map(None)), None);
    }
}
