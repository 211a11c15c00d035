package io.caravan.dev.qdrant;

import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

import io.grpc.stub.StreamObserver;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.Points.CountPoints;
import io.qdrant.client.grpc.Points.CountResponse;
import io.qdrant.client.grpc.Points.CountResult;
import io.qdrant.client.grpc.Points.CreateFieldIndexCollection;
import io.qdrant.client.grpc.Points.DeleteFieldIndexCollection;
import io.qdrant.client.grpc.Points.DeletePoints;
import io.qdrant.client.grpc.Points.GetPoints;
import io.qdrant.client.grpc.Points.GetResponse;
import io.qdrant.client.grpc.Points.PointsOperationResponse;
import io.qdrant.client.grpc.Points.Query;
import io.qdrant.client.grpc.Points.QueryPoints;
import io.qdrant.client.grpc.Points.QueryResponse;
import io.qdrant.client.grpc.Points.ScrollPoints;
import io.qdrant.client.grpc.Points.ScrollResponse;
import io.qdrant.client.grpc.Points.SearchPoints;
import io.qdrant.client.grpc.Points.SearchResponse;
import io.qdrant.client.grpc.Points.UpdateResult;
import io.qdrant.client.grpc.Points.UpdateStatus;
import io.qdrant.client.grpc.Points.UpsertPoints;
import io.qdrant.client.grpc.Points.VectorInput;
import io.qdrant.client.grpc.PointsGrpc;

/** {@code qdrant.Points}: Upsert, Delete, Get, Search, Query, Scroll, Count, CreateFieldIndex and DeleteFieldIndex. */
final class PointsService extends PointsGrpc.PointsImplBase {

    private static final long DEFAULT_LIMIT = 10;

    private final CollectionStore store;

    PointsService(CollectionStore store) {
        this.store = store;
    }

    @Override
    public void upsert(UpsertPoints request, StreamObserver<PointsOperationResponse> observer) {
        Rpc.answer("Points/Upsert", observer, elapsed -> {
            StoredCollection collection = store.require(request.getCollectionName());
            Predicate<StoredPoint> updateFilter = request.hasUpdateFilter()
                    ? PointFilter.compile(request.getUpdateFilter()) : null;
            long operationId = collection.upsert(request.getPointsList(), updateFilter);
            return operationResponse(operationId, request.hasWait() && request.getWait(), elapsed.getAsDouble());
        });
    }

    @Override
    public void delete(DeletePoints request, StreamObserver<PointsOperationResponse> observer) {
        Rpc.answer("Points/Delete", observer, elapsed -> {
            StoredCollection collection = store.require(request.getCollectionName());
            long operationId = switch (request.getPoints().getPointsSelectorOneOfCase()) {
                case POINTS -> collection.delete(request.getPoints().getPoints().getIdsList());
                case FILTER -> collection.delete(request.getPoints().getFilter(),
                        PointFilter.compile(request.getPoints().getFilter()));
                case POINTSSELECTORONEOF_NOT_SET -> throw TestServerStatus.wrongInput("points selector is missing");
            };
            return operationResponse(operationId, request.hasWait() && request.getWait(), elapsed.getAsDouble());
        });
    }

    @Override
    public void get(GetPoints request, StreamObserver<GetResponse> observer) {
        Rpc.answer("Points/Get", observer, elapsed -> {
            StoredCollection collection = store.require(request.getCollectionName());
            Projection projection = new Projection(request.getWithPayload(), true,
                    request.getWithVectors(), collection.namedVectors());
            GetResponse.Builder response = GetResponse.newBuilder();
            collection.retrieve(request.getIdsList()).forEach(p -> response.addResult(projection.retrieved(p)));
            return response.setTime(elapsed.getAsDouble()).build();
        });
    }

