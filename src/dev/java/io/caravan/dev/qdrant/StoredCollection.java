package io.caravan.dev.qdrant;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import io.qdrant.client.grpc.Collections.CollectionConfig;
import io.qdrant.client.grpc.Collections.CollectionInfo;
import io.qdrant.client.grpc.Collections.CollectionParams;
import io.qdrant.client.grpc.Collections.CollectionStatus;
import io.qdrant.client.grpc.Collections.CreateCollection;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.HnswConfigDiff;
import io.qdrant.client.grpc.Collections.OptimizerStatus;
import io.qdrant.client.grpc.Collections.OptimizersConfigDiff;
import io.qdrant.client.grpc.Collections.PayloadSchemaInfo;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Collections.VectorParamsMap;
import io.qdrant.client.grpc.Collections.VectorsConfig;
import io.qdrant.client.grpc.Collections.WalConfigDiff;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.Vector;

/**
 * One collection: its vector configuration and its points, ordered by id like Qdrant's scroll.
 * Writers take the write lock for a whole batch so a batch is applied atomically; readers share
 * the read lock and only ever see complete, immutable {@link StoredPoint}s.
 *
 * <p>Payload indexes ({@code create_field_index}) are kept up to date with every write; a scroll, count
 * or search whose filter must match a value of an indexed field (or a point id) visits only the points
 * holding it, not the whole collection, as on Qdrant.
 */
final class StoredCollection {

    static final String DEFAULT_VECTOR = "";

    private static final Pattern FORBIDDEN_NAME_CHARS = Pattern.compile("[<>:\"/\\\\|?*\\x00]");
    private static final long MAX_DIMENSION = 65536;

    private final String name;
    private final Map<String, VectorSpec> vectors;
    private final boolean namedVectors;
    private final CollectionConfig config;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final NavigableMap<PointId, StoredPoint> points = new TreeMap<>(PointIds.ORDER);
    private final Map<String, PayloadIndex> indexes = new HashMap<>();
    private long nextOperationId;

    /** @param size dimension, {@code distance} never {@code UnknownDistance} */
    record VectorSpec(int size, Distance distance) {
    }

    /** A scored search candidate. */
    record Hit(StoredPoint point, float score) {
    }

    /** A nearest-neighbour request after all wire-level defaults are resolved. */
    record NearestQuery(String using, float[] vector, Filter where, Predicate<StoredPoint> filter, Set<PointId> excluded,
                        Float scoreThreshold, long offset, long limit) {
    }

    /** One scroll page and the id the next page starts at, if any. */
    record Page(List<StoredPoint> points, PointId nextOffset) {
    }

    private StoredCollection(String name, Map<String, VectorSpec> vectors, boolean namedVectors,
                             CollectionConfig config) {
        this.name = name;
        this.vectors = vectors;
        this.namedVectors = namedVectors;
        this.config = config;
    }

    static StoredCollection create(CreateCollection request) {
        String name = request.getCollectionName();
        if (name.isEmpty() || name.length() > 255 || FORBIDDEN_NAME_CHARS.matcher(name).find()) {
            throw TestServerStatus.validation("collection_name",
                    "must be 1 to 255 characters without any of <>:\"/\\|?*");
        }
        if (request.hasSparseVectorsConfig() && request.getSparseVectorsConfig().getMapCount() > 0) {
            throw TestServerStatus.unsupported("Sparse vectors");
        }
        VectorsConfig vectorsConfig = request.hasVectorsConfig()
                ? request.getVectorsConfig()
                : VectorsConfig.newBuilder().setParamsMap(VectorParamsMap.getDefaultInstance()).build();
        Map<String, VectorSpec> specs = new HashMap<>();
        boolean named = switch (vectorsConfig.getConfigCase()) {
            case PARAMS -> {
                specs.put(DEFAULT_VECTOR, spec(DEFAULT_VECTOR, vectorsConfig.getParams()));
                yield false;
            }
            case PARAMS_MAP -> {
                vectorsConfig.getParamsMap().getMapMap().forEach((vectorName, params) ->
                        specs.put(vectorName, spec(vectorName, params)));
                yield true;
            }
            case CONFIG_NOT_SET -> true;
        };
        return new StoredCollection(name, Map.copyOf(specs), named, config(request, vectorsConfig));
    }

