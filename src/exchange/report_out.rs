//! Writing a [`Report`] as xlsx (a sheet per table, frozen header row, filters,
//! number formats, zone colours), csv (one file per table beside `--out`) or markdown
//! (one file, a section per table). Every file is written atomically.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, XlsxError};

use super::report::{Cell, Report, Table};
use super::{ExchangeError, Result, write_atomic};
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
    named.or_else(|| {
        let hex = c.strip_prefix('#')?;
        (hex.len() == 6)
            .then(|| u32::from_str_radix(hex, 16).ok())
            .flatten()
    })
}

fn xlsx_err(path: &Path) -> impl Fn(XlsxError) -> ExchangeError + '_ {
    move |e| ExchangeError::Io {
        path: path.to_path_buf(),
        error: std::io::Error::other(e.to_string()),
    }
}

/// Writes the report as one xlsx workbook.
pub fn write_xlsx(report: &Report, path: &Path) -> Result<()> {
    let err = xlsx_err(path);
    let mut wb = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border_bottom(FormatBorder::Thin);
    let score = Format::new().set_num_format("0.00");
    let share = Format::new().set_num_format("0.00%");
    let int = Format::new().set_num_format("0");
    let mut zone_formats: HashMap<String, Format> = HashMap::new();
    for table in &report.tables {
        let ws = wb.add_worksheet();
        ws.set_name(table.key).map_err(&err)?;
        for (c, h) in table.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, clean(h), &header)
                .map_err(&err)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) => {
                        ws.write_string(r, c, clean(s)).map_err(&err)?;
                    }
                    Cell::Int(n) => {
                        ws.write_number_with_format(r, c, *n as f64, &int)
                            .map_err(&err)?;
                    }
                    Cell::Score(x) => {
                        ws.write_number_with_format(r, c, x.as_f64(), &score)
                            .map_err(&err)?;
                    }
                    Cell::Percent(x) => {
                        ws.write_number_with_format(r, c, x.as_f64() / 100.0, &share)
                            .map_err(&err)?;
                    }
                    Cell::Zone { code, color } => {
                        let fill = color.as_deref().and_then(fill_rgb);
                        match fill {
                            Some(rgb) => {
                                let key = format!("{rgb:06x}");
                                let f = zone_formats.entry(key).or_insert_with(|| {
                                    Format::new().set_background_color(Color::RGB(rgb))
                                });
                                ws.write_string_with_format(r, c, clean(code), f)
                                    .map_err(&err)?;
                            }
                            None => {
                                ws.write_string(r, c, clean(code)).map_err(&err)?;
                            }
                        }
                    }
                    Cell::Empty => {}
                }
            }
        }
        ws.set_freeze_panes(1, 0).map_err(&err)?;
        let last_col = table.headers.len().saturating_sub(1) as u16;
        ws.autofilter(0, 0, table.rows.len() as u32, last_col)
            .map_err(&err)?;
        ws.set_autofit_max_width(60);
        ws.autofit();
    }
    let bytes = wb.save_to_buffer().map_err(&err)?;
    write_atomic(path, &bytes, false)
}

/// Text safe for a cell or a markdown line: no control or bidi characters.
fn clean(s: &str) -> String {
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

fn plain(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Int(n) => n.to_string(),
        Cell::Score(x) => x.to_string(),
        Cell::Percent(x) => x.to_string(),
        Cell::Zone { code, .. } => code.clone(),
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

/// Writes one UTF-8 csv file per table (header row first, shares in percent);
/// returns their paths.
pub fn write_csv(report: &Report, out: &Path) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for table in &report.tables {
        let path = csv_path(out, table);
        let mut w = csv::Writer::from_writer(Vec::new());
        let io = |e: csv::Error| ExchangeError::Io {
            path: path.clone(),
            error: std::io::Error::other(e.to_string()),
        };
        w.write_record(table.headers.iter().map(|h| csv_text(h)))
            .map_err(io)?;
        for row in &table.rows {
            w.write_record(row.iter().map(|c| match c {
                Cell::Text(s) => csv_text(s),
                other => plain(other),
            }))
            .map_err(io)?;
        }
        let bytes = w.into_inner().map_err(|e| ExchangeError::Io {
            path: path.clone(),
            error: std::io::Error::other(e.to_string()),
        })?;
        write_atomic(&path, &bytes, false)?;
        written.push(path);
    }
    Ok(written)
}

fn md_cell(cell: &Cell) -> String {
    let s = match cell {
        Cell::Percent(x) => format!("{x}%"),
        other => plain(other),
    };
    clean(&s).replace('\\', "\\\\").replace('|', "\\|")
}

/// Writes the report as one markdown file.
pub fn write_md(report: &Report, out: &Path) -> Result<()> {
    let mut md = String::new();
    md.push_str("# patuh report\n\n");
    md.push_str(&format!(
        "- database: `{}`{}\n- generated: {}\n\n",
        clean(&report.database).replace('`', "'"),
        if report.central { " (central)" } else { "" },
        report.generated_at
    ));
    for table in &report.tables {
        md.push_str(&format!("## {}\n\n", clean(&table.title)));
        if table.rows.is_empty() {
            md.push_str("(none)\n\n");
            continue;
        }
        let headers: Vec<String> = table
            .headers
            .iter()
            .map(|h| md_cell(&Cell::Text(h.clone())))
            .collect();
        md.push_str(&format!("| {} |\n", headers.join(" | ")));
        let align: Vec<&str> = table.rows[0]
            .iter()
            .map(|c| match c {
                Cell::Int(_) | Cell::Score(_) | Cell::Percent(_) => "---:",
                _ => "---",
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
