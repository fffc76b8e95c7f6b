//! `attunectl mix`: the playing preset's layers and their levels, one layer's level, or
//! set one (0..2; 1 is the preset's own balance).

use super::explain_error;
use crate::dbus::AttunedProxy;
use crate::preset::layers::Layer;

/// The layers as the daemon lists them, in mix order.
pub async fn levels(proxy: &AttunedProxy<'_>) -> Result<Vec<(String, f64)>, String> {
    let mut layers: Vec<(String, f64)> = proxy
        .layers()
        .await
        .map_err(explain_error)?
        .into_iter()
        .collect();
    layers.sort_by_key(|(name, _)| Layer::from_id(name));
    Ok(layers)
}

pub async fn mix(
    proxy: &AttunedProxy<'_>,
    layer: Option<String>,
    level: Option<f64>,
) -> Result<(), String> {
    match (layer, level) {
        (Some(layer), Some(level)) => proxy
            .set_layer_level(&layer, level)
            .await
            .map_err(explain_error),
        (Some(layer), None) => {
            let layers = levels(proxy).await?;
            match layers.iter().find(|(name, _)| *name == layer) {
                Some((_, level)) => {
                    println!("{level:.2}");
                    Ok(())
                }
                None => {
                    let names: Vec<&str> = layers.iter().map(|(n, _)| n.as_str()).collect();
                    Err(format!(
                        "`{layer}` is not a layer of this preset; its layers are: {}",
                        names.join(", ")
                    ))
                }
            }
        }
        (None, _) => {
            for (name, level) in levels(proxy).await? {
                println!("{name:<8} {level:.2}");
            }
            Ok(())
        }
    }
}
