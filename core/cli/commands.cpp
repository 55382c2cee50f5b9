#include "cli/commands.hpp"

#include "bloblang/mapping.hpp"
#include "bloblang/registry.hpp"
#include "config/config.hpp"
#include "docgen.hpp"
#include "http/service.hpp"
#include "loader/loader.hpp"
#include "pipeline/engine.hpp"
#include "telemetry/logging.hpp"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <pthread.h>
#include <signal.h>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace plugctl::core {
namespace {

constexpr const char* kDefaultConfig = "input:\n  stdin: {}\noutput:\n  stdout: {}\n";

struct Globals {
  std::vector<std::string> plugin_dirs;
  bool no_isolation = false;
};

Registry load(const Globals& g, bool report_failures) {
  Registry reg;
  auto opts = default_loader_options(g.plugin_dirs);
  opts.isolate = !g.no_isolation;
  load_registry(reg, opts);
  if (report_failures) {
    for (const auto& p : reg.plugins())
      if (p->status == PluginStatus::Failed)
        std::cerr << "warning: plugin " << p->path << ": " << p->error << "\n";
    for (const auto& w : reg.warnings())
      std::cerr << "warning: " << w << "\n";
  }
  return reg;
}

std::string pad(std::string s, size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

// --- blobl -----------------------------------------------------------------------------------
int cmd_blobl(const std::string& expr, const std::string& file, const std::string& meta_json,
              bool whole) {
  std::string text = expr;
  if (!file.empty()) {
    std::ifstream f(file);
    if (!f) {
      std::cerr << "plugctl blobl: cannot read " << file << "\n";
      return 2;
    }
    std::stringstream ss;
    ss << f.rdbuf();
    text = ss.str();
  }
  if (text.empty()) {
    std::cerr << "plugctl blobl: give a mapping as an argument or with -f FILE\n";
    return 2;
  }
  std::vector<std::pair<std::string, std::string>> meta;
  if (!meta_json.empty()) {
    boost::system::error_code ec;
    auto v = boost::json::parse(meta_json, ec);
    if (ec || !v.is_object()) {
      std::cerr << "plugctl blobl: --meta must be a JSON object\n";
      return 2;
    }
    for (const auto& kv : v.get_object())
      meta.emplace_back(std::string(kv.key()), bloblang::Value::ref(kv.value()).to_string());
  }
  std::shared_ptr<const bloblang::Mapping> m;
  try {
    bloblang::Mapping::Options opts;
    if (!file.empty()) opts.import_dir = std::filesystem::path(file).parent_path().string();
    if (opts.import_dir.empty()) opts.import_dir = ".";
    m = bloblang::Mapping::parse(text, opts);
  } catch (const bloblang::ParseError& e) {
    std::cerr << (file.empty() ? "" : file + ": ") << e.what() << "\n" << e.caret() << "\n";
    return 1;
  }
  auto run_one = [&](std::string input) {
    bloblang::ExecContext ctx;
    ctx.set_message(std::move(input), meta);
    try {
      auto r = m->run(ctx);
      if (r.outcome == bloblang::Mapping::Outcome::Deleted) return;
      if (r.outcome == bloblang::Mapping::Outcome::Unchanged) {
        std::cout << ctx.content() << "\n";
        return;
      }
      std::cout << bloblang::serialize(r.value) << "\n";
    } catch (const std::exception& e) {
      std::cout.flush();
      std::cerr << "failed: " << e.what() << "\n";
    }
  };
  if (whole) {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    run_one(ss.str());
  } else {
    std::string line;
    while (std::getline(std::cin, line))
      run_one(line);
  }
  std::cout.flush();
  return 0;
}

int cmd_list_bloblang(bool functions, const std::string& format) {
  auto describe = [](const bloblang::Spec& s) {
    boost::json::array params;
    for (const auto& p : s.params) {
      boost::json::object o{{"name", p.name},
                            {"description", p.description},
                            {"optional", p.optional || p.default_value.has_value()}};
      if (p.default_value) o["default"] = *p.default_value;
      params.push_back(std::move(o));
    }
    boost::json::array examples;
    for (const auto& e : s.examples) {
      boost::json::array results;
      for (const auto& [in, out] : e.results)
        results.push_back(boost::json::array{in, out});
      examples.push_back(boost::json::object{
          {"mapping", e.mapping}, {"summary", e.summary}, {"results", results}});
    }
    return boost::json::object{{"name", s.name},     {"category", s.category},
                               {"status", s.status}, {"description", s.description},
                               {"params", params},   {"examples", examples},
                               {"impure", s.impure}};
  };
  std::vector<const bloblang::Spec*> specs;
  if (functions)
    for (const auto* f : bloblang::all_functions())
      specs.push_back(&f->spec);
  else
    for (const auto* m : bloblang::all_methods())
      specs.push_back(&m->spec);
  if (format == "json") {
    boost::json::array out;
    for (const auto* s : specs)
      out.push_back(describe(*s));
    std::cout << boost::json::serialize(out) << "\n";
    return 0;
  }
  std::cout << pad("NAME", 26) << pad("CATEGORY", 30) << pad("STATUS", 12) << "SUMMARY\n";
  for (const auto* s : specs) {
    std::string summary = s->description.substr(0, s->description.find('\n'));
    if (summary.size() > 70) summary = summary.substr(0, 67) + "...";
    std::cout << pad(s->name, 26) << pad(s->category, 30) << pad(s->status, 12) << summary << "\n";
  }
  return 0;
}

// --- list ------------------------------------------------------------------------------------
int cmd_list(const Globals& g, const std::string& kind_arg, const std::string& format) {
  Registry reg = load(g, format != "json");
  if (kind_arg == "bloblang-functions" || kind_arg == "bloblang-methods")
    return cmd_list_bloblang(kind_arg == "bloblang-functions", format);
  std::optional<ComponentKind> kind;
  if (!kind_arg.empty()) {
    std::string k = kind_arg;
    if (!k.empty() && k.back() == 's') k.pop_back(); // "inputs" -> "input"
    kind = parse_kind(k);
    if (!kind) {
      std::cerr << "plugctl list: unknown kind '" << kind_arg
                << "' (expected input, output, processor, cache, bloblang-functions or "
                   "bloblang-methods)\n";
      return 2;
    }
  }
  if (format == "json") {
    boost::json::array plugins, comps;
    for (const auto& p : reg.plugins()) {
      plugins.push_back(
          boost::json::object{{"name", p->name},
                              {"version", p->version},
                              {"abi", p->abi},
                              {"path", p->path},
                              {"status", p->status == PluginStatus::Loaded ? "loaded" : "failed"},
                              {"error", p->error}});
    }
    for (const auto* c : reg.components(kind)) {
      comps.push_back(boost::json::object{{"kind", kind_name(c->kind)},
                                          {"name", c->name},
                                          {"plugin", c->plugin->name},
                                          {"status", stability_name(c->stability)},
                                          {"summary", c->summary},
                                          {"description", c->description},
                                          {"config", spec_to_json(c->spec)}});
    }
    std::cout << boost::json::serialize(
                     boost::json::object{{"plugins", plugins}, {"components", comps}})
              << "\n";
    return 0;
  }
  if (format != "table") {
    std::cerr << "plugctl list: unknown format '" << format << "' (expected table or json)\n";
    return 2;
  }
  std::cout << pad("KIND", 11) << pad("NAME", 20) << pad("PLUGIN", 12) << pad("STATUS", 13)
            << "SUMMARY\n";
  for (const auto* c : reg.components(kind)) {
    std::cout << pad(std::string(kind_name(c->kind)), 11) << pad(c->name, 20)
              << pad(c->plugin->name, 12) << pad(std::string(stability_name(c->stability)), 13)
              << c->summary << "\n";
  }
  return 0;
}

int cmd_plugins(const Globals& g) {
  Registry reg = load(g, false);
  std::cout << pad("NAME", 14) << pad("VERSION", 10) << pad("ABI", 6) << pad("STATUS", 8)
            << "PATH\n";
  int failed = 0;
  for (const auto& p : reg.plugins()) {
    bool ok = p->status == PluginStatus::Loaded;
    std::cout << pad(p->name, 14) << pad(p->version.empty() ? "-" : p->version, 10)
              << pad(p->abi.empty() ? "-" : p->abi, 6) << pad(ok ? "loaded" : "failed", 8)
              << p->path << "\n";
    if (!ok) {
      std::cout << "  error: " << p->error << "\n";
      ++failed;
    }
  }
  for (const auto& w : reg.warnings())
    std::cout << "warning: " << w << "\n";
  return 0;
}

// --- lint ------------------------------------------------------------------------------------
int cmd_lint(const Globals& g, const std::vector<std::string>& files) {
  Registry reg = load(g, true);
  int rc = 0;
  for (const auto& f : files) {
    LoadResult r = load_config_file(f, reg);
    for (const auto& e : r.errors)
      std::cout << e.format() << "\n";
    if (r.unreadable)
      rc = std::max(rc, 2);
    else if (!r.errors.empty())
      rc = std::max(rc, 1);
  }
  return rc;
}

// --- create ----------------------------------------------------------------------------------
int cmd_create(const Globals& g, const std::string& expr) {
  Registry reg = load(g, true);
  try {
    std::cout << create_skeleton(reg, expr);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "plugctl create: " << e.what() << "\n";
    return 1;
  }
}

// --- docs and schema -------------------------------------------------------------------------
int cmd_docs(const Globals& g, const std::string& out, const std::string& format) {
  docgen::SiteFormat f;
  if (format == "html") {
    f = docgen::SiteFormat::Html;
  } else if (format == "markdown" || format == "md") {
    f = docgen::SiteFormat::Markdown;
  } else {
    std::cerr << "plugctl docs: unknown format '" << format << "' (expected html or markdown)\n";
    return 2;
  }
  Registry reg = load(g, true);
  try {
    auto r = docgen::write_site(reg, out, f);
    std::cout << "wrote " << r.pages << " files (" << r.components << " components) to " << out
              << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "plugctl docs: " << e.what() << "\n";
    return 1;
  }
}

int cmd_schema(const Globals& g, const std::string& format) {
  if (format != "jsonschema" && format != "json" && format != "cue") {
    std::cerr << "plugctl schema: unknown format '" << format << "' (expected jsonschema or cue)\n";
    return 2;
  }
  Registry reg = load(g, true);
  std::cout << (format == "cue" ? docgen::cue_schema(reg) : docgen::json_schema(reg));
  return 0;
}

// --- run -------------------------------------------------------------------------------------
int cmd_run(const Globals& g, const std::string& path, bool chilled) {
  // Signals are taken by a dedicated thread (sigwait), so every other thread blocks them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR2); // how the signal thread is told to finish
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  setup_default_logging();
  Registry reg = load(g, true);
  LoadResult r = path.empty() ? load_config_string(kDefaultConfig, "<default>", reg)
                              : load_config_file(path, reg);
  if (r.unreadable || !r.config) {
    for (const auto& e : r.errors)
      std::cerr << e.format() << "\n";
    return 1;
  }
  if (!r.errors.empty()) {
    for (const auto& e : r.errors)
      std::cerr << e.format() << "\n";
    if (!chilled) {
      std::cerr << "plugctl: the config has lint errors; fix them or run with --chilled\n";
      return 1;
    }
  }
  setup_logging(r.config->logger);
  // Before the engine: components may add routes to the service's HTTP server while created.
  std::unique_ptr<Service> service;
  try {
    service = std::make_unique<Service>(*r.config);
  } catch (const std::exception& e) {
    core_logger()->error("cannot start the service: {}", e.what());
    return 1;
  }
  std::unique_ptr<Engine> engine;
  try {
    engine = std::make_unique<Engine>(*r.config, reg);
  } catch (const std::exception& e) {
    core_logger()->error("cannot start the pipeline: {}", e.what());
    return 1;
  }
  std::thread signals([&engine, set] {
    std::optional<std::chrono::steady_clock::time_point> first;
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (sig == SIGUSR2) return; // our own wake-up at exit
      const char* name = sig == SIGINT ? "SIGINT" : "SIGTERM";
      auto now = std::chrono::steady_clock::now();
      if (!first) {
        first = now;
        core_logger()->info("Received {}, shutting down", name);
        engine->stop();
      } else if (now - *first > std::chrono::milliseconds(500)) {
        // A second signal forces the exit; one arriving at once is the same request sent twice
        // (`timeout` and process managers signal both the process and its group).
        core_logger()->warn("Received {} again, exiting without draining", name);
        engine->stop();
      }
    }
  });
  int rc = engine->run();
  bool timed_out = engine->timed_out();
  pthread_kill(signals.native_handle(), SIGUSR2);
  signals.join();
  if (!timed_out) {
    engine.reset();
    service.reset(); // stops the HTTP server; the `log` exporter prints its metrics here
  }
  spdlog::shutdown();
  std::fflush(stdout);
  if (timed_out) std::_Exit(rc); // threads may still be inside plugin calls
  return rc;
}

} // namespace

