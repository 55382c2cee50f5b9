// Output `stdout`: writes each message followed by a delimiter to standard output.
#include <cerrno>
#include <cstring>
#include <plugctl/sdk.hpp>
#include <unistd.h>

namespace plugctl::core::builtins {
namespace {

class StdoutOutput final : public sdk::Output {
public:
  StdoutOutput(const sdk::Context&, const sdk::Config& cfg) {
    std::string codec = cfg.string("codec");
    if (codec == "lines") {
      delim_ = "\n";
    } else if (codec == "all-bytes") {
      delim_.clear();
    } else if (codec.rfind("delimiter:", 0) == 0) {
      delim_ = codec.substr(10);
    } else {
      throw sdk::ConfigError("codec: unknown codec '" + codec +
                             "' (expected lines, all-bytes or delimiter:<string>)");
    }
  }

  plugctl_status write(const sdk::ConstBatch& batch, const sdk::Results&) override {
    buf_.clear();
    plugctl_bytes views[256];
    for (size_t start = 0, n = batch.size(); start < n;) {
      size_t got = batch.payloads(start, views, 256);
      for (size_t i = 0; i < got; ++i) {
        buf_.append(views[i].ptr, views[i].len);
        buf_ += delim_;
      }
      start += got;
    }
    size_t off = 0;
    while (off < buf_.size()) {
      ssize_t w = ::write(STDOUT_FILENO, buf_.data() + off, buf_.size() - off);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) throw sdk::Error(std::string("write stdout: ") + std::strerror(errno));
      off += static_cast<size_t>(w);
    }
    return PLUGCTL_OK;
  }

private:
  std::string delim_;
  std::string buf_;
};

PLUGCTL_REGISTER_OUTPUT(
    StdoutOutput, .name = "stdout", .summary = "Writes messages to standard output.",
    .description = "Each message is written followed by the codec's delimiter "
                   "(a newline by default). A write is acknowledged once it "
                   "was handed to the operating system.",
    .spec = sdk::Spec().field(sdk::Field::string("codec",
                                                 "How messages are framed: `lines` (a "
                                                 "newline after each), `all-bytes` "
                                                 "(nothing added) or `delimiter:<string>`.")
                                  .default_value("lines")
                                  .example("lines")
                                  .example("delimiter:\t")
                                  .example("all-bytes")),
    .categories = "Local", .examples = "output:\n  stdout:\n    codec: lines\n");

class DropOutput final : public sdk::Output {
public:
  DropOutput(const sdk::Context&, const sdk::Config&) {}
  plugctl_status write(const sdk::ConstBatch&, const sdk::Results&) override { return PLUGCTL_OK; }
};

PLUGCTL_REGISTER_OUTPUT(DropOutput, .name = "drop", .summary = "Drops every message it receives.",
                        .description = "Acknowledges messages without writing them anywhere: for "
                                       "pipelines whose work is done by processors, and for tests.",
                        .spec = sdk::Spec(), .categories = "Utility",
                        .examples = "output:\n  drop: {}\n");

} // namespace
} // namespace plugctl::core::builtins
