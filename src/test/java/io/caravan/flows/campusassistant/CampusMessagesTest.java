package io.caravan.flows.campusassistant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.platform.broker.PoisonMessageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class CampusMessagesTest {

    final CampusMessages messages = new CampusMessages(new ObjectMapper());

    @Test
    void aChatMessageGetsAnIdAndATimeAndKeepsTheSeedsFields() {
        Map<String, Object> message = messages.chatMessage(Map.of("student_id", 1, "message", "m", "response", "r",
                "intent", "i", "metadata", Map.of("step", 1), "ignored", "x"));

        assertThat(message).containsOnlyKeys("id", "student_id", "message", "response", "intent", "metadata", "timestamp")
                .containsEntry("student_id", 1).containsEntry("metadata", Map.of("step", 1));
        assertThat(UUID.fromString((String) message.get("id"))).isNotNull();
        assertThat(OffsetDateTime.parse((String) message.get("timestamp"))).isNotNull();
    }

    @Test
    void aSeedClientsChatMessageBecomesARowWithADerivedIdAndItsTimeInUtc() {
        String raw = "{\"student_id\": \"7\", ...}";
        Map<String, Object> seed = new HashMap<>(Map.of("student_id", "7", "message", "m", "response", "r", "intent", "i",
                "timestamp", "2025-12-02T10:15:30.123456"));
        seed.put("metadata", null);

        Map<String, Object> row = messages.chatMessageLog(seed, null, null, raw.getBytes(StandardCharsets.UTF_8));

        assertThat(row).containsEntry("message_id", UUID.nameUUIDFromBytes(raw.getBytes(StandardCharsets.UTF_8)).toString())
                .containsEntry("student_id", 7)
                .containsEntry("timestamp", OffsetDateTime.parse("2025-12-02T10:15:30.123456Z"))
                .containsEntry("metadata", null);
        assertThat(messages.chatMessageLog(Map.of("student_id", 7, "message", "m", "response", "r", "intent", "i",
                "metadata", Map.of("a", List.of(1))), "amqp-id", null, new byte[0]))
                .containsEntry("message_id", "amqp-id").containsEntry("metadata", "{\"a\":[1]}");
    }

    @Test
    void completedPreferencesAreTheWholeSetAsJson() {
        Map<String, Object> completed = messages.completedPreferences(Map.of("student_id", 3L,
                "preferences", Map.of("avoid_days", List.of("Saturday")), "step", "complete", "cached", true));

        assertThat(completed).containsOnlyKeys("id", "student_id", "preferences", "step", "timestamp");
        assertThat(messages.classPreferenceLog(completed, null, null, new byte[0]))
                .containsEntry("message_id", completed.get("id"))
                .containsEntry("preferences", "{\"avoid_days\":[\"Saturday\"]}")
                .containsEntry("step", "complete");
    }

    @Test
    void aStudentIdThatIsNoIntegerIsPoison() {
        assertThat(CampusMessages.studentId(42L)).isEqualTo(42);
        assertThat(CampusMessages.studentId(" 42 ")).isEqualTo(42);
        assertThatThrownBy(() -> CampusMessages.studentId(3_000_000_000L)).isInstanceOf(PoisonMessageException.class);
        assertThatThrownBy(() -> CampusMessages.studentId("abc")).isInstanceOf(PoisonMessageException.class)
                .hasMessageContaining("student_id");
    }

    @Test
    void theAnswerToAPreferenceStepSaysWhetherItWasPublished() {
        Map<String, Object> state = Map.of("student_id", 3L, "preferences", Map.of(), "step", "in_progress", "cached", true);

        assertThat(messages.preferencesAnswer(state, null)).containsEntry("published", false).doesNotContainKey("id");
        assertThat(messages.preferencesAnswer(state, Map.of("id", "p-1"))).containsEntry("published", true).containsEntry("id", "p-1");
    }
}
