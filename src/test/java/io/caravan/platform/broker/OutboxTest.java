package io.caravan.platform.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import io.caravan.support.RealServices;
import io.caravan.support.TcpProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * "Accepted means durable" with the broker unreachable: Caravan reaches the machine's RabbitMQ only
 * through a TCP proxy this test cuts and restores, so the shared broker itself never stops.
 */
@DirtiesContext
class OutboxTest extends CaravanTest {

    static final TcpProxy PROXY = TcpProxy.to(RealServices.rabbitHost(), RealServices.rabbitPort());

    @DynamicPropertySource
    static void brokerThroughTheProxy(DynamicPropertyRegistry registry) {
        registry.add("spring.rabbitmq.host", () -> "127.0.0.1");
        registry.add("spring.rabbitmq.port", PROXY::port);
        registry.add("spring.rabbitmq.connection-timeout", () -> "2s");
        registry.add("caravan.broker.queues.chat-history.name", () -> "chat_history.outbox-test");
        registry.add("caravan.outbox.relay-interval", () -> "200");
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    Http http;

    @BeforeEach
    void setUp() {
        http = new Http(port);
        PROXY.restore();
    }

    @AfterEach
    void restoreBroker() {
        PROXY.restore();
        jdbc.execute("DROP TRIGGER IF EXISTS test_refuse_outbox ON outbox");
    }

    @AfterAll
    static void closeProxy() {
        PROXY.close();
    }

    @Test
    void withTheBrokerDownChatIsAcceptedIntoTheOutboxAndStoredOnceWhenItIsBack() {
        String user = "outbox-" + UUID.randomUUID();
        PROXY.cut();

        List<String> ids = new ArrayList<>();
        for (String message : List.of("first", "second", "third")) {
            var response = http.postJson("/chat", Map.of("user_id", user, "message", message));
            assertThat(response.status()).as(response.text()).isEqualTo(200);
            assertThat(response.json().get("reply").asText()).isNotBlank();
            ids.add(response.json().get("interaction_id").asText());
        }

        assertThat(waiting(ids)).isEqualTo(3);
        assertThat(stored(user)).isEmpty();
        assertThat(http.get("/actuator/health").json().at("/components/outbox/details/depth").asLong()).isGreaterThanOrEqualTo(3);

        PROXY.restore();

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(stored(user)).hasSize(3));
        assertThat(stored(user)).as("relayed in the order accepted").containsExactly("first", "second", "third");
        assertThat(waiting(ids)).isZero();
        for (String id : ids) {
            assertThat(jdbc.queryForObject("SELECT count(*) FROM chat_history WHERE id = ?", Integer.class, id)).isEqualTo(1);
        }
    }

    @Test
    void theResponseSaysWhetherTheBrokerOrTheOutboxTookTheMessage() {
        var direct = http.postJson("/chat", Map.of("user_id", "via-" + UUID.randomUUID(), "message", "hi"));
        PROXY.cut();
        var parked = http.postJson("/chat", Map.of("user_id", "via-" + UUID.randomUUID(), "message", "hi"));

        assertThat(direct.status()).isEqualTo(200);
        assertThat(parked.status()).isEqualTo(200);
        assertThat(direct.header("Caravan-Accepted-Via")).isEqualTo("broker");
        assertThat(parked.header("Caravan-Accepted-Via")).isEqualTo("outbox");
    }

    @Test
    void whenNeitherTheBrokerNorTheOutboxTakesItTheCallerGets503AndNothingIsAccepted() {
        String user = "refused-" + UUID.randomUUID();
        jdbc.execute("""
                CREATE OR REPLACE FUNCTION test_refuse_outbox() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'test: outbox refuses writes'; END $$ LANGUAGE plpgsql""");
        jdbc.execute("CREATE TRIGGER test_refuse_outbox BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION test_refuse_outbox()");
        PROXY.cut();

        var response = http.postJson("/chat", Map.of("user_id", user, "message", "hello"));

        assertThat(response.status()).isEqualTo(503);
        assertThat(response.contentType()).isEqualTo("application/problem+json");
        assertThat(response.header("Retry-After")).isNotBlank();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM outbox WHERE convert_from(body, 'UTF8') LIKE ?", Integer.class,
                "%" + user + "%")).isZero();
    }

    private int waiting(List<String> ids) {
        return jdbc.queryForObject("SELECT count(*) FROM outbox WHERE message_id = ANY (?)", Integer.class,
                (Object) ids.toArray(String[]::new));
    }

    private List<String> stored(String user) {
        return jdbc.queryForList("SELECT user_input FROM chat_history WHERE user_id = ? ORDER BY stored_at", String.class, user);
    }
}
