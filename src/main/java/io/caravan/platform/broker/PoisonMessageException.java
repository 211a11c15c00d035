package io.caravan.platform.broker;

/** A consumed message that can never be stored as it is (bad content, unknown type): dead-letter it at once. */
public class PoisonMessageException extends RuntimeException {

    public PoisonMessageException(String message) {
        super(message);
    }
}
