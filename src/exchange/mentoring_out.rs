//! Writing a [`Mentoring`] report: markdown (one file, a section per unit and product),
//! HTML (one self-contained printable file: inline CSS with a print stylesheet, the
//! trend drawn as inline SVG; no script, no font, image or style fetched from
//! anywhere, so it opens the same offline and prints on A4) or xlsx (a summary sheet,
//! one row per fix, the trend with a native line chart, and what the report is). Every
//! file is written atomically; every text from the database is cleaned of control and
//! bidi characters and escaped for its format.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use rust_xlsxwriter::{Chart, ChartMarker, ChartMarkerType, ChartType, Workbook, XlsxError};

use super::mentoring::{
    Fix, Grade, Mentoring, NodeReport, Outlook, SHOWN, Words, fix_value, gain_text, words,
};
use super::report::{Cell, Table, ZoneMark};
use super::report_out::{clean, fill_rgb, write_table};
use super::trend::{point_label, when_label};
use super::{ExchangeError, Result, write_atomic, write_atomic_file};
use crate::domain::history::changes;
use crate::domain::instrument::NodeLevel;
use crate::domain::scoring::Rounded;

/// Where a fix is, relative to the agency: `DUKCAPIL/KTP-EL (KTP Elektronik)`, or the
/// word for the agency itself.
fn where_text(f: &Fix, agency_code: &str, w: &Words) -> String {
    match f
        .path
        .strip_prefix(agency_code)
        .and_then(|p| p.strip_prefix('/'))
    {
        Some(rest) => format!("{rest} ({})", f.name),
        None => w.level(NodeLevel::Agency).to_string(),
    }
}

/// How many of a node's fixes the md and HTML list: a product's all, an agency's or a
/// unit's the first [`SHOWN`].
fn shown(n: &NodeReport) -> usize {
    if n.level == NodeLevel::Product {
        usize::MAX
    } else {
        SHOWN
    }
}

/// The line that says what the list leaves out, if it leaves out any.
fn more(n: &NodeReport, w: &Words) -> Option<String> {
    let Outlook::Next { fixes, .. } = &n.outlook else {
        return None;
    };
    let rest = fixes.get(shown(n)..).filter(|r| !r.is_empty())?;
    let gain = rest
        .iter()
        .fold(num_rational::BigRational::default(), |acc, f| acc + &f.gain);
    Some(w.more(rest.len(), &gain))
}

fn grade_text(g: &Grade) -> String {
    format!("{} ({}, {})", g.score, g.band.code, g.band.label)
}

fn progress_text(n: &NodeReport, w: &Words) -> String {
    format!(
        "{} {} {} ({})",
        n.answered,
        w.of,
        n.total,
        n.progress.label(w.lang)
    )
}

// ---------------------------------------------------------------------------------
// Markdown

fn md(s: &str) -> String {
    clean(s)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('*', "\\*")
        .replace('_', "\\_")
        .replace('<', "\\<")
        .replace('`', "'")
}

