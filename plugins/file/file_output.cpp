// output `file`: appends messages to files, acknowledging a write once it is on disk.
//
// Group commit: write_async (called in order, from one host thread) writes the batch with
// write(2) at once and queues its completion; one syncer thread takes everything queued,
// fdatasyncs each file written by it once, then completes all of it. A sync covers every write
// made before it started, so many batches share one sync.
//
// A sync failure is sticky for that file descriptor (PostgreSQL's fsync lesson): the kernel may
// report a lost write only once, so every write made through that descriptor afterwards fails
// too and the file is reopened for the next batch.
#include "file_config.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fcntl.h>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <tuple>
#include <unistd.h>
#include <unordered_map>
#include <utility>
#include <vector>

namespace plugctl::file {
namespace {

constexpr size_t kMaxOpenFiles = 32;              // interpolated paths: the LRU's size
constexpr size_t kFlushBytes = size_t{4} << 20;   // write(2) the gathered payloads past this
constexpr size_t kDirectBytes = size_t{64} << 10; // payloads this large skip the gather copy
constexpr size_t kPayloadBlock = 256;             // payload views fetched per host call

std::string errno_text(int err) {
  return std::strerror(err);
}

std::string parent_dir(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Returns 0 or the errno of the first failure.
int write_all(int fd, const char* p, size_t n) {
  while (n != 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return 0;
}

int sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int rc = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return rc;
}

// mkdir -p of the parent of `path`, mode 0755. Each directory created is made durable in its
// parent. Returns an error text, empty on success.
std::string make_parents(const std::string& path) {
  const std::string dir = parent_dir(path);
  std::vector<std::string> created;
  for (size_t pos = dir.find('/', 1);; pos = dir.find('/', pos + 1)) {
    std::string prefix = pos == std::string::npos ? dir : dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0755) == 0) {
      created.push_back(prefix);
    } else if (errno != EEXIST) {
      return "cannot create directory " + prefix + ": " + errno_text(errno);
    }
    if (pos == std::string::npos) break;
  }
  for (const auto& d : created) {
    if (int err = sync_dir(parent_dir(d)); err != 0)
      return "cannot sync directory " + parent_dir(d) + ": " + errno_text(err);
  }
  return {};
}

// A file open for appending, shared by the writer, the pending writes and the syncer.
struct OpenFile {
  OpenFile(std::string p, int f, bool created) : path(std::move(p)), fd(f), dir_pending(created) {}
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  ~OpenFile() { ::close(fd); }

  const std::string path;
  const int fd;
  std::atomic<bool> broken{false}; // a write or sync failed: reopen before the next batch
  std::mutex mu;                   // guards the two fields below and serialises syncs
  bool dir_pending;                // created here: its directory entry is not durable yet
  std::string error;               // sticky sync error
};

// Opens `path` for appending, creating it (0644) and its parent directories when missing.
std::shared_ptr<OpenFile> open_file(const std::string& path, std::string& error) {
  bool made_parents = false;
  for (int attempt = 0; attempt < 3; ++attempt) {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) return std::make_shared<OpenFile>(path, fd, true);
    int err = errno;
    if (err == EEXIST) {
      fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
      if (fd >= 0) return std::make_shared<OpenFile>(path, fd, false);
      err = errno;
      if (err == ENOENT) continue; // removed in between: create it
    } else if (err == ENOENT && !made_parents) {
      made_parents = true;
      error = make_parents(path);
      if (!error.empty()) return nullptr;
      continue;
    }
    error = "cannot open " + path + ": " + errno_text(err);
    return nullptr;
  }
  error = "cannot open " + path + ": it keeps disappearing";
  return nullptr;
}

