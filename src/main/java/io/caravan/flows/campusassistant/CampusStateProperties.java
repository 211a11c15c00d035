package io.caravan.flows.campusassistant;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The campus-assistant flow's state in Redis ({@code caravan.campus.*}); key names are seed 003's.
 *
 * @param conversation the conversation state, {@code conversation:{student_id}}
 * @param preferences  the class preferences being collected, {@code class_preferences:{student_id}}
 */
@ConfigurationProperties("caravan.campus")
public record CampusStateProperties(@DefaultValue Conversation conversation, @DefaultValue Preferences preferences) {

    /**
     * @param keyPrefix the Redis key is this prefix followed by the student id
     * @param ttl       how long the state lives after its last update
     * @param maxTurns  how many recent turns (message and response) the state keeps, oldest dropped first
     */
    public record Conversation(@DefaultValue("conversation:") String keyPrefix, @DefaultValue("1h") Duration ttl,
                               @DefaultValue("10") int maxTurns) {

        public Conversation {
            requirePositive("caravan.campus.conversation.ttl", ttl);
            if (maxTurns < 1) {
                throw new IllegalArgumentException("caravan.campus.conversation.max-turns must be at least 1");
            }
        }
    }

    /**
     * @param keyPrefix the Redis key is this prefix followed by the student id
     * @param ttl       how long the preferences live after their last update
     */
    public record Preferences(@DefaultValue("class_preferences:") String keyPrefix, @DefaultValue("1h") Duration ttl) {

        public Preferences {
            requirePositive("caravan.campus.preferences.ttl", ttl);
        }
    }

    private static void requirePositive(String name, Duration ttl) {
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
