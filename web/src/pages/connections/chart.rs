//! The spend and revenue chart, drawn as SVG on the server with plotters.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::dto::ad_data::{Channel, ChannelDay};
use plotters::prelude::*;

const WIDTH: u32 = 760;
const HEIGHT: u32 = 300;

/// Colors by channel position, readable on white.
const COLORS: [(u8, u8, u8); 8] = [
    (37, 99, 235),
    (220, 38, 38),
    (22, 163, 74),
    (217, 119, 6),
    (147, 51, 234),
    (8, 145, 178),
    (190, 24, 93),
    (75, 85, 99),
];

/// Spend (solid) and revenue (dashed) per channel and day over `from..=to`, in the currency
/// with the most rows; returns the SVG and the legend (channel, CSS color). Empty without data.
pub fn draw(
    series: &[ChannelDay],
    from: NaiveDate,
    to: NaiveDate,
) -> (String, Vec<(String, String)>) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for d in series {
        *counts.entry(d.currency.as_str()).or_default() += 1;
    }
    let Some(currency) = counts
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(c, _)| (*c).to_owned())
    else {
        return (String::new(), Vec::new());
    };
    let scale = 10f64.powi(i32::from(domain::services::kpis::currency_exponent(
        &currency,
    )));
    let mut by_channel: BTreeMap<Channel, Vec<(i32, f64, f64)>> = BTreeMap::new();
    for d in series.iter().filter(|d| d.currency == currency) {
        let x = (d.date - from).num_days() as i32;
        by_channel.entry(d.channel).or_default().push((
            x,
            d.spend_minor as f64 / scale,
            d.revenue_minor as f64 / scale,
        ));
    }
    let max = by_channel
        .values()
        .flatten()
        .map(|(_, s, r)| s.max(*r))
        .fold(0.0, f64::max)
        .max(1.0);
    let days = (to - from).num_days() as i32;
    let mut svg = String::new();
    let mut legend = Vec::new();
    let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(64)
            .build_cartesian_2d(0..days, 0.0..max * 1.05)?;
        chart
            .configure_mesh()
            .x_labels(7)
            .y_labels(5)
            .x_label_formatter(&|x| {
                (from + chrono::Duration::days(i64::from(*x)))
                    .format("%b %-d")
                    .to_string()
            })
            .y_label_formatter(&|y| format!("{y:.0} {currency}"))
            .light_line_style(RGBColor(240, 240, 240))
            .draw()?;
        for (i, (channel, points)) in by_channel.iter().enumerate() {
            let (r, g, b) = COLORS[i % COLORS.len()];
            let color = RGBColor(r, g, b);
            chart.draw_series(LineSeries::new(
                points.iter().map(|(x, s, _)| (*x, *s)),
                color.stroke_width(2),
            ))?;
            chart.draw_series(DashedLineSeries::new(
                points.iter().map(|(x, _, rev)| (*x, *rev)),
                4,
                3,
                color.stroke_width(1),
            ))?;
            legend.push((channel.as_str().to_owned(), format!("rgb({r},{g},{b})")));
        }
        root.present()?;
        Ok(())
    })();
    match drawn {
        Ok(()) => (svg, legend),
        Err(e) => {
            leptos::logging::error!("drawing the channel chart failed: {e}");
            (String::new(), Vec::new())
        }
    }
}
