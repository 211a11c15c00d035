package io.caravan.dev.qdrant;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process, in-memory <b>test server</b> that speaks Qdrant's gRPC protocol, for tests and
 * as a local stand-in where no Qdrant runs. It is not Qdrant: it announces itself as
 * {@value #TITLE} with version {@value #VERSION}, and keeps nothing on disk.
 * It listens on {@code 127.0.0.1} only, on a free port; point the real
 * {@code io.qdrant.client.QdrantClient} or Camel's {@code qdrant:} endpoint at {@link #host()}
 * and {@link #port()} without TLS (and, for the Java client, with its version check turned off).
 *
 * <p>What it covers, with Qdrant's semantics and error codes:
 * <ul>
 *   <li>{@code qdrant.Qdrant/HealthCheck} and the standard {@code grpc.health.v1.Health/Check};</li>
 *   <li>{@code qdrant.Collections}: Create (one unnamed dense vector or named dense vectors, with
 *       Cosine, Dot, Euclid or Manhattan distance), Get, List, Delete, CollectionExists;</li>
 *   <li>{@code qdrant.Points}: Upsert (numeric or UUID ids, payload, optional update filter),
 *       Delete (by ids or filter), Get, Search, Query (nearest to a dense vector or to an
 *       existing point's vector), Scroll, Count; with {@code limit}, {@code offset},
 *       {@code score_threshold} and payload/vector selectors;</li>
 *   <li>filters: {@code must}, {@code must_not}, {@code should}, {@code min_should}, nested
 *       filters, match (keyword, integer, bool, text, any, except), numeric range,
 *       values count, is_empty, is_null, has_id, has_vector and nested-array conditions.</li>
 * </ul>
 * Search is exact (brute force), scores are reported as Qdrant reports them (cosine similarity,
 * dot product, Euclidean or Manhattan distance) and cosine vectors are stored normalised, so
 * they come back normalised, as from Qdrant.
 *
 * <p>What it does not cover: persistence, snapshots, sharding and replication, aliases,
 * collection updates, payload and field-index operations, sparse and multi-vectors, quantization,
 * batch/group/recommend/discover/facet/matrix calls, prefetch and fusion queries, geo and datetime
 * filters, full-text tokenisation (text matching is a substring check) and API keys. Unknown RPCs
 * answer {@code UNIMPLEMENTED} naming the method; unsupported options inside a supported call
 * answer {@code UNIMPLEMENTED} naming the option.
 *
 * <p>All calls are thread-safe; each collection applies a write batch atomically.
 */
public final class QdrantTestServer implements AutoCloseable {

    /** Reported by the health check; the suffix keeps it from being mistaken for a Qdrant release. */
    public static final String VERSION = "1.16.2-test";

    /** Reported by the health check where Qdrant reports its own name. */
    public static final String TITLE = "caravan-qdrant-test-server (in-memory test server, not Qdrant)";

    private static final Logger LOG = LoggerFactory.getLogger(QdrantTestServer.class);
    private static final String HOST = "127.0.0.1";
    private static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

    private final Server server;
    private final int port;

    private QdrantTestServer(Server server) {
        this.server = server;
        // gRPC refuses getPort() once terminated; close() still wants to log it.
        this.port = server.getPort();
    }

    /** Starts a fresh, empty server on a free loopback port. */
    public static QdrantTestServer start() {
        CollectionStore store = new CollectionStore();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(HOST, 0))
                .addService(new HealthServices.QdrantService())
                .addService(new HealthServices.GrpcHealthService())
                .addService(new CollectionsService(store))
                .addService(new PointsService(store))
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the " + TestServerStatus.SERVER_NAME + " on " + HOST, e);
        }
        LOG.info("{} {} (in-memory, not Qdrant) listening on {}:{}",
                TestServerStatus.SERVER_NAME, VERSION, HOST, server.getPort());
        return new QdrantTestServer(server);
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    /** Stops accepting calls, lets running calls finish briefly, then cuts the rest off. */
    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
                server.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        LOG.info("{} on {}:{} stopped", TestServerStatus.SERVER_NAME, HOST, port);
    }
}
