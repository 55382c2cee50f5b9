// `plugctl docs`: the static documentation site (HTML or Markdown) generated from the registry.
#include "bloblang/registry.hpp"
#include "config/config.hpp"
#include "docgen.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>

namespace plugctl::docgen {

namespace fs = std::filesystem;
namespace json = boost::json;
using core::ComponentEntry;
using core::ComponentKind;
using core::FieldKind;
using core::FieldSpec;
using core::FieldType;

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

namespace {

// `code` spans of one escaped line.
std::string inline_html(std::string_view line) {
  std::string esc = html_escape(line), out;
  bool open = false;
  for (char c : esc) {
    if (c == '`') {
      out += open ? "</code>" : "<code>";
      open = !open;
    } else {
      out += c;
    }
  }
  if (open) out += "</code>";
  return out;
}

std::vector<std::string_view> lines_of(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    size_t nl = s.find('\n');
    out.push_back(s.substr(0, nl));
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

} // namespace

std::string text_to_html(std::string_view s) {
  std::string out, para;
  bool in_list = false;
  auto flush = [&] {
    if (!para.empty()) out += "<p>" + para + "</p>\n";
    para.clear();
  };
  auto close_list = [&] {
    if (in_list) out += "</ul>\n";
    in_list = false;
  };
  for (std::string_view raw : lines_of(s)) {
    std::string_view line = trim(raw);
    if (line.empty()) {
      flush();
      close_list();
      continue;
    }
    if (line.size() > 1 && (line[0] == '-' || line[0] == '*') && line[1] == ' ') {
      flush();
      if (!in_list) out += "<ul>\n";
      in_list = true;
      out += "<li>" + inline_html(line.substr(2)) + "</li>\n";
      continue;
    }
    close_list();
    if (!para.empty()) para += ' ';
    para += inline_html(line);
  }
  flush();
  close_list();
  return out;
}

namespace {

std::string kind_plural(ComponentKind k) {
  return std::string(core::kind_name(k)) + "s";
}

std::string title_case(std::string s) {
  if (!s.empty()) s[0] = char(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

std::string summary_of(const std::string& description) {
  std::string first = description.substr(0, description.find('\n'));
  return first;
}

// "string", "array of int", "map of object", "input".
std::string type_text(const FieldSpec& f) {
  std::string t(core::field_type_name(f.type));
  if (f.kind == FieldKind::List) return "array of " + t;
  if (f.kind == FieldKind::Map) return "map of " + t;
  return t;
}

struct FieldRow {
  std::string path;
  const FieldSpec* spec;
};

// Every field with its dotted path: "batching.count", "cases[].check".
void flatten(const FieldSpec& f, const std::string& prefix, std::vector<FieldRow>& out) {
  for (const auto& c : f.children) {
    std::string path = prefix.empty() ? c.name : prefix + "." + c.name;
    out.push_back({path, &c});
    if (c.type == FieldType::Object && !c.children.empty()) {
      std::string next = path;
      if (c.kind == FieldKind::List) next += "[]";
      if (c.kind == FieldKind::Map) next += ".<name>";
      flatten(c, next, out);
    }
  }
}

std::vector<FieldRow> rows_of(const ComponentEntry& e) {
  std::vector<FieldRow> rows;
  // A scalar object's fields, or those of each element of a list (map) of objects.
  if (e.spec.type == FieldType::Object) flatten(e.spec, "", rows);
  return rows;
}

bool required_field(const FieldSpec& f) {
  return f.required() && !core::implied_default(f);
}

std::vector<std::string> split_examples(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (std::string_view line : lines_of(s)) {
    if (trim(line) == "---") {
      if (!trim(cur).empty()) out.push_back(cur);
      cur.clear();
      continue;
    }
    cur += std::string(line) + "\n";
  }
  if (!trim(cur).empty()) out.push_back(cur);
  return out;
}

std::string plugin_anchor(const std::string& name) {
  return "plugin-" + name;
}

// One page's writer (HTML and Markdown share the structure, not the syntax).
class Writer {
public:
  Writer(const core::Registry& reg, fs::path out, SiteFormat format)
      : reg_(reg), out_(std::move(out)), md_(format == SiteFormat::Markdown),
        ext_(md_ ? ".md" : ".html") {}

  SiteReport run() {
    std::error_code ec;
    fs::create_directories(out_, ec);
    if (ec) throw std::runtime_error(out_.string() + ": " + ec.message());
    for (const auto* c : reg_.components()) {
      write_component(*c);
      ++report_.components;
    }
    write_bloblang(true);
    write_bloblang(false);
    write_plugins();
    write_index();
    if (!md_) {
      write_file("style.css", kCss);
      write_file("search.js", search_js());
    }
    return report_;
  }

private:
  // --- files -------------------------------------------------------------------------------
  void write_file(const std::string& rel, const std::string& text) {
    fs::path p = out_ / rel;
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error("cannot write " + p.string());
    f << text;
    f.close();
    if (!f) throw std::runtime_error("cannot write " + p.string());
    ++report_.pages;
  }

  std::string page(const std::string& title, const std::string& root, const std::string& crumbs,
                   const std::string& body) const {
    std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                      "<title>" +
                      html_escape(title) + " - plugctl</title>\n<link rel=\"stylesheet\" href=\"" +
                      root + "style.css\">\n</head>\n<body>\n<header>\n<a class=\"home\" href=\"" +
                      root + "index.html\">plugctl</a>\n<nav>" + crumbs +
                      "</nav>\n<div class=\"search\"><input id=\"search\" type=\"search\" "
                      "placeholder=\"Search components and functions\" aria-label=\"Search\" "
                      "autocomplete=\"off\"><ul id=\"results\" hidden></ul></div>\n"
                      "</header>\n<main>\n" +
                      body + "</main>\n<script src=\"" + root +
                      "search.js\"></script>\n</body>\n</html>\n";
    return out;
  }

  static std::string badge(const std::string& status) {
    return "<span class=\"badge " + html_escape(status) + "\">" + html_escape(status) + "</span>";
  }

  static std::string code_block(const std::string& text, const std::string& lang) {
    return "<pre><code class=\"language-" + lang + "\">" + html_escape(text) + "</code></pre>\n";
  }
  static std::string md_code(const std::string& text, const std::string& lang) {
    std::string t = text;
    if (!t.empty() && t.back() != '\n') t += '\n';
    return "```" + lang + "\n" + t + "```\n\n";
  }
  static std::string md_cell(std::string s) {
    std::string out;
    for (char c : s) {
      if (c == '|')
        out += "\\|";
      else if (c == '\n')
        out += ' ';
      else
        out += c;
    }
    return out;
  }

  std::string component_rel(const ComponentEntry& c) const {
    return kind_plural(c.kind) + "/" + c.name + ext_;
  }

  // --- component pages -----------------------------------------------------------------------
  void write_component(const ComponentEntry& c) {
    const std::string kind(core::kind_name(c.kind));
    const std::string status(core::stability_name(c.stability));
    const core::PluginRecord& p = *c.plugin;
    std::string minimal = core::component_yaml(reg_, c, core::YamlDetail::Minimal);
    std::string full = core::component_yaml(reg_, c, core::YamlDetail::Full);
    std::vector<FieldRow> rows = rows_of(c);
    std::vector<std::string> examples = split_examples(c.examples);
    std::string plugin_line = p.name + (p.version.empty() ? "" : " " + p.version) +
                              (p.vendor.empty() ? "" : ", by " + p.vendor) +
                              (p.license.empty() ? "" : ", licence " + p.license);
    if (md_) {
      std::string b = "# " + c.name + "\n\n`" + kind + "` · **" + status + "** · plugin " +
                      plugin_line + " ([plugins](../plugins.md#" + plugin_anchor(p.name) +
                      "))\n\n" + c.summary + "\n\n" + c.description + "\n\n";
      b += "## Minimal\n\n" + md_code(minimal, "yaml") + "## Full\n\n" + md_code(full, "yaml");
      b += "## Fields\n\n";
      if (rows.empty()) {
        b += "The value is a single `" + type_text(c.spec) + "`. " + c.spec.description + "\n\n";
      } else {
        if (c.spec.kind != FieldKind::Scalar)
          b += "The value is " + std::string(c.spec.kind == FieldKind::List ? "a list" : "a map") +
               " of objects with these fields. " + c.spec.description + "\n\n";
        b += "| field | type | default | required | description |\n|---|---|---|---|---|\n";
        for (const auto& r : rows) {
          const FieldSpec& f = *r.spec;
          std::string def = f.default_value ? "`" + json::serialize(*f.default_value) + "`" : "";
          std::string d = f.description;
          if (!f.options.empty()) {
            d += " Options:";
            for (const auto& o : f.options)
              d += " `" + o + "`";
            d += ".";
          }
          std::string flags;
          if (f.advanced) flags += " *advanced*";
          if (f.interpolated) flags += " *interpolated*";
          if (f.secret) flags += " *secret*";
          if (f.deprecated) flags += " *deprecated*";
          b += "| `" + r.path + "` | " + type_text(f) + " | " + md_cell(def) + " | " +
               (required_field(f) ? "yes" : "no") + " | " + md_cell(d + flags) + " |\n";
        }
        b += "\n";
      }
      if (!examples.empty()) {
        b += "## Examples\n\n";
        for (const auto& ex : examples)
          b += md_code(ex, "yaml");
      }
      write_file(component_rel(c), b);
      return;
    }
    std::string b = "<h1>" + html_escape(c.name) + " " + badge(status) + " <span class=\"kind\">" +
                    kind + "</span></h1>\n<p class=\"summary\">" + inline_html(c.summary) +
                    "</p>\n";
    b += "<p class=\"plugin\">From plugin <a href=\"../plugins.html#" + plugin_anchor(p.name) +
         "\">" + html_escape(p.name) + "</a>" +
         (p.version.empty() ? "" : " " + html_escape(p.version)) +
         (p.vendor.empty() ? "" : " by " + html_escape(p.vendor)) +
         (p.license.empty() ? "" : ", licence " + html_escape(p.license)) + "</p>\n";
    b += text_to_html(c.description);
    b += "<h2 id=\"minimal\">Minimal config</h2>\n" + code_block(minimal, "yaml");
    b += "<h2 id=\"full\">Full config</h2>\n" + code_block(full, "yaml");
    b += "<h2 id=\"fields\">Fields</h2>\n";
    if (rows.empty()) {
      b += "<p>The value is a single <code>" + html_escape(type_text(c.spec)) + "</code>. " +
           inline_html(c.spec.description) + "</p>\n";
    } else {
      if (c.spec.kind != FieldKind::Scalar)
        b += "<p>The value is " + std::string(c.spec.kind == FieldKind::List ? "a list" : "a map") +
             " of objects with these fields. " + inline_html(c.spec.description) + "</p>\n";
      b += "<table class=\"fields\">\n<thead><tr><th>Field</th><th>Type</th><th>Default</th>"
           "<th>Required</th><th>Description</th></tr></thead>\n<tbody>\n";
      for (const auto& r : rows) {
        const FieldSpec& f = *r.spec;
        std::string flags;
        if (f.advanced) flags += "<span class=\"flag\">advanced</span>";
        if (f.interpolated) flags += "<span class=\"flag\">interpolated</span>";
        if (f.secret) flags += "<span class=\"flag\">secret</span>";
        if (f.deprecated) flags += "<span class=\"flag deprecated\">deprecated</span>";
        std::string opts;
        if (!f.options.empty()) {
          opts = "<p class=\"options\">Options:";
          for (const auto& o : f.options)
            opts += " <code>" + html_escape(o) + "</code>";
          opts += "</p>";
        }
        std::string def =
            f.default_value ? "<code>" + html_escape(json::serialize(*f.default_value)) + "</code>"
                            : "";
        b += "<tr id=\"field-" + html_escape(r.path) + "\"><td><code>" + html_escape(r.path) +
             "</code></td><td>" + html_escape(type_text(f)) + "</td><td>" + def + "</td><td>" +
             (required_field(f) ? "yes" : "no") + "</td><td>" + flags +
             text_to_html(f.description) + opts + "</td></tr>\n";
      }
      b += "</tbody>\n</table>\n";
    }
    if (!examples.empty()) {
      b += "<h2 id=\"examples\">Examples</h2>\n";
      for (const auto& ex : examples)
        b += code_block(ex, "yaml");
    }
    std::string crumbs = "<a href=\"../index.html#" + kind_plural(c.kind) + "\">" +
                         title_case(kind_plural(c.kind)) + "</a> / " + html_escape(c.name);
    write_file(component_rel(c), page(c.name, "../", crumbs, b));
  }

  // --- bloblang --------------------------------------------------------------------------------
  static std::vector<const bloblang::Spec*> bloblang_specs(bool functions) {
    std::vector<const bloblang::Spec*> specs;
    if (functions)
      for (const auto* f : bloblang::all_functions())
        specs.push_back(&f->spec);
    else
      for (const auto* m : bloblang::all_methods())
        specs.push_back(&m->spec);
    std::stable_sort(specs.begin(), specs.end(), [](const auto* a, const auto* b) {
      return std::tie(a->category, a->name) < std::tie(b->category, b->name);
    });
    return specs;
  }

  static std::string signature(const bloblang::Spec& s, bool function) {
    std::string out = (function ? "" : ".") + s.name + "(";
    if (s.variadic) out += "...";
    for (size_t i = 0; i < s.params.size(); ++i)
      out += (i ? ", " : "") + s.params[i].name;
    return out + ")";
  }

  void write_bloblang(bool functions) {
    const std::string what = functions ? "functions" : "methods";
    auto specs = bloblang_specs(functions);
    std::string b;
    std::string category;
    if (md_) {
      b = "# Bloblang " + what + "\n\n";
      for (const auto* s : specs) {
        if (s->category != category) {
          category = s->category;
          b += "## " + (category.empty() ? std::string("Other") : category) + "\n\n";
        }
        b += "### `" + signature(*s, functions) + "`\n\n**" + s->status + "**\n\n" +
             s->description + "\n\n";
        if (!s->params.empty()) {
          b += "| parameter | default | description |\n|---|---|---|\n";
          for (const auto& p : s->params)
            b += "| `" + p.name + "` | " +
                 (p.default_value ? md_cell("`" + json::serialize(*p.default_value) + "`") : "") +
                 " | " + md_cell(p.description) + " |\n";
          b += "\n";
        }
        for (const auto& ex : s->examples) {
          if (!ex.summary.empty()) b += ex.summary + "\n\n";
          b += md_code(ex.mapping, "coffee");
          for (const auto& [in, out] : ex.results)
            b += "- `" + md_cell(in) + "` → `" + md_cell(out) + "`\n";
          if (!ex.results.empty()) b += "\n";
        }
      }
      write_file("bloblang/" + what + ".md", b);
      return;
    }
    b = "<h1>Bloblang " + what + "</h1>\n<p>" + std::to_string(specs.size()) + " " + what +
        (functions ? ", called as <code>name(args)</code>."
                   : ", called on a value as <code>this.field.name(args)</code>.") +
        " Try one with <code>plugctl blobl</code>.</p>\n";
    std::string toc = "<nav class=\"toc\">", sections;
    for (const auto* s : specs) {
      if (s->category != category) {
        if (!category.empty() || s != specs.front()) sections += "</section>\n";
        category = s->category;
        std::string cat = category.empty() ? std::string("Other") : category;
        std::string id = "cat-" + cat;
        std::replace(id.begin(), id.end(), ' ', '-');
        toc += "<a href=\"#" + html_escape(id) + "\">" + html_escape(cat) + "</a> ";
        sections += "<section><h2 id=\"" + html_escape(id) + "\">" + html_escape(cat) + "</h2>\n";
      }
      sections += "<article class=\"bloblang\" id=\"" + html_escape(s->name) + "\"><h3><code>" +
                  html_escape(signature(*s, functions)) + "</code> " + badge(s->status) +
                  "</h3>\n" + text_to_html(s->description);
      if (!s->params.empty()) {
        sections += "<table class=\"params\"><thead><tr><th>Parameter</th><th>Default</th>"
                    "<th>Description</th></tr></thead><tbody>\n";
        for (const auto& p : s->params)
          sections += "<tr><td><code>" + html_escape(p.name) + "</code></td><td>" +
                      (p.default_value
                           ? "<code>" + html_escape(json::serialize(*p.default_value)) + "</code>"
                           : std::string(p.optional ? "optional" : "")) +
                      "</td><td>" + inline_html(p.description) + "</td></tr>\n";
        sections += "</tbody></table>\n";
      }
      for (const auto& ex : s->examples) {
        if (!ex.summary.empty()) sections += text_to_html(ex.summary);
        sections += code_block(ex.mapping, "coffee");
        if (!ex.results.empty()) {
          sections += "<table class=\"results\"><thead><tr><th>In</th><th>Out</th></tr></thead>"
                      "<tbody>\n";
          for (const auto& [in, out] : ex.results)
            sections += "<tr><td><code>" + html_escape(in) + "</code></td><td><code>" +
                        html_escape(out) + "</code></td></tr>\n";
          sections += "</tbody></table>\n";
        }
      }
      sections += "</article>\n";
    }
    if (!specs.empty()) sections += "</section>\n";
    b += toc + "</nav>\n" + sections;
    write_file("bloblang/" + what + ".html",
               page("Bloblang " + what, "../", "Bloblang / " + what, b));
  }

  // --- plugins ---------------------------------------------------------------------------------
  void write_plugins() {
    std::string b;
    if (md_)
      b = "# Plugins\n\n";
    else
      b = "<h1>Plugins</h1>\n<p>Every plugin found, bundled or from a vendor, with the components "
          "it provides.</p>\n";
    for (const auto& p : reg_.plugins()) {
      bool ok = p->status == core::PluginStatus::Loaded;
      std::vector<const ComponentEntry*> mine;
      for (const auto* c : reg_.components())
        if (c->plugin == p.get()) mine.push_back(c);
      if (md_) {
        b += "<a id=\"" + plugin_anchor(p->name) + "\"></a>\n\n## " + p->name + "\n\n";
        b += "- version: " + (p->version.empty() ? "-" : p->version) +
             "\n- vendor: " + (p->vendor.empty() ? "-" : p->vendor) +
             "\n- licence: " + (p->license.empty() ? "-" : p->license) + "\n- ABI: " + p->abi +
             "\n";
        if (!p->description.empty()) b += "\n" + p->description + "\n";
        if (!ok) b += "\n**Failed to load:** " + p->error + "\n";
        b += "\n";
        for (const auto* c : mine)
          b += "- [" + std::string(core::kind_name(c->kind)) + " " + c->name + "](" +
               component_rel(*c) + ")\n";
        b += "\n";
        continue;
      }
      b += "<section class=\"plugin\" id=\"" + html_escape(plugin_anchor(p->name)) + "\"><h2>" +
           html_escape(p->name) + (ok ? "" : " <span class=\"badge failed\">failed</span>") +
           "</h2>\n<dl><dt>Version</dt><dd>" + html_escape(p->version.empty() ? "-" : p->version) +
           "</dd><dt>Vendor</dt><dd>" + html_escape(p->vendor.empty() ? "-" : p->vendor) +
           "</dd><dt>Licence</dt><dd>" + html_escape(p->license.empty() ? "-" : p->license) +
           "</dd><dt>ABI</dt><dd>" + html_escape(p->abi) + "</dd></dl>\n";
      if (!p->description.empty()) b += text_to_html(p->description);
      if (!ok) b += "<p class=\"error\">Failed to load: " + html_escape(p->error) + "</p>\n";
      if (!mine.empty()) {
        b += "<ul>\n";
        for (const auto* c : mine)
          b += "<li><a href=\"" + html_escape(component_rel(*c)) + "\">" +
               std::string(core::kind_name(c->kind)) + " <code>" + html_escape(c->name) +
               "</code></a></li>\n";
        b += "</ul>\n";
      }
      b += "</section>\n";
    }
    write_file(std::string("plugins") + ext_, md_ ? b : page("Plugins", "", "Plugins", b));
  }

  // --- index -----------------------------------------------------------------------------------
  void write_index() {
    const ComponentKind kinds[] = {ComponentKind::Input, ComponentKind::Processor,
                                   ComponentKind::Output, ComponentKind::Cache};
    std::string b;
    if (md_) {
      b = "# plugctl components\n\nGenerated from the specs of every plugin found. See also "
          "[plugins](plugins.md), [Bloblang functions](bloblang/functions.md) and "
          "[Bloblang methods](bloblang/methods.md).\n\n";
      for (auto k : kinds) {
        auto comps = reg_.components(k);
        if (comps.empty()) continue;
        b += "## " + title_case(kind_plural(k)) +
             "\n\n| name | status | plugin | summary |\n"
             "|---|---|---|---|\n";
        for (const auto* c : comps)
          b += "| [" + c->name + "](" + component_rel(*c) + ") | " +
               std::string(core::stability_name(c->stability)) + " | " + c->plugin->name + " | " +
               md_cell(c->summary) + " |\n";
        b += "\n";
      }
      write_file("index.md", b);
      return;
    }
    b = "<h1>plugctl components</h1>\n<p>Generated from the config specs of every plugin found, "
        "bundled or from a vendor. Also: <a href=\"plugins.html\">plugins</a>, "
        "<a href=\"bloblang/functions.html\">Bloblang functions</a>, "
        "<a href=\"bloblang/methods.html\">Bloblang methods</a>.</p>\n<nav class=\"toc\">";
    for (auto k : kinds)
      if (!reg_.components(k).empty())
        b += "<a href=\"#" + kind_plural(k) + "\">" + title_case(kind_plural(k)) + "</a> ";
    b += "</nav>\n";
    for (auto k : kinds) {
      auto comps = reg_.components(k);
      if (comps.empty()) continue;
      b += "<section><h2 id=\"" + kind_plural(k) + "\">" + title_case(kind_plural(k)) +
           "</h2>\n<table class=\"index\"><tbody>\n";
      for (const auto* c : comps)
        b += "<tr><td><a href=\"" + html_escape(component_rel(*c)) + "\">" + html_escape(c->name) +
             "</a></td><td>" + badge(std::string(core::stability_name(c->stability))) +
             "</td><td class=\"from\">" + html_escape(c->plugin->name) + "</td><td>" +
             inline_html(c->summary) + "</td></tr>\n";
      b += "</tbody></table></section>\n";
    }
    write_file("index.html", page("Components", "", "", b));
  }

  // --- search ----------------------------------------------------------------------------------
  std::string search_js() const {
    json::array items;
    for (const auto* c : reg_.components())
      items.push_back(json::object{{"n", c->name},
                                   {"k", core::kind_name(c->kind)},
                                   {"s", c->summary},
                                   {"u", component_rel(*c)}});
    for (bool functions : {true, false})
      for (const auto* s : bloblang_specs(functions))
        items.push_back(
            json::object{{"n", s->name},
                         {"k", functions ? "bloblang function" : "bloblang method"},
                         {"s", summary_of(s->description)},
                         {"u", std::string("bloblang/") + (functions ? "functions" : "methods") +
                                   ".html#" + s->name}});
    // `</` cannot appear in the data: it is a script file, but keep it safe to inline too.
    std::string data = json::serialize(items);
    std::string safe;
    for (size_t i = 0; i < data.size(); ++i) {
      if (data[i] == '<' && i + 1 < data.size() && data[i + 1] == '/') {
        safe += "<\\/";
        ++i;
      } else {
        safe += data[i];
      }
    }
    return "// Generated by plugctl docs: the search index and the search box.\n"
           "var PLUGCTL_INDEX = " +
           safe + ";\n" + kSearchJs;
  }

  static constexpr const char* kSearchJs = R"JS((function () {
  var script = document.currentScript;
  var root = script.getAttribute("src").replace(/search\.js$/, "");
  var box = document.getElementById("search");
  var list = document.getElementById("results");
  if (!box || !list) return;
  function score(item, q) {
    var n = item.n.toLowerCase();
    if (n === q) return 0;
    if (n.indexOf(q) === 0) return 1;
    if (n.indexOf(q) >= 0) return 2;
    if (item.s.toLowerCase().indexOf(q) >= 0) return 3;
    return -1;
  }
  function run() {
    var q = box.value.trim().toLowerCase();
    while (list.firstChild) list.removeChild(list.firstChild);
    if (!q) { list.hidden = true; return; }
    var hits = [];
    PLUGCTL_INDEX.forEach(function (item) {
      var s = score(item, q);
      if (s >= 0) hits.push([s, item]);
    });
    hits.sort(function (a, b) { return a[0] - b[0] || a[1].n.localeCompare(b[1].n); });
    hits.slice(0, 30).forEach(function (h) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = root + h[1].u;
      a.textContent = h[1].n;
      var k = document.createElement("span");
      k.className = "kind";
      k.textContent = h[1].k;
      var s = document.createElement("span");
      s.className = "hit-summary";
      s.textContent = h[1].s;
      li.appendChild(a); li.appendChild(k); li.appendChild(s);
      list.appendChild(li);
    });
    if (!hits.length) {
      var none = document.createElement("li");
      none.textContent = "Nothing matches";
      list.appendChild(none);
    }
    list.hidden = false;
  }
  box.addEventListener("input", run);
  var m = /[?&]q=([^&]*)/.exec(window.location.search);
  if (m) { box.value = decodeURIComponent(m[1].replace(/\+/g, " ")); run(); }
})();
)JS";

