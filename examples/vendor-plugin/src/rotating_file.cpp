// output `acme_rotating_file`: appends messages as lines to a file that is rotated by size.
//
// Delivery: a batch is acknowledged only after its bytes were written and fdatasync'd, so a
// crash never loses an acknowledged message; a failed write fails the whole batch, which the
// host retries (lines written before the failure may then appear twice: at-least-once).
//
// Rotation (logrotate's numbering): when the next message would take the file past max_bytes,
// the file is synced and closed, path.N-1 -> path.N ... path -> path.1 (path.max_files is
// dropped), the directory is synced, and a new file is started. A message larger than
// max_bytes gets a file of its own. Writes are never concurrent (no CONCURRENT_WRITES flag), so
// the output needs no lock.
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <plugctl/sdk.hpp>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace sdk = plugctl::sdk;

namespace {

std::string errno_text() {
  return std::strerror(errno);
}

std::string dir_of(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

class RotatingFile final : public sdk::Output {
public:
  RotatingFile(const sdk::Context& ctx, const sdk::Config& cfg)
      : ctx_(ctx), path_(cfg.string("path")),
        max_bytes_(cfg.has("max_bytes") ? cfg.integer("max_bytes") : kDefaultMaxBytes),
        max_files_(cfg.has("max_files") ? cfg.integer("max_files") : kDefaultMaxFiles) {
    if (path_.empty()) throw sdk::ConfigError("field /path must not be empty");
    if (max_bytes_ < 1) throw sdk::ConfigError("field /max_bytes must be at least 1");
    if (max_files_ < 1) throw sdk::ConfigError("field /max_files must be at least 1");
  }
  RotatingFile(const RotatingFile&) = delete;
  RotatingFile& operator=(const RotatingFile&) = delete;
  ~RotatingFile() override { close(); }

  void connect() override { open_file(); }

  plugctl_status write(const sdk::ConstBatch& batch, const sdk::Results&) override {
    if (fd_ < 0) open_file();
    std::string pending;
    for (size_t i = 0, n = batch.size(); i < n; ++i) {
      std::string_view payload = batch[i].payload();
      const int64_t line = static_cast<int64_t>(payload.size()) + 1;
      if (size_ + static_cast<int64_t>(pending.size()) > 0 &&
          size_ + static_cast<int64_t>(pending.size()) + line > max_bytes_) {
        append(pending);
        pending.clear();
        rotate();
      }
      pending.append(payload);
      pending.push_back('\n');
    }
    append(pending);
    if (::fdatasync(fd_) != 0) fail("cannot sync " + path_ + ": " + errno_text());
    return PLUGCTL_OK;
  }

  void close() override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

private:
  static constexpr int64_t kDefaultMaxBytes = int64_t{10} << 20;
  static constexpr int64_t kDefaultMaxFiles = 5;

  void open_file() {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw sdk::Error("acme_rotating_file: cannot open " + path_ + ": " + errno_text());
    struct stat st {};
    if (::fstat(fd_, &st) != 0) fail("cannot stat " + path_ + ": " + errno_text());
    size_ = st.st_size;
  }

  void append(const std::string& data) {
    const char* p = data.data();
    size_t left = data.size();
    while (left != 0) {
      ssize_t w = ::write(fd_, p, left);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) fail("cannot write " + path_ + ": " + errno_text());
      p += w;
      left -= static_cast<size_t>(w);
      size_ += w;
    }
  }

  void rotate() {
    if (::fdatasync(fd_) != 0) fail("cannot sync " + path_ + ": " + errno_text());
    close();
    for (int64_t i = max_files_ - 1; i >= 1; --i) {
      std::string from = path_ + "." + std::to_string(i);
      std::string to = path_ + "." + std::to_string(i + 1);
      if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT)
        fail("cannot rename " + from + " to " + to + ": " + errno_text());
    }
    std::string first = path_ + ".1";
    if (::rename(path_.c_str(), first.c_str()) != 0)
      fail("cannot rename " + path_ + " to " + first + ": " + errno_text());
    sync_dir();
    open_file();
    ctx_.debug("rotated " + path_);
  }

  void sync_dir() {
    int dfd = ::open(dir_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) fail("cannot open directory of " + path_ + ": " + errno_text());
    int rc = ::fsync(dfd);
    ::close(dfd);
    if (rc != 0) fail("cannot sync directory of " + path_ + ": " + errno_text());
  }

  // The batch fails as a whole and is retried; the file is reopened for the retry.
  [[noreturn]] void fail(const std::string& what) {
    close();
    throw sdk::Error("acme_rotating_file: " + what);
  }

  sdk::Context ctx_;
  const std::string path_;
  const int64_t max_bytes_;
  const int64_t max_files_;
  int fd_ = -1;
  int64_t size_ = 0;
};

} // namespace

PLUGCTL_REGISTER_OUTPUT(
    RotatingFile, .name = "acme_rotating_file",
    .summary = "Appends lines to a file rotated by size.",
    .description = "Appends each message and a line break to `path`, acknowledging a batch once "
                   "it is on disk (fdatasync). When the next message would take the file past "
                   "`max_bytes`, the file is rotated as logrotate numbers files: `path` becomes "
                   "`path.1`, `path.1` becomes `path.2`, and so on; the oldest beyond "
                   "`max_files` is deleted. A message larger than `max_bytes` gets a file of its "
                   "own. A failed write or sync fails the batch, which is retried.",
    .spec = sdk::Spec()
                .field(sdk::Field::string("path", "The file to append to.")
                           .example("/var/lib/plugctl/events.log"))
                .field(sdk::Field::integer("max_bytes", "Size at which the file is rotated.")
                           .default_value(10485760))
                .field(sdk::Field::integer("max_files", "Rotated files kept (path.1 ... path.N).")
                           .default_value(5))
                .batching(),
    .stability = PLUGCTL_STABILITY_BETA, .categories = "Local",
    .examples = R"(# Keeps the last 50 MiB of events in 5 files.
output:
  acme_rotating_file:
    path: /var/lib/plugctl/events.log
    max_bytes: 10485760
    max_files: 5
)");
