//! # ppr-site: the static site generator
//!
//! Builds the public site from the registry's public export, in named steps:
//! **load** the snapshot ([`data`]) → **model** it ([`model`], [`openapi`])
//! → **render** every page in Chinese and English with one embedded minijinja
//! template set ([`render`]) → **write** `site/dist` with the static files. The
//! registry's own pages and the open-data files are the Worker's: their number grows
//! with the registry, this site's does not. The same snapshot always gives the same bytes: the pages
//! show the data's time, never the build's.
//!
//! Depends on `ppr-core` (fields, provinces) and reads nothing but public fields.

pub mod content;
pub mod data;
pub mod model;
pub mod openapi;
pub mod render;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};

use crate::content::LANGS;
use crate::data::Snapshot;
use crate::model::Model;
use crate::render::{Page, Site};

/// The static files, embedded: (path under the site root, bytes).
const STATIC: [(&str, &[u8]); 4] = [
    ("style.css", include_bytes!("../static/style.css")),
    ("form.js", include_bytes!("../static/form.js")),
    ("favicon.svg", include_bytes!("../static/favicon.svg")),
    ("_headers", include_bytes!("../static/_headers")),
];

/// The file that marks a directory as this generator's output, so that a build
/// never empties a directory it did not make.
const MARKER: &str = ".ppr-site";

/// What a build made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// HTML pages.
    pub pages: usize,
    /// Files in all.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
    /// Wall time.
    pub elapsed: Duration,
}

impl Summary {
    /// Pages per second.
    #[must_use]
    pub fn pages_per_second(&self) -> f64 {
        #[expect(clippy::cast_precision_loss, reason = "a count for display")]
        let pages = self.pages as f64;
        pages / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Counts what is written, from every thread.
#[derive(Debug, Default)]
struct Written {
    pages: AtomicUsize,
    files: AtomicUsize,
    bytes: AtomicU64,
}

impl Written {
    fn file(&self, out: &Path, path: &str, bytes: &[u8]) -> Result<()> {
        let target = out.join(path);
        if let Some(dir) = target.parent() {
            fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
        }
        fs::write(&target, bytes).with_context(|| format!("write {}", target.display()))?;
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(
            u64::try_from(bytes.len()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        Ok(())
    }
}

/// Empties `out` (if it is an earlier build's) and marks it as ours.
fn prepare(out: &Path) -> Result<()> {
    if out.exists() {
        if !out.join(MARKER).exists() && fs::read_dir(out)?.next().is_some() {
            bail!(
                "{} is not empty and was not made by ppr-site; give another --out",
                out.display()
            );
        }
        fs::remove_dir_all(out).with_context(|| format!("clear {}", out.display()))?;
    }
    fs::create_dir_all(out).with_context(|| format!("create {}", out.display()))?;
    fs::write(
        out.join(MARKER),
        "made by ppr-site; emptied by every build\n",
    )?;
    Ok(())
}

/// A progress bar of `total` pages on standard error (drawn only on a terminal).
fn progress_bar(total: usize) -> ProgressBar {
    let bar = ProgressBar::new(u64::try_from(total).unwrap_or(u64::MAX));
    if let Ok(style) = ProgressStyle::with_template("  [{bar:30}] {pos}/{len} pages {eta}") {
        bar.set_style(style.progress_chars("#> "));
    }
    bar
}

/// Builds the site from `snapshot` into `out`.
///
/// # Errors
///
/// Content or templates are broken, or `out` cannot be written.
pub fn build(snapshot: Snapshot, out: &Path, origin: &str, show_progress: bool) -> Result<Summary> {
    let started = Instant::now();
    let content = content::load()?;
    let env = render::environment()?;
    let api = openapi::api()?;
    let model = Model::new(snapshot);
    let site = Site::new(model, &content, &api, origin);
    prepare(out)?;
    let written = Written::default();
    for (path, bytes) in STATIC {
        written.file(out, path, bytes)?;
    }
    written.file(out, "robots.txt", robots(&site.origin).as_bytes())?;
    written.file(out, "404.html", site.render_not_found(&env)?.as_bytes())?;
    written.pages.fetch_add(1, Ordering::Relaxed);

    let jobs: Vec<(Page, usize)> = render::PAGES
        .iter()
        .flat_map(|page| (0..LANGS.len()).map(move |lang| (*page, lang)))
        .collect();
    let total = jobs.len();
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let failure: std::sync::Mutex<Option<anyhow::Error>> = std::sync::Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((page, lang)) = jobs.get(i).copied() else {
                        break;
                    };
                    let result = site.render(&env, page, lang).and_then(|(path, html)| {
                        let prefix = if lang == 0 { "" } else { "en/" };
                        written.file(out, &format!("{prefix}{path}index.html"), html.as_bytes())
                    });
                    match result {
                        Ok(()) => {
                            written.pages.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(err) => {
                            if let Ok(mut slot) = failure.lock() {
                                slot.get_or_insert(err);
                            }
                            next.store(total, Ordering::Relaxed);
                            break;
                        }
                    }
                }
            });
        }
        if show_progress {
            let bar = progress_bar(total);
            loop {
                let done = next.load(Ordering::Relaxed).min(total);
                bar.set_position(u64::try_from(done).unwrap_or(u64::MAX));
                if done >= total {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            bar.finish();
        }
    });
    if let Some(err) = failure.into_inner().ok().flatten() {
        return Err(err);
    }
    Ok(Summary {
        pages: written.pages.load(Ordering::Relaxed),
        files: written.files.load(Ordering::Relaxed),
        bytes: written.bytes.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
    })
}

/// `robots.txt`: everything but the API may be crawled; the sitemap (which the Worker
/// serves) is named by its absolute address when the origin is known.
fn robots(origin: &str) -> String {
    let mut text = include_str!("../static/robots.txt").to_owned();
    if !origin.is_empty() {
        text.push_str(&format!("Sitemap: {origin}/sitemap.xml\n"));
    }
    text
}

/// The default output directory: `site/dist` beside this crate.
#[must_use]
pub fn default_out() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("dist")
}
