//! The admin page in a real browser: headless Chromium driven over WebDriver (chromedriver) by
//! fantoccini. Log in, map an IdP group to a new team, watch a SCIM membership PATCH reach the
//! team and the activity log, rotate a token and see the old one refused after the overlap.
//!
//! Needs `chromedriver` (Debian: `apt-get install chromium chromium-driver`; `.ci/browser.sh`
//! installs them). Without it the test prints why and passes, except under CI (`CI` set), where
//! it fails. With `SCIMKIT_SCREENSHOTS=dir` it saves a screenshot of each page there (the ones in
//! `docs/` come from `SCIMKIT_SCREENSHOTS=docs`).

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use examples::server::Config;
use fantoccini::{ClientBuilder, Locator};
use serde_json::json;

/// The chromedriver to run: `$CHROMEDRIVER`, else `chromedriver` on the `PATH`.
fn chromedriver() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMEDRIVER") {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("chromedriver"))
            .find(|p| p.is_file())
    })
}

/// A chromedriver process, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start(bin: &PathBuf) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let url = format!("http://127.0.0.1:{port}");
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "chromedriver did not listen"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver { child, url }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn shot(browser: &fantoccini::Client, name: &str) {
    let png = browser.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    if let Some(dir) = std::env::var_os("SCIMKIT_SCREENSHOTS") {
        let path = PathBuf::from(dir).join(format!("admin-{name}.png"));
        std::fs::write(&path, png).expect("save the screenshot");
    }
}

/// The text of the element `css` selects, waiting for it to appear (a form's submission may
/// still be loading the next page).
async fn text(browser: &fantoccini::Client, css: &str) -> String {
    let start = Instant::now();
    loop {
        let found = match browser.wait().for_element(Locator::Css(css)).await {
            Ok(e) => e.text().await,
            Err(e) => Err(e),
        };
        match found {
            Ok(t) => return t,
            // Replaced by the next page between finding and reading: read again.
            Err(e) if start.elapsed() < Duration::from_secs(20) => {
                eprintln!("{css}: {e}; retrying");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{css}: {e}"),
        }
    }
}

/// Clicks `id` and waits for `marker`, an element only the next page has.
async fn submit(browser: &fantoccini::Client, button: Locator<'_>, marker: &str) {
    browser.find(button).await.unwrap().click().await.unwrap();
    browser
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(marker))
        .await
        .unwrap_or_else(|e| panic!("waiting for {marker}: {e}"));
}

#[test]
fn admin_page_in_a_real_browser() {
    let Some(bin) = chromedriver() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromedriver is required under CI: .ci/browser.sh installs chromium and chromium-driver"
        );
        eprintln!(
            "skipped: no chromedriver on the PATH (Debian: apt-get install chromium chromium-driver)"
        );
        return;
    };
    let server = TestServer::start_with(Config::default());
    let scim = server.tenant("acme");
    let alice = scim.create_user("alice@example.com");
    let bob = scim.create_user("bob@example.com");
    let group = scim
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "Engineering", "members": [{"value": alice}]}),
        )
        .expect(201)
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    scim.create_group("Sales");
    server.settle();

    let driver = Driver::start(&bin);
    let origin = server.origin.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                            "--disable-dev-shm-usage", "--window-size=1200,900"]}),
        );
        let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .expect("a WebDriver session");

        // Log in: the page redirects there without a session.
        browser.goto(&format!("{origin}/admin")).await.unwrap();
        assert!(browser
            .current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/admin/login"));
        shot(&browser, "login").await;
        browser
            .find(Locator::Id("credential"))
            .await
            .unwrap()
            .send_keys(server.server.admin_credential())
            .await
            .unwrap();
        browser
            .find(Locator::Id("login"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert!(text(&browser, "main").await.contains("acme"));
        shot(&browser, "tenants").await;

        // Map the group to a new team: its current members are in it at once.
        browser
            .goto(&format!("{origin}/admin/t/acme/teams"))
            .await
            .unwrap();
        let form = format!("form[action=\"/admin/t/acme/groups/{group}\"]");
        browser
            .find(Locator::Css(&format!("{form} select")))
            .await
            .unwrap()
            .select_by_value("new")
            .await
            .unwrap();
        let button = format!("{form} button");
        submit(
            &browser,
            Locator::Css(&button),
            "section[data-team=\"Engineering\"]",
        )
        .await;
        let team = "section[data-team=\"Engineering\"] ul.members";
        assert_eq!(text(&browser, team).await.lines().count(), 1);
        assert!(text(&browser, team).await.contains("alice@example.com"));

        // The IdP adds bob to the group: a SCIM PATCH, which reaches the team.
        scim.patch_ops(
            &format!("/Groups/{group}"),
            json!([{"op": "add", "path": "members", "value": [{"value": bob}]}]),
        )
        .expect(204);
        server.settle();
        browser.refresh().await.unwrap();
        let members = text(&browser, team).await;
        assert!(
            members.contains("bob@example.com") && members.contains("from IdP"),
            "{members}"
        );
        shot(&browser, "teams").await;

        // ... and the activity log.
        browser
            .goto(&format!("{origin}/admin/t/acme/activity"))
            .await
            .unwrap();
        let log = text(&browser, "#activity").await;
        let patch = log
            .lines()
            .find(|l| l.contains("PATCH Group"))
            .unwrap_or_else(|| panic!("no PATCH Group entry in:\n{log}"));
        assert!(
            patch.contains("members added: bob@example.com") && patch.contains("applied"),
            "{patch}"
        );
        shot(&browser, "activity").await;
        browser
            .goto(&format!("{origin}/admin/t/acme/accounts"))
            .await
            .unwrap();
        assert!(text(&browser, "#accounts")
            .await
            .contains("bob@example.com"));
        shot(&browser, "accounts").await;

        // Rotate the SCIM token with a 2-second overlap; the new one is shown once.
        browser
            .goto(&format!("{origin}/admin/t/acme"))
            .await
            .unwrap();
        assert_eq!(text(&browser, "#scim-base").await, scim.base);
        let overlap = browser.find(Locator::Id("overlap")).await.unwrap();
        overlap.clear().await.unwrap();
        overlap.send_keys("2").await.unwrap();
        browser
            .find(Locator::Id("rotate"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let new_token = text(&browser, "#new-token").await;
        assert_eq!(new_token.len(), 64, "{new_token}");
        shot(&browser, "tenant").await;
        let fresh = scim.clone().with_token(Some(&new_token));
        fresh.get("/Users").expect(200);
        scim.get("/Users").expect(200);
        std::thread::sleep(Duration::from_millis(2500));
        scim.get("/Users").expect_error(401, None);
        fresh.get("/Users").expect(200);
        // Shown once: the page does not show it again.
        browser.refresh().await.ok();
        browser
            .goto(&format!("{origin}/admin/t/acme"))
            .await
            .unwrap();
        assert!(!browser.source().await.unwrap().contains(&new_token));

        browser.close().await.unwrap();
    });
    drop(driver);
}
