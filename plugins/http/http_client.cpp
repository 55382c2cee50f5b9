// The http_client output and processor: requests through a CurlClient (libcurl multi).
#include "curl_client.hpp"
#include "http_config.hpp"

#include <boost/json.hpp>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <random>
#include <regex>

namespace plugctl::http {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return out;
}

// A compiled header filter (prefixes and regular expressions, any case).
class KeyFilter {
public:
  explicit KeyFilter(const HeaderFilter& f) {
    for (const auto& p : f.prefixes)
      prefixes_.push_back(lower(p));
    for (const auto& p : f.patterns)
      patterns_.emplace_back(p, std::regex::ECMAScript | std::regex::icase);
  }
  bool empty() const { return prefixes_.empty() && patterns_.empty(); }
  bool match(std::string_view key) const {
    std::string k = lower(key);
    for (const auto& p : prefixes_)
      if (k.compare(0, p.size(), p) == 0) return true;
    for (const auto& re : patterns_)
      if (std::regex_search(k, re)) return true;
    return false;
  }

private:
  std::vector<std::string> prefixes_;
  std::vector<std::regex> patterns_;
};

std::string random_boundary() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[40];
  std::snprintf(buf, sizeof buf, "plugctl-%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

// What the client components share: the client, the compiled url and headers.
class ClientBase {
public:
  ClientBase(const sdk::Context& ctx, const ClientConfig& cfg)
      : ctx_(ctx), cfg_(cfg), url_(ctx, cfg.url) {
    for (const auto& [k, v] : cfg.headers)
      headers_.emplace_back(k, sdk::Interpolated(ctx, v));
    client_ = std::make_unique<CurlClient>(cfg_);
  }

protected:
  // The request for message i of the batch, with `body`. Throws sdk::Error when an
  // interpolation fails.
  HttpRequest request_for(const sdk::ConstBatch& batch, size_t i, std::string body,
                          std::string_view content_type = {}) const {
    sdk::Buffer buf;
    HttpRequest r;
    r.url = std::string(url_.eval(batch, i, buf));
    r.method = cfg_.verb;
    for (const auto& [name, value] : headers_) {
      if (!content_type.empty() && lower(name) == "content-type") continue;
      r.headers.push_back(name + ": " + std::string(value.eval(batch, i, buf)));
    }
    if (!content_type.empty()) r.headers.push_back("Content-Type: " + std::string(content_type));
    r.body = std::move(body);
    return r;
  }

  // One body for the whole batch in the configured batched format; sets the content type.
  std::string batch_body(const sdk::ConstBatch& batch, std::string& content_type) const {
    std::string body;
    size_t n = batch.size();
    switch (cfg_.batch_format) {
    case BatchFormat::JsonArray: {
      content_type = "application/json";
      body = "[";
      for (size_t i = 0; i < n; ++i) {
        if (i > 0) body += ",";
        std::string_view p = batch[i].payload();
        boost::system::error_code ec;
        auto v = boost::json::parse(p, ec);
        body += ec ? boost::json::serialize(boost::json::value(p)) : boost::json::serialize(v);
      }
      body += "]";
      break;
    }
    case BatchFormat::Lines:
      for (size_t i = 0; i < n; ++i) {
        body += batch[i].payload();
        body += "\n";
      }
      break;
    case BatchFormat::Multipart: {
      std::string b = random_boundary();
      content_type = "multipart/mixed; boundary=" + b;
      for (size_t i = 0; i < n; ++i) {
        body += "--" + b + "\r\nContent-Type: application/octet-stream\r\n\r\n";
        body += batch[i].payload();
        body += "\r\n";
      }
      body += "--" + b + "--\r\n";
      break;
    }
    case BatchFormat::Individual:
      break;
    }
    return body;
  }

  sdk::Context ctx_;
  ClientConfig cfg_;
  sdk::Interpolated url_;
  std::vector<std::pair<std::string, sdk::Interpolated>> headers_;
  std::unique_ptr<CurlClient> client_;
};

// --- output --------------------------------------------------------------------------------------
class HttpClientOutput final : public sdk::AsyncOutput, private ClientBase {
public:
  HttpClientOutput(const sdk::Context& ctx, const sdk::Config& cfg)
      : ClientBase(ctx, parse_client_config(cfg, true)) {}

  plugctl_status write(const sdk::ConstBatch&, const sdk::Results&) override {
    throw sdk::Error("http_client writes asynchronously");
  }

  void write_async(const sdk::ConstBatch& batch, const sdk::Results& results,
                   sdk::Completion done) override {
    size_t n = batch.size();
    if (n > 1 && cfg_.batch_format != BatchFormat::Individual) {
      std::string type;
      std::string body = batch_body(batch, type);
      HttpRequest r = request_for(batch, 0, std::move(body), type);
      r.done = [done](HttpResult res) {
        if (res.ok)
          done(PLUGCTL_OK);
        else
          done(PLUGCTL_ERROR, res.error);
      };
      client_->submit(std::move(r));
      return;
    }
    // One request per message; the write completes when the last one does.
    struct Pending {
      std::atomic<size_t> left;
      std::atomic<bool> failed{false};
      std::mutex mu;
      std::string first_error;
      sdk::Results results;
      sdk::Completion done;
      Pending(size_t n, sdk::Results r, sdk::Completion d) : left(n), results(r), done(d) {}
      // Results are set for every message once one failed: an unset result takes the write's
      // headline status (ERROR), which would fail the messages that were delivered.
      void one(size_t i, bool ok, const std::string& err) {
        {
          std::lock_guard lock(mu);
          if (ok) {
            results.set(i, PLUGCTL_OK);
          } else {
            results.set(i, PLUGCTL_ERROR, err);
            if (first_error.empty()) first_error = err;
            failed = true;
          }
        }
        if (left.fetch_sub(1) == 1) {
          if (failed)
            done(PLUGCTL_ERROR, first_error);
          else
            done(PLUGCTL_OK);
        }
      }
    };
    auto p = std::make_shared<Pending>(n, results, done);
    for (size_t i = 0; i < n; ++i) {
      HttpRequest r;
      try {
        r = request_for(batch, i, std::string(batch[i].payload()));
      } catch (const std::exception& e) {
        p->one(i, false, e.what());
        continue;
      }
      r.done = [p, i](HttpResult res) { p->one(i, res.ok, res.error); };
      client_->submit(std::move(r));
    }
  }

  void close() override { client_.reset(); }
};

// --- processor -----------------------------------------------------------------------------------
class HttpClientProcessor final : public sdk::Processor, private ClientBase {
public:
  HttpClientProcessor(const sdk::Context& ctx, const sdk::Config& cfg)
      : ClientBase(ctx, parse_client_config(cfg, false)), extract_(cfg_.extract_headers) {}

  void process(sdk::Batch& in, sdk::Batch& out) override {
    size_t n = in.size();
    if (n == 0) return;
    if (n > 1 && cfg_.batch_format != BatchFormat::Individual) {
      process_batched(in, out);
      return;
    }
    std::vector<HttpResult> results(n);
    std::vector<std::string> errors(n);
    std::mutex mu;
    std::condition_variable cv;
    size_t left = 0;
    for (size_t i = 0; i < n; ++i) {
      HttpRequest r;
      try {
        r = request_for(in, i, std::string(in[i].payload()));
      } catch (const std::exception& e) {
        errors[i] = e.what();
        continue;
      }
      r.done = [&, i](HttpResult res) {
        std::lock_guard lock(mu);
        results[i] = std::move(res);
        if (--left == 0) cv.notify_all();
      };
      {
        std::lock_guard lock(mu);
        ++left;
      }
      client_->submit(std::move(r));
    }
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return left == 0; });
    }
    for (size_t i = 0; i < n; ++i) {
      sdk::Message m = in.take(i);
      if (!m) continue;
      if (!errors[i].empty())
        m.ref().set_error(errors[i]);
      else
        apply(m.ref(), results[i]);
      out.push(std::move(m));
    }
  }

  void close() override { client_.reset(); }

