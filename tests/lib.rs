//! Harness for the end-to-end tests: the real server (in-process), a real
//! chromedriver and headless Chromium, each browser with its own profile so
//! they behave like separate phones.
//!
//! Everything returns [`E2eResult`] instead of panicking so a failing test can
//! still save screenshots and console logs and close the browsers.

use std::fmt::Display;
use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::sync::watch;

pub type E2eResult<T = ()> = Result<T, String>;

/// Attaches what was being done to any error, for readable failures.
pub trait Context<T> {
    fn context(self, what: impl Display) -> E2eResult<T>;
}

impl<T, E: Display> Context<T> for Result<T, E> {
    fn context(self, what: impl Display) -> E2eResult<T> {
        self.map_err(|e| format!("{what}: {e}"))
    }
}

/// The built app. The tests need the real bundle, so a missing one is a
/// failure, never a skip.
pub fn dist_dir() -> E2eResult<PathBuf> {
    const HOW: &str = "run the e2e tests through `cargo xtask test`, which builds the app \
                       with trunk and sets SANLIAN_DIST";
    let dist = std::env::var_os("SANLIAN_DIST")
        .map(PathBuf::from)
        .ok_or_else(|| format!("SANLIAN_DIST is not set; {HOW}"))?;
    if !dist.join("index.html").is_file() {
        return Err(format!("{} has no index.html; {HOW}", dist.display()));
    }
    Ok(dist)
}

/// Polls `check` until it yields a value or `timeout` passes. The error names
/// `what` and the last reason `check` gave, so timeouts explain themselves.
pub async fn poll<T, F, Fut>(what: impl Display, timeout: Duration, mut check: F) -> E2eResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let start = Instant::now();
    loop {
        match check().await {
            Ok(value) => return Ok(value),
            Err(last) if start.elapsed() >= timeout => {
                return Err(format!(
                    "timed out after {:.1}s waiting for {what}; last seen: {last}",
                    timeout.as_secs_f64()
                ))
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(150)).await,
        }
    }
}

// ---- server ------------------------------------------------------------------

/// The backend on its own thread and tokio runtime: stopping it drops that
/// runtime, which ends every connection task and releases the storage, just
/// like the process going away.
pub struct Server {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    thread: std::thread::JoinHandle<()>,
}

impl Server {
    /// Starts on a free port.
    pub async fn start(data_dir: &Path, assets: &Path) -> E2eResult<Server> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), data_dir, assets).await
    }

    /// Starts on `addr`; used to come back on the port the browsers know.
    pub async fn start_on(addr: SocketAddr, data_dir: &Path, assets: &Path) -> E2eResult<Server> {
        Self::start_as(addr, data_dir, assets, true).await
    }

    /// A real county's server (`--no-demo`): an empty store stays empty.
    pub async fn start_no_demo(
        addr: SocketAddr,
        data_dir: &Path,
        assets: &Path,
    ) -> E2eResult<Server> {
        Self::start_as(addr, data_dir, assets, false).await
    }

    async fn start_as(
        addr: SocketAddr,
        data_dir: &Path,
        assets: &Path,
        demo: bool,
    ) -> E2eResult<Server> {
        let config = backend::Config {
            data_dir: Some(data_dir.to_path_buf()),
            assets_dir: Some(assets.to_path_buf()),
            demo,
        };
        let (stop, stop_rx) = watch::channel(false);
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let thread = std::thread::Builder::new()
            .name(format!("e2e-server-{}", addr.port()))
            .spawn(move || serve_until_stopped(addr, config, stop_rx, ready_tx))
            .context("spawning the server thread")?;
        let addr = ready_rx
            .await
            .map_err(|_| "server thread died while starting".to_string())??;
        Ok(Server { addr, stop, thread })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Graceful shutdown, bounded: a connection a browser keeps open must not
    /// hang the test, so after a few seconds the runtime is dropped anyway.
    pub async fn stop(self) -> E2eResult {
        let _ = self.stop.send(true);
        tokio::task::spawn_blocking(move || self.thread.join())
            .await
            .context("joining the server thread")?
            .map_err(|_| "the server thread panicked".to_string())
    }
}

