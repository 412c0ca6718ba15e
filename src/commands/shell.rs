//! `patuh completions`, `patuh man` and `patuh config`: what a terminal program
//! gives its shell and its reader. Completions and the manual page come from the same
//! clap definitions as the parser (`crate::cli`), so they never disagree with it; the
//! example config is the workstation's own default key map (`KeyMap::to_config`).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use clap::CommandFactory;

use crate::cli::{Cli, Shell};
use crate::tui::keymap::{Config, KeyMap, config_path};

pub fn completions(shell: Shell) -> Result<()> {
    let mut cmd = Cli::command();
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "patuh", &mut out);
    write_stdout(&out)
}

/// The manual page of patuh, or with `dir` the pages of patuh and every subcommand
/// written into that folder (each atomically, never through a link).
pub fn man(dir: Option<&Path>) -> Result<()> {
    let Some(dir) = dir else {
        let mut out = Vec::new();
        clap_mangen::Man::new(Cli::command())
            .render(&mut out)
            .context("cannot render the manual page")?;
        return write_stdout(&out);
    };
    if !dir.is_dir() {
        return Err(anyhow!(
            "{}: not a folder; create it first (mkdir -p {}) or name another with --dir",
            dir.display(),
            dir.display()
        ));
    }
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    collect_pages(cmd, &mut pages);
    for cmd in pages {
        let man = clap_mangen::Man::new(cmd);
        let path = dir.join(man.get_filename());
        let mut out = Vec::new();
        man.render(&mut out)
            .context("cannot render the manual page")?;
        crate::exchange::write_atomic(&path, &out, false)?;
        println!("Wrote {}", path.display());
    }
    Ok(())
}

/// A command and its visible subcommands, depth first.
fn collect_pages(cmd: clap::Command, pages: &mut Vec<clap::Command>) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect_pages(sub.clone(), pages);
    }
    pages.push(cmd);
}

/// The example config.toml: where it goes, then every setting with its default.
pub fn example_config() -> String {
    let where_ = match config_path() {
        Some(p) => format!(
            "# Save it as {} (or name it with PATUH_CONFIG).\n",
            p.display()
        ),
        None => {
            "# Save it as config.toml in your config dir (or name it with PATUH_CONFIG).\n".into()
        }
    };
    format!(
        "# Example settings of the patuh workstation, written by `patuh config --example`.\n\
         {where_}\
         # Every setting below is the default: delete what you do not change. A key is\n\
         # written as in the help (`?`): \"j\", \"G\", \"ctrl-c\", \"pagedown\", \"space\"; an\n\
         # action takes a list of keys. Anything the workstation cannot use is reported\n\
         # in its log and the default kept.\n\
         #\n\
         {}",
        KeyMap::default().to_config()
    )
}

pub fn config(example: bool) -> Result<()> {
    if example {
        return write_stdout(example_config().as_bytes());
    }
    let config = Config::load();
    let mut out = String::new();
    match &config.path {
        Some(p) if p.exists() => out.push_str(&format!("config file: {}\n", p.display())),
        Some(p) => out.push_str(&format!(
            "config file: {} (not there: the defaults are in use; `patuh config --example > {}` writes one)\n",
            p.display(),
            p.display()
        )),
        None => out.push_str("config file: none (no config dir; set PATUH_CONFIG)\n"),
    }
    out.push_str(&format!(
        "language: {}\n",
        match config.lang {
            Some(l) => format!("{} (from the config file)", l.code()),
            None => format!("{} (from LANG)", crate::domain::Lang::from_env().code()),
        }
    ));
    if config.warnings.is_empty() {
        out.push_str("problems: none\n");
    } else {
        for w in &config.warnings {
            out.push_str(&format!("problem: {}\n", crate::domain::text::sanitize(w)));
        }
    }
    write_stdout(out.as_bytes())
}

fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .context("cannot write to standard output")
}
