//! The report's plots (plotters, SVG backend: no system libraries): the
//! price path, the ratio distribution before and after, cumulative value
//! liquidated per regime, and the sample account's ratio per regime.

use std::path::Path;

use plotters::prelude::*;

use super::report::Report;
use options_margin_client::error::{ClientError, ClientResult};

const SIZE: (u32, u32) = (900, 480);
const COLORS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];

fn err(e: impl std::fmt::Display) -> ClientError {
    ClientError::Input(format!("plot: {e}"))
}

/// Lines `(label, points)` over hours.
fn lines(
    path: &Path,
    title: &str,
    y_label: &str,
    series: &[(String, Vec<(f64, f64)>)],
) -> ClientResult<()> {
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let pts = series.iter().flat_map(|(_, p)| p.iter());
    let (mut x1, mut y0, mut y1) = (1e-9f64, f64::MAX, f64::MIN);
    for (x, y) in pts {
        x1 = x1.max(*x);
        y0 = y0.min(*y);
        y1 = y1.max(*y);
    }
    if y0 > y1 {
        (y0, y1) = (0.0, 1.0);
    }
    let pad = ((y1 - y0) * 0.05).max(1e-9);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..x1, (y0 - pad)..(y1 + pad))
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("hours")
        .y_desc(y_label)
        .draw()
        .map_err(err)?;
    for (i, (label, points)) in series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(err)?
            .label(label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}

/// Counts of ratios per 5-point bucket from 80% to 300% (the ends collect the rest).
fn buckets(ratios: &[u64]) -> Vec<(f64, f64)> {
    let mut counts = [0u32; 45];
    for r in ratios {
        let pct = *r as f64 / 100.0;
        let i = (((pct - 80.0) / 5.0).floor().max(0.0) as usize).min(counts.len() - 1);
        counts[i] += 1;
    }
    counts
        .iter()
        .enumerate()
        .map(|(i, c)| (80.0 + 5.0 * i as f64 + 2.5, f64::from(*c)))
        .collect()
}

fn histogram(path: &Path, report: &Report) -> ClientResult<()> {
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut series = vec![(
        "before (all regimes)".to_owned(),
        buckets(&report.regimes[0].ratios_before_bps),
    )];
    for f in &report.regimes {
        series.push((format!("after: {}", f.regime), buckets(&f.ratios_after_bps)));
    }
    let top = series
        .iter()
        .flat_map(|(_, b)| b.iter().map(|p| p.1))
        .fold(1.0, f64::max);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "equity / maintenance margin per account (5-point buckets)",
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(50)
        .build_cartesian_2d(80f64..305f64, 0f64..top * 1.1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("ratio % (≥ 300% in the last bucket)")
        .y_desc("accounts")
        .draw()
        .map_err(err)?;
    for (i, (label, b)) in series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let step: Vec<(f64, f64)> = b
            .iter()
            .flat_map(|(x, y)| [(x - 2.5, *y), (x + 2.5, *y)])
            .collect();
        chart
            .draw_series(LineSeries::new(step, color.stroke_width(2)))
            .map_err(err)?
            .label(label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}

/// Writes `price.svg`, `ratios.svg`, `cumulative.svg` and `sample.svg` into `dir`.
pub fn write(dir: &Path, report: &Report) -> ClientResult<()> {
    let hours = |t: i64| t as f64 / 3_600.0;
    let price: Vec<(f64, f64)> = report
        .path
        .iter()
        .map(|p| (hours(p.t_secs), p.price_e8 as f64 / 1e8))
        .collect();
    let vol: Vec<(f64, f64)> = report
        .path
        .iter()
        .map(|p| (hours(p.t_secs), f64::from(p.vol_target_e6) / 1e4))
        .collect();
    lines(
        &dir.join("price.svg"),
        "SOL price (USD) and volatility target (%)",
        "USD / %",
        &[("SOL".into(), price), ("vol target %".into(), vol)],
    )?;
    histogram(&dir.join("ratios.svg"), report)?;
    let end = hours(report.path.last().map_or(0, |p| p.t_secs));
    let cumulative: Vec<(String, Vec<(f64, f64)>)> = report
        .regimes
        .iter()
        .map(|f| {
            let mut pts = vec![(0.0, 0.0)];
            let mut last = 0.0;
            for [t, v] in &f.cumulative_value {
                pts.push((hours(*t), last));
                last = *v as f64 / 1e6;
                pts.push((hours(*t), last));
            }
            pts.push((end, last));
            (f.regime.to_owned(), pts)
        })
        .collect();
    lines(
        &dir.join("cumulative.svg"),
        "cumulative value liquidated (USD)",
        "USD",
        &cumulative,
    )?;
    let sample: Vec<(String, Vec<(f64, f64)>)> = report
        .regimes
        .iter()
        .map(|f| {
            (
                f.regime.to_owned(),
                f.sample_ratio
                    .iter()
                    .map(|[t, r]| (hours(*t), (*r as f64 / 100.0).min(400.0)))
                    .collect(),
            )
        })
        .collect();
    lines(
        &dir.join("sample.svg"),
        "sample account (most levered naked put writer): equity / MM %",
        "%",
        &sample,
    )
}
