//! Compile-time checks of `#[api]`: every mistake is one clear error at the
//! user's token (`tests/ui/<area>/<mistake>.rs` with its `.stderr`), and
//! correct declarations compile. Bless with `TRYBUILD=overwrite`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/route/*.rs");
    t.compile_fail("tests/ui/params/*.rs");
    t.compile_fail("tests/ui/method/*.rs");
    t.compile_fail("tests/ui/api/*.rs");
    t.compile_fail("tests/ui/pages/*.rs");
    t.compile_fail("tests/ui/derive/*.rs");
    t.compile_fail("tests/ui/events/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
