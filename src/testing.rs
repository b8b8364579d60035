//! Support shared by the unit and HTTP test suites: the command-line tools that read documents
//! back (poppler, qpdf, zbar, xmllint).

/// Set (to anything) where a missing document tool must fail the test instead of skipping the
/// check that needs it, as `.ci/run` does.
pub const REQUIRE_TOOLS: &str = "CALAB_REQUIRE_TOOLS";

/// Whether `tool` can be run. Where it cannot, the caller skips the check that needs it, with a
/// note naming the Debian package; with `CALAB_REQUIRE_TOOLS` set, a missing tool panics.
pub fn have_tool(tool: &str, package: &str) -> bool {
    let found = std::process::Command::new(tool)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok();
    if !found {
        assert!(
            std::env::var_os(REQUIRE_TOOLS).is_none(),
            "{tool} is required ({REQUIRE_TOOLS} is set): apt-get install {package}"
        );
        eprintln!("note: {tool} not installed (apt-get install {package}); that check is skipped");
    }
    found
}
