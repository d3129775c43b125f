//! Integration tests of generated clients against wiremock and small local
//! servers. One binary, a module per area.

mod auth;
mod basics;
mod blocking;
mod blocking_threads;
mod bodies;
mod counting;
mod encoding;
mod errors;
mod generated;
mod hostile;
mod hygiene;
mod limits;
mod misbehaving;
mod mocks;
mod model_de;
mod pages;
mod pages_mocks;
mod params;
mod partial;
mod pool;
mod prism;
mod properties;
mod proxies;
mod proxy_servers;
mod resilience;
mod secrets;
mod security;
mod session;
mod signing;
mod support;
mod telemetry;
mod timeouts;
mod transport;
mod urls;
mod validation;
