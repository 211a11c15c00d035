package io.caravan.platform.qdrant;

import java.time.Duration;

import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The application's one Qdrant Java client (commerce-events' vectors, the {@code qdrant} health check),
 * for the operations Camel's {@code qdrant} component does not offer (conditional upserts, scrolling,
 * queries with a per-request filter, collection checks). It is built from the same settings as the component ({@code camel.component.qdrant.*}), so both talk to
 * the same Qdrant. The client's version check is off: it only logs, and it would call Qdrant while
 * the application context starts.
 */
@Configuration(proxyBeanMethods = false)
public class QdrantClientConfiguration {

    @Bean(destroyMethod = "close")
    QdrantClient qdrantClient(
            @Value("${camel.component.qdrant.host:localhost}") String host,
            @Value("${camel.component.qdrant.port:6334}") int port,
            @Value("${camel.component.qdrant.tls:false}") boolean tls,
            @Value("${camel.component.qdrant.api-key:}") String apiKey,
            @Value("${camel.component.qdrant.timeout:5s}") Duration timeout) {
        QdrantGrpcClient.Builder grpc = QdrantGrpcClient.newBuilder(host, port, tls, false).withTimeout(timeout);
        if (!apiKey.isBlank()) {
            grpc.withApiKey(apiKey);
        }
        return new QdrantClient(grpc.build());
    }
}
