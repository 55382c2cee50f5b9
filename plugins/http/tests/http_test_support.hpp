// Helpers of the http plugin's tests, all on real sockets on 127.0.0.1: a small HTTP/1.1 server
// (thread per connection, keep-alive, counts accepted connections), a blocking keep-alive
// client, plugctl run in the background, and a strict parser of the Prometheus text format.
#pragma once

#include "support/support.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace plugctl::test::http {

// Built-ins (test_feed, test_capture) and build/plugins (the file and http plugins).
inline core::Registry& registry() {
  static core::Registry reg = make_registry({plugin_dir()});
  return reg;
}

inline std::string lower(std::string s) {
  for (auto& c : s)
    c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A port that was free a moment ago (bound to 0 and released).
inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("bind");
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

struct HttpMessage {
  std::string start_line; // "POST /x HTTP/1.1" or "HTTP/1.1 200 OK"
  std::string method, target;
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string header(const std::string& name) const {
    for (const auto& [k, v] : headers)
      if (lower(k) == lower(name)) return v;
    return {};
  }
};

// Reads one HTTP/1.1 message (headers, then a Content-Length or chunked body) from fd, using
// `buf` for bytes read past it. False on EOF or error.
inline bool read_message(int fd, std::string& buf, HttpMessage& out, bool is_response = false,
                         bool head = false) {
  auto fill = [&]() {
    char tmp[65536];
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf.append(tmp, size_t(n));
    return true;
  };
  size_t end;
  while ((end = buf.find("\r\n\r\n")) == std::string::npos)
    if (!fill()) return false;
  std::string head_text = buf.substr(0, end);
  buf.erase(0, end + 4);
  out = HttpMessage{};
  size_t pos = head_text.find("\r\n");
  out.start_line = head_text.substr(0, pos);
  while (pos != std::string::npos) {
    size_t next = head_text.find("\r\n", pos + 2);
    std::string line =
        head_text.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string v = line.substr(colon + 1);
      while (!v.empty() && v.front() == ' ')
        v.erase(0, 1);
      out.headers.emplace_back(line.substr(0, colon), v);
    }
    pos = next;
  }
  if (is_response) {
    out.status = std::stoi(out.start_line.substr(9, 3));
  } else {
    auto sp1 = out.start_line.find(' ');
    auto sp2 = out.start_line.find(' ', sp1 + 1);
    out.method = out.start_line.substr(0, sp1);
    out.target = out.start_line.substr(sp1 + 1, sp2 - sp1 - 1);
  }
  if (head) return true;
  if (lower(out.header("Transfer-Encoding")) == "chunked") {
    for (;;) {
      size_t nl;
      while ((nl = buf.find("\r\n")) == std::string::npos)
        if (!fill()) return false;
      size_t n = std::stoul(buf.substr(0, nl), nullptr, 16);
      buf.erase(0, nl + 2);
      while (buf.size() < n + 2)
        if (!fill()) return false;
      out.body += buf.substr(0, n);
      buf.erase(0, n + 2);
      if (n == 0) break;
    }
    return true;
  }
  std::string cl = out.header("Content-Length");
  size_t n = cl.empty() ? 0 : std::stoul(cl);
  while (buf.size() < n)
    if (!fill()) return false;
  out.body = buf.substr(0, n);
  buf.erase(0, n);
  return true;
}

inline bool send_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += size_t(n);
  }
  return true;
}

struct Reply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A test HTTP/1.1 server on 127.0.0.1 with keep-alive: a thread per connection, every request
// recorded, the answer chosen by `handler` (200 with an empty body by default).
class TestServer {
public:
  explicit TestServer(std::function<Reply(const HttpMessage&)> handler = {})
      : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 512) != 0)
      throw std::runtime_error("test server: cannot listen");
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~TestServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    acceptor_.join();
    std::vector<std::thread> conns;
    {
      std::lock_guard lock(mu_);
      for (int c : conn_fds_)
        ::shutdown(c, SHUT_RDWR);
      conns.swap(conns_);
    }
    for (auto& t : conns)
      t.join();
  }
  int port() const { return port_; }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  size_t accepted() const { return accepted_.load(); }
  std::vector<HttpMessage> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  size_t request_count() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }
  std::vector<std::chrono::steady_clock::time_point> times() const {
    std::lock_guard lock(mu_);
    return times_;
  }
  void set_handler(std::function<Reply(const HttpMessage&)> h) {
    std::lock_guard lock(mu_);
    handler_ = std::move(h);
  }

