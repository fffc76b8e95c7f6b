//! A headless PipeWire for the daemon tests: `pipewire`, `wireplumber` (without it streams
//! get no callbacks and no error) and `pipewire-pulse` (for `pactl`, `parec` and null
//! sinks), on the session's bus and in its runtime directory, with a null sink `nullsink`
//! as the default so [`Session::record`] works as it does on PulseAudio.

use super::{Session, spawn, wait_for};
use std::process::Stdio;
use std::time::Duration;

impl Session {
    /// Start PipeWire with `nullsink` as the default sink.
    pub fn start_pipewire(&mut self) {
        assert!(self.pulse.is_empty(), "a sound server is already running");
        self.take_sound_turn();
        // In this order: wireplumber needs the server, pipewire-pulse serves both. Their
        // messages go to files in the session, shown if the start times out.
        for program in ["pipewire", "wireplumber", "pipewire-pulse"] {
            let log = std::fs::File::create(self.dir.join(format!("{program}.log"))).unwrap();
            let child = spawn(
                self.command(program).stdout(Stdio::null()).stderr(log),
                program,
            );
            self.pulse.push(child);
            if program == "pipewire" {
                let sock = self.dir.join("pipewire-0");
                wait_for("the PipeWire socket", Duration::from_secs(10), || {
                    sock.exists()
                });
            }
        }
        let pulse = self.dir.join("pulse/native");
        self.wait_or_show_logs("pipewire-pulse's socket", || pulse.exists());
        // The session manager has linked its dummy sink once pactl names a default.
        self.wait_or_show_logs("a default sink", || {
            let out = self.run("pactl", &["get-default-sink"]);
            out.status.success() && !out.stdout.trim_ascii().is_empty()
        });
        self.load_null_sink("nullsink");
        self.set_default_sink("nullsink");
    }

    /// Wait up to 20 s for `ok`; on a timeout, fail with the three programs' messages.
    fn wait_or_show_logs(&self, what: &str, mut ok: impl FnMut() -> bool) {
        let start = std::time::Instant::now();
        while !ok() {
            if start.elapsed() > Duration::from_secs(20) {
                let logs: Vec<String> = ["pipewire", "wireplumber", "pipewire-pulse"]
                    .iter()
                    .map(|p| {
                        let text = std::fs::read_to_string(self.dir.join(format!("{p}.log")))
                            .unwrap_or_default();
                        format!("--- {p}:\n{text}")
                    })
                    .collect();
                panic!("timed out waiting for {what}\n{}", logs.join("\n"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Send `signal` to PipeWire's three processes (SIGSTOP: a server that hangs; SIGCONT
    /// brings it back).
    #[allow(dead_code)]
    pub fn signal_pipewire(&self, signal: i32) {
        for child in &self.pulse {
            // SAFETY: a plain kill(2) of a child this session started.
            unsafe { libc::kill(child.id() as i32, signal) };
        }
    }

    /// Kill PipeWire (all three, as a crash or a restart of the user's audio does).
    pub fn kill_pipewire(&mut self) {
        self.kill_pulse();
        for f in [
            "pipewire-0",
            "pipewire-0.lock",
            "pipewire-0-manager",
            "pipewire-0-manager.lock",
        ] {
            let _ = std::fs::remove_file(self.dir.join(f));
        }
    }

    /// Load a null sink called `name`; returns its module index (for [`Session::unload`]).
    pub fn load_null_sink(&self, name: &str) -> String {
        let out = self.run(
            "pactl",
            &[
                "load-module",
                "module-null-sink",
                &format!("sink_name={name}"),
            ],
        );
        let module = super::ok(out).trim().to_owned();
        wait_for(&format!("sink {name}"), Duration::from_secs(10), || {
            self.sinks().iter().any(|s| s == name)
        });
        module
    }

    /// Unload a module (a null sink: as a headset being unplugged).
    pub fn unload(&self, module: &str) {
        super::ok(self.run("pactl", &["unload-module", module]));
    }

    pub fn set_default_sink(&self, name: &str) {
        // pipewire-pulse answers "Not supported" until the session manager's `default`
        // metadata has reached it, which can be after it already names a default sink (seen
        // on a loaded machine): ask again until it takes.
        let start = std::time::Instant::now();
        loop {
            let out = self.run("pactl", &["set-default-sink", name]);
            if out.status.success() || start.elapsed() > Duration::from_secs(10) {
                super::ok(out);
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        wait_for(
            &format!("{name} as the default"),
            Duration::from_secs(10),
            || self.run("pactl", &["get-default-sink"]).stdout.trim_ascii() == name.as_bytes(),
        );
    }

    /// The sink names the server lists.
    pub fn sinks(&self) -> Vec<String> {
        let out = self.run("pactl", &["list", "short", "sinks"]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split('\t').nth(1).map(str::to_owned))
            .collect()
    }

    /// The playback streams the server lists, by `node.name` (cpal names its node after the
    /// program) or `application.name`.
    pub fn playback_streams(&self) -> Vec<String> {
        let out = self.run("pactl", &["list", "sink-inputs"]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.split("Sink Input #")
            .skip(1)
            .map(|block| {
                let prop = |key: &str| {
                    block.lines().find_map(|l| {
                        l.trim()
                            .strip_prefix(key)
                            .map(|v| v.trim_start_matches(" = ").trim_matches('"').to_owned())
                    })
                };
                prop("node.name")
                    .or_else(|| prop("application.name"))
                    .unwrap_or_default()
            })
            .collect()
    }
}
