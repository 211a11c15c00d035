package io.caravan.platform.rest;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.neo4j.driver.exceptions.ServiceUnavailableException;
import org.neo4j.driver.exceptions.SessionExpiredException;

/**
 * Tells a store that is down from a store that refused something. A REST flow that writes to Neo4j or
 * Qdrant in the request (the commerce-events broker bypass) answers the first with 503 and
 * {@code Retry-After} ({@code platform/rest/RestErrorPolicy}), like an unavailable PostgreSQL or Redis; anything
 * else stays a 500. Consumers need no such distinction: every failure that is not poison climbs the
 * retry ladder.
 */
public final class StoreFailures {

    private StoreFailures() {
    }

    /** Whether {@code failure}, or anything it wraps, says Neo4j or Qdrant could not be reached or did not answer in time. */
    public static boolean isUnavailable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ServiceUnavailableException || t instanceof SessionExpiredException) {
                return true;
            }
            if (t instanceof StatusRuntimeException grpc) {
                Status.Code code = grpc.getStatus().getCode();
                return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
            }
        }
        return false;
    }
}
