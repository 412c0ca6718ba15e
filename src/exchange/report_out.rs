//! Writing a [`Report`] as xlsx (a sheet per table named in the report language,
//! frozen header row, filters, column widths fitted to the content, numbers as numbers,
//! zone colours, and a sheet of native Excel charts), csv (one UTF-8 file with a BOM per
//! table beside `--out`; `;` as separator with decimal commas for an Indonesian Excel)
//! or markdown (one file, a section per table). Every file is written atomically.
//!
//! The big sheets are written in the xlsx writer's constant-memory mode: each row goes
//! to a temporary file beside `--out` as it is written, so the workbook of the nation
//! is not held in memory twice.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{
    Chart, ChartFormat, ChartSolidFill, ChartType, Color, Format, FormatBorder, Workbook,
    Worksheet, XlsxError,
};
use unicode_width::UnicodeWidthStr;

use super::report::{BINS, Cell, Charts, Report, Table};
use super::{ExchangeError, Result, write_atomic, write_atomic_file};
use crate::domain::json::decimal_text;
use crate::domain::text::is_unsafe_char;

/// The light fill used for a band's `color` (one of the instrument's colour names;
/// `#RRGGBB` is accepted too), so the zone reads in Excel as it does on screen.
pub fn fill_rgb(color: &str) -> Option<u32> {
    let c = color.trim().to_ascii_lowercase();
    let named = match c.as_str() {
        "red" | "merah" => Some(0xF4B6B6),
        "yellow" | "kuning" => Some(0xFFE699),
        "green" | "hijau" => Some(0xA9D08E),
        "orange" | "oranye" => Some(0xF8CBAD),
        "blue" | "biru" => Some(0x9BC2E6),
        "cyan" => Some(0xB4E5EE),
        "magenta" => Some(0xF2B8E6),
        "grey" | "gray" | "abu-abu" => Some(0xD9D9D9),
        _ => None,
    };
    named.or_else(|| hex_rgb(&c))
}

/// The stronger colour of a band in a chart (a light fill disappears on white).
pub fn chart_rgb(color: &str) -> Option<u32> {
    let c = color.trim().to_ascii_lowercase();
    let named = match c.as_str() {
        "red" | "merah" => Some(0xD9534F),
        "yellow" | "kuning" => Some(0xF0C419),
        "green" | "hijau" => Some(0x5CB85C),
        "orange" | "oranye" => Some(0xF0883E),
        "blue" | "biru" => Some(0x4A86C5),
        "cyan" => Some(0x3BB3C3),
        "magenta" => Some(0xC45AB3),
        "grey" | "gray" | "abu-abu" => Some(0x9E9E9E),
        _ => None,
    };
    named.or_else(|| hex_rgb(&c))
}

fn hex_rgb(c: &str) -> Option<u32> {
    let hex = c.strip_prefix('#')?;
    (hex.len() == 6)
        .then(|| u32::from_str_radix(hex, 16).ok())
        .flatten()
}

fn xlsx_io(e: XlsxError) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// Column widths in Excel's units (about one character each): the widest cell or
/// header, at least 6 and at most 80 characters plus room for the filter button.
pub fn column_widths(table: &Table) -> Vec<f64> {
    let mut widths: Vec<usize> = table
        .headers
        .iter()
        .map(|h| UnicodeWidthStr::width(clean(h).as_str()))
        .collect();
    for row in &table.rows {
        for (c, cell) in row.iter().enumerate() {
            let w = match cell {
                Cell::Text(s) => UnicodeWidthStr::width(clean(s).as_str()),
                Cell::Percent(_) => plain(cell, false).len() + 1,
                other => plain(other, false).len(),
            };
            if let Some(slot) = widths.get_mut(c) {
                *slot = (*slot).max(w);
            }
        }
    }
    widths
        .into_iter()
        .map(|w| w.clamp(6, 80) as f64 + 3.0)
        .collect()
}

/// Writes the report as one xlsx workbook.
pub fn write_xlsx(report: &Report, path: &Path) -> Result<()> {
    write_xlsx_with(report, path, &mut |_| {})
}

