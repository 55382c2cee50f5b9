/*
 * plugctl C ABI, version 1.1 (1.1 appended the Bloblang mapping slots to plugctl_host)
 *
 * This header is the whole contract between the plugctl host and a plugin shared object. It is
 * plain C11, depends on nothing but <stddef.h> and <stdint.h>, and can be read top to bottom.
 *
 * Rules that hold everywhere (see docs/abi.md for the long form):
 *
 *  - Versions. A plugin exports one symbol, plugctl_plugin_entry_v1. The host refuses a plugin
 *    whose abi_major differs from its own, or whose abi_minor_required is above the host's minor.
 *    Both sides then use the negotiated minor min(host minor, plugin's built minor): nothing added
 *    after that minor is ever read or called.
 *  - Growth. Every struct starts with `uint32_t struct_size` and only grows at its end. A reader
 *    checks PLUGCTL_HAS_FIELD(ptr, type, field) before reading any field added after 1.0. Function
 *    tables only grow by appending; a slot is never reused or reordered.
 *  - Types. Only C types cross: pointers with explicit lengths, fixed-width integers (int32_t for
 *    enums and booleans), function pointers. Strings are (pointer, length) and need not be
 *    NUL-terminated, except the `const char*` fields of the static manifest, which are.
 *  - Errors. Calls return a plugctl_status. Detail text goes through host->err_set(err, ...), which
 *    copies at once. Nothing may unwind across the boundary: no C++ exception, no Rust panic, no
 *    longjmp.
 *  - Memory. Whoever allocates frees. Views (plugctl_bytes) handed out by the host are borrowed:
 *    valid until the call that received them returns, or until the viewed object changes,
 *    whichever is first. Messages and batches are opaque host handles.
 *  - Threads. The host services table is thread-safe unless a function says otherwise. Lifecycle
 *    calls (create, connect, close, destroy) are serialised per instance. After destroy returns,
 *    the plugin must not call back into the host for that instance (it joins its own threads).
 *  - Unloading. The host never unloads a plugin (no dlclose): static destructors run at exit.
 */
#ifndef PLUGCTL_PLUGCTL_H
#define PLUGCTL_PLUGCTL_H

#include <stddef.h>
#include <stdint.h>

#define PLUGCTL_ABI_MAJOR 1
#define PLUGCTL_ABI_MINOR 1

/* The one symbol a plugin exports. */
#define PLUGCTL_ENTRY_SYMBOL "plugctl_plugin_entry_v1"

#if defined(_WIN32)
#define PLUGCTL_EXPORT __declspec(dllexport)
#else
#define PLUGCTL_EXPORT __attribute__((visibility("default")))
#endif

/* True when `ptr` (a struct with a leading struct_size) is large enough to hold `field`. */
#define PLUGCTL_HAS_FIELD(ptr, type, field)                                                        \
  ((ptr) != NULL && (size_t)(ptr)->struct_size >= offsetof(type, field) + sizeof((ptr)->field))

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Status codes. Unknown codes are treated as PLUGCTL_ERROR by both sides.                      */
/* ------------------------------------------------------------------------------------------ */
typedef int32_t plugctl_status;

#define PLUGCTL_OK 0
/* Failed; trying again later may succeed (a write is retried, a connect is re-attempted). */
#define PLUGCTL_ERROR 1
/* Failed and will keep failing (bad config, permanent refusal): the host disables the component. */
#define PLUGCTL_FATAL 2
/* Input/output is not connected: the host calls connect again with backoff. */
#define PLUGCTL_NOT_CONNECTED 3
/* Input has no more data and never will. */
#define PLUGCTL_END_OF_INPUT 4
/* Input asks to be called again after plugctl_read_result.backoff_ns. */
#define PLUGCTL_BACKOFF 5
/* Nothing available right now; call again (the host checks for shutdown in between). */
#define PLUGCTL_AGAIN 6
/* Cache key / metadata key / config field absent. */
#define PLUGCTL_NOT_FOUND 7
/* Cache add of an existing key. */
#define PLUGCTL_EXISTS 8
/* Bad argument or a config value of the wrong type. */
#define PLUGCTL_INVALID 9
/* The operation is not provided by this side. */
#define PLUGCTL_UNSUPPORTED 10
/* Stopped because the host is shutting down. */
#define PLUGCTL_CANCELLED 11

