//! `patuh report --agency CODE`: the mentoring report of one agency as markdown, HTML or
//! xlsx. The work is done in `crate::exchange::mentoring` and `mentoring_out`.

use std::path::Path;

use anyhow::{Result, anyhow};

use super::open;
use crate::cli::{ReportArgs, ReportFormat};
use crate::domain::Lang;
use crate::exchange::{mentoring, mentoring_out};

pub fn report(db: &Path, args: &ReportArgs, code: &str, lang: Lang) -> Result<()> {
    if args.format == ReportFormat::Csv {
        return Err(anyhow!(
            "the mentoring report (--agency) is written as md, xlsx or html, not csv: \
             choose --format md, xlsx or html"
        ));
    }
    let store = open(db)?;
    let m = mentoring::build(&store, code, lang)?;
    match args.format {
        ReportFormat::Md => mentoring_out::write_md(&m, &args.out)?,
        ReportFormat::Html => mentoring_out::write_html(&m, &args.out)?,
        ReportFormat::Xlsx => mentoring_out::write_xlsx(&m, &args.out)?,
        ReportFormat::Csv => {} // refused above
    }
    println!("Wrote {}", args.out.display());
    Ok(())
}
