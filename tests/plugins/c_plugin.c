/*
 * A plugin in plain ISO C11 against plugctl.h alone (no SDK), built twice:
 *  - libplugctl-c.so against abi/include: c_counter, c_memory, c_upper;
 *  - libplugctl-c_compat10.so against the frozen abi/compat/v1.0 header, with every component
 *    name suffixed (c_counter10, ...) so both load side by side. It proves that a plugin built
 *    for 1.0 keeps loading and working on every later 1.x host.
 * Every spec is written by hand as JSON, the way a plugin without the SDK does it.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <plugctl/plugctl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef C_PLUGIN_NAME
#define C_PLUGIN_NAME "c"
#endif
#ifndef C_COMPONENT_SUFFIX
#define C_COMPONENT_SUFFIX ""
#endif

static const plugctl_host* host; /* set once by the entry point */

static void set_error(plugctl_err* err, const char* msg) {
  host->err_set(err, msg, strlen(msg));
}

/* Reads an int config field; `def` when absent. PLUGCTL_INVALID (error set) when not an int. */
static plugctl_status config_int(const plugctl_config* cfg, const char* pointer, int64_t def,
                                 int64_t* out, plugctl_err* err) {
  char msg[160];
  plugctl_status st = host->cfg_int(cfg, pointer, strlen(pointer), out);
  if (st == PLUGCTL_NOT_FOUND) {
    *out = def;
    return PLUGCTL_OK;
  }
  if (st == PLUGCTL_OK) return PLUGCTL_OK;
  snprintf(msg, sizeof msg, "field %s must be an integer", pointer);
  set_error(err, msg);
  return PLUGCTL_INVALID;
}

/* Reads a string config field into a malloc'd NUL-terminated copy; `def` when absent (NULL
 * `def`: the field is required). */
static plugctl_status config_string(const plugctl_config* cfg, const char* pointer, const char* def,
                                    char** out, plugctl_err* err) {
  char msg[160];
  plugctl_bytes v = {NULL, 0};
  plugctl_status st = host->cfg_string(cfg, pointer, strlen(pointer), &v);
  if (st == PLUGCTL_NOT_FOUND && def != NULL) {
    v.ptr = def;
    v.len = strlen(def);
  } else if (st == PLUGCTL_NOT_FOUND) {
    snprintf(msg, sizeof msg, "field %s is required", pointer);
    set_error(err, msg);
    return PLUGCTL_INVALID;
  } else if (st != PLUGCTL_OK) {
    snprintf(msg, sizeof msg, "field %s must be a string", pointer);
    set_error(err, msg);
    return PLUGCTL_INVALID;
  }
  *out = malloc(v.len + 1);
  if (*out == NULL) {
    set_error(err, "out of memory");
    return PLUGCTL_ERROR;
  }
  if (v.len != 0) memcpy(*out, v.ptr, v.len);
  (*out)[v.len] = '\0';
  return PLUGCTL_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* input c_counter: "msg-0".."msg-N-1" in batches; nacked batches are sent again before new    */
/* ones; END_OF_INPUT once everything was sent and acknowledged.                               */
/* ------------------------------------------------------------------------------------------ */
typedef struct range {
  uint64_t token;
  int64_t first;
  int64_t count;
} range;

typedef struct range_list {
  range* items;
  size_t len, cap;
} range_list;

typedef struct counter {
  int64_t count, batch_size;
  char* prefix;
  pthread_mutex_t mu; /* guards everything below: ack runs on any thread */
  pthread_cond_t acked;
  int64_t next; /* first index never sent */
  uint64_t next_token;
  range_list outstanding; /* sent, not acknowledged */
  range_list resend;      /* nacked, sent again first, oldest first */
} counter;

static int range_list_reserve(range_list* l) {
  range* grown;
  size_t cap;
  if (l->len < l->cap) return 1;
  cap = l->cap == 0 ? 16 : l->cap * 2;
  grown = realloc(l->items, cap * sizeof *grown);
  if (grown == NULL) return 0;
  l->items = grown;
  l->cap = cap;
  return 1;
}

static plugctl_status counter_create(const plugctl_ctx* ctx, const plugctl_config* cfg,
                                     void** out_inst, plugctl_err* err) {
  counter* c;
  plugctl_status st;
  (void)ctx;
  c = calloc(1, sizeof *c);
  if (c == NULL) {
    set_error(err, "out of memory");
    return PLUGCTL_ERROR;
  }
  if ((st = config_int(cfg, "/count", 10, &c->count, err)) != PLUGCTL_OK ||
      (st = config_int(cfg, "/batch_size", 1, &c->batch_size, err)) != PLUGCTL_OK ||
      (st = config_string(cfg, "/prefix", "msg-", &c->prefix, err)) != PLUGCTL_OK) {
    free(c->prefix);
    free(c);
    return st;
  }
  if (c->count < 0 || c->batch_size < 1) {
    set_error(err, "field /count must be >= 0 and /batch_size >= 1");
    free(c->prefix);
    free(c);
    return PLUGCTL_INVALID;
  }
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->acked, NULL);
  c->next_token = 1;
  *out_inst = c;
  return PLUGCTL_OK;
}