    @Override
    public void search(SearchPoints request, StreamObserver<SearchResponse> observer) {
        Rpc.answer("Points/Search", observer, elapsed -> {
            StoredCollection collection = store.require(request.getCollectionName());
            if (request.hasSparseIndices()) {
                throw TestServerStatus.unsupported("Sparse vectors");
            }
            StoredCollection.NearestQuery query = new StoredCollection.NearestQuery(
                    request.hasVectorName() ? request.getVectorName() : StoredCollection.DEFAULT_VECTOR,
                    DenseVectors.toArray(request.getVectorList()),
                    where(request.hasFilter(), request.getFilter()),
                    filter(request.hasFilter(), request.getFilter()),
                    Set.of(),
                    request.hasScoreThreshold() ? request.getScoreThreshold() : null,
                    request.hasOffset() ? unsigned(request.getOffset()) : 0,
                    positiveLimit(request.getLimit()));
            Projection projection = new Projection(request.getWithPayload(), false,
                    request.getWithVectors(), collection.namedVectors());
            SearchResponse.Builder response = SearchResponse.newBuilder();
            collection.nearest(query).forEach(hit -> response.addResult(projection.scored(hit)));
            return response.setTime(elapsed.getAsDouble()).build();
        });
    }

    /**
     * The universal query API, for nearest-neighbour queries by vector or by the vector of an
     * existing point; as in Qdrant, a point used as the query is left out of its own results.
     */
    @Override
    public void query(QueryPoints request, StreamObserver<QueryResponse> observer) {
        Rpc.answer("Points/Query", observer, elapsed -> {
            StoredCollection collection = store.require(request.getCollectionName());
            if (request.getPrefetchCount() > 0) {
                throw TestServerStatus.unsupported("Query prefetch");
            }
            if (request.hasLookupFrom()) {
                throw TestServerStatus.unsupported("Query lookup_from");
            }
            if (!request.hasQuery()) {
                throw TestServerStatus.unsupported("Query without a `query`");
            }
            Query query = request.getQuery();
            if (query.getVariantCase() != Query.VariantCase.NEAREST) {
                throw TestServerStatus.unsupported(
                        "Query variant `" + query.getVariantCase().name().toLowerCase(Locale.ROOT) + "`");
            }
            String using = request.hasUsing() ? request.getUsing() : StoredCollection.DEFAULT_VECTOR;
            VectorInput input = query.getNearest();
            float[] vector;
            Set<PointId> excluded;
            if (input.getVariantCase() == VectorInput.VariantCase.ID) {
                PointId example = PointIds.canonical(input.getId());
                vector = collection.vectorOf(example, using);
                excluded = Set.of(example);
            } else {
                vector = DenseVectors.fromInput(input);
                excluded = Set.of();
            }
            StoredCollection.NearestQuery nearest = new StoredCollection.NearestQuery(
                    using,
                    vector,
                    where(request.hasFilter(), request.getFilter()),
                    filter(request.hasFilter(), request.getFilter()),
                    excluded,
                    request.hasScoreThreshold() ? request.getScoreThreshold() : null,
                    request.hasOffset() ? unsigned(request.getOffset()) : 0,
                    request.hasLimit() ? positiveLimit(request.getLimit()) : DEFAULT_LIMIT);
            Projection projection = new Projection(request.getWithPayload(), false,
                    request.getWithVectors(), collection.namedVectors());
            QueryResponse.Builder response = QueryResponse.newBuilder();
            collection.nearest(nearest).forEach(hit -> response.addResult(projection.scored(hit)));
            return response.setTime(elapsed.getAsDouble()).build();
        });
    }

    @Override
    public void scroll(ScrollPoints request, StreamObserver<ScrollResponse> observer) {
        Rpc.answer("Points/Scroll", observer, elapsed -> {
            StoredCollection collection = store.require(request.getCollectionName());
            if (request.hasOrderBy()) {
                throw TestServerStatus.unsupported("Scroll order_by");
            }
            long limit = request.hasLimit() ? positiveLimit(Integer.toUnsignedLong(request.getLimit())) : DEFAULT_LIMIT;
            StoredCollection.Page page = collection.scroll(
                    where(request.hasFilter(), request.getFilter()),
                    filter(request.hasFilter(), request.getFilter()),
                    request.hasOffset() ? request.getOffset() : null,
                    (int) Math.min(limit, Integer.MAX_VALUE - 1));
            Projection projection = new Projection(request.getWithPayload(), true,
                    request.getWithVectors(), collection.namedVectors());
            ScrollResponse.Builder response = ScrollResponse.newBuilder();
            page.points().forEach(p -> response.addResult(projection.retrieved(p)));
            if (page.nextOffset() != null) {
                response.setNextPageOffset(page.nextOffset());
            }
            return response.setTime(elapsed.getAsDouble()).build();
        });
    }

