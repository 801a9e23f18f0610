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

/// The browser, or `None` (the test skips) when there is none and `BANK_REQUIRE_CHROMIUM` is not
/// set; with it set, a missing browser fails the test.
fn chromium_or_skip() -> Option<PathBuf> {
    let browser = chromium();
    if browser.is_none() {
        assert!(
            std::env::var_os("BANK_REQUIRE_CHROMIUM").is_none(),
            "BANK_REQUIRE_CHROMIUM is set but no chromium is installed"
        );
        eprintln!("skipped: no chromium (apt-get install chromium)");
    }
    browser
}

#[test]
fn the_stress_report_renders_in_headless_chromium() {
    let Some(browser) = chromium_or_skip() else {
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
        .find("PASS: nothing contradicts the expected verdicts")
        .expect("the verdict line");
    let table = dom.find("<table").expect("the verdict table");
    assert!(verdict < table, "the verdict comes before the table");
    assert!(dom.contains("Legend:"), "the legend");
    assert!(
        dom.contains("aria-label=\"lowest balance over time, run 0\""),
        "the lowest-balance chart"
    );
}

/// Every table and preformatted block of `page` as Chromium lays it out in a window `width`
/// pixels wide: `(what, right edge, overflow inside)`, read from the DOM after a script that
/// measures them (added to a copy of the page, so the page itself stays script-free).
fn layout(
    browser: &Path,
    page: &Path,
    width: u32,
    profile: &Path,
) -> (u32, Vec<(String, i64, i64)>) {
    let html = std::fs::read_to_string(page).unwrap();
    let probe = r#"<script>
document.body.setAttribute('data-layout', document.documentElement.clientWidth + ';' +
  [...document.querySelectorAll('table, pre')].map((e, i) => e.tagName + i + ':' +
    Math.ceil(e.getBoundingClientRect().right) + ':' + (e.scrollWidth - e.clientWidth)).join(','));
</script></body>"#;
    let measured = page.with_file_name("measured.html");
    std::fs::write(&measured, html.replace("</body>", probe)).unwrap();
    let dom = headless(browser, profile)
        .arg(format!("--window-size={width},900"))
        .arg("--dump-dom")
        .arg(format!("file://{}", measured.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    let value = dom
        .split("data-layout=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("the probe ran: {dom}"));
    let (viewport, boxes) = value.split_once(';').unwrap();
    let boxes = boxes
        .split(',')
        .filter(|b| !b.is_empty())
        .map(|b| {
            let mut parts = b.split(':');
            let what = parts.next().unwrap().to_string();
            let right = parts.next().unwrap().parse().unwrap();
            let overflow = parts.next().unwrap().parse().unwrap();
            (what, right, overflow)
        })
        .collect();
    (viewport.parse().unwrap(), boxes)
}

/// The stress report and a deadlock's replay page, on a 1400-pixel projector and a 1100-pixel
/// laptop window: no table or explanation runs past the window or scrolls inside it.
#[test]
fn the_report_and_a_replay_page_fit_a_projector_and_a_laptop() {
    let Some(browser) = chromium_or_skip() else {
        return;
    };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-layout");
    let _ = std::fs::remove_dir_all(&dir);
    let report = dir.join("report");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        // Every variant: the verdict table at its widest.
        .args(["stress", "--preset", "quick", "--transfers", "300"])
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    assert!(
        output.status.code().is_some_and(|code| code <= 1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let replay = dir.join("replay");
    let deadlock = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../bank-stress/tests/regressions/nested-locks-deadlock_free-f41ae447.json");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("replay")
        .arg(&deadlock)
        .arg("--html")
        .arg(&replay)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let page = std::fs::read_to_string(replay.join("index.html")).unwrap();
    assert!(
        page.contains("DEADLOCK"),
        "the page says what the terminal says"
    );
    assert!(
        !page.contains("then main-thread"),
        "no promise of a column it lacks"
    );
    for (page, name) in [
        (report.join("index.html"), "report"),
        (replay.join("index.html"), "replay"),
    ] {
        for width in [1400, 1100] {
            let (viewport, boxes) = layout(
                &browser,
                &page,
                width,
                &dir.join(format!("profile-{name}-{width}")),
            );
            assert!(!boxes.is_empty(), "{name}: nothing measured");
            for (what, right, overflow) in boxes {
                assert!(
                    right <= i64::from(viewport) && overflow <= 0,
                    "{name} at {width} px: {what} ends at {right} px of {viewport}, overflows by {overflow}"
                );
            }
        }
    }
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
