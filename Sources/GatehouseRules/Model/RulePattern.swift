import Foundation

/// A compiled regular expression (ICU syntax, as in `NSRegularExpression`).
///
/// Matching is a search: `^` and `$` anchor it to the whole value.
public struct RulePattern: Sendable, Hashable {
    /// The pattern as written.
    public let source: String
    private let box: Box

    /// `NSRegularExpression` is immutable once created and documented as safe to use from several
    /// threads at once, which is what sharing it between request tasks needs.
    private final class Box: @unchecked Sendable {
        let expression: NSRegularExpression
        init(_ expression: NSRegularExpression) { self.expression = expression }
    }

    /// Compiles a pattern.
    ///
    /// - Throws: the compiler's error when the pattern is not a valid regular expression.
    public init(_ source: String) throws {
        self.source = source
        self.box = Box(try NSRegularExpression(pattern: source))
    }

    /// Whether the pattern occurs in `text`.
    public func matches(_ text: String) -> Bool {
        box.expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// `text` with every match replaced by `template`, in which `$1` names a group.
    public func replacing(in text: String, with template: String) -> String {
        box.expression.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: template)
    }

    public static func == (lhs: RulePattern, rhs: RulePattern) -> Bool { lhs.source == rhs.source }

    public func hash(into hasher: inout Hasher) { hasher.combine(source) }
}
