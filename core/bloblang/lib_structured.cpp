#include "bloblang/lib_structured.hpp"

#include <charconv>

namespace plugctl::bloblang::structured {
namespace {

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
}

// An array index segment (Go's strconv.Atoi); nullopt when it is not an integer.
std::optional<int64_t> index_of(std::string_view seg) {
  int64_t out = 0;
  std::string_view digits = seg;
  if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty())
    return std::nullopt;
  return out;
}

bool icompare_opt(const json::value& left, const json::value* right) {
  static const json::value kNull;
  return icompare(left, right != nullptr ? *right : kNull);
}

void walk(const json::value& v, const std::string& path, bool include_empty, json::object& flat) {
  auto child_path = [&](std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  };
  if (v.is_object()) {
    const auto& o = v.get_object();
    if (o.empty() && include_empty && !path.empty()) {
      flat[path] = json::object();
      return;
    }
    for (const auto& kv : o)
      walk(kv.value(), child_path(kv.key()), include_empty, flat);
    return;
  }
  if (v.is_array()) {
    const auto& a = v.get_array();
    if (a.empty() && include_empty && !path.empty()) {
      flat[path] = json::array();
      return;
    }
    for (size_t i = 0; i < a.size(); ++i)
      walk(a[i], child_path(std::to_string(i)), include_empty, flat);
    return;
  }
  flat[path] = v;
}

} // namespace

