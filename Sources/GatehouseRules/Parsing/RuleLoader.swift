import Foundation
import Yams

/// A rule set read from its files, with what to watch for changes.
public struct LoadedRules: Sendable {
    /// The compiled rules.
    public var ruleSet: RuleSet
    /// Every file the rules came from: the YAML file and each list file. A change to any reloads all.
    public var files: [String]
    /// How often the files are checked for changes.
    public var reloadInterval: Duration
}

/// Reads and compiles rule sets, reporting every problem with its place.
public enum RuleLoader {
    /// The rule-set keys, for "unknown key" messages.
    static let documentKeys = ["default_locale", "lists", "rules", "file", "reload_interval_seconds"]

    /// Reads a rule set from its source.
    ///
    /// A `file` key in the section names a separate rules file (relative to the first), which is read
    /// instead.
    ///
    /// - Throws: ``RuleProblems`` naming every bad rule, condition, pattern and list at once.
    public static func load(_ source: RuleSource) throws(RuleProblems) -> LoadedRules {
        let text: String
        do {
            text = try String(contentsOfFile: source.path, encoding: .utf8)
        } catch {
            throw RuleProblems(["\(source.path): cannot be read (\(error.localizedDescription))"])
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw RuleProblems(["\(source.path): the file is empty"]) }
            root = node
        } catch let problems as RuleProblems {
            throw problems
        } catch {
            throw RuleProblems(["\(source.path): not valid YAML: \(error)"])
        }
        var node = root
        var prefix = ""
        if let section = source.section {
            guard let found = root.mapping?[section] else {
                return LoadedRules(ruleSet: .empty, files: [source.path], reloadInterval: .seconds(2))
            }
            node = found
            prefix = section + "."
        }
        if let file = node.mapping?["file"]?.string {
            let others = node.mapping?.keys.compactMap(\.string).filter { $0 != "file" && $0 != "reload_interval_seconds" } ?? []
            if !others.isEmpty {
                throw RuleProblems([
                    "\(source.path): \(prefix)file: give either a rules file or rules here, not both (found \(others.joined(separator: ", ")))"
                ])
            }
            let path = file.hasPrefix("/") ? file : source.directory.appendingPathComponent(file).path
            var loaded = try load(RuleSource(path: path))
            loaded.files.append(source.path)
            if let seconds = node.mapping?["reload_interval_seconds"]?.int { loaded.reloadInterval = .seconds(seconds) }
            return loaded
        }
        var compiler = RuleCompiler(file: source.path, directory: source.directory, prefix: prefix)
        let ruleSet = compiler.compile(node)
        if !compiler.problems.isEmpty { throw RuleProblems(compiler.problems) }
        return LoadedRules(ruleSet: ruleSet, files: [source.path] + compiler.listFiles, reloadInterval: compiler.reloadInterval)
    }
}
