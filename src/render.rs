//! Offline rendering: the live engine with a file instead of a device. Deterministic
//! for a given preset, seed, start time and control input.

use crate::compose::trace::FormRow;
use crate::control::Controller;
use crate::control::heart_lead::HeartPhase;
use crate::control::pipeline::{Pipeline, Step};
use crate::controls::{Control, ControlValues, SharedControls};
use crate::engine::conductor::{Conductor, Cue, RenderClock};
use crate::engine::{Engine, SAMPLE_RATE};
use crate::features::{Clock, ListenerProfile, Reading};
use crate::music::note::NoteEvent;
use crate::preset::{Mode, Preset, PresetError};
use crate::workout::WorkoutSettings;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What went wrong while rendering.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Preset(#[from] PresetError),
    #[error("{path}: {message}")]
    Controls { path: String, message: String },
    #[error("writing {path}: {source}")]
    Wav { path: String, source: hound::Error },
    #[error("writing {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// Control values over time, read from CSV: a `time` column in seconds and one
/// column per control; values are interpolated linearly between rows.
#[derive(Debug, Clone, Default)]
pub struct ControlTrack {
    columns: Vec<Control>,
    rows: Vec<(f64, Vec<f32>)>,
}

impl ControlTrack {
    /// Parse CSV text; `name` is used in error messages.
    pub fn parse(name: &str, text: &str) -> Result<Self, RenderError> {
        let err = |line: usize, message: String| RenderError::Controls {
            path: format!("{name}:{line}"),
            message,
        };
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
        let (hl, header) = lines
            .next()
            .ok_or_else(|| err(1, "empty control file".into()))?;
        let mut cols = header.split(',').map(str::trim);
        if cols.next() != Some("time") {
            return Err(err(
                hl + 1,
                "the first column must be `time` (seconds)".into(),
            ));
        }
        let columns = cols
            .map(|c| c.parse::<Control>().map_err(|e| err(hl + 1, e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        let mut rows = Vec::new();
        let mut last = f64::NEG_INFINITY;
        for (ln, line) in lines {
            let mut fields = line.split(',').map(str::trim);
            let t: f64 = fields
                .next()
                .unwrap_or("")
                .parse()
                .map_err(|_| err(ln + 1, "time is not a number".into()))?;
            if !(t.is_finite() && t >= last) {
                return Err(err(
                    ln + 1,
                    "times must be finite and non-decreasing".into(),
                ));
            }
            last = t;
            let values = fields
                .map(|f| f.parse::<f32>().ok().filter(|v| (0.0..=1.0).contains(v)))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| err(ln + 1, "control values must be numbers in 0..=1".into()))?;
            if values.len() != columns.len() {
                return Err(err(
                    ln + 1,
                    format!("expected {} values, found {}", columns.len(), values.len()),
                ));
            }
            rows.push((t, values));
        }
        if rows.is_empty() {
            return Err(err(hl + 1, "no rows".into()));
        }
        Ok(ControlTrack { columns, rows })
    }

    /// Apply the values at time `t` (seconds) on top of `base`.
    pub fn at(&self, t: f64, base: &ControlValues) -> ControlValues {
        let mut out = *base;
        let i = self.rows.partition_point(|(rt, _)| *rt <= t);
        for (k, c) in self.columns.iter().enumerate() {
            let v = if i == 0 {
                self.rows[0].1[k]
            } else if i == self.rows.len() {
                self.rows[i - 1].1[k]
            } else {
                let (t0, v0) = (&self.rows[i - 1].0, self.rows[i - 1].1[k]);
                let (t1, v1) = (&self.rows[i].0, self.rows[i].1[k]);
                let a = if t1 > t0 {
                    ((t - t0) / (t1 - t0)) as f32
                } else {
                    1.0
                };
                v0 + (v1 - v0) * a
            };
            out.set(*c, v);
        }
        out
    }
}

/// Everything one offline render needs.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    pub preset: Preset,
    pub duration: Duration,
    pub seed: u64,
    /// Where to write the WAV (32-bit float, 48 kHz stereo); `None` renders for analysis only.
    pub out: Option<PathBuf>,
    /// Time of day at the start, in seconds after midnight.
    pub start_of_day: f64,
    /// The listener's levels of the preset's layers (`--mix rain=0.8,beat=0`; others at 1).
    pub mix: crate::preset::layers::MixLevels,
    /// The focus modulation's depth (`--modulation-depth`; none: the preset's own).
    pub modulation_depth: Option<f32>,
    /// Where and on which day: the sun the birds and insects follow.
    pub sky: crate::features::sun::Sky,
    pub controls: Option<ControlTrack>,
    /// Switch to another preset at a time (seconds).
    pub switch: Option<(f64, Preset)>,
    pub midi: Option<PathBuf>,
    /// Where to write the form, one CSV row per second.
    pub trace: Option<PathBuf>,
    pub progress: bool,
    /// Drive the controls from features and the control model (instead of constants or a
    /// control CSV).
    pub adaptive: Option<Adaptive>,
    /// A motif to develop as the melody (`--motif tune.mid`).
    pub motif: Option<Vec<crate::compose::given::GivenNote>>,
}

/// The control pipeline of an adaptive render: mode, listener, date and the readings to
/// replay (none: clock-only features), and the controller (model or teacher).
#[derive(Debug, Clone)]
pub struct Adaptive {
    pub mode: Mode,
    pub readings: Vec<Reading>,
    pub profile: ListenerProfile,
    pub day_of_year: u32,
    pub utc_offset_h: f64,
    pub controller: Controller,
    /// Steering targets and the heart-rate ceiling, for presets that follow cadence.
    pub workout: WorkoutSettings,
}

impl RenderOptions {
    /// Defaults for `preset`: 60 s, seed 0, no files, noon.
    pub fn new(preset: Preset) -> Self {
        RenderOptions {
            preset,
            duration: Duration::from_secs(60),
            seed: 0,
            out: None,
            start_of_day: 12.0 * 3600.0,
            mix: Default::default(),
            modulation_depth: None,
            sky: crate::features::sun::Sky {
                latitude: crate::features::ListenerProfile::default().latitude,
                longitude: crate::features::ListenerProfile::default().longitude,
                day_of_year: 172,
                utc_offset_h: 0.0,
            },
            controls: None,
            switch: None,
            midi: None,
            trace: None,
            motif: None,
            progress: false,
            adaptive: None,
        }
    }
}

/// The result of a render: the samples (if kept) and every note played.
#[derive(Debug, Default)]
pub struct Rendered {
    pub left: Vec<f32>,
    pub right: Vec<f32>,
    pub events: Vec<NoteEvent>,
    /// The control steps of an adaptive render (features, controls, HR, cadence).
    pub trace: Vec<Step>,
    /// The form, one row per second: section, key, chord, voices, controls.
    pub form: Vec<FormRow>,
}

/// Control values are updated at this rate during renders, like the live control loop.
pub const CONTROL_RATE_HZ: f64 = 10.0;

/// Render, calling `sink` with each block of audio, returning the notes played.
pub fn render_with(
    opts: &RenderOptions,
    sink: impl FnMut(&[f32], &[f32]) -> Result<(), RenderError>,
) -> Result<(Vec<NoteEvent>, Vec<Step>), RenderError> {
    render_with_form(opts, sink).map(|(events, trace, _)| (events, trace))
}

/// What a render played: the notes, the control steps and the form.
pub type Played = (Vec<NoteEvent>, Vec<Step>, Vec<FormRow>);

/// [`render_with`], also returning the form (one row per second).
pub fn render_with_form(
    opts: &RenderOptions,
    mut sink: impl FnMut(&[f32], &[f32]) -> Result<(), RenderError>,
) -> Result<Played, RenderError> {
    let base = opts.preset.controls;
    let mut pipeline = opts.adaptive.as_ref().map(|a| {
        let start = Clock {
            session_s: 0.0,
            local_hours: opts.start_of_day / 3600.0,
            day_of_year: a.day_of_year,
            utc_offset_h: a.utc_offset_h,
        };
        let mut pipeline = Pipeline::new(a.profile, a.controller.clone(), a.mode, start);
        pipeline.set_workout_settings(a.workout);
        pipeline.follow_preset(&opts.preset);
        (pipeline, a.readings.as_slice())
    });
    let mut trace = Vec::new();
    let controls = SharedControls::new(opts.controls.as_ref().map_or(base, |c| c.at(0.0, &base)));
    let mut engine = Engine::new(&opts.preset, controls.clone(), opts.seed, SAMPLE_RATE);
    engine.set_motif(opts.motif.clone());
    engine.mix().set_all(&opts.mix);
    engine.am_depth().set(opts.modulation_depth);
    let mut conductor = Conductor::new(engine);
    let total = (opts.duration.as_secs_f64() * SAMPLE_RATE as f64).round() as u64;
    let block = (SAMPLE_RATE as f64 / CONTROL_RATE_HZ) as usize;
    let (mut left, mut right) = (vec![0.0; block], vec![0.0; block]);
    let mut events = Vec::new();
    let mut switch = opts.switch.clone();
    let bar = opts.progress.then(|| {
        let b = indicatif::ProgressBar::new(total);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {percent:>3}% {elapsed_precise} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let mut done = 0u64;
    let mut form = Vec::new();
    while done < total {
        let t = done as f64 / SAMPLE_RATE as f64;
        let step = pipeline.as_mut().map(|(pipeline, readings)| {
            while let Some((r, rest)) = readings.split_first()
                && r.at <= t
            {
                pipeline.push(r);
                *readings = rest;
            }
            pipeline.step(t)
        });
        let cue = Cue {
            controls: match &step {
                Some(step) => Some(Pipeline::values(step)),
                None => opts.controls.as_ref().map(|track| track.at(t, &base)),
            },
            step: step.as_ref(),
            sky: opts.sky,
            local_hours: (opts.start_of_day + t) / 3600.0,
        };
        conductor.apply(&cue, &RenderClock);
        if let Some(step) = step {
            trace.push(step);
        }
        if let Some((at, preset)) = &switch
            && t >= *at
        {
            conductor.switch_to(preset, pipeline.as_mut().map(|(p, _)| p));
            switch = None;
        }
        let n = ((total - done) as usize).min(block);
        conductor.plan_ahead();
        let engine = conductor.engine_mut();
        engine.render(&mut left[..n], &mut right[..n]);
        if done.is_multiple_of(SAMPLE_RATE as u64)
            && let Some(now) = engine.now()
        {
            form.push(FormRow {
                time_s: t,
                section: now.section,
                section_number: now.section_number,
                key: now.key,
                chord: now.chord_symbol(),
                voices: now.voice_names(),
                controls: controls.load(),
                breathing: trace
                    .last()
                    .and_then(|s: &Step| s.breathing)
                    .map(|b| (b.per_minute, b.confidence)),
                swell_rate: engine.swell().per_min(),
                heart_lead: trace
                    .last()
                    .filter(|s: &&Step| s.heart.phase != HeartPhase::Off)
                    .map(|s| (s.heart.phase, s.heart.expressed)),
                sun_elevation: engine.sun().get().0,
                bird_phrases: engine.nature_report().bird_phrases(),
                phrase: now.phrase,
            });
        }
        conductor.collect_notes(&mut events);
        sink(&left[..n], &right[..n])?;
        done += n as u64;
        if let Some(b) = &bar {
            b.set_position(done);
        }
    }
    if let Some(b) = bar {
        b.finish();
    }
    let underruns = conductor.engine().underruns();
    if underruns > 0 {
        tracing::warn!("{underruns} bars were not planned in time");
    }
    Ok((events, trace, form))
}

/// Render to memory (and to the files named in `opts`).
pub fn render(opts: &RenderOptions, keep_samples: bool) -> Result<Rendered, RenderError> {
    let mut out = Rendered::default();
    let mut writer = match &opts.out {
        Some(path) => Some(
            hound::WavWriter::create(
                path,
                hound::WavSpec {
                    channels: 2,
                    sample_rate: SAMPLE_RATE as u32,
                    bits_per_sample: 32,
                    sample_format: hound::SampleFormat::Float,
                },
            )
            .map_err(|source| RenderError::Wav {
                path: path.display().to_string(),
                source,
            })?,
        ),
        None => None,
    };
    let wav_path = opts
        .out
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let (events, trace, form) = render_with_form(opts, |l, r| {
        if keep_samples {
            out.left.extend_from_slice(l);
            out.right.extend_from_slice(r);
        }
        if let Some(w) = &mut writer {
            for (a, b) in l.iter().zip(r) {
                w.write_sample(*a)
                    .and_then(|_| w.write_sample(*b))
                    .map_err(|source| RenderError::Wav {
                        path: wav_path.clone(),
                        source,
                    })?;
            }
        }
        Ok(())
    })?;
    if let Some(w) = writer {
        w.finalize().map_err(|source| RenderError::Wav {
            path: wav_path.clone(),
            source,
        })?;
    }
    if let Some(path) = &opts.midi {
        write_midi(path, &events)?;
    }
    if let Some(path) = &opts.trace {
        crate::compose::trace::write_csv(path, &form).map_err(|source| RenderError::Io {
            path: path.display().to_string(),
            source,
        })?;
    }
    out.events = events;
    out.trace = trace;
    out.form = form;
    Ok(out)
}

/// Write notes as a standard MIDI file (format 0, 120 bpm grid, times in real seconds).
pub fn write_midi(path: &Path, events: &[NoteEvent]) -> Result<(), RenderError> {
    use midly::{
        Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind,
    };
    const TICKS_PER_SECOND: f64 = 960.0; // 480 per beat at 120 bpm
    let tick = |sample: u64| (sample as f64 / SAMPLE_RATE as f64 * TICKS_PER_SECOND) as u64;
    let mut raw: Vec<(u64, u8, bool, u8, u8)> = Vec::new();
    for e in events {
        let key = e.midi.clamp(0, 127) as u8;
        let vel = (e.velocity * 127.0).clamp(1.0, 127.0) as u8;
        let ch = e.voice.channel();
        raw.push((tick(e.sample), ch, true, key, vel));
        raw.push((tick(e.sample + e.length.max(1)), ch, false, key, 0));
    }
    // Note-offs before note-ons at the same tick.
    raw.sort_by_key(|&(t, _, on, _, _)| (t, on));
    let mut track = vec![TrackEvent {
        delta: 0.into(),
        kind: TrackEventKind::Meta(MetaMessage::Tempo(500_000.into())),
    }];
    let mut last = 0u64;
    for (t, ch, on, key, vel) in raw {
        let message = if on {
            MidiMessage::NoteOn {
                key: key.into(),
                vel: vel.into(),
            }
        } else {
            MidiMessage::NoteOff {
                key: key.into(),
                vel: 0.into(),
            }
        };
        let delta = (t - last).min(0x0FFF_FFFF) as u32;
        track.push(TrackEvent {
            delta: delta.into(),
            kind: TrackEventKind::Midi {
                channel: ch.into(),
                message,
            },
        });
        last = t;
    }
    track.push(TrackEvent {
        delta: 0.into(),
        kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
    });
    let smf = Smf {
        header: Header::new(Format::SingleTrack, Timing::Metrical(480.into())),
        tracks: vec![track],
    };
    smf.save(path).map_err(|source| RenderError::Io {
        path: path.display().to_string(),
        source,
    })
}
