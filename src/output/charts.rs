//! Charts as SVG, drawn with plotters' SVG backend (no system libraries,
//! no fonts needed: text is left to the browser). Each chart is a string,
//! written to `charts/<file>.svg` and inlined in `report.html`.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::{Error, Result};

/// A chart ready to be written and inlined.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File stem under `charts/`.
    pub file: String,
    pub title: String,
    /// One sentence under the chart in the report: what it shows.
    pub caption: String,
    pub svg: String,
}

/// A value with its 95 % confidence interval (bounds absent with one
/// replication).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub mean: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

impl Interval {
    fn bounds(&self) -> (f64, f64) {
        (
            self.low.unwrap_or(self.mean).min(self.mean),
            self.high.unwrap_or(self.mean).max(self.mean),
        )
    }
}

/// One line of a line chart: a value per x, `None` where undefined (the
/// line breaks there).
#[derive(Debug, Clone)]
pub struct Line {
    pub label: String,
    pub points: Vec<(f64, Option<Interval>)>,
}

/// A line chart with a 95 % band around each line.
#[derive(Debug, Clone)]
pub struct LineChart {
    pub title: String,
    pub x_desc: String,
    pub y_desc: String,
    /// Tick labels for x = 0, 1, 2, … (months); `None` for a numeric axis.
    pub x_labels: Option<Vec<String>>,
    pub lines: Vec<Line>,
    /// Mark each point and its interval with a dot and a whisker (for a
    /// few points, or points that should not be joined).
    pub markers: bool,
    /// Join the points with lines and shade the band between the bounds.
    pub joined: bool,
}

/// A horizontal bar chart: one row per category, one bar per series in
/// each row, each with its 95 % CI as a whisker.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub title: String,
    pub x_desc: String,
    /// Row labels, top to bottom.
    pub rows: Vec<String>,
    /// (series label, a value per row).
    pub series: Vec<(String, Vec<Option<Interval>>)>,
    pub colours: BarColours,
}

/// How the bars of a [`BarChart`] are coloured.
#[derive(Debug, Clone, PartialEq)]
pub enum BarColours {
    /// One series: row i in the palette's colour `first + i`, the colour
    /// its scenario has everywhere else in the report.
    Rows { first: usize },
    /// A colour per series, named in a legend.
    Series(Vec<RGBColor>),
}

/// Light to dark, for ordered categories (size classes).
pub const SEQUENTIAL: [RGBColor; 4] = [
    RGBColor(158, 202, 225),
    RGBColor(66, 146, 198),
    RGBColor(8, 81, 156),
    RGBColor(8, 36, 90),
];

const WIDTH: u32 = 900;
const LEGEND_WIDTH: u32 = 190;
const FONT: &str = "sans-serif";

/// Dark grey for the first series (the baseline), then Tableau 10.
const PALETTE: [RGBColor; 12] = [
    RGBColor(60, 60, 60),
    RGBColor(78, 121, 167),
    RGBColor(242, 142, 43),
    RGBColor(225, 87, 89),
    RGBColor(118, 183, 178),
    RGBColor(89, 161, 79),
    RGBColor(237, 201, 72),
    RGBColor(176, 122, 161),
    RGBColor(255, 157, 167),
    RGBColor(156, 117, 95),
    RGBColor(186, 176, 172),
    RGBColor(23, 190, 207),
];

pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The CSS colour of series `i`, for legends drawn in HTML.
pub fn css_colour(i: usize) -> String {
    let RGBColor(r, g, b) = colour(i);
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn drawing_error<E: std::fmt::Debug>(e: E) -> Error {
    Error::Runtime(format!("drawing a chart: {e:?}"))
}

/// The range `[low, high]` padded by 5 % on each side (and widened if it
/// is a single value).
fn padded(low: f64, high: f64) -> (f64, f64) {
    if !(low.is_finite() && high.is_finite()) {
        return (0.0, 1.0);
    }
    let span = high - low;
    if span <= f64::EPSILON * high.abs().max(1.0) {
        let half = (high.abs() * 0.1).max(1e-3);
        return (low - half, high + half);
    }
    (low - 0.05 * span, high + 0.05 * span)
}

/// A legend in its own area to the right of the plot: a swatch and a label
/// per series.
fn legend(area: &DrawingArea<SVGBackend, Shift>, entries: &[(String, RGBColor)]) -> Result<()> {
    for (i, (label, c)) in entries.iter().enumerate() {
        let y = 40 + 22 * i as i32;
        area.draw(&Rectangle::new([(8, y - 6), (26, y + 6)], c.filled()))
            .map_err(drawing_error)?;
        area.draw(&Text::new(
            label.clone(),
            (32, y),
            (FONT, 17)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(drawing_error)?;
    }
    Ok(())
}

/// A linear axis with ticks at chosen positions (plotters' own key-point
/// combinator loses the number formatter).
struct Axis {
    start: f64,
    end: f64,
    ticks: Vec<f64>,
}

impl Axis {
    fn new(start: f64, end: f64, ticks: Vec<f64>) -> Self {
        Axis { start, end, ticks }
    }
}

impl Ranged for Axis {
    type ValueType = f64;
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;

    fn range(&self) -> std::ops::Range<f64> {
        self.start..self.end
    }

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let share = (value - self.start) / (self.end - self.start);
        let length = f64::from(limit.1 - limit.0);
        if !share.is_finite() {
            return limit.0;
        }
        limit.0 + (length * share + 1e-3).floor() as i32
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.max_num_points() == 0 {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }
}

/// About `n` round tick positions covering `[low, high]`: steps of 1, 2,
/// 2.5 or 5 times a power of ten.
fn ticks(low: f64, high: f64, n: usize) -> Vec<f64> {
    let span = high - low;
    if !(span > 0.0 && span.is_finite()) {
        return vec![low];
    }
    let raw = span / n.max(1) as f64;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power);
    let first = (low / step).ceil() as i64;
    let last = (high / step).floor() as i64;
    // i × multiple / 10^k rather than i × step: 6 × 0.2 is 1.2000000000000002.
    let exponent = raw.log10().floor() as i32 + i32::from(step >= 10.0 * power);
    let multiple = step / 10f64.powi(exponent);
    (first..=last)
        .map(|i| {
            if exponent < 0 {
                i as f64 * multiple / 10f64.powi(-exponent)
            } else {
                i as f64 * multiple * 10f64.powi(exponent)
            }
        })
        .collect()
}

/// Tick positions for a monthly axis: every January, or every month
/// whose number is a multiple of 3 or 6 on short runs.
fn month_ticks(labels: &[String]) -> Vec<f64> {
    for every in [12, 6, 3, 1] {
        let picked: Vec<f64> = labels
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                l.rsplit('-')
                    .next()
                    .and_then(|m| m.parse::<usize>().ok())
                    .is_some_and(|m| (m - 1) % every == 0)
            })
            .map(|(i, _)| i as f64)
            .collect();
        if picked.len() >= 3 || every == 1 {
            return picked;
        }
    }
    Vec::new()
}

/// Draws a line chart (see [`LineChart`]).
pub fn line_chart(spec: &LineChart) -> Result<String> {
    let mut svg = String::new();
    {
        let height = 400;
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing_error)?;
        let with_legend = spec.lines.len() > 1;
        let (plot, side) = root.split_horizontally(if with_legend { WIDTH - LEGEND_WIDTH } else { WIDTH });
        let defined = || {
            spec.lines
                .iter()
                .flat_map(|l| &l.points)
                .filter_map(|(x, v)| v.map(|v| (*x, v)))
        };
        let (x0, x1) = defined().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (x, _)| {
            (a.min(x), b.max(x))
        });
        let (y0, y1) = defined().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (_, v)| {
            let (lo, hi) = v.bounds();
            (a.min(lo), b.max(hi))
        });
        let (x0, x1) = if spec.markers {
            padded(x0, x1)
        } else {
            (x0, x1.max(x0 + 1e-9))
        };
        let (y0, y1) = padded(y0, y1);
        let x_ticks = match &spec.x_labels {
            Some(labels) if !spec.markers => month_ticks(labels),
            Some(labels) => (0..labels.len()).map(|i| i as f64).collect(),
            None => ticks(x0, x1, 7),
        };
        let mut chart = ChartBuilder::on(&plot)
            .caption(&spec.title, (FONT, 21))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(76)
            .build_cartesian_2d(Axis::new(x0, x1, x_ticks), y0..y1)
            .map_err(drawing_error)?;
        let month_label = |x: &f64| -> String {
            let i = x.round();
            match &spec.x_labels {
                Some(labels) if (x - i).abs() < 1e-6 && i >= 0.0 => {
                    labels.get(i as usize).cloned().unwrap_or_default()
                }
                Some(_) => String::new(),
                None => tick(*x),
            }
        };
        chart
            .configure_mesh()
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .y_labels(7)
            .x_label_formatter(&month_label)
            .y_label_formatter(&|y| tick(*y))
            .x_desc(&spec.x_desc)
            .y_desc(&spec.y_desc)
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 17))
            .draw()
            .map_err(drawing_error)?;
        // The first line (the baseline) is drawn last, on top, and thicker.
        for (i, line) in spec.lines.iter().enumerate().rev() {
            let c = colour(i);
            let width = if i == 0 && spec.lines.len() > 1 { 3 } else { 2 };
            for segment in segments(&line.points) {
                if spec.joined {
                    if segment.iter().all(|(_, v)| v.low.is_some() && v.high.is_some()) && segment.len() > 1 {
                        let mut band: Vec<(f64, f64)> =
                            segment.iter().map(|(x, v)| (*x, v.bounds().1)).collect();
                        band.extend(segment.iter().rev().map(|(x, v)| (*x, v.bounds().0)));
                        chart
                            .draw_series(std::iter::once(Polygon::new(band, c.mix(0.15).filled())))
                            .map_err(drawing_error)?;
                    }
                    chart
                        .draw_series(LineSeries::new(
                            segment.iter().map(|(x, v)| (*x, v.mean)),
                            c.stroke_width(width),
                        ))
                        .map_err(drawing_error)?;
                }
                if spec.markers {
                    for (x, v) in &segment {
                        let (lo, hi) = v.bounds();
                        // A joined line shows its interval as the band.
                        if !spec.joined {
                            chart
                                .draw_series(std::iter::once(PathElement::new(
                                    vec![(*x, lo), (*x, hi)],
                                    c.stroke_width(1),
                                )))
                                .map_err(drawing_error)?;
                        }
                        chart
                            .draw_series(std::iter::once(Circle::new((*x, v.mean), 3, c.filled())))
                            .map_err(drawing_error)?;
                    }
                }
            }
        }
        if with_legend {
            let entries: Vec<(String, RGBColor)> = spec
                .lines
                .iter()
                .enumerate()
                .map(|(i, l)| (l.label.clone(), colour(i)))
                .collect();
            legend(&side, &entries)?;
        }
        root.present().map_err(drawing_error)?;
    }
    Ok(svg)
}

