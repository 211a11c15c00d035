package io.caravan.platform.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

/**
 * Queue operations when RabbitMQ's management API does not answer (nothing listens on port 1): the
 * counts come from a passive declare over AMQP, and what it cannot tell is null.
 *
 * <p>The dead-letter queue is used because no consumer takes from it: while this class runs, the
 * shared application context of the other tests may still be consuming {@code chat_history}.
 */
@TestPropertySource(properties = "caravan.broker.management.url=http://127.0.0.1:1")
@DirtiesContext
class QueueOperationsWithoutManagementApiTest extends CaravanTest {

    static final String DLQ = QueueOperationsTest.DLQ;

    @LocalServerPort
    int port;
    Http http;

    @BeforeEach
    void setUp() throws Exception {
        http = new Http(port);
        Broker.purge(DLQ);
    }

    @Test
    void queueStatsComeFromAPassiveDeclare() throws Exception {
        Broker.publish(DLQ, "{\"parked\": 1}", Broker.json(null));
        Broker.publish(DLQ, "{\"parked\": 2}", Broker.json(null));

        var stats = http.get("/rabbitmq/queues/" + DLQ);

        assertThat(stats.status()).isEqualTo(200);
        assertThat(stats.contentType()).isEqualTo("application/json");
        JsonNode body = stats.json();
        assertThat(body.get("source").asText()).isEqualTo("passive-declare");
        assertThat(body.get("name").asText()).isEqualTo(DLQ);
        assertThat(body.get("role").asText()).isEqualTo("dead-letter");
        assertThat(body.get("messages_ready").asLong()).isEqualTo(2);
        assertThat(body.get("consumers").asInt()).isZero();
        assertThat(body.get("messages_unacknowledged").isNull()).isTrue();
        assertThat(body.get("publish_rate").isNull()).isTrue();
        assertThat(body.get("deliver_rate").isNull()).isTrue();
    }

    @Test
    void theSummaryComesFromPassiveDeclaresToo() throws Exception {
        Broker.publish(DLQ, "{\"parked\": true}", Broker.json(null));

        var summary = http.get("/rabbitmq/queues");

        assertThat(summary.status()).isEqualTo(200);
        assertThat(summary.json().get("source").asText()).isEqualTo("passive-declare");
        JsonNode chat = QueueOperationsTest.workQueue(summary.json(), "chat-history");
        assertThat(chat.get("exists").asBoolean()).isTrue();
        assertThat(chat.get("dead_letter_queue").get("messages_ready").asLong()).isEqualTo(1);
        assertThat(chat.get("retry_queues").findValuesAsText("name")).containsExactlyElementsOf(QueueOperationsTest.RETRY_QUEUES);
    }

    @Test
    void healthIsUpAndSaysTheManagementApiIsNotAnswering() {
        var health = http.get("/rabbitmq/health");

        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("reachable").asBoolean()).isTrue();
        assertThat(health.json().get("management_api").asBoolean()).isFalse();
    }

    @Test
    void purgeWorksWithoutTheManagementApi() throws Exception {
        Broker.publish(DLQ, "{\"parked\": true}", Broker.json(null));

        var purge = http.post("/rabbitmq/queues/" + DLQ + "/purge", null);

        assertThat(purge.status()).isEqualTo(200);
        assertThat(purge.json().get("purged").asLong()).isEqualTo(1);
        assertThat(Broker.depth(DLQ)).isZero();
    }
}
