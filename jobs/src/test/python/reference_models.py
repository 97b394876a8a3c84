"""The other side of spark-nn's model import checks: builds the four seed architectures (mlp, mlp2,
cnn, cnn3) with random weights as Keras 3 models (saved as .keras and as legacy .h5) and as ONNX
graphs in the layouts PyTorch's exporter writes, and records each model's class probabilities on
the given MNIST images, computed by Keras and by onnxruntime.

    reference_models.py IMAGES_IDX OUT_DIR

IMAGES_IDX is an IDX image file (gzipped or not). OUT_DIR receives, per architecture A:
keras-A.keras, keras-A.h5, keras-A.probs; onnx-A.onnx, onnx-A.probs; and normalization.json, the
normalization the ONNX graphs without one of their own expect; and keras-unsupported.keras, a model
with a layer spark-nn does not have. A .probs file is float32
little-endian [images x 10].
"""
import gzip
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from keras import layers  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

MEAN, STD = 0.1307, 0.3081


def read_idx_images(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    n, h, w = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, h, w).astype(np.float32)


def keras_model(arch, raw):
    inp = [keras.Input((28, 28, 1)), layers.Rescaling(1 / 255.0)]
    if arch == "mlp":
        body = [layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")]
    elif arch == "mlp2":
        # standardized input, and logits at the end: spark-nn appends the softmax
        body = [layers.Normalization(mean=MEAN, variance=STD ** 2), layers.Flatten(), layers.Dense(64, activation="relu"),
                layers.Dense(64), layers.Activation("relu"), layers.Dense(10)]
    elif arch == "cnn":
        body = [layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2), layers.Dropout(0.25), layers.Flatten(),
                layers.Dense(128, activation="relu"), layers.Dropout(0.5), layers.Dense(10, activation="softmax")]
    elif arch == "cnn3":
        # a Normalization adapted to data keeps its statistics as weights, not in its config
        norm = layers.Normalization()
        norm.adapt(raw[:200] / 255.0)
        body = [norm, layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                layers.Conv2D(64, 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
                layers.Conv2D(64, 3, strides=2, activation="relu"), layers.Flatten(), layers.Dense(64, activation="relu"),
                layers.Dense(10), layers.Softmax()]
    else:
        raise ValueError(arch)
    model = keras.Sequential(inp + body)
    rng = np.random.default_rng(len(arch))
    for layer in model.layers:  # non-zero biases, so that their layout is checked too
        w = layer.get_weights()
        if len(w) == 2:
            layer.set_weights([w[0], rng.normal(0, 0.1, w[1].shape).astype(np.float32)])
    return model


def onnx_model(arch, rng):
    """PyTorch's layouts: NCHW input, Gemm with transB=1 and weight [out, in], Conv with explicit pads."""
    inits, nodes = [], []

    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def param(name, *shape):
        return const(name, rng.normal(0, 0.1, shape).astype(np.float32))

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def linear(x, name, n_in, n_out):
        w = rng.normal(0, np.sqrt(2.0 / n_in), (n_out, n_in)).astype(np.float32)
        return node("Gemm", [x, const(name + ".weight", w), param(name + ".bias", n_out)], name, transB=1)

    def conv(x, name, c_in, c_out, pads, strides=(1, 1)):
        w = rng.normal(0, np.sqrt(2.0 / (9 * c_in)), (c_out, c_in, 3, 3)).astype(np.float32)
        return node("Conv", [x, const(name + ".weight", w), param(name + ".bias", c_out)], name,
                    kernel_shape=[3, 3], pads=list(pads), strides=list(strides), dilations=[1, 1], group=1)

    x = "input"
    if arch == "mlp":
        # this graph normalizes its input itself: raw pixels / 255
        x = node("Div", [x, const("scale", np.array(255.0, dtype=np.float32))], "scale_input")
        x = node("Flatten", [x], "flatten", axis=1)
        x = node("Relu", [linear(x, "fc1", 784, 128)], "relu1")
        x = node("Softmax", [linear(x, "fc2", 128, 10)], "output", axis=1)
    elif arch == "mlp2":
        x = node("Reshape", [x, const("flat_shape", np.array([-1, 784], dtype=np.int64))], "reshape")
        x = node("Relu", [linear(x, "fc1", 784, 64)], "relu1")
        x = node("Relu", [linear(x, "fc2", 64, 64)], "relu2")
        w = rng.normal(0, 0.2, (64, 10)).astype(np.float32)
        x = node("MatMul", [x, const("fc3.weight", w)], "fc3_matmul")
        x = node("Add", [x, param("fc3.bias", 10)], "output")
    elif arch == "cnn":
        x = node("Relu", [conv(x, "conv1", 1, 32, (0, 0, 0, 0))], "relu1")
        x = node("MaxPool", [x], "pool1", kernel_shape=[2, 2], strides=[2, 2])
        x = node("Flatten", [x], "flatten", axis=1)
        x = node("Relu", [linear(x, "fc1", 32 * 13 * 13, 128)], "relu2")
        x = node("Identity", [x], "dropout")
        x = node("Softmax", [linear(x, "fc2", 128, 10)], "output", axis=1)
    elif arch == "cnn3":
        x = node("Relu", [conv(x, "conv1", 1, 32, (0, 0, 0, 0))], "relu1")
        x = node("MaxPool", [x], "pool1", kernel_shape=[2, 2], strides=[2, 2])
        x = node("Relu", [conv(x, "conv2", 32, 64, (1, 1, 1, 1))], "relu2")
        x = node("MaxPool", [x], "pool2", kernel_shape=[2, 2], strides=[2, 2])
        x = node("Relu", [conv(x, "conv3", 64, 64, (0, 0, 0, 0))], "relu3")
        x = node("Flatten", [x], "flatten", axis=1)
        x = node("Relu", [linear(x, "fc1", 64 * 4 * 4, 64)], "relu4")
        x = linear(x, "output", 64, 10)
    graph = helper.make_graph(
        nodes, "torch_" + arch,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1, 28, 28])],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["batch", 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model, full_check=True)
    return model


