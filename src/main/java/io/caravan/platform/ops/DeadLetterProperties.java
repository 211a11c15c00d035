package io.caravan.platform.ops;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Bounds of the dead-letter admin API ({@code caravan.ops.dead-letters.*}).
 *
 * @param maxExamined  the most dead letters one call reads from a dead-letter queue; the answer says
 *                     whether more remain, and the next call goes on with them
 * @param maxPageSize  the largest {@code limit} of one listing page
 */
@ConfigurationProperties("caravan.ops.dead-letters")
public record DeadLetterProperties(
        @DefaultValue("10000") int maxExamined,
        @DefaultValue("500") int maxPageSize) {

    public DeadLetterProperties {
        if (maxExamined < 1 || maxPageSize < 1) {
            throw new IllegalArgumentException("caravan.ops.dead-letters.max-examined and max-page-size must be at least 1");
        }
    }
}
