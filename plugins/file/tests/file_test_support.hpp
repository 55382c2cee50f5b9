// Helpers of the file plugin's tests: the registry with the plugin, config snippets, file times.
#pragma once

#include "support/support.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace plugctl::test::file {

// The file input reads in chunks of this size (kChunkSize in file_input.cpp): the tests put
// lines and delimiters across these boundaries.
inline constexpr size_t kChunk = size_t{1} << 20;

// Built-ins (test_feed, test_capture) and build/plugins (the file plugin).
inline core::Registry& registry() {
  static core::Registry reg = make_registry({plugin_dir()});
  return reg;
}

inline std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

// `input: file:` reading `paths`, with `extra` (fields of the input, indented by 4).
inline std::string file_input(const std::vector<std::string>& paths,
                              const std::string& extra = "") {
  std::string y = "input:\n  file:\n    paths: [";
  for (size_t i = 0; i < paths.size(); ++i)
    y += (i ? ", " : " ") + quoted(paths[i]);
  return y + " ]\n" + extra;
}

inline std::string to_capture(const std::string& channel_name) {
  return "output:\n  test_capture:\n    channel: " + quoted(channel_name) + "\n";
}

inline std::string from_feed(const std::string& channel_name, size_t batch_size = 10) {
  return "input:\n  test_feed:\n    channel: " + quoted(channel_name) +
         "\n    batch_size: " + std::to_string(batch_size) + "\n";
}

// `output: file:` appending to `path`, with `extra` fields (indented by 4).
inline std::string file_output(const std::string& path, const std::string& extra = "") {
  return "output:\n  file:\n    path: " + quoted(path) + "\n" + extra;
}

inline std::string joined(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& s : items)
    out += s + sep;
  return out;
}

inline void set_mod_time(const std::string& path, time_t t) {
  struct timespec times[2] = {{t, 0}, {t, 0}};
  if (::utimensat(AT_FDCWD, path.c_str(), times, 0) != 0)
    throw std::runtime_error("utimensat " + path + ": " + std::strerror(errno));
}

inline bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

} // namespace plugctl::test::file