/* ------------------------------------------------------------------------------------------ */
/* Enumerations (all carried as int32_t).                                                      */
/* ------------------------------------------------------------------------------------------ */
#define PLUGCTL_KIND_INPUT 1
#define PLUGCTL_KIND_OUTPUT 2
#define PLUGCTL_KIND_PROCESSOR 3
#define PLUGCTL_KIND_CACHE 4

#define PLUGCTL_STABILITY_STABLE 0
#define PLUGCTL_STABILITY_BETA 1
#define PLUGCTL_STABILITY_EXPERIMENTAL 2
#define PLUGCTL_STABILITY_DEPRECATED 3

#define PLUGCTL_LOG_TRACE 0
#define PLUGCTL_LOG_DEBUG 1
#define PLUGCTL_LOG_INFO 2
#define PLUGCTL_LOG_WARN 3
#define PLUGCTL_LOG_ERROR 4

#define PLUGCTL_METRIC_COUNTER 1 /* metric_record adds the value */
#define PLUGCTL_METRIC_GAUGE 2   /* metric_record sets the value */
#define PLUGCTL_METRIC_TIMER 3   /* metric_record observes a duration in nanoseconds */

/* Component flags (plugctl_component.flags). */
/* Input: the host keeps each batch until it is acknowledged and replays nacked batches itself
 * (with backoff); the plugin's ack then only ever sees PLUGCTL_OK. For sources without a nack. */
#define PLUGCTL_FLAG_AUTO_REPLAY_NACKS ((uint64_t)1 << 0)
/* Processor: process_batch is never called concurrently on one instance. */
#define PLUGCTL_FLAG_SERIAL ((uint64_t)1 << 1)
/* Output: write_batch may run concurrently on one instance (from several host threads), up to
 * the component's `max_in_flight` config field. Without it, write_batch calls are serialised.
 * write_batch_async calls never overlap (one host thread calls them in order); up to
 * `max_in_flight` of them may be outstanding, with or without this flag. */
#define PLUGCTL_FLAG_CONCURRENT_WRITES ((uint64_t)1 << 2)

/* ------------------------------------------------------------------------------------------ */
/* Opaque host handles.                                                                        */
/* ------------------------------------------------------------------------------------------ */
typedef struct plugctl_err plugctl_err;         /* error sink: write into it with host->err_set */
typedef struct plugctl_ctx plugctl_ctx;         /* one per component instance: label, logs, stop */
typedef struct plugctl_config plugctl_config;   /* the instance's config, valid during create */
typedef struct plugctl_msg plugctl_msg;         /* a message: payload, metadata, error flag */
typedef struct plugctl_batch plugctl_batch;     /* an ordered list of messages */
typedef struct plugctl_shared plugctl_shared;   /* a refcounted owner of plugin memory */
typedef struct plugctl_buf plugctl_buf;         /* a growable host buffer the plugin writes into */
typedef struct plugctl_results plugctl_results; /* per-message results of one write */
typedef struct plugctl_interp plugctl_interp;   /* a compiled interpolated string */
typedef struct plugctl_metric plugctl_metric;   /* a metric family */
typedef struct plugctl_mapping plugctl_mapping; /* a compiled Bloblang mapping (ABI 1.1) */

/* A borrowed view of bytes. Not NUL-terminated. */
typedef struct plugctl_bytes {
  const char* ptr;
  size_t len;
} plugctl_bytes;

