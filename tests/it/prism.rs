//! Generated clients against Prism (npm `@stoplight/prism-cli`), a mock
//! server nobody here wrote that serves the same OpenAPI document and
//! validates every request against it: path, query, header, body and
//! error responses, for the Petstore in OpenAPI 3.0 and 3.1.
//!
//! `.ci/run` installs Prism into `.ci/node`; `PRISM` may name another
//! binary. Without one the tests say so and pass, but under CI (`CI` set)
//! Prism is required.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use api_client::ErrorKind;
use tokio::net::{TcpListener, TcpStream};

/// A Prism process, killed on drop.
struct Prism {
    url: String,
    child: Child,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("PRISM").map(PathBuf::from),
        Some(root.join(".ci/node/node_modules/.bin/prism")),
    ];
    candidates.into_iter().flatten().find(|p| p.exists())
}

/// Prism serving `document` (a fixture of api-client-gen), or `None` when
/// it is not installed and not required.
async fn prism(document: &str) -> Option<Prism> {
    let Some(binary) = binary() else {
        assert!(
            std::env::var_os("CI").is_none_or(|v| v.is_empty()),
            "CI requires Prism: run .ci/run, or set PRISM"
        );
        eprintln!("Prism is not installed (.ci/run installs it): skipped");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let document = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("api-client-gen/tests/fixtures")
        .join(document);
    let child = Command::new(binary)
        .args([
            "mock",
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--errors",
        ])
        .arg(&document)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Prism starts");
    let prism = Prism {
        url: format!("http://127.0.0.1:{port}"),
        child,
    };
    // Node takes a few seconds to start: bounded at 60 s.
    for _ in 0..600 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Some(prism);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("Prism did not listen on {port} within 60 s");
}

/// The calls, for a generated Petstore module (3.0's and 3.1's differ in
/// their upload operation only).
macro_rules! exercise {
    ($module:path, $document:literal) => {{
        use store::{
            FindPetsByStatusStatusItem, Order, OrderStatus, Pet, SwaggerPetstore,
            SwaggerPetstoreClient,
        };
        use $module as store;
        let Some(prism) = prism($document).await else {
            return;
        };
        let client = |prefer: Option<&str>| {
            // The document's two schemes: an OAuth2 token for the pet
            // operations, the `api_key` header for the store's.
            let mut builder = SwaggerPetstoreClient::builder()
                .base_url(&prism.url)
                .bearer_auth("oauth-token")
                .header("api_key", "special-key")
                .no_retry();
            if let Some(prefer) = prefer {
                builder = builder.header("Prefer", prefer);
            }
            builder.build().unwrap()
        };
        let store = client(None);

        // Path, query (an enum array), header and JSON body: Prism checks
        // each request against the document and answers with its examples;
        // a request it finds invalid carries an `sl-violations` header.
        let pet: Pet = store.get_pet_by_id(1).await.unwrap();
        assert!(!pet.name.is_empty());
        let pets = store
            .find_pets_by_status(&[
                FindPetsByStatusStatusItem::Available,
                FindPetsByStatusStatusItem::Sold,
            ])
            .await
            .unwrap();
        assert!(pets.iter().all(|p| !p.name.is_empty()));
        let order = Order {
            pet_id: Some(1),
            quantity: Some(2),
            status: Some(OrderStatus::Placed),
            ..Order::default()
        };
        let placed = store.place_order(&order).await.unwrap();
        assert!(placed.id.is_some(), "{placed:?}");
        // `DELETE /pet/{petId}` declares no success response, only 400
        // and 404: Prism answers a valid request with the first.
        let err = store.delete_pet(1, Some("k-1")).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(400), "{err}");
        assert!(
            err.headers().and_then(|h| h.get("sl-violations")).is_none(),
            "the request was valid: {err}"
        );

        // The document's error responses, as Prism serves them.
        let err = client(Some("code=404")).get_pet_by_id(1).await.unwrap_err();
        assert_eq!(
            (err.kind(), err.status().map(|s| s.as_u16())),
            (ErrorKind::Status, Some(404)),
            "{err}"
        );
    }};
}

