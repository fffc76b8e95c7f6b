//! The `attuned` command line: the daemon (no subcommand) and the offline tools (`render`,
//! `presets`, `teacher-dataset`). `main.rs` parses and calls [`Cli::run`].

mod adaptive;
mod daemon;
pub mod parse;
mod render;

pub use adaptive::AdaptiveArgs;
pub use render::{ComposerArg, RenderArgs};

use crate::preset::PresetLibrary;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "attuned", version, about = "Adaptive generative soundscapes")]
pub struct Cli {
    /// Without a command, run the daemon.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Config file (default: $XDG_CONFIG_HOME/attuned/config.toml).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// State file (default: $XDG_STATE_HOME/attuned/state.json).
    #[arg(long, global = true)]
    pub state: Option<PathBuf>,
    /// Daemon: write the sensor readings it receives to this session CSV (replayable with
    /// `attuned render --replay`).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
}

// Parsed once per run: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum Command {
    /// Render a preset offline to a WAV file.
    Render(RenderArgs),
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

impl Cli {
    /// Run what was asked; an error is printed as `attuned: …` and exits 1.
    pub fn run(self) -> ExitCode {
        let result = match self.command {
            None => daemon::run(self.config, self.state, self.record),
            Some(Command::Render(args)) => render::run(&args),
            Some(Command::TeacherDataset { rows, seed, out }) => teacher_dataset(rows, seed, out),
            Some(Command::Presets) => {
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
}

fn teacher_dataset(rows: usize, seed: u64, out: Option<PathBuf>) -> Result<(), String> {
    let rows = crate::control::dataset::sample(rows, seed);
    let written = match &out {
        Some(p) => std::fs::File::create(p)
            .map(std::io::BufWriter::new)
            .and_then(|f| crate::control::dataset::write_csv(&rows, f)),
        None => crate::control::dataset::write_csv(&rows, std::io::stdout().lock()),
    };
    written.map_err(|e| format!("writing the dataset: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn render_arguments_parse_into_their_types() {
        let cli = Cli::try_parse_from([
            "attuned",
            "render",
            "--preset",
            "rain",
            "--duration",
            "10m",
            "--start",
            "23:30",
            "--date",
            "2024-12-31",
            "--utc-offset",
            "-5",
            "--composer",
            "learned",
        ])
        .unwrap();
        let Some(Command::Render(args)) = cli.command else {
            panic!("not a render");
        };
        assert_eq!(args.preset, "rain");
        assert_eq!(args.duration.as_secs(), 600);
        assert_eq!(args.start, 84_600.0);
        assert_eq!(args.adaptive.date, 366);
        assert_eq!(args.adaptive.utc_offset, -5.0);
        assert!(!args.adaptive.wanted());
        assert!(matches!(args.composer, Some(ComposerArg::Learned)));
    }

    #[test]
    fn model_and_teacher_exclude_each_other() {
        let r = Cli::try_parse_from(["attuned", "render", "--teacher", "--model", "m.onnx"]);
        assert!(r.is_err());
    }
}