/* Called exactly once, on any thread, when the host no longer needs memory it did not copy. */
typedef void (*plugctl_release_fn)(void* release_ctx);

/* ------------------------------------------------------------------------------------------ */
/* Host services. Filled by the host, passed at entry, valid for the life of the process.      */
/* All functions are thread-safe unless noted. A plugin built for minor M may only call the    */
/* slots of minor <= negotiated minor; check with PLUGCTL_HAS_FIELD(host, plugctl_host, slot). */
/* ------------------------------------------------------------------------------------------ */
typedef struct plugctl_host {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  uint32_t reserved0;
  const char* host_version; /* NUL-terminated, e.g. "0.1.0" */

  /* --- errors and memory ------------------------------------------------------------------ */
  /* Records an error text for the current call. Copies (msg, len) at once; the last call wins.
   * `err` is the sink the host passed into the call; NULL is ignored. */
  void (*err_set)(plugctl_err* err, const char* msg, size_t len);
  /* Memory whose ownership passes between the sides. alloc returns NULL on failure. */
  void* (*alloc)(size_t size);
  void (*free)(void* ptr);

  /* --- component context ------------------------------------------------------------------ */
  /* Non-zero when `level` would be logged for this instance (skip formatting otherwise). */
  int32_t (*log_enabled)(const plugctl_ctx* ctx, int32_t level);
  /* Logs one preformatted line, tagged with the instance's label and component. Copies. */
  void (*log)(const plugctl_ctx* ctx, int32_t level, const char* msg, size_t len);
  /* Non-zero once the host has asked the pipeline to stop: blocking calls should return soon
   * (PLUGCTL_AGAIN or PLUGCTL_CANCELLED). */
  int32_t (*ctx_cancelled)(const plugctl_ctx* ctx);
  /* The instance's label (config `label`, or a generated path like `input.processors.0`). */
  plugctl_bytes (*ctx_label)(const plugctl_ctx* ctx);

  /* --- config (valid only during create; the host keeps nothing the plugin must free) ------- */
  /* `pointer` is an RFC 6901 JSON pointer into the instance config ("" is the whole config,
   * "/paths/0", "/tls/enabled"). Defaults from the spec are already applied and ${ENV} is
   * expanded. Each getter returns PLUGCTL_OK, PLUGCTL_NOT_FOUND (absent or null) or
   * PLUGCTL_INVALID (present but of another type; err-free, the SDK words the message).
   * Views stay valid until create returns. */
  plugctl_status (*cfg_json)(const plugctl_config* cfg, const char* pointer, size_t pointer_len,
                             plugctl_bytes* out_json);
  plugctl_status (*cfg_string)(const plugctl_config* cfg, const char* pointer, size_t pointer_len,
                               plugctl_bytes* out);
  plugctl_status (*cfg_int)(const plugctl_config* cfg, const char* pointer, size_t pointer_len,
                            int64_t* out);
  plugctl_status (*cfg_float)(const plugctl_config* cfg, const char* pointer, size_t pointer_len,
                              double* out);
  plugctl_status (*cfg_bool)(const plugctl_config* cfg, const char* pointer, size_t pointer_len,
                             int32_t* out);
  /* Durations are Go-style strings ("1s", "1m30s", "250ms") or integer nanoseconds; an empty
   * string counts as absent (PLUGCTL_NOT_FOUND), which is how a spec says "disabled". */
  plugctl_status (*cfg_duration)(const plugctl_config* cfg, const char* pointer, size_t pointer_len,
                                 int64_t* out_ns);
  /* Number of elements of an array or members of an object. */
  plugctl_status (*cfg_size)(const plugctl_config* cfg, const char* pointer, size_t pointer_len,
                             size_t* out);
  /* Key of the index-th member of an object (in document order). */
  plugctl_status (*cfg_key)(const plugctl_config* cfg, const char* pointer, size_t pointer_len,
                            size_t index, plugctl_bytes* out);

  /* --- messages ---------------------------------------------------------------------------- */
  /* A new message owned by the caller, with a copy of (data, len). Free it with msg_free unless
   * its ownership passes to a batch (batch_push). Never NULL (aborts on out-of-memory). */
  plugctl_msg* (*msg_new)(const char* data, size_t len);
  /* Zero-copy: the message views (data, len) and calls release(release_ctx) exactly once, on any
   * thread, when no message uses the memory any more. The memory must not change until then. */
  plugctl_msg* (*msg_new_wrapped)(const char* data, size_t len, plugctl_release_fn release,
                                  void* release_ctx);
  /* A deep copy (payload shared copy-on-write), owned by the caller. */
  plugctl_msg* (*msg_copy)(const plugctl_msg* msg);
  /* Frees a message the caller owns. NULL is ignored. */
  void (*msg_free)(plugctl_msg* msg);
  /* Borrowed view of the payload. */
  plugctl_bytes (*msg_payload)(const plugctl_msg* msg);
  /* Replaces the payload with a copy of (data, len). Invalidates earlier payload views. */
  void (*msg_set_payload)(plugctl_msg* msg, const char* data, size_t len);
  /* Metadata: string keys and values. get returns PLUGCTL_NOT_FOUND when absent. */
  plugctl_status (*msg_meta_get)(const plugctl_msg* msg, const char* key, size_t key_len,
                                 plugctl_bytes* out);
  void (*msg_meta_set)(plugctl_msg* msg, const char* key, size_t key_len, const char* value,
                       size_t value_len);
  plugctl_status (*msg_meta_delete)(plugctl_msg* msg, const char* key, size_t key_len);
  size_t (*msg_meta_count)(const plugctl_msg* msg);
  /* The index-th metadata pair (order unspecified but stable while the message is unchanged). */
  plugctl_status (*msg_meta_at)(const plugctl_msg* msg, size_t index, plugctl_bytes* key,
                                plugctl_bytes* value);
  /* The error flag: a failed processing step leaves its text here and the message flows on.
   * get returns PLUGCTL_NOT_FOUND when the message is not flagged. */
  plugctl_status (*msg_error_get)(const plugctl_msg* msg, plugctl_bytes* out);
  void (*msg_error_set)(plugctl_msg* msg, const char* text, size_t len);
  void (*msg_error_clear)(plugctl_msg* msg);

  /* --- batches ----------------------------------------------------------------------------- */
  /* A new empty batch owned by the caller (free with batch_free unless handed to the host). */
  plugctl_batch* (*batch_new)(size_t capacity_hint);
  /* Frees the batch and every message it still owns. NULL is ignored. */
  void (*batch_free)(plugctl_batch* batch);
  size_t (*batch_len)(const plugctl_batch* batch);
  /* Borrowed message i (NULL if out of range or taken). Valid until the batch changes shape. */
  const plugctl_msg* (*batch_get)(const plugctl_batch* batch, size_t index);
  plugctl_msg* (*batch_get_mut)(plugctl_batch* batch, size_t index);
  /* Appends; the batch takes ownership and `msg` must not be used afterwards. */
  void (*batch_push)(plugctl_batch* batch, plugctl_msg* msg);
  /* Appends a copy of (data, len) and returns the new message, borrowed from the batch. */
  plugctl_msg* (*batch_push_copy)(plugctl_batch* batch, const char* data, size_t len);
  /* Appends a zero-copy message viewing (data, len) inside memory kept alive by `shared`. The
   * message takes a reference of its own: the caller's reference is unchanged (drop it with
   * shared_unref once it has pushed what it needs). */
  plugctl_msg* (*batch_push_shared)(plugctl_batch* batch, plugctl_shared* shared, const char* data,
                                    size_t len);
  /* Removes message i from the batch and gives it to the caller (its slot becomes NULL). */
  plugctl_msg* (*batch_take)(plugctl_batch* batch, size_t index);
  /* Copies up to n payload views starting at `start` into out; returns how many were written.
   * Taken slots give an empty view. One call instead of n for hot loops. */
  size_t (*batch_payloads)(const plugctl_batch* batch, size_t start, plugctl_bytes* out, size_t n);

  /* --- shared memory owners ---------------------------------------------------------------- */
  /* A refcounted owner of plugin memory (one read buffer shared by many zero-copy messages).
   * The caller holds one reference; release(release_ctx) runs once, on any thread, after the
   * last reference goes. Never NULL (aborts on out-of-memory). */
  plugctl_shared* (*shared_new)(plugctl_release_fn release, void* release_ctx);
  void (*shared_unref)(plugctl_shared* shared);

  /* --- host buffers (plugin-owned output space for host functions) ------------------------- */
  plugctl_buf* (*buf_new)(void);
  void (*buf_free)(plugctl_buf* buf);
  void (*buf_set)(plugctl_buf* buf, const char* data, size_t len);
  plugctl_bytes (*buf_data)(const plugctl_buf* buf);

  /* --- per-message write results ----------------------------------------------------------- */
  /* Sets the result of message `index` of the batch being written. Copies the text. Results not
   * set take the headline status of write_batch. Thread-safe per results object. */
  void (*results_set)(plugctl_results* results, size_t index, plugctl_status status,
                      const char* msg, size_t len);

  /* --- interpolated config strings (`${! expr }`) ------------------------------------------ */
  /* Compiles an interpolated string ("${! expr }" parts among literal text; "${!" is written
   * "$${!" to mean the literal). PLUGCTL_INVALID on a bad expression, with the reason written
   * into `error_text` when it is not NULL. Free with interp_free. */
  plugctl_status (*interp_new)(const plugctl_ctx* ctx, const char* text, size_t len,
                               plugctl_interp** out, plugctl_buf* error_text);
  void (*interp_free)(plugctl_interp* interp);
  /* Non-zero when the string has no expressions (its value never depends on the message). */
  int32_t (*interp_is_static)(const plugctl_interp* interp);
  /* Evaluates against message `index` of `batch`, writing the result into `out`. On failure
   * returns PLUGCTL_ERROR and writes the reason into `error_text` (may be the same buffer as
   * `out`, or NULL). Thread-safe: many threads may evaluate one interp at once. */
  plugctl_status (*interp_eval)(const plugctl_interp* interp, const plugctl_batch* batch,
                                size_t index, plugctl_buf* out, plugctl_buf* error_text);

  /* --- metrics ----------------------------------------------------------------------------- */
  /* A metric family of `type` (PLUGCTL_METRIC_*), named `name` (prefix-free snake_case), with
   * label names. The host adds the component's own labels. Owned by the host; lives as long as
   * the instance. NULL on invalid arguments. */
  plugctl_metric* (*metric_new)(const plugctl_ctx* ctx, int32_t type, const char* name,
                                size_t name_len, const plugctl_bytes* label_names, size_t n_labels);
  /* Records `value` for the series with these label values (n_labels must match). */
  void (*metric_record)(plugctl_metric* metric, const plugctl_bytes* label_values, size_t n_labels,
                        double value);

  /* --- extensions -------------------------------------------------------------------------- */
  /* A named table added after 1.0 (NULL when the host does not have it at min_minor). */
  const void* (*get_api)(const char* name, uint32_t min_minor);

  /* --- batches, continued (appended so that no earlier slot moves) ------------------------ */
  /* Sets metadata (key, value) on every message of the batch from index `start` on, as
   * msg_meta_set on each would, in one call: the host may keep one copy for all of them. For
   * inputs whose messages share metadata (the file a line came from, a Kafka partition). */
  void (*batch_meta_set)(plugctl_batch* batch, size_t start, const char* key, size_t key_len,
                         const char* value, size_t value_len);

  /* --- Bloblang mappings (ABI 1.1) --------------------------------------------------------- */
  /* For config fields of type `bloblang` (an SQL output's args_mapping, a Kafka key mapping):
   * the plugin runs a whole mapping against a message and reads the document it built. Check
   * PLUGCTL_HAS_FIELD(host, plugctl_host, mapping_eval) and the negotiated minor >= 1 first.
   *
   * Compiles a mapping (`root = [ this.id, @kafka_key ]`). PLUGCTL_INVALID on a parse error,
   * with the reason ("line 1 char 8: expected ...") written into `error_text` when not NULL.
   * Free with mapping_free. Thread-safe. */
  plugctl_status (*mapping_new)(const plugctl_ctx* ctx, const char* text, size_t len,
                                plugctl_mapping** out, plugctl_buf* error_text);
  void (*mapping_free)(plugctl_mapping* mapping);
  /* Runs the mapping on message `index` of `batch`, as the `mapping` processor would (root
   * starts as null; `this` is the message parsed as JSON; metadata reads the message's), and
   * writes the resulting root into `out` as compact JSON text. Strings are JSON strings; bytes
   * become a JSON string of their base64 (as they do nested in any document); timestamps their
   * RFC 3339 text. The message itself is never changed. Returns PLUGCTL_OK, PLUGCTL_NOT_FOUND
   * when the mapping deleted the message (`root = deleted()`) or never assigned root, or
   * PLUGCTL_ERROR with the reason in `error_text` (may be NULL). Thread-safe: many threads may
   * run one mapping at once. */
  plugctl_status (*mapping_eval)(const plugctl_mapping* mapping, const plugctl_batch* batch,
                                 size_t index, plugctl_buf* out, plugctl_buf* error_text);
} plugctl_host;

