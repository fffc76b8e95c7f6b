//! 0x2A38: any bytes parse or give an error, never panic.
#![no_main]

use attuned_fuzz::gatt::parse_body_location;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if parse_body_location(data).is_ok() {
        assert_eq!(data.len(), 1);
    }
});