fn md_node(out: &mut String, n: &NodeReport, agency: &str, w: &Words) {
    let _ = writeln!(out, "- {}: {}", w.progress, md(&progress_text(n, w)));
    match &n.outlook {
        Outlook::NotAssessed => {
            let _ = writeln!(out, "\n{}\n", md(&w.not_assessed));
            return;
        }
        Outlook::NoScore => {
            let _ = writeln!(out, "\n{}\n", md(&w.no_score));
            return;
        }
        _ => {}
    }
    if let Some(now) = &n.now {
        let _ = writeln!(out, "- {}: **{}**", w.now, md(&grade_text(now)));
    }
    let Outlook::Next {
        target,
        points,
        fixes,
        reachable,
        projected,
    } = &n.outlook
    else {
        let _ = writeln!(out, "\n{}\n", md(&w.top));
        return;
    };
    let _ = writeln!(
        out,
        "- {}: {} ({}), {} {}",
        w.next,
        md(&target.code),
        md(&target.label),
        md(&w.points.to_lowercase()),
        points
    );
    let _ = writeln!(out, "\n{}\n", md(&w.fix_intro));
    let own = n.level == NodeLevel::Product;
    let mut head = vec![w.order.as_str()];
    if !own {
        head.push(&w.where_);
    }
    head.extend([
        w.indicator.as_str(),
        &w.dimension,
        &w.value,
        &w.gain,
        &w.note,
    ]);
    let _ = writeln!(out, "| {} |", head.join(" | "));
    let align: Vec<&str> = head
        .iter()
        .map(|h| {
            if *h == w.order || *h == w.gain {
                "---:"
            } else {
                "---"
            }
        })
        .collect();
    let _ = writeln!(out, "| {} |", align.join(" | "));
    for (k, f) in fixes.iter().enumerate().take(shown(n)) {
        let mut row = vec![(k + 1).to_string()];
        if !own {
            row.push(md(&where_text(f, agency, w)));
        }
        row.extend([
            md(&format!("{} ({})", f.label, f.indicator)),
            md(&f.dimension),
            md(&fix_value(f, w)),
            gain_text(&f.gain),
            md(&f.note),
        ]);
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    if let Some(more) = more(n, w) {
        let _ = writeln!(out, "\n{}", md(&more));
    }
    let _ = writeln!(
        out,
        "\n{}: **{}**\n",
        w.projected,
        md(&grade_text(projected))
    );
    if !reachable {
        let _ = writeln!(out, "{}\n", md(&w.unreachable));
    }
}

/// A bar of 20 cells for a score of 0-100, for the trend in plain text.
fn bar(score: Rounded) -> String {
    let full = ((score.0.clamp(0, 10000) + 250) / 500) as usize;
    format!("{}{}", "█".repeat(full), "░".repeat(20 - full))
}

/// The report as markdown.
pub fn to_md(m: &Mentoring) -> String {
    let w = words(m.lang);
    let a = &m.agency;
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", md(&w.title));
    let _ = writeln!(out, "## {} ({})\n", md(&a.name), md(&a.code));
    let _ = writeln!(out, "_{}_\n", md(&w.subtitle));
    for (k, v) in [
        (&w.kind, &m.kind),
        (&w.instrument, &m.instrument),
        (&w.cycle, &m.cycle),
        (&w.generated, &m.generated_at),
        (&w.database, &m.database),
    ] {
        let _ = writeln!(out, "- {k}: {}", md(v));
    }
    let _ = writeln!(out, "\n## {}: {}\n", md(&w.summary), md(&a.name));
    md_node(&mut out, a, &a.code, &w);
    let _ = writeln!(out, "## {}\n", md(&w.trend));
    if m.trend.is_empty() {
        let _ = writeln!(out, "{}\n", md(&w.no_trend));
    } else {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | |\n| --- | --- | ---: | --- | ---: | --- |",
            w.year, w.source, w.score, w.category, w.change
        );
        for (p, change) in m.trend.iter().zip(changes(&m.trend)) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                md(&when_label(p, m.lang)),
                md(&point_label(p, m.lang)),
                p.score,
                md(&p.category),
                change.map(signed).unwrap_or_default(),
                bar(p.score)
            );
        }
        out.push('\n');
    }
    for u in &m.units {
        let _ = writeln!(
            out,
            "## {} {} ({})\n",
            md(&w.unit),
            md(&u.node.code),
            md(&u.node.name)
        );
        md_node(&mut out, &u.node, &a.code, &w);
        for p in &u.products {
            let _ = writeln!(
                out,
                "### {} {} ({})\n",
                md(&w.product),
                md(&p.code),
                md(&p.name)
            );
            md_node(&mut out, p, &a.code, &w);
        }
    }
    let _ = writeln!(out, "---\n\n_{}_", md(&w.how));
    out
}

/// A change with its sign: `+9.79`, `-13.47`, `0.00`.
fn signed(r: Rounded) -> String {
    if r.0 > 0 {
        format!("+{r}")
    } else {
        r.to_string()
    }
}

pub fn write_md(m: &Mentoring, out: &Path) -> Result<()> {
    write_atomic(out, to_md(m).as_bytes(), false)
}

// ---------------------------------------------------------------------------------
// HTML