/* ------------------------------------------------------------------------------------------ */
/* Component vtables. NULL optional slots take the default behaviour written beside them.      */
/* `create` receives the instance context (keep it: it is valid until destroy returns) and the  */
/* config; it returns the instance through out_inst (NULL is a valid instance for a stateless  */
/* component: the host passes it back to every call as is).                                    */
/* ------------------------------------------------------------------------------------------ */
typedef plugctl_status (*plugctl_create_fn)(const plugctl_ctx* ctx, const plugctl_config* cfg,
                                            void** out_inst, plugctl_err* err);

/* What read_batch hands back. The host zeroes it and sets struct_size before each call. */
typedef struct plugctl_read_result {
  uint32_t struct_size;
  uint32_t reserved0;
  plugctl_batch* batch; /* on PLUGCTL_OK: a non-empty batch, ownership passes to the host */
  uint64_t ack_token;   /* on PLUGCTL_OK: passed back to ack() exactly once */
  int64_t backoff_ns;   /* on PLUGCTL_BACKOFF: how long the host waits before the next call */
} plugctl_read_result;

typedef struct plugctl_input_vtable {
  uint32_t struct_size;
  uint32_t reserved0;
  plugctl_create_fn create; /* required */
  /* Establishes the connection. PLUGCTL_OK, or PLUGCTL_NOT_CONNECTED/ERROR to be retried with
   * backoff, or PLUGCTL_FATAL. Called again after read_batch returns NOT_CONNECTED. NULL: none. */
  plugctl_status (*connect)(void* inst, plugctl_err* err);
  /* Required. Never called concurrently on one instance. Should not block much longer than a
   * second: return PLUGCTL_AGAIN when nothing arrived so the host can check for shutdown.
   * Returns OK (out->batch, out->ack_token set), AGAIN, BACKOFF, NOT_CONNECTED, END_OF_INPUT,
   * ERROR (logged, retried with backoff) or FATAL. */
  plugctl_status (*read_batch)(void* inst, plugctl_read_result* out, plugctl_err* err);
  /* Required. Called at most once per token handed out (exactly once unless shutdown gives up),
   * from any thread, possibly while read_batch runs. PLUGCTL_OK: every message of the batch was
   * delivered everywhere it was routed. Anything else is a nack (reason says why): the source
   * should redeliver. On shutdown the host stops reading, waits up to shutdown_timeout for the
   * outstanding acks, then calls close: tokens still unacked then are never acked (the data is
   * read again on the next run, which is what at-least-once means). Never called after close. */
  void (*ack)(void* inst, uint64_t token, plugctl_status status, const char* reason,
              size_t reason_len);
  /* Stops reading and releases connections; read_batch is not called again. NULL: none. */
  void (*close)(void* inst);
  /* Frees the instance. Required. No callbacks into the host after it returns. */
  void (*destroy)(void* inst);
} plugctl_input_vtable;

