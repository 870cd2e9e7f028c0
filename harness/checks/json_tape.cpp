#include "harness/checks/json_tape.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>

namespace agentwork::harness {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The four hex digits at s[0..3], or -1.
int hex4(std::string_view s) {
  if (s.size() < 4) return -1;
  int v = 0;
  for (int k = 0; k < 4; ++k) {
    const int d = hex_value(s[k]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

// The length of the well-formed UTF-8 sequence (RFC 3629) starting a non-ASCII byte at s[0],
// or 0 when it is not one.
std::size_t utf8_sequence(std::string_view s) {
  const auto b = [&s](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto cont = [&](std::size_t i, unsigned lo = 0x80, unsigned hi = 0xBF) {
    return i < s.size() && b(i) >= lo && b(i) <= hi;
  };
  const unsigned lead = b(0);
  if (lead >= 0xC2 && lead <= 0xDF) return cont(1) ? 2 : 0;
  if (lead == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF)
    return cont(1) && cont(2) ? 3 : 0;
  if (lead == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;  // no encoded surrogates
  if (lead == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (lead >= 0xF1 && lead <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (lead == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

// The bytes a string holds as they are: printable ASCII other than the quote and the backslash.
constexpr auto kPlain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return plain;
}();

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

bool JsonTape::parse(std::string_view text) {
  nodes_.clear();
  text_ = text;
  pos_ = 0;
  if (text.size() >= std::numeric_limits<std::uint32_t>::max()) return false;
  skip_space();
  if (!value(0)) return false;
  skip_space();
  return pos_ == text_.size();
}

void JsonTape::skip_space() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
    ++pos_;
  }
}

bool JsonTape::literal(std::string_view word, JsonKind kind, bool flag) {
  if (text_.substr(pos_, word.size()) != word) return false;
  JsonNode n;
  n.kind = kind;
  n.flag = flag;
  n.begin = static_cast<std::uint32_t>(pos_);
  n.size = static_cast<std::uint32_t>(word.size());
  n.next = static_cast<std::uint32_t>(nodes_.size() + 1);
  nodes_.push_back(n);
  pos_ += word.size();
  return true;
}

bool JsonTape::value(int depth) {
  if (pos_ >= text_.size() || depth > kMaxDepth) return false;
  const char c = text_[pos_];
  if (c == '"') return string_node(false);
  if (c == '-' || is_digit(c)) return number_node();
  if (c == 't') return literal("true", JsonKind::boolean, true);
  if (c == 'f') return literal("false", JsonKind::boolean, false);
  if (c == 'n') return literal("null", JsonKind::null, false);
  if (c != '[' && c != '{') return false;

  const bool object = c == '{';
  const std::size_t self = nodes_.size();
  JsonNode container;
  container.kind = object ? JsonKind::object : JsonKind::array;
  container.begin = static_cast<std::uint32_t>(pos_);
  nodes_.push_back(container);
  ++pos_;
  skip_space();
  const char close = object ? '}' : ']';
  std::uint32_t count = 0;
  if (pos_ < text_.size() && text_[pos_] == close) {
    ++pos_;
  } else {
    for (;;) {
      if (object) {
        if (pos_ >= text_.size() || text_[pos_] != '"' || !string_node(true)) return false;
        skip_space();
        if (pos_ >= text_.size() || text_[pos_] != ':') return false;
        ++pos_;
        skip_space();
      }
      if (!value(depth + 1)) return false;
      ++count;
      skip_space();
      if (pos_ >= text_.size()) return false;
      if (text_[pos_] == ',') {
        ++pos_;
        skip_space();
        continue;
      }
      if (text_[pos_] != close) return false;
      ++pos_;
      break;
    }
  }
  JsonNode& n = nodes_[self];
  n.count = count;
  n.size = static_cast<std::uint32_t>(pos_ - n.begin);
  n.next = static_cast<std::uint32_t>(nodes_.size());
  return !object || keys_distinct(self);
}

bool JsonTape::string_node(bool is_key) {
  const std::size_t open = pos_++;
  bool escaped = false;
  while (pos_ < text_.size()) {
    {  // the plain run, with the position in a register
      const char* const data = text_.data();
      std::size_t p = pos_;
      const std::size_t size = text_.size();
      while (p < size && kPlain[static_cast<unsigned char>(data[p])]) ++p;
      pos_ = p;
      if (p == size) break;
    }
    const auto c = static_cast<unsigned char>(text_[pos_]);
    if (c == '"') break;
    if (c < 0x20) return false;  // a control character must be escaped
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence(text_.substr(pos_));
      if (n == 0) return false;
      pos_ += n;
      continue;
    }
    if (c != '\\') {
      ++pos_;
      continue;
    }
    escaped = true;
    if (pos_ + 1 >= text_.size()) return false;
    const char e = text_[pos_ + 1];
    if (e == 'u') {
      const int unit = hex4(text_.substr(pos_ + 2));
      if (unit < 0) return false;
      pos_ += 6;
      if (unit >= 0xDC00 && unit <= 0xDFFF) return false;  // a low surrogate alone
      if (unit >= 0xD800 && unit <= 0xDBFF) {
        if (text_.substr(pos_, 2) != "\\u") return false;
        const int low = hex4(text_.substr(pos_ + 2));
        if (low < 0xDC00 || low > 0xDFFF) return false;
        pos_ += 6;
      }
      continue;
    }
    if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' &&
        e != 't') {
      return false;
    }
    pos_ += 2;
  }
  if (pos_ >= text_.size()) return false;  // unterminated
  if (is_key && escaped) return false;     // keys are compared as written
  JsonNode n;
  n.kind = JsonKind::string;
  n.flag = escaped;
  n.begin = static_cast<std::uint32_t>(open + 1);
  n.size = static_cast<std::uint32_t>(pos_ - open - 1);
  n.next = static_cast<std::uint32_t>(nodes_.size() + 1);
  nodes_.push_back(n);
  ++pos_;  // the closing quote
  return true;
}

bool JsonTape::number_node() {
  const std::size_t start = pos_;
  const auto digits = [this] {
    const std::size_t from = pos_;
    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    return pos_ - from;
  };
  if (text_[pos_] == '-') ++pos_;
  if (pos_ >= text_.size() || !is_digit(text_[pos_])) return false;
  if (text_[pos_] == '0') {
    ++pos_;
  } else {
    digits();
  }
  bool integer = true;
  if (pos_ < text_.size() && text_[pos_] == '.') {
    ++pos_;
    integer = false;
    if (digits() == 0) return false;
  }
  if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
    ++pos_;
    integer = false;
    if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
    if (digits() == 0) return false;
  }
  JsonNode n;
  n.kind = JsonKind::number;
  n.flag = integer;
  n.begin = static_cast<std::uint32_t>(start);
  n.size = static_cast<std::uint32_t>(pos_ - start);
  n.next = static_cast<std::uint32_t>(nodes_.size() + 1);
  // An integer of up to 18 digits fits nlohmann's int64; a longer one it reads as unsigned or as
  // a double, which this reader does not model.
  if (integer && n.size - (text_[start] == '-' ? 1 : 0) > 18) return false;
  if (!integer) {
    // nlohmann rejects a number that overflows a double ("number overflow") and reads one that
    // underflows as its nearest double; from_chars reports both as out of range: give up on both.
    double v = 0;
    const auto [end, ec] = std::from_chars(text_.data() + start, text_.data() + pos_, v);
    if (ec != std::errc() || end != text_.data() + pos_ || !std::isfinite(v)) return false;
  }
  nodes_.push_back(n);
  return true;
}

bool JsonTape::keys_distinct(std::size_t object) const {
  const JsonNode& o = nodes_[object];
  if (o.count < 2) return true;
  if (o.count <= 16) {  // the common case: compare each pair, no allocation
    for (std::size_t i = first_child(object), k = 0; k < o.count; ++k) {
      std::size_t j = nodes_[i + 1].next;
      for (std::size_t m = k + 1; m < o.count; ++m) {
        if (raw(i) == raw(j)) return false;
        j = nodes_[j + 1].next;
      }
      i = nodes_[i + 1].next;
    }
    return true;
  }
  std::vector<std::string_view> keys;
  keys.reserve(o.count);
  for (std::size_t i = first_child(object), k = 0; k < o.count; ++k) {
    keys.push_back(raw(i));
    i = nodes_[i + 1].next;
  }
  std::sort(keys.begin(), keys.end());
  return std::adjacent_find(keys.begin(), keys.end()) == keys.end();
}

std::string_view JsonTape::string(std::size_t i, std::string& scratch) const {
  const std::string_view s = raw(i);
  if (!nodes_[i].flag) return s;
  scratch.clear();
  for (std::size_t p = 0; p < s.size();) {
    if (s[p] != '\\') {  // the run up to the next escape, at once
      const std::size_t end = std::min(s.find('\\', p), s.size());
      scratch.append(s.data() + p, end - p);
      p = end;
      continue;
    }
    const char e = s[p + 1];
    if (e == 'u') {
      std::uint32_t cp = static_cast<std::uint32_t>(hex4(s.substr(p + 2)));
      p += 6;
      if (cp >= 0xD800 && cp <= 0xDBFF) {  // parse checked the pair
        const auto low = static_cast<std::uint32_t>(hex4(s.substr(p + 2)));
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        p += 6;
      }
      append_utf8(scratch, cp);
      continue;
    }
    switch (e) {
      case 'b':
        scratch += '\b';
        break;
      case 'f':
        scratch += '\f';
        break;
      case 'n':
        scratch += '\n';
        break;
      case 'r':
        scratch += '\r';
        break;
      case 't':
        scratch += '\t';
        break;
      default:  // " \ /
        scratch += e;
    }
    p += 2;
  }
  return scratch;
}

bool JsonTape::string_equals(std::size_t i, std::string_view value, std::string& scratch) const {
  if (!nodes_[i].flag) return raw(i) == value;
  return string(i, scratch) == value;
}

std::size_t JsonTape::code_points(std::size_t i, std::string& scratch) const {
  const std::string_view s = string(i, scratch);
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

double JsonTape::number(std::size_t i) const {
  const std::string_view s = raw(i);
  double v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);  // parse checked it is in range
  return v;
}

std::size_t JsonTape::member(std::size_t object, std::string_view key) const {
  const JsonNode& o = nodes_[object];
  for (std::size_t i = first_child(object), k = 0; k < o.count; ++k) {
    if (raw(i) == key) return i + 1;
    i = nodes_[i + 1].next;
  }
  return npos;
}

}  // namespace agentwork::harness
