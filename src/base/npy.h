// Reading and writing NumPy .npy files (format versions 1.0-3.0, little-endian, C order).
#ifndef FINNGL_SRC_BASE_NPY_H_
#define FINNGL_SRC_BASE_NPY_H_
#endif
