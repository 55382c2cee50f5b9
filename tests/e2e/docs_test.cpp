// `plugctl docs` and `plugctl schema` as a user runs them: the generated site (every component,
// vendor plugins like bundled ones, links that resolve, pages that load in headless Chromium
// without console errors, a search box that finds a component) and the JSON schema (the example
// configs validate, the bad ones do not, as lint says).
#include "support/support.hpp"

#include <boost/json.hpp>
#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <regex>
#include <set>

namespace plugctl::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// The test plugins stand in for vendor plugins dropped into a plugins directory.
std::string vendor_dirs() {
  return "--plugins-dir " + test_plugin_dir();
}

json::array list_components() {
  auto e = run_plugctl(vendor_dirs() + " list --format json");
  EXPECT_EQ(e.exit_code, 0) << e.err;
  return json::parse(e.out).at("components").as_array();
}

std::string plural(const json::value& c) {
  return std::string(c.at("kind").as_string()) + "s";
}

std::vector<fs::path> files_with(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ext) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Every relative link of every page resolves to a file, and its #anchor to an id in it.
// Returns the broken ones as "page -> link".
std::vector<std::string> broken_links(const fs::path& site, const std::string& ext,
                                      const std::regex& link_re) {
  std::vector<std::string> broken;
  std::map<fs::path, std::string> cache;
  auto text_of = [&](const fs::path& p) -> const std::string& {
    auto it = cache.find(p);
    if (it == cache.end()) it = cache.emplace(p, read_file(p.string())).first;
    return it->second;
  };
  size_t checked = 0;
  for (const auto& page : files_with(site, ext)) {
    const std::string& text = text_of(page);
    for (std::sregex_iterator it(text.begin(), text.end(), link_re), end; it != end; ++it) {
      std::string link = (*it)[1];
      if (link.rfind("http://", 0) == 0 || link.rfind("https://", 0) == 0 ||
          link.rfind("mailto:", 0) == 0)
        continue;
      ++checked;
      std::string file = link.substr(0, link.find('#'));
      std::string anchor =
          link.find('#') == std::string::npos ? "" : link.substr(link.find('#') + 1);
      fs::path target = file.empty() ? page : (page.parent_path() / file).lexically_normal();
      if (!fs::exists(target)) {
        broken.push_back(page.string() + " -> " + link);
        continue;
      }
      if (!anchor.empty() && text_of(target).find("id=\"" + anchor + "\"") == std::string::npos)
        broken.push_back(page.string() + " -> " + link + " (no such anchor)");
    }
  }
  EXPECT_GT(checked, 100u) << "the link check found almost no links: it proves nothing";
  return broken;
}

