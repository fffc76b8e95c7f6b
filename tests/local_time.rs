//! The daemon's wall clock follows daylight-saving and time-zone changes without a restart.
//! One test in its own binary: it changes `TZ` for the whole process.

use attuned::daemon::wall_clock;

#[test]
fn local_time_follows_daylight_saving_and_a_changed_zone() {
    // Central European rules as a POSIX string (no tz database needed): summer time from
    // 01:00 UTC on the last Sunday of March.
    // SAFETY: this binary's only test; no other thread reads the environment.
    unsafe { std::env::set_var("TZ", "CET-1CEST,M3.5.0,M10.5.0/3") };
    let before = 1_774_744_200.0; // 2026-03-29 00:30 UTC
    let winter = wall_clock::at(before);
    assert_eq!(winter.utc_offset_h, 1.0);
    assert!((winter.local_hours - 1.5).abs() < 1e-9, "{winter:?}");
    let summer = wall_clock::at(before + 3600.0);
    assert_eq!(summer.utc_offset_h, 2.0);
    assert!((summer.local_hours - 3.5).abs() < 1e-9, "{summer:?}");
    assert_eq!(summer.day_of_year, 88);
    // Back in autumn: 2026-10-25 00:30 UTC is still summer time, 01:30 UTC is not.
    let autumn = 1_792_888_200.0;
    assert_eq!(wall_clock::at(autumn).utc_offset_h, 2.0);
    assert_eq!(wall_clock::at(autumn + 3600.0).utc_offset_h, 1.0);
    // The machine moves to another zone: the next reading follows.
    unsafe { std::env::set_var("TZ", "JST-9") };
    let tokyo = wall_clock::at(before);
    assert_eq!(tokyo.utc_offset_h, 9.0);
    assert!((tokyo.local_hours - 9.5).abs() < 1e-9, "{tokyo:?}");
}
