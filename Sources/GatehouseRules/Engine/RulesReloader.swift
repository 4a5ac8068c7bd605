import Foundation
public import Logging
import Metrics
public import ServiceLifecycle
import Synchronization
import UnixSignals

/// Reloads the rules when one of their files changes or the process gets SIGHUP, without a restart.
///
/// A rule set that fails to load leaves the last good one in use; the reason is logged at error level
/// with every problem, counted in `gatehouse_rules_reload_failures_total`, and shown by
/// `gatehouse_rules_healthy` dropping to 0 until a good reload.
public final class RulesReloader: Service {
    private let source: RuleSource
    private let engine: RuleEngine
    private let logger: Logger
    private let state: Mutex<State>
    private let reloads = Counter(label: "gatehouse_rules_reloads_total")
    private let failures = Counter(label: "gatehouse_rules_reload_failures_total")
    private let healthy = Gauge(label: "gatehouse_rules_healthy")
    private let count = Gauge(label: "gatehouse_rules")

    private struct State {
        var files: [String]
        var interval: Duration
        var stamps: [String: FileStamp]
        var lastProblems: RuleProblems?
    }

    /// A reloader for rules already loaded into `engine` from `source`.
    public init(source: RuleSource, loaded: LoadedRules, engine: RuleEngine, logger: Logger) {
        self.source = source
        self.engine = engine
        self.logger = logger
        self.state = Mutex(
            State(files: loaded.files, interval: loaded.reloadInterval, stamps: FileStamp.of(loaded.files), lastProblems: nil))
        healthy.record(1)
        count.record(loaded.ruleSet.rules.count)
    }

    /// The problems of the last failed reload, or `nil` when the last reload (or the first load) was good.
    public var lastProblems: RuleProblems? { state.withLock { $0.lastProblems } }

    public func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in hangups.cancelOnGracefulShutdown() {
                    self.logger.notice("SIGHUP: reloading the rules", metadata: ["source": "\(self.source)"])
                    self.reload()
                }
            }
            group.addTask {
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    let interval = self.state.withLock { $0.interval }
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
                    if Task.isCancelled || Task.isShuttingDownGracefully { break }
                    self.reloadIfChanged()
                }
            }
        }
    }

    /// Reloads when any file's modification time, size or identity differs from the last look.
    public func reloadIfChanged() {
        let changed = state.withLock { state in
            let stamps = FileStamp.of(state.files)
            guard stamps != state.stamps else { return false }
            state.stamps = stamps
            return true
        }
        if changed {
            logger.info("Rule files changed: reloading", metadata: ["source": "\(source)"])
            reload()
        }
    }

    /// Loads the rules again and, when they are good, puts them in use.
    @discardableResult
    public func reload() -> Bool {
        reloads.increment()
        do {
            let loaded = try RuleLoader.load(source)
            engine.replace(with: loaded.ruleSet)
            state.withLock { state in
                state.files = loaded.files
                state.interval = loaded.reloadInterval
                state.stamps = FileStamp.of(loaded.files)
                state.lastProblems = nil
            }
            healthy.record(1)
            count.record(loaded.ruleSet.rules.count)
            logger.notice("Rules reloaded", metadata: ["source": "\(source)", "rules": "\(loaded.ruleSet.rules.count)"])
            return true
        } catch {
            state.withLock { $0.lastProblems = error }
            failures.increment()
            healthy.record(0)
            logger.error(
                "The rules could not be reloaded; the last good rules stay in use until the files are fixed",
                metadata: ["source": "\(source)", "problems": "\(error.problems.joined(separator: "; "))"]
            )
            return false
        }
    }
}

/// What identifies a file's version without reading it.
struct FileStamp: Hashable {
    var modified: Date?
    var size: Int?
    var inode: Int?

    static func of(_ files: [String]) -> [String: FileStamp] {
        var stamps: [String: FileStamp] = [:]
        for file in files {
            let attributes = try? FileManager.default.attributesOfItem(atPath: file)
            stamps[file] = FileStamp(
                modified: attributes?[.modificationDate] as? Date,
                size: (attributes?[.size] as? NSNumber)?.intValue,
                inode: (attributes?[.systemFileNumber] as? NSNumber)?.intValue
            )
        }
        return stamps
    }
}
