package io.caravan.platform.rest;

import java.util.Map;

/**
 * A service Caravan needs to answer this request (RabbitMQ, ...) cannot be reached or is not in the
 * state Caravan needs: answered 503 problem+json with {@code Retry-After}. {@link #details()} become
 * extra members of the problem, so the caller sees what was found (e.g. which queues are missing).
 */
public class DependencyUnavailableException extends RuntimeException {

    private final String dependency;
    private final Map<String, Object> details;

    public DependencyUnavailableException(String dependency, String message, Map<String, Object> details, Throwable cause) {
        super(message, cause);
        this.dependency = dependency;
        this.details = details == null ? Map.of() : Map.copyOf(details);
    }

    /** The service that is unavailable, e.g. {@code rabbitmq}. */
    public String dependency() {
        return dependency;
    }

    /** Extra problem members, by name. */
    public Map<String, Object> details() {
        return details;
    }
}
