package io.caravan.flows.chatrelay;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caravan.platform.redis.RedisJsonDocuments;
import io.caravan.platform.rest.NotFoundException;
import io.caravan.platform.security.Caller;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Chat-relay sessions (seed 001) in Redis: {@code chat:session:{sessionId}} holds the session as JSON
 * ({@code session_id, user_id, message, status, created_at}, and once answered {@code reply, cached,
 * completed_at, processing_ms}, or {@code error}), with a TTL. Each change is also published on the
 * Redis channel {@code chat:session:{sessionId}:events}, which the SSE endpoint listens to on
 * whichever Caravan instance the client is connected to. Changes go through the platform's
 * {@link RedisJsonDocuments} (WATCH/MULTI), so a reply and a failure arriving together cannot
 * overwrite each other, and a completed session stays completed.
 */
@Component("chatSessions")
public class ChatSessionStore {

    public static final String PENDING = "pending";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";

    private final StringRedisTemplate redis;
    private final ObjectMapper json;
    private final Duration ttl;
    private final RedisJsonDocuments documents;

    public ChatSessionStore(StringRedisTemplate redis, ObjectMapper json,
                            @Value("${caravan.chat-relay.session-ttl:1h}") Duration ttl) {
        this.redis = redis;
        this.json = json;
        this.ttl = ttl;
        this.documents = new RedisJsonDocuments(redis, json);
    }

    public static String key(String sessionId) {
        return "chat:session:" + sessionId;
    }

    public static String channel(String sessionId) {
        return key(sessionId) + ":events";
    }

    /** A new pending session for {@code userId}'s {@code message}. */
    public Map<String, Object> create(String userId, String message) {
        String sessionId = UUID.randomUUID().toString();
        ObjectNode session = documents.update(key(sessionId), ttl, created -> {
            created.put("session_id", sessionId);
            created.put("user_id", userId);
            created.put("message", message);
            created.put("status", PENDING);
            created.put("created_at", Instant.now().toString());
            return created;
        });
        return published(sessionId, session);
    }

    /** The session, or null when there is none (expired, or never Caravan's). */
    public Map<String, Object> find(String sessionId) {
        ObjectNode stored = documents.read(key(sessionId));
        return stored == null ? null : asMap(stored);
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
        ObjectNode session = documents.update(key(sessionId), ttl, stored -> {
            if (unknownOrCompleted(stored)) {
                return null;
            }
            stored.put("status", COMPLETED);
            stored.put("reply", reply);
            stored.put("cached", Boolean.TRUE.equals(cached) || "true".equals(String.valueOf(cached)));
            stored.set("processing_ms", json.valueToTree(processingMs));
            stored.put("completed_at", Instant.now().toString());
            stored.put("total_ms", Duration.between(Instant.parse(stored.get("created_at").asText()), Instant.now()).toMillis());
            return stored;
        });
        published(sessionId, session);
    }

    /** Marks the session failed with the reason its request was dead-lettered. */
    public void fail(String sessionId, String reason) {
        ObjectNode session = documents.update(key(sessionId), ttl, stored -> {
            if (unknownOrCompleted(stored)) {
                return null;
            }
            stored.put("status", FAILED);
            stored.put("error", reason);
            stored.put("failed_at", Instant.now().toString());
            return stored;
        });
        published(sessionId, session);
    }

    /** An empty document is a session Caravan does not know (a seed client's, or expired). */
    private static boolean unknownOrCompleted(ObjectNode stored) {
        return stored.isEmpty() || COMPLETED.equals(stored.path("status").asText(null));
    }

    /** Tells the SSE listeners about the stored session (nothing if the update left it alone). */
    private Map<String, Object> published(String sessionId, ObjectNode session) {
        if (session == null) {
            return null;
        }
        redis.convertAndSend(channel(sessionId), write(session));
        return asMap(session);
    }

    private String write(ObjectNode session) {
        try {
            return json.writeValueAsString(session);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, Object> asMap(ObjectNode session) {
        return json.convertValue(session, new TypeReference<LinkedHashMap<String, Object>>() { });
    }
}
