import Foundation
import GatehouseSignup
import Testing

@testable import GatehouseWorkers

@Suite struct NotificationsConfigurationTests {
    @Test func theSignatureMatchesTheStandardWebhooksExample() throws {
        let secret = try WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let signature = StandardWebhooks.signature(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8), secrets: [secret])
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect("\(secret)" == "whsec_…")
    }

    @Test func badSecretsAreConfigurationErrors() {
        for text in ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_not base64!"] {
            #expect(throws: NotificationError.self) { try WebhookSecret(text) }
        }
    }

    @Test func aTemplateThatDoesNotParseSaysWhere() {
        let error = #expect(throws: NotificationError.self) {
            try NotificationTemplate("{\n  \"text\": \"{{#data}}{{email}}\"\n}")
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.description.hasPrefix("invalid configuration: the template does not parse at line") == true)
    }

    @Test func routesToUnknownTargetsAndBadURLsAreConfigurationErrors() {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("notifications-configuration")
        var unknown = NotificationsConfiguration(dataDirectory: directory)
        unknown.routes = [NotificationRoute(targets: ["nowhere"])]
        let error = #expect(throws: NotificationError.self) { try NotificationsWorker(configuration: unknown) }
        #expect(error?.message.contains("\"nowhere\"") == true)

        var ftp = NotificationsConfiguration(dataDirectory: directory)
        ftp.targets["crm"] = .webhook(WebhookTarget(url: URL(string: "ftp://example.com/hook")!))
        ftp.routes = [NotificationRoute(targets: ["crm"])]
        #expect(throws: NotificationError.self) { try NotificationsWorker(configuration: ftp) }

        var badName = NotificationsConfiguration(dataDirectory: directory)
        badName.targets["a crm"] = .file(FileTarget(path: directory.appendingPathComponent("x.jsonl")))
        badName.routes = [NotificationRoute(targets: ["a crm"])]
        #expect(throws: NotificationError.self) { try NotificationsWorker(configuration: badName) }
    }

    @Test func retryAfterIsReadAsSecondsOrAnHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        #expect(RetryAfter.parse("1", now: now) == .seconds(1))
        #expect(RetryAfter.parse(" 120 ", now: now) == .seconds(120))
        let later = now.addingTimeInterval(30)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        #expect(RetryAfter.parse(formatter.string(from: later), now: now) == .seconds(30))
        #expect(RetryAfter.parse(formatter.string(from: now.addingTimeInterval(-30)), now: now) == .zero)
        #expect(RetryAfter.parse("-1", now: now) == nil)
        #expect(RetryAfter.parse("soon", now: now) == nil)
    }

    @Test func templateValuesAreEscapedForJSONStrings() {
        #expect(JSONStringContentType().escapeText("a\"b\\c\nd\u{1}é") == #"a\"b\\c\nd\u0001é"#)
    }
}
