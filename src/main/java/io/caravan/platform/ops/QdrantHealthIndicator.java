package io.caravan.platform.ops;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.grpc.QdrantOuterClass.HealthCheckReply;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.stereotype.Component;

/**
 * The {@code qdrant} component of {@code /actuator/health}: asks Qdrant's gRPC health check at the
 * address the Camel qdrant component uses ({@code camel.component.qdrant.*}).
 */
@Component
public class QdrantHealthIndicator extends AbstractHealthIndicator implements DisposableBean {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final QdrantClient client;
    private final String address;

    public QdrantHealthIndicator(
            @Value("${camel.component.qdrant.host:localhost}") String host,
            @Value("${camel.component.qdrant.port:6334}") int port,
            @Value("${camel.component.qdrant.tls:false}") boolean tls,
            @Value("${camel.component.qdrant.api-key:}") String apiKey) {
        super("Qdrant health check failed");
        QdrantGrpcClient.Builder grpc = QdrantGrpcClient.newBuilder(host, port, tls).withTimeout(TIMEOUT);
        if (!apiKey.isBlank()) {
            grpc.withApiKey(apiKey);
        }
        this.client = new QdrantClient(grpc.build());
        this.address = host + ":" + port;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        HealthCheckReply reply = client.healthCheckAsync(TIMEOUT).get(TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS);
        builder.up().withDetail("address", address).withDetail("version", reply.getVersion());
    }

    @Override
    public void destroy() {
        client.close();
    }
}
