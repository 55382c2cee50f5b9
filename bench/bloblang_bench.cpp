// Bloblang benchmark: a representative mapping (about ten assignments: renames, string methods,
// arithmetic, a match, a timestamp format, a nested object) over generated JSON documents of
// about 1 KiB. Prints ns/message for parsing the document, evaluating the mapping and
// serialising the result, each measured separately. Usage: bloblang_bench [DOCS]
#include "bloblang/mapping.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

const char* kMapping = R"(root.id = this.id
root.user_name = this.user.name.uppercase()
root.email = this.user.email.lowercase()
root.total = this.price * this.quantity
root.discounted = (this.price * 0.9).round()
root.status = match this.status {
  "A" => "active"
  "I" => "inactive"
  _ => "unknown"
}
root.created = this.created_at.ts_format("2006-01-02")
root.tags = this.tags.join(",")
root.address = {"city": this.address.city, "zip": this.address.zip}
root.is_big = this.quantity > 10
)";

std::string make_doc(int i) {
  std::string notes;
  for (int k = 0; k < 25; ++k)
    notes += "note number " + std::to_string(k) + " for document, ";
  return "{\"id\":" + std::to_string(i) + ",\"user\":{\"name\":\"User Name " + std::to_string(i) +
         "\",\"email\":\"User" + std::to_string(i) +
         "@Example.COM\",\"roles\":[\"admin\",\"dev\"]},\"price\":" + std::to_string(10 + i % 90) +
         ".5,\"quantity\":" + std::to_string(i % 25) + ",\"status\":\"" + (i % 3 == 0 ? "A" : "I") +
         "\",\"created_at\":\"2024-03-0" + std::to_string(1 + i % 9) +
         "T10:20:30Z\",\"tags\":[\"a\",\"b\",\"c\",\"d\"],\"address\":{\"city\":\"Lisbon\","
         "\"zip\":\"1000-001\",\"street\":\"Rua Augusta " +
         std::to_string(i) + "\"},\"notes\":\"" + notes +
         "\",\"extra\":{\"k1\":1,\"k2\":[1,2,3],\"k3\":{\"x\":true}}}";
}

double now_ns() {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count());
}

} // namespace

int main(int argc, char** argv) {
  using namespace plugctl::bloblang;
  size_t n = argc > 1 ? std::stoul(argv[1]) : 1000000;
  const size_t distinct = 1000;
  std::vector<std::string> docs;
  size_t bytes = 0;
  for (size_t i = 0; i < distinct; ++i) {
    docs.push_back(make_doc(static_cast<int>(i)));
    bytes += docs.back().size();
  }
  auto mapping = Mapping::parse(kMapping);

  // 1. Parse: bytes -> JSON, as the pipeline does it (ExecContext::parsed: a reused parser, one
  // arena per document reached through a storage pointer that counts no references, the
  // document and its arena held together).
  struct Parsed {
    explicit Parsed(size_t size) : resource(size) {}
    json::monotonic_resource resource;
    std::optional<json::value> doc;
  };
  std::vector<std::shared_ptr<Parsed>> parsed(distinct);
  json::parser parser;
  double t0 = now_ns();
  for (size_t i = 0; i < n; ++i) {
    const std::string& d = docs[i % distinct];
    auto held = std::make_shared<Parsed>(d.size() * 2 + 256);
    parser.reset(json::storage_ptr(&held->resource));
    parser.write(d.data(), d.size());
    held->doc.emplace(parser.release());
    parsed[i % distinct] = std::move(held);
  }
  double parse_ns = (now_ns() - t0) / static_cast<double>(n);

  // 2. Evaluate: the mapping over an already parsed document.
  std::vector<Value> results(distinct);
  size_t failures = 0;
  t0 = now_ns();
  for (size_t i = 0; i < n; ++i) {
    ExecContext ctx;
    const Value doc = Value::ref(*parsed[i % distinct]->doc);
    ctx.push_this(&doc);
    try {
      results[i % distinct] = std::move(mapping->run(ctx).value);
    } catch (const std::exception& e) {
      if (failures++ == 0) std::fprintf(stderr, "mapping failed: %s\n", e.what());
    }
  }
  double eval_ns = (now_ns() - t0) / static_cast<double>(n);

  // 3. Serialise the result.
  size_t out_bytes = 0;
  t0 = now_ns();
  for (size_t i = 0; i < n; ++i)
    out_bytes += serialize(results[i % distinct]).size();
  double ser_ns = (now_ns() - t0) / static_cast<double>(n);

  std::printf("documents: %zu (avg %zu bytes), mapping of %d assignments, failures %zu\n", n,
              bytes / distinct, 10, failures);
  std::printf("parse     %8.0f ns/message\n", parse_ns);
  std::printf("evaluate  %8.0f ns/message   (target < 1000)\n", eval_ns);
  std::printf("serialise %8.0f ns/message   (%zu bytes out)\n", ser_ns, out_bytes / n);
  std::printf("total     %8.0f ns/message = %.0f messages/s on one core\n",
              parse_ns + eval_ns + ser_ns, 1e9 / (parse_ns + eval_ns + ser_ns));
  return failures == 0 ? 0 : 1;
}
