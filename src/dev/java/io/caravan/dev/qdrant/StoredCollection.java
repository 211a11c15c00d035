package io.caravan.dev.qdrant;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
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
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Collections.VectorParamsMap;
import io.qdrant.client.grpc.Collections.VectorsConfig;
import io.qdrant.client.grpc.Collections.WalConfigDiff;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.Vector;

/**
 * One collection: its vector configuration and its points, ordered by id like Qdrant's scroll.
 * Writers take the write lock for a whole batch so a batch is applied atomically; readers share
 * the read lock and only ever see complete, immutable {@link StoredPoint}s.
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
    private long nextOperationId;

    /** @param size dimension, {@code distance} never {@code UnknownDistance} */
    record VectorSpec(int size, Distance distance) {
    }

    /** A scored search candidate. */
    record Hit(StoredPoint point, float score) {
    }

    /** A nearest-neighbour request after all wire-level defaults are resolved. */
    record NearestQuery(String using, float[] vector, Predicate<StoredPoint> filter, Set<PointId> excluded,
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
            return CollectionInfo.newBuilder()
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
                    points.put(point.id(), point.withVersion(operationId));
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
            canonical.forEach(points::remove);
            return nextOperationId++;
        } finally {
            lock.writeLock().unlock();
        }
    }

    long delete(Predicate<StoredPoint> filter) {
        lock.writeLock().lock();
        try {
            points.values().removeIf(filter);
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

    long count(Predicate<StoredPoint> filter) {
        lock.readLock().lock();
        try {
            return points.values().stream().filter(filter).count();
        } finally {
            lock.readLock().unlock();
        }
    }

    Page scroll(Predicate<StoredPoint> filter, PointId offset, int limit) {
        lock.readLock().lock();
        try {
            Iterable<StoredPoint> candidates = offset == null
                    ? points.values()
                    : points.tailMap(PointIds.canonical(offset), true).values();
            List<StoredPoint> page = new ArrayList<>(limit);
            for (StoredPoint point : candidates) {
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
            for (StoredPoint point : points.values()) {
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
