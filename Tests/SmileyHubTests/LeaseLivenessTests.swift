import Testing

@testable import SmileyHub

/// `LeaseLiveness` and `LeaseCheck` as plain values: the bounds, their validation, the session's settings and
/// the verdict of a check.
struct LeaseLivenessTests {
    @Test func theStandardBoundsHoldAndNameTheirFigures() throws {
        let standard = LeaseLiveness.standard
        try standard.validate()
        #expect(standard.holderNoticesWithin == .seconds(15))
        // The sooner of idle_session_timeout (30 s) and keepalive (10 + 5 × 3 = 25 s) over a real network.
        #expect(standard.serverFreesWithin == .seconds(25))
        let loose = LeaseLiveness(idleSessionTimeout: .seconds(20), keepaliveIdle: .seconds(60))
        #expect(loose.serverFreesWithin == .seconds(20))
    }

    @Test func theSessionSettingsAreOneQueryOfWholeUnits() {
        let liveness = LeaseLiveness(
            checkInterval: .milliseconds(200), checkTimeout: .milliseconds(500),
            idleSessionTimeout: .milliseconds(2500),
            keepaliveIdle: .seconds(2), keepaliveInterval: .seconds(1), keepaliveCount: 4)
        #expect(
            liveness.sessionSettingsSQL
                == "SELECT set_config('idle_session_timeout', '2500', false), "
                + "set_config('tcp_keepalives_idle', '2', false), set_config('tcp_keepalives_interval', '1', false), "
                + "set_config('tcp_keepalives_count', '4', false), set_config('tcp_user_timeout', '6000', false)")
    }

    @Test func boundsThatCannotHoldAHealthyLeaseAreRefusedByName() {
        let cases: [(LeaseLiveness, String)] = [
            (LeaseLiveness(checkInterval: .zero), "checkInterval must be positive"),
            (LeaseLiveness(checkTimeout: .seconds(-1)), "checkTimeout must be positive"),
            (LeaseLiveness(keepaliveIdle: .milliseconds(500)), "keepaliveIdle must be at least 1 second"),
            (LeaseLiveness(keepaliveCount: 0), "keepaliveCount must be at least 1"),
            (
                LeaseLiveness(
                    checkInterval: .seconds(20), checkTimeout: .seconds(10), idleSessionTimeout: .seconds(30)),
                "idleSessionTimeout (30.0 seconds) must exceed checkInterval + checkTimeout (30.0 seconds)"
            ),
        ]
        for (liveness, message) in cases {
            do {
                try liveness.validate()
                Issue.record("accepted: \(liveness)")
            } catch {
                #expect(error.description.contains(message), "\(error.description)")
            }
        }
    }

    @Test func aCheckUnansweredOrFailedLosesTheLease() {
        #expect(LeaseCheck.answered.lostReason == nil)
        #expect(
            LeaseCheck.unanswered(after: .seconds(5)).lostReason
                == "its PostgreSQL connection did not answer a check within 5.0 seconds (a silent network?)")
        #expect(
            LeaseCheck.failed("connection reset").lostReason
                == "its PostgreSQL connection failed a check: connection reset")
        let lost = PeriodicWorkLease.Lost(
            name: "alert-evaluation", reason: LeaseCheck.unanswered(after: .seconds(5)).lostReason!)
        #expect(lost.description.hasPrefix("the lease 'alert-evaluation' was lost: its PostgreSQL connection did not"))
    }
}
