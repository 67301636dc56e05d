import Foundation
import PostgresNIO
import SmileyCore
import Testing

@testable import SmileyHub

/// A delivery is attempted only once claimed (`claimDueDeliveries`): the claim moves it out of the due ones
/// until its hold ends or its attempt is recorded, alike on both backends; on PostgreSQL, two hubs claiming
/// at once never claim the same delivery.
@Suite struct DeliveryClaimTests {
    static let centre = CentreCareStoreTests.centre
    static let start = CentreCareStoreTests.start

    /// Three alerts opened, each with a webhook and an e-mail delivery: six pending, due from `start`.
    static func openAlerts(_ subject: StoreUnderTest, count: Int = 3) async throws -> [Int64] {
        try await CentreCareStoreTests.prepare(subject)
        let state = AlertState(openedMillis: start, evidence: CentreCareStoreTests.evidence("offline"))
        return try await subject.care.apply(
            (0..<count).map { CentreCareStoreTests.change(centre, .deviceOffline, "device-\($0)", .open(state)) },
            deliverTo: ["webhook", "email"])
    }

    @Test(arguments: StoreBackend.available)
    func aClaimedDeliveryIsNotDueAgainUntilItsHoldEnds(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            let care = subject.care
            _ = try await Self.openAlerts(subject)
            let now = Self.start + 1_000
            let all = try await care.dueDeliveries(nowMillis: now, limit: 50)
            #expect(all.count == 6)

            let first = try await care.claimDueDeliveries(nowMillis: now, holdUntilMillis: now + 300_000, limit: 1)
            #expect(first.map(\.id) == [all[0].id])
            #expect(first.first?.nextAttemptMillis == now + 300_000 && first.first?.state == .pending)
            // Claimed: neither due nor claimable again while the hold lasts.
            #expect(try await care.dueDeliveries(nowMillis: now, limit: 50).map(\.id) == all.dropFirst().map(\.id))
            let rest = try await care.claimDueDeliveries(nowMillis: now, holdUntilMillis: now + 300_000, limit: 50)
            #expect(rest.map(\.id) == all.dropFirst().map(\.id))
            #expect(
                try await care.claimDueDeliveries(nowMillis: now, holdUntilMillis: now + 300_000, limit: 50).isEmpty)

            // The first is delivered; the others' attempts were never recorded: due again once the hold ends.
            try await care.recordDeliveryAttempt(id: all[0].id, error: nil, nextAttemptMillis: nil, nowMillis: now + 5)
            #expect(try await care.dueDeliveries(nowMillis: now + 299_999, limit: 50).isEmpty)
            let again = try await care.claimDueDeliveries(
                nowMillis: now + 300_000, holdUntilMillis: now + 600_000, limit: 50)
            #expect(again.map(\.id) == all.dropFirst().map(\.id))
            #expect(
                try await care.deliveries(alertID: all[0].alertID).first { $0.id == all[0].id }?.state == .delivered)
        }
    }

    @Test(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
    func twoHubsClaimingAtOnceNeverClaimTheSameDelivery() async throws {
        try await PostgresTestServer.withFreshDatabase { name in
            try await PostgresTestServer.withClient(database: name) { first in
                try await PostgresTestServer.withClient(database: name) { second in
                    let (a, b) = (PostgresPressStore.quiet(first), PostgresPressStore.quiet(second))
                    try await a.migrate()
                    _ = try await Self.openAlerts(
                        StoreUnderTest(store: a, probe: .postgres(first), people: a, care: a), count: 40)
                    let now = Self.start + 1_000
                    let due = Set(try await a.dueDeliveries(nowMillis: now, limit: 500).map(\.id))
                    #expect(due.count == 80)
                    /// Claims one at a time until none is left, as `AlertDeliverer` does.
                    @Sendable func drain(_ store: PostgresPressStore) async throws -> [Int64] {
                        var claimed: [Int64] = []
                        while let next = try await store.claimDueDeliveries(
                            nowMillis: now, holdUntilMillis: now + 300_000, limit: 1
                        ).first {
                            claimed.append(next.id)
                        }
                        return claimed
                    }
                    async let byA = drain(a)
                    async let byB = drain(b)
                    let (fromA, fromB) = try await (byA, byB)
                    #expect(fromA.count + fromB.count == 80)
                    #expect(Set(fromA).isDisjoint(with: fromB))
                    #expect(Set(fromA).union(fromB) == due)
                }
            }
        }
    }
}
