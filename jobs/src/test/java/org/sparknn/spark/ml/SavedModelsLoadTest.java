package org.sparknn.spark.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparknn.testing.TestSpark;

/**
 * Models, estimators and pipelines saved by earlier versions keep loading, and models score the
 * same: the fixture under src/test/resources/saved-models was written when the Spark ML classes
 * were org.sparknn.spark.NeuralNetClassifier and NeuralNetClassificationModel (see its README),
 * with the probabilities that model gave.
 */
class SavedModelsLoadTest {
    static final Path FIXTURE = Path.of("src/test/resources/saved-models");
    static Dataset<Row> rows;
    static List<double[]> expected;

    @BeforeAll
    static void read() throws IOException {
        List<Row> input = new ArrayList<>();
        expected = new ArrayList<>();
        for (String line : Files.readAllLines(FIXTURE.resolve("expected.csv")).subList(1, 13)) {
            String[] f = line.split(",");
            input.add(RowFactory.create(f[0], Vectors.dense(parse(f[1]))));
            expected.add(parse(f[2]));
        }
        rows = TestSpark.session().createDataFrame(input,
            new StructType().add("id", DataTypes.StringType).add("features", SQLDataTypes.VectorType()));
    }

    static double[] parse(String s) {
        return Arrays.stream(s.split(" ")).mapToDouble(Double::parseDouble).toArray();
    }

    static void scoresAsSaved(Transformer model) {
        List<Row> scored = model.transform(rows).select("id", "probability").orderBy("id").collectAsList();
        assertEquals(expected.size(), scored.size());
        for (int i = 0; i < scored.size(); i++) {
            assertArrayEquals(expected.get(i), ((Vector) scored.get(i).get(1)).toArray(), 1e-6, scored.get(i).getString(0));
        }
    }

    @Test
    void aSavedModelLoadsAndScoresAsItDidWhenSaved() {
        scoresAsSaved(NeuralNetClassificationModel.load(FIXTURE.resolve("model").toString()));
    }

    @Test
    void aSavedPipelineLoadsWithTheModelAsItsStage() {
        PipelineModel p = PipelineModel.load(FIXTURE.resolve("pipeline").toString());
        assertInstanceOf(NeuralNetClassificationModel.class, p.stages()[0]);
        scoresAsSaved(p);
    }

    @Test
    void aSavedEstimatorAndAnUnfittedPipelineLoadWithTheirParams() {
        NeuralNetClassifier estimator = NeuralNetClassifier.load(FIXTURE.resolve("estimator").toString());
        assertParams(estimator);
        Pipeline pipeline = Pipeline.load(FIXTURE.resolve("unfitted-pipeline").toString());
        assertParams((NeuralNetClassifier) pipeline.getStages()[0]);
    }

    static void assertParams(NeuralNetClassifier nnc) {
        assertEquals("mlp", nnc.getOrDefault(nnc.model()));
        assertEquals(2, (int) nnc.getOrDefault(nnc.epochs()));
        assertEquals(30, (int) nnc.getOrDefault(nnc.batchSize()));
        assertEquals(11L, (long) nnc.getOrDefault(nnc.seed()));
        assertArrayEquals(new int[] {1, 4, 4}, nnc.getOrDefault(nnc.inputShape()));
    }
}
