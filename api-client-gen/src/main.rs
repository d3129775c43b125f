//! `api-client-gen`: writes an api-client module from an OpenAPI document.

use std::path::PathBuf;
use std::process::ExitCode;

use api_client_gen::Options;

const USAGE: &str = "usage: api-client-gen <openapi.json|yaml> [-o out.rs] [options]
       api-client-gen check <api.rs> --against <openapi.json|yaml>
       api-client-gen export <api.rs> [-o openapi.json] [--title TITLE]

  check                 list every mismatch between the #[api] traits of a
                        Rust file and a published document (status 1 if any)
  export                the OpenAPI description of the #[api] traits of a
                        Rust file

  -o, --output FILE     write the module to FILE (default: standard output)
  --trait-name NAME     the trait's name (default: from info.title)
  --per-tag             one trait per tag
  --tag TAG             only operations with this tag (repeatable)
  --path PREFIX         only paths starting with PREFIX (repeatable)
  --operation ID        only this operationId (repeatable)
  --chrono              date-time/date as chrono types
  --uuid                uuid as uuid::Uuid
  --url                 uri/url as url::Url
  --no-validate         no garde derives or rules
  --all-schemas         also the component schemas no method uses
  --all-derives         Serialize and Deserialize on every model
  --lean                structs derive no PartialEq (a quarter off a huge build)
  --deny-warnings       exit with status 2 when anything is not expressed";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}\n(`api-client-gen --help` for usage)");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let mut args = std::env::args_os().skip(1).peekable();
    match args.peek().and_then(|a| a.to_str()) {
        Some("check") => contract(args.skip(1), true),
        Some("export") => contract(args.skip(1), false),
        _ => generate(args),
    }
}

/// What `check` and `export` are given.
#[derive(Default)]
struct ContractArgs {
    source: Option<PathBuf>,
    against: Option<PathBuf>,
    output: Option<PathBuf>,
    title: Option<String>,
}

/// `check` and `export`: a Rust source, and the document or the output.
fn contract(
    args: impl Iterator<Item = std::ffi::OsString>,
    check: bool,
) -> Result<ExitCode, String> {
    let args = contract_args(args, check)?;
    let source = args.source.ok_or("no Rust source given")?;
    let text = read(&source)?;
    if check {
        let against = args.against.ok_or("`check` needs `--against <document>`")?;
        let mismatches =
            api_client_gen::check(&text, &read(&against)?).map_err(|e| e.to_string())?;
        for mismatch in &mismatches {
            println!("{mismatch}");
        }
        eprintln!(
            "{} mismatch(es) between {} and {}",
            mismatches.len(),
            source.display(),
            against.display()
        );
        return Ok(match mismatches.is_empty() {
            true => ExitCode::SUCCESS,
            false => ExitCode::FAILURE,
        });
    }
    let title = args.title.unwrap_or_else(|| {
        source
            .file_stem()
            .map_or("API".into(), |s| s.to_string_lossy().into_owned())
    });
    let json =
        api_client_gen::export(&text, &title).map_err(|e| format!("{}: {e}", source.display()))?;
    match args.output {
        Some(path) => std::fs::write(&path, json)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => println!("{json}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// The arguments of `check` (`check`) or `export`.
fn contract_args(
    args: impl Iterator<Item = std::ffi::OsString>,
    check: bool,
) -> Result<ContractArgs, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut out = ContractArgs::default();
    let value = |parser: &mut lexopt::Parser| parser.value().map_err(|e| e.to_string());
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Long("against") if check => out.against = Some(value(&mut parser)?.into()),
            Short('o') | Long("output") if !check => out.output = Some(value(&mut parser)?.into()),
            Long("title") if !check => {
                let title = value(&mut parser)?.string().map_err(|e| e.to_string())?;
                out.title = Some(title);
            }
            Value(path) if out.source.is_none() => out.source = Some(path.into()),
            other => return Err(other.unexpected().to_string()),
        }
    }
    Ok(out)
}

fn read(path: &std::path::Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn generate(args: impl Iterator<Item = std::ffi::OsString>) -> Result<ExitCode, String> {
    let Some((input, output, options, deny)) = generate_args(args)? else {
        println!("{USAGE}");
        return Ok(ExitCode::SUCCESS);
    };
    let text = std::fs::read_to_string(&input)
        .map_err(|e| format!("cannot read {}: {e}", input.display()))?;
    let generated = api_client_gen::generate(&text, &options)
        .map_err(|e| format!("{}: {e}", input.display()))?;
    match &output {
        Some(path) => std::fs::write(path, &generated.code)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => print!("{}", generated.code),
    }
    for warning in &generated.warnings {
        eprintln!("warning: {warning}");
    }
    if !generated.dependencies.is_empty() {
        eprintln!(
            "note: the module also needs these crates: {}",
            generated.dependencies.join(", ")
        );
    }
    Ok(if deny && !generated.warnings.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// The document, the output, the options and `--deny-warnings`; `None`
/// for `--help`.
#[allow(clippy::type_complexity)]
fn generate_args(
    args: impl Iterator<Item = std::ffi::OsString>,
) -> Result<Option<(PathBuf, Option<PathBuf>, Options, bool)>, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut options = Options::default();
    let (mut input, mut output, mut deny) = (None::<PathBuf>, None::<PathBuf>, false);
    let text = |parser: &mut lexopt::Parser| -> Result<String, String> {
        parser
            .value()
            .map_err(|e| e.to_string())?
            .into_string()
            .map_err(|_| "an argument is not UTF-8".to_owned())
    };
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Short('o') | Long("output") => output = Some(text(&mut parser)?.into()),
            Long("trait-name") => options.trait_name = Some(text(&mut parser)?),
            Long("per-tag") => options.per_tag = true,
            Long("tag") => options.tags.push(text(&mut parser)?),
            Long("path") => options.paths.push(text(&mut parser)?),
            Long("operation") => options.operations.push(text(&mut parser)?),
            Long("chrono") => options.chrono = true,
            Long("uuid") => options.uuid = true,
            Long("url") => options.url = true,
            Long("no-validate") => options.no_validate = true,
            Long("all-schemas") => options.all_schemas = true,
            Long("all-derives") => options.all_derives = true,
            Long("lean") => options.lean = true,
            Long("deny-warnings") => deny = true,
            Short('h') | Long("help") => return Ok(None),
            Value(path) if input.is_none() => input = Some(path.into()),
            other => return Err(other.unexpected().to_string()),
        }
    }
    let input = input.ok_or("no document given")?;
    Ok(Some((input, output, options, deny)))
}