    private static VectorSpec spec(String vectorName, VectorParams params) {
        String field = vectorName.isEmpty() ? "vectors_config.params" : "vectors_config." + vectorName;
        if (params.getSize() < 1 || params.getSize() > MAX_DIMENSION) {
            throw TestServerStatus.validation(field + ".size",
                    "value " + params.getSize() + " invalid, must be from 1 to " + MAX_DIMENSION);
        }
        if (params.getDistance() == Distance.UnknownDistance || params.getDistance() == Distance.UNRECOGNIZED) {
            throw TestServerStatus.wrongInput("Unknown distance for " + field);
        }
        if (params.hasMultivectorConfig()) {
            throw TestServerStatus.unsupported("Multi-vectors");
        }
        return new VectorSpec((int) params.getSize(), params.getDistance());
    }

    /** Echoes the request over Qdrant's defaults, as {@code GetCollectionInfo} does on a real server. */
    private static CollectionConfig config(CreateCollection request, VectorsConfig vectorsConfig) {
        CollectionParams params = CollectionParams.newBuilder()
                .setShardNumber(request.hasShardNumber() ? request.getShardNumber() : 1)
                .setOnDiskPayload(!request.hasOnDiskPayload() || request.getOnDiskPayload())
                .setVectorsConfig(vectorsConfig)
                .setReplicationFactor(request.hasReplicationFactor() ? request.getReplicationFactor() : 1)
                .setWriteConsistencyFactor(
                        request.hasWriteConsistencyFactor() ? request.getWriteConsistencyFactor() : 1)
                .build();
        HnswConfigDiff hnsw = HnswConfigDiff.newBuilder()
                .setM(16).setEfConstruct(100).setFullScanThreshold(10000).setMaxIndexingThreads(0).setOnDisk(false)
                .mergeFrom(request.getHnswConfig())
                .build();
        OptimizersConfigDiff optimizers = OptimizersConfigDiff.newBuilder()
                .setDeletedThreshold(0.2).setVacuumMinVectorNumber(1000).setDefaultSegmentNumber(0)
                .setIndexingThreshold(10000).setFlushIntervalSec(5)
                .mergeFrom(request.getOptimizersConfig())
                .build();
        WalConfigDiff wal = WalConfigDiff.newBuilder()
                .setWalCapacityMb(32).setWalSegmentsAhead(0)
                .mergeFrom(request.getWalConfig())
                .build();
        CollectionConfig.Builder config = CollectionConfig.newBuilder()
                .setParams(params)
                .setHnswConfig(hnsw)
                .setOptimizerConfig(optimizers)
                .setWalConfig(wal)
                .putAllMetadata(request.getMetadataMap());
        if (request.hasQuantizationConfig()) {
            config.setQuantizationConfig(request.getQuantizationConfig());
        }
        return config.build();
    }

    String name() {
        return name;
    }

    boolean namedVectors() {
        return namedVectors;
    }

    VectorSpec vector(String vectorName) {
        VectorSpec spec = vectors.get(vectorName);
        if (spec == null) {
            throw TestServerStatus.wrongInput("Not existing vector name error: " + vectorName);
        }
        return spec;
    }

