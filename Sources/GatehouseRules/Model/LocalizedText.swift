import Foundation
public import GatehouseSignup

/// A message shown to the user, in one or more languages, with `{attribute}` placeholders.
///
/// The language is picked from the user's locale (`ui_locales`, or External ID's `client.locale`):
/// each tag the user lists is tried as written (`fr-CA`), then by its language alone (`fr`); then the
/// rule set's default language, which every message must have.
public struct LocalizedText: Sendable, Hashable {
    /// The text by lowercased language tag.
    public let translations: [String: String]
    /// The language used when none of the user's languages has a text.
    public let fallback: String

    public init(translations: [String: String], fallback: String) {
        self.translations = Dictionary(translations.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.fallback = fallback.lowercased()
    }

    /// The text for a locale, placeholders filled from the claims.
    ///
    /// `{name}` becomes the value of the attribute `name` (built-in or custom, such as `{givenName}`);
    /// in a per-attribute message, `{value}` is the value of the attribute the message is about. A
    /// placeholder naming an attribute the user did not send becomes empty; `{{` and `}}` write literal
    /// braces.
    public func text(locale: String?, claims: SignupClaims, value: JSONValue? = nil) -> String {
        Self.fill(template(for: locale), claims: claims, value: value)
    }

    /// The untranslated template chosen for a locale.
    public func template(for locale: String?) -> String {
        if let locale {
            // `ui_locales` is a space-separated list in order of preference (OpenID Connect).
            for tag in locale.split(whereSeparator: { $0 == " " || $0 == "," }) {
                let tag = tag.lowercased().replacingOccurrences(of: "_", with: "-")
                if let text = translations[tag] { return text }
                if let dash = tag.firstIndex(of: "-"), let text = translations[String(tag[..<dash])] { return text }
            }
        }
        return translations[fallback] ?? translations.values.sorted().first ?? ""
    }

    static func fill(_ template: String, claims: SignupClaims, value: JSONValue?) -> String {
        guard template.contains("{") || template.contains("}") else { return template }
        var output = ""
        var index = template.startIndex
        while index < template.endIndex {
            let character = template[index]
            let next = template.index(after: index)
            if character == "{", next < template.endIndex, template[next] == "{" {
                output.append("{")
                index = template.index(after: next)
            } else if character == "}", next < template.endIndex, template[next] == "}" {
                output.append("}")
                index = template.index(after: next)
            } else if character == "{", let close = template[next...].firstIndex(of: "}") {
                let name = String(template[next..<close])
                if name == "value", let value {
                    output += value.textValue ?? ""
                } else {
                    output += claims.resolvedName(name).flatMap { claims.attribute($0)?.textValue } ?? ""
                }
                index = template.index(after: close)
            } else {
                output.append(character)
                index = next
            }
        }
        return output
    }
}
