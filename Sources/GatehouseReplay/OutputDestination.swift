import Foundation
public import GatehouseKafka
import GatehouseSignup
import Synchronization

/// Writes events to a file descriptor (standard output by default): JSON Lines of structured-mode
/// CloudEvents, or a readable form for people.
public final class OutputDestination: ReplayDestination {
    /// How events are written.
    public enum Format: String, Sendable, CaseIterable {
        /// One structured-mode CloudEvent per line.
        case json
        /// A header line per event and its data indented, for people.
        case pretty
    }

    private let format: Format
    private let descriptor: Int32
    private let flushEachEvent: Bool
    private let buffer = Mutex<[UInt8]>([])

    /// Writes events in `format` to `descriptor`. Output is written in 64 KiB blocks, or after each
    /// event with `flushEachEvent` (when following a topic, where events should show as they come).
    public init(format: Format = .json, descriptor: Int32 = 1, flushEachEvent: Bool = false) {
        self.format = format
        self.descriptor = descriptor
        self.flushEachEvent = flushEachEvent
    }

    public func deliver(_ record: KafkaConsumerMessage) async throws -> Bool {
        try buffer.withLock { buffer in
            switch format {
            case .json: StructuredCloudEvent.appendLine(record, to: &buffer)
            case .pretty: buffer.append(contentsOf: Array(Self.pretty(record).utf8))
            }
            if flushEachEvent || buffer.count >= 1 << 16 { try Self.write(&buffer, to: descriptor) }
        }
        return true
    }

    public func finish() async throws -> Int {
        try buffer.withLock { try Self.write(&$0, to: descriptor) }
        return 0
    }

    private static func pretty(_ record: KafkaConsumerMessage) -> String {
        let headers = record.headers
        let data =
            (try? JSONValue.parse(record.value ?? [])).map { String(decoding: $0.canonicalBytes(), as: UTF8.self) } ?? record.valueString
            ?? ""
        return """
            \(headers.first(named: "ce_time") ?? "?")  \(headers.first(named: "ce_type") ?? "?")  \(headers.first(named: "ce_subject") ?? record.keyString ?? "")
              id \(headers.first(named: "ce_id") ?? "?")  at \(record.topic)/\(record.partition)@\(record.offset)
              \(data)

            """
    }

    private static func write(_ buffer: inout [UInt8], to descriptor: Int32) throws {
        var offset = 0
        while offset < buffer.count {
            let written = buffer[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw ReplayError("cannot write the output: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A replay failed.
public struct ReplayError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
