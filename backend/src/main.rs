use backend::auth::AuthConfig;
use backend::{app, AppState, Config};
use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;

/// 三联共建 server: serves the app, syncs the phones' documents, computes the county view.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "SANLIAN_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Directory of the embedded database.
    #[arg(long, env = "SANLIAN_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// The built frontend to serve (Trunk's dist/).
    #[arg(long, env = "SANLIAN_ASSETS", default_value = "dist")]
    assets: PathBuf,
    /// Do not load the demo county (and its demo accounts) into an empty store.
    #[arg(long)]
    no_demo: bool,
    /// Syncs a device may make per second once its burst is used up.
    #[arg(long, env = "SANLIAN_DEVICE_RATE", default_value_t = 5.0)]
    device_rate: f64,
    /// Syncs a device may make at once.
    #[arg(long, env = "SANLIAN_DEVICE_BURST", default_value_t = 60)]
    device_burst: u32,
    /// How many days a login lasts; phones work offline with it until then.
    #[arg(long, env = "SANLIAN_SESSION_DAYS", default_value_t = 30)]
    session_days: i64,
    /// Running behind a TLS proxy that appends the client's address to X-Forwarded-For:
    /// login rate limits then count per real client, not per proxy.
    #[arg(long, env = "SANLIAN_TRUST_PROXY")]
    trust_proxy: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

/// Operations on the data directory; without one the server runs.
#[derive(clap::Subcommand)]
enum Command {
    /// Copy the database to FILE while the server may keep running, then check the copy.
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
    /// Replace the database with a backup (stop the server first).
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
    /// Write every document as a standalone .automerge file under DIR.
    Export {
        #[arg(long)]
        dir: PathBuf,
    },
    /// Create the first county administrator (a real county: start with --no-demo). The
    /// password is read from standard input, without echo on a terminal.
    CreateAdmin {
        #[arg(long)]
        phone: String,
        #[arg(long)]
        name: String,
    },
}

/// Reads the new password: from a terminal twice without echo, else one line of stdin.
fn read_password() -> std::io::Result<String> {
    use std::io::{BufRead, IsTerminal, Write};
    let stdin = std::io::stdin();
    let line = |prompt: &str| -> std::io::Result<String> {
        let tty = stdin.is_terminal();
        if tty {
            eprint!("{prompt}");
            std::io::stderr().flush()?;
        }
        let _echo = tty.then(NoEcho::new).flatten();
        let mut s = String::new();
        stdin.lock().read_line(&mut s)?;
        if tty {
            eprintln!();
        }
        Ok(s.trim_end_matches(['\r', '\n']).to_string())
    };
    let first = line("新密码（至少 8 位）：")?;
    if stdin.is_terminal() && line("再输入一次：")? != first {
        return Err(std::io::Error::other("两次输入的密码不一致"));
    }
    Ok(first)
}

/// Turns the terminal's echo off while alive (termios through libc, already a dependency
/// on Linux; elsewhere the password is echoed).
struct NoEcho {
    #[cfg(target_os = "linux")]
    saved: libc::termios,
}

impl NoEcho {
    #[cfg(target_os = "linux")]
    fn new() -> Option<NoEcho> {
        // SAFETY: tcgetattr/tcsetattr on stdin with a termios we own.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(libc::STDIN_FILENO, &mut t) != 0 {
                return None;
            }
            let saved = t;
            t.c_lflag &= !libc::ECHO;
            t.c_lflag |= libc::ECHONL;
            if libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &t) != 0 {
                return None;
            }
            Some(NoEcho { saved })
        }
    }
    #[cfg(not(target_os = "linux"))]
    fn new() -> Option<NoEcho> {
        None
    }
}

impl Drop for NoEcho {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        // SAFETY: restores the settings read in `new`.
        unsafe {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &self.saved);
        }
    }
}

fn run_command(
    data_dir: &std::path::Path,
    command: Command,
) -> Result<(), Box<dyn std::error::Error>> {
    use backend::backup;
    let (what, summary) = match command {
        Command::CreateAdmin { phone, name } => {
            let password = match read_password() {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("未创建管理员：{e}");
                    std::process::exit(1);
                }
            };
            let state = AppState::open(Config {
                data_dir: Some(data_dir.to_path_buf()),
                assets_dir: None,
                demo: false,
            })?;
            // Errors are for the person at the terminal: the message, not a Debug dump.
            match backend::registry::create_admin(&state, &phone, &name, &password) {
                Ok(id) => {
                    println!("已创建县级管理员 {name}（{phone}，编号 {id}）");
                    return Ok(());
                }
                Err(e) => {
                    eprintln!("未创建管理员：{e}");
                    std::process::exit(1);
                }
            }
        }
        Command::Backup { to } => (
            format!("backup to {}", to.display()),
            backup::backup(data_dir, &to)?,
        ),
        Command::Restore { from } => (
            format!("restore from {}", from.display()),
            backup::restore(&from, data_dir)?,
        ),
        Command::Export { dir } => (
            format!("export to {}", dir.display()),
            backup::export(data_dir, &dir)?,
        ),
    };
    println!(
        "{what}: {} documents, {} bytes{}",
        summary.documents,
        summary.bytes,
        if summary.unreadable.is_empty() {
            String::new()
        } else {
            format!(", UNREADABLE: {}", summary.unreadable.join(" "))
        }
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let args = Args::parse();
    if let Some(command) = args.command {
        return run_command(&args.data_dir, command);
    }
    if !args.assets.join("index.html").exists() {
        tracing::warn!(assets = %args.assets.display(), "no built frontend here: run `cargo xtask run`");
    }
    let state = AppState::open_with(
        Config {
            data_dir: Some(args.data_dir.clone()),
            assets_dir: Some(args.assets),
            demo: !args.no_demo,
        },
        AuthConfig {
            session_ttl_secs: args.session_days.max(1) * 24 * 3600,
            trust_proxy: args.trust_proxy,
            ..AuthConfig::default()
        },
    )?
    .with_device_rate(backend::limits::DeviceRate::new(
        args.device_rate,
        args.device_burst,
    ));
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    tracing::info!(
        "三联共建 listening on http://{}  (data: {})",
        listener.local_addr()?,
        args.data_dir.display()
    );
    // One thread at the lowest priority: phones that reconnect right after a start load
    // their own documents first, and this thread only uses what they leave.
    let warming = state.hub().clone();
    std::thread::spawn(move || {
        #[cfg(target_os = "linux")]
        // SAFETY: plain system calls on this thread's own id, no memory is shared.
        unsafe {
            libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 19);
        }
        let started = std::time::Instant::now();
        match warming.warm() {
            Ok(n) => tracing::info!(
                documents = n,
                secs = started.elapsed().as_secs_f64(),
                "documents loaded into memory"
            ),
            Err(e) => tracing::error!(error = %e, "loading documents at start stopped"),
        }
    });
    // The peer address feeds the per-address login limit.
    let hub = state.hub().clone();
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    // What devices said since the last batch; requests still finishing may hold the hub.
    hub.store_devices()?;
    Ok(())
}

/// Ctrl-C, or SIGTERM from systemd / `kill`: finish the requests under way, then stop.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
