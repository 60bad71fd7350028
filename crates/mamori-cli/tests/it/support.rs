//! The harness: runs the built `mamori` binary in a fresh temporary directory against a fresh
//! SQLite database (`--data-dir`) or a fresh PostgreSQL database (`--database-url`), and talks
//! HTTP to a started server.

use mamori_store::Db;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

static COUNTER: AtomicU64 = AtomicU64::new(0);

#[allow(clippy::disallowed_methods)] // unique names, not a date the test depends on
fn unique() -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{}_{}_{}", std::process::id(), t, n)
}

/// The workspace root (fixtures live there).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The seed regulation shipped as example data.
pub fn seed_regulation() -> PathBuf {
    workspace().join("examples/seed-regulation.txt")
}

/// A Microsoft 365 fixture.
pub fn m365_fixture(name: &str) -> PathBuf {
    workspace().join("crates/mamori-m365/fixtures").join(name)
}

/// A finished run.
#[derive(Debug)]
pub struct Out {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Out {
    /// Asserts exit code 0 and returns self.
    #[track_caller]
    pub fn ok(self) -> Out {
        assert_eq!(self.code, 0, "expected success: {self:#?}");
        self
    }

    /// Asserts the exit code and returns self.
    #[track_caller]
    pub fn code(self, code: i32) -> Out {
        assert_eq!(self.code, code, "expected exit code {code}: {self:#?}");
        self
    }

