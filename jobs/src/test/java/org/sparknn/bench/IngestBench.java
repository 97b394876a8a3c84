package org.sparknn.bench;

import java.util.Arrays;
import org.apache.spark.sql.SparkSession;
import org.sparknn.jobs.Jobs;

/**
 * Ingest throughput on local[2] (bench/ingest): MNIST's 70,000 images ingested from their IDX files
 * and from a tree of one PNG file per image, and a tree of photo-like 256x256 JPEGs ingested with
 * --resize to 64x64, each timed as a whole job (list, read, decode, write, count, publish) in one
 * Spark session; medians of the rounds after a warm-up round. The Pillow baseline (one Python
 * thread) was timed by bench/ingest_pil.py on the same JPEGs and comes in as arguments.
 *
 * <p>Arguments: mnist-raw dir, trees dir (png/, jpeg/), work dir, Pillow's images and seconds, rounds,
 * and optionally the parts to run (default idx,png,jpeg; RESULT lines need all three).
 */
public final class IngestBench {
    public static void main(String[] args) {
        String raw = args[0];
        String trees = args[1];
        String work = args[2];
        long pilImages = Long.parseLong(args[3]);
        double pilSeconds = Double.parseDouble(args[4]);
        int rounds = Integer.parseInt(args[5]);
        java.util.Set<String> parts = java.util.Set.of((args.length > 6 ? args[6] : "idx,png,jpeg").split(","));
        SparkSession spark = SparkSession.builder().appName("spark-nn ingest bench").getOrCreate();
        System.out.printf("master %s, Spark %s%n", spark.sparkContext().master(), spark.version());
        double[] idx = new double[rounds];
        double[] png = new double[rounds];
        double[] jpeg = new double[rounds];
        for (int r = -1; r < rounds; r++) {
            double idxRound = !parts.contains("idx") ? 0 : time(() -> Jobs.run(spark, "ingest", "--format", "idx", "--name", "mnist",
                "--train", raw + "/train-images-idx3-ubyte", "--train-labels", raw + "/train-labels-idx1-ubyte",
                "--test", raw + "/t10k-images-idx3-ubyte", "--test-labels", raw + "/t10k-labels-idx1-ubyte",
                "--output", work + "/idx", "--overwrite"));
            double pngRound = !parts.contains("png") ? 0 : time(() -> Jobs.run(spark, "ingest", "--format", "images", "--name", "mnist-png",
                "--train", trees + "/png/train", "--test", trees + "/png/test", "--output", work + "/png", "--overwrite"));
            double jpegRound = !parts.contains("jpeg") ? 0 : time(() -> Jobs.run(spark, "ingest", "--format", "images", "--name", "photos",
                "--train", trees + "/jpeg", "--height", "64", "--width", "64", "--channels", "3", "--resize",
                "--output", work + "/jpeg", "--overwrite"));
            System.out.printf("%s: IDX %.1f s, PNG tree %.1f s, JPEG tree (--resize 64) %.1f s%n",
                r < 0 ? "warm-up (not counted)" : "round " + (r + 1), idxRound, pngRound, jpegRound);
            if (r >= 0) {
                idx[r] = idxRound;
                png[r] = pngRound;
                jpeg[r] = jpegRound;
            }
        }
        if (parts.size() < 3) {
            spark.stop();
            return;
        }
        long mnistRows = rows(spark, work + "/idx");
        long pngRows = rows(spark, work + "/png");
        long jpegRows = rows(spark, work + "/jpeg");
        if (mnistRows != 70_000 || pngRows != 70_000 || jpegRows != pilImages) {
            throw new IllegalStateException("rows written: IDX " + mnistRows + ", PNG " + pngRows + ", JPEG " + jpegRows
                + " (expected 70000, 70000, " + pilImages + ")");
        }
        double idxRate = mnistRows / median(idx);
        double pngRate = pngRows / median(png);
        double jpegRate = jpegRows / median(jpeg);
        double pilRate = pilImages / pilSeconds;
        System.out.printf("%nmedian of %d rounds, whole jobs:%n", rounds);
        System.out.printf("  IDX ingest, 70,000 MNIST images:         %.1f s = %,.0f rows/s%n", median(idx), idxRate);
        System.out.printf("  PNG tree ingest, the same 70,000 images: %.1f s = %,.0f images/s (%.2f of IDX's; target >= 0.33)%n",
            median(png), pngRate, pngRate / idxRate);
        System.out.printf("  JPEG tree, %d photo-like 256x256, --resize 64: %.1f s = %,.0f images/s%n", jpegRows,
            median(jpeg), jpegRate);
        System.out.printf("  Pillow, one thread, open + convert + resize LANCZOS: %.1f s = %,.0f images/s (spark-nn %.2f of it;"
            + " target >= 0.50)%n", pilSeconds, pilRate, jpegRate / pilRate);
        spark.stop();
        System.out.printf("%nRESULT png_images_per_s %.0f%nRESULT idx_rows_per_s %.0f%nRESULT png_idx_ratio %.2f%n"
            + "RESULT jpeg_images_per_s %.0f%nRESULT pil_images_per_s %.0f%nRESULT jpeg_pil_ratio %.2f%n",
            pngRate, idxRate, pngRate / idxRate, jpegRate, pilRate, jpegRate / pilRate);
    }

    private static long rows(SparkSession spark, String dataset) {
        long n = 0;
        for (String split : new String[] {"train", "test"}) {
            if (new java.io.File(dataset, split).isDirectory()) {
                n += spark.read().parquet(dataset + "/" + split).count();
            }
        }
        return n;
    }

    private static double time(Runnable job) {
        long t0 = System.nanoTime();
        job.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private IngestBench() {
    }
}
