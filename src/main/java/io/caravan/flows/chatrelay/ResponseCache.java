package io.caravan.flows.chatrelay;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * The responder's reply cache in Redis. Keys are {@code ai:response:q:<sha-256 of the question>}: the
 * question is lower-cased and its white space folded first, so the same question asked by anyone, in
 * any session, is answered once. (Seed 001 wrote {@code ai:response:{sessionId}}, which never hits
 * across sessions; that key is still written per session, for clients that read it.)
 */
@Component("responseCache")
public class ResponseCache {

    private final StringRedisTemplate redis;
    private final Duration ttl;

    public ResponseCache(StringRedisTemplate redis, @Value("${caravan.chat-relay.response-cache-ttl:1h}") Duration ttl) {
        this.redis = redis;
        this.ttl = ttl;
    }

    /** The cached reply to {@code question}, or null. */
    public String lookup(String question) {
        return redis.opsForValue().get(questionKey(question));
    }

    /** Caches {@code reply} for {@code question}, and as this session's response. */
    public void put(String question, String sessionId, String reply) {
        redis.opsForValue().set(questionKey(question), reply, ttl);
        if (sessionId != null) {
            redis.opsForValue().set("ai:response:" + sessionId, reply, ttl);
        }
    }

    public static String questionKey(String question) {
        String normalised = question.trim().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(normalised.getBytes(StandardCharsets.UTF_8));
            return "ai:response:q:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
