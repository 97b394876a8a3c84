package org.sparknn.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.spark.internal.config.ConfigEntry$;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * The deployment files parse and carry what they must: every Spark key exists in Spark, the
 * manifests name a real main class with options it accepts, the image and jar path agree with
 * ops/Dockerfile, pods run as non-root, and the nightly schedule cannot overlap itself.
 */
class DeploymentFilesTest {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final String JAR_IN_IMAGE = "/opt/spark-nn/spark-nn-app.jar";
    /** Prefixes of families of keys Spark reads by prefix rather than registering each one. */
    static final List<String> PREFIXES = List.of("spark.executorEnv.", "spark.kubernetes.driverEnv.",
        "spark.yarn.appMasterEnv.", "spark.hadoop.");
    /**
     * YARN keys used in spark-conf/yarn.properties. spark-yarn is not resolvable from this build's
     * repository, so its registry cannot be asked; these are the names in Spark's YARN config
     * (org.apache.spark.deploy.yarn.config).
     */
    static final Set<String> YARN_KEYS = Set.of("spark.yarn.maxAppAttempts");

    @BeforeAll
    static void loadSparkConfigRegistries() throws Exception {
        // Spark registers a key when the Scala object declaring it initializes
        for (String object : List.of("org.apache.spark.internal.config.package$", "org.apache.spark.internal.config.Kryo$",
            "org.apache.spark.internal.config.UI$", "org.apache.spark.internal.config.Network$",
            "org.apache.spark.internal.config.Deploy$", "org.apache.spark.internal.config.Worker$",
            "org.apache.spark.internal.config.Status$", "org.apache.spark.deploy.k8s.Config$",
            "org.apache.spark.sql.internal.SQLConf$")) {
            Class.forName(object).getField("MODULE$").get(null);
        }
    }

    static boolean sparkKnows(String key) {
        return ConfigEntry$.MODULE$.findEntry(key) != null
            || PREFIXES.stream().anyMatch(key::startsWith) || YARN_KEYS.contains(key);
    }

