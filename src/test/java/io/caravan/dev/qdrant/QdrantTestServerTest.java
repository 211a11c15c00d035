package io.caravan.dev.qdrant;

import static io.qdrant.client.ConditionFactory.hasId;
import static io.qdrant.client.ConditionFactory.isEmpty;
import static io.qdrant.client.ConditionFactory.match;
import static io.qdrant.client.ConditionFactory.matchExceptKeywords;
import static io.qdrant.client.ConditionFactory.matchKeyword;
import static io.qdrant.client.ConditionFactory.matchKeywords;
import static io.qdrant.client.ConditionFactory.range;
import static io.qdrant.client.PointIdFactory.id;
import static io.qdrant.client.QueryFactory.fusion;
import static io.qdrant.client.QueryFactory.nearest;
import static io.qdrant.client.ValueFactory.list;
import static io.qdrant.client.ValueFactory.value;
import static io.qdrant.client.VectorsFactory.namedVectors;
import static io.qdrant.client.VectorsFactory.vectors;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.grpc.Status;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantException;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.VectorFactory;
import io.qdrant.client.WithPayloadSelectorFactory;
import io.qdrant.client.WithVectorsSelectorFactory;
import io.qdrant.client.grpc.Collections.CollectionInfo;
import io.qdrant.client.grpc.Collections.CollectionStatus;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Common.Condition;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.Common.Range;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points.Fusion;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.PointsIdsList;
import io.qdrant.client.grpc.Points.PointsSelector;
import io.qdrant.client.grpc.Points.QueryPoints;
import io.qdrant.client.grpc.Points.RecommendPoints;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.ScoredPoint;
import io.qdrant.client.grpc.Points.ScrollPoints;
import io.qdrant.client.grpc.Points.ScrollResponse;
import io.qdrant.client.grpc.Points.SearchPoints;
import io.qdrant.client.grpc.Points.UpdateStatus;
import io.qdrant.client.grpc.QdrantOuterClass.HealthCheckReply;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.qdrant.Qdrant;
import org.apache.camel.component.qdrant.QdrantAction;
import org.apache.camel.impl.DefaultCamelContext;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Drives {@link QdrantTestServer} only through the real Qdrant Java client and Camel's qdrant
 * component, the way Caravan uses Qdrant.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QdrantTestServerTest {

    private static final UUID EPSILON = UUID.fromString("5b3c1e9a-2f4d-4c6b-9a8e-7d1f0c2b3a4e");

    /** |QUERY| = 5, so each expected cosine below is the dot product with QUERY over 5 * |vector|. */
    private static final float[] QUERY = {3, 4, 0, 0};
    private static final double COS_BETA = (3 * 1 + 4 * 1) / (5 * Math.sqrt(2));
    private static final double COS_GAMMA = 4 / 5.0;
    private static final double COS_ALPHA = 3 / 5.0;
    private static final double COS_DELTA = 0;
    private static final double COS_EPSILON = -3 / 5.0;

    private static QdrantTestServer server;
    private static QdrantClient client;

    @BeforeAll
    static void start() {
        server = QdrantTestServer.start();
        client = new QdrantClient(QdrantGrpcClient.newBuilder(server.host(), server.port(), false, false).build());
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void healthCheckAnnouncesATestServerNotQdrant() throws Exception {
        HealthCheckReply reply = client.healthCheckAsync().get();

        assertThat(reply.getTitle()).contains("test server").contains("not Qdrant");
        assertThat(reply.getVersion()).isEqualTo("1.16.2-test");
        assertThat(server.host()).isEqualTo("127.0.0.1");
        assertThat(server.port()).isPositive();
    }

    @Test
    void collectionLifecycle() throws Exception {
        client.createCollectionAsync("lifecycle", params(4, Distance.Dot)).get();

        assertThat(client.collectionExistsAsync("lifecycle").get()).isTrue();
        assertThat(client.collectionExistsAsync("never-created").get()).isFalse();
        assertThat(client.listCollectionsAsync().get()).contains("lifecycle").doesNotContain("never-created");

        CollectionInfo info = client.getCollectionInfoAsync("lifecycle").get();
        assertThat(info.getStatus()).isEqualTo(CollectionStatus.Green);
        assertThat(info.getPointsCount()).isZero();
        assertThat(info.getConfig().getParams().getVectorsConfig().getParams())
                .isEqualTo(params(4, Distance.Dot));

        Status duplicate = statusOf(() -> client.createCollectionAsync("lifecycle", params(4, Distance.Dot)).get());
        assertThat(duplicate.getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(duplicate.getDescription()).contains("Collection `lifecycle` already exists!");

        client.deleteCollectionAsync("lifecycle").get();
        assertThat(client.collectionExistsAsync("lifecycle").get()).isFalse();
        // Qdrant answers result=false for an unknown collection, which the client turns into an error.
        assertThat(catchThrowable(() -> client.deleteCollectionAsync("lifecycle").get()))
                .hasCauseInstanceOf(QdrantException.class);
    }

    @Test
    void searchRanksByCosineSimilarity() throws Exception {
        seed("search_cosine");

        List<ScoredPoint> hits = client.searchAsync(SearchPoints.newBuilder()
                .setCollectionName("search_cosine")
                .addAllVector(asList(QUERY))
                .setLimit(3)
                .setWithPayload(WithPayloadSelectorFactory.enable(true))
                .build()).get();

        assertThat(ids(hits)).containsExactly(id(2), id(3), id(1));
        assertThat(hits.get(0).getScore()).isCloseTo((float) COS_BETA, within(1e-6f));
        assertThat(hits.get(1).getScore()).isCloseTo((float) COS_GAMMA, within(1e-6f));
        assertThat(hits.get(2).getScore()).isCloseTo((float) COS_ALPHA, within(1e-6f));
        assertThat(hits.get(0).getPayloadMap()).isEqualTo(betaPayload());
        assertThat(hits.get(0).hasVectors()).isFalse();

        List<ScoredPoint> all = client.searchAsync(SearchPoints.newBuilder()
                .setCollectionName("search_cosine").addAllVector(asList(QUERY)).setLimit(10).build()).get();
        assertThat(ids(all)).containsExactly(id(2), id(3), id(1), id(4), id(EPSILON));
        assertThat(all.get(3).getScore()).isCloseTo((float) COS_DELTA, within(1e-6f));
        assertThat(all.get(4).getScore()).isCloseTo((float) COS_EPSILON, within(1e-6f));
        assertThat(all.get(0).getPayloadMap()).as("search returns no payload unless asked").isEmpty();
    }

    @Test
    void searchHonoursThresholdOffsetAndVectorSelector() throws Exception {
        seed("search_options");
        SearchPoints.Builder base = SearchPoints.newBuilder()
                .setCollectionName("search_options").addAllVector(asList(QUERY)).setLimit(10);

        assertThat(ids(client.searchAsync(base.clone().setScoreThreshold(0.7f).build()).get()))
                .containsExactly(id(2), id(3));
        assertThat(ids(client.searchAsync(base.clone().setOffset(1).setLimit(2).build()).get()))
                .containsExactly(id(3), id(1));

        ScoredPoint beta = client.searchAsync(base.clone().setLimit(1)
                .setWithVectors(WithVectorsSelectorFactory.enable(true)).build()).get().get(0);
        // Cosine collections store normalised vectors and return them that way, as Qdrant does.
        float half = (float) (1 / Math.sqrt(2));
        assertThat(beta.getVectors().getVector().getDense().getDataList())
                .containsExactly(half, half, 0f, 0f);
    }

    @Test
    void filtersNarrowSearchesAndCounts() throws Exception {
        seed("filters");

        List<ScoredPoint> withoutBeta = search("filters", Filter.newBuilder().addMustNot(hasId(id(2))).build());
        assertThat(ids(withoutBeta)).startsWith(id(3)).doesNotContain(id(2));

        assertThat(ids(search("filters", must(matchKeyword("group", "b"))))).containsExactly(id(3), id(4));
        assertThat(ids(search("filters", must(match("rank", 3))))).containsExactly(id(3));
        assertThat(ids(search("filters", must(range("rank", Range.newBuilder().setGt(5).build())))))
                .containsExactly(id(EPSILON));
        assertThat(ids(search("filters", must(matchKeyword("tags", "blue"))))).containsExactly(id(1));
        assertThat(ids(search("filters", must(matchExceptKeywords("group", List.of("a", "b"))))))
                .containsExactly(id(EPSILON));

        assertThat(client.countAsync("filters").get()).isEqualTo(5);
        assertThat(client.countAsync("filters",
                must(range("rank", Range.newBuilder().setGte(2).setLte(4).build())), true).get()).isEqualTo(3);
        assertThat(client.countAsync("filters", Filter.newBuilder()
                .addShould(matchKeyword("group", "a")).addShould(matchKeyword("group", "c")).build(), true).get())
                .isEqualTo(3);
        assertThat(client.countAsync("filters", must(isEmpty("tags")), true).get()).isEqualTo(4);
    }

    @Test
    void queryFindsNearestToAVectorAndToAStoredPoint() throws Exception {
        seed("query");

        List<ScoredPoint> byVector = client.queryAsync(QueryPoints.newBuilder()
                .setCollectionName("query")
                .setQuery(nearest(QUERY))
                .setLimit(2)
                .setWithPayload(WithPayloadSelectorFactory.enable(true))
                .build()).get();
        assertThat(ids(byVector)).containsExactly(id(2), id(3));
        assertThat(byVector.get(0).getScore()).isCloseTo((float) COS_BETA, within(1e-6f));
        assertThat(byVector.get(1).getPayloadMap().get("name")).isEqualTo(value("gamma"));

        List<ScoredPoint> filtered = client.queryAsync(QueryPoints.newBuilder()
                .setCollectionName("query").setQuery(nearest(QUERY))
                .setFilter(must(matchKeyword("group", "b"))).build()).get();
        assertThat(ids(filtered)).containsExactly(id(3), id(4));

        // Nearest to alpha's vector [1,0,0,0]: alpha itself is left out, as in Qdrant.
        List<ScoredPoint> byPoint = client.queryAsync(QueryPoints.newBuilder()
                .setCollectionName("query").setQuery(nearest(id(1))).setLimit(10).build()).get();
        assertThat(ids(byPoint)).containsExactly(id(2), id(3), id(4), id(EPSILON));
        assertThat(byPoint.get(0).getScore()).isCloseTo((float) (1 / Math.sqrt(2)), within(1e-6f));
        assertThat(byPoint.get(3).getScore()).isCloseTo(-1f, within(1e-6f));

        Status missing = statusOf(() -> client.queryAsync(QueryPoints.newBuilder()
                .setCollectionName("query").setQuery(nearest(id(999))).build()).get());
        assertThat(missing.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void retrieveReturnsStoredPayloadAndHonoursSelectors() throws Exception {
        seed("retrieve");
        PointId upperCaseEpsilon = PointId.newBuilder().setUuid(EPSILON.toString().toUpperCase()).build();

        List<RetrievedPoint> points = client.retrieveAsync("retrieve", List.of(upperCaseEpsilon, id(1), id(42)),
                WithPayloadSelectorFactory.enable(true), WithVectorsSelectorFactory.enable(false), null).get();

        assertThat(points).extracting(RetrievedPoint::getId).containsExactly(id(EPSILON), id(1));
        assertThat(points.get(0).getPayloadMap()).isEqualTo(epsilonPayload());
        assertThat(points.get(1).getPayloadMap()).isEqualTo(alphaPayload());
        assertThat(points.get(1).hasVectors()).isFalse();

        RetrievedPoint vectorOnly = client.retrieveAsync("retrieve", List.of(id(4)),
                WithPayloadSelectorFactory.enable(false), WithVectorsSelectorFactory.enable(true), null).get().get(0);
        assertThat(vectorOnly.getPayloadMap()).isEmpty();
        assertThat(vectorOnly.getVectors().getVector().getDense().getDataList()).containsExactly(0f, 0f, 1f, 0f);

        RetrievedPoint someKeys = client.retrieveAsync("retrieve", List.of(id(1)),
                WithPayloadSelectorFactory.include(List.of("name")), WithVectorsSelectorFactory.enable(false), null)
                .get().get(0);
        assertThat(someKeys.getPayloadMap()).containsOnlyKeys("name");
    }

    @Test
    void upsertWithAnExistingIdReplacesThePoint() throws Exception {
        seed("replace");

        var result = client.upsertAsync("replace",
                List.of(point(id(3), Map.of("name", value("gamma-2")), 0, 0, 0, 1))).get();

        assertThat(result.getStatus()).isEqualTo(UpdateStatus.Completed);
        assertThat(client.countAsync("replace").get()).isEqualTo(5);
        assertThat(client.retrieveAsync("replace", id(3), null).get().get(0).getPayloadMap())
                .isEqualTo(Map.of("name", value("gamma-2")));
        ScoredPoint top = client.searchAsync(SearchPoints.newBuilder().setCollectionName("replace")
                .addAllVector(List.of(0f, 0f, 0f, 1f)).setLimit(1).build()).get().get(0);
        assertThat(top.getId()).isEqualTo(id(3));
        assertThat(top.getScore()).isCloseTo(1f, within(1e-6f));
    }

    @Test
    void deleteRemovesPointsByIdAndByFilter() throws Exception {
        seed("delete");

        client.deleteAsync("delete", List.of(id(4))).get();
        assertThat(client.countAsync("delete").get()).isEqualTo(4);
        assertThat(client.retrieveAsync("delete", id(4), null).get()).isEmpty();

        client.deleteAsync("delete", must(matchKeyword("group", "c"))).get();
        assertThat(client.countAsync("delete").get()).isEqualTo(3);
        assertThat(client.retrieveAsync("delete", id(EPSILON), null).get()).isEmpty();
        assertThat(ids(search("delete", Filter.getDefaultInstance()))).containsExactly(id(2), id(3), id(1));
    }

    @Test
    void scrollPagesThroughPointsInIdOrder() throws Exception {
        seed("scroll");

        ScrollResponse first = scroll(ScrollPoints.newBuilder().setCollectionName("scroll").setLimit(2));
        assertThat(first.getResultList()).extracting(RetrievedPoint::getId).containsExactly(id(1), id(2));
        assertThat(first.getResult(0).getPayloadMap()).as("scroll returns payload by default")
                .isEqualTo(alphaPayload());
        assertThat(first.getNextPageOffset()).isEqualTo(id(3));

        ScrollResponse second = scroll(ScrollPoints.newBuilder().setCollectionName("scroll").setLimit(2)
                .setOffset(first.getNextPageOffset()));
        assertThat(second.getResultList()).extracting(RetrievedPoint::getId).containsExactly(id(3), id(4));

        ScrollResponse last = scroll(ScrollPoints.newBuilder().setCollectionName("scroll").setLimit(2)
                .setOffset(second.getNextPageOffset()));
        assertThat(last.getResultList()).extracting(RetrievedPoint::getId).containsExactly(id(EPSILON));
        assertThat(last.hasNextPageOffset()).isFalse();

        ScrollResponse filtered = scroll(ScrollPoints.newBuilder().setCollectionName("scroll")
                .setFilter(must(matchKeyword("group", "a"))));
        assertThat(filtered.getResultList()).extracting(RetrievedPoint::getId).containsExactly(id(1), id(2));
    }

    @Test
    void payloadIndexesAnswerFilteredReadsLikeAScanAndFollowEveryWrite() throws Exception {
        seed("indexed");
        seed("unindexed");
        client.createPayloadIndexAsync("indexed", "group", PayloadSchemaType.Keyword, null, true, null, null).get();
        client.createPayloadIndexAsync("indexed", "tags", PayloadSchemaType.Keyword, null, true, null, null).get();
        client.createPayloadIndexAsync("indexed", "rank", PayloadSchemaType.Integer, null, true, null, null).get();
        // the same index again changes nothing
        client.createPayloadIndexAsync("indexed", "group", PayloadSchemaType.Keyword, null, true, null, null).get();
        List<Filter> filters = List.of(
                must(matchKeyword("group", "a")),
                must(matchKeyword("group", "nowhere")),
                must(matchKeyword("tags", "blue")),
                must(match("rank", 3)),
                Filter.newBuilder().addMust(matchKeyword("group", "b")).addMust(match("rank", 4)).build(),
                Filter.newBuilder().addMust(matchKeyword("group", "a")).addMustNot(hasId(id(1))).build(),
                Filter.newBuilder().addMust(matchKeywords("group", List.of("a", "c"))).build(),
                Filter.newBuilder().addMust(hasId(List.of(id(2), id(EPSILON)))).addMust(matchKeyword("group", "c")).build());

        CollectionInfo info = client.getCollectionInfoAsync("indexed").get();
        assertThat(info.getPayloadSchemaMap()).containsOnlyKeys("group", "tags", "rank");
        assertThat(info.getPayloadSchemaMap().get("group").getDataType()).isEqualTo(PayloadSchemaType.Keyword);
        assertThat(info.getPayloadSchemaMap().get("group").getPoints()).isEqualTo(5);
        assertThat(info.getPayloadSchemaMap().get("rank").getPoints()).as("5.5 is not an integer").isEqualTo(4);
        assertSameAsScan(filters);

        // writes after the index was made: a new point, a point that changes group, a deleted point
        client.upsertAsync("indexed", List.of(point(id(6), Map.of("group", value("a"), "rank", value(3)), 0, 0, 0, 1))).get();
        client.upsertAsync("unindexed", List.of(point(id(6), Map.of("group", value("a"), "rank", value(3)), 0, 0, 0, 1))).get();
        for (String collection : List.of("indexed", "unindexed")) {
            client.upsertAsync(collection, List.of(point(id(3), Map.of("group", value("a"), "rank", value(7)), 0, 1, 0, 0))).get();
            client.deleteAsync(collection, List.of(id(2))).get();
            client.deleteAsync(collection, must(matchKeyword("group", "c"))).get();
        }
        assertSameAsScan(filters);
        assertThat(ids(scroll(ScrollPoints.newBuilder().setCollectionName("indexed").setFilter(must(matchKeyword("group", "a"))))))
                .containsExactly(id(1), id(3), id(6));
        // paging through an index lookup keeps id order and its offsets
        ScrollResponse first = scroll(ScrollPoints.newBuilder().setCollectionName("indexed").setLimit(2)
                .setFilter(must(matchKeyword("group", "a"))));
        assertThat(ids(first)).containsExactly(id(1), id(3));
        assertThat(first.getNextPageOffset()).isEqualTo(id(6));
        assertThat(ids(scroll(ScrollPoints.newBuilder().setCollectionName("indexed").setLimit(2)
                .setFilter(must(matchKeyword("group", "a"))).setOffset(first.getNextPageOffset())))).containsExactly(id(6));

        client.deletePayloadIndexAsync("indexed", "group", true, null, null).get();
        assertThat(client.getCollectionInfoAsync("indexed").get().getPayloadSchemaMap()).containsOnlyKeys("tags", "rank");
        assertSameAsScan(filters);
    }

    private static void assertSameAsScan(List<Filter> filters) throws Exception {
        for (Filter filter : filters) {
            assertThat(ids(scroll(ScrollPoints.newBuilder().setCollectionName("indexed").setFilter(filter))))
                    .as("scroll %s", filter)
                    .isEqualTo(ids(scroll(ScrollPoints.newBuilder().setCollectionName("unindexed").setFilter(filter))));
            assertThat(client.countAsync("indexed", filter, true).get()).as("count %s", filter)
                    .isEqualTo(client.countAsync("unindexed", filter, true).get());
            assertThat(ids(search("indexed", filter))).as("search %s", filter).isEqualTo(ids(search("unindexed", filter)));
        }
    }

    private static List<PointId> ids(ScrollResponse page) {
        return page.getResultList().stream().map(RetrievedPoint::getId).toList();
    }

    @Test
    void unknownCollectionAnswersNotFound() {
        List<ThrowingCallable> calls = List.of(
                () -> client.getCollectionInfoAsync("nowhere").get(),
                () -> client.upsertAsync("nowhere", List.of(point(id(1), Map.of(), 1, 0, 0, 0))).get(),
                () -> client.searchAsync(SearchPoints.newBuilder().setCollectionName("nowhere")
                        .addAllVector(asList(QUERY)).setLimit(1).build()).get(),
                () -> client.queryAsync(QueryPoints.newBuilder().setCollectionName("nowhere")
                        .setQuery(nearest(QUERY)).build()).get(),
                () -> client.retrieveAsync("nowhere", id(1), null).get(),
                () -> client.countAsync("nowhere").get(),
                () -> client.deleteAsync("nowhere", List.of(id(1))).get());

        for (ThrowingCallable call : calls) {
            Status status = statusOf(call);
            assertThat(status.getCode()).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(status.getDescription()).contains("Collection `nowhere` doesn't exist!");
        }
    }

    @Test
    void wrongDimensionAnswersInvalidArgumentAndRejectsTheWholeBatch() throws Exception {
        seed("dimensions");

        Status upsert = statusOf(() -> client.upsertAsync("dimensions", List.of(
                point(id(100), Map.of(), 1, 0, 0, 0),
                point(id(101), Map.of(), 1, 0, 0))).get());
        assertThat(upsert.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(upsert.getDescription()).contains("expected dim: 4, got 3");
        assertThat(client.countAsync("dimensions").get()).isEqualTo(5);
        assertThat(client.retrieveAsync("dimensions", id(100), null).get()).isEmpty();

        Status search = statusOf(() -> client.searchAsync(SearchPoints.newBuilder().setCollectionName("dimensions")
                .addAllVector(List.of(1f, 0f, 0f, 0f, 0f)).setLimit(1).build()).get());
        assertThat(search.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(search.getDescription()).contains("expected dim: 4, got 5");
    }

    @Test
    void concurrentUpsertsAndSearchesAllLand() throws Exception {
        client.createCollectionAsync("concurrent", params(4, Distance.Cosine)).get();
        int threads = 8;
        int perThread = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<?>> tasks = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                tasks.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < perThread; i++) {
                        long pointId = thread * 1000L + i;
                        client.upsertAsync("concurrent", List.of(point(id(pointId),
                                Map.of("thread", value(thread)), thread + 1, i + 1, 1, 1))).get();
                        client.searchAsync(SearchPoints.newBuilder().setCollectionName("concurrent")
                                .addAllVector(asList(QUERY)).setLimit(5).build()).get();
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> task : tasks) {
                task.get();
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(client.countAsync("concurrent").get()).isEqualTo((long) threads * perThread);
        Set<PointId> expected = new HashSet<>();
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < perThread; i++) {
                expected.add(id(t * 1000L + i));
            }
        }
        ScrollResponse everything = scroll(ScrollPoints.newBuilder().setCollectionName("concurrent")
                .setLimit(threads * perThread + 1));
        assertThat(everything.getResultList()).extracting(RetrievedPoint::getId)
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(client.countAsync("concurrent", must(match("thread", 3)), true).get()).isEqualTo(perThread);
    }

    @Test
    void scoresFollowTheCollectionsDistance() throws Exception {
        List<PointStruct> points = List.of(
                point(id(1), Map.of(), 0, 0),
                point(id(2), Map.of(), 3, 4),
                point(id(3), Map.of(), 1, 1));
        for (Distance distance : List.of(Distance.Euclid, Distance.Manhattan, Distance.Dot)) {
            client.createCollectionAsync("distance_" + distance, params(2, distance)).get();
            client.upsertAsync("distance_" + distance, points).get();
        }
        SearchPoints.Builder fromOrigin = SearchPoints.newBuilder().addAllVector(List.of(0f, 0f)).setLimit(3);

        List<ScoredPoint> euclid = client.searchAsync(fromOrigin.clone().setCollectionName("distance_Euclid").build()).get();
        assertThat(ids(euclid)).containsExactly(id(1), id(3), id(2));
        assertThat(scores(euclid)).containsExactly(0f, (float) Math.sqrt(2), 5f);
        assertThat(ids(client.searchAsync(fromOrigin.clone().setCollectionName("distance_Euclid")
                .setScoreThreshold(2f).build()).get())).containsExactly(id(1), id(3));

        List<ScoredPoint> manhattan = client.searchAsync(fromOrigin.clone().setCollectionName("distance_Manhattan").build()).get();
        assertThat(ids(manhattan)).containsExactly(id(1), id(3), id(2));
        assertThat(scores(manhattan)).containsExactly(0f, 2f, 7f);

        List<ScoredPoint> dot = client.searchAsync(SearchPoints.newBuilder().setCollectionName("distance_Dot")
                .addAllVector(List.of(1f, 1f)).setLimit(3).build()).get();
        assertThat(ids(dot)).containsExactly(id(2), id(3), id(1));
        assertThat(scores(dot)).containsExactly(7f, 2f, 0f);
    }

    @Test
    void namedVectorsAreStoredAndSearchedByName() throws Exception {
        client.createCollectionAsync("named", Map.of(
                "text", params(2, Distance.Dot),
                "image", params(3, Distance.Euclid))).get();
        client.upsertAsync("named", List.of(
                PointStruct.newBuilder().setId(id(1)).setVectors(namedVectors(Map.of(
                        "text", VectorFactory.vector(1, 0), "image", VectorFactory.vector(0, 0, 0)))).build(),
                PointStruct.newBuilder().setId(id(2)).setVectors(namedVectors(Map.of(
                        "text", VectorFactory.vector(0, 1)))).build())).get();

        assertThat(client.getCollectionInfoAsync("named").get().getConfig().getParams().getVectorsConfig()
                .getParamsMap().getMapMap()).containsOnlyKeys("text", "image");
        assertThat(ids(client.queryAsync(QueryPoints.newBuilder().setCollectionName("named")
                .setQuery(nearest(0f, 2f)).setUsing("text").build()).get())).containsExactly(id(2), id(1));
        assertThat(ids(client.searchAsync(SearchPoints.newBuilder().setCollectionName("named")
                .setVectorName("image").addAllVector(List.of(1f, 1f, 1f)).setLimit(5).build()).get()))
                .as("only points that have the named vector take part").containsExactly(id(1));

        Status unnamed = statusOf(() -> client.upsertAsync("named",
                List.of(point(id(3), Map.of(), 1, 0))).get());
        assertThat(unnamed.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void unsupportedCallsAnswerUnimplementedNamingWhatIsMissing() throws Exception {
        seed("unsupported");

        Status recommend = statusOf(() -> client.recommendAsync(RecommendPoints.newBuilder()
                .setCollectionName("unsupported").addPositive(id(1)).setLimit(1).build()).get());
        assertThat(recommend.getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(recommend.getDescription()).contains("qdrant.Points/Recommend");

        Status fusion = statusOf(() -> client.queryAsync(QueryPoints.newBuilder().setCollectionName("unsupported")
                .setQuery(fusion(Fusion.RRF)).build()).get());
        assertThat(fusion.getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(fusion.getDescription()).contains("fusion").contains("test server");
    }

    @Test
    void camelQdrantComponentWorksAgainstTheTestServer() throws Exception {
        String uri = "qdrant:camel_docs?host=" + server.host() + "&port=" + server.port() + "&maxResults=2";
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.start();
            ProducerTemplate template = camel.createProducerTemplate();

            send(template, uri, QdrantAction.CREATE_COLLECTION, params(4, Distance.Cosine));
            assertThat(client.collectionExistsAsync("camel_docs").get()).isTrue();

            Exchange upserted = send(template, uri, QdrantAction.UPSERT, fivePoints());
            assertThat(upserted.getMessage().getHeader(Qdrant.Headers.OPERATION_STATUS))
                    .isEqualTo(UpdateStatus.Completed.name());

            Exchange retrieved = send(template, uri, QdrantAction.RETRIEVE, List.of(id(2)));
            List<?> retrievedPoints = retrieved.getMessage().getBody(List.class);
            assertThat(retrievedPoints).hasSize(1);
            assertThat(((RetrievedPoint) retrievedPoints.get(0)).getPayloadMap()).isEqualTo(betaPayload());

            Exchange searched = send(template, uri, QdrantAction.SIMILARITY_SEARCH, asList(QUERY));
            List<?> hits = searched.getMessage().getBody(List.class);
            assertThat(hits).extracting(h -> ((ScoredPoint) h).getId()).containsExactly(id(2), id(3));
            assertThat(((ScoredPoint) hits.get(0)).getScore()).isCloseTo((float) COS_BETA, within(1e-6f));

            Exchange info = send(template, uri, QdrantAction.COLLECTION_INFO, null);
            assertThat(info.getMessage().getBody(CollectionInfo.class).getPointsCount()).isEqualTo(5);

            send(template, uri, QdrantAction.DELETE, PointsSelector.newBuilder()
                    .setPoints(PointsIdsList.newBuilder().addIds(id(2))).build());
            assertThat(client.countAsync("camel_docs").get()).isEqualTo(4);

            send(template, uri, QdrantAction.DELETE_COLLECTION, null);
            assertThat(client.collectionExistsAsync("camel_docs").get()).isFalse();

            Exchange failed = template.send(uri, e -> {
                e.getMessage().setHeader(Qdrant.Headers.ACTION, QdrantAction.COLLECTION_INFO);
            });
            assertThat(Status.fromThrowable(failed.getException()).getCode()).isEqualTo(Status.Code.NOT_FOUND);
        }
    }

    private static Exchange send(ProducerTemplate template, String uri, QdrantAction action, Object body) {
        Exchange exchange = template.send(uri, e -> {
            e.getMessage().setHeader(Qdrant.Headers.ACTION, action);
            e.getMessage().setBody(body);
        });
        assertThat(exchange.getException()).as("%s failed", action).isNull();
        return exchange;
    }

    private static void seed(String collection) throws Exception {
        client.createCollectionAsync(collection, params(4, Distance.Cosine)).get();
        client.upsertAsync(collection, fivePoints()).get();
    }

    private static List<PointStruct> fivePoints() {
        return List.of(
                point(id(1), alphaPayload(), 1, 0, 0, 0),
                point(id(2), betaPayload(), 1, 1, 0, 0),
                point(id(3), Map.of("name", value("gamma"), "group", value("b"), "rank", value(3)), 0, 1, 0, 0),
                point(id(4), Map.of("name", value("delta"), "group", value("b"), "rank", value(4)), 0, 0, 1, 0),
                point(id(EPSILON), epsilonPayload(), -1, 0, 0, 0));
    }

    private static Map<String, Value> alphaPayload() {
        return Map.of("name", value("alpha"), "group", value("a"), "rank", value(1),
                "tags", list(List.of(value("red"), value("blue"))));
    }

    private static Map<String, Value> betaPayload() {
        return Map.of("name", value("beta"), "group", value("a"), "rank", value(2));
    }

    private static Map<String, Value> epsilonPayload() {
        return Map.of("name", value("epsilon"), "group", value("c"), "rank", value(5.5),
                "meta", value(Map.of("source", value("test"))));
    }

    private static PointStruct point(PointId id, Map<String, Value> payload, float... vector) {
        return PointStruct.newBuilder().setId(id).setVectors(vectors(vector)).putAllPayload(payload).build();
    }

    private static VectorParams params(int size, Distance distance) {
        return VectorParams.newBuilder().setSize(size).setDistance(distance).build();
    }

    private static List<ScoredPoint> search(String collection, Filter filter) throws Exception {
        return client.searchAsync(SearchPoints.newBuilder()
                .setCollectionName(collection).addAllVector(asList(QUERY)).setFilter(filter).setLimit(10)
                .build()).get();
    }

    private static ScrollResponse scroll(ScrollPoints.Builder request) throws Exception {
        return client.scrollAsync(request.build()).get();
    }

    private static Filter must(Condition condition) {
        return Filter.newBuilder().addMust(condition).build();
    }

    private static List<PointId> ids(List<ScoredPoint> points) {
        return points.stream().map(ScoredPoint::getId).toList();
    }

    private static List<Float> scores(List<ScoredPoint> points) {
        return points.stream().map(ScoredPoint::getScore).toList();
    }

    private static List<Float> asList(float[] vector) {
        List<Float> list = new ArrayList<>(vector.length);
        for (float v : vector) {
            list.add(v);
        }
        return list;
    }

    private static Status statusOf(ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).as("expected the call to fail").isNotNull();
        return Status.fromThrowable(thrown);
    }
}