/// [`write_xlsx`], calling `rows_done` with the number of rows written so far (for a
/// progress bar).
pub fn write_xlsx_with(report: &Report, path: &Path, rows_done: &mut dyn FnMut(u64)) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    crate::fsio::check_out(path)?;
    let mut wb = Workbook::new();
    let io = |e: XlsxError| ExchangeError::Io {
        path: path.to_path_buf(),
        error: xlsx_io(e),
    };
    // The constant-memory sheets' temporary files go beside the report (a tmpfs /tmp
    // would hold them in memory again).
    wb.set_tempdir(&dir).map_err(io)?;
    // Deflate at level 3: at the default (6) compressing a nation's sheets was a
    // third of the report's CPU; level 3 takes a fifth of that for a file a sixth
    // larger (12.8 MB instead of 10.9; level 1: 19 MB).
    wb.set_zip_compression_level(3);
    let formats = Formats::new();
    let mut done = 0u64;
    for table in &report.tables {
        // The charts read the distribution from its sheet: that one stays in memory
        // (the charts' cached values come from it); every other sheet streams.
        let ws = if table.key == "distribution" {
            wb.add_worksheet()
        } else {
            wb.add_worksheet_with_constant_memory().map_err(io)?
        };
        write_sheet(ws, table, &formats, &mut |n| {
            done += n;
            rows_done(done);
        })
        .map_err(io)?;
        if table.key == "distribution" {
            let ws = wb.add_worksheet();
            write_charts(ws, &report.charts, table).map_err(io)?;
        }
    }
    write_atomic_file(path, false, |f| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        wb.save_to_writer(&mut w).map_err(xlsx_io)?;
        w.flush()?;
        Ok(0)
    })?;
    Ok(())
}

struct Formats {
    header: Format,
    score: Format,
    share: Format,
    int: Format,
    number: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xDDEBF7))
                .set_border_bottom(FormatBorder::Thin),
            score: Format::new().set_num_format("0.00"),
            share: Format::new().set_num_format("0.00%"),
            int: Format::new().set_num_format("0"),
            number: Format::new().set_num_format("General"),
        }
    }
}

fn write_sheet(
    ws: &mut Worksheet,
    table: &Table,
    f: &Formats,
    rows_done: &mut dyn FnMut(u64),
) -> std::result::Result<(), XlsxError> {
    ws.set_name(&table.sheet)?;
    for (c, w) in column_widths(table).into_iter().enumerate() {
        ws.set_column_width(c as u16, w)?;
    }
    ws.set_freeze_panes(1, 0)?;
    let last_col = table.headers.len().saturating_sub(1) as u16;
    ws.autofilter(0, 0, table.rows.len() as u32, last_col)?;
    for (c, h) in table.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, clean(h), &f.header)?;
    }
    let mut zone_formats: HashMap<u32, Format> = HashMap::new();
    for (r, row) in table.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => {
                    ws.write_string(r, c, clean(s))?;
                }
                Cell::Int(n) => {
                    ws.write_number_with_format(r, c, *n as f64, &f.int)?;
                }
                Cell::Number(x) => {
                    let v = num_traits::ToPrimitive::to_f64(x.as_ref()).unwrap_or(f64::NAN);
                    if v.is_finite() {
                        ws.write_number_with_format(r, c, v, &f.number)?;
                    } else {
                        ws.write_string(r, c, decimal_text(x))?;
                    }
                }
                Cell::Score(x) => {
                    ws.write_number_with_format(r, c, x.as_f64(), &f.score)?;
                }
                Cell::Percent(x) => {
                    ws.write_number_with_format(r, c, x.as_f64() / 100.0, &f.share)?;
                }
                Cell::Zone(z) => match z.color.as_deref().and_then(fill_rgb) {
                    Some(rgb) => {
                        let zf = zone_formats
                            .entry(rgb)
                            .or_insert_with(|| Format::new().set_background_color(Color::RGB(rgb)));
                        ws.write_string_with_format(r, c, clean(&z.code), zf)?;
                    }
                    None => {
                        ws.write_string(r, c, clean(&z.code))?;
                    }
                },
                Cell::Empty => {}
            }
        }
        if r.is_multiple_of(1024) {
            rows_done(1024);
        }
    }
    rows_done(table.rows.len() as u64 % 1024);
    Ok(())
}

