import ArgumentParser
import Dispatch
import Foundation
import GatehouseSignup

/// CPU time of the gateway's request path and a worker's event reading, stage by stage, without HTTP or
/// Kafka: parsing the body, reading the dialect, writing the body canonically, hashing it for the
/// fingerprint, building the event with its data, and parsing that data again as a worker does. Prints mean microseconds per stage.
struct RequestPathBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request-path",
        abstract: "Time each stage of the request path and of a worker's event parsing, in microseconds per call."
    )

    @Option(help: "Calls to time per stage.") var calls: Int = 100_000

    func run() async throws {
        let bodies = (0..<1024).map { Array(RulesBenchmark.body($0).utf8) }
        let requests = try bodies.map { try APIConnectorDialect.parse(try JSONValue.parse($0), urlStep: .postAttributeCollection) }
        let events = requests.map { request in
            SignupEvent(
                id: RandomID.uuid(), source: "/gatehouse/bench", time: Date(), request: request,
                decision: SignupDecision(action: .continue),
                userKey: request.claims.userKey ?? "anonymous", durability: "local", traceparent: TraceContext.newTraceparent())
        }
        let data = events.map(\.dataBytes)
        let times = events.map { SignupEvent.timestamp($0.time) }
        var sink = 0
        func time(_ name: String, _ body: (Int) throws -> Int) rethrows {
            let start = DispatchTime.now().uptimeNanoseconds
            for index in 0..<calls { sink &+= try body(index & 1023) }
            let elapsed = DispatchTime.now().uptimeNanoseconds - start
            print(name, String(Double(elapsed) / Double(calls) / 1000))
        }
        try time("parse_body_us") { try JSONValue.parse(bodies[$0]).count }
        try time("dialect_us") { try APIConnectorDialect.parse(try JSONValue.parse(bodies[$0]), urlStep: nil).claims.custom.count }
        let raws = requests.map { $0.raw.canonicalBytes() }
        time("canonical_raw_us") { requests[$0].raw.canonicalBytes().count }
        time("fingerprint_us") { SignupFingerprint(requests[$0], canonicalRaw: raws[$0]).hex.utf8.count }
        time("event_us") { index in
            let request = requests[index]
            let event = SignupEvent(
                id: RandomID.uuid(), source: "/gatehouse/bench", time: Date(), request: request,
                decision: SignupDecision(action: .continue), userKey: request.claims.userKey ?? "anonymous",
                durability: "local", traceparent: TraceContext.newTraceparent(), canonicalRaw: raws[index])
            return event.dataBytes.count + event.headers.count
        }
        try time("parse_event_data_us") { try JSONValue.parse(data[$0]).count }
        time("timestamp_us") { SignupEvent.timestamp(events[$0].time).utf8.count }
        time("parse_timestamp_us") { SignupEvent.parseTimestamp(times[$0]) == nil ? 0 : 1 }
        time("uuid_us") { _ in RandomID.uuid().utf8.count }
        if sink == 42 { print("") }
    }
}

extension JSONValue {
    /// How many members or elements; for keeping results alive in the benchmark.
    fileprivate var count: Int {
        switch self {
        case .object(let members): members.count
        case .array(let elements): elements.count
        default: 1
        }
    }
}
