//! Presets: TOML files that give a soundscape its key, rhythm, voices and the way
//! controls move its parameters. Unknown keys are errors; every error names
//! `file:line:column`. User presets in `$XDG_DATA_HOME/attuned/presets/` override the
//! built-in ones by name.

use super::error::{FileError, PresetError};
use super::layers::Layer;
use super::params::{Param, ParamSpec, ParamTable};
use crate::controls::{Control, ControlValues};
use crate::music::scale::{Scale, ScaleKind, Tuning};
use crate::preset::character::{Character, HarmonyFile};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

/// Built-in presets, shipped inside the binary.
pub const BUILTIN: &[(&str, &str)] = &[
    ("sleep", include_str!("../../presets/sleep.toml")),
    ("focus", include_str!("../../presets/focus.toml")),
    ("relax", include_str!("../../presets/relax.toml")),
    ("workout", include_str!("../../presets/workout.toml")),
    ("rain", include_str!("../../presets/rain.toml")),
    ("breathe", include_str!("../../presets/breathe.toml")),
    ("orchestral", include_str!("../../presets/orchestral.toml")),
    ("deep-focus", include_str!("../../presets/deep-focus.toml")),
    ("piano", include_str!("../../presets/piano.toml")),
    ("ocean", include_str!("../../presets/ocean.toml")),
    ("forest", include_str!("../../presets/forest.toml")),
    ("night", include_str!("../../presets/night.toml")),
];

/// The mode a preset is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Sleep,
    Focus,
    Relax,
    Workout,
}

/// The percussion a preset uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PulseKind {
    /// No beat at all.
    #[default]
    None,
    /// A soft low thump on strong beats.
    Kick,
    /// A soft shaker tick on every beat and off-beats at high energy.
    Tick,
}

/// Colour of the noise bed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoiseColor {
    #[default]
    Pink,
    Brown,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetFile {
    name: Spanned<String>,
    title: String,
    #[serde(default)]
    description: String,
    mode: Mode,
    level_db: Option<Spanned<f32>>,
    /// The swell follows breathing and leads it slower (default: sleep and relax).
    breath_lead: Option<bool>,
    /// Who writes the melody's new phrases.
    #[serde(default)]
    composer: Composer,
    key: KeyFile,
    #[serde(default)]
    rhythm: RhythmFile,
    #[serde(default)]
    harmony: HarmonyFile,
    #[serde(default)]
    melody: MelodyFile,
    #[serde(default)]
    noise: NoiseFile,
    /// Generated nature layers and their levels.
    #[serde(default)]
    nature: super::nature::NatureFile,
    /// The instruments of the chords and the melody.
    voices: Option<Spanned<super::instruments::Instruments>>,
    #[serde(default)]
    controls: BTreeMap<Spanned<String>, Spanned<f32>>,
    #[serde(default)]
    params: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<ParamSpec>>>,
    diagnostic: Option<DiagnosticFile>,
    amplitude_modulation: Option<super::modulation::AmFile>,
}