private:
  void accept_loop() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) {
        if (stop_) return;
        continue;
      }
      ++accepted_;
      std::lock_guard lock(mu_);
      conn_fds_.push_back(c);
      conns_.emplace_back([this, c] { serve(c); });
    }
  }
  void serve(int c) {
    std::string buf;
    HttpMessage m;
    while (read_message(c, buf, m)) {
      std::function<Reply(const HttpMessage&)> h;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(m);
        times_.push_back(std::chrono::steady_clock::now());
        h = handler_;
      }
      Reply r = h ? h(m) : Reply{};
      std::string out = "HTTP/1.1 " + std::to_string(r.status) + " X\r\n";
      for (const auto& [k, v] : r.headers)
        out += k + ": " + v + "\r\n";
      out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" + r.body;
      if (!send_all(c, out)) break;
    }
    ::close(c);
  }

  std::function<Reply(const HttpMessage&)> handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> accepted_{0};
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::vector<int> conn_fds_;
  std::vector<std::thread> conns_;
  std::vector<HttpMessage> requests_;
  std::vector<std::chrono::steady_clock::time_point> times_;
};

// A blocking HTTP/1.1 client on one keep-alive connection (reconnects when closed).
class Client {
public:
  explicit Client(int port) : port_(port) {}
  ~Client() { disconnect(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends a request and reads the response; throws std::runtime_error when the connection fails.
  HttpMessage request(const std::string& method, const std::string& target,
                      const std::string& body = "",
                      const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (fd_ < 0) connect();
      std::string out = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
      for (const auto& [k, v] : headers)
        out += k + ": " + v + "\r\n";
      out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
      HttpMessage m;
      if (send_all(fd_, out) && read_message(fd_, buf_, m, true, method == "HEAD")) {
        if (lower(m.header("Connection")) == "close") disconnect();
        return m;
      }
      disconnect(); // a closed keep-alive connection: try once more on a new one
    }
    throw std::runtime_error("request to 127.0.0.1:" + std::to_string(port_) + " failed");
  }

private:
  void connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(uint16_t(port_));
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      disconnect();
      throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port_));
    }
    buf_.clear();
  }
  void disconnect() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buf_.clear();
  }
  int port_;
  int fd_ = -1;
  std::string buf_;
};

