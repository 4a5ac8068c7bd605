import Foundation
import GatehouseSignup
import Testing

@Suite struct DialectTests {
    @Test func apiConnectorParsesClaimsToleratingWhatTheProviderSends() throws {
        let body = try JSONValue.parse(
            Array(
                #"""
                {"email":"Ada@Example.com","lastName":"Lovelace","ui_locales":"en-GB","extension_0a1b_Age":42,
                 "extension_0a1b_Member":true,"newPortalAttribute":"x","identities":[{"signInType":"federated","issuer":"google.com","issuerAssignedId":"123"}],
                 "step":"PostAttributeCollection","client_id":"app-1"}
                """#.utf8)
        )
        let request = try APIConnectorDialect.parse(body, urlStep: nil)
        #expect(request.dialect == .b2c)
        #expect(request.step == .postAttributeCollection)
        #expect(request.claims.surname == "Lovelace")
        #expect(request.claims.locale == "en-GB")
        #expect(request.claims.custom["extension_0a1b_Age"] == .int(42))
        #expect(request.claims.custom["extension_0a1b_Member"] == .bool(true))
        #expect(request.claims.custom["newPortalAttribute"] == .string("x"))
        #expect(request.claims.identities.first?.issuer == "google.com")
        #expect(request.claims.userKey == "ada@example.com")
        #expect(request.clientID == "app-1")
    }

    @Test func workforceWithoutStepTakesTheStepFromTheURL() throws {
        let request = try APIConnectorDialect.parse(.object(["email": "a@b.c"]), urlStep: .postFederationSignup)
        #expect(request.dialect == .entraWorkforce)
        #expect(request.step == .postFederationSignup)
        let unknown = try APIConnectorDialect.parse(.object(["email": "a@b.c"]), urlStep: nil)
        #expect(unknown.step == .unknown)
    }

    @Test func userKeyFallsBackToIssuerAndIssuerAssignedID() throws {
        let request = try APIConnectorDialect.parse(
            .object(["identities": .array([.object(["issuer": "Facebook.com", "issuerAssignedId": "42"])])]), urlStep: nil
        )
        #expect(request.claims.userKey == "facebook.com|42")
    }

    @Test func nonObjectBodyIsRejectedWithAReason() {
        let error = #expect(throws: InvalidSignupRequest.self) { try APIConnectorDialect.parse(.array([]), urlStep: nil) }
        #expect(error?.detail.contains("JSON object") == true)
        #expect(throws: InvalidSignupRequest.self) { try APIConnectorDialect.parse(.object(["email": .array([])]), urlStep: nil) }
    }

    @Test func apiConnectorResponsesHaveTheExactShapes() {
        #expect(
            APIConnectorDialect.response(.continue, step: .postFederationSignup)
                == .init(status: 200, body: .object(["version": "1.0.0", "action": "Continue"])))
        let modify = SignupDecision(action: .modify(["givenName": "Ada", "extension_0a1b_Age": .int(43)]))
        #expect(
            APIConnectorDialect.response(modify, step: .postAttributeCollection)
                == .init(
                    status: 200,
                    body: .object(["version": "1.0.0", "action": "Continue", "givenName": "Ada", "extension_0a1b_Age": .int(43)]))
        )
        let block = SignupDecision(action: .block(message: "Not allowed", title: nil))
        #expect(
            APIConnectorDialect.response(block, step: .postFederationSignup)
                == .init(status: 200, body: .object(["version": "1.0.0", "action": "ShowBlockPage", "userMessage": "Not allowed"]))
        )
        let invalid = SignupDecision(action: .validationError(message: "Fix it", attributeErrors: ["postalCode": "bad"]))
        #expect(
            APIConnectorDialect.response(invalid, step: .postAttributeCollection)
                == .init(
                    status: 400,
                    body: .object(["version": "1.0.0", "status": .int(400), "action": "ValidationError", "userMessage": "Fix it"]))
        )
    }

    @Test func stepsOnlyGetTheAnswersTheyAllow() {
        let invalid = SignupDecision(action: .validationError(message: "Fix it", attributeErrors: [:]))
        let block = SignupDecision(action: .block(message: "No", title: nil))
        // Validation errors only before the user is created; only Continue before token issuance.
        #expect(APIConnectorDialect.response(invalid, step: .postFederationSignup).body["action"] == "Continue")
        #expect(APIConnectorDialect.response(invalid, step: .preTokenIssuance).body["action"] == "Continue")
        #expect(APIConnectorDialect.response(block, step: .preTokenIssuance).body["action"] == "Continue")
        #expect(
            ExternalIDDialect.response(invalid, step: .attributeCollectionStart).body["data"]?["actions"]?.arrayValue?.first?["@odata.type"]
                == "microsoft.graph.attributeCollectionStart.continueWithDefaultBehavior")
    }

    @Test func externalIDParsesTheEnvelope() throws {
        let request = try ExternalIDDialect.parse(ExternalIDSamples.submit(email: "Grace@Example.com", correlation: "c-1"), urlStep: nil)
        #expect(request.dialect == .externalID)
        #expect(request.step == .attributeCollectionSubmit)
        #expect(request.claims.email == "Grace@Example.com")
        #expect(request.claims.city == "Oslo")
        #expect(request.claims.custom["extension_0a1b_Shoe"] == .int(41))
        #expect(request.claims.locale == "en-us")
        #expect(request.correlationID == "c-1")
        #expect(request.clientID == "app-2")
        #expect(throws: InvalidSignupRequest.self) {
            try ExternalIDDialect.parse(ExternalIDSamples.submit(email: "a@b.c", correlation: "c"), urlStep: .attributeCollectionStart)
        }
        #expect(throws: InvalidSignupRequest.self) { try ExternalIDDialect.parse(.object(["type": "other"]), urlStep: nil) }
    }

    @Test func externalIDResponsesCarryExactlyOneAction() {
        func action(_ decision: SignupDecision, _ step: SignupStep) -> JSONValue? {
            let response = ExternalIDDialect.response(decision, step: step)
            #expect(response.status == 200)
            #expect(response.body["data"]?["actions"]?.arrayValue?.count == 1)
            return response.body["data"]?["actions"]?.arrayValue?.first
        }
        #expect(
            action(.continue, .attributeCollectionSubmit)
                == .object(["@odata.type": "microsoft.graph.attributeCollectionSubmit.continueWithDefaultBehavior"]))
        #expect(
            action(.init(action: .modify(["extension_0a1b_Shoe": .int(42)])), .attributeCollectionSubmit)
                == .object([
                    "@odata.type": "microsoft.graph.attributeCollectionSubmit.modifyAttributeValues",
                    "attributes": .object(["extension_0a1b_Shoe": .int(42)]),
                ])
        )
        #expect(
            action(.init(action: .modify(["city": "Oslo"])), .attributeCollectionStart)
                == .object([
                    "@odata.type": "microsoft.graph.attributeCollectionStart.setPrefillValues", "inputs": .object(["city": "Oslo"]),
                ])
        )
        #expect(
            action(.init(action: .block(message: "No", title: "Closed")), .attributeCollectionStart)
                == .object(["@odata.type": "microsoft.graph.attributeCollectionStart.showBlockPage", "message": "No", "title": "Closed"])
        )
        #expect(
            action(.init(action: .validationError(message: "Fix", attributeErrors: ["city": "Unknown city"])), .attributeCollectionSubmit)
                == .object([
                    "@odata.type": "microsoft.graph.attributeCollectionSubmit.showValidationError", "message": "Fix",
                    "attributeErrors": .object(["city": "Unknown city"]),
                ])
        )
        #expect(
            ExternalIDDialect.response(.continue, step: .attributeCollectionStart).body["data"]?["@odata.type"]
                == "microsoft.graph.onAttributeCollectionStartResponseData"
        )
    }

    @Test func fingerprintRepeatsForTheSameCallOnly() throws {
        let first = try APIConnectorDialect.parse(
            JSONValue.parse(Array(#"{"email":"a@b.c","city":"Oslo"}"#.utf8)), urlStep: .postAttributeCollection)
        let reordered = try APIConnectorDialect.parse(
            JSONValue.parse(Array(#"{"city":"Oslo","email":"a@b.c"}"#.utf8)), urlStep: .postAttributeCollection)
        let otherStep = try APIConnectorDialect.parse(
            JSONValue.parse(Array(#"{"email":"a@b.c","city":"Oslo"}"#.utf8)), urlStep: .postFederationSignup)
        #expect(SignupFingerprint(first) == SignupFingerprint(reordered))
        #expect(SignupFingerprint(first) != SignupFingerprint(otherStep))
    }

    @Test func anEventWithTheBodyWrittenOnceHasTheSameDataBytes() throws {
        let request = try APIConnectorDialect.parse(
            JSONValue.parse(Array(#"{"email":"a@b.c","city":"Oslo","z":[1,{"b":null,"a":"\u0001\""}],"extension_x_Count":3}"#.utf8)),
            urlStep: .postAttributeCollection)
        let canonicalRaw = request.raw.canonicalBytes()
        #expect(SignupFingerprint(request, canonicalRaw: canonicalRaw) == SignupFingerprint(request))
        func event(_ canonicalRaw: [UInt8]?) -> SignupEvent {
            SignupEvent(
                id: "e-1", source: "/gatehouse/test", time: Date(timeIntervalSince1970: 1_795_687_200), request: request,
                decision: .continue, userKey: "a@b.c", durability: "local", traceparent: TraceContext.newTraceparent(),
                latency: .microseconds(12), canonicalRaw: canonicalRaw)
        }
        #expect(event(canonicalRaw).dataBytes == event(nil).dataBytes)
        #expect(try JSONValue.parse(event(canonicalRaw).dataBytes)["raw"] == request.raw)
    }

    /// The event data is written member by member on the request path; it must be exactly the canonical
    /// form (compact, keys sorted) of what it holds, for every kind of decision and claim.
    @Test(arguments: [
        SignupDecision.continue,
        SignupDecision(action: .modify(["extension_x_Tier": "gold", "city": "Bergen", "extension_x_Count": .int(4)]), rules: ["tier"]),
        SignupDecision(action: .block(message: "Not \"here\"", title: "Closed"), rules: ["closed", "second"]),
        SignupDecision(action: .block(message: "No title", title: nil), rules: ["closed"]),
        SignupDecision(
            action: .validationError(message: "Fix it", attributeErrors: ["postalCode": "Bad", "city": "Worse"]), rules: ["zip"]),
    ])
    func eventDataIsCanonical(decision: SignupDecision) throws {
        let body = #"""
            {"email":"Ada@Example.com","displayName":"Ada","givenName":"Ada","lastName":"Lovelace","jobTitle":"Programmer",
            "streetAddress":"12 Square","city":"London","postalCode":"SW1Y","state":"GL","country":"UK","ui_locales":"en-GB",
            "identities":[{"signInType":"federated","issuer":"google.com","issuerAssignedId":"1"},{"issuer":"x.com"}],
            "client_id":"app-1","extension_x_B":true,"extension_x_A":[1,2.5,null],"unknown":{"z":1,"a":"\n"}}
            """#
        let request = try APIConnectorDialect.parse(JSONValue.parse(Array(body.utf8)), urlStep: .postAttributeCollection)
        let sparse = try APIConnectorDialect.parse(JSONValue.parse(Array("{}".utf8)), urlStep: nil)
        for (request, latency) in [(request, Duration?.some(.microseconds(1_234))), (sparse, nil)] {
            let event = SignupEvent(
                id: "e-1", source: "/gatehouse/test", time: Date(timeIntervalSince1970: 1_795_687_200.5), request: request,
                decision: decision, userKey: request.claims.userKey ?? "anonymous", durability: "none",
                traceparent: TraceContext.newTraceparent(), latency: latency)
            let data = try JSONValue.parse(event.dataBytes)
            #expect(data.canonicalBytes() == event.dataBytes)
            #expect(data["claims"] == request.claims.json)
            #expect(data["decision"] == decision.json)
            #expect(data["raw"] == request.raw)
            #expect(data["receivedAt"] == "2026-11-26T10:00:00.500Z")
            #expect(data["decidedInMicroseconds"] == (latency == nil ? nil : JSONValue.int(1_234)))
            #expect(data["clientId"] == (request.clientID.map(JSONValue.string) ?? .null))
        }
        #expect(request.claims.json["surname"] == "Lovelace")
        #expect(request.claims.json["identities"]?.arrayValue?.count == 2)
        #expect(decision.json["rule"] == (decision.rules.first.map(JSONValue.string) ?? .null))
    }

    @Test func malformedJSONSaysSo() {
        #expect(throws: MalformedJSON.self) { try JSONValue.parse(Array("{\"email\":".utf8)) }
    }
}

enum ExternalIDSamples {
    static func submit(email: String, correlation: String) -> JSONValue {
        .object([
            "type": "microsoft.graph.authenticationEvent.attributeCollectionSubmit",
            "source": "/tenants/t-1/applications/app-2",
            "data": .object([
                "@odata.type": "microsoft.graph.onAttributeCollectionSubmitCalloutData",
                "tenantId": "t-1",
                "authenticationContext": .object([
                    "correlationId": .string(correlation),
                    "client": .object(["ip": "127.0.0.1", "locale": "en-us", "market": "en-us"]),
                    "clientServicePrincipal": .object(["appId": "app-2"]),
                ]),
                "userSignUpInfo": .object([
                    "attributes": .object([
                        "email": .object([
                            "@odata.type": "microsoft.graph.stringDirectoryAttributeValue", "value": .string(email),
                            "attributeType": "builtIn",
                        ]),
                        "city": .object([
                            "@odata.type": "microsoft.graph.stringDirectoryAttributeValue", "value": "Oslo", "attributeType": "builtIn",
                        ]),
                        "extension_0a1b_Shoe": .object([
                            "@odata.type": "microsoft.graph.int64DirectoryAttributeValue", "value": .int(41),
                            "attributeType": "directorySchemaExtension",
                        ]),
                    ]),
                    "identities": .array([
                        .object(["signInType": "emailAddress", "issuer": "contoso.ciamlogin.com", "issuerAssignedId": .string(email)])
                    ]),
                ]),
            ]),
        ])
    }

    static func submitText(email: String, correlation: String) -> String {
        String(decoding: submit(email: email, correlation: correlation).canonicalBytes(), as: UTF8.self)
    }
}

@Suite struct JSONParserTests {
    @Test func textIsValidatedAsUTF8AndARepeatedNameKeepsItsLastValue() throws {
        let valid = try JSONValue.parse(Array(#"{"name":"Zoë Ångström","name2":"東京","x":1,"x":2}"#.utf8))
        #expect(valid["name"] == "Zoë Ångström")
        #expect(valid["name2"] == "東京")
        #expect(valid["x"] == .int(2))
        // An overlong encoding, a lone continuation byte, and a truncated four-byte sequence.
        for broken: [UInt8] in [[0xC0, 0xAF], [0x80], [0xF0, 0x9F, 0x98]] {
            let body = Array(#"{"a":""#.utf8) + broken + Array(#""}"#.utf8)
            #expect(throws: MalformedJSON.self) { try JSONValue.parse(body) }
        }
    }

    @Test func parsesEveryKindAndKeepsIntegersApart() throws {
        let value = try JSONValue.parse(
            Array(#" {"s":"a\"b\\c\/\n\u00e9\ud83d\ude00","i":-42,"d":1.5,"e":2e3,"t":true,"f":false,"n":null,"a":[1,[],{}],"o":{}} "#.utf8)
        )
        #expect(value["s"] == .string("a\"b\\c/\né😀"))
        #expect(value["i"] == .int(-42))
        #expect(value["d"] == .double(1.5))
        #expect(value["e"] == .double(2000))
        #expect(value["t"] == .bool(true) && value["f"] == .bool(false) && value["n"] == .null)
        #expect(value["a"] == .array([.int(1), .array([]), .object([:])]))
        #expect(try JSONValue.parse(Array(value.canonicalBytes())) == value, "writing and parsing round-trips")
    }

    @Test(arguments: [
        "", "{", "{\"a\":}", "[1,]", "{\"a\":1,}", "01", "1.", "\"\\x\"", "\"\u{01}\"", "tru", "{} {}", "\"\\ud800\"",
        String(repeating: "[", count: 100),
    ])
    func rejectsWhatIsNotJSON(text: String) {
        #expect(throws: MalformedJSON.self) { try JSONValue.parse(Array(text.utf8)) }
    }

    @Test func saysWhereTheTextStopsBeingJSON() {
        let error = #expect(throws: MalformedJSON.self) { try JSONValue.parse(Array(#"{"email": }"#.utf8)) }
        #expect(error?.detail == "unexpected character '}' at byte 10")
    }

    @Test func eventTimestampsAreRFC3339InUTCWithMilliseconds() {
        // Foundation's ISO8601FormatStyle writes 0.999 s as ".998": it cuts the binary fraction.
        let expected: [(Int64, String)] = [
            (0, "1970-01-01T00:00:00.000Z"), (1, "1970-01-01T00:00:00.001Z"), (999, "1970-01-01T00:00:00.999Z"),
            (1_000, "1970-01-01T00:00:01.000Z"), (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (1_795_686_123_456, "2026-11-26T09:42:03.456Z"), (4_102_444_799_999, "2099-12-31T23:59:59.999Z"),
        ]
        for (milliseconds, text) in expected {
            #expect(SignupEvent.timestamp(Date(timeIntervalSince1970: Double(milliseconds) / 1000)) == text)
        }
        // Sub-millisecond parts are cut, never rounded up into the next millisecond.
        #expect(SignupEvent.timestamp(Date(timeIntervalSince1970: 1.9999)) == "1970-01-01T00:00:01.999Z")
        #expect(SignupEvent.timestamp(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
    }

    @Test func timestampsAreReadBackExactlyAndOtherRFC3339FormsStillParse() {
        for milliseconds in [0, 1, 999, 951_782_400_000, 1_795_686_123_456, 4_102_444_799_999] as [Int64] {
            let text = SignupEvent.timestamp(Date(timeIntervalSince1970: Double(milliseconds) / 1000))
            let parsed = SignupEvent.parseTimestamp(text)
            #expect(parsed.map(SignupEvent.timestamp) == text)
            #expect(abs((parsed?.timeIntervalSince1970 ?? 0) - Double(milliseconds) / 1000) < 1e-6, "\(text)")
        }
        #expect(SignupEvent.parseTimestamp("2026-11-26T10:00:00Z") == Date(timeIntervalSince1970: 1_795_687_200))
        #expect(SignupEvent.parseTimestamp("2026-11-26T10:00:00.5Z") == Date(timeIntervalSince1970: 1_795_687_200.5))
        #expect(SignupEvent.parseTimestamp("2026-11-26T12:00:00+02:00") == Date(timeIntervalSince1970: 1_795_687_200))
        #expect(SignupEvent.parseTimestamp("2024-02-29T00:00:00Z") == Date(timeIntervalSince1970: 1_709_164_800))
        for broken in ["", "yesterday", "2026-13-01T00:00:00Z", "2026-11-26 10:00:00Z", "2026-11-26T10:00:00.Z", "2026-11-26T1x:00:00Z"] {
            #expect(SignupEvent.parseTimestamp(broken) == nil, "\(broken)")
        }
    }

    @Test func eventIDsAreRandomVersion4UUIDs() async {
        // Many 4 KiB refills of the random pool, from several tasks at once.
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 { group.addTask { (0..<1_000).map { _ in RandomID.uuid() } } }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(ids.count == 4_000)
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(50) {
            #expect(UUID(uuidString: id)?.uuidString.lowercased() == id)
            let characters = Array(id)
            #expect(characters[14] == "4")
            #expect("89ab".contains(characters[19]))
        }
    }

    @Test func newTraceparentsAreWellFormedAndDistinct() {
        let first = TraceContext.newTraceparent()
        #expect(TraceContext.traceparent(from: first) == first)
        #expect(TraceContext.newTraceparent() != first)
    }
}
