package io.caravan.flows.chathistory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class ChatInteractionsTest {

    final ChatInteractions interactions = new ChatInteractions();

    @Test
    void aNewInteractionCarriesTheRequestAndTheReply() {
        Map<String, Object> interaction = interactions.record(Map.of("user_id", 7, "message", "hi"), "hello");

        assertThat(interaction).containsEntry("user_id", "7").containsEntry("user_input", "hi").containsEntry("bot_response", "hello");
        assertThat(UUID.fromString(interaction.get("id").toString())).isNotNull();
        assertThat(interactions.answer(interaction)).containsOnlyKeys("reply", "interaction_id").containsEntry("reply", "hello");
    }
}
