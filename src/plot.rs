//! `--plot`: heart rate, cadence and the main controls over a render, as a PNG, so a person
//! can see the music follow the listener.

use crate::control::pipeline::Step;
use crate::controls::Control;
use plotters::prelude::*;
use std::path::Path;

/// Why a plot could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot draw the plot: {message}")]
pub struct PlotError {
    pub path: String,
    pub message: String,
}

/// The controls drawn, with their colours.
const SHOWN: [(Control, RGBColor); 4] = [
    (Control::Energy, RGBColor(220, 50, 47)),
    (Control::Tempo, RGBColor(38, 139, 210)),
    (Control::Brightness, RGBColor(181, 137, 0)),
    (Control::Density, RGBColor(133, 153, 0)),
];

/// Draw `steps` to `path` (PNG, 1200×700) with `title` on top.
pub fn draw(path: &Path, title: &str, steps: &[Step]) -> Result<(), PlotError> {
    let fail = |e: &dyn std::fmt::Display| PlotError {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let minutes = steps.last().map_or(1.0, |s| s.t / 60.0).max(1.0 / 60.0);
    let root = BitMapBackend::new(path, (1200, 700)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    let root = root
        .titled(title, ("sans-serif", 24))
        .map_err(|e| fail(&e))?;
    let (top, bottom) = root.split_vertically(300);

    let bpm_max = steps
        .iter()
        .flat_map(|s| s.hr.into_iter().chain(s.cadence))
        .fold(100.0f32, f32::max)
        * 1.1;
    let mut body = ChartBuilder::on(&top)
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..minutes, 0.0..bpm_max as f64)
        .map_err(|e| fail(&e))?;
    body.configure_mesh()
        .y_desc("per minute")
        .draw()
        .map_err(|e| fail(&e))?;
    let series = |pick: fn(&Step) -> Option<f32>| {
        steps
            .iter()
            .filter_map(move |s| pick(s).map(|v| (s.t / 60.0, v as f64)))
            .collect::<Vec<_>>()
    };
    for (name, color, points) in [
        ("heart rate (bpm)", RED, series(|s| s.hr)),
        ("cadence (steps/min)", BLUE, series(|s| s.cadence)),
    ] {
        if points.is_empty() {
            continue;
        }
        body.draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(|e| fail(&e))?
            .label(name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    body.configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| fail(&e))?;

    let mut controls = ChartBuilder::on(&bottom)
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..minutes, 0.0..1.0)
        .map_err(|e| fail(&e))?;
    controls
        .configure_mesh()
        .x_desc("minutes")
        .y_desc("control")
        .draw()
        .map_err(|e| fail(&e))?;
    for (control, color) in SHOWN {
        let points = steps
            .iter()
            .map(|s| (s.t / 60.0, s.controls[control.index()] as f64));
        controls
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(|e| fail(&e))?
            .label(control.name())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    controls
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| fail(&e))?;
    root.present().map_err(|e| fail(&e))?;
    Ok(())
}
