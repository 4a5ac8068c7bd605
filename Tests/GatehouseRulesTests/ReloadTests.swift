import Foundation
import GatehouseRules
import GatehouseSignup
import GatehouseTestSupport
import Logging
import ServiceLifecycle
import Testing

@Suite struct ReloadTests {
    private static func rules(blocking domain: String, listFile: Bool = false) -> String {
        """
        reload_interval_seconds: 1
        lists:
          blocked: {file: blocked.txt}
        rules:
          - id: blocked-domains
            when: {email_domain: {list: blocked}}
            block: Blocked.
          - id: \(domain.replacingOccurrences(of: ".", with: "-"))
            when: {email_domain: [\(domain)]}
            block: Blocked by the rule file.
        """
    }

    /// A rules file blocking one.example plus a list file blocking spam.example, loaded into an engine
    /// with its reloader.
    private static func start() throws -> (folder: URL, path: String, engine: RuleEngine, reloader: RulesReloader) {
        let folder = try RuleTesting.folder()
        try Data("spam.example\n".utf8).write(to: folder.appendingPathComponent("blocked.txt"))
        let path = try RuleTesting.write(Self.rules(blocking: "one.example"), in: folder)
        let source = RuleSource(path: path)
        let loaded = try RuleLoader.load(source)
        let engine = RuleEngine(loaded.ruleSet)
        let reloader = RulesReloader(source: source, loaded: loaded, engine: engine, logger: TestFixtures.logger("rules"))
        return (folder, path, engine, reloader)
    }

    private func action(_ engine: RuleEngine, _ email: String) throws -> String {
        engine.decide(try RuleTesting.apiConnector(["email": .string(email)])).actionName
    }

    @Test func changedRuleAndListFilesAreReloadedWhileRunning() async throws {
        let (folder, path, engine, reloader) = try Self.start()
        let group = ServiceGroup(services: [reloader], logger: TestFixtures.logger("rules"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(try action(engine, "a@spam.example") == "block")
            #expect(try action(engine, "a@two.example") == "continue")

            try Data(Self.rules(blocking: "two.example").utf8).write(to: URL(fileURLWithPath: path))
            try await waitUntil("the changed rule file is in use", limit: .seconds(20)) { try action(engine, "a@two.example") == "block" }
            #expect(try action(engine, "a@one.example") == "continue")

            try Data("spam.example\nlater.example\n".utf8).write(to: folder.appendingPathComponent("blocked.txt"))
            try await waitUntil("the changed list file is in use", limit: .seconds(20)) { try action(engine, "a@later.example") == "block" }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func aBrokenReloadKeepsTheLastGoodRulesAndSaysWhy() throws {
        let (folder, path, engine, reloader) = try Self.start()

        try Data("rules:\n  - id: broken\n    when: {attribute: city, matches: \"(\"}\n    block: x\n".utf8).write(
            to: URL(fileURLWithPath: path))
        #expect(reloader.reload() == false)
        #expect(try action(engine, "a@one.example") == "block")
        #expect(try action(engine, "a@spam.example") == "block")
        let problems = try #require(reloader.lastProblems)
        #expect(problems.description.contains("rules[0] (broken).when.matches: invalid regular expression '('"))

        try FileManager.default.removeItem(at: folder.appendingPathComponent("blocked.txt"))
        try Data(Self.rules(blocking: "two.example").utf8).write(to: URL(fileURLWithPath: path))
        #expect(reloader.reload() == false)
        #expect(reloader.lastProblems?.description.contains("lists.blocked.file: cannot read") == true)
        #expect(try action(engine, "a@one.example") == "block")

        try Data("spam.example\n".utf8).write(to: folder.appendingPathComponent("blocked.txt"))
        #expect(reloader.reload())
        #expect(reloader.lastProblems == nil)
        #expect(try action(engine, "a@two.example") == "block")
        #expect(try action(engine, "a@one.example") == "continue")
    }
}
