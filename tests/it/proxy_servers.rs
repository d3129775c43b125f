//! Proxies for the proxy tests: the real ones when installed (tinyproxy
//! for HTTP, dante for SOCKS5: `.ci/run` installs both from Debian), else
//! small in-tree ones so that `cargo test` passes on a machine without
//! them. Under CI (`CI` set) the real ones are required.
//!
//! Every proxy listens on 127.0.0.1, serves a bounded number of
//! connections and records what it was asked (in-tree ones), or logs it
//! (real ones: the tests then check what the destination saw).

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A running proxy; a real one is killed when this is dropped.
pub struct Proxy {
    pub url: String,
    /// What an in-tree proxy was asked: `CONNECT host:port`,
    /// `GET http://…`, `SOCKS host:port`, with `auth` when credentials came.
    pub seen: Arc<Mutex<Vec<String>>>,
    pub real: bool,
    child: Option<Child>,
    /// A real proxy's log file.
    log: Option<std::path::PathBuf>,
    _dir: Option<TempDir>,
}

impl Proxy {
    /// What the proxy was asked, as one text: the in-tree proxy's record,
    /// or the real proxy's log.
    pub fn log(&self) -> String {
        match &self.log {
            Some(path) => std::fs::read_to_string(path).unwrap_or_default(),
            None => self.seen.lock().unwrap().join("\n"),
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A directory removed on drop.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("api-client-{name}-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    TempDir(dir)
}

fn find(binary: &str) -> Option<std::path::PathBuf> {
    ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"]
        .iter()
        .map(|dir| std::path::Path::new(dir).join(binary))
        .find(|path| path.exists())
}

fn required() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

async fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// Waits (bounded) until something listens on `port`.
async fn wait_for(port: u16) -> bool {
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// An HTTP proxy (CONNECT and absolute-form); with `auth`, it requires
/// `Proxy-Authorization: Basic` for those credentials.
pub async fn http_proxy(auth: Option<(&str, &str)>) -> Proxy {
    if let Some(binary) = find("tinyproxy") {
        let port = free_port().await;
        let dir = temp_dir(&format!("tinyproxy-{port}"));
        let log = dir.0.join("tinyproxy.log");
        let mut conf = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 64\nAllow 127.0.0.1\nLogLevel Connect\nLogFile \"{}\"\n",
            log.display()
        );
        if let Some((user, password)) = auth {
            conf.push_str(&format!("BasicAuth {user} {password}\n"));
        }
        let path = dir.0.join("tinyproxy.conf");
        std::fs::write(&path, conf).unwrap();
        return start_real(
            &binary,
            &["-d", "-c"],
            &path,
            port,
            url("http", port, auth),
            log,
            dir,
        )
        .await;
    }
    assert!(
        !required(),
        "tinyproxy is not installed (`apt-get install tinyproxy`)"
    );
    in_tree(auth, Kind::Http).await
}

/// A SOCKS5 proxy; with `auth`, it requires username/password (always the
/// in-tree one then: dante checks credentials against the system's users).
pub async fn socks_proxy(auth: Option<(&str, &str)>) -> Proxy {
    let binary = find("danted")
        .or_else(|| find("sockd"))
        .filter(|_| auth.is_none());
    if let Some(binary) = binary {
        let port = free_port().await;
        let dir = temp_dir(&format!("dante-{port}"));
        let log = dir.0.join("danted.log");
        let conf = format!(
            "logoutput: {}\ninternal: 127.0.0.1 port = {port}\nexternal: 127.0.0.1\n\
             socksmethod: none\nclientmethod: none\nuser.privileged: root\nuser.unprivileged: root\n\
             client pass {{\n from: 127.0.0.0/8 to: 0.0.0.0/0\n}}\n\
             socks pass {{\n from: 127.0.0.0/8 to: 0.0.0.0/0\n command: connect\n log: connect\n}}\n",
            log.display()
        );
        let path = dir.0.join("danted.conf");
        std::fs::write(&path, conf).unwrap();
        return start_real(
            &binary,
            &["-N", "1", "-f"],
            &path,
            port,
            url("socks5", port, auth),
            log,
            dir,
        )
        .await;
    }
    assert!(
        auth.is_some() || !required(),
        "dante is not installed (`apt-get install dante-server`)"
    );
    in_tree(auth, Kind::Socks).await
}

/// Starts a real proxy with `args` then its configuration file, and waits
/// until it listens on `port`.
async fn start_real(
    binary: &std::path::Path,
    args: &[&str],
    config: &std::path::Path,
    port: u16,
    url: String,
    log: std::path::PathBuf,
    dir: TempDir,
) -> Proxy {
    let child = Command::new(binary)
        .args(args)
        .arg(config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{} does not start: {e}", binary.display()));
    let mut proxy = Proxy {
        url,
        seen: Arc::default(),
        real: true,
        child: Some(child),
        log: Some(log),
        _dir: Some(dir),
    };
    if !wait_for(port).await {
        drop(proxy.child.take().map(|mut c| c.kill()));
        panic!("{} did not listen on {port}", binary.display());
    }
    proxy
}

fn url(scheme: &str, port: u16, auth: Option<(&str, &str)>) -> String {
    match auth {
        Some((user, password)) => format!("{scheme}://{user}:{password}@127.0.0.1:{port}"),
        None => format!("{scheme}://127.0.0.1:{port}"),
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Http,
    Socks,
}

async fn in_tree(auth: Option<(&str, &str)>, kind: Kind) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = seen.clone();
    let creds = auth.map(|(u, p)| (u.to_owned(), p.to_owned()));
    tokio::spawn(async move {
        // Bounded: a test makes a few dozen connections at most.
        for _ in 0..64 {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (record, creds) = (record.clone(), creds.clone());
            tokio::spawn(async move {
                let _ = match kind {
                    Kind::Http => serve_http(stream, record, creds).await,
                    Kind::Socks => serve_socks(stream, record, creds).await,
                };
            });
        }
    });
    let scheme = match kind {
        Kind::Http => "http",
        Kind::Socks => "socks5",
    };
    Proxy {
        url: url(scheme, port, auth),
        seen,
        real: false,
        child: None,
        log: None,
        _dir: None,
    }
}

type Creds = Option<(String, String)>;

async fn serve_http(
    mut client: TcpStream,
    seen: Arc<Mutex<Vec<String>>>,
    creds: Creds,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        if client.read(&mut byte).await? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let first = lines.next().unwrap_or_default().to_owned();
    let auth_header = lines
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("proxy-authorization"))
        })
        .map(|(_, v)| v.trim().to_owned());
    let (method, target) = first.split_once(' ').unwrap_or_default();
    let target = target.split(' ').next().unwrap_or_default().to_owned();
    let authed = auth_header.is_some();
    seen.lock().unwrap().push(format!(
        "{method} {target}{}",
        if authed { " auth" } else { "" }
    ));
    if let Some((user, password)) = creds {
        use base64::Engine as _;
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        );
        if auth_header.as_deref() != Some(expected.as_str()) {
            client
                .write_all(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n",
                )
                .await?;
            return Ok(());
        }
    }
    if method == "CONNECT" {
        let mut upstream = TcpStream::connect(target.as_str()).await?;
        client
            .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            .await?;
        tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
        return Ok(());
    }
    // Absolute form: forward the head in origin form to the destination.
    let Ok(url) = api_client::Url::parse(&target) else {
        return Ok(());
    };
    let address = format!(
        "{}:{}",
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or(80)
    );
    let mut upstream = TcpStream::connect(address).await?;
    let origin_form = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    // As real proxies do: the proxy's own header stays with the proxy.
    let rewritten: String = text
        .replacen(&target, &origin_form, 1)
        .split_inclusive("\r\n")
        .filter(|line| {
            !line
                .to_ascii_lowercase()
                .starts_with("proxy-authorization:")
        })
        .collect();
    upstream.write_all(rewritten.as_bytes()).await?;
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

async fn serve_socks(
    mut client: TcpStream,
    seen: Arc<Mutex<Vec<String>>>,
    creds: Creds,
) -> std::io::Result<()> {
    let mut greeting = [0u8; 2];
    client.read_exact(&mut greeting).await?;
    let mut methods = vec![0u8; usize::from(greeting[1])];
    client.read_exact(&mut methods).await?;
    let method = if creds.is_some() { 2 } else { 0 };
    if !methods.contains(&method) {
        client.write_all(&[5, 0xff]).await?;
        return Ok(());
    }
    client.write_all(&[5, method]).await?;
    let mut authed = false;
    if let Some((user, password)) = &creds {
        let mut version = [0u8; 2];
        client.read_exact(&mut version).await?;
        let mut name = vec![0u8; usize::from(version[1])];
        client.read_exact(&mut name).await?;
        let mut len = [0u8; 1];
        client.read_exact(&mut len).await?;
        let mut pass = vec![0u8; usize::from(len[0])];
        client.read_exact(&mut pass).await?;
        let ok = name == user.as_bytes() && pass == password.as_bytes();
        client.write_all(&[1, if ok { 0 } else { 1 }]).await?;
        if !ok {
            return Ok(());
        }
        authed = true;
    }
    let mut request = [0u8; 4];
    client.read_exact(&mut request).await?;
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip).await?;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            client.read_exact(&mut len).await?;
            let mut name = vec![0u8; usize::from(len[0])];
            client.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).into_owned()
        }
        _ => return Ok(()),
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port).await?;
    let port = u16::from_be_bytes(port);
    seen.lock().unwrap().push(format!(
        "SOCKS {host}:{port}{}",
        if authed { " auth" } else { "" }
    ));
    let address = if host == "localhost" {
        "127.0.0.1".to_owned()
    } else {
        host
    };
    let mut upstream = TcpStream::connect((address.as_str(), port)).await?;
    client.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).await?;
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}