/* Completion of an asynchronous write: called exactly once, from any thread. Per-message
 * results set before it (results_set) refine `status` as for write_batch. */
typedef void (*plugctl_write_done_fn)(void* done_ctx, plugctl_status status, const char* msg,
                                      size_t msg_len);

typedef struct plugctl_output_vtable {
  uint32_t struct_size;
  uint32_t reserved0;
  plugctl_create_fn create;                                /* required */
  plugctl_status (*connect)(void* inst, plugctl_err* err); /* as for inputs; NULL: none */
  /* Writes the batch, returning only when the messages are durably accepted (or failed).
   * Headline status OK: all delivered. Otherwise each message takes the result set for it with
   * results_set, or the headline status when none was set; only failed messages are retried.
   * NOT_CONNECTED makes the host reconnect before retrying. The batch is read-only. */
  plugctl_status (*write_batch)(void* inst, const plugctl_batch* batch, plugctl_results* results,
                                plugctl_err* err);
  /* Optional asynchronous form, preferred by the host when present. Returning OK means `done`
   * will be called exactly once; the batch and results stay valid until then. `done` may run
   * before write_batch_async has returned (on another thread, or on this one). Returning anything
   * else means the write failed now and `done` is never called. Calls are made in order from
   * one host thread, and the host does not wait for `done` before the next call: up to the
   * component's `max_in_flight` config field (1 when its spec has none) are outstanding at once,
   * so a plugin can complete many writes with one flush (group commit). */
  plugctl_status (*write_batch_async)(void* inst, const plugctl_batch* batch,
                                      plugctl_results* results, plugctl_write_done_fn done,
                                      void* done_ctx, plugctl_err* err);
  /* Flushes and releases connections after the last write completed. NULL: none. */
  void (*close)(void* inst);
  void (*destroy)(void* inst); /* required */
} plugctl_output_vtable;

