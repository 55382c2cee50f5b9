// Input `stdin`: lines (or custom-delimited records) from standard input.
#include "builtins/scanner.hpp"

#include <cerrno>
#include <cstring>
#include <plugctl/sdk.hpp>
#include <poll.h>
#include <unistd.h>

namespace plugctl::core::builtins {
namespace {

constexpr size_t kChunk = 256 * 1024;

sdk::Spec stdin_spec() {
  using sdk::Field;
  return sdk::Spec().field(
      Field::object(
          "scanner", "How the stream is cut into messages.",
          {Field::object(
               "lines", "One message per line (or per custom delimiter).",
               {Field::string("custom_delimiter", "Cut at this string instead of a newline.")
                    .default_value(""),
                Field::integer("max_buffer_size", "Longest record in bytes; longer ones are "
                                                  "split into parts flagged with an error.")
                    .default_value(65536)})
               .optional(),
           Field::object("to_the_end", "All of stdin as one message.", {}).optional()})
          .default_value(sdk::Json::raw(R"({"lines":{}})")));
}

class StdinInput final : public sdk::Input {
public:
  StdinInput(const sdk::Context& ctx, const sdk::Config& cfg) : ctx_(ctx), splitter_("\n", 65536) {
    if (cfg.has("scanner/to_the_end")) {
      whole_ = true;
    } else {
      std::string delim = cfg.has("scanner/lines/custom_delimiter")
                              ? cfg.string("scanner/lines/custom_delimiter")
                              : "";
      int64_t max = cfg.has("scanner/lines/max_buffer_size")
                        ? cfg.integer("scanner/lines/max_buffer_size")
                        : 65536;
      if (max < 0) throw sdk::ConfigError("scanner.lines.max_buffer_size must not be negative");
      splitter_ = LineSplitter(delim.empty() ? "\n" : delim, static_cast<size_t>(max));
    }
  }

  plugctl_status read(sdk::ReadResult& out) override {
    if (eof_) return PLUGCTL_END_OF_INPUT;
    // Wait for data with a timeout so a shutdown request is noticed.
    pollfd pfd{STDIN_FILENO, POLLIN, 0};
    int r = poll(&pfd, 1, 500);
    if (r == 0) return PLUGCTL_AGAIN;
    if (r < 0) {
      if (errno == EINTR) return PLUGCTL_AGAIN;
      throw sdk::Error(std::string("poll stdin: ") + std::strerror(errno));
    }
    std::string& carry = splitter_.carry();
    size_t cap = std::max(kChunk, carry.size() * 2);
    auto* chunk = new char[cap];
    plugctl_shared* owner =
        sdk::host().shared_new([](void* p) { delete[] static_cast<char*>(p); }, chunk);
    std::memcpy(chunk, carry.data(), carry.size());
    size_t len = carry.size();
    bool ended = false;
    // Fill the chunk while data is immediately available: fewer, larger batches.
    while (len < cap) {
      ssize_t n = ::read(STDIN_FILENO, chunk + len, cap - len);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        sdk::host().shared_unref(owner);
        throw sdk::Error(std::string("read stdin: ") + std::strerror(errno));
      }
      if (n == 0) {
        ended = true;
        break;
      }
      len += static_cast<size_t>(n);
      pollfd more{STDIN_FILENO, POLLIN, 0};
      if (poll(&more, 1, 0) <= 0) break;
    }
    sdk::OwnedBatch batch(whole_ ? 1 : 1024);
    if (whole_) {
      whole_buf_.append(chunk, len);
      sdk::host().shared_unref(owner);
      if (!ended) return PLUGCTL_AGAIN;
      batch.push(whole_buf_);
      whole_buf_.clear();
    } else {
      carry.clear();
      splitter_.split(owner, std::string_view(chunk, len), batch);
      sdk::host().shared_unref(owner);
      if (ended) splitter_.flush(batch);
    }
    if (ended) eof_ = true;
    if (batch.empty()) return ended ? PLUGCTL_END_OF_INPUT : PLUGCTL_AGAIN;
    out.batch.emplace(std::move(batch));
    out.token = 0; // nacks are replayed by the host (AUTO_REPLAY_NACKS)
    return PLUGCTL_OK;
  }

  void ack(uint64_t, plugctl_status, std::string_view) override {}

private:
  sdk::Context ctx_;
  LineSplitter splitter_;
  bool whole_ = false;
  bool eof_ = false;
  std::string whole_buf_;
};

PLUGCTL_REGISTER_INPUT(
    StdinInput, .name = "stdin", .summary = "Reads messages from standard input.",
    .description = "Reads stdin and cuts it into one message per line (or per custom "
                   "delimiter), or reads all of it as one message. At end of stream the "
                   "input ends and, once everything is delivered, plugctl exits. Stdin "
                   "cannot be re-read, so a message that is nacked is replayed by plugctl "
                   "from memory.",
    .spec = stdin_spec(), .flags = PLUGCTL_FLAG_AUTO_REPLAY_NACKS, .categories = "Local",
    .examples = "input:\n  stdin:\n    scanner:\n      lines:\n        "
                "custom_delimiter: \"\"\n");

} // namespace
} // namespace plugctl::core::builtins
