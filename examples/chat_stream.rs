//! A chat API that streams its answer token by token, as OpenAI's,
//! Anthropic's or Mistral's do: a POST answered with server-sent events,
//! typed by their `event:` names, ended by `data: [DONE]`.
//!
//! Runs offline: a local imitation of such an API on 127.0.0.1 writes
//! each token as it "thinks" of it. Run it with
//! `cargo run --example chat_stream`.

use std::time::Duration;

use api_client::{Deserialize, Events, Result, api};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One event of the answer, picked by its `event:` name.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// A piece of the text.
    Delta(Delta),
    /// What the answer cost, at its end.
    Usage(Usage),
}

#[derive(Debug, Deserialize)]
pub struct Delta {
    pub text: String,
}

#[derive(Debug, Deserialize)]
pub struct Usage {
    #[serde(rename = "outputTokens")]
    pub output_tokens: u32,
}

#[derive(serde::Serialize)]
pub struct Prompt<'a> {
    pub model: &'a str,
    pub prompt: &'a str,
}

#[api]
pub trait Chat {
    /// Streams the answer to `prompt`.
    #[post("/v1/complete")]
    #[stream(done = "[DONE]")]
    fn complete(&self, #[body] prompt: &Prompt<'_>) -> Events<Answer>;
}

#[tokio::main]
async fn main() -> Result<()> {
    let base = serve_a_chat_api().await;
    let chat = ChatClient::builder()
        .base_url(&base)
        .bearer_auth("sk-local")
        .build()?;

    let prompt = Prompt {
        model: "tiny",
        prompt: "Say hello to the reader.",
    };
    let mut answer = chat.complete(&prompt);
    while let Some(event) = answer.next().await {
        match event? {
            Answer::Delta(delta) => print!("{}", delta.text),
            Answer::Usage(usage) => println!("\n({} tokens)", usage.output_tokens),
        }
    }
    Ok(())
}

/// A local chat API: reads the request, answers with one event per token,
/// a usage event and `[DONE]`, a little apart, over a chunked body.
async fn serve_a_chat_api() -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a local port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(async move {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        let mut request = vec![0u8; 16 * 1024];
        let _ = socket.read(&mut request).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
        let _ = socket.write_all(head.as_bytes()).await;
        let tokens = [
            "Hello", ", ", "reader", "! ", "Events ", "arrive ", "as ", "typed ", "values.",
        ];
        let mut events: Vec<String> = tokens
            .iter()
            .map(|t| format!("event: delta\ndata: {{\"text\": \"{t}\"}}\n\n"))
            .collect();
        events.push("event: usage\ndata: {\"outputTokens\": 9}\n\n".into());
        events.push("data: [DONE]\n\n".into());
        for event in events {
            tokio::time::sleep(Duration::from_millis(60)).await;
            let chunk = format!("{:x}\r\n{event}\r\n", event.len());
            if socket.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
        }
        let _ = socket.write_all(b"0\r\n\r\n").await;
    });
    base
}