private:
  // The response replaces the message; a failure flags it and keeps its payload.
  void apply(const sdk::MessageRef& m, const HttpResult& r) const {
    if (r.status > 0) m.set_meta("http_status_code", std::to_string(r.status));
    if (!r.ok) {
      m.set_error(r.error);
      return;
    }
    m.set_payload(r.body);
    if (!extract_.empty())
      for (const auto& [k, v] : r.headers)
        if (extract_.match(k)) m.set_meta(lower(k), v);
  }

  void process_batched(sdk::Batch& in, sdk::Batch& out) {
    std::string type;
    std::string body = batch_body(in, type);
    HttpRequest r = request_for(in, 0, std::move(body), type);
    HttpResult result;
    std::mutex mu;
    std::condition_variable cv;
    bool finished = false;
    r.done = [&](HttpResult res) {
      std::lock_guard lock(mu);
      result = std::move(res);
      finished = true;
      cv.notify_all();
    };
    client_->submit(std::move(r));
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return finished; });
    }
    if (!result.ok) {
      for (size_t i = 0, n = in.size(); i < n; ++i) {
        sdk::Message m = in.take(i);
        if (!m) continue;
        apply(m.ref(), result);
        out.push(std::move(m));
      }
      return;
    }
    // The batch became one request: its response is one message (with the first's metadata).
    sdk::Message first = in.take(0);
    apply(first.ref(), result);
    out.push(std::move(first));
  }

  KeyFilter extract_;
};

} // namespace

PLUGCTL_REGISTER_OUTPUT(HttpClientOutput, .name = "http_client",
                        .summary = "Sends messages to an HTTP server.",
                        .description = kClientOutputDescription, .spec = client_output_spec(),
                        .stability = PLUGCTL_STABILITY_BETA, .flags = 0, .categories = "Network",
                        .examples = kClientOutputExamples);

PLUGCTL_REGISTER_PROCESSOR(HttpClientProcessor, .name = "http_client",
                           .summary = "Calls an HTTP server with each message; the response "
                                      "replaces the message.",
                           .description = kClientProcessorDescription,
                           .spec = client_processor_spec(), .stability = PLUGCTL_STABILITY_BETA,
                           .flags = 0, .categories = "Integration",
                           .examples = kClientProcessorExamples);

} // namespace plugctl::http
