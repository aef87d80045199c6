//! Bad input: oversize messages, a gzip decompression bomb, garbage and truncated protobuf,
//! invalid UTF-8, overlong and control-character fields, page sizes 0 and huge. Each case
//! asserts the exact status code the caller sees, then that the node keeps serving and its
//! store is unchanged (NodeInfo frontier, report count and last change as before).
//!
//! Most cases run against a plaintext in-process node (`harness::TestNode`); the oversize
//! and garbage cases also run over mutual TLS (`group`), and the decompression bomb against
//! a `concord node` process, so that its peak memory can be read from `/proc`.

use std::marker::PhantomData;
use std::task::{Context, Poll};

use concord::rpc::pb;
use concord::rpc::pb::reports_client::ReportsClient;
use prost::Message;
use prost::bytes::BufMut;
use tonic::codec::{Codec, EncodeBuf, Encoder};
use tonic::codegen::http;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::Channel;
use tonic::{Code, Status};
use tonic_types::StatusExt;

use crate::group::{ESCAP, TestGroup};
use crate::harness::{NodeProcess, TestNode, sample_content, submit};

const SUBMIT: &str = "/concord.v1.Reports/Submit";

// ----------------------------------------------------------------------------------------
// Helpers
// ----------------------------------------------------------------------------------------

/// Sends its bytes as the message, exactly as given.
#[derive(Debug, Clone, Default)]
struct RawEncoder;

impl Encoder for RawEncoder {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, buffer: &mut EncodeBuf<'_>) -> Result<(), Status> {
        buffer.put_slice(&item);
        Ok(())
    }
}

/// A codec sending raw bytes and decoding the answer as `U`.
struct RawCodec<U>(PhantomData<U>);

impl<U> Default for RawCodec<U> {
    fn default() -> Self {
        RawCodec(PhantomData)
    }
}

impl<U: Message + Default + Send + 'static> Codec for RawCodec<U> {
    type Encode = Vec<u8>;
    type Decode = U;
    type Encoder = RawEncoder;
    type Decoder = tonic_prost::ProstDecoder<U>;

    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }

    fn decoder(&mut self) -> Self::Decoder {
        tonic_prost::ProstDecoder::default()
    }
}

/// Calls Submit with `body` as the request message's bytes.
async fn submit_raw<T>(service: T, body: Vec<u8>) -> Result<pb::SubmitResponse, Status>
where
    T: tonic::client::GrpcService<tonic::body::Body>,
    T::Error: Into<tonic::codegen::StdError>,
    T::ResponseBody: tonic::codegen::Body<Data = tonic::codegen::Bytes> + Send + 'static,
    <T::ResponseBody as tonic::codegen::Body>::Error: Into<tonic::codegen::StdError> + Send,
{
    let mut grpc = tonic::client::Grpc::new(service);
    grpc.ready()
        .await
        .map_err(|error| Status::unknown(format!("not ready: {}", error.into())))?;
    grpc.unary(
        tonic::Request::new(body),
        PathAndQuery::from_static(SUBMIT),
        RawCodec::<pb::SubmitResponse>::default(),
    )
    .await
    .map(tonic::Response::into_inner)
}

/// What must not change when a request is refused.
#[derive(Debug, Clone, PartialEq)]
struct StoreState {
    frontier: Vec<pb::LogHead>,
    report_count: u64,
    last_change: u64,
}

async fn store_state(channel: Channel) -> StoreState {
    let info = ReportsClient::new(channel)
        .node_info(pb::NodeInfoRequest {})
        .await
        .expect("node info")
        .into_inner();
    StoreState {
        frontier: info.frontier,
        report_count: info.report_count,
        last_change: info.last_change,
    }
}

/// Submits one report so the store is not empty, and returns the state to compare with.
async fn baseline(channel: Channel) -> StoreState {
    let mut client = ReportsClient::new(channel.clone());
    submit(&mut client, sample_content("The report that must stay")).await;
    let state = store_state(channel).await;
    assert_eq!(state.report_count, 1);
    state
}

/// The node still serves (a normal List call succeeds and finds the baseline report) and
/// its store is as it was.
async fn assert_unharmed(channel: Channel, before: &StoreState, after_what: &str) {
    let listed = ReportsClient::new(channel.clone())
        .list(pb::ListRequest::default())
        .await
        .unwrap_or_else(|status| panic!("after {after_what}, List fails: {status:?}"))
        .into_inner();
    assert_eq!(listed.reports.len(), 1, "after {after_what}");
    assert_eq!(
        &store_state(channel).await,
        before,
        "after {after_what}, the store changed"
    );
}

