package io.caravan.platform.redis;

import java.time.Duration;
import java.util.List;

import io.caravan.platform.rest.TooManyRequestsException;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

/**
 * A fixed-window rate limit per user and endpoint in Redis, under {@code rate:{userId}:{endpoint}}
 * (seed 001's key). Counting and starting the window happen in one Lua script, so concurrent requests
 * across Caravan instances count exactly.
 */
@Component("rateLimiter")
public class RateLimiter {

    /** INCR, start the window on the first hit, and return the count and the window's remaining ms. */
    private static final RedisScript<List> HIT = RedisScript.of("""
            local n = redis.call('INCR', KEYS[1])
            if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
            local ttl = redis.call('PTTL', KEYS[1])
            if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
            return {n, ttl}""", List.class);

    private final StringRedisTemplate redis;

    public RateLimiter(StringRedisTemplate redis) {
        this.redis = redis;
    }

    /**
     * Counts one request; throws {@link TooManyRequestsException} (with the wait) when over
     * {@code limit} per {@code window} (configuration text: {@code 60s}, {@code 1m}, {@code PT1M}).
     */
    public void acquire(String userId, String endpoint, int limit, String window) {
        count(userId, endpoint, limit, DurationStyle.detectAndParse(window));
    }

    void count(String userId, String endpoint, int limit, Duration window) {
        List<?> result = redis.execute(HIT, List.of(key(userId, endpoint)), String.valueOf(window.toMillis()));
        long count = ((Number) result.get(0)).longValue();
        long remainingMillis = ((Number) result.get(1)).longValue();
        if (count > limit) {
            throw new TooManyRequestsException("at most %d requests per %s on '%s'".formatted(limit, window, endpoint),
                    Duration.ofMillis(Math.max(remainingMillis, 1)));
        }
    }

    public static String key(String userId, String endpoint) {
        return "rate:" + userId + ":" + endpoint;
    }
}
