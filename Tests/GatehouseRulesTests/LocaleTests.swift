import GatehouseRules
import GatehouseSignup
import Testing

@Suite struct LocaleTests {
    private let rules: RuleSet

    init() throws {
        rules = try RuleTesting.compile(
            """
            default_locale: en
            rules:
              - id: stop
                block:
                  title: {en: Closed, fr: Fermé}
                  message:
                    en: "Sorry {givenName}, sign-up is closed."
                    fr: "Désolé {givenName}, les inscriptions sont fermées."
                    fr-CA: "Désolé {givenName}, les inscriptions sont fermées pour le Canada."
                    de: "Leider {{geschlossen}}, {unknownAttribute}!"
            """
        )
    }

    private func message(_ locale: String?, external: Bool = false) throws -> String? {
        let request =
            external
            ? try RuleTesting.externalID(["givenName": "Zoë"], locale: locale)
            : try RuleTesting.apiConnector(["givenName": "Zoë", "ui_locales": locale.map(JSONValue.string) ?? .null])
        guard case .block(let message, _) = rules.decide(request).action else { return nil }
        return message
    }

    @Test func theUsersLanguageIsChosenWithFallbacks() throws {
        #expect(try message("fr-CA") == "Désolé Zoë, les inscriptions sont fermées pour le Canada.")
        #expect(try message("fr-BE") == "Désolé Zoë, les inscriptions sont fermées.")
        #expect(try message("FR") == "Désolé Zoë, les inscriptions sont fermées.")
        #expect(try message("ja-JP") == "Sorry Zoë, sign-up is closed.")
        #expect(try message(nil) == "Sorry Zoë, sign-up is closed.")
        // ui_locales lists languages in order of preference.
        #expect(try message("ja nl fr") == "Désolé Zoë, les inscriptions sont fermées.")
        // External ID gives the locale in client.locale.
        #expect(try message("fr-FR", external: true) == "Désolé Zoë, les inscriptions sont fermées.")
    }

    @Test func placeholdersFillFromAttributesAndBracesEscape() throws {
        #expect(try message("de") == "Leider {geschlossen}, !")
        let request = try RuleTesting.externalID(["givenName": "Zoë"], step: .attributeCollectionSubmit, locale: "fr")
        guard case .block(_, let title) = rules.decide(request).action else {
            Issue.record("expected a block")
            return
        }
        #expect(title == "Fermé")
    }
}
