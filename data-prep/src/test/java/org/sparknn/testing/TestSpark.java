package org.sparknn.testing;

import java.io.File;
import org.apache.spark.sql.SparkSession;

/**
 * One local SparkSession per test JVM: starting Spark costs seconds, so every test class shares
 * it. Scratch files go to java.io.tmpdir, which the build points into target/.
 */
public final class TestSpark {
    private static SparkSession session;

    private TestSpark() {
    }

    public static synchronized SparkSession session() {
        if (session == null) {
            String tmp = System.getProperty("java.io.tmpdir");
            session = SparkSession.builder()
                .master("local[4]") // four task slots: barrier stages of up to four partitions
                .appName("spark-nn-tests")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.default.parallelism", "2")
                .config("spark.local.dir", new File(tmp, "spark-local").getAbsolutePath())
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .config("spark.kryo.unsafe", "true")
                // as spark-conf/local.properties: no chmod process per file written
                .config("spark.hadoop.fs.file.impl", "org.sparknn.io.PosixLocalFileSystem")
                .getOrCreate();
            session.sparkContext().setLogLevel("WARN");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> session.stop()));
        }
        return session;
    }
}
