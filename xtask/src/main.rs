//! Project automation: `cargo xtask <setup|build|run|test>`.
//!
//! Everything CI needs goes through here so that a fresh Debian machine with
//! only registry access can build and test the project with one command.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::{Parser, Subcommand};

mod tidy;
use tidy::tidy;

const TRUNK_VERSION: &str = "0.21.14";
/// npm package version; it reports itself to trunk as `version_132`.
const BINARYEN_VERSION: &str = "132.0.0";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CJK_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
const DIST: &str = "dist";
/// The office console's page, and where its build goes inside `dist/` (served at /office).
const OFFICE_PAGE: &str = "office/index.html";
const OFFICE_DIR: &str = "office";
/// The phone's document engine (issue 18): Trunk builds it from a page of its own into
/// `dist/engine/`; the build then names its files in the phone's page ([`link_engine`]).
const ENGINE_PAGE: &str = "engine/index.html";
const ENGINE_DIR: &str = "engine";
/// What a phone downloads on its first visit (the page and every file it names but the
/// engine, brotli): the build fails above this. Set just above the size measured in
/// BENCHMARKS.md (issue 18), so growth is a decision, not an accident: 720 KiB while the
/// documents' code was part of it, 356 KiB since it is the engine's (354.3 KiB measured
/// with the review's fixes to ops; the issue's goal is 330 KB).
const PHONE_FIRST_LOAD_BUDGET: u64 = 356 * 1024;
/// The phone's document engine (`engine/`, fetched after the first load; brotli): the
/// build fails above this, set just above its size measured in BENCHMARKS.md (479.3 KiB).
const ENGINE_BUDGET: u64 = 484 * 1024;
/// The office console's first load (`/office`, the same measure): the build fails above
/// this. Set just above the size measured in BENCHMARKS.md ("The office console's first
/// load (issue 18)", 2026-12-03: 387.3 KiB cut to 331.1 KiB); the issue's goal is 200 KB.
const OFFICE_FIRST_LOAD_BUDGET: u64 = 340 * 1024;

/// Never precompressed: already compressed, so a sibling would only cost disk.
const INCOMPRESSIBLE: &[&str] = &[
    "br", "gz", "zip", "png", "jpg", "jpeg", "gif", "webp", "avif", "woff", "woff2",
];

#[derive(Parser)]
#[command(
    name = "xtask",
    bin_name = "cargo xtask",
    about = "三联共建 build, run and test tasks"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Install whatever build tool is missing or has the wrong version (idempotent).
    Setup,
    /// Set up, build the web app into dist/ (precompressed) and the server.
    Build,
    /// Build, then run the server. Arguments are passed to the backend;
    /// --addr, --data-dir and --assets get defaults unless given (or set via env).
    Run {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Set up, build, then run every check CI runs; stops at the first failure.
    Test,
    /// Build, then save 360×740 screenshots of the field app's main pages into
    /// docs/screenshots/ (the issue_5 e2e stories take them).
    Screenshots,
    /// Check that ARCHITECTURE.md's code map names only files that exist and that every
    /// source file of every crate is in it (also part of `test`).
    Tidy,
    /// Precompress a built dist directory and print its raw / gzip / brotli sizes.
    Sizes {
        #[arg(default_value = DIST)]
        dist: PathBuf,
    },
}

type Result<T = (), E = String> = std::result::Result<T, E>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = Ctx::new().and_then(|ctx| match cli.cmd {
        Cmd::Setup => ctx.setup(),
        Cmd::Build => ctx.build(),
        Cmd::Run { args } => ctx.run(args),
        Cmd::Test => ctx.test(),
        Cmd::Screenshots => ctx.screenshots(),
        Cmd::Tidy => tidy(&ctx.root),
        Cmd::Sizes { dist } => precompress(&dist).and_then(|sizes| {
            print!("{}", size_table(&sizes));
            let phone = first_load(&dist, "index.html", &sizes)?;
            let office = first_load(&dist, &format!("{OFFICE_DIR}/index.html"), &sizes)?;
            print!(
                "{}",
                first_load_table(&phone, &engine_files(&sizes), &office)
            );
            Ok(())
        }),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("\nxtask: error: {msg}");
            ExitCode::FAILURE
        }
    }
}

