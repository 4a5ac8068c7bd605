#ifndef CRDKAFKA_SHIM_H
#define CRDKAFKA_SHIM_H

// librdkafka's mock header refuses to compile unless rdkafka.h came first.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

// Swift cannot call C variadic functions, so the few Gatehouse needs are wrapped here with fixed arities.

/// Enqueues one message on a cached topic handle. The key and header values are copied; the payload is
/// not (no RD_KAFKA_MSG_F_COPY): it must stay valid and unchanged until the message's delivery report
/// has been served, or until the instance is destroyed. On success librdkafka owns `headers` (which may
/// be NULL); on failure the caller still owns it.
static inline rd_kafka_resp_err_t CRdKafka_produce(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int32_t partition,
                                                   const void *key, size_t key_len,
                                                   const void *value, size_t value_len,
                                                   rd_kafka_headers_t *headers, int64_t timestamp_ms,
                                                   void *opaque) {
    if (headers != NULL) {
        return rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(partition),
                                 RD_KAFKA_V_MSGFLAGS(0), RD_KAFKA_V_KEY(key, key_len),
                                 RD_KAFKA_V_VALUE((void *)value, value_len), RD_KAFKA_V_HEADERS(headers),
                                 RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    }
    return rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_MSGFLAGS(0), RD_KAFKA_V_KEY(key, key_len),
                             RD_KAFKA_V_VALUE((void *)value, value_len), RD_KAFKA_V_TIMESTAMP(timestamp_ms),
                             RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
}

/// One delivery report, copied out of a delivery-report event.
typedef struct {
    uint64_t opaque;
    uintptr_t topic;  // the message's rd_kafka_topic_t
    int64_t offset;
    int64_t timestamp_ms;  // -1 when not available
    int32_t err;
    int32_t partition;
    int32_t status;  // rd_kafka_msg_status_t
} CRdKafka_delivery;

/// Copies up to `capacity` of a delivery-report event's messages into `out`, in one call rather than
/// three library calls per message; returns how many it copied.
static inline size_t CRdKafka_event_deliveries(rd_kafka_event_t *event, CRdKafka_delivery *out, size_t capacity) {
    size_t count = 0;
    const rd_kafka_message_t *message;
    while (count < capacity && (message = rd_kafka_event_message_next(event)) != NULL) {
        rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
        int64_t timestamp = rd_kafka_message_timestamp(message, &type);
        out[count].opaque = (uint64_t)(uintptr_t)message->_private;
        out[count].topic = (uintptr_t)message->rkt;
        out[count].offset = message->offset;
        out[count].timestamp_ms = type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? -1 : timestamp;
        out[count].err = message->err;
        out[count].partition = message->partition;
        out[count].status = rd_kafka_message_status(message);
        count++;
    }
    return count;
}

/// One injected (error, round-trip time) pair for the next request of `api_key` on one mock broker.
static inline rd_kafka_resp_err_t CRdKafka_mock_broker_push_request_error_rtt(rd_kafka_mock_cluster_t *mcluster,
                                                                             int32_t broker_id, int16_t api_key,
                                                                             rd_kafka_resp_err_t err, int rtt_ms) {
    return rd_kafka_mock_broker_push_request_error_rtts(mcluster, broker_id, api_key, 1, err, rtt_ms);
}

#include <pthread.h>

// A GNU extension that the Glibc module does not show Swift; this is glibc's own prototype.
int pthread_setname_np(pthread_t thread, const char *name);

/// Names the calling thread, as `top -H` and `perf` show it. Linux refuses names over 15 bytes.
static inline int CRdKafka_name_current_thread(const char *name) {
    return pthread_setname_np(pthread_self(), name);
}

#endif
