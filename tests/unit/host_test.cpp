// The host services table as a plugin sees it: config getters, messages, batches, zero-copy
// owners, buffers, write results, interpolation and metrics.
#include "host/host.hpp"
#include "telemetry/metrics.hpp"

#include <atomic>
#include <cstring>
#include <gtest/gtest.h>

namespace plugctl::test {
namespace {

const plugctl_host& H() {
  return *core::host_table();
}

std::string S(plugctl_bytes b) {
  return std::string(b.ptr, b.len);
}

TEST(Host, ConfigGettersByJsonPointer) {
  auto v = boost::json::parse(
      R"({"name":"x","n":42,"f":1.5,"b":true,"d":"1m30s","empty":"","list":["a","b"],
          "map":{"k.1":"v","a/b":"w"},"nul":null})");
  plugctl_config cfg;
  cfg.value = &v;
  plugctl_bytes s{};
  int64_t i = 0;
  double f = 0;
  int32_t b = 0;
  size_t n = 0;
  EXPECT_EQ(H().cfg_string(&cfg, "/name", 5, &s), PLUGCTL_OK);
  EXPECT_EQ(S(s), "x");
  EXPECT_EQ(H().cfg_int(&cfg, "/n", 2, &i), PLUGCTL_OK);
  EXPECT_EQ(i, 42);
  EXPECT_EQ(H().cfg_float(&cfg, "/f", 2, &f), PLUGCTL_OK);
  EXPECT_EQ(f, 1.5);
  EXPECT_EQ(H().cfg_float(&cfg, "/n", 2, &f), PLUGCTL_OK);
  EXPECT_EQ(f, 42.0);
  EXPECT_EQ(H().cfg_bool(&cfg, "/b", 2, &b), PLUGCTL_OK);
  EXPECT_EQ(b, 1);
  EXPECT_EQ(H().cfg_duration(&cfg, "/d", 2, &i), PLUGCTL_OK);
  EXPECT_EQ(i, 90'000'000'000);
  EXPECT_EQ(H().cfg_duration(&cfg, "/empty", 6, &i), PLUGCTL_NOT_FOUND);
  EXPECT_EQ(H().cfg_duration(&cfg, "/name", 5, &i), PLUGCTL_INVALID);
  EXPECT_EQ(H().cfg_size(&cfg, "/list", 5, &n), PLUGCTL_OK);
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(H().cfg_string(&cfg, "/list/1", 7, &s), PLUGCTL_OK);
  EXPECT_EQ(S(s), "b");
  EXPECT_EQ(H().cfg_key(&cfg, "/map", 4, 0, &s), PLUGCTL_OK);
  EXPECT_EQ(S(s), "k.1");
  EXPECT_EQ(H().cfg_string(&cfg, "/map/a~1b", 9, &s), PLUGCTL_OK);
  EXPECT_EQ(S(s), "w");
  EXPECT_EQ(H().cfg_string(&cfg, "/missing", 8, &s), PLUGCTL_NOT_FOUND);
  EXPECT_EQ(H().cfg_string(&cfg, "/nul", 4, &s), PLUGCTL_NOT_FOUND);
  EXPECT_EQ(H().cfg_int(&cfg, "/name", 5, &i), PLUGCTL_INVALID);
  EXPECT_EQ(H().cfg_json(&cfg, "/list", 5, &s), PLUGCTL_OK);
  EXPECT_EQ(S(s), R"(["a","b"])");
  EXPECT_EQ(H().cfg_json(&cfg, "", 0, &s), PLUGCTL_OK);
  EXPECT_EQ(S(s).front(), '{');
}

TEST(Host, MessagesMetadataAndErrors) {
  plugctl_msg* m = H().msg_new("hello", 5);
  EXPECT_EQ(S(H().msg_payload(m)), "hello");
  H().msg_meta_set(m, "k", 1, "v", 1);
  H().msg_meta_set(m, "k", 1, "v2", 2);
  H().msg_meta_set(m, "z", 1, "", 0);
  EXPECT_EQ(H().msg_meta_count(m), 2u);
  plugctl_bytes v{}, k{};
  ASSERT_EQ(H().msg_meta_get(m, "k", 1, &v), PLUGCTL_OK);
  EXPECT_EQ(S(v), "v2");
  ASSERT_EQ(H().msg_meta_at(m, 1, &k, &v), PLUGCTL_OK);
  EXPECT_EQ(S(k), "z");
  EXPECT_EQ(H().msg_meta_at(m, 2, &k, &v), PLUGCTL_NOT_FOUND);
  plugctl_msg* copy = H().msg_copy(m);
  EXPECT_EQ(H().msg_meta_delete(m, "k", 1), PLUGCTL_OK);
  EXPECT_EQ(H().msg_meta_delete(m, "k", 1), PLUGCTL_NOT_FOUND);
  ASSERT_EQ(H().msg_meta_get(copy, "k", 1, &v), PLUGCTL_OK) << "copies do not share edits";
  EXPECT_EQ(H().msg_error_get(m, &v), PLUGCTL_NOT_FOUND);
  H().msg_error_set(m, "boom", 4);
  ASSERT_EQ(H().msg_error_get(m, &v), PLUGCTL_OK);
  EXPECT_EQ(S(v), "boom");
  H().msg_error_clear(m);
  EXPECT_EQ(H().msg_error_get(m, &v), PLUGCTL_NOT_FOUND);
  H().msg_set_payload(copy, "bye", 3);
  EXPECT_EQ(S(H().msg_payload(m)), "hello");
  EXPECT_EQ(S(H().msg_payload(copy)), "bye");
  H().msg_free(m);
  H().msg_free(copy);
  H().msg_free(nullptr);
}

TEST(Host, BatchesTakeAndPush) {
  plugctl_batch* b = H().batch_new(4);
  H().batch_push(b, H().msg_new("a", 1));
  H().batch_push_copy(b, "b", 1);
  H().batch_push_copy(b, "c", 1);
  EXPECT_EQ(H().batch_len(b), 3u);
  plugctl_msg* taken = H().batch_take(b, 1);
  EXPECT_EQ(S(H().msg_payload(taken)), "b");
  EXPECT_EQ(H().batch_get(b, 1), nullptr) << "a taken slot reads as NULL";
  EXPECT_EQ(H().batch_take(b, 1), nullptr);
  plugctl_bytes views[4];
  ASSERT_EQ(H().batch_payloads(b, 0, views, 4), 3u);
  EXPECT_EQ(S(views[0]), "a");
  EXPECT_EQ(S(views[1]), "");
  EXPECT_EQ(S(views[2]), "c");
  H().batch_meta_set(b, 0, "src", 3, "x", 1);
  plugctl_bytes v{};
  ASSERT_EQ(H().msg_meta_get(H().batch_get(b, 2), "src", 3, &v), PLUGCTL_OK);
  EXPECT_EQ(S(v), "x");
  H().msg_free(taken);
  H().batch_free(b);
}

TEST(Host, SharedOwnersReleaseOnceAfterTheLastMessage) {
  static std::atomic<int> released{0};
  released = 0;
  char* chunk = new char[8];
  std::memcpy(chunk, "one\ntwo\n", 8);
  plugctl_shared* s = H().shared_new(
      [](void* p) {
        delete[] static_cast<char*>(p);
        ++released;
      },
      chunk);
  plugctl_batch* b = H().batch_new(2);
  H().batch_push_shared(b, s, chunk, 3);
  H().batch_push_shared(b, s, chunk + 4, 3);
  H().shared_unref(s);
  EXPECT_EQ(released, 0) << "messages still view the chunk";
  EXPECT_EQ(S(H().msg_payload(H().batch_get(b, 1))), "two");
  plugctl_msg* kept = H().batch_take(b, 0);
  H().batch_free(b);
  EXPECT_EQ(released, 0);
  H().msg_free(kept);
  EXPECT_EQ(released, 1);
}

TEST(Host, ErrorsBuffersAndResults) {
  plugctl_err err;
  H().err_set(&err, "first", 5);
  H().err_set(&err, "second", 6);
  EXPECT_TRUE(err.set);
  EXPECT_EQ(err.text, "second");
  plugctl_buf* buf = H().buf_new();
  H().buf_set(buf, "abc", 3);
  EXPECT_EQ(S(H().buf_data(buf)), "abc");
  H().buf_free(buf);
  plugctl_results r;
  r.reset(2);
  H().results_set(&r, 1, PLUGCTL_ERROR, "bad", 3);
  H().results_set(&r, 5, PLUGCTL_ERROR, "ignored", 7);
  EXPECT_EQ(r.status(0), -1);
  EXPECT_EQ(r.status(1), PLUGCTL_ERROR);
  EXPECT_EQ(*r.text(1), "bad");
  EXPECT_EQ(r.status(5), -1);
}

TEST(Host, InterpolationOfLiteralsAndItsErrors) {
  plugctl_interp* i = nullptr;
  plugctl_buf* out = H().buf_new();
  ASSERT_EQ(H().interp_new(nullptr, "/data/out.txt", 13, &i, out), PLUGCTL_OK);
  EXPECT_EQ(H().interp_is_static(i), 1);
  plugctl_batch* b = H().batch_new(1);
  H().batch_push_copy(b, "m", 1);
  ASSERT_EQ(H().interp_eval(i, b, 0, out, out), PLUGCTL_OK);
  EXPECT_EQ(S(H().buf_data(out)), "/data/out.txt");
  H().interp_free(i);
  std::string escaped = "cost: $${!literal}";
  ASSERT_EQ(H().interp_new(nullptr, escaped.data(), escaped.size(), &i, out), PLUGCTL_OK);
  ASSERT_EQ(H().interp_eval(i, b, 0, out, out), PLUGCTL_OK);
  EXPECT_EQ(S(H().buf_data(out)), "cost: ${!literal}");
  H().interp_free(i);
  std::string open = "${! unterminated";
  EXPECT_EQ(H().interp_new(nullptr, open.data(), open.size(), &i, out), PLUGCTL_INVALID);
  EXPECT_EQ(S(H().buf_data(out)), "unterminated interpolation '${!' at offset 0");
  H().batch_free(b);
  H().buf_free(out);
}

// ABI 1.1: a plugin runs a whole Bloblang mapping and reads the root as JSON.
TEST(Host, MappingsRunOnAMessageAndReturnTheRootAsJson) {
  auto eval = [](std::string_view mapping, std::string_view payload, plugctl_status& st) {
    plugctl_mapping* m = nullptr;
    plugctl_buf* out = H().buf_new();
    std::string text;
    st = H().mapping_new(nullptr, mapping.data(), mapping.size(), &m, out);
    if (st == PLUGCTL_OK) {
      plugctl_batch* b = H().batch_new(1);
      plugctl_msg* msg = H().batch_push_copy(b, payload.data(), payload.size());
      H().msg_meta_set(msg, "k", 1, "v1", 2);
      st = H().mapping_eval(m, b, 0, out, out);
      EXPECT_EQ(S(H().msg_payload(H().batch_get(b, 0))), payload) << "the message changed";
      H().batch_free(b);
      H().mapping_free(m);
    }
    text = S(H().buf_data(out));
    H().buf_free(out);
    return text;
  };
  plugctl_status st = PLUGCTL_OK;
  EXPECT_EQ(eval(R"(root = [ this.id, this.name.uppercase(), @k, null, true, 1.5 ])",
                 R"({"id":7,"name":"ann"})", st),
            R"([7,"ANN","v1",null,true,1.5])");
  EXPECT_EQ(st, PLUGCTL_OK);
  // Bytes become base64 (as nested anywhere), timestamps RFC 3339.
  EXPECT_EQ(
      eval(
          R"(root = [ content(), "2024-05-01T10:00:00+02:00".ts_parse("2006-01-02T15:04:05Z07:00") ])",
          "hi", st),
      R"(["aGk=","2024-05-01T10:00:00+02:00"])");
  EXPECT_EQ(st, PLUGCTL_OK);
  EXPECT_EQ(eval("root = this.a", R"({"a":{"b":[1,2]}})", st), R"({"b":[1,2]})");
  EXPECT_EQ(eval("root = deleted()", "{}", st), "the mapping deleted the message");
  EXPECT_EQ(st, PLUGCTL_NOT_FOUND);
  EXPECT_EQ(eval("meta x = 1", "{}", st), "the mapping assigned no root");
  EXPECT_EQ(st, PLUGCTL_NOT_FOUND);
  EXPECT_NE(eval("root = this.a.number()", R"({"a":"x"})", st), "");
  EXPECT_EQ(st, PLUGCTL_ERROR);
  EXPECT_NE(eval("root = [", "{}", st).find("line 1"), std::string::npos);
  EXPECT_EQ(st, PLUGCTL_INVALID);
}

// ABI 1.2: the elements of a root array as typed values, their text in one buffer.
TEST(Host, MappingsReturnTheirRootArrayAsTypedValues) {
  struct Got {
    plugctl_status st;
    std::vector<plugctl_value> values;
    size_t count = 0;
    std::string text;
  };
  auto eval = [](std::string_view mapping, std::string_view payload, size_t capacity) {
    Got g;
    plugctl_mapping* m = nullptr;
    plugctl_buf* text = H().buf_new();
    EXPECT_EQ(H().mapping_new(nullptr, mapping.data(), mapping.size(), &m, text), PLUGCTL_OK);
    plugctl_batch* b = H().batch_new(1);
    H().batch_push_copy(b, payload.data(), payload.size());
    g.values.resize(capacity);
    g.st = H().mapping_eval_values(m, b, 0, g.values.data(), capacity, &g.count, text, text);
    g.text = S(H().buf_data(text));
    H().batch_free(b);
    H().mapping_free(m);
    H().buf_free(text);
    return g;
  };
  Got g = eval(R"(root = [ this.id, this.name, null, true, 1.5, {"a": [1]}, content(), )"
               R"(this.big, -4 ])",
               R"({"id":7,"name":"ann","big":18446744073709551615})", 16);
  ASSERT_EQ(g.st, PLUGCTL_OK);
  ASSERT_EQ(g.count, 9u);
  auto text = [&](size_t i) { return g.text.substr(g.values[i].offset, g.values[i].len); };
  EXPECT_EQ(g.values[0].type, static_cast<uint32_t>(PLUGCTL_VALUE_INT));
  EXPECT_EQ(g.values[0].num.i, 7);
  EXPECT_EQ(g.values[1].type, static_cast<uint32_t>(PLUGCTL_VALUE_STRING));
  EXPECT_EQ(text(1), "ann");
  EXPECT_EQ(g.values[2].type, static_cast<uint32_t>(PLUGCTL_VALUE_NULL));
  EXPECT_EQ(g.values[3].type, static_cast<uint32_t>(PLUGCTL_VALUE_BOOL));
  EXPECT_EQ(g.values[3].num.i, 1);
  EXPECT_EQ(g.values[4].type, static_cast<uint32_t>(PLUGCTL_VALUE_FLOAT));
  EXPECT_EQ(g.values[4].num.f, 1.5);
  EXPECT_EQ(g.values[5].type, static_cast<uint32_t>(PLUGCTL_VALUE_JSON));
  EXPECT_EQ(text(5), R"({"a":[1]})");
  EXPECT_EQ(g.values[6].type, static_cast<uint32_t>(PLUGCTL_VALUE_STRING)); // base64 in arrays
  EXPECT_EQ(text(6).substr(0, 12), "eyJpZCI6Nywi");
  EXPECT_EQ(g.values[7].type, static_cast<uint32_t>(PLUGCTL_VALUE_UINT));
  EXPECT_EQ(g.values[7].num.u, UINT64_MAX);
  EXPECT_EQ(g.values[8].num.i, -4);
  // Too little room: the count says how much is needed, the first ones are written.
  g = eval("root = [ 1, 2, 3 ]", "{}", 2);
  EXPECT_EQ(g.st, PLUGCTL_OK);
  EXPECT_EQ(g.count, 3u);
  EXPECT_EQ(g.values[1].num.i, 2);
  g = eval("root = []", "{}", 0);
  EXPECT_EQ(g.st, PLUGCTL_OK);
  EXPECT_EQ(g.count, 0u);
  g = eval("root = this.name", R"({"name":"ann"})", 4);
  EXPECT_EQ(g.st, PLUGCTL_INVALID);
  EXPECT_EQ(g.text, "the mapping returned a string, not an array");
  g = eval("root = this", R"({"name":"ann"})", 4);
  EXPECT_EQ(g.text, "the mapping returned an object, not an array");
  g = eval("root = deleted()", "{}", 4);
  EXPECT_EQ(g.st, PLUGCTL_NOT_FOUND);
  EXPECT_EQ(g.text, "the mapping deleted the message");
  g = eval("root = [ this.a.number() ]", R"({"a":"x"})", 4);
  EXPECT_EQ(g.st, PLUGCTL_ERROR);
  EXPECT_NE(g.text, "");
  g = eval("root = [ this.a ]", "not json", 4);
  EXPECT_EQ(g.st, PLUGCTL_ERROR);
}

// `root = [ ... ]` takes a shortcut (elements evaluated one by one, no array built): it must
// give what the general path gives for the same elements.
TEST(Host, RootArrayShortcutMatchesTheGeneralPath) {
  auto eval = [](const std::string& mapping, std::string_view payload, std::string& error) {
    plugctl_mapping* m = nullptr;
    plugctl_buf* text = H().buf_new();
    EXPECT_EQ(H().mapping_new(nullptr, mapping.data(), mapping.size(), &m, text), PLUGCTL_OK)
        << mapping;
    plugctl_batch* b = H().batch_new(1);
    H().batch_push_copy(b, payload.data(), payload.size());
    std::vector<plugctl_value> values(16);
    size_t count = 0;
    plugctl_status st =
        H().mapping_eval_values(m, b, 0, values.data(), values.size(), &count, text, text);
    std::string t = S(H().buf_data(text));
    std::string shown = std::to_string(st) + ":";
    if (st == PLUGCTL_OK) {
      for (size_t i = 0; i < count; ++i) {
        const auto& v = values[i];
        shown += " " + std::to_string(v.type) + "/";
        if (v.type == PLUGCTL_VALUE_FLOAT)
          shown += std::to_string(v.num.f);
        else if (v.type == PLUGCTL_VALUE_UINT)
          shown += std::to_string(v.num.u);
        else
          shown += std::to_string(v.num.i);
        shown += "/" + t.substr(v.offset, v.len);
      }
    } else {
      error = t;
    }
    H().batch_free(b);
    H().mapping_free(m);
    H().buf_free(text);
    return shown;
  };
  const std::string payload = R"({"id":7,"name":"ann","tags":["a",{"b":null}],"n":2.5})";
  for (const std::string elems :
       {R"(this.id, this.name, this.tags, this.n, null, true, "lit")",
        R"(deleted(), this.id, nothing(), this.missing | "dflt", this.n * 2)",
        R"(content(), "2024-05-01T10:00:00+02:00".ts_parse("2006-01-02T15:04:05Z07:00"))",
        R"(this.tags.index(1), this.name.uppercase(), [this.id], {"k": this.n})",
        R"(this.name.number())", R"(this.nope.uppercase())", ""}) {
    std::string e1, e2;
    std::string fast = eval("root = [ " + elems + " ]", payload, e1);
    std::string general = eval("let unused = 0\nroot = [ " + elems + " ]", payload, e2);
    EXPECT_EQ(fast, general) << elems;
    // Errors name the assignment's own line (1 vs 2), with the same reason.
    EXPECT_EQ(e1.empty(), e2.empty()) << elems;
    if (!e1.empty()) {
      EXPECT_NE(e1.find("line 1"), std::string::npos) << e1;
      EXPECT_EQ(e1.substr(e1.find(')')), e2.substr(e2.find(')'))) << elems;
    }
  }
}

TEST(Host, MetricsAreRecordedInTheRegistry) {
  plugctl_ctx ctx;
  ctx.label = "lbl";
  ctx.path = "output";
  plugctl_bytes names[1] = {{"topic", 5}};
  plugctl_metric* c = H().metric_new(&ctx, PLUGCTL_METRIC_COUNTER, "test_host_sent", 14, names, 1);
  ASSERT_NE(c, nullptr);
  plugctl_bytes vals[1] = {{"t1", 2}};
  H().metric_record(c, vals, 1, 3);
  H().metric_record(c, vals, 1, 2);
  H().metric_record(c, vals, 0, 100); // wrong label count: ignored
  EXPECT_EQ(H().metric_new(&ctx, PLUGCTL_METRIC_GAUGE, "test_host_sent", 14, names, 1), nullptr)
      << "one name, one type";
  EXPECT_EQ(H().metric_new(&ctx, PLUGCTL_METRIC_COUNTER, "Bad-Name", 8, nullptr, 0), nullptr);
  double value = -1;
  for (const auto& fam : core::metrics_registry().Collect()) {
    if (fam.name != "test_host_sent") continue;
    for (const auto& m : fam.metric) {
      bool match = false;
      for (const auto& l : m.label)
        match |= l.name == "topic" && l.value == "t1";
      if (match) value = m.counter.value;
    }
  }
  EXPECT_EQ(value, 5.0);
}

} // namespace
} // namespace plugctl::test
