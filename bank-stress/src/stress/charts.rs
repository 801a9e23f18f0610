//! The stress report's charts, drawn with `plotters` into SVG strings: the audited total and the
//! lowest balance over time (one dot per sampled audit, every run overlaid, red where it is
//! wrong, a dashed reference line), and the throughput of every variant (horizontal bars).
//!
//! Plotters is built without a font stack (no `ttf` feature): SVG text is laid out by the
//! browser, and plotters only estimates label widths for its margins.

use super::numbers::grouped_rounded;
use super::report::{AuditSample, RunRecord, VariantSummary};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A sample drawn in this colour is wrong (an inconsistent total, an overdraft).
pub const WRONG: RGBColor = RGBColor(0xdd, 0x22, 0x22);
/// A sample drawn in this colour is right.
pub const RIGHT: RGBColor = RGBColor(0x99, 0x99, 0x99);
/// The expected value's dashed line.
const REFERENCE: RGBColor = RGBColor(0x22, 0xaa, 0x22);
/// The throughput bars.
const BAR: RGBColor = RGBColor(0x4a, 0x7e, 0xbb);

const WIDTH: u32 = 720;
const HEIGHT: u32 = 220;
const LABEL_FONT: (&str, u32) = ("sans-serif", 12);

/// One plotted quantity of a sampled audit, with its reference value and what makes it wrong.
pub struct Series<'a> {
    /// The y-axis title: `audited total`, `lowest balance`.
    pub what: &'a str,
    /// The value that is right (the expected total) or the line not to cross (zero).
    pub reference: i128,
    /// The plotted value of a sample.
    pub value: fn(&AuditSample) -> i128,
    /// Whether a value is wrong (drawn in [`WRONG`]).
    pub wrong: fn(i128, i128) -> bool,
}

/// One dot per sampled audit of every run in `runs`: the series' value (y) over the time since
/// its run started (x), against a dashed line at the reference. Both axes are titled.
pub fn scatter(runs: &[&RunRecord], series: &Series) -> String {
    let samples = || runs.iter().flat_map(|run| run.samples.iter());
    let values = || samples().map(series.value);
    let lowest = values().fold(series.reference, i128::min) as f64;
    let highest = values().fold(series.reference, i128::max) as f64;
    // A flat series still gets a y range one unit either side, so the line is mid-chart.
    let (low, high) = if lowest == highest {
        (lowest - 1.0, highest + 1.0)
    } else {
        let pad = (highest - lowest) * 0.05;
        (lowest - pad, highest + pad)
    };
    let last = samples().map(|s| s.micros).max().unwrap_or(1).max(1) as f64;
    let reference = series.reference as f64;
    // Whole numbers only: a narrow range gets one label per integer, not five labels rounding to
    // the same two or three.
    let y_labels = if high - low <= 6.0 {
        (high.floor() - low.ceil()) as usize + 1
    } else {
        5
    };
    draw(WIDTH, HEIGHT, |root| {
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .margin_right(20)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..last, low..high)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("time since the run started (µs)")
            .y_desc(series.what)
            .x_labels(6)
            .y_labels(y_labels)
            .x_label_formatter(&|x| grouped_rounded(*x))
            .y_label_formatter(&|y| grouped_rounded(*y))
            .label_style(LABEL_FONT)
            .axis_desc_style(LABEL_FONT)
            .draw()?;
        chart.draw_series(DashedLineSeries::new(
            [(0.0, reference), (last, reference)],
            4,
            3,
            REFERENCE.stroke_width(1),
        ))?;
        chart.draw_series(samples().map(|sample| {
            let value = (series.value)(sample);
            let colour = if (series.wrong)(value, series.reference) {
                WRONG
            } else {
                RIGHT
            };
            Circle::new((sample.micros as f64, value as f64), 2, colour.filled())
        }))?;
        Ok(())
    })
}

/// Horizontal bars: transfers per second of every variant, the first variant on top, each bar
/// labelled with its rate.
pub fn throughput(variants: &[VariantSummary]) -> String {
    let count = variants.len().max(1);
    let max = variants
        .iter()
        .map(|v| v.transfers_per_sec)
        .fold(1.0, f64::max);
    // Row `i` from the top is segment `count - 1 - i` (plotters' y grows upwards).
    let row = |index: usize| count - 1 - index;
    let ids: Vec<&str> = variants.iter().map(|v| v.id.as_str()).collect();
    let height = 60 + 26 * count as u32;
    draw(WIDTH, height, |root| {
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(40)
            .y_label_area_size(150)
            // Room right of the widest bar for its label.
            .build_cartesian_2d(0f64..max * 1.25, (0..count).into_segmented())?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("transfers per second")
            .x_labels(5)
            .x_label_formatter(&|x| grouped_rounded(*x))
            .y_labels(count)
            .y_label_formatter(&|segment| match segment {
                SegmentValue::CenterOf(segment) if *segment < count => {
                    ids[count - 1 - segment].to_string()
                }
                _ => String::new(),
            })
            .label_style(LABEL_FONT)
            .axis_desc_style(LABEL_FONT)
            .draw()?;
        chart.draw_series(variants.iter().enumerate().map(|(index, variant)| {
            let mut bar = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(row(index))),
                    (
                        variant.transfers_per_sec,
                        SegmentValue::Exact(row(index) + 1),
                    ),
                ],
                BAR.filled(),
            );
            bar.set_margin(4, 4, 0, 0);
            bar
        }))?;
        chart.draw_series(variants.iter().enumerate().map(|(index, variant)| {
            Text::new(
                format!(" {}/s", grouped_rounded(variant.transfers_per_sec)),
                (
                    variant.transfers_per_sec,
                    SegmentValue::CenterOf(row(index)),
                ),
                TextStyle::from(LABEL_FONT.into_font()).pos(Pos::new(HPos::Left, VPos::Center)),
            )
        }))?;
        Ok(())
    })
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// An SVG of `width` × `height` drawn by `paint`; if plotters fails (writing to a string does
/// not, but its API says it may), a line saying so instead.
fn draw(
    width: u32,
    height: u32,
    paint: impl FnOnce(DrawingArea<SVGBackend, Shift>) -> DrawResult,
) -> String {
    let mut svg = String::new();
    let outcome = {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|error| error.to_string().into())
            .and_then(|()| paint(root.clone()))
            .and_then(|()| root.present().map_err(|error| error.to_string().into()))
    };
    match outcome {
        Ok(()) => svg,
        Err(error) => maud::html! {
            p.note { "The chart could not be drawn: " (error) }
        }
        .into_string(),
    }
}