// Makes the writes made so far to `files` durable: their data, and the directory entries of the
// files created here. Failures are recorded in each file's sticky error.
void sync_files(std::vector<OpenFile*> files) {
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  std::unordered_map<std::string, int> dir_result; // one sync per directory
  for (OpenFile* f : files) {
    std::lock_guard lock(f->mu);
    if (!f->error.empty()) continue;
    if (::fdatasync(f->fd) != 0) {
      f->error = "cannot sync " + f->path + ": " + errno_text(errno);
      f->broken = true;
      continue;
    }
    if (!f->dir_pending) continue;
    std::string dir = parent_dir(f->path);
    auto it = dir_result.find(dir);
    if (it == dir_result.end()) it = dir_result.emplace(dir, sync_dir(dir)).first;
    if (it->second != 0) {
      f->error = "cannot sync directory " + dir + ": " + errno_text(it->second);
      f->broken = true;
      continue;
    }
    f->dir_pending = false;
  }
}

// One batch written and waiting for its sync.
struct Pending {
  explicit Pending(const sdk::Results& r) : results(r) {}
  sdk::Results results;
  std::optional<sdk::Completion> done; // asynchronous writes only
  size_t size = 0;
  std::vector<std::string> paths; // each file written to, in first-use order
  // Per path: the file (null when it could not be opened, see errors, or was synced early and
  // released, with no error), and the open, write or early sync error.
  std::vector<std::shared_ptr<OpenFile>> files;
  std::vector<std::string> errors;
  // Per message: index into files, or -1 with its reason in msg_errors. Empty when every
  // message went to files[0] (a static path).
  std::vector<int32_t> target;
  std::vector<std::pair<size_t, std::string>> msg_errors;
};

class FileOutput final : public sdk::AsyncOutput {
public:
  FileOutput(const sdk::Context& ctx, const sdk::Config& cfg)
      : ctx_(ctx), cfg_(parse_output_config(cfg)), path_(ctx, cfg_.path) {}
  FileOutput(const FileOutput&) = delete;
  FileOutput& operator=(const FileOutput&) = delete;
  ~FileOutput() override { close(); }

  plugctl_status write(const sdk::ConstBatch& batch, const sdk::Results& results) override {
    Pending p = prepare(batch, results);
    sync_files(raw_files(p));
    auto [status, message] = outcome(p);
    if (status != PLUGCTL_OK) throw sdk::Error(message, status);
    return PLUGCTL_OK;
  }

  void write_async(const sdk::ConstBatch& batch, const sdk::Results& results,
                   sdk::Completion done) override {
    Pending p = prepare(batch, results);
    p.done = done;
    {
      std::lock_guard lock(mu_);
      if (!syncer_.joinable()) syncer_ = std::thread([this] { sync_loop(); });
      queue_.push_back(std::move(p));
    }
    cv_.notify_one();
  }

  // Waits for every queued write to be synced and completed, then closes the files.
  void close() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    if (syncer_.joinable()) syncer_.join();
    stopping_ = false;
    lru_.clear();
    lru_index_.clear();
  }

