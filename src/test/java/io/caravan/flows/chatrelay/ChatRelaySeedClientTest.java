package io.caravan.flows.chatrelay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import org.junit.jupiter.api.Test;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Seed 001's main server, played by a plain AMQP client: it publishes {sessionId, userId, message} to
 * chat_requests and reads chat_responses itself, so this Caravan runs the responder only
 * (caravan.workers=chat-relay-responder), exactly as an operator would next to the seed's main server.
 */
@DirtiesContext
class ChatRelaySeedClientTest extends CaravanTest {

    static final String REQUESTS = "chat_requests.seed-test";
    static final String RESPONSES = "chat_responses.seed-test";

    @DynamicPropertySource
    static void responderOnly(DynamicPropertyRegistry registry) {
        registry.add("caravan.broker.queues.chat-requests.name", () -> REQUESTS);
        registry.add("caravan.broker.queues.chat-responses.name", () -> RESPONSES);
        registry.add("caravan.broker.queues.chat-history.name", () -> "chat_history.seed-relay-test");
        registry.add("caravan.workers", () -> "chat-relay-responder");
    }

    @Test
    void aSeedClientsRequestIsAnsweredOnChatResponses() throws Exception {
        String session = "seed-" + UUID.randomUUID();
        Broker.purge(RESPONSES);

        Broker.publish(REQUESTS, """
                {"sessionId": "%s", "userId": "42", "message": "Hello from amqplib"}""".formatted(session), Broker.json(null));

        await().atMost(Duration.ofSeconds(10)).until(() -> Broker.depth(RESPONSES) > 0);
        Broker.Received received = Broker.get(RESPONSES);
        JsonNode response = new ObjectMapper().readTree(new String(received.body(), StandardCharsets.UTF_8));
        assertThat(response.get("sessionId").asText()).isEqualTo(session);
        assertThat(response.get("userId").asText()).isEqualTo("42");
        assertThat(response.get("response").asText()).isEqualTo("Hello! How can I help you today?");
        assertThat(received.properties().getCorrelationId()).isEqualTo(session);
        assertThat(received.properties().getContentType()).isEqualTo("application/json");
        assertThat(received.properties().getDeliveryMode()).isEqualTo(2);
    }
}
