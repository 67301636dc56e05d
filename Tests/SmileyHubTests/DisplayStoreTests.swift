import Foundation
import SmileyCore
import Testing

@testable import SmileyHub

/// The lobby's display tokens (`DisplayStore`) on both backends: the same tokens made, listed and revoked read
/// back alike, only their hashes are stored, and bad input gets the same typed refusal on both and changes
/// nothing.
@Suite struct DisplayStoreTests {
    static let wangdue = PressStoreTests.centre
    static let paro = CentreID(rawValue: "paro-dcrc")!

    /// The display tokens of the store under test (both backends hold them).
    static func display(_ subject: StoreUnderTest) -> any DisplayStore {
        switch subject.probe {
        case .sqlite(let database): database
        case .postgres(let client): PostgresPressStore.quiet(client)
        }
    }

    /// Two centres, no tokens yet.
    static func prepare(_ subject: StoreUnderTest) async throws {
        try await PressStoreTests.prepare(subject.store)
        try await subject.store.addCentre(Centre(id: paro, name: "Paro DCRC", timeZone: "Asia/Thimphu"))
    }

    /// What a refusal must leave as it was: every token's row and the audit log.
    static func snapshot(_ subject: StoreUnderTest) async throws -> [String] {
        try await subject.probe.rowsAsText("display_token").sorted()
            + subject.people.auditEntries(limit: 100).map { "\($0.actor): \($0.action): \($0.detail)" }
    }

    @Test(arguments: StoreBackend.available)
    func tokensReadBackWhatWasDoneAndOnlyTheirHashesAreStored(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            try await Self.prepare(subject)
            let display = Self.display(subject)
            let entrance = try await display.createDisplayToken(
                centre: Self.wangdue, label: "  entrance screen  ", by: "admin", nowMillis: 1_000)
            let poster = try await display.createDisplayToken(
                centre: Self.paro, label: "", by: "pema", nowMillis: 2_000)
            let counter = try await display.createDisplayToken(
                centre: Self.wangdue, label: "counter <2>", by: "admin", nowMillis: 3_000)
            try await display.revokeDisplayToken(entrance.id, by: "dorji", nowMillis: 4_000)

            #expect([entrance.id, poster.id, counter.id] == [1, 2, 3])
            for token in [entrance.token, poster.token, counter.token] {
                #expect(token.hasPrefix("display_") && token.count > 40)
            }
            #expect(Set([entrance.token, poster.token, counter.token]).count == 3)
            let all = try await display.displayTokens(centre: nil)
            #expect(
                all == [
                    DisplayTokenSummary(
                        id: 1, centre: Self.wangdue, label: "entrance screen", createdBy: "admin", createdMillis: 1_000,
                        revokedMillis: 4_000),
                    DisplayTokenSummary(
                        id: 2, centre: Self.paro, label: "", createdBy: "pema", createdMillis: 2_000, revokedMillis: nil
                    ),
                    DisplayTokenSummary(
                        id: 3, centre: Self.wangdue, label: "counter <2>", createdBy: "admin", createdMillis: 3_000,
                        revokedMillis: nil),
                ])
            #expect(try await display.displayTokens(centre: Self.wangdue).map(\.id) == [1, 3])
            #expect(try await display.displayTokens(centre: Self.paro).map(\.id) == [2])
            #expect(try await display.displayTokens(centre: CentreID(rawValue: "nowhere")!).isEmpty)

            #expect(try await display.displayAccess(token: entrance.token) == .revoked)
            #expect(try await display.displayAccess(token: poster.token) == .centre(Self.paro))
            #expect(try await display.displayAccess(token: counter.token) == .centre(Self.wangdue))
            #expect(try await display.displayAccess(token: "display_" + String(repeating: "0", count: 32)) == .unknown)
            #expect(try await display.displayAccess(token: String(counter.token.dropFirst(8))) == .unknown)
            #expect(
                try await display.displayAccess(token: counter.token + String(repeating: "x", count: 100)) == .unknown)
            #expect(try await display.displayAccess(token: "") == .unknown)

            // The tokens are nowhere in the table: their SHA-256 is.
            let rows = try await subject.probe.rowsAsText("display_token").joined(separator: "\n")
            for token in [entrance.token, poster.token, counter.token] {
                #expect(!rows.contains(token) && !rows.contains(String(token.dropFirst(8))))
                #expect(rows.contains(Secret.sha256(token)))
            }
            let audit = try await subject.people.auditEntries(limit: 10).map {
                "\($0.actor): \($0.action): \($0.detail)"
            }
            #expect(
                audit == [
                    "dorji: display token revoked: #1",
                    "admin: display token created: wangdue-dcrc #3 counter <2>",
                    "pema: display token created: paro-dcrc #2 ",
                    "admin: display token created: wangdue-dcrc #1 entrance screen",
                ])
        }
    }

    @Test(arguments: StoreBackend.available)
    func badRequestsAreRefusedByNameAndChangeNothing(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            try await Self.prepare(subject)
            let display = Self.display(subject)
            let held = try await display.createDisplayToken(
                centre: Self.wangdue, label: "entrance", by: "admin", nowMillis: 1_000)
            let other = try await display.createDisplayToken(
                centre: Self.paro, label: "hall", by: "admin", nowMillis: 1_500)
            try await display.revokeDisplayToken(other.id, by: "admin", nowMillis: 1_800)
            let before = try await Self.snapshot(subject)

            await #expect(throws: HubError.notFound("unknown centre 'nowhere'")) {
                try await display.createDisplayToken(
                    centre: CentreID(rawValue: "nowhere")!, label: "x", by: "admin", nowMillis: 2_000)
            }
            let badLabel = HubError.invalid("a display's label has at most 80 characters and no control characters")
            await #expect(throws: badLabel) {
                try await display.createDisplayToken(
                    centre: Self.wangdue, label: String(repeating: "a", count: 81), by: "admin", nowMillis: 2_000)
            }
            await #expect(throws: badLabel) {
                try await display.createDisplayToken(
                    centre: Self.wangdue, label: "bell\u{7}screen", by: "admin", nowMillis: 2_000)
            }
            await #expect(throws: HubError.notFound("no display token #2, or it is already revoked")) {
                try await display.revokeDisplayToken(other.id, by: "admin", nowMillis: 2_000)
            }
            await #expect(throws: HubError.notFound("no display token #99, or it is already revoked")) {
                try await display.revokeDisplayToken(99, by: "admin", nowMillis: 2_000)
            }
            #expect(try await Self.snapshot(subject) == before)
            #expect(try await display.displayAccess(token: held.token) == .centre(Self.wangdue))

            // A label of exactly 80 characters is taken.
            let longest = try await display.createDisplayToken(
                centre: Self.wangdue, label: String(repeating: "ཀ", count: 80), by: "admin", nowMillis: 3_000)
            #expect(longest.id == 3)
        }
    }
}