// Waits until a GET of `path` answers `status` (polling), or `limit` passes.
inline bool wait_for_status(int port, const std::string& path, int status,
                            std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    try {
      Client c(port);
      if (c.request("GET", path).status == status) return true;
    } catch (const std::exception&) {}
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// `plugctl run CONFIG` in the background; stderr goes to a file. stop() sends SIGTERM and
// returns the exit code (killed after 30 s without exit: the test fails).
class Background {
public:
  // `cwd`: the working directory of plugctl (default: the test's).
  Background(TempDir& dir, const std::string& yaml, const std::string& extra_plugins = "",
             const std::string& cwd = "")
      : err_(dir.file("stderr.txt")) {
    write_file(dir.file("config.yaml"), yaml);
    std::string cfg = dir.file("config.yaml");
    std::string bin = plugctl_binary();
    std::string plugins = plugin_dir();
    pid_ = ::fork();
    if (pid_ == 0) {
      if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
      int fd = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 2);
      int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 0);
      ::dup2(null, 1);
      if (extra_plugins.empty())
        ::execl(bin.c_str(), bin.c_str(), "--plugins-dir", plugins.c_str(), "run", cfg.c_str(),
                static_cast<char*>(nullptr));
      else
        ::execl(bin.c_str(), bin.c_str(), "--plugins-dir", plugins.c_str(), "--plugins-dir",
                extra_plugins.c_str(), "run", cfg.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Background() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  int stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    return wait(std::chrono::seconds(30));
  }
  // Waits for the exit by itself.
  int wait(std::chrono::seconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    int status = 0;
    while (std::chrono::steady_clock::now() < until) {
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return -2;
  }
  std::string err() const { return read_file(err_); }

private:
  std::string err_;
  pid_t pid_ = -1;
};

// --- a strict parser of the Prometheus text exposition format (0.0.4) ------------------------
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};
struct Exposition {
  std::map<std::string, std::string> types; // family -> counter/gauge/histogram/...
  std::vector<Sample> samples;
  // Sum of the samples named `name` whose labels include `match`.
  double sum(const std::string& name, const std::map<std::string, std::string>& match = {}) const {
    double s = 0;
    for (const auto& x : samples) {
      if (x.name != name) continue;
      bool ok = true;
      for (const auto& [k, v] : match) {
        auto it = x.labels.find(k);
        if (it == x.labels.end() || it->second != v) ok = false;
      }
      if (ok) s += x.value;
    }
    return s;
  }
  bool has(const std::string& name) const {
    for (const auto& x : samples)
      if (x.name == name) return true;
    return false;
  }
};

// Throws std::runtime_error naming the line for anything the format does not allow: bad names,
// unquoted or badly escaped label values, duplicate labels, unknown TYPEs, a TYPE after its
// samples, samples of a family split apart, bad numbers, histogram buckets not cumulative or
// without +Inf, _count differing from the +Inf bucket.
inline Exposition parse_prometheus(const std::string& text) {
  static const std::regex kName("[a-zA-Z_:][a-zA-Z0-9_:]*");
  static const std::regex kLabel("[a-zA-Z_][a-zA-Z0-9_]*");
  Exposition ex;
  std::map<std::string, bool> seen_samples, closed;
  std::string current_family;
  auto family_of = [&](const std::string& n) {
    for (const char* suffix : {"_bucket", "_count", "_sum"}) {
      std::string s(suffix);
      if (n.size() > s.size() && n.compare(n.size() - s.size(), s.size(), s) == 0) {
        std::string base = n.substr(0, n.size() - s.size());
        if (ex.types.count(base) && (ex.types[base] == "histogram" || ex.types[base] == "summary"))
          return base;
      }
    }
    return n;
  };
  size_t lineno = 0;
  size_t pos = 0;
  if (!text.empty() && text.back() != '\n') throw std::runtime_error("no final newline");
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++lineno;
    auto fail = [&](const std::string& why) {
      throw std::runtime_error("line " + std::to_string(lineno) + ": " + why + ": " + line);
    };
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream in(line);
      std::string hash, kw, name;
      in >> hash >> kw >> name;
      if (kw != "HELP" && kw != "TYPE") continue; // a plain comment
      if (!std::regex_match(name, kName)) fail("bad metric name");
      if (kw == "TYPE") {
        std::string type;
        in >> type;
        static const std::vector<std::string> kTypes{"counter", "gauge", "histogram", "summary",
                                                     "untyped"};
        if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end()) fail("unknown type");
        if (ex.types.count(name)) fail("second TYPE");
        if (seen_samples[name]) fail("TYPE after samples");
        ex.types[name] = type;
      }
      continue;
    }
    Sample s;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ')
      ++i;
    s.name = line.substr(0, i);
    if (!std::regex_match(s.name, kName)) fail("bad metric name");
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        size_t eq = line.find('=', i);
        if (eq == std::string::npos) fail("label without '='");
        std::string lname = line.substr(i, eq - i);
        if (!std::regex_match(lname, kLabel)) fail("bad label name '" + lname + "'");
        if (eq + 1 >= line.size() || line[eq + 1] != '"') fail("label value not quoted");
        std::string v;
        size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\') {
            ++j;
            if (j >= line.size()) fail("bad escape");
            if (line[j] == 'n')
              v += '\n';
            else if (line[j] == '\\' || line[j] == '"')
              v += line[j];
            else
              fail("bad escape");
          } else {
            v += line[j];
          }
        }
        if (j >= line.size()) fail("unterminated label value");
        if (!s.labels.emplace(lname, v).second) fail("duplicate label");
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) fail("unterminated labels");
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') fail("no space before the value");
    std::string rest = line.substr(i + 1);
    std::istringstream vs(rest);
    std::string val, ts;
    vs >> val >> ts;
    if (val == "+Inf")
      s.value = HUGE_VAL;
    else if (val == "-Inf")
      s.value = -HUGE_VAL;
    else if (val == "NaN")
      s.value = NAN;
    else {
      size_t used = 0;
      try {
        s.value = std::stod(val, &used);
      } catch (const std::exception&) {
        fail("bad value");
      }
      if (used != val.size()) fail("bad value");
    }
    if (!ts.empty() && ts.find_first_not_of("-0123456789") != std::string::npos)
      fail("bad timestamp");
    std::string fam = family_of(s.name);
    if (fam != current_family) {
      if (closed[fam]) fail("samples of family " + fam + " are not together");
      if (!current_family.empty()) closed[current_family] = true;
      current_family = fam;
    }
    seen_samples[fam] = true;
    ex.samples.push_back(std::move(s));
  }
  // Histograms: cumulative buckets ending in +Inf, equal to _count.
  std::map<std::string, std::vector<const Sample*>> buckets;
  for (const auto& s : ex.samples) {
    std::string fam = family_of(s.name);
    if (ex.types[fam] != "histogram" || s.name != fam + "_bucket") continue;
    if (!s.labels.count("le")) throw std::runtime_error(s.name + ": bucket without le");
    auto key = s.labels;
    key.erase("le");
    std::string k = fam;
    for (const auto& [a, b] : key)
      k += "|" + a + "=" + b;
    buckets[k].push_back(&s);
  }
  for (const auto& [k, list] : buckets) {
    double last = 0;
    for (const auto* b : list) {
      if (b->value < last) throw std::runtime_error(k + ": buckets not cumulative");
      last = b->value;
    }
    if (list.back()->labels.at("le") != "+Inf")
      throw std::runtime_error(k + ": no +Inf bucket last");
    std::string fam = k.substr(0, k.find('|'));
    auto labels = list.back()->labels;
    labels.erase("le");
    double count = -1;
    for (const auto& s : ex.samples)
      if (s.name == fam + "_count" && s.labels == labels) count = s.value;
    if (count != list.back()->value)
      throw std::runtime_error(k + ": _count differs from the +Inf bucket");
  }
  return ex;
}

} // namespace plugctl::test::http
