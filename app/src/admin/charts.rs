//! Charts drawn by the app itself as inline SVG (no script, no CDN).

use leptos::prelude::*;

/// Vertical bars, one per label, with the value as a tooltip and text.
#[component]
pub fn BarChart(
    title: &'static str,
    bars: Vec<(String, i64)>,
    #[prop(into)] unit: Callback<i64, String>,
) -> impl IntoView {
    let (w, h, pad) = (640.0_f64, 220.0_f64, 28.0_f64);
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1) as f64;
    let n = bars.len().max(1) as f64;
    let slot = (w - pad) / n;
    let bars_view = bars
        .into_iter()
        .enumerate()
        .map(|(i, (label, v))| {
            let bh = (v as f64 / max) * (h - 2.0 * pad);
            let x = pad + i as f64 * slot + slot * 0.15;
            let y = h - pad - bh;
            let text = unit.run(v);
            view! {
                <g>
                    <rect x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{:.1}", slot * 0.7) height=format!("{bh:.1}") class="bar">
                        <title>{format!("{label}: {text}")}</title>
                    </rect>
                    <text x=format!("{:.1}", x + slot * 0.35) y=format!("{:.1}", h - pad + 14.0) class="axis" text-anchor="middle">{label}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {w} {h}") role="img" aria-label=title>
                <line x1=format!("{pad}") y1=format!("{}", h - pad) x2=format!("{w}") y2=format!("{}", h - pad) class="baseline" />
                {bars_view}
            </svg>
            <figcaption>{title}</figcaption>
        </figure>
    }
}

/// Horizontal bars with their labels, longest first.
#[component]
pub fn RankChart(title: &'static str, rows: Vec<(String, i64)>) -> impl IntoView {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let h = 26.0 * rows.len().max(1) as f64;
    let rows_view = rows
        .into_iter()
        .enumerate()
        .map(|(i, (label, v))| {
            let y = i as f64 * 26.0;
            let bw = (v as f64 / max) * 300.0;
            view! {
                <g>
                    <text x="0" y=format!("{:.1}", y + 17.0) class="axis">{label.chars().take(34).collect::<String>()}</text>
                    <rect x="260" y=format!("{:.1}", y + 4.0) width=format!("{bw:.1}") height="18" class="bar"><title>{v}</title></rect>
                    <text x=format!("{:.1}", 266.0 + bw) y=format!("{:.1}", y + 17.0) class="axis">{v}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 640 {h}") role="img" aria-label=title>{rows_view}</svg>
            <figcaption>{title}</figcaption>
        </figure>
    }
}
