//! `attunectl`: the command-line client of the daemon, over the session bus.

mod mix;
mod output;
mod status;

use crate::dbus::{AttunedProxy, SensorRow, names};
use crate::duration::parse_duration;
use clap::{Parser, Subcommand};
use std::time::Duration;

#[derive(Parser)]
#[command(name = "attunectl", version, about = "Control the attuned daemon")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Playback, preset, volume, heart rate, tempo, timer and audio output.
    Status {
        #[arg(long)]
        json: bool,
    },
    Play,
    Pause,
    Toggle,
    /// Show the preset, or switch to NAME (with a crossfade).
    Preset {
        name: Option<String>,
    },
    /// List the presets.
    Presets,
    /// Show the volume, or set it (0..1).
    Volume {
        #[arg(value_parser = parse_volume)]
        value: Option<f64>,
    },
    /// The preset's layers and their levels; one layer's level; or set it: `mix rain 0.5`
    /// (0 off, 1 the preset's balance, up to 2). The overall loudness stays.
    Mix {
        layer: Option<String>,
        level: Option<f64>,
    },
    /// The output devices, the chosen one marked; or play on one: `output NAME`
    /// (`output default` for the sound server's default).
    Output {
        name: Option<String>,
    },
    /// The focus modulation's depth in the presets that have it (`deep-focus`): show it,
    /// set it (0..1), or `preset` for each preset's own.
    Modulation {
        /// A depth 0..1, or `preset`.
        depth: Option<String>,
    },
    /// Sleep timer: `timer 45m --fade 10m`, or `timer cancel`.
    Timer {
        /// Duration (90s, 45m, 1h30m) or `cancel`.
        duration: String,
        /// Fade over the last stretch (default: the daemon's `sleep_fade`, 10m unless set).
        #[arg(long, value_parser = parse_duration)]
        fade: Option<Duration>,
        /// What happens at the end: pause, stop, or suspend (pause, then suspend the
        /// machine through logind).
        #[arg(long, default_value = "pause", value_parser = parse_timer_action)]
        action: String,
    },
    /// What drives the sound now, in words (or, with --json, each input's effect on each
    /// control in numbers).
    Explain {
        #[arg(long)]
        json: bool,
    },
    /// Hand the daemon a motif (a MIDI file's melody, up to 64 notes) to develop, or
    /// `--clear` to go back to the presets' own melodies.
    Motif {
        #[arg(required_unless_present = "clear")]
        file: Option<std::path::PathBuf>,
        #[arg(long, conflicts_with = "file")]
        clear: bool,
    },
    /// How the last sleep or relax session went: breathing, heart rate and RMSSD at its
    /// start and end, and the minutes until breathing fell below 8 a minute.
    Session {
        #[arg(long)]
        json: bool,
    },
    /// Print a line whenever heart rate, cadence, tempo or controls change.
    Watch {
        /// Stop after this many lines.
        #[arg(long)]
        count: Option<usize>,
    },
    /// Look for heart-rate straps, foot pods and cadence sensors nearby.
    Scan {
        /// How long to scan (up to 60s).
        #[arg(long, default_value = "10s", value_parser = parse_duration)]
        time: Duration,
    },
    /// Remember a sensor found by `scan` and keep it connected.
    Pair {
        address: String,
    },
    /// Stop using a paired sensor.
    Forget {
        address: String,
    },
    /// Paired sensors and their links.
    Sensors,
    /// Workout: steer the tempo toward this cadence (steps per minute), or `off`.
    TargetCadence {
        #[arg(value_parser = parse_target_cadence)]
        steps_per_minute: f64,
    },
    /// Workout: steer into this heart-rate zone (`140 160`), or `off`.
    HrZone {
        #[arg(value_parser = parse_off_or_number, num_args = 1..=2, required = true)]
        bpm: Vec<f64>,
    },
    /// Workout: ease off above this heart rate (bpm), or `off`.
    HrCeiling {
        #[arg(value_parser = parse_hr_ceiling)]
        bpm: f64,
    },
    /// Show attuned in the desktop panel (StatusNotifierItem) until quit.
    Tray,
    /// Print shell completions (bash, zsh, fish, …).
    Completions {
        shell: clap_complete::Shell,
    },
}

