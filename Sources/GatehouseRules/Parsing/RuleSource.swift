import Foundation

/// Where a rule set is read from: a YAML file, and optionally the section of it that holds the rules
/// (`rules` in the main configuration; the whole file for a separate rules file).
public struct RuleSource: Sendable, Hashable, CustomStringConvertible {
    /// The YAML file.
    public var path: String
    /// The top-level key holding the rules, or `nil` when the file is the rule set.
    public var section: String?

    public init(path: String, section: String? = nil) {
        self.path = path
        self.section = section
    }

    /// The directory that relative list files are read from: the file's own.
    var directory: URL { URL(fileURLWithPath: path).deletingLastPathComponent() }

    public var description: String { section.map { "\(path) (\($0))" } ?? path }
}
