//! `attuned render`: a preset offline to WAV (and MIDI, trace, plot).

use super::adaptive::AdaptiveArgs;
use super::parse::parse_clock;
use crate::duration::parse_duration;
use crate::preset::PresetLibrary;
use crate::render::{ControlTrack, RenderOptions, render};
use std::path::{Path, PathBuf};

/// `--composer`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ComposerArg {
    Rules,
    Learned,
    Phrases,
}

#[derive(clap::Args)]
pub struct RenderArgs {
    #[arg(long, default_value = "focus")]
    pub preset: String,
    /// Length, e.g. 90s, 10m, 8h.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub duration: std::time::Duration,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, default_value = "attuned.wav")]
    pub out: PathBuf,
    /// Time of day at the start, HH:MM.
    #[arg(long, default_value = "12:00", value_parser = parse_clock)]
    pub start: f64,
    /// CSV of control values over time (`time,energy,brightness,...`).
    #[arg(long)]
    pub controls: Option<PathBuf>,
    /// Also write the composed notes as a MIDI file.
    #[arg(long)]
    pub midi: Option<PathBuf>,
    /// Also write the form, one CSV row per second: time, section, key, chord, voices
    /// and the eight controls.
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// Directory of user presets (default: $XDG_DATA_HOME/attuned/presets).
    #[arg(long)]
    pub preset_dir: Option<PathBuf>,
    /// Who writes the melody: `rules`, `learned` or `phrases` (default: the preset's choice).
    #[arg(long, value_enum)]
    pub composer: Option<ComposerArg>,
    /// A MIDI file whose melody (up to 64 notes) the piece states and develops.
    #[arg(long, value_name = "FILE")]
    pub motif: Option<PathBuf>,
    /// The listener's mix: levels of the preset's layers, 0 (off) to 2 (1 is its own
    /// balance), e.g. `rain=0.8,beat=0`; the loudness stays.
    #[arg(long, value_name = "LAYER=LEVEL,…")]
    pub mix: Option<String>,
    /// The depth (0..1) of the focus modulation, in presets that have it (`deep-focus`).
    #[arg(long, value_name = "DEPTH")]
    pub modulation_depth: Option<f64>,
    #[command(flatten)]
    pub adaptive: AdaptiveArgs,
}

fn read_text(p: &Path) -> Result<String, String> {
    crate::input_file::read_to_string(p, crate::input_file::TEXT_LIMIT)
        .map_err(|e| format!("{}: {e}", p.display()))
}

impl RenderArgs {
    /// The render's options, every argument checked.
    fn options(&self) -> Result<RenderOptions, String> {
        if let Some(dir) = &self.preset_dir {
            // A directory that is not one had been ignored in silence (the daemon warns).
            match std::fs::metadata(dir) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => return Err(format!("{}: not a directory", dir.display())),
                Err(e) => return Err(format!("{}: {e}", dir.display())),
            }
        }
        let lib = self
            .preset_dir
            .clone()
            .map(PresetLibrary::with_user_dir)
            .unwrap_or_default();
        let mut preset = lib.load(&self.preset).map_err(|e| e.to_string())?;
        if let Some(c) = self.composer {
            preset.composer = match c {
                ComposerArg::Rules => crate::preset::Composer::Rules,
                ComposerArg::Learned => crate::preset::Composer::Learned,
                ComposerArg::Phrases => crate::preset::Composer::Phrases,
            };
        }
        let mut opts = RenderOptions::new(preset);
        if let Some(p) = &self.controls {
            let track = ControlTrack::parse(&p.display().to_string(), &read_text(p)?);
            opts.controls = Some(track.map_err(|e| e.to_string())?);
        }
        if let Some(p) = &self.motif {
            let bytes = crate::input_file::read(p, crate::input_file::MIDI_LIMIT)
                .map_err(|e| format!("{}: {e}", p.display()))?;
            let given = crate::compose::given::from_midi(&p.display().to_string(), &bytes);
            opts.motif = Some(given.map_err(|e| e.to_string())?);
        }
        opts.duration = self.duration;
        opts.seed = self.seed;
        opts.out = Some(self.out.clone());
        opts.start_of_day = self.start;
        if let Some(list) = &self.mix {
            let layers = opts.preset.layers();
            for (name, level) in
                crate::preset::layers::parse_list(list).map_err(|e| e.to_string())?
            {
                crate::preset::layers::check(&name, level, &opts.preset.name, &layers)
                    .map_err(|e| e.to_string())?;
                opts.mix.insert(name, level);
            }
        }
        if let Some(d) = self.modulation_depth {
            crate::limits::modulation_depth(d)?;
            if opts.preset.am.is_none() {
                return Err(format!(
                    "{} has no focus modulation (presets with it have [amplitude_modulation])",
                    opts.preset.name
                ));
            }
            opts.modulation_depth = Some(d as f32);
        }
        let adaptive = &self.adaptive;
        opts.sky = crate::features::sun::Sky {
            latitude: adaptive.lat,
            longitude: adaptive.lon,
            day_of_year: adaptive.date,
            utc_offset_h: adaptive.utc_offset,
        };
        opts.midi = self.midi.clone();
        opts.trace = self.trace.clone();
        opts.progress = self.duration.as_secs() >= 30;
        if adaptive.wanted() {
            if opts.controls.is_some() {
                return Err("--controls cannot be combined with the control model (--mode, --replay, --plot)".into());
            }
            opts.adaptive = Some(adaptive.build(opts.preset.mode)?);
        }
        Ok(opts)
    }
}

/// Render, then say what was written.
pub fn run(args: &RenderArgs) -> Result<(), String> {
    let opts = args.options()?;
    let r = render(&opts, false).map_err(|e| e.to_string())?;
    eprintln!("wrote {} ({} notes)", args.out.display(), r.events.len());
    if let Some(t) = &args.trace {
        eprintln!("wrote {}", t.display());
    }
    if let Some(plot) = &args.adaptive.plot {
        let title = format!("attuned · {} · {}", opts.preset.title, args.out.display());
        crate::plot::draw(plot, &title, &r.trace, &r.form).map_err(|e| e.to_string())?;
        eprintln!("wrote {}", plot.display());
    }
    Ok(())
}
