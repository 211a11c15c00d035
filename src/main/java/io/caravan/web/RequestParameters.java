package io.caravan.web;

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
}
