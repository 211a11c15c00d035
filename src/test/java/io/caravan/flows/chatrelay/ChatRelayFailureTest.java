package io.caravan.flows.chatrelay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import io.caravan.platform.broker.DeadLetters;
import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import io.caravan.support.RoutesCopy;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A responder that really fails: the responder is pointed (in YAML, as an operator would) at an LLM
 * API on a port where nothing listens. The request climbs a short retry ladder, is dead-lettered, and
 * the session says failed.
 */
@DirtiesContext
class ChatRelayFailureTest extends CaravanTest {

    static final String REQUESTS = "chat_requests.failure-test";
    static final RoutesCopy ROUTES = RoutesCopy.of(Path.of("routes"));

    @DynamicPropertySource
    static void failingResponder(DynamicPropertyRegistry registry) {
        ROUTES.edit("responder.yaml", yaml -> yaml.replace("        - to: direct:responder-rules\n", "        - to: direct:responder-llm\n"));
        registry.add("caravan.routes.dir", () -> ROUTES.dir().toString());
        registry.add("caravan.responder.llm.url", () -> "http://127.0.0.1:1/v1/chat/completions");
        registry.add("caravan.broker.queues.chat-requests.name", () -> REQUESTS);
        registry.add("caravan.broker.queues.chat-requests.retry-delays", () -> "200ms,400ms");
        registry.add("caravan.broker.queues.chat-responses.name", () -> "chat_responses.failure-test");
        registry.add("caravan.broker.queues.chat-history.name", () -> "chat_history.relay-failure-test");
        registry.add("caravan.broker.immediate-retries", () -> "0");
    }

    @LocalServerPort
    int port;

    @Test
    void aFailingResponderRetriesThenDeadLettersAndTheSessionSaysFailed() throws Exception {
        Broker.purge(REQUESTS + ".dlq");
        String user = "relay-fail-" + UUID.randomUUID();
        Http http = Http.as(port, user, "user");

        String session = http.postJson("/chat/send", Map.of("message", "will this fail?")).json().get("session_id").asText();

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(http.get("/chat/session/" + session).json().get("status").asText()).isEqualTo("failed"));
        assertThat(http.get("/chat/session/" + session).json().get("error").asText()).isNotBlank();
        assertThat(Broker.depth(REQUESTS + ".dlq")).isEqualTo(1);
        Broker.Received dead = Broker.get(REQUESTS + ".dlq");
        assertThat(dead.properties().getMessageId()).isEqualTo(session);
        assertThat(dead.header(DeadLetters.H_ATTEMPTS)).isEqualTo("3");
        assertThat(dead.header(DeadLetters.H_FAILURE)).isEqualTo("transient");
    }
}