/// Run a command; the error is the message to print.
pub async fn run(cli: Cli) -> Result<(), String> {
    if let Command::Completions { shell } = cli.command {
        use clap::CommandFactory;
        clap_complete::generate(
            shell,
            &mut Cli::command(),
            "attunectl",
            &mut std::io::stdout(),
        );
        return Ok(());
    }
    if let Command::Tray = cli.command {
        let shutdown = async {
            use tokio::signal::unix::{SignalKind, signal};
            match (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                _ => std::future::pending().await,
            }
        };
        return crate::tray::run(shutdown).await.map_err(|e| e.to_string());
    }
    // A scan may take a minute: wait for the daemon longer than zbus's default 25 s.
    let conn = zbus::connection::Builder::session()
        .map_err(|e| format!("cannot reach the session bus: {e}"))?
        .method_timeout(Duration::from_secs(90))
        .build()
        .await
        .map_err(|e| format!("cannot reach the session bus: {e}"))?;
    let proxy = AttunedProxy::new(&conn).await.map_err(explain_error)?;
    match cli.command {
        Command::Status { json } => status::status(&proxy, json).await,
        Command::Play => proxy.play().await.map_err(explain_error),
        Command::Pause => proxy.pause().await.map_err(explain_error),
        Command::Toggle => proxy.toggle().await.map_err(explain_error),
        Command::Preset { name: Some(n) } => proxy.set_preset(&n).await.map_err(explain_error),
        Command::Preset { name: None } => {
            println!("{}", proxy.preset().await.map_err(explain_error)?);
            Ok(())
        }
        Command::Presets => {
            let current = proxy.preset().await.map_err(explain_error)?;
            for p in proxy.list_presets().await.map_err(explain_error)? {
                println!("{} {p}", if p == current { "*" } else { " " });
            }
            Ok(())
        }
        Command::Volume { value: Some(v) } => proxy.set_volume(v).await.map_err(explain_error),
        Command::Volume { value: None } => {
            println!("{:.2}", proxy.volume().await.map_err(explain_error)?);
            Ok(())
        }
        Command::Mix { layer, level } => mix::mix(&proxy, layer, level).await,
        Command::Output { name } => output::output(&proxy, name).await,
        Command::Modulation { depth: None } => {
            println!(
                "{:.2}",
                proxy.modulation_depth().await.map_err(explain_error)?
            );
            Ok(())
        }
        Command::Modulation { depth: Some(d) } if d == "preset" => {
            proxy.clear_modulation_depth().await.map_err(explain_error)
        }
        Command::Modulation { depth: Some(d) } => {
            let depth: f64 = d
                .parse()
                .map_err(|_| format!("`{d}` is not a depth (0..1) or `preset`"))?;
            proxy
                .set_modulation_depth(depth)
                .await
                .map_err(explain_error)
        }
        Command::Timer { duration, .. } if duration == "cancel" => {
            proxy.cancel_sleep_timer().await.map_err(explain_error)
        }
        Command::Timer {
            duration,
            fade,
            action,
        } => {
            let d = parse_duration(&duration).map_err(|e| e.to_string())?;
            proxy
                .set_sleep_timer(
                    d.as_secs_f64(),
                    fade.map_or(-1.0, |f| f.as_secs_f64()),
                    &action,
                )
                .await
                .map_err(explain_error)
        }
        Command::Motif { file: None, .. } => proxy.clear_motif().await.map_err(explain_error),
        Command::Motif {
            file: Some(path), ..
        } => {
            let bytes = crate::input_file::read(&path, crate::input_file::MIDI_LIMIT)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            let notes = crate::compose::given::from_midi(&path.display().to_string(), &bytes)
                .map_err(|e| e.to_string())?;
            let wire: Vec<(u32, f64, f64)> = notes
                .iter()
                .map(|n| (n.midi as u32, n.start, n.beats))
                .collect();
            proxy.set_motif(&wire).await.map_err(explain_error)?;
            println!(
                "motif of {} notes handed in: it is stated from the next phrase",
                notes.len()
            );
            Ok(())
        }
        Command::Session { json } => {
            let m = proxy.last_session().await.map_err(explain_error)?;
            if json {
                println!("{}", serde_json::json!(m));
            } else {
                for line in crate::features::session_summary::SessionSummary::lines_from_map(&m) {
                    println!("{line}");
                }
            }
            Ok(())
        }
        Command::Explain { json: false } => {
            let why = proxy.explain_text().await.map_err(explain_error)?;
            if why.is_empty() {
                println!("nothing to explain yet");
            }
            for line in why {
                println!("{line}");
            }
            Ok(())
        }
        Command::Explain { json: true } => {
            let text = proxy.explain_text().await.map_err(explain_error)?;
            let effects: Vec<_> = proxy
                .explain()
                .await
                .map_err(explain_error)?
                .into_iter()
                .map(|(input, control, change)| {
                    serde_json::json!({"input": input, "control": control, "change": change})
                })
                .collect();
            println!("{}", serde_json::json!({"text": text, "effects": effects}));
            Ok(())
        }
        Command::Watch { count } => status::watch(&proxy, count).await,
        Command::Scan { time } => {
            eprintln!("scanning for {} s…", time.as_secs_f64());
            let found = proxy
                .scan(time.as_secs_f64())
                .await
                .map_err(explain_error)?;
            if found.is_empty() {
                println!("no heart-rate, running or cycling sensor found");
            }
            for (address, name, kinds, rssi) in found {
                let rssi = if rssi == 0 {
                    String::new()
                } else {
                    format!("{rssi} dBm")
                };
                println!("{address}  {name:<24} {:<32} {rssi}", kinds.join(","));
            }
            Ok(())
        }
        Command::Pair { address } => {
            let (address, name) = proxy.pair(&address).await.map_err(explain_error)?;
            println!("paired {name} ({address})");
            Ok(())
        }
        Command::Forget { address } => match proxy.forget(&address).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(format!("{address} is not paired")),
            Err(e) => Err(explain_error(e)),
        },
        Command::Sensors => {
            println!(
                "bluetooth: {}",
                proxy.bluetooth().await.map_err(explain_error)?
            );
            for line in sensor_lines(&proxy.sensors().await.map_err(explain_error)?) {
                println!("{line}");
            }
            Ok(())
        }
        Command::TargetCadence { steps_per_minute } => proxy
            .set_target_cadence(steps_per_minute)
            .await
            .map_err(explain_error),
        Command::HrZone { bpm } => {
            let (low, high) = match bpm[..] {
                [low, high] => (low, high),
                [0.0] => (0.0, 0.0),
                _ => return Err("use `hr-zone LOW HIGH` (bpm) or `hr-zone off`".into()),
            };
            crate::limits::hr_zone(low, high)?;
            proxy
                .set_heart_rate_zone(low, high)
                .await
                .map_err(explain_error)
        }
        Command::HrCeiling { bpm } => proxy
            .set_heart_rate_ceiling(bpm)
            .await
            .map_err(explain_error),
        Command::Completions { .. } | Command::Tray => unreachable!("handled above"),
    }
}

