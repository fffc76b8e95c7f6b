//! The wall clock for the features: local time of day, day of year and UTC offset.

use crate::features::Clock;
use std::time::{SystemTime, UNIX_EPOCH};

/// The local UTC offset in hours (from the C library's view of the time zone).
pub fn utc_offset_hours() -> f64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as libc::time_t;
    // SAFETY: localtime_r writes only into `tm`, which lives on this stack frame.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&now, &mut tm).is_null() };
    if ok {
        tm.tm_gmtoff as f64 / 3600.0
    } else {
        0.0
    }
}

/// The clock now (session time is counted by the pipeline's caller; 0 here).
pub fn now(utc_offset_h: f64) -> Clock {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
        + utc_offset_h * 3600.0;
    let days = (secs / 86_400.0).floor();
    let local_hours = (secs - days * 86_400.0) / 3600.0;
    // Day of year from days since 1970-01-01 (civil calendar).
    let (year, doy) = year_and_day(days as i64);
    let _ = year;
    Clock {
        session_s: 0.0,
        local_hours,
        day_of_year: doy,
        utc_offset_h,
    }
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
