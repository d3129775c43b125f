//! Forms, multipart, streamed uploads and downloads, decompression.

use std::io::Write as _;
use std::time::Duration;

use api_client::{ByteStream, ErrorKind, Part, Result, Upload, api};
use futures_util::StreamExt;
use garde::Validate;
use serde::Serialize;
use serde_json::json;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::misbehaving::{self, Behaviour};

#[derive(Serialize, Validate)]
pub struct Login<'a> {
    #[garde(length(min = 1))]
    pub user: &'a str,
    #[garde(skip)]
    pub remember: Option<bool>,
}

#[api]
pub trait Files {
    #[post("/login")]
    async fn login(
        &self,
        #[form] login: &Login<'_>,
        #[field("scope")] scope: &[&str],
    ) -> Result<()>;

    #[post("/token")]
    async fn token(
        &self,
        #[field("grant_type")] grant: &str,
        #[field("code")] code: Option<&str>,
    ) -> Result<()>;

    #[post("/upload")]
    #[multipart]
    async fn upload(
        &self,
        #[part("title")] title: &str,
        #[part("raw")] raw: Vec<u8>,
        #[part("file")] file: Part,
        #[part("meta")] meta: Part,
        #[part("note")] note: Option<String>,
    ) -> Result<()>;

    #[put("/blobs/<name>")]
    async fn put_blob(&self, name: &str, #[body] data: Upload) -> Result<()>;

    #[get("/blobs/<name>")]
    async fn get_blob(&self, name: &str) -> Result<ByteStream>;

    #[get("/json")]
    async fn json(&self) -> Result<serde_json::Value>;
}

fn client(base: &str) -> FilesClient {
    FilesClient::builder().base_url(base).build().unwrap()
}

fn temp_file(name: &str, content: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("api-client-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(content)
        .unwrap();
    path
}

#[tokio::test]
async fn forms_and_fields_are_urlencoded_and_validated() {
    let server = MockServer::start().await;
    Mock::given(path("/login"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(
            "user=ann+lee&remember=true&scope=read&scope=write",
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/token"))
        .and(body_string("grant_type=client_credentials"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server.uri());
    c.login(
        &Login {
            user: "ann lee",
            remember: Some(true),
        },
        &["read", "write"],
    )
    .await
    .unwrap();
    c.token("client_credentials", None).await.unwrap();
    let err = c
        .login(
            &Login {
                user: "",
                remember: None,
            },
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Validation, 0));
    assert_eq!(err.violations()[0].path(), "$.user");
}

/// The parts of a multipart body: (headers, content) by name.
fn parts(content_type: &str, body: &[u8]) -> Vec<(String, Vec<u8>)> {
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .unwrap()
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let text = body.to_vec();
    let mut out = Vec::new();
    let mut rest = &text[..];
    while let Some(start) = find(rest, delimiter.as_bytes()) {
        rest = &rest[start + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let head_end = find(rest, b"\r\n\r\n").unwrap();
        let head = String::from_utf8(rest[..head_end].to_vec()).unwrap();
        let content_start = head_end + 4;
        let next = find(&rest[content_start..], delimiter.as_bytes()).unwrap();
        out.push((head, rest[content_start..content_start + next - 2].to_vec()));
        rest = &rest[content_start + next..];
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test]
async fn multipart_text_bytes_files_and_json() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/upload"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    let png = temp_file("avatar.png", b"\x89PNG fake image");
    client(&server.uri())
        .upload(
            "My avatar",
            vec![0, 1, 2, 255],
            Part::file(&png),
            Part::json(&json!({"alt": "me"})).unwrap(),
            None,
        )
        .await
        .unwrap();
    let request = &server.received_requests().await.unwrap()[0];
    let content_type = request.headers["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    let parts = parts(content_type, &request.body);
    assert_eq!(parts.len(), 4, "the None part is omitted");
    assert!(parts[0].0.contains("name=\"title\"") && parts[0].1 == b"My avatar");
    assert!(parts[1].0.contains("name=\"raw\"") && parts[1].1 == [0, 1, 2, 255]);
    assert!(
        parts[2]
            .0
            .contains("name=\"file\"; filename=\"avatar.png\""),
        "{}",
        parts[2].0
    );
    assert!(parts[2].0.contains("image/png"), "{}", parts[2].0);
    assert_eq!(parts[2].1, b"\x89PNG fake image");
    assert!(parts[3].0.contains("application/json") && parts[3].1 == br#"{"alt":"me"}"#);
}

#[tokio::test]
async fn a_missing_file_is_an_invalid_request() {
    let server = MockServer::start().await;
    Mock::given(path("/upload"))
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .upload(
            "t",
            vec![],
            Part::file("/nonexistent/file.bin"),
            Part::text("x"),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(
        err.to_string()
            .contains("cannot open `/nonexistent/file.bin` for upload"),
        "{err}"
    );
}

#[tokio::test]
async fn uploads_stream_files_and_are_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/blobs/a"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/blobs/b"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let file = temp_file("blob.bin", &content);
    let c = client(&server.uri());
    // PUT is idempotent, but a streamed body cannot be sent twice.
    let err = c
        .put_blob("a", Upload::file(&file).await.unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        (err.status().map(|s| s.as_u16()), err.attempts()),
        (Some(503), 1)
    );

    c.put_blob("b", Upload::file(&file).await.unwrap())
        .await
        .unwrap();
    let chunks = futures_util::stream::iter(vec![
        Ok::<_, std::io::Error>(api_client::Bytes::from_static(b"hello ")),
        Ok(api_client::Bytes::from_static(b"world")),
    ]);
    c.put_blob("b", Upload::stream(chunks).content_type("text/plain"))
        .await
        .unwrap();
    let received = server.received_requests().await.unwrap();
    let from_file = &received[1];
    assert_eq!(from_file.body, content);
    assert_eq!(from_file.headers["content-length"], "200000");
    assert_eq!(
        from_file.headers["content-type"],
        "application/octet-stream"
    );
    let from_stream = &received[2];
    assert_eq!(from_stream.body, b"hello world");
    assert_eq!(from_stream.headers["transfer-encoding"], "chunked");
    assert_eq!(from_stream.headers["content-type"], "text/plain");
}

#[tokio::test]
async fn downloads_stream_in_chunks_without_the_body_limit() {
    let server = MockServer::start().await;
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
    Mock::given(path("/blobs/big"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(big.clone()))
        .mount(&server)
        .await;
    let c = FilesClient::builder()
        .base_url(server.uri())
        .max_body_size(1024)
        .build()
        .unwrap();
    let mut stream = c.get_blob("big").await.unwrap();
    assert_eq!(stream.content_length(), Some(3_000_000));
    assert_eq!(stream.status().as_u16(), 200);
    let mut received = Vec::new();
    let mut chunks = 0;
    while let Some(chunk) = stream.next().await {
        received.extend_from_slice(&chunk.unwrap());
        chunks += 1;
    }
    assert_eq!(received, big);
    assert!(chunks > 1, "streamed in {chunks} chunks");
}

#[tokio::test]
async fn a_slow_download_is_bounded_by_the_read_timeout_not_the_deadline() {
    let server = misbehaving::start(Behaviour::Trickle).await;
    let c = FilesClient::builder()
        .base_url(&server.base)
        .read_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    // 1.6 s of body against a 500 ms deadline: the deadline covers the head.
    let stream = c
        .with_timeout(Duration::from_millis(500))
        .get_blob("x")
        .await
        .unwrap();
    let body: Vec<u8> = stream
        .map(|c| c.unwrap().to_vec())
        .collect::<Vec<_>>()
        .await
        .concat();
    assert_eq!(body, b"1234567890123456");
    // A stall mid-body is a body timeout from the stream.
    let stalled = misbehaving::start(Behaviour::HeadersThenStall).await;
    let c = FilesClient::builder()
        .base_url(&stalled.base)
        .read_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let mut stream = c.get_blob("x").await.unwrap();
    let err = stream.next().await.unwrap().unwrap_err();
    assert_eq!(
        err.timeout_phase(),
        Some(api_client::TimeoutPhase::Body),
        "{err:?}"
    );
    assert!(
        stream.next().await.is_none(),
        "the stream ends after an error"
    );
}

#[tokio::test]
async fn a_download_error_status_is_an_error_before_any_chunk() {
    let server = MockServer::start().await;
    Mock::given(path("/blobs/gone"))
        .respond_with(ResponseTemplate::new(410).set_body_string("gone"))
        .mount(&server)
        .await;
    let err = client(&server.uri()).get_blob("gone").await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(410));
}

#[tokio::test]
async fn gzip_bodies_are_decompressed() {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(br#"{"zipped": true}"#).unwrap();
    let server = MockServer::start().await;
    Mock::given(path("/json"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .insert_header("content-type", "application/json")
                .set_body_bytes(encoder.finish().unwrap()),
        )
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server.uri()).json().await.unwrap(),
        json!({"zipped": true})
    );
    let sent = server.received_requests().await.unwrap()[0].headers["accept-encoding"]
        .to_str()
        .unwrap()
        .to_owned();
    for encoding in ["gzip", "br", "zstd", "deflate"] {
        assert!(sent.contains(encoding), "{sent}");
    }
}
