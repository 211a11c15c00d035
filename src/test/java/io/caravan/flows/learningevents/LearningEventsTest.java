package io.caravan.flows.learningevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.platform.broker.PoisonMessageException;
import io.caravan.platform.rest.InvalidRequestException;
import io.caravan.platform.rest.RequestParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class LearningEventsTest {

    final ObjectMapper json = new ObjectMapper();
    final LearningEvents events = new LearningEvents(json);
    final LearningEventLog log = new LearningEventLog(new RequestParameters(), json);

    @Test
    void anAcceptedEventKeepsTheCallersIdOrGetsOne() {
        Map<String, Object> posted = Map.of("event_type", "course.created", "timestamp", "2024-01-15T10:30:00", "data", Map.of());

        assertThat(events.accept(posted).get("event_id").toString()).hasSize(36);
        assertThat(events.accept(Map.of("event_id", "e-1", "event_type", "a", "timestamp", "2024-01-15T10:30:00Z", "data", Map.of())))
                .containsEntry("event_id", "e-1");
        assertThatThrownBy(() -> events.accept(Map.of("event_type", "a", "timestamp", "2024-02-30T10:30:00", "data", Map.of())))
                .isInstanceOfSatisfying(InvalidRequestException.class,
                        e -> assertThat(e.errors()).singleElement().satisfies(error -> assertThat(error.field()).isEqualTo("timestamp")));
    }

    @Test
    void aReceivedEventIsInUtcAndABadTimestampIsPoison() {
        Map<String, Object> envelope = Map.of("event_type", "course.created", "timestamp", "2024-01-15T12:30:00+02:00",
                "data", Map.of("course_id", 1));

        Map<String, Object> received = events.received(envelope, "m-1", new byte[0], true);

        assertThat(received).containsEntry("event_id", "m-1").containsEntry("replay", true)
                .containsEntry("occurred_at", OffsetDateTime.parse("2024-01-15T10:30:00Z"));
        assertThat(received.get("envelope").toString()).contains("\"event_id\":\"m-1\"");
        assertThatThrownBy(() -> events.received(Map.of("timestamp", "2024-13-01T00:00:00"), null, new byte[0], null))
                .isInstanceOf(PoisonMessageException.class).hasMessageContaining("timestamp");
    }

    @Test
    void topicPatternsMatchAsTheBrokerWould() {
        assertThat(matches("course.created", "course.created")).containsExactly("course.created");
        assertThat(matches("course.*", "course.created", "course.enrolled", "course", "course.a.b", "review.created"))
                .containsExactly("course.created", "course.enrolled");
        assertThat(matches("course.#", "course", "course.created", "course.a.b", "courses.x"))
                .containsExactly("course", "course.created", "course.a.b");
        assertThat(matches("#.created", "created", "course.created", "a.b.created", "created.not"))
                .containsExactly("created", "course.created", "a.b.created");
        assertThat(matches("a.#.b", "a.b", "a.x.b", "a.x.y.b", "ab", "a.xb"))
                .containsExactly("a.b", "a.x.b", "a.x.y.b");
        assertThat(matches("#", "user.registered", "x")).containsExactly("user.registered", "x");
    }

    @Test
    void aSelectionRefusesWhatItCannotQueryNamingTheField() {
        assertThat(log.selection("course.*", "2024-01-15", null, null, null, 100, 500))
                .containsEntry("since", OffsetDateTime.parse("2024-01-15T00:00:00Z"))
                .containsEntry("limit", 100).containsEntry("after", 0L);
        for (var bad : List.of(
                List.of("type", "course..x"), List.of("since", "soon"), List.of("until", "2024-01-01"), List.of("limit", "501"))) {
            assertThatThrownBy(() -> log.selection(
                    bad.get(0).equals("type") ? bad.get(1) : null,
                    bad.get(0).equals("since") ? bad.get(1) : "2024-01-15",
                    bad.get(0).equals("until") ? bad.get(1) : null,
                    null,
                    bad.get(0).equals("limit") ? bad.get(1) : null, 100, 500))
                    .as(bad.toString())
                    .isInstanceOfSatisfying(InvalidRequestException.class,
                            e -> assertThat(e.errors()).singleElement().satisfies(error -> assertThat(error.field()).isEqualTo(bad.get(0))));
        }
    }

    private static List<String> matches(String pattern, String... types) {
        String regex = LearningEventLog.topicPattern(pattern);
        return java.util.Arrays.stream(types).filter(t -> t.matches(regex)).toList();
    }
}
