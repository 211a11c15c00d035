package io.caravan.platform.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

/**
 * Queue operations when RabbitMQ cannot be reached at all: Caravan points at a port nothing listens
 * on (1), for AMQP and for the management API. The real broker is untouched.
 */
@TestPropertySource(properties = {
        "spring.rabbitmq.port=1",
        "caravan.broker.management.url=http://127.0.0.1:1"
})
@DirtiesContext
class QueueOperationsBrokerUnreachableTest extends CaravanTest {

    @LocalServerPort
    int port;
    Http http;

    @BeforeEach
    void setUp() {
        http = new Http(port);
    }

    @Test
    void healthIs503ProblemJsonSayingTheBrokerIsUnreachable() {
        var health = http.get("/rabbitmq/health");

        assertThat(health.status()).isEqualTo(503);
        assertThat(health.contentType()).isEqualTo("application/problem+json");
        assertThat(health.json().get("status").asInt()).isEqualTo(503);
        assertThat(health.json().get("dependency").asText()).isEqualTo("rabbitmq");
        assertThat(health.json().get("reachable").asBoolean()).isFalse();
        assertThat(health.json().get("detail").asText()).contains("unreachable").contains(":1");
    }

    @Test
    void statsAndPurgeOfACaravanQueueAre503() {
        var stats = http.get("/rabbitmq/queues/chat_history.dlq");
        var purge = http.post("/rabbitmq/queues/chat_history.dlq/purge", null);
        var summary = http.get("/rabbitmq/queues");

        assertThat(stats.status()).isEqualTo(503);
        assertThat(stats.contentType()).isEqualTo("application/problem+json");
        assertThat(purge.status()).isEqualTo(503);
        assertThat(summary.status()).isEqualTo(503);
    }

    @Test
    void aQueueThatIsNotCaravansIsStill404() {
        var stats = http.get("/rabbitmq/queues/no_such_queue");

        assertThat(stats.status()).isEqualTo(404);
        assertThat(stats.contentType()).isEqualTo("application/problem+json");
    }
}
