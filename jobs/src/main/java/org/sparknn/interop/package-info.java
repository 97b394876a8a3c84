/**
 * Models in and out of other formats, without Spark: ONNX export ({@link org.sparknn.interop.OnnxExport}) and
 * import ({@link org.sparknn.interop.OnnxImport}), and Keras 3 import ({@link org.sparknn.interop.KerasImport}),
 * converting between the engine's layouts and theirs. ONNX's classes are generated at build time from the
 * vendored {@code onnx.proto}.
 */
package org.sparknn.interop;
