package io.caravan.platform.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.platform.broker.DeadLetters;
import io.caravan.platform.rest.InvalidRequestException;
import org.junit.jupiter.api.Test;

/** Reading a replay/delete selection and matching dead letters against it. */
class DeadLetterSelectionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Object> TRANSIENT = Map.of(
            DeadLetters.H_FAILURE, "transient",
            DeadLetters.H_REASON, "Connection refused by db",
            DeadLetters.H_ORIGINAL_QUEUE, "chat_history",
            DeadLetters.H_LAST_FAILURE, "2026-11-22T10:00:00Z");

    @Test
    void everyCriterionGivenMustHold() {
        var selection = parse("""
                {"original_queue": "chat_history", "failure": "TRANSIENT", "reason": "refused",
                 "failed_after": "2026-11-22T09:00:00Z", "failed_before": "2026-11-22T11:00:00Z"}""");

        assertThat(selection.matches("m1", TRANSIENT)).isTrue();
        assertThat(selection.matches("m1", with(DeadLetters.H_FAILURE, "poison"))).isFalse();
        assertThat(selection.matches("m1", with(DeadLetters.H_REASON, "timeout"))).isFalse();
        assertThat(selection.matches("m1", with(DeadLetters.H_ORIGINAL_QUEUE, "other"))).isFalse();
        assertThat(selection.matches("m1", with(DeadLetters.H_LAST_FAILURE, "2026-11-22T11:00:00Z"))).isFalse();
        assertThat(selection.matches("m1", with(DeadLetters.H_LAST_FAILURE, "not a time"))).isFalse();
    }

    @Test
    void aMessageIdSelectsExactlyThatId() {
        var selection = DeadLetterSelection.byMessageId("m1");

        assertThat(selection.matches("m1", Map.of())).isTrue();
        assertThat(selection.matches("m10", Map.of())).isFalse();
        assertThat(selection.matches(null, Map.of())).isFalse();
    }

    @Test
    void allSelectsEveryDeadLetterAndTheBoundIsKept() {
        var selection = parse("{\"all\": true, \"max_examined\": 7}");

        assertThat(selection.matches(null, Map.of())).isTrue();
        assertThat(selection.maxExamined()).isEqualTo(7);
        assertThat(selection.failedAfter()).isNull();
    }

    @Test
    void wrongFieldsAreNamed() {
        assertThat(fieldsOf("{}")).containsExactly("all");
        assertThat(fieldsOf("{\"all\": true, \"reason\": \"x\"}")).containsExactly("all");
        assertThat(fieldsOf("[1]")).containsExactly("body");
        assertThat(fieldsOf("not json")).containsExactly("body");
        assertThat(fieldsOf("{\"failure\": \"sometimes\", \"reason\": \"\", \"max_examined\": 0, \"extra\": 1}"))
                .containsExactlyInAnyOrder("failure", "reason", "max_examined", "extra");
        assertThat(fieldsOf("{\"failed_after\": \"2026-11-22T11:00:00Z\", \"failed_before\": \"2026-11-22T10:00:00Z\"}"))
                .containsExactly("failed_before");
        assertThat(fieldsOf("{\"failed_after\": \"yesterday\"}")).containsExactly("failed_after");
        assertThat(fieldsOf("{\"all\": true, \"max_examined\": 101}")).containsExactly("max_examined");
    }

    @Test
    void instantsAreRead() {
        assertThat(parse("{\"failed_before\": \"2026-11-22T10:15:30Z\"}").failedBefore())
                .isEqualTo(Instant.parse("2026-11-22T10:15:30Z"));
    }

    private static DeadLetterSelection parse(String body) {
        return DeadLetterSelection.parse(body, JSON, 100);
    }

    private static java.util.List<String> fieldsOf(String body) {
        try {
            parse(body);
        } catch (InvalidRequestException e) {
            return e.errors().stream().map(InvalidRequestException.FieldError::field).toList();
        }
        throw new AssertionError("accepted: " + body);
    }

    private static Map<String, Object> with(String header, Object value) {
        var headers = new java.util.HashMap<>(TRANSIENT);
        headers.put(header, value);
        return headers;
    }
}