fn serve_until_stopped(
    addr: SocketAddr,
    config: backend::Config,
    stop: watch::Receiver<bool>,
    ready: tokio::sync::oneshot::Sender<E2eResult<SocketAddr>>,
) {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = ready.send(Err(format!("building the server runtime: {e}")));
            return;
        }
    };
    runtime.block_on(async move {
        let state = match backend::AppState::open(config) {
            Ok(state) => state,
            Err(e) => {
                let _ = ready.send(Err(format!("opening the server state: {e:?}")));
                return;
            }
        };
        let listener = match bind(addr).await {
            Ok(l) => l,
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        let local = listener.local_addr().expect("a bound listener has an address");
        let _ = ready.send(Ok(local));

        let graceful = stopped(stop.clone());
        let server = axum::serve(listener, backend::app(state))
            .with_graceful_shutdown(graceful)
            .into_future();
        let deadline = async {
            stopped(stop).await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        };
        tokio::select! {
            result = server => {
                if let Err(e) = result {
                    eprintln!("e2e server on {local} failed: {e}");
                }
            }
            () = deadline => eprintln!("e2e server on {local}: graceful shutdown timed out, dropping it"),
        }
    });
    runtime.shutdown_timeout(Duration::from_secs(2));
}

async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await;
}

/// Rebinding the port just released can briefly fail; retry rather than
/// make the restart flaky.
async fn bind(addr: SocketAddr) -> E2eResult<tokio::net::TcpListener> {
    let start = Instant::now();
    loop {
        match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => return Ok(l),
            Err(e) if start.elapsed() > Duration::from_secs(10) => {
                return Err(format!("binding {addr}: {e}"))
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

// ---- browsers ------------------------------------------------------------------

/// One chromedriver process; each [`Browser`] is a session on it.
pub struct Driver {
    url: String,
    child: tokio::process::Child,
}

impl Driver {
    pub async fn start() -> E2eResult<Driver> {
        let binary =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let mut last_err = String::new();
        // The free port is found by binding and releasing it, so another
        // process may take it first; a few attempts cover that race.
        for _ in 0..3 {
            let port = free_port()?;
            let mut cmd = tokio::process::Command::new(&binary);
            cmd.arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                // Its own process group, so Drop can also kill the browsers it started.
                .process_group(0)
                .kill_on_drop(true);
            let child = cmd.spawn().context(format!(
                "starting {binary} (set CHROMEDRIVER or run `cargo xtask setup`)"
            ))?;
            let mut driver = Driver {
                url: format!("http://127.0.0.1:{port}"),
                child,
            };
            match driver.wait_listening(port).await {
                Ok(()) => return Ok(driver),
                Err(e) => last_err = e,
            }
        }
        Err(format!("chromedriver did not start: {last_err}"))
    }

    async fn wait_listening(&mut self, port: u16) -> E2eResult {
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("chromedriver exited: {status}"));
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(());
            }
            if start.elapsed() > Duration::from_secs(15) {
                return Err("chromedriver did not listen within 15s".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A new browser with a fresh profile, as a phone that never ran the app.
    pub async fn browser(&self, name: &str, base_url: &str) -> E2eResult<Browser> {
        let profile = tempfile::Builder::new()
            .prefix(&format!("sanlian-e2e-{name}-"))
            .tempdir()
            .context("creating a browser profile dir")?;
        self.browser_with_profile(name, base_url, profile).await
    }

    /// A browser on an existing profile (see [`Browser::close_keep_profile`]): the same
    /// phone started again, with its storage, caches and service worker.
    pub async fn browser_with_profile(
        &self,
        name: &str,
        base_url: &str,
        profile: TempDir,
    ) -> E2eResult<Browser> {
        let chrome = std::env::var("CHROME").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let args = [
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            // Container /dev/shm is tiny; without this tabs crash under load.
            "--disable-dev-shm-usage".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-quic".into(),
            "--window-size=390,844".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chrome,
                "args": args,
                // Headless Chromium will not make a window narrower than
                // 500px; emulation gives the page a real phone viewport.
                "mobileEmulation": {
                    "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 3.0, "touch": true }
                },
            }),
        );
        caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .context(format!("starting browser {name} ({chrome})"))?;
        Ok(Browser {
            name: name.to_string(),
            base_url: base_url.trim_end_matches('/').to_string(),
            driver_url: self.url.clone(),
            client,
            _profile: profile,
        })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // kill_on_drop only reaches chromedriver; the group kill also reaches
        // any Chromium a failed test left behind.
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn free_port() -> E2eResult<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr().context("finding a free port")?.port())
}

pub struct Browser {
    pub name: String,
    base_url: String,
    driver_url: String,
    pub client: Client,
    _profile: TempDir,
}

pub const SHORT: Duration = Duration::from_secs(5);
pub const LONG: Duration = Duration::from_secs(30);

impl Browser {
    fn err(&self, what: impl Display) -> impl Fn(fantoccini::error::CmdError) -> String + '_ {
        let what = what.to_string();
        move |e| format!("[{}] {what}: {e}", self.name)
    }

    pub async fn goto(&self, path: &str) -> E2eResult {
        let url = format!("{}{path}", self.base_url);
        self.client
            .goto(&url)
            .await
            .map_err(self.err(format!("opening {url}")))
    }

    pub async fn reload(&self) -> E2eResult {
        self.client.refresh().await.map_err(self.err("reloading"))
    }

    pub async fn wait_for(&self, css: &str, timeout: Duration) -> E2eResult<Element> {
        poll(
            format!("[{}] element {css}", self.name),
            timeout,
            || async {
                self.client
                    .find(Locator::Css(css))
                    .await
                    .map_err(|e| e.to_string())
            },
        )
        .await
    }

    /// Waits until the text of `css` satisfies `ok`; returns that text.
    pub async fn wait_text(
        &self,
        css: &str,
        what: &str,
        timeout: Duration,
        ok: impl Fn(&str) -> bool,
    ) -> E2eResult<String> {
        poll(
            format!("[{}] {css} to show {what}", self.name),
            timeout,
            || async {
                let text = self.text(css).await?;
                if ok(&text) {
                    Ok(text)
                } else {
                    Err(format!("{text:?}"))
                }
            },
        )
        .await
    }

    pub async fn text(&self, css: &str) -> E2eResult<String> {
        let el = self
            .client
            .find(Locator::Css(css))
            .await
            .map_err(self.err(format!("finding {css}")))?;
        el.text()
            .await
            .map(|t| t.trim().to_string())
            .map_err(self.err(format!("reading {css}")))
    }

    /// Texts of every element matching `css` (empty if none).
    pub async fn texts(&self, css: &str) -> E2eResult<Vec<String>> {
        let els = self
            .client
            .find_all(Locator::Css(css))
            .await
            .map_err(self.err(format!("finding {css}")))?;
        let mut out = Vec::with_capacity(els.len());
        for el in els {
            out.push(
                el.text()
                    .await
                    .map_err(self.err(format!("reading {css}")))?,
            );
        }
        Ok(out)
    }

    pub async fn click(&self, css: &str) -> E2eResult {
        let el = self.wait_for(css, SHORT).await?;
        // As a thumb would: scrolled to the middle of the screen first, so the fixed
        // bottom tabs never cover what is tapped.
        let as_json = serde_json::to_value(&el).map_err(|e| format!("element as JSON: {e}"))?;
        self.execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![as_json],
        )
        .await?;
        el.click()
            .await
            .map_err(self.err(format!("clicking {css}")))
    }

    /// Selects by option value, first waiting for the option: selects are
    /// often filled only once data has loaded or synced.
    pub async fn select(&self, select_css: &str, value: &str, timeout: Duration) -> E2eResult {
        self.wait_for(&format!("{select_css} option[value=\"{value}\"]"), timeout)
            .await?;
        let el = self.wait_for(select_css, SHORT).await?;
        el.select_by_value(value)
            .await
            .map_err(self.err(format!("selecting {value} in {select_css}")))?;
        let chosen = el
            .prop("value")
            .await
            .map_err(self.err(format!("reading {select_css}")))?;
        if chosen.as_deref() != Some(value) {
            return Err(format!(
                "[{}] {select_css} shows {chosen:?} after selecting {value:?}",
                self.name
            ));
        }
        Ok(())
    }

    /// Replaces the content of a text field, as typing would.
    pub async fn fill(&self, css: &str, text: &str) -> E2eResult {
        let el = self.wait_for(css, SHORT).await?;
        el.clear()
            .await
            .map_err(self.err(format!("clearing {css}")))?;
        el.send_keys(text)
            .await
            .map_err(self.err(format!("typing into {css}")))?;
        let value = el
            .prop("value")
            .await
            .map_err(self.err(format!("reading {css}")))?;
        if value.as_deref() != Some(text) {
            return Err(format!(
                "[{}] {css} holds {value:?} after typing {text:?}",
                self.name
            ));
        }
        Ok(())
    }

    pub async fn exists(&self, css: &str) -> E2eResult<bool> {
        let found = self
            .client
            .find_all(Locator::Css(css))
            .await
            .map_err(self.err(format!("finding {css}")))?;
        Ok(!found.is_empty())
    }

    pub async fn execute(&self, script: &str, args: Vec<Value>) -> E2eResult<Value> {
        self.client
            .execute(script, args)
            .await
            .map_err(self.err("running a script"))
    }

    /// Saves a screenshot, the DOM and the console log under `dir`, to
    /// understand a failure after the browser is gone. Best effort.
    pub async fn save_artifacts(&self, dir: &Path) -> Vec<PathBuf> {
        let _ = std::fs::create_dir_all(dir);
        let mut saved = Vec::new();
        let mut save = |name: String, data: &[u8]| {
            let path = dir.join(name);
            if std::fs::write(&path, data).is_ok() {
                saved.push(path);
            }
        };
        if let Ok(png) = self.client.screenshot().await {
            save(format!("{}.png", self.name), &png);
        }
        if let Ok(html) = self.client.source().await {
            let url = self
                .client
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            save(
                format!("{}.html", self.name),
                format!("<!-- {url} -->\n{html}").as_bytes(),
            );
        }
        if let Some(log) = self.console_log().await {
            save(format!("{}.console.txt", self.name), log.as_bytes());
        }
        saved
    }

    /// The browser console, via chromedriver's log endpoint (fantoccini has
    /// no call for it). Reading it empties chromedriver's buffer.
    pub async fn console_log(&self) -> Option<String> {
        let session = self.client.session_id().await.ok()??;
        let url = format!("{}/session/{session}/se/log", self.driver_url);
        let body: Value = reqwest::Client::new()
            .post(url)
            .json(&json!({ "type": "browser" }))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        let entries = body.get("value")?.as_array()?;
        Some(
            entries
                .iter()
                .map(|e| {
                    format!(
                        "{} {}\n",
                        e.get("level").and_then(Value::as_str).unwrap_or("?"),
                        e.get("message").and_then(Value::as_str).unwrap_or("")
                    )
                })
                .collect(),
        )
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }

    /// Quits the browser (as a phone closing the app for good) and hands back its
    /// profile for [`Driver::browser_with_profile`].
    pub async fn close_keep_profile(self) -> E2eResult<TempDir> {
        self.client
            .close()
            .await
            .map_err(|e| format!("[{}] closing: {e}", self.name))?;
        // Chromium writes its storage out as it exits and removes its `SingletonLock`
        // last; a browser opened on the profile before then would find it in use.
        let lock = self._profile.path().join("SingletonLock");
        poll(
            format!("[{}] Chromium to release its profile", self.name),
            Duration::from_secs(15),
            || {
                let gone = std::fs::symlink_metadata(&lock).is_err();
                async move {
                    gone.then_some(())
                        .ok_or_else(|| "SingletonLock still there".into())
                }
            },
        )
        .await?;
        Ok(self._profile)
    }

    /// A DevTools protocol command through chromedriver's `goog/cdp/execute`
    /// (fantoccini has no call for it), e.g. `Emulation.setCPUThrottlingRate`.
    pub async fn cdp(&self, cmd: &str, params: Value) -> E2eResult<Value> {
        let session = self
            .client
            .session_id()
            .await
            .map_err(self.err("reading the session id"))?
            .ok_or("no session id")?;
        let url = format!("{}/session/{session}/goog/cdp/execute", self.driver_url);
        let body: Value = reqwest::Client::new()
            .post(url)
            .json(&json!({ "cmd": cmd, "params": params }))
            .send()
            .await
            .context(format!("[{}] CDP {cmd}", self.name))?
            .json()
            .await
            .context(format!("[{}] CDP {cmd} reply", self.name))?;
        match body.get("value") {
            Some(v) if v.get("error").is_some() => Err(format!("[{}] CDP {cmd}: {v}", self.name)),
            Some(v) => Ok(v.clone()),
            None => Err(format!("[{}] CDP {cmd}: {body}", self.name)),
        }
    }
}
