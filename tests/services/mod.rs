//! Real services for the daemon tests: a private D-Bus session bus, a private "system" bus
//! (for the BlueZ mock in [`bluez`]), and a PulseAudio server with a null sink, each in a
//! private runtime directory, started here and stopped on drop. A missing program is a loud
//! failure (the README's test command installs them).

#![allow(dead_code)]

pub mod bluez;
pub mod logind;
pub mod pipewire;
pub mod rtkit;
mod sound_turn;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct Session {
    pub dir: PathBuf,
    bus: Child,
    system_bus: Option<Child>,
    pulse: Vec<Child>,
    /// Held from the first sound server's start to the end of the session.
    sound_turn: Option<std::sync::MutexGuard<'static, ()>>,
}

fn spawn(cmd: &mut Command, what: &str) -> Child {
    cmd.spawn()
        .unwrap_or_else(|e| panic!("cannot start {what} ({e}): scripts/test.sh installs it"))
}

impl Session {
    /// A fresh runtime directory with a private session bus in it.
    pub fn new(name: &str) -> Session {
        Session::start(name, None)
    }

    /// Like [`Session::new`], with a bus that activates services from `servicedir`.
    pub fn with_servicedir(name: &str, servicedir: &Path) -> Session {
        Session::start(name, Some(servicedir))
    }

