package io.caravan.platform.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import io.caravan.support.RawHttp;
import io.caravan.support.Tokens;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Every endpoint × every kind of caller: no token, a token signed with another key, an expired one, one
 * with {@code alg: none}, the user the resource belongs to, another user, an admin. Who owns what:
 * a chat user by the token's subject; a campus student {@code S} is the caller whose subject is
 * {@code S} (docs/security.md); admins act for anyone.
 */
class AuthorizationMatrixTest extends CaravanTest {

    static final String OWNER = "matrix-owner";
    static final String STUDENT = "424242";

    enum Caller { NONE, FOREIGN_KEY, EXPIRED, ALG_NONE, OWNER, OTHER_USER, ADMIN }

    /** An endpoint; {@code owner}, {@code other}, {@code admin}: the statuses each may get (a bad token always gets 401). */
    record Row(String method, String path, String body, Set<Integer> owner, Set<Integer> other, Set<Integer> admin) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    static Set<Integer> s(Integer... statuses) {
        return Set.of(statuses);
    }

    static final String EVENT = "{\"user_id\": \"" + OWNER + "\", \"product_id\": \"matrix-product\", \"event_type\": \"view\", \"user_session\": \"m\"}";

    static final List<Row> ROWS = List.of(
            new Row("POST", "/chat", "{\"user_id\": \"" + OWNER + "\", \"message\": \"hi\"}", s(200), s(403), s(200)),
            new Row("GET", "/chat/history/" + OWNER, null, s(200), s(403), s(200)),
            new Row("POST", "/chat/send", "{\"message\": \"matrix\"}", s(202), s(202), s(202)),
            new Row("GET", "/chat/session/{session}", null, s(200), s(404), s(200)),
            new Row("POST", "/events", EVENT, s(202), s(403), s(202)),
            new Row("POST", "/events/batch", "{\"events\": [" + EVENT + "]}", s(202), s(403), s(202)),
            new Row("GET", "/recommendations/" + OWNER, null, s(200, 404), s(403), s(200, 404)), // 404: no profile yet
            new Row("POST", "/assistant/messages", "{\"student_id\": " + STUDENT + ", \"message\": \"m\", \"response\": \"r\", \"intent\": \"general\"}",
                    s(202), s(403), s(202)),
            new Row("GET", "/assistant/conversations/" + STUDENT, null, s(200, 404), s(403), s(200, 404)),
            new Row("PUT", "/assistant/preferences/" + STUDENT, "{\"key\": \"subject\", \"value\": \"maths\", \"step\": \"subject\"}",
                    s(200), s(403), s(200)),
            new Row("GET", "/assistant/preferences/" + STUDENT, null, s(200), s(403), s(200)),
            new Row("DELETE", "/assistant/preferences/" + STUDENT, null, s(204), s(403), s(204)),
            new Row("POST", "/notifications", "{\"student_id\": " + STUDENT + ", \"notification_type\": \"reminder\", \"title\": \"t\", \"content\": \"c\"}",
                    s(202), s(403), s(202)),
            new Row("POST", "/domain-events", "{\"event_type\": \"matrix.checked\", \"timestamp\": \"2024-05-01T10:00:00Z\", \"data\": {}}",
                    s(202), s(202), s(202)),
            new Row("GET", "/domain-events?type=matrix.none", null, s(200), s(200), s(200)),
            new Row("POST", "/domain-events/replay", "{\"type\": \"matrix.none\"}", s(403), s(403), s(200)),
            new Row("GET", "/rabbitmq/health", null, s(200), s(200), s(200)),
            new Row("GET", "/rabbitmq/queues", null, s(200), s(200), s(200)),
            new Row("POST", "/rabbitmq/queues/matrix_no_such_queue/purge", null, s(403), s(403), s(404)),
            new Row("GET", "/ops/dead-letters", null, s(403), s(403), s(200)),
            new Row("POST", "/ops/dead-letters/chat_history.dlq/replay", "{\"message_id\": \"matrix-none\"}", s(403), s(403), s(200)),
            new Row("GET", "/actuator/metrics", null, s(403), s(403), s(200)),
            new Row("GET", "/actuator/hawtio/", null, s(403), s(403), s(200)),
            new Row("GET", "/actuator/jolokia/version", null, s(403), s(403), s(200)),
            new Row("POST", "/actuator/jolokia", "{\"type\": \"version\"}", s(403), s(403), s(200)));

    static Stream<Arguments> everyEndpointAndCaller() {
        return ROWS.stream().flatMap(r -> Arrays.stream(Caller.values()).map(c -> Arguments.of(r, c)));
    }

    @LocalServerPort
    int port;
    static String session;

    @BeforeEach
    void ownersSession() {
        if (session == null) {
            session = Http.as(port, OWNER, "user").postJson("/chat/send", java.util.Map.of("message", "matrix session"))
                    .json().get("session_id").asText();
        }
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("everyEndpointAndCaller")
    void answersEachCallerAsDocumented(Row row, Caller caller) {
        String path = row.path().replace("{session}", session);
        boolean student = row.path().contains("assistant") || row.path().contains("notifications");
        String owner = student ? STUDENT : OWNER;
        String token = switch (caller) {
            case NONE -> null;
            case FOREIGN_KEY -> Tokens.foreign(owner, "user", "admin");
            case EXPIRED -> Tokens.expired(owner, "user", "admin");
            case ALG_NONE -> algNone(owner);
            case OWNER -> Tokens.of(owner, "user");
            case OTHER_USER -> Tokens.of(student ? "434343" : "matrix-other", "user");
            case ADMIN -> Tokens.of("matrix-admin", "admin");
        };
        Set<Integer> expected = switch (caller) {
            case NONE, FOREIGN_KEY, EXPIRED, ALG_NONE -> s(401);
            case OWNER -> row.owner();
            case OTHER_USER -> row.other();
            case ADMIN -> row.admin();
        };

        var answer = RawHttp.send(port, row.method(), path, row.body() == null ? null : row.body().getBytes(StandardCharsets.UTF_8),
                token, "Accept", "application/json");

        assertThat(answer.status()).as("%s as %s: %s", row, caller, answer.body()).isIn(expected);
        if (answer.status() == 401 || answer.status() == 403) {
            assertThat(answer.isProblem()).as("%s: %s", answer.contentType(), answer.body()).isTrue();
        }
    }

    /** A token that names no algorithm and carries no signature; it must be refused like any unsigned token. */
    static String algNone(String user) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String claims = b64.encodeToString(("{\"sub\":\"" + user + "\",\"iss\":\"caravan\",\"roles\":[\"user\",\"admin\"],\"exp\":"
                + Instant.now().plusSeconds(600).getEpochSecond() + ",\"jti\":\"" + UUID.randomUUID() + "\"}").getBytes(StandardCharsets.UTF_8));
        return header + "." + claims + ".";
    }
}
