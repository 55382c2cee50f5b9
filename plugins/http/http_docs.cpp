// Descriptions and examples of the http plugin's components (docs, `plugctl list`).
#include "http_config.hpp"

namespace plugctl::http {

const char* const kClientOutputDescription =
    "Sends each message (or each batch, with `batch_format`) as an HTTP request and counts it "
    "delivered when the server answers with a success status (2XX, or one in `successful_on`).\n\n"
    "Requests run concurrently on one libcurl multi handle per output, without a thread per "
    "request, and connections are kept alive and reused. A failed attempt (transport error, a "
    "status in `backoff_on`, or any other non-success status) is retried `retries` times, "
    "waiting `retry_period`, doubled after each attempt up to `max_retry_backoff`. A status in "
    "`drop_on` fails at once. A request that still fails fails its messages' write: plugctl "
    "retries the write and finally nacks it to the input, so nothing is lost.";

const char* const kClientProcessorDescription =
    "Sends each message as an HTTP request; the response body replaces the payload and "
    "`http_status_code` is set in the metadata (use it inside `branch` to merge the response "
    "into the original). The requests of a batch run concurrently.\n\n"
    "A request that fails after its retries flags the message with an error naming the URL, "
    "the status and an excerpt of the response body; the message keeps its payload and flows "
    "on, to be handled with `catch`, `try` or a `switch` output.";

const char* const kServerDescription =
    "Accepts HTTP requests on `path` (and websocket messages on `ws_path`); each request body "
    "becomes a message. The response is sent only once the message was delivered by every "
    "output it went to (200, or `sync_response.status`), or failed (500): a client that got a "
    "success never loses data, and a client that got an error may send again.\n\n"
    "With an empty `address` the path is served by plugctl's own HTTP server (the `http` "
    "section), beside /ping and /metrics. Metadata of each message: every request header (as "
    "sent), every query parameter, `http_server_user_agent`, `http_server_request_path`, "
    "`http_server_verb`, `http_server_remote_ip` and `http_server_request_id` (which ties the "
    "message to its request for `sync_response`).";

const char* const kSyncResponseDescription =
    "Hands each message back to the http_server request it came from: the message becomes the "
    "response body (several become a multipart/mixed body), and the input's "
    "`sync_response.status` and `headers` are interpolated on it. Messages that did not come "
    "from an http_server are accepted and ignored.";

const char* const kClientOutputExamples = R"(output:
  http_client:
    url: http://localhost:8080/events
    verb: POST
    headers:
      Content-Type: application/json
    max_in_flight: 64
---
output:
  http_client:
    url: http://localhost:8080/bulk
    batch_format: json_array
    batching:
      count: 100
      period: 1s
)";

const char* const kClientProcessorExamples = R"(pipeline:
  processors:
    - branch:
        request_map: 'root = {"id": this.user_id}'
        processors:
          - http_client:
              url: http://localhost:8080/users/${! this.id }
              verb: GET
        result_map: 'root.user = this'
)";

const char* const kServerExamples = R"(input:
  http_server:
    address: 0.0.0.0:8080
    path: /ingest
output:
  file:
    path: ./ingest.jsonl
---
input:
  http_server:
    path: /upper
    sync_response:
      headers:
        Content-Type: text/plain
pipeline:
  processors:
    - mapping: root = content().uppercase()
output:
  sync_response: {}
)";

} // namespace plugctl::http
