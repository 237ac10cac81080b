#include "src/codegen/printer.h"

namespace finngl::codegen {

void Printer::Line(std::string_view text) {
  if (!text.empty()) {
    for (int i = 0; i < level_; ++i) out_ += unit_;
    out_ += text;
  }
  out_ += '\n';
}

void Printer::Lines(std::string_view text) {
  if (text.empty()) return;
  if (text.back() == '\n') text.remove_suffix(1);
  while (true) {
    const size_t nl = text.find('\n');
    Line(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

void Printer::Raw(std::string_view text) {
  out_ += text;
  out_ += '\n';
}

void Printer::Outdent() {
  if (level_ > 0) --level_;
}

Printer::Block::Block(Printer& p, std::string_view open, std::string close)
    : p_(p), close_(std::move(close)) {
  p_.Line(open);
  p_.Indent();
}

Printer::Block::~Block() {
  p_.Outdent();
  p_.Line(close_);
}

}  // namespace finngl::codegen
