package io.caravan.platform.rest;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

import org.springframework.stereotype.Component;

/** Checks query and path parameters for flows; a bad one is an {@link InvalidRequestException} naming it. */
@Component("requestParameters")
public class RequestParameters {

    /** {@code value} as an int in [{@code min}, {@code max}], or {@code fallback} when absent. */
    public int boundedInt(String name, String value, int fallback, int min, int max) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException ignored) {
            // reported below with the allowed range
        }
        throw new InvalidRequestException(name, "must be a whole number from %d to %d".formatted(min, max));
    }

    /**
     * {@code value} as an ISO-8601 date-time ({@code 2024-01-15T10:30:00Z}, {@code 2024-01-15T10:30:00+02:00})
     * or date ({@code 2024-01-15}: its start); without an offset it is UTC. Null when absent.
     */
    public OffsetDateTime dateTime(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        OffsetDateTime parsed = parseDateTime(value.trim());
        if (parsed == null) {
            try {
                return LocalDate.parse(value.trim()).atStartOfDay().atOffset(ZoneOffset.UTC);
            } catch (DateTimeParseException notADate) {
                // reported below
            }
            throw new InvalidRequestException(name, "must be an ISO-8601 date-time or date, e.g. 2024-01-15T10:30:00Z");
        }
        return parsed;
    }

    /** An ISO-8601 date-time with or without offset (then UTC), or null if {@code text} is not one. */
    public static OffsetDateTime parseDateTime(String text) {
        try {
            return OffsetDateTime.parse(text);
        } catch (DateTimeParseException notOffset) {
            try {
                return LocalDateTime.parse(text).atOffset(ZoneOffset.UTC);
            } catch (DateTimeParseException e) {
                return null;
            }
        }
    }
}
