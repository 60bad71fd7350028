//! Fixture for scripts/test-self: one test passes; the other aborts the whole test binary
//! when `SELFTEST_CRASH` is set (and passes otherwise, so the same fixture shows a green run).

#[test]
fn adds() {
    assert_eq!(selftest_crash::add(1, 1), 2);
}

#[test]
fn aborts_when_asked() {
    if std::env::var_os("SELFTEST_CRASH").is_some() {
        std::process::abort();
    }
}