#[tokio::test]
async fn petstore_3_0_against_prism() {
    exercise!(super::generated::petstore, "petstore-3.0.yaml");
}

#[tokio::test]
async fn petstore_3_1_against_prism() {
    exercise!(super::generated::petstore31, "petstore-3.1.yaml");
}

/// Prism does validate: a declaration that leaves out a required query
/// parameter is refused (the document's 400, with the violations in
/// `sl-violations`), as the contract check reports it.
#[tokio::test]
async fn prism_refuses_what_the_document_does_not_allow() {
    #[api_client::api]
    trait Drifted {
        #[get("/pet/findByStatus")]
        async fn find(&self) -> api_client::Result<()>;
    }
    let Some(prism) = prism("petstore-3.0.yaml").await else {
        return;
    };
    let drifted = DriftedClient::builder()
        .base_url(&prism.url)
        .bearer_auth("oauth-token")
        .no_retry()
        .build()
        .unwrap();
    let err = drifted.find().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400), "{err}");
    let violations = err
        .headers()
        .and_then(|h| h.get("sl-violations"))
        .expect("Prism lists the violations");
    assert!(
        violations.to_str().unwrap().contains("status"),
        "{violations:?}"
    );
}

/// Query styles against a server that parses them: `explode: false`
/// (`fields=id,count`) and `deepObject` (`filter[color]=blue`) are sent
/// as the document says, and Prism, which splits and checks each value
/// against its enum, accepts them; the same parameters with a value the
/// document does not allow are refused, naming the parameter.
#[tokio::test]
async fn query_styles_against_prism() {
    use super::generated::constructs::{
        ConstructsAuth, ConstructsClient, GetWidgetFieldsItem as Field, GetWidgetFilter,
        GetWidgetFilterColor, Problem,
    };
    #[api_client::api]
    trait Loose {
        #[get("/widgets/<id>")]
        async fn widget(
            &self,
            id: &str,
            #[query(explode = false)] fields: &[&str],
            #[query(style = "deepObject")] filter: &std::collections::BTreeMap<&str, &str>,
        ) -> api_client::Result<()>;
    }
    // The document's `widgetId` is a UUID.
    const ID: &str = "7f3c5a9e-2b1d-4c8e-9f6a-0b1c2d3e4f5a";
    let Some(prism) = prism("constructs.yaml").await else {
        return;
    };
    // A valid request gets the document's 404 (`Prefer: code=404`), a
    // `Problem` that is simple to check; an invalid one gets Prism's 422.
    let client = ConstructsClient::builder()
        .base_url(&prism.url)
        .with_bearer("t0ken")
        .header("Prefer", "code=404")
        .no_retry()
        .build()
        .unwrap();
    use super::generated::constructs::Constructs;
    let filter = GetWidgetFilter {
        color: Some(GetWidgetFilterColor::Blue),
        size: Some(2),
    };
    let err = client
        .get_widget(
            ID,
            None,
            None,
            Some(&[Field::Id, Field::Count]),
            Some(&filter),
            Some("s1"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err}");
    assert!(err.api_error::<Problem>().is_some(), "{err}");

    let loose = LooseClient::builder()
        .base_url(&prism.url)
        .bearer_auth("t0ken")
        .header("Prefer", "code=404")
        .no_retry()
        .build()
        .unwrap();
    let refused = |err: api_client::Error, name: &str| {
        assert!(err.status().is_some_and(|s| s.is_client_error()), "{err}");
        // Prism's 422 lists the violations in its body.
        let body = String::from_utf8_lossy(err.body().expect("Prism says why"));
        let place = format!(r#""location":["query","{name}"#);
        assert!(body.contains(&place), "{body}");
    };
    let colors = std::collections::BTreeMap::from([("color", "blue")]);
    let err = loose
        .widget(ID, &["id", "bogus"], &colors)
        .await
        .unwrap_err();
    refused(err, "fields");
    let green = std::collections::BTreeMap::from([("color", "green")]);
    let err = loose.widget(ID, &["id"], &green).await.unwrap_err();
    refused(err, "filter");
    // And the loose client's valid call is accepted, as the generated one.
    let err = loose
        .widget(ID, &["id", "name"], &colors)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err}");
}
