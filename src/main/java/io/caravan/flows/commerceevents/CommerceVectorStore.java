package io.caravan.flows.commerceevents;

import static io.qdrant.client.ConditionFactory.filter;
import static io.qdrant.client.ConditionFactory.hasId;
import static io.qdrant.client.ConditionFactory.isEmpty;
import static io.qdrant.client.ConditionFactory.matchKeyword;
import static io.qdrant.client.ConditionFactory.matchKeywords;
import static io.qdrant.client.ConditionFactory.range;
import static io.qdrant.client.PointIdFactory.id;
import static io.qdrant.client.QueryFactory.nearest;
import static io.qdrant.client.ValueFactory.value;
import static io.qdrant.client.VectorsFactory.vectors;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.google.common.util.concurrent.ListenableFuture;
import io.caravan.platform.qdrant.QdrantClientConfiguration;
import io.caravan.platform.rest.NotFoundException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.WithPayloadSelectorFactory;
import io.qdrant.client.WithVectorsSelectorFactory;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.Common.Range;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points.DeletePoints;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.PointsSelector;
import io.qdrant.client.grpc.Points.QueryPoints;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.ScoredPoint;
import io.qdrant.client.grpc.Points.ScrollPoints;
import io.qdrant.client.grpc.Points.ScrollResponse;
import io.qdrant.client.grpc.Points.UpsertPoints;
import io.qdrant.client.grpc.Points.VectorOutput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The commerce-events flow's Qdrant sink and its recommendations (seed 002), bean {@code commerceVectors}.
 * Three collections, created on first use with the configured dimension and cosine distance
 * ({@code caravan.commerce.qdrant.*}, {@code caravan.commerce.vectors.dimension}):
 * <ul>
 *   <li><b>interactions</b> ({@code user_interactions}): one point per event, id = a name-based UUID of
 *       the event id, payload {@code event_id, user_id, product_id, event_type, category, price,
 *       user_session, timestamp}, vector = the product's. Upserting the same event again rewrites
 *       the same point: this collection is the idempotent record of what each user did.</li>
 *   <li><b>products</b> ({@code products}): one point per product, id from the product id, payload
 *       {@code product_id, category, price}, vector {@link InteractionVectoriser#product}.</li>
 *   <li><b>user profiles</b> ({@code user_profiles}): one point per user, id from the user id, payload
 *       {@code user_id, interactions, incremental, updated_at}, vector {@link InteractionVectoriser#direction} of the
 *       user's profile sum.</li>
 * </ul>
 *
 * <p><b>Incremental, and still each event once.</b> A profile is not recomputed from all of the user's
 * interactions on every event (that cost grows with the user's history): the event is added to the
 * user's stored sum in PostgreSQL ({@link CommerceProfileSums}), in the same transaction that records
 * its id as added, so a redelivered event adds nothing. The profile point is then written from the sum
 * with a Qdrant update filter {@code interactions < n}, n being how many events the sum holds: sums
 * only grow, so a profile from a newer sum never loses to one from an older sum, even when two workers
 * (or two Caravan instances) write the same user at once, and writing the same sum again changes
 * nothing. A worker that failed after the PostgreSQL commit writes the profile on its next attempt.
 *
 * <p>The collections get payload indexes on the fields the flow filters by ({@code user_id},
 * {@code event_type}, {@code product_id}; {@code interactions}), so a user's interactions are found
 * without scanning the collection.
 *
 * <p>Recommendations are the products nearest (cosine) to the user's profile, without those the user
 * bought, read from the interaction collection.
 *
 * <p>All of it goes through the Qdrant Java client ({@link QdrantClientConfiguration}), not Camel's
 * {@code qdrant} component: the component has no conditional upsert, scroll or per-request search
 * filter (its search takes filter and limit from the endpoint), and an exchange continues after its
 * asynchronous call on the producer's single callback thread, which would serialise the work of all
 * of a queue's consumers behind it.
 */
@Component("commerceVectors")
public class CommerceVectorStore {

    private static final Logger LOG = LoggerFactory.getLogger(CommerceVectorStore.class);
    private static final int SCROLL_PAGE = 256;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final QdrantClient client;
    private final InteractionVectoriser vectoriser;
    private final CommerceProfileSums profileSums;
    private final CommerceProperties.Qdrant collections;
    private final CommerceProperties.Recommendations recommendations;
    private final Set<String> ready = ConcurrentHashMap.newKeySet();

    public CommerceVectorStore(QdrantClient client, InteractionVectoriser vectoriser, CommerceProfileSums profileSums,
                               CommerceProperties settings) {
        this.client = client;
        this.vectoriser = vectoriser;
        this.profileSums = profileSums;
        this.collections = settings.qdrant();
        this.recommendations = settings.recommendations();
    }

    /** Point id of an event's interaction. */
    public static UUID interactionId(String eventId) {
        return nameUuid("event:" + eventId);
    }

    /** Point id of a product. */
    public static UUID productId(String productId) {
        return nameUuid("product:" + productId);
    }

    /** Point id of a user's profile. */
    public static UUID profileId(String userId) {
        return nameUuid("user:" + userId);
    }

    /**
     * Creates the flow's collections that do not exist yet; a collection that exists with another
     * dimension is an error naming it (Caravan never drops data to fix it).
     */
    public void ensureCollections() {
        for (String name : List.of(collections.interactionsCollection(), collections.productsCollection(),
                collections.profilesCollection())) {
            if (!ready.contains(name)) {
                ensureCollection(name);
                ready.add(name);
            }
        }
    }

    /** Stores one event: {@link #storeAll} of it alone. */
    public void store(CommerceEvent event) {
        storeAll(List.of(event));
    }

    /**
     * Stores the events' interaction points, their products and their users' profiles: one upsert per collection
     * for the whole list, and one PostgreSQL transaction that adds the events not added before to the profile
     * sums ({@link CommerceProfileSums}). Storing the same events again (a redelivery, a replay) leaves the same
     * points and profiles. Throws on any failure; what was written before it is rewritten the same way by the
     * next attempt.
     */
    public void storeAll(List<CommerceEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        ensureCollections();
        Map<String, float[]> productVectors = new LinkedHashMap<>();
        List<PointStruct> interactions = new ArrayList<>(events.size());
        Map<String, PointStruct> described = new LinkedHashMap<>();
        Map<String, PointStruct> undescribed = new LinkedHashMap<>();
        List<CommerceProfileSums.Contribution> contributions = new ArrayList<>(events.size());
        for (CommerceEvent event : events) {
            float[] product = productVectors.computeIfAbsent(event.productId() + '\u0000' + event.category() + '\u0000' + event.price(),
                    key -> vectoriser.product(event.productId(), event.category(), event.price()));
            interactions.add(interactionPoint(event, product));
            // an event with a category describes the product (the batch's last one wins, as one by one);
            // one without it only creates the product if it is new or still has no category
            if (event.category() != null) {
                described.remove(event.productId());
                described.put(event.productId(), productPoint(event, product));
                undescribed.remove(event.productId());
            } else if (!described.containsKey(event.productId())) {
                undescribed.put(event.productId(), productPoint(event, product));
            }
            contributions.add(new CommerceProfileSums.Contribution(event.eventId(), event.userId(), event.eventType(), product));
        }
        upsert(collections.interactionsCollection(), interactions, null);
        upsert(collections.productsCollection(), List.copyOf(described.values()), null);
        upsert(collections.productsCollection(), List.copyOf(undescribed.values()), Filter.newBuilder().addMust(isEmpty("category")).build());
        writeProfiles(profileSums.add(contributions));
        LOG.debug("Qdrant: {} event(s) stored", events.size());
    }

    /**
     * Writes each user's profile vector from its sum, unless a profile made of as many or more interactions is
     * there already: a slower worker holding an older sum never overwrites a newer profile, and writing the same
     * sum again changes nothing. One upsert for all of them; the update filter says, per user, which stored
     * profile may be replaced.
     */
    private void writeProfiles(List<CommerceProfileSums.ProfileSum> sums) {
        List<PointStruct> profiles = new ArrayList<>(sums.size());
        Filter.Builder older = Filter.newBuilder();
        String now = Instant.now().toString();
        for (CommerceProfileSums.ProfileSum sum : sums) {
            PointId id = id(profileId(sum.userId()));
            // older: made of fewer events, or written before profiles were sums (no "incremental" flag: replaced)
            Filter olderThanThis = Filter.newBuilder().addMust(hasId(id))
                    .addShould(range("interactions", Range.newBuilder().setLt(sum.interactions()).build()))
                    .addShould(isEmpty("incremental")).build();
            Optional<float[]> direction = vectoriser.direction(sum.sum());
            if (direction.isEmpty()) {
                // the interactions cancel out: no direction to recommend from
                await(client.deleteAsync(DeletePoints.newBuilder()
                        .setCollectionName(collections.profilesCollection())
                        .setWait(true)
                        .setPoints(PointsSelector.newBuilder().setFilter(olderThanThis))
                        .build()));
                LOG.debug("Qdrant: profile of user {} has no direction after {} interaction(s); removed", sum.userId(), sum.interactions());
                continue;
            }
            Map<String, Value> payload = new LinkedHashMap<>();
            payload.put("user_id", value(sum.userId()));
            payload.put("interactions", value(sum.interactions()));
            payload.put("incremental", value(true));
            payload.put("updated_at", value(now));
            profiles.add(PointStruct.newBuilder().setId(id).setVectors(vectors(direction.get())).putAllPayload(payload).build());
            older.addShould(filter(olderThanThis));
        }
        if (!profiles.isEmpty()) {
            upsert(collections.profilesCollection(), profiles, profiles.size() == 1 ? older.getShould(0).getFilter() : older.build());
        }
    }

    private PointStruct interactionPoint(CommerceEvent event, float[] product) {
        Map<String, Value> payload = new LinkedHashMap<>();
        payload.put("event_id", value(event.eventId()));
        payload.put("user_id", value(event.userId()));
        payload.put("product_id", value(event.productId()));
        payload.put("event_type", value(event.eventType()));
        payload.put("user_session", value(event.userSession()));
        payload.put("timestamp", value(event.timestamp().toString()));
        putProductFacts(payload, event);
        return PointStruct.newBuilder()
                .setId(id(interactionId(event.eventId())))
                .setVectors(vectors(product))
                .putAllPayload(payload)
                .build();
    }

    private static PointStruct productPoint(CommerceEvent event, float[] product) {
        Map<String, Value> payload = new LinkedHashMap<>();
        payload.put("product_id", value(event.productId()));
        putProductFacts(payload, event);
        return PointStruct.newBuilder()
                .setId(id(productId(event.productId())))
                .setVectors(vectors(product))
                .putAllPayload(payload)
                .build();
    }

    private void upsert(String collection, List<PointStruct> points, Filter updateFilter) {
        if (points.isEmpty()) {
            return;
        }
        UpsertPoints.Builder upsert = UpsertPoints.newBuilder().setCollectionName(collection).setWait(true).addAllPoints(points);
        if (updateFilter != null) {
            upsert.setUpdateFilter(updateFilter);
        }
        await(client.upsertAsync(upsert.build()));
    }

    /**
     * Up to {@code limit} products ranked by cosine similarity to the user's profile, best first,
     * without the products the user bought and without those less similar than
     * {@code caravan.commerce.recommendations.min-score}.
     *
     * @throws NotFoundException when the user has no profile (nothing recorded yet)
     */
    public Map<String, Object> recommend(String userId, int limit) {
        ensureCollections();
        List<RetrievedPoint> found = await(client.retrieveAsync(collections.profilesCollection(), List.of(id(profileId(userId))),
                WithPayloadSelectorFactory.enable(false), WithVectorsSelectorFactory.enable(true), null));
        if (found.isEmpty() || !found.get(0).hasVectors()) {
            throw new NotFoundException("no profile for user '" + userId + "' yet: no interactions of theirs are recorded");
        }
        List<Float> profile = dense(found.get(0).getVectors().getVector());

        Set<String> bought = new LinkedHashSet<>();
        for (RetrievedPoint point : scroll(collections.interactionsCollection(), Filter.newBuilder()
                .addMust(matchKeyword("user_id", userId)).addMust(matchKeyword("event_type", "purchase")).build(), "product_id")) {
            bought.add(text(point.getPayloadMap().get("product_id")));
        }
        Filter.Builder filter = Filter.newBuilder();
        if (!bought.isEmpty()) {
            filter.addMustNot(matchKeywords("product_id", List.copyOf(bought)));
        }
        List<ScoredPoint> nearest = await(client.queryAsync(QueryPoints.newBuilder()
                .setCollectionName(collections.productsCollection())
                .setQuery(nearest(profile))
                .setFilter(filter)
                .setLimit(limit)
                .setScoreThreshold(recommendations.minScore())
                .setWithPayload(WithPayloadSelectorFactory.enable(true))
                .build()));

        List<Map<String, Object>> products = new ArrayList<>();
        for (ScoredPoint point : nearest) {
            Map<String, Object> product = new LinkedHashMap<>();
            Map<String, Value> payload = point.getPayloadMap();
            product.put("product_id", text(payload.get("product_id")));
            product.put("score", point.getScore());
            product.put("category", text(payload.get("category")));
            product.put("price", number(payload.get("price")));
            products.add(product);
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("user_id", userId);
        answer.put("recommendations", products);
        answer.put("excluded_purchases", bought.size());
        return answer;
    }

    private void ensureCollection(String name) {
        if (!await(client.collectionExistsAsync(name))) {
            try {
                await(client.createCollectionAsync(name, VectorParams.newBuilder()
                        .setSize(vectoriser.dimension()).setDistance(Distance.Cosine).build()));
                LOG.info("Qdrant: created collection {} ({} dimensions, cosine)", name, vectoriser.dimension());
                indexPayload(name);
                return;
            } catch (RuntimeException e) {
                if (!await(client.collectionExistsAsync(name))) {
                    throw e;
                }
                // another worker or instance created it meanwhile
            }
        }
        long size = await(client.getCollectionInfoAsync(name)).getConfig().getParams().getVectorsConfig().getParams().getSize();
        if (size != vectoriser.dimension()) {
            throw new IllegalStateException("Qdrant collection '%s' has %d dimensions, caravan.commerce.vectors.dimension is %d"
                    .formatted(name, size, vectoriser.dimension()));
        }
        // made by an earlier Caravan, perhaps without the indexes this one filters by (creating one that exists changes nothing)
        indexPayload(name);
    }

    /**
     * Payload indexes on the fields the flow filters by, so a recommendation reads one user's purchases
     * and a profile write checks its update filter without scanning the collection. A server without
     * payload indexes (one answering UNIMPLEMENTED) filters without them.
     */
    private void indexPayload(String collection) {
        Map<String, PayloadSchemaType> fields = collection.equals(collections.interactionsCollection())
                ? Map.of("user_id", PayloadSchemaType.Keyword, "event_type", PayloadSchemaType.Keyword, "product_id", PayloadSchemaType.Keyword)
                : collection.equals(collections.productsCollection()) ? Map.of("product_id", PayloadSchemaType.Keyword)
                : Map.of("user_id", PayloadSchemaType.Keyword, "interactions", PayloadSchemaType.Integer);
        for (Map.Entry<String, PayloadSchemaType> field : fields.entrySet()) {
            try {
                await(client.createPayloadIndexAsync(collection, field.getKey(), field.getValue(), null, true, null, null));
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
                    throw e;
                }
                LOG.info("Qdrant: no payload indexes on this server ({}); {} is filtered without them", e.getStatus().getDescription(),
                        collection);
                return;
            }
        }
    }

    /** Every point of a collection matching the filter, with these payload fields only, page by page. */
    private List<RetrievedPoint> scroll(String collection, Filter filter, String... fields) {
        List<RetrievedPoint> points = new ArrayList<>();
        ScrollPoints.Builder request = ScrollPoints.newBuilder()
                .setCollectionName(collection)
                .setFilter(filter)
                .setLimit(SCROLL_PAGE)
                .setWithPayload(WithPayloadSelectorFactory.include(List.of(fields)));
        while (true) {
            ScrollResponse page = await(client.scrollAsync(request.build()));
            points.addAll(page.getResultList());
            if (!page.hasNextPageOffset()) {
                return points;
            }
            request.setOffset(page.getNextPageOffset());
        }
    }

    private static void putProductFacts(Map<String, Value> payload, CommerceEvent event) {
        if (event.category() != null) {
            payload.put("category", value(event.category()));
        }
        if (event.price() != null) {
            payload.put("price", value(event.price()));
        }
    }

    /** Newer servers send the {@code dense} variant, older ones (and the test server, too) the flat list. */
    @SuppressWarnings("deprecation")
    private static List<Float> dense(VectorOutput vector) {
        return vector.hasDense() ? vector.getDense().getDataList() : vector.getDataList();
    }

    private static String text(Value value) {
        return value == null || value.getKindCase() != Value.KindCase.STRING_VALUE ? null : value.getStringValue();
    }

    private static Double number(Value value) {
        if (value == null) {
            return null;
        }
        return switch (value.getKindCase()) {
            case DOUBLE_VALUE -> value.getDoubleValue();
            case INTEGER_VALUE -> (double) value.getIntegerValue();
            default -> null;
        };
    }

    private static UUID nameUuid(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
    }

    /** The future's value; a gRPC failure is rethrown as itself, so the caller's policy sees what happened. */
    private static <T> T await(ListenableFuture<T> future) {
        try {
            return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("Qdrant call failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new IllegalStateException("Qdrant did not answer within " + WAIT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Qdrant", e);
        }
    }
}