    static Properties properties(String env) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(ROOT.resolve("spark-conf/" + env + ".properties"))) {
            p.load(r);
        }
        return p;
    }

    @Test
    void propertiesFilesUseRealKeysAndCarryWhatTheJobsNeed() throws Exception {
        assertFalse(sparkKnows("spark.no.such.key"), "the check can fail");
        for (String env : List.of("local", "standalone", "yarn", "k8s")) {
            Properties p = properties(env);
            for (String key : p.stringPropertyNames()) {
                assertTrue(sparkKnows(key), env + ".properties: '" + key + "' is not a Spark configuration key");
            }
            assertEquals("org.apache.spark.serializer.KryoSerializer", p.getProperty("spark.serializer"), env);
            assertEquals("true", p.getProperty("spark.kryo.unsafe"), env);
            assertEquals("1", p.getProperty("spark.executorEnv.OPENBLAS_NUM_THREADS"), env);
            assertNotNull(p.getProperty("spark.task.maxDirectResultSize"), env);
            assertNotNull(p.getProperty("spark.driver.maxResultSize"), env);
            for (String key : p.stringPropertyNames()) {
                if (key.startsWith("spark.hadoop.fs.") && key.endsWith(".impl")) {
                    Class<?> impl = Class.forName(p.getProperty(key));
                    assertTrue(org.apache.hadoop.fs.FileSystem.class.isAssignableFrom(impl), env + ": " + key);
                }
            }
            if (env.equals("yarn") || env.equals("k8s")) {
                for (String secure : List.of("spark.authenticate", "spark.network.crypto.enabled", "spark.io.encryption.enabled")) {
                    assertEquals("true", p.getProperty(secure), env + ": " + secure);
                }
                assertEquals("cluster", p.getProperty("spark.submit.deployMode"), env);
            }
        }
        assertTrue(Files.exists(ROOT.resolve("spark-conf/log4j2.properties")));
    }

    @Test
    @SuppressWarnings("unchecked")
    void kubernetesManifestsAreCompleteAndMatchTheImage() throws Exception {
        String dockerfile = Files.readString(ROOT.resolve("ops/Dockerfile"));
        assertTrue(dockerfile.matches("(?s).*ARG SPARK_IMAGE=apache/spark:4\\.1\\.\\d+-scala2\\.13-java17-ubuntu.*"), "base image");
        assertTrue(dockerfile.contains("libopenblas0-pthread"), "native BLAS in the image");
        assertTrue(dockerfile.contains(JAR_IN_IMAGE), "jar path in the image");
        assertTrue(dockerfile.matches("(?s).*\\nUSER 185\\s*\\n.*"), "the image ends as the non-root user");

        Map<String, Object> sa = null;
        for (Object doc : new Yaml().loadAll(Files.readString(ROOT.resolve("ops/k8s/rbac.yaml")))) {
            Map<String, Object> m = (Map<String, Object>) doc;
            if (m.get("kind").equals("ServiceAccount")) {
                sa = m;
            }
            if (m.get("kind").equals("Role")) {
                for (Map<String, Object> rule : (List<Map<String, Object>>) m.get("rules")) {
                    assertFalse(((List<String>) rule.get("verbs")).contains("*"), "no wildcard verbs");
                    assertFalse(((List<String>) rule.get("resources")).contains("*"), "no wildcard resources");
                    assertFalse(((List<String>) rule.get("resources")).contains("secrets"), "the driver reads no secrets");
                }
            }
        }
        assertNotNull(sa, "rbac.yaml has a ServiceAccount");
        String account = (String) ((Map<String, Object>) sa.get("metadata")).get("name");
        String image = properties("k8s").getProperty("spark.kubernetes.container.image");

        Map<String, Object> train = new Yaml().load(Files.readString(ROOT.resolve("ops/k8s/train.yaml")));
        assertEquals("SparkApplication", train.get("kind"));
        checkApplication((Map<String, Object>) train.get("spec"), account, image);

        Map<String, Object> nightly = new Yaml().load(Files.readString(ROOT.resolve("ops/k8s/score-nightly.yaml")));
        assertEquals("ScheduledSparkApplication", nightly.get("kind"));
        Map<String, Object> spec = (Map<String, Object>) nightly.get("spec");
        assertEquals(5, ((String) spec.get("schedule")).trim().split("\\s+").length, "a five-field cron schedule");
        assertEquals("Forbid", spec.get("concurrencyPolicy"));
        assertTrue((Integer) spec.get("successfulRunHistoryLimit") > 0 && (Integer) spec.get("failedRunHistoryLimit") > 0);
        Map<String, Object> template = (Map<String, Object>) spec.get("template");
        checkApplication(template, account, image);
        assertEquals("org.sparknn.jobs.ScoreJob", template.get("mainClass"));
        assertTrue(((List<String>) template.get("arguments")).contains("--run-date"), "scheduled scoring writes dated partitions");
    }

    @SuppressWarnings("unchecked")
    private static void checkApplication(Map<String, Object> spec, String account, String image) throws Exception {
        assertEquals("cluster", spec.get("mode"));
        assertEquals(image, spec.get("image"), "the image of spark-conf/k8s.properties");
        assertEquals("local://" + JAR_IN_IMAGE, spec.get("mainApplicationFile"));
        assertTrue(((String) spec.get("sparkVersion")).startsWith("4.1"));
        // the main class exists and accepts the arguments
        String mainClass = (String) spec.get("mainClass");
        Class<?> job = Class.forName(mainClass);
        assertNotNull(job.getMethod("main", String[].class));
        List<String> args = (List<String>) spec.get("arguments");
        new CommandLine(job.getDeclaredConstructor().newInstance()).parseArgs(args.toArray(new String[0]));
        for (String key : ((Map<String, Object>) spec.get("sparkConf")).keySet()) {
            assertTrue(sparkKnows(key), mainClass + ": sparkConf '" + key + "' is not a Spark configuration key");
        }
        for (String role : List.of("driver", "executor")) {
            Map<String, Object> pod = (Map<String, Object>) spec.get(role);
            for (String field : List.of("cores", "coreLimit", "memory")) {
                assertNotNull(pod.get(field), role + "." + field);
            }
            Map<String, Object> security = (Map<String, Object>) pod.get("securityContext");
            assertEquals(Boolean.TRUE, security.get("runAsNonRoot"), role);
            assertTrue((Integer) security.get("runAsUser") > 0, role);
            assertEquals(Boolean.FALSE, security.get("allowPrivilegeEscalation"), role);
        }
        assertEquals(account, ((Map<String, Object>) spec.get("driver")).get("serviceAccount"));
    }

    @Test
    void yarnCronEntrySubmitsDatedScoring() throws IOException {
        List<String> entries = new ArrayList<>();
        for (String line : Files.readAllLines(ROOT.resolve("ops/yarn/crontab"))) {
            if (!line.isBlank() && !line.startsWith("#") && !line.matches("[A-Z_]+=.*")) {
                entries.add(line);
            }
        }
        assertEquals(1, entries.size());
        String[] fields = entries.get(0).split("\\s+", 6);
        assertEquals("0 2 * * *", String.join(" ", List.of(fields).subList(0, 5)));
        assertTrue(fields[5].contains("ops/submit yarn score") && fields[5].contains("--run-date $(date +\\%F)"), fields[5]);
    }
}
