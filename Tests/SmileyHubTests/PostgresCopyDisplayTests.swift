import Foundation
import SmileyCore
import Testing

@testable import SmileyHub

extension PostgresCopyTests {
    /// Three display tokens of two centres, the first revoked; returns the tokens as `display create` printed them.
    static func tellDisplays(_ subject: StoreUnderTest) async throws -> [(id: Int64, token: String)] {
        try await DisplayStoreTests.prepare(subject)
        let display = DisplayStoreTests.display(subject)
        let tokens = [
            try await display.createDisplayToken(
                centre: DisplayStoreTests.wangdue, label: "entrance screen", by: "admin", nowMillis: 1_000),
            try await display.createDisplayToken(
                centre: DisplayStoreTests.paro, label: "hall", by: "pema", nowMillis: 2_000),
            try await display.createDisplayToken(
                centre: DisplayStoreTests.wangdue, label: "counter", by: "admin", nowMillis: 3_000),
        ]
        try await display.revokeDisplayToken(tokens[0].id, by: "admin", nowMillis: 4_000)
        return tokens
    }

    /// Display tokens copied with their ids and hashes: the tokens SQLite handed out open the same centres on
    /// PostgreSQL, a revoked one stays revoked, a rerun adds nothing, a revocation made on SQLite after a copy
    /// is carried by the next, and new tokens take the ids SQLite would give next.
    @Test func displayTokensAreCopiedWithTheirIdsAndHashesAndARerunDoublesNothing() async throws {
        try await StoreBackend.sqlite.withStore { lite in
            let source = try #require(lite.care as? HubDatabase)
            let tokens = try await Self.tellDisplays(lite)
            try await StoreBackend.postgres.withStore { pg in
                let target = try #require(pg.care as? PostgresPressStore)
                let first = try await PostgresCopy.copy(from: source, to: target)
                #expect(first.displayTokens == 3)
                let figures = (try StoreFigures.read(source), try await StoreFigures.read(target))
                #expect(figures.0.care[.displayToken]?.count == 3 && figures.0 == figures.1)
                let comparison = StoreFigures.comparison(sqlite: figures.0, postgres: figures.1)
                #expect(!comparison.differ && comparison.lines.contains("display_token rows: sqlite 3, postgresql 3"))
                #expect(!PostgresCopy.tablesNotCopied.contains("display_token"))
                #expect(try await target.displayTokens(centre: nil) == source.displayTokens())
                #expect(try await target.displayAccess(token: tokens[0].token) == .revoked)
                #expect(try await target.displayAccess(token: tokens[1].token) == .centre(DisplayStoreTests.paro))
                #expect(try await target.displayAccess(token: tokens[2].token) == .centre(DisplayStoreTests.wangdue))

                let again = try await PostgresCopy.copy(from: source, to: target)
                #expect(again.displayTokens == 0)
                #expect(try await StoreFigures.read(target) == figures.0)

                try source.revokeDisplayToken(tokens[1].id, by: "admin", nowMillis: 5_000)
                let third = try await PostgresCopy.copy(from: source, to: target)
                #expect(third.displayTokens == 0)
                #expect(try await target.displayAccess(token: tokens[1].token) == .revoked)
                #expect(try await StoreFigures.read(target) == StoreFigures.read(source))

                for subject in [lite, pg] {
                    let next = try await DisplayStoreTests.display(subject).createDisplayToken(
                        centre: DisplayStoreTests.paro, label: "after the copy", by: "admin", nowMillis: 6_000)
                    #expect(next.id == 4)
                }
            }
        }
    }

    /// PostgreSQL holding another token under a copied id: refused naming it, nothing written.
    @Test func aTargetHoldingAnotherDisplayTokenUnderTheSameIdIsRefusedAndLeftUnchanged() async throws {
        try await StoreBackend.sqlite.withStore { lite in
            let source = try #require(lite.care as? HubDatabase)
            _ = try await Self.tellDisplays(lite)
            try await StoreBackend.postgres.withStore { pg in
                let target = try #require(pg.care as? PostgresPressStore)
                try await pg.store.addCentre(
                    Centre(id: DisplayStoreTests.wangdue, name: "Wangdue DCRC", timeZone: "Asia/Thimphu"))
                try await pg.store.addCentre(
                    Centre(id: DisplayStoreTests.paro, name: "Paro DCRC", timeZone: "Asia/Thimphu"))
                let held = try await target.createDisplayToken(
                    centre: DisplayStoreTests.paro, label: "held only here", by: "pema", nowMillis: 1)
                let before = try await StoreFigures.read(target)
                await #expect(
                    throws: HubError.conflict(
                        "display token #1 differs: PostgreSQL holds 'held only here' of paro-dcrc made by pema at 1 with another token, SQLite 'entrance screen' of wangdue-dcrc made by admin at 1000"
                    )
                ) {
                    try await PostgresCopy.copy(from: source, to: target)
                }
                #expect(try await StoreFigures.read(target) == before)
                #expect(try await target.displayAccess(token: held.token) == .centre(DisplayStoreTests.paro))
            }
        }
    }
}
