package io.caravan.platform.ops;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.qdrant.client.QdrantClient;
import io.qdrant.client.grpc.QdrantOuterClass.HealthCheckReply;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.stereotype.Component;

/**
 * The {@code qdrant} component of {@code /actuator/health}: asks Qdrant's gRPC health check at the
 * address the Camel qdrant component uses ({@code camel.component.qdrant.*}), through the one Qdrant client
 * of {@link io.caravan.platform.qdrant.QdrantClientConfiguration} (its own deadline per check).
 */
@Component
public class QdrantHealthIndicator extends AbstractHealthIndicator {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final QdrantClient client;
    private final String address;

    public QdrantHealthIndicator(
            QdrantClient client,
            @Value("${camel.component.qdrant.host:localhost}") String host,
            @Value("${camel.component.qdrant.port:6334}") int port) {
        super("Qdrant health check failed");
        this.client = client;
        this.address = host + ":" + port;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        HealthCheckReply reply = client.healthCheckAsync(TIMEOUT).get(TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS);
        builder.up().withDetail("address", address).withDetail("version", reply.getVersion());
    }
}
