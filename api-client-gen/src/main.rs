//! `api-client-gen`: writes an api-client module from an OpenAPI document.

use std::path::PathBuf;
use std::process::ExitCode;

use api_client_gen::Options;

const USAGE: &str = "usage: api-client-gen <openapi.json|yaml> [-o out.rs] [options]

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
  --deny-warnings       exit with status 2 when anything is not expressed";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
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
            Long("deny-warnings") => deny = true,
            Short('h') | Long("help") => {
                println!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            Value(path) if input.is_none() => input = Some(path.into()),
            other => return Err(other.unexpected().to_string()),
        }
    }
    let input = input.ok_or("no document given")?;
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