struct Ctx {
    root: PathBuf,
    /// Where npm installs binaryen; kept outside the repo so `git clean` and
    /// fresh worktrees do not reinstall it.
    tools_dir: PathBuf,
    /// PATH for every child: our tools first, so trunk (offline) finds the
    /// pinned wasm-opt/wasm-bindgen rather than any system copy.
    path: OsString,
    cargo: OsString,
}

impl Ctx {
    fn new() -> Result<Self> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .ok_or("xtask is not inside the workspace")?
            .to_path_buf();
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let tools_dir = match std::env::var_os("SANLIAN_TOOLS_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => home
                .as_ref()
                .ok_or("HOME is not set; set SANLIAN_TOOLS_DIR")?
                .join(".cache/sanlian-tools"),
        };
        let cargo_home = match std::env::var_os("CARGO_HOME") {
            Some(dir) => PathBuf::from(dir),
            None => home
                .as_ref()
                .ok_or("neither CARGO_HOME nor HOME is set")?
                .join(".cargo"),
        };
        let mut dirs = vec![tools_dir.join("node_modules/.bin"), cargo_home.join("bin")];
        dirs.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let path = std::env::join_paths(dirs).map_err(|e| format!("bad PATH entry: {e}"))?;
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        Ok(Ctx {
            root,
            tools_dir,
            path,
            cargo,
        })
    }

    fn cmd(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(self.which(program.as_ref()));
        cmd.current_dir(&self.root).env("PATH", &self.path);
        cmd
    }

    fn cargo(&self, args: &[&str]) -> Command {
        let mut cmd = self.cmd(&self.cargo);
        cmd.args(args);
        cmd
    }

    /// Resolves against the extended PATH ourselves: `Command::new` would
    /// search xtask's own PATH, which lacks the tools dir.
    fn which(&self, program: &OsStr) -> PathBuf {
        let program = Path::new(program);
        if program.components().count() > 1 {
            return program.to_path_buf();
        }
        std::env::split_paths(&self.path)
            .map(|dir| dir.join(program))
            .find(|candidate| is_executable(candidate))
            .unwrap_or_else(|| program.to_path_buf())
    }

    fn has(&self, program: &str) -> bool {
        is_executable(&self.which(program.as_ref()))
    }

    /// First line of `<program> <args>` stdout, or None if it cannot run.
    fn version_of(&self, program: &str, args: &[&str]) -> Option<String> {
        if !self.has(program) {
            return None;
        }
        let out = self.cmd(program).args(args).output().ok()?;
        out.status
            .success()
            .then(|| {
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .next()
                    .map(str::trim)
                    .map(String::from)
            })
            .flatten()
    }

    fn dist(&self) -> PathBuf {
        self.root.join(DIST)
    }

    /// The wasm-bindgen CLI must match the library exactly (the generated JS
    /// glue is version specific), so Cargo.lock is the source of truth.
    fn wasm_bindgen_version(&self) -> Result<String> {
        let lock_path = self.root.join("Cargo.lock");
        let lock = fs::read_to_string(&lock_path)
            .map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
        wasm_bindgen_version_in(&lock).map_err(|e| format!("{}: {e}", lock_path.display()))
    }

    // ---- setup -------------------------------------------------------------

    fn setup(&self) -> Result {
        step("setup: fetch crates (trunk builds offline)");
        run(&mut self.cargo(&["fetch"]))?;
        let bindgen = self.wasm_bindgen_version()?;

        self.setup_wasm_target()?;
        self.setup_apt()?;
        // No default features: they are TLS (rustls) and the crates.io update check, and
        // this trunk never reaches the network (`offline = true` in Trunk.toml). Unoptimised
        // (opt-level 0): trunk only orchestrates — cargo, wasm-bindgen and wasm-opt do the
        // work — so its own speed does not show, while its ~370 crates build in about 5.7
        // CPU minutes instead of the most of a cold CI run's setup (BENCHMARKS.md "CI time").
        self.setup_cargo_tool(
            "trunk",
            &["trunk"],
            TRUNK_VERSION,
            &[
                "install",
                "trunk",
                "--version",
                TRUNK_VERSION,
                "--locked",
                "--no-default-features",
            ],
            "0",
        )?;
        // Deliberately not --locked (project decision): what must match is the
        // version, which comes from our Cargo.lock.
        self.setup_cargo_tool(
            "wasm-bindgen-cli",
            &["wasm-bindgen", "wasm-bindgen-test-runner"],
            &bindgen,
            &["install", "wasm-bindgen-cli", "--version", &bindgen],
            // It rewrites the whole app wasm on every build: worth light optimisation.
            "1",
        )?;
        self.setup_wasm_opt()?;
        println!("setup: all tools present");
        Ok(())
    }

    fn setup_wasm_target(&self) -> Result {
        let sysroot = output_of(self.cmd("rustc").args(["--print", "sysroot"]))?;
        if Path::new(sysroot.trim())
            .join("lib/rustlib")
            .join(WASM_TARGET)
            .is_dir()
        {
            println!("setup: rust target {WASM_TARGET} present");
            return Ok(());
        }
        step(&format!("setup: add rust target {WASM_TARGET}"));
        run(self.cmd("rustup").args(["target", "add", WASM_TARGET]))
    }

    fn setup_cargo_tool(
        &self,
        krate: &str,
        binaries: &[&str],
        version: &str,
        install_args: &[&str],
        opt_level: &str,
    ) -> Result {
        let installed = binaries.iter().all(|bin| {
            self.version_of(bin, &["--version"])
                .is_some_and(|v| v.split_whitespace().nth(1) == Some(version))
        });
        if installed {
            println!("setup: {krate} {version} present");
            return Ok(());
        }
        step(&format!("setup: cargo install {krate} {version}"));
        let mut install = self.cargo(install_args);
        // trunk's own manifest asks for fat LTO and one codegen unit: on a 2-core CI
        // machine that alone took 11.5 of a cold run's 47 minutes. These tools only
        // orchestrate (trunk) or rewrite one wasm file per build (wasm-bindgen), so a
        // lightly optimised (or unoptimised), unLTO'd build is as good for us and several
        // times faster to make. Config/env profile settings take precedence over the
        // manifest's.
        install
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", opt_level);
        run(&mut install)?;
        // Catches a binary of another version shadowing ~/.cargo/bin on PATH.
        for bin in binaries {
            let found = self.version_of(bin, &["--version"]).unwrap_or_default();
            if found.split_whitespace().nth(1) != Some(version) {
                return Err(format!(
                    "after installing, `{bin} --version` says {found:?} (from {}), expected {version}",
                    self.which(bin.as_ref()).display()
                ));
            }
        }
        Ok(())
    }

    fn wasm_opt_path(&self) -> PathBuf {
        self.tools_dir.join("node_modules/.bin/wasm-opt")
    }

    fn setup_wasm_opt(&self) -> Result {
        let wasm_opt = self.wasm_opt_path();
        let major = BINARYEN_VERSION
            .split('.')
            .next()
            .unwrap_or(BINARYEN_VERSION);
        let wanted = format!("(version_{major})");
        let current = self.version_of(&wasm_opt.to_string_lossy(), &["--version"]);
        if current.as_deref().is_some_and(|v| v.ends_with(&wanted)) {
            println!("setup: wasm-opt {major} present");
            return Ok(());
        }
        if !self.has("npm") {
            return Err(
                "npm is needed to install wasm-opt (binaryen from npm); install Node.js and npm"
                    .into(),
            );
        }
        step(&format!("setup: npm install binaryen@{BINARYEN_VERSION}"));
        fs::create_dir_all(&self.tools_dir)
            .map_err(|e| format!("cannot create {}: {e}", self.tools_dir.display()))?;
        let mut npm = self.cmd("npm");
        npm.arg("install")
            .arg("--prefix")
            .arg(&self.tools_dir)
            .args(["--save-exact", "--no-audit", "--no-fund"])
            .arg(format!("binaryen@{BINARYEN_VERSION}"));
        run(&mut npm)?;
        let current = self
            .version_of(&wasm_opt.to_string_lossy(), &["--version"])
            .unwrap_or_default();
        if !current.ends_with(&wanted) {
            return Err(format!(
                "{} --version says {current:?}, expected {wanted}",
                wasm_opt.display()
            ));
        }
        Ok(())
    }

    /// Browsers for the e2e and wasm tests, plus npm if wasm-opt still needs it.
    fn setup_apt(&self) -> Result {
        let mut missing = Vec::new();
        if !is_executable(Path::new(CHROMIUM)) {
            missing.push("chromium");
        }
        if !is_executable(Path::new(CHROMEDRIVER)) {
            missing.push("chromium-driver");
        }
        if !is_executable(&self.wasm_opt_path()) && !self.has("npm") {
            missing.push("npm");
        }
        // Without a CJK font the screenshots (and any failure screenshot) show boxes.
        if !Path::new(CJK_FONT).exists() {
            missing.push("fonts-wqy-microhei");
        }
        if missing.is_empty() {
            println!("setup: chromium, chromedriver present");
            return Ok(());
        }
        let list = missing.join(" ");
        let uid = output_of(self.cmd("id").arg("-u")).unwrap_or_default();
        if uid.trim() != "0" {
            return Err(format!(
                "missing system packages; run as root:\n    apt-get update && apt-get install -y {list}"
            ));
        }
        step(&format!("setup: apt-get install {list}"));
        run(self.cmd("apt-get").arg("update"))?;
        let mut install = self.cmd("apt-get");
        install
            .args(["install", "-y", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut install)
    }

    // ---- build -------------------------------------------------------------

    fn build(&self) -> Result {
        self.build_web()?;
        self.build_server()
    }

    fn build_server(&self) -> Result {
        step("build: cargo build -p backend --profile server");
        run(&mut self.cargo(&["build", "-p", "backend", "--profile", "server"]))
    }

    fn build_web(&self) -> Result {
        self.setup()?;
        let bindgen = self.wasm_bindgen_version()?;

        // Trunk builds one app per HTML file: the phone's pages into dist/ (which trunk
        // empties first, so they go first), the phone's document engine into
        // dist/engine/, then the office console into dist/office/, each with its asset
        // URLs under its directory. Phones download the first, then the engine.
        for (page, dist, public_url) in [
            ("frontend/index.html", DIST.to_string(), "/"),
            (ENGINE_PAGE, format!("{DIST}/{ENGINE_DIR}"), "/engine/"),
            (OFFICE_PAGE, format!("{DIST}/{OFFICE_DIR}"), "/office/"),
        ] {
            step(&format!("build: trunk build --release {page} -> {dist}"));
            let mut trunk = self.cmd("trunk");
            trunk
                .args(["build", page, "--release", "--dist", &dist])
                .args(["--public-url", public_url])
                // Overrides Trunk.toml's pin so a lockfile bump cannot drift from it.
                .env("TRUNK_TOOLS_WASM_BINDGEN", &bindgen);
            run(&mut trunk)?;
        }

        let dist = self.dist();
        step("build: name the engine in the phone's page");
        link_engine(&dist)?;

        step("build: precompress dist/");
        let sizes = precompress(&dist)?;
        print!("{}", size_table(&sizes));
        let phone = first_load(&dist, "index.html", &sizes)?;
        let office = first_load(&dist, &format!("{OFFICE_DIR}/index.html"), &sizes)?;
        let engine = engine_files(&sizes);
        print!("{}", first_load_table(&phone, &engine, &office));
        pages_hold_no_automerge(&dist, &phone)?;
        for (app, files, budget) in [
            ("the phone's first load", &phone, PHONE_FIRST_LOAD_BUDGET),
            ("the phone's engine", &engine, ENGINE_BUDGET),
            (
                "the office console's first load",
                &office,
                OFFICE_FIRST_LOAD_BUDGET,
            ),
        ] {
            let brotli: u64 = files.iter().map(|s| s.brotli).sum();
            if brotli > budget {
                return Err(format!(
                    "{app} is {} brotli, over its budget of {} (BENCHMARKS.md, issue 18)",
                    human(brotli),
                    human(budget)
                ));
            }
        }
        Ok(())
    }

    fn screenshots(&self) -> Result {
        self.build()?;
        let out = self.root.join("docs/screenshots");
        step(&format!(
            "screenshots: issue_5 e2e stories -> {}",
            out.display()
        ));
        let mut cmd = self.cargo(&[
            "test",
            "-p",
            "e2e",
            "--test",
            "e2e",
            "issue_5_",
            "--",
            "--test-threads=1",
        ]);
        cmd.env("SANLIAN_DIST", self.dist())
            .env("CHROMEDRIVER", CHROMEDRIVER)
            .env("SANLIAN_SCREENSHOTS", &out);
        run(&mut cmd)
    }

    // ---- run ---------------------------------------------------------------

    fn run(&self, args: Vec<String>) -> Result {
        self.build()?;
        let server = self.root.join("target/server/backend");
        let args = with_default_args(args, |var| std::env::var_os(var).is_some());
        step(&format!("run: {} {}", server.display(), args.join(" ")));
        let mut cmd = self.cmd(&server);
        cmd.args(&args);
        exec(cmd)
    }

    // ---- test --------------------------------------------------------------

    fn test(&self) -> Result {
        // The e2e harness serves `backend::app` in-process, so the tests need the web
        // app but not the size-tuned server binary (a separate ~4.5 min cold build).
        self.build_web()?;
        let dist = self.dist();
        if !dist.join("index.html").is_file() {
            return Err(format!(
                "{} missing after build",
                dist.join("index.html").display()
            ));
        }

        step("test: tidy (ARCHITECTURE.md code map matches the tree)");
        tidy(&self.root)?;

        step("test: cargo fmt --check");
        run(&mut self.cargo(&["fmt", "--all", "--", "--check"]))?;

        step("test: cargo clippy (host)");
        run(&mut self.cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))?;

        step(&format!(
            "test: cargo clippy -p frontend -p engine -p office ({WASM_TARGET})"
        ));
        run(&mut self.cargo(&[
            "clippy",
            "-p",
            "frontend",
            "-p",
            "engine",
            "-p",
            "office",
            "--target",
            WASM_TARGET,
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))?;

        // The phone's pages and engine only run in a browser; their tests run next.
        step("test: cargo test --workspace (native + e2e)");
        let mut native = self.cargo(&[
            "test",
            "--workspace",
            "--exclude",
            "frontend",
            "--exclude",
            "engine",
        ]);
        native
            .env("SANLIAN_DIST", &dist)
            .env("CHROMEDRIVER", CHROMEDRIVER);
        run(&mut native)?;

        step(&format!(
            "test: cargo test -p frontend -p engine ({WASM_TARGET}, headless chromium)"
        ));
        let mut wasm = self.cargo(&[
            "test",
            "-p",
            "frontend",
            "-p",
            "engine",
            "--target",
            WASM_TARGET,
        ]);
        wasm.env("CHROMEDRIVER", CHROMEDRIVER);
        run(&mut wasm)?;

        println!("\nxtask test: all checks passed");
        Ok(())
    }
}