int cli_main(int argc, char** argv) {
  CLI::App app{"plugctl: a declarative stream processor with plugins.\n\n"
               "Without a command, runs CONFIG (or stdin -> stdout without one)."};
  app.set_version_flag("--version", std::string("plugctl ") + PLUGCTL_VERSION);
  Globals g;
  app.add_option("--plugins-dir", g.plugin_dirs,
                 "Also load plugins from DIR (repeatable; searched before PLUGCTL_PLUGIN_PATH "
                 "and the plugin directory next to the binary)")
      ->type_name("DIR");
  app.add_flag("--no-isolation", g.no_isolation,
               "Inspect plugins in this process instead of a child process (debugging)");

  std::string run_path, run_c;
  bool chilled = false;
  auto* run = app.add_subcommand("run", "Run a pipeline config (stdin -> stdout without one)");
  run->add_option("config", run_path, "The config file")->type_name("CONFIG");
  run->add_option("-c,--config", run_c, "The config file")->type_name("CONFIG");
  run->add_flag("--chilled", chilled, "Run even when the config has lint errors");

  std::string list_kind, list_format = "table";
  auto* list = app.add_subcommand("list", "List the components every loaded plugin provides");
  list->add_option("kind", list_kind,
                   "Only this kind: input, output, processor, cache, bloblang-functions or "
                   "bloblang-methods");
  list->add_option("--format", list_format, "table or json")->capture_default_str();

  app.add_subcommand("plugins", "List the plugins found, with their status and errors");

  std::vector<std::string> lint_files;
  auto* lint = app.add_subcommand(
      "lint", "Check configs against the component specs (exit 0 clean, 1 errors, 2 unreadable)");
  lint->add_option("files", lint_files, "Config files")->required()->type_name("FILE");

  std::string create_expr;
  auto* create = app.add_subcommand(
      "create",
      "Print a config skeleton: plugctl create INPUT/PROC,PROC/OUTPUT (e.g. stdin/log/stdout)");
  create->add_option("expression", create_expr, "INPUT/PROCESSORS/OUTPUT")->required();

  std::string blobl_expr, blobl_file, blobl_meta;
  bool blobl_whole = false;
  auto* blobl = app.add_subcommand(
      "blobl", "Run a Bloblang mapping on each line of stdin (results on stdout, failures as "
               "'failed: <error>' on stderr)");
  blobl->add_option("mapping", blobl_expr, "The mapping");
  blobl->add_option("-f,--file", blobl_file, "Read the mapping from FILE")->type_name("FILE");
  blobl->add_option("--meta", blobl_meta, "Metadata of every message, as a JSON object")
      ->type_name("JSON");
  blobl->add_flag("--whole", blobl_whole, "Treat all of stdin as one message");

  std::string docs_out, docs_format = "html";
  auto* docs = app.add_subcommand(
      "docs", "Write the documentation site (every component, plugin and Bloblang function) "
              "generated from the specs of the plugins found");
  docs->add_option("--out", docs_out, "Directory to write the site into")
      ->required()
      ->type_name("DIR");
  docs->add_option("--format", docs_format, "html or markdown")->capture_default_str();

  std::string schema_format = "jsonschema";
  auto* schema = app.add_subcommand(
      "schema", "Print the config schema of every component found (JSON Schema 2020-12 for "
                "editors, or CUE)");
  schema->add_option("--format", schema_format, "jsonschema or cue")->capture_default_str();

  app.add_subcommand("version", "Print the version and the plugin ABI");

  std::string top_config;
  bool top_chilled = false;
  app.add_option("-c,--config", top_config, "Run this config file")->type_name("CONFIG");
  app.add_flag("--chilled", top_chilled, "Run even when the config has lint errors");
  app.require_subcommand(0, 1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (run->parsed()) {
    if (!run_path.empty() && !run_c.empty()) {
      std::cerr << "plugctl run: give the config either as an argument or with -c, not both\n";
      return 2;
    }
    return cmd_run(g, run_path.empty() ? run_c : run_path, chilled);
  }
  if (list->parsed()) return cmd_list(g, list_kind, list_format);
  if (app.got_subcommand("plugins")) return cmd_plugins(g);
  if (lint->parsed()) return cmd_lint(g, lint_files);
  if (create->parsed()) return cmd_create(g, create_expr);
  if (docs->parsed()) return cmd_docs(g, docs_out, docs_format);
  if (schema->parsed()) return cmd_schema(g, schema_format);
  if (blobl->parsed()) return cmd_blobl(blobl_expr, blobl_file, blobl_meta, blobl_whole);
  if (app.got_subcommand("version")) {
    std::cout << "plugctl " << PLUGCTL_VERSION << "\nplugin ABI " << PLUGCTL_ABI_MAJOR << "."
              << PLUGCTL_ABI_MINOR << "\n";
    return 0;
  }
  return cmd_run(g, top_config, top_chilled);
}

} // namespace plugctl::core
