import SmileyCore
import Testing

@Suite struct CentreAlertRulesTests {
    @Test func settingsChangeByNameAndBadValuesNameTheSettingTheValueAndTheRange() throws {
        var rules = CentreAlertRules()
        try rules.set("dip.minimum-answers", to: "6")
        try rules.set("dip.negative-percent", to: "60")
        try rules.set("drift.sigmas", to: "2.5")
        try rules.set("enabled.silent-device", to: "no")
        #expect(rules.dip.minimumAnswers == 6 && rules.dip.negativeShare == 0.6 && rules.drift.sigmas == 2.5)
        #expect(!rules.enabled(.silentDevice) && rules.enabled(.dip))
        #expect(rules.value(of: "drift.sigmas") == "2.5" && rules.value(of: "dip.negative-percent") == "60")

        func refusal(_ name: String, _ value: String) -> String? {
            var copy = rules
            do {
                try copy.set(name, to: value)
                return nil
            } catch {
                #expect(copy == rules, "a refused setting changes nothing")
                return error.message
            }
        }
        #expect(refusal("dip.minimum-answers", "1") == "dip.minimum-answers must be in 2...1000, not 1")
        #expect(
            refusal("dip.minimum-answers", "4.5") == "dip.minimum-answers must be a whole number in 2...1000, not '4.5'"
        )
        #expect(refusal("drift.sigmas", "wide") == "drift.sigmas must be a number in 1...6, not 'wide'")
        #expect(refusal("drift.sigmas", "nan") == "drift.sigmas must be a number in 1...6, not 'nan'")
        #expect(refusal("enabled.dip", "maybe") == "enabled.dip must be yes or no, not 'maybe'")
        #expect(
            refusal("dip.colour", "red")?.hasPrefix("unknown alert setting 'dip.colour' (known: dip.window-minutes")
                == true)
        #expect(
            refusal("drift.minimum-history-days", "40")
                == "drift.minimum-history-days (40) cannot exceed drift.history-days (28)")
    }

    @Test func storedChangesApplyOverTheDefaultsAndOneThatNoLongerValidatesIsSkipped() {
        let rules = CentreAlertRules.applying([("dip.window-minutes", "30"), ("dip.minimum-answers", "0")])
        #expect(rules.dip.windowMinutes == 30 && rules.dip.minimumAnswers == 4)
    }

    @Test func theClockRuleNeedsAWholeDayOfUnsynchronisedHeartbeats() {
        let rules = CentreAlertRules()
        let since: Int64 = 1_000_000
        #expect(rules.clockFinding(device: "d", unsynchronisedSinceMillis: nil, nowMillis: since + 90_000_000) == nil)
        #expect(rules.clockFinding(device: "d", unsynchronisedSinceMillis: since, nowMillis: since + 86_399_999) == nil)
        let evidence = rules.clockFinding(device: "d", unsynchronisedSinceMillis: since, nowMillis: since + 86_400_000)
        #expect(evidence?.fromMillis == since && evidence?.toMillis == since + 86_400_000)
        #expect(
            evidence?.summary == "d's clock has not been synchronised for 24 hours (its presses are dated by the hub)")
    }
}