fn step(what: &str) {
    println!("\n==> {what}");
    let _ = io::stdout().flush();
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

fn run(cmd: &mut Command) -> Result {
    let line = describe(cmd);
    println!("$ {line}");
    let _ = io::stdout().flush();
    let status = cmd
        .status()
        .map_err(|e| format!("could not start `{line}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{line}` failed ({status})"))
    }
}

fn output_of(cmd: &mut Command) -> Result<String> {
    let line = describe(cmd);
    let out = cmd
        .output()
        .map_err(|e| format!("could not start `{line}`: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`{line}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Replaces xtask with the server so Ctrl-C and signals reach it directly.
#[cfg(unix)]
fn exec(mut cmd: Command) -> Result {
    use std::os::unix::process::CommandExt;
    let line = describe(&cmd);
    let err = cmd.exec();
    Err(format!("could not start `{line}`: {err}"))
}

#[cfg(not(unix))]
fn exec(mut cmd: Command) -> Result {
    run(&mut cmd)
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// Minimal Cargo.lock reader: a TOML dependency just for this is not worth it.
fn wasm_bindgen_version_in(lock: &str) -> Result<String> {
    let mut versions = Vec::new();
    for package in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            package.lines().find_map(|line| {
                let (k, v) = line.split_once('=')?;
                (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
            })
        };
        if field("name").as_deref() == Some("wasm-bindgen") {
            versions.extend(field("version"));
        }
    }
    match versions.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err("no wasm-bindgen package in the lockfile".into()),
        many => Err(format!(
            "several wasm-bindgen versions locked ({}); there must be exactly one",
            many.join(", ")
        )),
    }
}

/// Server flags whose defaults `cargo xtask run` supplies, with the env var
/// that the backend also reads for each (a set env var wins over our default).
const RUN_DEFAULTS: &[(&str, &str, &str)] = &[
    ("--addr", "SANLIAN_ADDR", "127.0.0.1:8080"),
    ("--data-dir", "SANLIAN_DATA_DIR", "./data"),
    ("--assets", "SANLIAN_ASSETS", DIST),
];

fn with_default_args(mut args: Vec<String>, env_is_set: impl Fn(&str) -> bool) -> Vec<String> {
    for (flag, env, default) in RUN_DEFAULTS {
        let given = args
            .iter()
            .any(|a| a == flag || a.starts_with(&format!("{flag}=")));
        if !given && !env_is_set(env) {
            args.push(flag.to_string());
            args.push(default.to_string());
        }
    }
    args
}

struct Sizes {
    name: String,
    raw: u64,
    gzip: u64,
    brotli: u64,
}

/// Writes `.br` and `.gz` siblings so the server can send them without
/// compressing per request.
fn precompress(dist: &Path) -> Result<Vec<Sizes>> {
    let mut files = Vec::new();
    collect_files(dist, &mut files)?;
    files.sort();
    let mut sizes = Vec::new();
    for path in &files {
        let ext = path.extension().and_then(OsStr::to_str).unwrap_or("");
        if INCOMPRESSIBLE.contains(&ext.to_ascii_lowercase().as_str()) {
            continue;
        }
        let data = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let gz = gzip(&data)?;
        let br = brotli(&data)?;
        write(&sibling(path, "gz"), &gz)?;
        write(&sibling(path, "br"), &br)?;
        sizes.push(Sizes {
            name: path
                .strip_prefix(dist)
                .unwrap_or(path)
                .to_string_lossy()
                .into_owned(),
            raw: data.len() as u64,
            gzip: gz.len() as u64,
            brotli: br.len() as u64,
        });
    }
    if sizes.is_empty() {
        return Err(format!("{} has no files to compress", dist.display()));
    }
    Ok(sizes)
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| format!("cannot stat {}: {e}", path.display()))?;
        if kind.is_dir() {
            collect_files(&path, out)?;
        } else if kind.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

fn sibling(path: &Path, ext: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

fn write(path: &Path, data: &[u8]) -> Result {
    fs::write(path, data).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn gzip(data: &[u8]) -> Result<Vec<u8>> {
    use flate2::{write::GzEncoder, Compression};
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(data)
        .and_then(|()| enc.finish())
        .map_err(|e| format!("gzip failed: {e}"))
}

fn brotli(data: &[u8]) -> Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 24,
        size_hint: data.len(),
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &data[..], &mut out, &params)
        .map_err(|e| format!("brotli failed: {e}"))?;
    Ok(out)
}

fn size_table(sizes: &[Sizes]) -> String {
    let width = sizes
        .iter()
        .map(|s| s.name.chars().count())
        .chain(["total".len()])
        .max()
        .unwrap_or(5);
    let mut out = format!(
        "{:<width$}  {:>10}  {:>10}  {:>10}\n",
        "file", "raw", "gzip", "brotli"
    );
    let mut row = |name: &str, raw: u64, gzip: u64, brotli: u64| {
        let _ = writeln!(
            out,
            "{name:<width$}  {:>10}  {:>10}  {:>10}",
            human(raw),
            human(gzip),
            human(brotli)
        );
    };
    for s in sizes {
        row(&s.name, s.raw, s.gzip, s.brotli);
    }
    row(
        "total",
        sizes.iter().map(|s| s.raw).sum(),
        sizes.iter().map(|s| s.gzip).sum(),
        sizes.iter().map(|s| s.brotli).sum(),
    );
    out
}

/// The page `page` (relative to `dist`) and the built files it names (`"/x.js"`,
/// `'/office/x_bg.wasm'`, …): what a browser downloads to open that app. The phone's
/// engine is named too, but fetched only after the app has started: not counted here.
fn first_load<'a>(dist: &Path, page: &str, sizes: &'a [Sizes]) -> Result<Vec<&'a Sizes>> {
    let html = fs::read_to_string(dist.join(page))
        .map_err(|e| format!("cannot read {}: {e}", dist.join(page).display()))?;
    let named = |s: &&Sizes| {
        s.name == page
            || (!is_engine(s) && names(&html, &format!("/{}", s.name.replace('\\', "/"))))
    };
    Ok(sizes.iter().filter(named).collect())
}

