// Every item of `api_client::__private` that generated code names: the
// table in api-macros/src/rt.rs is checked against this list, and this
// list is compiled.
#[allow(unused_imports)]
use api_client::__private::{
    AnyBody, Arg, Argument, BuildRequest, Call, ClientBuilder, CountValue, CursorValue, Duration,
    Endpoint, EndpointRetry, Envelope, FlagValue, FromCore, Given, HeaderMap, HeaderName, HeaderValue, Json,
    Method, MockBuilder, MockKit, MockRequest, MockServer, Optional, PageParts, PageScheme, Pages,
    PagesMock, Paging, Probe, QueryStyle, RATE_LIMIT_FEATURE, RateLimit, Raw, Result, RetryPolicy, Session,
    Streamed, Text, Unit, ValidateViaGarde, ValidateViaNothing, WithMeta, assert_api_result,
    assert_validates, block_on, block_on_call, decode_api_error, if_mock, model_de, serde,
};

fn main() {}
