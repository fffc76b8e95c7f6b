//! midir's port system: the ALSA sequencer, or JACK in builds with the `midi-jack`
//! feature (midir compiles one of them on Linux).

use super::{ByteSink, MidiSystem};

/// Our client's name on the port system (our own ports are never listened to).
pub const CLIENT_NAME: &str = "attuned";

/// Which system this build's midir talks to.
pub const SYSTEM_NAME: &str = if cfg!(feature = "midi-jack") {
    "JACK"
} else {
    "ALSA sequencer"
};

/// midir, with a client kept open for listing ports (made again after the system was gone
/// or listed nothing, so a restarted server is found).
#[derive(Default)]
pub struct Midir {
    lister: Option<midir::MidiInput>,
}

/// Whether the system is there at all, asked without a library that complains on stderr
/// (alsa-lib prints every failed open of the sequencer).
fn present() -> Result<(), String> {
    #[cfg(not(feature = "midi-jack"))]
    if !std::path::Path::new("/dev/snd/seq").exists() {
        return Err(format!("{SYSTEM_NAME}: no /dev/snd/seq"));
    }
    #[cfg(feature = "midi-jack")]
    quiet_jack();
    Ok(())
}

/// libjack prints every failed connection to the server on stderr: looking for a server
/// that is not there is normal here, and said once by the input thread.
#[cfg(feature = "midi-jack")]
fn quiet_jack() {
    unsafe extern "C" fn quiet(_: *const std::ffi::c_char) {}
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: both take a plain C function that ignores its argument, set once.
    ONCE.call_once(|| unsafe {
        jack_sys::jack_set_error_function(Some(quiet));
        jack_sys::jack_set_info_function(Some(quiet));
    });
}

fn client(suffix: &str) -> Result<midir::MidiInput, String> {
    present()?;
    let mut input = midir::MidiInput::new(&format!("{CLIENT_NAME}{suffix}"))
        .map_err(|e| format!("{SYSTEM_NAME}: {e}"))?;
    input.ignore(midir::Ignore::All);
    Ok(input)
}

impl MidiSystem for Midir {
    fn ports(&mut self) -> Result<Vec<String>, String> {
        if self.lister.is_none() {
            self.lister = Some(client("-ports")?);
        }
        let lister = self.lister.as_ref().expect("made above");
        let names: Vec<String> = lister
            .ports()
            .iter()
            .filter_map(|p| lister.port_name(p).ok())
            .collect();
        if names.is_empty() {
            self.lister = None;
        }
        Ok(names)
    }

    fn open(&mut self, port: &str, mut sink: ByteSink) -> Result<Box<dyn std::any::Any>, String> {
        let input = client("")?;
        let found = input
            .ports()
            .into_iter()
            .find(|p| input.port_name(p).is_ok_and(|n| n == port))
            .ok_or_else(|| format!("{port}: gone"))?;
        let connection = input
            .connect(&found, "in", move |_, bytes, _| sink(bytes), ())
            .map_err(|e| format!("{port}: {e}"))?;
        Ok(Box::new(connection))
    }
}