/// The charts sheet: the zone shares of each kind as 100 % stacked bars (its data, the
/// number of agencies per kind and zone, written on the sheet above it), and the
/// distribution of agency and product scores as columns, from the distribution sheet.
fn write_charts(
    ws: &mut Worksheet,
    charts: &Charts,
    distribution: &Table,
) -> std::result::Result<(), XlsxError> {
    ws.set_name(&charts.sheet)?;
    let bold = Format::new().set_bold();
    let sheet = charts.sheet.clone();
    ws.set_column_width(0, 24)?;
    ws.write_string_with_format(0, 0, clean(&charts.kind_axis), &bold)?;
    for (z, zone) in charts.zones.iter().enumerate() {
        ws.set_column_width(z as u16 + 1, 18)?;
        ws.write_string_with_format(
            0,
            z as u16 + 1,
            clean(&format!("{} ({})", zone.code, zone.label)),
            &bold,
        )?;
    }
    for (k, kind) in charts.kinds.iter().enumerate() {
        let r = k as u32 + 1;
        ws.write_string(r, 0, clean(kind))?;
        for (z, n) in charts.counts[k].iter().enumerate() {
            ws.write_number(r, z as u16 + 1, *n as f64)?;
        }
    }
    let top = charts.kinds.len() as u32 + 2;
    if !charts.kinds.is_empty() && !charts.zones.is_empty() {
        let last = charts.kinds.len() as u32;
        let mut chart = Chart::new(ChartType::BarPercentStacked);
        for (z, zone) in charts.zones.iter().enumerate() {
            let col = z as u16 + 1;
            let series = chart
                .add_series()
                .set_name((sheet.as_str(), 0, col))
                .set_categories((sheet.as_str(), 1, 0, last, 0))
                .set_values((sheet.as_str(), 1, col, last, col));
            if let Some(rgb) = zone.color.as_deref().and_then(chart_rgb) {
                series.set_format(
                    ChartFormat::new().set_solid_fill(ChartSolidFill::new().set_color(rgb)),
                );
            }
        }
        chart.title().set_name(&charts.zones_title);
        chart.x_axis().set_name(&charts.kind_axis);
        chart.set_width(720).set_height(360);
        ws.insert_chart(top, 0, &chart)?;
    }
    let dist = distribution.sheet.as_str();
    let last = BINS as u32;
    for (n, (col, title)) in [
        (1u16, &charts.agencies_title),
        (3u16, &charts.products_title),
    ]
    .into_iter()
    .enumerate()
    {
        let mut chart = Chart::new(ChartType::Column);
        chart
            .add_series()
            .set_name((dist, 0, col))
            .set_categories((dist, 1, 0, last, 0))
            .set_values((dist, 1, col, last, col))
            .set_format(
                ChartFormat::new().set_solid_fill(ChartSolidFill::new().set_color(0x4A86C5)),
            );
        chart.title().set_name(title);
        chart.x_axis().set_name(&charts.score_axis);
        chart.y_axis().set_name(&charts.count_axis);
        chart.legend().set_hidden();
        chart.set_width(720).set_height(360);
        ws.insert_chart(top + 19 * (n as u32 + 1), 0, &chart)?;
    }
    Ok(())
}

/// Writes one table on a sheet of its own as every report sheet is written (its name,
/// a frozen and filterable header row, fitted widths, numbers as numbers, zone colours):
/// for the mentoring report (src/exchange/mentoring_out.rs).
pub(super) fn write_table(ws: &mut Worksheet, table: &Table) -> std::result::Result<(), XlsxError> {
    write_sheet(ws, table, &Formats::new(), &mut |_| {})
}

/// Text safe for a cell or a markdown line: no control or bidi characters.
pub(super) fn clean(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if is_unsafe_char(c) => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// A spreadsheet opening a csv runs a cell that starts with `=`, `+`, `-` or `@` as a
/// formula; such text gets a leading `'` (OWASP's advice against CSV injection).
fn csv_text(s: &str) -> String {
    let s = clean(s);
    if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s
    }
}

/// A cell as plain text; numbers with a decimal comma when `comma`.
fn plain(cell: &Cell, comma: bool) -> String {
    let decimal = |s: String| if comma { s.replace('.', ",") } else { s };
    match cell {
        Cell::Text(s) => s.to_string(),
        Cell::Int(n) => n.to_string(),
        Cell::Number(x) => decimal(decimal_text(x)),
        Cell::Score(x) => decimal(x.to_string()),
        Cell::Percent(x) => decimal(x.to_string()),
        Cell::Zone(z) => z.code.clone(),
        Cell::Empty => String::new(),
    }
}

