package io.caravan.flows.commerceevents;

import java.time.OffsetDateTime;

/**
 * One commerce event as the sinks take it (seed 002): who did what to which product, when. Ids are
 * text whatever the client sent (a seed client sends numbers), so {@code 1} and {@code "1"} are the
 * same user everywhere.
 *
 * @param eventId     the idempotency key every sink uses: the same id is recorded once
 * @param eventType   {@code view}, {@code cart}, {@code remove_from_cart} or {@code purchase}
 * @param userSession the client's session id; may be empty
 * @param category    the product's category (e.g. {@code electronics.smartphone}); may be null
 * @param price       the product's price; may be null
 */
public record CommerceEvent(String eventId, String userId, String productId, String eventType, String userSession,
                            OffsetDateTime timestamp, String category, Double price) { }
