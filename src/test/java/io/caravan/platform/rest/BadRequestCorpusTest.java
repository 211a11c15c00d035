package io.caravan.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.support.CaravanTest;
import io.caravan.support.RawHttp;
import io.caravan.support.Tokens;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A corpus of bad bodies, sent to every endpoint that takes a body (the rest: sections of routes/*.yaml
 * and the Java REST routes): each gets a 4xx problem+json, never a 5xx, and nothing is published or
 * put in the outbox. The bodies are built from a valid one per endpoint, with {@code @TEXT@} the slot
 * of a free-text string (its JSON literal, quotes included).
 */
class BadRequestCorpusTest extends CaravanTest {

    /** An endpoint that takes a body, and a valid body for it. */
    record Endpoint(String method, String path, String template) {
        byte[] with(byte[] text) {
            int at = template.indexOf("@TEXT@");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(template.substring(0, at).getBytes(StandardCharsets.UTF_8));
            out.writeBytes(text);
            out.writeBytes(template.substring(at + 6).getBytes(StandardCharsets.UTF_8));
            return out.toByteArray();
        }

        String valid() {
            return template.replace("@TEXT@", "\"corpus\"");
        }

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("POST", "/chat", "{\"user_id\": \"test-operator\", \"message\": @TEXT@}"),
            new Endpoint("POST", "/chat/send", "{\"message\": @TEXT@}"),
            new Endpoint("POST", "/events", "{\"user_id\": \"corpus-user\", \"product_id\": \"corpus-product\", \"event_type\": \"view\","
                    + " \"user_session\": @TEXT@}"),
            new Endpoint("POST", "/events/batch", "{\"events\": [{\"user_id\": \"corpus-user\", \"product_id\": \"corpus-product\","
                    + " \"event_type\": \"view\", \"user_session\": @TEXT@}]}"),
            new Endpoint("POST", "/assistant/messages", "{\"student_id\": 4711, \"message\": @TEXT@, \"response\": \"ok\", \"intent\": \"general\"}"),
            new Endpoint("POST", "/notifications", "{\"student_id\": 4711, \"notification_type\": \"reminder\", \"title\": @TEXT@, \"content\": \"c\"}"),
            new Endpoint("PUT", "/assistant/preferences/4711", "{\"key\": \"subject\", \"value\": @TEXT@, \"step\": \"complete\"}"),
            new Endpoint("POST", "/domain-events", "{\"event_type\": \"course.created\", \"timestamp\": \"2024-05-01T10:00:00Z\","
                    + " \"data\": {\"course_id\": 71, \"title\": @TEXT@}}"),
            new Endpoint("POST", "/domain-events/replay", "{\"type\": @TEXT@}"),
            new Endpoint("POST", "/ops/dead-letters/chat_history.dlq/replay", "{\"message_id\": @TEXT@}"),
            new Endpoint("POST", "/ops/dead-letters/chat_history.dlq/delete", "{\"message_id\": @TEXT@}"));

    /** A bad body for an endpoint; {@code field} is the field the answer must name (null: any). */
    record Case(String what, byte[] body, String field) {
        @Override
        public String toString() {
            return what;
        }
    }

    static List<Case> corpus(Endpoint e) {
        String valid = e.valid();
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("empty body", new byte[0], null));
        cases.add(new Case("blank body", bytes("  \r\n "), null));
        cases.add(new Case("null", bytes("null"), null));
        cases.add(new Case("not JSON", bytes("user_id=1&message=hi"), null));
        cases.add(new Case("truncated", bytes(valid.substring(0, valid.length() - 1)), null));
        cases.add(new Case("trailing garbage", bytes(valid + " garbage"), null));
        cases.add(new Case("trailing brace", bytes(valid + "}"), null));
        cases.add(new Case("two documents", bytes(valid + valid), null));
        cases.add(new Case("two documents, newline", bytes(valid + "\n" + valid), null));
        cases.add(new Case("duplicate key", bytes(duplicateFirstKey(valid)), null));
        cases.add(new Case("invalid UTF-8 in a string", e.with(new byte[]{'"', 'a', (byte) 0xC3, (byte) 0x28, 'b', '"'}), null));
        cases.add(new Case("lone continuation byte", e.with(new byte[]{'"', 'a', (byte) 0x80, '"'}), null));
        cases.add(new Case("overlong UTF-8", e.with(new byte[]{'"', (byte) 0xC0, (byte) 0xAF, '"'}), null));
        cases.add(new Case("UTF-8 encoded surrogate", e.with(new byte[]{'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'}), null));
        cases.add(new Case("0xFF byte", e.with(new byte[]{'"', (byte) 0xFF, '"'}), null));
        cases.add(new Case("NUL escaped", e.with(bytes("\"a\\u0000b\"")), textField(e)));
        cases.add(new Case("raw NUL", e.with(new byte[]{'"', 'a', 0, 'b', '"'}), null));
        cases.add(new Case("lone high surrogate", e.with(bytes("\"\\ud800\"")), textField(e)));
        cases.add(new Case("lone low surrogate", e.with(bytes("\"a\\udfffb\"")), textField(e)));
        cases.add(new Case("reversed surrogate pair", e.with(bytes("\"\\ude00\\ud83d\"")), textField(e)));
        cases.add(new Case("integer beyond 64 bits", e.with(bytes("9223372036854775808")), textField(e)));
        cases.add(new Case("1e309", e.with(bytes("1e309")), textField(e)));
        cases.add(new Case("deep nesting", bytes("[".repeat(3000) + "]".repeat(3000)), null));
        cases.add(new Case("number of 2000 digits", e.with(bytes("1".repeat(2000))), null));
        cases.add(new Case("unquoted key", bytes("{message: \"hi\"}"), null));
        cases.add(new Case("single quotes", bytes("{'message': 'hi'}"), null));
        cases.add(new Case("comment", bytes("/* hi */ " + valid), null));
        cases.add(new Case("NaN", e.with(bytes("NaN")), null));
        return cases;
    }

    static Stream<Arguments> everyEndpointAndCase() {
        return ENDPOINTS.stream().flatMap(e -> corpus(e).stream().map(c -> Arguments.of(e, c)));
    }

    @LocalServerPort
    int port;
    @Autowired
    MeterRegistry meters;
    @Autowired
    JdbcTemplate jdbc;

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("everyEndpointAndCase")
    void isRefusedWithA4xxProblemAndNothingIsPublished(Endpoint endpoint, Case bad) {
        double published = published();
        long outbox = outboxRows();

        var answer = RawHttp.send(port, endpoint.method(), endpoint.path(), bad.body(), Tokens.operator());

        assertThat(answer.status()).as("%s %s: %s", endpoint, bad, answer.body()).isBetween(400, 499);
        assertThat(answer.isProblem()).as("%s: %s", answer.contentType(), answer.body()).isTrue();
        JsonNode problem = answer.json();
        assertThat(problem.get("status").asInt()).isEqualTo(answer.status());
        if (bad.field() != null) {
            assertThat(problem.findValuesAsText("field")).as(answer.body()).contains(bad.field());
        }
        assertThat(published()).as("published by %s %s", endpoint, bad).isEqualTo(published);
        assertThat(outboxRows()).isLessThanOrEqualTo(outbox);
    }

    /** Every message Caravan accepted (broker or outbox) or published, on any queue. */
    private double published() {
        return meters.find("caravan.messages.accepted").counters().stream().mapToDouble(Counter::count).sum()
                + meters.find("caravan.messages.published").counters().stream().mapToDouble(Counter::count).sum();
    }

    private long outboxRows() {
        return jdbc.queryForObject("SELECT count(*) FROM outbox", Long.class);
    }

    /** The free-text field of an endpoint's template, as the answer names it. */
    private static String textField(Endpoint e) {
        String before = e.template().substring(0, e.template().indexOf("@TEXT@"));
        String key = before.substring(0, before.lastIndexOf('"'));
        key = key.substring(key.lastIndexOf('"') + 1);
        if (e.path().equals("/events/batch")) {
            return "events[0]." + key;
        }
        if (e.path().equals("/domain-events")) {
            return "data." + key;
        }
        return key;
    }

    private static String duplicateFirstKey(String valid) {
        try {
            var node = new ObjectMapper().readTree(valid);
            Map.Entry<String, JsonNode> first = node.fields().next();
            return "{\"" + first.getKey() + "\": " + first.getValue() + ", " + valid.substring(1);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