typedef struct plugctl_processor_vtable {
  uint32_t struct_size;
  uint32_t reserved0;
  plugctl_create_fn create; /* required */
  /* Required. Processes `in` into `out` (empty on entry): take messages from `in` with
   * batch_take (or copy them) and push results to `out`; zero, one or many out per message in.
   * Messages left in `in` are dropped on OK, so filtering is explicit. On a non-OK status the
   * host forwards what is in `out` unchanged and flags every message still in `in` with the
   * error text before forwarding it too: a failure never loses data. A message that fails on
   * its own should be flagged with msg_error_set and pushed, and the call return OK.
   * Concurrent on one instance unless PLUGCTL_FLAG_SERIAL. */
  plugctl_status (*process_batch)(void* inst, plugctl_batch* in, plugctl_batch* out,
                                  plugctl_err* err);
  void (*close)(void* inst);   /* NULL: none */
  void (*destroy)(void* inst); /* required */
} plugctl_processor_vtable;

typedef struct plugctl_cache_vtable {
  uint32_t struct_size;
  uint32_t reserved0;
  plugctl_create_fn create;                                /* required */
  plugctl_status (*connect)(void* inst, plugctl_err* err); /* NULL: none */
  /* All four required, thread-safe. get: OK (value into out) or NOT_FOUND. set: upsert. add: OK
   * or EXISTS. del: OK or NOT_FOUND. ttl_ns <= 0 means the cache's default TTL. */
  plugctl_status (*get)(void* inst, const char* key, size_t key_len, plugctl_buf* out,
                        plugctl_err* err);
  plugctl_status (*set)(void* inst, const char* key, size_t key_len, const char* value,
                        size_t value_len, int64_t ttl_ns, plugctl_err* err);
  plugctl_status (*add)(void* inst, const char* key, size_t key_len, const char* value,
                        size_t value_len, int64_t ttl_ns, plugctl_err* err);
  plugctl_status (*del)(void* inst, const char* key, size_t key_len, plugctl_err* err);
  void (*close)(void* inst);   /* NULL: none */
  void (*destroy)(void* inst); /* required */
} plugctl_cache_vtable;

