package io.caravan.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.platform.broker.DeadLetters;
import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import io.caravan.support.RawHttp;
import io.caravan.support.Tokens;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What a sink cannot store is refused at the door (400 naming the field, nothing published) and parked
 * as poison at once when it comes straight from a queue; a store's own refusal of a value is poison too.
 * Also: path parameters are percent-decoded; odd paths and tokens get problem+json.
 */
class StorableInputTest extends CaravanTest {

    @LocalServerPort
    int port;
    @Autowired
    MeterRegistry meters;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    StringRedisTemplate redis;
    @Autowired
    ObjectMapper json;
    Http http;

    @BeforeEach
    void setUp() {
        http = new Http(port);
    }

    // finding 3: ids the bigint columns cannot hold, prices no double can hold
    @Test
    void anIdBeyondBigintOnDomainEventsIs400NamingItAndNothingIsPublished() {
        double before = accepted();

        var answer = http.post("/domain-events", "{\"event_type\": \"user.registered\", \"timestamp\": \"2024-05-01T10:00:00Z\","
                + " \"data\": {\"user_id\": 9223372036854775808, \"email\": \"big@example.org\", \"name\": \"Big\"}}");

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.contentType()).isEqualTo("application/problem+json");
        assertThat(answer.json().findValuesAsText("field")).contains("data.user_id");
        assertThat(accepted()).isEqualTo(before);
    }

    @Test
    void aPriceBeyondDoubleIs400NamingIt() {
        var answer = http.post("/events", "{\"user_id\": \"u\", \"product_id\": \"p\", \"event_type\": \"view\", \"user_session\": \"s\","
                + " \"price\": 1e309}");

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.json().findValuesAsText("field")).contains("price");
    }

    // finding 4: absurd timestamps
    @Test
    void commerceTimestampsOutsideASaneWindowAre400() {
        for (String timestamp : new String[]{"1e309", "-1e309", "9223372036854775807", "-62135596800", "253402300800",
                "\"+99999-01-01T00:00:00Z\"", "\"0001-01-01T00:00:00Z\""}) {
            var answer = http.post("/events", "{\"user_id\": \"u\", \"product_id\": \"p\", \"event_type\": \"view\", \"user_session\": \"s\","
                    + " \"timestamp\": " + timestamp + "}");

            assertThat(answer.status()).as("timestamp %s: %s", timestamp, answer.text()).isEqualTo(400);
            assertThat(answer.json().findValuesAsText("field")).as(answer.text()).contains("timestamp");
        }
        assertThat(http.post("/events", "{\"user_id\": \"u\", \"product_id\": \"p\", \"event_type\": \"view\", \"user_session\": \"s\","
                + " \"timestamp\": 1714557600.5}").status()).isEqualTo(202);
    }

    // finding 3, the queue side: a message a sink cannot store is poison at once
    @Test
    void aMessageWithNulFromTheQueueIsParkedAsPoisonAtOnce() throws Exception {
        String id = "nul-" + UUID.randomUUID();
        Broker.purge("chat_history.dlq");

        Broker.publish("chat_history", "{\"id\": \"" + id + "\", \"user_id\": \"nul-user\", \"user_input\": \"a\\u0000b\","
                + " \"bot_response\": \"r\", \"timestamp\": \"2024-05-01T10:00:00Z\"}", Broker.json(id));

        var parked = await().atMost(Duration.ofSeconds(30)).until(() -> Broker.get("chat_history.dlq"), r -> r != null);
        assertThat(parked.header(DeadLetters.H_FAILURE)).isEqualTo("poison");
        assertThat(parked.header(DeadLetters.H_REASON)).contains("user_input");
    }

    // finding 3: the store's refusal of a value is poison, not transient
    @Test
    void aValueTheStoreRefusesIsPoisonNotRetried() throws Exception {
        String title = "refused-by-the-store-" + UUID.randomUUID();
        String constraint = "storable_input_test_" + Math.abs(title.hashCode());
        jdbc.execute("ALTER TABLE notification_logs ADD CONSTRAINT " + constraint + " CHECK (title <> '" + title + "') NOT VALID");
        try {
            Broker.purge("notifications.dlq");
            String id = "refused-" + UUID.randomUUID();
            Broker.publish("notifications", "{\"id\": \"" + id + "\", \"student_id\": 7, \"notification_type\": \"reminder\", \"title\": \""
                    + title + "\", \"content\": \"c\"}", Broker.json(id));

            var parked = await().atMost(Duration.ofSeconds(30)).until(() -> Broker.get("notifications.dlq"), r -> r != null);
            assertThat(parked.header(DeadLetters.H_FAILURE)).isEqualTo("poison");
            assertThat(parked.header(DeadLetters.H_REASON)).contains(constraint);
        } finally {
            jdbc.execute("ALTER TABLE notification_logs DROP CONSTRAINT IF EXISTS " + constraint);
        }
    }

    // finding 6: path parameters are percent-decoded
    @Test
    void aUserWithSpacesAndAccentsReadsTheirHistory() {
        String user = "probe é " + UUID.randomUUID().toString().substring(0, 4);
        Http probe = Http.as(port, user, "user");
        assertThat(probe.postJson("/chat", Map.of("user_id", user, "message", "hi")).status()).isEqualTo(200);
        String path = "/chat/history/" + java.net.URLEncoder.encode(user, StandardCharsets.UTF_8).replace("+", "%20");

        var own = RawHttp.send(port, "GET", path, null, Tokens.of(user, "user"));
        assertThat(own.status()).as(own.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(RawHttp.send(port, "GET", path, null, Tokens.of("root", "admin")).json().findValuesAsText("user_id")).contains(user));
    }

    // finding 9 (seed 001): the per-session key is written for a cached answer too
    @Test
    void aCachedAnswerIsStillWrittenUnderTheSessionKey() {
        String question = "what is the cache for " + UUID.randomUUID() + "?";
        Http asker = Http.as(port, "cache-asker", "user");
        String first = asker.postJson("/chat/send", Map.of("message", question)).json().get("session_id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> redis.hasKey("ai:response:" + first));

        String second = Http.as(port, "cache-asker-2", "user").postJson("/chat/send", Map.of("message", question)).json().get("session_id").asText();

        await().atMost(Duration.ofSeconds(30)).until(() -> "completed".equals(
                Http.as(port, "cache-asker-2", "user").get("/chat/session/" + second).json().path("status").asText()));
        assertThat(Http.as(port, "cache-asker-2", "user").get("/chat/session/" + second).json().get("cached").asBoolean()).isTrue();
        assertThat(redis.opsForValue().get("ai:response:" + second)).isEqualTo(redis.opsForValue().get("ai:response:" + first));
    }

    // finding 10: odd paths get problem+json 400, not Tomcat's HTML page or Spring's default JSON
    @Test
    void oddPathsAreProblemJson400() {
        for (String path : new String[]{"/chat/history/a%00b", "/chat/history/a%2Fb", "/chat/history/" + "x".repeat(10_000),
                "/chat/history/a;b=c", "/chat/history/%2e%2e/x", "/chat/history/a%5Cb"}) {
            var answer = RawHttp.send(port, "GET", path, null, Tokens.operator());

            assertThat(answer.status()).as(path.length() > 100 ? "a 10 kB path" : path).isBetween(400, 499);
            assertThat(answer.isProblem()).as("%s: %s %s", path.length() > 100 ? "a 10 kB path" : path, answer.contentType(),
                    answer.body().length() > 300 ? answer.body().substring(0, 300) : answer.body()).isTrue();
        }
    }

    // finding 8: Hawtio and Jolokia answer 401 as problem+json; CSRF does not hide the 401
    @Test
    void anonymousConsoleRequestsAre401ProblemJson() {
        var post = RawHttp.send(port, "POST", "/actuator/jolokia", "{\"type\": \"version\"}".getBytes(StandardCharsets.UTF_8), null);
        var get = RawHttp.send(port, "GET", "/actuator/jolokia/version", null, null, "Accept", "application/json");
        var hawtio = RawHttp.send(port, "GET", "/actuator/hawtio/", null, null, "Accept", "application/json");

        for (var answer : new RawHttp.Answer[]{post, get, hawtio}) {
            assertThat(answer.status()).as(answer.body()).isEqualTo(401);
            assertThat(answer.isProblem()).as("%s %s", answer.contentType(), answer.body()).isTrue();
        }
        // a browser is still sent to the login form
        var browser = RawHttp.send(port, "GET", "/actuator/hawtio/", null, null, "Accept", "text/html");
        assertThat(browser.status()).isIn(302, 401);
    }

    // findings 2 and 5 behind the door too: the one ObjectMapper (Camel's unmarshal and json-validator find it) is strict
    @Test
    void theApplicationsObjectMapperRefusesTrailingTokensAndDuplicateKeys() {
        assertThatThrownBy(() -> json.readTree("{\"a\": 1} {\"a\": 2}")).isInstanceOf(JsonProcessingException.class);
        assertThatThrownBy(() -> json.readTree("{\"a\": 1, \"a\": 2}")).isInstanceOf(JsonProcessingException.class);
    }

    private double accepted() {
        return meters.find("caravan.messages.accepted").counters().stream().mapToDouble(Counter::count).sum();
    }
}
