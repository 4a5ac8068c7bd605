public import Foundation
import Testing

/// Validates instances against the JSON Schemas in `schemas/` with an independent implementation
/// (Python's jsonschema, through `schemas/validate.py`).
public enum SchemaValidator {
    /// The repository's `schemas/` folder.
    public static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("schemas")

    /// Records a test issue unless `instance` is valid against `schema` (a file name in `schemas/`).
    public static func expectValid(
        _ schema: String,
        _ instance: [UInt8],
        fileID: String = #fileID,
        filePath: String = #filePath,
        line: Int = #line,
        column: Int = #column
    ) throws {
        let sourceLocation = SourceLocation(fileID: fileID, filePath: filePath, line: line, column: column)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("instance") + ".json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(instance).write(to: file)
        let python = try #require(ExternalTools.which("python3"), "python3 is needed: run ops/install-prerequisites.sh")
        let output = try ChildProcess.run(
            python, arguments: [folder.appendingPathComponent("validate.py").path, folder.appendingPathComponent(schema).path, file.path],
            allowFailure: true, includeStandardError: true)
        #expect(
            output.hasPrefix("valid"), "\(schema): \(output)\n\(String(decoding: instance, as: UTF8.self))", sourceLocation: sourceLocation)
    }
}
