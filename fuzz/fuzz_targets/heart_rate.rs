//! 0x2A37: any bytes parse or give an error, never panic; what parses re-encodes to bytes
//! that parse to the same measurement.
#![no_main]

use attuned_fuzz::gatt::{encode_heart_rate, parse_heart_rate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = parse_heart_rate(data) {
        assert!(m.bpm > 0);
        let again =
            parse_heart_rate(&encode_heart_rate(&m)).expect("an encoded measurement parses");
        assert_eq!(again, m);
    }
});
