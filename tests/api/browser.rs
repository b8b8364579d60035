//! The browser tests (`tests/browser/*.test.mjs`: chromium driven by playwright-core, axe-core on
//! every page) against a test server on this suite's database. They need Node.js, Debian's
//! chromium and `npm ci --prefix tests/browser`; without them the test is skipped with a notice,
//! or fails when `CALAB_REQUIRE_TOOLS` is set (as in CI).

use sha2::{Digest, Sha256};

use crate::helpers::*;

#[tokio::test]
async fn the_pages_in_chromium() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !calab::testing::have_tool("node", "nodejs")
        || !calab::testing::have_tool(&chromium, "chromium chromium-driver")
    {
        return;
    }
    let packages = dir.join("node_modules/playwright-core");
    if !packages.exists() {
        assert!(
            std::env::var_os("CALAB_REQUIRE_TOOLS").is_none(),
            "the browser tests need their packages: npm ci --prefix tests/browser"
        );
        eprintln!("note: npm ci --prefix tests/browser to run the browser tests; skipped");
        return;
    }
    let app = spawn_app().await;
    let (instrument, certificate) = certified_instrument(&app).await;
    let staff = app.token(SIGNATORY).await;
    let view = app
        .get(&format!("/api/v1/certificates/{certificate}"), &staff)
        .await;
    let url = view.body["verification_url"].as_str().unwrap().to_string();
    let verify_path = format!("/verify/{}", url.rsplit('/').next().unwrap());
    let (_, _, pdf) = app
        .download(
            &format!("/api/v1/certificates/{certificate}/certificate.pdf"),
            Some(&staff),
        )
        .await;
    let vars = [
        ("CALAB_BASE", app.address.clone()),
        ("CUSTOMER_A", CUSTOMER_A.to_string()),
        ("CUSTOMER_B", CUSTOMER_B.to_string()),
        ("PASSWORD", calab::demo::DEMO_PASSWORD.to_string()),
        ("INSTRUMENT", instrument),
        ("CERTIFICATE", certificate),
        ("PDF_SHA256", hex::encode(Sha256::digest(&pdf))),
        ("VERIFY_PATH", verify_path),
        ("CHROMIUM", chromium),
        ("TECH", TECH.to_string()),
        ("SIGNATORY", SIGNATORY.to_string()),
        ("CUSTOMER_A_ID", app.customer_id_of(CUSTOMER_A).await),
    ];
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg("--test")
            .arg("--test-concurrency=1")
            .arg(dir.join("portal.test.mjs"))
            .arg(dir.join("bench.test.mjs"))
            .envs(vars)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "browser tests failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