fn refused<T: std::fmt::Debug>(what: &str, result: Result<T, Status>) -> Status {
    result.expect_err(&format!("{what} must be refused"))
}

/// The fields named by the `google.rpc.BadRequest` details of an INVALID_ARGUMENT status.
fn bad_fields(status: &Status) -> Vec<String> {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    status
        .get_details_bad_request()
        .unwrap_or_else(|| panic!("INVALID_ARGUMENT without BadRequest details: {status:?}"))
        .field_violations
        .into_iter()
        .map(|violation| violation.field)
        .collect()
}

fn text(value: &str) -> Vec<pb::LocalizedText> {
    vec![pb::LocalizedText {
        lang: String::new(),
        text: value.to_string(),
    }]
}

fn submit_request(content: pb::ReportContent) -> pb::SubmitRequest {
    pb::SubmitRequest {
        content: Some(content),
        idempotency_key: String::new(),
    }
}

/// Over the default 4 MiB `limits.max_message_bytes`: a 5 MiB title. Tonic answers
/// OUT_OF_RANGE ("decoded message length too large") before any handler runs.
async fn oversize_is_out_of_range(channel: Channel) {
    let before = baseline(channel.clone()).await;
    let content = pb::ReportContent {
        title: text(&"a".repeat(5 * 1024 * 1024)),
        ..sample_content("")
    };
    let status = refused(
        "a 5 MiB message",
        ReportsClient::new(channel.clone())
            .submit(submit_request(content))
            .await,
    );
    assert_eq!(status.code(), Code::OutOfRange, "{status:?}");
    assert!(status.message().contains("too large"), "{status:?}");
    assert_unharmed(channel, &before, "an oversize message").await;
}

/// Bytes that are not protobuf, and a valid request cut in half: tonic's decode error,
/// INTERNAL.
async fn garbage_and_truncated_are_internal(channel: Channel) {
    let before = baseline(channel.clone()).await;
    let garbage = b"\xde\xad\xbe\xef this is not protobuf \x00\xff\xff\xff".to_vec();
    let valid = submit_request(sample_content("Cut short")).encode_to_vec();
    let truncated = valid[..valid.len() / 2].to_vec();
    for (what, body) in [
        ("garbage bytes", garbage),
        ("truncated protobuf", truncated),
    ] {
        let status = refused(what, submit_raw(channel.clone(), body).await);
        assert_eq!(status.code(), Code::Internal, "{what}: {status:?}");
        assert!(
            status.message().contains("decode"),
            "{what}: the message says what failed: {status:?}"
        );
        assert_unharmed(channel.clone(), &before, what).await;
    }
}

