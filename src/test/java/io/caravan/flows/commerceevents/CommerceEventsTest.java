package io.caravan.flows.commerceevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.caravan.platform.broker.PoisonMessageException;
import io.caravan.platform.rest.ForbiddenException;
import io.caravan.platform.rest.InvalidRequestException;
import io.caravan.platform.security.Caller;
import org.junit.jupiter.api.Test;

/** The flow's message shaping on its own: ids, times, batches, who may post. */
class CommerceEventsTest {

    final CommerceEvents events = new CommerceEvents(new CommerceProperties(true, 3, new CommerceProperties.Qdrant("p", "u", "i"),
            new CommerceProperties.Vectors(64, null), new CommerceProperties.Recommendations(10, 100, 0.01f)), new Caller());

    @Test
    void anAcceptedEventKeepsTheCallersIdAndTimeOrGetsNewOnes() {
        Map<String, Object> mine = event("alice", "view");
        mine.put("event_id", "evt-1");
        mine.put("timestamp", 1767607200);

        Map<String, Object> kept = events.accept(mine, "alice", "user").get(0);
        Map<String, Object> fresh = events.accept(event("alice", "cart"), "alice", "user").get(0);

        assertThat(kept).containsEntry("event_id", "evt-1").containsEntry("timestamp", "2026-01-05T10:00Z").containsEntry("user_id", "alice");
        assertThat(fresh.get("event_id").toString()).hasSize(36).isNotEqualTo(
                events.accept(event("alice", "cart"), "alice", "user").get(0).get("event_id"));
        assertThat(OffsetDateTime.parse(fresh.get("timestamp").toString())).isAfter(OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(1));
        assertThat(fresh).doesNotContainKeys("category", "price");
    }

    @Test
    void aUserPostsOnlyForThemselvesUnlessAdmin() {
        assertThat(catchThrowableOfType(ForbiddenException.class, () -> events.accept(event("bob", "view"), "alice", "user")))
                .hasMessageContaining("bob");
        assertThat(events.accept(event("bob", "view"), "root", "user,admin")).hasSize(1);
        Map<String, Object> numeric = event("7", "view");
        numeric.put("user_id", 7);
        assertThat(events.accept(numeric, "7", "user").get(0)).containsEntry("user_id", 7);
    }

    @Test
    void aBatchIsAllOrNothing() {
        List<Map<String, Object>> four = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            four.add(event("alice", "view"));
        }
        Map<String, Object> twice = event("alice", "view");
        twice.put("event_id", "same");
        Map<String, Object> badTime = event("alice", "view");
        badTime.put("timestamp", "tomorrow");

        var tooMany = catchThrowableOfType(InvalidRequestException.class, () -> events.acceptAll(Map.of("events", four), "alice", "user"));
        var invalid = catchThrowableOfType(InvalidRequestException.class,
                () -> events.acceptAll(Map.of("events", List.of(twice, twice, badTime)), "alice", "user"));
        var foreign = catchThrowableOfType(ForbiddenException.class,
                () -> events.acceptAll(Map.of("events", List.of(event("alice", "view"), event("bob", "view"))), "alice", "user"));

        assertThat(tooMany.errors()).extracting(InvalidRequestException.FieldError::field).containsExactly("events");
        assertThat(invalid.errors()).extracting(InvalidRequestException.FieldError::field)
                .containsExactly("events[1].event_id", "events[2].timestamp");
        assertThat(foreign).hasMessageContaining("events[1]");
        assertThat(events.acceptAll(Map.of("events", List.of(event("alice", "view"), event("alice", "purchase"))), "alice", "user"))
                .extracting(m -> m.get("event_type")).containsExactly("view", "purchase");
    }

    @Test
    void aBareArrayIsTheSeedsBatchBody() {
        assertThat(events.batchBody("  [{\"a\": 1}]")).isEqualTo("{\"events\":   [{\"a\": 1}]}");
        assertThat(events.batchBody("{\"events\": []}")).isEqualTo("{\"events\": []}");
    }

    @Test
    void aConsumedMessageKeepsItsIdentityAcrossRedeliveries() {
        Map<String, Object> seed = new LinkedHashMap<>(Map.of("user_id", 1, "product_id", 100, "event_type", "view",
                "event_time", "2026-01-05 10:00:00", "published_at", "2026-01-05T10:00:01"));
        byte[] raw = "{\"user_id\": 1}".getBytes(StandardCharsets.UTF_8);

        CommerceEvent byBytes = events.fromMessage(seed, null, null, raw);
        CommerceEvent byBytesAgain = events.fromMessage(seed, null, null, raw.clone());
        CommerceEvent byMessageId = events.fromMessage(seed, "amqp-1", null, raw);
        seed.put("event_id", "evt-9");
        CommerceEvent byEventId = events.fromMessage(seed, "amqp-1", null, raw);

        assertThat(byBytes.eventId()).isEqualTo(byBytesAgain.eventId()).hasSize(36);
        assertThat(byMessageId.eventId()).isEqualTo("amqp-1");
        assertThat(byEventId.eventId()).isEqualTo("evt-9");
        assertThat(byBytes.userId()).isEqualTo("1");
        assertThat(byBytes.productId()).isEqualTo("100");
        assertThat(byBytes.userSession()).isEmpty();
        assertThat(byBytes.timestamp()).isEqualTo(OffsetDateTime.parse("2026-01-05T10:00:00Z"));
        assertThat(byBytes.category()).isNull();
        assertThat(byBytes.price()).isNull();
    }

    @Test
    void aConsumedMessagesTimeIsItsOwnElseTheBrokersAndABadOneIsPoison() {
        Map<String, Object> plain = Map.of("user_id", "u", "product_id", "p", "event_type", "cart", "price", 3, "category", "a.b");
        Date amqp = Date.from(OffsetDateTime.parse("2025-12-31T23:00:00Z").toInstant());

        CommerceEvent fromBroker = events.fromMessage(plain, "m", amqp, null);
        Map<String, Object> bad = new LinkedHashMap<>(plain);
        bad.put("timestamp", "soon");

        assertThat(fromBroker.timestamp()).isEqualTo(OffsetDateTime.parse("2025-12-31T23:00:00Z"));
        assertThat(fromBroker.price()).isEqualTo(3.0);
        assertThat(fromBroker.category()).isEqualTo("a.b");
        assertThat(catchThrowableOfType(PoisonMessageException.class, () -> events.fromMessage(bad, "m", amqp, null)))
                .hasMessageContaining("timestamp");
        assertThat(CommerceEvents.timestamp("2026-01-05T11:00:00+01:00")).isEqualTo(OffsetDateTime.parse("2026-01-05T10:00:00Z"));
        assertThat(CommerceEvents.timestamp("2026-01-05T10:00:00.5")).isEqualTo(OffsetDateTime.parse("2026-01-05T10:00:00.5Z"));
    }

    private static Map<String, Object> event(String user, String type) {
        return new LinkedHashMap<>(Map.of("user_id", user, "product_id", "p-1", "event_type", type, "user_session", "s"));
    }
}
