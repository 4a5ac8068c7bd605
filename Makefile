# The README's two commands are `make run` and `make test`; both install their prerequisites first.
.PHONY: run test prerequisites bench-kafka lint

DATA_DIR ?= data

prerequisites:
	@ops/install-prerequisites.sh

# Gatehouse on the embedded defaults. Until the gateway lands this is the embedded Kafka cluster
# with the sign-up topic, on a fixed loopback port.
run: prerequisites
	swift run -c release gatehouse broker --port 9092 --topic gatehouse.signups.v1:6

test: prerequisites
	swift test

bench-kafka: prerequisites
	bench/kafka-producer.sh

lint:
	swift format lint --recursive --strict Package.swift Sources Tests bench/Sources
