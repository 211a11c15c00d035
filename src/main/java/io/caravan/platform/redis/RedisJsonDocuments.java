package io.caravan.platform.redis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.data.redis.core.RedisOperations;
import org.springframework.data.redis.core.SessionCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * JSON objects kept as Redis strings with a TTL, the way seed 003's {@code RedisCache} keeps them (so
 * {@code redis-cli GET conversation:1} shows the document). An update is read-modify-write under
 * {@code WATCH}/{@code MULTI}/{@code EXEC}, retried when another request changed the key meanwhile, so
 * two concurrent requests for one student never lose each other's change. Within this instance the updates
 * of one key also take turns (a lock striped by key): WATCH alone lets a busy instance's threads invalidate
 * each other until the attempts run out, and WATCH is then left to guard against other instances only.
 * Redis failures surface as Spring's {@code DataAccessException}s; the stores decide what they mean.
 */
public final class RedisJsonDocuments {

    private static final int MAX_ATTEMPTS = 20;
    private static final int STRIPES = 64;
    private static final Logger LOG = LoggerFactory.getLogger(RedisJsonDocuments.class);

    private final StringRedisTemplate redis;
    private final ObjectMapper json;
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];

    public RedisJsonDocuments(StringRedisTemplate redis, ObjectMapper json) {
        this.redis = redis;
        this.json = json;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /** The document at {@code key}, or null if there is none. */
    public ObjectNode read(String key) {
        return parse(key, redis.opsForValue().get(key));
    }

    /**
     * Applies {@code change} to the document at {@code key} (an empty object if there is none), stores
     * the result with {@code ttl} and returns it. A change that returns null leaves the key as it is
     * (and the update returns null): the check and the write are one atomic step.
     */
    public ObjectNode update(String key, Duration ttl, UnaryOperator<ObjectNode> change) {
        ReentrantLock lock = stripes[Math.floorMod(key.hashCode(), STRIPES)];
        lock.lock();
        try {
            return watchedUpdate(key, ttl, change);
        } finally {
            lock.unlock();
        }
    }

    private ObjectNode watchedUpdate(String key, Duration ttl, UnaryOperator<ObjectNode> change) {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            ObjectNode[] next = new ObjectNode[1];
            List<Object> committed = redis.execute(new SessionCallback<List<Object>>() {
                @Override
                @SuppressWarnings("unchecked")
                public <K, V> List<Object> execute(RedisOperations<K, V> operations) {
                    RedisOperations<String, String> ops = (RedisOperations<String, String>) operations;
                    ops.watch(key);
                    ObjectNode current = parse(key, ops.opsForValue().get(key));
                    next[0] = change.apply(current == null ? json.createObjectNode() : current);
                    if (next[0] == null) {
                        ops.unwatch();
                        return null;
                    }
                    ops.multi();
                    ops.opsForValue().set(key, write(next[0]), ttl);
                    return ops.exec();
                }
            });
            if (next[0] == null) {
                return null;
            }
            // EXEC answers nothing when a watched key changed before it: read again and re-apply
            if (committed != null && !committed.isEmpty()) {
                return next[0];
            }
        }
        throw new OptimisticLockingFailureException("'" + key + "' kept changing during " + MAX_ATTEMPTS + " attempts to update it");
    }

    /** Deletes the document; true if there was one. */
    public boolean delete(String key) {
        return Boolean.TRUE.equals(redis.delete(key));
    }

    /** The document, or null if the key is absent or (written by someone else) holds no JSON object: it is replaced then. */
    private ObjectNode parse(String key, String text) {
        if (text == null) {
            return null;
        }
        try {
            JsonNode node = json.readTree(text);
            if (node instanceof ObjectNode object) {
                return object;
            }
        } catch (JsonProcessingException e) {
            // logged below
        }
        LOG.warn("Redis key '{}' does not hold a JSON object; treating it as empty", key);
        return null;
    }

    private String write(ObjectNode document) {
        try {
            return json.writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("state cannot be written as JSON", e);
        }
    }
}
