#include "loader/loader.hpp"

#include "host/host.hpp"
#include "telemetry/logging.hpp"

#include <boost/dll/shared_library.hpp>
#include <chrono>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <mutex>
#include <poll.h>
#include <set>
#include <signal.h>
#include <sys/wait.h>
#include <tuple>
#include <unistd.h>

namespace plugctl::core {
namespace fs = std::filesystem;

namespace {

// The plugin name a file suggests: libplugctl-kafka.so -> kafka.
std::string name_from_path(const fs::path& p) {
  std::string stem = p.filename().string();
  if (auto dot = stem.find(".so"); dot != std::string::npos) stem = stem.substr(0, dot);
  for (const char* prefix : {"libplugctl-", "plugctl-", "lib"}) {
    if (stem.rfind(prefix, 0) == 0) {
      stem = stem.substr(std::strlen(prefix));
      break;
    }
  }
  return stem;
}

// Checks the ELF header ourselves: dlopen's reason for a non-library is cryptic.
void check_elf(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw LoadError(std::string("cannot open: ") + std::strerror(errno));
  unsigned char h[18] = {};
  f.read(reinterpret_cast<char*>(h), sizeof h);
  if (f.gcount() < 18 || std::memcmp(h,
                                     "\x7f"
                                     "ELF",
                                     4) != 0)
    throw LoadError("not a shared object (no ELF header)");
  uint16_t type = h[5] == 2 ? static_cast<uint16_t>(h[16] << 8 | h[17])
                            : static_cast<uint16_t>(h[17] << 8 | h[16]);
  if (type != 3 /* ET_DYN */)
    throw LoadError("not a shared object (ELF type " + std::to_string(type) + ")");
}

struct Activated {
  bool ok = false;
  std::string error;
  // The vtables of the loaded plugin, for every registry of the process that activates it (a
  // library is loaded once, but each Registry has its own entries to fill).
  std::vector<std::tuple<ComponentKind, std::string, const void*>> vtables;
};
std::mutex g_activate_mu;
std::map<std::string, Activated> g_activated;

} // namespace

LoaderOptions default_loader_options(std::vector<std::string> cli_dirs) {
  LoaderOptions o;
  o.dirs = std::move(cli_dirs);
  if (const char* env = std::getenv("PLUGCTL_PLUGIN_PATH"); env != nullptr) o.env_path = env;
  std::error_code ec;
  o.exe = fs::read_symlink("/proc/self/exe", ec);
  return o;
}

std::vector<fs::path> search_dirs(const LoaderOptions& opts) {
  std::vector<fs::path> out;
  for (const auto& d : opts.dirs)
    out.emplace_back(d);
  if (opts.env_path) {
    std::string s = *opts.env_path;
    size_t start = 0;
    while (start <= s.size()) {
      size_t end = s.find(':', start);
      if (end == std::string::npos) end = s.size();
      if (end > start) out.emplace_back(s.substr(start, end - start));
      start = end + 1;
    }
  }
  if (opts.use_default_dirs && !opts.exe.empty()) {
    fs::path bindir = opts.exe.parent_path();
    out.push_back(bindir / "plugins");
    out.push_back(bindir.parent_path() / "lib" / "plugctl" / "plugins");
  }
  return out;
}

ManifestCopy load_in_process(const std::string& path) {
  check_elf(path);
  // Never freed: unloading plugins is unsafe (threads, TLS, atexit handlers).
  auto* lib = new boost::dll::shared_library();
  boost::dll::fs::error_code ec;
  lib->load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec) {
    // Boost.DLL keeps only an errno-like code; dlopen again for the loader's own reason
    // (a missing dependency, an undefined symbol...).
    dlerror();
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    const char* why = h == nullptr ? dlerror() : nullptr;
    throw LoadError(std::string("cannot load: ") + (why != nullptr ? why : ec.message()));
  }
  if (!lib->has(PLUGCTL_ENTRY_SYMBOL))
    throw LoadError("no entry symbol " PLUGCTL_ENTRY_SYMBOL
                    " (not a plugctl plugin, or the symbol is not exported)");
  auto& entry = lib->get<std::remove_pointer_t<plugctl_plugin_entry_v1_fn>>(PLUGCTL_ENTRY_SYMBOL);
  plugctl_host_info info = host_info();
  const plugctl_manifest* manifest = nullptr;
  plugctl_err err;
  plugctl_status st = entry(&info, &manifest, &err);
  if (st != PLUGCTL_OK) {
    std::string why = err.set ? err.text : std::string("no reason given (a plugin bug)");
    throw LoadError("init failed: " + why + " (status " + status_name(st) + ")");
  }
  return copy_manifest(manifest, path);
}

