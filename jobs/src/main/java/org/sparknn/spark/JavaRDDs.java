package org.sparknn.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/** Small helpers over Spark's Java API. */
final class JavaRDDs {
    private JavaRDDs() {
    }

    static <T> Broadcast<T> broadcast(SparkSession spark, T value) {
        return JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(value);
    }
}
