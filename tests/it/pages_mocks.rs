//! Paginated endpoints, continued: typed mocks that write the links and
//! cursors themselves, the blocking iterator, and the page number on each
//! call's span.

use api_client::mock::any;
use api_client::{Pages, api};
use wiremock::MockServer;

use crate::pages::{List, Lists, ListsClient, ListsMock, Repo, repo};

fn client(server: &MockServer) -> ListsClient {
    ListsClient::builder()
        .base_url(server.uri())
        .build()
        .unwrap()
}

#[tokio::test]
async fn typed_mocks_write_links_cursors_page_numbers_and_offsets() {
    let server = MockServer::start().await;
    let mock = ListsMock::new(&server);
    mock.repos(2)
        .pages([
            vec![repo(1), repo(2)],
            vec![repo(3), repo(4)],
            vec![repo(5)],
        ])
        .mount()
        .await;
    mock.customers(2, any())
        .pages([
            List {
                data: vec![repo(1), repo(2)],
                has_more: true,
            },
            List {
                data: vec![repo(3)],
                has_more: false,
            },
        ])
        .mount()
        .await;
    mock.numbered(any(), 2)
        .pages([vec![repo(1), repo(2)], vec![repo(3)]])
        .mount()
        .await;
    mock.rows(any(), 2)
        .pages([vec![repo(1), repo(2)], vec![repo(3), repo(4)]])
        .mount()
        .await;
    let client = client(&server);
    let ids = |items: Vec<Repo>| items.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids(client.repos(2).all().await.unwrap()), [1, 2, 3, 4, 5]);
    assert_eq!(
        ids(client.customers(2, None).all().await.unwrap()),
        [1, 2, 3]
    );
    assert_eq!(
        ids(client.numbered(None, 2).all().await.unwrap()),
        [1, 2, 3]
    );
    assert_eq!(ids(client.rows(None, 2).all().await.unwrap()), [1, 2, 3, 4]);
    // The walks asked for what the mocks served, and no more: 3 link
    // pages, 2 cursor pages, 2 numbered pages (the mock sends the
    // `X-Total-Count` the endpoint reads), 2 offset pages and an empty one.
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        3 + 2 + 2 + 3
    );
}

#[tokio::test]
async fn a_mock_for_other_arguments_does_not_serve_the_walk() {
    let server = MockServer::start().await;
    ListsMock::new(&server)
        .repos(50)
        .pages([vec![repo(1)]])
        .mount()
        .await;
    let error = client(&server).repos(2).all().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
}

#[api(blocking)]
pub trait BlockingLists {
    #[get("/user/repos")]
    #[paginate(link)]
    fn repos(&self, #[query] per_page: u32) -> Pages<Repo>;
}

#[test]
fn the_blocking_flavour_is_an_iterator() {
    let server = api_client::__private::block_on(async { Ok(MockServer::start().await) }).unwrap();
    ListsMock::new(&server)
        .repos(2)
        .pages([vec![repo(1), repo(2)], vec![repo(3)]])
        .mount_blocking();
    let client = BlockingListsClient::builder()
        .base_url(server.uri())
        .build()
        .unwrap();
    let mut ids = Vec::new();
    for item in client.repos(2) {
        ids.push(item.unwrap().id);
    }
    assert_eq!(ids, [1, 2, 3]);
    let two: Vec<u64> = client
        .repos(2)
        .max_items(2)
        .into_iter()
        .map(|r| r.unwrap().id)
        .collect();
    assert_eq!(two, [1, 2]);
}

#[tokio::test]
async fn each_page_call_carries_its_page_number_on_its_span() {
    let server = MockServer::start().await;
    ListsMock::new(&server)
        .repos(1)
        .pages([vec![repo(1)], vec![repo(2)]])
        .mount()
        .await;
    let (logs, _guard) = crate::support::capture_debug_logs();
    client(&server).repos(1).all().await.unwrap();
    let text = logs.text();
    assert!(text.contains("page=1"), "{text}");
    assert!(text.contains("page=2"), "{text}");
}