TEST(Docs, HtmlSiteHasEveryComponentWithItsFieldsAndPlugin) {
  TempDir tmp;
  auto e = run_plugctl(vendor_dirs() + " docs --out " + tmp.file("site"));
  ASSERT_EQ(e.exit_code, 0) << e.err;
  fs::path site = tmp.file("site");
  std::string index = read_file((site / "index.html").string());
  json::array comps = list_components();
  ASSERT_GT(comps.size(), 25u);
  bool saw_vendor = false;
  for (const auto& c : comps) {
    std::string name(c.at("name").as_string());
    std::string rel = plural(c) + "/" + name + ".html";
    EXPECT_NE(index.find("href=\"" + rel + "\""), std::string::npos) << rel << " not in the index";
    ASSERT_TRUE(fs::exists(site / rel)) << rel;
    std::string page = read_file((site / rel).string());
    EXPECT_NE(page.find("<h1>" + name + " "), std::string::npos) << rel;
    EXPECT_NE(page.find("badge " + std::string(c.at("status").as_string())), std::string::npos)
        << rel;
    EXPECT_NE(page.find("From plugin <a href=\"../plugins.html#plugin-" +
                        std::string(c.at("plugin").as_string()) + "\""),
              std::string::npos)
        << rel;
    // Every top-level field of the spec is in the field table.
    const auto& config = c.at("config").as_object();
    if (const auto* children = config.if_contains("children")) {
      for (const auto& f : children->as_array()) {
        EXPECT_NE(page.find("id=\"field-" + std::string(f.at("name").as_string()) + "\""),
                  std::string::npos)
            << rel << " lacks field " << f.at("name");
      }
    }
    EXPECT_NE(page.find("id=\"minimal\""), std::string::npos) << rel;
    EXPECT_NE(page.find("id=\"full\""), std::string::npos) << rel;
    if (c.at("plugin") == "testkit") saw_vendor = true;
  }
  EXPECT_TRUE(saw_vendor) << "the vendor plugin's components are missing";
  // The vendor plugin is documented like the bundled ones, with its version and licence.
  std::string plugins = read_file((site / "plugins.html").string());
  for (const char* p :
       {"id=\"plugin-core\"", "id=\"plugin-file\"", "id=\"plugin-testkit\"", "id=\"plugin-c\""})
    EXPECT_NE(plugins.find(p), std::string::npos) << p;
  // Generated YAML: the file output's minimal config has its required path, the full one its
  // advanced fields too.
  std::string file_out = read_file((site / "outputs/file.html").string());
  EXPECT_NE(file_out.find("<h2 id=\"minimal\">Minimal config</h2>\n<pre><code "
                          "class=\"language-yaml\">output:\n  label: &quot;&quot;\n  file:\n"
                          "    path:"),
            std::string::npos);
  // No external assets: only relative links and the site's own CSS and script.
  for (const auto& page : files_with(site, ".html")) {
    std::string text = read_file(page.string());
    EXPECT_EQ(text.find("src=\"http"), std::string::npos) << page;
    EXPECT_EQ(text.find("<link rel=\"stylesheet\" href=\"http"), std::string::npos) << page;
  }
}

// `plugctl create` and the docs' generated YAML of every real component (built-ins and bundled
// plugins) lint clean: a user can paste them.
TEST(Docs, GeneratedConfigsOfEveryComponentLintClean) {
  core::Registry reg = make_registry({plugin_dir()});
  auto lint_clean = [&](const std::string& what, const std::string& yaml) {
    auto r = core::load_config_string(yaml, what, reg);
    std::string errors;
    for (const auto& e : r.errors)
      errors += e.format() + "\n";
    EXPECT_TRUE(r.errors.empty()) << what << "\n" << yaml << errors;
  };
  size_t n = 0;
  for (const auto* c : reg.components()) {
    std::string kind(core::kind_name(c->kind));
    std::string expr = kind == "input"       ? c->name + "//"
                       : kind == "processor" ? "/" + c->name + "/"
                                             : "//" + c->name;
    if (kind == "cache") continue;
    lint_clean("create " + expr, core::create_skeleton(reg, expr));
    for (auto d : {core::YamlDetail::Minimal, core::YamlDetail::Common}) {
      std::string y = core::component_yaml(reg, *c, d);
      // A lone input or output section is a whole config; a processor needs the pipeline.
      lint_clean("docs yaml of " + kind + " " + c->name, y);
    }
    ++n;
  }
  EXPECT_GT(n, 25u);
}

TEST(Docs, BloblangPagesListEveryFunctionAndMethodWithExamples) {
  TempDir tmp;
  ASSERT_EQ(run_plugctl("docs --out " + tmp.file("site")).exit_code, 0);
  for (std::string what : {"functions", "methods"}) {
    auto e = run_plugctl("list bloblang-" + what + " --format json");
    ASSERT_EQ(e.exit_code, 0);
    std::string page = read_file(tmp.file("site/bloblang/" + what + ".html"));
    size_t examples = 0;
    json::value specs = json::parse(e.out);
    for (const auto& s : specs.as_array()) {
      std::string name(s.at("name").as_string());
      EXPECT_NE(page.find("<article class=\"bloblang\" id=\"" + name + "\">"), std::string::npos)
          << what << " " << name;
      examples += s.at("examples").as_array().size();
    }
    size_t shown = 0;
    for (size_t at = 0; (at = page.find("language-coffee", at)) != std::string::npos; ++at)
      ++shown;
    EXPECT_EQ(shown, examples) << what;
  }
}