static plugctl_status counter_read(void* inst, plugctl_read_result* out, plugctl_err* err) {
  counter* c = inst;
  range r;
  plugctl_batch* batch;
  size_t prefix_len = strlen(c->prefix);
  char* payload;
  int64_t i;

  pthread_mutex_lock(&c->mu);
  if (!range_list_reserve(&c->outstanding)) {
    pthread_mutex_unlock(&c->mu);
    set_error(err, "out of memory");
    return PLUGCTL_ERROR;
  }
  if (c->resend.len != 0) {
    r = c->resend.items[0];
    memmove(c->resend.items, c->resend.items + 1, (c->resend.len - 1) * sizeof(range));
    --c->resend.len;
  } else if (c->next < c->count) {
    r.first = c->next;
    r.count = c->count - c->next < c->batch_size ? c->count - c->next : c->batch_size;
    c->next += r.count;
  } else if (c->outstanding.len == 0) {
    pthread_mutex_unlock(&c->mu);
    return PLUGCTL_END_OF_INPUT;
  } else {
    /* Everything sent, acks pending: wait a little for one (a nack brings work) then let the
     * host check for shutdown. */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 50 * 1000 * 1000;
    if (until.tv_nsec >= 1000000000L) {
      until.tv_sec += 1;
      until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&c->acked, &c->mu, &until);
    pthread_mutex_unlock(&c->mu);
    return PLUGCTL_AGAIN;
  }
  r.token = c->next_token++;
  c->outstanding.items[c->outstanding.len++] = r;
  pthread_mutex_unlock(&c->mu);

  payload = malloc(prefix_len + 24);
  if (payload == NULL) abort(); /* the token is recorded; nothing sane to return it through */
  memcpy(payload, c->prefix, prefix_len);
  batch = host->batch_new((size_t)r.count);
  for (i = r.first; i < r.first + r.count; ++i) {
    char index[24];
    int n = snprintf(index, sizeof index, "%lld", (long long)i);
    plugctl_msg* msg;
    memcpy(payload + prefix_len, index, (size_t)n);
    msg = host->batch_push_copy(batch, payload, prefix_len + (size_t)n);
    host->msg_meta_set(msg, "c_index", 7, index, (size_t)n);
  }
  free(payload);
  out->batch = batch;
  out->ack_token = r.token;
  return PLUGCTL_OK;
}

static void counter_ack(void* inst, uint64_t token, plugctl_status status, const char* reason,
                        size_t reason_len) {
  counter* c = inst;
  size_t k;
  (void)reason;
  (void)reason_len;
  pthread_mutex_lock(&c->mu);
  for (k = 0; k < c->outstanding.len; ++k) {
    if (c->outstanding.items[k].token != token) continue;
    if (status != PLUGCTL_OK && range_list_reserve(&c->resend))
      c->resend.items[c->resend.len++] = c->outstanding.items[k];
    c->outstanding.items[k] = c->outstanding.items[--c->outstanding.len];
    break;
  }
  pthread_cond_broadcast(&c->acked);
  pthread_mutex_unlock(&c->mu);
}

