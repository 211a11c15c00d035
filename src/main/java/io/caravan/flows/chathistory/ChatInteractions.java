package io.caravan.flows.chathistory;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import io.caravan.platform.broker.ConsumedMessage;
import io.caravan.platform.broker.ConsumedMessages;
import org.springframework.stereotype.Component;

/**
 * Shapes the chat-history flow's message (seed 000): the interaction
 * {@code {id, user_id, user_input, bot_response, timestamp}}.
 *
 * <p>{@link #record} builds it at the REST door; {@link #forStorage} turns whatever arrived on the
 * queue (Caravan's own message or a seed client's, which has no {@code id}) into the row to insert.
 *
 * <p>The flow's one entry point for other flows is the route {@code direct:chat-history.store}
 * (routes/chat-history.yaml): chat-relay sends it a row of the same shape (see its
 * {@code ChatRelayMessages.historyRow}); no other flow uses this class.
 */
@Component("chatInteractions")
public class ChatInteractions {

    /** A new interaction for a request and the responder's reply, with a fresh id. */
    public Map<String, Object> record(Map<String, Object> request, String reply) {
        Map<String, Object> interaction = new LinkedHashMap<>();
        interaction.put("id", UUID.randomUUID().toString());
        interaction.put("user_id", String.valueOf(request.get("user_id")));
        interaction.put("user_input", request.get("message"));
        interaction.put("bot_response", reply);
        interaction.put("timestamp", OffsetDateTime.now(ZoneOffset.UTC).toString());
        return interaction;
    }

    /** What the caller of {@code POST /chat} gets back. */
    public Map<String, Object> answer(Map<String, Object> interaction) {
        return Map.of("reply", interaction.get("bot_response"), "interaction_id", interaction.get("id"));
    }

    /** The row for a message the {@code durable-consumer} template hands over, with its id and time resolved. */
    public Map<String, Object> forStorage(Map<String, Object> message, String messageId, Date messageTime) {
        return forStorage(message, messageId, messageTime, null);
    }

    /** The rows for a batch the consumer delivered, one per message, as {@link #forStorage(Map, String, Date)} builds them. */
    public List<Map<String, Object>> forStorage(List<ConsumedMessage> batch) {
        return ConsumedMessage.rows(batch, this::forStorage);
    }

    /**
     * The row for a consumed message. The id is the message's own {@code id}, else its AMQP message id,
     * else a name-based UUID of the raw bytes, so a redelivered seed message is stored once.
     *
     * @param message       the parsed, schema-valid message
     * @param amqpMessageId the AMQP message-id property, may be null
     * @param amqpTimestamp the AMQP timestamp property, may be null
     * @param raw           the message body as it arrived
     */
    public Map<String, Object> forStorage(Map<String, Object> message, String amqpMessageId, Date amqpTimestamp, byte[] raw) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", ConsumedMessages.id(message.get("id"), amqpMessageId, raw));
        row.put("user_id", String.valueOf(message.get("user_id")));
        row.put("user_input", message.get("user_input"));
        row.put("bot_response", message.get("bot_response"));
        row.put("timestamp", ConsumedMessages.timestamp(message.get("timestamp"), amqpTimestamp));
        return row;
    }
}
