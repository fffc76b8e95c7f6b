//! The wall clock for the features and the schedule: local time of day, day of year and UTC
//! offset, read afresh each time so daylight-saving changes, a changed time zone and a
//! suspended machine are followed at once.

use crate::features::Clock;
use std::time::{SystemTime, UNIX_EPOCH};

/// The clock now (session time is counted by the caller; 0 here).
pub fn now() -> Clock {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    at(secs)
}

/// The clock at `unix_secs` in the time zone in force now.
pub fn at(unix_secs: f64) -> Clock {
    let offset_h = utc_offset_hours(unix_secs.floor() as i64);
    let secs = unix_secs + offset_h * 3600.0;
    let days = (secs / 86_400.0).floor();
    Clock {
        session_s: 0.0,
        local_hours: (secs - days * 86_400.0) / 3600.0,
        day_of_year: year_and_day(days as i64).1,
        utc_offset_h: offset_h,
    }
}

/// The local UTC offset in hours at `unix_secs` (the C library's view of the zone).
fn utc_offset_hours(unix_secs: i64) -> f64 {
    let t = unix_secs as libc::time_t;
    // SAFETY: tzset re-reads TZ (and /etc/localtime when it changed; glibc checks its
    // inode and mtime); localtime_r writes only into `tm`, on this stack frame.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe {
        tzset();
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
}
