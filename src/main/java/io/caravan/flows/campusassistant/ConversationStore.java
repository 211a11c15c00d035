package io.caravan.flows.campusassistant;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caravan.platform.redis.RedisJsonDocuments;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * A student's conversation state in Redis, key {@code conversation:{student_id}} (seed 003), TTL
 * {@code caravan.campus.conversation.ttl} from the last message: the recent turns, oldest first, at most
 * {@code caravan.campus.conversation.max-turns}, and the last intent.
 *
 * <p>Caching is best effort, as in the seed ("Redis connection failure: system continues but no
 * caching"): {@link #record} answers whether the turn was cached and never fails the request. Reads
 * ({@link #find}) do fail when Redis is down, with a {@code DataAccessException}.
 */
@Component("conversationStore")
public class ConversationStore {

    private static final Logger LOG = LoggerFactory.getLogger(ConversationStore.class);
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

    private final RedisJsonDocuments documents;
    private final CampusStateProperties.Conversation settings;
    private final ObjectMapper json;

    public ConversationStore(StringRedisTemplate redis, ObjectMapper json, CampusStateProperties properties) {
        this.documents = new RedisJsonDocuments(redis, json);
        this.settings = properties.conversation();
        this.json = json;
    }

    /**
     * Adds a chat message ({@code id, student_id, message, response, intent, metadata, timestamp}) as the
     * newest turn of its student's conversation and restarts the TTL. Returns false, and logs why, when
     * Redis did not take it.
     */
    public boolean record(Map<String, Object> chatMessage) {
        Object studentId = chatMessage.get("student_id");
        try {
            documents.update(key(studentId), settings.ttl(), state -> withTurn(state, chatMessage));
            return true;
        } catch (DataAccessException e) {
            LOG.warn("Conversation state of student {} not cached (message {} is still logged): {}", studentId,
                    chatMessage.get("id"), e.getMostSpecificCause().getMessage());
            return false;
        }
    }

    /** The cached conversation of {@code studentId}, or null if there is none (never cached, or expired). */
    public Map<String, Object> find(long studentId) {
        ObjectNode state = documents.read(key(studentId));
        return state == null ? null : json.convertValue(state, MAP);
    }

    /** The Redis key of a student's conversation. */
    public String key(Object studentId) {
        return settings.keyPrefix() + studentId;
    }

    private ObjectNode withTurn(ObjectNode state, Map<String, Object> chatMessage) {
        Map<String, Object> turn = new LinkedHashMap<>();
        for (String field : new String[] {"id", "message", "response", "intent", "metadata", "timestamp"}) {
            turn.put(field, chatMessage.get(field));
        }
        ArrayNode turns = state.get("turns") instanceof ArrayNode existing ? existing : json.createArrayNode();
        turns.add(json.valueToTree(turn));
        while (turns.size() > settings.maxTurns()) {
            turns.remove(0);
        }
        ObjectNode next = json.createObjectNode();
        next.set("student_id", json.valueToTree(chatMessage.get("student_id")));
        next.set("last_intent", json.valueToTree(chatMessage.get("intent")));
        next.set("updated_at", json.valueToTree(chatMessage.get("timestamp")));
        next.set("turns", turns);
        return next;
    }
}