static void counter_destroy(void* inst) {
  counter* c = inst;
  pthread_cond_destroy(&c->acked);
  pthread_mutex_destroy(&c->mu);
  free(c->outstanding.items);
  free(c->resend.items);
  free(c->prefix);
  free(c);
}

/* ------------------------------------------------------------------------------------------ */
/* output c_memory: appends payload + "\n" to `path` and fsyncs; with fail_every = N, every    */
/* N-th message seen fails on its own (per-message result) and is not written.                */
/* ------------------------------------------------------------------------------------------ */
typedef struct memory_out {
  char* path;
  int64_t fail_every;
  int fd;
  uint64_t seen; /* messages seen by write_batch (writes are serialised: no CONCURRENT flag) */
} memory_out;

static plugctl_status memory_create(const plugctl_ctx* ctx, const plugctl_config* cfg,
                                    void** out_inst, plugctl_err* err) {
  memory_out* m;
  plugctl_status st;
  (void)ctx;
  m = calloc(1, sizeof *m);
  if (m == NULL) {
    set_error(err, "out of memory");
    return PLUGCTL_ERROR;
  }
  m->fd = -1;
  if ((st = config_string(cfg, "/path", NULL, &m->path, err)) != PLUGCTL_OK ||
      (st = config_int(cfg, "/fail_every", 0, &m->fail_every, err)) != PLUGCTL_OK) {
    free(m->path);
    free(m);
    return st;
  }
  if (m->fail_every < 0) {
    set_error(err, "field /fail_every must be >= 0");
    free(m->path);
    free(m);
    return PLUGCTL_INVALID;
  }
  *out_inst = m;
  return PLUGCTL_OK;
}

