//! `attunectl`: the command-line client of the daemon, over the session bus.

use crate::dbus::{AttunedProxy, NowPlaying, SensorRow, WorkoutReport, names};
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
    /// Sleep timer: `timer 45m --fade 10m`, or `timer cancel`.
    Timer {
        /// Duration (90s, 45m, 1h30m) or `cancel`.
        duration: String,
        #[arg(long, default_value = "10m", value_parser = parse_duration)]
        fade: Duration,
        /// What happens at the end: pause or stop.
        #[arg(long, default_value = "pause", value_parser = parse_timer_action)]
        action: String,
    },
    /// What drives the sound now, in words (or, with --json, each input's effect on each
    /// control in numbers).
    Explain {
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
        Command::Status { json } => status(&proxy, json).await,
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
                .set_sleep_timer(d.as_secs_f64(), fade.as_secs_f64(), &action)
                .await
                .map_err(explain_error)
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
        Command::Watch { count } => watch(&proxy, count).await,
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

async fn status(proxy: &AttunedProxy<'_>, json: bool) -> Result<(), String> {
    let e = explain_error;
    let playback = proxy.playback_state().await.map_err(e)?;
    let preset = proxy.preset().await.map_err(e)?;
    let volume = proxy.volume().await.map_err(e)?;
    let hr = proxy.heart_rate().await.map_err(e)?;
    let cadence = proxy.cadence().await.map_err(e)?;
    let tempo = proxy.tempo().await.map_err(e)?;
    let breathing = proxy.breathing_rate().await.map_err(e)?;
    let controls = proxy.controls().await.map_err(e)?;
    let timer = proxy.sleep_timer_remaining().await.map_err(e)?;
    let audio = proxy.audio_output().await.map_err(e)?;
    let bluetooth = proxy.bluetooth().await.map_err(e)?;
    let sensors = proxy.sensors().await.map_err(e)?;
    let workout = proxy.workout().await.map_err(e)?;
    let steering = proxy.steering().await.map_err(e)?;
    let now = NowPlaying::from_map(&proxy.now().await.map_err(e)?);
    let workout_report = WorkoutReport::from_map(&workout);
    if json {
        let sensors: Vec<_> = sensors
            .iter()
            .map(|s| {
                serde_json::json!({
                    "address": s.address, "name": s.name, "link": s.link,
                    "battery": s.battery_percent(), "dropped": s.dropped,
                })
            })
            .collect();
        let v = serde_json::json!({
            "playback": playback, "preset": preset, "volume": volume,
            "heart_rate": hr, "cadence": cadence, "tempo": tempo,
            "breathing_rate": (breathing > 0.0).then_some(breathing),
            "controls": controls, "sleep_timer_remaining": timer, "audio_output": audio,
            "bluetooth": bluetooth, "sensors": sensors,
            "workout": (!workout.is_empty()).then(|| serde_json::json!({
                "values": workout, "steering": steering,
            })),
            "now": now.as_ref().map(|n| serde_json::json!({
                "section": format!("{} {}", n.section, n.section_number), "key": n.key, "chord": n.chord, "voices": n.voices,
            })),
        });
        println!("{v}");
        return Ok(());
    }
    println!("{playback} · {preset} · volume {:.0} %", volume * 100.0);
    println!(
        "tempo {tempo:.1} bpm · heart rate {} · cadence {} · breathing {}",
        or_dash(hr, "bpm"),
        or_dash(cadence, "spm"),
        if breathing > 0.0 {
            format!("{breathing:.1}/min")
        } else {
            "–".into()
        }
    );
    if let Some(n) = &now {
        println!(
            "music: {} {} · {} · {} · {}",
            n.section,
            n.section_number,
            n.key,
            n.chord,
            n.voices.join(" ")
        );
    }
    if let Some(w) = &workout_report {
        println!("workout: {} · steering {steering}", w.line());
    }
    if timer > 0.0 {
        println!("sleep timer: {}", human(timer));
    }
    println!("audio: {audio}");
    if !sensors.is_empty() || bluetooth != "idle" {
        println!("bluetooth: {bluetooth}");
    }
    for line in sensor_lines(&sensors) {
        println!("{line}");
    }
    let mut names: Vec<_> = controls.into_iter().collect();
    names.sort_by(|a, b| a.0.cmp(&b.0));
    let line: Vec<String> = names.iter().map(|(k, v)| format!("{k} {v:.2}")).collect();
    println!("controls: {}", line.join(", "));
    Ok(())
}

async fn watch(proxy: &AttunedProxy<'_>, count: Option<usize>) -> Result<(), String> {
    let mut last = String::new();
    let mut printed = 0;
    loop {
        let e = explain_error;
        let c = proxy.controls().await.map_err(e)?;
        let get = |k: &str| c.get(k).copied().unwrap_or(0.0);
        let line = format!(
            "hr {} · cadence {} · tempo {:.1} bpm · energy {:.2} · brightness {:.2} · density {:.2}",
            or_dash(proxy.heart_rate().await.map_err(e)?, "bpm"),
            or_dash(proxy.cadence().await.map_err(e)?, "spm"),
            proxy.tempo().await.map_err(e)?,
            get("energy"),
            get("brightness"),
            get("density"),
        );
        let workout = WorkoutReport::from_map(&proxy.workout().await.map_err(e)?);
        let line = match workout {
            Some(w) => format!("{line} · {}", w.line()),
            None => line,
        };
        if line != last {
            println!("{line}");
            last = line;
            printed += 1;
            if count.is_some_and(|n| printed >= n) {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
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

fn sensor_lines(sensors: &[SensorRow]) -> Vec<String> {
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

fn or_dash(v: f64, unit: &str) -> String {
    if v > 0.0 {
        format!("{v:.0} {unit}")
    } else {
        "–".into()
    }
}

fn human(secs: f64) -> String {
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
fn explain_error(e: zbus::Error) -> String {
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
