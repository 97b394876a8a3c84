package org.sparknn.spark.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.sparknn.nn.io.ModelDirectory;
import org.sparknn.nn.layer.Activation;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.spec.LayerSpec;
import org.sparknn.nn.spec.ModelSpec;
import org.sparknn.nn.spec.NetworkSpec;
import org.sparknn.nn.spec.Normalization;
import org.sparknn.spark.input.InputTransform;
import org.sparknn.testing.TestSpark;

/**
 * Scorer's rows against the engine run on one row at a time, for a network that ends with a
 * softmax (probabilities are its output) and one that does not (the scorer applies the softmax),
 * over more rows than one batch holds.
 */
class ScorerTest {
    static final int ROWS = 600;
    static final List<String> CLASSES = List.of("a", "b", "c", "d");

    private static void assertScoresAsTheEngine(String lastActivation) {
        SparkSession spark = TestSpark.session();
        Shape input = new Shape(1, 4, 4);
        NetworkSpec spec = new NetworkSpec(input, List.of(LayerSpec.flatten(), LayerSpec.dense(8, "tanh"),
            LayerSpec.dense(CLASSES.size(), lastActivation)));
        Network net = Network.build(spec);
        float[] params = net.initialParams(5);
        ModelDirectory model = new ModelDirectory(ModelSpec.of(spec, CLASSES, Normalization.scaleOnly(1.0)), net, params);

        SplittableRandom rng = new SplittableRandom(9);
        List<Row> rows = new ArrayList<>();
        Map<String, float[]> features = new HashMap<>();
        for (int i = 0; i < ROWS; i++) {
            float[] x = new float[input.size()];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) (rng.nextDouble() * 4 - 2);
            }
            features.put("r" + i, x);
            rows.add(RowFactory.create("r" + i, i % CLASSES.size(), x));
        }
        StructType schema = new StructType().add("id", DataTypes.StringType, false).add("label", DataTypes.IntegerType)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, false));
        List<Row> scored = new Scorer(model).score(spark, spark.createDataFrame(rows, schema).repartition(2), true,
            InputTransform.NONE, 3).collectAsList();
        assertEquals(ROWS, scored.size());

        Network.Workspace ws = net.workspace(1);
        for (Row r : scored) {
            String id = r.getString(r.fieldIndex("id"));
            System.arraycopy(features.get(id), 0, ws.input(), 0, input.size());
            float[] out = net.forward(params, ws, 1);
            float[] expected = new float[CLASSES.size()];
            if (net.endsWithSoftmax()) {
                System.arraycopy(out, 0, expected, 0, expected.length);
            } else {
                Activation.softmax(net.rawOutput(ws), 0, expected, 0, expected.length);
            }
            List<Float> probability = r.getList(r.fieldIndex("probability"));
            float[] got = new float[probability.size()];
            for (int c = 0; c < got.length; c++) {
                got[c] = probability.get(c);
            }
            assertArrayEquals(expected, got, 1e-6f, id);
            int predicted = Network.argMax(expected, 0, expected.length);
            assertEquals(predicted, r.getInt(r.fieldIndex("prediction")), id);
            assertEquals(CLASSES.get(predicted), r.getString(r.fieldIndex("predicted_class")), id);
            List<Row> top = r.getList(r.fieldIndex("top_k"));
            assertEquals(3, top.size());
            assertEquals(predicted, top.get(0).getInt(0), id);
            for (int j = 0; j < top.size(); j++) {
                int c = top.get(j).getInt(0);
                assertEquals(CLASSES.get(c), top.get(j).getString(1));
                assertEquals(got[c], top.get(j).getFloat(2), id);
                assertTrue(j == 0 || top.get(j - 1).getFloat(2) >= top.get(j).getFloat(2), id + ": most probable first");
            }
        }
    }

    @Test
    void softmaxNetworkScoresAsTheEngine() {
        assertScoresAsTheEngine("softmax");
    }

    @Test
    void linearNetworkGetsTheSoftmaxOfItsScores() {
        assertScoresAsTheEngine("linear");
    }
}