static plugctl_status memory_connect(void* inst, plugctl_err* err) {
  memory_out* m = inst;
  char msg[512];
  if (m->fd >= 0) return PLUGCTL_OK;
  m->fd = open(m->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (m->fd >= 0) return PLUGCTL_OK;
  snprintf(msg, sizeof msg, "c_memory: cannot open %s: %s", m->path, strerror(errno));
  set_error(err, msg);
  return PLUGCTL_ERROR;
}

static int write_all(int fd, const char* p, size_t n) {
  while (n != 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return errno;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Message i's payload; empty for a slot without a message (output batches have none). */
static plugctl_bytes payload_at(const plugctl_batch* batch, size_t i) {
  const plugctl_msg* msg = host->batch_get(batch, i);
  plugctl_bytes empty = {"", 0};
  return msg == NULL ? empty : host->msg_payload(msg);
}

static int memory_fails(const memory_out* m, uint64_t nth) {
  return m->fail_every > 0 && nth % (uint64_t)m->fail_every == 0;
}

static plugctl_status memory_write(void* inst, const plugctl_batch* batch, plugctl_results* results,
                                   plugctl_err* err) {
  memory_out* m = inst;
  size_t n = host->batch_len(batch), i, size = 0, failed = 0;
  uint64_t first = m->seen + 1; /* 1-based number of this batch's first message */
  char* buf;
  char msg[512];
  int rc;

  if (m->fd < 0) return PLUGCTL_NOT_CONNECTED;
  m->seen += n;
  for (i = 0; i < n; ++i)
    size += payload_at(batch, i).len + 1;
  buf = malloc(size + 1);
  if (buf == NULL) {
    set_error(err, "out of memory");
    return PLUGCTL_ERROR;
  }
  size = 0;
  for (i = 0; i < n; ++i) {
    plugctl_bytes p;
    if (memory_fails(m, first + i)) {
      ++failed;
      continue;
    }
    p = payload_at(batch, i);
    if (p.len != 0) memcpy(buf + size, p.ptr, p.len);
    size += p.len;
    buf[size++] = '\n';
  }
  rc = write_all(m->fd, buf, size);
  free(buf);
  if (rc == 0 && fsync(m->fd) != 0) rc = errno;
  if (rc != 0) {
    snprintf(msg, sizeof msg, "c_memory: cannot write %s: %s", m->path, strerror(rc));
    set_error(err, msg);
    return PLUGCTL_ERROR;
  }
  if (failed == 0) return PLUGCTL_OK;
  for (i = 0; i < n; ++i) {
    if (memory_fails(m, first + i)) {
      int len = snprintf(msg, sizeof msg, "injected failure: message %llu",
                         (unsigned long long)(first + i));
      host->results_set(results, i, PLUGCTL_ERROR, msg, (size_t)len);
    } else {
      host->results_set(results, i, PLUGCTL_OK, NULL, 0);
    }
  }
  snprintf(msg, sizeof msg, "c_memory: %lu of %lu messages failed (fail_every)",
           (unsigned long)failed, (unsigned long)n);
  set_error(err, msg);
  return PLUGCTL_ERROR;
}

static void memory_close(void* inst) {
  memory_out* m = inst;
  if (m->fd >= 0) close(m->fd);
  m->fd = -1;
}

static void memory_destroy(void* inst) {
  memory_out* m = inst;
  memory_close(m);
  free(m->path);
  free(m);
}

/* ------------------------------------------------------------------------------------------ */
/* processor c_upper: upper-cases ASCII letters, sets metadata c_upper: "1".                   */
/* ------------------------------------------------------------------------------------------ */
static plugctl_status upper_create(const plugctl_ctx* ctx, const plugctl_config* cfg,
                                   void** out_inst, plugctl_err* err) {
  (void)ctx;
  (void)cfg;
  (void)err;
  *out_inst = NULL; /* stateless */
  return PLUGCTL_OK;
}

static plugctl_status upper_process(void* inst, plugctl_batch* in, plugctl_batch* out,
                                    plugctl_err* err) {
  size_t n = host->batch_len(in), i, k;
  (void)inst;
  (void)err;
  for (i = 0; i < n; ++i) {
    plugctl_msg* msg = host->batch_take(in, i);
    plugctl_bytes p;
    char small[256];
    char* buf;
    if (msg == NULL) continue;
    p = host->msg_payload(msg);
    /* Copy first: the view dies when the payload is replaced. */
    buf = p.len <= sizeof small ? small : malloc(p.len);
    if (buf == NULL) {
      host->msg_error_set(msg, "c_upper: out of memory", 22);
      host->batch_push(out, msg); /* flagged, never dropped */
      continue;
    }
    for (k = 0; k < p.len; ++k) {
      char ch = p.ptr[k];
      buf[k] = ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
    }
    host->msg_set_payload(msg, buf, p.len);
    if (buf != small) free(buf);
    host->msg_meta_set(msg, "c_upper", 7, "1", 1);
    host->batch_push(out, msg);
  }
  return PLUGCTL_OK;
}

static void upper_destroy(void* inst) {
  (void)inst;
}

/* ------------------------------------------------------------------------------------------ */
/* Manifest                                                                                    */
/* ------------------------------------------------------------------------------------------ */
static const char counter_spec[] =
    "{\"type\":\"object\",\"children\":["
    "{\"name\":\"count\",\"type\":\"int\",\"description\":\"How many messages to produce.\","
    "\"default\":10},"
    "{\"name\":\"prefix\",\"type\":\"string\",\"description\":\"Payload prefix; the message "
    "index follows it.\",\"default\":\"msg-\"},"
    "{\"name\":\"batch_size\",\"type\":\"int\",\"description\":\"Most messages per batch.\","
    "\"default\":1}]}";

static const char memory_spec[] =
    "{\"type\":\"object\",\"children\":["
    "{\"name\":\"path\",\"type\":\"string\",\"description\":\"File that every payload is "
    "appended to, one per line.\"},"
    "{\"name\":\"fail_every\",\"type\":\"int\",\"description\":\"When N > 0, every N-th message "
    "fails with its own error and is not written.\",\"default\":0}]}";

static const char upper_spec[] = "{\"type\":\"object\",\"children\":[]}";

static const plugctl_input_vtable counter_vtable = {sizeof(plugctl_input_vtable),
                                                    0,
                                                    counter_create,
                                                    NULL,
                                                    counter_read,
                                                    counter_ack,
                                                    NULL,
                                                    counter_destroy};
static const plugctl_output_vtable memory_vtable = {sizeof(plugctl_output_vtable),
                                                    0,
                                                    memory_create,
                                                    memory_connect,
                                                    memory_write,
                                                    NULL,
                                                    memory_close,
                                                    memory_destroy};
static const plugctl_processor_vtable upper_vtable = {
    sizeof(plugctl_processor_vtable), 0, upper_create, upper_process, NULL, upper_destroy};

static const plugctl_component counter_component = {
    sizeof(plugctl_component),
    PLUGCTL_KIND_INPUT,
    "c_counter" C_COMPONENT_SUFFIX,
    "Counts messages, in C.",
    "Produces `<prefix><index>` for index 0 to count-1 with metadata `c_index`, in batches of "
    "up to `batch_size`. A nacked batch is sent again before new messages; the input ends once "
    "everything was sent and acknowledged.",
    PLUGCTL_STABILITY_EXPERIMENTAL,
    0,
    "Testing",
    counter_spec,
    "input:\n  c_counter" C_COMPONENT_SUFFIX ":\n    count: 3\n    batch_size: 2\n",
    &counter_vtable,
    0};
static const plugctl_component memory_component = {
    sizeof(plugctl_component),
    PLUGCTL_KIND_OUTPUT,
    "c_memory" C_COMPONENT_SUFFIX,
    "Appends payloads to a file, in C.",
    "Appends each payload and a line break to `path`, fsyncs, and can fail every N-th message "
    "on its own (`fail_every`) to exercise per-message results.",
    PLUGCTL_STABILITY_EXPERIMENTAL,
    0,
    "Testing",
    memory_spec,
    "output:\n  c_memory" C_COMPONENT_SUFFIX ":\n    path: /tmp/c_memory.txt\n",
    &memory_vtable,
    0};
static const plugctl_component upper_component = {
    sizeof(plugctl_component),
    PLUGCTL_KIND_PROCESSOR,
    "c_upper" C_COMPONENT_SUFFIX,
    "Upper-cases ASCII payloads, in C.",
    "Upper-cases the ASCII letters of each payload and sets metadata `c_upper` to `1`.",
    PLUGCTL_STABILITY_EXPERIMENTAL,
    0,
    "Testing",
    upper_spec,
    NULL,
    &upper_vtable,
    0};

static const plugctl_component* const components[] = {&counter_component, &memory_component,
                                                      &upper_component};

static const plugctl_manifest manifest = {sizeof(plugctl_manifest),
                                          PLUGCTL_ABI_MAJOR,
                                          PLUGCTL_ABI_MINOR,
                                          0,
                                          C_PLUGIN_NAME,
                                          "1.0.0",
                                          "plugctl",
                                          "Apache-2.0",
                                          "Test components written in plain C11.",
                                          NULL,
                                          components,
                                          sizeof components / sizeof components[0],
                                          0};

PLUGCTL_EXPORT plugctl_status plugctl_plugin_entry_v1(const plugctl_host_info* info,
                                                      const plugctl_manifest** out,
                                                      plugctl_err* err) {
  if (info == NULL || info->host == NULL || out == NULL) return PLUGCTL_INVALID;
  if (info->abi_major != PLUGCTL_ABI_MAJOR) {
    static const char msg[] = "plugin " C_PLUGIN_NAME " needs plugctl C ABI 1";
    info->host->err_set(err, msg, sizeof msg - 1);
    return PLUGCTL_UNSUPPORTED;
  }
  /* Every slot this plugin calls is a 1.0 slot; a 1.x host table holds them all, up to the
   * last 1.0 slot. */
  if (!PLUGCTL_HAS_FIELD(info->host, plugctl_host, batch_meta_set)) {
    static const char msg[] = "host services table smaller than ABI 1.0";
    info->host->err_set(err, msg, sizeof msg - 1);
    return PLUGCTL_UNSUPPORTED;
  }
  host = info->host;
  *out = &manifest;
  return PLUGCTL_OK;
}