    CollectionInfo info() {
        lock.readLock().lock();
        try {
            CollectionInfo.Builder info = CollectionInfo.newBuilder();
            indexes.forEach((field, index) -> info.putPayloadSchema(field, PayloadSchemaInfo.newBuilder()
                    .setDataType(index.type()).setPoints(index.indexedPoints()).build()));
            return info
                    .setStatus(CollectionStatus.Green)
                    .setOptimizerStatus(OptimizerStatus.newBuilder().setOk(true))
                    .setSegmentsCount(1)
                    .setConfig(config)
                    .setPointsCount(points.size())
                    // A real server indexes nothing below the indexing threshold either.
                    .setIndexedVectorsCount(0)
                    .build();
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Validates the whole batch before touching anything, so a bad point rejects the batch like
     * Qdrant does. With an update filter, existing points that do not match it are left alone.
     */
    long upsert(List<PointStruct> batch, Predicate<StoredPoint> updateFilter) {
        List<StoredPoint> incoming = batch.stream().map(this::prepare).toList();
        lock.writeLock().lock();
        try {
            long operationId = nextOperationId++;
            for (StoredPoint point : incoming) {
                StoredPoint existing = points.get(point.id());
                if (existing == null || updateFilter == null || updateFilter.test(existing)) {
                    StoredPoint stored = point.withVersion(operationId);
                    points.put(point.id(), stored);
                    for (PayloadIndex index : indexes.values()) {
                        if (existing != null) {
                            index.remove(existing);
                        }
                        index.add(stored);
                    }
                }
            }
            return operationId;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private StoredPoint prepare(PointStruct struct) {
        if (!struct.hasId()) {
            throw TestServerStatus.wrongInput("point id is missing");
        }
        PointId id = PointIds.canonical(struct.getId());
        if (!struct.hasVectors()) {
            throw TestServerStatus.wrongInput("point " + PointIds.describe(id) + " has no vectors");
        }
        Map<String, Vector> given = switch (struct.getVectors().getVectorsOptionsCase()) {
            case VECTOR -> Map.of(DEFAULT_VECTOR, struct.getVectors().getVector());
            case VECTORS -> struct.getVectors().getVectors().getVectorsMap();
            case VECTORSOPTIONS_NOT_SET ->
                    throw TestServerStatus.wrongInput("point " + PointIds.describe(id) + " has no vectors");
        };
        Map<String, float[]> prepared = new HashMap<>();
        given.forEach((vectorName, vector) -> {
            VectorSpec spec = vector(vectorName);
            float[] values = DenseVectors.fromVector(vector);
            checkDimension(spec, values);
            prepared.put(vectorName, Similarity.prepare(spec.distance(), values));
        });
        return new StoredPoint(id, Map.copyOf(prepared), Map.copyOf(struct.getPayloadMap()), -1);
    }

    private static void checkDimension(VectorSpec spec, float[] vector) {
        if (vector.length != spec.size()) {
            throw TestServerStatus.wrongInput(
                    "Vector dimension error: expected dim: " + spec.size() + ", got " + vector.length);
        }
    }

    long delete(List<PointId> ids) {
        List<PointId> canonical = ids.stream().map(PointIds::canonical).toList();
        lock.writeLock().lock();
        try {
            for (PointId id : canonical) {
                StoredPoint removed = points.remove(id);
                if (removed != null) {
                    indexes.values().forEach(index -> index.remove(removed));
                }
            }
            return nextOperationId++;
        } finally {
            lock.writeLock().unlock();
        }
    }

    long delete(Filter where, Predicate<StoredPoint> filter) {
        lock.writeLock().lock();
        try {
            List<StoredPoint> doomed = new ArrayList<>();
            for (StoredPoint point : candidates(where, null)) {
                if (filter.test(point)) {
                    doomed.add(point);
                }
            }
            for (StoredPoint point : doomed) {
                points.remove(point.id());
                indexes.values().forEach(index -> index.remove(point));
            }
            return nextOperationId++;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Points in the order asked for, each at most once; unknown ids are skipped as in Qdrant. */
    List<StoredPoint> retrieve(List<PointId> ids) {
        Map<PointId, StoredPoint> found = new LinkedHashMap<>();
        List<PointId> canonical = ids.stream().map(PointIds::canonical).toList();
        lock.readLock().lock();
        try {
            for (PointId id : canonical) {
                StoredPoint point = points.get(id);
                if (point != null) {
                    found.putIfAbsent(id, point);
                }
            }
        } finally {
            lock.readLock().unlock();
        }
        return List.copyOf(found.values());
    }

    /** The stored (already preprocessed) vector of a point, for queries by example. */
    float[] vectorOf(PointId id, String vectorName) {
        vector(vectorName);
        PointId canonical = PointIds.canonical(id);
        StoredPoint point;
        lock.readLock().lock();
        try {
            point = points.get(canonical);
        } finally {
            lock.readLock().unlock();
        }
        if (point == null) {
            throw TestServerStatus.pointNotFound(PointIds.describe(canonical));
        }
        float[] vector = point.vectors().get(vectorName);
        if (vector == null) {
            throw TestServerStatus.wrongInput("point " + PointIds.describe(canonical)
                    + " has no vector named `" + vectorName + "`");
        }
        return vector;
    }

    long count(Filter where, Predicate<StoredPoint> filter) {
        lock.readLock().lock();
        try {
            long count = 0;
            for (StoredPoint point : candidates(where, null)) {
                if (filter.test(point)) {
                    count++;
                }
            }
            return count;
        } finally {
            lock.readLock().unlock();
        }
    }

    Page scroll(Filter where, Predicate<StoredPoint> filter, PointId offset, int limit) {
        PointId from = offset == null ? null : PointIds.canonical(offset);
        lock.readLock().lock();
        try {
            List<StoredPoint> page = new ArrayList<>(Math.min(limit, 1024));
            for (StoredPoint point : candidates(where, from)) {
                if (!filter.test(point)) {
                    continue;
                }
                if (page.size() == limit) {
                    return new Page(page, point.id());
                }
                page.add(point);
            }
            return new Page(page, null);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Creates (or, with another type, rebuilds) the payload index on {@code field} over the points stored
     * now; later writes keep it up to date. Creating an index that exists with the same type changes nothing.
     */
    long createIndex(String field, PayloadSchemaType type) {
        lock.writeLock().lock();
        try {
            PayloadIndex existing = indexes.get(field);
            if (existing == null || existing.type() != type) {
                PayloadIndex index = new PayloadIndex(field, type);
                points.values().forEach(index::add);
                indexes.put(field, index);
            }
            return nextOperationId++;
        } finally {
            lock.writeLock().unlock();
        }
    }

    long deleteIndex(String field) {
        lock.writeLock().lock();
        try {
            indexes.remove(field);
            return nextOperationId++;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * The points a filter can match, in id order from {@code from} (inclusive; null: the first): those the
     * smallest index lookup of the filter's {@code must} conditions names, else the whole collection.
     * Callers hold the lock and still test the filter on each.
     */
    private Iterable<StoredPoint> candidates(Filter where, PointId from) {
        NavigableSet<PointId> narrowest = null;
        if (where != null) {
            for (PointFilter.Lookup lookup : PointFilter.lookups(where)) {
                NavigableSet<PointId> ids = ids(lookup);
                if (ids != null && (narrowest == null || ids.size() < narrowest.size())) {
                    narrowest = ids;
                }
            }
        }
        if (narrowest == null) {
            return from == null ? points.values() : points.tailMap(from, true).values();
        }
        Collection<PointId> ids = from == null ? narrowest : narrowest.tailSet(from, true);
        return () -> ids.stream().map(points::get).filter(Objects::nonNull).iterator();
    }

    /** The ids one lookup allows, or null when no index answers it. */
    private NavigableSet<PointId> ids(PointFilter.Lookup lookup) {
        if (lookup.key() == null) {
            NavigableSet<PointId> ids = new TreeSet<>(PointIds.ORDER);
            lookup.values().forEach(id -> ids.add((PointId) id));
            return ids;
        }
        PayloadIndex index = indexes.get(lookup.key());
        if (index == null || !index.serves(lookup.kind())) {
            return null;
        }
        if (lookup.values().size() == 1) {
            return index.lookup(lookup.values().iterator().next());
        }
        NavigableSet<PointId> union = new TreeSet<>(PointIds.ORDER);
        lookup.values().forEach(value -> union.addAll(index.lookup(value)));
        return union;
    }

    /**
     * Exact (brute-force) nearest neighbours. Ties keep id order so results are deterministic;
     * the threshold applies before offset and limit, as in Qdrant.
     */
    List<Hit> nearest(NearestQuery query) {
        VectorSpec spec = vector(query.using());
        checkDimension(spec, query.vector());
        float[] prepared = Similarity.prepare(spec.distance(), query.vector());
        List<Hit> hits = new ArrayList<>();
        lock.readLock().lock();
        try {
            for (StoredPoint point : candidates(query.where(), null)) {
                float[] stored = point.vectors().get(query.using());
                if (stored == null || query.excluded().contains(point.id()) || !query.filter().test(point)) {
                    continue;
                }
                float score = Similarity.score(spec.distance(), stored, prepared);
                if (query.scoreThreshold() == null
                        || Similarity.passes(spec.distance(), score, query.scoreThreshold())) {
                    hits.add(new Hit(point, score));
                }
            }
        } finally {
            lock.readLock().unlock();
        }
        Comparator<Hit> byScore = Comparator.comparingDouble(Hit::score);
        if (Similarity.largerIsBetter(spec.distance())) {
            byScore = byScore.reversed();
        }
        return hits.stream()
                .sorted(byScore.thenComparing(Hit::point, Comparator.comparing(StoredPoint::id, PointIds.ORDER)))
                .skip(query.offset())
                .limit(query.limit())
                .toList();
    }
}
