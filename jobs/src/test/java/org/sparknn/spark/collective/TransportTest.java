package org.sparknn.spark.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.SecurityManager;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import scala.Option;

/** The exchange's transport: Spark's, with its authentication and encryption, between two servers in this JVM. */
class TransportTest {
    private static Transport transport(String secret) {
        SparkConf conf = new SparkConf(false).set("spark.app.id", "app-transport-test").set("spark.authenticate", "true")
            .set("spark.authenticate.secret", secret).set("spark.network.crypto.enabled", "true");
        SecurityManager security = new SecurityManager(conf, Option.empty(),
            org.apache.spark.internal.config.package$.MODULE$.AUTH_SECRET_FILE());
        return new Transport(conf, security, "127.0.0.1", "127.0.0.1", Exchange.get());
    }

    @Test
    void chunksTravelEncryptedToAnAuthenticatedPeerOnly() {
        try (Transport server = transport("the-secret"); Transport client = transport("the-secret");
             Transport stranger = transport("another-secret")) {
            // the server as another JVM would see it, so the message goes through the network
            Peer remote = new Peer("another-jvm", "127.0.0.1", server.self().port());
            Exchange.Slot slot = new Exchange.Slot("transport-test", 1, 0, 42);
            float[] values = {0.5f, -1.25f, 3f, Float.MIN_VALUE, 7f};
            client.send(remote, Exchange.encode(slot, new Chunk(values, 1, 3, 2.5, 3, 4, 3.75)));
            Chunk got = Exchange.get().take(slot, 10_000_000_000L, () -> "the chunk");
            assertArrayEquals(new float[] {-1.25f, 3f, Float.MIN_VALUE}, got.copy());
            assertEquals(2.5, got.loss());
            assertEquals(3, got.correct());
            assertEquals(4, got.count());
            assertEquals(3.75, got.weight());

            Exchange.Slot none = new Exchange.Slot("transport-test", 1, 0, 43);
            client.send(remote, Exchange.encode(none, new Chunk(null, 0, 0, 1, 0, 0, 0)));
            assertEquals(null, Exchange.get().take(none, 10_000_000_000L, () -> "the empty chunk").values(),
                "a partition without rows sends no values");

            IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> stranger.send(remote, Exchange.encode(slot, new Chunk(values, 0, 5, 0, 0, 0, 0))));
            assertTrue(e.getMessage().startsWith("cannot reach the exchange at 127.0.0.1:" + server.self().port()),
                e.getMessage());
            assertEquals(0, Exchange.get().waiting(), "nothing from the client without the secret was delivered");
        }
    }
}
