// The Bloblang parser: hand-written recursive descent over the mapping text, producing the
// nodes of nodes.hpp. Error positions and wording follow Benthos ("line 1 char 6: expected =").
#include "bloblang/mapping.hpp"
#include "bloblang/nodes.hpp"
#include "message/message.hpp"

#include <fstream>
#include <sstream>

namespace plugctl::bloblang {

struct MappingImpl {
  std::string text;
  std::vector<StatementPtr> statements;
  bool reads_root = false;        // some query reads `root`
  std::unique_ptr<RootPlan> plan; // see RootPlan: null unless the statements qualify
  std::unique_ptr<MapTable> maps = std::make_unique<MapTable>();
  // The mapping is exactly `root = [ ... ]`: its assignment and literal (run_elements).
  const AssignRoot* root_assign = nullptr;
  const ArrayLit* root_array = nullptr;
};

namespace {
void find_root_array(MappingImpl& m) {
  if (m.statements.size() != 1) return;
  const auto* a = dynamic_cast<const AssignRoot*>(m.statements.front().get());
  if (a == nullptr || !a->path.empty()) return;
  const auto* lit = dynamic_cast<const ArrayLit*>(a->query.get());
  if (lit == nullptr) return;
  m.root_assign = a;
  m.root_array = lit;
}
} // namespace

namespace {

struct PErr {
  size_t pos;
  std::string msg;
  bool fatal = false;
};

bool ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// 1-based line and character (in code points, as Benthos counts runes) of byte offset `pos`.
void line_col(std::string_view in, size_t pos, int& line, int& col, std::string& text) {
  line = 1;
  size_t start = 0;
  for (size_t i = 0; i < pos && i < in.size(); ++i) {
    if (in[i] == '\n') {
      ++line;
      start = i + 1;
    }
  }
  col = 1;
  for (size_t i = start; i < pos && i < in.size(); ++i)
    if ((static_cast<unsigned char>(in[i]) & 0xC0) != 0x80) ++col;
  size_t end = in.find('\n', start);
  text = std::string(
      in.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
}

ParseError to_parse_error(std::string_view in, const PErr& e) {
  int line = 0, col = 0;
  std::string text;
  line_col(in, e.pos, line, col, text);
  std::string num = std::to_string(line);
  std::string pad(num.size(), ' ');
  std::string caret = pad + " |\n" + num + " | " + text + "\n" + pad + " | " +
                      std::string(static_cast<size_t>(col - 1), ' ') + "^---";
  return ParseError(line, col, e.msg, caret);
}

class Parser {
public:
  Parser(std::string_view in, MappingImpl& impl, const Mapping::Options& opts)
      : in_(in), impl_(impl), opts_(opts) {}

  // --- whitespace ----------------------------------------------------------------------------
  bool end() const { return p_ >= in_.size(); }
  char peek(size_t k = 0) const { return p_ + k < in_.size() ? in_[p_ + k] : '\0'; }
  void spaces() {
    while (!end() && (in_[p_] == ' ' || in_[p_] == '\t'))
      ++p_;
  }
  void ws() { // whitespace, newlines and comments
    for (;;) {
      while (!end() && (in_[p_] == ' ' || in_[p_] == '\t' || in_[p_] == '\n' || in_[p_] == '\r'))
        ++p_;
      if (!end() && in_[p_] == '#') {
        while (!end() && in_[p_] != '\n')
          ++p_;
        continue;
      }
      return;
    }
  }
  bool newline() { // spaces, optional comment, then a line break
    size_t save = p_;
    spaces();
    if (peek() == '#')
      while (!end() && in_[p_] != '\n')
        ++p_;
    if (peek() == '\r' && peek(1) == '\n') {
      p_ += 2;
      return true;
    }
    if (peek() == '\n') {
      ++p_;
      return true;
    }
    p_ = save;
    return false;
  }
  bool keyword(std::string_view kw) const {
    return in_.substr(p_, kw.size()) == kw && !ident_char(peek(kw.size()));
  }
  [[noreturn]] void fail(std::string msg, bool fatal = false) const {
    throw PErr{p_, std::move(msg), fatal};
  }
  [[noreturn]] void fail_at(size_t pos, std::string msg, bool fatal = true) const {
    throw PErr{pos, std::move(msg), fatal};
  }
  void expect(char c, const std::string& what) {
    if (peek() != c) fail("expected " + what);
    ++p_;
  }
  std::string ident() {
    size_t s = p_;
    while (!end() && ident_char(in_[p_]))
      ++p_;
    return std::string(in_.substr(s, p_ - s));
  }

  // --- literals ------------------------------------------------------------------------------
  std::string quoted() { // at '"'
    if (in_.substr(p_, 3) == "\"\"\"") {
      size_t close = in_.find("\"\"\"", p_ + 3);
      if (close == std::string_view::npos) fail("expected end of triple-quoted string", true);
      std::string s(in_.substr(p_ + 3, close - p_ - 3));
      p_ = close + 3;
      return s;
    }
    size_t start = p_;
    ++p_;
    std::string out;
    while (!end() && in_[p_] != '"') {
      char c = in_[p_];
      if (c == '\n') fail_at(start, "expected end of quoted string", false);
      if (c != '\\') {
        out.push_back(c);
        ++p_;
        continue;
      }
      ++p_;
      char e = peek();
      ++p_;
      switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case '\'':
        out += '\'';
        break;
      case 'x': {
        std::string h(in_.substr(p_, 2));
        p_ += 2;
        out.push_back(static_cast<char>(std::stoi(h, nullptr, 16)));
        break;
      }
      case 'u':
      case 'U': {
        size_t n = e == 'u' ? 4 : 8;
        std::string h(in_.substr(p_, n));
        if (h.size() != n || h.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
          fail_at(start, "invalid escape in quoted string", true);
        p_ += n;
        append_utf8(out, static_cast<uint32_t>(std::stoul(h, nullptr, 16)));
        break;
      }
      default:
        fail_at(start, "invalid escape in quoted string", true);
      }
    }
    if (end()) fail_at(start, "expected end of quoted string", false);
    ++p_;
    return out;
  }
  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  QueryPtr number() {
    size_t s = p_;
    while (!end() && in_[p_] >= '0' && in_[p_] <= '9')
      ++p_;
    bool is_float = false;
    if (peek() == '.' && peek(1) >= '0' && peek(1) <= '9') {
      is_float = true;
      ++p_;
      while (!end() && in_[p_] >= '0' && in_[p_] <= '9')
        ++p_;
    }
    std::string t(in_.substr(s, p_ - s));
    if (is_float) return std::make_unique<Literal>(Value::number(std::stod(t)));
    try {
      return std::make_unique<Literal>(Value::integer(std::stoll(t)));
    } catch (const std::out_of_range&) {
      return std::make_unique<Literal>(Value::number(std::stod(t)));
    }
  }

  QueryPtr array_literal() { // at '['
    ++p_;
    ws();
    auto arr = std::make_unique<ArrayLit>();
    if (peek() == ']') {
      ++p_;
      return fold(std::move(arr));
    }
    for (;;) {
      arr->items.push_back(query());
      spaces();
      ws();
      if (peek() == ',') {
        ++p_;
        ws();
        if (peek() == ']') {
          ++p_;
          break;
        }
        continue;
      }
      if (peek() == ']') {
        ++p_;
        break;
      }
      fail("expected comma or closing bracket");
    }
    return fold(std::move(arr));
  }

  QueryPtr object_literal() { // at '{'
    ++p_;
    ws();
    auto obj = std::make_unique<ObjectLit>();
    if (peek() == '}') {
      ++p_;
      return fold(std::move(obj));
    }
    for (;;) {
      QueryPtr key;
      if (peek() == '"') {
        key = std::make_unique<Literal>(Value::string(quoted()));
      } else {
        key = query();
      }
      spaces();
      expect(':', "colon");
      ws();
      QueryPtr val = query();
      obj->members.emplace_back(std::move(key), std::move(val));
      spaces();
      ws();
      if (peek() == ',') {
        ++p_;
        ws();
        if (peek() == '}') {
          ++p_;
          break;
        }
        continue;
      }
      if (peek() == '}') {
        ++p_;
        break;
      }
      fail("expected comma or closing brace");
    }
    obj->seal();
    return fold(std::move(obj));
  }

  // Array and object literals of literals become one literal.
  QueryPtr fold(QueryPtr q) {
    bool all = true;
    if (auto* a = dynamic_cast<ArrayLit*>(q.get())) {
      for (const auto& i : a->items)
        all = all && i->literal() != nullptr;
    } else if (auto* o = dynamic_cast<ObjectLit*>(q.get())) {
      for (const auto& [k, v] : o->members)
        all = all && k->literal() != nullptr && v->literal() != nullptr;
    }
    if (!all) return q;
    ExecContext ctx;
    std::string ann = q->annotation();
    try {
      return std::make_unique<Literal>(q->eval(ctx), ann);
    } catch (const std::exception&) {
      return q;
    }
  }

  // --- queries -------------------------------------------------------------------------------
  QueryPtr query() {
    spaces();
    std::vector<QueryPtr> terms;
    std::vector<Arith::Op> ops;
    terms.push_back(signed_term());
    for (;;) {
      size_t save = p_;
      spaces();
      auto op = arith_op();
      if (!op) {
        p_ = save;
        break;
      }
      ws();
      terms.push_back(signed_term());
      ops.push_back(*op);
    }
    return build(std::move(terms), std::move(ops));
  }

  std::optional<Arith::Op> arith_op() {
    using Op = Arith::Op;
    auto two = in_.substr(p_, 2);
    if (two == "&&") return p_ += 2, Op::And;
    if (two == "||") return p_ += 2, Op::Or;
    if (two == "==") return p_ += 2, Op::Eq;
    if (two == "!=") return p_ += 2, Op::Neq;
    if (two == ">=") return p_ += 2, Op::Gte;
    if (two == "<=") return p_ += 2, Op::Lte;
    if (two == "->" || two == "=>") return std::nullopt;
    switch (peek()) {
    case '+':
      return ++p_, Op::Add;
    case '-':
      return ++p_, Op::Sub;
    case '/':
      return ++p_, Op::Div;
    case '*':
      return ++p_, Op::Mul;
    case '%':
      return ++p_, Op::Mod;
    case '>':
      return ++p_, Op::Gt;
    case '<':
      return ++p_, Op::Lt;
    case '|':
      return ++p_, Op::Pipe;
    default:
      return std::nullopt;
    }
  }

  QueryPtr make_arith(Arith::Op op, QueryPtr l, QueryPtr r, size_t pos) {
    bool foldable = l->literal() != nullptr && r->literal() != nullptr && op != Arith::Op::And &&
                    op != Arith::Op::Or && op != Arith::Op::Pipe;
    auto a = std::make_unique<Arith>();
    a->op = op;
    a->lhs = std::move(l);
    a->rhs = std::move(r);
    if (!foldable) return a;
    ExecContext ctx;
    try {
      std::string ann = a->rhs->annotation();
      return std::make_unique<Literal>(a->eval(ctx), ann);
    } catch (const std::exception& e) {
      fail_at(pos, e.what(), true);
    }
  }

  QueryPtr build(std::vector<QueryPtr> fns, std::vector<Arith::Op> ops) {
    using Op = Arith::Op;
    size_t pos = p_;
    auto pass = [&](auto pred) {
      std::vector<QueryPtr> nf;
      std::vector<Op> no;
      nf.push_back(std::move(fns[0]));
      for (size_t i = 0; i < ops.size(); ++i) {
        if (pred(ops[i])) {
          nf.back() = make_arith(ops[i], std::move(nf.back()), std::move(fns[i + 1]), pos);
        } else {
          nf.push_back(std::move(fns[i + 1]));
          no.push_back(ops[i]);
        }
      }
      fns = std::move(nf);
      ops = std::move(no);
    };
    pass([](Op o) { return o == Op::Mul || o == Op::Div || o == Op::Mod || o == Op::Pipe; });
    pass([](Op o) { return o == Op::Add || o == Op::Sub; });
    pass([](Op o) {
      return o == Op::Eq || o == Op::Neq || o == Op::Gt || o == Op::Lt || o == Op::Gte ||
             o == Op::Lte;
    });
    pass([](Op o) { return o == Op::And || o == Op::Or; });
    return std::move(fns[0]);
  }

  QueryPtr signed_term() {
    if (peek() == '-' && peek(1) != '>') {
      size_t pos = p_;
      ++p_;
      ws();
      QueryPtr t = term_with_tails();
      return make_arith(Arith::Op::Sub, std::make_unique<Literal>(Value::integer(0)), std::move(t),
                        pos);
    }
    return term_with_tails();
  }

  QueryPtr term_with_tails() {
    bool negate = false;
    if (peek() == '!' && peek(1) != '=') {
      ++p_;
      spaces();
      negate = true;
    }
    QueryPtr q = term();
    while (peek() == '.') {
      ++p_;
      ws();
      q = tail(std::move(q));
    }
    if (negate) {
      auto n = std::make_unique<Not>();
      n->inner = std::move(q);
      return n;
    }
    return q;
  }

  void extend_path(QueryPtr& q, std::string seg) {
    if (auto* f = dynamic_cast<FieldRef*>(q.get())) {
      f->path.push_back(std::move(seg));
      return;
    }
    if (auto* g = dynamic_cast<GetField*>(q.get())) {
      g->path.push_back(std::move(seg));
      return;
    }
    auto g = std::make_unique<GetField>();
    g->target = std::move(q);
    g->path.push_back(std::move(seg));
    q = std::move(g);
  }

  QueryPtr tail(QueryPtr target) {
    if (peek() == '(') {
      ++p_;
      ws();
      auto m = std::make_unique<MapExpr>();
      m->query = query();
      ws();
      expect(')', "closing bracket");
      m->target = std::move(target);
      return m;
    }
    if (peek() == '"') {
      extend_path(target, quoted());
      return target;
    }
    if (!ident_char(peek())) fail("expected method or field path");
    size_t start = p_;
    std::string name = ident();
    if (peek() != '(') {
      extend_path(target, std::move(name));
      return target;
    }
    return method(std::move(target), name, start);
  }

  QueryPtr method(QueryPtr target, const std::string& name, size_t start) {
    using K = SpecialMethod::Kind;
    std::optional<K> special;
    if (name == "catch")
      special = K::Catch;
    else if (name == "or")
      special = K::Or;
    else if (name == "apply")
      special = K::Apply;
    else if (name == "not")
      special = K::Not;
    if (special) {
      std::vector<std::pair<std::string, QueryPtr>> args = call_args();
      auto sm = std::make_unique<SpecialMethod>();
      sm->kind = *special;
      sm->target = std::move(target);
      sm->maps = impl_.maps.get();
      size_t want = *special == K::Not ? 0 : 1;
      if (args.size() != want)
        fail_at(p_, "expected " + std::to_string(want) + " arguments, received " +
                        std::to_string(args.size()));
      if (want == 1) sm->arg = std::move(args[0].second);
      return sm;
    }
    const MethodEntry* entry = find_method(name);
    if (entry == nullptr) {
      call_args();
      fail_at(p_, "unrecognised method '" + name + "'");
    }
    (void)start;
    auto m = std::make_unique<MethodCall>();
    m->entry = entry;
    m->target = std::move(target);
    m->args = bind(entry->spec, call_args(), entry->prepare);
    return m;
  }

  std::vector<std::pair<std::string, QueryPtr>> call_args() { // at '('
    expect('(', "function arguments");
    ws();
    std::vector<std::pair<std::string, QueryPtr>> out;
    if (peek() == ')') {
      ++p_;
      return out;
    }
    for (;;) {
      std::string name;
      size_t save = p_;
      if (ident_char(peek())) {
        std::string id = ident();
        if (peek() == ':' && !id.empty()) {
          ++p_;
          spaces();
          name = id;
        } else {
          p_ = save;
        }
      }
      out.emplace_back(name, query());
      spaces();
      if (peek() == ',') {
        ++p_;
        ws();
        if (peek() == ')') {
          ++p_;
          break;
        }
        continue;
      }
      ws();
      if (peek() == ')') {
        ++p_;
        break;
      }
      fail("expected comma or closing bracket");
    }
    return out;
  }

  CallArgs bind(const Spec& spec, std::vector<std::pair<std::string, QueryPtr>> args,
                const Prepare& prepare) {
    CallArgs ca;
    ca.spec = &spec;
    // Variadic calls (append, with, zip...) take every argument positionally.
    size_t n = spec.variadic ? args.size() : spec.params.size();
    ca.queries.resize(n);
    ca.fixed.resize(n);
    bool named = !args.empty() && !args[0].first.empty();
    for (const auto& a : args)
      if (a.first.empty() == named) fail_at(p_, "cannot mix named and nameless arguments");
    if (named && spec.variadic) fail_at(p_, "named arguments are not supported by " + spec.name);
    if (named) {
      for (auto& [k, q] : args) {
        size_t i = 0;
        while (i < n && spec.params[i].name != k)
          ++i;
        if (i == n) fail_at(p_, "unknown parameter " + k);
        if (ca.queries[i]) fail_at(p_, "duplicate named arg: " + k);
        ca.queries[i] = std::move(q);
      }
    } else {
      if (args.size() > n)
        fail_at(p_, "wrong number of arguments, expected " + std::to_string(n) + ", got " +
                        std::to_string(args.size()));
      for (size_t i = 0; i < args.size(); ++i)
        ca.queries[i] = std::move(args[i].second);
    }
    bool all_fixed = true;
    for (size_t i = 0; i < n; ++i) {
      if (spec.variadic) {
        if (const Value* lit = ca.queries[i]->literal())
          ca.fixed[i] = *lit;
        else
          all_fixed = false;
        continue;
      }
      const auto& ps = spec.params[i];
      if (!ca.queries[i]) {
        if (ps.default_value)
          ca.fixed[i] = Value(*ps.default_value);
        else if (!ps.optional)
          fail_at(p_, "missing parameter: " + ps.name);
        continue;
      }
      if (ps.type == ParamType::Query) continue;
      if (const Value* lit = ca.queries[i]->literal())
        ca.fixed[i] = *lit;
      else
        all_fixed = false;
    }
    if (prepare && (all_fixed || spec.stateful)) {
      ExecContext ctx;
      Args literal;
      if (all_fixed) {
        literal = ca.build(ctx);
      } else { // stateful: only the literal arguments, nothing evaluated at parse time
        literal.spec_ = &spec;
        literal.values_.resize(n);
        literal.present_.assign(n, false);
        literal.queries_.assign(n, nullptr);
        for (size_t i = 0; i < n; ++i) {
          if (!ca.fixed[i]) continue;
          literal.values_[i] = *ca.fixed[i];
          literal.present_[i] = true;
        }
      }
      try {
        ca.state = prepare(literal);
      } catch (const std::exception& e) {
        fail_at(p_, e.what());
      }
    }
    ca.seal();
    return ca;
  }

  bool lambda_ahead() const {
    size_t k = p_;
    while (k < in_.size() && ident_char(in_[k]))
      ++k;
    if (k == p_) return false;
    while (k < in_.size() && (in_[k] == ' ' || in_[k] == '\t'))
      ++k;
    return in_.substr(k, 2) == "->";
  }

  QueryPtr term() {
    char c = peek();
    if (keyword("match")) return match_expr();
    if (keyword("if")) return if_expr();
    if (ident_char(c) && lambda_ahead()) return lambda();
    if (c == '(') {
      ++p_;
      ws();
      QueryPtr q = query();
      ws();
      expect(')', "closing bracket");
      return q;
    }
    if (c == '"') return std::make_unique<Literal>(Value::string(quoted()));
    if (c >= '0' && c <= '9') return number();
    if (c == '[') return array_literal();
    if (c == '{') return object_literal();
    if (keyword("true")) return p_ += 4, std::make_unique<Literal>(Value::boolean(true));
    if (keyword("false")) return p_ += 5, std::make_unique<Literal>(Value::boolean(false));
    if (keyword("null")) return p_ += 4, std::make_unique<Literal>(Value());
    if (c == '@') {
      ++p_;
      auto m = std::make_unique<MetaRef>();
      if (peek() == '"')
        m->key = quoted();
      else if (ident_char(peek()))
        m->key = ident();
      return m;
    }
    if (c == '$') {
      ++p_;
      auto v = std::make_unique<VarRef>();
      v->name = ident();
      if (v->name.empty()) fail("expected variable path");
      return v;
    }
    if (ident_char(c)) {
      size_t start = p_;
      std::string name = ident();
      if (peek() == '(') return function(name, start);
      auto f = std::make_unique<FieldRef>();
      if (name == "this") {
        f->from = FieldRef::From::This;
      } else if (name == "root") {
        f->from = FieldRef::From::Root;
        impl_.reads_root = true;
      } else if (std::find(captures_.begin(), captures_.end(), name) != captures_.end()) {
        f->from = FieldRef::From::Capture;
        f->name = name;
      } else {
        f->path.push_back(name);
      }
      return f;
    }
    fail("expected query");
  }

  QueryPtr function(const std::string& name, size_t start) {
    const FunctionEntry* entry = find_function(name);
    if (entry == nullptr) {
      call_args();
      fail_at(start, "unrecognised function '" + name + "'");
    }
    auto f = std::make_unique<FunctionCall>();
    f->entry = entry;
    f->args = bind(entry->spec, call_args(), entry->prepare);
    return f;
  }

  QueryPtr lambda() {
    size_t start = p_;
    std::string name = ident();
    spaces();
    p_ += 2; // ->
    spaces();
    if (name == "root" || name == "this")
      fail_at(start, "context label `" + name + "` is not allowed");
    if (name != "_" && std::find(captures_.begin(), captures_.end(), name) != captures_.end())
      fail_at(start, "context label `" + name + "` would shadow a parent context");
    if (name != "_") captures_.push_back(name);
    auto l = std::make_unique<Lambda>();
    l->name = name;
    l->inner = query();
    if (name != "_") captures_.pop_back();
    return l;
  }

  QueryPtr if_expr() {
    auto e = std::make_unique<IfExpr>();
    p_ += 2;
    spaces();
    QueryPtr cond = query();
    ws();
    expect('{', "{");
    ws();
    QueryPtr then = query();
    ws();
    expect('}', "}");
    e->branches.emplace_back(std::move(cond), std::move(then));
    for (;;) {
      size_t save = p_;
      ws();
      if (keyword("else")) {
        p_ += 4;
        size_t after_else = p_;
        spaces();
        if (keyword("if")) {
          p_ += 2;
          spaces();
          QueryPtr c2 = query();
          ws();
          expect('{', "{");
          ws();
          QueryPtr t2 = query();
          ws();
          expect('}', "}");
          e->branches.emplace_back(std::move(c2), std::move(t2));
          continue;
        }
        p_ = after_else;
        ws();
        expect('{', "{");
        ws();
        e->otherwise = query();
        ws();
        expect('}', "}");
        return e;
      }
      p_ = save;
      return e;
    }
  }

  QueryPtr match_expr() {
    auto m = std::make_unique<MatchExpr>();
    p_ += 5;
    spaces();
    if (peek() != '{') m->subject = query();
    ws();
    expect('{', "{");
    ws();
    if (peek() == '}') {
      ++p_;
      return m;
    }
    for (;;) {
      MatchExpr::Case c;
      size_t save = p_;
      bool wildcard = false;
      if (peek() == '_') {
        ++p_;
        spaces();
        if (in_.substr(p_, 2) == "=>")
          wildcard = true;
        else
          p_ = save;
      }
      if (!wildcard) {
        c.when = query();
        spaces();
        if (in_.substr(p_, 2) != "=>") fail("expected =>");
      }
      p_ += 2;
      spaces();
      ws();
      c.result = query();
      m->cases.push_back(std::move(c));
      spaces();
      if (peek() == ',') {
        ++p_;
      } else if (peek() == '}') {
        ++p_;
        return m;
      } else if (!newline()) {
        ws();
        if (peek() == '}') {
          ++p_;
          return m;
        }
        fail("expected comma, line break or }");
      }
      ws();
      if (peek() == '}') {
        ++p_;
        return m;
      }
    }
  }

  // --- statements ----------------------------------------------------------------------------
  std::vector<StatementPtr> block(bool allow_meta) { // after '{', up to and including '}'
    std::vector<StatementPtr> out;
    ws();
    if (peek() == '}') {
      ++p_;
      return out;
    }
    for (;;) {
      if (auto s = statement(false, allow_meta)) out.push_back(std::move(s));
      spaces();
      ws();
      if (peek() == '}') {
        ++p_;
        return out;
      }
    }
  }

  int line_at(size_t pos) const {
    int line = 1;
    for (size_t i = 0; i < pos && i < in_.size(); ++i)
      line += in_[i] == '\n';
    return line;
  }

  std::string name_or_quoted(const std::string& what) {
    if (peek() == '"') return quoted();
    std::string n = ident();
    if (n.empty()) fail("expected " + what);
    return n;
  }

  StatementPtr statement(bool top, bool allow_meta) {
    size_t start = p_;
    if (keyword("import")) {
      if (!top) fail_at(start, "importing mappings is not allowed within this block");
      p_ += 6;
      spaces();
      if (peek() != '"') fail("expected filepath");
      std::string path = quoted();
      import_file(path, start);
      return nullptr;
    }
    if (keyword("map")) {
      if (!top) fail_at(start, "defining maps is not allowed within this block");
      p_ += 3;
      spaces();
      std::string name = name_or_quoted("map name");
      spaces();
      expect('{', "{");
      auto stmts = block(false);
      if (impl_.maps->maps.count(name) != 0) fail_at(start, "map name collision: " + name);
      impl_.maps->maps[name] = std::move(stmts);
      return nullptr;
    }
    if (keyword("let")) {
      p_ += 3;
      spaces();
      auto s = std::make_unique<AssignVar>();
      s->name = name_or_quoted("variable name");
      spaces();
      expect('=', "=");
      spaces();
      s->query = query();
      s->line = line_at(start);
      return s;
    }
    if (keyword("meta")) {
      p_ += 4;
      spaces();
      auto s = std::make_unique<AssignMeta>();
      if (peek() == '"')
        s->key = quoted();
      else if (ident_char(peek()))
        s->key = ident();
      spaces();
      expect('=', "=");
      if (!allow_meta) fail_at(start, "setting meta fields is not allowed within this block");
      spaces();
      s->query = query();
      s->line = line_at(start);
      return s;
    }
    if (keyword("if")) return if_statement(start, allow_meta);
    if (!ident_char(peek())) fail("expected import, map, or assignment");
    auto s = std::make_unique<AssignRoot>();
    s->path.push_back(ident());
    while (peek() == '.') {
      ++p_;
      if (peek() == '"')
        s->path.push_back(quoted());
      else if (ident_char(peek()))
        s->path.push_back(ident());
      else
        fail("expected target path");
    }
    spaces();
    expect('=', "=");
    spaces();
    if (!s->path.empty() && s->path[0] == "root") s->path.erase(s->path.begin());
    s->query = query();
    s->line = line_at(start);
    return s;
  }

  StatementPtr if_statement(size_t start, bool allow_meta) {
    auto s = std::make_unique<IfStatement>();
    s->line = line_at(start);
    p_ += 2;
    spaces();
    QueryPtr cond = query();
    ws();
    expect('{', "{");
    s->branches.emplace_back(std::move(cond), block(allow_meta));
    for (;;) {
      size_t save = p_;
      ws();
      if (!keyword("else")) {
        p_ = save;
        return s;
      }
      p_ += 4;
      size_t after_else = p_;
      spaces();
      if (keyword("if")) {
        p_ += 2;
        spaces();
        QueryPtr c2 = query();
        ws();
        expect('{', "{");
        s->branches.emplace_back(std::move(c2), block(allow_meta));
        continue;
      }
      p_ = after_else;
      ws();
      expect('{', "{");
      s->otherwise = block(allow_meta);
      s->has_else = true;
      return s;
    }
  }

  void import_file(const std::string& path, size_t start) {
    std::string full = !path.empty() && path[0] == '/' ? path : opts_.import_dir + "/" + path;
    std::ifstream f(full);
    if (!f) {
      fail_at(start, "failed to read import: open " + path + ": no such file or directory");
    }
    std::stringstream ss;
    ss << f.rdbuf();
    std::string content = ss.str();
    MappingImpl sub;
    sub.text = content;
    Parser inner(sub.text, sub, opts_);
    try {
      inner.statements_top();
    } catch (const PErr& e) {
      ParseError pe = to_parse_error(sub.text, e);
      fail_at(start, "failed to parse import '" + path + "': " + pe.what());
    }
    if (sub.maps->maps.empty()) fail_at(start, "no maps to import from '" + path + "'");
    std::string collisions;
    for (auto& [k, v] : sub.maps->maps) {
      if (impl_.maps->maps.count(k) != 0) {
        collisions += (collisions.empty() ? "" : " ") + k;
        continue;
      }
      impl_.maps->maps[k] = std::move(v);
    }
    // Statements in imported maps refer to the imported table for `apply`: point them here.
    if (!collisions.empty())
      fail_at(start, "map name collisions from import '" + path + "': [" + collisions + "]");
    imported_.push_back(std::move(sub.maps));
  }

  void statements_top() {
    ws();
    if (end()) fail("expected import, map, or assignment");
    for (;;) {
      if (auto s = statement(true, true)) impl_.statements.push_back(std::move(s));
      spaces();
      if (end()) return;
      if (!newline()) fail("expected line break");
      ws();
      if (end()) return;
    }
  }

  // The whole input as one query ("root = <query>" shorthand).
  QueryPtr single_root(size_t& stop) {
    ws();
    size_t begin = p_;
    QueryPtr q = query();
    size_t after = p_;
    ws();
    stop = p_;
    if (!end()) {
      std::string consumed(in_.substr(begin, after - begin));
      // Count code points for the 12-character preview.
      std::string preview;
      size_t cps = 0, i = 0;
      for (; i < consumed.size() && cps < 12; ++cps) {
        size_t len = 1;
        unsigned char c = static_cast<unsigned char>(consumed[i]);
        if (c >= 0xF0)
          len = 4;
        else if (c >= 0xE0)
          len = 3;
        else if (c >= 0xC0)
          len = 2;
        preview += consumed.substr(i, len);
        i += len;
      }
      if (i < consumed.size()) preview += "...";
      fail("expected the mapping to end here as the beginning is shorthand for `root = " + preview +
           "`, but this shorthand form cannot be followed with more assignments");
    }
    return q;
  }

  size_t pos() const { return p_; }
  void reset() { p_ = 0; }

private:
  std::string_view in_;
  size_t p_ = 0;
  MappingImpl& impl_;
  const Mapping::Options& opts_;
  std::vector<std::string> captures_;
  std::vector<std::unique_ptr<MapTable>> imported_;
};

} // namespace

Mapping::~Mapping() = default;

std::shared_ptr<const Mapping> Mapping::parse(std::string_view text, const Options& opts) {
  auto m = std::shared_ptr<Mapping>(new Mapping());
  m->impl_ = std::make_unique<MappingImpl>();
  m->impl_->text = std::string(text);
  std::string_view in = m->impl_->text;
  std::optional<PErr> exec_err;
  {
    Parser p(in, *m->impl_, opts);
    try {
      p.statements_top();
      set_root_hints(m->impl_->statements);
      for (const auto& [name, stmts] : m->impl_->maps->maps)
        set_root_hints(stmts);
      if (!m->impl_->reads_root) m->impl_->plan = plan_root(m->impl_->statements);
      find_root_array(*m->impl_);
      return m;
    } catch (const PErr& e) {
      if (e.fatal) throw to_parse_error(in, e);
      exec_err = e;
    }
  }
  // Not a list of statements: maybe the shorthand `root = <query>`.
  auto single = std::make_unique<MappingImpl>();
  single->text = m->impl_->text;
  Parser q(single->text, *single, opts);
  try {
    size_t stop = 0;
    auto stmt = std::make_unique<AssignRoot>();
    stmt->query = q.single_root(stop);
    stmt->line = 1;
    single->statements.push_back(std::move(stmt));
    m->impl_ = std::move(single);
    find_root_array(*m->impl_);
    return m;
  } catch (const PErr& e) {
    if (e.fatal || e.pos > exec_err->pos) throw to_parse_error(in, e);
    throw to_parse_error(in, *exec_err);
  }
}

std::shared_ptr<const Query> Mapping::parse_query(std::string_view text) {
  static MappingImpl kNoMaps; // queries have no maps of their own
  Mapping::Options opts;
  std::string owned(text);
  Parser p(owned, kNoMaps, opts);
  try {
    p.ws();
    QueryPtr q = p.query();
    p.ws();
    if (!p.end()) throw PErr{p.pos(), "expected end of input", false};
    return std::shared_ptr<const Query>(std::move(q));
  } catch (const PErr& e) {
    throw to_parse_error(owned, e);
  }
}

Mapping::Result Mapping::run(ExecContext& ctx, json::value start) const {
  ScratchArena arena; // every value this run builds comes from one arena
  ctx.keep(scratch_owner());
  if (start.is_null()) {
    ctx.root() = Value::nothing();
  } else if (is_borrowed_arena(start.storage()) && start.storage() != scratch_storage()) {
    // A copy of a node of another arena (a parsed document): into this run's arena, which the
    // result keeps alive.
    ctx.root() = Value(json::value(start, scratch_storage()));
  } else {
    ctx.root() = Value(std::move(start));
  }
  if (impl_->plan && ctx.root().is_nothing()) {
    run_planned(*impl_->plan, impl_->statements, ctx);
  } else {
    for (const auto& s : impl_->statements)
      s->exec(ctx);
  }
  Result r;
  Value& root = ctx.root();
  if (root.is_delete()) {
    r.outcome = Outcome::Deleted;
  } else if (root.is_nothing()) {
    r.outcome = Outcome::Unchanged;
  } else {
    r.outcome = Outcome::Replaced;
    if (root.is_json() && !root.is_ref() && is_borrowed_arena(root.json().storage()) &&
        root.json().storage() != scratch_storage()) {
      // Built from a copy of a node of another arena (`root = this.without(...)`): the result
      // only keeps this run's arena alive.
      root = Value(json::value(root.json(), scratch_storage()));
    }
    r.value = std::move(root);
    r.value.keep_alive(scratch_owner());
  }
  return r;
}

bool Mapping::run_elements(ExecContext& ctx, const std::function<void(const Value&)>& each) const {
  if (impl_->root_array == nullptr) return false;
  ScratchArena arena; // as run: what the elements build comes from one arena
  ctx.keep(scratch_owner());
  try {
    for (const auto& q : impl_->root_array->items) {
      Value v = q->eval(ctx);
      if (v.is_delete() || v.is_nothing()) continue; // dropped from literals, as ArrayLit
      each(v);
    }
  } catch (const std::exception& e) {
    fail_assignment(impl_->root_assign->line, e);
  }
  return true;
}

void set_message_value(core::Message& msg, Value v) {
  switch (v.kind()) {
  case Value::Kind::String:
  case Value::Kind::Bytes:
    msg.set_payload(v.get_string());
    break;
  case Value::Kind::Timestamp:
    msg.set_payload(serialize(v));
    break;
  default: {
    msg.set_payload(serialize(v));
    // The next reader of this message as JSON gets the value (moved, with the arena it lives
    // in) instead of parsing the bytes again.
    struct Held {
      std::shared_ptr<const void> owner; // the arena, destroyed after the value
      json::value doc;
    };
    std::shared_ptr<const void> owner = v.owner();
    auto held = std::make_shared<Held>(Held{std::move(owner), std::move(v).to_json()});
    msg.set_structured(std::shared_ptr<const json::value>(held, &held->doc));
    break;
  }
  }
}

void apply_meta(const ExecContext& ctx, core::Message& msg) {
  if (ctx.meta_cleared()) msg.clear_meta();
  for (const auto& [k, v] : ctx.meta_changes()) {
    if (v.is_delete())
      msg.delete_meta(k);
    else
      msg.set_meta(k, v.to_string());
  }
}

bool Mapping::apply(const core::Batch& batch, size_t index, core::Message& out, bool mutate) const {
  ExecContext ctx(&batch, index);
  ScratchArena arena; // run() joins it: a mutation's initial root is copied straight into it
  json::value start = [&]() -> json::value {
    if (!mutate) return nullptr;
    try {
      return json::value(ctx.parsed(), scratch_storage());
    } catch (const EvalError&) {
      return nullptr;
    }
  }();
  Result r = run(ctx, std::move(start));
  if (r.outcome == Outcome::Deleted) return false;
  if (r.outcome == Outcome::Replaced) set_message_value(out, std::move(r.value));
  apply_meta(ctx, out);
  return true;
}

} // namespace plugctl::bloblang
