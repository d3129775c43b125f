//! Streaming: upload a file without reading it into memory, send a
//! multipart form, and download a large body to a file in constant memory
//! with a progress bar.
//!
//! Runs offline against a local server: `cargo run --example upload_download`.

use api_client::{ByteStream, Part, Result, Upload, api};
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::io::AsyncWriteExt;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[api]
pub trait Storage {
    /// A streamed body: never buffered, never retried.
    #[put("/objects/<name>")]
    async fn put_object(&self, name: &str, #[body] data: Upload) -> Result<()>;

    #[post("/forms")]
    #[multipart]
    async fn submit(
        &self,
        #[part("title")] title: &str,
        #[part("attachment")] file: Part,
    ) -> Result<()>;

    #[get("/objects/<name>")]
    async fn get_object(&self, name: &str) -> Result<ByteStream>;
}

const SIZE: usize = 32 * 1024 * 1024;

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let server = start_local_server().await;
    let storage = StorageClient::builder().base_url(server.uri()).build()?;
    let dir = std::env::temp_dir().join(format!("api-client-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;

    // Upload: the file is streamed from disk with its length and type.
    let source = dir.join("report.csv");
    std::fs::write(&source, "id,value\n1,42\n".repeat(10_000))?;
    storage
        .put_object("report.csv", Upload::file(&source).await?)
        .await?;
    println!(
        "uploaded {} bytes",
        std::fs::metadata(&source).map(|m| m.len()).unwrap_or(0)
    );

    // Multipart: a text field and a file part (content type from the extension).
    storage
        .submit("Quarterly report", Part::file(&source))
        .await?;
    println!("submitted a multipart form");

    // Download 32 MiB to a file, chunk by chunk, with a progress bar.
    let mut stream = storage.get_object("dump.bin").await?;
    let bar = ProgressBar::new(stream.content_length().unwrap_or(0));
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let target = dir.join("dump.bin");
    let mut file = tokio::fs::File::create(&target).await?;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        file.write_all(&chunk).await?;
        bar.inc(chunk.len() as u64);
    }
    file.flush().await?;
    bar.finish();
    let written = std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0);
    println!("downloaded {written} bytes to {}", target.display());
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

async fn start_local_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/forms"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/objects/dump.bin"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![7u8; SIZE]))
        .mount(&server)
        .await;
    server
}
