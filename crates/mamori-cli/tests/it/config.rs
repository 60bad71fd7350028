//! Configuration: unknown keys and variables are errors; flag beats environment beats file;
//! and `reminders send` (which needs the SMTP settings).

use crate::support::{Env, output};

#[test]
fn unknown_config_keys_are_errors() {
    let env = Env::sqlite();
    let bad = env.write("bad.toml", "prot = 8080\n");
    let out = env.run(&["migrate", "--config", bad.to_str().unwrap()]).code(2);
    assert!(out.stderr.contains("invalid config file"), "{out:?}");
    assert!(out.stderr.contains("prot"), "{out:?}");
    let nested = env.write("nested.toml", "[smtp]\nhots = \"mail.example.jp\"\n");
    let out = env.run(&["migrate", "--config", nested.to_str().unwrap()]).code(2);
    assert!(out.stderr.contains("hots"), "{out:?}");
    let missing = env.run(&["migrate", "--config", env.path("missing.toml").to_str().unwrap()]).code(2);
    assert!(missing.stderr.contains("cannot read config file"), "{missing:?}");
    let good = env.write("good.toml", "port = 9000\nsecure_cookies = true\n");
    env.run(&["migrate", "--config", good.to_str().unwrap()]).ok();
}

#[test]
fn unknown_mamori_variables_are_errors_but_test_variables_are_not() {
    let env = Env::sqlite();
    let out = output({
        let mut c = env.cmd();
        c.env("MAMORI_PROT", "8080").arg("migrate");
        c
    })
    .code(2);
    assert!(out.stderr.contains("unknown environment variable MAMORI_PROT"), "{out:?}");
    output({
        let mut c = env.cmd();
        c.env("MAMORI_TEST_ANYTHING", "1").arg("migrate");
        c
    })
    .ok();
    let out = output({
        let mut c = env.cmd();
        c.env("MAMORI_SECURE_COOKIES", "maybe").arg("migrate");
        c
    })
    .code(2);
    assert!(out.stderr.contains("MAMORI_SECURE_COOKIES: expected true or false"), "{out:?}");
    let out = output({
        let mut c = env.cmd();
        c.env("MAMORI_LOG_FORMAT", "xml").arg("migrate");
        c
    })
    .code(2);
    assert!(out.stderr.contains("log_format"), "{out:?}");
}

#[test]
fn data_dir_flag_beats_environment_beats_file() {
    let env = Env::sqlite();
    let file = env.write("mamori.toml", format!("data_dir = {:?}\n", env.path("from-file").display().to_string()));
    let db_in = |dir: &str| env.path(dir).join("mamori.db").is_file();
    // File only (via --config).
    output({
        let mut c = env.bare();
        c.arg("--config").arg(&file).arg("migrate");
        c
    })
    .ok();
    assert!(db_in("from-file"));
    assert!(!env.path("mamori-data").exists(), "the default is not used");
    // File via MAMORI_CONFIG, overridden by MAMORI_DATA_DIR.
    output({
        let mut c = env.bare();
        c.env("MAMORI_CONFIG", &file).env("MAMORI_DATA_DIR", env.path("from-env")).arg("migrate");
        c
    })
    .ok();
    assert!(db_in("from-env"));
    // All three: the flag wins.
    output({
        let mut c = env.bare();
        c.env("MAMORI_CONFIG", &file)
            .env("MAMORI_DATA_DIR", env.path("from-env-2"))
            .arg("--data-dir")
            .arg(env.path("from-flag"))
            .arg("migrate");
        c
    })
    .ok();
    assert!(db_in("from-flag"));
    assert!(!env.path("from-env-2").exists());
    // None: ./mamori-data in the working directory.
    output({
        let mut c = env.bare();
        c.arg("migrate");
        c
    })
    .ok();
    assert!(db_in("mamori-data"));
}

#[test]
fn database_url_flag_beats_environment_beats_file() {
    let env = Env::sqlite();
    let url = |name: &str| format!("sqlite:{}", env.path(name).display());
    let file = env.write("mamori.toml", format!("database_url = {:?}\n", url("file.db")));
    let org_add = |c: &mut std::process::Command, slug: &str| {
        c.args(["--config", file.to_str().unwrap(), "org", "add", "--slug", slug, "--name", slug]);
    };
    output({
        let mut c = env.bare();
        org_add(&mut c, "viafile");
        c
    })
    .ok();
    output({
        let mut c = env.bare();
        c.env("MAMORI_DATABASE_URL", url("env.db"));
        org_add(&mut c, "viaenv");
        c
    })
    .ok();
    output({
        let mut c = env.bare();
        c.env("MAMORI_DATABASE_URL", url("env.db")).arg("--database-url").arg(url("flag.db"));
        org_add(&mut c, "viaflag");
        c
    })
    .ok();
    let orgs_in = |db: &str| {
        output({
            let mut c = env.bare();
            c.arg("--database-url").arg(url(db)).args(["org", "list"]);
            c
        })
        .ok()
        .stdout
    };
    assert_eq!(orgs_in("file.db"), "viafile\tviafile\n");
    assert_eq!(orgs_in("env.db"), "viaenv\tviaenv\n");
    assert_eq!(orgs_in("flag.db"), "viaflag\tviaflag\n");
    assert!(!env.path("mamori-data").exists(), "a URL replaces the data directory's database");

    let bad = env.run(&["--database-url", "mysql://localhost/x", "migrate"]).code(2);
    assert!(bad.stderr.contains("cannot open database mysql://localhost/x"), "{bad:?}");
}

#[test]
fn reminders_send_without_smtp_is_an_error() {
    let env = Env::sqlite();
    env.org_with_regulation("acme");
    let out = env.run(&["reminders", "send"]).code(2);
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, "mamori: error: no SMTP server configured (smtp.host or MAMORI_SMTP_HOST)\n");
    // A host without a sender is a configuration error.
    let out = output({
        let mut c = env.cmd();
        c.env("MAMORI_SMTP_HOST", "127.0.0.1").args(["reminders", "send"]);
        c
    })
    .code(2);
    assert!(out.stderr.contains("smtp.from (MAMORI_SMTP_FROM) is required"), "{out:?}");
}

#[test]
fn reminders_send_with_nothing_due_sends_nothing() {
    // An organisation without a regulation has no duties, so nothing is due whatever the date;
    // the SMTP server is never contacted.
    let env = Env::sqlite();
    env.org("acme");
    let smtp = env.write(
        "smtp.toml",
        "[smtp]\nhost = \"127.0.0.1\"\nport = 9\nsecurity = \"none\"\nfrom = \"isms@example.jp\"\n",
    );
    let out = env.run(&["--config", smtp.to_str().unwrap(), "reminders", "send"]).ok();
    assert_eq!(out.stdout, "queued 0, sent 0, failed 0\n");
}
