package io.caravan.platform.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import io.caravan.support.RoutesCopy;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Dev profile: saving a flow file changes the running flow, without a restart; a broken save changes nothing. */
@DirtiesContext
@ExtendWith(OutputCaptureExtension.class)
class FlowReloadTest extends CaravanTest {

    static final RoutesCopy ROUTES = RoutesCopy.of(Path.of("routes"));
    static final String GREETING = "Hello! How can I help you today?";

    @DynamicPropertySource
    static void liveReloadOnACopy(DynamicPropertyRegistry registry) {
        registry.add("caravan.routes.dir", () -> ROUTES.dir().toString());
        registry.add("camel.main.routes-reload-enabled", () -> "true");
        // its own queue, so this application's consumer never takes another test's messages
        registry.add("caravan.broker.queues.chat-history.name", () -> "chat_history.reload-test");
    }

    @LocalServerPort
    int port;
    Http http;

    @BeforeEach
    void setUp() {
        http = new Http(port);
    }

    @Test
    void savingTheResponderChangesTheReplyWithoutARestart() {
        String before = reply("hello");
        String edited = "Hi from an edited flow " + UUID.randomUUID();

        ROUTES.edit("responder.yaml", yaml -> yaml.replace(before, edited));

        assertThat(before).isEqualTo(GREETING);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(reply("hello")).isEqualTo(edited));
        ROUTES.edit("responder.yaml", yaml -> yaml.replace(edited, GREETING));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(reply("hello")).isEqualTo(GREETING));
    }

    @Test
    void aBrokenSaveLeavesTheRunningFlowAndSaysWhereItIsWrong(CapturedOutput output) {
        String good = ROUTES.read("responder.yaml");
        String before = reply("thanks");
        try {
            ROUTES.write("responder.yaml", good.replace("        - choice:\n", "        - choice:\n      broken: [\n"));

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(output.getAll()).containsPattern("(?s)responder\\.yaml.*line"));
            assertThat(reply("thanks")).isEqualTo(before);
        } finally {
            ROUTES.write("responder.yaml", good);
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(reply("thanks")).isEqualTo(before));
    }

    private String reply(String message) {
        var response = http.postJson("/chat", Map.of("user_id", "reload-test", "message", message));
        assertThat(response.status()).as(response.text()).isEqualTo(200);
        return response.json().get("reply").asText();
    }
}
