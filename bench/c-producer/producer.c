// The baseline for bench/kafka-producer.sh: a plain C producer with the same librdkafka settings as
// Gatehouse's KafkaProducer (idempotence, acks=all, the same linger), measuring what librdkafka alone
// achieves on this machine.
//
// COPY is "copy" (RD_KAFKA_MSG_F_COPY: librdkafka copies each value, the usual C way) or "nocopy"
// (librdkafka reads the value from the caller's buffer, as Gatehouse's producer does).
//
// Usage: producer BOOTSTRAP TOPIC MESSAGES VALUE_BYTES LINGER_MS LATENCY_SAMPLES [COPY]
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long delivered = 0, failed = 0;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk; (void)opaque;
    if (m->err) failed++; else delivered++;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static rd_kafka_t *make_producer(const char *bootstrap, const char *linger) {
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *settings[][2] = {
        {"bootstrap.servers", bootstrap}, {"enable.idempotence", "true"}, {"acks", "all"},
        {"linger.ms", linger}, {"socket.nagle.disable", "true"}, {"partitioner", "murmur2_random"},
        {"queue.buffering.max.messages", "100000"},
    };
    for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
        if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "%s: %s\n", settings[i][0], errstr);
            exit(2);
        }
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!rk) { fprintf(stderr, "rd_kafka_new: %s\n", errstr); exit(2); }
    return rk;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc != 7 && argc != 8) {
        fprintf(stderr, "usage: %s BOOTSTRAP TOPIC MESSAGES VALUE_BYTES LINGER_MS LATENCY_SAMPLES [copy|nocopy]\n", argv[0]);
        return 2;
    }
    int flags = argc == 8 && strcmp(argv[7], "nocopy") == 0 ? 0 : RD_KAFKA_MSG_F_COPY;
    if (argc == 8 && flags != 0 && strcmp(argv[7], "copy") != 0) {
        fprintf(stderr, "COPY must be copy or nocopy, not '%s'\n", argv[7]);
        return 2;
    }
    const char *bootstrap = argv[1], *topic = argv[2];
    long messages = atol(argv[3]);
    size_t size = (size_t)atol(argv[4]);
    const char *linger = argv[5];
    long samples = atol(argv[6]);
    char *value = malloc(size);
    memset(value, 'x', size);
    char key[32];

    // Throughput: everything in flight, every delivery report received.
    rd_kafka_t *rk = make_producer(bootstrap, linger);
    rd_kafka_produce(rd_kafka_topic_new(rk, topic, NULL), RD_KAFKA_PARTITION_UA, 0, NULL, 0, NULL, 0, NULL);
    rd_kafka_flush(rk, 10000);
    delivered = failed = 0;
    double start = now_seconds();
    for (long i = 0; i < messages; i++) {
        int length = snprintf(key, sizeof(key), "user-%ld", i % 1000);
        for (;;) {
            rd_kafka_resp_err_t err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, (size_t)length),
                                                        RD_KAFKA_V_VALUE(value, size), RD_KAFKA_V_MSGFLAGS(flags),
                                                        RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) { fprintf(stderr, "produce: %s\n", rd_kafka_err2str(err)); return 1; }
            rd_kafka_poll(rk, 1);
        }
        rd_kafka_poll(rk, 0);
    }
    while (delivered + failed < messages) rd_kafka_poll(rk, 100);
    double elapsed = now_seconds() - start;
    printf("c_throughput_messages_per_second %.0f\n", messages / elapsed);
    printf("c_failed %ld\n", failed);
    rd_kafka_destroy(rk);

    // Latency: one message at a time, waiting for its report.
    rk = make_producer(bootstrap, "1");
    double *latencies = malloc(sizeof(double) * (size_t)(samples > 0 ? samples : 1));
    for (long i = -100; i < samples; i++) {  // 100 warm-up sends
        long before = delivered + failed;
        double sent = now_seconds();
        rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY("latency", 7), RD_KAFKA_V_VALUE(value, size),
                          RD_KAFKA_V_MSGFLAGS(flags), RD_KAFKA_V_END);
        while (delivered + failed == before) rd_kafka_poll(rk, 1000);
        if (i >= 0) latencies[i] = (now_seconds() - sent) * 1000.0;
    }
    if (samples > 0) {
        qsort(latencies, (size_t)samples, sizeof(double), compare);
        printf("c_send_latency_p50_ms %.3f\n", latencies[samples / 2]);
        printf("c_send_latency_p99_ms %.3f\n", latencies[(samples * 99) / 100]);
    }
    rd_kafka_destroy(rk);
    return 0;
}
