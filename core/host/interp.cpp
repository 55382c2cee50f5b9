#include "host/interp.hpp"

#include "bloblang/mapping.hpp"

namespace plugctl::core {
namespace {

// The end of a `${! ... }` expression starting at `from`: the first `}` outside strings and
// brackets.
size_t expression_end(std::string_view text, size_t from) {
  int depth = 0;
  for (size_t i = from; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      if (text.compare(i, 3, "\"\"\"") == 0) {
        size_t close = text.find("\"\"\"", i + 3);
        if (close == std::string_view::npos) return std::string_view::npos;
        i = close + 2;
        continue;
      }
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\') ++i;
      continue;
    }
    if (c == '{' || c == '[' || c == '(')
      ++depth;
    else if (c == ']' || c == ')')
      --depth;
    else if (c == '}') {
      if (depth == 0) return i;
      --depth;
    }
  }
  return std::string_view::npos;
}

} // namespace

std::unique_ptr<Interpolation> Interpolation::compile(std::string_view text) {
  auto out = std::make_unique<Interpolation>();
  std::string literal;
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 4, "$${!") == 0) { // escaped: a literal "${!"
      literal += "${!";
      i += 4;
      continue;
    }
    if (text.compare(i, 3, "${!") != 0) {
      literal.push_back(text[i++]);
      continue;
    }
    size_t end = expression_end(text, i + 3);
    if (end == std::string_view::npos)
      throw InterpolationError(i,
                               "unterminated interpolation '${!' at offset " + std::to_string(i));
    if (!literal.empty()) out->parts_.push_back({std::move(literal), nullptr});
    literal.clear();
    std::string_view expr = text.substr(i + 3, end - i - 3);
    try {
      out->parts_.push_back({"", bloblang::Mapping::parse_query(expr)});
      ++out->expressions_;
    } catch (const bloblang::ParseError& e) {
      // Column inside the expression -> offset in the whole string (single-line expressions).
      throw InterpolationError(i + 3 + static_cast<size_t>(e.column() - 1),
                               "bloblang: " + e.message());
    }
    i = end + 1;
  }
  if (!literal.empty()) out->parts_.push_back({std::move(literal), nullptr});
  return out;
}

void Interpolation::eval(const Batch& batch, size_t index, std::string& out) const {
  out.clear();
  if (expressions_ == 0) {
    for (const auto& p : parts_)
      out += p.text;
    return;
  }
  bloblang::ExecContext ctx(&batch, index);
  for (const auto& p : parts_) {
    if (!p.query) {
      out += p.text;
      continue;
    }
    bloblang::Value v = p.query->eval(ctx);
    out += v.to_string();
  }
}

} // namespace plugctl::core
