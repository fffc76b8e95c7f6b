//! `attuned`: the daemon binary. For now it renders offline (`attuned render`).

use attuned::duration::parse_duration;
use attuned::render::{ControlTrack, RenderOptions, render};
use attuned::synth::preset::PresetLibrary;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "attuned", version, about = "Adaptive generative soundscapes")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render a preset offline to a WAV file.
    Render {
        #[arg(long, default_value = "focus")]
        preset: String,
        /// Length, e.g. 90s, 10m, 8h.
        #[arg(long, default_value = "60s", value_parser = parse_duration)]
        duration: std::time::Duration,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long, default_value = "attuned.wav")]
        out: PathBuf,
        /// Time of day at the start, HH:MM.
        #[arg(long, default_value = "12:00", value_parser = parse_clock)]
        start: f64,
        /// CSV of control values over time (`time,energy,brightness,...`).
        #[arg(long)]
        controls: Option<PathBuf>,
        /// Also write the composed notes as a MIDI file.
        #[arg(long)]
        midi: Option<PathBuf>,
        /// Directory of user presets (default: $XDG_DATA_HOME/attuned/presets).
        #[arg(long)]
        preset_dir: Option<PathBuf>,
    },
    /// List the available presets.
    Presets,
    /// Write random in-range feature vectors with the teacher's controls as CSV (the
    /// training data of `models/train/train.py`).
    TeacherDataset {
        #[arg(long, default_value_t = 20_000)]
        rows: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn parse_clock(s: &str) -> Result<f64, String> {
    let (h, m) = s.split_once(':').ok_or("use HH:MM")?;
    let (h, m): (u32, u32) = (
        h.parse().map_err(|_| "bad hour")?,
        m.parse().map_err(|_| "bad minute")?,
    );
    if h > 23 || m > 59 {
        return Err("use HH:MM within a day".into());
    }
    Ok((h * 3600 + m * 60) as f64)
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let cli = Cli::parse();
    let result: Result<(), String> = match cli.command {
        Command::Render {
            preset,
            duration,
            seed,
            out,
            start,
            controls,
            midi,
            preset_dir,
        } => (|| {
            let lib = preset_dir
                .map(PresetLibrary::with_user_dir)
                .unwrap_or_else(PresetLibrary::new);
            let preset = lib.load(&preset).map_err(|e| e.to_string())?;
            let controls = match controls {
                Some(p) => {
                    let text =
                        std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                    Some(
                        ControlTrack::parse(&p.display().to_string(), &text)
                            .map_err(|e| e.to_string())?,
                    )
                }
                None => None,
            };
            let mut opts = RenderOptions::new(preset);
            opts.duration = duration;
            opts.seed = seed;
            opts.out = Some(out.clone());
            opts.start_of_day = start;
            opts.controls = controls;
            opts.midi = midi;
            opts.progress = duration.as_secs() >= 30;
            let r = render(&opts, false).map_err(|e| e.to_string())?;
            eprintln!("wrote {} ({} notes)", out.display(), r.events.len());
            Ok(())
        })(),
        Command::TeacherDataset { rows, seed, out } => {
            let rows = attuned::control::dataset::sample(rows, seed);
            let written = match &out {
                Some(p) => std::fs::File::create(p)
                    .map(std::io::BufWriter::new)
                    .and_then(|f| attuned::control::dataset::write_csv(&rows, f)),
                None => attuned::control::dataset::write_csv(&rows, std::io::stdout().lock()),
            };
            written.map_err(|e| format!("writing the dataset: {e}"))
        }
        Command::Presets => {
            for name in PresetLibrary::new().names() {
                println!("{name}");
            }
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("attuned: {e}");
            ExitCode::FAILURE
        }
    }
}
