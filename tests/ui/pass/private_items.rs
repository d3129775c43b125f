// Every item of `api_client::__private` that generated code names: the
// table in api-macros/src/rt.rs is checked against this list, and this
// list is compiled.
#[allow(unused_imports)]
use api_client::__private::{
    AnyBody, Arg, Argument, BuildRequest, Call, Checks, ClientBuilder, CountValue, CursorValue,
    Described, DescribedShape, Duration, Endpoint, EndpointRetry, Envelope, Events, EventsBody,
    Field, FlagValue, FromCore, Given, HeaderMap, HeaderName, HeaderValue, Json, Method,
    MockBuilder, MockKit, MockRequest, MockServer, Model, NoShape, Optional, PageParts, PageScheme,
    Pages, PagesMock, Paging, Presence, Probe, QueryStyle, RATE_LIMIT_FEATURE, RateLimit, Raw,
    Result, RetryPolicy, Session, Shape, ShapeOfDecoded, ShapeOfDescribed, ShapeOfUnknown,
    StreamDecl, StreamFormat, Streamed, Text, Unit, ValidateViaGarde, ValidateViaNothing, Variants,
    WithMeta, assert_api_result, assert_validates, block_on, block_on_call, decode_api_error,
    if_mock, model_de, serde,
};

fn main() {}
