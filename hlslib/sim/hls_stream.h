// g++ stand-in for Vitis HLS's hls_stream.h: hls::stream<T> is an unbounded FIFO (std::deque), as
// Vitis C simulation models it. Reading an empty stream is a dataflow bug (in hardware the reader
// would block forever), so it prints the stream's name and aborts; a stream destroyed while still
// holding data prints a warning, as Vitis does, because a producer wrote more than was consumed.
#ifndef FINNGL_HLSLIB_SIM_HLS_STREAM_H_
#define FINNGL_HLSLIB_SIM_HLS_STREAM_H_

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <utility>

namespace hls {

// Depth is accepted for source compatibility (hls::stream<T, D>); the simulated FIFO is unbounded.
template <typename T, int Depth = 0>
class stream {
 public:
  stream() : name_("(unnamed)") {}
  explicit stream(const char* name) : name_(name) {}
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;
  ~stream() {
    if (!q_.empty()) {
      std::fprintf(stderr, "WARNING: hls::stream '%s' contains leftover data (%zu elements)\n",
                   name_.c_str(), q_.size());
    }
  }

  bool empty() const { return q_.empty(); }
  bool full() const { return false; }
  size_t size() const { return q_.size(); }
  const std::string& name() const { return name_; }

  T read() {
    if (q_.empty()) {
      std::fprintf(stderr, "ERROR: hls::stream '%s' is read while empty (a dataflow bug: the "
                   "producer wrote fewer elements than the consumer reads)\n", name_.c_str());
      std::abort();
    }
    T v = std::move(q_.front());
    q_.pop_front();
    return v;
  }
  void read(T& v) { v = read(); }
  bool read_nb(T& v) {
    if (q_.empty()) return false;
    v = read();
    return true;
  }
  void operator>>(T& v) { v = read(); }

  void write(const T& v) { q_.push_back(v); }
  bool write_nb(const T& v) {
    write(v);
    return true;
  }
  void operator<<(const T& v) { write(v); }

 private:
  std::string name_;
  std::deque<T> q_;
};

}  // namespace hls

#endif  // FINNGL_HLSLIB_SIM_HLS_STREAM_H_
