// input `file`: reads files in large chunks and emits one zero-copy batch per chunk.
//
// Threads: read() runs on one host thread at a time; ack() may run on any thread, concurrently
// with read(). The reader's own state (current file, carried tail) is touched only by read() and
// close(); what acks change (outstanding batches per file) lives under ack_mu_.
#include "file_config.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <glob.h>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace plugctl::file {
namespace {

// Bytes asked of read(2) at once; every complete line in them becomes one batch.
constexpr size_t kChunkSize = size_t{1} << 20;

std::string errno_text(int err) {
  return std::strerror(err);
}

bool has_glob_magic(std::string_view p) {
  return p.find_first_of("*?[") != std::string_view::npos;
}

// RFC 3339 in UTC, second precision: "2024-05-01T12:00:00Z".
std::string rfc3339_utc(time_t t) {
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

// Expands the configured paths into the list of files to read, in order, each once.
std::vector<std::string> expand_paths(const std::vector<std::string>& patterns,
                                      const sdk::Context& ctx) {
  std::vector<std::string> files;
  std::unordered_set<std::string> seen;
  auto add = [&](std::string path) {
    if (seen.insert(path).second) files.push_back(std::move(path));
  };
  for (size_t i = 0; i < patterns.size(); ++i) {
    const std::string& pattern = patterns[i];
    const std::string where = "field /paths/" + std::to_string(i) + ": ";
    if (!has_glob_magic(pattern)) {
      struct stat st {};
      if (::stat(pattern.c_str(), &st) != 0)
        throw sdk::ConfigError(where + "cannot read " + pattern + ": " + errno_text(errno));
      if (S_ISDIR(st.st_mode))
        throw sdk::ConfigError(where + pattern + " is a directory (use a pattern like " + pattern +
                               "/*)");
      add(pattern);
      continue;
    }
    glob_t g{};
    int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
    if (rc == GLOB_NOMATCH) {
      ctx.warn("file input: pattern " + pattern + " matches no file");
    } else if (rc == GLOB_NOSPACE) {
      ::globfree(&g);
      throw sdk::Error("file input: out of memory expanding " + pattern);
    } else {
      if (rc == GLOB_ABORTED)
        ctx.warn("file input: a directory could not be read while expanding " + pattern);
      for (size_t k = 0; k < g.gl_pathc; ++k) {
        struct stat st {};
        if (::stat(g.gl_pathv[k], &st) == 0 && S_ISDIR(st.st_mode)) continue; // not a file
        add(g.gl_pathv[k]);
      }
    }
    ::globfree(&g);
  }
  return files;
}

// A read buffer; freed when the last message viewing it is gone.
struct Chunk {
  explicit Chunk(size_t cap) : data(new char[cap]), capacity(cap) {}
  std::unique_ptr<char[]> data; // not zeroed: read(2) fills it
  size_t capacity;
};

// One file, shared by the reader and the acks of its batches (fields under FileInput::ack_mu_).
struct FileState {
  explicit FileState(std::string p) : path(std::move(p)) {}
  std::string path;
  uint64_t outstanding = 0; // batches handed out, not yet acknowledged
  bool read_done = false;   // read to the end, every message handed out
  bool keep = false;        // never delete: not read completely, or a batch was nacked
  bool deleted = false;
};

class FileInput final : public sdk::Input {
public:
  FileInput(const sdk::Context& ctx, const sdk::Config& cfg)
      : ctx_(ctx), cfg_(parse_input_config(cfg)), files_(expand_paths(cfg_.paths, ctx)) {
    if (cfg_.custom_delimiter.empty()) {
      delim_ = "\n";
      drop_cr_ = true;
    } else {
      delim_ = cfg_.custom_delimiter;
    }
  }
  FileInput(const FileInput&) = delete;
  FileInput& operator=(const FileInput&) = delete;
  ~FileInput() override { close(); }

  plugctl_status read(sdk::ReadResult& out) override {
    throw_pending_error(); // a file failed after the lines before the failure were handed out
    for (;;) {
      if (fd_ < 0) {
        if (next_file_ == files_.size()) return PLUGCTL_END_OF_INPUT;
        open_next(); // throws when the file cannot be opened; the next call moves on
      }
      bool got = cfg_.scanner == Scanner::Lines ? read_lines(out) : read_whole(out);
      if (got) return PLUGCTL_OK;
      throw_pending_error(); // failed before any message of this call
    }
  }

  void ack(uint64_t token, plugctl_status status, std::string_view reason) override {
    std::shared_ptr<FileState> file;
    bool remove = false;
    {
      std::lock_guard lock(ack_mu_);
      auto it = outstanding_.find(token);
      if (it == outstanding_.end()) return; // not ours: the host acks each token once
      file = std::move(it->second);
      outstanding_.erase(it);
      --file->outstanding;
      // With PLUGCTL_FLAG_AUTO_REPLAY_NACKS the host only ever acks OK; a nack reaching us
      // anyway means the data was not delivered, so the file must not be deleted.
      if (status != PLUGCTL_OK) file->keep = true;
      remove = should_delete(*file);
    }
    if (status != PLUGCTL_OK)
      ctx_.warn("file input: batch from " + file->path + " was rejected (" + std::string(reason) +
                "); the file will not be deleted");
    if (remove) delete_file(file->path);
  }

  void close() override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    tail_owner_.reset();
    tail_ = nullptr;
    tail_len_ = 0;
  }

private:
  void open_next() {
    const std::string& path = files_[next_file_++];
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw sdk::Error("file input: cannot open " + path + ": " + errno_text(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      throw sdk::Error("file input: cannot stat " + path + ": " + errno_text(err));
    }
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    fd_ = fd;
    regular_ = S_ISREG(st.st_mode);
    size_hint_ = regular_ ? static_cast<size_t>(st.st_size) : 0;
    eof_ = false;
    line_no_ = 0;
    batch_hint_ = 0;
    file_ = std::make_shared<FileState>(path);
    meta_path_ = path;
    meta_mod_time_unix_ = std::to_string(static_cast<long long>(st.st_mtim.tv_sec));
    meta_mod_time_ = rfc3339_utc(st.st_mtim.tv_sec);
  }

  // The current file was read to the end (or abandoned after an error): close it and let the
  // acks, or this call when none is outstanding, decide on deletion.
  void finish_file(bool complete) {
    ::close(fd_);
    fd_ = -1;
    tail_owner_.reset();
    tail_ = nullptr;
    tail_len_ = 0;
    bool remove = false;
    {
      std::lock_guard lock(ack_mu_);
      file_->read_done = true;
      if (!complete) file_->keep = true;
      remove = should_delete(*file_);
    }
    if (remove) delete_file(file_->path);
    file_.reset();
  }

  bool should_delete(FileState& f) const { // under ack_mu_
    if (!cfg_.delete_on_finish || !f.read_done || f.keep || f.outstanding != 0 || f.deleted)
      return false;
    f.deleted = true;
    return true;
  }

  void delete_file(const std::string& path) const {
    if (::unlink(path.c_str()) != 0)
      ctx_.error("file input: delete_on_finish: cannot delete " + path + ": " + errno_text(errno));
  }

  void throw_pending_error() {
    if (!pending_error_) return;
    std::string e = std::move(*pending_error_);
    pending_error_.reset();
    throw sdk::Error(e);
  }

  // Stops reading the current file with an error for the next read call.
  void fail_file(std::string message) {
    pending_error_ = "file input: " + std::move(message) + "; skipping the rest of the file";
    finish_file(false);
  }

  // Reads until the buffer is full, EOF, or (with stop_at_delim, for pipes and devices whose
  // reads are short) a read brought a delimiter. Returns false after a read error (reported).
  bool fill(char* buf, size_t& len, size_t cap, bool stop_at_delim) {
    while (len < cap) {
      ssize_t n = ::read(fd_, buf + len, cap - len);
      if (n < 0) {
        if (errno == EINTR) continue;
        fail_file("cannot read " + file_->path + ": " + errno_text(errno));
        return false;
      }
      if (n == 0) {
        eof_ = true;
        return true;
      }
      size_t start = len;
      len += static_cast<size_t>(n);
      if (stop_at_delim && !regular_) {
        size_t from = start >= delim_.size() ? start - (delim_.size() - 1) : 0;
        if (find_delim(buf + from, buf + len) != nullptr) return true;
      }
    }
    return true;
  }

  const char* find_delim(const char* p, const char* end) const {
    if (delim_.size() == 1)
      return static_cast<const char*>(std::memchr(p, delim_[0], static_cast<size_t>(end - p)));
    return static_cast<const char*>(
        ::memmem(p, static_cast<size_t>(end - p), delim_.data(), delim_.size()));
  }

  // One chunk's worth of lines into `out`. Returns true with a batch; false when the file
  // ended (or failed) without one.
  bool read_lines(sdk::ReadResult& out) {
    for (;;) {
      // A new chunk starts with the partial line carried over from the previous one. It is at
      // least twice that long, so a line of up to max_buffer_size always fits with room to spare.
      const size_t cap = std::max(kChunkSize, 2 * tail_len_ + delim_.size());
      auto chunk = std::make_unique<Chunk>(cap);
      char* buf = chunk->data.get();
      size_t len = tail_len_;
      if (tail_len_ != 0) std::memcpy(buf, tail_, tail_len_);
      tail_owner_.reset(); // the previous chunk lives on only through its messages
      tail_ = nullptr;
      tail_len_ = 0;
      if (!fill(buf, len, cap, true)) return false;

      sdk::Shared owner = sdk::Shared::owning(std::move(chunk));
      std::optional<sdk::OwnedBatch> batch;
      size_t count = 0;
      auto emit = [&](const char* p, size_t n) {
        if (n == 0 && cfg_.omit_empty) return;
        if (!batch) batch.emplace(batch_hint_);
        batch->push_shared(owner, std::string_view(p, n));
        ++count;
      };
      auto too_long = [&] {
        return file_->path + ":" + std::to_string(line_no_ + 1) + ": line longer than " +
               field::kMaxBufferSize + " (" + std::to_string(cfg_.max_buffer_size) + " bytes)";
      };

      const char* p = buf;
      const char* const end = buf + len;
      bool failed = false;
      while (const char* d = find_delim(p, end)) {
        size_t n = static_cast<size_t>(d - p);
        if (drop_cr_ && n != 0 && p[n - 1] == '\r') --n;
        if (n > cfg_.max_buffer_size) {
          failed = true;
          break;
        }
        emit(p, n);
        ++line_no_;
        p = d + delim_.size();
      }
      size_t rest = static_cast<size_t>(end - p);
      if (!failed && eof_ && rest != 0) { // the last line has no delimiter: still a message
        size_t n = rest;
        if (drop_cr_ && p[n - 1] == '\r') --n;
        if (n > cfg_.max_buffer_size) {
          failed = true;
        } else {
          emit(p, n);
          ++line_no_;
        }
      } else if (!failed && !eof_) {
        // The rest may end in a partial delimiter (or a "\r"), so the line is longer than
        // allowed only when the rest exceeds the limit by more than that.
        const size_t slack = drop_cr_ ? 1 : delim_.size() - 1;
        if (rest > cfg_.max_buffer_size + slack) {
          failed = true;
        } else {
          tail_ = p;
          tail_len_ = rest;
          tail_owner_ = std::move(owner);
        }
      }

      if (count != 0) {
        set_file_meta(*batch);
        hand_out(*batch, out);
      }
      if (failed) {
        fail_file(too_long());
        return count != 0;
      }
      if (eof_) finish_file(true);
      if (count != 0) return true;
      if (fd_ < 0) return false;
      // No complete line in this chunk (or all omitted): read on, with the tail carried over.
    }
  }

  // The whole file as one message.
  bool read_whole(sdk::ReadResult& out) {
    size_t cap = std::max<size_t>(size_hint_ + 1, 4096); // +1: EOF is seen without growing
    auto chunk = std::make_unique<Chunk>(cap);
    size_t len = 0;
    for (;;) {
      if (!fill(chunk->data.get(), len, chunk->capacity, false)) return false;
      if (eof_) break;
      auto bigger = std::make_unique<Chunk>(chunk->capacity * 2); // the file grew, or a pipe
      std::memcpy(bigger->data.get(), chunk->data.get(), len);
      chunk = std::move(bigger);
    }
    const char* data = chunk->data.get();
    sdk::Shared owner = sdk::Shared::owning(std::move(chunk));
    sdk::OwnedBatch batch(1);
    batch.push_shared(owner, std::string_view(data, len));
    set_file_meta(batch);
    hand_out(batch, out);
    finish_file(true);
    return true;
  }

  // Every message of a batch comes from the current file: one host call per key for all.
  void set_file_meta(const sdk::Batch& batch) const {
    batch.set_meta(meta::kPath, meta_path_);
    batch.set_meta(meta::kModTimeUnix, meta_mod_time_unix_);
    batch.set_meta(meta::kModTime, meta_mod_time_);
  }

  void hand_out(sdk::OwnedBatch& batch, sdk::ReadResult& out) {
    const uint64_t token = next_token_++;
    batch_hint_ = batch.size();
    {
      std::lock_guard lock(ack_mu_);
      outstanding_.emplace(token, file_);
      ++file_->outstanding;
    }
    out.batch.emplace(std::move(batch));
    out.token = token;
  }

  sdk::Context ctx_;
  const InputConfig cfg_;
  const std::vector<std::string> files_;
  std::string delim_;
  bool drop_cr_ = false;

  // Reader state (read and close only).
  size_t next_file_ = 0;
  int fd_ = -1;
  bool regular_ = true;
  bool eof_ = false;
  size_t size_hint_ = 0;
  uint64_t line_no_ = 0; // lines scanned in the current file
  size_t batch_hint_ = 0;
  std::shared_ptr<FileState> file_;
  std::string meta_path_, meta_mod_time_unix_, meta_mod_time_;
  // The partial line at the end of the previous chunk, kept alive by tail_owner_.
  std::optional<sdk::Shared> tail_owner_;
  const char* tail_ = nullptr;
  size_t tail_len_ = 0;
  std::optional<std::string> pending_error_;
  uint64_t next_token_ = 1;

  // Ack state, shared with ack() on other threads.
  std::mutex ack_mu_;
  std::unordered_map<uint64_t, std::shared_ptr<FileState>> outstanding_;
};

} // namespace

PLUGCTL_REGISTER_INPUT(FileInput, .name = "file", .summary = "Reads files line by line or whole.",
                       .description = kInputDescription, .spec = input_spec(),
                       .flags = PLUGCTL_FLAG_AUTO_REPLAY_NACKS, .categories = "Local",
                       .examples = kInputExamples);

} // namespace plugctl::file
