import Foundation
import GatehouseSettings
import GatehouseSignup
import GatehouseTestSupport
import GatehouseWorkers
import Testing

/// `workers.permissions` in the configuration file.
@Suite struct PermissionsSettingsTests {
    static func write(_ yaml: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("permissions-settings") + ".yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @Test func grantsAndTheSCIMEndpointAreRead() async throws {
        let path = try Self.write(
            """
            kafka: {bootstrap_servers: [a:9092]}
            durability: {data_dir: /var/lib/gatehouse}
            workers:
              permissions:
                grants:
                  - {email_domain: [contoso.com, "*.contoso.com"], group: staff}
                  - attribute: Department
                    equals: Sales
                    role: sales
                  - {attribute: level, one_of: [5, 6], group: seniors}
                scim:
                  url: https://scim.example.com/scim/v2
                  token_env: SCIM_TOKEN
                  groups: {staff: 2819c223-7f76-453a, seniors: 42}
                  member: email
                  timeout_seconds: 3
            """)
        let settings = try await GatehouseSettings.load(path: path, environment: ["SCIM_TOKEN": "secret"])
        #expect(settings.permissionsDatabase.sqlitePath == "/var/lib/gatehouse/permissions.sqlite")
        #expect(settings.permissions.grants.map(\.name) == ["staff", "sales", "seniors"])
        let scim = try #require(settings.permissions.scim)
        #expect(scim.url == "https://scim.example.com/scim/v2")
        #expect(scim.groups == ["staff": "2819c223-7f76-453a", "seniors": "42"])
        #expect(scim.member == .email)
        #expect(scim.timeout == .seconds(3))
        #expect("\(scim.token)" == "environment variable SCIM_TOKEN")

        let signup = PermissionsFixture.signup(
            id: "e", email: "ada@eu.contoso.com", custom: ["extension_0a1b_Department": .string("sales"), "extension_0a1b_level": .int(5)])
        #expect(
            settings.permissions.grants(for: signup.data).map { "\($0.kind) \($0.name)" } == ["group staff", "role sales", "group seniors"])
    }

    @Test func badGrantsAndSCIMKeysAreNamedByKey() async throws {
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("no-such-token")).path
        let path = try Self.write(
            """
            kafka: {bootstrap_servers: [a:9092]}
            workers:
              permissions:
                grants:
                  - {email_domain: [contoso.com, "not a domain"], group: staff}
                  - {attribute: Department, role: sales}
                  - {email_domain: contoso.com, attribute: country, equals: DE, group: x}
                  - {email_domain: contoso.com}
                  - {email_domain: contoso.com, group: a, role: b, colour: blue}
                  - just a string
                  - {attribute: country, one_of: {DE: 1}, group: dach}
                scim:
                  url: not-a-url
                  token_file: \(tokenFile)
                  groups: {staff: 1, ghosts: 2}
                  timeout_seconds: 0
                  retries: 3
            """)
        let error = await #expect(throws: ConfigurationProblems.self) { try await GatehouseSettings.load(path: path, environment: [:]) }
        let problems = try #require(error?.problems)
        let grants = "workers.permissions.grants"
        #expect(
            problems.contains("\(grants)[0].email_domain[1]: must be a domain such as example.com, or *.example.com for its subdomains"))
        #expect(problems.contains("\(grants)[1]: attribute needs equals or one_of"))
        #expect(problems.contains("\(grants)[2]: give one condition per grant, email_domain or attribute, not both"))
        #expect(problems.contains("\(grants)[3]: needs a grant: group or role"))
        #expect(problems.contains("\(grants)[4]: give one grant per entry, group or role, not both"))
        #expect(problems.contains("\(grants)[4].colour: unknown key; a grant has email_domain, attribute, equals, one_of, group, role"))
        #expect(problems.contains { $0.hasPrefix("\(grants)[5]: must be a mapping") })
        #expect(problems.contains("\(grants)[6].one_of: must be a list of values"))
        let scim = "workers.permissions.scim"
        #expect(problems.contains("\(scim).url: must be an http(s) URL such as https://scim.example.com/scim/v2"))
        #expect(problems.contains("\(scim).token_file: cannot read a token from \(tokenFile)"))
        #expect(problems.contains("\(scim).groups.ghosts: no grant gives the group 'ghosts'"))
        #expect(problems.contains("\(scim).timeout_seconds: 0 is out of range; expected 1...300"))
        #expect(problems.contains { $0.hasPrefix("\(scim).retries: unknown key") })
    }

    @Test func aMissingTokenIsNamedWithoutItsValueAndGrantsMustBeAList() async throws {
        let path = try Self.write(
            """
            kafka: {bootstrap_servers: [a:9092]}
            workers:
              permissions:
                grants: {email_domain: contoso.com, group: staff}
                scim: {url: "https://scim.example.com/v2", token_env: GATEHOUSE_TEST_UNSET_TOKEN, groups: {}}
            """)
        let error = await #expect(throws: ConfigurationProblems.self) { try await GatehouseSettings.load(path: path, environment: [:]) }
        let problems = try #require(error?.problems)
        #expect(problems.contains { $0.hasPrefix("workers.permissions.grants: must be a list of grants") })
        #expect(problems.contains("workers.permissions.scim.token_env: the environment variable GATEHOUSE_TEST_UNSET_TOKEN is not set"))
        #expect(problems.contains("workers.permissions.scim.groups: required, each pushed group's SCIM id by its name"))
    }
}
