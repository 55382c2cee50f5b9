#include "bloblang/query.hpp"

namespace plugctl::bloblang {

const std::string& Query::capture_name() const {
  static const std::string kNone;
  return kNone;
}

Value Query::exec(ExecContext& ctx, const Value& context) const {
  const std::string& name = capture_name();
  if (name == "_") return body().eval(ctx); // `_ -> ...` ignores the context
  if (!name.empty()) {
    ctx.push_capture(&name, &context);
    struct Pop {
      ExecContext& c;
      ~Pop() { c.pop_capture(); }
    } pop{ctx};
    return body().eval(ctx);
  }
  ctx.push_this(&context);
  struct Pop {
    ExecContext& c;
    ~Pop() { c.pop_this(); }
  } pop{ctx};
  return eval(ctx);
}

} // namespace plugctl::bloblang
