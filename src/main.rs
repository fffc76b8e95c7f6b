//! `attuned`: the daemon (no subcommand), and offline tools (`render`, `presets`,
//! `teacher-dataset`). Parses arguments and calls the library.

use attuned::control::{ControlModel, Controller};
use attuned::duration::parse_duration;
use attuned::features::ListenerProfile;
use attuned::preset::Mode;
use attuned::preset::PresetLibrary;
use attuned::render::{Adaptive, ControlTrack, RenderOptions, render};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "attuned", version, about = "Adaptive generative soundscapes")]
struct Cli {
    /// Without a command, run the daemon.
    #[command(subcommand)]
    command: Option<Command>,
    /// Config file (default: $XDG_CONFIG_HOME/attuned/config.toml).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// State file (default: $XDG_STATE_HOME/attuned/state.json).
    #[arg(long, global = true)]
    state: Option<PathBuf>,
    /// Daemon: write the sensor readings it receives to this session CSV (replayable with
    /// `attuned render --replay`).
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
}

/// `--composer`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ComposerArg {
    Rules,
    Learned,
}

// Parsed once per run: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
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
        /// Also write the form, one CSV row per second: time, section, key, chord, voices
        /// and the eight controls.
        #[arg(long)]
        trace: Option<PathBuf>,
        /// Directory of user presets (default: $XDG_DATA_HOME/attuned/presets).
        #[arg(long)]
        preset_dir: Option<PathBuf>,
        /// Who writes the melody: `rules` or `learned` (default: the preset's choice).
        #[arg(long, value_enum)]
        composer: Option<ComposerArg>,
        /// A MIDI file whose melody (up to 64 notes) the piece states and develops.
        #[arg(long, value_name = "FILE")]
        motif: Option<PathBuf>,
        /// The listener's mix: levels of the preset's layers, 0 (off) to 2 (1 is its own
        /// balance), e.g. `rain=0.8,beat=0`; the loudness stays.
        #[arg(long, value_name = "LAYER=LEVEL,…")]
        mix: Option<String>,
        /// The depth (0..1) of the focus modulation, in presets that have it (`deep-focus`).
        #[arg(long, value_name = "DEPTH")]
        modulation_depth: Option<f64>,
        #[command(flatten)]
        adaptive: AdaptiveArgs,
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

/// Options of an adaptive render: features → control model → controls.
#[derive(clap::Args)]
struct AdaptiveArgs {
    /// Run the control model in this mode (default: the preset's) on clock-only features,
    /// or on a replayed session with --replay.
    #[arg(long, value_parser = parse_mode)]
    mode: Option<Mode>,
    /// Session CSV to replay (`time,hr,rr,contact,cadence`); implies the control model.
    #[arg(long)]
    replay: Option<PathBuf>,
    /// Draw heart rate, cadence and the main controls over time to this PNG.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Use this ONNX control model instead of the built-in one.
    #[arg(long, conflicts_with = "teacher")]
    model: Option<PathBuf>,
    /// Use the rule-based teacher instead of the model.
    #[arg(long)]
    teacher: bool,
    /// Date of the render, YYYY-MM-DD (for the sun, which the control model and the birds
    /// follow; default 2026-06-21).
    #[arg(long, default_value = "2026-06-21", value_parser = parse_day_of_year)]
    date: u32,
    /// Local time minus UTC, hours.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    utc_offset: f64,
    #[arg(long, default_value_t = ListenerProfile::default().latitude, allow_negative_numbers = true)]
    lat: f64,
    #[arg(long, default_value_t = ListenerProfile::default().longitude, allow_negative_numbers = true)]
    lon: f64,
    #[arg(long, default_value_t = ListenerProfile::default().resting_hr)]
    resting_hr: f32,
    #[arg(long, default_value_t = ListenerProfile::default().max_hr)]
    max_hr: f32,
    /// Workout: steer the tempo toward this cadence (60–220 steps per minute); without a
    /// cadence sensor in the session it sets the tempo.
    #[arg(long, value_parser = parse_target_cadence)]
    target_cadence: Option<f32>,
    /// Workout: above this heart rate (80–230 bpm) the music eases off.
    #[arg(long, value_parser = parse_hr_ceiling)]
    hr_ceiling: Option<f32>,
}