def softmax(z):
    z = z.astype(np.float64)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def main(images_path, out):
    os.makedirs(out, exist_ok=True)
    raw = read_idx_images(images_path)[:, :, :, None]  # NHWC, 0-255
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(11)
    with open(os.path.join(out, "normalization.json"), "w") as f:
        json.dump({"scale": 1 / 255.0, "mean": [MEAN], "std": [STD]}, f)
    for arch in ("mlp", "mlp2", "cnn", "cnn3"):
        model = keras_model(arch, raw)
        model.save(os.path.join(out, "keras-%s.keras" % arch))
        model.save(os.path.join(out, "keras-%s.h5" % arch))
        p = np.asarray(model.predict(raw, batch_size=250, verbose=0), dtype=np.float32)
        if arch == "mlp2":
            p = softmax(p)
        p.tofile(os.path.join(out, "keras-%s.probs" % arch))

        graph = onnx_model(arch, rng)
        onnx.save(graph, os.path.join(out, "onnx-%s.onnx" % arch))
        x = raw.transpose(0, 3, 1, 2).copy()  # NCHW
        if arch != "mlp":  # the others take standardized input, as a PyTorch model usually does
            x = ((x / np.float32(255.0)) - np.float32(MEAN)) / np.float32(STD)
        sess = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
        y = sess.run(None, {"input": x.astype(np.float32)})[0]
        if arch in ("mlp2", "cnn3"):  # logits
            y = softmax(y)
        y.astype(np.float32).tofile(os.path.join(out, "onnx-%s.probs" % arch))
    # one the engine cannot run: a batch normalization between its layers
    unsupported = keras.Sequential([keras.Input((28, 28, 1)), layers.Rescaling(1 / 255.0), layers.Conv2D(4, 3),
                                    layers.BatchNormalization(name="bn"), layers.Flatten(), layers.Dense(10)])
    unsupported.save(os.path.join(out, "keras-unsupported.keras"))
    print("reference models written to", out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
