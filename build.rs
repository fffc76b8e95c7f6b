//! Compiles the one C file: libasound's variadic error handler (see csrc/alsa_log.c).

fn main() {
    println!("cargo:rerun-if-changed=csrc/alsa_log.c");
    cc::Build::new()
        .file("csrc/alsa_log.c")
        .warnings(true)
        .compile("attuned_alsa_log");
}