/// A target cadence, checked as the daemon and the config check it.
fn parse_target_cadence(s: &str) -> Result<f32, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("`{s}`: use steps per minute"))?;
    attuned::limits::target_cadence(v)?.ok_or_else(|| "use 60 to 220 steps per minute".into())
}

/// A heart-rate ceiling, checked as the daemon and the config check it.
fn parse_hr_ceiling(s: &str) -> Result<f32, String> {
    let v: f64 = s.parse().map_err(|_| format!("`{s}`: use bpm"))?;
    attuned::limits::hr_ceiling(v)?.ok_or_else(|| "use 80 to 230 bpm".into())
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    match s {
        "sleep" => Ok(Mode::Sleep),
        "focus" => Ok(Mode::Focus),
        "relax" => Ok(Mode::Relax),
        "workout" => Ok(Mode::Workout),
        _ => Err("use sleep, focus, relax or workout".into()),
    }
}

fn parse_day_of_year(s: &str) -> Result<u32, String> {
    let parts: Vec<u32> = s
        .split('-')
        .map(|p| p.parse().map_err(|_| "use YYYY-MM-DD"))
        .collect::<Result<_, _>>()?;
    let [year, month, day] = parts[..] else {
        return Err("use YYYY-MM-DD".into());
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let lengths = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month) || day == 0 || day > lengths[month as usize - 1] {
        return Err(format!("{s} is not a date"));
    }
    Ok(lengths[..month as usize - 1].iter().sum::<u32>() + day)
}

impl AdaptiveArgs {
    fn wanted(&self) -> bool {
        self.mode.is_some()
            || self.replay.is_some()
            || self.plot.is_some()
            || self.target_cadence.is_some()
            || self.hr_ceiling.is_some()
    }

    fn build(&self, preset_mode: Mode) -> Result<Adaptive, String> {
        let readings = match &self.replay {
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
                attuned::sensor::replay::parse(&p.display().to_string(), &text)
                    .map_err(|e| e.to_string())?
            }
            None => Vec::new(),
        };
        let controller = if self.teacher {
            Controller::teacher("--teacher given")
        } else if let Some(path) = &self.model {
            // An explicit model that cannot be used is an error here, not a silent fallback.
            Controller::with_model(ControlModel::load(path).map_err(|e| e.to_string())?)
        } else {
            Controller::builtin()
        };
        Ok(Adaptive {
            mode: self.mode.unwrap_or(preset_mode),
            readings,
            profile: ListenerProfile {
                resting_hr: self.resting_hr,
                max_hr: self.max_hr,
                latitude: self.lat,
                longitude: self.lon,
            },
            day_of_year: self.date,
            utc_offset_h: self.utc_offset,
            controller,
            // The live daemon's defaults (pod latency), so a replay times footfalls as live.
            workout: attuned::workout::WorkoutSettings {
                target_cadence: self.target_cadence,
                hr_ceiling: self.hr_ceiling,
                ..attuned::config::Config::default().workout
            },
        })
    }
}

/// Run the daemon until SIGTERM, SIGINT or SIGHUP. SIGHUP (the terminal of
/// `scripts/run.sh` closing) is taken like SIGTERM: the music fades out and the daemon exits
/// 0, instead of being cut off by the default action.
fn run_daemon(
    config: Option<PathBuf>,
    state: Option<PathBuf>,
    record: Option<PathBuf>,
) -> Result<(), String> {
    let config_path = config.or_else(attuned::config::Config::default_path);
    let config = match &config_path {
        Some(p) => attuned::config::Config::load(p).map_err(|e| e.to_string())?,
        None => attuned::config::Config::default(),
    };
    let opts = attuned::daemon::DaemonOptions {
        config,
        state_path: state.or_else(attuned::state::State::default_path),
        preset_dir: None,
        record,
    };
    // Two workers: the D-Bus connection's tasks answer property reads while the core's
    // owner task ticks or installs a preset.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("attuned-rt")
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
        let mut int = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
        let mut hup = signal(SignalKind::hangup()).map_err(|e| e.to_string())?;
        let shutdown = async move {
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
                _ = hup.recv() => "SIGHUP",
            };
            tracing::info!("{name}: exiting");
        };
        attuned::daemon::run(opts, shutdown)
            .await
            .map_err(|e| e.to_string())
    })
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

