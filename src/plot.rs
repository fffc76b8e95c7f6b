//! `--plot`: heart rate, cadence, breathing and the swell's rate, and the main controls
//! over a render, as a PNG, so a person can see the music follow the listener; and a strip
//! of the form (sections, keys) under it.

use crate::compose::trace::FormRow;
use crate::control::breath_lead::LeadPhase;
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

/// Draw `steps` and the `form` strip to `path` (PNG, 1200×800) with `title` on top.
pub fn draw(path: &Path, title: &str, steps: &[Step], form: &[FormRow]) -> Result<(), PlotError> {
    let fail = |e: &dyn std::fmt::Display| PlotError {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let minutes = steps.last().map_or(1.0, |s| s.t / 60.0).max(1.0 / 60.0);
    let root = BitMapBackend::new(path, (1200, 800)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    let root = root
        .titled(title, ("sans-serif", 24))
        .map_err(|e| fail(&e))?;
    let (top, rest) = root.split_vertically(300);
    let (bottom, strip) = rest.split_vertically(370);
    draw_form(&strip, form, minutes).map_err(|e| fail(&e))?;

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
        (
            "breathing (breaths/min)",
            GREEN,
            series(|s| s.breathing.map(|b| b.per_minute)),
        ),
        (
            "swell (per min, breath lead)",
            MAGENTA,
            series(|s| (s.lead.phase != LeadPhase::Off).then_some(s.lead.swell_per_min)),
        ),
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

const SECTION_COLOURS: [RGBColor; 2] = [RGBColor(200, 215, 235), RGBColor(225, 232, 242)];
const KEY_COLOURS: [RGBColor; 5] = [
    RGBColor(253, 219, 199),
    RGBColor(209, 229, 240),
    RGBColor(217, 240, 211),
    RGBColor(240, 217, 240),
    RGBColor(255, 245, 200),
];

/// Runs of equal labels: (first minute, last minute, label).
fn runs(form: &[FormRow], label: impl Fn(&FormRow) -> String) -> Vec<(f64, f64, String)> {
    let mut out: Vec<(f64, f64, String)> = Vec::new();
    for r in form {
        let (t, l) = (r.time_s / 60.0, label(r));
        match out.last_mut() {
            Some(last) if last.2 == l => last.1 = t + 1.0 / 60.0,
            _ => out.push((t, t + 1.0 / 60.0, l)),
        }
    }
    out
}

/// The form strip: sections (upper row) and keys (lower row) along the same minutes axis.
fn draw_form<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    form: &[FormRow],
    minutes: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..minutes, 0.0..2.0)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(0)
        .draw()?;
    let mut keys: Vec<String> = Vec::new();
    for (row, (y0, y1)) in [(0, (1.05, 1.95)), (1, (0.05, 0.95))] {
        let spans = if row == 0 {
            runs(form, |r| format!("{} {}", r.section, r.section_number))
        } else {
            runs(form, |r| r.key.name())
        };
        for (i, (a, b, label)) in spans.iter().enumerate() {
            let colour = if row == 0 {
                SECTION_COLOURS[i % 2]
            } else {
                let k = keys.iter().position(|k| k == label).unwrap_or_else(|| {
                    keys.push(label.clone());
                    keys.len() - 1
                });
                KEY_COLOURS[k % KEY_COLOURS.len()]
            };
            chart.draw_series(std::iter::once(Rectangle::new(
                [(*a, y0), (*b, y1)],
                colour.filled(),
            )))?;
            let name = if row == 0 {
                label.split(' ').next().unwrap_or_default().to_string()
            } else {
                label.clone()
            };
            chart.draw_series(std::iter::once(Text::new(
                name,
                (*a + 0.1, y1 - 0.25),
                ("sans-serif", 12),
            )))?;
        }
    }
    Ok(())
}
