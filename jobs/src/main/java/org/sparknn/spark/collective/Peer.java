package org.sparknn.spark.collective;

import java.io.Serializable;

/**
 * Where a task's exchange is reachable.
 *
 * @param jvm  the identity of the JVM that hosts it ({@link Exchange#JVM})
 * @param host its transport server's host, null when it has none (a JVM reached only in memory)
 * @param port its transport server's port, 0 when it has none
 */
public record Peer(String jvm, String host, int port) implements Serializable {
    /** True when the peer lives in this JVM: messages to it pass through memory. */
    public boolean inThisJvm() {
        return jvm.equals(Exchange.JVM);
    }

    @Override
    public String toString() {
        return host == null ? "this JVM" : host + ":" + port;
    }
}