    fn start(name: &str, servicedir: Option<&Path>) -> Session {
        let dir = std::env::temp_dir().join(format!("attuned-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("home")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::write(dir.join("pulse-client.conf"), "autospawn = no\n").unwrap();
        let mut s = Session {
            dir: dir.clone(),
            bus: Command::new("true").spawn().unwrap(),
            system_bus: None,
            pulse: Vec::new(),
            sound_turn: None,
        };
        let mut cmd = s.command("dbus-daemon");
        cmd.args(["--nofork", "--nopidfile"])
            .arg(format!("--address=unix:path={}/bus", dir.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match servicedir {
            None => {
                cmd.arg("--session");
            }
            Some(services) => {
                let conf = dir.join("bus.conf");
                std::fs::write(
                    &conf,
                    format!(
                        "<busconfig><type>session</type><keep_umask/>\
                         <listen>unix:path={}/bus</listen><servicedir>{}</servicedir>\
                         <policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>\
                         <allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n",
                        dir.display(),
                        services.display()
                    ),
                )
                .unwrap();
                cmd.arg(format!("--config-file={}", conf.display()));
            }
        }
        s.bus = spawn(&mut cmd, "dbus-daemon");
        let sock = dir.join("bus");
        wait_for("the session bus", Duration::from_secs(5), || sock.exists());
        s
    }

    pub fn bus_address(&self) -> String {
        format!("unix:path={}/bus", self.dir.display())
    }

    /// The private system bus's address. The daemon is always pointed here, so no test
    /// touches the machine's own system bus; it exists once [`Session::start_system_bus`] ran.
    pub fn system_bus_address(&self) -> String {
        format!("unix:path={}/system_bus", self.dir.display())
    }

    /// Stop the session bus (as a session ending does).
    pub fn kill_session_bus(&mut self) {
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }

    /// Stop the private system bus (everything on it goes with it).
    pub fn kill_system_bus(&mut self) {
        if let Some(mut b) = self.system_bus.take() {
            let _ = b.kill();
            let _ = b.wait();
        }
        let _ = std::fs::remove_file(self.dir.join("system_bus"));
    }

    /// Start the private system bus (for the BlueZ mock).
    pub fn start_system_bus(&mut self) {
        let sock = self.dir.join("system_bus");
        let mut cmd = self.command("dbus-daemon");
        cmd.args(["--nofork", "--nopidfile", "--session"])
            .arg(format!("--address={}", self.system_bus_address()))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.system_bus = Some(spawn(&mut cmd, "dbus-daemon"));
        wait_for("the system bus", Duration::from_secs(5), || sock.exists());
    }

    /// A command with this session's environment (bus, runtime dir, XDG dirs, HOME).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        let home = self.dir.join("home");
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("XDG_RUNTIME_DIR", &self.dir)
            .env("DBUS_SESSION_BUS_ADDRESS", self.bus_address())
            .env("DBUS_SYSTEM_BUS_ADDRESS", self.system_bus_address())
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_STATE_HOME", home.join(".local/state"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("RUST_LOG", "attuned=info")
            // libpulse (pactl, parec, pacat) starts a PulseAudio of its own when it finds no
            // server: never here, where the test decides which server runs.
            .env("PULSE_CLIENTCONFIG", self.dir.join("pulse-client.conf"));
        c
    }

    pub fn state_file(&self) -> PathBuf {
        self.dir.join("home/.local/state/attuned/state.json")
    }

    /// Write the daemon's state file (before it starts).
    pub fn write_state(&self, state: serde_json::Value) {
        let path = self.state_file();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, state.to_string()).unwrap();
    }

    /// Write the daemon's config file (before it starts).
    pub fn write_config(&self, text: &str) {
        let path = self.dir.join("home/.config/attuned/config.toml");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }

    /// Wait up to 5 s for the daemon to play through `host` ("PipeWire", "PulseAudio").
    pub fn wait_playing_through(&self, d: &Daemon, host: &str) {
        let through = format!("playing through {host}");
        assert!(
            until(Duration::from_secs(5), || self
                .property("AudioOutput")
                .contains(&through))
            .is_some(),
            "{}\n{}",
            self.property("AudioOutput"),
            d.log()
        );
    }

    /// A private system bus with the logind-shaped service on it.
    pub fn start_logind(&mut self) -> logind::Logind {
        self.start_system_bus();
        logind::Logind::start(&self.system_bus_address())
    }

    /// A private system bus with the RTKit-shaped service on it (`grant`: it promotes).
    pub fn start_rtkit(&mut self, grant: bool) -> rtkit::Rtkit {
        self.start_system_bus();
        rtkit::Rtkit::start(&self.system_bus_address(), grant)
    }

    /// A private system bus with the BlueZ-shaped service on it.
    pub fn start_bluez(&mut self) -> std::sync::Arc<bluez::Bluez> {
        self.start_system_bus();
        std::sync::Arc::new(bluez::Bluez::start(&self.system_bus_address()))
    }

    /// Run `attunectl` on the session's bus; it must succeed. Its output.
    pub fn ctl(&self, args: &[&str]) -> String {
        let out = self
            .command(env!("CARGO_BIN_EXE_attunectl"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "attunectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Start PulseAudio with a null sink (and a keep-alive stream, without which an idle
    /// null sink stalls new streams).
    pub fn start_pulse(&mut self) {
        assert!(self.pulse.is_empty(), "pulseaudio already running");
        self.take_sound_turn();
        let server = spawn(
            self.command("pulseaudio")
                .args([
                    "--daemonize=no",
                    "--exit-idle-time=-1",
                    "--disallow-exit",
                    "--disable-shm=true",
                    "-n",
                    "-L",
                    "module-native-protocol-unix",
                    "-L",
                    "module-null-sink sink_name=nullsink rate=48000",
                    "-L",
                    "module-always-sink",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
            "pulseaudio",
        );
        self.pulse.push(server);
        let sock = self.dir.join("pulse/native");
        wait_for("the PulseAudio socket", Duration::from_secs(10), || {
            sock.exists()
        });
        std::thread::sleep(Duration::from_millis(100));
        let keep_alive = spawn(
            self.command("pacat")
                .args([
                    "--latency-msec=20",
                    "--raw",
                    "--format=s16le",
                    "--rate=48000",
                    "--channels=2",
                    "/dev/zero",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
            "pacat",
        );
        self.pulse.push(keep_alive);
    }

    /// Kill the audio server (as a crash would).
    pub fn kill_pulse(&mut self) {
        for mut c in self.pulse.drain(..).rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_file(self.dir.join("pulse/native"));
    }

    /// Record `seconds` of the null sink's monitor as interleaved stereo i16.
    pub fn record(&self, seconds: f64) -> Vec<i16> {
        self.record_from("nullsink", seconds)
    }

    /// Record `seconds` of `sink`'s monitor as interleaved stereo i16.
    pub fn record_from(&self, sink: &str, seconds: f64) -> Vec<i16> {
        let monitor = format!("{sink}.monitor");
        // To a file: a pipe nobody reads until the end would fill and stall parec.
        let file = self.dir.join(format!("rec-{sink}.raw"));
        let mut rec = spawn(
            self.command("parec")
                .args([
                    "--latency-msec=20",
                    "-d",
                    &monitor,
                    "--raw",
                    "--format=s16le",
                    "--rate=48000",
                    "--channels=2",
                ])
                .stdout(std::fs::File::create(&file).unwrap())
                .stderr(Stdio::null()),
            "parec",
        );
        std::thread::sleep(Duration::from_secs_f64(seconds));
        unsafe {
            libc::kill(rec.id() as i32, libc::SIGINT);
        }
        rec.wait().unwrap();
        std::fs::read(&file)
            .unwrap()
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect()
    }

    /// Run a program in this session and return its output.
    pub fn run(&self, program: &str, args: &[&str]) -> Output {
        self.command(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program} ({e}): scripts/test.sh installs it"))
    }

    /// `busctl --user` on our bus.
    pub fn busctl(&self, args: &[&str]) -> Output {
        let mut a = vec!["--user"];
        a.extend_from_slice(args);
        self.run("busctl", &a)
    }

    /// Start the daemon and wait until it owns its bus name.
    pub fn start_daemon(&self, extra: &[&str]) -> Daemon {
        self.start_daemon_with(extra, &[])
    }

    /// Start the daemon with more environment (`RUST_LOG=…`, …).
    pub fn start_daemon_with(&self, extra: &[&str], env: &[(&str, &str)]) -> Daemon {
        self.start_daemon_under(&[], extra, env)
    }

    /// Start the daemon through `wrapper` (a program that execs the rest of its command
    /// line, as `setpriv …` does), with `extra` arguments and more environment.
    pub fn start_daemon_under(
        &self,
        wrapper: &[&str],
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Daemon {
        let log = self.dir.join(format!(
            "daemon-{}.log",
            Instant::now().elapsed().as_nanos()
        ));
        // ATTUNED_DAEMON_BIN measures another build (the release binary) with these tests.
        let daemon = std::env::var_os("ATTUNED_DAEMON_BIN")
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_attuned").into());
        let mut command = match wrapper.split_first() {
            Some((program, args)) => {
                let mut c = self.command(program);
                c.args(args).arg(daemon);
                c
            }
            None => self.command(daemon),
        };
        let child = spawn(
            command
                .args(extra)
                .envs(env.iter().copied())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).unwrap()),
            "attuned",
        );
        let d = Daemon { child, log };
        let start = Instant::now();
        while !self.name_owned("io.github.Attuned") {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "daemon never took its bus name; log:\n{}",
                d.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        d
    }

    /// `busctl call` on the daemon's object: method, then signature and arguments.
    pub fn call(&self, method: &str, sig_args: &[&str]) -> Output {
        let mut a = vec![
            "call",
            "io.github.Attuned",
            "/io/github/Attuned",
            "io.github.Attuned1",
            method,
        ];
        a.extend_from_slice(sig_args);
        self.busctl(&a)
    }

    /// A daemon property as busctl prints it (`s "sleep"`); the call must succeed.
    pub fn property(&self, prop: &str) -> String {
        String::from_utf8(self.property_raw(&[], prop))
            .unwrap()
            .trim()
            .to_owned()
    }

    /// A daemon property's value as JSON.
    pub fn property_json(&self, prop: &str) -> serde_json::Value {
        let out = self.property_raw(&["--json=short"], prop);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        v["data"].clone()
    }

    fn property_raw(&self, flags: &[&str], prop: &str) -> Vec<u8> {
        let mut a = flags.to_vec();
        a.extend([
            "get-property",
            "io.github.Attuned",
            "/io/github/Attuned",
            "io.github.Attuned1",
            prop,
        ]);
        let out = self.busctl(&a);
        assert!(
            out.status.success(),
            "{prop}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    pub fn name_owned(&self, name: &str) -> bool {
        let out = self.busctl(&["status", name]);
        out.status.success()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.kill_pulse();
        self.kill_system_bus();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A child process killed when the test ends, passed or failed.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Session {
    /// Start `attunectl tray` on this session's bus.
    pub fn start_tray(&self) -> KillOnDrop {
        KillOnDrop(
            self.command(env!("CARGO_BIN_EXE_attunectl"))
                .arg("tray")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("attunectl tray"),
        )
    }
}

pub struct Daemon {
    pub child: Child,
    log: PathBuf,
}

impl Daemon {
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// [`wait_for`], failing with the daemon's log.
    pub fn wait_for(&self, what: &str, limit: Duration, ok: impl FnMut() -> bool) -> Duration {
        until(limit, ok)
            .unwrap_or_else(|| panic!("not {what} within {limit:?}; daemon log:\n{}", self.log()))
    }
    /// SIGTERM, and the exit status once it has gone.
    pub fn terminate(self) -> (std::process::ExitStatus, Duration, String) {
        self.stop_with(libc::SIGTERM)
    }
    /// Send `signal`, and the exit status once it has gone.
    pub fn stop_with(mut self, signal: i32) -> (std::process::ExitStatus, Duration, String) {
        let start = Instant::now();
        unsafe {
            libc::kill(self.child.id() as i32, signal);
        }
        let status = self.child.wait().unwrap();
        (status, start.elapsed(), self.log())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A command's output, which must have succeeded (its stderr shown if not).
pub fn ok(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Wait until `f` holds, up to `timeout`; returns how long it took.
pub fn until(timeout: Duration, mut f: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if f() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// Wait until `ok` holds, up to `limit`, and say how long it took; fail naming `what`.
/// The tests wait on conditions like this, never for a fixed time.
pub fn wait_for(what: &str, limit: Duration, ok: impl FnMut() -> bool) -> Duration {
    until(limit, ok).unwrap_or_else(|| panic!("not {what} within {limit:?}"))
}

/// Music is heard on `sink` (a quarter second of its monitor).
pub fn heard(s: &Session, sink: &str) -> bool {
    rms(&s.record_from(sink, 0.25)) > 0.005
}

/// RMS of interleaved samples as a fraction of full scale.
pub fn rms(samples: &[i16]) -> f64 {
    let sum: f64 = samples.iter().map(|&s| (s as f64 / 32768.0).powi(2)).sum();
    (sum / samples.len().max(1) as f64).sqrt()
}

/// The longest run of exact-zero frames (both channels), in frames.
pub fn longest_silence(samples: &[i16]) -> usize {
    let (mut best, mut run) = (0, 0);
    for f in samples.chunks_exact(2) {
        if f[0] == 0 && f[1] == 0 {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// A service of a test's own on the bus at `bus`: `iface` served at `path` under `name`, on a
/// runtime of its own (kept with the connection for as long as the service runs).
pub fn serve<I: zbus::object_server::Interface>(
    bus: &str,
    path: &str,
    name: &str,
    iface: I,
) -> (tokio::runtime::Runtime, zbus::Connection) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let conn = rt
        .block_on(async {
            zbus::connection::Builder::address(bus)?
                .serve_at(path, iface)?
                .name(name)?
                .build()
                .await
        })
        .unwrap_or_else(|e| panic!("{name}: the stand-in cannot start: {e}"));
    (rt, conn)
}
