public import Foundation

/// A JSON Lines file: one line per event, appended and synced before the event counts as delivered.
///
/// Each append opens the file anew, so a rotated file is recreated. The embedded default target.
///
/// ```swift
/// let archive = FileTarget(path: URL(fileURLWithPath: "/var/lib/gatehouse/notifications.jsonl"))
/// ```
public struct FileTarget: Sendable {
    /// The file, created with its folders when missing.
    public var path: URL
    /// The line; `nil` writes the CloudEvent in structured mode. A rendered template is re-serialised
    /// on one line.
    public var template: NotificationTemplate?

    /// A file at `path`.
    public init(path: URL, template: NotificationTemplate? = nil) {
        self.path = path
        self.template = template
    }
}