/// `[diagnostic] tone_hz = 441.7`: replace the music by a steady sine, so that any drop,
/// repeat or click in the live path shows in a recording (tests, and users checking their
/// audio setup).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiagnosticFile {
    tone_hz: Spanned<f32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    root: Spanned<i32>,
    scale: ScaleKind,
    #[serde(default)]
    tuning: Tuning,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RhythmFile {
    #[serde(default = "four")]
    beats_per_bar: Spanned<u32>,
    #[serde(default)]
    pulse: PulseKind,
    /// The beat follows the listener's cadence within this tempo range (bpm).
    follow: Option<Spanned<[f32; 2]>>,
}
fn four() -> Spanned<u32> {
    Spanned::new(0..0, 4)
}
impl Default for RhythmFile {
    fn default() -> Self {
        RhythmFile {
            beats_per_bar: four(),
            pulse: PulseKind::None,
            follow: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MelodyFile {
    #[serde(default = "melody_octave")]
    octave: Spanned<i32>,
    #[serde(default = "two")]
    phrase_bars: Spanned<u32>,
}
fn two() -> Spanned<u32> {
    Spanned::new(0..0, 2)
}
fn melody_octave() -> Spanned<i32> {
    Spanned::new(0..0, 1)
}
impl Default for MelodyFile {
    fn default() -> Self {
        MelodyFile {
            octave: melody_octave(),
            phrase_bars: two(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoiseFile {
    #[serde(default)]
    color: NoiseColor,
    #[serde(default)]
    rain: bool,
}

/// A validated preset, ready to build a graph from.
#[derive(Debug, Clone, PartialEq)]
pub struct Preset {
    pub name: String,
    pub title: String,
    pub description: String,
    pub mode: Mode,
    /// Loudness trim in dB, calibrated so the preset renders at −23 LUFS.
    pub level_db: f32,
    pub scale: Scale,
    pub beats_per_bar: u32,
    pub pulse: PulseKind,
    /// Harmonic rhythm, key travel and preferred moves.
    pub harmony: Character,
    /// Melody register in octaves above the root.
    pub melody_octave: i32,
    pub phrase_bars: u32,
    pub noise_color: NoiseColor,
    /// The nature layers and their levels.
    pub nature: super::nature::NatureMix,
    /// Who plays the chords and the melody (`[voices]`).
    pub voices: super::instruments::Instruments,
    /// Starting control values.
    pub controls: ControlValues,
    pub params: ParamTable,
    /// Amplitude modulation for focus (`[amplitude_modulation]`), off when `None`.
    pub am: Option<super::modulation::AmSetting>,
    /// A diagnostic preset: a steady sine at this frequency instead of music.
    pub tone_hz: Option<f32>,
    /// Workout presets: the beat follows cadence within this tempo range (bpm, low, high).
    pub follow_bpm: Option<(f32, f32)>,
    /// The swell follows the listener's breathing and leads it slower (`breath_lead`;
    /// by default in sleep and relax presets).
    pub breath_lead: bool,
    /// Who writes the melody's new phrases (`composer = "rules" | "learned" | "phrases"`).
    pub composer: Composer,
}

/// Who writes the melody's new phrases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Composer {
    /// The hand-written rules.
    Rules,
    /// The model trained on real melodies (`models/composer.md`); the rules if it cannot
    /// load. The default.
    #[default]
    Learned,
    /// The phrase model (`models/composer.md`, "The phrase model"): whole phrases with a
    /// memory, told the bar, the phrase and the chord; the first model, then the rules, if
    /// it cannot load. Chosen per preset or render until it beats the first on every figure.
    Phrases,
}

impl Preset {
    /// The voices the preset is known by: the ones it names, or its mode's.
    pub fn signature(&self) -> super::signature::Signature {
        self.voices
            .signature
            .unwrap_or(super::signature::Signature::of_mode(self.mode))
    }

    /// The layers this preset plays, in mix order: the chords and the melody always, the
    /// bass, beat and noise bed when it has them, and its nature layers.
    pub fn layers(&self) -> Vec<Layer> {
        let sounds = |p: Param| self.params.spec(p).bounds().1 > 0.0;
        Layer::ALL
            .iter()
            .copied()
            .filter(|&l| match l {
                Layer::Pad | Layer::Melody => true,
                Layer::Bass => sounds(Param::BassLevel),
                Layer::Beat => self.pulse != PulseKind::None && sounds(Param::PulseLevel),
                Layer::Noise => sounds(Param::NoiseLevel),
                Layer::Grains => sounds(Param::GrainsLevel),
                other => self.nature.level(other) > 0.0,
            })
            .collect()
    }

    /// Parse and validate a preset; `file` names it in error messages.
    pub fn parse(file: &str, src: &str) -> Result<Preset, PresetError> {
        let invalid = |span: std::ops::Range<usize>, message: String| {
            PresetError::from(FileError::at(file, src, span, message))
        };
        let raw: PresetFile = toml::from_str(src).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            invalid(span, e.message().to_string())
        })?;

        if !valid_name(raw.name.get_ref()) {
            return Err(invalid(
                raw.name.span(),
                format!(
                    "invalid preset name {}",
                    crate::quoted::Quoted(raw.name.get_ref())
                ),
            ));
        }
        let root = *raw.key.root.get_ref();
        if !(24..=84).contains(&root) {
            return Err(invalid(
                raw.key.root.span(),
                format!("root {root} is outside MIDI notes 24..=84"),
            ));
        }
        let level_db = raw.level_db.as_ref().map_or(0.0, |l| *l.get_ref());
        if let Some(l) = raw
            .level_db
            .as_ref()
            .filter(|_| !(-40.0..=20.0).contains(&level_db))
        {
            return Err(invalid(
                l.span(),
                format!("level_db {level_db} is outside -40..=20"),
            ));
        }
        let bpb = *raw.rhythm.beats_per_bar.get_ref();
        if !(2..=8).contains(&bpb) {
            return Err(invalid(
                raw.rhythm.beats_per_bar.span(),
                format!("beats_per_bar {bpb} is outside 2..=8"),
            ));
        }
        let follow_bpm = match &raw.rhythm.follow {
            Some(f) => {
                let [lo, hi] = *f.get_ref();
                if !(lo.is_finite()
                    && hi.is_finite()
                    && 40.0 <= lo
                    && lo * 1.9 <= hi
                    && hi <= 220.0)
                {
                    return Err(invalid(
                        f.span(),
                        format!(
                            "follow = [{lo}, {hi}]: use a range within 40..=220 bpm whose top is at least 1.9 × its bottom, so half or double time always fits"
                        ),
                    ));
                }
                Some((lo, hi))
            }
            None => None,
        };
        let scale = Scale {
            kind: raw.key.scale,
            root_midi: root,
            tuning: raw.key.tuning,
        };
        let harmony = raw.harmony.validate(scale.len(), &invalid)?;
        for (field, v) in [("phrase_bars", &raw.melody.phrase_bars)] {
            if !(1..=8).contains(v.get_ref()) {
                return Err(invalid(
                    v.span(),
                    format!("{field} {} is outside 1..=8", v.get_ref()),
                ));
            }
        }
        let octave = *raw.melody.octave.get_ref();
        if !(0..=3).contains(&octave) {
            return Err(invalid(
                raw.melody.octave.span(),
                format!("melody octave {octave} is outside 0..=3"),
            ));
        }

        let mut controls = ControlValues::default();
        for (name, value) in &raw.controls {
            let c: Control =
                name.get_ref()
                    .parse()
                    .map_err(|e: crate::controls::UnknownControl| {
                        invalid(name.span(), e.to_string())
                    })?;
            let v = *value.get_ref();
            if !(0.0..=1.0).contains(&v) {
                return Err(invalid(
                    value.span(),
                    format!("control {c} = {v} is outside 0..=1"),
                ));
            }
            controls.set(c, v);
        }

        let voices = raw
            .voices
            .as_ref()
            .map(|v| *v.get_ref())
            .unwrap_or_default();
        if let (Some(signature), Some(spanned)) = (voices.signature, &raw.voices) {
            signature
                .check(raw.mode, raw.rhythm.pulse)
                .map_err(|why| invalid(spanned.span(), why))?;
        }

        let mut params = ParamTable::default();
        for (group, entries) in &raw.params {
            for (name, spec) in entries {
                let id = format!("{}.{}", group.get_ref(), name.get_ref());
                let param = Param::from_id(&id).ok_or_else(|| {
                    let known: Vec<&str> = Param::ALL.iter().map(|p| p.id()).collect();
                    invalid(
                        name.span(),
                        format!("unknown parameter `{id}` (known: {})", known.join(", ")),
                    )
                })?;
                let (lo, hi) = spec.get_ref().bounds();
                let (min, max) = param.legal();
                if !(lo.is_finite() && hi.is_finite() && lo >= min && hi <= max) {
                    return Err(invalid(
                        spec.span(),
                        format!("`{id}` must stay within {min}..={max}"),
                    ));
                }
                if let ParamSpec::Mapped(m) = spec.get_ref()
                    && m.curve == super::params::Curve::Exp
                    && lo <= 0.0
                {
                    return Err(invalid(
                        spec.span(),
                        format!("`{id}`: an exp curve needs a range above 0"),
                    ));
                }
                params.set(param, *spec.get_ref());
            }
        }

        Ok(Preset {
            name: raw.name.into_inner(),
            title: raw.title,
            description: raw.description,
            mode: raw.mode,
            level_db,
            scale,
            beats_per_bar: bpb,
            pulse: raw.rhythm.pulse,
            follow_bpm,
            breath_lead: raw
                .breath_lead
                .unwrap_or(matches!(raw.mode, Mode::Sleep | Mode::Relax)),
            composer: raw.composer,
            harmony,
            melody_octave: octave,
            phrase_bars: *raw.melody.phrase_bars.get_ref(),
            voices,
            noise_color: raw.noise.color,
            nature: {
                let nature = raw.nature.validate(&invalid)?;
                // `[noise] rain = true`, from before the nature layers: rain on leaves.
                if raw.noise.rain && nature.level(Layer::Rain) == 0.0 {
                    nature.with(Layer::Rain, 1.0)
                } else {
                    nature
                }
            },
            controls,
            params,
            am: match &raw.amplitude_modulation {
                Some(a) => Some(a.check().map_err(|(span, why)| invalid(span, why))?),
                None => None,
            },
            tone_hz: match raw.diagnostic {
                Some(d) => {
                    let hz = *d.tone_hz.get_ref();
                    if !(20.0..=20_000.0).contains(&hz) {
                        return Err(invalid(
                            d.tone_hz.span(),
                            format!("tone_hz {hz} is outside 20..=20000"),
                        ));
                    }
                    Some(hz)
                }
                None => None,
            },
        })
    }

    /// Read and parse a preset file. Its `name` must be its file stem: presets are chosen,
    /// listed and remembered by file name, and a file naming another preset would play
    /// one preset under the other's name.
    pub fn load(path: &Path) -> Result<Preset, PresetError> {
        let file = path.display().to_string();
        let src = crate::input_file::read_to_string(path, crate::input_file::TEXT_LIMIT).map_err(
            |source| FileError::Io {
                file: file.clone(),
                source,
            },
        )?;
        let preset = Preset::parse(&file, &src)?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if preset.name != stem {
            #[derive(Deserialize)]
            struct NameOnly {
                name: toml::Spanned<String>,
            }
            let span = toml::from_str::<NameOnly>(&src).map_or(0..0, |n| n.name.span());
            let message = format!(
                "name `{}` differs from the file name: a preset's name is its file stem (`{stem}`)",
                preset.name
            );
            return Err(FileError::at(&file, &src, span, message).into());
        }
        Ok(preset)
    }

    /// A built-in preset by name.
    pub fn builtin(name: &str) -> Result<Preset, PresetError> {
        let (_, src) = BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| PresetError::Unknown(name.to_string()))?;
        Preset::parse(&format!("presets/{name}.toml"), src)
    }
}

/// A preset name is a plain file stem: no paths, no dots.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
