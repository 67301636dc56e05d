import Foundation
import GRDB
import PostgresNIO
import SmileyCore
import Testing

@testable import SmileyHub

/// A person's e-mail address (`PeopleStore.setEmail`, `smiley-hub user email`) on both backends: set,
/// replaced and cleared with an audit line each; a bad address or an unknown person is refused, naming it,
/// and nothing changes.
@Suite struct PersonEmailTests {
    /// The address held in `person`, read from the table itself.
    static func email(_ subject: StoreUnderTest, of name: String) async throws -> String? {
        switch subject.probe {
        case .sqlite(let database):
            return try await database.writer.read { db in
                try String?.fetchOne(db, sql: "SELECT email FROM person WHERE name = ?", arguments: [name]) ?? nil
            }
        case .postgres(let client):
            var email: String?
            for try await value in try await client.query("SELECT email FROM person WHERE name = \(name)")
                .decode(String?.self)
            {
                email = value
            }
            return email
        }
    }

    @Test(arguments: StoreBackend.available)
    func anAddressIsSetReplacedAndClearedWithItsAuditLines(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            try await PeopleStoreTests.prepare(subject)
            let people = subject.people
            try await people.setEmail("dorji@example.bt", of: "dorji", by: "root", nowMillis: PeopleStoreTests.now)
            #expect(try await Self.email(subject, of: "dorji") == "dorji@example.bt")

            await #expect(
                throws: HubError.invalid(
                    "'dorji at example' is not an e-mail address (expected name@domain, no spaces or <>)")
            ) {
                try await people.setEmail("dorji at example", of: "dorji", by: "root", nowMillis: 1)
            }
            await #expect(throws: HubError.notFound("no person named 'pema'")) {
                try await people.setEmail("pema@example.bt", of: "pema", by: "root", nowMillis: 1)
            }
            #expect(try await Self.email(subject, of: "dorji") == "dorji@example.bt")

            try await people.setEmail("d.wangmo@example.bt", of: "dorji", by: "root", nowMillis: 2)
            #expect(try await Self.email(subject, of: "dorji") == "d.wangmo@example.bt")
            try await people.setEmail(nil, of: "dorji", by: "root", nowMillis: 3)
            #expect(try await Self.email(subject, of: "dorji") == nil)

            let lines = try await people.auditEntries(limit: 100).filter { $0.action == "set e-mail" }
            #expect(
                Set(lines.map(\.detail)) == ["dorji: dorji@example.bt", "dorji: d.wangmo@example.bt", "dorji: none"])
            #expect(lines.count == 3 && lines.allSatisfy { $0.actor == "root" })
        }
    }
}