// ----------------------------------------------------------------------------------------
// Oversize, garbage, truncated: plaintext and mutual TLS
// ----------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversize_message_is_out_of_range() {
    let node = TestNode::start().await;
    oversize_is_out_of_range(node.channel().await).await;
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversize_message_over_mutual_tls_is_out_of_range() {
    let group = TestGroup::new();
    let node = group.start(ESCAP).await;
    let channel = node
        .connected_channel(&group.client_tls(ESCAP, "alice"))
        .await;
    oversize_is_out_of_range(channel).await;
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_truncated_protobuf_are_internal() {
    let node = TestNode::start().await;
    garbage_and_truncated_are_internal(node.channel().await).await;
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_truncated_protobuf_over_mutual_tls_are_internal() {
    let group = TestGroup::new();
    let node = group.start(ESCAP).await;
    let channel = node
        .connected_channel(&group.client_tls(ESCAP, "alice"))
        .await;
    garbage_and_truncated_are_internal(channel).await;
    node.shutdown().await;
}

// ----------------------------------------------------------------------------------------
// Invalid UTF-8, overlong and control-character fields, page sizes
// ----------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_in_a_string_field_is_internal() {
    let node = TestNode::start().await;
    let channel = node.channel().await;
    let before = baseline(channel.clone()).await;
    // SubmitRequest { content (1) { title (1) { text (2): 0xff 0xfe } } }, by hand: prost
    // refuses to decode a `string` that is not UTF-8.
    let localized_text = [0x12, 0x02, 0xff, 0xfe];
    let mut content = vec![0x0a, localized_text.len() as u8];
    content.extend_from_slice(&localized_text);
    let mut request = vec![0x0a, content.len() as u8];
    request.extend_from_slice(&content);

    let status = refused("invalid UTF-8", submit_raw(channel.clone(), request).await);
    assert_eq!(status.code(), Code::Internal, "{status:?}");
    assert!(status.message().contains("UTF-8"), "{status:?}");
    assert_unharmed(channel, &before, "invalid UTF-8").await;
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlong_and_control_character_fields_are_invalid_arguments_naming_them() {
    let mut node = TestNode::start().await;
    let channel = node.channel().await;
    let before = baseline(channel.clone()).await;

    let overlong = pb::ReportContent {
        title: text(&"t".repeat(501)),
        ..sample_content("")
    };
    let status = refused(
        "a 501-character title",
        node.client.submit(submit_request(overlong)).await,
    );
    assert_eq!(bad_fields(&status), ["title[0].text"], "{status:?}");
    assert_unharmed(channel.clone(), &before, "an overlong title").await;

    let control = pb::ReportContent {
        title: text("Bell \u{7} in the title"),
        location: "Null \u{0} in the location".into(),
        ..sample_content("")
    };
    let status = refused(
        "control characters",
        node.client.submit(submit_request(control)).await,
    );
    assert_eq!(
        bad_fields(&status),
        ["title[0].text", "location"],
        "{status:?}"
    );
    assert_unharmed(channel.clone(), &before, "control characters").await;

    // The limit is exactly 500 characters: one fewer is stored.
    let longest = pb::ReportContent {
        title: text(&"t".repeat(500)),
        ..sample_content("")
    };
    submit(&mut node.client, longest).await;
    assert_eq!(store_state(channel).await.report_count, 2);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_size_zero_means_the_default_and_a_huge_one_is_invalid() {
    let mut node = TestNode::start().await;
    let channel = node.channel().await;
    let before = baseline(channel.clone()).await;

    let page = node
        .client
        .list(pb::ListRequest {
            page_size: 0,
            ..pb::ListRequest::default()
        })
        .await
        .expect("page size 0 is the default page")
        .into_inner();
    assert_eq!(page.reports.len(), 1);
    assert!(page.next_page_token.is_empty());

    let status = refused(
        "page size 4294967295",
        node.client
            .list(pb::ListRequest {
                page_size: u32::MAX,
                ..pb::ListRequest::default()
            })
            .await,
    );
    assert_eq!(bad_fields(&status), ["page_size"], "{status:?}");
    assert_unharmed(channel, &before, "a huge page size").await;
    node.shutdown().await;
}

// ----------------------------------------------------------------------------------------
// A decompression bomb
// ----------------------------------------------------------------------------------------

/// Writes a DEFLATE bit stream: fields least significant bit first, Huffman codes most
/// significant bit first (RFC 1951, 3.1.1).
struct BitWriter {
    bytes: Vec<u8>,
    pending: u64,
    count: u32,
}

impl BitWriter {
    fn bits(&mut self, value: u32, count: u32) {
        self.pending |= u64::from(value) << self.count;
        self.count += count;
        while self.count >= 8 {
            self.bytes.push(self.pending as u8);
            self.pending >>= 8;
            self.count -= 8;
        }
    }

    fn huffman(&mut self, code: u32, length: u32) {
        self.bits(code.reverse_bits() >> (32 - length), length);
    }

    /// A literal byte in the fixed Huffman code.
    fn literal(&mut self, byte: u8) {
        match byte {
            0..=143 => self.huffman(0x30 + u32::from(byte), 8),
            _ => self.huffman(0x190 + u32::from(byte) - 144, 9),
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            self.bytes.push(self.pending as u8);
        }
        self.bytes
    }
}

fn crc32_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    for (index, entry) in table.iter_mut().enumerate() {
        let mut crc = index as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                0xEDB8_8320 ^ (crc >> 1)
            } else {
                crc >> 1
            };
        }
        *entry = crc;
    }
    table
}