/* ------------------------------------------------------------------------------------------ */
/* The manifest: static, constant data owned by the plugin, never freed. The host deep-copies  */
/* it and validates it as untrusted input.                                                     */
/* ------------------------------------------------------------------------------------------ */
typedef struct plugctl_component {
  uint32_t struct_size;
  int32_t kind;            /* PLUGCTL_KIND_*; unknown kinds are skipped by older hosts */
  const char* name;        /* snake_case, [a-z0-9_], unique per kind across all plugins */
  const char* summary;     /* one line */
  const char* description; /* Markdown, may be empty */
  int32_t stability;       /* PLUGCTL_STABILITY_* */
  int32_t reserved0;
  const char* categories; /* comma-separated, e.g. "Local,Services"; may be NULL */
  /* The config spec: a JSON field descriptor for the component's config value (see
   * docs/abi.md §Config spec): {"type":"object","children":[{"name":..,"type":..,...}]}. */
  const char* config_spec_json;
  /* Example configs for the docs, YAML, several separated by a line "---"; may be NULL. */
  const char* examples_yaml;
  /* Points to the vtable of `kind` (plugctl_input_vtable for inputs, ...). */
  const void* vtable;
  uint64_t flags; /* PLUGCTL_FLAG_* */
} plugctl_component;

