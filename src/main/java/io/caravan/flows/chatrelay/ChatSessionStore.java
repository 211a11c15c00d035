package io.caravan.flows.chatrelay;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.platform.security.Caller;
import io.caravan.platform.rest.NotFoundException;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Chat-relay sessions (seed 001) in Redis: {@code chat:session:{sessionId}} holds the session as JSON
 * ({@code session_id, user_id, message, status, created_at}, and once answered {@code reply, cached,
 * completed_at, processing_ms}, or {@code error}), with a TTL. Each change is also published on the
 * Redis channel {@code chat:session:{sessionId}:events}, which the SSE endpoint listens to on
 * whichever Caravan instance the client is connected to.
 */
@Component("chatSessions")
public class ChatSessionStore {

    public static final String PENDING = "pending";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";

    private final StringRedisTemplate redis;
    private final ObjectMapper json;
    private final Duration ttl;

    public ChatSessionStore(StringRedisTemplate redis, ObjectMapper json,
                            @Value("${caravan.chat-relay.session-ttl:1h}") Duration ttl) {
        this.redis = redis;
        this.json = json;
        this.ttl = ttl;
    }

    public static String key(String sessionId) {
        return "chat:session:" + sessionId;
    }

    public static String channel(String sessionId) {
        return key(sessionId) + ":events";
    }

    /** A new pending session for {@code userId}'s {@code message}. */
    public Map<String, Object> create(String userId, String message) {
        Map<String, Object> session = new LinkedHashMap<>();
        session.put("session_id", UUID.randomUUID().toString());
        session.put("user_id", userId);
        session.put("message", message);
        session.put("status", PENDING);
        session.put("created_at", Instant.now().toString());
        save(session);
        return session;
    }

    /** The session, or null when there is none (expired, or never Caravan's). */
    public Map<String, Object> find(String sessionId) {
        String stored = redis.opsForValue().get(key(sessionId));
        return stored == null ? null : read(stored);
    }

    /** The session if the caller owns it or is an admin; otherwise 404, so sessions cannot be probed. */
    public Map<String, Object> get(String sessionId, String caller, String roles) {
        Map<String, Object> session = find(sessionId);
        if (session == null || !(Caller.isAdmin(roles) || String.valueOf(session.get("user_id")).equals(caller))) {
            throw new NotFoundException("no chat session " + sessionId);
        }
        return session;
    }

    /** Marks the session completed with its reply; a session Caravan does not know (a seed client's) is left alone. */
    public void complete(String sessionId, String reply, Object cached, Number processingMs) {
        Map<String, Object> session = find(sessionId);
        if (session == null || COMPLETED.equals(session.get("status"))) {
            return;
        }
        session.put("status", COMPLETED);
        session.put("reply", reply);
        session.put("cached", Boolean.TRUE.equals(cached) || "true".equals(String.valueOf(cached)));
        session.put("processing_ms", processingMs);
        session.put("completed_at", Instant.now().toString());
        session.put("total_ms", Duration.between(Instant.parse(session.get("created_at").toString()), Instant.now()).toMillis());
        save(session);
    }

    /** Marks the session failed with the reason its request was dead-lettered. */
    public void fail(String sessionId, String reason) {
        Map<String, Object> session = find(sessionId);
        if (session == null || COMPLETED.equals(session.get("status"))) {
            return;
        }
        session.put("status", FAILED);
        session.put("error", reason);
        session.put("failed_at", Instant.now().toString());
        save(session);
    }

    private void save(Map<String, Object> session) {
        String id = session.get("session_id").toString();
        String text = write(session);
        redis.opsForValue().set(key(id), text, ttl);
        redis.convertAndSend(channel(id), text);
    }

    private String write(Map<String, Object> session) {
        try {
            return json.writeValueAsString(session);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, Object> read(String text) {
        try {
            return json.readValue(text, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable chat session: " + text, e);
        }
    }
}