ManifestCopy inspect_in_child(const std::string& path, int timeout_seconds) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return load_in_process(path);
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return load_in_process(path);
  }
  if (pid == 0) {
    close(fds[0]);
    std::string out;
    try {
      auto m = load_in_process(path);
      out = boost::json::serialize(
          boost::json::object{{"ok", true}, {"manifest", manifest_to_json(m)}});
    } catch (const std::exception& e) {
      out = boost::json::serialize(boost::json::object{{"ok", false}, {"error", e.what()}});
    }
    size_t off = 0;
    while (off < out.size()) {
      ssize_t n = write(fds[1], out.data() + off, out.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string data;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  bool timed_out = false;
  char buf[65536];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{fds[0], POLLIN, 0};
    int r = poll(&pfd, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (timed_out)
    throw LoadError("did not finish loading within " + std::to_string(timeout_seconds) + "s");
  if (WIFSIGNALED(status))
    throw LoadError("crashed while loading (signal " + std::to_string(WTERMSIG(status)) + ", " +
                    strsignal(WTERMSIG(status)) + ")");
  if (data.empty())
    throw LoadError("exited while loading (status " + std::to_string(WEXITSTATUS(status)) + ")");
  boost::json::value v;
  try {
    v = boost::json::parse(data);
  } catch (const std::exception& e) {
    throw LoadError(std::string("unreadable inspection result: ") + e.what());
  }
  const auto& o = v.as_object();
  if (!o.at("ok").as_bool()) throw LoadError(std::string(o.at("error").as_string()));
  return manifest_from_json(o.at("manifest"));
}

void discover_plugins(Registry& reg, const LoaderOptions& opts) {
  std::set<fs::path> seen;
  for (const auto& dir : search_dirs(opts)) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& de : fs::directory_iterator(dir, ec)) {
      const auto& p = de.path();
      std::string fname = p.filename().string();
      bool so =
          fname.size() > 3 && (fname.ends_with(".so") || fname.find(".so.") != std::string::npos);
      if (so && de.is_regular_file(ec)) files.push_back(p);
    }
    std::sort(files.begin(), files.end());
    for (const auto& p : files) {
      fs::path canon = fs::weakly_canonical(p, ec);
      if (!seen.insert(canon).second) continue;
      std::string path = p.string();
      try {
        ManifestCopy m = opts.isolate ? inspect_in_child(path) : load_in_process(path);
        m.plugin->path = path;
        if (!opts.isolate) {
          std::lock_guard lock(g_activate_mu);
          g_activated[path] = {true, {}};
        } else {
          for (auto& c : m.components)
            c.vtable = nullptr;
        }
        reg.add_plugin(std::move(m.plugin), std::move(m.components));
      } catch (const std::exception& e) {
        auto rec = std::make_unique<PluginRecord>();
        rec->name = name_from_path(p);
        rec->path = path;
        rec->status = PluginStatus::Failed;
        rec->error = e.what();
        reg.add_plugin(std::move(rec), {});
      }
    }
  }
}

void load_registry(Registry& reg, const LoaderOptions& opts) {
  register_builtins(reg);
  discover_plugins(reg, opts);
}

void activate(const Registry& reg, const ComponentEntry& entry) {
  if (entry.vtable != nullptr) return;
  const PluginRecord* plugin = entry.plugin;
  if (plugin == nullptr) throw LoadError("component has no plugin");
  std::lock_guard lock(g_activate_mu);
  auto it = g_activated.find(plugin->path);
  if (it == g_activated.end()) {
    Activated a;
    try {
      ManifestCopy m = load_in_process(plugin->path);
      for (const auto& c : m.components)
        a.vtables.emplace_back(c.kind, c.name, c.vtable);
      a.ok = true;
    } catch (const std::exception& e) {
      a.error = e.what();
    }
    it = g_activated.emplace(plugin->path, a).first;
  }
  for (const auto& [kind, name, vtable] : it->second.vtables) {
    const ComponentEntry* registered = reg.find(kind, name);
    if (registered != nullptr && registered->plugin == plugin) registered->vtable = vtable;
  }
  if (!it->second.ok)
    throw LoadError("plugin " + plugin->name + " (" + plugin->path +
                    ") failed to load: " + it->second.error);
  if (entry.vtable == nullptr)
    throw LoadError("plugin " + plugin->name + " (" + plugin->path + ") no longer provides " +
                    std::string(kind_name(entry.kind)) + " '" + entry.name + "'");
}

} // namespace plugctl::core
