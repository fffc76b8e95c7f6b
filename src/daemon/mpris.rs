//! MPRIS2 (`org.mpris.MediaPlayer2.attuned`): the root and Player interfaces, complete
//! enough for desktop shells, media keys and `playerctl`. Next/Previous walk the presets.

use super::dbus::{SharedCore, lock, to_fdo};
use std::collections::HashMap;
use zbus::fdo;
use zbus::zvariant::{ObjectPath, OwnedValue, Value};

/// `org.mpris.MediaPlayer2`.
pub struct MprisRoot;

#[zbus::interface(name = "org.mpris.MediaPlayer2")]
impl MprisRoot {
    fn raise(&self) {}
    fn quit(&self) {}
    #[zbus(property)]
    fn can_quit(&self) -> bool {
        false
    }
    #[zbus(property)]
    fn can_raise(&self) -> bool {
        false
    }
    #[zbus(property)]
    fn has_track_list(&self) -> bool {
        false
    }
    #[zbus(property)]
    fn identity(&self) -> String {
        "attuned".into()
    }
    #[zbus(property)]
    fn desktop_entry(&self) -> String {
        "attuned".into()
    }
    #[zbus(property)]
    fn supported_uri_schemes(&self) -> Vec<String> {
        Vec::new()
    }
    #[zbus(property)]
    fn supported_mime_types(&self) -> Vec<String> {
        Vec::new()
    }
}

/// `org.mpris.MediaPlayer2.Player`.
pub struct MprisPlayer {
    pub core: SharedCore,
}

/// The Metadata map for the preset playing.
pub fn metadata(name: &str, title: &str, mode: &str) -> HashMap<String, OwnedValue> {
    let mut m = HashMap::new();
    let track = format!("/io/github/Attuned/preset/{}", name.replace('-', "_"));
    let mut put = |k: &str, v: Value<'_>| {
        if let Ok(v) = v.try_into_owned() {
            m.insert(k.to_owned(), v);
        }
    };
    if let Ok(path) = ObjectPath::try_from(track.as_str()) {
        put("mpris:trackid", Value::from(path));
    }
    put("xesam:title", Value::from(title));
    put("xesam:artist", Value::from(vec!["attuned".to_owned()]));
    put("xesam:album", Value::from(format!("{mode} soundscape")));
    put("xesam:genre", Value::from(vec![mode.to_owned()]));
    m
}

#[zbus::interface(name = "org.mpris.MediaPlayer2.Player")]
impl MprisPlayer {
    fn next(&self) -> fdo::Result<()> {
        lock(&self.core).step_preset(1).map_err(to_fdo)
    }
    fn previous(&self) -> fdo::Result<()> {
        lock(&self.core).step_preset(-1).map_err(to_fdo)
    }
    fn pause(&self) {
        lock(&self.core).pause();
    }
    fn play_pause(&self) {
        lock(&self.core).toggle();
    }
    fn stop(&self) {
        lock(&self.core).pause();
    }
    fn play(&self) {
        lock(&self.core).play();
    }
    fn seek(&self, _offset: i64) {}
    fn set_position(&self, _track: ObjectPath<'_>, _position: i64) {}
    fn open_uri(&self, _uri: &str) -> fdo::Result<()> {
        Err(fdo::Error::NotSupported("attuned plays no files".into()))
    }

    #[zbus(property)]
    fn playback_status(&self) -> String {
        lock(&self.core).playback.name().to_owned()
    }
    #[zbus(property)]
    fn rate(&self) -> f64 {
        1.0
    }
    #[zbus(property)]
    fn set_rate(&self, _rate: f64) {}
    #[zbus(property)]
    fn metadata(&self) -> HashMap<String, OwnedValue> {
        let core = lock(&self.core);
        let mode = format!("{:?}", core.preset.mode).to_lowercase();
        metadata(&core.preset.name, &core.preset.title, &mode)
    }
    #[zbus(property)]
    fn volume(&self) -> f64 {
        lock(&self.core).volume
    }
    #[zbus(property)]
    fn set_volume(&self, volume: f64) -> zbus::Result<()> {
        // MPRIS clamps out-of-range volumes rather than refusing them.
        let v = if volume.is_finite() {
            volume.clamp(0.0, 1.0)
        } else {
            return Ok(());
        };
        lock(&self.core)
            .set_volume(v)
            .map_err(|e| zbus::Error::from(to_fdo(e)))
    }
    #[zbus(property)]
    fn position(&self) -> i64 {
        0
    }
    #[zbus(property)]
    fn minimum_rate(&self) -> f64 {
        1.0
    }
    #[zbus(property)]
    fn maximum_rate(&self) -> f64 {
        1.0
    }
    #[zbus(property)]
    fn can_go_next(&self) -> bool {
        true
    }
    #[zbus(property)]
    fn can_go_previous(&self) -> bool {
        true
    }
    #[zbus(property)]
    fn can_play(&self) -> bool {
        true
    }
    #[zbus(property)]
    fn can_pause(&self) -> bool {
        true
    }
    #[zbus(property)]
    fn can_seek(&self) -> bool {
        false
    }
    #[zbus(property)]
    fn can_control(&self) -> bool {
        true
    }
}