// The checks are the daemon's own (crate::limits): a bad value is refused here, before
// the call, with the same words.
fn parse_volume(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("`{s}`: use a number within 0..1"))?;
    crate::limits::volume(v)
}

fn parse_timer_action(s: &str) -> Result<String, String> {
    crate::limits::TimerAction::parse(s).map(|_| s.to_owned())
}

fn parse_target_cadence(s: &str) -> Result<f64, String> {
    let v = parse_off_or_number(s)?;
    crate::limits::target_cadence(v).map(|_| v)
}

fn parse_hr_ceiling(s: &str) -> Result<f64, String> {
    let v = parse_off_or_number(s)?;
    crate::limits::hr_ceiling(v).map(|_| v)
}

fn parse_off_or_number(s: &str) -> Result<f64, String> {
    match s {
        "off" | "none" => Ok(0.0),
        _ => s
            .parse()
            .map_err(|_| format!("`{s}`: use a number or `off`")),
    }
}

pub(crate) fn sensor_lines(sensors: &[SensorRow]) -> Vec<String> {
    sensors
        .iter()
        .map(|s| {
            let mut line = format!("sensor {} ({}): {}", s.name, s.address, s.link);
            if let Some(b) = s.battery_percent() {
                line += &format!(" · battery {b} %");
            }
            if s.dropped > 0 {
                line += &format!(" · {} bad packets dropped", s.dropped);
            }
            line
        })
        .collect()
}

pub(crate) fn or_dash(v: f64, unit: &str) -> String {
    if v > 0.0 {
        format!("{v:.0} {unit}")
    } else {
        "–".into()
    }
}

pub(crate) fn human(secs: f64) -> String {
    let s = secs.round() as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

fn not_running() -> String {
    format!(
        "attuned is not running (nothing owns {} on the session bus): start it with `systemctl --user start attuned` or `attuned`",
        names::BUS_NAME
    )
}

/// Turn bus errors into what a person can act on.
pub(crate) fn explain_error(e: zbus::Error) -> String {
    match &e {
        zbus::Error::MethodError(name, msg, _)
            if name.as_str() == "org.freedesktop.DBus.Error.ServiceUnknown"
                || name.as_str() == "org.freedesktop.DBus.Error.NameHasNoOwner" =>
        {
            let _ = msg;
            not_running()
        }
        zbus::Error::MethodError(_, Some(msg), _) => msg.clone(),
        zbus::Error::FDO(f) => match f.as_ref() {
            zbus::fdo::Error::ServiceUnknown(_) | zbus::fdo::Error::NameHasNoOwner(_) => {
                not_running()
            }
            other => other.to_string(),
        },
        _ => e.to_string(),
    }
}
