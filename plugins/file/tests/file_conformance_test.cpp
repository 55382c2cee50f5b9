// The file input and output join the plugin conformance kit (tests/conformance/kit.hpp).
#include "conformance/kit.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdexcept>
#include <sys/stat.h>

namespace plugctl::conformance {
namespace {

// A fixed modification time, so that the metadata has known values.
constexpr time_t kModTime = 1714564800; // 2024-05-01T12:00:00Z

void set_mod_time(const std::string& path, time_t t) {
  struct timespec times[2] = {{t, 0}, {t, 0}};
  if (::utimensat(AT_FDCWD, path.c_str(), times, 0) != 0)
    throw std::runtime_error("utimensat " + path + ": " + std::strerror(errno));
}

InputFixture file_input_fixture() {
  InputFixture f;
  f.component = "file";
  f.plugin_dir = test::plugin_dir();
  f.setup = [](TempDir& dir, const std::vector<std::string>& payloads) {
    std::string text;
    for (const auto& p : payloads)
      text += p + "\n";
    test::write_file(dir.file("input.txt"), text);
    set_mod_time(dir.file("input.txt"), kModTime);
    return "file:\n  paths: [ \"" + dir.file("input.txt") + "\" ]\n";
  };
  f.metadata = [](const TempDir& dir, size_t) {
    return Metadata{{"path", dir.file("input.txt")},
                    {"mod_time_unix", std::to_string(kModTime)},
                    {"mod_time", "2024-05-01T12:00:00Z"}};
  };
  return f;
}

OutputFixture file_output_fixture() {
  OutputFixture f;
  f.component = "file";
  f.plugin_dir = test::plugin_dir();
  f.setup = [](TempDir& dir) { return "file:\n  path: \"" + dir.file("out/data.txt") + "\"\n"; };
  f.read_back = [](TempDir& dir) { return test::read_lines(dir.file("out/data.txt")); };
  // The parent "directory" is a regular file: every open fails, naming the path.
  f.broken_setup = [](TempDir& dir) {
    test::write_file(dir.file("regular"), "not a directory\n");
    const std::string path = dir.file("regular/out/data.txt");
    return BrokenSetup{"file:\n  path: \"" + path + "\"\n", path};
  };
  return f;
}

} // namespace

PLUGCTL_CONFORMANCE_INPUT(FileInput, file_input_fixture());
PLUGCTL_CONFORMANCE_OUTPUT(FileOutput, file_output_fixture());

} // namespace plugctl::conformance
