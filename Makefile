# The README's two commands are `make run` and `make test`; both install their prerequisites first.
.PHONY: run test prerequisites bench-kafka lint

DATA_DIR ?= data

prerequisites:
	@ops/install-prerequisites.sh

# Gatehouse on the embedded defaults: the gateway on 127.0.0.1:8080, an embedded Kafka cluster with
# its bootstrap on 127.0.0.1:9092, and SQLite under ./data.
run: prerequisites
	swift run -c release gatehouse dev --port 8080 --broker-port 9092 --data-dir $(DATA_DIR)

test: prerequisites
	swift test

bench-kafka: prerequisites
	bench/kafka-producer.sh

lint:
	swift format lint --recursive --strict Package.swift Sources Tests bench/Sources