  static constexpr const char* kCss =
      R"CSS(body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1d1f21; }
header { display: flex; align-items: center; gap: 1.5em; padding: .6em 1.5em; background: #20232a; color: #eee; flex-wrap: wrap; }
header a { color: #9cdcfe; }
header .home { font-weight: bold; font-size: 1.2em; color: #fff; text-decoration: none; }
header nav { flex: 1; }
.search { position: relative; }
.search input { width: 22em; padding: .3em .5em; border-radius: 4px; border: 1px solid #555; }
#results { position: absolute; right: 0; z-index: 10; background: #fff; color: #1d1f21; list-style: none; margin: .2em 0; padding: .3em; width: 34em; max-height: 70vh; overflow: auto; box-shadow: 0 2px 10px rgba(0,0,0,.3); border-radius: 4px; }
#results li { padding: .2em .4em; }
#results a { color: #0645ad; font-weight: bold; margin-right: .5em; }
#results .hit-summary { display: block; color: #555; font-size: .9em; }
main { max-width: 72em; margin: 0 auto; padding: 1em 1.5em 3em; }
code, pre { font-family: ui-monospace, monospace; font-size: .92em; }
pre { background: #f4f5f7; padding: .8em 1em; overflow: auto; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; margin: .5em 0 1.5em; }
th, td { text-align: left; vertical-align: top; padding: .35em .6em; border-bottom: 1px solid #e1e4e8; }
td p { margin: 0 0 .3em; }
.badge { display: inline-block; font-size: .72em; font-weight: 600; padding: .1em .5em; border-radius: 1em; vertical-align: middle; background: #ddd; color: #333; text-transform: uppercase; }
.badge.stable { background: #d4f4dd; color: #14632d; }
.badge.beta { background: #fff1c2; color: #7a5b00; }
.badge.experimental { background: #ffd8b5; color: #8a3b00; }
.badge.deprecated, .badge.failed { background: #f8d0d0; color: #8b1a1a; }
.kind { color: #777; font-size: .8em; font-weight: normal; margin-left: .4em; }
.flag { display: inline-block; font-size: .75em; background: #eef; color: #334; padding: 0 .4em; margin-right: .3em; border-radius: 3px; }
.toc a { margin-right: .8em; }
.from { color: #777; }
.error { color: #8b1a1a; }
article.bloblang { border-top: 1px solid #e1e4e8; padding-top: .4em; }
dl { display: grid; grid-template-columns: max-content auto; gap: .1em 1em; }
dd { margin: 0; }
)CSS";

  const core::Registry& reg_;
  fs::path out_;
  bool md_;
  std::string ext_;
  SiteReport report_;
};

} // namespace

SiteReport write_site(const core::Registry& reg, const std::string& out_dir, SiteFormat format) {
  return Writer(reg, out_dir, format).run();
}

} // namespace plugctl::docgen
