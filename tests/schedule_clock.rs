//! The daemon in-process with a wall clock of the test's own: when the clock's UTC offset
//! changes mid-run (daylight saving begins), the schedule follows at once. One test in its
//! own binary: it points the process at a private session bus.

mod services;

use attuned::daemon::{DaemonOptions, run_with_clock};
use attuned::features::Clock;
use services::Session;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

#[test]
fn a_clock_whose_offset_changes_moves_the_schedule() {
    let s = Session::new("dst");
    // SAFETY: before any thread of this test binary's test starts using the environment.
    unsafe { std::env::set_var("DBUS_SESSION_BUS_ADDRESS", s.bus_address()) };
    let presets = s.dir.join("presets");
    std::fs::create_dir_all(&presets).unwrap();
    let config =
        attuned::config::Config::parse("config.toml", "schedule = [\"07:00 sleep\"]\n").unwrap();
    let opts = DaemonOptions {
        config,
        state_path: None,
        preset_dir: Some(presets),
        record: None,
    };
    // 05:58 UTC, one hour ahead (06:58 local, winter time), running on in real time.
    let offset_min = Arc::new(AtomicI64::new(60));
    let started = Instant::now();
    let offset = offset_min.clone();
    let clock = Box::new(move || {
        let utc_h = 5.0 + 58.0 / 60.0 + started.elapsed().as_secs_f64() / 3600.0;
        let utc_offset_h = offset.load(Ordering::Relaxed) as f64 / 60.0;
        Clock {
            session_s: 0.0,
            local_hours: (utc_h + utc_offset_h).rem_euclid(24.0),
            day_of_year: 88,
            utc_offset_h,
        }
    });
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let daemon = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(run_with_clock(opts, clock, async {
            let _ = stop_rx.await;
        }))
    });
    let wait = |what: &str, f: &dyn Fn() -> bool| {
        let start = Instant::now();
        while !f() {
            assert!(start.elapsed() < Duration::from_secs(20), "{what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait("the daemon on the bus", &|| {
        s.name_owned("io.github.Attuned")
    });
    // A few ticks at 06:58: nothing is due.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(s.property("Preset"), "s \"focus\"");
    // Summer time begins: 07:58 local. The 07:00 entry is now past and applies.
    offset_min.store(120, Ordering::Relaxed);
    wait("the schedule to switch to sleep", &|| {
        s.property("Preset") == "s \"sleep\""
    });
    let _ = stop_tx.send(());
    daemon.join().unwrap().unwrap();
}
