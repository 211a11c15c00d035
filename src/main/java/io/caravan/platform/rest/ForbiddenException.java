package io.caravan.platform.rest;

/** The caller is known but may not do this (e.g. read another user's history): 403 problem+json. */
public class ForbiddenException extends RuntimeException {

    public ForbiddenException(String message) {
        super(message);
    }
}
