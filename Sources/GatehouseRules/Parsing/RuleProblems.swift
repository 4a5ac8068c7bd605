/// Every problem found in a rule set, each with where it is and why, reported all at once.
public struct RuleProblems: Error, Sendable, CustomStringConvertible {
    /// One line per problem: `file:line: path: reason`.
    public let problems: [String]

    public init(_ problems: [String]) { self.problems = problems }

    public var description: String { problems.joined(separator: "\n") }
}
