//! 0x2A53: any bytes parse or give an error, never panic; parsed values are finite.
#![no_main]

use attuned_fuzz::gatt::parse_rsc;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = parse_rsc(data) {
        assert!(m.speed_mps.is_finite() && m.speed_mps >= 0.0);
        assert!(m.stride_m.is_none_or(|s| s.is_finite() && s >= 0.0));
        assert!(m.distance_m.is_none_or(|d| d.is_finite() && d >= 0.0));
    }
});
