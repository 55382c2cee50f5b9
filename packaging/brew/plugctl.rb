# Homebrew formula for plugctl, built from a release source tarball.
#
# `homepage`, `url` and `sha256` are placeholders until a release is published: the release
# step runs packaging/brew/update-formula.sh, which makes the source tarball (`git archive` of
# the tag) and writes its URL and SHA-256 here.
# Install from a checkout with: brew install --formula ./packaging/brew/plugctl.rb
#
# plugctl is Linux-only for now (the plugin loader uses ELF, /proc/self/exe and GNU ld version
# scripts), hence `depends_on :linux`: this is a Homebrew-on-Linux formula.
class Plugctl < Formula
  desc "Declarative stream processor with plugins (inputs, processors, outputs, Bloblang)"
  homepage "https://github.com/plugctl/plugctl"
  url "https://github.com/plugctl/plugctl/archive/refs/tags/v0.1.0.tar.gz"
  sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  license "Apache-2.0"
  head "https://github.com/plugctl/plugctl.git", branch: "main"

  depends_on "cli11" => :build
  depends_on "cmake" => :build
  depends_on "ninja" => :build
  depends_on "pkgconf" => :build
  depends_on "boost"
  depends_on "fmt"
  depends_on "gperftools"
  depends_on "howard-hinnant-date"
  depends_on :linux
  depends_on "lz4"
  depends_on "openssl@3"
  depends_on "prometheus-cpp"
  depends_on "re2"
  depends_on "snappy"
  depends_on "spdlog"
  depends_on "xxhash"
  depends_on "yaml-cpp"
  depends_on "zlib"
  depends_on "zstd"

  def install
    args = %W[
      -DPLUGCTL_BUILD_TESTS=OFF
      -DPLUGCTL_BUILD_BENCH=OFF
      -DPLUGCTL_WERROR=OFF
      -DPLUGCTL_INSTALL_SYSTEMD=OFF
      -DPLUGCTL_INSTALL_SYSCONFDIR=#{etc}
    ]
    system "cmake", "-S", ".", "-B", "build", "-G", "Ninja", *args, *std_cmake_args
    system "cmake", "--build", "build"
    # Everything: the binary, bundled plugins (lib/plugctl/plugins), man page, default config,
    # and the plugin development kit (include/plugctl, share/cmake/plugctl, plugctl.pc).
    system "cmake", "--install", "build"
    (pkgshare/"examples").install Dir["config/examples/*.yaml"]
    (pkgshare/"examples").install "examples/vendor-plugin"
  end

  def post_install
    (var/"lib/plugctl").mkpath
    (HOMEBREW_PREFIX/"lib/plugctl/vendor-plugins").mkpath
  end

  def caveats
    <<~EOS
      The service runs #{etc}/plugctl/config.yaml (a heartbeat to start with):
        brew services start plugctl

      Bundled plugins load from the keg. Put vendor plugins in
        #{HOMEBREW_PREFIX}/lib/plugctl/vendor-plugins
      and point plugctl at them:
        export PLUGCTL_PLUGIN_PATH=#{HOMEBREW_PREFIX}/lib/plugctl/vendor-plugins
      A vendor plugin builds against this formula with find_package(plugctl) (CMake) or
      pkg-config plugctl; see #{opt_pkgshare}/examples/vendor-plugin.
    EOS
  end

  service do
    run [opt_bin/"plugctl", "run", etc/"plugctl/config.yaml"]
    environment_variables PLUGCTL_PLUGIN_PATH: HOMEBREW_PREFIX/"lib/plugctl/vendor-plugins"
    working_dir var/"lib/plugctl"
    keep_alive crashed: true
    log_path var/"log/plugctl.log"
    error_log_path var/"log/plugctl.log"
  end

  test do
    assert_match "plugctl #{version}", shell_output("#{bin}/plugctl version")
    assert_match "file", shell_output("#{bin}/plugctl list output")

    # The installed default config lints clean.
    system bin/"plugctl", "lint", etc/"plugctl/config.yaml"

    # A pipeline through the bundled file plugin, linted then run.
    (testpath/"in.txt").write "hello\nbrew\n"
    (testpath/"pipeline.yaml").write <<~YAML
      input:
        file:
          paths: [ #{testpath}/in.txt ]
      pipeline:
        processors:
          - mapping: root = content().uppercase()
      output:
        file:
          path: #{testpath}/out.txt
    YAML
    system bin/"plugctl", "lint", testpath/"pipeline.yaml"
    system bin/"plugctl", "run", testpath/"pipeline.yaml"
    assert_equal "HELLO\nBREW\n", (testpath/"out.txt").read

    # A misspelt field is refused, naming it.
    (testpath/"bad.yaml").write <<~YAML
      input:
        file:
          pathz: [ in.txt ]
      output:
        stdout: {}
    YAML
    assert_match "pathz", shell_output("#{bin}/plugctl lint #{testpath}/bad.yaml", 1)
  end
end
