package org.sparknn.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.k8s.submit.KubernetesClientApplication;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Spark's own Kubernetes submission client, run against fabric8's mock API server (CRUD mode),
 * with spark-conf/k8s.properties and ops/k8s/pod-template.yaml as ops/submit passes them: the
 * driver pod it creates carries the labels the NetworkPolicy selects, the fixed ports, the auth
 * secret as a mounted file (no generated secret in the pod spec), the S3 credentials from the
 * Secret, and the restricted security context with a read-only root and emptyDir volumes.
 */
class KubernetesSubmissionTest {
    /**
     * fabric8's CRUD dispatcher, where a server-side apply of an absent object creates it, as the
     * API server does (Spark's client applies the driver's service and config map so).
     */
    static final class ApplyCreates extends KubernetesCrudDispatcher {
        @Override
        public MockResponse handlePatch(RecordedRequest request) {
            String type = request.getHeader("Content-Type");
            if (type != null && type.startsWith("application/apply-patch")
                    && handleGet(request.getPath().replaceFirst("\\?.*", "")).code() == 404) {
                return handleCreate(request);
            }
            return super.handlePatch(request);
        }
    }

    KubernetesMockServer server;
    KubernetesClient client;

    @BeforeEach
    void startServer() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new ApplyCreates(), false);
        server.init();
        client = server.createClient();
    }

    @AfterEach
    void stopServer() {
        client.close();
        server.destroy();
    }

    @Test
    void theDriverPodCarriesTheDeploymentsSecurityAndSecrets() throws Exception {
        Properties props = DeploymentFilesTest.properties("k8s");
        SparkConf conf = new SparkConf(false);
        for (String key : props.stringPropertyNames()) {
            conf.set(key, props.getProperty(key));
        }
        String template = DeploymentFilesTest.ROOT.resolve("ops/k8s/pod-template.yaml").toString();
        conf.set("spark.master", "k8s://" + server.url("/").replaceAll("/$", ""))
            .set("spark.app.name", "spark-nn-score")
            .set("spark.kubernetes.driver.podTemplateFile", template)
            .set("spark.kubernetes.executor.podTemplateFile", template)
            .set("spark.kubernetes.submission.waitAppCompletion", "false");
        new KubernetesClientApplication().start(new String[] {"--primary-java-resource",
            "local://" + DeploymentFilesTest.JAR_IN_IMAGE, "--main-class", "org.sparknn.jobs.ScoreJob",
            "--arg", "--model", "--arg", "s3a://bucket/models/cnn"}, conf);

        List<Pod> pods = client.pods().inNamespace("spark-nn").list().getItems();
        assertEquals(1, pods.size(), "one driver pod");
        Pod driver = pods.get(0);
        assertEquals("spark-nn", driver.getMetadata().getLabels().get("app.kubernetes.io/name"));
        assertEquals("spark-nn-driver", driver.getSpec().getServiceAccountName());
        assertTrue(driver.getSpec().getSecurityContext().getRunAsNonRoot());
        assertEquals("RuntimeDefault", driver.getSpec().getSecurityContext().getSeccompProfile().getType());

        Container c = driver.getSpec().getContainers().get(0);
        assertEquals("spark", c.getName());
        assertEquals(props.getProperty("spark.kubernetes.container.image"), c.getImage());
        assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem(), "read-only root");
        assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation());
        Set<Integer> ports = c.getPorts().stream().map(ContainerPort::getContainerPort).collect(Collectors.toSet());
        assertTrue(ports.containsAll(Set.of(7078, 7079)), ports.toString());

        Map<String, String> mounts = c.getVolumeMounts().stream()
            .collect(Collectors.toMap(VolumeMount::getMountPath, VolumeMount::getName, (a, b) -> a));
        Map<String, Volume> volumes = driver.getSpec().getVolumes().stream()
            .collect(Collectors.toMap(Volume::getName, v -> v));
        assertNotNull(volumes.get(mounts.get("/tmp")).getEmptyDir(), "/tmp is an emptyDir");
        assertNotNull(volumes.get(mounts.get("/opt/spark/work-dir")).getEmptyDir());
        Volume auth = volumes.get(mounts.get("/etc/spark-nn/auth"));
        assertEquals("spark-nn-auth", auth.getSecret().getSecretName(), "the auth secret is a mounted file");

        Map<String, EnvVar> env = c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
        assertEquals("spark-nn-s3", env.get("AWS_ACCESS_KEY_ID").getValueFrom().getSecretKeyRef().getName());
        assertEquals("AWS_SECRET_ACCESS_KEY", env.get("AWS_SECRET_ACCESS_KEY").getValueFrom().getSecretKeyRef().getKey());
        for (EnvVar e : c.getEnv()) {
            assertFalse(e.getName().contains("AUTH_SECRET") && e.getValue() != null, "no generated secret in the pod spec: " + e);
        }
    }
}
