//! Published scores of past years (`patuh history import FILE.csv`) and an agency's
//! trend across them and this database's cycles.
//!
//! The file is CSV with the header `agency,year,score,category` (or the Indonesian
//! `instansi,tahun,nilai,kategori`), one published result a line, e.g.
//! `3324,2018,60.87,C`. A `;`-separated file (what Excel writes under an Indonesian
//! locale) takes decimal commas too (`60,87`). Every problem is found with its line
//! number, so that a file is fixed in one pass; a file with any problem is refused
//! whole. Pure: the caller reads the file and names it in its messages.

use std::collections::HashMap;

use super::json::Problem;
use super::scoring::Rounded;
use super::text::is_unsafe_char;

/// The first year of the Ombudsman's compliance assessment (2013): no published score
/// is older.
pub const FIRST_YEAR: i32 = 2013;

/// The longest category text kept (a band code, a zone or an opinion such as
/// "Kualitas Sedang Tanpa Maladministrasi").
pub const MAX_CATEGORY_CHARS: usize = 100;

/// At most this many problems are listed; the rest are counted.
const MAX_PROBLEMS: usize = 50;

/// One agency's published result of one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedScore {
    /// The agency's code, as in the assignment.
    pub agency: String,
    pub year: i32,
    /// As published: two decimals, 0.00 to 100.00.
    pub score: Rounded,
    /// As published (a band code such as `B`, a zone such as `hijau`); may be empty.
    pub category: String,
}

/// A published score with the line of the file it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub line: u64,
    pub score: PublishedScore,
}

/// The column names accepted in the header, in order: English and Indonesian.
const HEADERS: [[&str; 4]; 2] = [
    ["agency", "year", "score", "category"],
    ["instansi", "tahun", "nilai", "kategori"],
];

fn problem(line: u64, message: String) -> Problem {
    Problem {
        path: format!("line {line}"),
        message,
    }
}

/// Reads a history file's text. `this_year` (from the clock) is the last year a
/// published score can have. Every problem of the file, by line, or every score.
pub fn parse_csv(text: &str, this_year: i32) -> Result<Vec<Line>, Vec<Problem>> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("");
    // The separator is the header's: `;` when it has one and no `,`.
    let semicolon = first.contains(';') && !first.contains(',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(if semicolon { b';' } else { b',' })
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut seen: HashMap<(String, i32), u64> = HashMap::new();
    let mut header = true;
    let mut record = csv::StringRecord::new();
    // Lines by byte offset: the reader's own line count skips blank lines.
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_at = |byte: u64| -> u64 {
        // A record's position may be that of the blank lines skipped before it.
        let mut byte = usize::try_from(byte).unwrap_or(usize::MAX);
        while matches!(text.as_bytes().get(byte), Some(b'\n' | b'\r')) {
            byte += 1;
        }
        starts.partition_point(|&s| s <= byte) as u64
    };
    let mut line = 1;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let at = e.position().map_or(line, |p| line_at(p.byte()));
                problems.push(problem(
                    at,
                    format!("not readable as CSV ({e}); save the file as CSV (UTF-8)"),
                ));
                break;
            }
        }
        line = record.position().map_or(line, |p| line_at(p.byte()));
        let fields: Vec<&str> = record.iter().map(str::trim).collect();
        if fields.iter().all(|f| f.is_empty()) {
            continue; // a blank line
        }
        if header {
            header = false;
            let names: Vec<String> = fields.iter().map(|f| f.to_lowercase()).collect();
            if !HEADERS.iter().any(|h| names == h) {
                problems.push(problem(
                    line,
                    format!(
                        "the first line must name the columns: agency,year,score,category \
                         (or instansi,tahun,nilai,kategori); found {:?}",
                        record
                            .iter()
                            .collect::<Vec<_>>()
                            .join(if semicolon { ";" } else { "," })
                    ),
                ));
                break;
            }
            continue;
        }
        match parse_line(&fields, semicolon, this_year) {
            Ok(score) => {
                let key = (score.agency.clone(), score.year);
                if let Some(first) = seen.get(&key) {
                    problems.push(problem(
                        line,
                        format!(
                            "agency {} year {} is given twice (also on line {first}): keep one",
                            score.agency, score.year
                        ),
                    ));
                } else {
                    seen.insert(key, line);
                    out.push(Line { line, score });
                }
            }
            Err(messages) => problems.extend(messages.into_iter().map(|m| problem(line, m))),
        }
    }
    if header && problems.is_empty() {
        problems.push(problem(
            1,
            "the file is empty: its first line must be agency,year,score,category".into(),
        ));
    }
    if problems.is_empty() {
        return Ok(out);
    }
    if problems.len() > MAX_PROBLEMS {
        let more = problems.len() - MAX_PROBLEMS;
        problems.truncate(MAX_PROBLEMS);
        problems.push(Problem {
            path: "...".into(),
            message: format!("and {more} more problem(s)"),
        });
    }
    Err(problems)
}