/// A gzip member whose content is an encoded `SubmitRequest` with a title of ~100 MiB of
/// "a", compressed as back-references of 258 bytes at distance 1 (13 bits each): about
/// 650 KiB that inflate to 100 MiB. Returns the gzip bytes and the inflated length.
fn decompression_bomb() -> (Vec<u8>, u64) {
    const MATCHES: u64 = (100 * 1024 * 1024_u64).div_ceil(258);
    let text_len = 1 + 258 * MATCHES;
    let varint = |mut value: u64| {
        let mut bytes = Vec::new();
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                bytes.push(byte);
                return bytes;
            }
            bytes.push(byte | 0x80);
        }
    };
    let localized_text_len = 1 + varint(text_len).len() as u64 + text_len;
    let content_len = 1 + varint(localized_text_len).len() as u64 + localized_text_len;
    let mut prefix = vec![0x0a];
    prefix.extend(varint(content_len));
    prefix.push(0x0a);
    prefix.extend(varint(localized_text_len));
    prefix.push(0x12);
    prefix.extend(varint(text_len));
    let inflated_len = prefix.len() as u64 + text_len;

    let mut deflate = BitWriter {
        bytes: Vec::new(),
        pending: 0,
        count: 0,
    };
    deflate.bits(1, 1); // BFINAL
    deflate.bits(1, 2); // BTYPE 01: fixed Huffman codes
    for &byte in &prefix {
        deflate.literal(byte);
    }
    deflate.literal(b'a');
    for _ in 0..MATCHES {
        deflate.huffman(0xC0 + (285 - 280), 8); // length 258
        deflate.huffman(0, 5); // distance 1
    }
    deflate.huffman(0, 7); // end of block (256)

    let table = crc32_table();
    let mut crc = !0u32;
    let mut update = |byte: u8| {
        crc = table[((crc ^ u32::from(byte)) & 0xff) as usize] ^ (crc >> 8);
    };
    prefix.iter().for_each(|&byte| update(byte));
    (0..text_len).for_each(|_| update(b'a'));
    let crc = !crc;

    let mut gzip = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    gzip.extend(deflate.finish());
    gzip.extend(crc.to_le_bytes());
    gzip.extend((inflated_len as u32).to_le_bytes());
    (gzip, inflated_len)
}

/// A channel that sends one fixed HTTP/2 body, marked `grpc-encoding: gzip`, whatever
/// the gRPC client encoded: how a compressed gRPC frame is put on the wire by hand.
#[derive(Clone)]
struct FixedGzipBody {
    channel: Channel,
    body: Vec<u8>,
}

impl tonic::codegen::Service<http::Request<tonic::body::Body>> for FixedGzipBody {
    type Response = http::Response<tonic::body::Body>;
    type Error = tonic::transport::Error;
    type Future = tonic::codegen::BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        tonic::codegen::Service::poll_ready(&mut self.channel, context)
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let (mut parts, _encoded) = request.into_parts();
        parts
            .headers
            .insert("grpc-encoding", http::HeaderValue::from_static("gzip"));
        let body = tonic::body::Body::new(tonic::service::AxumBody::from(self.body.clone()));
        Box::pin(tonic::codegen::Service::call(
            &mut self.channel,
            http::Request::from_parts(parts, body),
        ))
    }
}

/// Peak resident memory of process `pid`, KiB (`VmHWM` in `/proc/PID/status`).
fn peak_memory_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc status")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_decompression_bomb_is_unimplemented_and_never_inflated() {
    let (gzip, inflated_len) = tokio::task::spawn_blocking(decompression_bomb)
        .await
        .expect("bomb");
    assert!(inflated_len >= 100 * 1024 * 1024, "{inflated_len}");
    assert!(gzip.len() < 1024 * 1024, "{} bytes", gzip.len());
    // The gRPC frame: compressed flag 1, length, gzip bytes.
    let mut frame = vec![1u8];
    frame.extend((gzip.len() as u32).to_be_bytes());
    frame.extend(&gzip);

    let dir = tempfile::tempdir().expect("temporary directory");
    let (data, logs) = (dir.path().join("data"), dir.path().join("logs"));
    let node = tokio::task::spawn_blocking(move || NodeProcess::spawn(&data, &logs))
        .await
        .expect("spawn");
    let channel = Channel::from_shared(node.endpoint.clone())
        .expect("endpoint")
        .connect()
        .await
        .unwrap_or_else(|error| panic!("cannot connect to {}: {error}", node.endpoint));
    let before = baseline(channel.clone()).await;
    let peak_before = peak_memory_kib(node.pid());

    let status = refused(
        "a gzip-compressed request",
        submit_raw(
            FixedGzipBody {
                channel: channel.clone(),
                body: frame,
            },
            Vec::new(),
        )
        .await,
    );
    // The node does not accept compressed requests at all: tonic refuses the encoding
    // from the header, before reading the body.
    assert_eq!(status.code(), Code::Unimplemented, "{status:?}");
    assert!(status.message().contains("gzip"), "{status:?}");

    assert_unharmed(channel, &before, "a decompression bomb").await;
    let grown_kib = peak_memory_kib(node.pid()).saturating_sub(peak_before);
    assert!(
        grown_kib < 32 * 1024,
        "the node's peak memory grew by {grown_kib} KiB: it inflated the request"
    );
    let exit = tokio::task::spawn_blocking(move || node.terminate())
        .await
        .expect("terminate");
    assert!(exit.success(), "the node exits cleanly: {exit:?}");
}
