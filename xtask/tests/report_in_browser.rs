//! The HTML report opens in a real browser: headless Chromium renders it to a screenshot.
//!
//! Chromium comes from Debian's packages; `.ci/run` installs it and sets
//! `BANK_REQUIRE_CHROMIUM=1`, so on CI a missing browser fails this test instead of skipping it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|path| path.exists())
}

#[test]
fn the_stress_report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("BANK_REQUIRE_CHROMIUM").is_none(),
            "BANK_REQUIRE_CHROMIUM is set but no chromium is installed"
        );
        eprintln!("skipped: no chromium (apt-get install chromium)");
        return;
    };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-in-browser");
    let _ = std::fs::remove_dir_all(&dir);
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "stress",
            "--preset",
            "quick",
            "--transfers",
            "300",
            "--variant",
            "unsafe",
            "--variant",
            "nested-locks",
            "--variant",
            "global-lock",
        ])
        .arg("--report")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let screenshot = dir.join("screenshot.png");
    let rendered = headless(&browser, &dir.join("profile"))
        .arg("--window-size=1100,1400")
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg(format!("file://{}", dir.join("index.html").display()))
        .output()
        .unwrap();
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    assert_png_with_content(&screenshot);
    // The page as the browser parsed it: the answer first (the verdict line), the legend, and
    // the lowest-balance chart next to the totals.
    let dom = headless(&browser, &dir.join("profile-dom"))
        .arg("--dump-dom")
        .arg(format!("file://{}", dir.join("index.html").display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    let verdict = dom
        .find("PASS: nothing contradicts the catalog")
        .expect("the verdict line");
    let table = dom.find("<table").expect("the verdict table");
    assert!(verdict < table, "the verdict comes before the table");
    assert!(dom.contains("Legend:"), "the legend");
    assert!(
        dom.contains("aria-label=\"lowest balance over time, run 0\""),
        "the lowest-balance chart"
    );
}

/// Headless Chromium as this machine can run it: no sandbox (root), no GPU, and none of the
/// background connections a closed network refuses; a profile of its own.
fn headless(browser: &Path, profile: &Path) -> Command {
    let mut command = Command::new(browser);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()));
    command
}

/// A PNG of the window's size, and not one flat colour: the page drew something.
fn assert_png_with_content(path: &Path) {
    let bytes = std::fs::read(path).expect("chromium wrote the screenshot");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG file");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (1100, 1400));
    // A blank page compresses to a few kilobytes; charts and a table do not.
    assert!(
        bytes.len() > 20_000,
        "the screenshot looks empty ({} bytes)",
        bytes.len()
    );
}