/// One line's fields, or what is wrong with them (all of it).
fn parse_line(
    fields: &[&str],
    semicolon: bool,
    this_year: i32,
) -> Result<PublishedScore, Vec<String>> {
    if fields.len() != 4 {
        return Err(vec![format!(
            "{} field(s), expected 4: agency,year,score,category",
            fields.len()
        )]);
    }
    let mut wrong = Vec::new();
    let agency = fields[0];
    if agency.is_empty() {
        wrong.push("the agency code is empty".to_string());
    } else if agency.chars().any(is_unsafe_char) {
        wrong.push("the agency code holds control characters".to_string());
    }
    let year = match fields[1].parse::<i32>() {
        Ok(y) if (FIRST_YEAR..=this_year).contains(&y) => Some(y),
        Ok(y) => {
            wrong.push(format!(
                "year {y} is not a year of a published result: give a year from {FIRST_YEAR} \
                 (the first compliance assessment) to {this_year}"
            ));
            None
        }
        Err(_) => {
            wrong.push(format!(
                "year {:?} is not a year: give four digits, e.g. 2019",
                fields[1]
            ));
            None
        }
    };
    let score = match parse_score(fields[2], semicolon) {
        Ok(s) => Some(s),
        Err(m) => {
            wrong.push(m);
            None
        }
    };
    let category = fields[3];
    if category.chars().any(is_unsafe_char) {
        wrong.push("the category holds control characters".to_string());
    } else if category.chars().count() > MAX_CATEGORY_CHARS {
        wrong.push(format!(
            "the category is longer than {MAX_CATEGORY_CHARS} characters"
        ));
    }
    match (year, score) {
        (Some(year), Some(score)) if wrong.is_empty() => Ok(PublishedScore {
            agency: agency.to_string(),
            year,
            score,
            category: category.to_string(),
        }),
        _ => Err(wrong),
    }
}

/// A published score: digits with at most two decimals (a point, or with `;` as the
/// separator a comma too), from 0 to 100.
fn parse_score(text: &str, semicolon: bool) -> Result<Rounded, String> {
    let bad = || {
        format!(
            "score {text:?} is not a score: give it as published, from 0 to 100 with at most \
             two decimals, e.g. 72.88{}",
            if semicolon { " or 72,88" } else { "" }
        )
    };
    let t = if semicolon {
        text.replacen(',', ".", 1)
    } else {
        text.to_string()
    };
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || whole.len() > 3 || !digits(whole) || !digits(frac) {
        return Err(bad());
    }
    if frac.len() > 2 {
        return Err(format!(
            "score {text:?} has more than two decimals: published scores have two, give it as published"
        ));
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    let hundredths = whole * 100 + frac;
    if hundredths > 10_000 {
        return Err(format!(
            "score {text:?} is above 100: scores run from 0 to 100"
        ));
    }
    Ok(Rounded(hundredths))
}

/// The kind of a cycle (docs/data-model.md): the office's mentoring
/// (*pendampingan*) or the assessment (*penilaian*) that counts.
pub use super::cycle::CycleKind;

/// Where a point of a trend comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PointSource {
    /// A published result (`patuh history import`).
    Published,
    /// A cycle of this database (its code and kind), scored now.
    Cycle { code: String, kind: CycleKind },
}

/// One point of an agency's trend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendPoint {
    /// The year, when known (the `default` cycle of a database made before cycles has
    /// none: it is the newest point).
    pub year: Option<i32>,
    pub source: PointSource,
    pub score: Rounded,
    /// The category as published, or the band code of a cycle's score.
    pub category: String,
    /// A cycle whose assessment of the agency is not complete yet: its unanswered
    /// indicators count as 0, so its score can only rise.
    pub incomplete: bool,
}

/// Puts an agency's points in time order: by year (a point without a year last), a
/// published result before a cycle of the same year, cycles in the order given.
pub fn in_order(mut points: Vec<TrendPoint>) -> Vec<TrendPoint> {
    points.sort_by_key(|p| {
        (
            p.year.unwrap_or(i32::MAX),
            !matches!(p.source, PointSource::Published),
        )
    });
    points
}