    /// Parses standard output as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }
}

/// Which database a test environment uses.
#[derive(Debug, Clone)]
pub enum Backend {
    /// SQLite in `<dir>/data`.
    Sqlite,
    /// A fresh PostgreSQL database at this URL.
    Pg(String),
}

/// A fresh temporary working directory and database; removed on drop.
pub struct Env {
    /// The working directory of every run.
    pub dir: PathBuf,
    /// The database.
    pub backend: Backend,
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A fresh PostgreSQL database on the server named by `MAMORI_TEST_PG_URL`. Without that
/// variable the test fails: it must not pass having checked SQLite only (`./scripts/test`
/// starts a server).
pub fn fresh_pg_url() -> Option<String> {
    let Ok(base) = std::env::var("MAMORI_TEST_PG_URL") else {
        panic!(
            "MAMORI_TEST_PG_URL is not set: the PostgreSQL half of this test cannot run (./scripts/test starts a server)"
        );
    };
    let name = format!("cli_{}", unique());
    block_on(async {
        let admin = Db::open_url(&base).await.expect("connect to MAMORI_TEST_PG_URL");
        if let Db::Pg(p) = &admin {
            mamori_store::sqlx::query(mamori_store::sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(p)
                .await
                .expect("create test database");
        }
        admin.close().await;
    });
    let (prefix, _) = base.rsplit_once('/').expect("MAMORI_TEST_PG_URL ends with /DBNAME");
    Some(format!("{prefix}/{name}"))
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime").block_on(f)
}

impl Env {
    /// SQLite in a fresh temporary directory.
    pub fn sqlite() -> Env {
        let dir = std::env::temp_dir().join(format!("mamori-cli-it-{}", unique()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Env { dir, backend: Backend::Sqlite }
    }

    /// A fresh PostgreSQL database (and a fresh working directory), or `None` when skipped.
    pub fn pg() -> Option<Env> {
        let url = fresh_pg_url()?;
        let mut env = Env::sqlite();
        env.backend = Backend::Pg(url);
        Some(env)
    }

    /// SQLite, then PostgreSQL when configured.
    pub fn both() -> Vec<Env> {
        let mut v = vec![Env::sqlite()];
        v.extend(Env::pg());
        v
    }

    /// The SQLite data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// A path in the working directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes a file in the working directory and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, contents).expect("write test file");
        p
    }

    /// The binary with a clean `MAMORI_*` environment, quiet logs, run in the working directory,
    /// without any database flag.
    pub fn bare(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_mamori"));
        for (k, _) in std::env::vars() {
            if k.starts_with("MAMORI_") || k == "RUST_LOG" {
                c.env_remove(k);
            }
        }
        c.env("MAMORI_LOG", "error").current_dir(&self.dir).stdin(Stdio::null());
        c
    }

    /// The binary with this environment's database flag.
    pub fn cmd(&self) -> Command {
        let mut c = self.bare();
        match &self.backend {
            Backend::Sqlite => c.arg("--data-dir").arg(self.data_dir()),
            Backend::Pg(url) => c.arg("--database-url").arg(url),
        };
        c
    }

    /// Runs `mamori ARGS` on this environment's database.
    pub fn run(&self, args: &[&str]) -> Out {
        let mut c = self.cmd();
        c.args(args);
        output(c)
    }

    /// Runs one SQL statement on this environment's database (to tamper with it); returns the
    /// rows affected.
    pub fn sql(&self, stmt: &str) -> u64 {
        let url = match &self.backend {
            Backend::Sqlite => format!("sqlite:{}", self.data_dir().join("mamori.db").display()),
            Backend::Pg(url) => url.clone(),
        };
        let stmt = stmt.to_string();
        block_on(async move {
            let db = Db::open_url(&url).await.expect("open the test database");
            let q = mamori_store::sqlx::AssertSqlSafe(stmt);
            let n = match &db {
                Db::Sqlite(p) => mamori_store::sqlx::query(q).execute(p).await.expect("run SQL").rows_affected(),
                Db::Pg(p) => mamori_store::sqlx::query(q).execute(p).await.expect("run SQL").rows_affected(),
            };
            db.close().await;
            n
        })
    }

    /// `org add --slug S --name N` (asserting success).
    pub fn org(&self, slug: &str) {
        self.run(&["org", "add", "--slug", slug, "--name", &format!("{slug} 株式会社")]).ok();
    }

    /// One organisation with the seed regulation imported.
    pub fn org_with_regulation(&self, slug: &str) {
        self.org(slug);
        let seed = seed_regulation();
        self.run(&["regulation", "import", seed.to_str().expect("utf-8 path"), "--org", slug]).ok();
    }
}

/// Runs a command to completion and captures its output.
pub fn output(mut c: Command) -> Out {
    let o = c.output().expect("run mamori");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// A started server (`serve` or `demo`); killed on drop.
pub struct Server {
    child: Child,
    /// The port it listens on.
    pub port: u16,
    stdout: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
}

fn lines_of<R: Read + Send + 'static>(r: R) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl Server {
    /// Starts the command (which must listen, e.g. with `--port 0`), waits for its
    /// `mamori: serving on http://ADDR` line on stderr and for `/healthz` to answer 200.
    pub fn start(mut c: Command) -> Server {
        let mut child = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start mamori");
        let stdout = lines_of(child.stdout.take().expect("stdout"));
        let stderr = lines_of(child.stderr.take().expect("stderr"));
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut seen = Vec::new();
        let port = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match stderr.recv_timeout(left) {
                Ok(line) => {
                    if let Some(addr) = line.strip_prefix("mamori: serving on http://") {
                        let port = addr.rsplit_once(':').and_then(|(_, p)| p.parse::<u16>().ok());
                        break port.unwrap_or_else(|| panic!("no port in {line:?}"));
                    }
                    seen.push(line);
                }
                Err(_) => {
                    let _ = child.kill();
                    panic!("the server did not print its address; stderr: {seen:#?}");
                }
            }
        };
        let server = Server { child, port, stdout, stderr };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = server.http("GET", "/healthz", None)
                && r.status == 200
            {
                break;
            }
            assert!(Instant::now() < deadline, "/healthz never answered 200");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// The next line on standard output (waiting up to ten seconds).
    pub fn stdout_line(&self) -> Option<String> {
        self.stdout.recv_timeout(Duration::from_secs(10)).ok()
    }

    /// Every standard-output line printed so far.
    pub fn stdout_so_far(&self) -> Vec<String> {
        self.stdout.try_iter().collect()
    }

    /// Sends SIGTERM and waits for the exit code (graceful shutdown).
    pub fn terminate(mut self) -> i32 {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
        assert!(status.success(), "kill -TERM {pid} failed");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(s) = self.child.try_wait().expect("wait for mamori") {
                let _: Vec<String> = self.stderr.try_iter().collect();
                return s.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "the server did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// One HTTP/1.1 request (`Connection: close`); a JSON body when given.
    pub fn http(&self, method: &str, path: &str, json: Option<&str>) -> std::io::Result<Response> {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port))?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        let body = json.unwrap_or("");
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        if json.is_some() {
            req.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        req.push_str(body);
        s.write_all(req.as_bytes())?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw)?;
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status = lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|c| c.parse().ok()).unwrap_or(0);
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Ok(Response { status, headers, body: body.to_string() })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP response.
#[derive(Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers (lower-case names).
    pub headers: Vec<(String, String)>,
    /// Body (chunked bodies are left as sent).
    pub body: String,
}

impl Response {
    /// Every value of a header.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }
}

/// What the backup, crash and two-server tests need beyond the above.
impl Server {
    /// Kills the server with SIGKILL (no shutdown of any kind) and waits for it.
    pub fn kill_now(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Every standard-error line printed so far.
    pub fn stderr_so_far(&self) -> Vec<String> {
        self.stderr.try_iter().collect()
    }
}

impl Env {
    /// Runs one query returning one text or integer value (as text) on this environment's
    /// database.
    pub fn sql_value(&self, query: &str) -> String {
        let url = match &self.backend {
            Backend::Sqlite => format!("sqlite:{}", self.data_dir().join("mamori.db").display()),
            Backend::Pg(url) => url.clone(),
        };
        let query = query.to_string();
        block_on(async move {
            let db = Db::open_url(&url).await.expect("open the test database");
            let q = mamori_store::sqlx::AssertSqlSafe(query);
            let v: String = match &db {
                Db::Sqlite(p) => mamori_store::sqlx::query_scalar(q).fetch_one(p).await.expect("run SQL"),
                Db::Pg(p) => mamori_store::sqlx::query_scalar(q).fetch_one(p).await.expect("run SQL"),
            };
            db.close().await;
            v
        })
    }
}
