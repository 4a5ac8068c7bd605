import Foundation
import GatehouseReplay
import GatehouseSignup
import Testing

@testable import GatehouseKafka

/// The JSON Lines form of a replayed record, written without a JSON encoder.
@Suite struct StructuredCloudEventTests {
    private static func line(headers: [KafkaHeader], value: [UInt8]?) throws -> (text: String, json: JSONValue) {
        let record = KafkaConsumerMessage(
            topicPartition: KafkaTopicPartition(topic: "t", partition: 0), offset: 0, key: nil, value: value, headers: headers,
            timestamp: nil, assignmentEpoch: 0)
        var output: [UInt8] = []
        StructuredCloudEvent.appendLine(record, to: &output)
        #expect(output.last == UInt8(ascii: "\n"))
        #expect(output.filter { $0 == UInt8(ascii: "\n") }.count == 1)
        return (String(decoding: output, as: UTF8.self), try JSONValue.parse(output.dropLast()))
    }

    @Test func attributesComeFromTheirHeadersInOrderAndTheDataIsSplicedIn() throws {
        let (text, json) = try Self.line(
            headers: [
                KafkaHeader(key: "ce_type", value: "t.v1"), KafkaHeader(key: "ce_id", value: "e-1"),
                KafkaHeader(key: "ce_specversion", value: "1.0"), KafkaHeader(key: "ce_id", value: "second"),
                KafkaHeader(key: "content-type", value: "application/json"), KafkaHeader(key: "gatehouse_replay", value: "yes"),
                KafkaHeader(key: "unrelated", value: "x"),
            ],
            value: Array(#"{"a":[1,2]}"#.utf8))
        #expect(
            text
                == #"{"specversion":"1.0","id":"e-1","type":"t.v1","datacontenttype":"application/json","gatehouse_replay":"yes","data":{"a":[1,2]}}"#
                + "\n")
        #expect(json["data"]?["a"] == .array([.int(1), .int(2)]))
    }

    @Test func valuesAreEscapedAndInvalidUTF8BecomesReplacementCharacters() throws {
        let (_, json) = try Self.line(
            headers: [
                KafkaHeader(key: "ce_subject", value: "a \"quoted\"\\ line\nbreak\u{1}é"),
                KafkaHeader(key: "ce_source", value: [0x2F, 0xFF, 0xFE, 0x61]),
                KafkaHeader(key: "ce_time", value: nil),
            ],
            value: nil)
        #expect(json["subject"] == .string("a \"quoted\"\\ line\nbreak\u{1}é"))
        #expect(json["source"] == .string("/\u{FFFD}\u{FFFD}a"))
        #expect(json["time"] == .string(""))
        #expect(json["datacontenttype"] == .string("application/json"))
        #expect(json["data"] == .null)
    }
}
