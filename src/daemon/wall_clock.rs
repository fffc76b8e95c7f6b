//! The wall clock for the features and the schedule: local time of day, day of year and UTC
//! offset. Daylight-saving changes and a suspended machine are followed at once (the offset
//! is the zone's rule at that instant); a machine moved to another zone within a minute.

use crate::features::Clock;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// How often [`now`] has the C library look again at which zone is in force, seconds:
/// glibc's `tzset` stats `/etc/localtime` every call, and the control loop reads the clock
/// twice a second (that lookup was 6 % of the daemon's control-side time).
const ZONE_RECHECK_S: i64 = 60;

/// The clock now (session time is counted by the caller; 0 here).
pub fn now() -> Clock {
    static ZONE_READ_AT: AtomicI64 = AtomicI64::new(i64::MIN);
    let secs = unix_now();
    let whole = secs.floor() as i64;
    let last = ZONE_READ_AT.load(Ordering::Relaxed);
    // Also after the clock stepped back (a corrected clock, a resumed machine).
    let reread = whole < last || whole >= last.saturating_add(ZONE_RECHECK_S);
    if reread {
        ZONE_READ_AT.store(whole, Ordering::Relaxed);
    }
    clock_at(secs, reread)
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The clock at `unix_secs` in the time zone in force now (looked up afresh).
pub fn at(unix_secs: f64) -> Clock {
    clock_at(unix_secs, true)
}

fn clock_at(unix_secs: f64, reread_zone: bool) -> Clock {
    let offset_h = utc_offset_hours(unix_secs.floor() as i64, reread_zone);
    let secs = unix_secs + offset_h * 3600.0;
    let days = (secs / 86_400.0).floor();
    Clock {
        session_s: 0.0,
        local_hours: (secs - days * 86_400.0) / 3600.0,
        day_of_year: year_and_day(days as i64).1,
        utc_offset_h: offset_h,
    }
}

/// The local UTC offset in hours at `unix_secs` (the C library's view of the zone; with
/// `reread_zone`, looked up again first).
fn utc_offset_hours(unix_secs: i64, reread_zone: bool) -> f64 {
    let t = unix_secs as libc::time_t;
    // SAFETY: tzset re-reads TZ (and /etc/localtime when it changed; glibc checks its
    // inode and mtime); localtime_r writes only into `tm`, on this stack frame. Without
    // tzset, localtime_r uses the zone last read (POSIX leaves it unspecified whether
    // localtime_r reads it; glibc does not).
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe {
        if reread_zone {
            tzset();
        }
        !libc::localtime_r(&t, &mut tm).is_null()
    };
    if ok {
        tm.tm_gmtoff as f64 / 3600.0
    } else {
        0.0
    }
}

unsafe extern "C" {
    /// POSIX `tzset` (not in the libc crate for every target).
    fn tzset();
}

fn year_and_day(mut days: i64) -> (i64, u32) {
    let mut year = 1970;
    loop {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let len = if leap { 366 } else { 365 };
        if days < len {
            return (year, days as u32 + 1);
        }
        days -= len;
        year += 1;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn day_of_year() {
        // 2026-11-24 is day 328; days since the epoch: 20_781.
        assert_eq!(super::year_and_day(20_781), (2026, 328));
        assert_eq!(super::year_and_day(0), (1970, 1));
    }

    #[test]
    fn now_between_zone_lookups_reads_as_a_fresh_lookup() {
        for _ in 0..3 {
            let (a, secs) = (super::now(), super::unix_now());
            let b = super::at(secs);
            assert_eq!(a.utc_offset_h, b.utc_offset_h);
            assert_eq!(a.day_of_year, b.day_of_year);
            assert!(
                (a.local_hours - b.local_hours).abs() < 1.0 / 60.0,
                "{a:?} {b:?}"
            );
        }
    }
}