TEST(Docs, EveryInternalLinkResolves) {
  TempDir tmp;
  ASSERT_EQ(run_plugctl(vendor_dirs() + " docs --out " + tmp.file("html")).exit_code, 0);
  ASSERT_EQ(
      run_plugctl(vendor_dirs() + " docs --format markdown --out " + tmp.file("md")).exit_code, 0);
  auto html = broken_links(tmp.file("html"), ".html", std::regex(R"re((?:href|src)="([^"]+)")re"));
  EXPECT_TRUE(html.empty()) << testing::PrintToString(html);
  auto md = broken_links(tmp.file("md"), ".md", std::regex(R"re(\]\(([^)\s]+)\))re"));
  EXPECT_TRUE(md.empty()) << testing::PrintToString(md);
  EXPECT_TRUE(fs::exists(tmp.file("md/index.md")));
  EXPECT_TRUE(fs::exists(tmp.file("md/outputs/broker.md")));
}

TEST(Docs, BadArgumentsAreRefused) {
  auto e = run_plugctl("docs --out /tmp/x --format pdf");
  EXPECT_EQ(e.exit_code, 2);
  EXPECT_NE(e.err.find("unknown format 'pdf'"), std::string::npos) << e.err;
  e = run_plugctl("docs --out /proc/plugctl-cannot-write-here");
  EXPECT_EQ(e.exit_code, 1);
  EXPECT_NE(e.err.find("/proc/plugctl-cannot-write-here"), std::string::npos) << e.err;
  e = run_plugctl("schema --format xml");
  EXPECT_EQ(e.exit_code, 2);
}

// --- headless Chromium -------------------------------------------------------------------------

std::string chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (fs::exists(p)) return p;
  return "";
}

Exec headless(const std::string& args) {
  Exec r;
  std::string cmd = chromium() +
                    " --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 "
                    "--allow-file-access-from-files --virtual-time-budget=10000 " +
                    args;
  // run_plugctl runs the plugctl binary; Chromium goes through the shell directly.
  TempDir tmp;
  int rc = std::system((cmd + " >" + tmp.file("out") + " 2>" + tmp.file("err")).c_str());
  r.exit_code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = read_file(tmp.file("out"));
  r.err = read_file(tmp.file("err"));
  return r;
}

std::vector<std::string> console_lines(const std::string& err) {
  std::vector<std::string> out;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);)
    if (line.find(":CONSOLE") != std::string::npos) out.push_back(line);
  return out;
}

