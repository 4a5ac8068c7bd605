public import GatehouseSignup

/// One change to an attribute's value. A rule applies its operations in the order written.
public enum RewriteOperation: Sendable, Hashable {
    /// Removes leading and trailing white space.
    case trim
    /// Turns every run of white space into one space.
    case collapseSpaces
    /// Upper-cases the first letter of each word (after a space, hyphen or apostrophe) and lower-cases
    /// the rest: `jean-luc o'brien` becomes `Jean-Luc O'Brien`.
    case titleCase
    /// Lower-cases the value.
    case lowerCase
    /// Upper-cases the value.
    case upperCase
    /// Sets a constant.
    case set(JSONValue)
    /// Copies another attribute's value; does nothing when that attribute is missing.
    case copy(from: String)
    /// Replaces every match of a pattern; `$1` in the replacement names a group.
    case replace(RulePattern, with: String)

    /// The new value, or `nil` when the operation does not apply (a text operation on a missing
    /// attribute, or a copy from one).
    func apply(to value: JSONValue?, claims: SignupClaims) -> JSONValue? {
        switch self {
        case .set(let constant):
            return constant
        case .copy(let source):
            return claims.resolvedName(source).flatMap(claims.attribute)
        case .trim:
            return value.flatMap { Self.mapText($0) { $0.trimmingWhiteSpace() } }
        case .collapseSpaces:
            return value.flatMap { Self.mapText($0) { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") } }
        case .titleCase:
            return value.flatMap { Self.mapText($0, Self.titleCased) }
        case .lowerCase:
            return value.flatMap { Self.mapText($0) { $0.lowercased() } }
        case .upperCase:
            return value.flatMap { Self.mapText($0) { $0.uppercased() } }
        case .replace(let pattern, let template):
            return value.flatMap { Self.mapText($0) { pattern.replacing(in: $0, with: template) } }
        }
    }

    private static func mapText(_ value: JSONValue, _ transform: (String) -> String) -> JSONValue? {
        guard let text = value.textValue else { return nil }
        return .string(transform(text))
    }

    static func titleCased(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        var startOfWord = true
        for character in text {
            output += startOfWord ? character.uppercased() : character.lowercased()
            startOfWord = character.isWhitespace || character == "-" || character == "'" || character == "\u{2019}"
        }
        return output
    }
}

extension JSONValue {
    /// This value's type given to `value`: a rewrite of an integer attribute must answer an integer
    /// (External ID rejects a changed type). `nil` when `value` cannot be read as that type.
    func coerced(_ value: JSONValue) -> JSONValue? {
        switch (self, value) {
        case (.int, .int), (.double, .double), (.bool, .bool), (.string, .string):
            return value
        case (.int, _):
            return value.textValue.flatMap { Int64($0) }.map(JSONValue.int)
        case (.double, _):
            return value.textValue.flatMap { Double($0) }.map(JSONValue.double)
        case (.bool, _):
            switch value.textValue?.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: return nil
            }
        case (.string, _):
            return value.textValue.map(JSONValue.string)
        default:
            return value
        }
    }
}

extension String {
    func trimmingWhiteSpace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
