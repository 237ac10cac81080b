// The list of every op finngl knows, one X-macro so registration and switches stay exhaustive.
// X(Id, File): the factory `OpSpec Make<Id>Spec()` is defined in src/ops/<File>.cc.
#ifndef FINNGL_SRC_OPS_OP_LIST_H_
#define FINNGL_SRC_OPS_OP_LIST_H_

#define FINNGL_FOR_EACH_OP(X)        \
  /* elementwise arithmetic */       \
  X(Add, elementwise)                \
  X(Sub, elementwise)                \
  X(Mul, elementwise)                \
  X(Div, elementwise)                \
  /* activations and unary math */  \
  X(Relu, activation)                \
  X(LeakyRelu, activation)           \
  X(Sigmoid, activation)             \
  X(Tanh, activation)                \
  X(Clip, activation)                \
  X(Sign, activation)                \
  X(Identity, activation)            \
  X(Neg, activation)                 \
  X(Abs, activation)                 \
  X(Exp, activation)                 \
  X(Sqrt, activation)                \
  X(Floor, activation)               \
  X(Ceil, activation)                \
  X(Round, activation)               \
  X(Cast, activation)                \
  /* linear algebra */               \
  X(MatMul, linalg)                  \
  X(Gemm, linalg)                    \
  X(Conv, conv)                      \
  X(BatchNormalization, normalization) \
  X(Softmax, normalization)          \
  X(ArgMax, normalization)           \
  /* pooling */                      \
  X(MaxPool, pool)                   \
  X(AveragePool, pool)               \
  X(GlobalAveragePool, pool)         \
  /* shape and data movement */      \
  X(Flatten, shape_ops)              \
  X(Reshape, shape_ops)              \
  X(Transpose, shape_ops)            \
  X(Squeeze, shape_ops)              \
  X(Unsqueeze, shape_ops)            \
  X(Concat, slicing_ops)               \
  X(Slice, slicing_ops)                \
  X(Gather, slicing_ops)               \
  X(Split, slicing_ops)                \
  X(Pad, pad_op)                  \
  X(Shape, shape_ops)                \
  X(Constant, shape_ops)             \
  X(Expand, shape_ops)               \
  /* ONNX quantization */            \
  X(QuantizeLinear, qdq)             \
  X(DequantizeLinear, qdq)           \
  /* QONNX / FINN custom ops */      \
  X(Quant, qonnx)                    \
  X(IntQuant, qonnx)                 \
  X(BipolarQuant, qonnx)             \
  X(TruncV1, qonnx)                  \
  X(TruncV2, qonnx)                  \
  X(MultiThreshold, qonnx)           \
  X(Im2Col, im2col)                  \
  X(MaxPoolNHWC, maxpool_nhwc)       \
  /* recurrence */                   \
  X(Scan, scan)                      \
  X(QuantLSTMCell, quant_lstm_cell)  \
  X(LSTM, rnn)                       \
  X(GRU, rnn)                       \
  /* hardware layers (docs/hw_layers.md) */ \
  X(RecurrentLayer, hw_recurrent_layer) \
  X(MVAU, hw_mvau)                   \
  X(Thresholding, hw_thresholding)   \
  X(ConvolutionInputGenerator, hw_window) \
  X(StreamingMaxPool, hw_window)     \
  X(ElementwiseAdd, hw_eltwise)      \
  X(ElementwiseSub, hw_eltwise)      \
  X(ElementwiseMul, hw_eltwise)      \
  X(DuplicateStreams, hw_stream)     \
  X(StreamingDataWidthConverter, hw_stream) \
  X(StreamingFIFO, hw_stream)        \
  X(LabelSelect, hw_label_select)

#endif  // FINNGL_SRC_OPS_OP_LIST_H_
