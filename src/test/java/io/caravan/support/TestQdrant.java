package io.caravan.support;

import io.caravan.dev.qdrant.QdrantTestServer;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;

/**
 * One in-process Qdrant-protocol test server ({@link QdrantTestServer}: real gRPC, Qdrant's own service
 * definitions) for the whole test run, started on first use, and a real Qdrant Java client on it for
 * assertions.
 */
public final class TestQdrant {

    private static final class Holder {
        private static final QdrantTestServer SERVER = QdrantTestServer.start();
        private static final QdrantClient CLIENT =
                new QdrantClient(QdrantGrpcClient.newBuilder(SERVER.host(), SERVER.port(), false, false).build());

        static {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                CLIENT.close();
                SERVER.close();
            }, "test-qdrant-stop"));
        }
    }

    private TestQdrant() {
    }

    public static String host() {
        return Holder.SERVER.host();
    }

    public static int port() {
        return Holder.SERVER.port();
    }

    /** A client for assertions on what Caravan stored. */
    public static QdrantClient client() {
        return Holder.CLIENT;
    }
}
