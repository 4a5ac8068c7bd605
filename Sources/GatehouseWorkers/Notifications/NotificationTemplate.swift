import Foundation
import Mustache

/// A Mustache template for a notification's JSON body, compiled once when configured.
///
/// The template sees the event's `id`, `type`, `source`, `subject`, `time`, `specversion` and
/// `datacontenttype`, its `data` as nested objects (so `{{data.claims.email}}`), and the whole event
/// and its data as JSON text in `eventJSON` and `dataJSON`.
///
/// Values are escaped for a JSON string, since the body is JSON: `{{data.claims.givenName}}` inside
/// quotes is safe whatever the name holds. Triple braces insert a value unescaped, which is how to
/// embed JSON: `"data": {{{dataJSON}}}`. The rendered body must parse as JSON, or the delivery fails
/// permanently.
///
/// ```swift
/// let template = try NotificationTemplate(#"{"text": "New sign-up: {{data.claims.email}}"}"#)
/// ```
public struct NotificationTemplate: Sendable, CustomStringConvertible {
    private let template: MustacheTemplate
    private let text: String

    /// Compiles a template.
    ///
    /// - Throws: ``NotificationError`` (invalid configuration) naming the line and column where the
    ///   template stops parsing.
    public init(_ text: String) throws(NotificationError) {
        _ = Self.jsonContentType
        self.text = text
        do {
            // The pragma sits on the first line, so line numbers in errors stay the template's own.
            template = try MustacheTemplate(string: "{{% CONTENT_TYPE: \(Self.contentTypeName)}}" + text)
        } catch let error as MustacheTemplate.ParserError {
            let column = error.context.lineNumber == 1 ? error.context.columnNumber - Self.pragmaLength : error.context.columnNumber
            throw NotificationError(
                .invalidConfiguration,
                "the template does not parse at line \(error.context.lineNumber), column \(max(column, 1)): \(error.error)")
        } catch {
            throw NotificationError(.invalidConfiguration, "the template does not parse: \(error)")
        }
    }

    /// Renders the template with a context of dictionaries, arrays and scalars.
    func render(_ context: [String: Any]) -> String {
        template.render(context)
    }

    public var description: String { text }

    private static let contentTypeName = "JSON"
    private static let pragmaLength = "{{% CONTENT_TYPE: \(contentTypeName)}}".count

    /// Registers the JSON string escaping with Mustache, once per process, before the first parse.
    private static let jsonContentType: Void = MustacheContentTypes.register(JSONStringContentType(), named: contentTypeName)
}

/// Escapes text for the inside of a JSON string.
struct JSONStringContentType: MustacheContentType {
    func escapeText(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case let control where control.value < 0x20:
                output += "\\u00" + (control.value < 0x10 ? "0" : "") + String(control.value, radix: 16)
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}
