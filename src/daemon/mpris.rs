//! MPRIS2 (`org.mpris.MediaPlayer2.attuned`): the root and Player interfaces, complete
//! enough for desktop shells, media keys and `playerctl`. Next/Previous walk the presets.

use super::dbus::to_fdo;
use super::handle::CoreHandle;
use std::collections::HashMap;
use zbus::fdo;
use zbus::zvariant::{ObjectPath, OwnedValue, Value};

/// `org.mpris.MediaPlayer2`.
pub struct MprisRoot;

#[zbus::interface(name = "org.mpris.MediaPlayer2")]
impl MprisRoot {
    // Neither can be done (`CanRaise`, `CanQuit` are false): a call does nothing (the
    // gate refuses one with arguments, like any other).
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
    pub core: CoreHandle,
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
    async fn next(&self) -> fdo::Result<()> {
        self.core.step_preset(1).await.map_err(to_fdo)
    }
    async fn previous(&self) -> fdo::Result<()> {
        self.core.step_preset(-1).await.map_err(to_fdo)
    }
    async fn pause(&self) -> fdo::Result<()> {
        self.core.pause().await.map_err(to_fdo)
    }
    async fn play_pause(&self) -> fdo::Result<()> {
        self.core.toggle().await.map_err(to_fdo)
    }
    async fn stop(&self) -> fdo::Result<()> {
        self.core.pause().await.map_err(to_fdo)
    }
    async fn play(&self) -> fdo::Result<()> {
        self.core.play().await.map_err(to_fdo)
    }
    fn seek(&self, _offset: i64) {}
    fn set_position(&self, _track: ObjectPath<'_>, _position: i64) {}
    fn open_uri(&self, _uri: &str) -> fdo::Result<()> {
        Err(fdo::Error::NotSupported("attuned plays no files".into()))
    }

    #[zbus(property)]
    fn playback_status(&self) -> String {
        self.core.view().playback.name().to_owned()
    }
    #[zbus(property)]
    fn rate(&self) -> f64 {
        1.0
    }
    /// The spec: a rate of 0.0 acts as Pause; the only other rate this player plays at is
    /// 1.0 (Minimum/MaximumRate), so anything else is refused.
    #[zbus(property)]
    async fn set_rate(&self, rate: f64) -> fdo::Result<()> {
        if rate == 0.0 {
            return self.core.pause().await.map_err(to_fdo);
        }
        if rate == 1.0 {
            return Ok(());
        }
        Err(fdo::Error::InvalidArgs(format!(
            "rate {rate}: attuned plays at 1.0 only"
        )))
    }
    #[zbus(property)]
    fn metadata(&self) -> HashMap<String, OwnedValue> {
        let v = self.core.view();
        metadata(&v.preset, &v.title, &v.mode)
    }
    #[zbus(property)]
    fn volume(&self) -> f64 {
        self.core.view().volume
    }
    /// The spec: a negative volume sets 0; above 1 is clamped here (no amplification).
    /// NaN and infinities are not volumes and are refused.
    #[zbus(property)]
    async fn set_volume(&self, volume: f64) -> fdo::Result<()> {
        if !volume.is_finite() {
            return Err(fdo::Error::InvalidArgs(format!(
                "volume {volume} is not a number"
            )));
        }
        self.core
            .set_volume(volume.clamp(0.0, 1.0))
            .await
            .map_err(to_fdo)
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
