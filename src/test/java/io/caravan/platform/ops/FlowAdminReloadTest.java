package io.caravan.platform.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;
import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import io.caravan.support.RoutesCopy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Production-style: live reload off; an operator edits the YAML and asks Caravan to reload it
 * ({@code POST /actuator/flows}). The story: point the responder at an LLM by editing YAML only.
 * The "LLM" is a local HTTP server answering like an OpenAI-compatible chat-completions API.
 */
@DirtiesContext
class FlowAdminReloadTest extends CaravanTest {

    static final RoutesCopy ROUTES = RoutesCopy.of(Path.of("routes"));
    static final CopyOnWriteArrayList<String> LLM_REQUESTS = new CopyOnWriteArrayList<>();
    static final CopyOnWriteArrayList<String> LLM_AUTH = new CopyOnWriteArrayList<>();
    static final HttpServer LLM = fakeLlm();

    @DynamicPropertySource
    static void reloadByAdminOnACopy(DynamicPropertyRegistry registry) {
        registry.add("caravan.routes.dir", () -> ROUTES.dir().toString());
        registry.add("camel.main.routes-reload-enabled", () -> "false");
        registry.add("caravan.broker.queues.chat-history.name", () -> "chat_history.admin-reload-test");
        registry.add("caravan.responder.llm.url", () -> "http://127.0.0.1:" + LLM.getAddress().getPort() + "/v1/chat/completions");
        registry.add("caravan.responder.llm.api-key", () -> "test-key");
        registry.add("caravan.responder.llm.model", () -> "test-model");
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    Http http;

    @BeforeEach
    void setUp() {
        http = new Http(port);
    }

    @AfterAll
    static void stopLlm() {
        LLM.stop(0);
    }

    @Test
    void editingTheYamlAndReloadingPointsTheResponderAtAnLlm() {
        String user = "llm-" + UUID.randomUUID();
        String original = ROUTES.read("responder.yaml");
        try {
            ROUTES.edit("responder.yaml", yaml -> yaml.replace("        - to: direct:responder-rules\n", "        - to: direct:responder-llm\n"));
            assertThat(ROUTES.read("responder.yaml")).isNotEqualTo(original);
            assertThat(chat(user, "What is Camel?")).as("no reload yet, no change").isEqualTo("You said: What is Camel?");

            var reload = http.post("/actuator/flows", null);

            assertThat(reload.status()).isEqualTo(200);
            assertThat(reload.json().at("/reloaded/responder.yaml").toString()).contains("responder.reply");
            assertThat(chat(user, "What is Camel?")).isEqualTo("LLM says: What is Camel?");
            assertThat(LLM_AUTH).contains("Bearer test-key");
            assertThat(LLM_REQUESTS.get(LLM_REQUESTS.size() - 1)).contains("\"model\":\"test-model\"").contains("What is Camel?");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                    jdbc.queryForList("SELECT bot_response FROM chat_history WHERE user_id = ?", String.class, user))
                    .contains("LLM says: What is Camel?"));
        } finally {
            ROUTES.write("responder.yaml", original);
            http.post("/actuator/flows", null);
        }
    }

    @Test
    void aFileThatDoesNotParseIsReportedAndItsRoutesKeepRunning() {
        String original = ROUTES.read("responder.yaml");
        String before = chat("admin-reload", "thanks");
        try {
            ROUTES.write("responder.yaml", original.replace("        - choice:\n", "        - choice:\n      broken: [\n"));

            var reload = http.post("/actuator/flows", null);

            assertThat(reload.status()).isEqualTo(200);
            assertThat(reload.json().at("/failed/responder.yaml").asText()).contains("responder.yaml");
            assertThat(reload.json().at("/reloaded").has("chat-history.yaml")).isTrue();
            assertThat(chat("admin-reload", "thanks")).isEqualTo(before);
        } finally {
            ROUTES.write("responder.yaml", original);
            http.post("/actuator/flows", null);
        }
    }

    private String chat(String user, String message) {
        var response = http.postJson("/chat", Map.of("user_id", user, "message", message));
        assertThat(response.status()).as(response.text()).isEqualTo(200);
        return response.json().get("reply").asText();
    }

    private static HttpServer fakeLlm() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/v1/chat/completions", exchange -> {
                String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                LLM_REQUESTS.add(request);
                LLM_AUTH.add(exchange.getRequestHeaders().getFirst("Authorization"));
                String question = request.replaceAll("(?s).*\"content\":\"([^\"]*)\".*", "$1");
                byte[] answer = """
                        {"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,
                         "message":{"role":"assistant","content":"LLM says: %s"},"finish_reason":"stop"}]}
                        """.formatted(question).getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
