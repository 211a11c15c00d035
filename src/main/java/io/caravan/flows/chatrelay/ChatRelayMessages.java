package io.caravan.flows.chatrelay;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/**
 * The chat-relay flow's messages (seed 001), in the seed's camelCase:
 * <ul>
 *   <li>on {@code chat_requests}: {@code {sessionId, userId, message, timestamp}}, AMQP message id and
 *       correlation id = session id;</li>
 *   <li>on {@code chat_responses}: {@code {sessionId, userId, message, response, cached,
 *       processingTimeMs, timestamp}}.</li>
 * </ul>
 * A seed client's request may lack {@code sessionId}; then the correlation id, the message id, or a
 * name-based UUID of the bytes stands in, so a redelivery keeps its identity.
 */
@Component("chatRelayMessages")
public class ChatRelayMessages {

    private final ObjectMapper json;

    public ChatRelayMessages(ObjectMapper json) {
        this.json = json;
    }

    /** The request message for a new session (from {@code chatSessions.create}). */
    public Map<String, Object> request(Map<String, Object> session) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("sessionId", session.get("session_id"));
        request.put("userId", session.get("user_id"));
        request.put("message", session.get("message"));
        request.put("timestamp", session.get("created_at"));
        return request;
    }

    /** A request as the {@code durable-consumer} template hands it over, with its message id resolved. */
    public Map<String, Object> fromRequest(Map<String, Object> message, String messageId, String correlationId) {
        return fromRequest(message, messageId, correlationId, null);
    }

    /** A consumed request, Caravan's or a seed client's, with its session id settled. */
    public Map<String, Object> fromRequest(Map<String, Object> message, String messageId, String correlationId, byte[] raw) {
        Map<String, Object> request = new LinkedHashMap<>(message);
        request.put("sessionId", first(message.get("sessionId"), correlationId, messageId,
                UUID.nameUUIDFromBytes(raw == null ? new byte[0] : raw).toString()));
        request.putIfAbsent("userId", "anonymous");
        return request;
    }

    /** What {@code POST /chat/send} answers for a new session: its id, and that it is pending. */
    public Map<String, Object> pendingAnswer(Map<String, Object> session) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("session_id", session.get("session_id"));
        answer.put("status", "pending");
        return answer;
    }

    /** The response message for {@code request}, answered with {@code reply}. */
    public Map<String, Object> response(Exchange exchange, Map<String, Object> request, String reply, boolean cached) {
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("sessionId", request.get("sessionId"));
        response.put("userId", request.get("userId"));
        response.put("message", request.get("message"));
        response.put("response", reply);
        response.put("cached", cached);
        response.put("processingTimeMs", exchange.getClock().elapsed());
        response.put("timestamp", Instant.now().toString());
        return response;
    }

    /**
     * The chat-history row for a response (seed 001: "persist chat history"), keyed by the session id.
     * It goes to chat-history's one entry point, {@code direct:chat-history.store}, in the shape of
     * that flow's schema (schemas/chat-interaction.json).
     */
    public Map<String, Object> historyRow(Map<String, Object> response) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", response.get("sessionId"));
        row.put("user_id", String.valueOf(response.get("userId")));
        row.put("user_input", response.get("message"));
        row.put("bot_response", response.get("response"));
        row.put("timestamp", response.get("timestamp"));
        return row;
    }

    /** The session a dead-lettered request belonged to: its {@code sessionId}, else its message id. */
    public String sessionIdOf(byte[] raw, String messageId) {
        try {
            JsonNode node = json.readTree(raw);
            if (node != null && node.hasNonNull("sessionId")) {
                return node.get("sessionId").asText();
            }
        } catch (java.io.IOException notJson) {
            // a poison request: only its message id can name the session
        }
        return messageId;
    }

    private static String first(Object... candidates) {
        for (Object candidate : candidates) {
            if (candidate != null && !candidate.toString().isBlank()) {
                return candidate.toString();
            }
        }
        return null;
    }
}
