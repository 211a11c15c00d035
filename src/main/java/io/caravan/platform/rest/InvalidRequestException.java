package io.caravan.platform.rest;

import java.util.List;

/** A request Caravan refuses at the door; {@link FieldError}s name what is wrong. */
public class InvalidRequestException extends RuntimeException {

    /** One wrong field: its JSON path-like name (e.g. {@code message}, {@code limit}) and what is wrong with it. */
    public record FieldError(String field, String message) { }

    private final List<FieldError> errors;

    public InvalidRequestException(List<FieldError> errors) {
        super(errors.stream().map(e -> e.field() + ": " + e.message()).reduce((a, b) -> a + "; " + b).orElse("invalid request"));
        this.errors = List.copyOf(errors);
    }

    public InvalidRequestException(String field, String message) {
        this(List.of(new FieldError(field, message)));
    }

    public List<FieldError> errors() {
        return errors;
    }
}