/// Debug builds check the audio callback: an allocation inside it aborts (see
/// `audio::callback::guarded`).
#[cfg(all(feature = "realtime-guard", debug_assertions))]
#[global_allocator]
static ALLOCATOR: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

fn main() -> ExitCode {
    attuned::logging::init();
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        return match run_daemon(cli.config, cli.state, cli.record) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("attuned: {e}");
                ExitCode::FAILURE
            }
        };
    };
    let result: Result<(), String> = match command {
        Command::Render {
            preset,
            duration,
            seed,
            out,
            start,
            controls,
            midi,
            trace,
            preset_dir,
            composer,
            motif,
            mix,
            modulation_depth,
            adaptive,
        } => (|| {
            let lib = preset_dir
                .map(PresetLibrary::with_user_dir)
                .unwrap_or_else(PresetLibrary::new);
            let mut preset = lib.load(&preset).map_err(|e| e.to_string())?;
            if let Some(c) = composer {
                preset.composer = match c {
                    ComposerArg::Rules => attuned::preset::Composer::Rules,
                    ComposerArg::Learned => attuned::preset::Composer::Learned,
                };
            }
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
            let motif = match motif {
                Some(p) => {
                    let bytes = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                    Some(
                        attuned::compose::given::from_midi(&p.display().to_string(), &bytes)
                            .map_err(|e| e.to_string())?,
                    )
                }
                None => None,
            };
            let mut opts = RenderOptions::new(preset);
            opts.motif = motif;
            opts.duration = duration;
            opts.seed = seed;
            opts.out = Some(out.clone());
            opts.start_of_day = start;
            if let Some(list) = &mix {
                let layers = opts.preset.layers();
                for (name, level) in
                    attuned::preset::layers::parse_list(list).map_err(|e| e.to_string())?
                {
                    attuned::preset::layers::check(&name, level, &opts.preset.name, &layers)
                        .map_err(|e| e.to_string())?;
                    opts.mix.insert(name, level);
                }
            }
            if let Some(d) = modulation_depth {
                attuned::limits::modulation_depth(d)?;
                if opts.preset.am.is_none() {
                    return Err(format!(
                        "{} has no focus modulation (presets with it have [amplitude_modulation])",
                        opts.preset.name
                    ));
                }
                opts.modulation_depth = Some(d as f32);
            }
            opts.sky = attuned::features::sun::Sky {
                latitude: adaptive.lat,
                longitude: adaptive.lon,
                day_of_year: adaptive.date,
                utc_offset_h: adaptive.utc_offset,
            };
            opts.controls = controls;
            opts.midi = midi;
            opts.trace = trace.clone();
            opts.progress = duration.as_secs() >= 30;
            if adaptive.wanted() {
                if opts.controls.is_some() {
                    return Err("--controls cannot be combined with the control model (--mode, --replay, --plot)".into());
                }
                opts.adaptive = Some(adaptive.build(opts.preset.mode)?);
            }
            let r = render(&opts, false).map_err(|e| e.to_string())?;
            eprintln!("wrote {} ({} notes)", out.display(), r.events.len());
            if let Some(t) = &trace {
                eprintln!("wrote {}", t.display());
            }
            if let Some(plot) = &adaptive.plot {
                let title = format!("attuned · {} · {}", opts.preset.title, out.display());
                attuned::plot::draw(plot, &title, &r.trace, &r.form).map_err(|e| e.to_string())?;
                eprintln!("wrote {}", plot.display());
            }
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
