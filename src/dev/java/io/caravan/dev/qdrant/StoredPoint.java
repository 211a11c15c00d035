package io.caravan.dev.qdrant;

import java.util.Map;

import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.JsonWithInt.Value;

/**
 * One point as held in memory. The vectors are already preprocessed for their distance (cosine
 * vectors normalised) and are never mutated after construction, so instances can be shared
 * between readers without copying.
 *
 * @param id canonical id
 * @param vectors dense vectors by vector name; the unnamed default vector is under {@code ""}
 * @param payload payload exactly as upserted
 * @param version id of the operation that last wrote the point
 */
record StoredPoint(PointId id, Map<String, float[]> vectors, Map<String, Value> payload, long version) {

    StoredPoint withVersion(long operationId) {
        return new StoredPoint(id, vectors, payload, operationId);
    }
}
