package org.sparknn.spark.collective;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.network.TransportContext;
import org.apache.spark.network.client.RpcResponseCallback;
import org.apache.spark.network.client.TransportClient;
import org.apache.spark.network.client.TransportClientBootstrap;
import org.apache.spark.network.client.TransportClientFactory;
import org.apache.spark.network.crypto.AuthClientBootstrap;
import org.apache.spark.network.crypto.AuthServerBootstrap;
import org.apache.spark.network.netty.SparkTransportConf;
import org.apache.spark.network.server.OneForOneStreamManager;
import org.apache.spark.network.server.RpcHandler;
import org.apache.spark.network.server.StreamManager;
import org.apache.spark.network.server.TransportServer;
import org.apache.spark.network.server.TransportServerBootstrap;
import org.apache.spark.network.util.TransportConf;
import scala.Option;

/**
 * Spark's own network transport between the exchanges of different JVMs: a
 * {@link TransportServer} per JVM and pooled clients, with the application's security settings.
 * With {@code spark.authenticate} every connection runs Spark's authentication handshake (the
 * application's shared secret), and with {@code spark.network.crypto.enabled} the handshake also
 * sets up encryption; a client without the secret is refused before any message is read.
 * Messages are one-way and arrive in the order they were sent on a connection.
 */
final class Transport implements AutoCloseable {
    /** The port the exchange listens on (0: any free port). */
    static final String PORT_KEY = "spark.sparknn.exchange.port";

    private final TransportContext context;
    private final TransportServer server;
    private final TransportClientFactory clients;
    private final Peer self;

    /** Starts this JVM's server with the settings of its Spark environment (executor or driver). */
    static Transport start(SparkEnv env, Exchange exchange) {
        SparkConf conf = env.conf();
        String host = env.blockManager().blockManagerId().host();
        String bind = env.executorId().equals("driver") ? conf.get("spark.driver.bindAddress", host) : host;
        return new Transport(conf, env.securityManager(), bind, host, exchange);
    }

    Transport(SparkConf conf, org.apache.spark.SecurityManager security, String bindHost, String advertisedHost,
              Exchange exchange) {
        TransportConf transportConf = SparkTransportConf.fromSparkConf(conf, "sparknn", 1, Option.empty(), Option.empty());
        List<TransportServerBootstrap> serverBootstraps = List.of();
        List<TransportClientBootstrap> clientBootstraps = List.of();
        if (security.isAuthenticationEnabled()) {
            serverBootstraps = List.of(new AuthServerBootstrap(transportConf, security));
            clientBootstraps = List.of(new AuthClientBootstrap(transportConf, conf.getAppId(), security));
        }
        this.context = new TransportContext(transportConf, new Handler(exchange), true);
        this.server = context.createServer(bindHost, conf.getInt(PORT_KEY, 0), serverBootstraps);
        this.clients = context.createClientFactory(clientBootstraps);
        this.self = new Peer(Exchange.JVM, advertisedHost, server.getPort());
    }

    Peer self() {
        return self;
    }

    /** Sends {@code message} to {@code peer}'s exchange, opening (and authenticating) a connection when there is none. */
    void send(Peer peer, ByteBuffer message) {
        try {
            clients.createClient(peer.host(), peer.port()).send(message);
        } catch (IOException | RuntimeException e) {
            // a refused authentication handshake comes as a RuntimeException
            throw new IllegalStateException("cannot reach the exchange at " + peer + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to the exchange at " + peer, e);
        }
    }

    @Override
    public void close() {
        clients.close();
        server.close();
        context.close();
    }

    /** Puts every received message into this JVM's exchange. */
    private static final class Handler extends RpcHandler {
        private final Exchange exchange;
        private final StreamManager streams = new OneForOneStreamManager();

        Handler(Exchange exchange) {
            this.exchange = exchange;
        }

        @Override
        public void receive(TransportClient client, ByteBuffer message, RpcResponseCallback callback) {
            exchange.received(message);
            callback.onSuccess(ByteBuffer.allocate(0));
        }

        @Override
        public void receive(TransportClient client, ByteBuffer message) {
            exchange.received(message);
        }

        @Override
        public StreamManager getStreamManager() {
            return streams;
        }
    }
}