typedef struct plugctl_manifest {
  uint32_t struct_size;
  uint32_t abi_major;          /* PLUGCTL_ABI_MAJOR the plugin was built with */
  uint32_t abi_minor_built;    /* PLUGCTL_ABI_MINOR the plugin was built with */
  uint32_t abi_minor_required; /* lowest host minor the plugin can work with */
  const char* name;            /* plugin name, [a-z0-9_-] */
  const char* version;         /* semantic version of the plugin */
  const char* vendor;
  const char* license; /* SPDX identifier */
  const char* description;
  const char* homepage; /* may be NULL */
  /* Components as an array of pointers, so a component struct may grow without changing the
   * array's stride. */
  const plugctl_component* const* components;
  uint32_t n_components;
  uint32_t reserved0;
} plugctl_manifest;

/* What the host tells the plugin at entry. */
typedef struct plugctl_host_info {
  uint32_t struct_size;
  uint32_t abi_major; /* the host's PLUGCTL_ABI_MAJOR */
  uint32_t abi_minor; /* the host's PLUGCTL_ABI_MINOR */
  uint32_t reserved0;
  const char* host_version;
  const plugctl_host* host; /* the services table, valid until the process exits */
} plugctl_host_info;

/* The entry point. Called once per process, on the loading thread, before anything else. Store
 * info->host, check info->abi_major, and set *out to the static manifest. Return PLUGCTL_OK, or
 * an error status with text through info->host->err_set(err, ...) when the plugin cannot work
 * here (missing library, unsupported host minor...). Must not start threads. */
typedef plugctl_status (*plugctl_plugin_entry_v1_fn)(const plugctl_host_info* info,
                                                     const plugctl_manifest** out,
                                                     plugctl_err* err);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PLUGCTL_PLUGCTL_H */