/// Text for HTML (content or a quoted attribute).
fn h(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in clean(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A band as a badge: its code and label in text, the colour as a background only.
fn badge(code: &str, label: &str, color: Option<&str>) -> String {
    let style = color
        .and_then(fill_rgb)
        .map(|rgb| format!(" style=\"background:#{rgb:06X}\""))
        .unwrap_or_default();
    format!(
        "<span class=\"badge\"{style}><b>{}</b> {}</span>",
        h(code),
        h(label)
    )
}

fn grade_html(g: &Grade) -> String {
    format!(
        "<span class=\"score\">{}</span> {}",
        g.score,
        badge(&g.band.code, &g.band.label, g.band.color.as_deref())
    )
}

const CSS: &str = "
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif;
  color: #111; background: #fff; line-height: 1.4; max-width: 62rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 1.5rem 0 .5rem; border-bottom: 2px solid #4A86C5; padding-bottom: .15rem; }
h3 { font-size: 1.05rem; margin: 1rem 0 .4rem; }
.agency { font-size: 1.2rem; font-weight: 600; margin: 0 0 .5rem; }
.subtitle { color: #333; font-style: italic; margin: 0 0 .75rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .75rem; margin: 0 0 1rem; font-size: .9rem; }
dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; }
.facts { margin: .25rem 0 .5rem; padding: 0; list-style: none; }
.facts li { margin: .1rem 0; }
.score { font-weight: 700; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; border: 1px solid #777; border-radius: 3px; padding: 0 .35rem; }
table { border-collapse: collapse; width: 100%; margin: .35rem 0 .6rem; font-size: .92rem; }
th, td { border: 1px solid #aaa; padding: .2rem .4rem; text-align: left; vertical-align: top; }
th { background: #DDEBF7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.projected { margin: .25rem 0 .75rem; }
.quiet { color: #444; }
.node { margin: 0 0 .75rem; }
.product { margin-left: 1rem; }
svg { max-width: 100%; height: auto; }
footer { margin-top: 2rem; border-top: 1px solid #aaa; padding-top: .5rem; font-size: .85rem; color: #333; }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; }
  section.unit { break-before: page; }
  .node, tr, svg { break-inside: avoid; }
  thead { display: table-header-group; }
  .badge, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
";

fn html_node(out: &mut String, n: &NodeReport, agency: &str, w: &Words) {
    out.push_str("<div class=\"node\">\n<ul class=\"facts\">\n");
    let _ = writeln!(
        out,
        "<li>{}: {}</li>",
        h(&w.progress),
        h(&progress_text(n, w))
    );
    let end = |out: &mut String, text: &str| {
        let _ = writeln!(out, "</ul>\n<p class=\"quiet\">{}</p>\n</div>", h(text));
    };
    match &n.outlook {
        Outlook::NotAssessed => return end(out, &w.not_assessed),
        Outlook::NoScore => return end(out, &w.no_score),
        _ => {}
    }
    if let Some(now) = &n.now {
        let _ = writeln!(out, "<li>{}: {}</li>", h(&w.now), grade_html(now));
    }
    let Outlook::Next {
        target,
        points,
        fixes,
        reachable,
        projected,
    } = &n.outlook
    else {
        return end(out, &w.top);
    };
    let _ = writeln!(
        out,
        "<li>{}: {} &mdash; {} {}</li>\n</ul>",
        h(&w.next),
        badge(&target.code, &target.label, target.color.as_deref()),
        h(&w.points.to_lowercase()),
        points
    );
    let _ = writeln!(out, "<p>{}</p>", h(&w.fix_intro));
    let own = n.level == NodeLevel::Product;
    out.push_str("<table>\n<thead><tr>");
    let _ = write!(out, "<th>{}</th>", h(&w.order));
    if !own {
        let _ = write!(out, "<th>{}</th>", h(&w.where_));
    }
    for head in [&w.indicator, &w.dimension, &w.value, &w.gain, &w.note] {
        let _ = write!(out, "<th>{}</th>", h(head));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (k, f) in fixes.iter().enumerate().take(shown(n)) {
        let _ = write!(out, "<tr class=\"fix\"><td class=\"num\">{}</td>", k + 1);
        if !own {
            let _ = write!(out, "<td>{}</td>", h(&where_text(f, agency, w)));
        }
        let _ = writeln!(
            out,
            "<td>{} <span class=\"quiet\">({})</span></td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            h(&f.label),
            h(&f.indicator),
            h(&f.dimension),
            h(&fix_value(f, w)),
            gain_text(&f.gain),
            h(&f.note)
        );
    }
    out.push_str("</tbody>\n</table>\n");
    if let Some(more) = more(n, w) {
        let _ = writeln!(out, "<p class=\"quiet\">{}</p>", h(&more));
    }
    let _ = writeln!(
        out,
        "<p class=\"projected\">{}: {}</p>",
        h(&w.projected),
        grade_html(projected)
    );
    if !reachable {
        let _ = writeln!(out, "<p class=\"quiet\">{}</p>", h(&w.unreachable));
    }
    out.push_str("</div>\n");
}

/// The trend as an inline SVG line chart: scores 0-100 up, points in time order
/// across, the instrument's category bounds as dashed lines.
fn trend_svg(m: &Mentoring) -> String {
    let (width, height) = (640.0_f64, 230.0_f64);
    let (left, right, top, bottom) = (44.0, 96.0, 16.0, 36.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let y = |hundredths: i64| top + (10000 - hundredths.clamp(0, 10000)) as f64 / 10000.0 * plot_h;
    let n = m.trend.len();
    let x = |i: usize| {
        if n <= 1 {
            left + plot_w / 2.0
        } else {
            left + plot_w * i as f64 / (n - 1) as f64
        }
    };
    let summary: Vec<String> = m
        .trend
        .iter()
        .map(|p| format!("{} {}", when_label(p, m.lang), p.score))
        .collect();
    let w = words(m.lang);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg class=\"trend\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        h(&format!("{}: {}", w.trend, summary.join(", ")))
    );
    let _ = writeln!(
        s,
        "<title>{}</title>",
        h(&format!("{}: {}", w.trend, summary.join(", ")))
    );
    // Axes and the 0 / 50 / 100 marks.
    let _ = writeln!(
        s,
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{:.1}\" stroke=\"#555\"/>",
        top + plot_h
    );
    let _ = writeln!(
        s,
        "<line x1=\"{left}\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\" stroke=\"#555\"/>",
        top + plot_h,
        left + plot_w
    );
    for mark in [0i64, 5000, 10000] {
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            y(mark) + 4.0,
            mark / 100
        );
    }
    // The category bounds of the instrument.
    for (min, band) in &m.bands {
        if min.0 <= 0 || min.0 >= 10000 {
            continue;
        }
        let _ = writeln!(
            s,
            "<line x1=\"{left}\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\
             <text x=\"{2:.1}\" y=\"{3:.1}\" font-size=\"10\" fill=\"#555\">{4} &#8805; {5}</text>",
            y(min.0),
            left + plot_w,
            left + plot_w + 4.0,
            y(min.0) + 3.5,
            h(&band.code),
            min
        );
    }
    let pts: Vec<String> = m
        .trend
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.score.0)))
        .collect();
    if n > 1 {
        let _ = writeln!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#4A86C5\" stroke-width=\"2.5\"/>",
            pts.join(" ")
        );
    }
    for (i, p) in m.trend.iter().enumerate() {
        let (px, py) = (x(i), y(p.score.0));
        let _ = writeln!(
            s,
            "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"4\" fill=\"#4A86C5\"/>\
             <text x=\"{px:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\
             <text x=\"{px:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            py - 8.0,
            p.score,
            top + plot_h + 16.0,
            h(&when_label(p, m.lang))
        );
    }
    s.push_str("</svg>\n");
    s
}

/// The report as one self-contained HTML page.
pub fn to_html(m: &Mentoring) -> String {
    let w = words(m.lang);
    let a = &m.agency;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} &mdash; {}</title>\n<style>{CSS}</style>\n</head>\n<body>",
        m.lang.code(),
        h(&w.title),
        h(&a.name)
    );
    let _ = writeln!(
        out,
        "<header>\n<h1>{}</h1>\n<p class=\"agency\">{} ({})</p>\n<p class=\"subtitle\">{}</p>\n<dl class=\"meta\">",
        h(&w.title),
        h(&a.name),
        h(&a.code),
        h(&w.subtitle)
    );
    for (k, v) in [
        (&w.kind, &m.kind),
        (&w.instrument, &m.instrument),
        (&w.cycle, &m.cycle),
        (&w.generated, &m.generated_at),
        (&w.database, &m.database),
    ] {
        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", h(k), h(v));
    }
    out.push_str("</dl>\n</header>\n<main>\n");
    let _ = writeln!(
        out,
        "<section class=\"agency-summary\">\n<h2>{}: {}</h2>",
        h(&w.summary),
        h(&a.name)
    );
    html_node(&mut out, a, &a.code, &w);
    out.push_str("</section>\n");
    let _ = writeln!(out, "<section class=\"trend\">\n<h2>{}</h2>", h(&w.trend));
    if m.trend.is_empty() {
        let _ = writeln!(out, "<p class=\"quiet\">{}</p>", h(&w.no_trend));
    } else {
        out.push_str(&trend_svg(m));
        let _ = writeln!(
            out,
            "<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
            h(&w.year),
            h(&w.source),
            h(&w.score),
            h(&w.category),
            h(&w.change)
        );
        for (p, change) in m.trend.iter().zip(changes(&m.trend)) {
            let _ = writeln!(
                out,
                "<tr class=\"point\"><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
                h(&when_label(p, m.lang)),
                h(&point_label(p, m.lang)),
                p.score,
                h(&p.category),
                change.map(signed).unwrap_or_default()
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");
    for u in &m.units {
        let _ = writeln!(
            out,
            "<section class=\"unit\">\n<h2>{} {} &mdash; {}</h2>",
            h(&w.unit),
            h(&u.node.code),
            h(&u.node.name)
        );
        html_node(&mut out, &u.node, &a.code, &w);
        for p in &u.products {
            let _ = writeln!(
                out,
                "<section class=\"product\">\n<h3>{} {} &mdash; {}</h3>",
                h(&w.product),
                h(&p.code),
                h(&p.name)
            );
            html_node(&mut out, p, &a.code, &w);
            out.push_str("</section>\n");
        }
        out.push_str("</section>\n");
    }
    let _ = writeln!(
        out,
        "</main>\n<footer>\n<p>{}</p>\n</footer>\n</body>\n</html>",
        h(&w.how)
    );
    out
}

pub fn write_html(m: &Mentoring, out: &Path) -> Result<()> {
    write_atomic(out, to_html(m).as_bytes(), false)
}

// ---------------------------------------------------------------------------------
// xlsx

fn text(s: &str) -> Cell {
    Cell::Text(Arc::from(clean(s)))
}

fn zone(code: &str, color: Option<&str>) -> Cell {
    Cell::Zone(Arc::new(ZoneMark {
        code: code.to_string(),
        color: color.map(str::to_string),
    }))
}

fn columns(w: &[&str]) -> (Vec<String>, Vec<String>) {
    (
        w.iter().map(|s| s.to_string()).collect(),
        vec![String::new(); w.len()],
    )
}

/// Every node of the report, agency first, each unit followed by its products.
fn nodes(m: &Mentoring) -> Vec<&NodeReport> {
    let mut all = vec![&m.agency];
    for u in &m.units {
        all.push(&u.node);
        all.extend(&u.products);
    }
    all
}

/// The tables of the workbook: summary, fixes, trend, about.
pub fn tables(m: &Mentoring) -> Vec<Table> {
    let w = words(m.lang);
    let lang = m.lang;
    let mut summary = Vec::new();
    let mut fixes = Vec::new();
    for n in nodes(m) {
        let mut row = vec![
            text(w.level(n.level)),
            text(&n.path),
            text(&n.name),
            Cell::Int(n.answered as i64),
            Cell::Int(n.total as i64),
            text(n.progress.label(lang)),
        ];
        match &n.now {
            Some(g) => row.extend([
                Cell::Score(g.score),
                zone(&g.band.code, g.band.color.as_deref()),
            ]),
            None => row.extend([Cell::Empty, Cell::Empty]),
        }
        match &n.outlook {
            Outlook::Next {
                target,
                points,
                fixes: list,
                reachable,
                projected,
            } => {
                row.extend([
                    zone(&target.code, target.color.as_deref()),
                    Cell::Score(*points),
                    Cell::Int(list.len() as i64),
                    Cell::Score(projected.score),
                    zone(&projected.band.code, projected.band.color.as_deref()),
                    text(if *reachable { &w.yes } else { &w.no }),
                ]);
                for (k, f) in list.iter().enumerate() {
                    fixes.push(vec![
                        text(w.level(n.level)),
                        text(&n.path),
                        Cell::Int(k as i64 + 1),
                        text(&f.path),
                        text(&f.name),
                        text(&f.indicator),
                        text(&f.label),
                        text(&f.dimension),
                        match &f.value {
                            Some(v) => Cell::Number(Box::new(v.clone())),
                            None => text(&w.unanswered),
                        },
                        Cell::Int(i64::from(f.max)),
                        Cell::Score(Rounded::of(&f.gain)),
                        if f.note.is_empty() {
                            Cell::Empty
                        } else {
                            text(&f.note)
                        },
                    ]);
                }
            }
            other => {
                row.extend([
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                ]);
                row.push(match other {
                    Outlook::Top => text(&w.top),
                    Outlook::NoScore => text(&w.no_score),
                    _ => text(&w.not_assessed),
                });
            }
        }
        summary.push(row);
    }
    let (headers, meanings) = columns(&[
        &w.level,
        &w.path,
        &w.name,
        &crate::exchange::report::tr(lang, "Terjawab", "Answered"),
        &crate::exchange::report::tr(lang, "Jumlah indikator", "Indicators"),
        &w.progress,
        &w.score,
        &w.category,
        &w.next,
        &w.points,
        &w.count,
        &w.projected,
        &format!("{} ({})", w.category, w.projected.to_lowercase()),
        &w.reachable,
    ]);
    let summary = Table {
        key: "summary",
        sheet: w.summary.clone(),
        title: w.summary.clone(),
        headers,
        meanings,
        rows: summary,
    };
    let (headers, meanings) = columns(&[
        &w.level,
        &w.path,
        &w.order,
        &w.where_,
        &w.name,
        &w.indicator,
        &crate::exchange::report::tr(lang, "Uraian", "Description"),
        &w.dimension,
        &w.value,
        &crate::exchange::report::tr(lang, "Nilai maksimum", "Maximum"),
        &w.gain,
        &w.note,
    ]);
    let fixes = Table {
        key: "fixes",
        sheet: w.fixes.clone(),
        title: w.fixes.clone(),
        headers,
        meanings,
        rows: fixes,
    };
    let trend_rows = m
        .trend
        .iter()
        .zip(changes(&m.trend))
        .map(|(p, change)| {
            vec![
                text(&when_label(p, lang)),
                text(&point_label(p, lang)),
                Cell::Score(p.score),
                match m.bands.iter().find(|(_, b)| b.code == p.category) {
                    Some((_, b)) => zone(&b.code, b.color.as_deref()),
                    None if p.category.is_empty() => Cell::Empty,
                    None => text(&p.category),
                },
                change.map_or(Cell::Empty, Cell::Score),
            ]
        })
        .collect();
    let (headers, meanings) = columns(&[&w.year, &w.source, &w.score, &w.category, &w.change]);
    let trend = Table {
        key: "trend",
        sheet: crate::exchange::report::tr(lang, "Tren", "Trend"),
        title: w.trend.clone(),
        headers,
        meanings,
        rows: trend_rows,
    };
    let about_rows = [
        (&w.agency, format!("{} ({})", m.agency.name, m.agency.code)),
        (&w.kind, m.kind.clone()),
        (&w.instrument, m.instrument.clone()),
        (&w.cycle, m.cycle.clone()),
        (&w.generated, m.generated_at.clone()),
        (&w.database, m.database.clone()),
        (&w.about, w.how.clone()),
    ]
    .into_iter()
    .map(|(k, v)| vec![text(k), text(&v)])
    .collect();
    let (headers, meanings) =
        columns(&[&w.about, &crate::exchange::report::tr(lang, "Isi", "Value")]);
    let about = Table {
        key: "about",
        sheet: w.about.clone(),
        title: w.title.clone(),
        headers,
        meanings,
        rows: about_rows,
    };
    vec![summary, fixes, trend, about]
}

/// The report as an xlsx workbook: summary, fixes, the trend with a line chart, about.
pub fn write_xlsx(m: &Mentoring, path: &Path) -> Result<()> {
    crate::fsio::check_out(path)?;
    let io = |e: XlsxError| ExchangeError::Io {
        path: path.to_path_buf(),
        error: std::io::Error::other(e.to_string()),
    };
    let mut wb = Workbook::new();
    for table in tables(m) {
        let ws = wb.add_worksheet();
        write_table(ws, &table).map_err(io)?;
        if table.key == "trend" && !table.rows.is_empty() {
            let last = table.rows.len() as u32;
            let sheet = table.sheet.as_str();
            let mut chart = Chart::new(ChartType::Line);
            chart
                .add_series()
                .set_name((sheet, 0, 2))
                .set_categories((sheet, 1, 0, last, 0))
                .set_values((sheet, 1, 2, last, 2))
                .set_marker(ChartMarker::new().set_type(ChartMarkerType::Circle));
            chart.title().set_name(&table.title);
            chart.y_axis().set_min(0).set_max(100);
            chart.legend().set_hidden();
            chart.set_width(640).set_height(320);
            ws.insert_chart(1, 6, &chart).map_err(io)?;
        }
    }
    write_atomic_file(path, false, |f| {
        let mut w = std::io::BufWriter::new(f);
        wb.save_to_writer(&mut w)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        std::io::Write::flush(&mut w)?;
        Ok(0)
    })?;
    Ok(())
}
