import Foundation
import GatehouseSignup
import Testing

@testable import GatehouseGateway

@Suite struct RetryWindowTests {
    private func answer(_ index: Int, at date: Date) -> RetryWindow.Answer {
        .init(eventID: "event-\(index)", status: 200, body: Array("{}".utf8), at: date)
    }

    @Test func answersOutsideTheWindowAreForgotten() async {
        let window = RetryWindow(window: .seconds(600))
        let start = Date()
        window.remember(answer(0, at: start), for: SignupFingerprint(hex: "a"))
        #expect(await window.claim(SignupFingerprint(hex: "a"), now: start.addingTimeInterval(599))?.eventID == "event-0")
        window.remember(answer(1, at: start.addingTimeInterval(601)), for: SignupFingerprint(hex: "b"))
        #expect(window.count == 1)
        #expect(await window.claim(SignupFingerprint(hex: "a"), now: start.addingTimeInterval(601)) == nil)
    }

    /// Memory stays bounded whatever the rate: past `maxAnswers`, the oldest answers go first.
    @Test func theWindowKeepsAtMostMaxAnswersDroppingTheOldest() async {
        let window = RetryWindow(window: .seconds(600), maxAnswers: 100)
        let start = Date()
        for index in 0..<250 {
            window.remember(answer(index, at: start.addingTimeInterval(Double(index) / 1000)), for: SignupFingerprint(hex: "\(index)"))
        }
        #expect(window.count == 100)
        #expect(await window.claim(SignupFingerprint(hex: "249"), now: start)?.eventID == "event-249")
        #expect(await window.claim(SignupFingerprint(hex: "150"), now: start)?.eventID == "event-150")
        #expect(await window.claim(SignupFingerprint(hex: "149"), now: start) == nil)
    }
}