/// The runs of consecutive defined points.
fn segments(points: &[(f64, Option<Interval>)]) -> Vec<Vec<(f64, Interval)>> {
    let mut out: Vec<Vec<(f64, Interval)>> = vec![Vec::new()];
    for (x, v) in points {
        match v {
            Some(v) => out.last_mut().expect("never empty").push((*x, *v)),
            None => out.push(Vec::new()),
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Draws a horizontal bar chart (see [`BarChart`]).
pub fn bar_chart(spec: &BarChart) -> Result<String> {
    let mut svg = String::new();
    {
        let rows = spec.rows.len().max(1);
        let per_row = if spec.series.len() > 1 {
            14 * spec.series.len() as u32 + 10
        } else {
            28
        };
        let height = 110 + per_row * rows as u32;
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing_error)?;
        let with_legend = spec.series.len() > 1;
        let (plot, side) = root.split_horizontally(if with_legend { WIDTH - LEGEND_WIDTH } else { WIDTH });
        let values = || spec.series.iter().flat_map(|(_, v)| v.iter().flatten());
        let (lo, hi) = values().fold((0.0f64, 0.0f64), |(a, b), v| {
            let (l, h) = v.bounds();
            (a.min(l), b.max(h))
        });
        let (x0, x1) = padded(lo, hi);
        let label_width = 16 + 9 * spec.rows.iter().map(|r| r.chars().count()).max().unwrap_or(4) as u32;
        let mut chart = ChartBuilder::on(&plot)
            .caption(&spec.title, (FONT, 21))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(label_width)
            .build_cartesian_2d(Axis::new(x0, x1, ticks(x0, x1, 8)), 0.0..rows as f64)
            .map_err(drawing_error)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .x_label_formatter(&|x| tick(*x))
            .x_desc(&spec.x_desc)
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 17))
            .draw()
            .map_err(drawing_error)?;
        // Row i (from the top) spans [rows − i − 1, rows − i).
        let n = spec.series.len().max(1) as f64;
        let thickness = 0.8 / n;
        for (s, (_, values)) in spec.series.iter().enumerate() {
            for (i, v) in values.iter().enumerate() {
                let Some(v) = v else { continue };
                let c = match &spec.colours {
                    BarColours::Rows { first } => colour(first + i),
                    BarColours::Series(colours) => colours.get(s).copied().unwrap_or(colour(s)),
                };
                let top = rows as f64 - i as f64 - 0.1 - thickness * s as f64;
                let bottom = top - thickness * 0.9;
                let middle = (top + bottom) / 2.0;
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(0.0, bottom), (v.mean, top)],
                        c.mix(0.85).filled(),
                    )))
                    .map_err(drawing_error)?;
                if let (Some(l), Some(h)) = (v.low, v.high) {
                    let cap = thickness * 0.25;
                    for path in [
                        vec![(l, middle), (h, middle)],
                        vec![(l, middle - cap), (l, middle + cap)],
                        vec![(h, middle - cap), (h, middle + cap)],
                    ] {
                        chart
                            .draw_series(std::iter::once(PathElement::new(path, BLACK.stroke_width(1))))
                            .map_err(drawing_error)?;
                    }
                }
            }
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (0.0, rows as f64)],
                BLACK.stroke_width(1),
            )))
            .map_err(drawing_error)?;
        for (i, row) in spec.rows.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(x0, rows as f64 - i as f64 - 0.5));
            plot.draw(&Text::new(
                row.clone(),
                (px - 8, py),
                (FONT, 17)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(drawing_error)?;
        }
        if let (true, BarColours::Series(colours)) = (with_legend, &spec.colours) {
            let entries: Vec<(String, RGBColor)> = spec
                .series
                .iter()
                .zip(colours)
                .map(|((l, _), c)| (l.clone(), *c))
                .collect();
            legend(&side, &entries)?;
        }
        root.present().map_err(drawing_error)?;
    }
    Ok(svg)
}

