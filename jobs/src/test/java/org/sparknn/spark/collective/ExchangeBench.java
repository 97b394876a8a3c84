package org.sparknn.spark.collective;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SecurityManager;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import scala.Option;

/**
 * The latencies gang-scheduled training is built on, on this Spark version (run by bench/exchange):
 * <ul>
 *   <li>{@code BarrierTaskContext.allGather} of 1 KB and {@code barrier()} in local[2], 2 barrier
 *       tasks (median of {@code CALLS} calls each): what the one-time rendezvous costs;</li>
 *   <li>a round trip of the mlp's and the cnn's gradient (101,770 and 693,962 floats) through the
 *       exchange's transport between two servers of this JVM over loopback (the message really
 *       goes through the network), plain and with {@code spark.authenticate} and
 *       {@code spark.network.crypto.enabled}: median of {@code ROUNDS} after {@code WARMUP}.</li>
 * </ul>
 */
public final class ExchangeBench {
    static final int CALLS = 15;
    static final int WARMUP = 500;
    static final int ROUNDS = 500;

    private ExchangeBench() {
    }

    public static void main(String[] args) {
        System.out.println("Spark " + org.apache.spark.package$.MODULE$.SPARK_VERSION());
        StringBuilder results = new StringBuilder();
        SparkSession spark = args.length > 0 && args[0].equals("--transport-only") ? null
            : SparkSession.builder().appName("exchange-bench").getOrCreate();
        try {
            if (spark == null) {
                throw new SkipBarrier();
            }
            double[] barrier = barrierLatencies(JavaSparkContext.fromSparkContext(spark.sparkContext()));
            System.out.printf("barrier mode, 2 tasks: allGather of 1 KB %.1f ms, barrier() %.1f ms (medians of %d calls)%n",
                barrier[0], barrier[1], CALLS);
            results.append(String.format("RESULT barrier_allgather_ms %.1f%nRESULT barrier_barrier_ms %.1f%n", barrier[0],
                barrier[1]));
        } catch (SkipBarrier skipped) {
            System.out.println("barrier mode: not measured (--transport-only)");
        } finally {
            if (spark != null) {
                spark.stop();
            }
        }
        for (boolean secure : new boolean[] {false, true}) {
            for (int floats : new int[] {101_770, 693_962}) {
                double ms = roundTripMs(floats, secure);
                String size = floats == 101_770 ? "mlp" : "cnn";
                String how = secure ? "auth_crypto" : "plain";
                System.out.printf("transport round trip of the %s's gradient (%d KB), %s: %.2f ms (median of %d)%n", size,
                    floats * 4 / 1000, secure ? "authenticated and encrypted" : "plain", ms, ROUNDS);
                results.append(String.format("RESULT transport_rtt_%s_%s_ms %.2f%n", size, how, ms));
            }
        }
        System.out.print(results);
    }

    /** Medians of allGather (1 KB) and barrier() calls in a barrier stage of two tasks, ms. */
    static double[] barrierLatencies(JavaSparkContext sc) {
        JavaRDD<Integer> two = sc.parallelize(List.of(0, 1), 2);
        scala.reflect.ClassTag<double[]> tag = scala.reflect.ClassTag$.MODULE$.apply(double[].class);
        List<double[]> perTask = JavaRDD.fromRDD(two.rdd().barrier().mapPartitions(new Latencies(), false, tag), tag)
            .collect();
        return perTask.get(0);
    }

    /** A barrier task that times its allGather and barrier() calls. */
    static final class Latencies extends scala.runtime.AbstractFunction1<scala.collection.Iterator<Integer>,
        scala.collection.Iterator<double[]>> implements java.io.Serializable {
        @Override
        public scala.collection.Iterator<double[]> apply(scala.collection.Iterator<Integer> rows) {
            BarrierTaskContext ctx = BarrierTaskContext.get();
            String kb = "x".repeat(1024);
            double[] gather = new double[CALLS];
            double[] wait = new double[CALLS];
            ctx.barrier();
            for (int i = 0; i < CALLS; i++) {
                long t = System.nanoTime();
                ctx.allGather(kb);
                gather[i] = (System.nanoTime() - t) / 1e6;
            }
            for (int i = 0; i < CALLS; i++) {
                long t = System.nanoTime();
                ctx.barrier();
                wait[i] = (System.nanoTime() - t) / 1e6;
            }
            return scala.jdk.javaapi.CollectionConverters.asScala(
                List.of(new double[] {median(gather), median(wait)}).iterator());
        }
    }

    /** Median round trip of {@code floats} values between two transports of this JVM, ms. */
    static double roundTripMs(int floats, boolean secure) {
        try (Transport a = transport(secure); Transport b = transport(secure)) {
            // each side as another JVM sees it, so that messages go through the network
            Peer toB = new Peer("bench-jvm-b", "127.0.0.1", b.self().port());
            Peer toA = new Peer("bench-jvm-a", "127.0.0.1", a.self().port());
            float[] values = new float[floats];
            Arrays.fill(values, 0.5f);
            Exchange exchange = Exchange.get();
            String run = "exchange-bench-" + floats + "-" + secure;
            List<Double> times = new ArrayList<>();
            for (int i = 0; i < WARMUP + ROUNDS; i++) {
                Exchange.Slot there = new Exchange.Slot(run, 1, 0, 2L * i);
                Exchange.Slot back = new Exchange.Slot(run, 0, 1, 2L * i + 1);
                long t = System.nanoTime();
                a.send(toB, Exchange.encode(there, new Chunk(values, 0, floats, 0, 0, 0, 0)));
                Chunk got = exchange.take(there, 10_000_000_000L, () -> "the bench's message");
                b.send(toA, Exchange.encode(back, got));
                exchange.take(back, 10_000_000_000L, () -> "the bench's reply");
                if (i >= WARMUP) {
                    times.add((System.nanoTime() - t) / 1e6);
                }
            }
            return median(times.stream().mapToDouble(Double::doubleValue).toArray());
        }
    }

    private static Transport transport(boolean secure) {
        // the JVM's spark.* properties too: the transport's settings (spark.sparknn.io.*) can be tried
        SparkConf conf = new SparkConf(true).set("spark.app.id", "app-exchange-bench");
        if (secure) {
            conf.set("spark.authenticate", "true").set("spark.authenticate.secret", "bench-secret")
                .set("spark.network.crypto.enabled", "true");
        }
        SecurityManager security = new SecurityManager(conf, Option.empty(),
            org.apache.spark.internal.config.package$.MODULE$.AUTH_SECRET_FILE());
        return new Transport(conf, security, "127.0.0.1", "127.0.0.1", Exchange.get());
    }

    private static final class SkipBarrier extends RuntimeException {
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
