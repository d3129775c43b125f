//! Query and header arguments: scalars, options, sequences, structs.

use api_client::ErrorKind;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{Filter, GitHub, client};

#[tokio::test]
async fn options_are_omitted_and_vectors_repeat_the_key() {
    let server = MockServer::start().await;
    Mock::given(path("/search/repositories"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let gh = client(&server);
    gh.search("q&a=1", None, vec!["web dev".into(), "rust".into()])
        .await
        .unwrap();
    let request = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        request.url.query(),
        Some("type=repo&q=q%26a%3D1&topic=web+dev&topic=rust")
    );
}

#[tokio::test]
async fn a_struct_argument_is_flattened_into_the_query() {
    let server = MockServer::start().await;
    Mock::given(path("/issues"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([{"number": 1, "title": "t"}])),
        )
        .mount(&server)
        .await;
    let filter = Filter {
        state: "open",
        labels: vec!["bug", "p1"],
        page: None,
    };
    let issues = client(&server).issues(&filter).await.unwrap();
    assert_eq!(issues.len(), 1);
    let request = &server.received_requests().await.unwrap()[0];
    assert_eq!(request.url.query(), Some("state=open&labels=bug&labels=p1"));
}

#[tokio::test]
async fn header_values_with_cr_or_lf_are_invalid_requests() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&server)
        .await;
    let gh = client(&server);
    for bad in ["a\r\nX-Injected: 1", "a\nb", "a\rb", "nul\0"] {
        let err = gh.delete_label("o", "r", "n", bad, None).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        let text = err.to_string();
        assert!(text.contains("x-request-id"), "{text}");
        assert!(
            !text.contains("Injected"),
            "the value must not be echoed: {text}"
        );
    }
}

#[derive(serde::Serialize)]
pub struct Window {
    pub from: u32,
    pub to: u32,
}

/// OpenAPI's query styles, as a document declares them.
#[api_client::api]
pub trait Styled {
    #[get("/items")]
    async fn items(
        &self,
        #[query(explode = false)] ids: &[u32],
        #[query(style = "pipeDelimited")] tags: Option<&[&str]>,
        #[query(style = "spaceDelimited", rename = "sort-by")] sort: &[&str],
        #[query(style = "deepObject")] window: &Window,
        #[query(explode = false)] range: &Window,
    ) -> api_client::Result<()>;
}

#[tokio::test]
async fn query_styles_joined_and_deep_objects() {
    let server = MockServer::start().await;
    Mock::given(path("/items"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let c = StyledClient::builder()
        .base_url(server.uri())
        .build()
        .unwrap();
    let window = Window { from: 1, to: 9 };
    c.items(
        &[3, 4],
        Some(&["a|b", "c"]),
        &["name", "-date"],
        &window,
        &window,
    )
    .await
    .unwrap();
    c.items(&[], None, &["x y"], &window, &window)
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests[0].url.query(),
        Some(
            "ids=3,4&tags=a%7Cb%7Cc&sort-by=name%20-date\
             &window%5Bfrom%5D=1&window%5Bto%5D=9&range=from,1,to,9"
        )
    );
    // The pipe inside `a|b` is encoded like the delimiter: a server that
    // splits after decoding cannot tell them apart (OpenAPI has no escape
    // for it). An empty list sends nothing; a space in a value is `+`.
    assert_eq!(
        requests[1].url.query(),
        Some("sort-by=x+y&window%5Bfrom%5D=1&window%5Bto%5D=9&range=from,1,to,9")
    );
    // What the server reads back: the values, split at the delimiter.
    let pairs: Vec<(String, String)> = requests[0].url.query_pairs().into_owned().collect();
    assert!(
        pairs.contains(&("window[to]".into(), "9".into())),
        "{pairs:?}"
    );
    assert!(
        pairs.contains(&("sort-by".into(), "name -date".into())),
        "{pairs:?}"
    );

    // The generated mock expects the request the client sends.
    let mocked = MockServer::start().await;
    let mock = StyledMock::new(&mocked);
    let (ids, sort): (&[u32], &[&str]) = (&[3, 4], &["name"]);
    mock.items(ids, None, sort, &window, &window)
        .responds(204)
        .expect(1)
        .mount()
        .await;
    let c = StyledClient::builder()
        .base_url(mocked.uri())
        .build()
        .unwrap();
    c.items(&[3, 4], None, &["name"], &window, &window)
        .await
        .unwrap();
}
