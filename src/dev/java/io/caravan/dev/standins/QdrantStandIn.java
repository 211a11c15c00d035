package io.caravan.dev.standins;

import io.caravan.dev.qdrant.QdrantTestServer;

/** Caravan's in-memory server speaking Qdrant's gRPC protocol: the same one the tests use. */
final class QdrantStandIn {

    private QdrantStandIn() {
    }

    static StandIn start() {
        QdrantTestServer server = QdrantTestServer.start();
        return new StandIn("Qdrant", "in-memory Qdrant gRPC test server (io.caravan.dev.qdrant, not Qdrant)",
                server.host() + ":" + server.port(), "none: in memory, empty after a restart",
                "exact search only; no persistence, snapshots, payload indexes, sparse vectors", server);
    }
}
