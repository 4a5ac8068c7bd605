import Foundation
import GatehouseTestSupport
import GatehouseWorkers
import Testing

@Suite struct CompletedEventsTests {
    /// Lanes finishing at once share one write; every caller returns only once its ids are stored.
    @Test func recordsFromManyLanesAtOnceAreAllWritten() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("completed") + ".sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let records = try CompletedEvents(path: path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<64 {
                group.addTask {
                    for batch in 0..<10 {
                        let ids = (0..<5).map { "lane-\(lane)-\(batch)-\($0)" }
                        try await records.record(ids)
                        #expect(try await records.completed(among: ids) == Set(ids))
                    }
                }
            }
            try await group.waitForAll()
        }
        let all = (0..<64).flatMap { lane in (0..<10).flatMap { batch in (0..<5).map { "lane-\(lane)-\(batch)-\($0)" } } }
        #expect(try await records.completed(among: all).count == 3_200)
        #expect(try await records.completed(among: ["never-recorded"]).isEmpty)
    }
}
