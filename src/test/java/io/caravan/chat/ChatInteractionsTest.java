package io.caravan.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.Map;
import java.util.UUID;

import io.caravan.broker.PoisonMessageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class ChatInteractionsTest {

    final ChatInteractions interactions = new ChatInteractions();
    final byte[] raw = "{\"user_id\":1}".getBytes(StandardCharsets.UTF_8);

    @Test
    void theMessagesOwnIdWins() {
        assertThat(ChatInteractions.idOf("own", "amqp", raw)).isEqualTo("own");
    }

    @Test
    void withoutAnIdTheAmqpMessageIdIsUsed() {
        assertThat(ChatInteractions.idOf(null, "amqp", raw)).isEqualTo("amqp");
        assertThat(ChatInteractions.idOf(" ", "amqp", raw)).isEqualTo("amqp");
    }

    @Test
    void withNeitherTheIdIsDerivedFromTheBytesSoARedeliveryGetsTheSameId() {
        String id = ChatInteractions.idOf(null, null, raw);

        assertThat(id).isEqualTo(UUID.nameUUIDFromBytes(raw).toString());
        assertThat(ChatInteractions.idOf(null, "", raw.clone())).isEqualTo(id);
        assertThat(ChatInteractions.idOf(null, null, "{\"user_id\":2}".getBytes(StandardCharsets.UTF_8))).isNotEqualTo(id);
    }

    @Test
    void timestampsFromPythonAndJavaAndEpochSecondsAreRead() {
        assertThat(ChatInteractions.timestampOf("2026-11-22T10:15:30.5+01:00", null))
                .isEqualTo(OffsetDateTime.of(2026, 11, 22, 10, 15, 30, 500_000_000, ZoneOffset.ofHours(1)));
        assertThat(ChatInteractions.timestampOf("2026-11-22T10:15:30.123456", null))
                .isEqualTo(OffsetDateTime.of(2026, 11, 22, 10, 15, 30, 123_456_000, ZoneOffset.UTC));
        assertThat(ChatInteractions.timestampOf(1_700_000_000.25, null).toInstant().toEpochMilli()).isEqualTo(1_700_000_000_250L);
        assertThat(ChatInteractions.timestampOf(null, new Date(1_700_000_000_000L)).toInstant().toEpochMilli()).isEqualTo(1_700_000_000_000L);
    }

    @Test
    void aTimestampThatIsNotADateIsPoison() {
        assertThatThrownBy(() -> ChatInteractions.timestampOf("yesterday", null))
                .isInstanceOf(PoisonMessageException.class)
                .hasMessageContaining("timestamp");
    }

    @Test
    void aNewInteractionCarriesTheRequestAndTheReply() {
        Map<String, Object> interaction = interactions.record(Map.of("user_id", 7, "message", "hi"), "hello");

        assertThat(interaction).containsEntry("user_id", "7").containsEntry("user_input", "hi").containsEntry("bot_response", "hello");
        assertThat(UUID.fromString(interaction.get("id").toString())).isNotNull();
        assertThat(interactions.answer(interaction)).containsOnlyKeys("reply", "interaction_id").containsEntry("reply", "hello");
    }
}