    /** Always exact: the test server has nothing to approximate with. */
    @Override
    public void count(CountPoints request, StreamObserver<CountResponse> observer) {
        Rpc.answer("Points/Count", observer, elapsed -> {
            StoredCollection collection = store.require(request.getCollectionName());
            long count = collection.count(where(request.hasFilter(), request.getFilter()),
                    filter(request.hasFilter(), request.getFilter()));
            return CountResponse.newBuilder()
                    .setResult(CountResult.newBuilder().setCount(count))
                    .setTime(elapsed.getAsDouble())
                    .build();
        });
    }

    /**
     * A payload index for the field ({@code Points/CreateFieldIndex}); keyword, uuid and integer indexes
     * narrow filtered reads, other types are accepted and listed in the collection's payload schema.
     */
    @Override
    public void createFieldIndex(CreateFieldIndexCollection request, StreamObserver<PointsOperationResponse> observer) {
        Rpc.answer("Points/CreateFieldIndex", observer, elapsed -> {
            StoredCollection collection = store.require(request.getCollectionName());
            if (request.getFieldName().isBlank()) {
                throw TestServerStatus.validation("field_name", "must not be empty");
            }
            if (!request.hasFieldType()) {
                throw TestServerStatus.wrongInput("field_type is required to create a payload index");
            }
            PayloadSchemaType type = switch (request.getFieldType()) {
                case FieldTypeKeyword -> PayloadSchemaType.Keyword;
                case FieldTypeInteger -> PayloadSchemaType.Integer;
                case FieldTypeFloat -> PayloadSchemaType.Float;
                case FieldTypeGeo -> PayloadSchemaType.Geo;
                case FieldTypeText -> PayloadSchemaType.Text;
                case FieldTypeBool -> PayloadSchemaType.Bool;
                case FieldTypeDatetime -> PayloadSchemaType.Datetime;
                case FieldTypeUuid -> PayloadSchemaType.Uuid;
                case UNRECOGNIZED -> throw TestServerStatus.wrongInput("unknown field_type");
            };
            long operationId = collection.createIndex(request.getFieldName(), type);
            return operationResponse(operationId, request.hasWait() && request.getWait(), elapsed.getAsDouble());
        });
    }

    @Override
    public void deleteFieldIndex(DeleteFieldIndexCollection request, StreamObserver<PointsOperationResponse> observer) {
        Rpc.answer("Points/DeleteFieldIndex", observer, elapsed -> {
            long operationId = store.require(request.getCollectionName()).deleteIndex(request.getFieldName());
            return operationResponse(operationId, request.hasWait() && request.getWait(), elapsed.getAsDouble());
        });
    }

    /** The filter as given, for index lookups; null without one. */
    private static Filter where(boolean present, Filter filter) {
        return present ? filter : null;
    }

    private static Predicate<StoredPoint> filter(boolean present, Filter filter) {
        return present ? PointFilter.compile(filter) : point -> true;
    }

    /** Qdrant answers {@code Completed} only when the caller waited for the change to be applied. */
    private static PointsOperationResponse operationResponse(long operationId, boolean waited, double time) {
        return PointsOperationResponse.newBuilder()
                .setResult(UpdateResult.newBuilder()
                        .setOperationId(operationId)
                        .setStatus(waited ? UpdateStatus.Completed : UpdateStatus.Acknowledged))
                .setTime(time)
                .build();
    }

    private static long positiveLimit(long limit) {
        if (limit == 0) {
            throw TestServerStatus.validation("limit", "value 0 invalid, must be 1 or larger");
        }
        return unsigned(limit);
    }

    /** uint64 fields arrive as signed longs; anything past {@code Long.MAX_VALUE} means "no bound". */
    private static long unsigned(long value) {
        return value < 0 ? Long.MAX_VALUE : value;
    }
}
