//! 0x2A53: any bytes parse or give an error, never panic; what parses re-encodes to the
//! same bytes.
#![no_main]

use attuned_fuzz::gatt::{encode_rsc, parse_rsc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = parse_rsc(data) {
        assert!(m.speed_mps.is_finite() && m.speed_mps >= 0.0);
        // Reserved flag bits are not kept.
        let mut canonical = data.to_vec();
        canonical[0] &= 0x07;
        assert_eq!(encode_rsc(&m), canonical);
    }
});
