package org.sparknn.spark.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.sparknn.testing.TestSpark;

class EvaluationTest {
    /** (true, predicted): 8 rows over classes 0-2; class 3 never occurs. */
    private static final int[][] PAIRS = {{0, 0}, {0, 0}, {0, 1}, {1, 1}, {1, 2}, {2, 2}, {2, 2}, {2, 0}};

    @Test
    void figuresEqualAHandCount() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < PAIRS.length; i++) {
            int label = PAIRS[i][0];
            int predicted = PAIRS[i][1];
            // right: 0.7 on the prediction; wrong: 0.5 on the prediction, 0.3 on the true class
            float[] p = {0.1f, 0.1f, 0.1f, 0.1f};
            p[predicted] = label == predicted ? 0.7f : 0.5f;
            if (label != predicted) {
                p[label] = 0.3f;
            }
            rows.add(RowFactory.create("r" + i, label, predicted, String.valueOf(predicted), p));
        }
        Evaluation e = Evaluation.of(TestSpark.session().createDataFrame(rows, Scorer.schema(true, 0)),
            List.of("a", "b", "c", "d"));

        // confusion by hand: true a -> [2 1 0], b -> [0 1 1], c -> [1 0 2]
        assertArrayEquals(new long[] {2, 1, 0, 0}, e.confusion()[0]);
        assertArrayEquals(new long[] {0, 1, 1, 0}, e.confusion()[1]);
        assertArrayEquals(new long[] {1, 0, 2, 0}, e.confusion()[2]);
        assertArrayEquals(new long[] {0, 0, 0, 0}, e.confusion()[3]);
        assertEquals(8, e.rows());
        assertEquals(5.0 / 8, e.accuracy(), 1e-12);
        // cross-entropy: 5 rows with p(true) = 0.7 and 3 with p(true) = 0.3
        assertEquals((5 * -Math.log(0.7f) + 3 * -Math.log(0.3f)) / 8, e.loss(), 1e-6);
        // a: 2 of 3 predicted right, 2 of 3 found; b: 1 of 2 and 1 of 2; c: 2 of 3 and 2 of 3
        double[][] prf = {{2.0 / 3, 2.0 / 3, 2.0 / 3}, {0.5, 0.5, 0.5}, {2.0 / 3, 2.0 / 3, 2.0 / 3}};
        long[] support = {3, 2, 3};
        for (int c = 0; c < 3; c++) {
            Evaluation.ClassMetrics m = e.perClass().get(c);
            assertEquals(prf[c][0], m.precision(), 1e-12, "precision " + c);
            assertEquals(prf[c][1], m.recall(), 1e-12, "recall " + c);
            assertEquals(prf[c][2], m.f1(), 1e-12, "f1 " + c);
            assertEquals(support[c], m.support());
        }
        Evaluation.ClassMetrics absent = e.perClass().get(3);
        assertEquals(0, absent.support());
        assertNull(absent.precision());
        // macro over the three classes present: (2/3 + 1/2 + 2/3) / 3 = 11/18
        assertEquals(11.0 / 18, e.macro().precision(), 1e-12);
        assertEquals(11.0 / 18, e.macro().recall(), 1e-12);
        assertEquals(11.0 / 18, e.macro().f1(), 1e-12);
        // weighted by support 3, 2, 3: (3 * 2/3 + 2 * 1/2 + 3 * 2/3) / 8 = 5/8
        assertEquals(5.0 / 8, e.weighted().precision(), 1e-12);
        assertEquals(5.0 / 8, e.weighted().recall(), 1e-12);
        assertEquals(5.0 / 8, e.weighted().f1(), 1e-12);
    }
}