TEST(DocsBrowser, EveryPageLoadsWithoutConsoleErrorsAndSearchFindsAComponent) {
  ASSERT_FALSE(chromium().empty())
      << "Debian's chromium is needed (scripts/install-deps.sh installs it)";
  TempDir tmp;
  fs::path site = tmp.file("site");
  ASSERT_EQ(run_plugctl(vendor_dirs() + " docs --out " + site.string()).exit_code, 0);

  // A canary page proves that console errors are seen at all.
  write_file((site / "canary.html").string(),
             "<!DOCTYPE html><title>canary</title><script>console.error('canary-error')"
             "</script>");
  // One harness page loads every page of the site in a frame, checks each rendered its main
  // content and the search box, then types a vendor component's name into the index's search
  // box and reports what the results list shows.
  std::vector<std::string> pages;
  for (const auto& p : files_with(site, ".html"))
    if (p.filename() != "canary.html") pages.push_back(fs::relative(p, site).string());
  ASSERT_GT(pages.size(), 30u);
  json::array page_list(pages.begin(), pages.end());
  write_file((site / "harness.html").string(),
             R"(<!DOCTYPE html><html><head><title>harness</title></head>
<body><pre id="report">pending</pre><script>
var pages = )" + json::serialize(page_list) +
                 R"(;
var results = {}, left = pages.length;
function done() {
  var idx = document.createElement('iframe');
  idx.onload = function () {
    var d = idx.contentDocument, box = d.getElementById('search');
    box.value = 'c_memo';
    box.dispatchEvent(new Event('input'));
    var links = [].map.call(d.querySelectorAll('#results a'), function (a) { return a.getAttribute('href'); });
    results['search:c_memo'] = links.join(' ');
    document.getElementById('report').textContent = JSON.stringify(results);
  };
  idx.src = 'index.html';
  document.body.appendChild(idx);
}
pages.forEach(function (p) {
  var f = document.createElement('iframe');
  f.onload = function () {
    try {
      var d = f.contentDocument;
      var ok = d && d.querySelector('main h1') && d.getElementById('search') && d.title;
      results[p] = ok ? 'ok' : 'incomplete';
    } catch (e) { results[p] = 'error ' + e; }
    if (--left === 0) done();
  };
  f.src = p;
  document.body.appendChild(f);
});
</script><iframe src="canary.html"></iframe></body></html>
)");
  auto r = headless("--dump-dom file://" + (site / "harness.html").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex(R"(<pre id="report">([^<]*)</pre>)")))
      << r.out.substr(0, 2000);
  std::string report = m[1];
  for (auto [from, to] : {std::pair{"&quot;", "\""}, {"&amp;", "&"}})
    for (size_t at; (at = report.find(from)) != std::string::npos;)
      report.replace(at, std::string(from).size(), to);
  ASSERT_NE(report, "pending") << "the harness did not finish";
  auto rep = json::parse(report).as_object();
  for (const auto& p : pages)
    EXPECT_EQ(rep[p], "ok") << p;
  EXPECT_NE(std::string(rep["search:c_memo"].as_string()).find("outputs/c_memory.html"),
            std::string::npos)
      << rep["search:c_memo"];

  auto console = console_lines(r.err);
  bool canary = false;
  std::vector<std::string> errors;
  for (const auto& l : console)
    (l.find("canary-error") != std::string::npos ? canary = true : (errors.push_back(l), true));
  EXPECT_TRUE(canary) << "console messages are not captured: the check proves nothing\n" << r.err;
  EXPECT_TRUE(errors.empty()) << testing::PrintToString(errors);

  // Screenshots of the index and one component page, kept as test artefacts.
  fs::path art = fs::path(build_dir()) / "test-artifacts" / "docs";
  fs::create_directories(art);
  for (auto [page, png] :
       {std::pair{"index.html", "index.png"}, {"outputs/broker.html", "broker.png"}}) {
    fs::remove(art / png);
    auto s = headless("--window-size=1280,1000 --screenshot=" + (art / png).string() + " file://" +
                      (site / page).string());
    EXPECT_EQ(s.exit_code, 0) << s.err;
    ASSERT_TRUE(fs::exists(art / png)) << png;
    EXPECT_GT(fs::file_size(art / png), 10000u) << png << " looks empty";
  }
}

// --- schema ------------------------------------------------------------------------------------

std::map<std::string, std::string> validate(const std::string& schema,
                                            const std::vector<std::string>& configs) {
  std::string args;
  for (const auto& c : configs)
    args += " " + c;
  TempDir tmp;
  std::string cmd = "python3 " + source_dir() + "/tests/docs/validate_schema.py " + schema + args +
                    " >" + tmp.file("out") + " 2>&1";
  int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << read_file(tmp.file("out"));
  std::map<std::string, std::string> out;
  for (const auto& line : read_lines(tmp.file("out"))) {
    if (line.rfind("ok ", 0) == 0) out[line.substr(3)] = "ok";
    if (line.rfind("invalid ", 0) == 0) {
      std::string rest = line.substr(8);
      out[rest.substr(0, rest.find(": "))] = rest;
    }
  }
  return out;
}

