// Runs the Bloblang conformance corpus (../shared/conformance/bloblang/public.jsonl, derived
// from Benthos's documentation and tests) through the interpreter and prints the results per
// category. The corpus lives beside the repository, not in it: without it the test is skipped.
#include "bloblang/mapping.hpp"
#include "support/support.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <map>

namespace plugctl::test {
namespace {

namespace json = boost::json;
using bloblang::Mapping;

std::string corpus_path() {
  return source_dir() + "/../shared/conformance/bloblang/public.jsonl";
}

// Parsed-JSON equality where numbers compare by value (1 == 1.0).
bool same(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) {
    double x = a.to_number<double>(), y = b.to_number<double>();
    return x == y || std::fabs(x - y) <= 1e-9 * std::max(std::fabs(x), std::fabs(y));
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!same(x[i], y[i])) return false;
    return true;
  }
  if (a.is_object()) {
    const auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& kv : x) {
      const auto* o = y.if_contains(kv.key());
      if (o == nullptr || !same(kv.value(), *o)) return false;
    }
    return true;
  }
  return a == b;
}

bool output_matches(const std::string& got, const std::string& want) {
  if (got == want) return true;
  boost::system::error_code e1, e2;
  json::value a = json::parse(got, e1);
  json::value b = json::parse(want, e2);
  return !e1 && !e2 && same(a, b);
}

struct Outcome {
  bool ok = false;
  std::string detail;
};

Outcome run_case(const json::object& c) {
  auto str = [&](const char* k) {
    const auto* v = c.if_contains(k);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  bool expect_error = c.at("expect_error").as_bool();
  std::string error = str("error");
  bool exact = str("error_match") == "exact";
  auto error_ok = [&](const std::string& got) {
    if (exact) return got == error;
    return error.empty() || got.find(error) != std::string::npos;
  };
  std::shared_ptr<const Mapping> m;
  try {
    m = Mapping::parse(str("mapping"));
  } catch (const bloblang::ParseError& e) {
    if (expect_error && error_ok(e.what())) return {true, ""};
    return {false, std::string("parse: ") + e.what()};
  }
  try {
    if (const auto* prior = c.if_contains("prior_inputs")) {
      for (const auto& in : prior->as_array()) {
        bloblang::ExecContext ctx;
        ctx.set_message(std::string(in.as_string()));
        try {
          m->run(ctx); // only the state it leaves matters (counters); failures are ignored
        } catch (const std::exception&) {}
      }
    }
    bloblang::ExecContext ctx;
    std::string input = str("input");
    ctx.set_message(input);
    auto r = m->run(ctx);
    if (expect_error) return {false, "expected an error: " + error};
    std::string got;
    if (r.outcome == Mapping::Outcome::Deleted)
      got = "<Message deleted>";
    else if (r.outcome == Mapping::Outcome::Unchanged)
      got = input;
    else
      got = bloblang::serialize(r.value);
    if (output_matches(got, str("output"))) return {true, ""};
    return {false, "got " + got + " want " + str("output")};
  } catch (const std::exception& e) {
    if (expect_error && error_ok(e.what())) return {true, ""};
    return {false, std::string("error: ") + e.what() + (expect_error ? " want " + error : "")};
  }
}

TEST(BloblangConformance, CorpusPassRate) {
  std::ifstream f(corpus_path());
  if (!f)
    GTEST_SKIP() << "conformance corpus not found at " << corpus_path() << " (../shared is absent)";
  TempDir tmp;
  write_file(tmp.file("file.json"), "{\"foo\":\"bar\"}");
  write_file(tmp.file("schema.json"),
             "{\"type\":\"object\",\"properties\":{\"foo\":{\"type\":\"string\"}}}");
  setenv("BENTHOS_TEST_BLOBLANG_FILE", tmp.file("file.json").c_str(), 1);
  setenv("BENTHOS_TEST_BLOBLANG_SCHEMA_FILE", tmp.file("schema.json").c_str(), 1);
  setenv("TZ", "UTC", 1);

  std::map<std::string, std::pair<int, int>> per; // category -> passed, failed
  int passed = 0, failed = 0, skipped = 0;
  std::string failures;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    auto c = json::parse(line).as_object();
    if (c.at("not_tested").as_bool() || c.contains("message_traceparent")) {
      ++skipped;
      continue;
    }
    std::string cat(c.at("category").as_string());
    if (cat.empty()) cat = std::string(c.at("kind").as_string());
    Outcome o = run_case(c);
    if (o.ok) {
      ++passed;
      ++per[cat].first;
    } else {
      ++failed;
      ++per[cat].second;
      failures +=
          "  " + std::string(c.at("id").as_string()) + ": " + o.detail.substr(0, 300) + "\n";
    }
  }
  std::cout << "Bloblang conformance (" << corpus_path() << "):\n";
  for (const auto& [cat, pf] : per)
    std::cout << "  " << cat << ": " << pf.first << " passed, " << pf.second << " failed\n";
  std::cout << "  total: " << passed << " passed, " << failed << " failed, " << skipped
            << " not run (not_tested upstream or need tracing)\n";
  if (!failures.empty()) std::cout << "failures:\n" << failures;
  double rate = passed + failed == 0 ? 0 : 100.0 * passed / (passed + failed);
  EXPECT_GE(rate, 95.0) << "pass rate " << rate << "%";
}

} // namespace
} // namespace plugctl::test
