// Printer: the one place generated text (HLS C++, Tcl, Python) is assembled.
//
// Every generated file goes through a Printer so indentation, line endings and blank lines are
// uniform and the output is a pure function of the calls made (no maps with pointer keys, no
// locale-dependent formatting): the same hardware graph always yields byte-identical files, which
// is what the golden tests and reproducible builds rely on.
#ifndef FINNGL_SRC_CODEGEN_PRINTER_H_
#define FINNGL_SRC_CODEGEN_PRINTER_H_

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace finngl::codegen {

class Printer {
 public:
  // `indent_unit` is what one indentation level prints (two spaces for C++, four for Python).
  explicit Printer(std::string indent_unit = "  ") : unit_(std::move(indent_unit)) {}

  // One line at the current indentation; an empty line prints no trailing spaces.
  void Line(std::string_view text = "");
  // StrCat of the pieces as one line.
  template <typename... Args>
  void L(const Args&... args) {
    Line(absl::StrCat(args...));
  }
  // Several lines (split on '\n'; one trailing newline ignored), each at the current indentation,
  // e.g. another Printer's str() embedded one level deeper.
  void Lines(std::string_view text);
  // A line that is never indented (preprocessor directives, #pragma in C++ stays indented).
  void Raw(std::string_view text);

  void Indent() { ++level_; }
  void Outdent();

  // Prints `open` ("void f() {"), indents, and on destruction outdents and prints `close`.
  class Block {
   public:
    Block(Printer& p, std::string_view open, std::string close = "}");
    ~Block();
    Block(const Block&) = delete;
    Block& operator=(const Block&) = delete;

   private:
    Printer& p_;
    std::string close_;
  };

  const std::string& str() const { return out_; }

 private:
  std::string unit_;
  int level_ = 0;
  std::string out_;
};

}  // namespace finngl::codegen

#endif  // FINNGL_SRC_CODEGEN_PRINTER_H_