std::vector<std::string> yaml_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& p : files_with(dir, ".yaml"))
    out.push_back(p.string());
  return out;
}

TEST(Schema, ExampleConfigsValidateAndBadConfigsDoNot) {
  TempDir tmp;
  auto e = run_plugctl("schema --format jsonschema");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  write_file(tmp.file("schema.json"), e.out);
  auto s = json::parse(e.out).as_object();
  EXPECT_EQ(s["$schema"], "https://json-schema.org/draft/2020-12/schema");

  std::vector<std::string> good = yaml_files(source_dir() + "/config/examples");
  for (const auto& p : fs::directory_iterator(source_dir() + "/plugins"))
    if (fs::exists(p.path() / "examples"))
      for (const auto& f : yaml_files((p.path() / "examples").string()))
        good.push_back(f);
  ASSERT_GE(good.size(), 6u);
  auto res = validate(tmp.file("schema.json"), good);
  for (const auto& g : good) {
    EXPECT_EQ(res[g], "ok") << g;
    // and lint agrees
    EXPECT_EQ(run_plugctl("lint " + g).exit_code, 0) << g;
  }

  std::vector<std::string> bad = yaml_files(source_dir() + "/tests/docs/bad");
  ASSERT_GE(bad.size(), 10u);
  res = validate(tmp.file("schema.json"), bad);
  for (const auto& b : bad) {
    EXPECT_EQ(res[b].rfind(b, 0), 0u) << b << " validated: " << res[b];
    EXPECT_EQ(run_plugctl("lint " + b).exit_code, 1) << b << " lints clean";
  }
}

std::string cue_binary() {
  const char* home = std::getenv("HOME");
  std::string p = std::string(home != nullptr ? home : "/root") + "/.cache/plugctl/bin/cue";
  if (const char* cache = std::getenv("PLUGCTL_CACHE")) p = std::string(cache) + "/bin/cue";
  return fs::exists(p) ? p : "";
}

TEST(Schema, CueVetAcceptsTheExamplesAndRefusesTheBadConfigs) {
  std::string cue = cue_binary();
  ASSERT_FALSE(cue.empty())
      << "cue is missing: run scripts/test-services.sh start (make test does)";
  TempDir tmp;
  auto e = run_plugctl("schema --format cue");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  write_file(tmp.file("schema.cue"), e.out);
  auto vet = [&](const std::string& config) {
    std::string cmd = cue + " vet -d '#Config' " + tmp.file("schema.cue") + " " + config + " >" +
                      tmp.file("vet.out") + " 2>&1";
    int rc = std::system(cmd.c_str());
    return std::pair{rc == 0, read_file(tmp.file("vet.out"))};
  };
  std::vector<std::string> good = yaml_files(source_dir() + "/config/examples");
  for (const auto& f : yaml_files(source_dir() + "/plugins/file/examples"))
    good.push_back(f);
  for (const auto& g : good) {
    auto [ok, out] = vet(g);
    EXPECT_TRUE(ok) << g << "\n" << out;
  }
  for (const auto& b : yaml_files(source_dir() + "/tests/docs/bad")) {
    auto [ok, out] = vet(b);
    EXPECT_FALSE(ok) << b << " passed cue vet";
  }
}

TEST(Schema, CueDefinitionsCoverEveryComponent) {
  auto e = run_plugctl(vendor_dirs() + " schema --format cue");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out.find("package plugctl"), e.out.find("package"));
  for (const auto& c : list_components()) {
    std::string name(c.at("name").as_string());
    EXPECT_NE(e.out.find("{\"" + name + "\"!: "), std::string::npos) << name;
  }
  for (const char* def : {"#Config: {", "#Input: {", "#Output: {", "#Processor: {"})
    EXPECT_NE(e.out.find(def), std::string::npos) << def;
}

} // namespace
} // namespace plugctl::test
