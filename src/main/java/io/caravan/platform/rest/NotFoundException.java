package io.caravan.platform.rest;

/** What a request names does not exist (or is not Caravan's to show): answered 404 problem+json. */
public class NotFoundException extends RuntimeException {

    public NotFoundException(String message) {
        super(message);
    }
}
