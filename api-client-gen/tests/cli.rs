//! The command line and the `build.rs` entry point: exit statuses, files
//! written, and the file left alone when nothing changed.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("api-client-gen-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_api-client-gen"))
        .args(args)
        .output()
        .unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (
        out.status.code().unwrap_or(-1),
        text(out.stdout),
        text(out.stderr),
    )
}

#[test]
fn generate_warn_and_deny_warnings() {
    let dir = scratch("cli");
    let out = dir.join("constructs.rs");
    let (code, _, stderr) = run(&[
        fixture("constructs.yaml").as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("pub trait Constructs")
    );
    assert!(
        stderr.contains("warning: securitySchemes.cookieKey: an API key in a cookie"),
        "{stderr}"
    );
    assert!(
        stderr.contains("note: the module also needs these crates: garde, serde_json"),
        "{stderr}"
    );
    let (code, _, _) = run(&[
        fixture("constructs.yaml").as_os_str(),
        "--deny-warnings".as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(code, 2);
    let (code, _, stderr) = run(&["--nonsense".as_ref()]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("--nonsense") && stderr.contains("--help"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn check_and_export() {
    let dir = scratch("contract");
    let module = dir.join("petstore.rs");
    run(&[
        fixture("petstore-3.0.yaml").as_os_str(),
        "-o".as_ref(),
        module.as_os_str(),
    ]);
    let (code, stdout, stderr) = run(&[
        "check".as_ref(),
        module.as_os_str(),
        "--against".as_ref(),
        fixture("petstore-3.0.yaml").as_os_str(),
    ]);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    let edited = std::fs::read_to_string(&module)
        .unwrap()
        .replace("#[get(\"/store/inventory\")]", "#[get(\"/store/stock\")]");
    std::fs::write(&module, edited).unwrap();
    let (code, stdout, _) = run(&[
        "check".as_ref(),
        module.as_os_str(),
        "--against".as_ref(),
        fixture("petstore-3.0.yaml").as_os_str(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        stdout.trim(),
        "get_inventory: `GET /store/stock`: the document has no such path"
    );
    let (code, stdout, _) = run(&[
        "export".as_ref(),
        module.as_os_str(),
        "--title".as_ref(),
        "Pets".as_ref(),
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!((code, json["info"]["title"].as_str()), (0, Some("Pets")));
    assert!(json["paths"]["/store/stock"]["get"].is_object());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn generate_file_rewrites_only_a_changed_module() {
    let dir = scratch("build-rs");
    let out = dir.join("api.rs");
    let options = api_client_gen::Options::default();
    let warnings =
        api_client_gen::generate_file(fixture("constructs.yaml"), &out, &options).unwrap();
    assert!(!warnings.is_empty());
    let written = std::fs::metadata(&out).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    api_client_gen::generate_file(fixture("constructs.yaml"), &out, &options).unwrap();
    assert_eq!(
        std::fs::metadata(&out).unwrap().modified().unwrap(),
        written,
        "an unchanged module is not rewritten"
    );
    let err = api_client_gen::generate_file(dir.join("missing.yaml"), &out, &options).unwrap_err();
    assert!(
        err.to_string().contains("cannot read") && err.to_string().contains("missing.yaml"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
