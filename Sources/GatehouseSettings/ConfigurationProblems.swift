/// Everything wrong with a configuration, each naming its key.
public struct ConfigurationProblems: Error, Sendable, CustomStringConvertible {
    /// One line per problem: `key: what is wrong`.
    public var problems: [String]

    public init(_ problems: [String]) { self.problems = problems }

    public var description: String {
        "the configuration has \(problems.count) problem\(problems.count == 1 ? "" : "s"):\n"
            + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
