package io.caravan.platform.rest;

import java.time.Duration;

/** Over a rate limit: 429 problem+json with Retry-After; nothing was published. */
public class TooManyRequestsException extends RuntimeException {

    private final Duration retryAfter;

    public TooManyRequestsException(String message, Duration retryAfter) {
        super(message);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