/// Whether a page names `path` as an attribute's or a string's whole value: `"/x.js"`,
/// `'/x.js'`, or unquoted as Trunk's minifier leaves attributes, `href=/x.js>`.
fn names(html: &str, path: &str) -> bool {
    html.match_indices(path).any(|(at, _)| {
        let before = html[..at].chars().next_back();
        let after = html[at + path.len()..].chars().next();
        matches!(before, Some('"' | '\'' | '=')) && matches!(after, Some('"' | '\'' | ' ' | '>'))
    })
}

fn is_engine(s: &Sizes) -> bool {
    s.name
        .replace('\\', "/")
        .starts_with(&format!("{ENGINE_DIR}/"))
}

/// The phone's document engine: fetched after the phone's first load, before the first
/// sync (entries are saved without it).
fn engine_files(sizes: &[Sizes]) -> Vec<&Sizes> {
    sizes.iter().filter(|s| is_engine(s)).collect()
}

/// Trunk builds the engine as a page of its own. The phone loads it from its own page
/// instead: this names the engine's two files in `dist/index.html` as a
/// `<link rel="sanlian-engine">` (a link the browser does not fetch by itself; the page's
/// `sanlianShell.engine` imports from it, and the service worker caches both files with
/// the shell) and removes the engine's page, which nobody opens.
fn link_engine(dist: &Path) -> Result {
    let engine_page = dist.join(ENGINE_DIR).join("index.html");
    let html = fs::read_to_string(&engine_page)
        .map_err(|e| format!("cannot read {}: {e}", engine_page.display()))?;
    let named = |suffix: &str| {
        quoted_paths(&html)
            .into_iter()
            .find(|p| p.starts_with(&format!("/{ENGINE_DIR}/")) && p.ends_with(suffix))
            .ok_or_else(|| format!("{} names no {suffix} file", engine_page.display()))
    };
    let (js, wasm) = (named(".js")?, named("_bg.wasm")?);
    let phone_page = dist.join("index.html");
    let phone = fs::read_to_string(&phone_page)
        .map_err(|e| format!("cannot read {}: {e}", phone_page.display()))?;
    if !phone.contains("</head>") {
        return Err(format!("{} has no </head>", phone_page.display()));
    }
    let link = format!(r#"<link rel="sanlian-engine" href="{js}" data-wasm="{wasm}" />"#);
    write(
        &phone_page,
        phone
            .replacen("</head>", &format!("{link}</head>"), 1)
            .as_bytes(),
    )?;
    fs::remove_file(&engine_page)
        .map_err(|e| format!("cannot remove {}: {e}", engine_page.display()))
}

/// The phone's pages must link no Automerge code: the documents are the engine's
/// (issue 18). Any Automerge function that can fail carries its source path in the wasm's
/// data, so the crate's name in the pages' wasm means some of it came along.
fn pages_hold_no_automerge(dist: &Path, phone: &[&Sizes]) -> Result {
    for wasm in phone.iter().filter(|s| s.name.ends_with(".wasm")) {
        let path = dist.join(&wasm.name);
        let bytes = fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if bytes.windows(b"automerge".len()).any(|w| w == b"automerge") {
            return Err(format!(
                "{} links Automerge code: the phone's pages must leave the documents to the engine (ARCHITECTURE.md, issue 18)",
                path.display()
            ));
        }
    }
    Ok(())
}

/// Every `"/…"` or `'/…'` string of a page.
fn quoted_paths(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for q in ['"', '\''] {
        let mut rest = html;
        while let Some(start) = rest.find(&format!("{q}/")) {
            let after = &rest[start + 1..];
            match after.find(q) {
                Some(end) => {
                    out.push(after[..end].to_string());
                    rest = &after[end + 1..];
                }
                None => break,
            }
        }
    }
    out
}

fn first_load_table(phone: &[&Sizes], engine: &[&Sizes], office: &[&Sizes]) -> String {
    let mut out = String::from("\nfirst load (page + the files it names):\n");
    let phone_and_engine: Vec<&Sizes> = phone.iter().chain(engine).copied().collect();
    for (app, files) in [
        ("phone", phone),
        ("engine", engine),
        ("both", &phone_and_engine[..]),
        ("office", office),
    ] {
        let _ = writeln!(
            out,
            "{app:<8}  {:>10}  {:>10}  {:>10}  ({} files)",
            human(files.iter().map(|s| s.raw).sum()),
            human(files.iter().map(|s| s.gzip).sum()),
            human(files.iter().map(|s| s.brotli).sum()),
            files.len()
        );
    }
    out
}

fn human(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_single_wasm_bindgen_version() {
        let lock = r#"
version = 4

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "wasm-bindgen-backend"
version = "0.2.99"
"#;
        assert_eq!(wasm_bindgen_version_in(lock).unwrap(), "0.2.130");
    }

    #[test]
    fn refuses_ambiguous_or_missing_wasm_bindgen() {
        let two = "[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.1\"\n\
                   [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.2\"\n";
        assert!(wasm_bindgen_version_in(two).is_err());
        assert!(wasm_bindgen_version_in("").is_err());
    }

    #[test]
    fn a_page_names_its_files_quoted_or_as_minified() {
        let page = r#"<link href=/manifest.webmanifest rel=manifest><link href=/app-1.css>
            <script>import init from '/app-1.js';register("/sw.js")</script>"#;
        for path in ["/manifest.webmanifest", "/app-1.css", "/app-1.js", "/sw.js"] {
            assert!(names(page, path), "{path}");
        }
        assert!(!names(page, "/app-1.cs"), "a prefix is not a name");
        assert!(!names(page, "/app"));
    }

    #[test]
    fn run_defaults_fill_only_what_is_missing() {
        let args = with_default_args(vec!["--addr=0.0.0.0:80".into(), "--no-demo".into()], |v| {
            v == "SANLIAN_DATA_DIR"
        });
        assert_eq!(args, ["--addr=0.0.0.0:80", "--no-demo", "--assets", "dist"]);
    }

    #[test]
    fn precompressed_files_round_trip() {
        let dir = std::env::temp_dir().join(format!("xtask-precompress-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("sub")).unwrap();
        let text = "三联共建 ".repeat(200);
        fs::write(dir.join("index.html"), &text).unwrap();
        fs::write(dir.join("sub/logo.png"), [0u8; 10]).unwrap();

        let sizes = precompress(&dir).unwrap();
        assert_eq!(sizes.len(), 1, "png is skipped");

        let mut unbr = Vec::new();
        brotli::BrotliDecompress(
            &mut &fs::read(dir.join("index.html.br")).unwrap()[..],
            &mut unbr,
        )
        .unwrap();
        assert_eq!(unbr, text.as_bytes());
        let mut ungz = String::new();
        io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(&fs::read(dir.join("index.html.gz")).unwrap()[..]),
            &mut ungz,
        )
        .unwrap();
        assert_eq!(ungz, text);
        fs::remove_dir_all(&dir).unwrap();
    }
}
