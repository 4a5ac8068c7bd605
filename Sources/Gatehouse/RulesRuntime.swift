import GatehouseRules
import Logging

/// The rules a gateway decides with, and the service that reloads them.
struct RulesRuntime {
    let engine: RuleEngine
    let reloader: RulesReloader

    /// Rules already loaded, as the settings loader does.
    init(source: RuleSource, loaded: LoadedRules, logger: Logger) {
        engine = RuleEngine(loaded.ruleSet)
        reloader = RulesReloader(source: source, loaded: loaded, engine: engine, logger: logger)
        logger.notice("Rules loaded", metadata: ["source": "\(source)", "rules": "\(loaded.ruleSet.rules.count)"])
    }

    /// Loads the rules from a file.
    ///
    /// - Throws: ``RuleProblems`` naming every bad rule.
    init(source: RuleSource, logger: Logger) throws {
        self.init(source: source, loaded: try RuleLoader.load(source), logger: logger)
    }
}