/// The csv file of one table: `STEM-KEY.csv` beside `out`.
pub fn csv_path(out: &Path, table: &Table) -> PathBuf {
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    out.with_file_name(format!("{stem}-{}.csv", table.key))
}

/// The field separator of the csv files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvSep {
    /// `,` with decimal points (the default).
    #[default]
    Comma,
    /// `;` with decimal commas: what Excel expects under an Indonesian locale.
    Semicolon,
}

/// The UTF-8 byte order mark: Excel reads a csv as UTF-8 only when it starts with one.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes one UTF-8 csv file per table (with a BOM, header row first, shares in
/// percent); returns their paths.
pub fn write_csv(report: &Report, out: &Path) -> Result<Vec<PathBuf>> {
    write_csv_with(report, out, CsvSep::Comma)
}

/// [`write_csv`] with the separator `sep` (`;` writes decimal commas).
pub fn write_csv_with(report: &Report, out: &Path, sep: CsvSep) -> Result<Vec<PathBuf>> {
    let (delimiter, comma) = match sep {
        CsvSep::Comma => (b',', false),
        CsvSep::Semicolon => (b';', true),
    };
    let mut written = Vec::new();
    for table in &report.tables {
        let path = csv_path(out, table);
        let mut bytes = BOM.to_vec();
        let mut w = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .from_writer(&mut bytes);
        let io = |e: csv::Error| ExchangeError::Io {
            path: path.clone(),
            error: std::io::Error::other(e.to_string()),
        };
        w.write_record(table.headers.iter().map(|h| csv_text(h)))
            .map_err(io)?;
        for row in &table.rows {
            w.write_record(row.iter().map(|c| match c {
                Cell::Text(s) => csv_text(s),
                other => plain(other, comma),
            }))
            .map_err(io)?;
        }
        w.flush().map_err(|e| ExchangeError::Io {
            path: path.clone(),
            error: e,
        })?;
        drop(w);
        write_atomic(&path, &bytes, false)?;
        written.push(path);
    }
    Ok(written)
}

fn md_cell(cell: &Cell) -> String {
    let s = match cell {
        Cell::Percent(x) => format!("{x}%"),
        other => plain(other, false),
    };
    clean(&s).replace('\\', "\\\\").replace('|', "\\|")
}

/// Writes the report as one markdown file.
pub fn write_md(report: &Report, out: &Path) -> Result<()> {
    let lang = report.lang;
    let mut md = String::new();
    md.push_str(&format!(
        "# {}\n\n",
        super::report::tr(lang, "Laporan patuh", "patuh report")
    ));
    md.push_str(&format!(
        "- {}: `{}`{}\n- {}: {}\n\n",
        super::report::tr(lang, "basis data", "database"),
        clean(&report.database).replace('`', "'"),
        if report.central {
            super::report::tr(lang, " (pusat)", " (central)")
        } else {
            String::new()
        },
        super::report::tr(lang, "dibuat", "generated"),
        report.generated_at
    ));
    for table in &report.tables {
        md.push_str(&format!("## {}\n\n", clean(&table.title)));
        if table.rows.is_empty() {
            md.push_str(&super::report::tr(lang, "(tidak ada)\n\n", "(none)\n\n"));
            continue;
        }
        let headers: Vec<String> = table
            .headers
            .iter()
            .map(|h| md_cell(&Cell::Text(h.as_str().into())))
            .collect();
        md.push_str(&format!("| {} |\n", headers.join(" | ")));
        // A column of numbers is right-aligned (its first filled cell says which it is).
        let align: Vec<&str> = (0..table.headers.len())
            .map(|c| {
                let first = table
                    .rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .find(|cell| !matches!(cell, Cell::Empty));
                match first {
                    Some(Cell::Int(_) | Cell::Number(_) | Cell::Score(_) | Cell::Percent(_)) => {
                        "---:"
                    }
                    _ => "---",
                }
            })
            .collect();
        md.push_str(&format!("| {} |\n", align.join(" | ")));
        for row in &table.rows {
            let cells: Vec<String> = row.iter().map(md_cell).collect();
            md.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        md.push('\n');
    }
    write_atomic(out, md.as_bytes(), false)
}
