//! 0x2A5B: any bytes parse or give an error, never panic; what parses re-encodes to the
//! same bytes (reserved flag bits aside); cadence between any two parsed samples (split
//! anywhere) is finite and non-negative, counters wrapping or not.
#![no_main]

use attuned_fuzz::gatt::{crank_rpm, encode_csc, parse_csc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = parse_csc(data) {
        let mut canonical = data.to_vec();
        canonical[0] &= 0x03;
        assert_eq!(encode_csc(&m), canonical);
    }
    if data.is_empty() {
        return;
    }
    let (a, b) = data.split_at(data[0] as usize % data.len());
    if let (Ok(prev), Ok(now)) = (parse_csc(a), parse_csc(b))
        && let Some(rpm) = crank_rpm(&prev, &now)
    {
        assert!(rpm.is_finite() && rpm >= 0.0);
    }
});
