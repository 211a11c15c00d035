package io.caravan.flows.campusassistant;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caravan.platform.redis.RedisJsonDocuments;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * The class preferences a student is giving step by step, in Redis, key
 * {@code class_preferences:{student_id}} (seed 003), TTL {@code caravan.campus.preferences.ttl} from the
 * last answer. The state is {@code {student_id, preferences: {key: value, ...}, step, updated_at}}.
 *
 * <p>As in the seed, Redis being down does not stop the dialogue: {@link #update} then answers with only
 * the answer just given and {@code cached: false}. Reads and {@link #clear} fail with a
 * {@code DataAccessException} when Redis is down.
 */
@Component("classPreferenceStore")
public class ClassPreferenceStore {

    private static final Logger LOG = LoggerFactory.getLogger(ClassPreferenceStore.class);
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

    private final RedisJsonDocuments documents;
    private final CampusStateProperties.Preferences settings;
    private final ObjectMapper json;

    public ClassPreferenceStore(StringRedisTemplate redis, ObjectMapper json, CampusStateProperties properties) {
        this.documents = new RedisJsonDocuments(redis, json);
        this.settings = properties.preferences();
        this.json = json;
    }

    /**
     * Sets preference {@code key} to {@code value} and the dialogue's {@code step}, restarts the TTL and
     * returns the whole state plus {@code cached} (false when Redis did not take it: the state is then
     * just this answer).
     */
    public Map<String, Object> update(long studentId, String key, Object value, String step) {
        String now = OffsetDateTime.now(ZoneOffset.UTC).toString();
        Map<String, Object> state;
        boolean cached;
        try {
            state = json.convertValue(documents.update(key(studentId), settings.ttl(),
                    current -> withAnswer(current, studentId, key, value, step, now)), MAP);
            cached = true;
        } catch (DataAccessException e) {
            LOG.warn("Class preferences of student {} not cached; answering with '{}' only: {}", studentId, key,
                    e.getMostSpecificCause().getMessage());
            state = json.convertValue(withAnswer(json.createObjectNode(), studentId, key, value, step, now), MAP);
            cached = false;
        }
        state.put("cached", cached);
        return state;
    }

    /** The current state; with no preferences given yet (or expired), an empty set and no step. */
    public Map<String, Object> find(long studentId) {
        ObjectNode state = documents.read(key(studentId));
        if (state != null) {
            return json.convertValue(state, MAP);
        }
        Map<String, Object> empty = new LinkedHashMap<>();
        empty.put("student_id", studentId);
        empty.put("preferences", Map.of());
        empty.put("step", null);
        return empty;
    }

    /** Forgets the student's preferences; true if there were any. */
    public boolean clear(long studentId) {
        return documents.delete(key(studentId));
    }

    /** The Redis key of a student's preferences. */
    public String key(Object studentId) {
        return settings.keyPrefix() + studentId;
    }

    private ObjectNode withAnswer(ObjectNode state, long studentId, String key, Object value, String step, String now) {
        ObjectNode preferences = state.get("preferences") instanceof ObjectNode existing ? existing : json.createObjectNode();
        preferences.set(key, json.valueToTree(value));
        ObjectNode next = json.createObjectNode();
        next.put("student_id", studentId);
        next.set("preferences", preferences);
        next.put("step", step);
        next.put("updated_at", now);
        return next;
    }
}