/// The change of each point from the one before it (None for the first), exact: both
/// are hundredths.
pub fn changes(points: &[TrendPoint]) -> Vec<Option<Rounded>> {
    let mut out = Vec::with_capacity(points.len());
    let mut last: Option<Rounded> = None;
    for p in points {
        out.push(last.map(|l| Rounded(p.score.0 - l.0)));
        last = Some(p.score);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Vec<Line> {
        parse_csv(text, 2025).expect("valid")
    }

    fn problems(text: &str) -> Vec<String> {
        parse_csv(text, 2025)
            .expect_err("refused")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_published_series_is_read_with_its_lines() {
        let lines = ok(
            "agency,year,score,category\n3324,2018,60.87,C\n\n3324,2019,70.66,C\n3324,2021,72.88,kuning\n3324,2022,93.47,A\n",
        );
        let got: Vec<(u64, &str, i32, i64, &str)> = lines
            .iter()
            .map(|l| {
                (
                    l.line,
                    l.score.agency.as_str(),
                    l.score.year,
                    l.score.score.0,
                    l.score.category.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (2, "3324", 2018, 6087, "C"),
                (4, "3324", 2019, 7066, "C"),
                (5, "3324", 2021, 7288, "kuning"),
                (6, "3324", 2022, 9347, "A"),
            ]
        );
    }

    #[test]
    fn an_indonesian_excel_file_with_decimal_commas_is_read() {
        let lines =
            ok("\u{FEFF}Instansi;Tahun;Nilai;Kategori\r\n3324;2019;70,66;C\r\n81;2020;100;A\r\n");
        assert_eq!(lines[0].score.score, Rounded(7066));
        assert_eq!(lines[1].score.score, Rounded(10000));
    }

    #[test]
    fn every_problem_is_named_with_its_line() {
        let p = problems(
            "agency,year,score,category\n\
             81,2030,70,B\n\
             81,19,70,B\n\
             81,2019,100.01,A\n\
             81,2020,-3,E\n\
             81,2021,72.885,C\n\
             ,2022,70,C\n\
             81,2023,70\n\
             8171,2019,80,B\n\
             8171,2019,81,B\n",
        );
        assert_eq!(p.len(), 8, "{p:#?}");
        assert!(p[0].starts_with("line 2: year 2030"), "{}", p[0]);
        assert!(p[1].starts_with("line 3: year 19 "), "{}", p[1]);
        assert!(
            p[2].starts_with("line 4: score \"100.01\" is above 100"),
            "{}",
            p[2]
        );
        assert!(
            p[3].starts_with("line 5: score \"-3\" is not a score"),
            "{}",
            p[3]
        );
        assert!(
            p[4].starts_with("line 6: score \"72.885\" has more than two decimals"),
            "{}",
            p[4]
        );
        assert!(
            p[5].starts_with("line 7: the agency code is empty"),
            "{}",
            p[5]
        );
        assert!(
            p[6].starts_with("line 8: 3 field(s), expected 4"),
            "{}",
            p[6]
        );
        assert!(
            p[7].starts_with("line 10: agency 8171 year 2019 is given twice (also on line 9)"),
            "{}",
            p[7]
        );
    }

    #[test]
    fn a_file_without_the_header_or_empty_is_refused() {
        let p = problems("81,2019,70.66,C\n");
        assert!(
            p[0].starts_with("line 1: the first line must name the columns"),
            "{p:?}"
        );
        let p = problems("");
        assert!(p[0].contains("the file is empty"), "{p:?}");
        let p = problems("agency,year,score,category\n81,2019,70,\u{1b}[31mC\n");
        assert!(p[0].contains("control characters"), "{p:?}");
    }

    #[test]
    fn a_trend_is_in_year_order_with_exact_changes() {
        let point = |year: Option<i32>, score: i64, published: bool| TrendPoint {
            year,
            source: if published {
                PointSource::Published
            } else {
                PointSource::Cycle {
                    code: "default".into(),
                    kind: CycleKind::Assessment,
                }
            },
            score: Rounded(score),
            category: String::new(),
            incomplete: false,
        };
        let points = in_order(vec![
            point(None, 8000, false),
            point(Some(2022), 9347, true),
            point(Some(2018), 6087, true),
            point(Some(2019), 7066, true),
        ]);
        let scores: Vec<i64> = points.iter().map(|p| p.score.0).collect();
        assert_eq!(scores, vec![6087, 7066, 9347, 8000]);
        assert_eq!(
            changes(&points),
            vec![
                None,
                Some(Rounded(979)),
                Some(Rounded(2281)),
                Some(Rounded(-1347))
            ]
        );
    }
}
