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
        "spark.yarn.appMasterEnv.", "spark.hadoop.", "spark.kubernetes.driver.label.", "spark.kubernetes.executor.label.",
        "spark.kubernetes.driver.secrets.", "spark.kubernetes.executor.secrets.", "spark.kubernetes.driver.secretKeyRef.",
        "spark.kubernetes.executor.secretKeyRef.");
    /** The ports the NetworkPolicy admits: driver RPC, block managers, the barrier-mode exchange. */
    static final Set<Integer> POD_PORTS = Set.of(7078, 7079, 7080);
    static final String AUTH_DIR = "/etc/spark-nn/auth";
    /**
     * Keys Spark reads without registering a config entry for them: spark.port.maxRetries
     * (Utils.portMaxRetries) and the YARN keys, whose registry (org.apache.spark.deploy.yarn.config)
     * is not on this module's test classpath.
     */
    static final Set<String> UNREGISTERED_KEYS = Set.of("spark.yarn.maxAppAttempts", "spark.port.maxRetries");

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
            || PREFIXES.stream().anyMatch(key::startsWith) || UNREGISTERED_KEYS.contains(key);
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
                if (key.startsWith("spark.hadoop.fs.AbstractFileSystem.") && key.endsWith(".impl")) {
                    // a file system of Hadoop's FileContext API
                    Class<?> impl = Class.forName(p.getProperty(key));
                    assertTrue(org.apache.hadoop.fs.AbstractFileSystem.class.isAssignableFrom(impl), env + ": " + key);
                } else if (key.startsWith("spark.hadoop.fs.") && key.endsWith(".impl")) {
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
        assertTrue(dockerfile.matches("(?s).*ARG SPARK_IMAGE=apache/spark:4\\.2\\.0-scala2\\.13-java17-ubuntu.*"), "base image");
        assertTrue(dockerfile.contains("COPY ops/image/pom.xml") && dockerfile.contains("COPY --from=s3a-jars /jars/ /opt/spark/jars/"),
            "the S3A jars come from a Maven build stage");
        String imagePom = Files.readString(ROOT.resolve("ops/image/pom.xml"));
        assertTrue(imagePom.contains("<hadoop.version>" + org.apache.hadoop.util.VersionInfo.getVersion() + "</hadoop.version>"),
            "hadoop-aws at the Hadoop version of the build's Spark, " + org.apache.hadoop.util.VersionInfo.getVersion());
        assertTrue(imagePom.contains("<artifactId>hadoop-aws</artifactId>"));
        assertTrue(dockerfile.contains("ops/k8s/pod-template.yaml"), "the pod template in the image");
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
        Map<String, Object> namespace = null;
        Map<String, Object> policy = null;
        for (Object doc : new Yaml().loadAll(Files.readString(ROOT.resolve("ops/k8s/rbac.yaml")))) {
            Map<String, Object> m = (Map<String, Object>) doc;
            namespace = m.get("kind").equals("Namespace") ? m : namespace;
            policy = m.get("kind").equals("NetworkPolicy") ? m : policy;
        }
        Map<String, Object> nsLabels = (Map<String, Object>) ((Map<String, Object>) namespace.get("metadata")).get("labels");
        assertEquals("restricted", nsLabels.get("pod-security.kubernetes.io/enforce"), "Pod Security restricted");
        Map<String, Object> policySpec = (Map<String, Object>) policy.get("spec");
        assertEquals(Map.of("matchLabels", Map.of("app.kubernetes.io/name", "spark-nn")), policySpec.get("podSelector"));
        Set<Integer> admitted = new java.util.HashSet<>();
        for (Map<String, Object> rule : (List<Map<String, Object>>) policySpec.get("ingress")) {
            assertEquals(List.of(Map.of("podSelector", Map.of("matchLabels", Map.of("app.kubernetes.io/name", "spark-nn")))),
                rule.get("from"), "only the application's pods");
            for (Map<String, Object> port : (List<Map<String, Object>>) rule.get("ports")) {
                admitted.add((Integer) port.get("port"));
            }
        }
        assertEquals(POD_PORTS, admitted);
        Properties k8s = properties("k8s");
        checkPorts(k8s::getProperty, "k8s.properties");
        assertEquals(AUTH_DIR + "/secret", k8s.getProperty("spark.authenticate.secret.file"));
        for (String role : List.of("driver", "executor")) {
            assertEquals(AUTH_DIR, k8s.getProperty("spark.kubernetes." + role + ".secrets.spark-nn-auth"), role);
            assertEquals("spark-nn", k8s.getProperty("spark.kubernetes." + role + ".label.app.kubernetes.io/name"), role);
            assertEquals("spark-nn-s3:AWS_SECRET_ACCESS_KEY",
                k8s.getProperty("spark.kubernetes." + role + ".secretKeyRef.AWS_SECRET_ACCESS_KEY"), role);
        }
        checkPodTemplate(new Yaml().load(Files.readString(ROOT.resolve("ops/k8s/pod-template.yaml"))));
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
        assertTrue(((String) spec.get("sparkVersion")).startsWith("4.2"));
        // the main class exists and accepts the arguments
        String mainClass = (String) spec.get("mainClass");
        Class<?> job = Class.forName(mainClass);
        assertNotNull(job.getMethod("main", String[].class));
        List<String> args = (List<String>) spec.get("arguments");
        new CommandLine(job.getDeclaredConstructor().newInstance()).parseArgs(args.toArray(new String[0]));
        Map<String, Object> conf = (Map<String, Object>) spec.get("sparkConf");
        for (String key : conf.keySet()) {
            assertTrue(sparkKnows(key), mainClass + ": sparkConf '" + key + "' is not a Spark configuration key");
        }
        checkPorts(k -> (String) conf.get(k), mainClass);
        assertEquals(AUTH_DIR + "/secret", conf.get("spark.authenticate.secret.file"), mainClass);
        Map<String, Map<String, Object>> volumes = new java.util.HashMap<>();
        for (Map<String, Object> v : (List<Map<String, Object>>) spec.get("volumes")) {
            volumes.put((String) v.get("name"), v);
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
            assertEquals(Boolean.TRUE, security.get("readOnlyRootFilesystem"), role);
            assertEquals(List.of(Map.of("name", "spark-nn-auth", "path", AUTH_DIR, "secretType", "Generic")), pod.get("secrets"), role);
            assertEquals(List.of(Map.of("secretRef", Map.of("name", "spark-nn-s3"))), pod.get("envFrom"), role);
            assertEquals("spark-nn", ((Map<String, Object>) pod.get("labels")).get("app.kubernetes.io/name"), role);
            Set<String> writable = new java.util.HashSet<>();
            for (Map<String, Object> mount : (List<Map<String, Object>>) pod.get("volumeMounts")) {
                assertTrue(volumes.get(mount.get("name")).containsKey("emptyDir"), role + ": " + mount);
                writable.add((String) mount.get("mountPath"));
            }
            assertEquals(Set.of("/tmp", "/opt/spark/work-dir"), writable, role + ": writable directories");
        }
        assertEquals(account, ((Map<String, Object>) spec.get("driver")).get("serviceAccount"));
    }

    /** The Spark ports are fixed to those the NetworkPolicy admits, with no retries onto others. */
    private static void checkPorts(java.util.function.Function<String, String> conf, String where) {
        for (String key : List.of("spark.driver.port", "spark.driver.blockManager.port", "spark.blockManager.port")) {
            assertTrue(POD_PORTS.contains(Integer.parseInt(conf.apply(key))), where + ": " + key);
        }
        assertEquals("0", conf.apply("spark.port.maxRetries"), where);
    }

    @SuppressWarnings("unchecked")
    private static void checkPodTemplate(Map<String, Object> pod) throws IOException {
        Map<String, Object> spec = (Map<String, Object>) pod.get("spec");
        Map<String, Object> podSecurity = (Map<String, Object>) spec.get("securityContext");
        assertEquals(Boolean.TRUE, podSecurity.get("runAsNonRoot"));
        assertEquals(Map.of("type", "RuntimeDefault"), podSecurity.get("seccompProfile"));
        Map<String, Object> container = ((List<Map<String, Object>>) spec.get("containers")).get(0);
        assertEquals(properties("k8s").getProperty("spark.kubernetes.driver.podTemplateContainerName"), container.get("name"));
        Map<String, Object> security = (Map<String, Object>) container.get("securityContext");
        assertEquals(Boolean.TRUE, security.get("readOnlyRootFilesystem"));
        assertEquals(Boolean.FALSE, security.get("allowPrivilegeEscalation"));
        assertEquals(Map.of("drop", List.of("ALL")), security.get("capabilities"));
        Set<String> mounts = new java.util.HashSet<>();
        for (Map<String, Object> m : (List<Map<String, Object>>) container.get("volumeMounts")) {
            mounts.add((String) m.get("mountPath"));
        }
        assertEquals(Set.of("/tmp", "/opt/spark/work-dir"), mounts);
        for (Map<String, Object> v : (List<Map<String, Object>>) spec.get("volumes")) {
            assertTrue(v.containsKey("emptyDir"), v.toString());
        }
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
