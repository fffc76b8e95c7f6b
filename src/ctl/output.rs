//! `attunectl output`: the output devices (the chosen one marked, and where sound goes now),
//! or choose one (`default` or "" for the default).

use super::explain_error;
use crate::dbus::AttunedProxy;

pub async fn output(proxy: &AttunedProxy<'_>, name: Option<String>) -> Result<(), String> {
    if let Some(name) = name {
        let name = if name == "default" {
            String::new()
        } else {
            name
        };
        return proxy.set_output_device(&name).await.map_err(explain_error);
    }
    let chosen = proxy.output_device().await.map_err(explain_error)?;
    let devices = proxy
        .describe_output_devices()
        .await
        .map_err(explain_error)?;
    let mark = |is: bool| if is { "*" } else { " " };
    println!(
        "{} {:<32} the sound server's default",
        mark(chosen.is_empty()),
        "default"
    );
    for (name, description) in &devices {
        println!("{} {name:<32} {description}", mark(*name == chosen));
    }
    if !chosen.is_empty() && !devices.iter().any(|(n, _)| *n == chosen) {
        println!("* {chosen:<32} (chosen, not there now: the default plays)");
    }
    println!(
        "now: {}",
        proxy.audio_output().await.map_err(explain_error)?
    );
    Ok(())
}