private:
  // Writes the batch (in message order per file) and says where each message went.
  Pending prepare(const sdk::ConstBatch& batch, const sdk::Results& results) {
    Pending p(results);
    p.size = batch.size();
    current_ = -1;
    gather_.clear();
    slots_.clear();
    if (p.size == 0) return p;
    if (path_.is_static()) {
      // The value never depends on the message: evaluate once, then one file for everything.
      if (!static_path_) static_path_ = std::string(path_.eval(batch, 0, eval_buf_));
      select(p, *static_path_);
      for_each_payload(batch, [&](size_t, std::string_view payload) { append(p, payload); });
    } else {
      p.target.assign(p.size, -1);
      for_each_payload(batch, [&](size_t i, std::string_view payload) {
        std::string_view path;
        try {
          path = path_.eval(batch, i, eval_buf_);
        } catch (const sdk::Error& e) {
          p.msg_errors.emplace_back(i, std::string("file output: ") + e.what());
          return;
        }
        if (path.empty()) {
          p.msg_errors.emplace_back(i, "file output: path evaluated to an empty string");
          return;
        }
        if (current_ < 0 || p.paths[current_] != path) select(p, std::string(path));
        p.target[i] = current_;
        append(p, payload);
      });
    }
    flush(p);
    return p;
  }

  template <class Fn> static void for_each_payload(const sdk::ConstBatch& batch, Fn&& fn) {
    plugctl_bytes views[kPayloadBlock];
    for (size_t start = 0, n = batch.size(); start < n;) {
      size_t got = batch.payloads(start, views, std::min(n - start, kPayloadBlock));
      if (got == 0) break;
      for (size_t k = 0; k < got; ++k)
        fn(start + k, sdk::view(views[k]));
      start += got;
    }
  }

  // Makes `path` the file appended to (current_), reusing its slot in p when the batch wrote
  // to it before (paths interleave: a, b, a).
  void select(Pending& p, const std::string& path) {
    flush(p);
    auto [slot, added] = slots_.try_emplace(path, static_cast<int32_t>(p.paths.size()));
    current_ = slot->second;
    if (added) {
      p.paths.push_back(path);
      p.files.emplace_back();
      p.errors.emplace_back();
    } else if (p.files[current_] != nullptr || !p.errors[current_].empty()) {
      return;
    }
    std::string error;
    std::shared_ptr<OpenFile> evicted;
    p.files[current_] = lookup(path, error, evicted);
    if (!error.empty()) p.errors[current_] = "file output: " + error;
    if (evicted != nullptr) release_early(p, evicted);
  }

  // A file this batch wrote to left the LRU (the batch spans more files than it holds): sync it
  // now rather than keep its descriptor open until the group sync, so a batch with a path per
  // message never runs out of descriptors. Files of queued batches stay open until synced.
  void release_early(Pending& p, const std::shared_ptr<OpenFile>& f) {
    auto slot = slots_.find(f->path);
    if (slot == slots_.end() || p.files[slot->second] != f) return;
    sync_files({f.get()});
    {
      std::lock_guard lock(f->mu);
      if (!f->error.empty()) p.errors[slot->second] = "file output: " + f->error;
    }
    p.files[slot->second].reset();
  }

  void append(Pending& p, std::string_view payload) {
    if (p.files[current_] == nullptr || !p.errors[current_].empty()) return; // already failed
    if (payload.size() >= kDirectBytes) {
      flush(p);
      write_out(p, payload.data(), payload.size());
    } else {
      gather_.append(payload);
    }
    gather_.append(cfg_.suffix);
    if (gather_.size() >= kFlushBytes) flush(p);
  }

  void flush(Pending& p) {
    if (!gather_.empty() && current_ >= 0 && p.files[current_] != nullptr &&
        p.errors[current_].empty())
      write_out(p, gather_.data(), gather_.size());
    gather_.clear();
  }

  void write_out(Pending& p, const char* data, size_t n) {
    OpenFile& f = *p.files[current_];
    if (int err = write_all(f.fd, data, n); err != 0) {
      p.errors[current_] = "file output: cannot write " + f.path + ": " + errno_text(err);
      f.broken = true;
    }
  }

  // The open file for `path` (LRU of kMaxOpenFiles), or null with the reason in `error`. A file
  // pushed out of the LRU by this call is handed back in `evicted`.
  std::shared_ptr<OpenFile> lookup(const std::string& path, std::string& error,
                                   std::shared_ptr<OpenFile>& evicted) {
    auto it = lru_index_.find(path);
    if (it != lru_index_.end()) {
      if (!(*it->second)->broken) {
        lru_.splice(lru_.begin(), lru_, it->second);
        return lru_.front();
      }
      lru_.erase(it->second); // pending writes keep it open until they are synced
      lru_index_.erase(it);
    }
    auto f = open_file(path, error);
    if (f == nullptr) return nullptr;
    lru_.push_front(f);
    lru_index_[path] = lru_.begin();
    if (lru_.size() > kMaxOpenFiles) {
      evicted = std::move(lru_.back());
      lru_.pop_back();
      lru_index_.erase(evicted->path);
    }
    return f;
  }

  static std::vector<OpenFile*> raw_files(const Pending& p) {
    std::vector<OpenFile*> out;
    for (size_t i = 0; i < p.files.size(); ++i) {
      if (p.files[i] != nullptr && p.errors[i].empty()) out.push_back(p.files[i].get());
    }
    return out;
  }

  // The result of a written and synced batch. When only some messages failed, sets each
  // message's result and returns PLUGCTL_ERROR with a summary.
  static std::pair<plugctl_status, std::string> outcome(Pending& p) {
    for (size_t i = 0; i < p.files.size(); ++i) {
      if (!p.errors[i].empty() || p.files[i] == nullptr) continue;
      std::lock_guard lock(p.files[i]->mu);
      if (!p.files[i]->error.empty()) p.errors[i] = "file output: " + p.files[i]->error;
    }
    if (p.target.empty()) { // one file for the whole batch
      if (p.files.empty() || p.errors[0].empty()) return {PLUGCTL_OK, {}};
      return {PLUGCTL_ERROR, p.errors[0]};
    }
    size_t failed = p.msg_errors.size();
    for (int32_t t : p.target) {
      if (t >= 0 && !p.errors[t].empty()) ++failed;
    }
    if (failed == 0) return {PLUGCTL_OK, {}};
    std::string first;
    for (const auto& [i, text] : p.msg_errors) {
      p.results.set(i, PLUGCTL_ERROR, text);
      if (first.empty()) first = text;
    }
    for (size_t i = 0; i < p.size; ++i) {
      int32_t t = p.target[i];
      if (t < 0) continue;
      if (p.errors[t].empty()) {
        p.results.set(i, PLUGCTL_OK);
      } else {
        p.results.set(i, PLUGCTL_ERROR, p.errors[t]);
        if (first.empty()) first = p.errors[t];
      }
    }
    return {PLUGCTL_ERROR, std::to_string(failed) + " of " + std::to_string(p.size) +
                               " messages failed, first: " + first};
  }

  void sync_loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return; // stopping, and everything queued was completed
      std::vector<Pending> group;
      group.swap(queue_);
      lock.unlock();
      std::vector<OpenFile*> files;
      for (const auto& p : group) {
        auto f = raw_files(p);
        files.insert(files.end(), f.begin(), f.end());
      }
      sync_files(std::move(files));
      for (auto& p : group) {
        plugctl_status status = PLUGCTL_ERROR;
        std::string message;
        try {
          std::tie(status, message) = outcome(p);
        } catch (const std::exception& e) {
          status = PLUGCTL_ERROR;
          message = std::string("file output: ") + e.what();
        }
        (*p.done)(status, message);
      }
      group.clear(); // drops file references (may close evicted files) outside the lock
      lock.lock();
    }
  }

  sdk::Context ctx_;
  const OutputConfig cfg_;
  sdk::Interpolated path_;
  sdk::Buffer eval_buf_;
  std::optional<std::string> static_path_;

  // Writer state (write and write_async only: the host makes them one at a time).
  std::string gather_;   // payloads gathered for one write(2)
  int32_t current_ = -1; // index in the Pending being prepared of the file appended to
  std::unordered_map<std::string, int32_t> slots_; // path -> index in that Pending
  std::list<std::shared_ptr<OpenFile>> lru_;       // most recently used first
  std::unordered_map<std::string, std::list<std::shared_ptr<OpenFile>>::iterator> lru_index_;

  // Syncer state.
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Pending> queue_;
  bool stopping_ = false;
  std::thread syncer_;
};

} // namespace

PLUGCTL_REGISTER_OUTPUT(FileOutput, .name = "file",
                        .summary = "Appends messages to files, durably.",
                        .description = kOutputDescription, .spec = output_spec(),
                        .categories = "Local", .examples = kOutputExamples);

} // namespace plugctl::file
