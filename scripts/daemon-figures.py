#!/usr/bin/env python3
"""Daemon figures on this machine, against real sound servers: time from start to D-Bus ready
and to first audio, streaming CPU (% of one core, from /proc), peak RSS, wake-ups per second
(context switches of all its threads), and the sound server's own CPU in the same window;
then, paused, the wake-ups left (up to 30 s).

Each run starts a private session bus and one sound server with a null sink, runs the release
daemon, and prints one block of figures:
  pulseaudio        PulseAudio 16 (cpal's native PulseAudio host)
  pipewire          PipeWire as installed (its clock.max-quantum, 2048 frames = 43 ms, caps
                    the 200 ms buffer asked for)
  pipewire-200ms    PipeWire with clock.max-quantum raised to 9600 (pw-metadata), so the
                    daemon's 200 ms buffer is granted
Targets: <= 0.5 % CPU and <= 20 wake-ups/s on PipeWire with 200 ms buffers; <= 40 MB RSS;
<= 200 ms to D-Bus ready.

usage: scripts/daemon-figures.py [SECONDS] [SERVER…] [--device] [--seed N|time] [-- DAEMON ARGS…]
       (default 60 s, every server; build first: cargo build --release --bin attuned;
       ATTUNED_BIN=path measures another build)
       --device: play on the null sink chosen by name (`[audio] device`), not the default,
       so the once-a-second check that the chosen device is still there is counted too
       --seed: the music's seed (ATTUNED_SEED; default 1, so runs and commits compare on
       the same music: with a new seed each run the stream thread moved 0.35-0.44 %);
       `time` for a new one each run, as the daemon otherwise does
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# ATTUNED_BIN measures another build (a baseline commit's, say) with this script.
BIN = os.environ.get("ATTUNED_BIN", os.path.join(ROOT, "target/release/attuned"))
TICK = os.sysconf("SC_CLK_TCK")
SERVERS = ["pulseaudio", "pipewire", "pipewire-200ms"]


def wait(what, pred, timeout=20.0):
    start = time.monotonic()
    while not pred():
        if time.monotonic() - start > timeout:
            sys.exit(f"timed out waiting for {what}")
        time.sleep(0.002)
    return time.monotonic() - start


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def switches(pid):
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            for line in open(f"/proc/{pid}/task/{tid}/status"):
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    total += int(line.split()[1])
        except FileNotFoundError:  # a thread that ended meanwhile
            pass
    return total


def switches_by_tid(pid):
    """{thread id: (name, context switches)}."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            name = open(f"/proc/{pid}/task/{tid}/comm").read().strip()
            n = sum(int(line.split()[1]) for line in open(f"/proc/{pid}/task/{tid}/status")
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")))
        except FileNotFoundError:
            continue
        out[tid] = (name, n)
    return out


def switches_by_thread(pid):
    """{thread name: context switches}, threads of one name summed."""
    out = {}
    for name, n in switches_by_tid(pid).values():
        out[name] = out.get(name, 0) + n
    return out


def cpu_ns_by_task(pid):
    """{thread id: (name, nanoseconds on a CPU)}, from the scheduler's own count
    (/proc/…/schedstat): exact, where the tick counts in /proc/…/stat come in 10 ms steps
    (one tick is 0.017 % of a minute, and each thread's count is cut to whole ticks)."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            name = open(f"/proc/{pid}/task/{tid}/comm").read().strip()
            ns = int(open(f"/proc/{pid}/task/{tid}/schedstat").read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue
        out[tid] = (name, ns)
    return out


def start_pulseaudio(run, env):
    server = subprocess.Popen(
        ["pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit", "-n",
         "-L", "module-native-protocol-unix", "-L", "module-null-sink sink_name=nullsink rate=48000",
         "-L", "module-always-sink"], env=env, stderr=subprocess.DEVNULL)
    wait("pulseaudio", lambda: os.path.exists(f"{run}/pulse/native"))
    return [server]


def start_pipewire(run, env, max_quantum=None):
    procs = []
    for program in ["pipewire", "wireplumber", "pipewire-pulse"]:
        procs.append(subprocess.Popen([program], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
        if program == "pipewire":
            wait("the PipeWire socket", lambda: os.path.exists(f"{run}/pipewire-0"))

    def pactl(*args):
        return subprocess.run(["pactl", *args], env=env, capture_output=True, text=True)

    wait("a default sink", lambda: pactl("get-default-sink").stdout.strip() != "")
    pactl("load-module", "module-null-sink", "sink_name=nullsink")
    wait("nullsink", lambda: "nullsink" in pactl("list", "short", "sinks").stdout)
    pactl("set-default-sink", "nullsink")
    wait("nullsink as default", lambda: pactl("get-default-sink").stdout.strip() == "nullsink")
    if max_quantum:
        subprocess.run(["pw-metadata", "-n", "settings", "0", "clock.max-quantum",
                        str(max_quantum)], env=env, capture_output=True, check=True)
    return procs


def measure(kind, seconds, daemon_args, device=False, seed="1"):
    run = tempfile.mkdtemp(prefix="attuned-figures-")
    os.chmod(run, 0o700)
    home = os.path.join(run, "home")
    os.makedirs(home)
    env = dict(os.environ, XDG_RUNTIME_DIR=run, HOME=home, RUST_LOG="warn",
               DBUS_SESSION_BUS_ADDRESS=f"unix:path={run}/bus",
               XDG_STATE_HOME=os.path.join(home, ".local/state"),
               XDG_CONFIG_HOME=os.path.join(home, ".config"))
    env.pop("PIPEWIRE_RUNTIME_DIR", None)
    env.pop("ATTUNED_SEED", None)
    if seed != "time":
        env["ATTUNED_SEED"] = seed
    env.pop("PULSE_SERVER", None)
    if device:
        os.makedirs(os.path.join(home, ".config/attuned"))
        with open(os.path.join(home, ".config/attuned/config.toml"), "w") as f:
            f.write('[audio]\ndevice = "nullsink"\n')
    procs = []
    try:
        procs.append(subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--nopidfile",
                                       f"--address=unix:path={run}/bus"], env=env))
        wait("the bus", lambda: os.path.exists(f"{run}/bus"))
        if kind == "pulseaudio":
            servers = start_pulseaudio(run, env)
        else:
            servers = start_pipewire(run, env, 9600 if kind == "pipewire-200ms" else None)
        procs += servers
        helpers = []
        if kind == "pulseaudio":
            # Without a stream an idle null sink stalls a new one 0.3-1.5 s.
            helpers.append(subprocess.Popen(["pacat", "--latency-msec=20", "--raw", "/dev/zero"],
                                            env=env))
        rec = open(os.path.join(run, "rec.raw"), "wb")
        helpers.append(subprocess.Popen(["parec", "--latency-msec=20", "-d", "nullsink.monitor",
                                         "--raw", "--format=s16le", "--rate=48000",
                                         "--channels=2"], env=env, stdout=rec))
        procs += helpers
        time.sleep(0.5)

        def owned():
            return subprocess.run(["busctl", "--user", "status", "io.github.Attuned"], env=env,
                                  capture_output=True).returncode == 0

        def sounding():
            data = open(os.path.join(run, "rec.raw"), "rb").read()[-9600:]
            return any(b != 0 for b in data)

        daemon = subprocess.Popen([BIN] + daemon_args, env=env)
        procs.append(daemon)
        ready = wait("D-Bus", owned)
        first = wait("first audio", sounding) + ready
        # The 20 ms recorder (and keep-alive) hold the graph at 20 ms periods, which no
        # desktop does while only attuned plays: stop them before measuring the steady state.
        for p in helpers:
            p.kill()
            p.wait()
        time.sleep(2.0)  # let start-up settle
        output = subprocess.run(["busctl", "--user", "get-property", "io.github.Attuned",
                                 "/io/github/Attuned", "io.github.Attuned1", "AudioOutput"],
                                env=env, capture_output=True, text=True).stdout.strip()
        p0 = sum(cpu_seconds(s.pid) for s in servers)
        t0 = switches_by_thread(daemon.pid)
        n0 = cpu_ns_by_task(daemon.pid)
        c0, s0, w0 = cpu_seconds(daemon.pid), switches(daemon.pid), time.monotonic()
        time.sleep(seconds)
        c1, s1, w1 = cpu_seconds(daemon.pid), switches(daemon.pid), time.monotonic()
        n1 = cpu_ns_by_task(daemon.pid)
        t1 = switches_by_thread(daemon.pid)
        p1 = sum(cpu_seconds(s.pid) for s in servers)
        hwm = next(int(l.split()[1]) for l in open(f"/proc/{daemon.pid}/status")
                   if l.startswith("VmHWM"))
        span = w1 - w0
        server_name = "PulseAudio" if kind == "pulseaudio" else \
            "PipeWire (pipewire + wireplumber + pipewire-pulse)"
        print(f"== {kind}: {output} (seed {seed})")
        print(f"start → D-Bus ready:   {ready * 1000:.0f} ms (target ≤ 200 ms)")
        print(f"start → first audio:   {first * 1000:.0f} ms")
        # The scheduler's count over the threads alive at the end (a thread that ended in
        # the window would be missing: said if one did).
        ns = {}
        for tid, (name, end) in n1.items():
            ns[name] = ns.get(name, 0) + end - n0.get(tid, (name, 0))[1]
        gone = [n0[t][0] for t in n0 if t not in n1]
        exact = 100 * sum(ns.values()) / 1e9 / span
        print(f"streaming CPU:         {exact:.3f} % of one core over {span:.0f} s (the "
              f"scheduler's count; in /proc/…/stat's 10 ms ticks: {100 * (c1 - c0) / span:.2f} %)")
        spent = sorted(((v / 1e9 / span, k) for k, v in ns.items()), reverse=True)
        print("  by thread:           " + ", ".join(f"{k} {100 * r:.3f} %" for r, k in spent
                                                     if r > 0))
        if gone:
            print(f"  (threads that ended meanwhile, not counted above: {', '.join(gone)})")
        print(f"  the server, {server_name}: {100 * (p1 - p0) / span:.2f} %")
        print(f"peak RSS:              {hwm / 1024:.1f} MB (target ≤ 40 MB)")
        print(f"wake-ups:              {(s1 - s0) / span:.1f} per second (context switches, all threads)")
        busiest = sorted(((t1[k] - t0.get(k, 0)) / span, k) for k in t1)[::-1]
        print("  by thread:           " + ", ".join(f"{k} {r:.1f}" for r, k in busiest if r >= 0.05))
        # Paused: the stream closes and nothing of the daemon's should wake (the owner waits
        # for a command, the audio supervisor for a command; what is left is the bus).
        subprocess.run(["busctl", "--user", "call", "io.github.Attuned", "/io/github/Attuned",
                        "io.github.Attuned1", "Pause"], env=env, capture_output=True)
        time.sleep(2.0)
        t0, w0 = switches_by_tid(daemon.pid), time.monotonic()
        time.sleep(min(seconds, 30.0))
        t1, w1 = switches_by_tid(daemon.pid), time.monotonic()
        span = w1 - w0
        # Threads alive at the end, each from its own count at the start (0 if new).
        woke = {}
        for tid, (name, n) in t1.items():
            woke[name] = woke.get(name, 0) + n - t0.get(tid, (name, 0))[1]
        print(f"paused wake-ups:       {sum(woke.values()) / span:.2f} per second over {span:.0f} s")
        idle = sorted(((n / span, k) for k, n in woke.items()), reverse=True)
        print("  by thread:           " + (", ".join(f"{k} {r:.2f}" for r, k in idle if r > 0)
                                          or "none"))
        sys.stdout.flush()
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=10)
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(run, ignore_errors=True)


def main():
    args = sys.argv[1:]
    daemon_args = []
    if "--" in args:
        daemon_args = args[args.index("--") + 1:]
        args = args[:args.index("--")]
    device = "--device" in args
    args = [a for a in args if a != "--device"]
    seed = "1"
    if "--seed" in args:
        i = args.index("--seed")
        if i + 1 >= len(args) or not (args[i + 1] == "time" or args[i + 1].isdigit()):
            sys.exit("--seed takes a number or `time`")
        seed = args[i + 1]
        del args[i:i + 2]
    seconds = 60.0
    if args and args[0].replace(".", "", 1).isdigit():
        seconds = float(args.pop(0))
    kinds = args or SERVERS
    for k in kinds:
        if k not in SERVERS:
            sys.exit(f"unknown server {k!r}: use {', '.join(SERVERS)}")
    if not os.path.exists(BIN):
        sys.exit("build first: cargo build --release --bin attuned")
    for kind in kinds:
        measure(kind, seconds, daemon_args, device, seed)


if __name__ == "__main__":
    main()