std::vector<std::string> dot_path(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t dot = path.find('.', start);
    std::string seg(
        path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    replace_all(seg, "~1", ".");
    replace_all(seg, "~0", "~");
    out.push_back(std::move(seg));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

std::optional<json::value> search(const json::value& root, std::span<const std::string> path) {
  const json::value* cur = &root;
  for (size_t i = 0; i < path.size(); ++i) {
    const std::string& seg = path[i];
    if (cur->is_object()) {
      cur = cur->get_object().if_contains(seg);
      if (cur == nullptr) return std::nullopt;
      continue;
    }
    if (cur->is_array()) {
      const auto& arr = cur->get_array();
      if (seg == "*") {
        json::array found;
        for (const auto& e : arr) {
          if (i + 1 >= path.size()) {
            found.push_back(e);
          } else if (auto r = search(e, path.subspan(i + 1))) {
            found.push_back(std::move(*r));
          }
        }
        if (found.empty()) return std::nullopt;
        return json::value(std::move(found));
      }
      auto idx = index_of(seg);
      if (!idx || *idx < 0 || static_cast<size_t>(*idx) >= arr.size()) return std::nullopt;
      cur = &arr[static_cast<size_t>(*idx)];
      continue;
    }
    return std::nullopt;
  }
  return *cur;
}

bool set_path(json::value& root, std::span<const std::string> path, json::value v) {
  if (path.empty()) {
    root = std::move(v);
    return true;
  }
  if (root.is_null()) root = json::object();
  json::value* cur = &root;
  for (size_t i = 0; i < path.size(); ++i) {
    const std::string& seg = path[i];
    const bool last = i + 1 == path.size();
    if (cur->is_object()) {
      auto& obj = cur->get_object();
      if (last) {
        obj[seg] = std::move(v);
        return true;
      }
      json::value& next = obj[seg];
      if (next.is_null()) next = json::object();
      cur = &next;
      continue;
    }
    if (cur->is_array()) {
      auto& arr = cur->get_array();
      if (seg == "-") {
        if (i < 1) return false;
        arr.push_back(last ? std::move(v) : json::value(json::object()));
        if (last) return true;
        cur = &arr.back();
        continue;
      }
      auto idx = index_of(seg);
      if (!idx || *idx < 0 || static_cast<size_t>(*idx) >= arr.size()) return false;
      json::value& next = arr[static_cast<size_t>(*idx)];
      if (last) {
        next = std::move(v);
        return true;
      }
      if (next.is_null()) return false;
      cur = &next;
      continue;
    }
    return false;
  }
  return true;
}

std::optional<double> number_of(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return std::nullopt;
}

bool icompare(const json::value& left, const json::value& right) {
  switch (left.kind()) {
  case json::kind::null:
    return right.is_null();
  case json::kind::string:
    return right.is_string() && left.get_string() == right.get_string();
  case json::kind::int64:
  case json::kind::uint64:
  case json::kind::double_: {
    auto r = number_of(right);
    return r && *number_of(left) == *r;
  }
  case json::kind::bool_: {
    if (right.is_bool()) return left.get_bool() == right.get_bool();
    auto r = number_of(right);
    return r && left.get_bool() == (*r != 0);
  }
  case json::kind::array: {
    if (!right.is_array()) return false;
    const auto &l = left.get_array(), &r = right.get_array();
    if (l.size() != r.size()) return false;
    for (size_t i = 0; i < l.size(); ++i)
      if (!icompare(l[i], r[i])) return false;
    return true;
  }
  case json::kind::object: {
    if (!right.is_object()) return false;
    const auto &l = left.get_object(), &r = right.get_object();
    if (l.size() != r.size()) return false;
    for (const auto& kv : l)
      if (!icompare_opt(kv.value(), r.if_contains(kv.key()))) return false;
    return true;
  }
  }
  return false;
}

bool icompare(const Value& left, const json::value& right) {
  // deleted() and nothing() equal nothing; bytes and timestamps compare as their text.
  if (left.is_delete() || left.is_nothing()) return false;
  if (left.is_json()) return icompare(left.json(), right);
  return icompare(left.to_json(), right);
}

void merge_into(json::object& dest, const json::object& source, bool assign) {
  for (const auto& kv : source) {
    json::value* existing = dest.if_contains(kv.key());
    if (existing == nullptr) {
      dest[kv.key()] = kv.value();
      continue;
    }
    if (kv.value().is_object() && existing->is_object()) {
      merge_into(existing->get_object(), kv.value().get_object(), assign);
      continue;
    }
    if (assign) {
      *existing = kv.value();
      continue;
    }
    // A collision: both values end up in an array, arrays being expanded into it.
    json::array merged;
    if (existing->is_array()) {
      merged = std::move(existing->get_array());
    } else {
      merged.push_back(std::move(*existing));
    }
    if (kv.value().is_array()) {
      for (const auto& e : kv.value().get_array())
        merged.push_back(e);
    } else {
      merged.push_back(kv.value());
    }
    *existing = std::move(merged);
  }
}

json::object map_without(const json::object& m, std::span<const std::vector<std::string>> paths) {
  json::object out;
  for (const auto& kv : m) {
    bool excluded = false;
    std::vector<std::vector<std::string>> nested;
    for (const auto& p : paths) {
      if (p.empty() || p[0] != kv.key()) continue;
      if (p.size() > 1) {
        nested.emplace_back(p.begin() + 1, p.end());
      } else {
        excluded = true;
      }
    }
    if (excluded) continue;
    if (!nested.empty() && kv.value().is_object()) {
      out[kv.key()] = map_without(kv.value().get_object(), nested);
    } else {
      out[kv.key()] = kv.value();
    }
  }
  return out;
}

json::object map_with(const json::object& m, std::span<const std::vector<std::string>> paths) {
  json::object out;
  for (const auto& kv : m) {
    bool included = false;
    std::vector<std::vector<std::string>> nested;
    for (const auto& p : paths) {
      if (p.empty() || p[0] != kv.key()) continue;
      included = true;
      if (p.size() > 1) nested.emplace_back(p.begin() + 1, p.end());
    }
    if (!included) continue;
    if (!nested.empty() && kv.value().is_object()) {
      out[kv.key()] = map_with(kv.value().get_object(), nested);
    } else {
      out[kv.key()] = kv.value();
    }
  }
  return out;
}

json::object flatten(const json::value& v, bool include_empty) {
  if (!v.is_object() && !v.is_array()) throw EvalError("not an object or array");
  json::object flat;
  walk(v, "", include_empty, flat);
  return flat;
}

} // namespace plugctl::bloblang::structured
