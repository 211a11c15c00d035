package io.caravan.platform.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class ConsumedMessagesTest {

    final byte[] raw = "{\"user_id\":1}".getBytes(StandardCharsets.UTF_8);

    @Test
    void theMessagesOwnIdWins() {
        assertThat(ConsumedMessages.id("own", "amqp", raw)).isEqualTo("own");
    }

    @Test
    void withoutAnIdTheAmqpMessageIdIsUsed() {
        assertThat(ConsumedMessages.id(null, "amqp", raw)).isEqualTo("amqp");
        assertThat(ConsumedMessages.id(" ", "amqp", raw)).isEqualTo("amqp");
    }

    @Test
    void withNeitherTheIdIsDerivedFromTheBytesSoARedeliveryGetsTheSameId() {
        String id = ConsumedMessages.id(null, null, raw);

        assertThat(id).isEqualTo(UUID.nameUUIDFromBytes(raw).toString());
        assertThat(ConsumedMessages.id(null, "", raw.clone())).isEqualTo(id);
        assertThat(ConsumedMessages.id(null, null, "{\"user_id\":2}".getBytes(StandardCharsets.UTF_8))).isNotEqualTo(id);
    }

    @Test
    void timestampsFromPythonAndJavaAndEpochSecondsAreRead() {
        assertThat(ConsumedMessages.timestamp("2026-11-22T10:15:30.5+01:00", null))
                .isEqualTo(OffsetDateTime.of(2026, 11, 22, 10, 15, 30, 500_000_000, ZoneOffset.ofHours(1)));
        assertThat(ConsumedMessages.timestamp("2026-11-22T10:15:30.123456", null))
                .isEqualTo(OffsetDateTime.of(2026, 11, 22, 10, 15, 30, 123_456_000, ZoneOffset.UTC));
        assertThat(ConsumedMessages.timestamp(1_700_000_000.25, null).toInstant().toEpochMilli()).isEqualTo(1_700_000_000_250L);
        assertThat(ConsumedMessages.timestamp(null, new Date(1_700_000_000_000L)).toInstant().toEpochMilli()).isEqualTo(1_700_000_000_000L);
    }

    @Test
    void aTimestampThatIsNotADateIsPoison() {
        assertThatThrownBy(() -> ConsumedMessages.timestamp("yesterday", null))
                .isInstanceOf(PoisonMessageException.class)
                .hasMessageContaining("timestamp");
    }

    @Test
    void theRoutingKeyIsTheOriginalOneOfADeadLetterReplayElseTheDeliverysOne() {
        assertThat(ConsumedMessages.routingKey("review.created", "learning-event-log")).isEqualTo("review.created");
        assertThat(ConsumedMessages.routingKey(null, "course.created")).isEqualTo("course.created");
        assertThat(new ConsumedMessage("id", new Date(), "body").routingKey()).as("not known").isNull();
    }
}