/// An axis tick: as few digits as the value needs, thousands grouped.
pub fn tick(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".to_string();
    }
    let a = x.abs();
    if a >= 1000.0 {
        crate::experiment::fmt_num(x)
    } else {
        let digits = (2 - a.log10().floor() as i32).clamp(0, 6) as usize;
        let text = format!("{x:.digits$}");
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interval(mean: f64) -> Option<Interval> {
        Some(Interval {
            mean,
            low: Some(mean - 0.1),
            high: Some(mean + 0.1),
        })
    }

    #[test]
    fn a_line_chart_is_one_svg_with_its_title_and_legend() {
        let spec = LineChart {
            title: "SME approval rate".into(),
            x_desc: "month".into(),
            y_desc: "%".into(),
            x_labels: Some(vec!["2006-01".into(), "2006-02".into(), "2006-03".into()]),
            lines: vec![
                Line {
                    label: "baseline".into(),
                    points: vec![(0.0, interval(1.0)), (1.0, None), (2.0, interval(1.5))],
                },
                Line {
                    label: "policy & more".into(),
                    points: vec![(0.0, interval(2.0)), (1.0, interval(2.2)), (2.0, interval(2.5))],
                },
            ],
            markers: false,
            joined: true,
        };
        let svg = line_chart(&spec).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert_eq!(svg.matches("<svg").count(), 1);
        assert!(svg.contains("SME approval rate"));
        assert!(svg.contains("policy &amp; more"), "labels are escaped");
        assert!(svg.contains("2006-01"));
        // One band for the full line, none for the broken one's lone points.
        assert_eq!(svg.matches("<polygon").count(), 1);
    }

    #[test]
    fn a_bar_chart_has_a_bar_and_a_label_per_row() {
        let spec = BarChart {
            title: "effects".into(),
            x_desc: "points".into(),
            rows: vec!["alpha".into(), "beta".into(), "gamma".into()],
            series: vec![("Δ".into(), vec![interval(1.0), interval(-0.5), None])],
            colours: BarColours::Rows { first: 1 },
        };
        let svg = bar_chart(&spec).unwrap();
        for row in ["alpha", "beta", "gamma"] {
            assert!(svg.contains(&format!(">\n{row}\n</text>")), "{row}");
        }
        // Two bars plus the background rectangle.
        assert_eq!(svg.matches("<rect").count(), 3, "{svg}");
    }

    #[test]
    fn ticks_are_round_and_months_start_years() {
        assert_eq!(ticks(0.0, 1.0, 5), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(ticks(-0.3, 2.4, 4), vec![0.0, 1.0, 2.0]);
        let labels: Vec<String> = (0..36)
            .map(|i| format!("{}-{:02}", 2006 + i / 12, i % 12 + 1))
            .collect();
        assert_eq!(month_ticks(&labels), vec![0.0, 12.0, 24.0]);
        assert_eq!(month_ticks(&labels[..12]), vec![0.0, 3.0, 6.0, 9.0]);
    }

    #[test]
    fn ticks_are_short() {
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(12.5), "12.5");
        assert_eq!(tick(0.0001234), "0.000123");
        assert_eq!(tick(25_000.0), "25,000");
        assert_eq!(tick(-3.0), "-3");
    }
}
